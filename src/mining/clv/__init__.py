"""Predictive customer lifetime value (客户终身价值): BG/NBD, Gamma-Gamma, P(alive), the CLV matrix.

Customer lifetime value is the present value of all profit a customer brings: the profit already
earned (current value) plus the expected future profit (future value); ``clv`` columns are that
sum, in this package and in :mod:`mining.value`. For non-contractual retail, where nobody
tells the shop that they have left, the future part is modelled in two pieces (Fader, Hardie and
Lee 2005):

* **BG/NBD** (:class:`BetaGeoModel`) for *how many* purchases: while alive, a customer buys at a
  Poisson rate ``lambda`` (Gamma(r, alpha) across customers); after each purchase they may leave
  for good with probability ``p`` (Beta(a, b) across customers). It gives the expected number of
  purchases in a future period and the probability that a customer is still alive (``p_alive``).
* **Gamma-Gamma** (:class:`GammaGammaModel`) for *how much* per purchase: spend per purchase
  varies around a customer's own mean, which varies across customers; it shrinks each customer's
  observed mean repeat spend towards the population mean (less the fewer purchases they made).

Modules, as the layers of ``lifetimes``/``pymc-marketing``:

==================  ===========================================================================
``_summary``        data preparation: :func:`calibration_summary` (the per-customer ``(x, t_x,
                    T)`` table from transactions)
``_bgnbd``          :class:`BetaGeoModel` (BG/NBD and MBG/NBD), :func:`fit_bgnbd`
``_gamma_gamma``    :class:`GammaGammaModel`, :func:`fit_gamma_gamma`
``_pareto_nbd``     :class:`ParetoNBDModel` (Pareto/NBD: customers may leave at any time),
                    :func:`fit_pareto_nbd`; same prediction methods as :class:`BetaGeoModel`
``_mle``            the maximum-likelihood fit both models use (``scipy.optimize``)
``_analyses``       :func:`lifetime_value`, :func:`holdout_check`, :func:`frequency_recency_grid`,
                    :func:`clv_transitions`, :func:`join_clv` and their result objects
``_checks``         how far to trust the models: :func:`compare_count_models` (BG/NBD vs
                    MBG/NBD on the holdout), :func:`cumulative_purchases` (tracking plot),
                    :func:`period_purchases` (histogram), :func:`alive_check` (P(alive) vs the
                    rule of thumb); :func:`findings` and :func:`customer_actions` for the report
==================  ===========================================================================

The CDNOW sample of the published estimates is :func:`mining.datasets.load_cdnow_sample`.
Figures are in :mod:`mining.plots.clv`.

Time
    A summary is built with an explicit ``as_of``: the cutoff, *excluded*, as everywhere in
    ``mining`` (the same date as the ``as_of`` of :func:`mining.features.customer_table`); the
    calibration period of the BG/NBD papers and of ``lifetimes``, "1997-01-01 to 1997-09-30", is
    ``as_of="1997-10-01"``. The old keyword ``calibration_end`` (the last day, included) is
    accepted with a ``DeprecationWarning``. Purchases are counted per calendar day (several
    orders on one day are one purchase, their spend added); times are in ``time_unit``
    (``"W"`` = 7 days, ``"D"`` = 1 day, ``"M"`` = 365.25 / 12 days).
Why not a library
    ``pymc-marketing`` is the well-kept successor of ``lifetimes``, but it brings PyMC, PyTensor
    (which compiles C code on first use), ArviZ, xarray and preliz: hundreds of MB and minutes to
    install on a 2-core laptop or CI, for a maximum-likelihood fit that takes well under a second
    here. ``lifetimes`` is unmaintained. So this package is a small implementation on
    ``scipy.special`` (``gammaln``, ``betaln``, ``hyp2f1``) and ``scipy.optimize``, checked
    against the published CDNOW estimates (tests) and against ``lifetimes`` where installed.

Examples
--------
The whole flow (notebook 07 runs it on the demo and on CDNOW)::

    summary = calibration_summary(tx, as_of="1997-10-01", holdout_end="1998-06-30")
    bg, gg = fit_bgnbd(summary), fit_gamma_gamma(summary)
    holdout_check(summary, bg).table          # predicted vs actual holdout purchases
    lifetime_value(summary, bg, gg)           # P(alive), expected purchases, predicted CLV

``calibration_period``, ``parameter_table``, ``top_customers``, ``p_alive_vs_planted_churn``
and the ``*_in_words`` helpers are the notebook's remaining steps.
"""

from __future__ import annotations

import warnings

import pandas as pd

from mining.clv._analyses import (
    CLV_TRANSITION_ROWS,
    CLVTransitions,
    FrequencyRecencyGrid,
    HoldoutCheck,
    clv_transitions,
    frequency_recency_grid,
    holdout_check,
    join_clv,
    lifetime_value,
)
from mining.clv._bgnbd import BetaGeoModel, fit_bgnbd
from mining.clv._checks import (
    ACTION_COLUMNS,
    COUNT_MODELS,
    AliveCheck,
    CountModelComparison,
    CumulativePurchases,
    PeriodPurchases,
    alive_check,
    compare_count_models,
    cumulative_purchases,
    customer_actions,
    findings,
    period_purchases,
)
from mining.clv._gamma_gamma import GammaGammaModel, fit_gamma_gamma
from mining.clv._pareto_nbd import ParetoNBDModel, fit_pareto_nbd
from mining.clv._summaries import (
    PLANTED_CHURN,
    CalibrationPeriod,
    calibration_period,
    fits_in_words,
    heuristic_agreement,
    p_alive_vs_planted_churn,
    parameter_table,
    planted_evidence,
    top_customers,
    transitions_in_words,
    units_per_month,
)
from mining.clv._summary import TIME_UNITS, calibration_summary

__all__ = [
    "ACTION_COLUMNS",
    "COUNT_MODELS",
    "PLANTED_CHURN",
    "AliveCheck",
    "CountModelComparison",
    "CumulativePurchases",
    "PeriodPurchases",
    "alive_check",
    "compare_count_models",
    "cumulative_purchases",
    "customer_actions",
    "findings",
    "period_purchases",
    "CLVTransitions",
    "CalibrationPeriod",
    "CLV_TRANSITION_ROWS",
    "TIME_UNITS",
    "BetaGeoModel",
    "FrequencyRecencyGrid",
    "GammaGammaModel",
    "HoldoutCheck",
    "ParetoNBDModel",
    "calibration_period",
    "calibration_summary",
    "clv_transitions",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_pareto_nbd",
    "fits_in_words",
    "frequency_recency_grid",
    "heuristic_agreement",
    "holdout_check",
    "join_clv",
    "lifetime_value",
    "load_cdnow_sample",
    "p_alive_vs_planted_churn",
    "planted_evidence",
    "parameter_table",
    "top_customers",
    "transitions_in_words",
    "units_per_month",
]


def load_cdnow_sample() -> pd.DataFrame:
    """Deprecated alias of :func:`mining.datasets.load_cdnow_sample` (moved in 0.2; this alias
    goes in the next release)."""
    warnings.warn("mining.clv.load_cdnow_sample moved to mining.datasets.load_cdnow_sample in "
                  "0.2; the old name will stop working in the next release.",
                  DeprecationWarning, stacklevel=2)
    from mining.datasets import load_cdnow_sample as load

    return load()
