"""Weekly series against an expected level: breaks (single unusual weeks) and sustained drops.

Weeks are counted back from ``as_of``: week ``k`` covers ``[as_of - 7(k+1) days, as_of - 7k days)``,
so the last week ends exactly at the cutoff and is never partial. A series starts at the first
week with a non-zero value (before it the customer had not joined, or the product was not sold);
earlier weeks are NaN, later weeks without sales are 0.

Expected level of week ``t`` (all in one pass per entity, see :func:`series_deviations`)::

    s(t)      seasonal factor of t's calendar month, from the pooled series of all entities
              (seasonal_index: each week / centred 13-week median, averaged by month, mean 1)
    y'(t)     value / s(t), summed over ``smooth_weeks`` weeks when > 1 (intermittent buyers)
    e'(t)     median of y' over the ``window`` weeks before t (trailing: t itself not included)
    expected  e'(t) * s(t)
    z(t)      (y'(t) - e'(t)) / robust scale of all residuals y' - e' of that entity,
              the scale floored at ``min_scale_share`` * mean of y' (so a nearly flat series does
              not make every wiggle a break)

A **spike** is a week with ``z > z_threshold``, a **dip** one with ``z < -z_threshold``. A
**sustained drop** ends at week t when the mean of y' over the ``drop_weeks`` weeks up to t is
below ``drop_ratio`` times the median of y' over the ``window`` weeks before them (y' smoothed,
so a customer who orders every few weeks has a level above 0): the silent-churn
signal of a customer, or a product losing its sales.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mining.deviation._explain import Z_CAP
from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.features import check_transactions
from mining.params import check_as_of

__all__ = [
    "SeriesDeviations",
    "seasonal_index",
    "series_deviations",
    "weekly_series",
]

_BY = {"customer": "customer_id", "product": "product_id", "category": "category",
       "total": None}
_VALUES = ("amount", "quantity", "orders")


def _check_tx(tx: object, needed: list[str], owner: str) -> pd.DataFrame:
    """The transactions with the ``needed`` columns and a naive ``timestamp`` column."""
    return check_transactions(tx, needed, owner, naive_timestamp=True)


def weekly_series(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, by: str = "customer",
                  value: str = "amount", weeks: int | None = None) -> pd.DataFrame:
    """Weekly totals per customer, product or category (or the whole shop), ending at ``as_of``.

    Parameters
    ----------
    tx : DataFrame
        Transactions (``customer_id``, ``order_id``, ``timestamp``, ``quantity``,
        ``unit_price``, and ``product_id`` / ``category`` for those levels). Lines on or after
        ``as_of`` are ignored.
    as_of : str or Timestamp
        Cutoff; the last week is ``[as_of - 7 days, as_of)``.
    by : {"customer", "product", "category", "total"}
        One column per customer_id, product_id, category, or one column ``total``.
    value : {"amount", "quantity", "orders"}
        Spend (``quantity * unit_price``, money), units, or distinct orders per week.
    weeks : int, optional
        Keep only the last ``weeks`` weeks (default: back to the first line).

    Returns
    -------
    DataFrame, index ``week`` (start of each 7-day week, ascending; the last week ends at
    ``as_of``), one float column per entity, the columns named after the level
    (``customer_id``, ``product_id``, ``category`` or ``series``); NaN before the entity's first
    non-zero week, 0 for later weeks without activity.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-16"]),
    ...     "product_id": ["p", "p", "q"], "quantity": [1.0, 2.0, 1.0],
    ...     "unit_price": [5.0, 5.0, 3.0]})
    >>> weekly_series(tx, as_of="2024-01-22")  # doctest: +NORMALIZE_WHITESPACE
    customer_id    a    b
    week
    2024-01-01   5.0  NaN
    2024-01-08   0.0  NaN
    2024-01-15  10.0  3.0
    """
    owner = "weekly_series"
    check_param(by in _BY, "by", owner, f"one of {sorted(_BY)}", by)
    check_param(value in _VALUES, "value", owner, f"one of {list(_VALUES)}", value)
    key = _BY[by]
    needed = ["order_id", "timestamp", "quantity", "unit_price"] + ([key] if key else [])
    _check_tx(tx, needed, owner)
    when = check_as_of(as_of, owner)
    if weeks is not None:
        check_param(isinstance(weeks, numbers.Integral) and not isinstance(weeks, bool)
                    and weeks > 0, "weeks", owner, "a positive integer", weeks)
    past = tx.loc[tx["timestamp"] < when]
    if key is not None:
        past = past[past[key].notna()]
    if past.empty:
        raise InsufficientDataError(f"{owner}: no transaction line before as_of={when.date()}; "
                                    "choose a later as_of.")
    # week 0 is [as_of - 7 days, as_of): a line exactly 7 days before as_of is in it
    k = ((when - past["timestamp"] - pd.Timedelta(1, "ns")) // pd.Timedelta(days=7))
    k = k.to_numpy().astype(int)
    n_total = int(k.max()) + 1
    n_weeks = n_total if weeks is None else min(n_total, int(weeks))
    start = when - pd.Timedelta(days=7) * n_weeks
    index = pd.DatetimeIndex([start + pd.Timedelta(days=7) * i for i in range(n_weeks)],
                             name="week")
    ent = past[key].astype("string").to_numpy() if key else np.full(len(past), "total")
    frame = pd.DataFrame({"pos": n_total - 1 - k, "ent": ent})
    if value == "amount":
        frame["v"] = (past["quantity"] * past["unit_price"]).to_numpy(dtype="float64")
        agg = frame.groupby(["ent", "pos"])["v"].sum()
    elif value == "quantity":
        frame["v"] = past["quantity"].to_numpy(dtype="float64")
        agg = frame.groupby(["ent", "pos"])["v"].sum()
    else:
        frame["v"] = past["order_id"].astype("string").to_numpy()
        agg = frame.groupby(["ent", "pos"])["v"].nunique().astype("float64")
    wide = agg.unstack("ent").reindex(range(n_total))
    first = wide.notna().to_numpy().argmax(axis=0)  # first week with activity
    full = wide.fillna(0.0)
    full = full.where(np.arange(n_total)[:, None] >= first[None, :])
    full = full.iloc[n_total - n_weeks:]
    full.index = index
    full.columns = pd.Index(full.columns.astype("string"), name=key or "series")
    return full.loc[:, sorted(full.columns)]


def seasonal_index(weekly: pd.DataFrame | pd.Series, *, period: str = "month",
                   centre_weeks: int = 13) -> pd.Series:
    """Seasonal factor of each calendar month (or ISO week), mean 1, from the pooled series.

    Each week of the summed series is divided by its centred rolling median over
    ``centre_weeks`` weeks (removing trend and level); the ratios are averaged by period and
    normalised to mean 1. Periods never observed get 1.

    Parameters
    ----------
    weekly : DataFrame or Series
        From :func:`weekly_series`; columns are summed (NaN as 0).
    period : {"month", "none"}
        ``"none"`` returns factors of 1 (no seasonality).

    Returns
    -------
    Series indexed by month 1..12, named ``seasonal_factor``.
    """
    owner = "seasonal_index"
    check_param(period in ("month", "none"), "period", owner, "'month' or 'none'", period)
    months = pd.Index(range(1, 13), name="month")
    if period == "none":
        return pd.Series(1.0, index=months, name="seasonal_factor")
    total = weekly.sum(axis=1) if isinstance(weekly, pd.DataFrame) else weekly.fillna(0.0)
    level = total.rolling(centre_weeks, center=True, min_periods=max(centre_weeks // 2, 1))
    ratio = (total / level.median()).replace([np.inf, -np.inf], np.nan)
    by_month = ratio.groupby(total.index.month).mean().reindex(months)
    if by_month.notna().sum() == 0:
        return pd.Series(1.0, index=months, name="seasonal_factor")
    by_month = by_month / by_month.mean()
    return by_month.fillna(1.0).clip(lower=0.2).rename("seasonal_factor")


@dataclass(frozen=True)
class SeriesDeviations:
    """Result of :func:`series_deviations`.

    Attributes
    ----------
    weeks : DataFrame
        One row per entity and week: ``entity``, ``week``, ``value`` (the series, smoothed when
        ``smooth_weeks > 1``), ``expected`` (seasonal expected level), ``z`` (robust SDs from
        expected), ``flag`` ("spike", "dip", "drop" or ""), ``reason`` (words).
    summary : DataFrame
        One row per entity (index named like the series' columns): ``status`` ("ok" or
        "too short"), ``n_weeks`` (weeks since the first activity), ``max_z`` and ``max_z_week``
        (largest upward break), ``min_z``, ``n_spikes``, ``n_dips``, ``drop_start`` (first week
        of the latest sustained drop, NaT when none), ``drop_ratio`` (level during the drop /
        level before it), ``reason``.
    seasonal : Series
        The seasonal factors by month that were used.
    params : dict
        The settings.
    """

    weeks: pd.DataFrame
    summary: pd.DataFrame
    seasonal: pd.Series
    params: dict[str, object] = field(default_factory=dict)

    def flagged(self) -> pd.DataFrame:
        """Rows of :attr:`weeks` with a flag."""
        return self.weeks[self.weeks["flag"] != ""]


def _check_series_params(window: object, smooth_weeks: object, z_threshold: object,
                         drop_weeks: object, drop_ratio: object, min_weeks: object,
                         min_scale_share: object, owner: str) -> None:
    def pos_int(v: object) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= 1

    check_param(pos_int(window) and int(window) >= 3, "window", owner, "an integer >= 3", window)
    check_param(pos_int(smooth_weeks), "smooth_weeks", owner, "a positive integer", smooth_weeks)
    check_param(isinstance(z_threshold, numbers.Real) and not isinstance(z_threshold, bool)
                and z_threshold > 0, "z_threshold", owner, "a positive number", z_threshold)
    check_param(pos_int(drop_weeks), "drop_weeks", owner, "a positive integer", drop_weeks)
    check_param(isinstance(drop_ratio, numbers.Real) and not isinstance(drop_ratio, bool)
                and 0 < drop_ratio < 1, "drop_ratio", owner, "a float in (0, 1)", drop_ratio)
    check_param(min_weeks is None or pos_int(min_weeks), "min_weeks", owner,
                "a positive integer or None", min_weeks)
    check_param(isinstance(min_scale_share, numbers.Real) and not isinstance(min_scale_share, bool)
                and min_scale_share >= 0, "min_scale_share", owner, "a non-negative number",
                min_scale_share)


def series_deviations(weekly: pd.DataFrame | pd.Series, *, window: int = 13,
                      smooth_weeks: int = 1, seasonal: pd.Series | str | None = "auto",
                      z_threshold: float = 4.0, drop_weeks: int = 8, drop_ratio: float = 0.35,
                      min_weeks: int | None = None,
                      min_scale_share: float = 0.25) -> SeriesDeviations:
    """Flag unusual weeks and sustained drops in weekly series (see the module docstring).

    Parameters
    ----------
    weekly : DataFrame or Series
        From :func:`weekly_series` (one column per entity; leading NaN = not started yet).
    window : int
        Trailing weeks whose median is the expected level (>= 3).
    smooth_weeks : int
        Sum over this many weeks first (4 suits customers who order every few weeks; 1 suits
        products and categories).
    seasonal : Series, "auto" or None
        Seasonal factors by month (1..12); "auto" estimates them from ``weekly`` with
        :func:`seasonal_index`; None means no seasonality.
    z_threshold : float
        Robust SDs from the expected level that make a spike or dip.
    drop_weeks, drop_ratio : int, float
        A sustained drop: the mean of ``drop_weeks`` weeks below ``drop_ratio`` x the level
        before.
    min_weeks : int, optional
        Shortest series that is judged (default ``window + smooth_weeks + 2``); shorter ones get
        ``status = "too short"`` and no flags.
    min_scale_share : float
        Floor of the robust scale as a share of the series' mean level.

    Returns
    -------
    SeriesDeviations

    Raises
    ------
    InsufficientDataError
        When ``weekly`` is a single series (or one column) too short to judge: the message says
        how many weeks it has and how many are needed.
    """
    owner = "series_deviations"
    _check_series_params(window, smooth_weeks, z_threshold, drop_weeks, drop_ratio, min_weeks,
                         min_scale_share, owner)
    single = isinstance(weekly, pd.Series)
    if single:
        weekly = weekly.to_frame(weekly.name if weekly.name is not None else "series")
    if not isinstance(weekly, pd.DataFrame) or not isinstance(weekly.index, pd.DatetimeIndex):
        raise ParameterError(f"The 'weekly' parameter of {owner} must be a DataFrame or Series "
                             "indexed by week start dates (from weekly_series). Got "
                             f"{type(weekly).__name__} instead.")
    window, smooth = int(window), int(smooth_weeks)
    need = int(min_weeks) if min_weeks is not None else window + smooth + 2
    Y = weekly.astype("float64")
    n_active = Y.notna().sum()
    if (single or Y.shape[1] == 1) and int(n_active.iloc[0]) < need:
        raise InsufficientDataError(
            f"{owner}: the series {str(Y.columns[0])!r} has {int(n_active.iloc[0])} weeks since "
            f"its first activity; at least {need} are needed to judge it (window={window} weeks "
            f"for the expected level + smoothing). Use a longer history or a smaller 'window'.")
    if isinstance(seasonal, str):
        check_param(seasonal == "auto", "seasonal", owner, "a Series, 'auto' or None", seasonal)
        factors = seasonal_index(Y)
    elif seasonal is None:
        factors = seasonal_index(Y, period="none")
    else:
        factors = pd.Series(seasonal, dtype="float64").reindex(range(1, 13)).fillna(1.0)
    f = factors.reindex(Y.index.month).to_numpy()
    f = np.where(np.isfinite(f) & (f > 0), f, 1.0)
    D = Y.div(f, axis=0)
    S = D.rolling(smooth, min_periods=smooth).sum() if smooth > 1 else D
    E = S.shift(1).rolling(window, min_periods=max(window // 2, 2)).median()
    R = (S - E).to_numpy()
    Sv = S.to_numpy()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: too short, unjudged
        med = np.nanmedian(R, axis=0)
        dev = np.abs(R - med)
        mad = 1.4826 * np.nanmedian(dev, axis=0)
        mean_ad = 1.2533 * np.nanmean(dev, axis=0)
        level = np.nanmean(np.where(Sv > 0, Sv, np.nan), axis=0)
    scale = np.where(mad > 0, mad, mean_ad)
    floor = float(min_scale_share) * np.where(np.isfinite(level), level, 0.0)
    scale = np.fmax(scale, floor)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)
    with np.errstate(all="ignore"):
        Z = np.clip(R / scale, -Z_CAP, Z_CAP)
    judged = (n_active >= need).to_numpy()
    Z[:, ~judged] = np.nan
    # sustained drop: mean of the last drop_weeks vs the median of the window before them
    run = S.rolling(int(drop_weeks), min_periods=int(drop_weeks)).mean()
    before = S.shift(int(drop_weeks)).rolling(window, min_periods=max(window // 2, 2)).median()
    drop = ((run < float(drop_ratio) * before) & (before > 0)).to_numpy().copy()
    drop[:, ~judged] = False

    # shown in the units of the data: deseasonalised level x seasonal factor
    shown = Sv * f[:, None]
    expected = E.to_numpy() * f[:, None]
    weeks_idx = Y.index
    ent_name = Y.columns.name or "entity"
    flag = np.full(Z.shape, "", dtype=object)
    with np.errstate(invalid="ignore"):
        flag[Z > z_threshold] = "spike"
        flag[Z < -z_threshold] = "dip"
    drop_start = np.full(Y.shape[1], np.datetime64("NaT"), dtype="datetime64[ns]")
    drop_share = np.full(Y.shape[1], np.nan)
    run_v, before_v = run.to_numpy(), before.to_numpy()
    for j in np.flatnonzero(drop.any(axis=0)):
        ends = np.flatnonzero(drop[:, j])
        # the latest drop episode: its consecutive run ends, starting at its first low week
        last = ends[-1]
        first = last
        while first - 1 >= 0 and drop[first - 1, j]:
            first -= 1
        lo = max(first - int(drop_weeks) + 1, 0)
        below = Sv[lo:first + 1, j] < float(drop_ratio) * before_v[first, j]
        start = lo + int(np.argmax(below))  # the first low week of the first low run
        flag[start:last + 1, j] = np.where(flag[start:last + 1, j] == "spike", "spike", "drop")
        drop_start[j] = np.datetime64(weeks_idx[start], "ns")
        drop_share[j] = run_v[last, j] / before_v[first, j]
    long = pd.DataFrame({
        "entity": np.repeat(Y.columns.to_numpy(dtype=object), len(weeks_idx)),
        "week": np.tile(weeks_idx.to_numpy(), Y.shape[1]),
        "value": shown.T.ravel(),
        "expected": expected.T.ravel(),
        "z": Z.T.ravel(),
        "flag": flag.T.ravel(),
    })
    long = long[np.isfinite(Y.to_numpy()).T.ravel()].reset_index(drop=True)
    long["entity"] = long["entity"].astype("string")
    long["reason"] = _week_reasons(long, smooth)
    with np.errstate(all="ignore"):
        max_z = np.nanmax(np.where(np.isnan(Z), -np.inf, Z), axis=0)
        min_z = np.nanmin(np.where(np.isnan(Z), np.inf, Z), axis=0)
        arg = np.argmax(np.where(np.isnan(Z), -np.inf, Z), axis=0)
    max_z = np.where(judged & np.isfinite(max_z), max_z, np.nan)  # all-NaN z: nothing to judge
    min_z = np.where(judged & np.isfinite(min_z), min_z, np.nan)
    summary = pd.DataFrame({
        "status": np.where(judged, "ok", "too short"),
        "n_weeks": n_active.to_numpy().astype(int),
        "max_z": max_z,
        "max_z_week": pd.DatetimeIndex(np.where(judged, weeks_idx[arg].to_numpy(),
                                                np.datetime64("NaT"))),
        "min_z": min_z,
        "n_spikes": (flag == "spike").sum(axis=0),
        "n_dips": (flag == "dip").sum(axis=0),
        "drop_start": pd.DatetimeIndex(drop_start),
        "drop_ratio": drop_share,
    }, index=pd.Index(Y.columns.astype("string"), name=ent_name))
    summary["reason"] = _summary_reasons(summary, need, int(drop_weeks))
    params = {"window": window, "smooth_weeks": smooth, "z_threshold": float(z_threshold),
              "drop_weeks": int(drop_weeks), "drop_ratio": float(drop_ratio),
              "min_weeks": need, "min_scale_share": float(min_scale_share)}
    return SeriesDeviations(weeks=long, summary=summary, seasonal=factors, params=params)


def _week_reasons(long: pd.DataFrame, smooth: int) -> list[str]:
    span = "week" if smooth == 1 else f"{smooth} weeks to"
    out = np.full(len(long), "", dtype=object)
    hit = np.flatnonzero(long["flag"].to_numpy() != "")
    sub = long.iloc[hit]
    for i, flag, week, v, e, z in zip(hit, sub["flag"], sub["week"], sub["value"],
                                      sub["expected"], sub["z"], strict=True):
        if flag in ("spike", "dip"):
            word = "above" if z > 0 else "below"
            out[i] = (f"{span} {pd.Timestamp(week):%Y-%m-%d}: {v:,.1f} vs expected {e:,.1f} "
                      f"({abs(z):.1f} robust SD {word})")
        else:
            out[i] = f"{span} {pd.Timestamp(week):%Y-%m-%d}: part of a sustained drop"
    return out.tolist()


def _summary_reasons(summary: pd.DataFrame, need: int, drop_weeks: int) -> list[str]:
    out = []
    for row in summary.itertuples():
        if row.status != "ok":
            out.append(f"too short to judge: {row.n_weeks} weeks, needs {need}")
            continue
        parts = []
        if row.n_spikes:
            parts.append(f"{row.n_spikes} week(s) above expected, largest {row.max_z:.1f} robust "
                         f"SD in the week of {row.max_z_week:%Y-%m-%d}")
        if row.n_dips:
            parts.append(f"{row.n_dips} week(s) below expected (down to {row.min_z:.1f} robust SD)")
        if pd.notna(row.drop_start):
            parts.append(f"sustained drop since {row.drop_start:%Y-%m-%d}: {drop_weeks}-week "
                         f"level at {row.drop_ratio:.0%} of the level before")
        out.append("; ".join(parts))
    return out
