"""Sequence databases: one time-ordered list of itemsets per customer, integer-encoded."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mining.engines import use_engine
from mining.errors import (
    InsufficientDataError,
    MiningError,
    ParameterError,
    SchemaError,
    check_date,
    check_param,
)

__all__ = ["SequenceDatabase", "as_database", "customer_sequences", "read_spmf", "to_spmf"]

_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class SequenceDatabase:
    """Customers' purchase sequences: per customer, itemsets (elements) in time order.

    Build one with :func:`customer_sequences` (from transactions), :func:`read_spmf` or
    :meth:`from_sequences`; look at it with :meth:`to_frame` (one row per customer).

    Attributes
    ----------
    customer_id : Index
        One entry per sequence, in storage order.
    labels : ndarray of object
        Item label (product id, product name or category) of each item code.
    seq_start : ndarray of int64, shape (n_sequences + 1,)
        Sequence ``s`` holds elements ``seq_start[s]`` to ``seq_start[s + 1] - 1``.
    el_start : ndarray of int64, shape (n_elements + 1,)
        Element ``g`` holds items ``items[el_start[g]:el_start[g + 1]]``.
    items : ndarray of int64
        Item codes, ascending inside each element, no repeats.
    el_days : ndarray of float64
        Time of each element in days (days since 1970-01-01 for transactions; the ``<t>`` stamps
        of SPMF files; element positions 0, 1, 2... when no times are known). Gap and window
        limits of the miner are measured on this scale.
    el_time : ndarray of datetime64[ns] or None
        Timestamp of each element (the first order line of the order or day), when known.
    level, element : str
        How it was built (``"product"``/``"category"``/``"spmf"``, ``"order"``/``"day"``).
    """

    customer_id: pd.Index
    labels: np.ndarray
    seq_start: np.ndarray
    el_start: np.ndarray
    items: np.ndarray
    el_days: np.ndarray
    el_time: np.ndarray | None = None
    level: str = "product"
    element: str = "order"
    as_of: pd.Timestamp | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ---- sizes -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.seq_start) - 1

    @property
    def n_elements(self) -> int:
        """Number of elements (orders or customer-days) over all sequences."""
        return len(self.el_start) - 1

    @property
    def n_items(self) -> int:
        """Number of item occurrences over all elements."""
        return len(self.items)

    def __repr__(self) -> str:
        return (
            f"SequenceDatabase({len(self):,} sequences, {self.n_elements:,} elements, "
            f"{self.n_items:,} items, {len(self.labels):,} distinct; level={self.level!r}, "
            f"element={self.element!r})"
        )

    # ---- views ---------------------------------------------------------------------------------
    def _element_tuples(self) -> list[tuple[Any, ...]]:
        if "tuples" not in self._cache:
            lab = self.labels[self.items]
            cuts = self.el_start[1:-1]
            self._cache["tuples"] = [tuple(x) for x in np.split(lab, cuts)] if len(lab) else [
                () for _ in range(self.n_elements)
            ]
        return self._cache["tuples"]

    def to_frame(self) -> pd.DataFrame:
        """One row per customer.

        Returns
        -------
        DataFrame indexed by ``customer_id`` with columns ``itemsets`` (tuple of tuples of item
        labels, time order), ``timestamps`` (tuple of ``Timestamp``, or of days when no
        timestamps are known), ``n_elements``, ``n_items``.
        """
        tuples = self._element_tuples()
        times = (
            list(pd.DatetimeIndex(self.el_time)) if self.el_time is not None
            else self.el_days.tolist()
        )
        st = self.seq_start
        n_items = np.diff(self.el_start[st])
        return pd.DataFrame(
            {
                "itemsets": [tuple(tuples[st[s]: st[s + 1]]) for s in range(len(self))],
                "timestamps": [tuple(times[st[s]: st[s + 1]]) for s in range(len(self))],
                "n_elements": np.diff(st).astype("int64"),
                "n_items": n_items.astype("int64"),
            },
            index=self.customer_id,
        )

    def sequence(self, customer_id: Any) -> pd.DataFrame:
        """One customer's sequence: one row per element with ``timestamp``/``days`` and ``items``."""
        pos = self.customer_id.get_indexer([customer_id])[0]
        if pos < 0:
            raise MiningError(f"No sequence for customer_id {customer_id!r} in this database.")
        lo, hi = self.seq_start[pos], self.seq_start[pos + 1]
        tuples = self._element_tuples()[lo:hi]
        out = pd.DataFrame({"days": self.el_days[lo:hi], "items": tuples})
        if self.el_time is not None:
            out.insert(0, "timestamp", self.el_time[lo:hi])
        return out

    def subset(self, positions: np.ndarray) -> SequenceDatabase:
        """The sequences at the given positions (integer array), same item codes."""
        positions = np.asarray(positions, dtype=np.int64)
        st = self.seq_start
        lens = st[positions + 1] - st[positions]
        el_idx = _ranges(st[positions], lens)
        return self._take_elements(positions, el_idx, lens)

    def tail(self, n: int) -> SequenceDatabase:
        """Keep only the last ``n`` elements of each sequence (the recent history)."""
        st = self.seq_start
        lens = np.minimum(np.diff(st), n)
        el_idx = _ranges(st[1:] - lens, lens)
        return self._take_elements(np.arange(len(self)), el_idx, lens)

    def _take_elements(self, positions: np.ndarray, el_idx: np.ndarray, lens: np.ndarray):
        e0 = self.el_start[el_idx]
        elens = self.el_start[el_idx + 1] - e0
        items = self.items[_ranges(e0, elens)]
        return SequenceDatabase(
            customer_id=self.customer_id[positions],
            labels=self.labels,
            seq_start=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
            el_start=np.concatenate([[0], np.cumsum(elens)]).astype(np.int64),
            items=items,
            el_days=self.el_days[el_idx],
            el_time=None if self.el_time is None else self.el_time[el_idx],
            level=self.level,
            element=self.element,
            as_of=self.as_of,
        )

    def occurrences(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertical index: ``occ_off`` (per item code) and ``occ_el`` (elements holding it)."""
        if "occ" not in self._cache:
            el_of_item = np.repeat(np.arange(self.n_elements), np.diff(self.el_start))
            order = np.argsort(self.items, kind="stable")
            counts = np.bincount(self.items, minlength=len(self.labels))
            off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self._cache["occ"] = (off, el_of_item[order].astype(np.int64))
        return self._cache["occ"]

    def item_support(self) -> pd.Series:
        """Number of sequences holding each item, indexed by label, largest first."""
        from mining.sequence import _kernel

        counts = _kernel.item_support(self.seq_start, self.el_start, self.items, len(self.labels))
        out = pd.Series(counts, index=pd.Index(self.labels, name="item"), name="n_customers")
        return out.sort_values(ascending=False, kind="stable")

    # ---- constructors ----------------------------------------------------------------------------
    @classmethod
    def from_sequences(
        cls,
        sequences: Iterable[Sequence[Any]],
        *,
        customer_id: Sequence[Any] | None = None,
        times: Iterable[Sequence[float]] | None = None,
    ) -> SequenceDatabase:
        """Build from Python lists: ``[[("a",), ("a", "b"), "c"], ...]``.

        Each sequence is a list of elements; an element is a collection of items or a single
        item (a string or number). Repeats inside an element are dropped. ``times`` gives each
        element's time in days (default: its position).
        """
        seqs = [list(s) for s in sequences]
        flat_labels: list[Any] = []
        el_sizes: list[int] = []
        seq_sizes: list[int] = []
        for seq in seqs:
            seq_sizes.append(len(seq))
            for el in seq:
                el = [el] if isinstance(el, str | int | float | np.integer) else list(dict.fromkeys(el))
                flat_labels.extend(el)
                el_sizes.append(len(el))
        labels, codes = _sorted_codes(flat_labels)
        if times is None:
            days = np.concatenate([np.arange(n, dtype=np.float64) for n in seq_sizes]) if seqs else np.zeros(0)
        else:
            tlist = [np.asarray(t, dtype=np.float64) for t in times]
            if [len(t) for t in tlist] != seq_sizes:
                raise ParameterError("'times' must give one time per element of every sequence.")
            days = np.concatenate(tlist) if tlist else np.zeros(0)
        ids = pd.Index(
            [str(i) for i in range(1, len(seqs) + 1)] if customer_id is None else list(customer_id),
            name="customer_id",
        )
        return _assemble(ids, labels, np.asarray(seq_sizes, np.int64), np.asarray(el_sizes, np.int64),
                         codes, days, None, level="items", element="element")


def _ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(starts[i], starts[i] + lens[i])`` for all i (vectorised)."""
    lens = np.asarray(lens, dtype=np.int64)
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    nz = lens > 0
    starts, lens = np.asarray(starts, np.int64)[nz], lens[nz]
    step = np.ones(total, dtype=np.int64)
    pos = np.cumsum(lens)[:-1]
    step[0] = starts[0]
    step[pos] = starts[1:] - (starts[:-1] + lens[:-1] - 1)
    return np.cumsum(step)


def _sorted_codes(labels: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct labels in a stable order (numbers numerically, else as text) and codes."""
    uniq = pd.unique(pd.Series(labels, dtype=object)) if labels else np.array([], dtype=object)
    try:
        order = sorted(uniq)
    except TypeError:
        order = sorted(uniq, key=str)
    lab = np.empty(len(order), dtype=object)
    lab[:] = order
    index = {v: i for i, v in enumerate(order)}
    codes = np.fromiter((index[v] for v in labels), dtype=np.int64, count=len(labels))
    return lab, codes


def _assemble(ids, labels, seq_sizes, el_sizes, codes, days, times, *, level, element, as_of=None):
    """Sort items inside elements, drop repeats, and build the offsets."""
    el_of_item = np.repeat(np.arange(len(el_sizes)), el_sizes)
    key = el_of_item * np.int64(max(len(labels), 1)) + codes
    order = np.argsort(key, kind="stable")
    key = key[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    codes = codes[order][keep]
    el_sizes = np.bincount(el_of_item[order][keep], minlength=len(el_sizes))
    return SequenceDatabase(
        customer_id=ids,
        labels=labels,
        seq_start=np.concatenate([[0], np.cumsum(seq_sizes)]).astype(np.int64),
        el_start=np.concatenate([[0], np.cumsum(el_sizes)]).astype(np.int64),
        items=codes.astype(np.int64),
        el_days=np.asarray(days, dtype=np.float64),
        el_time=times,
        level=level,
        element=element,
        as_of=as_of,
    )


def customer_sequences(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None,
    level: str = "product",
    element: str = "order",
    use_names: bool = True,
    engine: str = "pandas",
) -> SequenceDatabase:
    """Turn transactions into one time-ordered sequence of itemsets per customer.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions (contract columns ``customer_id``, ``order_id``, ``timestamp``,
        ``product_id``; ``product_name`` or ``category`` when asked for).
    as_of : str or Timestamp or None
        Only lines with ``timestamp < as_of`` are used (no look-ahead). ``None`` uses every line
        (say so explicitly: there is no silent default).
    level : {"product", "category"}
        Items are products (``product_name`` with ``use_names=True``, else ``product_id``) or
        categories (``category``).
    element : {"order", "day"}
        One element per order (``order_id``), or per customer and calendar day (orders of one
        day merged). An element's time is the earliest timestamp of its lines.
    use_names : bool
        At product level, label items by ``product_name`` when the table has it (readable; as
        :mod:`mining.basket`, the default since 0.2; products sharing a name merge), else by
        ``product_id``. ``False``: always ``product_id``.
    engine : {"pandas", "duckdb"}
        ``"duckdb"`` builds the same database in DuckDB (:mod:`mining.sequence._duckdb`); ``tx``
        may then also be a Parquet file or folder, read where it lies.

    Returns
    -------
    SequenceDatabase
        Customers sorted by ``customer_id``; elements in time order (ties by ``order_id``); see
        :meth:`SequenceDatabase.to_frame` for the one-row-per-customer view.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["c1", "c1", "c1"], "order_id": ["o1", "o1", "o2"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
    ...     "product_id": ["tent", "stove", "gas"], "quantity": 1.0, "unit_price": 1.0})
    >>> db = customer_sequences(tx, as_of="2025-01-01")
    >>> db.to_frame()["itemsets"].iloc[0]
    (('stove', 'tent'), ('gas',))
    """
    owner = "customer_sequences"
    if engine != "pandas":
        build = use_engine(engine, customer_sequences, None, owner=owner,
                           duckdb_fn="mining.sequence._duckdb:customer_sequences_duckdb")
        return build(tx, as_of=as_of, level=level, element=element, use_names=use_names)
    check_param(level in ("product", "category"), "level", owner, "'product' or 'category'", level)
    check_param(element in ("order", "day"), "element", owner, "'order' or 'day'", element)
    if not isinstance(tx, pd.DataFrame):
        raise SchemaError([f"expected a transactions DataFrame, got {type(tx).__name__}."])
    if level == "category":
        item_col = "category"
    else:
        item_col = "product_name" if use_names and "product_name" in tx.columns else "product_id"
    need = ["customer_id", "timestamp", item_col] + (["order_id"] if element == "order" else [])
    missing = [c for c in need if c not in tx.columns]
    if missing:
        hint = (" Use level='product' or add a 'category' column." if item_col == "category" else
                " Clean the table with mining.schema.clean_transactions first.")
        raise SchemaError([f"column(s) {missing} are needed for level={level!r}, element={element!r}.{hint}"])
    ts = pd.to_datetime(tx["timestamp"])
    cutoff = None
    mask = ts.notna() & tx["customer_id"].notna() & tx[item_col].notna()
    if as_of is not None:
        # a time-zone-aware as_of is converted to UTC (the contract's naive UTC times)
        cutoff = check_date(as_of, "as_of", owner, "Or pass None to use every line.")
        mask &= ts < cutoff
    if not mask.any():
        raise InsufficientDataError(
            f"No transactions before as_of={as_of!s}: nothing to build sequences from. "
            "Choose a later as_of."
        )
    # customers and elements as integer codes in the sort order of their text (sorting the
    # codes sorts the text); a missing order id has no element time, both sort last
    c_code, c_uniques = pd.factorize(tx["customer_id"][mask].astype("string"), sort=True)
    t = ts[mask].to_numpy(dtype="datetime64[ns]")
    if element == "order":
        o_code = pd.factorize(tx["order_id"][mask].astype("string"), sort=True)[0]
    else:
        o_code = pd.factorize(pd.Series(t).dt.floor("D"), sort=True)[0]
    # element time: the earliest timestamp of the (customer, element)
    el_key = c_code.astype(np.int64) * (int(o_code.max()) + 2) + o_code
    el_t = pd.Series(t).groupby(np.where(o_code >= 0, el_key, -1)).transform("min").to_numpy(
        dtype="datetime64[ns]")
    el_t = np.where(o_code >= 0, el_t, np.datetime64("NaT", "ns"))
    last = np.iinfo(np.int64).max
    order = np.lexsort((np.where(o_code >= 0, o_code, last),
                        np.where(np.isnat(el_t), last, el_t.astype(np.int64)), c_code))
    c_sorted, okey = c_code[order], o_code[order]
    cust_codes, seen = pd.factorize(c_sorted, sort=False)  # seen: the codes, in order
    cust_uniques = c_uniques[seen]
    el_first = np.ones(len(order), dtype=bool)
    cvals = cust_codes
    el_first[1:] = (cvals[1:] != cvals[:-1]) | (okey[1:] != okey[:-1])
    el_id = np.cumsum(el_first) - 1
    n_el = int(el_id[-1]) + 1
    el_sizes = np.bincount(el_id, minlength=n_el)
    el_cust = cvals[el_first]
    seq_sizes = np.bincount(el_cust, minlength=len(cust_uniques))
    items = tx[item_col][mask].astype("string").to_numpy(dtype=object)[order]
    labels, codes = _label_codes(items)
    el_time = el_t[order][el_first]
    days = el_time.astype(np.int64) / _DAY_NS
    ids = pd.Index(pd.array(cust_uniques, dtype="string"), name="customer_id")
    return _assemble(ids, labels, seq_sizes, el_sizes, codes, days, el_time,
                     level=level, element=element, as_of=cutoff)


def _label_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True)
    lab = np.empty(len(uniques), dtype=object)
    lab[:] = list(uniques)
    return lab, codes.astype(np.int64)


# ---- SPMF ---------------------------------------------------------------------------------------
_STAMP = re.compile(r"^<(-?\d+(?:\.\d+)?)>$")


def read_spmf(path_or_text: str | os.PathLike[str], *, strip: bool = True) -> SequenceDatabase:
    """Read a sequence database in the SPMF text format.

    One sequence per line: items separated by blanks, ``-1`` closes an element, ``-2`` closes the
    sequence, e.g. ``1 -1 1 2 3 -1 4 -1 -2``. Supported extras: an element time stamp ``<t>``
    before its items (days), comment lines (``#``, ``%``), and the ``@CONVERTED_FROM_TEXT`` /
    ``@ITEM=code=name`` header lines that give items names.

    Parameters
    ----------
    path_or_text : path or str
        A file path, or the text itself (a string holding a newline or `` -2`` that is not an
        existing file is taken as text).
    strip : bool
        Remove blanks around the item names of ``@ITEM=code=name`` lines (default).
        ``False`` keeps each name exactly as written up to the end of its line (leading and
        trailing blanks, case), so ``"cream cheese "`` and ``"cream cheese"`` stay two names
        and :func:`to_spmf` output reads back unchanged (CLI: ``mining sequences
        --verbatim-labels``). Either way an all-blank name counts as the empty name ``""``.

    Returns
    -------
    SequenceDatabase
        ``customer_id`` "1", "2", ... in line order; item labels are the names from ``@ITEM``
        lines or else the integer codes as text. Without ``<t>`` stamps element positions
        (0, 1, 2, ...) serve as days, so gap limits count elements.
    """
    is_text = isinstance(path_or_text, str) and ("\n" in path_or_text or " -2" in path_or_text)
    if is_text and "\n" not in path_or_text:
        try:
            is_text = not Path(path_or_text).exists()
        except OSError:  # far too long for a file name: it is text
            pass
    if not is_text:
        p = Path(path_or_text)
        if not p.exists():
            raise MiningError(f"No such SPMF file: {p}.")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise MiningError(f"Cannot read the SPMF file {p}: {why}.") from None
    else:
        text = str(path_or_text)
    names: dict[str, str] = {}
    seqs: list[list[list[str]]] = []
    stamps: list[list[float]] = []
    has_stamps = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        if line.startswith("@"):
            # verbatim: the name runs to the end of the line (only the line's indent goes)
            parts = (line if strip else raw.lstrip()).split("=", 2)
            if line.startswith("@ITEM=") and len(parts) == 3:
                name = parts[2].strip() if strip else parts[2]
                names[parts[1]] = name if name.strip() else ""
            continue
        seq: list[list[str]] = []
        times: list[float] = []
        cur: list[str] = []
        t: float | None = None
        ended = False
        for tok in line.split():
            if tok == "-1":
                if cur:
                    seq.append(cur)
                    times.append(float(len(times)) if t is None else t)
                cur, t = [], None
            elif tok == "-2":
                ended = True
                break
            elif (m := _STAMP.match(tok)) is not None:
                t = float(m.group(1))
                has_stamps = True
            elif tok.lstrip("-").isdigit() and int(tok) >= 0:
                cur.append(tok)
            else:
                raise SchemaError(
                    [f"SPMF line {lineno}: {tok!r} is not an item code (a non-negative integer), "
                     "-1, -2 or a <time> stamp."], what="SPMF sequence",
                )
        if not ended:
            raise SchemaError([f"SPMF line {lineno} does not end with -2 (end of sequence)."],
                              what="SPMF sequence")
        if cur:
            seq.append(cur)
            times.append(float(len(times)) if t is None else t)
        seqs.append(seq)
        stamps.append(times)
    flat = [int(x) for s in seqs for el in s for x in el]
    uniq = np.unique(np.asarray(flat, dtype=np.int64)) if flat else np.zeros(0, np.int64)
    labels = np.empty(len(uniq), dtype=object)
    labels[:] = [names.get(str(c), str(c)) for c in uniq]
    codes = np.searchsorted(uniq, np.asarray(flat, dtype=np.int64)).astype(np.int64)
    el_sizes = np.asarray([len(el) for s in seqs for el in s], dtype=np.int64)
    seq_sizes = np.asarray([len(s) for s in seqs], dtype=np.int64)
    days = np.asarray([x for ts in stamps for x in ts], dtype=np.float64)
    ids = pd.Index([str(i) for i in range(1, len(seqs) + 1)], name="customer_id", dtype="string")
    db = _assemble(ids, labels, seq_sizes, el_sizes, codes, days, None, level="spmf",
                   element="element")
    db._cache["spmf_codes"] = uniq
    db._cache["has_stamps"] = has_stamps
    return db


def to_spmf(db: SequenceDatabase, path: str | os.PathLike[str] | None = None, *,
            timestamps: bool = False) -> str:
    """Write a sequence database in the SPMF text format (and return the text).

    Item labels that are all non-negative integers are written as they are; otherwise items are
    numbered 1, 2, ... in label order and ``@CONVERTED_FROM_TEXT`` / ``@ITEM=code=name`` lines at
    the top keep the names (SPMF's own convention; :func:`read_spmf` reads them back).
    ``timestamps=True`` writes each element's day (rounded to an integer) as ``<t>``.
    """
    db = as_database(db)
    labels = db.labels
    spmf_codes = db._cache.get("spmf_codes")
    header: list[str] = []
    if spmf_codes is not None and len(spmf_codes) == len(labels) and all(
        str(c) == str(lab) for c, lab in zip(spmf_codes, labels, strict=True)
    ):
        out_codes = [str(c) for c in spmf_codes]
    elif all(str(lab).isdigit() for lab in labels):
        out_codes = [str(int(lab)) for lab in labels]
    else:
        out_codes = [str(i) for i in range(1, len(labels) + 1)]
        header = ["@CONVERTED_FROM_TEXT"] + [f"@ITEM={c}={lab}" for c, lab in zip(out_codes, labels, strict=True)]
    tok = np.asarray(out_codes, dtype=object)
    lines = list(header)
    for s in range(len(db)):
        parts: list[str] = []
        for g in range(db.seq_start[s], db.seq_start[s + 1]):
            if timestamps:
                parts.append(f"<{round(float(db.el_days[g]))}>")
            parts.extend(tok[db.items[db.el_start[g]: db.el_start[g + 1]]])
            parts.append("-1")
        parts.append("-2")
        lines.append(" ".join(parts))
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def as_database(data: Any) -> SequenceDatabase:
    """Accept a SequenceDatabase, a ``to_frame()``-shaped DataFrame, or Python lists of sequences."""
    if isinstance(data, SequenceDatabase):
        return data
    if isinstance(data, pd.DataFrame):
        if "itemsets" not in data.columns:
            raise SchemaError(
                ["a sequence table needs an 'itemsets' column (tuple of tuples per customer); "
                 "build one with mining.sequence.customer_sequences(tx, as_of=...)."],
                what="sequence",
            )
        times = None
        if "timestamps" in data.columns:
            first = next((t[0] for t in data["timestamps"] if len(t)), None)
            if first is not None and isinstance(first, pd.Timestamp | np.datetime64):
                times = [np.asarray(pd.DatetimeIndex(t).asi8 / _DAY_NS) for t in data["timestamps"]]
            elif first is not None:
                times = [np.asarray(t, dtype=float) for t in data["timestamps"]]
        return SequenceDatabase.from_sequences(list(data["itemsets"]), customer_id=list(data.index),
                                               times=times)
    if isinstance(data, list | tuple):
        return SequenceDatabase.from_sequences(data)
    raise ParameterError(
        f"Expected a SequenceDatabase (from customer_sequences or read_spmf), a sequence table or "
        f"a list of sequences. Got {type(data).__name__} instead."
    )
