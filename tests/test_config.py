"""evaluation.yaml parsing: required keys, unknown keys named, types, globs, overrides."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hb_eval.config import load_config, parse_config
from hb_eval.errors import ConfigError

MINIMAL = {"sources": {"roster": "roster.xlsx", "kykyviisari": "kyky/*.xlsx"}}


def write(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "roster.xlsx").write_bytes(b"x")
    (tmp_path / "kyky").mkdir(exist_ok=True)
    (tmp_path / "kyky" / "b.xlsx").write_bytes(b"x")
    (tmp_path / "kyky" / "a.xlsx").write_bytes(b"x")
    p = tmp_path / "evaluation.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_minimal_config_gets_the_documented_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.analysis.seed == 20190331
    assert cfg.analysis.bootstrap_reps == 5000
    assert cfg.analysis.cluster == "worker"
    assert cfg.analysis.wtp_max == 20000
    assert cfg.report.language == "fi" and cfg.report.audience == "internal"
    assert cfg.base_dir == tmp_path


def test_globs_expand_sorted_and_relative_to_the_config(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert [p.name for p in cfg.source_files("kykyviisari")] == ["a.xlsx", "b.xlsx"]
    assert cfg.source_files("roster") == [tmp_path / "roster.xlsx"]
    assert cfg.source_files("esr") == [] and not cfg.has_source("esr")


def test_a_list_of_paths_and_globs_lists_each_file_once(tmp_path):
    data = {"sources": {"roster": "roster.xlsx", "kykyviisari": ["kyky/a.xlsx", "kyky/*.xlsx"]}}
    cfg = load_config(write(tmp_path, data))
    assert [p.name for p in cfg.source_files("kykyviisari")] == ["a.xlsx", "b.xlsx"]


@pytest.mark.parametrize("section,key", [("", "analyses"), ("analysis", "bootstrap_rep"),
                                         ("report", "lang"), ("sources", "rooster")])
def test_unknown_key_is_named_with_the_allowed_keys(tmp_path, section, key):
    data = {"sources": dict(MINIMAL["sources"])}
    if section:
        data.setdefault(section, {})[key] = 1
    else:
        data[key] = 1
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, data))
    msg = str(exc.value)
    assert key in msg and "allowed keys" in msg


def test_required_sources(tmp_path):
    with pytest.raises(ConfigError, match="sources.kykyviisari is required"):
        load_config(write(tmp_path, {"sources": {"roster": "roster.xlsx"}}))


def test_missing_file_and_empty_glob_are_errors(tmp_path):
    cfg = load_config(write(tmp_path, {"sources": {"roster": "nope.xlsx", "kykyviisari": "none/*.xlsx"}}))
    with pytest.raises(ConfigError, match="does not exist"):
        cfg.source_files("roster")
    with pytest.raises(ConfigError, match="matches no file"):
        cfg.source_files("kykyviisari")


@pytest.mark.parametrize("analysis,fragment", [
    ({"cluster": "team"}, "analysis.cluster"),
    ({"bootstrap_reps": "many"}, "wrong type"),
    ({"bootstrap_reps": 2.5}, "wrong type"),
    ({"include_kompassi": "yes"}, "wrong type"),
    ({"ps_trim": [0.9, 0.1]}, "ps_trim"),
    ({"confidence": 1.5}, "confidence"),
])
def test_bad_values_are_refused(tmp_path, analysis, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config(write(tmp_path, {**MINIMAL, "analysis": analysis}))


def test_overrides_and_to_dict_round_trip(tmp_path):
    cfg = load_config(write(tmp_path, {**MINIMAL, "analysis": {"seed": 7}}))
    new = cfg.with_overrides(seed=11, bootstrap_reps=99, language="en", audience="public")
    assert (new.analysis.seed, new.analysis.bootstrap_reps) == (11, 99)
    assert (new.report.language, new.report.audience) == ("en", "public")
    assert cfg.analysis.seed == 7  # the original is unchanged
    again = parse_config(new.to_dict(), base_dir=tmp_path)
    assert again.analysis == new.analysis and again.report == new.report
    with pytest.raises(ConfigError):
        cfg.with_overrides(language="sv")


def test_bad_yaml_names_the_line(tmp_path):
    p = tmp_path / "evaluation.yaml"
    p.write_text("sources:\n  roster: [a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(p)


def test_cli_turns_config_errors_into_one_line(tmp_path, capsys):
    from hb_eval.cli import main

    rc = main(["validate", str(tmp_path / "missing.yaml")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("hb-eval: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cost_margin_per_perspective_and_backward_compatible_number():
    from hb_eval.config import AnalysisConfig

    one = AnalysisConfig(cost_margin=2500)
    assert one.margin_for("organiser") == (2500.0, "analysis.cost_margin")
    assert one.margin_for("societal") == (2500.0, "analysis.cost_margin")
    per = AnalysisConfig(cost_margin={"organiser": 2000, "societal": 3500})
    assert per.margin_for("societal") == (3500.0, "analysis.cost_margin.societal")
    assert per.margin_for("organiser") == (2000.0, "analysis.cost_margin.organiser")
    assert AnalysisConfig(cost_margin={"organiser": 2000}).margin_for("societal") == (None, None)
    assert AnalysisConfig().margin_for("organiser") == (2000.0, "analysis.cost_margin")


@pytest.mark.parametrize("bad", ["{societal: -1}", "{kunta: 100}", "0", "'2000'", "{}"])
def test_cost_margin_refused_in_one_line(tmp_path, bad):
    from hb_eval.config import load_config
    from hb_eval.errors import ConfigError

    (tmp_path / "e.yaml").write_text(
        "sources: {roster: r.xlsx, kykyviisari: k.xlsx}\n"
        f"analysis:\n  cost_margin: {bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "e.yaml")
    msg = str(info.value)
    assert "analysis.cost_margin" in msg and "\n" not in msg
    assert "function-" not in msg and "constrained" not in msg
