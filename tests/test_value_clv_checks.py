"""Issue 18 for notebook 07: BG/NBD against MBG/NBD on the holdout, the tracking plot, the
purchase-count histogram, P(alive) against the rule of thumb, the findings and the action list.

The data are simulated from the models themselves (known parameters), so the truth is known: the
model that generated the data should fit the holdout, and a shop whose customers all leave at the
calibration end must get the losing verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining import clv, value
from mining.errors import ParameterError
from mining.findings import Findings

START = pd.Timestamp("2024-01-01")
CAL_WEEKS, HOLD_WEEKS = 52, 39


def simulate(n: int = 1500, *, r=0.8, alpha=4.0, a=0.8, b=2.5, variant="bgnbd", seed=0,
             stop_at=None) -> pd.DataFrame:
    """Transactions of a BG/NBD (or MBG/NBD) shop: weekly rates, births over the first 12
    weeks, purchases until the end of the holdout (or until ``stop_at`` weeks for everybody)."""
    rng = np.random.default_rng(seed)
    end = CAL_WEEKS + HOLD_WEEKS
    rows = []
    for i in range(n):
        lam = rng.gamma(r, 1 / alpha)
        p = rng.beta(a, b)
        t = float(rng.uniform(0, 12))
        times = [t]
        alive = not (variant == "mbgnbd" and rng.random() < p)
        while alive:
            t += rng.exponential(1 / lam)
            if t >= (end if stop_at is None else stop_at):
                break
            times.append(t)
            alive = rng.random() >= p
        for k, w in enumerate(times):
            rows.append({"customer_id": f"{i:05d}", "order_id": f"{i}-{k}",
                         "timestamp": START + pd.Timedelta(days=int(w * 7)),
                         "product_id": "p", "quantity": 1.0,
                         "unit_price": float(rng.gamma(4, 10))})
    return pd.DataFrame(rows)


def summary_of(tx: pd.DataFrame) -> pd.DataFrame:
    as_of = START + pd.Timedelta(weeks=CAL_WEEKS)
    return clv.calibration_summary(tx, as_of=as_of, holdout_end=as_of + pd.Timedelta(
        weeks=HOLD_WEEKS) - pd.Timedelta(days=1))


@pytest.fixture(scope="module")
def mbg_shop():
    tx = simulate(variant="mbgnbd", a=1.0, b=2.0, seed=1)
    return tx, summary_of(tx)


@pytest.fixture(scope="module")
def bg_shop():
    tx = simulate(variant="bgnbd", seed=2)
    return tx, summary_of(tx)


# ---------------------------------------------------------------- the model's own formulas


def test_purchase_count_probabilities_match_lifetimes_and_sum_to_one(bg_shop):
    lifetimes = pytest.importorskip("lifetimes")
    _, s = bg_shop
    for variant, fitter in (("bgnbd", lifetimes.BetaGeoFitter),
                            ("mbgnbd", lifetimes.ModifiedBetaGeoFitter)):
        m = clv.fit_bgnbd(s, variant=variant)
        f = fitter()
        f.params_ = pd.Series(m.params_)[["r", "alpha", "a", "b"]]
        probs = m.purchase_count_probabilities(np.array([5.0, 38.0]), 4)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0)
        for i, age in enumerate((5.0, 38.0)):
            want = [float(f.probability_of_n_purchases_up_to_time(age, k)) for k in range(4)]
            np.testing.assert_allclose(probs[i, :4], want, rtol=1e-8, atol=1e-12)
        curve = m.expected_purchases_new_curve(np.array([0.0, 3.0, 30.0]))
        assert curve[0] == 0.0
        assert curve[1:] == pytest.approx([m.expected_purchases_new(3.0),
                                           m.expected_purchases_new(30.0)])
        with pytest.raises(ParameterError):
            m.expected_purchases_new_curve(np.array([-1.0]))


# ---------------------------------------------------------------- BG/NBD against MBG/NBD


def test_compare_count_models_picks_the_model_that_made_the_data(mbg_shop):
    _, s = mbg_shop
    cmp = clv.compare_count_models(s)
    assert cmp.table.index.tolist() == ["bgnbd", "mbgnbd"]
    assert cmp.best == "mbgnbd"  # many customers leave at their first purchase
    t = cmp.table
    assert t.loc["mbgnbd", "group_error"] < t.loc["bgnbd", "group_error"]
    assert t["actual_total"].nunique() == 1 and t.loc["bgnbd", "actual_total"] == \
        s["holdout_purchases"].sum()
    # the check's figures are what the table says
    c = cmp.checks["mbgnbd"]
    assert c.model == "mbgnbd"
    assert c.total_error == pytest.approx(c.predicted_total / c.actual_total - 1)
    assert t.loc["mbgnbd", "total_error"] == pytest.approx(c.total_error)
    words = cmp.in_words()
    assert words.startswith("MBG/NBD fits the holdout better than BG/NBD")
    assert f"{c.actual_total:,.0f} actual" in words
    assert cmp.choose("auto") == "mbgnbd" and cmp.choose("bgnbd") == "bgnbd"
    with pytest.raises(ParameterError):
        cmp.choose("pareto")
    with pytest.raises(ParameterError):
        clv.compare_count_models(s, criterion="luck")


def test_group_error_is_the_customer_weighted_gap_of_the_group_means(bg_shop):
    _, s = bg_shop
    c = clv.holdout_check(s, clv.fit_bgnbd(s))
    t = c.table
    want = float(((t["predicted"] - t["actual"]).abs().fillna(0) * t["customers"]).sum()
                 / t["customers"].sum())
    assert c.group_error == pytest.approx(want)


# ---------------------------------------------------------------- tracking plot, histogram


def test_cumulative_purchases_tracks_a_bgnbd_shop(bg_shop):
    tx, s = bg_shop
    m = clv.fit_bgnbd(s)
    cum = clv.cumulative_purchases(tx, m, as_of=s["as_of"].iloc[0])
    t = cum.table
    assert t["actual"].is_monotonic_increasing and t["predicted"].is_monotonic_increasing
    assert cum.customers == len(s)
    # the actual line ends at every repeat purchase day of the cohort
    assert t["actual"].iloc[-1] == s["repeat_purchases"].sum() + s["holdout_purchases"].sum()
    assert cum.actual_holdout == s["holdout_purchases"].sum()
    # data made by the model: the expected holdout purchases are close to the actual ones
    assert cum.predicted_holdout == pytest.approx(cum.actual_holdout, rel=0.15)


def test_period_purchases_counts_every_customer_once(bg_shop):
    _, s = bg_shop
    pp = clv.period_purchases(s, clv.fit_bgnbd(s), max_purchases=5)
    t = pp.table
    assert t.index.tolist() == ["0", "1", "2", "3", "4", "5+"]
    assert t["actual"].sum() == len(s) and t["expected"].sum() == pytest.approx(len(s))
    assert t.loc["0", "actual"] == (s["repeat_purchases"] == 0).sum()
    assert pp.share_gap < 0.05  # the model made the data: the histograms agree


# ---------------------------------------------------------------- P(alive) vs rule of thumb


def test_alive_check_prefers_mbgnbd_where_one_time_buyers_leave(mbg_shop):
    tx, s = mbg_shop
    cmp = clv.compare_count_models(s)
    as_of = s["as_of"].iloc[0]
    from mining.features import customer_table
    heur = value.customer_lifetime_value(customer_table(tx, as_of=as_of), as_of=as_of)
    check = clv.alive_check(s, cmp, heur["p_active"])
    t = check.table
    assert t.index.tolist() == ["P(alive) BG/NBD", "P(alive) MBG/NBD", "p_active (rule of thumb)"]
    assert t.loc["P(alive) BG/NBD", "mean_one_time"] == 1.0  # the BG/NBD property
    assert t.loc["P(alive) MBG/NBD", "mean_one_time"] < 1.0
    assert t.loc["P(alive) MBG/NBD", "auc"] > t.loc["P(alive) BG/NBD", "auc"]
    assert check.best != "P(alive) BG/NBD"
    assert t.loc["p_active (rule of thumb)", "rank_correlation"] == pytest.approx(1.0)
    assert check.one_time_buyers == (s["repeat_purchases"] == 0).sum()
    assert "P(alive) = 1" in check.in_words()


# ---------------------------------------------------------------- findings and action list


def _ltv(tx, s):
    now = clv.calibration_summary(tx, as_of=s["as_of"].iloc[0])
    ltv = clv.lifetime_value(now, clv.fit_bgnbd(now), clv.fit_gamma_gamma(now))
    return ltv, value.clv_matrix(ltv)


def test_findings_trust_the_model_that_made_the_data(bg_shop):
    tx, s = bg_shop
    cmp = clv.compare_count_models(s)
    ltv, m = _ltv(tx, s)
    f = clv.findings(cmp, ltv, m, count_model="bgnbd")
    assert isinstance(f, Findings) and 3 <= len(f.headline) <= 5
    err = abs(cmp.table.loc["bgnbd", "total_error"])
    assert err <= 0.10
    assert "predicts the holdout period well" in f.verdict
    figures = {h.label: h.value for h in f.headline}
    assert figures["Customers"] == len(ltv)
    assert figures["Predicted CLV (earned + next 12 months)"] == pytest.approx(ltv["clv"].sum())
    assert any("P(alive) = 1" in d for d in f.details)  # BG/NBD used: the property explained
    np.testing.assert_allclose(ltv["clv"], ltv["current_value"] + ltv["future_value"])


def test_findings_give_the_losing_verdict_when_customers_all_leave(bg_shop):
    # the same shop, but every customer stops buying 4 weeks after the calibration end: the
    # holdout is almost empty, so any buy-till-you-die model over-predicts massively
    tx = simulate(seed=2, stop_at=CAL_WEEKS + 4)
    last = START + pd.Timedelta(weeks=CAL_WEEKS + HOLD_WEEKS) - pd.Timedelta(days=1)
    newcomer = pd.DataFrame([{"customer_id": "99999", "order_id": "new", "timestamp": last,
                              "product_id": "p", "quantity": 1.0, "unit_price": 10.0}])
    tx = pd.concat([tx, newcomer], ignore_index=True)  # the data run to the holdout's end
    s = summary_of(tx)
    assert "99999" not in s.index
    cmp = clv.compare_count_models(s)
    assert (cmp.table["total_error"] > 0.5).all()
    ltv, m = _ltv(tx, s)
    f = clv.findings(cmp, ltv, m)
    assert "misses the holdout total" in f.verdict and "not for totals" in f.verdict
    assert f.headline[3].label.startswith("Holdout purchases predicted too high")


def test_customer_actions_of_07_are_documented_and_sorted(bg_shop):
    tx, s = bg_shop
    ltv, m = _ltv(tx, s)
    t = clv.customer_actions(ltv, m)
    assert set(t.columns) | {"customer_id"} == set(clv.ACTION_COLUMNS)
    assert t.index.name == "customer_id" and t["clv"].is_monotonic_decreasing
    assert (t.index.astype(str).str.len() == 5).all()  # ids keep their leading zeros
    assert t["treatment"].str.len().gt(10).all()
