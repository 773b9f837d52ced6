"""Execution engines: the same analyses on pandas (default), on Apache Spark (scale-out), and
for the table-building steps on DuckDB (embedded, out of core on one machine:
:mod:`mining.engines.duck`).

pandas on one machine is the default everywhere. When the order lines outgrow one machine
(hundreds of millions of lines), the functions that carry the weight take ``engine="spark"``:
the heavy work runs in Spark (Spark SQL aggregation, MLlib FPGrowth, PrefixSpan and KMeans) and
the result is a pandas table of exactly the shape the local function returns. Each Spark
implementation lives beside its analysis, and :func:`use_engine` is the one dispatch::

    pandas (local)                    engine="spark" (beside it)   engine="duckdb" (beside it)
    features.customer_table           features._spark              features._duckdb
    basket.basket_matrix              -                            basket._duckdb
    basket.frequent_itemsets          basket._spark (FPGrowth)     basket._duckdb (baskets in
                                                                   DuckDB, the local miner)
    basket.association_rules /        basket._spark                -
      mine_rules
    sequence.customer_sequences       -                            sequence._duckdb
    sequence.frequent_sequences       sequence._spark (PrefixSpan) sequence._duckdb (sequences
                                                                   in DuckDB, the local miner)
    segment k-means labels            segment._spark (SparkKMeans) -

DuckDB builds tables from order lines (scanned where they lie: a DataFrame, Parquet, a CSV file
or a DuckDB database); the mining kernels and models stay local. A step without a backend for the asked engine raises a
``ParameterError`` naming the engines it has (:func:`use_engine`).

This package holds only what those backends share: the dispatch (:func:`use_engine`,
:func:`check_engine`, :func:`spark_available`, :func:`table_engine` for the table steps without
a Spark backend) and the Spark session helpers of
:mod:`mining.engines.session` (:func:`spark_session`, :func:`get_session`,
:func:`read_transactions_spark`, :func:`to_spark`, :func:`collect`, :func:`utc`, ...), exported
here.

``pyspark`` is an optional extra (``pip install -e ".[spark]"``, plus a Java runtime);
importing this package never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mining.engines import session
from mining.engines.session import *  # noqa: F403 - re-exports exactly session.__all__
from mining.errors import ParameterError, check_param

# the dispatch defined here, then the Spark session helpers of mining.engines.session
__all__ = ["ENGINES", "check_engine", "spark_available", "table_engine", "use_engine",
           *session.__all__]

#: Engines understood by ``engine=``.
ENGINES: tuple[str, ...] = ("pandas", "spark", "duckdb")


def check_engine(engine: Any, owner: str) -> str:
    """Validate an ``engine`` argument and return it.

    >>> check_engine("spark", "customer_table")
    'spark'
    """
    check_param(isinstance(engine, str) and engine in ENGINES, "engine", owner,
                "one of 'pandas', 'spark', 'duckdb'", engine,
                "'spark' needs the optional extra: pip install -e \".[spark]\"; 'duckdb' "
                "(embedded, one machine) builds the customer table, baskets and sequences "
                "out of core.")
    return engine


def table_engine(engine: Any) -> str:
    """The engine for the steps that build a table from order lines and have no Spark backend
    (``basket.basket_matrix``, ``sequence.customer_sequences``): ``"duckdb"`` when asked, else
    ``"pandas"`` (a Spark run builds these tables locally and mines them in Spark).

    >>> table_engine("duckdb"), table_engine("spark"), table_engine("pandas")
    ('duckdb', 'pandas', 'pandas')
    """
    return "duckdb" if check_engine(engine, "table_engine") == "duckdb" else "pandas"


def spark_available() -> bool:
    """True when ``pyspark`` can be imported (a Java runtime is still needed to start it)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


def use_engine(engine: str, local_fn: Callable[..., Any],
               spark_fn: Callable[..., Any] | str | None, *, owner: str | None = None,
               duckdb_fn: Callable[..., Any] | str | None = None,
               duckdb_options: Mapping[str, Any] | None = None) -> Callable[..., Any]:
    """The implementation for ``engine``: ``local_fn`` for "pandas", ``spark_fn`` for "spark",
    ``duckdb_fn`` for "duckdb". A step without the asked backend says so at once, naming the
    engines it has (never a crash deep inside).

    The one dispatch behind every public function that takes ``engine=``.

    Parameters
    ----------
    engine : {"pandas", "spark", "duckdb"}
        The caller's ``engine`` argument (validated here).
    local_fn : callable
        The pandas implementation.
    spark_fn : callable, str or None
        The Spark implementation, or its path ``"mining.basket._spark:frequent_itemsets_spark"``,
        imported only when ``engine="spark"`` (so the pandas path never imports Spark code);
        None when the step has no Spark backend.
    owner : str, optional
        Name used in the error message (default: ``local_fn.__name__``).
    duckdb_fn : callable or str, optional
        The DuckDB implementation (or its path), when the step has one.
    duckdb_options : mapping, optional
        Keywords bound to the DuckDB implementation (the options of the local miner it hands
        the DuckDB-built table to, e.g. budgets), so the call below stays one call.

    Examples
    --------
    >>> use_engine("pandas", len, sum)([1, 2])
    2
    >>> use_engine("spark", len, "builtins:sum")([1, 2])
    3
    """
    name = owner or getattr(local_fn, "__name__", "this function")
    check_engine(engine, name)
    if engine == "pandas":
        return local_fn
    chosen = spark_fn if engine == "spark" else duckdb_fn
    if chosen is None:
        has = ["'pandas'"] + (["'spark'"] if spark_fn is not None else []) + (
            ["'duckdb'"] if duckdb_fn is not None else [])
        raise ParameterError(
            f"{name} has no engine={engine!r}; use engine={' or '.join(has)} for it. "
            + ("The duckdb engine builds the tables from order lines (features.customer_table, "
               "basket.basket_matrix / frequent_itemsets, sequence.customer_sequences / "
               "frequent_sequences); models and other steps run in pandas."
               if engine == "duckdb" else "")
        )
    if isinstance(chosen, str):
        import importlib

        module, _, attr = chosen.partition(":")
        chosen = getattr(importlib.import_module(module), attr)
    if engine == "duckdb" and duckdb_options:
        import functools

        return functools.partial(chosen, **dict(duckdb_options))
    return chosen
