"""The DuckDB engine of :mod:`mining.basket`: the baskets built from order lines in DuckDB.

:func:`basket_matrix_duckdb` is :func:`mining.basket.basket_matrix` computed by one DuckDB
query over the order lines where they lie (a pandas DataFrame scanned without a copy, or a
Parquet, CSV or DuckDB source read out of core, :func:`mining.engines.duck.relation_of`, with :func:`mining.engines.duck.configure`'s memory
limit): the same item labels (a product's most frequent name, a name shared by several ids
with the id appended, ``"(no category)"``), the same orders and items in the same (sorted)
order, the same filtering (lines without an order id or an item dropped, an item twice in one
order counted once). Only the distinct (order, item) pairs come back, as integer codes.

:func:`frequent_itemsets_duckdb` hands those baskets, as the compact matrix every miner works
on, to the local miner (pyfim or mlxtend, the same budgets), so the itemsets are identical to
``frequent_itemsets(basket_matrix(tx), ...)``. Reached through ``engine="duckdb"``
(:func:`mining.engines.use_engine`).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.basket._baskets import _LEVELS, _frame
from mining.basket._itemsets import (
    _ALGORITHMS,
    DEFAULT_MAX_ITEMSETS,
    _frequent_itemsets,
    check_itemset_options,
    mine_csr,
)
from mining.engines.duck import columns_of, connect, is_path_source, relation_of
from mining.errors import InsufficientDataError, SchemaError, check_param
from mining.params import check_budget

__all__ = ["basket_csr_duckdb", "basket_matrix_duckdb", "frequent_itemsets_duckdb"]

_OWNER = "basket_matrix"


def _labels_sql(level: str, use_names: bool, cols: list[str]) -> tuple[str, str, str]:
    """(query of the label table ``kp, kn, item``; the line key ``kp``; the line key ``kn``).

    A line's item is the ``item`` of the label row its keys match (``kp`` for products and
    categories, ``kn`` for a line without ``product_id``), as :func:`basket.item_labels`
    labels it: ``category`` (``"(no category)"`` when missing); the ``product_id``; or with
    names a product's name (``product_name``, else its id), a product renamed over time keeping
    its most frequent name (ties: the alphabetically first), a name that several ids share
    with the id appended. A line without ``product_id`` keeps its name only when no product
    was renamed and no id has that name (the pandas engine's rule for such lines); lines
    matching no label row have no item.
    """
    if level == "category":
        key = "coalesce(CAST(category AS VARCHAR), '(no category)')"
        return f"SELECT DISTINCT {key} AS kp, NULL::VARCHAR AS kn, {key} AS item FROM src", \
            key, "NULL::VARCHAR"
    pid = "CAST(product_id AS VARCHAR)"
    if not use_names or "product_name" not in cols:
        return (f"SELECT DISTINCT {pid} AS kp, NULL::VARCHAR AS kn, {pid} AS item FROM src "
                "WHERE product_id IS NOT NULL"), pid, "NULL::VARCHAR"
    name = f"coalesce(CAST(product_name AS VARCHAR), {pid})"
    query = f"""
WITH pn AS (SELECT {pid} AS pid, {name} AS name, count(*) AS n FROM src GROUP BY 1, 2),
nn AS (SELECT pid, name, n FROM pn WHERE pid IS NOT NULL),
renamed AS (SELECT count(*) > count(DISTINCT pid) AS any_renamed FROM nn),
first AS (
    SELECT pid, name FROM (
        SELECT pid, name, row_number() OVER (PARTITION BY pid ORDER BY n DESC, name) AS rn
        FROM nn) WHERE rn = 1
),
ids AS (SELECT name, count(*) AS k FROM first GROUP BY name)
SELECT first.pid AS kp, NULL::VARCHAR AS kn,
       CASE WHEN ids.k > 1 THEN first.name || ' (' || first.pid || ')' ELSE first.name END
           AS item
FROM first JOIN ids USING (name)
UNION ALL
SELECT NULL::VARCHAR AS kp, pn.name AS kn, pn.name AS item
FROM pn LEFT JOIN ids USING (name), renamed
WHERE pn.pid IS NULL AND pn.name IS NOT NULL AND NOT renamed.any_renamed
      AND coalesce(ids.k, 1) = 1
"""
    return query, pid, f"CASE WHEN product_id IS NULL THEN {name} END"


def _check_columns(con: Any, source: Any, level: str, owner: str) -> list[str]:
    if not (isinstance(source, pd.DataFrame) or is_path_source(source)):
        raise SchemaError([f"{owner} needs a transactions DataFrame."])
    relation_of(con, source, owner, needed=())
    cols = columns_of(con)
    missing = [c for c in ("order_id", "product_id") if c not in cols]
    if missing:
        raise SchemaError([f"{owner} needs the column {c!r}." for c in missing])
    if level == "category" and "category" not in cols:
        raise SchemaError([f"{owner}(level='category') needs a 'category' column; "
                           "use level='product' or map a column onto 'category'."])
    return cols


def basket_csr_duckdb(tx: pd.DataFrame | str | os.PathLike[str], *, level: str = "product",
                      use_names: bool = True, owner: str = _OWNER, sort_orders: bool = True
                      ) -> tuple[sp.csr_matrix, list[str], pd.Index | None]:
    """The baskets of :func:`basket_matrix_duckdb` in compact form: (CSR bool matrix orders x
    items, item labels, order ids), orders and items sorted as there. ``sort_orders=False``
    leaves the orders in DuckDB's order and returns no order ids (the itemsets do not depend
    on the order of the baskets)."""
    check_param(level in _LEVELS, "level", owner, "one of 'product', 'category'", level)
    with connect() as con:
        labels = _prepare(con, tx, level, use_names, owner)
        # list(c ORDER BY c) is several times faster in DuckDB than list(DISTINCT c); an item
        # twice in one order is then two neighbours, dropped below
        grouped = con.sql("SELECT oid, list(c ORDER BY c) AS items FROM lines GROUP BY oid"
                          + (" ORDER BY oid" if sort_orders else "")
                          ).select(*(["oid"] if sort_orders else []), "items").to_arrow_table()
    if grouped.num_rows == 0:
        raise _no_baskets(owner)
    items = grouped.column("items").combine_chunks()
    offsets = np.array(items.offsets.to_numpy(), dtype=np.int64)
    offsets -= offsets[0]
    codes = np.array(items.values.to_numpy(), dtype=np.int32)[:offsets[-1]]
    # the first code of each basket, and every code unlike the one before it in its basket
    first = np.zeros(len(codes), dtype=bool)
    first[offsets[:-1][np.diff(offsets) > 0]] = True
    keep = first
    keep[1:] |= codes[1:] != codes[:-1]
    if not keep.all():
        codes = codes[keep]
        offsets = np.r_[0, np.cumsum(keep)][offsets]
    m = sp.csr_matrix((np.ones(len(codes), dtype=bool), codes, offsets),
                      shape=(grouped.num_rows, len(labels)))
    m.has_sorted_indices = True
    index = None
    if sort_orders:
        oid = grouped.column("oid").to_numpy(zero_copy_only=False)
        index = pd.Index(pd.array(np.asarray(oid, dtype=object), dtype="string"),
                         name="order_id")
    return m, [str(x) for x in np.asarray(labels, dtype=object)], index


def _no_baskets(owner: str) -> InsufficientDataError:
    return InsufficientDataError(
        f"{owner}: no order line with both order_id and an item; nothing to put in "
        "baskets. Check the transactions (mining validate) or the level.")


def _prepare(con: Any, tx: Any, level: str, use_names: bool, owner: str) -> np.ndarray:
    """Register ``tx``, build the label table ``lab`` (item codes in label order) and the view
    ``lines`` (``oid``, item code ``c``) over the lines where they lie; return the labels."""
    cols = _check_columns(con, tx, level, owner)
    labels_sql, kp, kn = _labels_sql(level, use_names, cols)
    # item codes in the order of the labels (equal labels: one item)
    con.execute("CREATE TEMP TABLE lab AS SELECT kp, kn, item, CAST(dense_rank() OVER "
                f"(ORDER BY item) - 1 AS INTEGER) AS c FROM ({labels_sql}) "
                "WHERE item IS NOT NULL")
    labels = con.execute("SELECT item FROM lab GROUP BY item, c ORDER BY c"
                         ).fetchnumpy()["item"]
    # one row per order: its distinct item codes (lines without an order id or an item
    # are dropped); the line keys are joined where they lie, never materialised
    lines = (f"SELECT CAST(order_id AS VARCHAR) AS oid, lab.c FROM src JOIN lab "
             f"ON {kp} = lab.kp WHERE order_id IS NOT NULL")
    if kn != "NULL::VARCHAR":
        lines += (f" UNION ALL SELECT CAST(order_id AS VARCHAR) AS oid, lab.c FROM src "
                  f"JOIN lab ON {kn} = lab.kn WHERE order_id IS NOT NULL AND product_id "
                  "IS NULL")
    con.execute(f"CREATE TEMP VIEW lines AS {lines}")
    return labels


def basket_matrix_duckdb(tx: pd.DataFrame | str | os.PathLike[str], *, level: str = "product",
                         use_names: bool = True) -> pd.DataFrame:
    """:func:`mining.basket.basket_matrix` computed by DuckDB (see the module docstring).

    ``tx`` is a DataFrame in the transactions contract, or a source of
    :func:`~mining.engines.duck.relation_of` (Parquet, CSV, a DuckDB table). The result is the very table of the pandas engine: index ``order_id`` (sorted),
    columns the item labels (sorted), values ``SparseDtype(bool, False)``.
    """
    m, labels, index = basket_csr_duckdb(tx, level=level, use_names=use_names)
    return _frame(m, labels, index)


def _is_transactions(data: Any) -> bool:
    if is_path_source(data):
        return True
    return isinstance(data, pd.DataFrame) and {"order_id", "product_id"} <= set(data.columns)


def frequent_itemsets_duckdb(
    data: Any,
    *,
    min_support: float,
    max_len: int | None = None,
    level: str = "product", use_names: bool = True, algorithm: str = "apriori",
    progress: bool | None = None,
    max_itemsets: int | None = DEFAULT_MAX_ITEMSETS,
    max_seconds: float | None = None,
) -> pd.DataFrame:
    """:func:`mining.basket.frequent_itemsets` on baskets built by DuckDB.

    Only the distinct (order, item) pairs leave DuckDB; the mining itself is the local miner's
    (:func:`mining.basket._itemsets.mine_csr`), so the itemsets are those of ``"pandas"``.

    Parameters
    ----------
    data : transactions, Parquet path or one-hot baskets
        Transactions (a DataFrame with ``order_id`` and ``product_id``, or a Parquet, CSV or
        DuckDB source): the baskets are built in DuckDB exactly as :func:`basket_matrix_duckdb` builds
        them (``level``, ``use_names``) and handed to the local miner in compact form (no
        one-hot DataFrame in between). One-hot baskets (the local function's input: nothing
        left to build) go to the local miner as they are.
    min_support, max_len, algorithm, progress, max_itemsets, max_seconds
        As :func:`mining.basket.frequent_itemsets` (the same miner, the same budgets).

    Returns
    -------
    DataFrame
        Exactly the table of ``frequent_itemsets(basket_matrix(tx, level=..., use_names=...),
        ...)``.
    """
    if not _is_transactions(data):
        return _frequent_itemsets(data, min_support=min_support, max_len=max_len,
                                  algorithm=algorithm, progress=progress,
                                  max_itemsets=max_itemsets, max_seconds=max_seconds)
    owner = "frequent_itemsets"
    check_itemset_options(min_support, max_len, owner)
    check_budget(max_itemsets, max_seconds, owner, "max_itemsets")
    check_param(algorithm in _ALGORITHMS, "algorithm", owner,
                "one of 'apriori', 'fpgrowth', 'fast'", algorithm)
    started = time.perf_counter()
    check_param(level in _LEVELS, "level", owner, "one of 'product', 'category'", level)
    csr, labels, _ = basket_csr_duckdb(data, level=level, use_names=use_names, owner=owner,
                                       sort_orders=False)
    return mine_csr(csr, labels, min_support=min_support, max_len=max_len, algorithm=algorithm,
                    progress=progress, max_itemsets=max_itemsets, max_seconds=max_seconds,
                    started=started)


