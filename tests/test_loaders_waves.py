"""Wave assignment and duplicates, hand-worked for every branch of the docs/data_sources.md rule."""
from __future__ import annotations

import pandas as pd

from hb_eval.data.loaders.waves import assign_waves

CLIENTS = pd.DataFrame({
    "client_id": ["0110101", "0110102", "0110103", "0110104"],
    "start_date": pd.to_datetime(["2018-01-01", "2018-01-01", "2018-01-01", None]),
    "end_date": pd.to_datetime(["2018-12-31", None, "2018-03-01", "2018-12-31"]),
})


def _resp(rows, source="kykyviisari"):
    df = pd.DataFrame(rows, columns=["client_id", "date", "wave_recorded"])
    df["date"] = pd.to_datetime(df["date"])
    df["source"] = source
    df["file"] = "k.xlsx"
    df["row"] = range(6, 6 + len(df))
    return df


def _waves(kept):
    return dict(zip(kept["row"], kept["wave"].astype(str)))


def test_date_rule_all_branches_long_clientship():
    # start 1.1.2018, end 31.12.2018: alku window <= 2.3., loppu window >= 1.11.,
    # middle 1.7.2018 12:00
    r = _resp([
        ("0110101", "2018-01-10", None),  # 6 alku (earliest in window)
        ("0110101", "2018-02-15", None),  # 7 alku duplicate
        ("0110101", "2018-06-15", None),  # 8 väli, 16.5 days from middle -> duplicate
        ("0110101", "2018-07-10", None),  # 9 väli, 8.5 days from middle -> kept
        ("0110101", "2018-11-15", None),  # 10 loppu duplicate (not the latest)
        ("0110101", "2018-12-20", None),  # 11 loppu
    ])
    kept, dups = assign_waves(r, CLIENTS)
    assert _waves(kept) == {6: "alku", 9: "väli", 11: "loppu"}
    assert dict(zip(dups["row"], dups["wave"].astype(str))) == {7: "alku", 8: "väli", 10: "loppu"}
    assert dict(zip(dups["row"], dups["kept_row"])) == {7: 6, 8: 9, 10: 11}
    assert set(kept["wave_rule"]) == {"date_rule"}


def test_window_edges_are_inclusive():
    r = _resp([("0110101", "2018-03-02", None),   # start + 60 days exactly: alku
               ("0110101", "2018-11-01", None)])  # end - 60 days exactly: loppu
    kept, dups = assign_waves(r, CLIENTS)
    assert _waves(kept) == {6: "alku", 7: "loppu"} and dups.empty


def test_just_outside_the_windows_is_vali():
    r = _resp([("0110101", "2018-03-03", None), ("0110101", "2018-10-31", None)])
    kept, dups = assign_waves(r, CLIENTS)
    # both väli: the one nearer the middle (31.10. is 121.5 days, 3.3. is 120.5 days) is kept
    assert _waves(kept) == {6: "väli"}
    assert dups["row"].tolist() == [7]


def test_ongoing_clientship_has_no_loppu_and_middle_uses_latest_response():
    # client 0110102: start 1.1.2018, no end. Latest response 1.12. -> middle 16.6.2018
    r = _resp([("0110102", "2018-01-05", None), ("0110102", "2018-06-01", None),
               ("0110102", "2018-06-20", None), ("0110102", "2018-12-01", None)])
    kept, dups = assign_waves(r, CLIENTS)
    assert _waves(kept) == {6: "alku", 8: "väli"}
    assert sorted(dups["row"]) == [7, 9]


def test_short_clientship_overlapping_windows():
    # 0110103: 1.1.-1.3.2018 (both windows cover the whole client-ship)
    r = _resp([("0110103", "2018-01-05", None), ("0110103", "2018-01-20", None),
               ("0110103", "2018-02-25", None)])
    kept, dups = assign_waves(r, CLIENTS)
    assert _waves(kept) == {6: "alku", 8: "loppu"}
    # 20.1. is 19 days after the start and 40 days before the end: an alku duplicate
    assert dups[["row", "wave"]].astype(str).values.tolist() == [["7", "alku"]]


def test_single_response_in_both_windows_is_alku():
    kept, dups = assign_waves(_resp([("0110103", "2018-02-20", None)]), CLIENTS)
    assert _waves(kept) == {6: "alku"} and dups.empty


def test_only_a_late_response_is_loppu():
    kept, _ = assign_waves(_resp([("0110101", "2018-11-20", None)]), CLIENTS)
    assert _waves(kept) == {6: "loppu"}


def test_same_day_tie_keeps_the_first_row():
    kept, dups = assign_waves(_resp([("0110101", "2018-01-10", None),
                                     ("0110101", "2018-01-10", None)]), CLIENTS)
    assert _waves(kept) == {6: "alku"} and dups["row"].tolist() == [7]


def test_missing_start_anchors_at_the_earliest_response():
    r = _resp([("0110104", "2018-04-01", None), ("0110104", "2018-05-15", None),
               ("0110104", "2018-12-01", None)])
    kept, dups = assign_waves(r, CLIENTS)
    # start taken as 1.4.: 15.5. is inside the alku window -> duplicate of alku
    assert _waves(kept) == {6: "alku", 8: "loppu"} and dups["row"].tolist() == [7]


def test_recorded_waves_win_and_recorded_duplicates_follow_the_rule():
    r = _resp([("0110101", "2018-06-01", "alku"),    # recorded alku although dated mid-year
               ("0110101", "2018-05-01", "alku"),    # earlier recorded alku: kept
               ("0110101", "2018-12-01", "loppu"),
               ("0110101", "2018-12-15", "loppu"),   # later loppu: kept
               ("0110101", "2018-07-20", "väli"),
               ("0110101", "2018-07-02", "väli")])   # nearer 1.7. 12:00: kept
    kept, dups = assign_waves(r, CLIENTS)
    assert _waves(kept) == {7: "alku", 9: "loppu", 11: "väli"}
    assert sorted(dups["row"]) == [6, 8, 10]
    assert set(kept["wave_rule"]) == {"recorded"}


def test_sources_and_clients_are_separate():
    a = _resp([("0110101", "2018-01-10", None), ("0110102", "2018-01-11", None)])
    b = _resp([("0110101", "2018-01-12", "alku")], source="kompassi").assign(row=20)
    kept, dups = assign_waves(pd.concat([a, b], ignore_index=True), CLIENTS)
    assert dups.empty and len(kept) == 3
    assert kept["wave"].astype(str).tolist() == ["alku"] * 3


def test_undated_unrecorded_response_gets_no_wave():
    kept, dups = assign_waves(_resp([("0110101", None, None)]), CLIENTS)
    assert kept["wave"].isna().all() and dups.empty


def test_wave_is_ordered_categorical():
    kept, _ = assign_waves(_resp([("0110101", "2018-01-10", None)]), CLIENTS)
    assert list(kept["wave"].cat.categories) == ["alku", "väli", "loppu"]
    assert kept["wave"].cat.ordered


def test_vectorised_on_many_clients_matches_per_client():
    import numpy as np

    rng = np.random.default_rng(3)
    ids = [f"0110{i:03d}" for i in range(200)]
    clients = pd.DataFrame({"client_id": ids,
                            "start_date": pd.Timestamp("2018-01-01"),
                            "end_date": pd.Timestamp("2018-12-31")})
    rows = [(cid, pd.Timestamp("2018-01-01") + pd.Timedelta(days=int(d)), None)
            for cid in ids for d in rng.integers(0, 365, size=rng.integers(1, 6))]
    r = _resp(rows)
    kept, dups = assign_waves(r, clients)
    assert len(kept) + len(dups) == len(r)
    for cid in ids[:20]:
        sub = r[r["client_id"] == cid]
        k1, d1 = assign_waves(sub, clients)
        k_all = kept[kept["client_id"] == cid]
        assert sorted(zip(k1["row"], k1["wave"].astype(str))) == \
            sorted(zip(k_all["row"], k_all["wave"].astype(str)))


def test_group_codes_group_the_joined_texts():
    """Hand-worked groups: rows with the same texts in every column share a code, any other
    pair differs; a missing value is a value of its own (not the text "nan" or "<NA>"), and a
    number groups with its text."""
    import numpy as np

    from hb_eval.data.plausibility import group_codes

    src = pd.Series(["k", "k", "o", "k", "k", "k", "k"], dtype="string")
    cid = pd.Series(["1", "1", "1", None, None, "<NA>", "nan"], dtype="string")
    codes = group_codes(src, cid)
    groups = [[0, 1], [2], [3, 4], [5], [6]]
    for g in groups:
        assert len(set(codes[g])) == 1
    assert len({codes[g[0]] for g in groups}) == len(groups)
    mixed = group_codes(pd.Series([1, "1", 2.0, "2"], dtype=object))
    np.testing.assert_array_equal(mixed == mixed[0], [True, True, False, False])
    assert mixed[2] != mixed[3]        # "2.0" and "2": other texts
