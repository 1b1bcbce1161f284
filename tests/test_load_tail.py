"""The load's steps after each source (issue 23): records made early and put back in order,
the questionnaires' items as one categorical, the provider check per distinct value, the
grouped plausibility checks — each against a hand-worked case or the pandas path it replaces."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from hb_eval.data.dataset import _concat_items, _ids_in, _present_sorted
from hb_eval.data.loaders.providers import check_service_providers
from hb_eval.data.plausibility import Limits, client_amount_over, wave_order
from hb_eval.data.quarantine import Quarantine


def test_records_taken_aside_and_put_back_keep_their_order() -> None:
    def record(q, row, reason):
        q.rows("esr", "e.xlsx", "S", [row], reason, "d")

    in_order = Quarantine()
    for row, reason in ((2, "orphan"), (3, "duplicate"), (4, "no_consent")):
        record(in_order, row, reason)
    early = Quarantine()
    mark = early.mark()
    record(early, 3, "duplicate")  # a step done first whose records belong later
    aside = early.take_since(mark)
    assert len(aside) == 1 and len(early) == 0
    record(early, 2, "orphan")
    early.put_back(aside)
    record(early, 4, "no_consent")
    assert [p["row"][0] for p in early._parts] == [2, 3, 4]
    pd.testing.assert_frame_equal(early.frame(), in_order.frame(), check_exact=True)


def _items(codes, rix, cats):
    return pd.DataFrame({"_rix": rix, "item": pd.Categorical.from_codes(
        codes, categories=pd.Index(cats, dtype=object)), "value": np.arange(len(rix), dtype=float)})


def test_items_of_two_sources_as_pandas_infers_their_texts() -> None:
    # two sources' item lists (schema order, not sorted; "B2" of the first is never used)
    a = _items([0, 1, 0, 1], [0, 0, 1, 1], ["K2", "K1", "B2"])
    b = _items([1, 0], [2, 2], ["A1", "K1"])
    got, mixed = _concat_items([a, b])
    assert mixed
    # pandas' own way: the concatenation as texts, then a categorical of the rows kept
    want_all = pd.concat([a, b], ignore_index=True)
    assert want_all["item"].dtype == object
    keep = np.array([True, True, False, True, True, True])
    want = pd.Categorical(want_all["item"][keep])
    sorted_ = _present_sorted(got["item"].array[keep])
    assert list(want.categories) == ["A1", "K1", "K2"]
    assert sorted_.dtype == want.dtype and sorted_.codes.tolist() == want.codes.tolist()
    # one source: its parts keep their categories as they are
    one, mixed = _concat_items([a, a])
    assert not mixed and one["item"].dtype == a["item"].dtype


def test_ids_in_several_sets_equals_one_at_a_time() -> None:
    col = pd.Series(["0410712", None, "0410713", "0410712", "x"], dtype="string")
    nc, roster, present = _ids_in(col, {"0410713"}, {"0410712", "0410713"})
    assert nc.tolist() == _ids_in(col, {"0410713"})[0].tolist() == [0, 0, 1, 0, 0]
    assert roster.tolist() == [1, 0, 1, 1, 0] and present.tolist() == [1, 0, 1, 1, 1]


def test_service_providers_checked_per_distinct_value() -> None:
    svc = pd.DataFrame({
        "client_id": list("abcdef"),
        "provider_id": pd.array(["P1", "P2", None, "P1", "PX", "P2"], dtype="string"),
        "sector": pd.array(["julkinen", None, "yksityinen", "järjestö", "julkinen", None],
                           dtype="string"),
        "file": "s.csv", "row": [2, 3, 4, 5, 6, 7]})
    reg = pd.DataFrame({"provider_id": ["P1", "P2"], "sector": ["julkinen", "yksityinen"]})
    s, flags = check_service_providers(svc, reg)
    # by hand: P2 without a sector takes the register's; P1 as järjestö disagrees (the
    # register's used, flagged); PX is unknown (provider dropped, flagged); no provider: kept
    assert s["sector"].tolist() == ["julkinen", "yksityinen", "yksityinen", "julkinen",
                                    "julkinen", "yksityinen"]
    assert s["provider_id"].iloc[[0, 1, 3, 5]].tolist() == ["P1", "P2", "P1", "P2"]
    assert s["provider_id"].iloc[[2, 4]].isna().all()
    assert flags[["row", "column", "reason"]].values.tolist() == [
        [6, "provider_id", "unknown_provider"], [5, "sector", "sector_mismatch"]]
    assert svc["sector"].isna().sum() == 2  # the input is left as it was


def test_wave_order_per_source_and_client() -> None:
    r = pd.DataFrame({
        "source": ["kykyviisari", "kykyviisari", "kompassi", "kykyviisari", "kykyviisari"],
        "client_id": ["c1", "c1", "c1", "c2", "c2"],
        "wave": pd.Categorical(["alku", "väli", "loppu", "loppu", None],
                               categories=["alku", "väli", "loppu"], ordered=True),
        "date": pd.to_datetime(["2018-03-01", "2018-02-01", "2018-01-01", "2018-01-01",
                                "2017-01-01"])})
    # c1's väli is before its kykyviisari alku; its kompassi loppu has no kompassi alku;
    # c2 has no alku at all
    assert wave_order(r).tolist() == [False, True, False, False, False]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                          st.floats(-3e6, 3e6, allow_nan=False)), min_size=1, max_size=20))
def test_client_amount_over_equals_the_sum_per_client_text(rows) -> None:
    svc = pd.DataFrame({"client_id": pd.array([c for c, _ in rows], dtype="string"),
                        "amount": [a for _, a in rows]})
    lim = Limits(max_client_services_eur=4e6)
    total = svc["amount"].abs().groupby(svc["client_id"].astype(str)).transform("sum")
    assert client_amount_over(svc, lim).tolist() == (total > 4e6).tolist()


def test_conform_equals_pandas_casts() -> None:
    """conform keeps a column already of its dtype and casts the others: the same frame as
    pandas' own casts of every column (categories, dates in any unit, text, numbers)."""
    from hb_eval.data.loaders.tables import COLUMNS, _dtype, conform

    n = 4
    df = pd.DataFrame({
        "client_id": pd.Series(["0410712", None, "0410713", "0410712"], dtype=object),
        "service": pd.array(["a", "b", None, "a"], dtype="string"),
        "sector": pd.Series(["julkinen", None, "järjestö", "julkinen"], dtype=object),
        "funding": pd.Categorical(["HB-budjetti", None, "tavanomainen", "asiakasmaksu"],
                                  categories=["HB-budjetti", "tavanomainen", "asiakasmaksu"]),
        "start_date": pd.to_datetime(["2018-01-02", None, "2019-03-04", "2018-05-06"]
                                     ).astype("datetime64[s]"),
        "end_date": pd.to_datetime(["2018-02-02", None, "2019-04-04", "2018-06-06"]),
        "quantity": np.array([1, 2, 3, 4], dtype=np.int64),
        "unit_price": np.array([1.5, np.nan, 2.0, 3.0]),
        "amount": pd.Series([1, 2, None, 4], dtype=object),
        "sum_mismatch": np.array([True, False, False, True]),
        "file": pd.Series(["f.csv"] * n, dtype=object), "row": np.arange(2, 2 + n),
    })  # (unit and provider_id absent: added empty)
    got = conform(df, "service_costs")
    want = {}
    for name, spec in COLUMNS["service_costs"]:
        dt = _dtype(spec)
        col = df[name] if name in df else pd.Series([None] * n, dtype=object)
        if isinstance(dt, pd.CategoricalDtype):
            want[name] = pd.Series(pd.Categorical(col.astype(object), dtype=dt))
        elif dt == "datetime64[ns]":
            want[name] = pd.to_datetime(col).astype(dt)
        elif dt == "bool" and name not in df:
            want[name] = pd.Series(False, index=range(n))
        else:
            want[name] = col.astype(dt)
    pd.testing.assert_frame_equal(got, pd.DataFrame(want), check_exact=True)
    assert got["start_date"].dtype == "datetime64[ns]" and got["unit"].isna().all()
    # the dtypes of the tidy service_costs table (ARCHITECTURE.md), written out by hand
    text, when, number = "string", "datetime64[ns]", "float64"
    assert {c: str(t) for c, t in got.dtypes.items()} == {
        "client_id": text, "service": text, "sector": "category", "funding": "category",
        "start_date": when, "end_date": when, "quantity": number, "unit": text,
        "unit_price": number, "amount": number, "sum_mismatch": "bool", "provider_id": text,
        "file": text, "row": "int64"}
    assert list(got["sector"].cat.categories) == ["julkinen", "yksityinen", "järjestö"]
    assert list(got["funding"].cat.categories) == ["HB-budjetti", "tavanomainen",
                                                    "asiakasmaksu"]
