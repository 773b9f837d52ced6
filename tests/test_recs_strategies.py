"""Recommendation strategies, findings and planted ranks of the cross-selling (03) and
sequences (04) reports, on the small planted demo and on the Kaggle Groceries customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mining import basket
from mining import sequence as sq
from mining.basket import _scoring
from mining.basket import strategies as eng
from mining.findings import Findings
from mining.inputs import open_inputs


@pytest.fixture(scope="module")
def demo():
    d = open_inputs(dataset="demo", size="small", seed=0)
    tx = d.transactions[d.transactions["timestamp"] < d.as_of]
    return tx, d.as_of, d.truth


@pytest.fixture(scope="module")
def basket_comparison(demo):
    tx, _, _ = demo
    return basket.compare_strategies(tx, k=5, min_support=0.005, min_confidence=0.3,
                                     max_len=3, prune_redundant=True, significance=0.05)


def test_engine_strategies_by_hand():
    # 3 customers x 4 items (a, b, c, d); rule a -> c (conf 0.9, lift 3)
    counts = sp.csr_matrix(np.array([[2, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]], dtype=float))
    labels = ["a", "b", "c", "d"]
    vocab = {x: i for i, x in enumerate(labels)}
    rules = pd.DataFrame({"antecedents": [frozenset({"a"})], "consequents": [frozenset({"c"})],
                          "confidence": [0.9], "lift": [3.0]})
    enc = eng.encode_rules(rules, vocab)
    pop = np.array([0.5, 0.4, 0.1, 0.3])
    r = eng.recommend_codes("rules", counts, pop, enc, 2, exclude_bought=True, labels=labels)
    assert r.items[0].tolist() == [2, -1] and r.items[1].tolist() == [-1, -1]
    p = eng.recommend_codes("popularity", counts, pop, enc, 2, exclude_bought=True, labels=labels)
    assert p.items[0].tolist() == [1, 3]  # b, d: a is owned
    f = eng.recommend_codes("rules, then popularity", counts, pop, enc, 2, exclude_bought=True,
                            labels=labels)
    assert f.items[0].tolist() == [2, 1] and f.why[0, 0] == "a -> c"
    # popularity x sqrt(lift): c scores 0.1 * 1.73 = 0.17 < d 0.3 < b 0.4
    b = eng.recommend_codes("popularity x lift", counts, pop, enc, 3, exclude_bought=True,
                            labels=labels)
    assert b.items[0].tolist() == [1, 3, 2]
    again = eng.recommend_codes("buy again", counts, pop, enc, 2, exclude_bought=False,
                                labels=labels)
    assert again.items[0, 0] == 0 and again.why[0, 0] == "bought before"
    target = sp.csr_matrix(np.array([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=bool))
    m = eng.evaluate_codes(f, target, 2)
    # 0 gets [c, b] and buys c; 1 gets [a, d] and buys a; 2 gets [c, d] and buys d
    assert m["hit_rate"] == pytest.approx(1.0)
    assert m["precision_at_k"] == pytest.approx(0.5)
    target2 = sp.csr_matrix(np.array([[0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]], dtype=bool))
    assert eng.evaluate_codes(f, target2, 2)["hit_rate"] == pytest.approx(0.0)


def test_basket_strategies_validation_before_test_and_honest_baseline(basket_comparison):
    c = basket_comparison
    val, test = c.periods
    assert val.end == test.start and val.start < val.end < test.end  # train < validation < test
    t = c.table
    assert set(basket.STRATEGIES) - {"buy again"} == set(t.index)
    # the chosen default is the best on validation, not on test
    assert c.chosen == t["validation_hit_rate"].idxmax()
    assert t.loc["popularity", "points_vs_popularity"] == 0
    # on the demo, rule offers alone lose to popularity (the honest baseline verdict)
    assert t.loc["rules", "test_hit_rate"] < t.loc["popularity", "test_hit_rate"]
    text = " ".join(c.sentences())
    assert "popularity wins by" in text and "Plain rules" in text


def test_basket_findings_verdicts(demo, basket_comparison):
    tx, cutoff, truth = demo
    rules = basket.mine_rules(tx, min_support=0.005, min_confidence=0.3, sort_by="leverage")
    found = basket.planted_vs_found(rules, truth.cross_sell_rules, top=50)
    assert found["found"].all()  # every planted rule among the first 50 by leverage
    assert (found["rank"] <= 50).all()
    f = basket.findings(rules, comparison=basket_comparison, planted=found)
    assert isinstance(f, Findings) and 3 <= len(f.headline) <= 5
    assert any("Planted rules" in d and "rank" in d for d in f.details)
    c = basket_comparison
    if c.chosen != "popularity" and c.test_hit_rate(c.chosen) - c.test_hit_rate("popularity") >= 0.01:
        assert f.verdict.startswith("Offers by")
    # a comparison where nothing beats popularity gives the losing verdict
    lose = eng.StrategyComparison(c.table.assign(chosen=c.table.index == "popularity"),
                                  "popularity", c.periods, c.n_customers, c.k)
    g = basket.findings(rules, comparison=lose)
    assert g.verdict.startswith("Rule-based offers do not beat plain popularity")
    assert "best sellers" in g.recommendation


def test_planted_rank_beyond_top_is_not_found(demo):
    tx, _, truth = demo
    rules = basket.mine_rules(tx, min_support=0.005, min_confidence=0.3, sort_by="lift")
    deep = basket.planted_vs_found(rules, truth.cross_sell_rules, top=3)
    assert (deep["found"] == (deep["rank"] <= 3)).all()


def test_cross_sell_offers_columns(demo):
    tx, cutoff, _ = demo
    rules = basket.mine_rules(tx, min_support=0.005, min_confidence=0.3)
    offers = basket.cross_sell_offers(rules, tx, as_of=cutoff, strategy="rules, then popularity",
                                      k=3)
    assert list(offers.columns) == ["rank", "item", "score", "confidence", "lift", "reason"]
    assert offers.index.name == "customer_id" and offers.groupby(level=0).size().max() <= 3
    from_rule = offers["reason"] != "popular"
    assert from_rule.any() and offers.loc[from_rule, "confidence"].notna().all()


def test_sequence_follow_ups_planted_at_visible_ranks_and_findings(demo):
    tx, cutoff, truth = demo
    db = sq.customer_sequences(tx, as_of=cutoff)
    pats = sq.frequent_sequences(db, min_support=0.03, max_len=2)
    rules = sq.sequential_rules(pats)
    shown = sq.follow_up_rules(rules)
    found = sq.planted_vs_found(truth.sequences, pats, rules=rules, db=db, shown=shown, top=50)
    assert found["found"].sum() == len(truth.sequences)  # 5 of 5 in the top 50
    assert (found["rank"] <= 50).all()
    split, h = sq.holdout_window(tx, as_of=cutoff)
    c = sq.compare_strategies(tx, split_date=split, horizon_days=h, k=5, min_support=0.03,
                              max_len=2)
    assert c.periods[0].end == c.periods[1].start
    assert {"popularity", "sequential rules", "buy again"} <= set(c.table.index)
    f = sq.findings(shown, comparison=c, planted=found, n_patterns=len(pats))
    assert any("at rank" in d for d in f.details)
    diff = c.test_hit_rate(c.chosen) - c.test_hit_rate("popularity")
    if c.chosen == "popularity" or diff < 0.01:
        assert f.verdict.startswith("No strategy beats plain popularity")
    else:
        assert "beat plain popularity" in f.verdict
    for strategy in [s for s in sq.NEXT_STRATEGIES if s != "association rules"]:
        sug = sq.next_purchase_suggestions(rules, db, strategy=strategy, k=3)
        assert list(sug.columns) == ["rank", "item", "score", "confidence", "lift", "reason"]
        assert sug.groupby(level=0).size().max() == 3, strategy


def _groceries(shared_datasets) -> pd.DataFrame:
    g = pd.read_csv(shared_datasets / "groceries_members" / "Groceries_dataset.csv",
                    dtype={"Member_number": str})
    ts = pd.to_datetime(g["Date"], format="%d-%m-%Y")
    return pd.DataFrame({"customer_id": g["Member_number"],
                         "order_id": g["Member_number"] + "-" + g["Date"], "timestamp": ts,
                         "product_id": g["itemDescription"],
                         "product_name": g["itemDescription"]})


def test_groceries_strategies_reported_against_popularity(shared_datasets):
    tx = _groceries(shared_datasets)
    c = basket.compare_strategies(tx, k=5, min_support=0.001, min_confidence=0.05,
                                  significance=None)
    t = c.table
    assert t["test_hit_rate"].between(0, 1).all()
    # real data: no strategy is far ahead of popularity; the sentences say so in numbers
    assert (t["points_vs_popularity"] < 5).all()
    assert "popularity" in " ".join(c.sentences())


# ---- the engine's shared tables (rule scores once per comparison) ----------------------------
def _brute_rule_scores(owned: np.ndarray, enc) -> tuple[np.ndarray, np.ndarray]:
    """Best confidence per (customer, item) and its rule, by a plain scan: single-antecedent
    rules in antecedent-code order, then the others, a later rule winning only when strictly
    better; equal rules keep the smaller rule index; NaN never wins."""
    n_c, n_i = owned.shape
    best = np.full((n_c, n_i), -np.inf)
    rule = np.full((n_c, n_i), -1)
    ante = enc.ante.toarray().astype(bool)
    for c in range(n_c):
        for group in (np.flatnonzero(enc.a_len == 1), np.flatnonzero(enc.a_len != 1)):
            group_best: dict[int, tuple[float, int, int]] = {}
            for r in group:
                if not owned[c][ante[r]].all():
                    continue
                a_code = int(np.flatnonzero(ante[r])[0]) if enc.a_len[r] == 1 else 0
                v = enc.conf[r]
                key = (-np.inf if np.isnan(v) else v, -a_code, -r)
                i = int(enc.cons[r])
                if i not in group_best or key > group_best[i][:3]:
                    group_best[i] = (*key, r)
            for i, (v, _, _, r) in group_best.items():
                if v > best[c, i]:
                    best[c, i], rule[c, i] = v, r
    return best, rule


@pytest.mark.parametrize("seed", range(12))
def test_rule_scores_match_a_plain_scan(seed):
    rng = np.random.default_rng(seed)
    n_c, n_i = 9, 6
    owned = rng.random((n_c, n_i)) < 0.4
    labels = [f"i{j}" for j in range(n_i)]
    rows = []
    for _ in range(15):
        a = frozenset(rng.choice(labels, size=int(rng.integers(0 if seed % 3 == 0 else 1, 3)),
                                 replace=False))
        c = frozenset({str(rng.choice(labels))})
        rows.append((a, c, rng.choice([0.2, 0.5, 0.5, 0.8]), 1.0))  # ties on purpose
    rules = pd.DataFrame(rows, columns=["antecedents", "consequents", "confidence", "lift"])
    enc = eng.encode_rules(rules, {x: j for j, x in enumerate(labels)})
    conf, conf_rule, _, _ = eng.rule_scores(sp.csr_matrix(owned.astype(float)), enc)
    best, rule = _brute_rule_scores(owned, enc)
    assert np.array_equal(conf, best) and np.array_equal(conf_rule, rule)


def test_rule_scores_when_no_multi_item_rule_fires():
    # a rule {a, b} -> c with nobody owning both: no rule fires (once an IndexError)
    counts = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0]], dtype=float))
    rules = pd.DataFrame({"antecedents": [frozenset({"a", "b"})],
                          "consequents": [frozenset({"c"})], "confidence": [0.5], "lift": [2.0]})
    enc = eng.encode_rules(rules, {"a": 0, "b": 1, "c": 2})
    conf, conf_rule, lift, lift_rule = eng.rule_scores(counts, enc)
    assert (conf_rule == -1).all() and (lift_rule == -1).all() and np.isneginf(conf).all()


def test_max_over_owned_in_blocks_matches_brute_force():
    rng = np.random.default_rng(3)
    owned = sp.random(40, 7, density=0.3, format="csr", random_state=3)
    key = rng.integers(0, 50, size=(7, 5)).astype(np.int16)
    dense = owned.toarray() > 0
    expected = np.array([key[row].max(axis=0) if row.any() else np.zeros(5, np.int16)
                         for row in dense])
    for cells in (1, 10, 1 << 22):  # one customer per block .. everything at once
        assert np.array_equal(_scoring._max_over_owned(owned, key, cells=cells), expected)


def test_shared_scores_give_the_same_offers():
    counts = sp.csr_matrix(np.array([[2, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0]], dtype=float))
    labels = ["a", "b", "c", "d"]
    rules = pd.DataFrame({"antecedents": [frozenset({"a"}), frozenset({"a", "b"})],
                          "consequents": [frozenset({"d"}), frozenset({"c"})],
                          "confidence": [0.4, 0.7], "lift": [2.0, 1.5]})
    enc = eng.encode_rules(rules, {x: i for i, x in enumerate(labels)})
    pop = np.array([0.5, 0.4, 0.1, 0.3])
    scores = eng.rule_scores(counts, enc)
    for s in eng.STRATEGIES:
        ex = s != "buy again"
        a = eng.recommend_codes(s, counts, pop, enc, 3, exclude_bought=ex, labels=labels)
        b = eng.recommend_codes(s, counts, pop, enc, 3, exclude_bought=ex, labels=labels,
                                scores=scores)
        assert np.array_equal(a.items, b.items) and (a.why == b.why).all()
        assert np.array_equal(a.scores, b.scores, equal_nan=True)
        customers = pd.Index(["x", "y", "z"])
        pd.testing.assert_frame_equal(eng.offers_frame(a, counts, enc, customers, labels),
                                      eng.offers_frame(b, counts, enc, customers, labels,
                                                       scores=scores))


def test_cooccurrence_reasons_by_hand():
    # customer 0 holds a and b; c is closer to b (0.9) than to a (0.2): "bought with b"
    owned = np.array([[True, True, False], [False, False, False]])
    sim = np.array([[0.0, 0.1, 0.2], [0.1, 0.0, 0.9], [0.2, 0.9, 0.0]])
    items = np.array([[2, -1], [2, 0]])
    why = _scoring._cooc_reasons(owned, sim, items, np.array(["a", "b", "c"], dtype=object))
    assert why.tolist() == [["bought with b", ""], ["popular", "popular"]]


def test_history_counts_count_distinct_orders():
    # c1: order o1 holds x twice (one order), o2 holds x and y; c2: o3 holds y; z is unknown
    cust = np.array(["c1", "c1", "c1", "c1", "c2", "c2"], dtype=object)
    order = np.array(["o1", "o1", "o2", "o2", "o3", "o3"], dtype=object)
    item = np.array(["x", "x", "x", "y", "y", "z"], dtype=object)
    m = eng.history_counts(cust, order, item, pd.Index(["c1", "c2"]), {"x": 0, "y": 1})
    assert m.toarray().tolist() == [[2.0, 1.0], [0.0, 1.0]]
