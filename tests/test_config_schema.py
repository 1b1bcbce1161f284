"""The configuration's generated artefacts: the JSON Schema in the repository root, the copy the
demo writes, and the configuration reference page, all equal to what the model generates."""
from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest
import yaml

from hb_eval.config import (SCHEMA_FILE, AnalysisConfig, DataConfig, DisclosureConfig, EvaluationFile, ReportConfig, Sources,
                            json_schema, json_schema_text, load_config, reference_markdown,
                            reference_rows)

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = "regenerate with `make generated`"


def _model_keys() -> set[str]:
    sections = (("sources", Sources), ("analysis", AnalysisConfig), ("report", ReportConfig),
                ("data", DataConfig), ("disclosure", DisclosureConfig))
    keys = {k for k in EvaluationFile.model_fields if k not in dict(sections)}
    for section, model in sections:
        keys |= {f"{section}.{f.name}" for f in fields(model)}
    return keys


def test_the_committed_schema_is_the_generated_one():
    assert (ROOT / SCHEMA_FILE).read_text(encoding="utf-8") == json_schema_text(), REGENERATE


def test_the_committed_reference_page_is_the_generated_one():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == reference_markdown(), REGENERATE


def test_the_reference_page_lists_exactly_the_model_fields():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys = re.findall(r"^\| `([a-z_.]+)` \|", page, flags=re.M)
    assert len(keys) == len(set(keys))
    assert set(keys) == _model_keys()
    # 2 top-level keys + 9 sources + 13 analysis + 2 report keys today
    assert len(keys) >= 26


def test_every_key_has_a_meaning_a_type_and_a_default():
    rows = {r["key"]: r for r in reference_rows()}
    assert all(r["meaning"] and r["type"] and r["default"] for r in rows.values())
    assert rows["analysis.seed"]["default"] == "`20190331`"
    assert rows["analysis.seed"]["type"] == "integer (≥ 0)"
    assert rows["analysis.confidence"]["type"] == "number (> 0, < 1)"
    assert rows["analysis.cluster"]["type"] == "`worker` \\| `pilot`"
    assert rows["analysis.ps_trim"]["default"] == "`[0.01, 0.99]`"
    assert rows["analysis.reliability"]["default"] == "null"
    assert rows["sources.roster"]["default"] == "required"
    assert rows["sources.esr"]["type"] == "text or list of text or null"


def test_the_demo_links_and_ships_the_schema(demo_dir):
    first = (demo_dir / "evaluation.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    assert (demo_dir / SCHEMA_FILE).read_text(encoding="utf-8") == json_schema_text()


def test_the_schema_accepts_the_demo_and_refuses_what_the_model_refuses():
    from hb_eval.demo.write import EVALUATION_YAML

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = yaml.safe_load(EVALUATION_YAML.format(seed=1))
    jsonschema.validate(doc, schema)
    bad = [{**doc, "analyses": {}},
           {**doc, "analysis": {**doc["analysis"], "cluster": "team"}},
           {**doc, "analysis": {"seed": -1}},
           {**doc, "analysis": {"confidence": 1.0}},
           {**doc, "report": {"lang": "en"}},
           {**doc, "sources": {"roster": "r.xlsx"}}]
    for d in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(d, schema)


def test_the_written_demo_configuration_loads_with_its_schema_beside_it(tmp_path):
    from hb_eval.demo.write import EVALUATION_YAML

    (tmp_path / "evaluation.yaml").write_text(EVALUATION_YAML.format(seed=5), encoding="utf-8")
    cfg = load_config(tmp_path / "evaluation.yaml")
    assert cfg.analysis.seed == 5 and cfg.has_source("service_costs")
    assert json.loads(json_schema_text())["title"] == "evaluation.yaml"
