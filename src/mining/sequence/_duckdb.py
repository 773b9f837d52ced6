"""The DuckDB engine of :mod:`mining.sequence`: customer sequences built from order lines in
DuckDB.

:func:`customer_sequences_duckdb` is :func:`mining.sequence.customer_sequences` computed by
DuckDB over the order lines where they lie (a pandas DataFrame scanned without a copy, or a
Parquet, CSV or DuckDB source read out of core, :func:`mining.engines.duck.relation_of`, with :func:`mining.engines.duck.configure`'s memory
limit): the same lines (``timestamp < as_of``, customer, time and item present), one element
per order (or per customer and calendar day) timed by its earliest line, elements in time
order with ties by order id (a line without an order id: one last element without a time, as
the pandas engine), items distinct inside an element, customers and item codes in the order of
their text. Only the distinct (element, item) pairs and the elements come back, as integer
codes, and the very same :class:`~mining.sequence.SequenceDatabase` is assembled from them.

:func:`frequent_sequences_duckdb` hands such a database to the local PrefixSpan (the same
limits and budgets), so the patterns are identical to
``frequent_sequences(customer_sequences(tx, ...), ...)``. Reached through ``engine="duckdb"``
(:func:`mining.engines.use_engine`).

Timestamps: naive ones are taken as they are (the contract's naive UTC), time-zone-aware ones
(a DataFrame with ``datetime64[ns, tz]``, a Parquet ``TIMESTAMPTZ``) as their UTC instant, as
the pandas engine's ``to_numpy("datetime64[ns]")`` does; nanoseconds are kept.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from mining.engines.duck import column_types, connect, is_path_source, relation_of
from mining.errors import InsufficientDataError, SchemaError, check_date, check_param
from mining.sequence._database import _DAY_NS, SequenceDatabase, _assemble

__all__ = ["customer_sequences_duckdb", "frequent_sequences_duckdb"]

_OWNER = "customer_sequences"
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


def _ts_sql(types: dict[str, str]) -> str:
    """``timestamp`` as int64 nanoseconds since 1970 (UTC for aware values)."""
    found = types.get("timestamp", "")
    if found.startswith("TIMESTAMP") or found == "DATE":
        return 'epoch_ns(CAST("timestamp" AS TIMESTAMP_NS))' if found == "DATE" \
            else 'epoch_ns("timestamp")'
    raise SchemaError([
        f"column 'timestamp' must hold dates and times (got {found or 'no such column'}); "
        "run mining.schema.validate_transactions first"
    ])


def customer_sequences_duckdb(
    tx: pd.DataFrame | str | os.PathLike[str],
    *,
    as_of: str | pd.Timestamp | None,
    level: str = "product",
    element: str = "order",
    use_names: bool = True,
) -> SequenceDatabase:
    """:func:`mining.sequence.customer_sequences` computed by DuckDB (see the module docstring).

    ``tx`` is a DataFrame in the transactions contract, or a source of
    :func:`~mining.engines.duck.relation_of` (Parquet, CSV, a DuckDB table). Returns the very database of the pandas engine (customers, elements, item codes
    and labels, times, ``as_of``).
    """
    owner = _OWNER
    check_param(level in ("product", "category"), "level", owner, "'product' or 'category'", level)
    check_param(element in ("order", "day"), "element", owner, "'order' or 'day'", element)
    if not (isinstance(tx, pd.DataFrame) or is_path_source(tx)):
        raise SchemaError([f"expected a transactions DataFrame, got {type(tx).__name__}."])
    if isinstance(tx, pd.DataFrame) and "timestamp" in tx.columns and isinstance(
            tx["timestamp"].dtype, pd.DatetimeTZDtype):
        # DuckDB's TIMESTAMPTZ holds microseconds: hand it the UTC instants in nanoseconds
        tx = tx.assign(timestamp=tx["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None))
    with connect() as con:
        relation_of(con, tx, owner, needed=())
        types = column_types(con)
        if level == "category":
            item_col = "category"
        else:
            item_col = "product_name" if use_names and "product_name" in types else "product_id"
        need = ["customer_id", "timestamp", item_col] + (["order_id"] if element == "order"
                                                         else [])
        missing = [c for c in need if c not in types]
        if missing:
            hint = (" Use level='product' or add a 'category' column." if item_col == "category"
                    else " Clean the table with mining.schema.clean_transactions first.")
            raise SchemaError([f"column(s) {missing} are needed for level={level!r}, "
                               f"element={element!r}.{hint}"])
        ts = _ts_sql(types)
        cutoff = None
        where = f"{ts} IS NOT NULL AND customer_id IS NOT NULL AND {item_col} IS NOT NULL"
        params: dict[str, Any] = {}
        if as_of is not None:
            cutoff = check_date(as_of, "as_of", owner, "Or pass None to use every line.")
            where += f" AND {ts} < $cut"
            params["cut"] = int(cutoff.as_unit("ns").value)
        # the day of a time: floor division in integers (exact for nanoseconds)
        key = ("CAST(order_id AS VARCHAR)" if element == "order"
               else f"(({ts}) - ((({ts}) % {_DAY_NS}) + {_DAY_NS}) % {_DAY_NS}) // {_DAY_NS}")
        con.execute(
            f"CREATE TEMP TABLE l AS SELECT CAST(customer_id AS VARCHAR) AS cid, {key} AS k, "
            f"{ts} AS t, CAST({item_col} AS VARCHAR) AS item FROM src WHERE {where}", params)
        n_lines = con.execute("SELECT count(*) FROM l").fetchone()[0]
        if not n_lines:
            raise InsufficientDataError(
                f"No transactions before as_of={as_of!s}: nothing to build sequences from. "
                "Choose a later as_of."
            )
        # customers and items coded in the order of their text; elements (customer, order or
        # day) timed by their earliest line, a line without an order id in one last element
        # without a time; elements ordered by customer, time, order id
        con.execute("CREATE TEMP TABLE c AS SELECT cid, CAST(row_number() OVER (ORDER BY cid) "
                    "- 1 AS BIGINT) AS ci FROM (SELECT DISTINCT cid FROM l)")
        con.execute("CREATE TEMP TABLE i AS SELECT item, CAST(row_number() OVER (ORDER BY item)"
                    " - 1 AS BIGINT) AS ii FROM (SELECT DISTINCT item FROM l)")
        con.execute(
            "CREATE TEMP TABLE e AS SELECT cid, k, ci, t, CAST(row_number() OVER (ORDER BY ci, "
            "t NULLS LAST, k NULLS LAST) - 1 AS BIGINT) AS ei FROM ("
            "SELECT cid, k, CASE WHEN k IS NULL THEN NULL ELSE min(t) END AS t "
            "FROM l GROUP BY cid, k) JOIN c USING (cid)")
        ids = con.execute("SELECT cid FROM c ORDER BY ci").fetchnumpy()["cid"]
        labels = con.execute("SELECT item FROM i ORDER BY ii").fetchnumpy()["item"]
        els = con.execute("SELECT ci, t FROM e ORDER BY ei").fetchnumpy()
        pairs = con.execute(
            "SELECT DISTINCT e.ei, i.ii FROM l JOIN e ON l.cid = e.cid AND l.k IS NOT DISTINCT "
            "FROM e.k JOIN i USING (item) ORDER BY e.ei, i.ii").fetchnumpy()
    el_cust = np.asarray(els["ci"], dtype=np.int64)
    t = els["t"]
    t_ns = (np.where(t.mask, _NAT, t.filled(0)) if isinstance(t, np.ma.MaskedArray)
            else np.asarray(t)).astype(np.int64)
    el_time = t_ns.view("datetime64[ns]")
    days = el_time.astype(np.int64) / _DAY_NS
    el_of_pair = np.asarray(pairs["ei"], dtype=np.int64)
    codes = np.asarray(pairs["ii"], dtype=np.int64)
    el_sizes = np.bincount(el_of_pair, minlength=len(el_cust))
    seq_sizes = np.bincount(el_cust, minlength=len(ids))
    lab = np.empty(len(labels), dtype=object)
    lab[:] = [str(x) for x in np.asarray(labels, dtype=object)]
    cust = pd.Index(pd.array(np.asarray(ids, dtype=object), dtype="string"), name="customer_id")
    return _assemble(cust, lab, seq_sizes, el_sizes, codes, days, el_time,
                     level=level, element=element, as_of=cutoff)


def _is_transactions(data: Any) -> bool:
    if is_path_source(data):
        return True
    return isinstance(data, pd.DataFrame) and "itemsets" not in data.columns


def frequent_sequences_duckdb(
    data: Any,
    *,
    min_support: float | int,
    max_len: int | None = None,
    as_of: str | pd.Timestamp | None = None,
    level: str = "product", element: str = "order", use_names: bool = True,
    min_gap: float | None = None, max_gap: float | None = None, max_window: float | None = None,
    closed: bool = False, maximal: bool = False,
    max_patterns: int | None = None,
    max_seconds: float | None = None,
) -> pd.DataFrame:
    """:func:`mining.sequence.frequent_sequences` on sequences built by DuckDB.

    Parameters
    ----------
    data : transactions, Parquet path or sequence database
        Transactions (a DataFrame in the contract, or a Parquet, CSV or DuckDB source): the
        sequences
        are built in DuckDB as :func:`customer_sequences_duckdb` builds them (``as_of``,
        ``level``, ``element``, ``use_names``; ``as_of=None`` uses every line). A
        ``SequenceDatabase``, sequence table or list of sequences (the local function's input:
        nothing left to build) is mined as it is.
    min_support, max_len, min_gap, max_gap, max_window, closed, maximal, max_patterns, max_seconds
        As :func:`mining.sequence.frequent_sequences`: the same local miner, the same limits
        and budgets (``frequent_sequences(..., engine="duckdb")`` passes its own budgets).

    Returns
    -------
    DataFrame
        Exactly the table of ``frequent_sequences(customer_sequences(tx, ...), ...)``.
    """
    from mining.sequence._mine import _frequent_sequences

    db = data
    if _is_transactions(data):
        db = customer_sequences_duckdb(data, as_of=as_of, level=level, element=element,
                                       use_names=use_names)
    return _frequent_sequences(db, min_support=min_support, max_len=max_len, min_gap=min_gap,
                               max_gap=max_gap, max_window=max_window, closed=closed,
                               maximal=maximal, max_patterns=max_patterns,
                               max_seconds=max_seconds)
