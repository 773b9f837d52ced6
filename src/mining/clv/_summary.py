"""The calibration summary: one row per customer in the BG/NBD notation, built from transactions.

:func:`calibration_summary` turns contract transactions into the ``(x, t_x, T)`` table the models
are fitted on (repeat purchases, time to the last purchase, age), with spend and an optional
holdout. The helpers read such a summary back for the models and analyses of :mod:`mining.clv`.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from mining.errors import (
    InsufficientDataError,
    ParameterError,
    SchemaError,
    check_date,
    check_param,
)

__all__ = ["TIME_UNITS", "calibration_summary"]

#: Days per model time unit.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}

_SUMMARY_COLS = ("repeat_purchases", "time_to_last", "age")
_ONE_DAY = pd.Timedelta(days=1)
F = TypeVar("F", bound=Callable[..., Any])


def accepts_calibration_end(func: F) -> F:
    """Accept the old keyword ``calibration_end`` (last day *included*) as ``as_of`` (the day
    after: the exclusive cutoff of the whole package), with a ``DeprecationWarning``.

    Unlike :func:`mining.params.renamed_parameter` the value moves by one day, so old calls give
    exactly the same summary.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "calibration_end" in kwargs:
            name = func.__name__
            if "as_of" in kwargs:
                raise ParameterError(
                    f"{name} got both 'calibration_end' and 'as_of'; 'calibration_end' is the "
                    "old name (renamed in 0.2, as_of = calibration_end + 1 day): pass only 'as_of'."
                )
            end = check_date(kwargs.pop("calibration_end"), "calibration_end", name,
                             "Pass a date, e.g. as_of='1997-10-01'.").normalize()
            warnings.warn(
                f"The 'calibration_end' parameter of {name} was replaced by 'as_of' in 0.2: "
                f"as_of is the day after the calibration period, the exclusive cutoff of every "
                f"other function (here as_of='{(end + _ONE_DAY).date()}'); 'calibration_end' "
                "will stop working in the next release.",
                DeprecationWarning, stacklevel=2,
            )
            kwargs["as_of"] = end + _ONE_DAY
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def parse_day(value: object, name: str, owner: str) -> pd.Timestamp:
    """A date parameter as a day (time of day dropped), or a ``ParameterError`` naming it."""
    when = check_date(value, name, owner, "Pass a date, e.g. '1997-10-01'.")
    return when.normalize()


def check_unit(time_unit: object, owner: str) -> float:
    """Days of ``time_unit`` (one of :data:`TIME_UNITS`), or a ``ParameterError``."""
    check_param(isinstance(time_unit, str) and time_unit in TIME_UNITS, "time_unit", owner,
                f"one of {sorted(TIME_UNITS)} (days, weeks, months of 365.25/12 days)", time_unit)
    return TIME_UNITS[str(time_unit)]


def is_real(x: object) -> bool:
    """``x`` is a finite real number (not a bool)."""
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


@accepts_calibration_end
def calibration_summary(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    holdout_end: str | pd.Timestamp | None = None,
    time_unit: str = "W",
) -> pd.DataFrame:
    """One row per customer: repeat purchases, their timing and spend before ``as_of``.

    Purchases are counted per calendar day: every order line of a customer on one day is one
    purchase whose spend is the sum of ``quantity * unit_price``. The calibration period is every
    day before ``as_of``; only customers whose first purchase lies in it are included.

    Parameters
    ----------
    tx : DataFrame
        Transactions (contract columns ``customer_id``, ``timestamp``, ``quantity``,
        ``unit_price``; others are ignored). Negative spend is an error (clean returns first).
    as_of : str or Timestamp
        The cutoff, *excluded*, as everywhere in ``mining`` (e.g. ``"1997-10-01"`` for the
        calibration period "1997-01-01 to 1997-09-30" of the BG/NBD papers and of
        ``lifetimes``); the time of day is dropped. The same date as the ``as_of`` of
        :func:`mining.features.customer_table`. At least one purchase day must lie before it and
        none need lie on or after it. Required. The old keyword ``calibration_end`` (the last
        day, *included*: ``as_of - 1 day``) is accepted with a ``DeprecationWarning``.
    holdout_end : str or Timestamp, optional
        Last day of a holdout period (*included*) that starts on ``as_of``; must not be before
        ``as_of`` nor after the last purchase day. Adds the holdout columns.
    time_unit : {"W", "D", "M"}
        Unit of the time columns: weeks, days or months (365.25 / 12 days).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (string), in the BG/NBD notation:

    - ``repeat_purchases`` (x, int): purchase days after the first, before ``as_of``;
    - ``time_to_last`` (t_x): time from the first to the last purchase, in ``time_unit``;
    - ``age`` (T): time from the first purchase to the last day before ``as_of``, in
      ``time_unit``;
    - ``mean_repeat_spend``: mean spend of the repeat purchases (the first purchase excluded, as
      in Fader, Hardie and Lee 2005); NaN when ``repeat_purchases == 0``;
    - ``total_spend``: spend of all purchases before ``as_of``, the first included;
    - ``first_purchase``, ``last_purchase``: dates;
    - ``as_of`` (the cutoff, a date) and ``time_unit`` (the unit of the time columns), the same on
      every row, so they travel with the rows (the models read ``time_unit``);
    - with ``holdout_end``: ``holdout_purchases`` (purchase days in the holdout),
      ``holdout_spend`` and ``holdout_length`` (the holdout period in ``time_unit``).

    Raises
    ------
    ParameterError
        ``as_of`` or ``holdout_end`` is not a date or lies outside the data.
    SchemaError
        Columns missing or of the wrong type, missing values, negative spend.
    InsufficientDataError
        ``tx`` is empty.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...     "quantity": [1.0, 1.0, 2.0, 1.0], "unit_price": [10.0, 5.0, 10.0, 7.0]})
    >>> s = calibration_summary(tx, as_of="2024-01-16", time_unit="W")
    >>> s[["repeat_purchases", "time_to_last", "age", "mean_repeat_spend"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 repeat_purchases  time_to_last  age  mean_repeat_spend
    customer_id
    a                           1           2.0  2.0               20.0
    b                           0           0.0  1.0                NaN
    """
    owner = "calibration_summary"
    unit_days = check_unit(time_unit, owner)
    daily = _daily(tx, owner)
    if len(daily) == 0:
        raise InsufficientDataError(f"{owner}: the transactions table has no rows.")
    cutoff = parse_day(as_of, "as_of", owner)
    end = cutoff - _ONE_DAY  # the last day of the calibration period
    first_day, last_day = daily["day"].min(), daily["day"].max()
    if not first_day <= end <= last_day:
        raise ParameterError(
            f"The 'as_of' parameter of {owner} must be a day after the first purchase day and "
            f"at most the day after the last ({(first_day + _ONE_DAY).date()} .. "
            f"{(last_day + _ONE_DAY).date()}). Got {str(cutoff.date())!r} instead. Choose a "
            "cutoff that leaves data before it (and after it for a holdout)."
        )
    stop = None
    if holdout_end is not None:
        stop = parse_day(holdout_end, "holdout_end", owner)
        if not end < stop <= last_day:
            raise ParameterError(
                f"The 'holdout_end' parameter of {owner} must be a day on or after as_of "
                f"({cutoff.date()}) and not after the last purchase day ({last_day.date()}). "
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
        "as_of": cutoff,
        "time_unit": pd.Series(str(time_unit), index=idx, dtype="string"),
    }, index=idx)
    if stop is not None:
        hold = daily[(daily["day"] > end) & (daily["day"] <= stop)]
        hg = hold.groupby("customer_id", observed=True)
        out["holdout_purchases"] = hg.size().reindex(idx).fillna(0).to_numpy().astype("int64")
        out["holdout_spend"] = hg["spend"].sum().reindex(idx).fillna(0.0).to_numpy()
        out["holdout_length"] = (stop - end).days / unit_days
    return out


def check_summary(summary: object, columns: tuple[str, ...], owner: str) -> pd.DataFrame:
    """``summary`` if it is a DataFrame with ``columns``; else a ParameterError / SchemaError."""
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(f"{owner} expects the calibration summary (from "
                             f"calibration_summary) as a DataFrame. Got "
                             f"{type(summary).__name__} instead.")
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what="calibration summary")
    return summary


def summary_arrays(summary: object, owner: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, t_x, T)`` of a calibration summary as float arrays, checked (SchemaError)."""
    summary = check_summary(summary, _SUMMARY_COLS, owner)
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


def summary_time_unit(summary: pd.DataFrame) -> str | None:
    """The summary's ``time_unit`` column (one of :data:`TIME_UNITS`), or None without one."""
    if "time_unit" not in summary.columns or len(summary) == 0:
        return None
    units = summary["time_unit"].dropna().astype(str).unique()
    if len(units) > 1:
        raise SchemaError([f"column 'time_unit' mixes units {sorted(units)}; build one summary "
                           "per time unit"], what="calibration summary")
    unit = str(units[0]) if len(units) else None
    if unit is not None and unit not in TIME_UNITS:
        raise SchemaError([f"column 'time_unit' holds {unit!r}; expected one of "
                           f"{sorted(TIME_UNITS)}"], what="calibration summary")
    return unit


def customer_index(summary: pd.DataFrame) -> pd.Index:
    """The summary's index as a string ``customer_id`` index (the index of every result)."""
    idx = summary.index.astype("string")
    idx.name = "customer_id"
    return idx
