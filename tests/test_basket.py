"""mining.basket: baskets, itemsets (three algorithms agree with brute force), rules, pruning,
significance, CSV round trip, words, recommendations, evaluation, segments, periods."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

from mining import basket as mb
from mining.errors import ParameterError, SchemaError

# -- tiny data worked out by hand -----------------------------------------------------------

HAND = [["milk", "bread"], ["milk", "bread", "butter"], ["milk", "butter"], ["bread"],
        ["milk", "bread", "butter"]]
# counts: milk 4, bread 4, butter 3, milk+bread 3, milk+butter 3, bread+butter 2, all three 2


def _tx() -> pd.DataFrame:
    """Three customers, orders in January (train) and February (test)."""
    rows = [
        ("c1", "o1", "2024-01-02", "p1", "bread", "bakery"),
        ("c1", "o1", "2024-01-02", "p2", "butter", "dairy"),
        ("c1", "o1", "2024-01-02", "p3", "jam", "spreads"),
        ("c2", "o2", "2024-01-03", "p1", "bread", "bakery"),
        ("c2", "o2", "2024-01-03", "p2", "butter", "dairy"),
        ("c2", "o2", "2024-01-03", "p3", "jam", "spreads"),
        ("c3", "o3", "2024-01-04", "p1", "bread", "bakery"),
        ("c3", "o3", "2024-01-04", "p2", "butter", "dairy"),
        ("c4", "o4", "2024-01-05", "p4", "milk", "dairy"),
        ("c4", "o5", "2024-01-06", "p4", "milk", "dairy"),
        ("c4", "o5", "2024-01-06", "p4", "milk", "dairy"),  # same item twice in a basket
        ("c3", "o6", "2024-02-01", "p3", "jam", "spreads"),
        ("c4", "o7", "2024-02-02", "p1", "bread", "bakery"),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "product_id",
                                     "product_name", "category"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    for c in ("customer_id", "order_id", "product_id", "product_name", "category"):
        df[c] = df[c].astype("string")
    return df.assign(quantity=1.0, unit_price=2.0)


def _sets(fi: pd.DataFrame) -> dict[frozenset, int]:
    return dict(zip(fi["itemsets"], fi["count"], strict=True))


def _brute(baskets: list[list[str]], min_count: int, max_len: int | None) -> dict[frozenset, int]:
    items = sorted({x for b in baskets for x in b})
    sets = [set(b) for b in baskets]
    out = {}
    top = len(items) if max_len is None else min(max_len, len(items))
    for k in range(1, top + 1):
        for combo in itertools.combinations(items, k):
            c = sum(1 for s in sets if s.issuperset(combo))
            if c >= min_count:
                out[frozenset(combo)] = c
    return out


def test_basket_matrix_sparse_names_and_levels() -> None:
    tx = _tx()
    b = mb.basket_matrix(tx)
    assert b.shape == (7, 4)
    assert all(isinstance(d, pd.SparseDtype) for d in b.dtypes)
    assert list(b.columns) == ["bread", "butter", "jam", "milk"]
    assert b.loc["o5", "milk"] and int(b["milk"].sum()) == 2  # duplicates count once
    assert list(mb.basket_matrix(tx, use_names=False).columns) == ["p1", "p2", "p3", "p4"]
    cat = mb.basket_matrix(tx, level="category")
    assert list(cat.columns) == ["bakery", "dairy", "spreads"]
    assert cat.loc["o1"].sum() == 3
    pd.testing.assert_frame_equal(tx, _tx())  # input not mutated


def test_basket_matrix_shared_names_stay_distinct() -> None:
    tx = _tx()
    tx.loc[tx["product_id"] == "p4", "product_name"] = "bread"  # two products called bread
    cols = list(mb.basket_matrix(tx).columns)
    assert "bread (p1)" in cols and "bread (p4)" in cols


def test_basket_matrix_errors() -> None:
    with pytest.raises(SchemaError, match="category"):
        mb.basket_matrix(_tx().drop(columns="category"), level="category")
    with pytest.raises(ParameterError, match="'level' parameter"):
        mb.basket_matrix(_tx(), level="sku")


def test_read_basket_file(tmp_path) -> None:
    f = tmp_path / "b.csv"
    f.write_text("milk,bread\nbread, cream cheese \nmilk\n\n", encoding="utf-8")
    b = mb.read_basket_file(f)
    assert b.shape == (3, 3)
    assert "cream cheese" in b.columns
    assert int(b["milk"].sum()) == 2


def test_min_count_rounding() -> None:
    assert mb.min_count_for(0.07, 100) == 7  # 0.07 * 100 = 7.000000000000001
    assert mb.min_count_for(0.001, 9835) == 10
    assert mb.min_count_for(0.0001, 10) == 1


@pytest.mark.parametrize("algorithm", ["apriori", "fpgrowth", "fast"])
def test_itemsets_by_hand(algorithm: str) -> None:
    fi = mb.frequent_itemsets(mb.baskets_from_lists(HAND), min_support=0.6, algorithm=algorithm)
    assert _sets(fi) == {frozenset({"milk"}): 4, frozenset({"bread"}): 4,
                         frozenset({"butter"}): 3, frozenset({"milk", "bread"}): 3,
                         frozenset({"milk", "butter"}): 3}
    assert list(fi.columns) == mb.ITEMSET_COLUMNS
    assert fi["support"].tolist() == pytest.approx((fi["count"] / 5).tolist())
    assert fi["itemset_str"].iloc[-1] == "butter, milk"
    assert mb.n_baskets_of(fi) == 5 and mb.min_count_for(0.6, 5) == 3
    assert fi.attrs == {}  # metadata lives in columns, not in DataFrame.attrs (since 0.2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.lists(st.sampled_from(list("abcdefg")), max_size=6), min_size=1,
                  max_size=30),
    min_support=st.sampled_from([0.05, 0.1, 0.2, 0.34, 0.5]),
    max_len=st.sampled_from([None, 1, 2, 3]),
)
def test_three_algorithms_equal_brute_force(data, min_support, max_len) -> None:
    b = mb.baskets_from_lists(data)
    if b.shape[1] == 0:
        return
    want = _brute(data, math.ceil(round(min_support * len(data), 9)), max_len)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mb.NoItemsetsWarning)
        for algorithm in ("apriori", "fpgrowth", "fast"):
            fi = mb.frequent_itemsets(b, min_support=min_support, max_len=max_len,
                                      algorithm=algorithm)
            assert _sets(fi) == want, algorithm


@settings(max_examples=30, deadline=None)
@given(data=st.lists(st.lists(st.sampled_from(list("abcdef")), min_size=1, max_size=5),
                     min_size=2, max_size=25))
def test_rule_measures_consistent_with_supports(data) -> None:
    b = mb.baskets_from_lists(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mb.NoItemsetsWarning)
        fi = mb.frequent_itemsets(b, min_support=0.1, algorithm="fast")
        r = mb.association_rules(fi, min_threshold=0.0, max_consequent_len=None)
    sup = dict(zip(fi["itemsets"], fi["support"], strict=True))
    for _, row in r.iterrows():
        a, c = row["antecedents"], row["consequents"]
        assert a and c and not (a & c)
        assert row["support"] == pytest.approx(sup[a | c])
        assert row["antecedent support"] == pytest.approx(sup[a])
        assert row["consequent support"] == pytest.approx(sup[c])
        assert row["confidence"] == pytest.approx(sup[a | c] / sup[a])
        assert row["lift"] == pytest.approx(sup[a | c] / (sup[a] * sup[c]))
        assert row["leverage"] == pytest.approx(sup[a | c] - sup[a] * sup[c])
        assert row["count"] == round(sup[a | c] * len(data))
    # every split of every frequent itemset of length >= 2 is a rule at threshold 0
    n_splits = sum(2 ** len(s) - 2 for s in fi["itemsets"] if len(s) >= 2)
    assert len(r) == n_splits


def test_measures_equal_mlxtend() -> None:
    from mlxtend.frequent_patterns import association_rules as mlx_rules

    data = [list(x) for x in ("abc", "ab", "ac", "bcd", "abd", "cd", "a", "abcd", "bd", "ab")]
    fi = mb.frequent_itemsets(mb.baskets_from_lists(data), min_support=0.2)
    ours = mb.association_rules(fi, min_threshold=0.3, max_consequent_len=None)
    theirs = mlx_rules(fi[["support", "itemsets"]], num_itemsets=len(data), min_threshold=0.3)
    key = ["antecedents", "consequents"]
    m = ours.merge(theirs, on=key, suffixes=("", "_mlx"))
    assert len(m) == len(ours) == len(theirs)
    for col in mb.MEASURES:
        np.testing.assert_allclose(m[col], m[f"{col}_mlx"], rtol=1e-12, err_msg=col)


def test_rules_by_hand_and_options() -> None:
    fi = mb.frequent_itemsets(mb.baskets_from_lists(HAND), min_support=0.4)
    r = mb.association_rules(fi, min_threshold=0.7)
    got = {(r_.antecedents_str, r_.consequents_str): r_.confidence for r_ in r.itertuples()}
    # butter->milk 3/3; bread,butter->milk 2/2; milk->bread 3/4; bread->milk 3/4; milk->butter 3/4
    assert got == pytest.approx({("butter", "milk"): 1.0, ("bread, butter", "milk"): 1.0,
                                 ("milk", "bread"): 0.75, ("bread", "milk"): 0.75,
                                 ("milk", "butter"): 0.75})
    assert list(r.columns) == mb.RULE_COLUMNS
    assert r["lift"].is_monotonic_decreasing
    # pruning: bread,butter->milk (1.0) is no better than butter->milk (1.0)
    p = mb.association_rules(fi, min_threshold=0.7, prune_redundant=True)
    assert ("bread, butter", "milk") not in set(zip(p.antecedents_str, p.consequents_str, strict=True))
    found = mb.rule_search(fi, min_threshold=0.7, prune_redundant=True)
    pd.testing.assert_frame_equal(found.rules, p)
    assert len(p) == 4 and found.n_pruned == 1 and found.n_candidates == 5
    assert found.n_not_significant == 0 and found.n_baskets == 5 and found.n_rules == 4
    assert str(found) == ("5 rules reach confidence >= 0.7 in 5 baskets; 0 not significant, "
                          "1 redundant -> 4 rules kept")
    # constraints and cap
    c = mb.association_rules(fi, min_threshold=0.7, consequent_allow=["milk"])
    assert set(c["consequents_str"]) == {"milk"} and len(c) == 3
    a = mb.association_rules(fi, min_threshold=0.7, antecedent_allow=["milk"])
    assert set(a["antecedents_str"]) == {"milk"}
    assert len(mb.association_rules(fi, min_threshold=0.7, max_rules=2)) == 2
    multi = mb.association_rules(fi, min_threshold=0.0, max_consequent_len=None)
    assert multi["consequents"].map(len).max() == 2
    with pytest.raises(ParameterError, match="list of item"):
        mb.association_rules(fi, consequent_allow="milk")


def test_fast_internals_match_plain_routes() -> None:
    """The packed sort key and the Arrow-built rule labels give what lexsort and pandas give."""
    from mining.basket._itemsets import _row_order
    from mining.basket._rules import _label_columns

    rng = np.random.default_rng(1)
    mat = np.unique(np.sort(rng.integers(0, 6, size=(60, 3)), axis=1), axis=0)
    rng.shuffle(mat)
    counts = rng.integers(1, 4, size=len(mat))
    want = np.lexsort((mat[:, 2], mat[:, 1], mat[:, 0], -counts))
    assert np.array_equal(_row_order(mat, counts, 6), want)  # packed into one int64 key
    assert np.array_equal(_row_order(mat, counts, 2 ** 40), want)  # too wide: lexsort
    a, c = np.array([0, 1, 1, 2]), np.array([2, 0, 2, 0])
    for col in (["a", "b, c", "d"], ["a", None, "d"], ["a", 3, "d"]):
        arr = np.array(col, dtype=object)
        got = pd.DataFrame(_label_columns(arr, a, c))
        plain = pd.DataFrame({"antecedents_str": arr[a], "consequents_str": arr[c]})
        pd.testing.assert_frame_equal(got, plain, check_exact=True)


def test_adjust_pvalues_against_hand_values() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> max-accumulate 0.06
    assert mb.adjust_pvalues(p, method="holm").tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04
    assert mb.adjust_pvalues(p, method="fdr_bh").tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert mb.adjust_pvalues([0.5, 0.9], method="bonferroni").tolist() == [1.0, 1.0]
    assert mb.adjust_pvalues([], method="holm").size == 0


def test_significance_is_fisher_exact() -> None:
    data = [["a", "b"]] * 12 + [["a"]] * 3 + [["b"]] * 4 + [["c"]] * 30 + [["a", "c"]] * 2
    fi = mb.frequent_itemsets(mb.baskets_from_lists(data), min_support=0.02)
    r = mb.association_rules(fi, min_threshold=0.0, significance=0.999, correction="none")
    n = len(data)
    for row in r.itertuples():
        c_a = round(row._3 * n)  # antecedent support
        c_c = round(row._4 * n)
        c_ac = row.count
        table = [[c_ac, c_a - c_ac], [c_c - c_ac, n - c_a - c_c + c_ac]]
        assert row.p_value == pytest.approx(fisher_exact(table, alternative="greater")[1])
    strict = mb.association_rules(fi, min_threshold=0.0, significance=0.01)
    assert set(zip(strict.antecedents_str, strict.consequents_str, strict=True)) == {("a", "b"), ("b", "a")}
    assert (strict["p_adjusted"] <= 0.01).all()


def test_empty_results_warn_with_advice() -> None:
    b = mb.baskets_from_lists(HAND)
    with pytest.warns(mb.NoItemsetsWarning, match="Lower min_support"):
        fi = mb.frequent_itemsets(b, min_support=1.0)
    assert fi.empty and list(fi.columns) == mb.ITEMSET_COLUMNS
    with pytest.warns(mb.NoItemsetsWarning):
        r = mb.association_rules(fi)
    assert r.empty and list(r.columns) == mb.RULE_COLUMNS
    fi = mb.frequent_itemsets(b, min_support=0.4)
    with pytest.warns(mb.NoItemsetsWarning, match="min_threshold"):
        assert mb.association_rules(fi, min_threshold=1.01).empty


def test_parameter_errors() -> None:
    b = mb.baskets_from_lists(HAND)
    with pytest.raises(ParameterError, match=r"'min_support' parameter of frequent_itemsets"):
        mb.frequent_itemsets(b, min_support=1.5)
    with pytest.raises(ParameterError, match="'algorithm'"):
        mb.frequent_itemsets(b, min_support=0.5, algorithm="eclat")
    with pytest.raises(SchemaError):
        mb.frequent_itemsets([["a"]], min_support=0.5)
    fi = mb.frequent_itemsets(b, min_support=0.4)
    with pytest.raises(ParameterError, match="'metric'"):
        mb.association_rules(fi, metric="interest")
    with pytest.raises(ParameterError, match="'significance'"):
        mb.association_rules(fi, significance=5)


def test_csv_round_trip_keeps_odd_labels(tmp_path) -> None:
    data = [["Cheese, cheddar", 'say "hi"', "茶"], ["Cheese, cheddar", 'say "hi"'],
            ["Cheese, cheddar", "茶"]]
    fi = mb.frequent_itemsets(mb.baskets_from_lists(data), min_support=0.5)
    r = mb.association_rules(fi, min_threshold=0.5)
    path = tmp_path / "rules.csv"
    mb.rules_to_csv(r, path)
    back = mb.rules_from_csv(path)
    assert back["antecedents"].tolist() == r["antecedents"].tolist()
    assert back["consequents"].tolist() == r["consequents"].tolist()
    np.testing.assert_allclose(back["lift"], r["lift"])
    # a plain mlxtend-style to_csv is also readable
    r.to_csv(tmp_path / "plain.csv", index=False)
    assert mb.rules_from_csv(tmp_path / "plain.csv")["antecedents"].tolist() == r["antecedents"].tolist()


def test_rules_in_words() -> None:
    row = {"antecedents": frozenset({"soda", "popcorn"}), "consequents": frozenset({"salty snack"}),
           "confidence": 0.632, "lift": 16.7, "count": 12}
    assert mb.describe_rule(row, n_baskets=9835) == (
        "Customers who buy popcorn and soda also buy salty snack in 63% of those baskets, "
        "17x more often than usual (seen together in 12 baskets, 0.1% of all).")
    fi = mb.frequent_itemsets(mb.baskets_from_lists(HAND), min_support=0.4)
    words = mb.rules_in_words(mb.association_rules(fi, min_threshold=0.7), top=2)
    assert len(words) == 2 and words["in_words"].str.startswith("Customers who buy").all()
    assert words["rule"].iloc[0] == "butter -> milk"


def _rules_tx():
    fi = mb.frequent_itemsets(mb.basket_matrix(_tx()), min_support=0.2)
    return mb.association_rules(fi, min_threshold=0.5)


def test_recommend_one_basket() -> None:
    rules = _rules_tx()  # bread in 4 orders, butter 3 (all with bread), jam 3 (2 with bread)
    rec = mb.recommend(rules, ["bread"], k=5)
    assert rec["item"].tolist() == ["butter", "jam"]
    assert rec["confidence"].tolist() == pytest.approx([0.75, 0.5])
    assert mb.recommend(rules, ["milk"]).empty
    kept = mb.recommend(rules, ["bread", "butter"], exclude_bought=False, k=1)
    assert len(kept) == 1
    with pytest.warns(DeprecationWarning, match="'exclude_owned' parameter of recommend was "
                                                "renamed 'exclude_bought'"):
        old = mb.recommend(rules, ["bread", "butter"], exclude_owned=False, k=1)
    pd.testing.assert_frame_equal(old, kept)


def test_recommend_all_matches_recommend() -> None:
    tx, rules = _tx(), _rules_tx()
    rec = mb.recommend_all(rules, tx, as_of="2024-01-31", k=2)
    assert rec.index.name == "customer_id"
    hist = tx[tx["timestamp"] < "2024-01-31"].groupby("customer_id")["product_name"].agg(set)
    for cid, items in hist.items():
        one = mb.recommend(rules, items, k=2)
        got = rec.loc[[cid]] if cid in rec.index else rec.iloc[:0]
        assert got["item"].tolist() == one["item"].tolist(), cid
        assert got["rank"].tolist() == one["rank"].tolist()
    assert rec.loc["c3", "item"] == "jam"  # c3 owns bread and butter, not jam
    with pytest.raises(ParameterError, match="as_of"):
        mb.recommend_all(rules, tx, as_of=None)


def test_evaluate_time_split_by_hand() -> None:
    ev = mb.evaluate_time_split(_tx(), split_date="2024-02-01", min_support=0.2,
                                min_confidence=0.5, k=1)
    # evaluated: c3 (new: jam) and c4 (new: bread). Rules: c3 -> jam (hit); c4 owns milk, no rule.
    # popularity top item not owned: c3 -> milk? (bread, butter in 3 orders; jam 2, milk 2)
    rules_row = ev.loc["association rules"]
    assert rules_row["n_customers"] == 2
    assert ev["n_rules"].tolist() == [rules_row["n_rules"], 0] and rules_row["n_rules"] > 0
    assert rules_row["hit_rate"] == pytest.approx(0.5)
    assert rules_row["coverage"] == pytest.approx(0.5)
    pop = ev.loc["popularity"]
    # c3 owns bread, butter -> next most popular is jam (2 orders, before milk by name) = hit;
    # c4 owns milk -> bread = hit
    assert pop["hit_rate"] == pytest.approx(1.0)
    assert pop["precision_at_k"] == pytest.approx(1.0)


def test_rule_counts_and_compare_periods() -> None:
    tx = _tx()
    rules = _rules_tx()
    again = mb.rule_counts(rules, mb.basket_matrix(tx))
    np.testing.assert_allclose(again["confidence"], rules["confidence"])
    np.testing.assert_allclose(again["lift"], rules["lift"])
    cmp = mb.compare_periods(tx, split_date="2024-01-04", min_support=0.2, min_confidence=0.5)
    assert cmp.attrs == {}  # the rules of each period are read off the status column
    st_ = dict(zip(cmp["rule"], cmp["status"], strict=True))
    # first period (o1, o2): bread, butter, jam always together; second: o3..o7
    assert st_["bread -> jam"] == "disappeared"
    assert st_["bread -> butter"] == "kept"
    row = cmp.set_index("rule").loc["bread -> jam"]
    assert row["confidence_before"] == 1.0 and row["confidence_after"] == pytest.approx(0.0)
    kept = cmp.set_index("rule").loc["bread -> butter"]
    assert kept["confidence_before"] == 1.0 and kept["confidence_after"] == pytest.approx(0.5)
    assert kept["lift_change"] == pytest.approx(0.5 / 0.2 - 1.0)  # after: butter in 1 of 5


def test_rules_by_segment() -> None:
    labels = pd.Series({"c1": "A", "c2": "A", "c3": "A", "c4": "B"})
    with pytest.warns(RuntimeWarning, match="fewer than"):
        r = mb.rules_by_segment(_tx(), labels, min_support=0.5, min_confidence=0.5,
                                min_baskets=4)
    assert list(r.columns[:2]) == ["segment", "n_baskets"]
    assert set(r["segment"]) == {"A"}  # B has 3 baskets: skipped
    assert (r["n_baskets"] == 4).all()
    # A: o1, o2, o3, o6 -> bread, butter in 3; bread -> jam 2/3
    conf = dict(zip(r["antecedents_str"] + " -> " + r["consequents_str"], r["confidence"],
                    strict=True))
    assert conf["bread -> butter"] == 1.0 and conf["bread -> jam"] == pytest.approx(2 / 3)


def test_planted_vs_found() -> None:
    rules = _rules_tx()
    planted = pd.DataFrame({"antecedents": [("p1",), ("p4",)], "consequents": [("p2",), ("p3",)],
                            "antecedent_names": [("bread",), ("milk",)],
                            "consequent_names": [("butter",), ("jam",)],
                            "planted_confidence": [0.9, 0.5]})
    out = mb.planted_vs_found(rules, planted)
    assert out["found"].tolist() == [True, False]
    assert out.loc[0, "confidence"] == 0.75


def test_groceries_matches_arules(groceries) -> None:
    assert groceries.shape == (9835, 169)
    assert groceries["whole milk"].sum() / len(groceries) == pytest.approx(0.2555, abs=5e-5)
    assert int(groceries.sparse.to_coo().sum()) == 43367
    fi = mb.frequent_itemsets(groceries, min_support=0.001, algorithm="fast")
    rules = mb.association_rules(fi, min_threshold=0.5)
    # arules: apriori(Groceries, parameter = list(supp = 0.001, conf = 0.5)) -> 5668 rules
    assert len(rules) == 5668
    top = rules.iloc[0]
    assert (top["antecedents_str"], top["consequents_str"]) == ("Instant food products, soda",
                                                                "hamburger meat")
    assert top["lift"] == pytest.approx(18.9957, abs=1e-3)


def test_groceries_identical_to_pyfim_and_fpgrowth(groceries) -> None:
    fim = pytest.importorskip("fim")
    lists = [list(groceries.columns[row.indices]) for row in groceries.sparse.to_coo().tocsr()]
    theirs = {frozenset(s): c for s, c in fim.apriori(lists, target="s", supp=-20, report="a")}
    fast = mb.frequent_itemsets(groceries, min_support=0.002, algorithm="fast")
    assert _sets(fast) == theirs
    fp = mb.frequent_itemsets(groceries, min_support=0.002, algorithm="fpgrowth")
    assert _sets(fp) == theirs
    rules = mb.association_rules(fast, min_threshold=0.3)
    ref = fim.apriori(lists, target="r", supp=-20, conf=30, zmin=2, report="c", mode="o")
    assert len(rules) == len(ref)


def test_demo_planted_rules_are_found() -> None:
    datasets = pytest.importorskip("mining.datasets", reason="mining.datasets not written yet")
    ds = datasets.load("demo", size="small", random_state=0)
    planted = ds.truth.cross_sell_rules
    tx = ds.transactions[ds.transactions["timestamp"] < pd.Timestamp(ds.as_of)]
    fi = mb.frequent_itemsets(mb.basket_matrix(tx), min_support=0.005, max_len=3,
                              algorithm="fast")
    rules = mb.association_rules(fi, min_threshold=0.3, prune_redundant=True, significance=0.05)
    found = mb.planted_vs_found(rules, planted)
    assert found["found"].all(), found[~found["found"]]
    assert (found["confidence"] - found["planted_confidence"]).abs().max() < 0.15
