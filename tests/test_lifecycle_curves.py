"""Lifecycle curve types (客户关系生命周期曲线): rules by hand and recovery of the demo's planted
lifetimes (planted churn date and first order)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from mining import datasets, lifecycle
from mining.errors import ParameterError


def test_margin_rate_and_cost_column():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "order_id": ["1", "2"],
                       "timestamp": pd.to_datetime(["2024-01-05", "2024-02-01"]),
                       "quantity": [1.0, 2.0], "unit_price": [10.0, 10.0], "cost": [4.0, 9.0]})
    assert lifecycle.profit_curves(tx, as_of="2024-03-01", margin_rate=0.5).iloc[0].tolist() \
        == [5.0, 10.0]
    assert lifecycle.profit_curves(tx, as_of="2024-03-01", cost_column="cost").iloc[0].tolist() \
        == [6.0, 2.0]
    with pytest.raises(ParameterError, match="margin_rate"):
        lifecycle.profit_curves(tx, as_of="2024-03-01", margin_rate=1.5)


def test_curve_types_recover_planted_lifetimes():
    ds = datasets.load("demo", size="small", random_state=0)
    t = lifecycle.lifecycle_curve_types(ds.transactions, as_of=ds.as_of)
    planted = ds.truth.curve_types(ds.as_of).reindex(t.index).astype(object).fillna("").to_numpy()
    found = t["curve_type"].astype(object).fillna("").to_numpy()
    both = (planted != "") & (found != "")
    # measured: 233 customers, accuracy 0.807, kappa 0.69
    assert both.sum() > 150
    assert (planted[both] == found[both]).mean() > 0.75
    assert cohen_kappa_score(planted[both], found[both]) > 0.6
    assert set(t["curve_type"].dropna()) == set(lifecycle.CURVE_TYPES)


def test_planted_curve_types_follow_the_planted_dates():
    ds = datasets.load("demo", size="small", random_state=0)
    truth = ds.truth
    planted = truth.curve_types("2025-06-01")
    first, churn = truth.signup_dates.reindex(planted.index), truth.churn_dates.reindex(
        planted.index)
    assert (first < pd.Timestamp("2025-06-01")).all()
    early = planted == "early_death"
    assert ((churn[early] - first[early]).dt.days < 180).all()
    assert (churn[planted == "midway_abort"] < pd.Timestamp("2025-06-01")).all()
    kept = planted == "long_retained"
    assert ((pd.Timestamp("2025-06-01") - first[kept]).dt.days >= 365).all()
    assert (churn[kept].isna() | (churn[kept] >= pd.Timestamp("2025-06-01"))).all()
    assert planted.isna().any() and set(planted.dropna()) == set(lifecycle.CURVE_TYPES)
