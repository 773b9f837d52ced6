"""The Spark engine of :mod:`mining.basket`: baskets and MLlib ``FPGrowth`` in Spark.

:func:`frequent_itemsets_spark` builds the baskets (``collect_set`` per order) and mines them
with Spark MLlib's ``FPGrowth``; only the frequent itemsets come back, as exactly the table of
:func:`mining.basket.frequent_itemsets`. :func:`association_rules_spark` derives the rules from
them with the local :func:`mining.basket.association_rules` (every measure and option). Reached
through ``engine="spark"`` (:func:`mining.engines.use_engine`); pyspark is imported only when a
function runs.
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mining.basket._baskets import to_csr
from mining.basket._itemsets import (
    NoItemsetsWarning,
    _group,
    _table,
    check_itemset_options,
    gc_paused,
    min_count_for,
    warn_no_itemsets,
)
from mining.basket._rules import association_rules
from mining.engines import collect, get_session, is_spark_df, read_transactions_spark, to_spark, utc
from mining.errors import check_param

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = ["association_rules_spark", "frequent_itemsets_spark"]


def _product_labels(spark: SparkSession, tx: SparkDataFrame, use_names: bool) -> SparkDataFrame:
    """``tx`` with an ``item`` column labelled as ``basket.basket_matrix`` labels products.

    With names: ``product_name`` (a product renamed over time keeps its most frequent name,
    ties to the alphabetically first); a name shared by several product ids gets the id
    appended (``"Tea (p7)"``). Without: the ``product_id``.
    """
    from pyspark.sql import functions as F

    pid = F.col("product_id")
    if not use_names or "product_name" not in tx.columns:
        return tx.withColumn("item", pid)
    pairs = collect(tx.where(pid.isNotNull())
                     .select(pid.alias("pid"),
                             F.coalesce(F.col("product_name"), pid).alias("name"))
                     .groupBy("pid", "name").count())
    pairs = pairs.sort_values(["pid", "count", "name"], ascending=[True, False, True],
                              kind="mergesort")
    first = pairs.drop_duplicates("pid")
    ids_per_name = first.groupby("name")["pid"].nunique()
    shared = first["name"].map(ids_per_name).to_numpy() > 1
    label = np.where(shared, first["name"] + " (" + first["pid"] + ")", first["name"])
    mapping = to_spark(spark, pd.DataFrame({"pid": first["pid"].astype(object).to_numpy(),
                                             "item": pd.Series(label, dtype=object)
                                             .to_numpy()}))
    return tx.join(F.broadcast(mapping), tx["product_id"] == mapping["pid"], "left").drop("pid")


def _baskets(data: Any, spark: SparkSession, *, level: str, use_names: bool,
             owner: str) -> SparkDataFrame:
    """One row per basket with an ``items`` array column (distinct item labels)."""
    from pyspark.sql import functions as F

    check_param(level in ("product", "category"), "level", owner,
                "one of 'product', 'category'", level)
    if is_spark_df(data) and "items" in data.columns and "order_id" not in data.columns:
        return data.select(F.array_distinct(F.col("items")).alias("items"))
    if isinstance(data, pd.DataFrame) and not {"order_id", "product_id"} <= set(data.columns):
        # one-hot baskets (rows: baskets, columns: items), the local frequent_itemsets input
        csr, labels = to_csr(data, owner)
        lab = np.asarray(labels, dtype=object)
        lists = [lab[csr.indices[csr.indptr[i]:csr.indptr[i + 1]]].tolist()
                 for i in range(csr.shape[0])]
        from pyspark.sql.types import ArrayType, StringType, StructField, StructType

        schema = StructType([StructField("items", ArrayType(StringType()), False)])
        return spark.createDataFrame([(x,) for x in lists], schema)
    need = ["order_id", "category" if level == "category" else "product_id"]
    tx = read_transactions_spark(data, spark=spark, columns=need, owner=owner)
    if level == "category":
        tx = tx.withColumn("item", F.coalesce(F.col("category"), F.lit("(no category)")))
    else:
        tx = _product_labels(spark, tx, use_names)
    return (tx.where(F.col("order_id").isNotNull() & F.col("item").isNotNull())
            .groupBy("order_id").agg(F.collect_set("item").alias("items")))


def frequent_itemsets_spark(
    data: Any,
    *,
    min_support: float,
    max_len: int | None = None,
    level: str = "product",
    use_names: bool = True,
    num_partitions: int | None = None,
    spark: SparkSession | None = None,
) -> pd.DataFrame:
    """:func:`mining.basket.frequent_itemsets` mined with Spark MLlib ``FPGrowth``.

    Parameters
    ----------
    data : transactions, baskets or path
        Transactions (Spark or pandas DataFrame, Parquet/CSV path; baskets are the orders,
        items labelled as :func:`mining.basket.basket_matrix` does with ``level`` and
        ``use_names``); or a Spark DataFrame with an ``items`` array column (one row per
        basket); or a pandas one-hot baskets table (the local function's input).
    min_support : float in (0, 1]
        As the local function: frequent means in at least ``ceil(min_support x n_baskets)``
        baskets (the threshold is handed to Spark so that it uses that very count).
    max_len : int, optional
        Longest itemset. Spark's FPGrowth has no such limit: it mines every length and the
        longer itemsets are dropped afterwards (same result, more work).
    level, use_names
        Item labels from transactions, as :func:`mining.basket.basket_matrix`.
    num_partitions : int, optional
        FPGrowth's ``numPartitions`` (default: the input's partitions).
    spark : SparkSession, optional
        Default: the active session, or a new local one.

    Returns
    -------
    DataFrame
        Exactly the local table (same rows, order, columns, dtypes): ``support``,
        ``itemsets``, ``count``, ``length``, ``itemset_str``.
    """
    owner = "frequent_itemsets_spark"
    check_itemset_options(min_support, max_len, owner)
    check_param(num_partitions is None or (isinstance(num_partitions, Integral)
                                           and num_partitions >= 1),
                "num_partitions", owner, "None or an int >= 1", num_partitions)
    spark = get_session(spark)
    from pyspark.ml.fpm import FPGrowth
    from pyspark.sql import functions as F

    with utc(spark):
        baskets = _baskets(data, spark, level=level, use_names=use_names, owner=owner).persist()
        try:
            n = baskets.count()
            min_count = min_count_for(float(min_support), n)
            found = pd.DataFrame({"items": [], "freq": []})
            top = 0
            if n:
                fp = FPGrowth(itemsCol="items", minSupport=(min_count - 0.5) / n,
                              minConfidence=1.0)
                if num_partitions is not None:
                    fp = fp.setNumPartitions(int(num_partitions))
                model = fp.fit(baskets)
                sets = model.freqItemsets.where(F.col("freq") >= min_count)
                if max_len is not None:
                    sets = sets.where(F.size("items") <= int(max_len))
                found = collect(sets)
                if found.empty:
                    top = (baskets.select(F.explode("items").alias("i")).groupBy("i").count()
                           .agg(F.max("count")).collect()[0][0] or 0)
        finally:
            baskets.unpersist()
    with gc_paused():
        item_lists = [list(map(str, x)) for x in found["items"]]
        names = np.array(sorted({x for items in item_lists for x in items}), dtype=object)
        code = {name: i for i, name in enumerate(names.tolist())}
        counts = found["freq"].to_numpy(dtype=np.int64)
        groups = _group([tuple(code[x] for x in items) for items in item_lists], counts)
        out = _table(names, groups, n)
    if out.empty:
        warn_no_itemsets(owner, min_support, min_count, n, int(top), stacklevel=3)
    return out


def association_rules_spark(
    data: Any,
    *,
    min_support: float,
    max_len: int | None = None,
    level: str = "product", use_names: bool = True,
    metric: str = "confidence",
    min_threshold: float = 0.5,
    spark: SparkSession | None = None,
    **rule_options: Any,
) -> pd.DataFrame:
    """Association rules with the itemsets mined by Spark MLlib ``FPGrowth``.

    The pass over the baskets (the heavy part) is :func:`frequent_itemsets_spark`; the rules
    are then derived from the (small) itemsets table by :func:`mining.basket.association_rules`,
    so every measure and option (``max_consequent_len``, item constraints, redundancy pruning,
    Fisher significance, ``sort_by``, ``max_rules``) is the local one. Spark's own
    ``associationRules`` would give only confidence and lift and one-item consequents.

    Parameters
    ----------
    data, min_support, max_len, level, use_names, spark
        As :func:`frequent_itemsets_spark`.
    metric, min_threshold, **rule_options
        As :func:`mining.basket.association_rules`.

    Returns
    -------
    DataFrame
        Exactly the table of ``association_rules(frequent_itemsets(baskets, ...), ...)``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoItemsetsWarning)
        fi = frequent_itemsets_spark(data, min_support=min_support, max_len=max_len, level=level,
                                     use_names=use_names, spark=spark)
    return association_rules(fi, metric=metric, min_threshold=min_threshold, **rule_options)
