"""mining.sequence: the miner against brute force, the classic example, limits and the tables."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mining import sequence as sq
from mining.errors import InsufficientDataError, ParameterError, SchemaError

# ---- a brute-force reference, independent of the package --------------------------------------


def _occurs(pattern, seq, times, *, min_gap=0.0, max_gap=math.inf, max_window=math.inf):
    """Does ``seq`` (list of sets) contain ``pattern`` under the time limits? (all embeddings)"""

    def go(k, prev, start):
        if k == len(pattern):
            return True
        for g in range(prev + 1, len(seq)):
            if k > 0:
                dt = times[g] - times[prev]
                if dt < min_gap or dt > max_gap:
                    continue
                if times[g] - times[start] > max_window:
                    continue
            if set(pattern[k]) <= seq[g] and go(k + 1, g, g if k == 0 else start):
                return True
        return False

    return go(0, -1, -1)


def _sub_patterns(seq, max_items):
    """Every pattern (tuple of sorted tuples) that ``seq`` contains, up to max_items items."""
    out = set()
    for r in range(1, min(len(seq), max_items) + 1):
        for idx in itertools.combinations(range(len(seq)), r):
            choices = []
            for g in idx:
                el = sorted(seq[g])
                choices.append([c for n in range(1, len(el) + 1)
                                for c in itertools.combinations(el, n)])
            for combo in itertools.product(*choices):
                if sum(map(len, combo)) <= max_items:
                    out.add(tuple(combo))
    return out


def brute_force(seqs, times, min_count, max_items, **limits):
    cands = set().union(*(_sub_patterns(s, max_items) for s in seqs)) if seqs else set()
    res = {}
    for p in cands:
        c = sum(_occurs(p, s, t, **limits) for s, t in zip(seqs, times, strict=True))
        if c >= min_count:
            res[p] = c
    return res


def _is_sub(p, q):
    """Is pattern p contained in pattern q (elements mapped in order, subset-wise)?"""
    j = 0
    for el in q:
        if j < len(p) and set(p[j]) <= set(el):
            j += 1
    return j == len(p)


def mined(db, **kw):
    res = sq.frequent_sequences(db, **kw)
    return dict(zip(res["pattern"], res["support_count"], strict=True))


# ---- the classic example ----------------------------------------------------------------------
CLASSIC = (
    "1 -1 1 2 3 -1 1 3 -1 4 -1 3 6 -1 -2\n"
    "1 4 -1 3 -1 2 3 -1 1 5 -1 -2\n"
    "5 6 -1 1 2 -1 4 6 -1 3 -1 2 -1 -2\n"
    "5 -1 7 -1 1 6 -1 3 -1 2 -1 3 -1 -2\n"
)


def test_classic_prefixspan_example_has_53_patterns():
    db = sq.read_spmf(CLASSIC)
    res = sq.frequent_sequences(db, min_support=2)
    found = dict(zip(res["pattern_str"], res["support_count"], strict=True))
    assert len(found) == 53
    # a = 1, b = 2, c = 3, d = 4, e = 5, f = 6 in the paper's notation
    assert found["<(1, 2) (3)>"] == 2      # <(ab)c>
    assert found["<(1) (2, 3) (1)>"] == 2  # <a(bc)a>
    assert found["<(1) (3)>"] == 4         # <ac>
    assert found["<(5) (1) (3) (2)>"] == 2  # <eacb>
    assert "<(7)>" not in found            # g occurs once
    seqs = [[set(el) for el in s] for s in db.to_frame()["itemsets"]]
    times = [list(range(len(s))) for s in seqs]
    ref = brute_force(seqs, times, 2, 10)
    assert {sq.format_pattern(p): c for p, c in ref.items()} == found


def test_classic_example_from_shared_file(shared_datasets):
    path = shared_datasets / "prefixspan_example" / "contextPrefixSpan.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    assert len(sq.frequent_sequences(sq.read_spmf(path), min_support=0.5)) == 53


def test_fraction_support_uses_ceiling():
    db = sq.read_spmf(CLASSIC)
    # 0.3 * 4 = 1.2 -> at least 2 sequences, same as the count 2
    assert mined(db, min_support=0.3) == mined(db, min_support=2)
    assert len(mined(db, min_support=1.0)) == 5  # a, b, c, <a b>, <a c> hold in all four


# ---- brute force on random databases --------------------------------------------------------------
ITEMS = "abcd"
element = st.sets(st.sampled_from(ITEMS), min_size=1, max_size=3)
sequence = st.lists(st.tuples(element, st.integers(0, 3)), min_size=0, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    db=st.lists(sequence, min_size=1, max_size=6),
    min_count=st.integers(1, 3),
    max_len=st.integers(1, 4),
    limits=st.sampled_from([{}, {"max_gap": 2.0}, {"min_gap": 1.0}, {"max_window": 3.0},
                            {"min_gap": 1.0, "max_gap": 3.0, "max_window": 4.0}]),
)
def test_matches_brute_force(db, min_count, max_len, limits):
    seqs = [[el for el, _ in s] for s in db]
    times = [list(np.cumsum([d for _, d in s]).astype(float)) for s in db]
    sdb = sq.SequenceDatabase.from_sequences([[tuple(el) for el in s] for s in seqs], times=times)
    got = mined(sdb, min_support=min_count, max_len=max_len, **limits)
    ref = brute_force(seqs, times, min_count, max_len, **limits)
    assert got == ref
    # a longer sequence never has more support than its prefix
    for p, c in got.items():
        n = sum(map(len, p))
        if n > 1:
            last = p[-1]
            prefix = p[:-1] if len(last) == 1 else p[:-1] + (last[:-1],)
            assert got[prefix] >= c
    # closed and maximal, against their definitions on the mined set
    closed = mined(sdb, min_support=min_count, max_len=max_len, closed=True, **limits)
    maximal = mined(sdb, min_support=min_count, max_len=max_len, maximal=True, **limits)
    ref_closed = {p: c for p, c in ref.items()
                  if not any(q != p and c2 == c and _is_sub(p, q) for q, c2 in ref.items())}
    ref_max = {p: c for p, c in ref.items()
               if not any(q != p and _is_sub(p, q) for q in ref)}
    assert closed == ref_closed
    assert maximal == ref_max


@settings(max_examples=25, deadline=None)
@given(db=st.lists(sequence, min_size=2, max_size=6), seed=st.integers(0, 10**6))
def test_result_does_not_depend_on_row_order(db, seed):
    seqs = [[tuple(el) for el, _ in s] for s in db]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(seqs))
    a = mined(seqs, min_support=1, max_len=3)
    b = mined([seqs[i] for i in perm], min_support=1, max_len=3)
    assert a == b


# ---- time limits on a hand-made example ---------------------------------------------------------------
def test_gap_and_window_limits_by_hand():
    # customer 1: a on day 0, b on day 1, c on day 10; customer 2: a on day 0, b on day 5, c on day 6
    db = sq.SequenceDatabase.from_sequences([["a", "b", "c"], ["a", "b", "c"]],
                                            times=[[0, 1, 10], [0, 5, 6]])
    free = mined(db, min_support=1)
    assert free[(("a",), ("b",), ("c",))] == 2
    gap3 = mined(db, min_support=1, max_gap=3)
    assert gap3[(("a",), ("b",))] == 1       # only customer 1 has b within 3 days of a
    assert gap3[(("b",), ("c",))] == 1       # only customer 2 has c within 3 days of b
    assert (("a",), ("b",), ("c",)) not in gap3
    assert (("a",), ("c",)) not in gap3      # 10 and 6 days
    mingap2 = mined(db, min_support=1, min_gap=2)
    assert mingap2[(("a",), ("b",))] == 1    # customer 2 (5 days)
    assert mingap2[(("a",), ("c",))] == 2
    assert (("a",), ("b",), ("c",)) not in mingap2  # b->c: 9 days for 1 but a->b is 1 day
    win6 = mined(db, min_support=1, max_window=6)
    assert win6[(("a",), ("b",), ("c",))] == 1  # customer 2 spans 6 days, customer 1 spans 10


def test_max_len_counts_items():
    db = [[("a", "b"), ("c",)], [("a", "b"), ("c",)]]
    res = sq.frequent_sequences(db, min_support=2, max_len=2)
    assert res["n_items"].max() == 2
    assert "<(a, b)>" in set(res["pattern_str"]) and "<(a, b) (c)>" not in set(res["pattern_str"])
    assert len(sq.frequent_sequences(db, min_support=2, max_len=3)) == 7


def test_result_table_shape_and_order():
    res = sq.frequent_sequences([[("a",), ("b",)], [("a",)]], min_support=1)
    assert list(res.columns) == ["pattern", "pattern_str", "n_elements", "n_items",
                                 "support_count", "support"]
    assert res["support_count"].is_monotonic_decreasing
    assert res.loc[0, "pattern"] == (("a",),) and res.loc[0, "support"] == 1.0
    assert res.attrs == {}  # no DataFrame.attrs since 0.2: n and the threshold from columns
    assert (res["support_count"] / res["support"]).round().eq(2).all()
    assert sq.min_count_for(1, 2) == 1 and sq.min_count_for(0.5, 2) == 1
    empty = sq.frequent_sequences([[("a",)], [("b",)]], min_support=2)
    assert empty.empty and list(empty.columns) == list(res.columns)


@pytest.mark.parametrize("kw", [{"min_support": 0}, {"min_support": 1.5}, {"min_support": -1},
                                {"min_support": 1, "max_len": 0},
                                {"min_support": 1, "max_gap": -1},
                                {"min_support": 1, "min_gap": 3, "max_gap": 1}])
def test_bad_parameters_are_named(kw):
    with pytest.raises(ParameterError) as err:
        sq.frequent_sequences([[("a",)]], **kw)
    bad = [k for k in kw if k != "min_support"] or ["min_support"]
    assert repr(bad[-1]) in str(err.value)


# ---- SPMF ---------------------------------------------------------------------------------------------
def test_spmf_round_trip_numeric_and_named(tmp_path):
    db = sq.read_spmf(CLASSIC)
    assert sq.to_spmf(db) == CLASSIC
    named = sq.SequenceDatabase.from_sequences([[("whole milk", "yogurt"), ("soda",)], [("soda",)]])
    text = sq.to_spmf(named, tmp_path / "x.txt")
    assert text.startswith("@CONVERTED_FROM_TEXT\n@ITEM=1=soda\n")
    back = sq.read_spmf(tmp_path / "x.txt")
    assert list(back.to_frame()["itemsets"]) == list(named.to_frame()["itemsets"])


def test_spmf_time_stamps_and_errors():
    db = sq.read_spmf("<0> 1 -1 <3> 2 -1 <20> 3 -1 -2\n<0> 1 -1 <15> 3 -1 -2\n")
    assert db.el_days.tolist() == [0, 3, 20, 0, 15]
    assert mined(db, min_support=2, max_gap=16) == {(("1",),): 2, (("3",),): 2, (("1",), ("3",)): 1} \
        or mined(db, min_support=1, max_gap=16)[(("1",), ("3",))] == 1
    assert mined(db, min_support=1, max_gap=16)[(("1",), ("3",))] == 1
    with pytest.raises(SchemaError, match="-2"):
        sq.read_spmf("1 -1 2 -1\n3 -1 -2\n")
    with pytest.raises(SchemaError, match="'x'"):
        sq.read_spmf("1 -1 x -1 -2\n")


# ---- customer sequences from transactions -----------------------------------------------------------------
@pytest.fixture
def tx() -> pd.DataFrame:
    rows = [
        ("c1", "o1", "2024-01-01 09:00", "tent", "Camping"),
        ("c1", "o1", "2024-01-01 09:00", "stove", "Camping"),
        ("c1", "o2", "2024-01-01 17:00", "gas", "Fuel"),
        ("c1", "o3", "2024-02-01", "gas", "Fuel"),
        ("c2", "o4", "2024-01-05", "tent", "Camping"),
        ("c2", "o5", "2024-01-20", "gas", "Fuel"),
        ("c2", "o6", "2024-03-01", "map", "Books"),
        ("c3", "o7", "2024-01-02", "stove", "Camping"),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "product_id",
                                     "category"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="ISO8601")
    df["product_name"] = df["product_id"].str.title()
    df["quantity"] = 1.0
    df["unit_price"] = 10.0
    return df.astype({"customer_id": "string", "order_id": "string", "product_id": "string",
                      "category": "string", "product_name": "string"})


def test_customer_sequences_orders_days_and_as_of(tx):
    before = tx.copy()
    db = sq.customer_sequences(tx, as_of="2024-02-15", use_names=False)
    pd.testing.assert_frame_equal(tx, before)  # input not mutated
    f = db.to_frame()
    assert list(f.index) == ["c1", "c2", "c3"]
    assert f.loc["c1", "itemsets"] == (("stove", "tent"), ("gas",), ("gas",))
    assert f.loc["c2", "itemsets"] == (("tent",), ("gas",))  # the March order is after as_of
    assert f.loc["c1", "timestamps"][1] == pd.Timestamp("2024-01-01 17:00")
    by_day = sq.customer_sequences(tx, as_of="2024-02-15", element="day",
                                   use_names=False).to_frame()
    assert by_day.loc["c1", "itemsets"] == (("gas", "stove", "tent"), ("gas",))
    cat = sq.customer_sequences(tx, as_of=None, level="category").to_frame()
    assert cat.loc["c2", "itemsets"] == (("Camping",), ("Fuel",), ("Books",))
    names = sq.customer_sequences(tx, as_of=None).to_frame()  # names by default, as basket
    assert names.loc["c3", "itemsets"] == (("Stove",),)
    no_names = sq.customer_sequences(tx.drop(columns="product_name"), as_of=None).to_frame()
    assert no_names.loc["c3", "itemsets"] == (("stove",),)  # ids when there are no names
    assert db.sequence("c2")["items"].tolist() == [("tent",), ("gas",)]


def test_customer_sequences_errors(tx):
    with pytest.raises(ParameterError, match="'level'"):
        sq.customer_sequences(tx, as_of=None, level="brand")
    with pytest.raises(SchemaError, match="category"):
        sq.customer_sequences(tx.drop(columns="category"), as_of=None, level="category")
    with pytest.raises(InsufficientDataError, match="as_of"):
        sq.customer_sequences(tx, as_of="2020-01-01")


def test_rows_after_as_of_change_nothing(tx):
    late = tx.iloc[[0]].assign(timestamp=pd.Timestamp("2030-01-01"), product_id="kayak")
    a = sq.customer_sequences(tx, as_of="2024-02-15").to_frame()
    b = sq.customer_sequences(pd.concat([tx, late], ignore_index=True), as_of="2024-02-15").to_frame()
    pd.testing.assert_frame_equal(a, b)


# ---- rules, suggestions, lags ---------------------------------------------------------------------------------
def test_sequential_rules_by_hand():
    db = [[("tent",), ("gas",)], [("tent",), ("gas",)], [("tent",), ("map",)], [("gas",)]]
    rules = sq.sequential_rules(sq.frequent_sequences(db, min_support=1), min_confidence=0.5)
    r = rules.set_index("rule_str").loc["<(tent)> => <(gas)>"]
    assert list(rules.columns) == ["antecedents", "consequents", "antecedents_str",
                                   "consequents_str", "rule_str", "count", "support",
                                   "antecedent support", "consequent support", "confidence",
                                   "lift"]  # the basket rules' names where the meaning is one
    assert r["count"] == 2 and r["confidence"] == pytest.approx(2 / 3)
    assert r["antecedent support"] == pytest.approx(3 / 4)
    assert r["lift"] == pytest.approx((2 / 3) / (3 / 4))
    assert (rules["confidence"] >= 0.5).all()
    assert "<(tent)> => <(map)>" not in set(rules["rule_str"])  # confidence 1/3
    words = sq.describe(rules, top=1)[0]
    assert "tent" in words and "later" in words


def test_next_purchase_uses_rules_then_popularity():
    train = [[("tent",), ("gas",)], [("tent",), ("gas",)], [("tent",), ("gas",)], [("map",)],
             [("map",)]]
    rules = sq.sequential_rules(sq.frequent_sequences(train, min_support=2))
    hist = sq.SequenceDatabase.from_sequences([[("tent",)], [("map",)]], customer_id=["x", "y"])
    rec = sq.next_purchase(rules, hist, k=2)
    assert rec.loc["x"].iloc[0][["item", "source"]].tolist() == ["gas", "rule"]
    assert rec.loc["y"]["source"].tolist() == ["popular", "popular"]
    no_repeat = sq.next_purchase(rules, hist, k=2, exclude_bought=True)
    assert "map" not in set(no_repeat.loc["y", "item"])
    assert "tent" not in set(no_repeat.loc["x", "item"])
    # a rules table with the names before 0.2 is still read, with a DeprecationWarning
    old = rules.rename(columns={"antecedents": "antecedent", "consequents": "consequent",
                                "count": "support_count"})
    with pytest.warns(DeprecationWarning, match="names of basket rules"):
        pd.testing.assert_frame_equal(sq.next_purchase(old, hist, k=2), rec)
    with pytest.warns(DeprecationWarning, match="names of basket rules"):
        assert sq.describe(old, top=1) == sq.describe(rules, top=1)


def test_pattern_lags_by_hand():
    db = sq.SequenceDatabase.from_sequences([["a", "b", "b"], ["a", "x", "b"]],
                                            times=[[0, 4, 9], [10, 11, 17]])
    pats = sq.frequent_sequences(db, min_support=2)
    lags = sq.pattern_lags(db, pats)
    ab = lags[lags["pattern_str"] == "<(a) (b)>"].sort_values("customer_id")
    assert ab["lag_days"].tolist() == [4.0, 7.0]


def test_evaluate_time_split_beats_nothing_and_counts(tx):
    res = sq.evaluate_time_split(tx, split_date="2024-01-15", min_support=1, k=1, basket=False)
    assert set(res.index) >= {"sequential rules", "popularity"}
    assert (res["n_customers"] == 2).all()  # c1 and c2 buy after the split
    # c1 and c2 both bought tent before; "<(tent)> => <(gas)>" holds for c1 and c2 -> gas, a hit
    assert res.loc["sequential rules", "hit_rate"] == 1.0


# ---- real data ---------------------------------------------------------------------------------------------
def test_groceries_members_load_and_mine(shared_datasets):
    path = shared_datasets / "groceries_members" / "Groceries_dataset.csv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    from mining.io import load_transactions
    from mining.schema import clean_transactions

    raw = pd.read_csv(path, dtype=str)
    raw = raw.assign(order_id=raw["Member_number"] + "@" + raw["Date"], quantity=1, unit_price=1)
    tx, _ = clean_transactions(load_transactions(
        raw, columns={"Member_number": "customer_id", "Date": "timestamp",
                      "itemDescription": "product_id"}, date_format="%d-%m-%Y"))
    db = sq.customer_sequences(tx, as_of="2016-01-01")
    assert len(db) == 3898 and db.n_elements == 14963
    res = sq.frequent_sequences(db, min_support=0.02, max_len=3)
    top = res.iloc[0]
    assert top["pattern_str"] == "<(whole milk)>"
    wm = res.set_index("pattern_str").loc["<(whole milk) (whole milk)>", "support_count"]
    # cross-check one support with a plain pandas computation
    days = tx[tx["product_id"] == "whole milk"].groupby("customer_id")["timestamp"].nunique()
    assert wm == int((days >= 2).sum())


def test_evaluate_time_split_scores_basket_rules_on_the_same_holdout(tx):
    pytest.importorskip("mining.basket")
    res = sq.evaluate_time_split(tx, split_date="2024-01-15", min_support=1, k=2)
    assert list(res.index) == ["sequential rules", "popularity", "association rules"]
    assert res.loc["popularity", "n_rules"] == 0 and res["n_rules"].dtype.kind == "i"
    assert (res["n_customers"] == 2).all()
    assert res["hit_rate"].between(0, 1).all()


def test_sequence_table_round_trip_keeps_times(tx):
    db = sq.customer_sequences(tx, as_of=None)
    for limits in ({}, {"max_gap": 20}):
        a = mined(db, min_support=1, **limits)
        assert mined(db.to_frame(), min_support=1, **limits) == a
    assert (("tent",), ("map",)) not in mined(db.to_frame(), min_support=1, max_gap=20)


def test_basket_suggestions_are_filled_with_popular_items_in_order():
    from mining.sequence._rules import _bought_in, _fill_popular, _hits

    history = sq.customer_sequences(pd.DataFrame({
        "customer_id": ["c1", "c1", "c2"], "order_id": ["o1", "o2", "o3"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
        "product_id": ["a", "b", "c"]}), as_of="2024-02-01", use_names=False)
    pop = pd.Series([0.9, 0.8, 0.5, 0.1], index=pd.Index(["b", "d", "a", "c"], name="item"))
    rec = pd.DataFrame({"item": ["d", "x"], "confidence": [0.7, 0.6]},
                       index=pd.Index(["c1", "c1"], dtype="string", name="customer_id"))
    # c1: the rules' d and x, then b (popular; d is taken); c2: b, d, a (the popular order)
    out = _fill_popular(rec, history, pop, 3, exclude_bought=False)
    assert out.index.tolist() == ["c1"] * 3 + ["c2"] * 3
    assert out["item"].tolist() == ["d", "x", "b", "b", "d", "a"]
    assert out["rank"].tolist() == [1, 2, 3, 1, 2, 3]
    assert out["source"].tolist() == ["rule", "rule"] + ["popular"] * 4
    assert out["score"].tolist() == [0.7, 0.6, 0.9, 0.9, 0.8, 0.5]
    # without owned items: c1 owns a and b, c2 owns c
    owned_out = _fill_popular(rec, history, pop, 3, exclude_bought=True)
    assert owned_out["item"].tolist() == ["d", "x", "c", "b", "d", "a"]
    test = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "item": ["x", "a", "b"]},
                        dtype="string")
    judged = pd.Index(history.customer_id, dtype="string")
    bought, items = _bought_in(test, judged)
    assert _hits(out, bought, judged, items).tolist() == [False, True, False,
                                                          False, False, True]
