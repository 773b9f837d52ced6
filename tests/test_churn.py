"""Tests of mining.churn: labels, leakage-safe training sets, contractual data, models, evaluation,
retention list."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.pipeline import Pipeline

from mining import churn
from mining.errors import (
    DataWarning,
    InsufficientDataError,
    NotFittedError,
    ParameterError,
    SchemaError,
)
from mining.schema import validate_transactions

START = pd.Timestamp("2024-01-01")
CUTOFF = pd.Timestamp("2024-10-01")
OBSERVED_UNTIL = pd.Timestamp("2025-07-01")


def synthetic_tx(n_customers: int = 80, seed: int = 0) -> pd.DataFrame:
    """Shop transactions 2024-01-01..2025-06-30: even customers buy throughout, odd ones stop.

    Odd customers stop at a random day in 2024-07..2024-12, so around the 2024-10-01 cutoff both
    stoppers (churners) and buyers (stayers) exist and recency carries signal.
    """
    rng = np.random.default_rng(seed)
    rows = []
    end = (OBSERVED_UNTIL - START).days
    for i in range(n_customers):
        cid = f"c{i:03d}"
        t = float(rng.integers(0, 150))
        gap = rng.uniform(8, 35)
        stop = float(rng.integers(180, 365)) if i % 2 else float(end)
        k = 0
        while t < min(stop, end):
            ts = START + pd.Timedelta(days=t) + pd.Timedelta(hours=int(rng.integers(8, 20)))
            for line in range(int(rng.integers(1, 3))):
                rows.append({"customer_id": cid, "order_id": f"{cid}-{k}", "timestamp": ts,
                             "product_id": f"p{int(rng.integers(1, 6))}",
                             "category": "A" if line == 0 else "B",
                             "quantity": float(rng.integers(1, 4)),
                             "unit_price": float(rng.uniform(5, 40))})
            k += 1
            t += gap * rng.exponential(1.0) + 1
    return validate_transactions(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return synthetic_tx()


def tiny_tx() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c", "d", "d"],
        "order_id": ["1", "1", "2", "3", "4", "5", "6"],
        "timestamp": pd.to_datetime(["2025-01-05", "2025-01-05", "2025-03-10", "2025-01-20",
                                     "2025-04-01", "2025-01-31", "2025-05-20"]),
        "product_id": ["x", "y", "x", "x", "x", "y", "y"],
        "quantity": [1.0] * 7,
        "unit_price": [2.0] * 7,
    })


# ---------------------------------------------------------------- labels


def test_doctests_pass():
    """The examples of the package docstring and of every public name of mining.churn."""
    public = [churn, *(o for o in map(churn.__dict__.get, churn.__all__) if callable(o))]
    tests = [t for obj in public for t in doctest.DocTestFinder().find(obj)]
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    assert sum(runner.run(t).failed for t in tests) == 0 and len(tests) >= 5


def test_churn_labels_known_answer():
    lab = churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=45)
    # active before the cutoff: a, b, d (c starts later); window [02-01, 03-18)
    assert lab.index.tolist() == ["a", "b", "d"]
    assert lab["churned"].tolist() == [False, True, True]
    assert lab["orders_in_horizon"].tolist() == [1, 0, 0]
    assert lab.loc["a", "days_since_last_order"] == pytest.approx(27.0)
    assert lab.loc["d", "days_since_last_order"] == pytest.approx(1.0)
    # d comes back after the window: a temporary churner (next order known, outside the window)
    assert lab.loc["d", "next_order"] == pd.Timestamp("2025-05-20")
    assert pd.isna(lab.loc["b", "next_order"])
    # the label definition travels with every row
    assert lab["as_of"].eq(pd.Timestamp("2025-02-01")).all()
    assert lab["horizon_end"].eq(pd.Timestamp("2025-03-18")).all()


def test_churn_labels_window_is_half_open():
    extra = pd.DataFrame({"customer_id": ["e", "e"], "order_id": ["7", "8"],
                          "timestamp": pd.to_datetime(["2025-01-10", "2025-02-10"]),
                          "product_id": "x", "quantity": 1.0, "unit_price": 2.0})
    tx = pd.concat([tiny_tx(), extra], ignore_index=True)
    # the order of a on 2025-03-10 is exactly at cutoff + 37 days: outside [cutoff, cutoff+37)
    lab = churn.churn_labels(tx, as_of="2025-02-01", horizon_days=37)
    assert bool(lab.loc["a", "churned"])
    lab = churn.churn_labels(tx, as_of="2025-02-01", horizon_days=38)
    assert not bool(lab.loc["a", "churned"])
    # an order exactly at the cutoff counts in the window, not as history
    lab = churn.churn_labels(tx, as_of="2025-01-31", horizon_days=30)
    assert "d" not in lab.index


@pytest.mark.parametrize("cutoff", ["2024-12-01", "2025-01-05", "2025-06-01"])
def test_cutoff_outside_data_is_an_error(cutoff):
    with pytest.raises(ParameterError,
                       match="'as_of' parameter.*inside the data.*2025-01-05.*2025-05-20"):
        churn.churn_labels(tiny_tx(), as_of=cutoff, horizon_days=10)


def test_horizon_longer_than_data_names_last_date():
    with pytest.raises(ParameterError, match=r"2025-05-20.*horizon_days <= 109"):
        churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=200)
    # the same window fits when the data are known to be observed for longer
    lab = churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=200,
                             observed_until="2025-12-31")
    assert lab["churned"].tolist() == [False, True, False]


@pytest.mark.parametrize("horizon", [0, -5, 1.5, "90", None, True])
def test_bad_horizon(horizon):
    with pytest.raises(ParameterError, match="horizon_days"):
        churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=horizon)


def test_one_class_is_an_error():
    tx = tiny_tx()
    only_stayers = tx[tx["customer_id"] == "a"]
    with pytest.raises(InsufficientDataError, match="one class"):
        churn.churn_labels(only_stayers, as_of="2025-02-01", horizon_days=30)


def test_bad_as_of_and_missing_columns():
    with pytest.raises(ParameterError, match="'as_of' parameter of churn_labels"):
        churn.churn_labels(tiny_tx(), as_of="not a date", horizon_days=30)
    with pytest.raises(ParameterError, match="'as_of' parameter of churn_labels"):
        churn.churn_labels(tiny_tx(), as_of="", horizon_days=30)
    with pytest.raises(SchemaError, match="order_id"):
        churn.churn_labels(tiny_tx().drop(columns="order_id"), as_of="2025-02-01",
                           horizon_days=30)


def test_input_not_mutated(tx):
    before = tx.copy()
    churn.churn_labels(tx, as_of=CUTOFF, horizon_days=90)
    churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    pd.testing.assert_frame_equal(tx, before)


# ---------------------------------------------------------------- training sets and leakage


def test_training_set_aligns_features_and_labels(tx):
    X, y = churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    lab = churn.churn_labels(tx, as_of=CUTOFF, horizon_days=90)
    assert X.index.equals(lab.index)
    assert y.index.equals(X.index) and y.dtype == bool and y.name == "churned"
    assert {"recency_days", "n_orders", "monetary_total"} <= set(X.columns)
    # odd customers stop in 2024-07..12: most churners are odd
    odd = np.array([int(c[1:]) % 2 == 1 for c in X.index])
    assert y[odd].mean() > 0.5 > y[~odd].mean()


def _after_cutoff_changed(tx: pd.DataFrame, seed: int, *, delete: float, scale: float,
                          add: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = tx.copy()
    after = out["timestamp"] >= CUTOFF
    idx = out.index[after]
    drop = rng.choice(idx, size=int(delete * len(idx)), replace=False)
    out = out.drop(index=drop)
    late = out["timestamp"] >= CUTOFF
    out.loc[late, "unit_price"] = out.loc[late, "unit_price"] * scale
    out.loc[late, "quantity"] = out.loc[late, "quantity"] + 1
    new = pd.DataFrame({
        "customer_id": rng.choice(["c000", "c001", "zz-new"], size=add),
        "order_id": [f"late-{i}" for i in range(add)],
        "timestamp": CUTOFF + pd.to_timedelta(rng.integers(0, 200, size=add), unit="D"),
        "product_id": "p9", "category": "Z", "quantity": 5.0, "unit_price": 99.0,
    })
    return validate_transactions(pd.concat([out, new], ignore_index=True))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), delete=st.floats(0, 0.9), scale=st.floats(0.1, 10),
       add=st.integers(0, 30))
def test_rows_after_cutoff_never_change_features(tx, seed, delete, scale, add):
    X, _ = churn.training_set(tx, as_of=CUTOFF, horizon_days=90, observed_until=OBSERVED_UNTIL)
    changed = _after_cutoff_changed(tx, seed, delete=delete, scale=scale, add=add)
    try:
        X2, _ = churn.training_set(changed, as_of=CUTOFF, horizon_days=90,
                                   observed_until=OBSERVED_UNTIL)
    except InsufficientDataError:  # deleting rows can leave one class: labels may change, X not
        return
    pd.testing.assert_frame_equal(X, X2)


def test_deleting_everything_after_cutoff_leaves_features(tx):
    X, y = churn.training_set(tx, as_of=CUTOFF, horizon_days=90, observed_until=OBSERVED_UNTIL)
    keep = tx[(tx["timestamp"] < CUTOFF) | tx["customer_id"].isin(["c000", "c002"])]
    X2, y2 = churn.training_set(keep, as_of=CUTOFF, horizon_days=90,
                                observed_until=OBSERVED_UNTIL)
    pd.testing.assert_frame_equal(X, X2)
    assert y2.sum() > y.sum()  # the labels did change: only c000 and c002 still buy


def test_training_set_with_customer_attributes(tx):
    ids = sorted(tx["customer_id"].unique())
    customers = pd.DataFrame({
        "customer_id": ids,
        "region": ["north" if i % 3 else "south" for i in range(len(ids))],
        "signup_date": [START - pd.Timedelta(days=i) for i in range(len(ids))],
        "n_orders": 1,  # clashes with a feature name
    })
    customers.loc[0, "signup_date"] = CUTOFF + pd.Timedelta(days=5)  # not known at the cutoff
    before = customers.copy()
    X, y = churn.training_set(tx, as_of=CUTOFF, horizon_days=90, customers=customers)
    pd.testing.assert_frame_equal(customers, before)
    assert "region" in X.columns and "signup_date" not in X.columns
    assert "attr_n_orders" in X.columns
    assert X.loc["c001", "days_since_signup_date"] == pytest.approx((CUTOFF - START).days + 1)
    assert pd.isna(X.loc["c000", "days_since_signup_date"])
    model = churn.make_model("logistic", random_state=0).fit(X, y)
    assert churn.churn_probability(model, X).between(0, 1).all()


def test_scoring_set_matches_training_columns(tx):
    X, _ = churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    S = churn.scoring_set(tx, as_of=OBSERVED_UNTIL)
    assert list(S.columns) == list(X.columns)
    assert len(S) >= len(X)


# ---------------------------------------------------------------- contractual


def contract_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], size=n)
    tenure = rng.integers(1, 72, size=n)
    p = np.where(contract == "Month-to-month", 0.55, 0.08) * np.where(tenure < 12, 1.4, 0.7)
    churned = rng.random(n) < np.clip(p, 0, 1)
    total = (tenure * rng.uniform(20, 100, size=n)).round(2).astype(str)
    total[:3] = " "
    return pd.DataFrame({
        "customerID": [f"k{i}" for i in range(n)],
        "Contract": contract,
        "tenure": tenure,
        "TotalCharges": total,
        "Churn": np.where(churned, "Yes", "No"),
    })


def test_contractual_training_set_coerces_blanks_with_a_note():
    table = contract_table()
    before = table.copy()
    with pytest.warns(DataWarning, match="TotalCharges.*3 blank"):
        X, y = churn.contractual_training_set(table, label="Churn")
    pd.testing.assert_frame_equal(table, before)
    assert X.index.name == "customer_id" and X.index[0] == "k0"
    assert "Churn" not in X.columns and "customerID" not in X.columns
    assert X["TotalCharges"].dtype == "float64" and X["TotalCharges"].isna().sum() == 3
    assert y.sum() == (table["Churn"] == "Yes").sum()


def test_contractual_errors():
    table = contract_table()
    with pytest.raises(SchemaError, match="'Churned'"):
        churn.contractual_training_set(table, label="Churned")
    with pytest.raises(InsufficientDataError, match=r"one class.*'No', 'Yes'.*positive='yes'"):
        churn.contractual_training_set(table, label="Churn", positive="yes")
    only = table.assign(Churn="No")
    with pytest.raises(InsufficientDataError, match="one class"):
        churn.contractual_training_set(only, label="Churn")
    holes = table.copy()
    holes.loc[[4, 9], "Churn"] = None
    holes.loc[11, "Churn"] = "  "
    with pytest.raises(SchemaError, match=r"3 missing or blank.*k4"):
        churn.contractual_training_set(holes, label="Churn")
    dup = table.copy()
    dup.loc[1, "customerID"] = "k0"
    with pytest.raises(SchemaError, match="repeat"):
        churn.contractual_training_set(dup, label="Churn")


def test_contractual_numeric_label_and_unknown_categories():
    table = contract_table().assign(Churn=lambda d: (d["Churn"] == "Yes").astype(int))
    with pytest.warns(DataWarning, match="TotalCharges"):
        X, y = churn.contractual_training_set(table, label="Churn", positive=1,
                                              id_column="customerID")
    model = churn.make_model("logistic", random_state=0).fit(X, y)
    new = X.head(3).copy()
    new["Contract"] = ["Three year", None, "One year"]  # unseen and missing categories
    p = churn.churn_probability(model, new)
    assert p.between(0, 1).all() and len(p) == 3
    # contract type carries the signal: month-to-month customers score higher
    probs = churn.churn_probability(model, X)
    assert probs[X["Contract"] == "Month-to-month"].mean() > probs[X["Contract"] != "Month-to-month"].mean()


def test_telco_real_data(shared_datasets):
    path = shared_datasets / "telco_churn" / "Telco-Customer-Churn.csv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    raw = pd.read_csv(path)
    with pytest.warns(DataWarning, match="11 blank values"):
        X, y = churn.contractual_training_set(raw, label="Churn")
    assert X.shape == (7043, 19)
    assert X["TotalCharges"].isna().sum() == 11
    assert y.mean() == pytest.approx(1869 / 7043)
    res = churn.compare_models(
        X, y, cv=3, random_state=0,
        models={"logistic": churn.make_model("logistic"),
                "tenure_only": churn.make_model("recency_baseline", baseline_column="tenure")})
    # the published benchmarks on this file put logistic regression at about 0.84
    assert res.table.loc["logistic", "roc_auc"] > 0.82
    assert res.table.loc["logistic", "roc_auc"] > res.table.loc["tenure_only", "roc_auc"]
    with pytest.raises(ParameterError, match="recency_baseline model needs.*recency_days"):
        churn.compare_models(X, y, models=["recency_baseline"], cv=3)


# ---------------------------------------------------------------- models


def separable(n: int = 120, seed: int = 0, noise: float = 1.0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    X = pd.DataFrame({
        "recency_days": np.where(y, 120, 40) * rng.lognormal(0, 0.6 * noise, n),
        "n_orders": np.where(y, 2, 6) + rng.poisson(2 * noise, n),
        "spend_trend": np.where(y, -1.0, 0.5) + rng.normal(0, noise, n),
        "region": rng.choice(["n", "s"], size=n),
    }, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    return X, pd.Series(y, index=X.index, name="churned")


@pytest.mark.parametrize("name", churn.MODEL_NAMES)
def test_make_model_is_a_balanced_seeded_pipeline(name):
    X, y = separable()
    kwargs = {"n_estimators": 20} if name == "random_forest" else {}
    m = churn.make_model(name, random_state=3, **kwargs)
    assert isinstance(m, Pipeline) and [s for s, _ in m.steps] == ["prepare", "model"]
    assert m.named_steps["model"].get_params()["class_weight"] in ("balanced",
                                                                   "balanced_subsample")
    p1 = churn.churn_probability(m.fit(X, y), X)
    p2 = churn.churn_probability(churn.make_model(name, random_state=3, **kwargs).fit(X, y), X)
    np.testing.assert_allclose(p1, p2)
    assert p1.name == "churn_probability" and p1.index.equals(X.index)


def test_recency_baseline_ranks_by_recency():
    X, y = separable()
    m = churn.make_model("recency_baseline").fit(X, y)
    p = churn.churn_probability(m, X)
    # one monotone feature: the score order is the recency order
    assert (np.argsort(p.to_numpy(), kind="stable") ==
            np.argsort(X["recency_days"].to_numpy(), kind="stable")).all()


def test_make_model_errors():
    with pytest.raises(ParameterError, match="'name' parameter of make_model"):
        churn.make_model("svm")
    with pytest.raises(ParameterError, match="n_trees"):
        churn.make_model("random_forest", n_trees=5)
    m = churn.make_model("random_forest", n_estimators=7, class_weight=None)
    assert m.named_steps["model"].n_estimators == 7
    assert m.named_steps["model"].class_weight is None


def test_compare_models_cross_validation():
    X, y = separable(n=200, noise=1.2)
    res = churn.compare_models(X, y, models=["recency_baseline", "logistic"], cv=4,
                               random_state=0, refit=True)
    assert list(res.table.index) == ["recency_baseline", "logistic"]
    assert {"roc_auc", "pr_auc", "brier", "top_decile_lift", "roc_auc_std",
            "beats_baseline"} <= set(res.table.columns)
    assert res.proba.notna().all().all() and res.proba.index.equals(X.index)
    assert res.best == "logistic" and bool(res.table.loc["logistic", "beats_baseline"])
    assert res.table.loc["logistic", "roc_auc"] > 0.9
    assert set(res.fitted) == {"recency_baseline", "logistic"}
    # the same seed gives the same folds and scores
    res2 = churn.compare_models(X, y, models=["logistic"], cv=4, random_state=0)
    np.testing.assert_allclose(res.proba["logistic"], res2.proba["logistic"])


def test_compare_models_errors():
    X, y = separable(n=30)
    with pytest.raises(ParameterError, match="'cv'"):
        churn.compare_models(X, y, models=["logistic"], cv=1)
    with pytest.raises(InsufficientDataError, match="fewer than cv"):
        churn.compare_models(X, y, models=["logistic"], cv=25)
    with pytest.raises(ParameterError, match="'models'"):
        churn.compare_models(X, y, models=["logistic", "svm"])


def test_out_of_time_validation(tx):
    res = churn.out_of_time_validation(
        tx, train_as_of="2024-07-01", test_as_of=CUTOFF, horizon_days=90,
        models={"recency_baseline": churn.make_model("recency_baseline"),
                # 80 customers: the default leaf of 0.2% of them (1) overfits; use 5
                "random_forest": churn.make_model("random_forest", n_estimators=30,
                                                  min_samples_leaf=5, random_state=0)},
    )
    X_te, y_te = churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    assert res.X_test.index.equals(X_te.index) and res.y_true.equals(y_te)
    assert {"n_train", "train_churn_rate"} <= set(res.table.columns)
    assert (res.table["roc_auc"] > 0.7).all()
    assert set(res.fitted) == {"recency_baseline", "random_forest"}
    assert res.info["train_as_of"] == pd.Timestamp("2024-07-01")
    assert res.info["test_as_of"] == CUTOFF and res.info["random_state"] == 0
    with pytest.raises(ParameterError, match="'train_as_of' parameter.*2024-07-03"):
        churn.out_of_time_validation(tx, train_as_of="2024-08-01", test_as_of=CUTOFF,
                                     horizon_days=90, models=["logistic"])



def test_rescore_out_of_time_equals_a_new_out_of_time_run(tx):
    """Other models on the same split give what out_of_time_validation gives for them."""
    first = churn.out_of_time_validation(tx, train_as_of="2024-07-01", test_as_of=CUTOFF,
                                         horizon_days=90, models=["recency_baseline"])
    cal = {"logistic recalibrated": churn.calibrated_model("logistic", random_state=3)}
    again = churn.rescore_out_of_time(first, cal, random_state=3)
    fresh = churn.out_of_time_validation(tx, train_as_of="2024-07-01", test_as_of=CUTOFF,
                                         horizon_days=90, models=cal, random_state=3)
    cols = [c for c in fresh.table.columns if c != "fit_seconds"]
    pd.testing.assert_frame_equal(again.table[cols], fresh.table[cols])
    pd.testing.assert_frame_equal(again.proba, fresh.proba)
    assert again.y_true.equals(fresh.y_true) and again.X_test.equals(fresh.X_test)
    assert again.info["train_as_of"] == pd.Timestamp("2024-07-01")
    assert again.info["random_state"] == 3
    X, y = churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    cv = churn.compare_models(X, y, models=["recency_baseline"], cv=2)
    with pytest.raises(ParameterError, match="'previous' parameter of rescore_out_of_time"):
        churn.rescore_out_of_time(cv, ["logistic"])


# ---------------------------------------------------------------- evaluation


def test_evaluate_known_answers():
    s = churn.evaluate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert s["roc_auc"] == pytest.approx(0.75)
    assert s["brier"] == pytest.approx((0.01 + 0.16 + 0.65**2 + 0.04) / 4)
    assert s["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    y = np.r_[np.ones(10, bool), np.zeros(90, bool)]
    perfect = churn.evaluate(y, np.r_[np.full(10, 0.9), np.full(90, 0.1)])
    assert perfect["roc_auc"] == 1.0 and perfect["top_decile_lift"] == pytest.approx(10.0)


def test_evaluate_errors():
    with pytest.raises(InsufficientDataError, match="one class"):
        churn.evaluate([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        churn.evaluate([0, 1], [0.2, 1.3])
    with pytest.raises(ParameterError, match="equal length"):
        churn.evaluate([0, 1, 1], [0.2, 0.3])
    with pytest.raises(ParameterError, match="bool or 0/1"):
        churn.evaluate(["Yes", "No"], [0.2, 0.3])


def test_evaluate_aligns_series_by_index():
    y = pd.Series([True, False, True, False], index=list("abcd"))
    p = pd.Series([0.1, 0.9, 0.8, 0.2], index=list("bacd"))  # a=0.9 b=0.1 c=0.8 d=0.2
    assert churn.evaluate(y, p)["roc_auc"] == 1.0
    with pytest.raises(ParameterError, match="no score"):
        churn.evaluate(y, p.drop("c"))


def test_gains_table_properties():
    rng = np.random.default_rng(1)
    y = rng.random(503) < 0.2
    p = np.clip(0.2 + 0.4 * (y - 0.2) + rng.normal(0, 0.2, 503), 0, 1)
    t = churn.gains_table(y, p)
    assert len(t) == 10 and t["n"].sum() == 503 and t["n"].max() - t["n"].min() <= 1
    assert t["cum_gain"].iloc[-1] == pytest.approx(1.0)
    assert t["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert t["cum_gain"].is_monotonic_increasing
    assert (t["max_score"].to_numpy()[1:] <= t["min_score"].to_numpy()[:-1]).all()
    assert t["lift"].iloc[0] > 2 and t["churners"].sum() == y.sum()
    # random scores: lift about 1 in every bin
    t0 = churn.gains_table(y, rng.random(503))
    assert t0["cum_lift"].iloc[4] == pytest.approx(1.0, abs=0.35)


def test_calibration_table():
    rng = np.random.default_rng(0)
    p = rng.random(20_000)
    y = rng.random(20_000) < p  # calibrated by construction
    t = churn.calibration_table(y, p, n_bins=5)
    assert t["n"].sum() == 20_000
    assert t["gap"].abs().max() < 0.03
    over = churn.calibration_table(y, np.sqrt(p), n_bins=5, strategy="uniform")
    assert (over["gap"] < 0).all()  # sqrt(p) > p: over-predicts churn everywhere
    with pytest.raises(ParameterError, match="strategy"):
        churn.calibration_table(y, p, strategy="equal")


def test_permutation_importance_finds_the_signal():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"signal": rng.normal(size=n), "noise": rng.normal(size=n),
                      "colour": rng.choice(["r", "g"], size=n)})
    y = (X["signal"] + rng.normal(0, 0.3, n)) > 0
    m = churn.make_model("logistic").fit(X, y)
    t = churn.permutation_importance_table(m, X, y, n_repeats=3, random_state=0)
    assert t.index[0] == "signal" and t.loc["signal", "importance_mean"] > 0.3
    assert abs(t.loc["noise", "importance_mean"]) < 0.05
    assert set(t.index) == {"signal", "noise", "colour"} and t["rank"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------- retention list


def test_retention_list_ranks_and_cuts():
    p = pd.Series({"a": 0.9, "b": 0.2, "c": 0.5, "d": 0.1})
    v = pd.DataFrame({"future_value": [100.0, 1000.0, 10.0, 20.0], "clv": 0.0},
                     index=["a", "b", "c", "d"])
    rl = churn.retention_list(p, v, contact_cost=5.0, success_rate=0.2)
    assert rl.index.tolist() == ["b", "a", "c", "d"]
    assert rl["expected_loss"].tolist() == pytest.approx([200, 90, 5, 2])
    assert rl["expected_return"].tolist() == pytest.approx([35, 13, -4, -4.6])
    assert rl["contact"].tolist() == [True, True, False, False]
    assert rl["cumulative_return"].tolist() == pytest.approx([35, 48, 44, 39.4])
    campaign = churn.retention_summary(rl)
    assert campaign["n_contact"] == 2 and campaign["campaign_return"] == pytest.approx(48)
    assert campaign["contact_cost"] == pytest.approx(10) and campaign["customers"] == 4
    # the figures come from the columns, so a re-sorted or reloaded list gives the same
    assert churn.retention_summary(rl.sort_index()).equals(campaign)
    # the cut is where the cumulative return peaks
    assert rl["cumulative_return"].idxmax() == rl.index[rl["contact"]][-1]
    with pytest.raises(ParameterError, match="value_column"):
        churn.retention_list(p, v, contact_cost=5.0, success_rate=0.2, value_column="nope")


def test_retention_list_csv_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(50)]
    p = pd.Series(rng.random(50), index=ids)
    v = pd.Series(rng.gamma(2, 100, 45), index=ids[:45])  # 5 without value
    with pytest.warns(DataWarning, match="5 customers without a value counted as value 0"):
        rl = churn.retention_list(p, v, contact_cost=2.0, success_rate=0.3)
    assert rl.loc[ids[45:], "value"].eq(0).all()
    assert rl["contact"].to_numpy()[: rl["contact"].sum()].all()  # contacts are a prefix
    path = tmp_path / "retention.csv"
    rl.to_csv(path)
    back = pd.read_csv(path, index_col="customer_id")
    assert back.index.tolist() == rl.index.tolist()
    np.testing.assert_allclose(back["expected_loss"], rl["expected_loss"])


@pytest.mark.parametrize("kw, match", [
    ({"contact_cost": -1.0, "success_rate": 0.2}, "contact_cost"),
    ({"contact_cost": 1.0, "success_rate": 1.5}, "success_rate"),
    ({"contact_cost": "2", "success_rate": 0.2}, "contact_cost"),
])
def test_retention_list_bad_parameters(kw, match):
    p = pd.Series({"a": 0.5})
    with pytest.raises(ParameterError, match=match):
        churn.retention_list(p, pd.Series({"a": 1.0}), **kw)


def test_retention_list_bad_inputs():
    with pytest.raises(ParameterError, match="no customer of proba has a value"):
        churn.retention_list(pd.Series({"a": 0.5}), pd.Series({"b": 1.0}), contact_cost=1.0,
                             success_rate=0.2)
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        churn.retention_list(pd.Series({"a": 1.5}), pd.Series({"a": 1.0}), contact_cost=1.0,
                             success_rate=0.2)


# ---------------------------------------------------------------- planted truth


def test_planted_vs_found_known_answer():
    lab = churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=45)
    # a: planted never; b: left 2025-01-25 (before the window); d: planted 2025-06-01 (after)
    dates = pd.Series(pd.to_datetime([pd.NaT, "2025-01-25", "2025-06-01", "2025-03-01"]),
                      index=["a", "b", "d", "zz"])
    truth = churn.planted_churn(lab, dates)
    assert truth.tolist() == [False, True, False]
    proba = pd.DataFrame({"m": [0.1, 0.9, 0.5]}, index=lab.index)
    t = churn.planted_vs_found(lab, dates, proba=proba)["value"]
    assert t["agreement"] == pytest.approx(2 / 3)
    assert t["label_precision"] == pytest.approx(0.5) and t["label_recall"] == 1.0
    assert t["roc_auc_vs_planted[m]"] == 1.0 and t["roc_auc_vs_label[m]"] == 1.0
    with pytest.raises(ParameterError, match="churn_labels"):
        churn.planted_churn(lab["churned"], dates)


def test_calibrated_model_fixes_the_balanced_shift():
    rng = np.random.default_rng(0)
    n = 3000
    X = pd.DataFrame({"recency_days": rng.gamma(2, 40, n), "n_orders": rng.poisson(4, n) + 1.0})
    logit = -2.5 + 0.02 * X["recency_days"] - 0.2 * X["n_orders"]
    y = pd.Series(rng.random(n) < 1 / (1 + np.exp(-logit)), name="churned")  # ~20% churn
    X_tr, X_te, y_tr, y_te = X.iloc[:2000], X.iloc[2000:], y.iloc[:2000], y.iloc[2000:]
    raw = churn.churn_probability(churn.make_model("logistic").fit(X_tr, y_tr), X_te)
    cal = churn.churn_probability(churn.calibrated_model("logistic").fit(X_tr, y_tr), X_te)
    assert raw.mean() > y_te.mean() + 0.1  # balanced weights over-predict the minority
    assert abs(cal.mean() - y_te.mean()) < 0.03
    assert churn.evaluate(y_te, cal)["brier"] < churn.evaluate(y_te, raw)["brier"]
    assert abs(churn.evaluate(y_te, cal)["roc_auc"] - churn.evaluate(y_te, raw)["roc_auc"]) < 0.01
    with pytest.raises(ParameterError, match="method"):
        churn.calibrated_model("logistic", method="platt")


def test_compare_models_aligns_y_by_customer():
    X, y = separable(n=120)
    shuffled = y.sample(frac=1.0, random_state=0)
    a = churn.compare_models(X, y, models=["logistic"], cv=3, random_state=0)
    b = churn.compare_models(X, shuffled, models=["logistic"], cv=3, random_state=0)
    np.testing.assert_allclose(a.proba["logistic"], b.proba["logistic"])
    with pytest.raises(ParameterError, match="no label for 1 customers"):
        churn.compare_models(X, y.drop(y.index[0]), models=["logistic"], cv=3)


def test_calibrated_model_folds_are_shuffled():
    # Customers sorted by sign-up (tenure) as a customer_id index usually is. Unshuffled folds
    # would calibrate each copy on a tenure band it never saw; the forest then ranks by chance
    # (ROC AUC 0.51 with CalibratedClassifierCV(cv=3) on these data) instead of like the raw model.
    rng = np.random.default_rng(0)
    n = 900
    tenure = np.sort(rng.uniform(0, 900, n))
    recency = rng.uniform(0, 1, n) * tenure
    y = pd.Series(rng.random(n) < np.where(recency > 0.5 * tenure, 0.8, 0.15), name="churned")
    X = pd.DataFrame({"tenure_days": tenure, "recency_days": recency})
    idx = rng.permutation(n)
    test, train = idx[:300], np.sort(idx[300:])
    kw = {"n_estimators": 30}
    raw = churn.make_model("random_forest", random_state=0, **kw).fit(X.iloc[train],
                                                                      y.iloc[train])
    cal = churn.calibrated_model("random_forest", random_state=0, **kw).fit(X.iloc[train],
                                                                            y.iloc[train])
    auc_raw = churn.evaluate(y.iloc[test], churn.churn_probability(raw, X.iloc[test]))["roc_auc"]
    auc_cal = churn.evaluate(y.iloc[test], churn.churn_probability(cal, X.iloc[test]))["roc_auc"]
    assert auc_raw > 0.7 and auc_cal > auc_raw - 0.03
    assert cal.cv.shuffle and cal.cv.random_state == 0


def test_permutation_importance_on_a_row_sample():
    X, y = separable(n=300)
    m = churn.make_model("logistic").fit(X, y)
    full = churn.permutation_importance_table(m, X, y, n_repeats=2, random_state=0)
    sample = churn.permutation_importance_table(m, X, y, n_repeats=2, random_state=0,
                                                max_samples=150)
    assert set(sample.index) == set(full.index)
    assert sample.index[-1] == "region"  # noise column last either way
    # a count above the number of rows means all rows
    more = churn.permutation_importance_table(m, X, y, n_repeats=2, random_state=0,
                                              max_samples=10_000)
    pd.testing.assert_frame_equal(more, full)
    for bad in (0, 1.5, -3, "all", True):
        with pytest.raises(ParameterError, match="max_samples"):
            churn.permutation_importance_table(m, X, y, max_samples=bad)


# ---------------------------------------------------------------- one vocabulary


def test_old_cutoff_keywords_still_work_with_a_deprecation_warning(tx):
    new = churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=45)
    with pytest.warns(DeprecationWarning, match="'cutoff' parameter of churn_labels.*'as_of'"):
        old = churn.churn_labels(tiny_tx(), cutoff="2025-02-01", horizon_days=45)
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(DeprecationWarning, match="'cutoff'.*training_set"):
        X_old, y_old = churn.training_set(tx, cutoff=CUTOFF, horizon_days=90)
    X_new, y_new = churn.training_set(tx, as_of=CUTOFF, horizon_days=90)
    pd.testing.assert_frame_equal(X_old, X_new)
    with pytest.raises(ParameterError, match="both 'cutoff' and 'as_of'"):
        churn.churn_labels(tiny_tx(), cutoff="2025-02-01", as_of="2025-02-01", horizon_days=45)
    models = {"recency_baseline": churn.make_model("recency_baseline")}
    with pytest.warns(DeprecationWarning) as caught:
        res = churn.out_of_time_validation(tx, train_cutoff="2024-07-01", test_cutoff=CUTOFF,
                                           horizon_days=90, models=models)
    assert {str(w.message).split("'")[1] for w in caught} >= {"train_cutoff", "test_cutoff"}
    assert res.info["train_as_of"] == pd.Timestamp("2024-07-01")


def test_labels_carry_their_window_through_concat_and_filters():
    a = churn.churn_labels(tiny_tx(), as_of="2025-02-01", horizon_days=45)
    b = churn.churn_labels(tiny_tx(), as_of="2025-02-15", horizon_days=30)
    both = pd.concat([a, b])  # labels at two dates, stacked: each row keeps its own window
    assert sorted(both["horizon_end"].unique()) == [pd.Timestamp("2025-03-17"),
                                                    pd.Timestamp("2025-03-18")]
    dates = pd.Series(pd.to_datetime(["2025-03-17"]), index=["a"])
    # a planted churn date on 03-17 falls inside a's first window, on the end of the second
    assert churn.planted_churn(both, dates).loc["a"].tolist() == [True, False]
    assert churn.planted_churn(a[a["churned"]], dates).index.tolist() == ["b", "d"]


@pytest.mark.parametrize("random_state", [0, np.random.default_rng(0), None])
def test_random_state_takes_int_generator_or_none(random_state):
    X, y = separable(n=120)
    res = churn.compare_models(X, y, models=["logistic"], cv=3, random_state=random_state)
    assert res.proba["logistic"].notna().all()
    assert isinstance(res.info["random_state"], int | type(None))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_bad_random_state_is_a_parameter_error(bad):
    X, y = separable(n=60)
    with pytest.raises(ParameterError, match="'random_state' parameter of compare_models"):
        churn.compare_models(X, y, models=["logistic"], cv=3, random_state=bad)
    with pytest.raises(ParameterError, match="'random_state' parameter of make_model"):
        churn.make_model("random_forest", random_state=bad)


def test_same_default_random_state_everywhere():
    import inspect

    from mining.plots import churn as churn_plots

    funcs = [churn.make_model, churn.calibrated_model, churn.compare_models,
             churn.out_of_time_validation, churn.permutation_importance_table,
             churn_plots.plot_label_timeline]
    defaults = {f.__name__: inspect.signature(f).parameters["random_state"].default
                for f in funcs}
    assert set(defaults.values()) == {0}, defaults


def test_unfitted_model_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    X, y = separable(n=60)
    for model in (churn.make_model("logistic"), churn.calibrated_model("logistic")):
        with pytest.raises(NotFittedError, match="unfitted.*fit it first"):
            churn.churn_probability(model, X)
    with pytest.raises(SklearnNotFittedError):  # also scikit-learn's
        churn.permutation_importance_table(churn.make_model("logistic"), X, y)


def test_retention_summary_needs_a_retention_list():
    with pytest.raises(ParameterError, match="retention_list"):
        churn.retention_summary(pd.DataFrame({"x": [1]}))
