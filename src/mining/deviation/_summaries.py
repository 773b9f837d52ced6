"""The deviation notebook's steps beyond one detector call: weekly spend breaks of repeat
customers, sales breaks per product (or category when products sell too rarely), silent-churn
candidates, example series, and the flags against the planted anomalies.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mining.deviation._series import SeriesDeviations, series_deviations, weekly_series

__all__ = ["break_counts", "customer_spend_breaks", "entity_name", "example_series",
           "flag_table", "flagged_weeks_of", "main_reasons", "planted_view", "sales_breaks",
           "silent_churn", "top_scored", "top_series"]


def flag_table(flags: pd.DataFrame, *, top: int = 25) -> pd.DataFrame:
    """The first ``top`` flagged customers: ``score``, ``rank``, ``segment`` (with peer groups)
    and ``reasons``, numbers rounded to 0.01.

    >>> f = pd.DataFrame({"score": [5.123], "rank": [1], "reasons": ["n_orders 5 SD above"]})
    >>> flag_table(f).columns.tolist()
    ['score', 'rank', 'reasons']
    """
    columns = ["score", "rank"] + (["segment"] if "segment" in flags else []) + ["reasons"]
    return flags[columns].head(top).round(2)


def customer_spend_breaks(tx: pd.DataFrame, *, as_of: Any, values: pd.DataFrame | None = None,
                          min_orders: int = 4, window: int = 26, smooth_weeks: int = 4,
                          z_threshold: float = 6.0, drop_weeks: int = 12,
                          drop_ratio: float = 0.35,
                          min_scale_share: float = 0.5) -> SeriesDeviations:
    """Breaks and sustained drops in the weekly spend of the customers with at least
    ``min_orders`` orders.

    :func:`~mining.deviation.weekly_series` by customer, restricted to the customers whose
    ``n_orders`` in ``values`` (``CustomerDeviations.values``) reaches ``min_orders`` (all
    customers when ``values`` has no ``n_orders``), then
    :func:`~mining.deviation.series_deviations` with the given settings (four-week smoothing
    against the median of the previous 26 weeks by default).

    >>> tx = pd.DataFrame({"customer_id": "a", "order_id": [str(i) for i in range(30)],
    ...     "timestamp": pd.date_range("2024-01-01", periods=30, freq="7D"),
    ...     "product_id": "p", "quantity": 1.0, "unit_price": 2.0})
    >>> customer_spend_breaks(tx, as_of="2024-09-01").summary["status"].tolist()
    ['ok']
    """
    weekly = weekly_series(tx, as_of=as_of, by="customer")
    if values is not None and "n_orders" in values:
        repeat = values.index[values["n_orders"] >= min_orders]
        weekly = weekly.loc[:, weekly.columns.isin(repeat)]
    return series_deviations(weekly, window=window, smooth_weeks=smooth_weeks,
                             z_threshold=z_threshold, drop_weeks=drop_weeks,
                             drop_ratio=drop_ratio, min_scale_share=min_scale_share)


def sales_breaks(tx: pd.DataFrame, *, as_of: Any, window: int = 13, z_threshold: float = 5.0,
                 min_selling_share: float = 0.6) -> tuple[SeriesDeviations, str]:
    """Breaks in the weekly units sold per product, or per category when products sell too
    rarely; returns the result and the level used (``"product"`` or ``"category"``).

    Categories are used when the data have one product only, or when the median product sells
    in fewer than ``min_selling_share`` of the weeks.

    >>> tx = pd.DataFrame({"customer_id": "a", "order_id": [str(i) for i in range(30)],
    ...     "timestamp": pd.date_range("2024-01-01", periods=30, freq="7D"),
    ...     "product_id": "p", "category": "toys", "quantity": 1.0, "unit_price": 2.0})
    >>> sales_breaks(tx, as_of="2024-09-01")[1]
    'category'
    """
    sales = weekly_series(tx, as_of=as_of, by="product", value="quantity")
    level = "product"
    if tx["product_id"].nunique() <= 1 or (sales > 0).mean().median() < min_selling_share:
        level = "category"
        sales = weekly_series(tx, as_of=as_of, by="category", value="quantity")
    return series_deviations(sales, window=window, z_threshold=z_threshold), level


def break_counts(breaks: SeriesDeviations, *, judged_only: bool = False) -> dict[str, int]:
    """Series with a flagged week (``spikes``) and with a sustained drop (``drops``), among all
    series or (``judged_only``) those long enough to be judged (``status == "ok"``).

    >>> s = pd.DataFrame({"status": ["ok", "too short"], "n_spikes": [2, 0],
    ...                   "drop_start": [pd.NaT, pd.NaT]})
    >>> break_counts(SeriesDeviations(weeks=pd.DataFrame(), summary=s, seasonal=pd.Series()))
    {'spikes': 1, 'drops': 0}
    """
    summary = breaks.summary
    if judged_only:
        summary = summary[summary["status"] == "ok"]
    return {"spikes": int((summary["n_spikes"] > 0).sum()),
            "drops": int(summary["drop_start"].notna().sum())}


def example_series(breaks: SeriesDeviations, *, prefer: Any = None) -> Any:
    """The judged series with the largest upward break, among ``prefer`` (e.g. the flagged
    customers) when any of them is judged, else among all judged series.

    >>> s = pd.DataFrame({"status": ["ok", "ok"], "max_z": [3.0, 9.0]}, index=["a", "b"])
    >>> r = SeriesDeviations(weeks=pd.DataFrame(), summary=s, seasonal=pd.Series())
    >>> example_series(r), example_series(r, prefer=["a"])
    ('b', 'a')
    """
    judged = breaks.summary[breaks.summary["status"] == "ok"]
    if prefer is not None:
        spiky = judged.loc[judged.index.isin(prefer)].sort_values("max_z", ascending=False)
        if len(spiky):
            return spiky.index[0]
    return judged["max_z"].idxmax()


def silent_churn(breaks: SeriesDeviations, values: pd.DataFrame, *, as_of: Any,
                 days: int = 182) -> pd.DataFrame:
    """Silent-churn candidates: customers whose sustained spending drop started in the last
    ``days`` days before ``as_of``, with their ``n_orders`` (from ``values``), the steepest drop
    first.

    >>> s = pd.DataFrame({"drop_start": pd.to_datetime(["2025-10-01", "2024-01-01"]),
    ...                   "drop_ratio": [0.2, 0.1]}, index=["a", "b"])
    >>> r = SeriesDeviations(weeks=pd.DataFrame(), summary=s, seasonal=pd.Series())
    >>> silent_churn(r, pd.DataFrame({"n_orders": [9, 8]}, index=["a", "b"]),
    ...              as_of="2026-01-01").index.tolist()
    ['a']
    """
    summary = breaks.summary
    recent = summary["drop_start"] >= pd.Timestamp(as_of) - pd.Timedelta(days=days)
    return summary[recent].join(values[["n_orders"]]).sort_values("drop_ratio")


def top_series(breaks: SeriesDeviations, *, top: int = 8) -> pd.DataFrame:
    """The judged series with the largest breaks: ``max_z``, ``n_spikes``, ``reason``."""
    judged = breaks.summary[breaks.summary["status"] == "ok"]
    return judged.sort_values("max_z", ascending=False)[["max_z", "n_spikes", "reason"]].head(top)


def entity_name(tx: pd.DataFrame, entity: Any) -> str:
    """``"<product_id>: <product_name>"`` for a product of ``tx``, else the entity as text.

    >>> tx = pd.DataFrame({"product_id": ["p1", "p2"], "product_name": ["tent", "gas"]})
    >>> entity_name(tx, "p2"), entity_name(tx, "toys")
    ('p2: gas', 'toys')
    """
    if "product_name" in tx and tx["product_id"].nunique() > 1:
        names = tx.drop_duplicates("product_id").set_index("product_id")["product_name"]
        if entity in names.index:
            return f"{entity}: {names[entity]}"
    return str(entity)


def flagged_weeks_of(breaks: SeriesDeviations, entity: Any) -> pd.DataFrame:
    """The flagged weeks of one series: ``week``, ``value``, ``expected``, ``z``, ``reason``."""
    flagged = breaks.flagged()
    return flagged[flagged["entity"] == entity][["week", "value", "expected", "z", "reason"]]


def main_reasons(flags: pd.DataFrame) -> dict[str, int]:
    """How many flagged customers have each main reason (the feature of their first reason
    code), most common first.

    >>> main_reasons(pd.DataFrame({"reason_codes": [["n_orders:+5"], ["n_orders:+7"], []]}))
    {'n_orders': 2}
    """
    codes = pd.Series([c.split(":")[0] for cs in flags["reason_codes"] for c in cs[:1]],
                      dtype=object)
    return {str(k): int(v) for k, v in codes.value_counts().items()}


def top_scored(scores: pd.DataFrame, *, share: float = 0.01) -> pd.Index:
    """The ids of the highest-scored ``share`` of the customers (at least one, rounded up);
    ``scores`` is ``CustomerDeviations.scores`` (sorted, most unusual first).

    >>> top_scored(pd.DataFrame({"score": range(150)}), share=0.01).tolist()
    [0, 1]
    """
    n = max(1, math.ceil(round(len(scores) * share, 9)))
    return scores.index[:n]


def planted_view(result: Any, planted: pd.DataFrame | None) -> pd.DataFrame:
    """Each planted unusual customer (``kind``) with their ``rank``, ``score``, ``flagged`` and
    ``reasons`` in a :class:`~mining.deviation.CustomerDeviations` ``result``, by rank; an
    empty table without a truth (``planted`` None: the demo's
    ``truth.anomalous_customers``).

    >>> planted_view(None, None).empty
    True
    """
    if planted is None:
        return pd.DataFrame()
    view = planted.set_index("customer_id")[["kind"]]
    view.index = view.index.astype("string")
    return view.join(result.scores[["rank", "score", "flagged", "reasons"]]).sort_values("rank")
