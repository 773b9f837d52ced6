"""The churn notebook's speed-ups change no result: the customer table computed once per data
and date (and again when the data changed), the forest's threads from ``MINING_N_JOBS``, the
report setting's recalibration folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining import churn, features
from mining.churn import _labels
from mining.inputs import open_inputs


@pytest.fixture(scope="module")
def small():
    data = open_inputs(dataset="demo", size="small", seed=0)
    cut, _ = churn.default_cutoff(data.as_of, "", days_before=180, owner="test")
    return data, cut


def test_the_customer_table_is_computed_once_per_data_and_date(small, monkeypatch):
    data, cut = small
    tx = data.transactions.copy()
    calls = []
    real = features.customer_table
    monkeypatch.setattr(features, "customer_table",
                        lambda *a, **k: calls.append(k.get("as_of")) or real(*a, **k))
    _labels._TABLES.clear()
    first = _labels.customer_table_at(tx, cut)
    again = _labels.customer_table_at(tx.copy(), str(cut.date()))  # same content, same date
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, real(tx, as_of=cut))
    again["n_orders"] = -1  # a copy: changing it does not change the next answer
    pd.testing.assert_frame_equal(_labels.customer_table_at(tx, cut), first)
    tx.loc[tx.index[0], "unit_price"] = tx["unit_price"].iloc[0] + 1000.0  # changed in place
    changed = _labels.customer_table_at(tx, cut)
    assert len(calls) == 2 and not changed.equals(first)
    _labels.customer_table_at(tx, cut - pd.Timedelta(days=30))  # another date
    assert len(calls) == 3 and len(_labels._TABLES) <= _labels._TABLES_KEPT


def test_cached_tables_give_the_same_training_sets_and_retention_values(small):
    data, cut = small
    tx = data.transactions
    kw = dict(as_of=cut, horizon_days=90, customers=data.customers, observed_until=data.as_of)
    _labels._TABLES.clear()
    X1, y1 = churn.training_set(tx, **kw)
    X2, y2 = churn.training_set(tx, **kw)  # served from the cache
    pd.testing.assert_frame_equal(X1, X2)
    pd.testing.assert_series_equal(y1, y2)
    _labels._TABLES.clear()
    proba = pd.Series(np.linspace(0.05, 0.95, len(X1)), index=X1.index)
    hit = churn.retention_at(proba, tx, as_of=cut, contact_cost=2.0, success_rate=0.2)
    _labels._TABLES.clear()
    miss = churn.retention_at(proba, tx, as_of=cut, contact_cost=2.0, success_rate=0.2)
    pd.testing.assert_frame_equal(hit, miss)


def test_the_forest_threads_follow_mining_n_jobs_and_change_no_tree(small, monkeypatch):
    data, cut = small
    X, y = churn.training_set(data.transactions, as_of=cut, horizon_days=90,
                              customers=data.customers, observed_until=data.as_of)
    monkeypatch.delenv("MINING_N_JOBS", raising=False)
    assert churn.make_model("random_forest").get_params()["model__n_jobs"] == -1
    for bad in ("", "zero", "0", "-3"):
        monkeypatch.setenv("MINING_N_JOBS", bad)
        assert churn.make_model("random_forest").get_params()["model__n_jobs"] == -1
    scores = {}
    for n in ("1", "2"):
        monkeypatch.setenv("MINING_N_JOBS", n)
        model = churn.make_model("random_forest", random_state=0, n_estimators=30)
        assert model.get_params()["model__n_jobs"] == int(n)
        scores[n] = churn.churn_probability(model.fit(X, y), X)
    pd.testing.assert_series_equal(scores["1"], scores["2"])


def test_report_effort_recalibrates_with_fewer_folds_than_thorough():
    quick, full = churn.report_effort(), churn.report_effort(thorough=True)
    assert (quick.calibration_folds, full.calibration_folds) == (2, 3)
    assert "recalibration with 2 folds" in str(quick)
    # the thorough setting recalibrates as calibrated_model does by default
    assert churn.calibrated_model("logistic").cv.get_n_splits() == full.calibration_folds
    assert churn.calibrated_model("logistic", cv=quick.calibration_folds).cv.get_n_splits() == 2
