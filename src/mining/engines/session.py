"""Spark sessions and the bridge between Spark and pandas, shared by every Spark backend.

The Spark implementations live beside their analyses (``mining/<package>/_spark.py``); what they
share is here, public:

===============================  ================================================================
name                             job
===============================  ================================================================
:func:`spark_session`            start ``local[*]`` or join a cluster (master URL)
:func:`get_session`              the session given, else the active one, else a new local one
:func:`read_transactions_spark`  transactions (Spark/pandas DataFrame, Parquet/CSV path) as a
                                 Spark DataFrame with the contract's types
:func:`to_spark`                 a pandas table as a Spark DataFrame (through Arrow)
:func:`collect`                  a (small) Spark result as pandas (through Arrow)
:func:`utc`                      session time zone UTC (and Arrow on) while a block runs
:func:`session_conf`             any session settings while a block runs, put back afterwards
:func:`is_spark_df`              is this a Spark DataFrame (without importing pyspark)?
:func:`micros_ceil`              a cutoff as whole microseconds (``t_us < it`` <=> ``t < when``)
:func:`timestamp_micros`         a timestamp column as microseconds since the epoch
===============================  ================================================================

Sessions: :func:`spark_session` starts ``local[*]`` (every core of this machine) by default, or
joins a cluster given its master URL (``spark://host:7077``, ``yarn``, ``k8s://...``); every
Spark function takes ``spark=`` and otherwise uses the active session, starting a local one if
none is running (:func:`get_session`). Timestamps are read as naive UTC (the contract): while a
function runs, the session's time zone is set to UTC and put back afterwards (:func:`utc`).

``pyspark`` is imported only when a function runs; importing this module needs no Spark.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mining.errors import MiningError, ParameterError, SchemaError, check_param

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = [
    "DAY_US",
    "MASTER_ENV",
    "QUICK_START_CONFIG",
    "collect",
    "get_session",
    "is_spark_df",
    "micros_ceil",
    "read_transactions_spark",
    "session_conf",
    "spark_session",
    "timestamp_micros",
    "to_spark",
    "utc",
]

#: Environment variable read by :func:`spark_session` when no master URL is given.
MASTER_ENV = "MINING_SPARK_MASTER"
#: Settings for a quick start on small data (tests, the demo notebooks): the JVM's fast
#: compiler only and no whole-stage code generation. A 15 s start instead of 35 s, and the
#: first query in seconds; leave them out for large data, where they cost throughput.
QUICK_START_CONFIG: dict[str, str] = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
}
#: Microseconds in a day (Spark timestamps are microseconds).
DAY_US = 86_400 * 10**6
_TX_STRING = ("customer_id", "order_id", "product_id", "product_name", "category")
_TX_FLOAT = ("quantity", "unit_price")
_NANOS = "spark.sql.legacy.parquet.nanosAsLong"
_INSTALL_HINT = ('Install the optional extra: pip install -e ".[spark]" (pyspark), and a Java '
                 "runtime (Java 17 or later for Spark 4).")


def _pyspark() -> Any:
    try:
        import pyspark
    except ImportError as exc:
        raise MiningError(f"engine='spark' needs pyspark, which is not installed. "
                          f"{_INSTALL_HINT}") from exc
    return pyspark


def spark_session(
    master: str | None = None,
    *,
    app_name: str = "mining",
    config: dict[str, Any] | None = None,
) -> SparkSession:
    """Start (or join) a Spark session for the ``engine="spark"`` functions.

    Parameters
    ----------
    master : str, optional
        Spark master URL: ``"local[*]"`` (every core of this machine), ``"local[2]"``,
        ``"spark://host:7077"`` (a standalone cluster), ``"yarn"``, ``"k8s://https://..."``.
        None: the ``MINING_SPARK_MASTER`` environment variable, else the session already
        running in this process (e.g. one made by ``spark-submit`` or ``pyspark``), else
        ``"local[*]"``.
    app_name : str
        Application name shown in the Spark UI and the cluster manager.
    config : dict, optional
        Extra Spark settings, e.g. ``{"spark.driver.memory": "8g",
        "spark.executor.memory": "16g"}`` (driver settings only count when this call starts
        the JVM).

    Returns
    -------
    SparkSession
        With ``spark.sql.session.timeZone=UTC`` (the contract's timestamps are naive UTC) and
        Arrow transfers on. A local session also gets a quiet console (no progress bars, log
        level ERROR) and fewer shuffle partitions (2 per core instead of 200), and it listens on
        127.0.0.1 only.

    Raises
    ------
    MiningError
        pyspark or a Java runtime is missing.

    Examples
    --------
    >>> spark = spark_session()                                 # doctest: +SKIP
    >>> spark = spark_session("spark://head:7077", config={"spark.executor.memory": "16g"})
    ... # doctest: +SKIP
    """
    _pyspark()
    from pyspark.sql import SparkSession

    check_param(master is None or (isinstance(master, str) and master.strip() != ""), "master",
                "spark_session", "None or a Spark master URL such as 'local[*]'", master)
    check_param(config is None or isinstance(config, dict), "config", "spark_session",
                "None or a dict of Spark settings", config)
    if master is None:
        master = os.environ.get(MASTER_ENV) or None
    if master is None:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        master = "local[*]"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise MiningError("engine='spark' needs a Java runtime (java was not found on PATH and "
                          "JAVA_HOME is not set). Install one, e.g. apt-get install "
                          "default-jre-headless.")
    local = master.startswith("local")
    settings: dict[str, Any] = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if local:
        cores = os.cpu_count() or 1
        if master.startswith("local[") and master[6:-1].isdigit():
            cores = int(master[6:-1])
        settings.update({
            "spark.sql.shuffle.partitions": str(max(2, 2 * cores)),
            "spark.ui.showConsoleProgress": "false",
            "spark.ui.enabled": "false",
            # a local session talks to itself only: stay on the loopback interface
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        })
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    if local:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def get_session(spark: SparkSession | None = None) -> SparkSession:
    """``spark`` when given, else the active session, else a new local one (:func:`spark_session`).

    Raises :class:`MiningError` when pyspark is missing.
    """
    _pyspark()
    if spark is not None:
        return spark
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() or spark_session()


@contextlib.contextmanager
def session_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """Session settings while the block runs; the old values come back afterwards."""
    old = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def utc(spark: SparkSession) -> contextlib.AbstractContextManager[None]:
    """Session time zone UTC (and Arrow on) while the block runs; the old values come back.

    >>> with utc(spark):                        # doctest: +SKIP
    ...     table = collect(sdf)
    """
    return session_conf(spark, {"spark.sql.session.timeZone": "UTC",
                                "spark.sql.execution.arrow.pyspark.enabled": "true",
                                _NANOS: spark.conf.get(_NANOS, "false")})


def is_spark_df(obj: Any) -> bool:
    """True for a ``pyspark.sql.DataFrame`` (checked by type name: pyspark is not imported).

    >>> is_spark_df(pd.DataFrame())
    False
    """
    mod = type(obj).__module__ or ""
    return mod.startswith("pyspark.sql") and type(obj).__name__ == "DataFrame"


def to_spark(spark: SparkSession, pdf: pd.DataFrame) -> SparkDataFrame:
    """A pandas table as a Spark DataFrame, through Arrow (strings stay strings)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf, preserve_index=False)
    try:
        return spark.createDataFrame(table)  # Spark >= 4.0 takes an Arrow table
    except (TypeError, ValueError):  # pragma: no cover - Spark 3.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return spark.createDataFrame(table.to_pandas())


def collect(sdf: SparkDataFrame) -> pd.DataFrame:
    """A (small) Spark result as pandas, through Arrow when the Spark version can."""
    if hasattr(sdf, "toArrow"):  # Spark >= 4.0
        return sdf.toArrow().to_pandas()
    with warnings.catch_warnings():  # pragma: no cover - Spark 3.5
        warnings.simplefilter("ignore", FutureWarning)
        return sdf.toPandas()


def read_transactions_spark(
    tx_or_path: Any,
    *,
    spark: SparkSession | None = None,
    columns: Sequence[str] | None = None,
    owner: str = "read_transactions_spark",
) -> SparkDataFrame:
    """Transactions as a Spark DataFrame with the contract's types.

    Parameters
    ----------
    tx_or_path : Spark DataFrame, pandas DataFrame, str or path
        A Spark DataFrame; a pandas DataFrame (copied into Spark, for small data and tests); or
        a path Spark reads: a Parquet file or folder of Parquet files (``*.parquet`` or a
        folder), or CSV with a header row (``*.csv``, ``*.csv.gz``; every column read as text,
        then cast). Paths may be any URL Spark knows (``hdfs://``, ``s3a://``).
    spark : SparkSession, optional
        Default: the active session, or a new local one (:func:`spark_session`).
    columns : list of str, optional
        Columns that must be present (a :class:`SchemaError` lists the missing ones).

    Returns
    -------
    Spark DataFrame
        The contract columns present, cast: ids and names to string, ``quantity`` and
        ``unit_price`` to double, ``timestamp`` to timestamp. Other columns pass unchanged.
        Parquet files with nanosecond timestamps (what pandas >= 3 writes) are read at
        microsecond precision; reading them needs the session setting
        ``spark.sql.legacy.parquet.nanosAsLong=true``, which is then set.
    """
    spark = get_session(spark)
    if is_spark_df(tx_or_path):
        sdf = tx_or_path
    elif isinstance(tx_or_path, pd.DataFrame):
        sdf = to_spark(spark, tx_or_path)
    elif isinstance(tx_or_path, str | os.PathLike):
        path = str(tx_or_path)
        low = path.lower().rstrip("/")
        if low.endswith((".csv", ".csv.gz", ".csv.bz2", ".txt")):
            sdf = spark.read.csv(path, header=True, inferSchema=False)
        elif low.endswith(".parquet") or "://" in path or Path(path).is_dir():
            # pandas >= 3 writes nanosecond timestamps, which Spark refuses; read them as
            # int64 nanoseconds (converted below)
            with session_conf(spark, {_NANOS: "true"}):
                sdf = spark.read.parquet(path)
                nanos = dict(sdf.dtypes).get("timestamp") == "bigint"
            if nanos:
                from pyspark.sql import functions as F

                # the files can only be read with this setting (the functions of this module
                # put the session's value back when they finish)
                spark.conf.set(_NANOS, "true")
                sdf = sdf.withColumn("timestamp", F.timestamp_micros(
                    F.floor(F.col("timestamp") / 1000).cast("long")))
        else:
            raise ParameterError(
                f"The 'tx_or_path' parameter of {owner} must be a Parquet file or folder "
                f"(*.parquet, a folder) or a CSV file (*.csv). Got {path!r} instead. Convert "
                "other formats with mining.io.load_transactions and DataFrame.to_parquet.")
    else:
        raise ParameterError(
            f"The 'tx_or_path' parameter of {owner} must be a Spark DataFrame, a pandas "
            f"DataFrame or a Parquet/CSV path. Got {type(tx_or_path).__name__} instead.")
    missing = [c for c in (columns or ()) if c not in sdf.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, TimestampNTZType, TimestampType

    types = dict(sdf.dtypes)
    cast = []
    for c in sdf.columns:
        if c in _TX_STRING and types[c] != "string":
            cast.append(F.col(c).cast(StringType()).alias(c))
        elif c in _TX_FLOAT and types[c] != "double":
            cast.append(F.col(c).cast("double").alias(c))
        elif c == "timestamp" and types[c] not in ("timestamp", "timestamp_ntz"):
            cast.append(F.to_timestamp(F.col(c)).alias(c))
        else:
            cast.append(F.col(c))
    sdf = sdf.select(*cast)
    if "timestamp" in sdf.columns:
        kind = sdf.schema["timestamp"].dataType
        if not isinstance(kind, TimestampType | TimestampNTZType):  # pragma: no cover
            raise SchemaError([f"column 'timestamp' must be a timestamp (got {kind})"])
    return sdf


def micros_ceil(when: pd.Timestamp) -> int:
    """Smallest whole microsecond >= ``when`` (so ``t_us < it`` <=> ``t < when``).

    >>> micros_ceil(pd.Timestamp("1970-01-01 00:00:00.000001500"))
    2
    """
    ns = int(when.value)
    return -((-ns) // 1000)


def timestamp_micros(col: str = "timestamp") -> Any:
    """The Spark column ``col`` as microseconds since the epoch (a Spark ``Column``)."""
    from pyspark.sql import functions as F

    return F.unix_micros(F.col(col).cast("timestamp"))
