"""Predictive customer lifetime value (客户终身价值): BG/NBD, Gamma-Gamma, P(alive), the CLV matrix.

Customer lifetime value is the present value of all profit a customer brings: the profit already
earned (current value) plus the expected future profit. For non-contractual retail, where nobody
tells the shop that they have left, the future part is modelled in two pieces (Fader, Hardie and
Lee 2005):

* **BG/NBD** (:class:`BetaGeoModel`) for *how many* purchases: while alive, a customer buys at a
  Poisson rate ``lambda`` (Gamma(r, alpha) across customers); after each purchase they may leave
  for good with probability ``p`` (Beta(a, b) across customers). It gives the expected number of
  purchases in a future period and the probability that a customer is still alive (``p_alive``).
* **Gamma-Gamma** (:class:`GammaGammaModel`) for *how much* per purchase: spend per purchase
  varies around a customer's own mean, which varies across customers; it shrinks each customer's
  observed mean repeat spend towards the population mean (less the fewer purchases they made).

Layers, as in ``lifetimes``/``pymc-marketing``: data preparation (:func:`calibration_summary`,
:func:`load_cdnow_sample`), models fitted by maximum likelihood on ``scipy``, and the analyses
(:func:`lifetime_value`, :func:`holdout_check`, :func:`frequency_recency_grid`,
:func:`clv_transitions`, :func:`join_clv`). Figures are in :mod:`mining.plots.clv`.

Time
    A summary is built with an explicit ``calibration_end``: the *last day* of the calibration
    period, included (the convention of the BG/NBD papers and of ``lifetimes``: "1997-01-01 to
    1997-09-30"). It equals ``as_of - 1 day`` of :func:`mining.features.customer_table`, whose
    ``as_of`` is an exclusive cutoff. Purchases are counted per calendar day (several orders on
    one day are one purchase, their spend added); times are in ``time_unit`` (``"W"`` = 7 days,
    ``"D"`` = 1 day, ``"M"`` = 365.25 / 12 days).
Why not a library
    ``pymc-marketing`` is the well-kept successor of ``lifetimes``, but it brings PyMC, PyTensor
    (which compiles C code on first use), ArviZ, xarray and preliz: hundreds of MB and minutes to
    install on a 2-core laptop or CI, for a maximum-likelihood fit that takes well under a second
    here. ``lifetimes`` is unmaintained. So this module is a small implementation on
    ``scipy.special`` (``gammaln``, ``betaln``, ``hyp2f1``) and ``scipy.optimize``, checked
    against the published CDNOW estimates (tests) and against ``lifetimes`` where installed.

Examples
--------
>>> tx = pd.DataFrame({
...     "customer_id": ["a", "a", "a", "b"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
...     "quantity": [1.0, 1.0, 2.0, 1.0], "unit_price": [10.0, 5.0, 10.0, 7.0]})
>>> s = calibration_summary(tx, calibration_end="2024-01-15", time_unit="W")
>>> s[["repeat_purchases", "time_to_last", "age", "mean_repeat_spend"]]
... # doctest: +NORMALIZE_WHITESPACE
             repeat_purchases  time_to_last  age  mean_repeat_spend
customer_id
a                           1           2.0  2.0               20.0
b                           0           0.0  1.0                NaN
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from mining.errors import (
    InsufficientDataError,
    ParameterError,
    SchemaError,
    check_date,
    check_param,
)

__all__ = [
    "CLV_TRANSITION_ROWS",
    "TIME_UNITS",
    "BetaGeoModel",
    "GammaGammaModel",
    "calibration_summary",
    "clv_transitions",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "frequency_recency_grid",
    "holdout_check",
    "join_clv",
    "lifetime_value",
    "load_cdnow_sample",
]

#: Days per model time unit.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}

_CLASSES = ("lead", "iron", "gold", "platinum")
#: Row labels of :func:`clv_transitions`: the four CLV classes and ``"new"`` (not yet a customer
#: at the first cutoff).
CLV_TRANSITION_ROWS: tuple[str, ...] = (*_CLASSES, "new")

_MONTH_DAYS = 365.25 / 12.0
_SUMMARY_COLS = ("repeat_purchases", "time_to_last", "age")
_LOG_BOUND = 20.0  # parameters are fitted as logs within [-20, 20] (about 2e-9 .. 5e8)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _parse_date(value: object, name: str, owner: str) -> pd.Timestamp:
    when = check_date(value, name, owner, "Pass a date, e.g. '1997-09-30'.")
    return when.normalize()


def _check_unit(time_unit: object, owner: str) -> float:
    check_param(isinstance(time_unit, str) and time_unit in TIME_UNITS, "time_unit", owner,
                f"one of {sorted(TIME_UNITS)} (days, weeks, months of 365.25/12 days)", time_unit)
    return TIME_UNITS[str(time_unit)]


def _real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


def _daily(tx: object, owner: str) -> pd.DataFrame:
    """Validate the columns this module reads and return one row per customer and day."""
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(f"{owner} expects transactions as a pandas DataFrame (the "
                             f"contract of mining.schema). Got {type(tx).__name__} instead.")
    need = ["customer_id", "timestamp", "quantity", "unit_price"]
    missing = [c for c in need if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    problems = []
    if not pd.api.types.is_datetime64_any_dtype(tx["timestamp"]):
        problems.append(f"column 'timestamp' must be datetime64 (got {tx['timestamp'].dtype})")
    for c in ("quantity", "unit_price"):
        s = tx[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            problems.append(f"column {c!r} must be numeric (got {s.dtype})")
    for c in ("customer_id", "timestamp", "quantity", "unit_price"):
        n_na = int(tx[c].isna().sum())
        if n_na:
            problems.append(f"column {c!r} has {n_na} missing values")
    if problems:
        raise SchemaError(problems)
    spend = tx["quantity"].astype("float64") * tx["unit_price"].astype("float64")
    negative = spend < 0
    if negative.any():
        first = tx.index[negative.to_numpy()][0]
        raise SchemaError([
            f"{int(negative.sum())} lines have negative spend (quantity * unit_price < 0), e.g. "
            f"row {first!r}; returns and refunds must be removed first "
            "(mining.schema.clean_transactions does it)"
        ])
    ts = tx["timestamp"]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    daily = (pd.DataFrame({"customer_id": tx["customer_id"].astype("string").to_numpy(),
                           "day": ts.dt.normalize().to_numpy(),
                           "spend": spend.to_numpy()})
             .groupby(["customer_id", "day"], sort=True, observed=True)["spend"].sum()
             .reset_index())
    return daily


# --------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------


def calibration_summary(
    tx: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    holdout_end: str | pd.Timestamp | None = None,
    time_unit: str = "W",
) -> pd.DataFrame:
    """One row per customer: repeat purchases, their timing and spend up to ``calibration_end``.

    Purchases are counted per calendar day: every order line of a customer on one day is one
    purchase whose spend is the sum of ``quantity * unit_price``. Only customers whose first
    purchase is on or before ``calibration_end`` are included.

    Parameters
    ----------
    tx : DataFrame
        Transactions (contract columns ``customer_id``, ``timestamp``, ``quantity``,
        ``unit_price``; others are ignored). Negative spend is an error (clean returns first).
    calibration_end : str or Timestamp
        Last day of the calibration period, *included* (time of day is dropped). Must lie between
        the first and the last purchase day in ``tx``. Required.
    holdout_end : str or Timestamp, optional
        Last day of a holdout period (included) that starts the day after ``calibration_end``;
        must be after it and not after the last purchase day. Adds the holdout columns.
    time_unit : {"W", "D", "M"}
        Unit of the time columns: weeks, days or months (365.25 / 12 days).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (string), in the BG/NBD notation:

    - ``repeat_purchases`` (x, int): purchase days after the first, up to ``calibration_end``;
    - ``time_to_last`` (t_x): time from the first to the last purchase, in ``time_unit``;
    - ``age`` (T): time from the first purchase to ``calibration_end``, in ``time_unit``;
    - ``mean_repeat_spend``: mean spend of the repeat purchases (the first purchase excluded, as
      in Fader, Hardie and Lee 2005); NaN when ``repeat_purchases == 0``;
    - ``total_spend``: spend of all purchases up to ``calibration_end``, the first included;
    - ``first_purchase``, ``last_purchase``: dates;
    - with ``holdout_end``: ``holdout_purchases`` (purchase days in the holdout),
      ``holdout_spend`` and ``holdout_length`` (the holdout period in ``time_unit``).

    ``attrs`` holds ``calibration_end``, ``holdout_end``, ``time_unit`` and ``unit_days``.

    Raises
    ------
    ParameterError
        ``calibration_end`` or ``holdout_end`` is not a date or lies outside the data.
    SchemaError
        Columns missing or of the wrong type, missing values, negative spend.
    InsufficientDataError
        ``tx`` is empty.
    """
    owner = "calibration_summary"
    unit_days = _check_unit(time_unit, owner)
    daily = _daily(tx, owner)
    if len(daily) == 0:
        raise InsufficientDataError(f"{owner}: the transactions table has no rows.")
    end = _parse_date(calibration_end, "calibration_end", owner)
    first_day, last_day = daily["day"].min(), daily["day"].max()
    if not first_day <= end <= last_day:
        raise ParameterError(
            f"The 'calibration_end' parameter of {owner} must be a day within the data "
            f"({first_day.date()} .. {last_day.date()}). Got {str(end.date())!r} instead. "
            "Choose a calibration end that leaves data before it (and after it for a holdout)."
        )
    stop = None
    if holdout_end is not None:
        stop = _parse_date(holdout_end, "holdout_end", owner)
        if not end < stop <= last_day:
            raise ParameterError(
                f"The 'holdout_end' parameter of {owner} must be a day after calibration_end "
                f"({end.date()}) and not after the last purchase day ({last_day.date()}). "
                f"Got {str(stop.date())!r} instead."
            )

    cal = daily[daily["day"] <= end]
    g = cal.groupby("customer_id", sort=True, observed=True)
    first = g["day"].min()
    last = g["day"].max()
    n_days = g.size()
    total = g["spend"].sum()
    first_spend = g["spend"].first()  # rows are sorted by customer and day
    repeat = n_days - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_repeat = (total - first_spend) / repeat
    mean_repeat = mean_repeat.where(repeat > 0)

    idx = pd.Index(first.index.astype("string"), name="customer_id")
    out = pd.DataFrame({
        "repeat_purchases": repeat.to_numpy().astype("int64"),
        "time_to_last": ((last - first).dt.days.to_numpy() / unit_days),
        "age": ((end - first).dt.days.to_numpy() / unit_days),
        "mean_repeat_spend": mean_repeat.to_numpy(dtype="float64"),
        "total_spend": total.to_numpy(dtype="float64"),
        "first_purchase": first.to_numpy(),
        "last_purchase": last.to_numpy(),
    }, index=idx)
    if stop is not None:
        hold = daily[(daily["day"] > end) & (daily["day"] <= stop)]
        hg = hold.groupby("customer_id", observed=True)
        out["holdout_purchases"] = hg.size().reindex(idx).fillna(0).to_numpy().astype("int64")
        out["holdout_spend"] = hg["spend"].sum().reindex(idx).fillna(0.0).to_numpy()
        out["holdout_length"] = (stop - end).days / unit_days
    out.attrs = {"calibration_end": end, "holdout_end": stop, "time_unit": str(time_unit),
                 "unit_days": unit_days}
    return out


def load_cdnow_sample() -> pd.DataFrame:
    """The CDNOW 1/10 sample (2,357 customers, 6,919 purchases) as contract transactions.

    This is the sample behind the published BG/NBD and Gamma-Gamma estimates (Fader, Hardie and
    Lee 2005), read from ``datasets/CDNOW_sample.txt`` of the installed package ``lifetimes``
    without importing it. ``customer_id`` is the sample's own id (``"0001"`` ..); one line per
    purchase with ``quantity`` = CDs and ``unit_price`` = amount / CDs (so spend = amount); lines
    with no CDs (and amount 0) keep ``quantity`` 1 and ``unit_price`` 0.
    """
    from mining._real_datasets import package_file  # reads the file path only

    path = package_file("lifetimes", "datasets/CDNOW_sample.txt")
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype={0: str, 1: str},
                      names=["master_id", "customer_id", "date", "n_cds", "amount"])
    n_cds = raw["n_cds"].astype("float64")
    qty = n_cds.where(n_cds > 0, 1.0)
    return pd.DataFrame({
        "customer_id": raw["customer_id"].astype("string"),
        "order_id": pd.Series([f"S{i:05d}" for i in range(len(raw))], dtype="string"),
        "timestamp": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
        "product_id": pd.Series("CD", index=raw.index, dtype="string"),
        "product_name": pd.Series("CDs (not itemised)", index=raw.index, dtype="string"),
        "category": pd.Series("Music", index=raw.index, dtype="string"),
        "quantity": qty,
        "unit_price": raw["amount"].astype("float64") / qty,
    })


def _summary_arrays(summary: object, owner: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(f"{owner} expects the calibration summary (from "
                             f"calibration_summary) as a DataFrame. Got "
                             f"{type(summary).__name__} instead.")
    missing = [c for c in _SUMMARY_COLS if c not in summary.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what="calibration summary")
    x = summary["repeat_purchases"].to_numpy(dtype="float64")
    tx = summary["time_to_last"].to_numpy(dtype="float64")
    T = summary["age"].to_numpy(dtype="float64")
    problems = []
    if not (np.isfinite(x) & np.isfinite(tx) & np.isfinite(T)).all():
        problems.append("repeat_purchases, time_to_last and age must be finite numbers")
    elif (x < 0).any() or (x != np.round(x)).any():
        problems.append("repeat_purchases must be whole numbers >= 0")
    elif (tx < 0).any() or (tx > T + 1e-9).any():
        problems.append("time_to_last must be in [0, age]")
    elif ((x == 0) & (tx > 0)).any():
        problems.append("time_to_last must be 0 for customers without repeat purchases")
    if problems:
        raise SchemaError(problems, what="calibration summary")
    return x, tx, T


def _minimize(nll: Any, x0: np.ndarray) -> optimize.OptimizeResult:
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(x0)
    res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
    if res.success and np.isfinite(res.fun):
        return res
    # fallback: Nelder-Mead is slower but does not stop on a flat or noisy numerical gradient
    res2 = optimize.minimize(nll, res.x, method="Nelder-Mead",
                             options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    if np.isfinite(res2.fun) and res2.fun <= res.fun and np.all(np.abs(res2.x) <= _LOG_BOUND):
        res2.nit = int(res.nit) + int(res2.nit)
        return res2
    return res


def _check_converged(model: str, res: optimize.OptimizeResult) -> bool:
    at_bound = bool(np.any(np.abs(res.x) >= _LOG_BOUND - 1e-6))
    ok = bool(np.isfinite(res.fun)) and not at_bound
    if not ok:
        warnings.warn(f"{model}: the maximum-likelihood fit did not converge to an interior "
                      "optimum (a parameter ran to its bound); the data may be too few or too "
                      "regular for this model. Check fit_result_.", RuntimeWarning, stacklevel=3)
    return ok


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


def _bgnbd_loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                  T: np.ndarray, shift: int = 0) -> np.ndarray:
    """Log-likelihood per customer; ``shift`` 0 is BG/NBD, 1 the modified MBG/NBD."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x + shift) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where((x > 0) | (shift > 0),
                      np.log(a) - np.log(np.maximum(b + x - 1 + shift, 1e-300))
                      - (r + x) * np.log(alpha + tx),
                      -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


class BetaGeoModel:
    """BG/NBD model (beta-geometric / negative binomial distribution) of purchase counts.

    Fitted by maximum likelihood (Fader, Hardie and Lee 2005, equation 6) on the log parameters
    with L-BFGS-B (Nelder-Mead from there when it reports failure). Identical ``(x, t_x, T)``
    rows are pooled, so large tables fit quickly.

    In BG/NBD a customer can only drop out right *after a repeat purchase*, so everybody without
    one has ``p_alive == 1``, however long ago their single purchase was (their low expected
    purchases still reflect the silence). The modified model MBG/NBD (Batislam, Denizel and
    Filiztekin 2007) also lets customers drop out right after their first purchase, which gives
    one-time buyers a P(alive) below 1; choose it with ``variant="mbgnbd"``.

    Parameters
    ----------
    variant : {"bgnbd", "mbgnbd"}
        The model: BG/NBD (default, the published CDNOW estimates) or the modified MBG/NBD.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (Gamma heterogeneity of the purchase rate; ``alpha`` in time units) and
        ``a``, ``b`` (Beta heterogeneity of the drop-out probability).
    log_likelihood_ : float
        Maximised total log-likelihood.
    n_customers_ : int
    time_unit_ : str or None
        From the summary's ``attrs`` when it has one.
    converged_ : bool
    fit_seconds_ : float
    fit_result_ : scipy OptimizeResult

    Examples
    --------
    >>> s = pd.DataFrame({"repeat_purchases": [0, 1, 2, 3, 0, 5], "time_to_last": [0, 3, 9, 20,
    ...                   0, 30.0], "age": [30.0, 30, 31, 32, 33, 34]})
    >>> m = BetaGeoModel().fit(s)
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    """

    def __init__(self, *, variant: str = "bgnbd") -> None:
        self.variant = variant

    def _shift(self, owner: str) -> int:
        check_param(self.variant in ("bgnbd", "mbgnbd"), "variant", owner,
                    "'bgnbd' or 'mbgnbd'", self.variant)
        return 1 if self.variant == "mbgnbd" else 0

    def fit(self, summary: pd.DataFrame) -> BetaGeoModel:
        """Fit to a calibration summary (``repeat_purchases``, ``time_to_last``, ``age``)."""
        owner = "BetaGeoModel.fit"
        shift = self._shift(owner)
        x, tx, T = _summary_arrays(summary, owner)
        if len(x) == 0:
            raise InsufficientDataError(f"{owner}: the calibration summary has no customers.")
        if not (x > 0).any():
            raise InsufficientDataError(
                f"{owner}: no customer made a repeat purchase in the calibration period, so "
                "the purchase rate and the drop-out cannot be told apart. Choose a later "
                "calibration_end or a longer calibration period.")
        start = time.perf_counter()
        keys = pd.DataFrame({"x": x, "tx": tx, "T": T})
        pooled = keys.groupby(["x", "tx", "T"], sort=False).size().reset_index(name="w")
        xu, txu, Tu, w = (pooled[c].to_numpy(dtype="float64") for c in ("x", "tx", "T", "w"))
        n = float(w.sum())

        def nll(logp: np.ndarray) -> float:
            ll = _bgnbd_loglik(np.exp(logp), xu, txu, Tu, shift)
            val = -float(np.dot(w, ll)) / n
            return val if np.isfinite(val) else 1e10

        scale = max(float(np.mean(T)), 1e-6)
        x0 = np.log([1.0, scale, 1.0, 1.0])
        res = _minimize(nll, x0)
        self.fit_result_ = res
        self.converged_ = _check_converged("BetaGeoModel", res)
        p = np.exp(res.x)
        self.params_ = {"r": float(p[0]), "alpha": float(p[1]), "a": float(p[2]),
                        "b": float(p[3])}
        self.log_likelihood_ = -float(res.fun) * n
        self.n_customers_ = int(len(x))
        self.time_unit_ = summary.attrs.get("time_unit")
        self.fit_seconds_ = time.perf_counter() - start
        return self

    # -- predictions --------------------------------------------------------------------------

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise ParameterError("This BetaGeoModel is not fitted yet. Call fit(summary) first.")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still alive at the end of calibration (P(alive)).

        BG/NBD: ``1 / (1 + [x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))``.
        Customers without a repeat purchase get 1: in BG/NBD one can only drop out right after
        a repeat purchase. MBG/NBD: ``1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) **
        (r + x))`` for everybody.
        """
        r, alpha, a, b = self._params()
        shift = self._shift("BetaGeoModel.p_alive")
        x, tx, T = _summary_arrays(summary, "BetaGeoModel.p_alive")
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (np.log(a) - np.log(np.maximum(b + x - 1 + shift, 1e-300))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)))
        p = np.where((x > 0) | (shift > 0), special.expit(-log_odds), 1.0)
        return pd.Series(p, index=_index(summary), name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected purchases of each customer in the next ``t`` time units (FHL 2005, eq. 10).

        Uses the identity ``(1 - z) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z) =
        (1 - z) ** (a - 1) * 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)`` with
        ``z = t / (alpha + T + t)``, which stays accurate for frequent buyers (MBG/NBD: the same
        with ``b + 1`` in place of ``b`` inside the bracket).
        """
        r, alpha, a, b = self._params()
        owner = "BetaGeoModel.expected_purchases"
        shift = self._shift(owner)
        x, tx, T = _summary_arrays(summary, owner)
        check_param(_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        t = float(t)
        if abs(a - 1.0) > 1e-9:
            num = _expected_numerator(r, alpha, a, b, x, T, t, shift)
        else:  # a == 1: the closed form divides by 0; take the symmetric limit
            num = (_expected_numerator(r, alpha, 1.0 - 1e-6, b, x, T, t, shift)
                   + _expected_numerator(r, alpha, 1.0 + 1e-6, b, x, T, t, shift)) / 2.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.where((x > 0) | (shift > 0),
                            a / np.maximum(b + x - 1 + shift, 1e-300)
                            * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
        e = num / (1.0 + odds)
        return pd.Series(np.maximum(e, 0.0), index=_index(summary), name="expected_purchases")

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in ``t`` time units of a customer just acquired (FHL 2005, eq. 9)."""
        r, alpha, a, b = self._params()
        owner = "BetaGeoModel.expected_purchases_new"
        check_param(_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        one = pd.DataFrame({"repeat_purchases": [0], "time_to_last": [0.0], "age": [0.0]})
        # a new customer at T = 0 with x = 0 has the same posterior as the prior
        return float(self.expected_purchases(one, t).iloc[0])


def _expected_numerator(r: float, alpha: float, a: float, b: float, x: np.ndarray,
                        T: np.ndarray, t: float, shift: int) -> np.ndarray:
    """``c / (a - 1) * (1 - (1 - z) ** (r + x) * 2F1(r + x, b + x + s; c; z))``, c = a+b+x-1+s."""
    z = t / (alpha + T + t)
    c = a + b + x - 1.0 + shift
    term = np.power(1.0 - z, a - 1.0) * special.hyp2f1(a + b - 1.0 + shift - r, a - 1.0, c, z)
    return c / (a - 1.0) * (1.0 - term)


def _index(summary: pd.DataFrame) -> pd.Index:
    idx = summary.index.astype("string")
    idx.name = "customer_id"
    return idx


def fit_bgnbd(summary: pd.DataFrame, *, variant: str = "bgnbd") -> BetaGeoModel:
    """Fit a :class:`BetaGeoModel` (BG/NBD, or MBG/NBD) to a calibration summary; the quick form."""
    return BetaGeoModel(variant=variant).fit(summary)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------


def _gg_loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, g = params
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
            + q * np.log(g) + (px - 1.0) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(g + x * m))


class GammaGammaModel:
    """Gamma-Gamma model of spend per purchase (Fader, Hardie and Lee 2005, "RFM and CLV").

    A customer's purchases vary around their own mean spend ``zeta``; ``zeta`` varies across
    customers. With ``p, q, gamma`` fitted by maximum likelihood on the customers with at least
    one repeat purchase and a positive ``mean_repeat_spend``, the expected spend per purchase of
    a customer with ``x`` repeat purchases of mean ``m`` is
    ``(gamma + x * m) * p / (p * x + q - 1)``: a weighted mean of the population mean
    ``p * gamma / (q - 1)`` and the customer's own ``m``. Customers without repeat purchases get
    the population mean.

    The model assumes spend per purchase is independent of the number of purchases;
    ``frequency_spend_corr_`` (Pearson correlation of ``repeat_purchases`` and
    ``mean_repeat_spend`` among the fitted customers) should be near 0.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma``.
    log_likelihood_, n_customers_, n_excluded_ (customers with repeat purchases but zero
    mean spend, left out of the fit), frequency_spend_corr_, converged_, fit_seconds_,
    fit_result_.
    """

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit to a calibration summary (``repeat_purchases``, ``mean_repeat_spend``)."""
        owner = "GammaGammaModel.fit"
        if not isinstance(summary, pd.DataFrame):
            raise ParameterError(f"{owner} expects the calibration summary as a DataFrame. "
                                 f"Got {type(summary).__name__} instead.")
        missing = [c for c in ("repeat_purchases", "mean_repeat_spend")
                   if c not in summary.columns]
        if missing:
            raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                              what="calibration summary")
        x = summary["repeat_purchases"].to_numpy(dtype="float64")
        m = summary["mean_repeat_spend"].to_numpy(dtype="float64")
        if (np.nan_to_num(m, nan=0.0) < 0).any():
            raise SchemaError(["mean_repeat_spend must be >= 0 (negative spend: clean returns "
                               "first)"], what="calibration summary")
        use = (x > 0) & np.isfinite(m) & (m > 0)
        self.n_excluded_ = int(((x > 0) & ~use).sum())
        if use.sum() < 2:
            raise InsufficientDataError(
                f"{owner}: Gamma-Gamma needs at least 2 customers with a repeat purchase of "
                f"positive spend; got {int(use.sum())}. Choose a later calibration_end.")
        start = time.perf_counter()
        xu, mu = x[use], m[use]
        n = float(len(xu))

        def nll(logp: np.ndarray) -> float:
            val = -float(np.sum(_gg_loglik(np.exp(logp), xu, mu))) / n
            return val if np.isfinite(val) else 1e10

        x0 = np.log([1.0, 2.0, float(np.mean(mu))])
        res = _minimize(nll, x0)
        self.fit_result_ = res
        self.converged_ = _check_converged("GammaGammaModel", res)
        p = np.exp(res.x)
        self.params_ = {"p": float(p[0]), "q": float(p[1]), "gamma": float(p[2])}
        self.log_likelihood_ = -float(res.fun) * n
        self.n_customers_ = int(len(xu))
        self.frequency_spend_corr_ = (float(np.corrcoef(xu, mu)[0, 1])
                                      if np.std(xu) > 0 and np.std(mu) > 0 else float("nan"))
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _params(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise ParameterError("This GammaGammaModel is not fitted yet. Call fit(summary).")
        p = self.params_
        return p["p"], p["q"], p["gamma"]

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p * gamma / (q - 1)`` (inf if q <= 1)."""
        p, q, g = self._params()
        return p * g / (q - 1.0) if q > 1 else float("inf")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected spend per future purchase of each customer (``expected_spend``)."""
        p, q, g = self._params()
        owner = "GammaGammaModel.expected_spend"
        if not isinstance(summary, pd.DataFrame) or not {"repeat_purchases",
                                                         "mean_repeat_spend"} <= set(summary):
            raise SchemaError([f"{owner} needs a calibration summary with repeat_purchases and "
                               "mean_repeat_spend"], what="calibration summary")
        x = summary["repeat_purchases"].to_numpy(dtype="float64")
        m = np.nan_to_num(summary["mean_repeat_spend"].to_numpy(dtype="float64"), nan=0.0)
        x = np.where(m > 0, x, 0.0)  # no spend history: the population mean
        with np.errstate(divide="ignore", invalid="ignore"):
            e = (g + x * m) * p / (p * x + q - 1.0)
        e = np.where(p * x + q - 1.0 > 0, e, np.inf)
        return pd.Series(e, index=_index(summary), name="expected_spend")


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaModel:
    """Fit a :class:`GammaGammaModel` to a calibration summary; the quick form."""
    return GammaGammaModel().fit(summary)


# --------------------------------------------------------------------------------------------
# analyses
# --------------------------------------------------------------------------------------------


def lifetime_value(
    summary: pd.DataFrame,
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    *,
    horizon_months: int = 12,
    margin: float = 0.3,
    annual_discount_rate: float = 0.1,
) -> pd.DataFrame:
    """Current value, P(alive), expected purchases and spend, and discounted future value.

    The horizon is cut into months (365.25 / 12 days, converted to the summary's time unit). For
    month ``i = 1..H`` the expected purchases are ``E[X(i)] - E[X(i - 1)]`` from the BG/NBD
    model, each month is discounted at ``d = (1 + annual_discount_rate) ** (1 / 12) - 1``
    (profit at the month's end, as in :func:`mining.value.customer_lifetime_value`), so

    ``future_value = margin * expected_spend * sum_i (E[X(i)] - E[X(i-1)]) / (1 + d) ** i``.

    Parameters
    ----------
    summary : DataFrame
        From :func:`calibration_summary`; its ``attrs['unit_days']`` gives the time unit (weeks
        when missing).
    bgnbd, gamma_gamma : fitted models
    horizon_months : int
        Months of future profit (>= 1).
    margin : float
        Profit margin on revenue, in (0, 1].
    annual_discount_rate : float
        Yearly discount rate (>= 0).

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``repeat_purchases``, ``total_spend`` (when the
    summary has it), ``current_value`` (margin * spend to date: the profit already earned),
    ``p_alive``, ``expected_purchases`` (over the horizon, undiscounted), ``expected_spend``
    (per purchase), ``future_value`` (discounted expected profit over the horizon: the predicted
    CLV), ``clv`` (= ``future_value``, as in :mod:`mining.value`) and ``total_value``
    (``current_value + future_value``). ``attrs`` keeps the summary's and adds the parameters.
    """
    owner = "lifetime_value"
    check_param(isinstance(bgnbd, BetaGeoModel) and hasattr(bgnbd, "params_"), "bgnbd", owner,
                "a fitted BetaGeoModel", bgnbd)
    check_param(isinstance(gamma_gamma, GammaGammaModel) and hasattr(gamma_gamma, "params_"),
                "gamma_gamma", owner, "a fitted GammaGammaModel", gamma_gamma)
    check_param(isinstance(horizon_months, numbers.Integral)
                and not isinstance(horizon_months, bool) and horizon_months >= 1,
                "horizon_months", owner, "an int >= 1 (months)", horizon_months)
    check_param(_real(margin) and 0 < margin <= 1, "margin", owner, "a number in (0, 1]", margin)
    check_param(_real(annual_discount_rate) and annual_discount_rate >= 0,
                "annual_discount_rate", owner, "a finite number >= 0 (e.g. 0.1 for 10%)",
                annual_discount_rate)
    _summary_arrays(summary, owner)
    unit_days = float(summary.attrs.get("unit_days", TIME_UNITS["W"]))
    month = _MONTH_DAYS / unit_days
    d = (1.0 + float(annual_discount_rate)) ** (1.0 / 12.0) - 1.0
    cum = np.column_stack([np.zeros(len(summary))] + [
        bgnbd.expected_purchases(summary, i * month).to_numpy()
        for i in range(1, int(horizon_months) + 1)])
    per_month = np.diff(cum, axis=1)
    disc = (1.0 + d) ** -np.arange(1, int(horizon_months) + 1, dtype="float64")
    spend = gamma_gamma.expected_spend(summary).to_numpy()
    future = float(margin) * spend * (per_month @ disc)
    idx = _index(summary)
    out = pd.DataFrame({"repeat_purchases": summary["repeat_purchases"].to_numpy()}, index=idx)
    if "total_spend" in summary.columns:
        out["total_spend"] = summary["total_spend"].to_numpy(dtype="float64")
        out["current_value"] = float(margin) * out["total_spend"]
    out["p_alive"] = bgnbd.p_alive(summary).to_numpy()
    out["expected_purchases"] = cum[:, -1]
    out["expected_spend"] = spend
    out["future_value"] = future
    out["clv"] = future
    if "current_value" in out.columns:
        out["total_value"] = out["current_value"] + future
    out.attrs = {**summary.attrs, "horizon_months": int(horizon_months),
                 "margin": float(margin), "annual_discount_rate": float(annual_discount_rate),
                 "monthly_discount_rate": d, "bgnbd": dict(bgnbd.params_),
                 "gamma_gamma": dict(gamma_gamma.params_)}
    return out


def holdout_check(summary: pd.DataFrame, bgnbd: BetaGeoModel, *,
                  max_purchases: int = 7) -> pd.DataFrame:
    """Predicted vs actual holdout purchases by number of calibration repeat purchases.

    The classic check of Fader, Hardie and Lee (2005, figure 4): customers are grouped by
    ``repeat_purchases`` in calibration (the last group is ``max_purchases`` or more); for each
    group the mean actual purchases in the holdout and the mean BG/NBD expectation over the
    holdout length.

    Parameters
    ----------
    summary : DataFrame
        From :func:`calibration_summary` with ``holdout_end`` (columns ``holdout_purchases`` and
        ``holdout_length``).
    bgnbd : BetaGeoModel
        Fitted on the calibration part of the same summary.
    max_purchases : int
        Groups above this are pooled into the last one (>= 1).

    Returns
    -------
    DataFrame indexed by ``calibration_purchases`` (``"0"``, ``"1"``, .., ``"7+"``):
    ``customers``, ``actual`` and ``predicted`` (mean holdout purchases per customer). ``attrs``
    holds ``holdout_length``, the totals ``actual_total`` and ``predicted_total``, and
    ``mean_absolute_error`` (per customer).
    """
    owner = "holdout_check"
    check_param(isinstance(max_purchases, numbers.Integral) and not isinstance(max_purchases, bool)
                and max_purchases >= 1, "max_purchases", owner, "an int >= 1", max_purchases)
    if not isinstance(summary, pd.DataFrame) or not {"holdout_purchases",
                                                     "holdout_length"} <= set(summary.columns):
        raise SchemaError([f"{owner} needs holdout_purchases and holdout_length: build the "
                           "summary with calibration_summary(..., holdout_end=...)"],
                          what="calibration summary")
    length = float(summary["holdout_length"].iloc[0]) if len(summary) else 0.0
    pred = bgnbd.expected_purchases(summary, length).to_numpy()
    actual = summary["holdout_purchases"].to_numpy(dtype="float64")
    k = np.minimum(summary["repeat_purchases"].to_numpy(dtype="int64"), int(max_purchases))
    labels = [str(i) for i in range(int(max_purchases))] + [f"{int(max_purchases)}+"]
    frame = pd.DataFrame({"k": k, "actual": actual, "predicted": pred})
    g = frame.groupby("k")
    out = pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                        "predicted": g["predicted"].mean()})
    out = out.reindex(range(int(max_purchases) + 1))
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out.index = pd.Index(labels, name="calibration_purchases")
    out.attrs = {"holdout_length": length, "time_unit": summary.attrs.get("time_unit"),
                 "actual_total": float(actual.sum()), "predicted_total": float(pred.sum()),
                 "mean_absolute_error": float(np.mean(np.abs(actual - pred))) if len(pred)
                 else float("nan")}
    return out


def frequency_recency_grid(
    bgnbd: BetaGeoModel,
    *,
    age: float,
    quantity: str = "expected_purchases",
    t: float = 1.0,
    max_purchases: int | None = None,
    n_recency: int | None = None,
) -> pd.DataFrame:
    """Expected purchases or P(alive) for every (repeat purchases, time to last) of one age.

    The frequency-recency heat maps of BG/NBD: rows are ``repeat_purchases`` 0..max, columns
    ``time_to_last`` from 0 to ``age`` (a recent last purchase is on the right). Customers
    with 0 repeat purchases exist only at ``time_to_last = 0``; their row repeats that value.

    Parameters
    ----------
    bgnbd : BetaGeoModel
        Fitted model.
    age : float
        Customer age T (time units), e.g. the calibration length (> 0).
    quantity : {"expected_purchases", "p_alive"}
        What the cells hold; ``expected_purchases`` is over the next ``t`` time units.
    t : float
        Prediction period for ``expected_purchases`` (> 0).
    max_purchases : int, optional
        Largest row (default 20% above the age, at least 10, in whole purchases).
    n_recency : int, optional
        Number of columns (default ``int(age) + 1``, one per time unit, at most 200).

    Returns
    -------
    DataFrame with index ``repeat_purchases`` and float columns ``time_to_last``;
    ``attrs`` holds ``quantity``, ``age``, ``t`` and ``time_unit``.
    """
    owner = "frequency_recency_grid"
    check_param(quantity in ("expected_purchases", "p_alive"), "quantity", owner,
                "'expected_purchases' or 'p_alive'", quantity)
    check_param(_real(age) and age > 0, "age", owner, "a number > 0 (time units)", age)
    check_param(_real(t) and t > 0, "t", owner, "a number > 0 (time units)", t)
    if max_purchases is None:
        max_purchases = max(10, int(round(1.2 * float(age))))
        max_purchases = min(max_purchases, 60)
    check_param(isinstance(max_purchases, numbers.Integral) and max_purchases >= 1,
                "max_purchases", owner, "an int >= 1", max_purchases)
    if n_recency is None:
        n_recency = min(int(float(age)) + 1, 200)
    check_param(isinstance(n_recency, numbers.Integral) and n_recency >= 2, "n_recency", owner,
                "an int >= 2", n_recency)
    rec = np.linspace(0.0, float(age), int(n_recency))
    xs = np.arange(int(max_purchases) + 1)
    xx, rr = np.meshgrid(xs, rec, indexing="ij")
    rr = np.where(xx == 0, 0.0, rr)
    s = pd.DataFrame({"repeat_purchases": xx.ravel(), "time_to_last": rr.ravel(),
                      "age": float(age)})
    if quantity == "p_alive":
        v = bgnbd.p_alive(s).to_numpy()
    else:
        v = bgnbd.expected_purchases(s, float(t)).to_numpy()
    out = pd.DataFrame(v.reshape(xx.shape), index=pd.Index(xs, name="repeat_purchases"),
                       columns=pd.Index(np.round(rec, 6), name="time_to_last"))
    out.attrs = {"quantity": quantity, "age": float(age), "t": float(t),
                 "time_unit": getattr(bgnbd, "time_unit_", None)}
    return out


def clv_transitions(before: pd.DataFrame, after: pd.DataFrame, *,
                    normalize: bool = False) -> pd.DataFrame:
    """How customers moved between CLV-matrix classes from one cutoff to a later one.

    Parameters
    ----------
    before, after : DataFrame
        Outputs of :func:`mining.value.clv_matrix` at two cutoffs (column ``clv_class``),
        indexed by ``customer_id``.
    normalize : bool
        Row shares instead of counts (each row sums to 1; empty rows are 0).

    Returns
    -------
    DataFrame with rows :data:`CLV_TRANSITION_ROWS` (class at the first cutoff, ``"new"`` for
    customers who first bought after it) and columns lead/iron/gold/platinum (class at the
    second cutoff). Customers in ``before`` but not in ``after`` are counted in
    ``attrs['missing_after']`` (none when ``after`` is computed on the same data later);
    ``attrs['stayed']`` counts customers who kept their class, ``attrs['normalize']`` the
    option.

    Examples
    --------
    >>> b = pd.DataFrame({"clv_class": ["lead", "gold"]}, index=["a", "b"])
    >>> a = pd.DataFrame({"clv_class": ["iron", "gold", "lead"]}, index=["a", "b", "c"])
    >>> clv_transitions(b, a).loc[["lead", "gold", "new"], ["lead", "iron", "gold"]].values.tolist()
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    """
    owner = "clv_transitions"
    for name, df in (("before", before), ("after", after)):
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame from "
                                 f"mining.value.clv_matrix. Got {type(df).__name__} instead.")
        if "clv_class" not in df.columns:
            raise SchemaError([f"column 'clv_class' is missing in {name!r} (needed by "
                               f"{owner}); pass the output of mining.value.clv_matrix"],
                              what="CLV matrix")
    b = before["clv_class"].astype(str)
    b.index = b.index.astype(str)
    a = after["clv_class"].astype(str)
    a.index = a.index.astype(str)
    row = b.reindex(a.index).fillna("new")
    table = pd.crosstab(pd.Categorical(row, categories=list(CLV_TRANSITION_ROWS)),
                        pd.Categorical(a, categories=list(_CLASSES)), dropna=False)
    table.index = pd.Index(list(CLV_TRANSITION_ROWS), name="class_before")
    table.columns = pd.Index(list(_CLASSES), name="class_after")
    table = table.astype("int64")
    if normalize:
        sums = table.sum(axis=1).replace(0, 1)
        table = table.div(sums, axis=0)
    table.attrs = {"missing_after": int((~b.index.isin(a.index)).sum()),
                   "stayed": int((row.to_numpy() == a.to_numpy()).sum()),
                   "normalize": bool(normalize)}
    return table


def join_clv(features: pd.DataFrame, clv: pd.DataFrame, *,
             columns: tuple[str, ...] = ("p_alive", "expected_purchases", "future_value"),
             prefix: str = "") -> pd.DataFrame:
    """Add P(alive) and predicted CLV to the customer feature table (left join on customer_id).

    Parameters
    ----------
    features : DataFrame
        From :func:`mining.features.customer_table`, indexed by ``customer_id``. When its
        ``attrs['as_of']`` is set it must be ``calibration_end + 1 day`` of ``clv`` (the same
        cutoff), so no future information leaks into churn or segmentation features.
    clv : DataFrame
        From :func:`lifetime_value`.
    columns : tuple of str
        Columns of ``clv`` to add. ``future_value`` is added as ``predicted_clv``.
    prefix : str
        Put before every added name.

    Returns
    -------
    A copy of ``features`` with the columns added (NaN for customers missing in ``clv``).
    """
    owner = "join_clv"
    for name, df in (("features", features), ("clv", clv)):
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame. "
                                 f"Got {type(df).__name__} instead.")
    missing = [c for c in columns if c not in clv.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing in clv (needed by {owner})"
                           for c in missing], what="CLV")
    as_of = features.attrs.get("as_of")
    end = clv.attrs.get("calibration_end")
    if as_of is not None and end is not None and pd.Timestamp(as_of) != end + pd.Timedelta(days=1):
        raise ParameterError(
            f"The 'clv' parameter of {owner} must describe the same cutoff as the feature "
            f"table. Got calibration_end {end.date()} for a table as of {pd.Timestamp(as_of)}; "
            f"use calibration_end = as_of - 1 day ({(pd.Timestamp(as_of) - pd.Timedelta(days=1)).date()})."
        )
    add = clv.loc[:, list(columns)].copy()
    add.index = add.index.astype("string")
    add = add.rename(columns={"future_value": "predicted_clv"}).add_prefix(prefix)
    out = features.copy()
    key = out.index.astype("string")
    for c in add.columns:
        out[c] = add[c].reindex(key).to_numpy()
    return out
