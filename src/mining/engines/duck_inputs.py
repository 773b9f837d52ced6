"""The data line and the cleaning counts of a Parquet file, counted by DuckDB where it lies.

:func:`duckdb_counts` is what :func:`mining.inputs.open_inputs` (``engine="duckdb"``) uses to
say how many lines, orders, customers and products a Parquet source holds and what cleaning
removes, by the rules of :func:`mining.schema.clean_transactions`, without reading the lines
into memory. Where DuckDB cannot apply the same reading rule it raises :class:`NotInDuckDB`
(the message says why) and the inputs layer reads the file with pandas instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mining.io import is_sql_url
from mining.schema import REQUIRED_COLUMNS, CleaningReport

__all__ = ["REASON_ORDER", "NotInDuckDB", "duckdb_counts"]


#: The cleaning reasons in the order clean_transactions applies them (a line counts under the
#: first that applies); tests check it against mining.schema.
REASON_ORDER = ("missing_customer_id", "missing_order_id", "missing_product_id",
                 "missing_timestamp", "missing_quantity_or_price", "cancelled_order",
                 "return_negative_quantity", "zero_quantity", "negative_price", "zero_price",
                 "future_timestamp", "duplicate_line")
#: What Python's str.strip() removes (the contract strips ids and names with it).
_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
               "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT")
_NAIVE_TIMES = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")
_TEXT = ("customer_id", "order_id", "product_id", "product_name", "category")


class NotInDuckDB(Exception):
    """DuckDB cannot apply the same reading rule here; the message says why (pandas reads)."""


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def duckdb_counts(source: Any, columns: Any, fill_missing: bool,
                   load_opts: Mapping[str, Any], clean_opts: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], CleaningReport, dict[str, bool]]:
    """The data line's counts, the cleaning counts by reason and the capabilities of a Parquet
    file, computed by DuckDB where the file lies, by the rules of
    :func:`mining.schema.validate_transactions` and :func:`~mining.schema.clean_transactions`.

    Applied only where DuckDB reads a column exactly as those rules do: a single Parquet file
    (not a folder, whose partition columns pyarrow types), no column mapping, reading option
    or ``fill_missing``; ids, names and categories stored as text (stripped as Python strips,
    empty is missing) or as integers (without missing values beyond 2**53); ``timestamp`` as a
    naive or UTC timestamp inside pandas' range; numbers as floats or integers, finite, with a
    finite ``quantity x unit_price``; a status column as ASCII text or integers; a naive
    ``not_after``. Anything else raises :class:`NotInDuckDB` with the reason, and the source
    is read and cleaned by pandas, which names the columns and rows of any bad value exactly
    as without DuckDB (the same :class:`~mining.errors.SchemaError`).

    The duplicate count does not depend on which copy is kept, so the row order of the file
    does not matter. The returned report holds the counts only (``removed_rows`` empty): the
    removed lines themselves are in :attr:`Inputs.cleaning`, read when used.
    """
    from mining.engines.duck import column_types, connect

    if isinstance(source, pd.DataFrame):
        raise NotInDuckDB("a DataFrame source is already in memory")
    text = os.fspath(source)
    if is_sql_url(text):
        raise NotInDuckDB("a database source")
    path = Path(text).expanduser()
    if path.is_dir():
        raise NotInDuckDB("a Parquet folder (its partition columns are typed by pyarrow)")
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        raise NotInDuckDB(f"a {path.suffix.lstrip('.').upper() or 'non-Parquet'} file: its "
                           "text dates and numbers are read by the pandas rules")
    if columns is not None or fill_missing:
        raise NotInDuckDB("column mapping or fill_missing")
    given = sorted(k for k, v in load_opts.items() if v is not None and k != "decimal"
                   or (k == "decimal" and v not in (None, ".")))
    if given:
        raise NotInDuckDB(f"reading options {given}")
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).pandas_metadata or {}
    except Exception:  # broad on purpose: pandas reports a damaged file in its own words
        raise NotInDuckDB("the file could not be read as Parquet") from None
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    opts = dict(clean_opts)
    status_column = opts.get("status_column", "status")
    statuses = [str(x).lower() for x in opts.get("cancelled_statuses",
                                                 ("cancelled", "canceled", "returned",
                                                  "refunded"))]
    prefix = opts.get("cancelled_order_prefix")
    keep_zero = bool(opts.get("keep_zero_price", False))
    not_after = opts.get("not_after")
    if not_after is not None:
        not_after = pd.Timestamp(not_after)
        if not_after.tzinfo is not None:
            raise NotInDuckDB("a time-zone-aware not_after")
    with connect() as con:
        con.read_parquet(str(path)).create_view("src", replace=True)
        types = {k: v for k, v in column_types(con).items() if k not in index_cols}
        missing = [c for c in REQUIRED_COLUMNS if c not in types]
        if missing:
            raise NotInDuckDB(f"missing columns {missing}")
        exprs: dict[str, str] = {}
        checks: list[tuple[str, str]] = []  # (SQL true when pandas would differ/raise, why)
        for col in _TEXT:
            if col not in types:
                continue
            typ = types[col]
            if typ == "VARCHAR":
                exprs[col] = f"nullif(trim({_q(col)}, $ws), '')"
            elif typ in _INTEGER_TYPES:
                exprs[col] = f"CAST({_q(col)} AS VARCHAR)"
                checks.append((f"bool_or({_q(col)} IS NULL) AND max(abs(CAST({_q(col)} AS "
                               f"DOUBLE))) > 9007199254740992",
                               f"{col!r} holds integers beyond 2**53 with missing values"))
            else:
                raise NotInDuckDB(f"column {col!r} is {typ}")
        typ = types["timestamp"]
        if typ in _NAIVE_TIMES:
            ts = '"timestamp"'
        elif typ == "TIMESTAMP WITH TIME ZONE":
            ts = "timezone('UTC', \"timestamp\")"
        else:
            raise NotInDuckDB(f"column 'timestamp' is {typ} (read by the pandas date rules)")
        exprs["timestamp"] = (f"CASE WHEN {ts} >= TIMESTAMP '1677-09-22' AND {ts} < TIMESTAMP "
                              f"'2262-04-11' THEN CAST({ts} AS TIMESTAMP_NS) END")
        checks.append((f"bool_or({ts} < TIMESTAMP '1677-09-22' OR {ts} >= TIMESTAMP "
                       "'2262-04-11')", "timestamps outside the dates pandas can store"))
        for col in ("quantity", "unit_price"):
            typ = types[col]
            if typ not in ("DOUBLE", "FLOAT", *_INTEGER_TYPES):
                raise NotInDuckDB(f"column {col!r} is {typ}")
            exprs[col] = f"CAST({_q(col)} AS DOUBLE)"
            checks.append((f"bool_or(isinf({exprs[col]}))", f"infinite values in {col!r}"))
        checks.append(("bool_or(NOT isinf(CAST(quantity AS DOUBLE)) AND NOT isinf(CAST("
                       "unit_price AS DOUBLE)) AND isinf(CAST(quantity AS DOUBLE) * "
                       "CAST(unit_price AS DOUBLE)))", "quantity x unit_price overflows"))
        extras = [c for c in types if c not in exprs]
        for col in extras:
            if any(t in types[col] for t in ("[]", "STRUCT", "MAP", "UNION")):
                raise NotInDuckDB(f"column {col!r} holds nested values ({types[col]})")
        cancelled = []
        if status_column and status_column in types:
            typ = types[status_column]
            if typ == "VARCHAR":
                checks.append((f"bool_or(NOT regexp_matches({_q(status_column)}, "
                               "'^[\\x00-\\x7F]*$'))", "a status column with non-ASCII text"))
                cancelled.append(f"lower(trim({_q(status_column)}, $ws)) IN "
                                 "(SELECT unnest($statuses))")
            elif typ in _INTEGER_TYPES:
                cancelled.append(f"CAST({_q(status_column)} AS VARCHAR) IN "
                                 "(SELECT unnest($statuses))")
            else:
                raise NotInDuckDB(f"status column {status_column!r} is {typ}")
        if prefix:
            cancelled.append("starts_with(order_id, $prefix)")
        params: dict[str, Any] = {"ws": _WHITESPACE}
        if any("$statuses" in c for c in cancelled):
            params["statuses"] = statuses
        if prefix:
            params["prefix"] = str(prefix)
        row = con.execute("SELECT " + ", ".join(c for c, _ in checks) + " FROM src").fetchone()
        bad = [why for (_, why), hit in zip(checks, row, strict=True) if hit]
        if bad:
            raise NotInDuckDB("values the pandas rules report or read otherwise: "
                               + "; ".join(bad))
        typed = ", ".join([f"{e} AS {_q(c)}" for c, e in exprs.items()]
                          + [_q(c) for c in extras])
        q, p = '"quantity"', '"unit_price"'
        rules = [
            ("missing_customer_id", "customer_id IS NULL"),
            ("missing_order_id", "order_id IS NULL"),
            ("missing_product_id", "product_id IS NULL"),
            ("missing_timestamp", '"timestamp" IS NULL'),
            ("missing_quantity_or_price",
             f"{q} IS NULL OR isnan({q}) OR {p} IS NULL OR isnan({p})"),
            ("cancelled_order", " OR ".join(f"coalesce({c}, false)" for c in cancelled)
             if cancelled else "false"),
            ("return_negative_quantity", f"{q} < 0"),
            ("zero_quantity", f"{q} = 0"),
            ("negative_price", f"{p} < 0"),
            ("zero_price", "false" if keep_zero else f"{p} = 0"),
            ("future_timestamp", '"timestamp" > $not_after' if not_after is not None
             else "false"),
        ]
        if not_after is not None:
            params["not_after"] = not_after.to_pydatetime()
        raw_cols = ", ".join(_q(c) for c in types)
        reason = "CASE " + " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in rules) + \
            " END"
        con.execute(f"CREATE TEMP TABLE t AS SELECT *, {reason} AS _reason FROM "
                    f"(SELECT {typed} FROM (SELECT {raw_cols} FROM src))", params)
        counts = dict(con.execute("SELECT _reason, count(*) FROM t WHERE _reason IS NOT NULL "
                                  "GROUP BY 1").fetchall())
        alive_cols = ", ".join(_q(c) for c in types)
        facts_row = con.execute(
            "SELECT (SELECT count(*) FROM t), count(*), "
            f"(SELECT count(*) FROM (SELECT DISTINCT {alive_cols} FROM t WHERE _reason IS NULL)),"
            " count(DISTINCT order_id), count(DISTINCT customer_id), count(DISTINCT product_id),"
            ' epoch_ns(min("timestamp")), epoch_ns(max("timestamp")),'
            ' count(DISTINCT date_trunc(\'day\', "timestamp")), count(DISTINCT unit_price), '
            + ("bool_or(category IS NOT NULL)" if "category" in types else "false")
            + " FROM t WHERE _reason IS NULL").fetchone()
    (rows_in, alive, distinct, orders, customers, products, first, last, days, prices,
     has_category) = facts_row
    counts["duplicate_line"] = alive - distinct
    removed = {r: int(counts.get(r, 0)) for r in REASON_ORDER}
    rows_out = rows_in - sum(removed.values())
    report = CleaningReport(rows_in=int(rows_in), rows_out=int(rows_out), removed=removed,
                            removed_rows=pd.DataFrame())
    facts = {"rows": int(rows_out), "orders": int(orders), "customers": int(customers),
             "products": int(products),
             "first": None if first is None else pd.Timestamp(int(first), unit="ns"),
             "last": None if last is None else pd.Timestamp(int(last), unit="ns")}
    caps = {"transactions": True, "timestamps": bool(days > 1), "products": bool(products > 1),
            "categories": bool(has_category), "prices": bool(prices > 1), "customers": False,
            "truth": False, "customer_table": False, "survey": False}
    return facts, report, caps
