"""The Spark engine: the heavy analyses on Apache Spark, results as local pandas tables.

Each function reads transactions as a Spark DataFrame, a Parquet/CSV path Spark reads, or (for
tests and small data) a pandas DataFrame; it does the work over order lines in Spark and brings
back only the result, a pandas DataFrame with exactly the columns, index and dtypes of the
local function:

==============================  ===========================================  ==================
function                        Spark part                                   local twin
==============================  ===========================================  ==================
:func:`customer_table_spark`    Spark SQL aggregations per customer, order,  ``features.
                                order date and category                      customer_table``
:func:`frequent_itemsets_spark` baskets (``collect_set`` per order) and       ``basket.
                                MLlib ``FPGrowth``                           frequent_itemsets``
:func:`association_rules_spark` the same itemsets; rules from them           ``basket.
                                                                             association_rules``
:func:`frequent_sequences_spark` sequences per customer and MLlib            ``sequence.frequent_
                                ``PrefixSpan``                               sequences``
:func:`kmeans_spark`,           MLlib ``KMeans`` (k-means||, restarts)       ``segment`` k-means
:class:`SparkKMeans`                                                         labels
==============================  ===========================================  ==================

Where the definitions agree the results are equal to the local ones (integer counts exactly,
money and day statistics to floating-point rounding: Spark adds in another order). Where they
differ it is said in the function: Spark's PrefixSpan has no gap or window constraints, Spark's
FPGrowth has no maximum itemset length (longer itemsets are mined, then dropped), and Spark's
k-means starts (k-means||) differ from scikit-learn's, so segment labels agree up to the
clustering's own randomness, not bit for bit.

Sessions: :func:`spark_session` starts ``local[*]`` (every core of this machine) by default, or
joins a cluster given its master URL (``spark://host:7077``, ``yarn``, ``k8s://...``); every
function takes ``spark=`` and otherwise uses the active session, starting a local one if none
is running. Timestamps are read as naive UTC (the contract): while a function runs, the
session's time zone is set to UTC and put back afterwards.

``pyspark`` is imported only when a function runs; importing this module needs no Spark.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mining.errors import (
    InsufficientDataError,
    MiningError,
    ParameterError,
    SchemaError,
    check_param,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = [
    "MASTER_ENV",
    "QUICK_START_CONFIG",
    "SparkKMeans",
    "association_rules_spark",
    "customer_table_spark",
    "frequent_itemsets_spark",
    "frequent_sequences_spark",
    "kmeans_spark",
    "read_transactions_spark",
    "spark_session",
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
_TX_STRING = ("customer_id", "order_id", "product_id", "product_name", "category")
_TX_FLOAT = ("quantity", "unit_price")
_DAY_US = 86_400 * 10**6
_NANOS = "spark.sql.legacy.parquet.nanosAsLong"
_INSTALL_HINT = ('Install the optional extra: pip install -e ".[spark]" (pyspark), and a Java '
                 "runtime (Java 17 or later for Spark 4).")


# -- sessions -----------------------------------------------------------------------------------


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


def _session(spark: Any) -> SparkSession:
    _pyspark()
    if spark is not None:
        return spark
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() or spark_session()


@contextlib.contextmanager
def _conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
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


def _utc(spark: SparkSession) -> contextlib.AbstractContextManager[None]:
    """Session time zone UTC (and Arrow on) while the block runs."""
    return _conf(spark, {"spark.sql.session.timeZone": "UTC",
                         "spark.sql.execution.arrow.pyspark.enabled": "true",
                         _NANOS: spark.conf.get(_NANOS, "false")})


def _is_spark_df(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("pyspark.sql") and type(obj).__name__ == "DataFrame"


def _to_spark(spark: SparkSession, pdf: pd.DataFrame) -> SparkDataFrame:
    """A pandas table as a Spark DataFrame, through Arrow (strings stay strings)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf, preserve_index=False)
    try:
        return spark.createDataFrame(table)  # Spark >= 4.0 takes an Arrow table
    except (TypeError, ValueError):  # pragma: no cover - Spark 3.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return spark.createDataFrame(table.to_pandas())


def _collect(sdf: SparkDataFrame) -> pd.DataFrame:
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
    spark = _session(spark)
    if _is_spark_df(tx_or_path):
        sdf = tx_or_path
    elif isinstance(tx_or_path, pd.DataFrame):
        sdf = _to_spark(spark, tx_or_path)
    elif isinstance(tx_or_path, str | os.PathLike):
        path = str(tx_or_path)
        low = path.lower().rstrip("/")
        if low.endswith((".csv", ".csv.gz", ".csv.bz2", ".txt")):
            sdf = spark.read.csv(path, header=True, inferSchema=False)
        elif low.endswith(".parquet") or "://" in path or Path(path).is_dir():
            # pandas >= 3 writes nanosecond timestamps, which Spark refuses; read them as
            # int64 nanoseconds (converted below)
            with _conf(spark, {_NANOS: "true"}):
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


def _micros(when: pd.Timestamp) -> int:
    """Smallest whole microsecond >= ``when`` (so ``t_us < it`` <=> ``t < when``)."""
    ns = int(when.value)
    return -((-ns) // 1000)


def _ts_us(col: str = "timestamp") -> Any:
    from pyspark.sql import functions as F

    return F.unix_micros(F.col(col).cast("timestamp"))


# -- customer feature table ----------------------------------------------------------------------


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
        Transactions (see :func:`read_transactions_spark`): ``customer_id``, ``order_id``,
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
    from mining.features import (
        FEATURE_COLUMNS,
        SHARE_PREFIX,
        _days,
        _parse_as_of,
        category_column_name,
        spend_shares,
        spend_trend,
    )

    owner = "customer_table_spark"
    when = _parse_as_of(as_of, owner)
    check_param(isinstance(recent_days, Real) and not isinstance(recent_days, bool)
                and np.isfinite(recent_days) and recent_days > 0,
                "recent_days", owner, "a positive number of days", recent_days)
    check_param(isinstance(categories, bool | np.bool_), "categories", owner, "True or False",
                categories)
    spark = _session(spark)
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    need = ["customer_id", "order_id", "timestamp", "product_id", "quantity", "unit_price"]
    with _utc(spark):
        tx = read_transactions_spark(tx_or_path, spark=spark, columns=need, owner=owner)
        use_cat = bool(categories) and "category" in tx.columns
        start = when - pd.Timedelta(days=float(recent_days))
        when_us, start_us = _micros(when), _micros(start)
        lines = (tx.select(
            "customer_id", "order_id", "product_id",
            _ts_us().alias("t"),
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
        days = (orders.select("customer_id", F.floor(F.col("t") / _DAY_US).alias("day"))
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
        raw = _collect(result)
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
    out["monetary_mean_order"] = out["monetary_total"] / out["n_orders"]
    out["basket_size_mean"] = out["n_lines"] / out["n_orders"]
    out["tenure_days"] = _days(when - out["first_purchase"])
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


# -- baskets and frequent itemsets ---------------------------------------------------------------


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
    pairs = _collect(tx.where(pid.isNotNull())
                     .select(pid.alias("pid"),
                             F.coalesce(F.col("product_name"), pid).alias("name"))
                     .groupBy("pid", "name").count())
    pairs = pairs.sort_values(["pid", "count", "name"], ascending=[True, False, True],
                              kind="mergesort")
    first = pairs.drop_duplicates("pid")
    ids_per_name = first.groupby("name")["pid"].nunique()
    shared = first["name"].map(ids_per_name).to_numpy() > 1
    label = np.where(shared, first["name"] + " (" + first["pid"] + ")", first["name"])
    mapping = _to_spark(spark, pd.DataFrame({"pid": first["pid"].astype(object).to_numpy(),
                                             "item": pd.Series(label, dtype=object)
                                             .to_numpy()}))
    return tx.join(F.broadcast(mapping), tx["product_id"] == mapping["pid"], "left").drop("pid")


def _baskets(data: Any, spark: SparkSession, *, level: str, use_names: bool,
             owner: str) -> SparkDataFrame:
    """One row per basket with an ``items`` array column (distinct item labels)."""
    from pyspark.sql import functions as F

    check_param(level in ("product", "category"), "level", owner,
                "one of 'product', 'category'", level)
    if _is_spark_df(data) and "items" in data.columns and "order_id" not in data.columns:
        return data.select(F.array_distinct(F.col("items")).alias("items"))
    if isinstance(data, pd.DataFrame) and not {"order_id", "product_id"} <= set(data.columns):
        # one-hot baskets (rows: baskets, columns: items), the local frequent_itemsets input
        from mining.basket._baskets import to_csr

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
        ``itemsets``, ``count``, ``length``, ``itemset_str``; ``attrs`` ``n_baskets``,
        ``min_count``, ``min_support``, ``max_len`` and ``algorithm`` = ``"spark-fpgrowth"``.
    """
    from mining.basket._itemsets import NoItemsetsWarning, _group, _table, gc_paused, min_count_for

    owner = "frequent_itemsets_spark"
    check_param(isinstance(min_support, int | float) and not isinstance(min_support, bool)
                and 0 < float(min_support) <= 1, "min_support", owner, "a float in (0, 1]",
                min_support, "It is a share of baskets: 0.01 means 1% of baskets.")
    check_param(max_len is None or (isinstance(max_len, Integral) and max_len >= 1),
                "max_len", owner, "None or an int >= 1", max_len)
    check_param(num_partitions is None or (isinstance(num_partitions, Integral)
                                           and num_partitions >= 1),
                "num_partitions", owner, "None or an int >= 1", num_partitions)
    spark = _session(spark)
    from pyspark.ml.fpm import FPGrowth
    from pyspark.sql import functions as F

    with _utc(spark):
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
                found = _collect(sets)
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
    out.attrs.update({"n_baskets": int(n), "min_count": int(min_count),
                      "min_support": float(min_support), "max_len": max_len,
                      "algorithm": "spark-fpgrowth"})
    if out.empty:
        hint = (f" The most frequent item is in {int(top):,} of {n:,} baskets "
                f"({top / n:.4%})." if n else " There are no baskets.")
        warnings.warn(f"{owner}: no itemset is in at least {min_count:,} baskets "
                      f"(min_support={min_support}).{hint} Lower min_support.",
                      NoItemsetsWarning, stacklevel=2)
    return out


def association_rules_spark(
    data: Any,
    *,
    min_support: float,
    max_len: int | None = None,
    level: str = "product",
    use_names: bool = True,
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
        Exactly the table of ``association_rules(frequent_itemsets(baskets, ...), ...)``, with
        ``attrs["n_itemsets"]`` and ``attrs["min_count"]`` added (as ``basket.mine_rules``).
    """
    from mining.basket import NoItemsetsWarning, association_rules

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoItemsetsWarning)
        fi = frequent_itemsets_spark(data, min_support=min_support, max_len=max_len, level=level,
                                     use_names=use_names, spark=spark)
    rules = association_rules(fi, metric=metric, min_threshold=min_threshold, **rule_options)
    rules.attrs["n_itemsets"] = len(fi)
    rules.attrs["min_count"] = fi.attrs["min_count"]
    return rules


# -- sequential patterns ---------------------------------------------------------------------------


def _sequences_from_db(spark: SparkSession, db: Any) -> tuple[SparkDataFrame, np.ndarray]:
    """A local sequence database as Spark rows of item-code arrays, and the code labels."""
    from pyspark.sql.types import ArrayType, LongType, StructField, StructType

    from mining.sequence._database import as_database

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
    item_col = ("category" if level == "category" else
                "product_name" if use_names else "product_id")
    need = ["customer_id", "timestamp", item_col] + (["order_id"] if element == "order" else [])
    tx = read_transactions_spark(data, spark=spark, columns=need, owner=owner)
    t = _ts_us()
    cond = t.isNotNull() & F.col("customer_id").isNotNull() & F.col(item_col).isNotNull()
    if as_of is not None:
        cond = cond & (t < _micros(pd.Timestamp(as_of)))
    key = (F.col("order_id") if element == "order"
           else F.floor(t / _DAY_US).cast("string"))
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
    use_names: bool = False,
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
        ``support_count``, ``support``, sorted by support, length, text; ``attrs``
        ``n_sequences`` and ``min_count``.
    """
    from mining.sequence._mine import _check_days, _closed_maximal, _frame, min_count_for

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
    spark = _session(spark)
    from pyspark.ml.fpm import PrefixSpan
    from pyspark.sql import functions as F

    is_db = not (_is_spark_df(data) or isinstance(data, str | os.PathLike)
                 or (isinstance(data, pd.DataFrame) and "itemsets" not in data.columns))
    with _utc(spark):
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
                found = _collect(ps.findFrequentSequentialPatterns(seqs)
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
    return _frame(patterns, sup, n, min_count)


# -- k-means -----------------------------------------------------------------------------------


class SparkKMeans:
    """k-means fitted by Spark MLlib ``KMeans``, with scikit-learn's fitted attributes.

    A drop-in for ``sklearn.cluster.KMeans`` inside :mod:`mining.segment`: ``fit(Z)`` on the
    standardized matrix, then ``labels_``, ``cluster_centers_``, ``inertia_``, ``n_iter_`` and
    ``predict(Z)`` (nearest centre, computed locally). Spark starts with k-means|| (a parallel
    k-means++), so labels match scikit-learn's up to the randomness of the starts: on
    well-separated segments the partitions are the same; the numbering is made equal by
    ``segment``'s size ordering.

    Parameters
    ----------
    n_clusters : int
        k.
    n_init : int
        Restarts with seeds ``random_state, random_state + 1, ...``; the lowest inertia wins
        (scikit-learn's ``n_init``).
    max_iter, tol : int, float
        Spark's ``maxIter`` and ``tol`` (scikit-learn's defaults: 300, 1e-4).
    random_state : int
        Seed of the first start.
    spark : SparkSession, optional
        Default: the active session, or a new local one.
    """

    def __init__(self, n_clusters: int = 8, *, n_init: int = 3, max_iter: int = 300,
                 tol: float = 1e-4, random_state: int = 0,
                 spark: SparkSession | None = None) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.spark = spark

    def fit(self, Z: Any, y: Any = None) -> SparkKMeans:
        """Cluster the rows of ``Z`` (array-like, n x d, no missing values)."""
        owner = "SparkKMeans"
        arr = np.asarray(Z, dtype="float64")
        check_param(arr.ndim == 2 and len(arr) >= 1, "Z", owner, "a 2-d array of rows",
                    f"shape {arr.shape}")
        check_param(isinstance(self.n_clusters, Integral) and 1 <= self.n_clusters <= len(arr),
                    "n_clusters", owner, f"an int in [1, {len(arr)}]", self.n_clusters)
        check_param(isinstance(self.n_init, Integral) and self.n_init >= 1, "n_init", owner,
                    "an int >= 1", self.n_init)
        if not np.isfinite(arr).all():
            raise ParameterError(f"{owner}: Z holds missing or infinite values; impute them.")
        spark = _session(self.spark)
        from pyspark.ml.clustering import KMeans
        from pyspark.ml.feature import VectorAssembler

        cols = [f"f{j}" for j in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=cols)
        frame.insert(0, "row", np.arange(len(arr), dtype=np.int64))
        sdf = VectorAssembler(inputCols=cols, outputCol="features").transform(
            _to_spark(spark, frame)).select("row", "features").persist()
        try:
            best = None
            for i in range(int(self.n_init)):
                model = KMeans(k=int(self.n_clusters), seed=int(self.random_state) + i,
                               maxIter=int(self.max_iter), tol=float(self.tol),
                               featuresCol="features").fit(sdf)
                cost = float(model.summary.trainingCost)
                if best is None or cost < best[0]:
                    best = (cost, model)
            assert best is not None
            cost, model = best
            pred = _collect(model.transform(sdf).select("row", "prediction")).sort_values("row")
        finally:
            sdf.unpersist()
        self.cluster_centers_ = np.array([np.asarray(c, dtype=float)
                                          for c in model.clusterCenters()])
        self.labels_ = pred["prediction"].to_numpy(dtype=np.int64)
        self.inertia_ = cost
        self.n_iter_ = int(model.summary.numIter)
        self.n_features_in_ = arr.shape[1]
        return self

    def predict(self, Z: Any) -> np.ndarray:
        """Nearest fitted centre of each row (computed locally, no Spark job)."""
        if not hasattr(self, "cluster_centers_"):
            raise ParameterError("This SparkKMeans is not fitted yet. Call fit(Z) first.")
        arr = np.asarray(Z, dtype="float64")
        d = ((arr[:, None, :] - self.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
        return d.argmin(axis=1).astype(np.int64)

    def fit_predict(self, Z: Any, y: Any = None) -> np.ndarray:
        return self.fit(Z).labels_


def kmeans_spark(
    table: Any,
    *,
    n_clusters: int,
    features: Sequence[str] | None = None,
    log_features: str | Sequence[str] | None = "auto",
    random_state: int = 0,
    n_init: int = 3,
    spark: SparkSession | None = None,
) -> pd.Series:
    """k-means segments of a customer table, clustered by Spark MLlib ``KMeans``.

    The same preprocessing as :class:`mining.segment.CustomerSegmenter` (default features,
    log1p of skewed columns, median imputation, standard scaling), then :class:`SparkKMeans`,
    then the segment's numbering (0 = largest segment, ties by centroid).

    Parameters
    ----------
    table : DataFrame
        Customer feature table indexed by ``customer_id`` (e.g. from
        :func:`customer_table_spark`); a Spark DataFrame with a ``customer_id`` column is
        brought to pandas first (one row per customer).
    n_clusters : int
        Number of segments.
    features, log_features, random_state
        As :class:`mining.segment.CustomerSegmenter`.
    n_init : int
        Restarts of Spark's k-means (lowest inertia kept).
    spark : SparkSession, optional
        Default: the active session, or a new local one.

    Returns
    -------
    Series
        ``segment`` (int) indexed by ``customer_id``, like ``CustomerSegmenter.labels_``.
    """
    from mining.segment import _make_pipeline, _relabel, _resolve_features, _size_order

    owner = "kmeans_spark"
    if _is_spark_df(table):
        pdf = _collect(table)
        if "customer_id" in pdf.columns:
            pdf = pdf.set_index(pd.Index(pdf.pop("customer_id"), dtype="string",
                                         name="customer_id"))
        table = pdf
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The 'table' parameter of {owner} must be a customer feature "
                             f"table (DataFrame). Got {type(table).__name__} instead.")
    check_param(isinstance(n_clusters, Integral) and 2 <= n_clusters <= max(2, len(table)),
                "n_clusters", owner, f"an int in [2, {len(table)}]", n_clusters)
    feats, _ = _resolve_features(table, features, owner)
    pipe = _make_pipeline(log_features)
    Z = pipe.fit_transform(table[feats]).to_numpy(dtype=float)
    model = SparkKMeans(int(n_clusters), n_init=n_init, random_state=random_state,
                        spark=spark).fit(Z)
    labels = _relabel(model.labels_, _size_order(model.labels_, Z))
    return pd.Series(labels, index=table.index, name="segment")
