"""How far to trust the models, and what the report says: BG/NBD against MBG/NBD on the holdout,
the tracking plot (cumulative actual vs expected purchases), the period-purchases histogram,
P(alive) against the rule of thumb ``p_active`` of notebook 01, the findings and the action list.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mining.clv._analyses import HoldoutCheck, _TableResult, holdout_check
from mining.clv._bgnbd import BetaGeoModel, fit_bgnbd
from mining.clv._summary import TIME_UNITS, _daily, parse_day, summary_arrays
from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.findings import Findings, Headline
from mining.value import CLV_TREATMENTS

__all__ = ["ACTION_COLUMNS", "COUNT_MODELS", "AliveCheck", "CountModelComparison",
           "CumulativePurchases", "PeriodPurchases", "alive_check", "compare_count_models",
           "cumulative_purchases", "customer_actions", "findings", "period_purchases"]

#: The count models and their names in the report.
COUNT_MODELS: dict[str, str] = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}
_CRITERIA = ("group_error", "total_error", "customer_mae", "log_likelihood")
_ONE_DAY = pd.Timedelta(days=1)


def _name(variant: str) -> str:
    return COUNT_MODELS.get(variant, variant)


# --------------------------------------------------------------------------------------------
# BG/NBD against MBG/NBD on the holdout
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class CountModelComparison(_TableResult):
    """Output of :func:`compare_count_models`.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``model`` (``"bgnbd"``, ``"mbgnbd"``): ``name``, ``log_likelihood``
        (calibration), ``actual_total`` and ``predicted_total`` (holdout purchases),
        ``total_error`` (predicted / actual - 1), ``group_error`` (per customer, the gap between
        predicted and actual mean holdout purchases of their frequency group), ``customer_mae``
        (mean absolute error per customer) and ``rank_correlation`` (Spearman, predicted vs
        actual holdout purchases per customer).
    best : str
        The model with the smallest ``criterion`` (largest for ``log_likelihood``).
    criterion : str
    models : dict
        The fitted models (calibration period), by variant.
    checks : dict
        Their :class:`~mining.clv.HoldoutCheck`, by variant.
    """

    table: pd.DataFrame
    best: str
    criterion: str
    models: dict[str, BetaGeoModel] = field(default_factory=dict)
    checks: dict[str, HoldoutCheck] = field(default_factory=dict)

    def _caption(self) -> str:
        return f"best={self.best!r}, criterion={self.criterion!r}"

    def choose(self, count_model: str = "auto") -> str:
        """The variant to use: ``count_model`` itself, or :attr:`best` for ``"auto"``."""
        check_param(count_model == "auto" or count_model in self.models, "count_model",
                    "CountModelComparison.choose", f"'auto' or one of {sorted(self.models)}",
                    count_model)
        return self.best if count_model == "auto" else count_model

    def in_words(self) -> str:
        """Which model wins on the holdout and by how much, in one or two sentences."""
        t = self.table
        best = self.best
        others = [m for m in t.index if m != best]
        b = t.loc[best]
        head = (f"{b['name']} predicts {b['predicted_total']:,.0f} holdout purchases against "
                f"{b['actual_total']:,.0f} actual ({_signed(b['total_error'])})")
        if not others:
            return head + "."
        o = t.loc[others[0]]
        gap = (o["group_error"] - b["group_error"]) / o["group_error"] \
            if o["group_error"] > 0 else float("nan")
        return (f"{b['name']} fits the holdout better than {o['name']}: "
                f"its frequency-group means are off by {b['group_error']:.2f} purchases per "
                f"customer against {o['group_error']:.2f} ({gap:.0%} less). {head}; "
                f"{o['name']} predicts {o['predicted_total']:,.0f} ({_signed(o['total_error'])}).")


def _signed(share: float) -> str:
    if not np.isfinite(share):
        return "no holdout purchases"
    word = "high" if share > 0 else "low"
    return f"{abs(share):.0%} {word}" if abs(share) >= 0.005 else "on target"


def compare_count_models(summary: pd.DataFrame, *, variants: tuple[str, ...] = ("bgnbd", "mbgnbd"),
                         criterion: str = "group_error",
                         max_purchases: int = 7) -> CountModelComparison:
    """Fit each count model on the calibration period and compare them on the holdout.

    Parameters
    ----------
    summary : DataFrame
        From :func:`mining.clv.calibration_summary` with ``holdout_end`` (holdout columns).
    variants : tuple of str
        Models to compare (``"bgnbd"``, ``"mbgnbd"``).
    criterion : {"group_error", "total_error", "customer_mae", "log_likelihood"}
        What picks :attr:`~CountModelComparison.best`: by default the per-customer gap of the
        frequency-group means (the holdout figure); ``total_error`` its absolute value.
    max_purchases : int
        The last frequency group (as in :func:`mining.clv.holdout_check`).

    Returns
    -------
    CountModelComparison
    """
    owner = "compare_count_models"
    check_param(criterion in _CRITERIA, "criterion", owner, f"one of {_CRITERIA}", criterion)
    check_param(isinstance(variants, tuple | list) and len(variants) >= 1
                and all(v in COUNT_MODELS for v in variants), "variants", owner,
                f"a tuple of {tuple(COUNT_MODELS)}", variants)
    models, checks, rows = {}, {}, []
    for v in variants:
        m = fit_bgnbd(summary, variant=v)
        c = holdout_check(summary, m, max_purchases=max_purchases)
        pred = m.expected_purchases(summary, c.holdout_length)
        actual = summary["holdout_purchases"].astype("float64")
        rho = (float(pd.Series(pred.to_numpy()).corr(pd.Series(actual.to_numpy()),
                                                     method="spearman"))
               if len(actual) > 1 else float("nan"))
        models[v], checks[v] = m, c
        rows.append({"model": v, "name": _name(v), "log_likelihood": m.log_likelihood_,
                     "actual_total": c.actual_total, "predicted_total": c.predicted_total,
                     "total_error": c.total_error, "group_error": c.group_error,
                     "customer_mae": c.mean_absolute_error, "rank_correlation": rho})
    table = pd.DataFrame(rows).set_index("model")
    if criterion == "log_likelihood":
        best = str(table["log_likelihood"].idxmax())
    elif criterion == "total_error":
        best = str(table["total_error"].abs().idxmin())
    else:
        best = str(table[criterion].idxmin())
    return CountModelComparison(table=table, best=best, criterion=criterion, models=models,
                                checks=checks)


# --------------------------------------------------------------------------------------------
# tracking plot and period-purchases histogram
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class CumulativePurchases(_TableResult):
    """Output of :func:`cumulative_purchases`.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``day``: ``actual`` and ``predicted`` cumulative repeat purchases of the
        customers acquired in the calibration period.
    calibration_end : Timestamp
        Last day of the calibration period (the holdout starts the day after).
    model : str
        The count model's variant.
    customers : int
        Customers of the cohort (first purchase in the calibration period).
    """

    table: pd.DataFrame
    calibration_end: pd.Timestamp
    model: str
    customers: int

    def _holdout(self, col: str) -> float:
        t = self.table[col]
        before = t[t.index <= self.calibration_end]
        return float(t.iloc[-1] - (before.iloc[-1] if len(before) else 0.0))

    @property
    def actual_holdout(self) -> float:
        """Actual repeat purchases in the holdout."""
        return self._holdout("actual")

    @property
    def predicted_holdout(self) -> float:
        """Expected repeat purchases in the holdout (unconditional: from each customer's
        acquisition date only, as lifetimes' ``expected_cumulative_transactions``)."""
        return self._holdout("predicted")


def cumulative_purchases(tx: pd.DataFrame, bgnbd: BetaGeoModel, *, as_of: Any,
                         holdout_end: Any = None) -> CumulativePurchases:
    """Cumulative actual against expected repeat purchases, day by day (the tracking plot).

    The cohort is the customers whose first purchase lies before ``as_of`` (the calibration
    summary's customers). For every day, the actual line counts their repeat purchase days so
    far (several orders on one day are one purchase, as in the summary); the expected line adds,
    over the cohort, the purchases a customer acquired on their first day is expected to make
    by that day (``E[X(t)]`` of the model, FHL 2005 eq. 9): the model's view of the shop
    without knowing any customer's history. Up to ``as_of`` the model saw the data; after it,
    the lines are a test (lifetimes: ``plot_cumulative_transactions``).

    Parameters
    ----------
    tx : DataFrame
        Transactions (``customer_id``, ``timestamp``, ``quantity``, ``unit_price``).
    bgnbd : BetaGeoModel
        Fitted on the calibration summary before ``as_of`` (its ``time_unit_`` is used).
    as_of : date
        The calibration cutoff (excluded), as given to :func:`mining.clv.calibration_summary`.
    holdout_end : date, optional
        Last day drawn (default: the last purchase day).
    """
    owner = "cumulative_purchases"
    check_param(isinstance(bgnbd, BetaGeoModel) and hasattr(bgnbd, "params_"), "bgnbd", owner,
                "a fitted BetaGeoModel", bgnbd)
    daily = _daily(tx, owner)
    if len(daily) == 0:
        raise InsufficientDataError(f"{owner}: the transactions table has no rows.")
    end = parse_day(as_of, "as_of", owner) - _ONE_DAY
    stop = daily["day"].max() if holdout_end is None else parse_day(holdout_end, "holdout_end",
                                                                    owner)
    first = daily.groupby("customer_id", observed=True)["day"].transform("min")
    cohort = first <= end
    if not cohort.any():
        raise InsufficientDataError(f"{owner}: no customer bought before as_of.")
    if stop < end:
        raise ParameterError(f"The 'holdout_end' parameter of {owner} must not be before as_of. "
                             f"Got {stop.date()} instead.")
    start = first[cohort].min()
    days = pd.date_range(start, stop, freq="D")
    pos = {d: i for i, d in enumerate(days)}
    d = daily[cohort & (daily["day"] <= stop)]
    f = first[cohort & (daily["day"] <= stop)]
    repeat = d["day"][d["day"] > f]
    actual = np.bincount(repeat.map(pos).to_numpy(dtype="int64"), minlength=len(days))
    births = np.bincount(f[d["day"] == f].map(pos).to_numpy(dtype="int64"),
                         minlength=len(days))
    unit = TIME_UNITS.get(str(bgnbd.time_unit_ or "W"), 7.0)
    curve = bgnbd.expected_purchases_new_curve(np.arange(len(days)) / unit)
    expected = np.convolve(births.astype("float64"), curve)[: len(days)]
    table = pd.DataFrame({"actual": np.cumsum(actual).astype("float64"), "predicted": expected},
                         index=pd.Index(days, name="day"))
    return CumulativePurchases(table=table, calibration_end=end, model=str(bgnbd.variant),
                               customers=int(births.sum()))


@dataclass(frozen=True, repr=False, eq=False)
class PeriodPurchases(_TableResult):
    """Output of :func:`period_purchases`.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``repeat_purchases`` (``"0"``, .., ``"7+"``): ``actual`` and ``expected``
        numbers of customers with that many repeat purchases in the calibration period.
    model : str
    customers : int
    share_gap : float
        Half the sum of ``|actual - expected|`` over all groups, as a share of the customers:
        the share of customers the model puts in another group (0 = same histogram).
    """

    table: pd.DataFrame
    model: str
    customers: int
    share_gap: float


def period_purchases(summary: pd.DataFrame, bgnbd: BetaGeoModel, *,
                     max_purchases: int = 7) -> PeriodPurchases:
    """How many customers made 0, 1, 2, ... repeat purchases in the calibration period, and how
    many the model expects given their ages (lifetimes: ``plot_period_transactions``).

    The expected count of group ``x`` is the sum over customers of ``P(X(T) = x)`` at the
    customer's age ``T`` (:meth:`BetaGeoModel.purchase_count_probabilities`), computed exactly
    instead of simulated.
    """
    owner = "period_purchases"
    check_param(isinstance(bgnbd, BetaGeoModel) and hasattr(bgnbd, "params_"), "bgnbd", owner,
                "a fitted BetaGeoModel", bgnbd)
    check_param(isinstance(max_purchases, numbers.Integral) and not isinstance(max_purchases, bool)
                and max_purchases >= 1, "max_purchases", owner, "an int >= 1", max_purchases)
    x, _, T = summary_arrays(summary, owner)
    k = int(max_purchases)
    ages, counts = np.unique(T, return_counts=True)
    probs = bgnbd.purchase_count_probabilities(ages, k)
    expected = (probs * counts[:, None]).sum(axis=0)
    actual = np.bincount(np.minimum(x.astype("int64"), k), minlength=k + 1).astype("float64")
    labels = [str(i) for i in range(k)] + [f"{k}+"]
    table = pd.DataFrame({"actual": actual, "expected": expected},
                         index=pd.Index(labels, name="repeat_purchases"))
    n = int(len(x))
    gap = float(np.abs(actual - expected).sum() / 2 / n) if n else float("nan")
    return PeriodPurchases(table=table, model=str(bgnbd.variant), customers=n, share_gap=gap)


# --------------------------------------------------------------------------------------------
# P(alive) against the rule of thumb
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class AliveCheck(_TableResult):
    """Output of :func:`alive_check`.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``score`` (``"P(alive) BG/NBD"``, ``"P(alive) MBG/NBD"``, ``"p_active (rule
        of thumb)"``): ``auc`` (how well the score ranks the customers who bought again in the
        holdout above those who did not: 0.5 is chance, 1 perfect), ``rank_correlation``
        (Spearman, with the rule of thumb), ``mean_one_time`` and ``mean_repeat`` (mean score of
        customers without / with a repeat purchase in calibration).
    best : str
        The score with the highest ``auc``.
    one_time_buyers : int
        Customers without a repeat purchase in calibration.
    bought_again : float
        Share of the customers who bought in the holdout.
    """

    table: pd.DataFrame
    best: str
    one_time_buyers: int
    bought_again: float

    def in_words(self) -> str:
        """Which score to trust and how the model and the rule of thumb differ."""
        t = self.table
        parts = ", ".join(f"{s} {r['auc']:.2f}" for s, r in t.sort_values(
            "auc", ascending=False).iterrows())
        out = (f"Who bought again in the holdout ({self.bought_again:.0%} of the customers)? "
               f"Ranking quality (AUC, 0.5 = chance): {parts}; trust {self.best}.")
        heur = [s for s in t.index if s.startswith("p_active")]
        bg = [s for s in t.index if s == "P(alive) BG/NBD"]
        if heur and bg:
            out += (f" BG/NBD's P(alive) and the rule of thumb rank customers almost "
                    f"independently (rank correlation {t.loc[bg[0], 'rank_correlation']:.2f}): "
                    f"BG/NBD gives all {self.one_time_buyers:,} customers without a repeat "
                    "purchase in the calibration period P(alive) = 1, the rule of thumb judges "
                    "them by the silence since their only order.")
        return out


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def alive_check(summary: pd.DataFrame, models: dict[str, BetaGeoModel] | CountModelComparison,
                p_active: pd.Series | None = None) -> AliveCheck:
    """P(alive) of each count model, and the rule-of-thumb ``p_active`` of notebook 01, judged
    by who bought again in the holdout.

    Parameters
    ----------
    summary : DataFrame
        Calibration summary with a holdout (``holdout_purchases``).
    models : dict or CountModelComparison
        Fitted count models by variant (fitted on ``summary``).
    p_active : Series, optional
        :func:`mining.value.customer_lifetime_value` ``p_active`` computed at the calibration
        cutoff, by ``customer_id`` (customers missing in it are left out of its row).
    """
    owner = "alive_check"
    if isinstance(models, CountModelComparison):
        models = models.models
    if not isinstance(summary, pd.DataFrame) or "holdout_purchases" not in summary.columns:
        raise SchemaError([f"{owner} needs holdout_purchases: build the summary with "
                           "calibration_summary(..., holdout_end=...)"], what="calibration summary")
    if not models:
        raise ParameterError(f"{owner}: give at least one fitted count model.")
    x, _, _ = summary_arrays(summary, owner)
    y = summary["holdout_purchases"].to_numpy() > 0
    idx = summary.index.astype("string")
    scores: dict[str, np.ndarray] = {f"P(alive) {_name(v)}": m.p_alive(summary).to_numpy()
                                     for v, m in models.items()}
    heur = None
    if p_active is not None:
        s = pd.Series(pd.to_numeric(p_active, errors="coerce").to_numpy(),
                      index=p_active.index.astype("string"))
        heur = s.reindex(idx).to_numpy(dtype="float64")
        scores["p_active (rule of thumb)"] = heur
    rows = []
    for name, sc in scores.items():
        ok = np.isfinite(sc)
        rho = float("nan")
        if heur is not None:
            both = ok & np.isfinite(heur)
            rho = float(pd.Series(sc[both]).corr(pd.Series(heur[both]), method="spearman"))
        rows.append({"score": name, "auc": _auc(sc[ok], y[ok]), "rank_correlation": rho,
                     "mean_one_time": float(np.nanmean(sc[x == 0])) if (x == 0).any()
                     else float("nan"),
                     "mean_repeat": float(np.nanmean(sc[x > 0])) if (x > 0).any()
                     else float("nan")})
    table = pd.DataFrame(rows).set_index("score")
    best = str(table["auc"].idxmax()) if table["auc"].notna().any() else str(table.index[0])
    return AliveCheck(table=table, best=best, one_time_buyers=int((x == 0).sum()),
                      bought_again=float(y.mean()) if len(y) else float("nan"))


# --------------------------------------------------------------------------------------------
# findings and the action list
# --------------------------------------------------------------------------------------------

#: The meaning of every column of :func:`customer_actions` (the action list of notebook 07).
ACTION_COLUMNS: dict[str, str] = {
    "customer_id": "Customer id (text; leading zeros kept).",
    "repeat_purchases": "Purchase days after the first one, up to the end of the data.",
    "p_alive": "Model probability that the customer is still a customer (BG/NBD: 1 for "
               "customers without a repeat purchase, by the model's construction).",
    "expected_purchases": "Expected purchases over the CLV horizon (model).",
    "current_value": "Current value: profit already earned (margin x spend to date).",
    "future_value": "Predicted future value: discounted expected profit over the horizon.",
    "clv": "Predicted customer lifetime value = current_value + future_value.",
    "clv_class": "CLV-matrix class on current x predicted future value: platinum, gold, iron, "
                 "lead.",
    "treatment": "Textbook treatment of the CLV-matrix class.",
}


def customer_actions(ltv: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: predicted purchases, P(alive), predicted CLV and CLV class.

    ``ltv`` is :func:`mining.clv.lifetime_value`, ``matrix`` :func:`mining.value.clv_matrix`
    on it. Highest ``clv`` first; columns as in :data:`ACTION_COLUMNS`.
    """
    owner = "clv.customer_actions"
    for name, df in (("ltv", ltv), ("matrix", matrix)):
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame. "
                                 f"Got {type(df).__name__} instead.")
    cols = [c for c in ("repeat_purchases", "p_alive", "expected_purchases", "current_value",
                        "future_value", "clv")
            if c in ltv.columns]
    out = ltv[cols].copy()
    out.index = pd.Index(ltv.index.astype("string"), name="customer_id")
    cls = matrix["clv_class"].astype(str)
    cls.index = matrix.index.astype("string")
    out["clv_class"] = cls.reindex(out.index).to_numpy()
    out["treatment"] = [CLV_TREATMENTS.get(c, "") for c in out["clv_class"]]
    key = pd.DataFrame({"clv": out["clv"].to_numpy(), "cid": out.index.to_numpy()})
    order = key.sort_values(["clv", "cid"], ascending=[False, True], kind="mergesort").index
    return out.iloc[order.to_numpy()]


def findings(comparison: CountModelComparison, ltv: pd.DataFrame, matrix: pd.DataFrame, *,
             count_model: str = "auto", alive: AliveCheck | None = None,
             horizon_months: int = 12, currency: str = "EUR",
             planted_churn: pd.DataFrame | None = None) -> Findings:
    """The key findings of the predicted-CLV analysis (notebook 07) for the report's top.

    Headline figures: customers, the predicted customer lifetime value (profit earned +
    expected over ``horizon_months``), the expected profit of the horizon, how far the holdout
    prediction of the chosen count model is off, and the platinum customers. The verdict
    follows the holdout error: within 10% the totals can be trusted; up to 25% the model ranks
    customers but its totals need a discount; beyond that only the ranking is usable.

    Parameters
    ----------
    comparison : CountModelComparison
        :func:`compare_count_models` on the calibration summary.
    ltv, matrix : DataFrame
        :func:`mining.clv.lifetime_value` with the chosen model (refitted on all data) and
        :func:`mining.value.clv_matrix` on it.
    count_model : str
        The notebook's parameter (``"auto"`` = the comparison's best).
    alive : AliveCheck, optional
        :func:`alive_check`, for the sentence on P(alive) against ``p_active``.
    horizon_months : int
        The horizon ``ltv`` was computed with (for the words).
    currency : str
        Written before money figures.
    planted_churn : DataFrame, optional
        :func:`mining.clv.p_alive_vs_planted_churn` on the demo: adds the mean P(alive) of the
        planted churners against the others.
    """
    owner = "clv.findings"
    check_param(isinstance(comparison, CountModelComparison), "comparison", owner,
                "a CountModelComparison (from clv.compare_count_models)", comparison)
    for col in ("p_alive", "future_value", "clv"):
        if col not in ltv.columns:
            raise SchemaError([f"column {col!r} is missing in ltv (needed by {owner})"],
                              what="CLV")
    chosen = comparison.choose(count_model)
    row = comparison.table.loc[chosen]
    err = float(row["total_error"])
    rho = float(row["rank_correlation"])
    name = _name(chosen)
    n = len(ltv)
    future = float(ltv["future_value"].sum())
    total = float(ltv["clv"].sum())
    cls = matrix["clv_class"].astype(str)
    n_plat = int((cls == "platinum").sum())
    one_time = int((ltv["repeat_purchases"] == 0).sum()) if "repeat_purchases" in ltv else 0
    valuable = (ltv["current_value"] > ltv["current_value"].median()
                if "current_value" in ltv else pd.Series(True, index=ltv.index))
    fading = int((valuable & (ltv["p_alive"] < 0.5)).sum())
    how = "high" if err > 0 else "low"
    if abs(err) <= 0.10:
        verdict = (f"{name} predicts the holdout period well ({abs(err):.0%} {how} in total, "
                   f"rank correlation {rho:.2f} per customer): trust its totals and its ranking.")
    elif abs(err) <= 0.25:
        verdict = (f"{name} ranks customers usefully (rank correlation {rho:.2f} between predicted "
                   f"and actual holdout purchases) but its holdout total is {abs(err):.0%} "
                   f"{how}: read the predicted totals as about {abs(err):.0%} too "
                   f"{'optimistic' if err > 0 else 'cautious'}.")
    else:
        verdict = (f"{name} misses the holdout total by {abs(err):.0%} ({how}): use it to rank "
                   f"customers (rank correlation {rho:.2f}), not for totals.")
    rec = (f"Give the {n_plat:,} platinum customers personal service and contact the "
           f"{fading:,} customers with above-median value whose P(alive) fell below 50% before "
           "they are gone.")
    details = [comparison.in_words()]
    if chosen == "bgnbd":
        details.append(
            f"Under BG/NBD a customer can only leave right after a repeat purchase, so the "
            f"{one_time:,} customers with a single purchase have P(alive) = 1 however long "
            "ago it was (a property of the model; their expected purchases are still low); "
            "MBG/NBD lets them leave after the first purchase too.")
    else:
        details.append(
            "MBG/NBD lets a customer leave right after the first purchase, so one-time buyers "
            "from long ago get a low P(alive); under BG/NBD they would all have P(alive) = 1 "
            f"({one_time:,} customers here).")
    if alive is not None:
        details.append(alive.in_words())
    details.append(f"CLV = current value (profit earned) + future value (expected profit over "
                   f"the next {horizon_months} months, {currency} {future:,.0f}) = "
                   f"{currency} {total:,.0f}.")
    if planted_churn is not None and {True, False} <= set(planted_churn.index):
        col = f"p_alive ({chosen})"
        if col in planted_churn.columns:
            details.append(
                f"Planted vs found (demo): the planted churners have a mean P(alive) of "
                f"{planted_churn.loc[True, col]:.0%} under {name} against "
                f"{planted_churn.loc[False, col]:.0%} for the others.")
    if chosen != comparison.best:
        details.append(f"The report uses {name} as asked (count_model), although "
                       f"{_name(comparison.best)} fits the holdout better.")
    months = f"next {horizon_months} months"
    head = [Headline("Customers", n, "count", "lifetime-value table"),
            Headline(f"Predicted CLV (earned + {months})", total, "money",
                     "lifetime-value table (sum of clv)"),
            Headline(f"Expected profit, {months}", future, "money",
                     "lifetime-value table (sum of future_value)"),
            Headline(f"Holdout purchases predicted too {how} ({name})", abs(err), "percent",
                     "model comparison table (total_error)"),
            Headline("Platinum customers", n_plat, "count", "CLV-matrix table")]
    return Findings(title="Predicted customer lifetime value", headline=head, verdict=verdict,
                    recommendation=rec, details=details, currency=currency)
