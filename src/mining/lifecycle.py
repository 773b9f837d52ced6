"""Customer lifecycle stages (客户生命周期) from each customer's purchase trajectory.

The course notes divide a relationship into four stages; stages cannot be skipped, and decline
can start from any of them:

==============  ======  ===============================================================
stage           中文    what it looks like in purchases
==============  ======  ===============================================================
exploration     考察期  trial orders only; the customer is still testing the firm
formation       形成期  past the trial, orders come quickly; dependence grows
stability       稳定期  the highest, steady level of trade
decline         退化期  trade falls or stops: a signal of leaving (客户流失)
==============  ======  ===============================================================

The rule (:func:`lifecycle_stage`), applied to orders strictly before ``as_of`` with a recent
window ``W = window_days`` (default 180 days), first match wins:

1. **decline** if the customer placed no order in the last ``W`` days (silent), or, for a
   customer with at least ``2 W`` days of tenure and at least 2 earlier orders, if the recent
   order rate is below ``decline_ratio`` (0.5) times their earlier order rate;
2. **exploration** if they have at most ``trial_orders`` (2) orders in total;
3. **formation** if their tenure is under ``2 W`` days (young and past the trial: orders are
   building up), or their recent order rate is at least ``growth_ratio`` (1.5) times the earlier
   rate (trade still rising);
4. **stability** otherwise: the recent rate is within ``[decline_ratio, growth_ratio)`` times
   the earlier rate.

"Recent rate" = orders in ``[as_of - W, as_of)`` per 30 days; "earlier rate" = orders from the
first order up to ``as_of - W``, per 30 days of that span.

Lifecycle curves (客户生命周期曲线): :func:`profit_curves` gives each customer's margin per
relationship month and :func:`lifecycle_curve_types` its shape (long-retained 长久保持型, early
death 早期死亡型, mid-way abort 中途夭折型; rules in its docstring); on the demo,
:func:`curve_types_vs_planted` checks them against the planted first orders and churn dates.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.findings import Evidence
from mining.params import check_as_of

__all__ = ["CURVE_TYPES", "CURVE_NAMES_ZH", "STAGES", "STAGE_NAMES_ZH", "churn_by_stage",
           "curve_types_vs_planted", "lifecycle_curve_types", "lifecycle_stage", "profit_curves"]

STAGES: tuple[str, ...] = ("exploration", "formation", "stability", "decline")
STAGE_NAMES_ZH: dict[str, str] = {
    "exploration": "考察期",
    "formation": "形成期",
    "stability": "稳定期",
    "decline": "退化期",
}
_MONTH = 30.0


def _stage_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(STAGES), ordered=True)


def lifecycle_stage(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    window_days: int = 180,
    trial_orders: int = 2,
    decline_ratio: float = 0.5,
    growth_ratio: float = 1.5,
) -> pd.DataFrame:
    """Lifecycle stage of every customer with an order before ``as_of`` (rule in the module doc).

    Parameters
    ----------
    tx : DataFrame
        Transactions (``customer_id``, ``order_id``, ``timestamp`` are used); rows on or after
        ``as_of`` are ignored.
    as_of : str or Timestamp
        The date the stages describe.
    window_days : int
        Length ``W`` of the recent window in days (> 0).
    trial_orders : int
        Customers with at most this many orders are in exploration (unless silent).
    decline_ratio, growth_ratio : float
        Recent/earlier order-rate ratios below which trade is falling (decline) and from which it
        is still rising (formation); ``0 < decline_ratio < 1 <= growth_ratio``.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``stage`` (ordered categorical of :data:`STAGES`),
    ``stage_zh``, ``n_orders``, ``tenure_days`` (first order to ``as_of``), ``recency_days``
    (last order to ``as_of``), ``orders_recent`` (in the last ``W`` days), ``orders_earlier``,
    ``rate_recent`` and ``rate_earlier`` (orders per 30 days; NaN when the earlier span is
    shorter than ``W``), ``reason`` (the rule that fired, in words, with its thresholds).

    Examples
    --------
    >>> import pandas as pd
    >>> days = {"new": [20], "young": [100, 60, 30, 10], "steady": list(range(700, 0, -60)),
    ...         "fading": [700, 640, 580, 520, 460, 400, 300]}
    >>> tx = pd.DataFrame([{"customer_id": c, "order_id": f"{c}{i}",
    ...                     "timestamp": pd.Timestamp("2025-01-01") - pd.Timedelta(days=d)}
    ...                    for c, ds in days.items() for i, d in enumerate(ds)])
    >>> lifecycle_stage(tx, as_of="2025-01-01")["stage"].astype(str).to_dict()
    {'fading': 'decline', 'new': 'exploration', 'steady': 'stability', 'young': 'formation'}
    """
    owner = "lifecycle_stage"
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(f"{owner} expects a DataFrame. Got {type(tx).__name__} instead.")
    missing = [c for c in ("customer_id", "order_id", "timestamp") if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    when = check_as_of(as_of, owner)
    check_param(isinstance(window_days, numbers.Integral) and window_days >= 1, "window_days",
                owner, "an int >= 1 (days)", window_days)
    check_param(isinstance(trial_orders, numbers.Integral) and trial_orders >= 1,
                "trial_orders", owner, "an int >= 1", trial_orders)
    check_param(isinstance(decline_ratio, numbers.Real) and 0 < decline_ratio < 1,
                "decline_ratio", owner, "a number in (0, 1)", decline_ratio)
    check_param(isinstance(growth_ratio, numbers.Real) and math.isfinite(growth_ratio)
                and growth_ratio >= 1, "growth_ratio", owner, "a number >= 1", growth_ratio)

    past = tx.loc[tx["timestamp"] < when, ["customer_id", "order_id", "timestamp"]]
    if past.empty:
        raise InsufficientDataError(
            f"{owner}: no transactions before as_of={when:%Y-%m-%d}; choose a later date."
        )
    orders = (past.groupby(["customer_id", "order_id"], observed=True)["timestamp"].min()
              .reset_index())
    start = when - pd.Timedelta(days=int(window_days))
    g = orders.groupby("customer_id", observed=True)["timestamp"]
    out = pd.DataFrame({"n_orders": g.size().astype("int64")})
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    first = g.min().to_numpy()
    last = g.max().to_numpy()
    out["tenure_days"] = (when - pd.DatetimeIndex(first)).total_seconds().to_numpy() / 86400.0
    out["recency_days"] = (when - pd.DatetimeIndex(last)).total_seconds().to_numpy() / 86400.0
    recent = orders[orders["timestamp"] >= start].groupby("customer_id", observed=True).size()
    recent.index = recent.index.astype("string")
    out["orders_recent"] = recent.reindex(out.index, fill_value=0).astype("int64")
    out["orders_earlier"] = out["n_orders"] - out["orders_recent"]
    span_earlier = out["tenure_days"] - window_days
    long_enough = out["tenure_days"] >= 2 * window_days
    out["rate_recent"] = out["orders_recent"] / window_days * _MONTH
    out["rate_earlier"] = (out["orders_earlier"] / span_earlier * _MONTH).where(long_enough)

    silent = out["orders_recent"].eq(0)
    comparable = long_enough & out["orders_earlier"].ge(2)
    falling = comparable & (out["rate_recent"] < decline_ratio * out["rate_earlier"])
    trial = out["n_orders"].le(trial_orders)
    young = ~long_enough
    rising = comparable & (out["rate_recent"] >= growth_ratio * out["rate_earlier"])
    conditions = [silent, falling, trial, young, rising]
    stages = ["decline", "decline", "exploration", "formation", "formation"]
    reasons = [
        f"no order in the last {window_days} days",
        f"recent order rate < {decline_ratio:g} x earlier rate",
        f"at most {trial_orders} orders so far (trial)",
        f"past the trial, tenure under {2 * window_days} days",
        f"recent order rate >= {growth_ratio:g} x earlier rate",
    ]
    out["stage"] = pd.Categorical(
        np.select(conditions, stages, default="stability"), dtype=_stage_dtype()
    )
    out["reason"] = np.select(
        conditions, reasons,
        default=f"recent rate within {decline_ratio:g}-{growth_ratio:g} x earlier rate",
    )
    out["stage_zh"] = out["stage"].astype(str).map(STAGE_NAMES_ZH)
    out = out[["stage", "stage_zh", "n_orders", "tenure_days", "recency_days", "orders_recent",
               "orders_earlier", "rate_recent", "rate_earlier", "reason"]].sort_index()
    return out


def _as_series(obj: Any, column: str, name: str, owner: str) -> pd.Series:
    if isinstance(obj, pd.DataFrame):
        if column not in obj.columns:
            raise ParameterError(
                f"The {name!r} parameter of {owner} must have a {column!r} column. Got columns "
                f"{list(obj.columns)[:10]} instead."
            )
        obj = obj[column]
    if not isinstance(obj, pd.Series):
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be a Series or DataFrame indexed by "
            f"customer_id. Got {type(obj).__name__} instead."
        )
    s = obj.copy()
    s.index = s.index.astype("string")
    return s


def churn_by_stage(stages: pd.DataFrame | pd.Series, labels: pd.DataFrame | pd.Series
                   ) -> pd.DataFrame:
    """Churn rate per lifecycle stage.

    Parameters
    ----------
    stages : DataFrame with a ``stage`` column, or Series of stages, indexed by customer_id
        From :func:`lifecycle_stage` (computed at the ``as_of`` of the churn labels).
    labels : DataFrame with a ``churned`` column, or bool Series, indexed by customer_id
        From :func:`mining.churn.churn_labels` (or ``y`` of a training set).

    Returns
    -------
    DataFrame indexed by ``stage`` (all four, in lifecycle order): ``stage_zh``,
    ``n_customers``, ``n_churned``, ``churn_rate`` (NaN for an empty stage),
    ``share_of_customers``. Only customers present in both inputs count.

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.Series(["exploration", "decline", "decline"], index=["a", "b", "c"])
    >>> lab = pd.Series([False, True, False], index=["a", "b", "c"])
    >>> churn_by_stage(st, lab)["churn_rate"].tolist()[::3]
    [0.0, 0.5]
    """
    owner = "churn_by_stage"
    st = _as_series(stages, "stage", "stages", owner).astype(str)
    lab = _as_series(labels, "churned", "labels", owner)
    bad = sorted(set(st.unique()) - set(STAGES))
    if bad:
        raise ParameterError(f"{owner}: unknown stages {bad}; expected {list(STAGES)}.")
    common = st.index.intersection(lab.index)
    if len(common) == 0:
        raise InsufficientDataError(
            f"{owner}: stages and labels share no customer_id; compute both on the same data."
        )
    frame = pd.DataFrame({
        "stage": pd.Categorical(st.loc[common], dtype=_stage_dtype()),
        "churned": np.asarray(lab.loc[common], dtype=bool),
    })
    t = frame.groupby("stage", observed=False)["churned"].agg(["size", "sum"])
    t.columns = ["n_customers", "n_churned"]
    t["n_customers"] = t["n_customers"].astype("int64")
    t["n_churned"] = t["n_churned"].astype("int64")
    t["churn_rate"] = t["n_churned"] / t["n_customers"].where(t["n_customers"] > 0)
    t["share_of_customers"] = t["n_customers"] / len(frame)
    t.index = pd.CategoricalIndex(t.index.astype(str), categories=list(STAGES), ordered=True,
                                  name="stage")
    t.insert(0, "stage_zh", [STAGE_NAMES_ZH[s] for s in t.index])
    return t


#: Lifecycle curve types (客户关系生命周期曲线), in display order.
CURVE_TYPES: tuple[str, ...] = ("long_retained", "early_death", "midway_abort")
CURVE_NAMES_ZH: dict[str, str] = {"long_retained": "长久保持型", "early_death": "早期死亡型",
                                  "midway_abort": "中途夭折型"}


def profit_curves(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, margin_rate: float = 0.3,
                  cost_column: str | None = None) -> pd.DataFrame:
    """Each customer's profit per relationship month (month 0 = the month of the first order).

    Margin per line = ``quantity * (unit_price - cost)`` with ``cost_column`` (unit cost) when
    given, else ``quantity * unit_price * margin_rate`` (the demo has no cost column: a 30%
    gross margin by default). Months with no order have margin 0.

    Returns
    -------
    DataFrame indexed by ``customer_id``, columns ``0 .. M`` (relationship month), values the
    margin (money) of that month; months after ``as_of`` are NaN.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "order_id": ["1", "2"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01"]),
    ...     "quantity": [1.0, 2.0], "unit_price": [10.0, 10.0]})
    >>> profit_curves(tx, as_of="2024-04-01").round(1).iloc[0].tolist()
    [3.0, 0.0, 6.0]
    """
    owner = "profit_curves"
    need = ["customer_id", "timestamp", "quantity", "unit_price"] + (
        [cost_column] if cost_column else [])
    missing = [c for c in need if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    check_param(isinstance(margin_rate, numbers.Real) and 0 < margin_rate <= 1, "margin_rate",
                owner, "a number in (0, 1] (share of revenue kept as margin)", margin_rate)
    when = check_as_of(as_of, owner)
    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    if past.empty:
        raise InsufficientDataError(f"{owner}: no transactions before as_of={when:%Y-%m-%d}.")
    q = past["quantity"].astype(float)
    if cost_column:
        margin = q * (past["unit_price"].astype(float) - past[cost_column].astype(float))
    else:
        margin = q * past["unit_price"].astype(float) * float(margin_rate)
    month = past["timestamp"].dt.year * 12 + past["timestamp"].dt.month
    cid = past["customer_id"].astype("string")
    first = month.groupby(cid).min()
    rel = (month - cid.map(first)).astype("int64")
    table = margin.groupby([cid, rel]).sum().unstack(fill_value=0.0)
    last_month = when.year * 12 + when.month - (1 if when.day == 1 else 0)
    span = (last_month - first).reindex(table.index)
    cols = np.arange(int(span.max()) + 1)
    table = table.reindex(columns=cols, fill_value=0.0)
    table = table.where(cols[None, :] <= span.to_numpy()[:, None])
    table.index.name = "customer_id"
    table.columns.name = "month"
    return table.sort_index()


def lifecycle_curve_types(tx: pd.DataFrame, *, as_of: str | pd.Timestamp,
                          silence_days: int = 120, early_days: int = 180,
                          min_tenure_days: int = 365, margin_rate: float = 0.3,
                          cost_column: str | None = None) -> pd.DataFrame:
    """The lifecycle curve type of every customer with an order before ``as_of``.

    Rules, on the profit curve of :func:`profit_curves` and the order dates before ``as_of``:
    the relationship has *ended* when the last order is at least ``silence_days`` (120) before
    ``as_of``; its *active span* is first to last order.

    - ``early_death`` (早期死亡型): ended with an active span under ``early_days`` (180): profit
      never built up;
    - ``midway_abort`` (中途夭折型): ended after a longer span: profit had built up, then broke off;
    - ``long_retained`` (长久保持型): not ended, with a tenure (first order to ``as_of``) of at
      least ``min_tenure_days`` (365);
    - NA: not ended and younger than that (too early to tell).

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``curve_type`` (string, NA when too young),
    ``curve_type_zh``, ``first_order``, ``last_order``, ``active_days``, ``tenure_days``,
    ``cohort`` (quarter of the first order, e.g. ``2024Q1``), ``total_margin`` (money),
    ``peak_month`` (relationship month of the highest margin).

    >>> d = pd.to_datetime
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c", "c"], "order_id": list("12345"),
    ...     "timestamp": d(["2024-01-05", "2024-01-05", "2024-10-01", "2024-01-05", "2025-05-01"]),
    ...     "quantity": 1.0, "unit_price": 10.0})
    >>> lifecycle_curve_types(tx, as_of="2025-06-01")["curve_type"].tolist()
    ['early_death', 'midway_abort', 'long_retained']
    """
    owner = "lifecycle_curve_types"
    for name, v in (("silence_days", silence_days), ("early_days", early_days),
                    ("min_tenure_days", min_tenure_days)):
        check_param(isinstance(v, numbers.Integral) and v >= 1, name, owner,
                    "a whole number of days >= 1", v)
    curves = profit_curves(tx, as_of=as_of, margin_rate=margin_rate, cost_column=cost_column)
    when = check_as_of(as_of, owner)
    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    g = past["timestamp"].groupby(past["customer_id"].astype("string"))
    out = pd.DataFrame({"first_order": g.min(), "last_order": g.max()})
    out.index.name = "customer_id"
    out["active_days"] = (out["last_order"] - out["first_order"]).dt.total_seconds() / 86400
    out["tenure_days"] = (when - out["first_order"]).dt.total_seconds() / 86400
    ended = (when - out["last_order"]).dt.total_seconds() / 86400 >= silence_days
    kind = np.select([ended & (out["active_days"] < early_days), ended,
                      out["tenure_days"] >= min_tenure_days],
                     ["early_death", "midway_abort", "long_retained"], default="")
    out.insert(0, "curve_type", pd.array(kind, dtype="string"))
    out.loc[out["curve_type"] == "", "curve_type"] = pd.NA
    out.insert(1, "curve_type_zh", out["curve_type"].map(CURVE_NAMES_ZH).astype("string"))
    out["cohort"] = out["first_order"].dt.to_period("Q").astype(str)
    curves = curves.reindex(out.index)
    out["total_margin"] = curves.sum(axis=1)
    out["peak_month"] = curves.fillna(-np.inf).to_numpy().argmax(axis=1)
    return out.sort_index()


def curve_types_vs_planted(curve_types: pd.DataFrame, truth: Any, *,
                           as_of: str | pd.Timestamp) -> list[Evidence]:
    """The curve types found (:func:`lifecycle_curve_types` at ``as_of``) against the demo's
    planted ones (``truth.curve_types(as_of)``: from the planted first order and churn date);
    empty for real data. The table counts customers typed by both: planted type (rows) x found
    type (columns); the caption gives the share on the diagonal."""
    if truth is None or getattr(truth, "signup_dates", None) is None:
        return []
    if not isinstance(curve_types, pd.DataFrame) or "curve_type" not in curve_types:
        raise ParameterError("curve_types_vs_planted expects the table of "
                             "lifecycle.lifecycle_curve_types (column curve_type).")
    found = curve_types["curve_type"]
    planted = truth.curve_types(check_as_of(as_of, "curve_types_vs_planted")).reindex(found.index)
    both = planted.notna() & found.notna()
    table = pd.crosstab(pd.Categorical(planted[both], categories=list(CURVE_TYPES)),
                        pd.Categorical(found[both], categories=list(CURVE_TYPES)),
                        dropna=False)
    table.index.name, table.columns.name = "planted", "found"
    agree = float((planted[both] == found[both]).mean()) if both.any() else float("nan")
    return [Evidence(f"Planted (rows) vs found (columns) lifecycle curve types, {int(both.sum()):,} "
                     f"customers typed by both: {agree:.0%} agree", table)]
