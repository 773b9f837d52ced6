"""The lifetime-value notebook's steps around the models: the calibration / holdout split, the
fitted parameters as a table, the top customers, class moves and the heuristic in words, and
P(alive) against the planted churn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from mining.clv._bgnbd import BetaGeoModel, fit_bgnbd
from mining.clv._gamma_gamma import GammaGammaModel
from mining.clv._summary import TIME_UNITS
from mining.errors import check_date
from mining.findings import Evidence

__all__ = ["PLANTED_CHURN", "CalibrationPeriod", "calibration_period", "fits_in_words",
           "heuristic_agreement", "parameter_table", "p_alive_vs_planted_churn", "planted_evidence",
           "top_customers",
           "transitions_in_words", "units_per_month"]


@dataclass(frozen=True)
class CalibrationPeriod:
    """Transactions before ``as_of`` split into a calibration and a holdout period.

    Attributes
    ----------
    transactions : DataFrame
        The lines before ``as_of``.
    calibration_end : Timestamp
        Last day of the calibration period (included).
    data_end : Timestamp
        Day of the last purchase (midnight): the holdout runs up to it.
    """

    transactions: pd.DataFrame
    calibration_end: pd.Timestamp
    data_end: pd.Timestamp

    @property
    def holdout_start(self) -> pd.Timestamp:
        """First day of the holdout: the ``as_of`` of the calibration summary."""
        return self.calibration_end + pd.Timedelta(days=1)

    @property
    def now(self) -> pd.Timestamp:
        """The day after the last purchase: the ``as_of`` of a summary on all the data."""
        return self.data_end + pd.Timedelta(days=1)

    def __str__(self) -> str:
        tx = self.transactions
        return (f"{len(tx):,} order lines of {tx['customer_id'].nunique():,} customers before "
                f"as_of, {tx['timestamp'].min():%Y-%m-%d} .. {self.data_end:%Y-%m-%d}\n"
                f"calibration: up to {self.calibration_end:%Y-%m-%d} (included); holdout: "
                f"{self.holdout_start:%Y-%m-%d} .. {self.data_end:%Y-%m-%d}")


def calibration_period(tx: pd.DataFrame, *, as_of: Any, calibration_end: Any = "",
                       holdout_weeks: int = 39,
                       owner: str = "calibration_period") -> CalibrationPeriod:
    """Split the transactions before ``as_of`` at ``calibration_end`` (given, checked with
    :func:`mining.errors.check_date`) or, when empty, ``holdout_weeks`` weeks and a day before
    ``as_of``.

    >>> tx = pd.DataFrame({"customer_id": ["a", "b"],
    ...                    "timestamp": pd.to_datetime(["2025-01-05 00:00", "2025-12-30 10:00"])})
    >>> print(calibration_period(tx, as_of=pd.Timestamp("2026-01-01")))
    2 order lines of 2 customers before as_of, 2025-01-05 .. 2025-12-30
    calibration: up to 2025-04-02 (included); holdout: 2025-04-03 .. 2025-12-30
    """
    as_of = pd.Timestamp(as_of)
    tx = tx[tx["timestamp"] < as_of]
    data_end = tx["timestamp"].max().normalize()
    if calibration_end is not None and not (isinstance(calibration_end, str)
                                            and calibration_end == ""):
        cal_end = check_date(calibration_end, "calibration_end", owner)
    else:
        cal_end = as_of - pd.Timedelta(weeks=holdout_weeks, days=1)
    return CalibrationPeriod(transactions=tx, calibration_end=cal_end, data_end=data_end)


def parameter_table(bg: BetaGeoModel, gg: GammaGammaModel) -> pd.DataFrame:
    """The fitted parameters: columns ``model`` (the count model's variant or
    ``Gamma-Gamma``), ``parameter``, ``estimate``."""
    return pd.DataFrame({"model": [bg.variant] * len(bg.params_) + ["Gamma-Gamma"] * len(gg.params_),
                         "parameter": list(bg.params_) + list(gg.params_),
                         "estimate": list(bg.params_.values()) + list(gg.params_.values())})


def fits_in_words(bg: BetaGeoModel, gg: GammaGammaModel) -> str:
    """Log-likelihood and fit times of both models, and the frequency-spend correlation that
    Gamma-Gamma assumes near 0."""
    name = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}.get(getattr(bg, "variant", "bgnbd"), "BG/NBD")
    return (f"{name}: log-likelihood {bg.log_likelihood_:,.1f}, {bg.fit_seconds_:.2f} s; "
            f"Gamma-Gamma: {gg.n_customers_:,} repeat customers, {gg.fit_seconds_:.2f} s; "
            f"correlation of frequency and spend {gg.frequency_spend_corr_:.2f}")


def units_per_month(time_unit: str) -> float:
    """Model time units in one month (365.25 / 12 days).

    >>> units_per_month("M"), round(units_per_month("W"), 3)
    (1.0, 4.348)
    """
    return TIME_UNITS["M"] / TIME_UNITS[time_unit]


def top_customers(ltv: pd.DataFrame, *, by: str = "future_value", n: int = 10) -> pd.DataFrame:
    """The ``n`` customers with the largest ``by``, largest first.

    >>> top_customers(pd.DataFrame({"future_value": [1.0, 5.0, 3.0]}), n=2).index.tolist()
    [1, 2]
    """
    return ltv.sort_values(by, ascending=False).head(n)


def transitions_in_words(moves: Any, *, start: Any, end: Any) -> str:
    """How many customers kept their CLV class between ``start`` and ``end``, from a
    :class:`~mining.clv.CLVTransitions` of counts."""
    total = int(moves.table.to_numpy().sum())
    return (f"{moves.stayed:,} of {total:,} customers kept their class from "
            f"{pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d}")


def heuristic_agreement(table: pd.DataFrame, heuristic: pd.DataFrame) -> str:
    """Spearman rank correlations of the models' ``predicted_clv`` and ``p_alive`` (in
    ``table``, after :func:`~mining.clv.join_clv`) with the rule of thumb's ``future_value``
    and ``p_active`` (:func:`mining.value.customer_lifetime_value`), in words."""
    clv_corr = heuristic["future_value"].corr(table["predicted_clv"], method="spearman")
    alive_corr = heuristic["p_active"].corr(table["p_alive"], method="spearman")
    return (f"rank correlation of the model's future value with notebook 01's heuristic: "
            f"{clv_corr:.2f}; of P(alive) with the heuristic p_active: {alive_corr:.2f}")


def p_alive_vs_planted_churn(ltv: pd.DataFrame, summary: pd.DataFrame, churn_dates: pd.Series,
                             *, before: Any, count_model: str = "bgnbd") -> pd.DataFrame:
    """Mean P(alive) under both count models, and mean future value, of the customers planted
    as churned before ``before`` against the others.

    Parameters
    ----------
    ltv : DataFrame
        :func:`~mining.clv.lifetime_value` fitted with ``count_model``.
    summary : DataFrame
        The calibration summary ``ltv`` was computed on; the other count model is fitted on it.
    churn_dates : Series
        Planted churn date per customer (the demo's ``truth.churn_dates``).
    before : Timestamp
        Customers whose planted churn date is before it count as churned.
    count_model : {"bgnbd", "mbgnbd"}
        The model of ``ltv``.

    Returns
    -------
    DataFrame
        Indexed by ``planted churn before data end`` (False, True); columns
        ``p_alive (<count_model>)``, ``p_alive (<other>)``, ``future_value``.
    """
    churned = (churn_dates.reindex(ltv.index) < before).rename("planted churn before data end")
    other = "mbgnbd" if count_model == "bgnbd" else "bgnbd"
    p_other = fit_bgnbd(summary, variant=other).p_alive(summary)
    found = pd.DataFrame({f"p_alive ({count_model})": ltv["p_alive"], f"p_alive ({other})": p_other,
                          "future_value": ltv["future_value"]})
    return found.groupby(churned).mean()


#: Caption of the P(alive) evidence of :func:`planted_evidence` (its key in ``Tables.data``).
PLANTED_CHURN = "Planted churners (True) against the others (False): mean values"


def planted_evidence(ltv: pd.DataFrame, summary: pd.DataFrame, truth: Any, *, before: Any,
                     count_model: str = "bgnbd",
                     clv_class: pd.Series | None = None) -> list[Evidence]:
    """What the demo planted against what the models found: the planted segments against the
    found ``clv_class`` (when given), then :func:`p_alive_vs_planted_churn` (caption
    :data:`PLANTED_CHURN`). Empty for real data (``truth`` None or without ``churn_dates``)."""
    from mining.value import segments_evidence

    churn_dates = getattr(truth, "churn_dates", None)
    out = segments_evidence({"CLV class": clv_class}, truth) if clv_class is not None else []
    if churn_dates is not None:
        out.append(Evidence(PLANTED_CHURN, p_alive_vs_planted_churn(
            ltv, summary, churn_dates, before=before, count_model=count_model)))
    return out
