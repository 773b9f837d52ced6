"""The customer feature table in DuckDB (``customer_table(..., engine="duckdb")``).

The same table as the pandas engine (every column, the same order and index; floats equal to
rounding): the aggregation runs as one DuckDB query over the order lines where they lie (a
pandas DataFrame, scanned without a copy, or a Parquet, CSV or DuckDB source read out of core,
see :func:`mining.engines.duck.relation_of`), with
the memory limit of :func:`mining.engines.duck.configure`. The formulas that do not aggregate
(ratios, ``spend_trend``, shares) are the package's shared ones.
"""

from __future__ import annotations

import pandas as pd

from mining.engines.duck import connect, relation_of
from mining.engines.duck_sources import sql_literal
from mining.errors import InsufficientDataError, SchemaError
from mining.features import (
    _REQUIRED,
    FEATURE_COLUMNS,
    _add_ratios,
    _check_window,
    _days,
    _with_shares,
    category_column_name,
    spend_shares,
    spend_trend,
)

__all__ = ["customer_table_duckdb"]

_OWNER = "customer_table"

_QUERY = """
WITH lines AS (
    SELECT CAST(customer_id AS VARCHAR) AS cid, CAST(order_id AS VARCHAR) AS oid,
           CAST("timestamp" AS TIMESTAMP) AS ts, CAST(product_id AS VARCHAR) AS pid,
           CAST(quantity AS DOUBLE) AS q,
           CAST(quantity AS DOUBLE) * CAST(unit_price AS DOUBLE) AS amount{cat}
    FROM src
    WHERE "timestamp" < $when AND customer_id IS NOT NULL
),
orders AS (
    SELECT cid, oid, min(ts) AS ts, fsum(amount) AS amount FROM lines GROUP BY cid, oid
),
cust AS (
    SELECT cid, min(ts) AS first_purchase, max(ts) AS last_purchase, count(*) AS n_lines,
           count(DISTINCT pid) AS n_products, coalesce(fsum(q), 0) AS quantity_total,
           coalesce(fsum(amount), 0) AS monetary_total{spend}
    FROM lines GROUP BY cid
),
ord AS (
    SELECT cid, count(*) AS n_orders,
           count(*) FILTER (WHERE ts >= $start) AS orders_recent,
           coalesce(fsum(amount) FILTER (WHERE ts >= $start), 0) AS spend_recent
    FROM orders GROUP BY cid
),
dates AS (SELECT DISTINCT cid, date_trunc('day', ts) AS d FROM orders),
gaps AS (
    SELECT cid, epoch_us(d - lag(d) OVER (PARTITION BY cid ORDER BY d)) / 86400000000.0 AS gap
    FROM dates
),
ipt AS (
    SELECT cid, avg(gap) AS ipt_mean_days, median(gap) AS ipt_median_days,
           stddev_pop(gap) AS ipt_std_days
    FROM gaps WHERE gap IS NOT NULL GROUP BY cid
)
SELECT cust.cid AS customer_id, first_purchase, last_purchase, n_orders, n_lines, n_products,
       quantity_total, monetary_total, ipt_mean_days, ipt_median_days, ipt_std_days,
       orders_recent, spend_recent{spend_cols}
FROM cust JOIN ord USING (cid) LEFT JOIN ipt USING (cid)
ORDER BY customer_id
"""

_CATEGORIES = """
SELECT DISTINCT CAST(category AS VARCHAR) AS category FROM src
WHERE "timestamp" < $when AND customer_id IS NOT NULL AND category IS NOT NULL
"""

#: Beyond this many share columns the spend per category is a second, long query.
_MAX_INLINE_SHARES = 64

_SHARES = """
SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST(category AS VARCHAR) AS category,
       fsum(CAST(quantity AS DOUBLE) * CAST(unit_price AS DOUBLE)) AS amount
FROM src
WHERE "timestamp" < $when AND customer_id IS NOT NULL AND category IS NOT NULL
GROUP BY 1, 2
"""


def _check_timestamp(con: object, source: object) -> None:
    if isinstance(source, pd.DataFrame):
        dtype = source["timestamp"].dtype
        ok = pd.api.types.is_datetime64_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype)
        found = str(dtype)
    else:
        types = dict(con.execute("SELECT column_name, column_type FROM "  # type: ignore[attr-defined]
                                 "(DESCRIBE src)").fetchall())
        found = types.get("timestamp", "")
        ok = found.startswith("TIMESTAMP") and "TIME ZONE" not in found
    if not ok:
        raise SchemaError([
            f"column 'timestamp' must be naive datetime64 (got {found}); "
            "run mining.schema.validate_transactions first"
        ])


def customer_table_duckdb(tx: pd.DataFrame | str, *, as_of: str | pd.Timestamp,
                          recent_days: float = 90, categories: bool = True) -> pd.DataFrame:
    """:func:`mining.features.customer_table` computed by DuckDB (see the module docstring).

    ``tx`` is a DataFrame in the transactions contract, or the path of a Parquet file or folder
    holding it (hive-partitioned folders work), of a CSV file, or a
    :func:`~mining.engines.duck.line_source` (a DuckDB database table).
    """
    when = _check_window(as_of, recent_days, categories, _OWNER)
    start = when - pd.Timedelta(days=float(recent_days))
    with connect() as con:
        relation_of(con, tx, _OWNER, needed=_REQUIRED)
        _check_timestamp(con, tx)
        params = {"when": when.to_pydatetime(), "start": start.to_pydatetime()}
        use_cat = bool(categories) and "category" in [
            r[0] for r in con.execute("DESCRIBE src").fetchall()]
        # the spend per share column in the same pass (one FILTER sum per column, the
        # categories mapped to their columns first); many columns: a second, long query
        cols: dict[str, list[str]] = {}
        if use_cat:
            for (cat,) in con.execute(_CATEGORIES, {"when": params["when"]}).fetchall():
                cols.setdefault(category_column_name(cat), []).append(cat)
        inline = use_cat and 0 < len(cols) <= _MAX_INLINE_SHARES
        names = sorted(cols) if inline else []
        spend = "".join(
            f',\n           coalesce(fsum(amount) FILTER (WHERE cat IN '
            f'({", ".join(sql_literal(c) for c in cols[name])})), 0) AS "_s{j}"'
            for j, name in enumerate(names))
        query = _QUERY.format(cat=",\n           CAST(category AS VARCHAR) AS cat" if inline
                              else "", spend=spend,
                              spend_cols="".join(f', "_s{j}"' for j in range(len(names))))
        out = con.execute(query, params).df()
        by_cat = con.execute(_SHARES, {"when": params["when"]}).df() \
            if use_cat and not inline and len(out) else None
    if out.empty:
        raise InsufficientDataError(
            f"{_OWNER}: no transactions before as_of={when}; choose a later as_of."
        )
    out = out.set_index("customer_id")
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    unit = tx["timestamp"].dtype if isinstance(tx, pd.DataFrame) else "datetime64[ns]"
    for c in ("first_purchase", "last_purchase"):  # the resolution of the input, as pandas keeps it
        out[c] = pd.to_datetime(out[c]).astype(unit)
    out["recency_days"] = _days(when - out["last_purchase"])
    for c in ("n_orders", "n_lines", "n_products", "orders_recent"):
        out[c] = out[c].astype("int64")
    for c in ("quantity_total", "monetary_total", "spend_recent", "ipt_mean_days",
              "ipt_median_days", "ipt_std_days"):
        out[c] = out[c].astype("float64")
    _add_ratios(out, when)
    out["spend_trend"] = spend_trend(out, start=start, recent_days=recent_days)
    if not names:
        out = out[list(FEATURE_COLUMNS)]
    if names:
        spent = out[[f"_s{j}" for j in range(len(names))]].to_numpy(dtype="float64")
        out = out[list(FEATURE_COLUMNS)]
        shares = pd.DataFrame(spend_shares(spent, out["monetary_total"]), index=out.index,
                              columns=names)
        out = pd.concat([out, shares], axis=1)
    elif by_cat is not None:
        col_of = {c: category_column_name(c) for c in by_cat["category"].unique()}
        by_cat["col"] = by_cat["category"].map(col_of)
        out = _with_shares(out, by_cat)
    out.attrs = {"as_of": when, "recent_days": float(recent_days)}
    return out
