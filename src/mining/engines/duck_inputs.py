"""The data line and the cleaning counts of a file or database, counted by DuckDB where it lies.

:func:`duckdb_counts` is what :func:`mining.inputs.open_inputs` (``engine="duckdb"``) uses to
say how many lines, orders, customers and products a Parquet file, a CSV file or a DuckDB
database table holds and what cleaning removes, by the rules of
:func:`mining.schema.clean_transactions`, without reading the lines into memory. Where DuckDB
cannot apply the same reading rule it raises :class:`NotInDuckDB` (the message says why) and the
inputs layer reads the source with pandas instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mining.engines.duck_sources import (
    INTEGER_TYPES,
    LineSource,
    NotInDuckDB,
    failed_flags,
    flag_columns,
    kind_of,
    partition_problem,
    q,
    register_raw,
    scan,
    select_list,
    strip_sql,
    typed_columns,
)
from mining.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, CleaningReport

__all__ = ["REASON_ORDER", "NotInDuckDB", "duckdb_counts"]


#: The cleaning reasons in the order clean_transactions applies them (a line counts under the
#: first that applies); tests check it against mining.schema.
REASON_ORDER = ("missing_customer_id", "missing_order_id", "missing_product_id",
                 "missing_timestamp", "missing_quantity_or_price", "cancelled_order",
                 "return_negative_quantity", "zero_quantity", "negative_price", "zero_price",
                 "future_timestamp", "duplicate_line")
#: The reading options DuckDB applies as pandas does, by kind of source (any other given
#: option: pandas reads).
_OPTIONS_READ = {"parquet": (), "csv": ("sep", "encoding", "dayfirst"),
                 "duckdb": ("table", "query")}


def duckdb_counts(source: Any, columns: Any, fill_missing: bool,
                   load_opts: Mapping[str, Any], clean_opts: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], CleaningReport, dict[str, bool]]:
    """The data line's counts, the cleaning counts by reason and the capabilities of a Parquet
    file, a CSV file or a DuckDB database table, computed by DuckDB where the lines lie, by the
    rules of :func:`mining.schema.validate_transactions` and
    :func:`~mining.schema.clean_transactions`.

    Applied only where DuckDB reads every value of a column exactly as those rules do (see
    :func:`mining.engines.duck_sources.typed_columns`): a Parquet file, or a folder whose hive
    partitions both read alike (:func:`~mining.engines.duck_sources.partition_problem`), a
    UTF-8 CSV file or a DuckDB table or query; no
    column mapping or ``fill_missing``; of the reading options only a CSV file's ``sep``,
    ``encoding`` and ``dayfirst`` and a database's ``table``/``query``; a status column as
    ASCII text or integers; a naive ``not_after``. Anything else raises :class:`NotInDuckDB`
    with the reason, and the source is read and cleaned by pandas, which names the columns and
    rows of any bad value exactly as without DuckDB (the same
    :class:`~mining.errors.SchemaError`).

    The duplicate count does not depend on which copy is kept, so the row order of the file
    does not matter. The returned report holds the counts only (``removed_rows`` empty): the
    removed lines themselves are in :attr:`Inputs.cleaning`, read when used.
    """
    from mining.engines.duck import connect

    lines, not_after = _countable(source, columns, fill_missing, load_opts, clean_opts)
    with connect() as con:
        kind, types, _ = register_raw(con, lines, "open_inputs")
        missing = [c for c in REQUIRED_COLUMNS if c not in types]
        if missing:
            raise NotInDuckDB(f"missing columns {missing}")
        exprs, checks, extras = typed_columns(types, text=kind == "csv")
        cancelled, params = _cancelled(types, checks, clean_opts)
        reason = _first_reason(cancelled, bool(clean_opts.get("keep_zero_price", False)),
                               not_after is not None)
        if not_after is not None:
            params["not_after"] = not_after.to_pydatetime()
        # one scan: the typed lines, a flag per check and the first cleaning reason that applies
        flags, _ = flag_columns(checks)
        raw_cols = ", ".join(q(c) for c in types)
        scan(con, f"CREATE TEMP TABLE t AS SELECT *, {reason} AS _reason FROM (SELECT "
                  f"{select_list(exprs, extras)}, {flags} FROM (SELECT {raw_cols} FROM raw))",
             params)
        failed_flags(con, checks, "t")
        counts = dict(con.execute("SELECT _reason, count(*) FROM t WHERE _reason IS NOT NULL "
                                  "GROUP BY 1").fetchall())
        facts_row = con.execute(
            "SELECT (SELECT count(*) FROM t), count(*), "
            f"(SELECT count(*) FROM (SELECT DISTINCT {raw_cols} FROM t WHERE _reason IS NULL)),"
            " count(DISTINCT order_id), count(DISTINCT customer_id), count(DISTINCT product_id),"
            ' epoch_ns(min("timestamp")), epoch_ns(max("timestamp")),'
            ' count(DISTINCT date_trunc(\'day\', "timestamp")), count(DISTINCT unit_price), '
            + ("bool_or(category IS NOT NULL)" if "category" in types else "false")
            + " FROM t WHERE _reason IS NULL").fetchall()[0]
    return _results(facts_row, counts)


def _countable(source: Any, columns: Any, fill_missing: bool, load_opts: Mapping[str, Any],
               clean_opts: Mapping[str, Any]) -> tuple[LineSource, pd.Timestamp | None]:
    """The source as DuckDB reads it, and the naive ``not_after``; :class:`NotInDuckDB` where
    the same rules cannot be applied (see :func:`duckdb_counts`)."""
    from mining.io import source_options

    if isinstance(source, pd.DataFrame):
        raise NotInDuckDB("a DataFrame source is already in memory")
    text = os.fspath(source)
    kind = kind_of(text)
    if kind is None:
        raise NotInDuckDB("a source DuckDB does not read (Excel, a SQL database)")
    folder = Path(text).expanduser()
    if kind == "parquet" and folder.is_dir():
        why = partition_problem(folder, (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS,
                                         clean_opts.get("status_column", "status") or ""))
        if why:
            raise NotInDuckDB(why)
    if columns is not None or fill_missing:
        raise NotInDuckDB("column mapping or fill_missing")
    given = sorted(k for k, v in load_opts.items() if v is not None and k != "decimal"
                   or (k == "decimal" and v not in (None, ".")))
    others = [k for k in given if k not in _OPTIONS_READ[kind]]
    if others:
        raise NotInDuckDB(f"reading options {others}")
    not_after = clean_opts.get("not_after")
    if not_after is not None:
        not_after = pd.Timestamp(not_after)
        if not_after.tzinfo is not None:
            raise NotInDuckDB("a time-zone-aware not_after")
    return LineSource(text, source_options(**{k: load_opts[k] for k in given})), not_after


def _cancelled(types: Mapping[str, str], checks: list[tuple[str, str]],
               clean_opts: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions of a cancelled order (status column, order-id prefix) and their
    parameters; a check is added for a status text DuckDB lowers otherwise than Python."""
    status_column = clean_opts.get("status_column", "status")
    statuses = [str(x).lower() for x in clean_opts.get(
        "cancelled_statuses", ("cancelled", "canceled", "returned", "refunded"))]
    prefix = clean_opts.get("cancelled_order_prefix")
    cancelled: list[str] = []
    params: dict[str, Any] = {}
    if status_column and status_column in types:
        typ = types[status_column]
        if typ == "VARCHAR":
            checks.append((f"NOT regexp_matches({q(status_column)}, '^[\\x00-\\x7F]*$')",
                           "a status column with non-ASCII text"))
            cancelled.append(f"lower({strip_sql(q(status_column))}) IN "
                             "(SELECT unnest($statuses))")
        elif typ in INTEGER_TYPES:
            cancelled.append(f"CAST({q(status_column)} AS VARCHAR) IN "
                             "(SELECT unnest($statuses))")
        else:
            raise NotInDuckDB(f"status column {status_column!r} is {typ}")
        params["statuses"] = statuses
    if prefix:
        cancelled.append("starts_with(order_id, $prefix)")
        params["prefix"] = str(prefix)
    return cancelled, params


def _first_reason(cancelled: list[str], keep_zero: bool, with_not_after: bool) -> str:
    """SQL ``CASE`` naming the first cleaning reason of a line, in :data:`REASON_ORDER`."""
    qty, price = '"quantity"', '"unit_price"'
    rules = [
        ("missing_customer_id", "customer_id IS NULL"),
        ("missing_order_id", "order_id IS NULL"),
        ("missing_product_id", "product_id IS NULL"),
        ("missing_timestamp", '"timestamp" IS NULL'),
        ("missing_quantity_or_price",
         f"{qty} IS NULL OR isnan({qty}) OR {price} IS NULL OR isnan({price})"),
        ("cancelled_order", " OR ".join(f"coalesce({c}, false)" for c in cancelled)
         if cancelled else "false"),
        ("return_negative_quantity", f"{qty} < 0"),
        ("zero_quantity", f"{qty} = 0"),
        ("negative_price", f"{price} < 0"),
        ("zero_price", "false" if keep_zero else f"{price} = 0"),
        ("future_timestamp", '"timestamp" > $not_after' if with_not_after else "false"),
    ]
    return "CASE " + " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in rules) + " END"


def _results(facts_row: tuple[Any, ...], counts: dict[str, int]
             ) -> tuple[dict[str, Any], CleaningReport, dict[str, bool]]:
    """The counts of :func:`duckdb_counts`' queries as (facts, cleaning report, capabilities)."""
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
