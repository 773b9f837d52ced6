"""The Spark engine of :func:`mining.sequence.frequent_sequences`: MLlib ``PrefixSpan``.

Sequences are built in Spark (one row per customer, as
:func:`mining.sequence.customer_sequences` builds them) or taken from a local sequence database;
Spark MLlib's ``PrefixSpan`` mines them and only the frequent patterns come back, as exactly the
local table. Reached through ``frequent_sequences(..., engine="spark")``
(:func:`mining.engines.use_engine`); pyspark is imported only when it runs.
"""

from __future__ import annotations

import os
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mining import engines
from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.sequence._database import as_database
from mining.sequence._mine import _check_days, _closed_maximal, _frame, min_count_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = ["frequent_sequences_spark"]


def _sequences_from_db(spark: SparkSession, db: Any) -> tuple[SparkDataFrame, np.ndarray]:
    """A local sequence database as Spark rows of item-code arrays, and the code labels."""
    from pyspark.sql.types import ArrayType, LongType, StructField, StructType

    db = as_database(db)
    items, el_start, seq_start = db.items.tolist(), db.el_start.tolist(), db.seq_start.tolist()
    rows = []
    for s in range(len(db)):
        seq = [items[el_start[g]:el_start[g + 1]] for g in range(seq_start[s], seq_start[s + 1])]
        rows.append(([sorted(set(el)) for el in seq if el],))
    schema = StructType([StructField("sequence", ArrayType(ArrayType(LongType())), False)])
    return spark.createDataFrame(rows, schema), np.asarray(db.labels, dtype=object)


def _sequences_from_tx(spark: SparkSession, data: Any, *, as_of: Any, level: str, element: str,
                       use_names: bool, owner: str) -> SparkDataFrame:
    """Transactions -> one row per customer with a ``sequence`` array of item arrays.

    As :func:`mining.sequence.customer_sequences`: lines before ``as_of``; an element is an
    order (or a customer-day) timed by its earliest line; elements in time order (ties by
    order id); items distinct and sorted inside each element.
    """
    from pyspark.sql import functions as F

    check_param(level in ("product", "category"), "level", owner, "'product' or 'category'",
                level)
    check_param(element in ("order", "day"), "element", owner, "'order' or 'day'", element)
    tx = engines.read_transactions_spark(data, spark=spark, owner=owner)
    item_col = ("category" if level == "category" else
                "product_name" if use_names and "product_name" in tx.columns else "product_id")
    need = ["customer_id", "timestamp", item_col] + (["order_id"] if element == "order" else [])
    missing = [c for c in need if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    t = engines.timestamp_micros()
    cond = t.isNotNull() & F.col("customer_id").isNotNull() & F.col(item_col).isNotNull()
    if as_of is not None:
        cond = cond & (t < engines.micros_ceil(pd.Timestamp(as_of)))
    key = (F.col("order_id") if element == "order"
           else F.floor(t / engines.DAY_US).cast("string"))
    lines = tx.where(cond).select(F.col("customer_id").alias("c"), t.alias("t"),
                                  F.col(item_col).alias("i"), key.alias("o"))
    elements = (lines.groupBy("c", "o")
                .agg(F.min("t").alias("el_t"), F.array_sort(F.collect_set("i")).alias("items")))
    if element == "day":  # order day keys numerically, not as text
        elements = elements.withColumn("o", F.lpad("o", 12, "0"))
    return (elements.groupBy("c")
            .agg(F.sort_array(F.collect_list(F.struct("el_t", "o", "items"))).alias("els"))
            .select(F.col("els.items").alias("sequence")))


def frequent_sequences_spark(
    data: Any,
    *,
    min_support: float | int,
    max_len: int | None = None,
    as_of: str | pd.Timestamp | None = None,
    level: str = "product",
    element: str = "order",
    use_names: bool = True,
    min_gap: float | None = None,
    max_gap: float | None = None,
    max_window: float | None = None,
    closed: bool = False,
    maximal: bool = False,
    max_local_proj_db_size: int = 32_000_000,
    spark: SparkSession | None = None,
) -> pd.DataFrame:
    """:func:`mining.sequence.frequent_sequences` mined with Spark MLlib ``PrefixSpan``.

    Where the definitions agree the patterns and supports are identical: a pattern is a list of
    itemsets in time order; a customer supports it once however often it occurs; elements of
    an occurrence are strictly later in the sequence; ``max_len`` counts items (Spark's
    ``maxPatternLength``); a float ``min_support`` needs ``ceil(min_support x n)`` sequences.

    Differences from the local miner: Spark's PrefixSpan has **no time constraints**, so
    ``min_gap`` > 0, ``max_gap`` and ``max_window`` raise :class:`ParameterError` (use the pandas
    engine for them). ``closed``/``maximal`` are applied afterwards to the mined patterns,
    exactly as the local miner does without ``max_gap``. Spark's default ``maxPatternLength``
    is 10; here ``max_len=None`` means no limit, as locally.

    Parameters
    ----------
    data : transactions, sequence database or path
        Transactions (Spark or pandas DataFrame, Parquet/CSV path): sequences are built in
        Spark as :func:`mining.sequence.customer_sequences` builds them (``as_of``, ``level``,
        ``element``, ``use_names``). Or a local ``SequenceDatabase`` / sequence table / list
        of sequences (the local function's input).
    min_support, max_len, min_gap, max_gap, max_window, closed, maximal
        As :func:`mining.sequence.frequent_sequences`.
    as_of, level, element, use_names
        As :func:`mining.sequence.customer_sequences` (transactions only). ``as_of=None`` uses
        every line.
    max_local_proj_db_size : int
        Spark's ``maxLocalProjDBSize``: projected databases smaller than this (items) are mined
        locally on one executor.
    spark : SparkSession, optional
        Default: the active session, or a new local one.

    Returns
    -------
    DataFrame
        Exactly the local table: ``pattern``, ``pattern_str``, ``n_elements``, ``n_items``,
        ``support_count``, ``support``, sorted by support, length, text.
    """
    owner = "frequent_sequences_spark"
    lo = _check_days(min_gap, "min_gap", owner)
    hi = _check_days(max_gap, "max_gap", owner)
    win = _check_days(max_window, "max_window", owner)
    if (lo or 0.0) > 0 or hi is not None or win is not None:
        raise ParameterError(
            f"{owner}: Spark's PrefixSpan has no time constraints, so min_gap > 0, max_gap and "
            f"max_window cannot be used with engine='spark' (got min_gap={min_gap!r}, "
            f"max_gap={max_gap!r}, max_window={max_window!r}). Use engine='pandas' for them, "
            "or drop the constraints.")
    if max_len is not None:
        check_param(isinstance(max_len, Integral) and not isinstance(max_len, bool)
                    and max_len >= 1, "max_len", owner, "an int >= 1 (items) or None", max_len)
    check_param(isinstance(max_local_proj_db_size, Integral) and max_local_proj_db_size >= 1,
                "max_local_proj_db_size", owner, "an int >= 1", max_local_proj_db_size)
    spark = engines.get_session(spark)
    from pyspark.ml.fpm import PrefixSpan
    from pyspark.sql import functions as F

    is_db = not (engines.is_spark_df(data) or isinstance(data, str | os.PathLike)
                 or (isinstance(data, pd.DataFrame) and "itemsets" not in data.columns))
    with engines.utc(spark):
        if is_db:
            seqs, labels = _sequences_from_db(spark, data)
        else:
            seqs = _sequences_from_tx(spark, data, as_of=as_of, level=level, element=element,
                                      use_names=use_names, owner=owner)
            labels = None
        seqs = seqs.persist()
        try:
            stats = seqs.select(
                F.count(F.lit(1)).alias("n"),
                F.max(F.aggregate("sequence", F.lit(0), lambda acc, el: acc + F.size(el)))
                .alias("longest")).collect()[0]
            n, longest = int(stats["n"]), int(stats["longest"] or 0)
            min_count = min_count_for(min_support, n, owner=owner)
            if n == 0 and not is_db:
                raise InsufficientDataError(
                    f"{owner}: no transactions before as_of={as_of!s}: nothing to build "
                    "sequences from. Choose a later as_of.")
            limit = longest if max_len is None else min(longest, int(max_len))
            found = pd.DataFrame({"sequence": [], "freq": []})
            if n and limit:
                ps = PrefixSpan(minSupport=min((min_count - 0.5) / n, 1.0),
                                maxPatternLength=limit,
                                maxLocalProjDBSize=int(max_local_proj_db_size),
                                sequenceCol="sequence")
                found = engines.collect(ps.findFrequentSequentialPatterns(seqs)
                                 .where(F.col("freq") >= min_count))
        finally:
            seqs.unpersist()
    if labels is not None:  # codes -> labels; items inside an element in code order
        patterns = [tuple(tuple(labels[sorted(int(x) for x in el)].tolist()) for el in seq)
                    for seq in found["sequence"]]
    else:
        patterns = [tuple(tuple(sorted(str(x) for x in el)) for el in seq)
                    for seq in found["sequence"]]
    sup = found["freq"].to_numpy(dtype=np.int64)
    if (closed or maximal) and patterns:
        keep = _closed_maximal(patterns, sup, maximal=maximal, any_subpattern=False, limit=limit)
        patterns = [p for p, k in zip(patterns, keep, strict=True) if k]
        sup = sup[keep]
    return _frame(patterns, sup, n)
