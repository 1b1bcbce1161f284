"""Service-cost files parsed whole by the load's pool (issue 23): the table, the quarantine
records and the file's accounting taken from the worker equal a parse in the loading process;
a parse that numbered a privacy placeholder, or other bytes, are parsed again here."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from hb_eval import privacy
from hb_eval.data.schema import load_schemas
from hb_eval.data.io.batch import GridsAhead
from hb_eval.data import dataset as D
from hb_eval.data.loaders import service_costs as S
from hb_eval.data.loaders.common import LoadContext, take_parsed
from hb_eval.data.loaders.tables import conform
from hb_eval.data.plausibility import Limits
from hb_eval.data.quarantine import Quarantine

import loader_fixtures as F


def _files(tmp_path: Path, header: list[str]) -> list[Path]:
    rows = [r for r, _ in F.SERVICE_ROWS] + [
        ["0410715", "Kotipalvelu", "yksityinen", "HB-budjetti", "1.6.2018", "31.2.2018", "x",
         "h", "30,00", "90,00"],                     # bad date, bad number
        ["0410715", F.HETU, "kunta", "HB-budjetti", "1.6.2018", "3.6.2018", "1", "h", "1",
         "1"],                                       # a code in a cell, an unknown sector
        [F.HETU, "Kotipalvelu", "julkinen", "HB-budjetti", "1.6.2018", "3.6.2018", "1", "h",
         "1", "1"],                                  # a code as the client number
        ["9999999", "Kotipalvelu", "julkinen", "HB-budjetti", "1.6.2018", "3.6.2018", "1",
         "h", "1", "1"],                             # not a client number
    ]
    out = []
    for name in ("a.csv", "b.csv"):
        out.append(F._csv(tmp_path / name, [header] + rows, encoding="cp1252"))
    return out


def _pool(tmp_path: Path):
    """A one-worker pool forked as the load forks its own: the schemas, folder and limits
    inherited (dataset._FORKED)."""
    return D._fork_load_pool(1, schemas=load_schemas(), base_dir=tmp_path, limits=Limits())


def _load(files: list[Path], tmp_path: Path, ahead: bool):
    cfg_schemas = load_schemas()
    privacy.reset_placeholders()
    q = Quarantine()
    ctx = LoadContext(source="service_costs", schema=cfg_schemas["service_costs"], quarantine=q,
                      base_dir=tmp_path, schemas=cfg_schemas, limits=Limits())
    pool = None
    if ahead:
        pool = _pool(tmp_path)
        ctx.ahead = GridsAhead(pool, [])
        ctx.ahead.add_parsed(pool, [(p, p.name) for p in files], D._parsed_whole,
                             "service_costs")
    try:
        parts = []
        for p in files:  # as the load takes a file (its guarded loop)
            got = take_parsed(ctx.ahead, p, q, tmp_path) if ahead else None
            parts.append(got if got is not None else S.load([p], ctx))
        df = pd.concat(parts, ignore_index=True)
    finally:
        if pool is not None:
            pool.shutdown()
    recs = [(r.source, r.path, r.sha256, r.sheet, r.rows.tolist(), r.read.sha256, r.display)
            for r in q.file_records]
    return df, q.frame(), recs, privacy.placeholders_numbered(), ctx.ahead


def test_parsed_by_the_pool_equals_parsed_here(tmp_path: Path) -> None:
    files = _files(tmp_path, F.SERVICE_HEADER)
    here, q_here, recs_here, _, _ = _load(files, tmp_path, ahead=False)
    ahead, q_ahead, recs_ahead, _, left = _load(files, tmp_path, ahead=True)
    assert len(here) == 2 * 7 and not left._futures  # (both files taken from the pool)
    assert set(q_here["reason"]) >= {"bad_date", "bad_value", "personal_id_found",
                                     "unknown_code", "bad_client_id", "sum_mismatch"}
    # (the worker casts the text columns service, unit and file: equal once conformed)
    assert ahead["file"].dtype == "string" and here["file"].dtype != ahead["file"].dtype
    pd.testing.assert_frame_equal(conform(ahead, "service_costs"), conform(here, "service_costs"),
                                  check_exact=True)
    pd.testing.assert_frame_equal(q_ahead, q_here, check_exact=True)
    assert recs_ahead == recs_here


def test_a_placeholder_numbered_or_other_bytes_parse_here(tmp_path: Path) -> None:
    # a code in the header: the gate numbers a placeholder, which the worker must not do
    files = _files(tmp_path, F.SERVICE_HEADER + [F.HETU])
    pool = _pool(tmp_path)
    try:
        assert pool.submit(D._parsed_whole, files[0], files[0].name,
                           "service_costs").result() is None
    finally:
        pool.shutdown()
    here = _load(files, tmp_path, ahead=False)
    ahead = _load(files, tmp_path, ahead=True)
    assert here[3] == ahead[3] == 1  # one code, one placeholder, numbered here
    pd.testing.assert_frame_equal(ahead[0], here[0], check_exact=True)  # (both parsed here)
    pd.testing.assert_frame_equal(ahead[1], here[1], check_exact=True)
    # a second file with the same code in one worker: still refused (the worker's own
    # numbering must not hide a code that main numbers otherwise)
    pool = _pool(tmp_path)
    try:
        assert [pool.submit(D._parsed_whole, p, p.name, "service_costs").result()
                for p in files] == [None, None]
    finally:
        pool.shutdown()
    # bytes changed after the worker parsed them (the SHA-256 differs) or the file shown
    # otherwise: parsed here
    files = _files(tmp_path, F.SERVICE_HEADER)
    pool = _pool(tmp_path)
    try:
        got = pool.submit(D._parsed_whole, files[0], files[0].name, "service_costs").result()
    finally:
        pool.shutdown()
    assert got is not None
    threads = ThreadPoolExecutor(1)

    def taken(shown: str):
        """The load's take of files[0] when the pool parsed it as named ``shown``."""
        ga = GridsAhead(threads, [])
        ga.add_parsed(threads, [(files[0], shown)], lambda *a: got)
        return take_parsed(ga, files[0], Quarantine(), tmp_path)

    try:
        assert taken("other.csv") is None  # the task named the file otherwise
        assert taken(files[0].name) is got[1][0]  # the same bytes, the same name: taken
        files[0].write_bytes(files[0].read_bytes() + b"\r\n")  # other bytes: parsed here
        assert taken(files[0].name) is None
    finally:
        threads.shutdown()
