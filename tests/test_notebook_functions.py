"""The public functions that took over what notebook cells used to compute: tiny inputs whose
answers were worked out by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mining import basket, churn, clv, deviation, segment, value
from mining import sequence as sq
from mining.errors import ParameterError


# --- segment -------------------------------------------------------------------------------
def test_label_agreement_ignores_unknown_and_missing_customers():
    planted = pd.Series(["a", "a", "b", "b", None, "c"], index=list("uvwxyz"))
    found = pd.Series([1, 1, 2, 1, 2], index=list("uvwxy"), name="seg")
    got = segment.label_agreement(planted, found)
    assert got.n_customers == 4  # y has no planted label, z no found one
    assert got.table.index.name == "planted" and got.table.columns.name == "seg"
    assert got.table.loc["b"].tolist() == [1, 1]
    assert got.shares.loc["a"].tolist() == [1.0, 0.0]
    from sklearn.metrics import adjusted_rand_score
    assert got.ari == pytest.approx(adjusted_rand_score(["a", "a", "b", "b"], [1, 1, 2, 1]))


def test_label_agreement_is_invariant_to_label_names_and_checks_input():
    a = pd.Series([0, 0, 1, 1, 2, 2])
    assert segment.label_agreement(a, a.map({0: "x", 1: "y", 2: "z"})).ari == 1.0
    with pytest.raises(ParameterError, match="must be a pandas Series"):
        segment.label_agreement([0, 1], a)


def test_planted_vs_found_without_truth_is_none():
    assert segment.planted_vs_found(pd.Series([1]), None) is None


def test_profile_in_words_names_the_top_revenue_segment():
    p = pd.DataFrame({"name": ["a", "b"], "share_customers": [0.9, 0.1],
                      "share_revenue": [0.4, 0.6], "top_categories": ["", "toys"]})
    lines = segment.profile_in_words(p)
    assert lines[0] == "Segment 0 'a': 90% of customers, 40% of revenue; buys mostly n/a"
    assert lines[-1].endswith("'b': 10% of customers bring 60% of revenue.")


# --- value ---------------------------------------------------------------------------------
def test_abc_summary_counts_and_shares():
    t = pd.DataFrame({"monetary_total": [50.0, 30.0, 10.0, 5.0, 5.0]},
                     index=pd.Index(list("abcde"), name="customer_id"))
    s = value.abc_summary(value.abc_classes(t))
    # A while the share above is below 80% (a, b), B below 95% (c, d), C the rest (e)
    assert s["customers"].tolist() == [2, 2, 1]
    assert s["revenue"].tolist() == [80.0, 15.0, 5.0]
    assert s["share_customers"].sum() == pytest.approx(1.0)
    assert s["share_revenue"].tolist() == pytest.approx([0.8, 0.15, 0.05])


# --- basket --------------------------------------------------------------------------------
def test_basket_summaries():
    b = basket.baskets_from_lists([["milk", "bread"], ["milk", "bread"], ["milk"], ["eggs"]])
    assert basket.basket_size_summary(b).loc["items per basket", "mean"] == 1.5
    counts = basket.itemsets_by_length(basket.frequent_itemsets(b, min_support=0.5))
    assert counts["itemsets"].to_dict() == {1: 2, 2: 1}


def test_offers_with_history_and_default_split_date():
    offers = pd.DataFrame({"rank": [1, 1, 1, 1], "item": ["x", "y", "z", "w"],
                           "confidence": 0.5, "lift": 2.0, "rule": "r"},
                          index=pd.Index(["c1", "c2", "c3", "c4"], name="customer_id"))
    tx = pd.DataFrame({"customer_id": ["c1", "c1", "c2", "c4"], "product_id": ["p2", "p1", "p1", "p9"],
                       "timestamp": pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-05",
                                                    "2025-01-09"])})
    got = basket.offers_with_history(offers, tx, use_names=False)
    assert got.index.tolist() == ["c1", "c2", "c3"]
    assert got["already bought"].tolist()[:2] == ["p1, p2", "p1"]
    assert pd.isna(got.loc["c3", "already bought"])
    assert basket.default_split_date(tx) == pd.Timestamp("2025-01-07")  # 1 Jan + 0.75 x 8 days
    assert basket.default_split_date(tx.iloc[:2]) is None


# --- sequence ------------------------------------------------------------------------------
@pytest.fixture
def seq_db():
    tx = pd.DataFrame({
        "customer_id": ["a"] * 5 + ["b", "b", "c"],
        "order_id": [str(i) for i in range(8)],
        "product_id": ["x", "y", "x", "y", "x", "x", "y", "x"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-22",
                                     "2025-01-29", "2025-01-02", "2025-01-09", "2025-01-03"]),
    })
    return tx, sq.customer_sequences(tx, as_of="2025-02-01", use_names=False)


def test_sequence_views(seq_db):
    tx, db = seq_db
    assert sq.sequence_length_summary(db).loc["baskets per customer", "max"] == 5.0
    assert sq.example_customers(db) == ["a", "b", "c"]
    assert sq.example_customers(db, min_baskets=2, max_baskets=2) == ["b", "a", "c"]
    split, days = sq.holdout_window(tx, as_of="2025-02-01")
    assert (split, days) == (pd.Timestamp("2025-01-25"), 7)  # 28 days // 4 = 7, the minimum


def test_rule_and_lag_views():
    rules = pd.DataFrame({"antecedents": [("a",), ("a",), ("a", "b")],
                          "consequents": [("c",), ("d",), ("e",)],
                          "rule_str": ["a=>c", "a=>d", "ab=>e"], "support": 0.1,
                          "confidence": 0.5, "lift": [0.8, 1.5, 3.0]})
    assert sq.one_step_rules(rules)["rule_str"].tolist() == ["a=>d", "a=>c"]
    assert sq.rules_with_lift(rules)["rule_str"].tolist() == ["a=>d", "ab=>e"]
    assert len(sq.rules_with_lift(rules, min_lift=5)) == 3
    assert sq.multi_basket_patterns(pd.DataFrame({"n_elements": [1, 2, 3]})).index.tolist() == [1, 2]
    lags = pd.DataFrame({"pattern_str": ["q", "p", "p", "p"], "lag_days": [1.0, 1.0, 2.0, 9.0]})
    got = sq.lag_summary(lags)
    assert got.index.tolist() == ["q", "p"] and got.loc["p", "50%"] == 2.0


# --- churn ---------------------------------------------------------------------------------
def test_default_cutoff_and_label_summary():
    end = pd.Timestamp("2026-01-01")
    assert churn.default_cutoff(end) == (pd.Timestamp("2025-07-05"), "180 days before the data end")
    assert churn.default_cutoff(end, "2025-01-31")[1] == "given"
    with pytest.raises(ParameterError):
        churn.default_cutoff(end, "not a date")
    labels = pd.DataFrame({"churned": [True, False, True, True],
                           "next_order": pd.to_datetime([None, "2025-08-01", "2026-03-01", None])})
    assert "4 customers active" in churn.label_summary(labels, horizon_days=30)
    assert "75.0% churned in the 30-day window; 1 of the churners" in \
        churn.label_summary(labels, horizon_days=30)


def test_labels_vs_planted_and_results_in_words():
    labels = pd.DataFrame({"churned": [True, True, False],
                           "horizon_end": pd.Timestamp("2025-04-01")},
                          index=pd.Index(["a", "b", "c"], name="customer_id"))
    dates = pd.Series(pd.to_datetime(["2025-02-01", "2025-06-01"]), index=["a", "c"])
    table = churn.labels_vs_planted(labels, dates)
    assert table.loc[True, True] == 1 and table.loc[True, False] == 1
    assert table.loc["All", "All"] == 3
    t = pd.DataFrame({"roc_auc": [0.8], "pr_auc": [0.7], "top_decile_lift": [1.5],
                      "churn_rate": [0.5]}, index=["logistic"])
    res = SimpleNamespace(table=t, best="logistic")
    lines = churn.results_in_words(res, res, pd.Series({"n_contact": 3.0, "campaign_return": 9.0}),
                                   pd.DataFrame({"churn_rate": [0.1, 0.7]}, index=["x", "y"]))
    assert len(lines) == 4  # no baseline in the table: no baseline sentence
    assert "largest possible lift is 2.00" in lines[0]
    assert lines[-1] == "Highest churn stage: y (70%); lowest: x (10%)."


# --- deviation -----------------------------------------------------------------------------
def _series(summary):
    return deviation.SeriesDeviations(weeks=pd.DataFrame(), summary=summary, seasonal=pd.Series())


def test_series_helpers():
    s = pd.DataFrame({"status": ["ok", "ok", "too short"], "max_z": [2.0, 8.0, 50.0],
                      "n_spikes": [0, 3, 1], "reason": ["", "spike", ""],
                      "drop_start": pd.to_datetime(["2025-11-01", None, "2025-01-01"]),
                      "drop_ratio": [0.3, np.nan, 0.1]}, index=["a", "b", "c"])
    r = _series(s)
    assert deviation.break_counts(r) == {"spikes": 2, "drops": 2}
    assert deviation.break_counts(r, judged_only=True) == {"spikes": 1, "drops": 1}
    assert deviation.example_series(r) == "b"
    assert deviation.example_series(r, prefer=["a", "c"]) == "a"
    assert deviation.example_series(r, prefer=["c"]) == "b"  # c is not judged
    assert deviation.top_series(r, top=1).index.tolist() == ["b"]
    values = pd.DataFrame({"n_orders": [5, 6, 7]}, index=["a", "b", "c"])
    silent = deviation.silent_churn(r, values, as_of="2026-01-01")
    assert silent.index.tolist() == ["a"] and silent.loc["a", "n_orders"] == 5


def test_customer_spend_breaks_keeps_repeat_customers_only():
    tx = pd.DataFrame({"customer_id": ["a"] * 30 + ["b"], "order_id": [str(i) for i in range(31)],
                       "timestamp": list(pd.date_range("2024-01-01", periods=30, freq="7D"))
                       + [pd.Timestamp("2024-03-01")],
                       "product_id": "p", "quantity": 1.0, "unit_price": 2.0})
    values = pd.DataFrame({"n_orders": [30, 1]}, index=["a", "b"])
    got = deviation.customer_spend_breaks(tx, as_of="2024-09-01", values=values)
    assert got.summary.index.tolist() == ["a"]
    both = deviation.customer_spend_breaks(tx, as_of="2024-09-01")
    assert sorted(both.summary.index) == ["a", "b"]


def test_flags_reasons_and_planted_view():
    flags = pd.DataFrame({"score": [9.111, 5.0], "rank": [1, 2], "segment": ["x", "y"],
                          "reasons": ["r1", "r2"], "reason_codes": [["a:+9", "b:+4"], ["a:+5"]]},
                         index=["c1", "c2"])
    assert deviation.flag_table(flags, top=1).to_dict("list") == {
        "score": [9.11], "rank": [1], "segment": ["x"], "reasons": ["r1"]}
    assert deviation.main_reasons(flags) == {"a": 2}
    assert deviation.main_reasons(flags.iloc[:0]) == {}
    scores = pd.DataFrame({"rank": [1, 2, 3], "score": [3.0, 2.0, 1.0], "flagged": [True, False, False],
                           "reasons": ["r", "", ""]}, index=pd.Index(["c1", "c2", "c3"], dtype="string"))
    assert deviation.top_scored(scores, share=0.5).tolist() == ["c1", "c2"]  # ceil(1.5)
    assert deviation.top_scored(pd.DataFrame(index=range(4000)), share=0.01).size == 40
    planted = pd.DataFrame({"customer_id": ["c3", "c1"], "kind": ["reseller", "order_burst"]})
    view = deviation.planted_view(SimpleNamespace(scores=scores), planted)
    assert view.index.tolist() == ["c1", "c3"] and view["kind"].tolist() == ["order_burst", "reseller"]
    assert deviation.planted_view(None, None).empty
    tx = pd.DataFrame({"product_id": ["p1", "p2"], "product_name": ["tent", "gas"]})
    assert deviation.entity_name(tx, "p1") == "p1: tent"


# --- clv -----------------------------------------------------------------------------------
def test_calibration_period_and_units():
    tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
                       "timestamp": pd.to_datetime(["2025-01-05 00:00", "2025-06-30 13:00", "2026-02-01 00:00"])})
    p = clv.calibration_period(tx, as_of="2026-01-01", holdout_weeks=10)
    assert len(p.transactions) == 2  # the line after as_of is left out
    assert p.data_end == pd.Timestamp("2025-06-30")
    assert p.calibration_end == pd.Timestamp("2025-10-22")  # 1 Jan - 70 days - 1 day
    assert p.holdout_start == pd.Timestamp("2025-10-23") and p.now == pd.Timestamp("2025-07-01")
    given = clv.calibration_period(tx, as_of="2026-01-01", calibration_end="2025-03-31")
    assert given.calibration_end == pd.Timestamp("2025-03-31")
    with pytest.raises(ParameterError):
        clv.calibration_period(tx, as_of="2026-01-01", calibration_end="garbage")
    assert clv.units_per_month("W") == 365.25 / 12 / 7
    assert clv.units_per_month("D") == 365.25 / 12 and clv.units_per_month("M") == 1.0


def test_clv_tables_and_sentences():
    bg = SimpleNamespace(variant="bgnbd", params_={"r": 1.0, "alpha": 2.0, "a": 3.0, "b": 4.0},
                         log_likelihood_=-10.0, fit_seconds_=0.1)
    gg = SimpleNamespace(params_={"p": 5.0, "q": 6.0, "gamma": 7.0}, n_customers_=12,
                         fit_seconds_=0.2, frequency_spend_corr_=0.05)
    t = clv.parameter_table(bg, gg)
    assert t["model"].tolist() == ["bgnbd"] * 4 + ["Gamma-Gamma"] * 3
    assert t["estimate"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert "12 repeat customers" in clv.fits_in_words(bg, gg)
    assert clv.fits_in_words(bg, gg).startswith("BG/NBD: log-likelihood -10.0")
    mbg = SimpleNamespace(**{**vars(bg), "variant": "mbgnbd"})
    assert clv.fits_in_words(mbg, gg).startswith("MBG/NBD: ")  # names the model it describes
    ltv = pd.DataFrame({"future_value": [1.0, 9.0, 5.0]}, index=["a", "b", "c"])
    assert clv.top_customers(ltv, n=2).index.tolist() == ["b", "c"]
    moves = SimpleNamespace(stayed=3, table=pd.DataFrame([[2, 1], [1, 1]]))
    assert clv.transitions_in_words(moves, start="2025-01-01", end="2025-06-30") == \
        "3 of 5 customers kept their class from 2025-01-01 to 2025-06-30"
    table = pd.DataFrame({"predicted_clv": [1.0, 2.0, 3.0], "p_alive": [0.9, 0.5, 0.1]})
    heur = pd.DataFrame({"future_value": [1.0, 2.0, 3.0], "p_active": [0.1, 0.5, 0.9]})
    assert clv.heuristic_agreement(table, heur).endswith("1.00; of P(alive) with the heuristic "
                                                         "p_active: -1.00")


def test_p_alive_vs_planted_churn_on_the_small_demo():
    from mining.inputs import open_inputs

    data = open_inputs(dataset="demo", size="small", seed=0)
    summary = clv.calibration_summary(data.transactions, as_of=data.as_of)
    ltv = clv.lifetime_value(summary, clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary))
    got = clv.p_alive_vs_planted_churn(ltv, summary, data.truth.churn_dates, before=data.as_of)
    assert got.columns.tolist() == ["p_alive (bgnbd)", "p_alive (mbgnbd)", "future_value"]
    assert got.index.tolist() == [False, True]
    assert got.loc[True, "future_value"] < got.loc[False, "future_value"]


# --- buying patterns per segment (notebook 01) --------------------------------------------
def test_buying_by_segment_means_per_segment_in_category_order():
    from mining import features

    ids = pd.Index(["a", "b", "c", "d"], name="customer_id")
    buying = pd.DataFrame({"n_orders": [1, 3, 5, 2], "cross_spend_share": [0.0, 0.2, 0.4, 0.1],
                           "upbuy_index": [np.nan, 1.2, 0.8, np.nan]}, index=ids)
    seg = pd.Series(pd.Categorical(["lost", "champions", "champions", "lost"],
                                   categories=["champions", "loyal", "lost"]), index=ids)
    got = features.buying_by_segment(buying, seg)
    assert got.index.tolist() == ["champions", "lost"]  # category order, the empty one dropped
    assert got["customers"].tolist() == [2, 2]
    assert got["n_orders"].tolist() == [4.0, 1.5]
    assert got["cross_spend_share"].tolist() == pytest.approx([0.3, 0.05])
    assert got.loc["champions", "upbuy_index"] == pytest.approx(1.0)
    assert np.isnan(got.loc["lost", "upbuy_index"])  # nobody in it has one
    # customers in one table only are left out
    assert features.buying_by_segment(buying, seg.iloc[:3])["customers"].tolist() == [2, 1]
    with pytest.raises(ParameterError, match="'segments' parameter of buying_by_segment"):
        features.buying_by_segment(buying, ["lost"] * 4)
    with pytest.raises(ParameterError, match="no customer_id is in both"):
        features.buying_by_segment(buying, pd.Series(["x"], index=["zz"]))
