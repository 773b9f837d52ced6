"""Tests of mining.clv: calibration summary, BG/NBD, Gamma-Gamma, CLV, holdout check, transitions.

Hand-worked cases on tiny tables; the published CDNOW estimates (Fader, Hardie and Lee 2005) on
the 2,357-customer sample; ``lifetimes`` (when importable) as a cross-check peer. Only the public
API of ``mining.clv`` is used.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import math
import pkgutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special
from sklearn.base import clone

from mining import clv, datasets, value
from mining.clv import (
    BetaGeoModel,
    GammaGammaModel,
    calibration_summary,
    clv_transitions,
    fit_bgnbd,
    fit_gamma_gamma,
    frequency_recency_grid,
    holdout_check,
    join_clv,
    lifetime_value,
)
from mining.errors import InsufficientDataError, NotFittedError, ParameterError, SchemaError


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Transactions from (customer, timestamp, spend) with quantity 1."""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "order_id": [f"o{i}" for i in range(len(rows))],
        "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
        "product_id": "p",
        "quantity": 1.0,
        "unit_price": [float(r[2]) for r in rows],
    })


@pytest.fixture
def tiny() -> pd.DataFrame:
    return _tx([
        ("a", "2024-01-01 09:00", 10.0),
        ("a", "2024-01-01 18:00", 5.0),   # same day: one purchase of 15
        ("a", "2024-01-15", 20.0),
        ("a", "2024-01-29", 40.0),        # on the calibration end: counted
        ("a", "2024-02-05", 8.0),         # holdout
        ("b", "2024-01-08", 7.0),
        ("c", "2024-01-22", 3.0),
        ("c", "2024-02-12", 6.0),         # holdout
        ("c", "2024-02-19", 6.0),         # holdout
        ("d", "2024-02-01", 9.0),         # first purchase after calibration: not a customer yet
        ("d", "2024-02-26", 9.0),         # last day of the data
    ])


def _model(**p: float) -> BetaGeoModel:
    m = BetaGeoModel()
    m.params_ = p
    return m


def _gg(**p: float) -> GammaGammaModel:
    m = GammaGammaModel()
    m.params_ = p
    return m


# --------------------------------------------------------------------------------------------
# calibration summary
# --------------------------------------------------------------------------------------------


def test_summary_hand_worked(tiny):
    s = calibration_summary(tiny, as_of="2024-01-30", holdout_end="2024-02-26", time_unit="W")
    assert s.index.tolist() == ["a", "b", "c"] and str(s.index.dtype) == "string"
    assert s.index.name == "customer_id"
    assert s["repeat_purchases"].tolist() == [2, 0, 0]
    assert s["time_to_last"].tolist() == [4.0, 0.0, 0.0]
    assert s["age"].tolist() == [4.0, 3.0, 1.0]
    assert s.loc["a", "mean_repeat_spend"] == 30.0  # (20 + 40) / 2, first purchase excluded
    assert s["mean_repeat_spend"].isna().tolist() == [False, True, True]
    assert s["total_spend"].tolist() == [75.0, 7.0, 3.0]
    assert s["holdout_purchases"].tolist() == [1, 0, 2]
    assert s["holdout_spend"].tolist() == [8.0, 0.0, 12.0]
    assert s["holdout_length"].unique().tolist() == [4.0]
    assert (s["time_unit"] == "W").all() and (s["as_of"] == pd.Timestamp("2024-01-30")).all()
    assert s.attrs == {}  # what describes the table is in its columns, not in attrs


def test_old_calibration_end_is_the_day_before_as_of(tiny):
    new = calibration_summary(tiny, as_of="2024-01-30", holdout_end="2024-02-26")
    with pytest.warns(DeprecationWarning, match="calibration_end.*as_of='2024-01-30'"):
        old = calibration_summary(tiny, calibration_end="2024-01-29", holdout_end="2024-02-26")
    pd.testing.assert_frame_equal(old, new)
    with pytest.raises(ParameterError, match="both"):
        calibration_summary(tiny, as_of="2024-01-30", calibration_end="2024-01-29")
    with pytest.raises(ParameterError, match="'calibration_end' parameter"):
        calibration_summary(tiny, calibration_end="not a date")


def test_summary_days_and_months(tiny):
    d = calibration_summary(tiny, as_of="2024-01-30", time_unit="D")
    assert d["time_to_last"].tolist() == [28.0, 0.0, 0.0]
    assert d["age"].tolist() == [28.0, 21.0, 7.0]
    assert "holdout_purchases" not in d.columns
    m = calibration_summary(tiny, as_of="2024-01-30", time_unit="M")
    assert m.loc["a", "age"] == pytest.approx(28 / (365.25 / 12))


def test_summary_ignores_row_order_and_time_of_day(tiny):
    a = calibration_summary(tiny, as_of=pd.Timestamp("2024-01-30 13:45"))
    b = calibration_summary(tiny.sample(frac=1.0, random_state=3), as_of="2024-01-30")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("as_of", ["2024-01-01", "2024-02-28", "", None, "not a date"])
def test_as_of_outside_data(tiny, as_of):
    with pytest.raises(ParameterError, match="'as_of' parameter"):
        calibration_summary(tiny, as_of=as_of)


def test_as_of_bounds_are_inclusive(tiny):
    assert len(calibration_summary(tiny, as_of="2024-01-02")) == 1  # only a's first day
    assert len(calibration_summary(tiny, as_of="2024-02-27")) == 4  # every day of the data


@pytest.mark.parametrize("stop", ["2024-01-29", "2024-01-20", "2024-03-01"])
def test_holdout_end_must_follow_calibration(tiny, stop):
    with pytest.raises(ParameterError, match="holdout_end"):
        calibration_summary(tiny, as_of="2024-01-30", holdout_end=stop)


def test_bad_transactions(tiny):
    neg = tiny.copy()
    neg.loc[2, "unit_price"] = -20.0
    with pytest.raises(SchemaError, match="negative spend"):
        calibration_summary(neg, as_of="2024-01-30")
    with pytest.raises(SchemaError, match="unit_price"):
        calibration_summary(tiny.drop(columns="unit_price"), as_of="2024-01-30")
    txt = tiny.assign(timestamp=tiny["timestamp"].astype(str))
    with pytest.raises(SchemaError, match="datetime64"):
        calibration_summary(txt, as_of="2024-01-30")
    with pytest.raises(ParameterError, match="time_unit"):
        calibration_summary(tiny, as_of="2024-01-30", time_unit="week")
    with pytest.raises(ParameterError, match="DataFrame"):
        calibration_summary([1, 2], as_of="2024-01-30")
    with pytest.raises(InsufficientDataError):
        calibration_summary(tiny.iloc[:0], as_of="2024-01-30")


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


def test_bgnbd_loglik_hand_worked():
    r, alpha, a, b = 0.5, 4.0, 0.8, 2.5
    # x = 0: (alpha / (alpha + T)) ** r
    m = _model(r=r, alpha=alpha, a=a, b=b)
    s = pd.DataFrame({"repeat_purchases": [0, 1], "time_to_last": [0.0, 3.0], "age": 10.0})
    ll = m.log_likelihood(s).to_numpy()
    assert ll[0] == pytest.approx(r * math.log(alpha / (alpha + 10)))
    # x = 1, t_x = 3, T = 10: equation (6) of Fader, Hardie and Lee (2005), written out
    beta = math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    beta1 = math.exp(math.lgamma(a) + math.lgamma(b + 1) - math.lgamma(a + b + 1))
    beta2 = math.exp(math.lgamma(a + 1) + math.lgamma(b) - math.lgamma(a + b + 1))
    g = math.gamma(r + 1) / math.gamma(r) * alpha ** r
    like = beta1 / beta * g / (alpha + 10) ** (r + 1) + beta2 / beta * g / (alpha + 3) ** (r + 1)
    assert ll[1] == pytest.approx(math.log(like), rel=1e-12)


def test_log_likelihood_sums_to_the_fitted_maximum(cdnow, cdnow_models):
    m, g = cdnow_models
    assert m.log_likelihood(cdnow).sum() == pytest.approx(m.log_likelihood_, rel=1e-9)
    ll = g.log_likelihood(cdnow)
    assert ll.notna().sum() == g.n_customers_
    assert ll.sum() == pytest.approx(g.log_likelihood_, rel=1e-9)


def test_p_alive_hand_worked():
    m = _model(r=0.5, alpha=4.0, a=1.0, b=3.0)
    s = pd.DataFrame({"repeat_purchases": [0, 1, 1], "time_to_last": [0.0, 10.0, 2.0],
                      "age": [10.0, 10.0, 10.0]}, index=["x0", "now", "old"])
    p = m.p_alive(s)
    assert p["x0"] == 1.0                     # no repeat purchase: cannot have dropped out yet
    assert p["now"] == pytest.approx(0.75)    # t_x = T: 1 / (1 + a / b)
    assert p["old"] == pytest.approx(1 / (1 + 1 / 3 * (14 / 6) ** 1.5))
    assert p.index.name == "customer_id"


def _expected_direct(r, alpha, a, b, x, tx, T, t):
    """Equation (10) of FHL 2005 as printed (no transformation of the hypergeometric term)."""
    z = t / (alpha + T + t)
    h = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h)
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return num / den


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.5, 20.0, 2.5, 6.0)])
def test_expected_purchases_matches_printed_formula(params):
    r, alpha, a, b = params
    m = _model(r=r, alpha=alpha, a=a, b=b)
    s = pd.DataFrame({"repeat_purchases": [0, 1, 4, 10], "time_to_last": [0.0, 5.0, 20.0, 30.0],
                      "age": [39.0, 30.0, 35.0, 38.0]})
    for t in (1.0, 13.0, 52.0):
        got = m.expected_purchases(s, t).to_numpy()
        want = [_expected_direct(r, alpha, a, b, x, tx, T, t)
                for x, tx, T in s.itertuples(index=False)]
        np.testing.assert_allclose(got, want, rtol=1e-9)
    assert (m.expected_purchases(s, 0.0) == 0).all()
    assert (m.expected_purchases(s, 10).to_numpy() < m.expected_purchases(s, 20).to_numpy()).all()


def test_expected_purchases_at_a_equal_one_is_the_limit():
    s = pd.DataFrame({"repeat_purchases": [0, 3], "time_to_last": [0.0, 8.0], "age": [10.0, 10]})
    at_one = _model(r=0.7, alpha=5.0, a=1.0, b=3.0).expected_purchases(s, 12).to_numpy()
    near = _model(r=0.7, alpha=5.0, a=1.0 + 1e-4, b=3.0).expected_purchases(s, 12).to_numpy()
    assert np.isfinite(at_one).all()
    np.testing.assert_allclose(at_one, near, rtol=1e-3)


def test_expected_purchases_new_is_the_prior():
    m = _model(r=0.243, alpha=4.414, a=0.793, b=2.426)
    # FHL 2005 eq. (9) as printed
    r, alpha, a, b, t = 0.243, 4.414, 0.793, 2.426, 39.0
    want = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r
                                    * special.hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    assert m.expected_purchases_new(t) == pytest.approx(want, rel=1e-9)


def test_unfitted_models_and_bad_t():
    s = pd.DataFrame({"repeat_purchases": [1], "time_to_last": [1.0], "age": [2.0]})
    for call in (lambda: BetaGeoModel().p_alive(s),
                 lambda: BetaGeoModel().expected_purchases(s, 1.0),
                 lambda: BetaGeoModel().expected_purchases_new(1.0),
                 lambda: BetaGeoModel().log_likelihood(s),
                 lambda: GammaGammaModel().expected_spend(s.assign(mean_repeat_spend=1.0)),
                 lambda: GammaGammaModel().population_mean_spend()):
        with pytest.raises(NotFittedError, match="not fitted") as caught:
            call()
        assert not isinstance(caught.value, ParameterError)
    with pytest.raises(ParameterError, match="'t' parameter"):
        _model(r=1.0, alpha=1.0, a=1.0, b=1.0).expected_purchases(s, -1)


def test_models_are_scikit_learn_estimators():
    m = BetaGeoModel(variant="mbgnbd")
    assert m.get_params() == {"variant": "mbgnbd"}
    assert m.set_params(variant="bgnbd") is m and m.variant == "bgnbd"
    assert clone(m).get_params() == {"variant": "bgnbd"} and not hasattr(clone(m), "params_")
    assert GammaGammaModel().get_params() == {}
    bad = BetaGeoModel(variant="pareto")  # stored unchanged, checked when used
    assert bad.variant == "pareto"


def test_bad_summaries():
    with pytest.raises(SchemaError, match="age"):
        fit_bgnbd(pd.DataFrame({"repeat_purchases": [1], "time_to_last": [1.0]}))
    with pytest.raises(SchemaError, match="time_to_last must be in"):
        fit_bgnbd(pd.DataFrame({"repeat_purchases": [1], "time_to_last": [5.0], "age": [2.0]}))
    with pytest.raises(SchemaError, match="whole numbers"):
        fit_bgnbd(pd.DataFrame({"repeat_purchases": [1.5], "time_to_last": [1.0], "age": [2.0]}))


def test_no_repeat_purchases_only(tiny):
    s = calibration_summary(tiny[tiny["customer_id"] != "a"], as_of="2024-01-30")
    assert (s["repeat_purchases"] == 0).all()
    with pytest.raises(InsufficientDataError, match="no customer made a repeat purchase"):
        fit_bgnbd(s)
    with pytest.raises(InsufficientDataError, match="Gamma-Gamma needs"):
        fit_gamma_gamma(s)


def _simulate_bgnbd(n, r, alpha, a, b, T, rng):
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    return pd.DataFrame({"repeat_purchases": x.astype(int), "time_to_last": tx, "age": T})


def test_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(1)
    s = _simulate_bgnbd(4000, r=0.8, alpha=5.0, a=1.2, b=3.0, T=52.0, rng=rng)
    m = fit_bgnbd(s)
    assert m.converged_
    assert m.params_["r"] == pytest.approx(0.8, rel=0.15)
    assert m.params_["alpha"] == pytest.approx(5.0, rel=0.2)
    assert m.params_["a"] / (m.params_["a"] + m.params_["b"]) == pytest.approx(1.2 / 4.2,
                                                                                   rel=0.25)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------


def test_gamma_gamma_expected_spend_hand_worked():
    g = _gg(p=6.0, q=4.0, gamma=15.0)
    s = pd.DataFrame({"repeat_purchases": [0, 2, 3], "mean_repeat_spend": [np.nan, 20.0, 0.0]},
                     index=["new", "two", "free"])
    e = g.expected_spend(s)
    assert e["new"] == pytest.approx(30.0)        # p * gamma / (q - 1)
    assert e["two"] == pytest.approx(22.0)        # (15 + 2 * 20) * 6 / (6 * 2 + 3)
    assert e["free"] == pytest.approx(30.0)       # no spend history: the population mean
    assert g.population_mean_spend() == pytest.approx(30.0)


def test_gamma_gamma_loglik_hand_worked():
    p, q, g, x, m = 2.0, 3.0, 10.0, 2.0, 5.0
    want = (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(g)
            + (p * x - 1) * math.log(m) + p * x * math.log(x) - (p * x + q) * math.log(g + x * m))
    s = pd.DataFrame({"repeat_purchases": [x, 0.0, 1.0], "mean_repeat_spend": [m, np.nan, 0.0]})
    ll = _gg(p=p, q=q, gamma=g).log_likelihood(s)
    assert ll.iloc[1:].isna().all()  # not in the fit: no repeat purchase, no spend
    got = ll.iloc[0]
    assert got == pytest.approx(want, rel=1e-12)


def test_gamma_gamma_rejects_negative_spend_and_skips_zero():
    s = pd.DataFrame({"repeat_purchases": [1, 2], "mean_repeat_spend": [-1.0, 3.0]})
    with pytest.raises(SchemaError, match="negative"):
        fit_gamma_gamma(s)
    rng = np.random.default_rng(0)
    s = pd.DataFrame({"repeat_purchases": rng.integers(1, 6, 300),
                      "mean_repeat_spend": rng.gamma(5.0, 6.0, 300)})
    s.loc[0, "mean_repeat_spend"] = 0.0
    g = fit_gamma_gamma(s)
    assert g.n_excluded_ == 1 and g.n_customers_ == 299


# --------------------------------------------------------------------------------------------
# the published CDNOW estimates
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    tx = datasets.load_cdnow_sample()
    return calibration_summary(tx, as_of="1997-10-01", holdout_end="1998-06-30", time_unit="W")


def test_old_load_cdnow_sample_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="mining.datasets.load_cdnow_sample"):
        old = clv.load_cdnow_sample()
    pd.testing.assert_frame_equal(old, datasets.load_cdnow_sample())


@pytest.fixture(scope="module")
def cdnow_models(cdnow) -> tuple[BetaGeoModel, GammaGammaModel]:
    return fit_bgnbd(cdnow), fit_gamma_gamma(cdnow)


def _sig3(x: float) -> float:
    return float(f"{x:.3g}")


def test_cdnow_sample_summary(cdnow):
    assert len(cdnow) == 2357
    assert int(cdnow["repeat_purchases"].sum()) == 2457
    assert int((cdnow["repeat_purchases"] > 0).sum()) == 946
    assert cdnow["holdout_length"].iloc[0] == 39.0
    assert cdnow.loc["0001", "mean_repeat_spend"] == pytest.approx((29.73 + 14.96) / 2)


def test_cdnow_bgnbd_reproduces_published_parameters(cdnow_models):
    m = cdnow_models[0]
    got = {k: _sig3(v) for k, v in m.params_.items()}
    assert got == {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}
    # the four-decimal values of the paper (r = 0.243, alpha = 4.414, a = 0.793, b = 2.426)
    assert m.params_["alpha"] == pytest.approx(4.414, abs=5e-4)
    assert m.params_["b"] == pytest.approx(2.426, abs=5e-4)
    assert m.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert m.converged_ and m.time_unit_ == "W"


def test_cdnow_gamma_gamma_reproduces_published_parameters(cdnow_models):
    g = cdnow_models[1]
    assert {k: _sig3(v) for k, v in g.params_.items()} == {"p": 6.25, "q": 3.74, "gamma": 15.4}
    assert g.params_["gamma"] == pytest.approx(15.44, abs=5e-3)
    assert g.n_customers_ == 946 and g.converged_
    assert abs(g.frequency_spend_corr_) < 0.2  # FHL report 0.11


def test_cdnow_holdout_check_and_clv(cdnow, cdnow_models):
    m, g = cdnow_models
    check = holdout_check(cdnow, m)
    assert isinstance(check, clv.HoldoutCheck)
    table = check.table
    assert table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357 and table.loc["0", "customers"] == 1411
    assert table.loc["0", "predicted"] == pytest.approx(0.225, abs=0.002)
    assert table["predicted"].is_monotonic_increasing
    assert check.predicted_total == pytest.approx(m.expected_purchases(cdnow, 39).sum())
    assert check.actual_total == cdnow["holdout_purchases"].sum()
    assert check.holdout_length == 39.0 and check.time_unit == "W"
    assert 0 < check.mean_absolute_error < 2
    v = lifetime_value(cdnow, m, g, horizon_months=12, margin=0.3, annual_discount_rate=0.1)
    assert v.index.equals(cdnow.index)
    assert ((v["p_alive"] > 0) & (v["p_alive"] <= 1)).all()
    assert (v["future_value"] >= 0).all()
    # issue 18: one definition of CLV, current value (profit earned) + future value
    np.testing.assert_allclose(v["clv"], v["current_value"] + v["future_value"])
    np.testing.assert_allclose(v["total_value"], v["clv"])
    matrix = value.clv_matrix(v, value_col="current_value", growth_col="future_value")
    assert set(matrix["clv_class"].astype(str)) == {"lead", "iron", "gold", "platinum"}


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
def test_lifetimes_agrees(cdnow, cdnow_models, variant):
    """The peer's prediction formulas at our parameters (its own fit gives the same to 1e-5)."""
    lifetimes = pytest.importorskip("lifetimes")
    if variant == "bgnbd":
        m, peer = cdnow_models[0], lifetimes.BetaGeoFitter()
    else:
        m, peer = _model(r=0.525, alpha=6.18, a=0.891, b=1.61), lifetimes.ModifiedBetaGeoFitter()
        m.variant = "mbgnbd"
    peer.params_ = pd.Series(m.params_)
    want = peer.conditional_expected_number_of_purchases_up_to_time(
        26, cdnow["repeat_purchases"], cdnow["time_to_last"], cdnow["age"])
    np.testing.assert_allclose(m.expected_purchases(cdnow, 26), want, rtol=1e-8)
    want = peer.conditional_probability_alive(cdnow["repeat_purchases"], cdnow["time_to_last"],
                                              cdnow["age"])
    np.testing.assert_allclose(m.p_alive(cdnow), want, rtol=1e-8)
    assert m.expected_purchases_new(39) == pytest.approx(
        peer.expected_number_of_purchases_up_to_time(39), rel=1e-9)


def test_mbgnbd_fit_and_one_time_buyers(cdnow):
    m = fit_bgnbd(cdnow, variant="mbgnbd")
    # the values lifetimes' ModifiedBetaGeoFitter finds on the same data
    assert m.params_ == pytest.approx({"r": 0.5248, "alpha": 6.183, "a": 0.8914, "b": 1.614},
                                      rel=1e-3)
    r, alpha, a, b = (m.params_[k] for k in ("r", "alpha", "a", "b"))
    one = cdnow[cdnow["repeat_purchases"] == 0].iloc[:1]
    T = float(one["age"].iloc[0])
    want = 1 / (1 + a / b * ((alpha + T) / alpha) ** r)
    assert m.p_alive(one).iloc[0] == pytest.approx(want) and want < 1
    assert fit_bgnbd(cdnow).p_alive(one).iloc[0] == 1.0  # BG/NBD: no drop-out before a repeat
    with pytest.raises(ParameterError, match="variant"):
        fit_bgnbd(cdnow, variant="pareto")


def test_module_does_not_import_lifetimes():
    imported: set[str] = set()
    for path in Path(clv.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported |= {alias.name.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.Import) for alias in node.names}
        imported |= {str(node.module).split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
    assert "lifetimes" not in imported and "scipy" in imported


# --------------------------------------------------------------------------------------------
# lifetime value, grids, transitions, join
# --------------------------------------------------------------------------------------------


def test_lifetime_value_hand_worked():
    bg = _model(r=0.5, alpha=4.0, a=1.5, b=3.0)
    gg = _gg(p=6.0, q=4.0, gamma=15.0)
    s = pd.DataFrame({"repeat_purchases": [2], "time_to_last": [8.0], "age": [10.0],
                      "mean_repeat_spend": [20.0], "total_spend": [100.0]},
                     index=pd.Index(["a"], name="customer_id"))
    month = (365.25 / 12) / 7
    v0 = lifetime_value(s, bg, gg, horizon_months=3, margin=0.5, annual_discount_rate=0.0)
    e3 = bg.expected_purchases(s, 3 * month).iloc[0]
    assert v0.loc["a", "expected_purchases"] == pytest.approx(e3)
    assert v0.loc["a", "future_value"] == pytest.approx(0.5 * 22.0 * e3)
    assert v0.loc["a", "current_value"] == 50.0
    v1 = lifetime_value(s, bg, gg, horizon_months=3, margin=0.5, annual_discount_rate=0.2)
    d = 1.2 ** (1 / 12) - 1
    e = [bg.expected_purchases(s, i * month).iloc[0] for i in range(4)]
    want = 0.5 * 22.0 * sum((e[i] - e[i - 1]) / (1 + d) ** i for i in range(1, 4))
    assert v1.loc["a", "future_value"] == pytest.approx(want)
    days = lifetime_value(s.assign(time_unit="D"), bg, gg, horizon_months=3, margin=0.5,
                          annual_discount_rate=0.0)  # the summary's time unit sets the month
    assert days.loc["a", "expected_purchases"] == pytest.approx(
        bg.expected_purchases(s, 3 * 365.25 / 12).iloc[0])
    with pytest.raises(ParameterError, match="margin"):
        lifetime_value(s, bg, gg, margin=0)
    with pytest.raises(ParameterError, match="horizon_months"):
        lifetime_value(s, bg, gg, horizon_months=0)
    with pytest.raises(NotFittedError, match="bgnbd"):
        lifetime_value(s, BetaGeoModel(), gg)
    with pytest.raises(NotFittedError, match="gamma_gamma"):
        lifetime_value(s, bg, GammaGammaModel())
    with pytest.raises(ParameterError, match="bgnbd"):
        lifetime_value(s, gg, gg)


def test_frequency_recency_grid():
    bg = _model(r=0.5, alpha=4.0, a=0.8, b=2.5)
    g = frequency_recency_grid(bg, age=10.0, quantity="p_alive", max_purchases=5).table
    assert g.shape == (6, 11) and g.index.name == "repeat_purchases"
    assert (g.loc[0] == 1.0).all()
    assert (np.diff(g.loc[3].to_numpy()) > 0).all()  # a more recent last purchase: more alive
    e = frequency_recency_grid(bg, age=10.0, t=4.0, max_purchases=5)
    assert isinstance(e, clv.FrequencyRecencyGrid)
    assert (e.quantity, e.t, e.age, e.time_unit) == ("expected_purchases", 4.0, 10.0, None)
    assert e.table.loc[5, 10.0] > e.table.loc[1, 10.0]
    with pytest.raises(ParameterError, match="quantity"):
        frequency_recency_grid(bg, age=10.0, quantity="clv")


def test_clv_transitions():
    before = pd.DataFrame({"clv_class": ["lead", "gold", "platinum"]}, index=["a", "b", "c"])
    after = pd.DataFrame({"clv_class": ["iron", "gold", "gold", "lead"]},
                         index=["a", "b", "c", "d"])
    moves = clv_transitions(before, after)
    assert isinstance(moves, clv.CLVTransitions) and not moves.normalize
    t = moves.table
    assert t.index.tolist() == ["lead", "iron", "gold", "platinum", "new"]
    assert t.columns.tolist() == ["lead", "iron", "gold", "platinum"]
    assert t.loc["lead", "iron"] == 1 and t.loc["gold", "gold"] == 1
    assert t.loc["platinum", "gold"] == 1 and t.loc["new", "lead"] == 1
    assert int(t.to_numpy().sum()) == 4 and moves.stayed == 1 and moves.missing_after == 0
    assert clv_transitions(before, after.drop(index="a")).missing_after == 1
    share = clv_transitions(before, after, normalize=True).table
    assert share.loc["lead"].sum() == 1.0 and share.loc["iron"].sum() == 0.0
    with pytest.raises(SchemaError, match="clv_class"):
        clv_transitions(before.rename(columns={"clv_class": "x"}), after)


def test_join_clv(tiny):
    from mining import features

    s = calibration_summary(tiny, as_of="2024-01-30")
    v = pd.DataFrame({"p_alive": [0.9, 1.0, 1.0], "expected_purchases": [1.0, 0.5, 0.2],
                      "future_value": [10.0, 3.0, 1.0], "total_spend": s["total_spend"]},
                     index=s.index)
    table = features.customer_table(tiny, as_of="2024-01-30")
    out = join_clv(table, v)
    assert {"p_alive", "expected_purchases", "predicted_clv"} <= set(out.columns)
    assert out.loc["a", "predicted_clv"] == 10.0
    assert out.index.equals(table.index) and "p_alive" not in table.columns
    later = features.customer_table(tiny, as_of="2024-02-20")
    with pytest.raises(ParameterError, match="same cutoff"):
        join_clv(later, v)
    join_clv(later, v.drop(columns="total_spend"))  # nothing to compare: no check


def test_result_objects_read_as_tables_with_a_deprecation_warning():
    before = pd.DataFrame({"clv_class": ["lead", "gold"]}, index=["a", "b"])
    moves = clv_transitions(before, before)
    with pytest.warns(DeprecationWarning, match=r"use \.table"):
        assert moves.to_numpy().sum() == 2
    with pytest.warns(DeprecationWarning):
        assert moves["gold"].tolist() == moves.table["gold"].tolist()
    with pytest.warns(DeprecationWarning):
        assert moves.attrs == {"stayed": 2, "missing_after": 0, "normalize": False}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "stayed=2" in repr(moves) and "<table" in moves._repr_html_()
        with pytest.raises(AttributeError):
            moves._repr_latex_  # noqa: B018 - IPython's probes are not delegated
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        moves.nope  # noqa: B018


def test_doctests():
    modules = [clv] + [importlib.import_module(f"mining.clv.{m.name}")
                       for m in pkgutil.iter_modules(clv.__path__)]
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
