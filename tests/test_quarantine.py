"""Quarantine collector and the rows_read == kept + quarantined invariant."""
from __future__ import annotations

import pandas as pd
import pytest

from hb_eval.errors import HbEvalError
from hb_eval.data.quarantine import QUARANTINE_COLUMNS, Quarantine


def _q():
    q = Quarantine()
    q.add_file("roster", "roster.xlsx", "ab" * 32, "Asiakkaat", [2, 3, 4, 5])
    return q


def test_accounting_adds_up_and_cells_do_not_count_as_quarantined_rows():
    q = _q()
    q.row("roster", "roster.xlsx", "Asiakkaat", 3, "bad_client_id", "not a client number")
    q.cell("roster", "roster.xlsx", "Asiakkaat", 4, "Sukupuoli", "unknown_code", "not in the code list",
           client_id="0410712")
    kept = pd.DataFrame({"file": "roster.xlsx", "sheet": "Asiakkaat", "row": [2, 4, 4, 5]})
    acc = q.accounting(kept)
    assert acc[["rows_read", "rows_kept", "rows_quarantined"]].values.tolist() == [[4, 3, 1]]
    f = q.frame()
    assert list(f.columns) == QUARANTINE_COLUMNS
    assert f["level"].tolist() == ["row", "cell"]
    assert f["column"].isna().tolist() == [True, False]


def test_missing_row_is_a_bug():
    q = _q()
    kept = pd.DataFrame({"file": "roster.xlsx", "sheet": "Asiakkaat", "row": [2, 3, 4]})
    with pytest.raises(HbEvalError, match="do not add up.*unaccounted 1"):
        q.accounting(kept)


def test_kept_and_quarantined_at_once_is_a_bug():
    q = _q()
    q.row("roster", "roster.xlsx", "Asiakkaat", 5, "duplicate", "second row")
    kept = pd.DataFrame({"file": "roster.xlsx", "sheet": "Asiakkaat", "row": [2, 3, 4, 5]})
    with pytest.raises(HbEvalError, match="both kept and quarantined"):
        q.accounting(kept)


def test_row_never_read_is_a_bug():
    q = _q()
    kept = pd.DataFrame({"file": "roster.xlsx", "sheet": "Asiakkaat", "row": [2, 3, 4, 5, 9]})
    with pytest.raises(HbEvalError, match="not read 1"):
        q.accounting(kept)


def test_no_consent_records_carry_no_client_id():
    q = _q()
    q.rows("kykyviisari", "k.xlsx", "Vastaukset", [6, 7], "no_consent", "client without consent",
           client_id=["0410712", "0410713"])
    assert q.frame()["client_id"].isna().all()


def test_unknown_reason_is_refused():
    with pytest.raises(HbEvalError, match="unknown quarantine reason"):
        _q().row("roster", "roster.xlsx", "Asiakkaat", 2, "total_row", "x")


def test_vectorised_records_keep_per_row_values():
    q = _q()
    q.cells("roster", "roster.xlsx", "Asiakkaat", [2, 5], "Ikäryhmä", "bad_value", "x",
            client_id=["0110101", None])
    f = q.frame()
    assert f["row"].tolist() == [2, 5]
    assert f["client_id"].tolist()[0] == "0110101" and pd.isna(f["client_id"].tolist()[1])


def test_rows_of_a_file_never_registered_are_a_bug_naming_the_file():
    q = _q()
    kept = pd.DataFrame({"file": ["roster.xlsx", "other.xlsx", "roster.xlsx"], "row": [2, 3, 4]})
    with pytest.raises(HbEvalError, match="rows of other.xlsx are in a table but the file was "
                                          "never read"):
        q.accounting(kept)


def test_discarding_a_file_forgets_its_records_of_that_source_only():
    q = Quarantine()
    sha = "ab" * 32
    q.add_file("esr", "a.xlsx", sha, "S", [2, 3, 4])
    q.add_file("esr", "a.xlsx [S2]", sha, "S2", [2, 3], display="a.xlsx")  # a further sheet
    q.add_file("esr", "b.xlsx", sha, "S", [2, 3])
    q.add_file("satisfaction", "a.xlsx", sha, "S", [2])  # the same file read by another source
    # one batch over two files (records are kept as column arrays, a batch at a time)
    q.rows("esr", "x.xlsx", "S", [9], "duplicate", "untouched batch")
    q.rows("esr", ["a.xlsx", "b.xlsx", "a.xlsx"], "S", [2, 2, 3], "bad_value", "x",
           client_id=["0410712", "0410713", None])
    q.cells("esr", "a.xlsx [S2]", "S2", [3], "C1", "excel_error", "e")
    q.row("satisfaction", "a.xlsx", "S", 2, "bad_date", "d")
    q.add_unread_sheet("esr", "a.xlsx", "Muu", 4, "m")
    q.discard_file("a.xlsx", "esr")
    f = q.frame()
    assert list(zip(f["source"], f["file"], f["row"], f["client_id"].fillna("-"))) == [
        ("esr", "b.xlsx", 2, "0410713"), ("esr", "x.xlsx", 9, "-"),
        ("satisfaction", "a.xlsx", 2, "-")]
    assert [(r.source, r.path) for r in q.file_records] == [("esr", "b.xlsx"),
                                                            ("satisfaction", "a.xlsx")]
    assert q.unread_sheets_frame().empty
    q.discard_file("a.xlsx")  # no source: every source's
    assert q.frame()["file"].tolist() == ["b.xlsx", "x.xlsx"]
    assert [r.path for r in q.file_records] == ["b.xlsx"]
