"""Tests of the data schemas (data_schemas/*.yaml) and their loader and validation
(hb_eval.data.schema): the shipped schemas say what docs/data_sources.md says, headers resolve through aliases,
codes through their spellings, and a wrong schema is refused naming the file and the problem."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from hb_eval.support import resources
from hb_eval.errors import InputError, SchemaError
from hb_eval.data.schema import SOURCES, Schema, load_schema, load_schemas, schema_from_dict

SHIPPED = resources.schema_dir()


def shipped(source: str) -> dict:
    return yaml.safe_load((SHIPPED / f"{source}.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, source: str, data: dict | str) -> Path:
    p = tmp_path / f"{source}.yaml"
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True),
                 encoding="utf-8")
    return p


# ---------------------------------------------------------------------------------------------
# the shipped schemas say what docs/data_sources.md says
# ---------------------------------------------------------------------------------------------

def test_every_source_has_a_valid_schema():
    schemas = load_schemas()
    assert set(schemas) == set(SOURCES) == {
        "roster", "kykyviisari", "kompassi", "kompassi_crosswalk", "osallisuus", "satisfaction",
        "esr", "time_diary", "unit_costs", "service_costs", "budgets", "providers"}
    for name, sch in schemas.items():
        assert isinstance(sch, Schema) and sch.source == name
        assert sch.path == SHIPPED / f"{name}.yaml"


def test_kykyviisari_items_domains_and_scoring():
    k = load_schema("kykyviisari")
    assert k.layout.sheet == "Vastaukset" and k.layout.header_row == 5
    assert len(k.items) == 26
    assert {c for c, it in k.items.items() if it.reverse} == {"MH3", "MH4"}
    assert {c for c, it in k.items.items() if (it.scale_min, it.scale_max) == (0, 10)} == {
        "YH1", "YH2", "YH3"}
    assert all((it.scale_min, it.scale_max) == (1, 5) for c, it in k.items.items()
               if not c.startswith("YH"))
    assert list(k.domains) == ["general_wellbeing", "participation", "mental_wellbeing",
                               "everyday_life", "skills", "physical_functioning",
                               "work_and_future", "parenthood"]
    assert k.domains["mental_wellbeing"].items == ("MH1", "MH2", "MH3", "MH4")
    assert k.domains["mental_wellbeing"].name == "mielen hyvinvointi"
    va = k.domains["parenthood"]
    assert not va.in_total and va.forms == ("2.1",) and k.items["VA2"].forms == ("2.1",)
    assert k.items["YH1"].forms == ()
    assert k.total_domains == k.scoring["total_domains"] and len(k.total_domains) == 7
    assert k.scoring["domain_min_fraction"] == 0.5 and k.scoring["total_min_domains"] == 5
    assert k.scoring["rescale_to"] == (0.0, 10.0)
    assert k.missing_codes["dont_know"] == ("EOS", "En osaa sanoa")
    # the item wording lives in the schema
    assert k.items["MH3"].label and "depressed" in k.items["MH3"].label


def test_kompassi_crosswalk_covers_the_required_domains():
    kom = load_schema("kompassi")
    assert list(kom.items) == [f"KOM{i:02d}" for i in range(1, 13)]
    assert all((it.scale_min, it.scale_max) == (1, 4) for it in kom.items.values())
    covered = set(kom.crosswalk.values())
    assert {"participation", "mental_wellbeing", "everyday_life",
            "physical_functioning"} <= covered
    assert all(kom.items[c].domain == d for c, d in kom.crosswalk.items())
    assert kom.match_code("wave", "1") == "alku" and kom.match_code("wave", "3") == "loppu"


def test_osallisuus_satisfaction_and_costs():
    o = load_schema("osallisuus")
    assert list(o.items) == [f"O{i}" for i in range(1, 9)]
    assert o.scoring["min_items"] == 6 and o.scoring["rescale"] is False
    s = load_schema("satisfaction")
    assert [s.match_value_label(x) for x in ("Täysin eri mieltä", "jokseenkin eri mieltä",
                                             "Ei samaa eikä eri mieltä",
                                             "Jokseenkin samaa mieltä",
                                             "TÄYSIN SAMAA MIELTÄ")] == [1, 2, 3, 4, 5]
    assert s.match_value_label("En osaa sanoa") is None
    assert s.match_missing("En osaa sanoa") == "dont_know"
    assert s.columns["grade"].min == 4 and s.columns["grade"].max == 10
    assert s.columns["free_text"].dtype == "free_text"
    u = load_schema("unit_costs")
    assert u.fields["hourly_wage"]["dtype"] == "mapping" and u.fields["price_year"]["required"]
    sc = load_schema("service_costs")
    assert sc.layout.csv["separator"] == ";" and sc.layout.csv["decimal"] == ","
    td = load_schema("time_diary")
    assert td.layout.header_row == 5
    assert set(td.layout.metadata) == {"worker", "client", "assistant", "title", "period"}


# ---------------------------------------------------------------------------------------------
# codes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column,spelling,code", [
    ("arm", "HB", "HB"), ("arm", "hb", "HB"), ("arm", "HB-asiakas", "HB"),
    ("arm", " HB asiakas ", "HB"), ("arm", "VERROKKI", "Verrokki"), ("arm", "verrokki", "Verrokki"),
    ("age_group", "18-24", "18–24"), ("age_group", "18–24", "18–24"), ("age_group", "75+", "75+"),
    ("sex", "Ei halua sanoa", "ei halua sanoa"), ("sex", "ei\u00a0halua sanoa", "ei halua sanoa"),
    ("consent", "Kyllä", "kyllä"), ("consent", "ei", "ei"),
    ("pilot", "Etelä-Karjala", "Eksote"), ("pilot", "hämeenlinna", "Hämeenlinna"),
    ("client_group", "Aikuissosiaalityö", "aikuissosiaalityö"),
    ("arm", "HBX", None), ("arm", "", None), ("arm", None, None), ("consent", "joo", None),
])
def test_roster_code_spellings(column, spelling, code):
    assert load_schema("roster").match_code(column, spelling) == code


def test_other_code_spellings():
    k = load_schema("kykyviisari")
    assert k.match_code("wave", "Alku") == "alku" and k.match_code("wave", "VÄLI") == "väli"
    assert k.match_code("form_version", "2") == "2.0" and k.match_code("form_version", "2,1") == "2.1"
    assert k.match_missing("EOS") == "dont_know" and k.match_missing("eos") == "dont_know"
    assert k.match_missing("3") is None and k.match_missing(None) is None
    e = load_schema("esr")
    assert e.match_code("labour_status", "Työvoiman ulkopuolella") == "työvoiman ulkopuolella"
    assert e.match_code("form", "Päättö") == "päättö"
    sc = load_schema("service_costs")
    assert sc.match_code("funding", "HB budjetti") == "HB-budjetti"
    assert load_schema("time_diary").match_code("task", "Budjetin laadinta ja seuranta") == \
        "budjetin laadinta ja seuranta"
    with pytest.raises(KeyError):
        load_schema("roster").match_code("start_date", "1.3.2018")


# ---------------------------------------------------------------------------------------------
# headers
# ---------------------------------------------------------------------------------------------

def test_resolve_kykyviisari_header():
    k = load_schema("kykyviisari")
    header = ["Vastaustunniste", "ASIAKASNUMERO", "Vastauspäivä", "Kieli", "Lomake\u00a0versio",
              "YH1 Kuinka tyytyväinen olet elämääsi?", "MH3 Olen ollut masentunut", None,
              "VA1 Vanhempana", "XX9 Tuntematon", "TA2. Palvelutieto", "FT1: Kävely"]
    got = k.resolve_columns(header, file="a.xlsx", sheet="Vastaukset")
    assert got == {"response_id": 0, "client_id": 1, "date": 2, "language": 3,
                   "form_version": 4, "YH1": 5, "MH3": 6, "VA1": 8, "TA2": 10, "FT1": 11}


def test_resolve_satisfaction_statements():
    s = load_schema("satisfaction")
    q = "7. Miten samaa mieltä olet seuraavista väittämistä? - "
    header = ["Asiakasnumero", q + "Tulin kuulluksi ja kohdatuksi",
              q.replace(" - ", " – ") + "I could trust my worker", q + "H1",
              "9. Kokonaisarvosana", "Työtilanne nyt", "Mitä muuta haluat sanoa?",
              q + "Jotain muuta"]
    got = s.resolve_columns(header)
    assert got == {"client_id": 0, "C1": 1, "C2": 2, "H1": 3, "grade": 4, "work_status": 5,
                   "free_text": 6}


def test_missing_required_column_names_file_sheet_column_and_aliases():
    k = load_schema("kykyviisari")
    with pytest.raises(InputError) as e:
        k.resolve_columns(["Vastaustunniste", "Vastauspäivä"], file="export.xlsx",
                          sheet="Vastaukset")
    msg = str(e.value)
    assert "export.xlsx" in msg and "Vastaukset" in msg and "client_id" in msg
    assert "Asiakasnumero" in msg and "Asiakasnro" in msg
    assert e.value.location.column == "client_id"


def test_two_header_cells_for_one_column_is_an_error():
    with pytest.raises(InputError) as e:
        load_schema("roster").resolve_columns(
            ["Asiakasnumero", "Ryhmä", "Asiakkuus alkoi", "Asiakasnro"], file="r.xlsx")
    assert "client_id" in str(e.value) and "A" in str(e.value) and "D" in str(e.value)


# ---------------------------------------------------------------------------------------------
# adapting a schema without Python
# ---------------------------------------------------------------------------------------------

def test_adapted_schema_replaces_the_shipped_one(tmp_path):
    data = shipped("roster")
    data["columns"]["client_id"]["aliases"].append("Asiakkaan numero")
    data["columns"]["arm"]["codes"]["HB"].append("henkilökohtainen budjetti")
    write(tmp_path, "roster", data)
    r = load_schema("roster", tmp_path)
    assert r.path == tmp_path / "roster.yaml"
    assert r.resolve_columns(["Asiakkaan numero", "Ryhmä", "Asiakkuus alkoi"])["client_id"] == 0
    assert r.match_code("arm", "Henkilökohtainen budjetti") == "HB"
    # the other sources still come from the shipped folder
    assert load_schema("esr", tmp_path).path == SHIPPED / "esr.yaml"
    assert load_schemas(tmp_path)["roster"].path == tmp_path / "roster.yaml"


def test_new_form_version_and_item_wording(tmp_path):
    data = shipped("kykyviisari")
    data["columns"]["form_version"]["codes"]["2.2"] = ["2,2"]
    data["domains"]["vanhemmuus"]["forms"] = ["2.1", "2.2"]
    data["items"]["YH1"]["label"] = "Uusi sanamuoto"
    write(tmp_path, "kykyviisari", data)
    k = load_schema("kykyviisari", tmp_path)
    assert k.match_code("form_version", "2,2") == "2.2"
    assert k.items["VA1"].forms == ("2.1", "2.2") and k.items["YH1"].label == "Uusi sanamuoto"
    # the crosswalk is checked against the adapted Kykyviisari schema
    assert load_schema("kompassi", tmp_path).crosswalk["KOM01"] == "participation"


# ---------------------------------------------------------------------------------------------
# a wrong schema is refused, naming the file and the problem
# ---------------------------------------------------------------------------------------------

def refused(tmp_path, source, data, *needles):
    path = write(tmp_path, source, data)
    with pytest.raises(SchemaError) as e:
        load_schema(source, tmp_path)
    msg = str(e.value)
    assert str(path) in msg, msg
    for n in needles:
        assert n in msg, (n, msg)
    return msg


def test_unknown_top_level_key_lists_allowed_keys(tmp_path):
    data = shipped("roster")
    data["colums"] = {}
    msg = refused(tmp_path, "roster", data, "'colums'", "allowed:")
    assert "columns" in msg.split("allowed:")[1]


def test_unknown_key_in_a_column(tmp_path):
    data = shipped("roster")
    data["columns"]["arm"]["alias"] = ["x"]
    refused(tmp_path, "roster", data, "'alias'", "columns.arm", "aliases")


def test_unknown_key_in_an_item(tmp_path):
    data = shipped("kykyviisari")
    data["items"]["MH3"]["reversed"] = True
    refused(tmp_path, "kykyviisari", data, "'reversed'", "items.MH3", "reverse")


def test_item_in_two_domains_as_a_list(tmp_path):
    data = shipped("kykyviisari")
    data["items"]["OS1"]["domain"] = ["osallisuus", "taidot"]
    refused(tmp_path, "kykyviisari", data, "OS1", "two domains")


def test_item_listed_twice_in_the_yaml(tmp_path):
    text = (SHIPPED / "kykyviisari.yaml").read_text(encoding="utf-8")
    text = text.replace("  TA1: {domain: taidot,",
                        "  OS1: {domain: taidot, scale: [1, 5]}\n  TA1: {domain: taidot,")
    refused(tmp_path, "kykyviisari", text, "'OS1'", "twice")


@pytest.mark.parametrize("scale", [[5, 5], [5, 1]])
def test_scale_min_not_below_max(tmp_path, scale):
    data = shipped("kykyviisari")
    data["items"]["AS2"]["scale"] = scale
    refused(tmp_path, "kykyviisari", data, "items.AS2.scale", "min", "below max")


def test_scale_missing(tmp_path):
    data = shipped("osallisuus")
    del data["items"]["O3"]["scale"]
    refused(tmp_path, "osallisuus", data, "items.O3.scale")


def test_domain_with_no_items(tmp_path):
    data = shipped("kykyviisari")
    data["domains"]["hyvinvointi 2"] = {"outcome": "wellbeing_two"}
    refused(tmp_path, "kykyviisari", data, "'hyvinvointi 2'", "no items")


def test_item_pointing_to_unknown_domain(tmp_path):
    data = shipped("kykyviisari")
    data["items"]["TA3"]["domain"] = "kielitaito"
    refused(tmp_path, "kykyviisari", data, "items.TA3.domain", "'kielitaito'")


def test_crosswalk_to_unknown_domain(tmp_path):
    data = shipped("kompassi_crosswalk")
    data["crosswalk"]["KOM05"]["domain"] = "henkinen hyvinvointi"
    refused(tmp_path, "kompassi_crosswalk", data, "crosswalk.KOM05", "'henkinen hyvinvointi'",
            "participation")
    # loading Kompassi loads the crosswalk and fails the same way
    with pytest.raises(SchemaError):
        load_schema("kompassi", tmp_path)


def test_crosswalk_naming_an_item_kompassi_lacks(tmp_path):
    data = shipped("kompassi_crosswalk")
    data["crosswalk"]["KOM13"] = {"domain": "taidot"}
    write(tmp_path, "kompassi_crosswalk", data)
    with pytest.raises(SchemaError) as e:
        load_schema("kompassi", tmp_path)
    assert "KOM13" in str(e.value) and "kompassi_crosswalk.yaml" in str(e.value)


def test_reverse_flag_on_a_column(tmp_path):
    data = shipped("osallisuus")
    data["columns"]["wave"]["reverse"] = True
    refused(tmp_path, "osallisuus", data, "columns.wave", "reverse", "items only")


def test_reverse_flag_on_a_crosswalk_entry(tmp_path):
    data = shipped("kompassi_crosswalk")
    data["crosswalk"]["KOM04"]["reverse"] = True
    refused(tmp_path, "kompassi_crosswalk", data, "'reverse'", "crosswalk.KOM04")


@pytest.mark.parametrize("mutate,needles", [
    (lambda d: d["columns"]["arm"].update(dtype="category"), ("columns.arm.dtype", "client_id")),
    (lambda d: d["columns"]["arm"].pop("codes"), ("columns.arm", "no codes")),
    (lambda d: d["columns"]["arm"]["codes"]["Verrokki"].append("hb"), ("'hb'", "'HB'")),
    (lambda d: d["columns"]["sex"]["aliases"].append("Ryhmä"), ("'Ryhmä'", "'arm'")),
    (lambda d: d.update(source="rooster"), ("'rooster'", "'roster'")),
    (lambda d: d["columns"].update({"Client ID": {"dtype": "text"}}), ("snake case",)),
    (lambda d: d["layout"].update(header_row=0), ("layout.header_row",)),
    (lambda d: d["columns"]["worker"].update(required="yes"), ("columns.worker.required",)),
])
def test_other_mistakes(tmp_path, mutate, needles):
    data = shipped("roster")
    mutate(data)
    refused(tmp_path, "roster", data, *needles)


def test_scoring_mistakes(tmp_path):
    data = shipped("kykyviisari")
    data["scoring"]["total_min_domains"] = 8
    refused(tmp_path, "kykyviisari", data, "total_min_domains", "7")
    data = shipped("kykyviisari")
    data["scoring"]["domain_min_fraction"] = 1.5
    refused(tmp_path, "kykyviisari", data, "domain_min_fraction")
    data = shipped("osallisuus")
    data["scoring"]["min_items"] = 9
    refused(tmp_path, "osallisuus", data, "min_items", "8")


def test_not_yaml_and_empty(tmp_path):
    refused(tmp_path, "esr", "columns: [unclosed", "not valid YAML")
    refused(tmp_path, "esr", "", "empty")


def test_schema_from_dict_without_a_file():
    with pytest.raises(SchemaError) as e:
        schema_from_dict({"source": "x", "items": {"A": {"scale": [1, 1]}}}, file="inline")
    assert "inline" in str(e.value)
    sch = schema_from_dict(copy.deepcopy(shipped("esr")), source="esr")
    assert sch.required_columns == ["client_id", "form", "labour_status"]
