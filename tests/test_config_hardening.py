"""evaluation.yaml read defensively: size and alias limits, UTF-8 only, finite in-range values
(each fault of issue 8 item 5 built here as a small file)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from hb_eval.config import load_config
from hb_eval.support.config_yaml import MAX_BYTES, MAX_DEPTH
from hb_eval.errors import ConfigError

GOOD = "name: Arviointi\nsources:\n  roster: r.xlsx\n  kykyviisari: k.xlsx\n"


def _write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "evaluation.yaml"
    p.write_bytes(data)
    return p


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_an_alias_bomb_in_name_fails_fast_with_one_line(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi")):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\nname: *i\n" + GOOD.split("\n", 1)[1]
    p = _write(tmp_path, text.encode())
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert time.perf_counter() - t0 < 1.0
    msg = _one_line(exc)
    assert str(p) in msg and "aliases" in msg and "line 2" in msg


def test_a_merge_key_alias_is_refused_too(tmp_path):
    text = GOOD + "report: &r {language: en}\nanalysis:\n  <<: *r\n"
    with pytest.raises(ConfigError, match=r"aliases .* line 7"):
        load_config(_write(tmp_path, text.encode()))


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_is_refused_naming_the_file_and_utf8(tmp_path, encoding):
    p = _write(tmp_path, (GOOD.replace("Arviointi", "Hämeenlinnan arviointi")).encode(encoding))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = _one_line(exc)
    assert str(p) in msg and "UTF-8" in msg and "byte 0xe4 at line 1" in msg


@pytest.mark.parametrize("encoding,name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_and_utf32_are_refused(tmp_path, encoding, name):
    p = _write(tmp_path, GOOD.encode(encoding))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = _one_line(exc)
    assert str(p) in msg and name in msg and "UTF-8" in msg


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    cfg = load_config(_write(tmp_path, b"\xef\xbb\xbf" + GOOD.replace("A", "Ä").encode()))
    assert cfg.name == "Ärviointi"
    assert cfg.sources["roster"] == ["r.xlsx"]


def test_a_file_over_the_size_limit_is_refused_without_parsing(tmp_path):
    p = _write(tmp_path, GOOD.encode() + b"#" * MAX_BYTES)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert "at most 1048576 bytes" in _one_line(exc)


def test_deep_nesting_is_refused(tmp_path):
    text = GOOD + "schemas: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(ConfigError, match="nested deeper than 20 levels, at line 5"):
        load_config(_write(tmp_path, text.encode()))
    deep = "[" * 100_000 + "]" * 100_000  # no RecursionError either
    with pytest.raises(ConfigError, match="nested deeper"):
        load_config(_write(tmp_path, (GOOD + "schemas: " + deep + "\n").encode()))


@pytest.mark.parametrize("line,fragment", [
    ("wtp_max: .nan", "analysis.wtp_max = nan is not allowed: the value must be a finite number"),
    ("wtp: .inf", "analysis.wtp = inf is not allowed"),
    ("confidence: -.inf", "analysis.confidence = -inf is not allowed"),
    ("seed: -1", "analysis.seed = -1 is out of range: input should be greater than or equal to 0"),
    ("bootstrap_reps: 0", "analysis.bootstrap_reps = 0 is out of range"),
    ("mice_m: 1", "analysis.mice_m = 1 is out of range"),
    ("wtp_max: 0", "analysis.wtp_max = 0 is out of range: input should be greater than 0"),
    ("wtp: -5", "analysis.wtp = -5 is out of range"),
    ("reliability: 1.2", "analysis.reliability = 1.2 is out of range"),
    ("confidence: 95", "analysis.confidence = 95 is out of range: input should be less than 1"),
    ("ps_trim: [0.1]", "analysis.ps_trim must be two numbers 0 <= low < high <= 1"),
    ("ps_trim: [.nan, 0.9]", "analysis.ps_trim must be two numbers"),
    ("seed: '7'", "analysis.seed = '7' has the wrong type (expected like 20190331)"),
    ("perspective: yhteiskunta", "analysis.perspective = 'yhteiskunta' is not allowed; choose "
                                 "one of organiser, societal"),
])
def test_non_finite_negative_and_out_of_range_values_are_refused(tmp_path, line, fragment):
    p = _write(tmp_path, (GOOD + "analysis:\n  " + line + "\n").encode())
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert fragment in _one_line(exc)


def test_an_identity_code_in_a_refused_value_is_not_repeated(tmp_path):
    p = _write(tmp_path, (GOOD + "report:\n  language: 131052-308T\n").encode())
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = _one_line(exc)
    assert "131052" not in msg and "report.language" in msg


def test_the_cli_prints_one_line_for_a_latin1_configuration(tmp_path, capsys):
    from hb_eval.cli import main

    p = _write(tmp_path, "name: Pori–ä\n".encode("cp1252"))
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hb-eval: error:") and "UTF-8" in err and str(p) in err
    assert len(err.strip().splitlines()) == 1
