"""Baskets: one row per order (transaction), one boolean column per item, stored sparse."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.engines import use_engine
from mining.errors import (
    DataWarning,
    InsufficientDataError,
    MiningError,
    ParameterError,
    SchemaError,
    check_param,
)

__all__ = ["basket_matrix", "baskets_from_lists", "read_basket_file"]

_LEVELS = ("product", "category")


def item_labels(tx: pd.DataFrame, *, level: str = "product", use_names: bool = True,
                owner: str = "basket_matrix") -> pd.Series:
    """The item label of every line of ``tx`` (a ``string`` Series aligned with ``tx``).

    ``level="product"`` with ``use_names`` labels lines by ``product_name`` where every product
    has one name (a renamed product: its most frequent name, ties by the alphabetically first);
    a name shared by several product ids gets the id appended (``"Tea (p7)"``) so
    distinct products never merge. Without names (or ``use_names=False``) the ``product_id``.
    ``level="category"`` labels by ``category``.
    """
    check_param(level in _LEVELS, "level", owner, "one of 'product', 'category'", level)
    if level == "category":
        if "category" not in tx.columns:
            raise SchemaError([f"{owner}(level='category') needs a 'category' column; "
                               "use level='product' or map a column onto 'category'."])
        lab = tx["category"].astype("string")
        return lab.fillna("(no category)")
    if "product_id" not in tx.columns:
        raise SchemaError([f"{owner} needs a 'product_id' column (see data/README.md)."])
    pid = tx["product_id"].astype("string")
    if not use_names or "product_name" not in tx.columns:
        return pid
    name = tx["product_name"].astype("string").fillna(pid)
    pairs = pd.DataFrame({"pid": pid, "name": name}).drop_duplicates()
    ids_per_name = pairs.groupby("name")["pid"].nunique()
    names_per_id = pairs.groupby("pid")["name"].nunique()
    if (names_per_id > 1).any():
        # a product renamed over time: keep its most frequent name (on a tie the alphabetically
        # first, as the DuckDB and Spark engines do)
        first = (pd.DataFrame({"pid": pid, "name": name}).value_counts().rename("n")
                 .reset_index().sort_values(["pid", "n", "name"], ascending=[True, False, True],
                                            kind="mergesort")
                 .drop_duplicates("pid").set_index("pid")["name"])
        name = pid.map(first).astype("string")
        pairs = pd.DataFrame({"pid": pid, "name": name}).drop_duplicates()
        ids_per_name = pairs.groupby("name")["pid"].nunique()
    shared = name.map(ids_per_name).fillna(1).to_numpy() > 1
    if shared.any():
        name = name.where(~shared, name + " (" + pid + ")")
    return name.astype("string")


def _frame(csr: sp.csr_matrix, labels: Sequence[str], index: pd.Index) -> pd.DataFrame:
    """Sparse boolean DataFrame (SparseDtype(bool, False)) from a CSR matrix."""
    csr = csr.astype(bool)
    df = pd.DataFrame.sparse.from_spmatrix(csr.tocsc(), index=index, columns=pd.Index(labels))
    return df


def _from_codes(row_codes: np.ndarray, item_codes: np.ndarray, n_rows: int,
                n_items: int) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(row_codes), dtype=bool), (row_codes, item_codes)),
                      shape=(n_rows, n_items))
    m.sum_duplicates()  # an item twice in one basket counts once
    m.data[:] = True
    return m


def basket_matrix(
    tx: pd.DataFrame,
    *,
    level: str = "product",
    use_names: bool = True,
    engine: str = "pandas",
) -> pd.DataFrame:
    """One-hot baskets from transactions: one row per order, one column per item.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions (the contract): ``order_id``, ``product_id`` and, as needed,
        ``product_name`` / ``category``. Other columns are ignored.
    level : {"product", "category"}
        Items are products (default) or product categories.
    use_names : bool
        Label products by ``product_name`` (when present) instead of ``product_id``.
    engine : {"pandas", "duckdb"}
        ``"duckdb"`` builds the same table in DuckDB (:mod:`mining.basket._duckdb`); ``tx`` may
        then also be a Parquet file or folder, read where it lies.

    Returns
    -------
    DataFrame
        Index ``order_id`` (sorted), columns the item labels (sorted), values
        ``SparseDtype(bool, False)``: True when the order holds the item (quantities ignored).
        Memory grows with the number of order lines, never with orders x items. mlxtend's
        ``apriori``/``fpgrowth`` accept it directly.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"order_id": ["o1", "o1", "o2"], "product_id": ["a", "b", "a"]})
    >>> b = basket_matrix(tx)
    >>> b.shape, list(b.columns), int(b["a"].sum())
    ((2, 2), ['a', 'b'], 2)
    """
    if engine != "pandas":
        build = use_engine(engine, basket_matrix, None, owner="basket_matrix",
                           duckdb_fn="mining.basket._duckdb:basket_matrix_duckdb")
        return build(tx, level=level, use_names=use_names)
    if not isinstance(tx, pd.DataFrame):
        raise SchemaError(["basket_matrix needs a transactions DataFrame."])
    missing = [c for c in ("order_id", "product_id") if c not in tx.columns]
    if missing:
        raise SchemaError([f"basket_matrix needs the column {c!r}." for c in missing])
    labels = item_labels(tx, level=level, use_names=use_names)
    keep = tx["order_id"].notna().to_numpy() & labels.notna().to_numpy()
    if not keep.any():
        raise InsufficientDataError(
            "basket_matrix: no order line with both order_id and an item; nothing to put in "
            "baskets. Check the transactions (mining validate) or the level.")
    orders = pd.Categorical(tx["order_id"].astype("string")[keep].astype(object))
    items = pd.Categorical(labels[keep].astype(object))
    m = _from_codes(orders.codes, items.codes, len(orders.categories), len(items.categories))
    index = pd.Index(orders.categories.astype("string"), name="order_id")
    return _frame(m, [str(c) for c in items.categories], index)


def baskets_from_lists(baskets: Iterable[Iterable[Any]], *, strip: bool = True) -> pd.DataFrame:
    """Sparse one-hot baskets from a list of baskets (each a list of item labels).

    Parameters
    ----------
    baskets : iterable of iterables
        One basket per element; items are turned into text (``str``), repeated items count once.
    strip : bool
        Remove blanks around item labels.

    Returns
    -------
    DataFrame
        As :func:`basket_matrix`, index ``basket`` numbered from 0 in input order.

    Examples
    --------
    >>> b = baskets_from_lists([["milk", "bread"], ["milk"], []])
    >>> b.shape, int(b["milk"].sum())
    ((3, 2), 2)
    """
    lists = [[str(x).strip() if strip else str(x) for x in basket] for basket in baskets]
    lists = [[x for x in basket if x != ""] for basket in lists]
    lens = np.fromiter((len(b) for b in lists), dtype=np.int64, count=len(lists))
    flat = np.array([x for b in lists for x in b], dtype=object)
    if flat.size:
        labels, codes = np.unique(flat.astype(str), return_inverse=True)
    else:
        labels, codes = np.array([], dtype=str), np.array([], dtype=np.int64)
    rows = np.repeat(np.arange(len(lists)), lens)
    m = _from_codes(rows, codes.ravel(), len(lists), len(labels))
    return _frame(m, [str(x) for x in labels], pd.RangeIndex(len(lists), name="basket"))


_HEADER_WORDS = frozenset({
    "item", "items", "itemset", "itemsets", "basket", "baskets", "product", "products",
    "article", "articles", "transaction", "transactions", "order", "orders", "tid", "id",
    "itemdescription", "description", "name", "names", "sku", "skus", "goods",
})


def _looks_like_column_name(item: str) -> bool:
    """``"Item(s)"``, ``"item 1"``, ``"Product_ID"``: a header word, maybe numbered or suffixed."""
    return re.sub(r"[^a-z]", "", item.lower()) in _HEADER_WORDS


def _header_line(first: list[str], rest: list[list[str]]) -> bool:
    """The first line is a header when every one of its items looks like a column name
    (``items``, ``Item(s)``, ``basket``, ``product 1``, ...) and none occurs in another line."""
    if not first or not rest:
        return False
    if not all(_looks_like_column_name(x) for x in first):
        return False
    others = {x for line in rest for x in line}
    return not any(x in others for x in first)


def read_basket_file(path: str | os.PathLike[str], *, sep: str | None = ",",
                     encoding: str = "utf-8", strip: bool = True,
                     header: bool | None = None) -> pd.DataFrame:
    """Read the "basket" text format: one basket per line, items separated by ``sep``.

    This is the format of the arules Groceries export (``groceries.csv``) and, with
    ``sep=" "``, of the FIMI repository files (``retail.dat``). Empty lines are empty baskets
    only inside the file; trailing empty lines are ignored.

    Header rule (``header=None``, the default): the first line is taken for a header, and not
    counted as a basket, when every one of its items looks like a column name (``items``,
    ``Item(s)``, ``basket``, ``product``, ``transaction``, ``id``, ``Item 1``, ...) and none of
    them occurs in any other line. That choice is stated with a ``DataWarning`` and recorded in
    ``attrs["header"]`` (the dropped items; ``None`` when no line was dropped). ``header=True``
    always drops the first line, ``header=False`` never does.

    Parameters
    ----------
    path : path
        The text file.
    sep : str
        Item separator (``","``; ``" "`` for FIMI files; ``None`` splits on any whitespace).
    encoding : str
        Text encoding.
    strip : bool
        Remove blanks around item labels (default; Groceries has ``"cream cheese "``, which
        becomes ``"cream cheese"``). ``False`` keeps every label exactly as in the file
        (leading and trailing blanks, case), as in R arules' ``Groceries`` data, so
        ``"cream cheese "`` and ``"cream cheese"`` stay two items (CLI: ``--verbatim-labels``).
        Either way an empty or all-blank label (``"a,,b"``, ``"a, ,b"``) is no item: it is
        dropped, as is an empty line's only label (the basket stays, empty).
    header : bool, optional
        Whether the first line is a header (None: detect, see above).

    Returns
    -------
    DataFrame
        As :func:`baskets_from_lists`.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> f = Path(tempfile.mkdtemp()) / "b.csv"
    >>> _ = f.write_text("items\\nmilk,bread\\nmilk\\n")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     b = read_basket_file(f)
    >>> len(b), b.attrs["header"]
    (2, ['items'])
    >>> _ = f.write_text("cream cheese ,milk\\ncream cheese, \\n")
    >>> sorted(read_basket_file(f).columns), sorted(read_basket_file(f, strip=False).columns)
    (['cream cheese', 'milk'], ['cream cheese', 'cream cheese ', 'milk'])
    """
    check_param(header in (None, True, False), "header", "read_basket_file",
                "True, False or None (detect)", header)
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"read_basket_file: no file at {str(p)!r}; check the path.")
    try:
        text = p.read_text(encoding=encoding)
    except LookupError:
        raise ParameterError(
            f"The 'encoding' parameter of read_basket_file (--encoding) must be a text encoding "
            f"Python knows, such as 'utf-8', 'gbk' or 'cp1252'. Got {encoding!r} instead.") from None
    except UnicodeError as exc:
        raise MiningError(
            f"Cannot read {p} as {encoding!r} text ({exc}). Pass the encoding the file uses, "
            "e.g. encoding='gbk' or 'cp1252' (CLI: --encoding).") from None
    lines = text.lstrip("\ufeff").split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    if sep is not None and sep.strip() == "":
        sep = None  # whitespace: split() collapses runs of blanks
    split = [line.rstrip("\r").split(sep) for line in lines]
    if strip:
        split = [[x.strip() for x in line] for line in split]
    # an empty or all-blank label is no item, whether labels are stripped or kept verbatim
    split = [[x for x in line if x.strip() != ""] for line in split]
    dropped = None
    if header or (header is None and _header_line(split[0] if split else [], split[1:])):
        dropped = split[0] if split else None
        split = split[1:]
        if header is None:
            warnings.warn(
                f"{p}: the first line {', '.join(map(repr, dropped or []))} looks like a header "
                "(column-like names that occur in no basket), so it was not counted as a "
                "basket. Pass header=False (CLI: --no-header) to count it.",
                DataWarning, stacklevel=2)
    out = baskets_from_lists(split, strip=False)
    out.attrs["header"] = dropped
    return out


# -- internal: the compact form every miner works on ----------------------------------------


def to_csr(baskets: Any, owner: str) -> tuple[sp.csr_matrix, list[str]]:
    """(CSR bool matrix baskets x items, item labels) from a one-hot DataFrame."""
    if not isinstance(baskets, pd.DataFrame):
        raise SchemaError([f"{owner} needs a one-hot baskets DataFrame (from basket_matrix, "
                           "baskets_from_lists or read_basket_file); got "
                           f"{type(baskets).__name__}."], what="baskets")
    labels = [str(c) for c in baskets.columns]
    if len(set(labels)) != len(labels):
        raise SchemaError([f"{owner}: item labels (columns) must be unique after str()."],
                          what="baskets")
    n_rows, n_cols = baskets.shape
    if n_cols == 0:
        return sp.csr_matrix((n_rows, 0), dtype=bool), labels
    dtypes = baskets.dtypes
    if all(isinstance(d, pd.SparseDtype) for d in dtypes):
        rows_per_col: list[np.ndarray] = []
        mgr = getattr(baskets, "_mgr", None)
        if mgr is not None and hasattr(mgr, "iget_values"):
            # pandas' column arrays without building one Series per column (40x faster)
            arrays = [mgr.iget_values(i) for i in range(n_cols)]
        else:  # pragma: no cover - other pandas internals
            arrays = [col.array for _, col in baskets.items()]
        for arr in arrays:
            vals = np.asarray(arr.sp_values)
            idx = arr.sp_index.to_int_index().indices
            fill = arr.fill_value
            if fill is not False and fill != 0 and not (isinstance(fill, float) and np.isnan(fill)):
                raise SchemaError([f"{owner}: sparse columns must have fill value False/0."],
                                  what="baskets")
            if vals.dtype != bool:
                bad = ~np.isin(vals, [0, 1])
                if bad.any():
                    raise SchemaError([f"{owner}: baskets must hold True/False or 1/0 only."],
                                      what="baskets")
                vals = vals.astype(bool)
            rows_per_col.append(idx[vals] if not vals.all() else idx)
        lens = np.fromiter((len(r) for r in rows_per_col), dtype=np.int64, count=n_cols)
        rows = np.concatenate(rows_per_col) if rows_per_col else np.array([], np.int64)
        csc = sp.csc_matrix((np.ones(len(rows), dtype=bool), rows, np.r_[0, np.cumsum(lens)]),
                            shape=(n_rows, n_cols))
        csr = csc.tocsr()
    else:
        values = baskets.to_numpy()
        if values.dtype != bool:
            try:
                num = values.astype(float)
            except (TypeError, ValueError):
                raise SchemaError([f"{owner}: baskets must hold True/False or 1/0 only."],
                                  what="baskets") from None
            if not np.isin(num, [0.0, 1.0]).all():
                raise SchemaError([f"{owner}: baskets must hold True/False or 1/0 only."],
                                  what="baskets")
            values = num.astype(bool)
        csr = sp.csr_matrix(values)
    csr.sort_indices()
    return csr, labels
