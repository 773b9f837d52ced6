"""Execution engines: the same analyses on pandas (default) or on Apache Spark (scale-out).

pandas on one machine is the default everywhere. When the order lines outgrow one machine
(hundreds of millions of lines), the functions that carry the weight have a Spark twin in
:mod:`mining.engines.spark` that reads a Spark DataFrame or a Parquet/CSV path, does the heavy
work in Spark (Spark SQL aggregation, MLlib FPGrowth, PrefixSpan and KMeans) and returns a
pandas DataFrame of exactly the shape the local function returns::

    pandas (local)                            engine="spark"
    features.customer_table                   spark.customer_table_spark
    basket.frequent_itemsets                  spark.frequent_itemsets_spark
    basket.association_rules / mine_rules     spark.association_rules_spark
    sequence.frequent_sequences               spark.frequent_sequences_spark
    segment k-means labels                    spark.kmeans_spark / spark.SparkKMeans

``pyspark`` is an optional extra (``pip install -e ".[spark]"``, plus a Java runtime);
importing this package never imports it. :func:`use_engine` picks the implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mining.errors import check_param

__all__ = ["ENGINES", "check_engine", "spark_available", "use_engine"]

#: Engines understood by ``engine=``.
ENGINES: tuple[str, ...] = ("pandas", "spark")


def check_engine(engine: Any, owner: str) -> str:
    """Validate an ``engine`` argument and return it.

    >>> check_engine("spark", "customer_table")
    'spark'
    """
    check_param(isinstance(engine, str) and engine in ENGINES, "engine", owner,
                "one of 'pandas', 'spark'", engine,
                "'spark' needs the optional extra: pip install -e \".[spark]\".")
    return engine


def spark_available() -> bool:
    """True when ``pyspark`` can be imported (a Java runtime is still needed to start it)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


def use_engine(engine: str, local_fn: Callable[..., Any], spark_fn: Callable[..., Any] | str, *,
               owner: str | None = None) -> Callable[..., Any]:
    """The implementation for ``engine``: ``local_fn`` for "pandas", ``spark_fn`` for "spark".

    The one dispatch behind every public function that takes ``engine=``.

    Parameters
    ----------
    engine : {"pandas", "spark"}
        The caller's ``engine`` argument (validated here).
    local_fn : callable
        The pandas implementation.
    spark_fn : callable or str
        The Spark implementation, or its path ``"mining.basket._spark:frequent_itemsets_spark"``,
        imported only when ``engine="spark"`` (so the pandas path never imports Spark code).
    owner : str, optional
        Name used in the error message (default: ``local_fn.__name__``).

    Examples
    --------
    >>> use_engine("pandas", len, sum)([1, 2])
    2
    >>> use_engine("spark", len, "builtins:sum")([1, 2])
    3
    """
    check_engine(engine, owner or getattr(local_fn, "__name__", "this function"))
    if engine != "spark":
        return local_fn
    if isinstance(spark_fn, str):
        import importlib

        module, _, attr = spark_fn.partition(":")
        return getattr(importlib.import_module(module), attr)
    return spark_fn
