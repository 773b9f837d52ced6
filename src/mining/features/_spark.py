"""The Spark engine of :func:`mining.features.customer_table`: the aggregations in Spark SQL.

The aggregations over order lines (per customer, per order, per order date, per category) run
in Spark; only the per-customer result comes back, and the ratios are computed from it with the
formulas the pandas engine uses. Reached through ``customer_table(..., engine="spark")``
(:func:`mining.engines.use_engine`); pyspark is imported only when it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mining.engines import (
    DAY_US,
    collect,
    get_session,
    micros_ceil,
    read_transactions_spark,
    timestamp_micros,
    utc,
)
from mining.errors import InsufficientDataError
from mining.features import (
    FEATURE_COLUMNS,
    SHARE_PREFIX,
    _add_ratios,
    _check_window,
    _days,
    category_column_name,
    spend_shares,
    spend_trend,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import SparkSession

__all__ = ["customer_table_spark"]


def customer_table_spark(
    tx_or_path: Any,
    *,
    as_of: str | pd.Timestamp,
    recent_days: float = 90,
    categories: bool = True,
    spark: SparkSession | None = None,
) -> pd.DataFrame:
    """:func:`mining.features.customer_table` computed with Spark SQL.

    The aggregations over order lines (per customer, per order, per order date, per category)
    run in Spark; the per-customer result comes back and the ratios (recency, tenure, mean order,
    trend, shares) are computed from it with the same formulas as the local function.

    Parameters
    ----------
    tx_or_path : Spark DataFrame, pandas DataFrame or Parquet/CSV path
        Transactions (see :func:`mining.engines.read_transactions_spark`): ``customer_id``, ``order_id``,
        ``timestamp``, ``product_id``, ``quantity``, ``unit_price``; ``category`` when present.
    as_of, recent_days, categories
        As :func:`mining.features.customer_table`.
    spark : SparkSession, optional
        Default: the active session, or a new local one.

    Returns
    -------
    DataFrame
        Exactly the local table: indexed by ``customer_id`` (string, sorted), columns
        ``FEATURE_COLUMNS`` then ``share_<category>`` (alphabetical), the same dtypes
        (timestamps ``datetime64[ns]``, read at microsecond precision as Spark stores them),
        ``attrs`` ``as_of`` and ``recent_days``. Counts are equal; sums and means equal to
        floating-point rounding (about 1e-12 relative).
    """
    owner = "customer_table_spark"
    when = _check_window(as_of, recent_days, categories, owner)
    spark = get_session(spark)
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    need = ["customer_id", "order_id", "timestamp", "product_id", "quantity", "unit_price"]
    with utc(spark):
        tx = read_transactions_spark(tx_or_path, spark=spark, columns=need, owner=owner)
        use_cat = bool(categories) and "category" in tx.columns
        start = when - pd.Timedelta(days=float(recent_days))
        when_us, start_us = micros_ceil(when), micros_ceil(start)
        lines = (tx.select(
            "customer_id", "order_id", "product_id",
            timestamp_micros().alias("t"),
            F.col("quantity").alias("q"),
            (F.col("quantity") * F.col("unit_price")).alias("amount"),
            *([F.col("category")] if use_cat else []))
            .where((F.col("t") < when_us) & F.col("customer_id").isNotNull()))
        per_customer = lines.groupBy("customer_id").agg(
            F.min("t").alias("first_us"), F.max("t").alias("last_us"),
            F.count(F.lit(1)).alias("n_lines"),
            F.countDistinct("product_id").alias("n_products"),
            F.sum("q").alias("quantity_total"), F.sum("amount").alias("monetary_total"))
        orders = (lines.where(F.col("order_id").isNotNull())
                  .groupBy("customer_id", "order_id")
                  .agg(F.min("t").alias("t"), F.sum("amount").alias("amount")))
        recent = F.col("t") >= start_us
        per_order = orders.groupBy("customer_id").agg(
            F.count(F.lit(1)).alias("n_orders"),
            F.sum(F.when(recent, 1).otherwise(0)).alias("orders_recent"),
            F.sum(F.when(recent, F.col("amount")).otherwise(0.0)).alias("spend_recent"))
        days = (orders.select("customer_id", F.floor(F.col("t") / DAY_US).alias("day"))
                .distinct())
        by_customer = Window.partitionBy("customer_id").orderBy("day")
        gaps = (days.select("customer_id",
                            (F.col("day") - F.lag("day").over(by_customer)).alias("gap"))
                .where(F.col("gap").isNotNull())
                .groupBy("customer_id")
                .agg(F.avg("gap").alias("ipt_mean_days"),
                     F.expr("percentile(gap, 0.5)").alias("ipt_median_days"),
                     F.stddev_pop("gap").alias("ipt_std_days")))
        result = (per_customer.join(per_order, "customer_id", "left")
                  .join(gaps, "customer_id", "left"))
        share_cols: dict[str, list[Any]] = {}
        if use_cat:
            cats = [r[0] for r in lines.select("category").where(F.col("category").isNotNull())
                    .distinct().collect()]
            for cat in cats:
                share_cols.setdefault(category_column_name(cat), []).append(cat)
            if share_cols:
                col_of = F.create_map(*[x for col, members in share_cols.items()
                                        for cat in members for x in (F.lit(cat), F.lit(col))])
                spend = (lines.where(F.col("category").isNotNull())
                         .select("customer_id", col_of[F.col("category")].alias("col"), "amount")
                         .groupBy("customer_id").pivot("col", sorted(share_cols))
                         .agg(F.sum("amount")))
                spend = spend.select("customer_id", *[F.col(f"`{c}`").alias(f"spend__{c}")
                                                      for c in sorted(share_cols)])
                result = result.join(spend, "customer_id", "left")
        raw = collect(result)
    if raw.empty:
        raise InsufficientDataError(
            f"{owner}: no transactions before as_of={when}; choose a later as_of.")
    raw["customer_id"] = raw["customer_id"].astype("string")
    raw = raw.sort_values("customer_id", kind="mergesort").set_index("customer_id")
    index = pd.Index(raw.index, dtype="string", name="customer_id")
    out = pd.DataFrame(index=index)
    out["first_purchase"] = _us_to_datetime(raw["first_us"])
    out["last_purchase"] = _us_to_datetime(raw["last_us"])
    out["recency_days"] = _days(when - out["last_purchase"])
    out["n_orders"] = raw["n_orders"].to_numpy().astype("int64")
    out["n_lines"] = raw["n_lines"].to_numpy().astype("int64")
    out["n_products"] = raw["n_products"].to_numpy().astype("int64")
    out["quantity_total"] = raw["quantity_total"].to_numpy().astype("float64")
    out["monetary_total"] = raw["monetary_total"].to_numpy().astype("float64")
    _add_ratios(out, when)
    for c in ("ipt_mean_days", "ipt_median_days", "ipt_std_days"):
        out[c] = pd.to_numeric(raw[c]).to_numpy(dtype="float64", na_value=np.nan)
    out["orders_recent"] = raw["orders_recent"].fillna(0).to_numpy().astype("int64")
    out["spend_recent"] = raw["spend_recent"].fillna(0.0).to_numpy().astype("float64")
    out["spend_trend"] = spend_trend(out, start=start, recent_days=recent_days)
    assert list(out.columns) == list(FEATURE_COLUMNS)
    if share_cols:
        names = sorted(share_cols)
        spend_arr = (raw[[f"spend__{c}" for c in names]].astype("float64").fillna(0.0)
                     .to_numpy(dtype="float64"))
        shares = spend_shares(spend_arr, out["monetary_total"])
        assert all(c.startswith(SHARE_PREFIX) for c in names)
        out = pd.concat([out, pd.DataFrame(shares, index=out.index, columns=names)], axis=1)
    out.attrs = {"as_of": when, "recent_days": float(recent_days)}
    return out


def _us_to_datetime(us: pd.Series) -> np.ndarray:
    return np.asarray(us.to_numpy(dtype="int64"), dtype="datetime64[us]").astype("datetime64[ns]")
