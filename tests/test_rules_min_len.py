"""Association rules with an empty antecedent: ``min_len=1`` (R arules' default ``minlen``).

Reference counts:

* arules' own test suite (mhahsler/arules, tests/testthat/test-apriori.R): on its 7-transaction
  example ``apriori(trans, parameter=list(supp=0.25, conf=0))`` gives 18 rules (minlen=1), and
  with ``appearance=list(rhs=c("a","b"), default="lhs")`` 6 rules.
* Groceries (arules' data, ../shared/datasets/groceries_arules): published apriori outputs
  (minlen=1, the default) list 410 rules at supp=0.001/conf=0.8 (arulesViz's ``plot`` reference
  example), 1582 rules at supp=0.005/conf=0.1/maxlen=5 and 339 rules at supp=0.01/conf=0.1/
  maxlen=2 (R Markdown outputs whose first 8 rules are ``{} => {bottled water}`` ...
  ``{} => {whole milk}``), and B. Lantz's *Machine Learning with R* 463 rules at
  supp=0.006/conf=0.25/minlen=2.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

import mining.basket as mb
from mining.errors import ParameterError

# arules tests/testthat/test-apriori.R
ARULES_TOY = [["a", "b", "c"], ["a", "b"], ["a", "b", "d"], ["b", "e"], ["a", "c"], ["c", "e"],
              ["a", "b", "d", "e"]]


def _toy_itemsets() -> pd.DataFrame:
    return mb.frequent_itemsets(mb.baskets_from_lists(ARULES_TOY), min_support=0.25)


def _empty_lhs(rules: pd.DataFrame) -> pd.DataFrame:
    return rules[rules["antecedents"].map(len) == 0]


def test_default_is_min_len_2() -> None:
    fi = _toy_itemsets()
    default = mb.association_rules(fi, min_threshold=0.0)
    two = mb.association_rules(fi, min_threshold=0.0, min_len=2)
    pd.testing.assert_frame_equal(default, two)
    assert _empty_lhs(default).empty


def test_arules_toy_counts() -> None:
    fi = _toy_itemsets()
    # arules: apriori(trans, parameter = list(supp = 0.25, conf = 0)) -> 18 rules
    assert len(mb.association_rules(fi, min_threshold=0.0, min_len=1)) == 18
    assert len(mb.association_rules(fi, min_threshold=0.0, min_len=2)) == 13
    # arules: appearance = list(rhs = c("a", "b"), default = "lhs") -> 6 rules, 2 with {} lhs
    r = mb.association_rules(fi, min_threshold=0.0, min_len=1, antecedent_allow=["c", "d", "e"],
                             consequent_allow=["a", "b"])
    assert len(r) == 6
    assert sorted(_empty_lhs(r)["consequents_str"]) == ["a", "b"]


def test_empty_antecedent_measures() -> None:
    b = mb.baskets_from_lists(ARULES_TOY)
    fi = mb.frequent_itemsets(b, min_support=0.25)
    r = mb.association_rules(fi, min_threshold=0.0, min_len=1)
    e = _empty_lhs(r).set_index("consequents_str")
    assert len(e) == 5
    assert all(a == frozenset() for a in e["antecedents"])
    assert set(e["antecedents_str"]) == {""}
    share = b.sum().astype(float) / len(b)  # a 5/7, b 5/7, c 3/7, d 2/7, e 3/7
    for item, row in e.iterrows():
        s = share[item]
        assert row["consequents"] == frozenset({item})
        assert row["antecedent support"] == 1.0
        assert row["consequent support"] == pytest.approx(s)
        assert row["support"] == pytest.approx(s)
        assert row["confidence"] == pytest.approx(s)
        assert row["lift"] == 1.0
        assert row["leverage"] == 0.0
        assert row["conviction"] == pytest.approx(1.0)
        assert row["certainty"] == 0.0
        assert row["zhangs_metric"] == 0.0
        assert row["jaccard"] == pytest.approx(s)
        assert row["kulczynski"] == pytest.approx((1 + s) / 2)
        assert row["representativity"] == 1.0
        assert row["count"] == int(b[item].sum())


def test_item_in_every_basket_has_infinite_conviction() -> None:
    fi = mb.frequent_itemsets(mb.baskets_from_lists([["milk", "tea"], ["milk"], ["milk"]]),
                              min_support=0.3)
    e = _empty_lhs(mb.association_rules(fi, min_threshold=0.5, min_len=1))
    assert e["consequents_str"].tolist() == ["milk"]
    assert e["confidence"].iloc[0] == 1.0
    assert np.isinf(e["conviction"].iloc[0])


def test_threshold_applies_to_empty_antecedent() -> None:
    fi = _toy_itemsets()
    # confidence of {} -> item = its support: only a and b (5/7) reach 0.7
    e = _empty_lhs(mb.association_rules(fi, min_threshold=0.7, min_len=1))
    assert sorted(e["consequents_str"]) == ["a", "b"]
    # lift of {} -> item is exactly 1
    e = _empty_lhs(mb.association_rules(fi, metric="lift", min_threshold=1.0, min_len=1))
    assert len(e) == 5
    e = _empty_lhs(mb.association_rules(fi, metric="support", min_threshold=0.4, min_len=1))
    assert sorted(e["consequents_str"]) == ["a", "b", "c", "e"]


def test_funnel_significance_pruning_and_cap() -> None:
    fi = _toy_itemsets()
    found = mb.rule_search(fi, min_threshold=0.0, min_len=1)
    assert found.n_candidates == found.n_rules == 18
    # an unconditional share tests no association: p = 1, never significant
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mb.NoItemsetsWarning)
        sig = mb.rule_search(fi, min_threshold=0.0, min_len=1, significance=0.5,
                             correction="none")
    assert sig.n_candidates == 18
    assert _empty_lhs(sig.rules).empty
    assert sig.n_not_significant >= 5
    pruned = mb.rule_search(fi, min_threshold=0.0, min_len=1, prune_redundant=True)
    ref = mb.rule_search(fi, min_threshold=0.0, prune_redundant=True)
    assert len(_empty_lhs(pruned.rules)) == 5
    assert pruned.n_pruned == ref.n_pruned
    assert pruned.n_rules == ref.n_rules + 5
    capped = mb.association_rules(fi, min_threshold=0.0, min_len=1, max_rules=4,
                                  sort_by="confidence")
    assert len(capped) == 4


def test_multi_item_consequents_keep_an_antecedent() -> None:
    fi = _toy_itemsets()
    r = mb.association_rules(fi, min_threshold=0.0, min_len=1, max_consequent_len=None)
    ref = mb.association_rules(fi, min_threshold=0.0, max_consequent_len=None)
    e = _empty_lhs(r)
    assert len(r) == len(ref) + 5
    assert (e["consequents"].map(len) == 1).all()


def test_min_len_3_and_bad_values() -> None:
    fi = _toy_itemsets()
    r3 = mb.association_rules(fi, min_threshold=0.0, min_len=3)
    assert len(r3) == 3  # {a, b, d}: three one-item consequents
    assert ((r3["antecedents"].map(len) + r3["consequents"].map(len)) >= 3).all()
    for bad in (0, -1, 1.0, True, "1"):
        with pytest.raises(ParameterError, match="min_len"):
            mb.association_rules(fi, min_threshold=0.0, min_len=bad)


def test_table_without_itemset_str_or_count() -> None:
    fi = _toy_itemsets()
    plain = fi[["support", "itemsets"]].copy()
    r = mb.association_rules(plain, min_threshold=0.0, min_len=1, n_baskets=7)
    full = mb.association_rules(fi, min_threshold=0.0, min_len=1)
    assert len(r) == 18
    assert sorted(_empty_lhs(r)["consequents_str"]) == sorted(_empty_lhs(full)["consequents_str"])
    assert set(_empty_lhs(r)["antecedents_str"]) == {""}


def test_words_and_csv_round_trip() -> None:
    fi = _toy_itemsets()
    r = mb.association_rules(fi, min_threshold=0.0, min_len=1)
    e = _empty_lhs(r)
    words = mb.rules_in_words(e, top=None)
    row = words.set_index(e["consequents_str"].to_numpy()).loc["a"]
    assert row["rule"] == "(any basket) -> a"
    assert row["in_words"] == "Customers buy a in 71% of all baskets, whatever else they buy (in 5 baskets)."
    assert "Customers who buy" in mb.rules_in_words(r, top=None).iloc[0]["in_words"]
    back = mb.rules_from_csv(io.StringIO(mb.rules_to_csv(r)))
    assert len(back) == 18
    assert (back["antecedents"].map(len) == 0).sum() == 5
    assert set(back.loc[back["antecedents"].map(len) == 0, "antecedents_str"]) == {""}
    assert back["antecedents"].tolist() == r["antecedents"].tolist()


def test_mine_rules_passes_min_len() -> None:
    tx = pd.DataFrame({
        "order_id": [f"o{i}" for i, basket in enumerate(ARULES_TOY) for _ in basket],
        "product_id": [x for basket in ARULES_TOY for x in basket],
    })
    r = mb.mine_rules(tx, min_support=0.25, min_confidence=0.0, max_len=None, min_len=1)
    assert len(r) == 18


# -- Groceries: the published arules counts ---------------------------------------------------


@pytest.fixture(scope="module")
def groceries_itemsets(groceries):
    return {supp: mb.frequent_itemsets(groceries, min_support=supp, algorithm="fast")
            for supp in (0.001, 0.005, 0.006, 0.01)}


def _singles_reaching(fi: pd.DataFrame, conf: float) -> int:
    return int(((fi["itemsets"].map(len) == 1) & (fi["support"] >= conf)).sum())


@pytest.mark.parametrize(("supp", "conf", "published_1", "published_2"), [
    (0.001, 0.8, 410, 410),     # arulesViz plot() example: minlen=1, no item reaches 0.8
    (0.001, 0.5, 5668, 5668),   # arules/arulesViz examples (no item reaches 0.5)
    (0.005, 0.1, 1582, None),   # minlen=1 output: 8 rules {} => {item}
    (0.006, 0.25, None, 463),   # Lantz ch. 8, minlen=2; whole milk (0.2555) >= 0.25
    (0.001, 0.1, None, None),
])
def test_groceries_counts(groceries_itemsets, supp, conf, published_1, published_2) -> None:
    fi = groceries_itemsets[supp]
    one = mb.association_rules(fi, min_threshold=conf, min_len=1)
    two = mb.association_rules(fi, min_threshold=conf, min_len=2)
    assert len(one) == len(two) + _singles_reaching(fi, conf)
    assert len(_empty_lhs(one)) == _singles_reaching(fi, conf)
    if published_1 is not None:
        assert len(one) == published_1
    if published_2 is not None:
        assert len(two) == published_2


def test_groceries_max_len_2(groceries) -> None:
    # apriori(Groceries, parameter = list(support = .01, confidence = .1, maxlen = 2)) -> 339
    fi = mb.frequent_itemsets(groceries, min_support=0.01, max_len=2, algorithm="fast")
    one = mb.association_rules(fi, min_threshold=0.1, min_len=1)
    assert len(one) == 339
    assert len(mb.association_rules(fi, min_threshold=0.1)) == 339 - 8


def test_groceries_empty_antecedent_rules(groceries_itemsets) -> None:
    r = mb.association_rules(groceries_itemsets[0.005], min_threshold=0.1, min_len=1)
    e = _empty_lhs(r).set_index("consequents_str")
    # arules' inspect(): {} => {item} with support = confidence, lift 1, count
    expected = {"whole milk": 2513, "other vegetables": 1903, "rolls/buns": 1809, "soda": 1715,
                "yogurt": 1372, "bottled water": 1087, "root vegetables": 1072,
                "tropical fruit": 1032}
    assert e["count"].to_dict() == expected
    assert e.loc["whole milk", "support"] == pytest.approx(0.25551601, abs=1e-8)
    assert e.loc["tropical fruit", "confidence"] == pytest.approx(0.10493137, abs=1e-8)
    assert (e["lift"] == 1.0).all()
    assert (e["antecedent support"] == 1.0).all()
