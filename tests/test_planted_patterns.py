"""Issue 21: the demo plants returning lapsers, partial decliners, up-buyers and cross-buyers
(``mining.simulate._patterns``), and the transaction-only measures find them.

Figures measured on the default demo (5,000 customers, seed 0) are stated beside each floor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from mining import churn, datasets, features, lifecycle


@pytest.fixture(scope="module")
def demo():
    return datasets.load("demo", random_state=0)


@pytest.fixture(scope="module")
def patterns(demo):
    return features.buying_patterns(demo.transactions, as_of=demo.as_of)


def _orders(tx: pd.DataFrame) -> pd.DataFrame:
    return tx.groupby(["customer_id", "order_id"]).agg(
        timestamp=("timestamp", "min"), categories=("category", "nunique")).reset_index()


def test_the_four_groups_are_planted_apart_and_as_described(demo):
    t = demo.truth
    groups = [t.returning_lapsers, t.partial_decliners, t.up_buyers, t.cross_buyers]
    ids = [set(g.index) for g in groups]
    assert all(len(g) >= 60 for g in groups), [len(g) for g in groups]
    assert sum(map(len, ids)) == len(set().union(*ids))  # disjoint
    assert not set().union(*ids) & set(t.anomalous_customers["customer_id"])
    orders = _orders(demo.transactions)
    by = orders.groupby("customer_id")["timestamp"]
    # a lapser orders nothing inside the gap, and the gap is what the key says
    lap = t.returning_lapsers
    o = orders[orders["customer_id"].isin(lap.index)].join(lap, on="customer_id")
    assert not ((o["timestamp"] > o["last_order_before"]) & (o["timestamp"] < o["return_date"])).any()
    assert ((lap["return_date"] - lap["last_order_before"]).dt.days >= 150).all()
    # nobody orders after the (moved) churn date
    last = by.max()
    churned = t.churn_dates.reindex(last.index)
    assert not (last > churned + pd.Timedelta(days=1)).any()
    # a partial decliner's orders from decline_start on hold one category each
    dec = t.partial_decliners
    o = orders[orders["customer_id"].isin(dec.index)].join(dec, on="customer_id")
    assert (o.loc[o["timestamp"] >= o["decline_start"], "categories"] == 1).all()
    # a cross-buyer has no line in the new category before entry_date, one in every order after
    cb = t.cross_buyers
    tx = demo.transactions
    lines = tx[tx["customer_id"].isin(cb.index)].join(cb.add_suffix("_new"), on="customer_id")
    in_new = lines["category"] == lines["category_new"]
    assert not (in_new & (lines["timestamp"] < lines["entry_date_new"])).any()
    after = lines[lines["timestamp"] >= lines["entry_date_new"]]
    assert after.groupby("order_id").apply(lambda d: (d["category"] == d["category_new"]).any(),
                                           include_groups=False).all()


@pytest.mark.parametrize("days_before", [180, 270, 360])
def test_returning_lapsers_are_found_as_temporary_churners(demo, days_before):
    """Measured: 2025-07-05 65 of 65, 2025-04-06 99 of 99, 2025-01-06 41 of 41 planted lapsers
    whose gap covers the label window and who return in the return window are found temporary;
    planted lapsers are 20-36% of all temporary churners (the rest: slow buyers who come back)."""
    cut = demo.as_of - pd.Timedelta(days=days_before)
    types = churn.churn_types(demo.transactions, as_of=cut, horizon_days=90,
                              return_window_days=90, observed_until=demo.as_of)
    lap = demo.truth.returning_lapsers
    h_end, r_end = cut + pd.Timedelta(days=90), cut + pd.Timedelta(days=180)
    due = lap[(lap["last_order_before"] < cut) & (lap["return_date"] >= h_end)
              & (lap["return_date"] < r_end)]
    assert len(due) >= 30
    found = types["permanence"].reindex(due.index)
    assert (found == "temporary").all(), found.value_counts(dropna=False).to_dict()
    temporary = types.index[types["permanence"] == "temporary"]
    assert 0.1 <= np.isin(temporary, lap.index).mean() <= 0.5
    # a lapser who is gone for good at the cutoff (returns after the return window) is permanent
    late = lap[(lap["last_order_before"] < cut) & (lap["return_date"] >= r_end)].index
    assert (types["permanence"].reindex(late).dropna() == "permanent").all()


@pytest.mark.parametrize(("days_before", "at_least"), [(180, 40), (270, 15)])
def test_partial_decliners_are_found_partial(demo, days_before, at_least):
    """Measured: at 2025-07-05 62 of 63 planted decliners whose decline is over are found partial
    (8.1% of the other churners with a known degree), 78% of the found partial ones are planted;
    at 2025-04-06 22 of 22 (6.6%, 70%)."""
    cut = demo.as_of - pd.Timedelta(days=days_before)
    types = churn.churn_types(demo.transactions, as_of=cut, horizon_days=90,
                              return_window_days=90, observed_until=demo.as_of)
    key = demo.truth.partial_decliners
    dec = key.index[key["last_order"] < cut]  # their decline is over by the cutoff
    planted = types["degree"].reindex(dec)
    others = types["degree"][~types.index.isin(dec) & (types["degree"] != "unknown")]
    assert len(planted) >= at_least
    assert (planted == "partial").mean() >= 0.85, planted.value_counts().to_dict()
    assert (others == "partial").mean() <= 0.15, others.value_counts().to_dict()
    found_partial = types.index[types["degree"] == "partial"]
    assert np.isin(found_partial, key.index).mean() >= 0.5


def test_up_buyers_pay_more_in_the_categories_they_know(demo, patterns):
    """Measured: 180 planted up-buyers among 2,179 customers with 5+ orders; AUC 0.934, planted
    median index 1.34 vs 1.00."""
    m = patterns[patterns["n_orders"] >= 5]
    planted = m.index.isin(demo.truth.up_buyers.index)
    index = m["upbuy_index"].fillna(1.0)
    assert planted.sum() >= 100
    assert roc_auc_score(planted, index) >= 0.9
    assert index[planted].median() >= 1.3
    assert 0.95 <= index[~planted].median() <= 1.05


def test_cross_buyers_adopt_their_new_category(demo, patterns):
    """Measured: 162 planted cross-buyers; every one has an adopted category, against 24% of the
    others; AUC of the adopted spend share 0.913 (the plain cross-spend share, against the first
    order, cannot tell them apart here: 0.58, every demo customer roams the categories)."""
    m = patterns[patterns["n_orders"] >= 5]
    planted = m.index.isin(demo.truth.cross_buyers.index)
    assert planted.sum() >= 100
    assert (m.loc[planted, "adopted_categories"] >= 1).mean() >= 0.95
    assert (m.loc[~planted, "adopted_categories"] >= 1).mean() <= 0.35
    assert roc_auc_score(planted, m["adopted_spend_share"]) >= 0.85


def test_curve_types_recover_the_planted_ones(demo):
    """Measured: 2,893 customers typed by both, accuracy 0.819, kappa 0.715."""
    found = lifecycle.lifecycle_curve_types(demo.transactions, as_of=demo.as_of)["curve_type"]
    planted = demo.truth.curve_types(demo.as_of).reindex(found.index)
    both = planted.notna() & found.notna()
    assert both.sum() >= 2000
    p, f = planted[both].astype(str), found[both].astype(str)
    assert (p == f).mean() >= 0.78
    assert cohen_kappa_score(p, f) >= 0.65
    assert ((f == "early_death") | (p != "early_death")).all()  # a planted early death is found


def test_the_notebooks_planted_vs_found_tables(demo, patterns):
    cut = demo.as_of - pd.Timedelta(days=180)
    types = churn.churn_types(demo.transactions, as_of=cut, horizon_days=90,
                              return_window_days=90, observed_until=demo.as_of)
    (ev,) = churn.churn_types_vs_planted(types, demo.truth)
    t = ev.table
    assert list(t.index) == ["returning lapsers due back", "partial decliners", "other churners"]
    assert t["churners"].sum() == len(types)
    assert t.loc["returning lapsers due back", "found_temporary"] == 1.0
    assert t.loc["partial decliners", "found_partial"] >= 0.85
    assert t.loc["other churners", "found_partial"] <= 0.05
    assert churn.churn_types_vs_planted(types, None) == []

    table, auc = features.buying_vs_planted(patterns, demo.truth)
    m = patterns[patterns["n_orders"] >= 5]
    up = m.index.isin(demo.truth.up_buyers.index)
    assert auc.table.loc["up-buyers", "roc_auc"] == pytest.approx(
        roc_auc_score(up, m["upbuy_index"].fillna(1.0)))
    assert table.table.loc["up-buyers", "customers"] == up.sum()
    assert table.table.loc["cross-buyers", "with_adopted_category"] >= 0.95
    assert features.buying_vs_planted(patterns, None) == []

    curves = lifecycle.lifecycle_curve_types(demo.transactions, as_of=demo.as_of)
    (ev,) = lifecycle.curve_types_vs_planted(curves, demo.truth, as_of=demo.as_of)
    planted = demo.truth.curve_types(demo.as_of).reindex(curves.index)
    both = planted.notna() & curves["curve_type"].notna()
    assert ev.table.to_numpy().sum() == both.sum()
    assert np.trace(ev.table.to_numpy()) == (planted[both] == curves["curve_type"][both]).sum()
    assert lifecycle.curve_types_vs_planted(curves, None, as_of=demo.as_of) == []
