"""Frequent itemsets: mlxtend Apriori (default), mlxtend FP-growth, or the fast compiled route.

``engine="spark"`` mines them with Spark MLlib's FPGrowth (:mod:`mining.basket._spark`, the same
table), dispatched by :func:`mining.engines.use_engine`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import math
import operator
import sys
import time
import warnings
import weakref
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.basket._baskets import to_csr
from mining.engines import use_engine
from mining.errors import BudgetError, check_param
from mining.params import check_budget

__all__ = ["DEFAULT_MAX_ITEMSETS", "ITEMSET_COLUMNS", "ItemsetCodes", "NoItemsetsWarning",
           "check_itemset_options", "codes_of", "count_itemsets", "format_items",
           "frequent_itemsets", "min_count_for", "warn_no_itemsets"]

ITEMSET_COLUMNS = ["support", "itemsets", "count", "length", "itemset_str"]
_ALGORITHMS = ("apriori", "fpgrowth", "fast")
# mlxtend's apriori builds a dense bool array baskets x candidates per level: warn beyond this
_APRIORI_DENSE_CELLS = 2e9
#: default itemset budget (about 0.5 GB of table); Groceries at 0.001 has about 13,500
DEFAULT_MAX_ITEMSETS = 1_000_000
# how many of the largest baskets the itemset upper bound may leave out (see _upper_bound)
_BOUND_G = 10_000


class NoItemsetsWarning(UserWarning):
    """The thresholds left nothing (no itemset, or no rule); the result is an empty table."""


class ItemsetCodes:
    """The code form of an itemsets table, remembered for that very table object (see
    :func:`codes_of`) so that :func:`association_rules` need not re-derive it from the frozensets.

    Used only while the table still holds the very same frozenset objects in the same order with
    the same counts (any filter, sort or edit falls back to re-deriving). Never changed; copying
    returns the object itself.
    """

    def __init__(self, names: np.ndarray, by_len: dict, sets: np.ndarray, counts: np.ndarray):
        self.names = names
        self.by_len = by_len
        self.sets = sets
        self.counts = counts

    def __deepcopy__(self, memo: dict) -> ItemsetCodes:
        return self

    def __repr__(self) -> str:
        return f"<ItemsetCodes of {len(self.sets):,} itemsets>"

    def matches(self, itemsets: pd.DataFrame) -> bool:
        if len(itemsets) != len(self.sets) or "count" not in itemsets.columns:
            return False
        if not np.array_equal(itemsets["count"].to_numpy(), self.counts):
            return False
        col = itemsets["itemsets"].to_numpy(dtype=object)
        return all(map(operator.is_, col, self.sets))


# the code form of each itemsets table made here, by the table's id while the table lives (a
# side table, not DataFrame.attrs: pandas copies or drops attrs in many operations)
_CODES: dict[int, tuple[weakref.ref, ItemsetCodes]] = {}


def _remember_codes(table: pd.DataFrame, codes: ItemsetCodes) -> None:
    key = id(table)

    def forget(ref: weakref.ref, key: int = key) -> None:
        if _CODES.get(key, (None,))[0] is ref:
            del _CODES[key]

    _CODES[key] = (weakref.ref(table, forget), codes)


def codes_of(itemsets: pd.DataFrame) -> ItemsetCodes | None:
    """The code form of ``itemsets`` when it is a table :func:`frequent_itemsets` made and it
    is unchanged; None otherwise (then the caller derives the codes from the frozensets)."""
    entry = _CODES.get(id(itemsets))
    if entry is None or entry[0]() is not itemsets or not entry[1].matches(itemsets):
        return None
    return entry[1]


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while building many small objects.

    Creating 100,000 frozensets triggers hundreds of collections that scan every object alive,
    which more than doubles the time; none of these objects can form cycles. The collector is
    switched back on (if it was on) on exit, also on error.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def progress_enabled(progress: bool | None) -> bool:
    """``None``: show a bar only when stderr is a terminal."""
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


def min_count_for(min_support: float, n_baskets: int) -> int:
    """Smallest basket count meeting ``min_support``: ``ceil(min_support x n_baskets)``, >= 1.

    The product is rounded to 9 decimals first, so ``0.07 x 100`` (7.000000000000001 in
    floating point) gives 7, not 8.

    >>> min_count_for(0.001, 9835), min_count_for(0.07, 100), min_count_for(0.5, 3)
    (10, 7, 2)
    """
    return max(1, math.ceil(round(min_support * n_baskets, 9)))


def format_items(items: Any) -> str:
    """A readable, sorted label of an itemset: ``"bread, milk"``."""
    return ", ".join(sorted(str(x) for x in items))


Groups = dict[int, tuple[np.ndarray, np.ndarray]]


def _group(codes: list[tuple[int, ...]] | Any, counts: np.ndarray) -> Groups:
    """Itemsets as one code matrix per length (codes sorted within each row) with counts."""
    lengths = np.fromiter(map(len, codes), dtype=np.int64, count=len(codes))
    flat = np.fromiter(itertools.chain.from_iterable(codes), dtype=np.int64,
                       count=int(lengths.sum()))
    starts = np.cumsum(lengths) - lengths
    groups: Groups = {}
    for k in np.unique(lengths).tolist():
        if k == 0:
            continue
        rows = np.flatnonzero(lengths == k)
        mat = np.sort(flat[starts[rows][:, None] + np.arange(k)], axis=1)
        groups[k] = (mat, counts[rows])
    return groups


def _row_order(mat: np.ndarray, counts: np.ndarray, n_names: int) -> np.ndarray:
    """Row order by count (descending), then the codes left to right.

    One integer key (count rank and codes packed into 63 bits) sorts several times faster than
    ``np.lexsort`` over ``k + 1`` keys; used whenever it fits (rows are distinct itemsets, so
    the keys are too), else ``lexsort``.
    """
    k = mat.shape[1]
    if len(counts) == 0:
        return np.arange(0)
    b = max(1, int(n_names - 1).bit_length())
    top = int(counts.max())
    if k * b + max(1, top.bit_length()) <= 63:
        key = (top - counts).astype(np.int64) << (k * b)
        for j in range(k):
            key |= mat[:, j].astype(np.int64) << (b * (k - 1 - j))
        return np.argsort(key)
    return np.lexsort((*[mat[:, j] for j in range(k - 1, -1, -1)], -counts))


def _table(names: np.ndarray, groups: Groups, n: int) -> pd.DataFrame:
    """The itemsets DataFrame; ``names`` are in sorted order, so code order = name order."""
    set_parts: list[np.ndarray] = []
    str_parts: list[np.ndarray] = []
    count_parts, length_parts = [], []
    by_len: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    start = 0
    for k in sorted(groups):
        mat, counts = groups[k]
        order = _row_order(mat, counts, len(names))
        mat, counts = mat[order], counts[order]
        m = len(counts)
        by_len[k] = (mat, counts, np.arange(start, start + m))
        start += m
        # one flat list of labels per position, rows as tuples from zip (which reuses its
        # tuple), straight into object arrays: no list per itemset to build and free
        cols = [names[mat[:, j]].tolist() for j in range(k)]
        set_parts.append(np.fromiter(map(frozenset, zip(*cols, strict=True)), dtype=object,
                                     count=m))
        str_parts.append(np.fromiter(map(", ".join, zip(*cols, strict=True)), dtype=object,
                                     count=m))
        count_parts.append(counts)
        length_parts.append(np.full(m, k, dtype=np.int64))
    counts = np.concatenate(count_parts) if count_parts else np.array([], dtype=np.int64)
    set_arr = np.concatenate(set_parts) if set_parts else np.array([], dtype=object)
    str_arr = np.concatenate(str_parts) if str_parts else np.array([], dtype=object)
    out = pd.DataFrame({
        "support": counts / n if n else counts.astype(float),
        "itemsets": set_arr,
        "count": counts.astype(np.int64),
        "length": np.concatenate(length_parts) if length_parts else np.array([], dtype=np.int64),
        "itemset_str": pd.Series(str_arr, dtype=object),
    })
    _remember_codes(out, ItemsetCodes(names, by_len, set_arr, out["count"].to_numpy()))
    return out


def _frequent_items(csr: sp.csr_matrix, labels: list[str], min_count: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Column numbers of the frequent items, ordered by label, and those labels."""
    item_counts = np.asarray(csr.sum(axis=0)).ravel()
    keep = np.flatnonzero(item_counts >= min_count)
    lab = np.asarray(labels, dtype=object)[keep]
    order = np.argsort(lab.astype(str), kind="stable")
    return keep[order], lab[order]


def _mine_mlxtend(csr: sp.csr_matrix, labels: list[str], min_count: int, max_len: int | None,
                  algorithm: str) -> tuple[np.ndarray, Groups]:
    from mlxtend.frequent_patterns import apriori, fpgrowth

    n = csr.shape[0]
    # (count - 0.5) / n: exact for both of mlxtend's tests (support >= s, count >= ceil(s n))
    s = (min_count - 0.5) / n
    keep, names = _frequent_items(csr, labels, min_count)
    if keep.size == 0:
        return names, {}
    sub = csr[:, keep]
    frame = pd.DataFrame.sparse.from_spmatrix(sub.tocsc(), columns=np.arange(keep.size))
    if algorithm == "apriori":
        f = len(keep)
        if n * f * (f - 1) / 2 > _APRIORI_DENSE_CELLS and (max_len is None or max_len >= 2):
            warnings.warn(
                f"frequent_itemsets: mlxtend's apriori will build arrays of up to {n:,} baskets x "
                f"{f * (f - 1) // 2:,} candidate pairs and may be slow or run out of memory; "
                "algorithm='fast' finds the identical itemsets much faster.",
                RuntimeWarning, stacklevel=4)
        res = apriori(frame, min_support=s, max_len=max_len, low_memory=True)
    else:
        res = fpgrowth(frame, min_support=s, max_len=max_len)
    codes = [tuple(c) for c in res["itemsets"]]
    counts = np.rint(res["support"].to_numpy() * n).astype(np.int64)
    return names, _group(codes, counts)


def pyfim_available() -> bool:
    try:
        import fim  # noqa: F401  (probe only)
    except ImportError:
        return False
    return True


def _csr_transactions(csr: sp.csr_matrix, keep: np.ndarray) -> dict[tuple[int, ...], int]:
    """The baskets for pyfim as ``{items: number of baskets}``: only the frequent items ``keep``
    (re-coded 0..), identical baskets counted once with their multiplicity (pyfim's weighted
    transactions; every support is the same as with one list per basket, pyfim reads far fewer
    transactions), grouped in numpy, plus one empty basket (see :func:`_mine_fast`)."""
    sub = csr[:, keep].tocsr()
    sub.sum_duplicates()
    sub.sort_indices()
    ptr = sub.indptr.astype(np.int64)
    ind = sub.indices.astype(np.int64)
    sizes = np.diff(ptr)
    bits = max(1, int(max(keep.size - 1, 1)).bit_length())
    out: dict[tuple[int, ...], int] = {(): 1}
    for k in np.unique(sizes).tolist():
        if k == 0:
            continue
        rows = np.flatnonzero(sizes == k)
        mat = ind[ptr[rows][:, None] + np.arange(k)]
        if k * bits <= 63:  # one packed integer per basket: a 1-d unique
            key = np.zeros(len(rows), dtype=np.int64)
            for j in range(k):
                key |= mat[:, j] << (bits * (k - 1 - j))
            key, counts = np.unique(key, return_counts=True)
            mask = (1 << bits) - 1
            cols = [((key >> (bits * (k - 1 - j))) & mask).tolist() for j in range(k)]
        else:
            mat, counts = np.unique(mat, axis=0, return_counts=True)
            cols = [mat[:, j].tolist() for j in range(k)]
        out.update(zip(zip(*cols, strict=True), counts.tolist(), strict=True))
    return out


def _mine_fast(csr: sp.csr_matrix, labels: list[str], min_count: int,
               max_len: int | None) -> tuple[np.ndarray, Groups]:
    import fim

    keep, names = _frequent_items(csr, labels, min_count)
    if keep.size == 0:
        return names, {}
    # pyfim drops an item that is in *every* transaction (pyfim 6.x); one extra empty basket
    # (in _csr_transactions) changes no absolute count and avoids it
    res = fim.fpgrowth(_csr_transactions(csr, keep), target="s", supp=-min_count, zmin=1,
                       zmax=max_len if max_len is not None else -1, report="a")
    if not res:
        return names, {}
    # (itemset tuple, count) pairs, split in C
    sets = list(map(operator.itemgetter(0), res))
    counts = np.fromiter(map(operator.itemgetter(1), res), dtype=np.int64, count=len(res))
    del res
    return names, _group(sets, counts)


Spectrum = dict[tuple[int, int], float]


def count_itemsets(csr: sp.csr_matrix, min_count: int, max_len: int | None) -> Spectrum | None:
    """Pattern spectrum of the frequent itemsets: ``{(length, count): number of itemsets}``.

    Counted by pyfim in C without building a single itemset (perfect extensions are counted
    combinatorially, so even 10^14 itemsets take milliseconds). None when pyfim is missing.
    """
    if not pyfim_available():
        return None
    import fim

    keep = np.flatnonzero(np.asarray(csr.sum(axis=0)).ravel() >= min_count)
    if keep.size == 0 or csr.shape[0] == 0:
        return {}
    # with one empty basket (see _mine_fast: pyfim drops an item that is in every transaction)
    spec = fim.fpgrowth(_csr_transactions(csr, keep), target="s", supp=-min_count, zmin=1,
                        zmax=max_len if max_len is not None else -1, report="#")
    return dict(spec or {})


def _upper_bound(csr: sp.csr_matrix, min_count: int, max_len: int | None) -> float:
    """Upper bound on the number of frequent itemsets (no mining).

    Every frequent itemset is a subset of at least ``min_count`` baskets, so of at least
    ``min_count - g`` baskets outside any ``g`` baskets (``g < min_count``): at most
    sum_b sum_k C(|b|, k) / (min_count - g), the sum over all baskets but the ``g`` largest
    (``g = 0``: the plain bound). The smallest over ``g`` (up to ``_BOUND_G``) is returned, so a
    few huge baskets (one order of thousands of lines) no longer hide that the budget holds.
    Exact integers throughout (no cancellation); only the result is a float.
    """
    keep = np.asarray(csr.sum(axis=0)).ravel() >= min_count
    sizes = np.asarray(csr[:, np.flatnonzero(keep)].sum(axis=1)).ravel().astype(np.int64)
    uniq, n_of = np.unique(sizes, return_counts=True)
    # subsets per basket of each size (exact ints), largest baskets first
    per = [sum(math.comb(int(s), k) for k in range(1, (int(s) if max_len is None
                                                         else min(int(s), int(max_len))) + 1))
           for s in uniq.tolist()]
    groups = sorted(zip(per, n_of.tolist(), strict=True), reverse=True)
    rest = sum(c * m for c, m in groups)
    g_max = max(0, min(min_count - 1, int(sizes.size), _BOUND_G))
    best_num, best_den = rest, max(min_count, 1)
    g = 0
    for c, m in groups:  # drop the largest baskets one at a time (runs of equal size at once)
        if g >= g_max or c == 0:
            break
        take = min(m, g_max - g)
        for _ in range(take):
            rest -= c
            g += 1
            if rest * best_den < best_num * (min_count - g):
                best_num, best_den = rest, min_count - g
    try:
        return best_num / best_den
    except OverflowError:
        return math.inf


def _budget_hint(spec: Spectrum, limit: int, n: int, min_count: int,
                 max_len: int | None) -> str:
    """What would fit: the largest max_len and the smallest min_support within ``limit``."""
    hints = []
    by_len: dict[int, float] = {}
    for (k, _c), m in spec.items():
        by_len[k] = by_len.get(k, 0.0) + m
    total, best_len = 0.0, 0
    for k in sorted(by_len):
        total += by_len[k]
        if total > limit:
            break
        best_len = k
    if best_len >= 1 and (max_len is None or best_len < max_len):
        hints.append(f"max_len={best_len} would give "
                     f"{int(sum(by_len[k] for k in by_len if k <= best_len)):,}")
    by_count: dict[int, float] = {}
    for (_k, c), m in spec.items():
        by_count[c] = by_count.get(c, 0.0) + m
    total, need = 0.0, None
    for c in sorted(by_count, reverse=True):
        if total + by_count[c] > limit:
            need = c + 1
            break
        total += by_count[c]
    if need is not None and need > min_count and n:
        share = need / n
        for digits in range(2, 16):  # the shortest share that still means >= need baskets
            cand = math.floor(need / n * 10**digits) / 10**digits
            if cand > 0 and min_count_for(cand, n) == need:
                share = cand
                break
        hints.append(f"min_support={share:g} (itemsets in >= {need:,} baskets) would give "
                     f"{int(sum(m for c, m in by_count.items() if c >= need)):,}")
    return f" ({'; '.join(hints)})" if hints else ""


def check_itemset_budget(csr: sp.csr_matrix, min_support: float, min_count: int,
                         max_len: int | None, max_itemsets: int | None, owner: str) -> None:
    """Raise BudgetError before mining when more than ``max_itemsets`` itemsets are frequent."""
    if max_itemsets is None or csr.shape[0] == 0:
        return
    # the exact count (a pyfim pass) only when the cheap upper bound does not already prove
    # that the budget holds: the same BudgetError, one pass less in the common case
    if _upper_bound(csr, min_count, max_len) <= max_itemsets:
        return
    n = csr.shape[0]
    spec = count_itemsets(csr, min_count, max_len)
    where = (f"at min_support={min_support!r} (itemsets in >= {min_count:,} of {n:,} baskets), "
             f"max_len={max_len!r}")
    if spec is None:
        bound = _upper_bound(csr, min_count, max_len)
        if bound > max_itemsets:
            raise BudgetError(
                f"{owner} stopped before mining: up to {bound:,.0f} frequent itemsets (an upper "
                f"bound; install pyfim for the exact count) {where}, more than "
                f"max_itemsets={max_itemsets:,}. Raise min_support or set max_len (e.g. 3); or "
                "raise max_itemsets.")
        return
    total = sum(spec.values())
    if total > max_itemsets:
        raise BudgetError(
            f"{owner} stopped before mining: {total:,.0f} frequent itemsets {where}, more than "
            f"max_itemsets={max_itemsets:,}. Raise min_support or set max_len"
            f"{_budget_hint(spec, max_itemsets, n, min_count, max_len)}; or raise max_itemsets.")


def check_time(started: float, max_seconds: float | None, owner: str, step: str,
               advice: str = "Raise min_support, set max_len") -> None:
    """Raise BudgetError when more than ``max_seconds`` have passed since ``started``."""
    if max_seconds is not None and time.perf_counter() - started > max_seconds:
        raise BudgetError(f"{owner} stopped after {step}: it took more than "
                          f"max_seconds={max_seconds:g} seconds. {advice}, or allow more time "
                          "with max_seconds.")


def check_itemset_options(min_support: Any, max_len: Any, owner: str) -> None:
    """``min_support`` a share of baskets in (0, 1]; ``max_len`` None or an int >= 1 (every
    engine)."""
    check_param(isinstance(min_support, int | float | np.integer | np.floating)
                and not isinstance(min_support, bool) and 0 < float(min_support) <= 1,
                "min_support", owner, "a share of baskets, a float in (0, 1]", min_support,
                "0.01 means 1% of baskets; a count of baskets c is min_support=c / n_baskets.")
    check_param(max_len is None or (isinstance(max_len, int | np.integer)
                                    and not isinstance(max_len, bool) and max_len >= 1),
                "max_len", owner, "None or an int >= 1", max_len)


def warn_no_itemsets(owner: str, min_support: float, min_count: int, n: int, top: int, *,
                     stacklevel: int = 4) -> None:
    """The :class:`NoItemsetsWarning` of an empty result: what the most frequent item reaches."""
    hint = (f" The most frequent item is in {int(top):,} of {n:,} baskets "
            f"({top / n:.4%})." if n else " There are no baskets.")
    warnings.warn(f"{owner}: no itemset is in at least {min_count:,} baskets "
                  f"(min_support={min_support}).{hint} Lower min_support.",
                  NoItemsetsWarning, stacklevel=stacklevel)


def frequent_itemsets(
    baskets: pd.DataFrame,
    *,
    min_support: float,
    max_len: int | None = None,
    algorithm: str = "apriori",
    progress: bool | None = None,
    max_itemsets: int | None = DEFAULT_MAX_ITEMSETS,
    max_seconds: float | None = None,
    engine: str = "pandas",
) -> pd.DataFrame:
    """Itemsets present in at least ``min_support`` of the baskets.

    Parameters
    ----------
    baskets : DataFrame
        One-hot baskets (rows: baskets, columns: item labels, True/False or 1/0, sparse or
        dense), e.g. from :func:`basket_matrix` or :func:`read_basket_file`.
    min_support : float in (0, 1]
        Share of baskets (always a share here, never a count: ``1`` and ``1.0`` both mean
        every basket; for "at least 5 baskets" pass ``5 / n_baskets``). An itemset is frequent
        when its basket count is at least ``ceil(min_support x n_baskets)`` (computed once,
        see :func:`min_count_for`).
    max_len : int, optional
        Longest itemset (items). None: no limit other than ``max_itemsets``.
    algorithm : {"apriori", "fpgrowth", "fast"}
        All three give the identical itemsets. ``"apriori"`` (default): mlxtend's Apriori, the
        method taught in class. ``"fpgrowth"``: mlxtend's FP-growth. ``"fast"``: Borgelt's
        compiled FP-growth (the ``pyfim`` package, ``import fim``), 25-100x faster than mlxtend
        on large data; falls back to mlxtend's FP-growth, with a warning, when pyfim is not
        installed. Use ``"fast"`` beyond a few thousand baskets or below 1% support.
    progress : bool, optional
        Show a progress bar (tqdm) over the mining steps. None: only when stderr is a terminal.
    max_itemsets : int or None
        Budget: before mining, the frequent itemsets are counted exactly (pyfim's pattern
        spectrum, in C, milliseconds even for 10^14 itemsets); beyond this many a
        :class:`~mining.errors.BudgetError` says which ``max_len`` or ``min_support`` would
        fit. Default 1,000,000. None: no check.
    max_seconds : float or None
        Budget: stop with :class:`~mining.errors.BudgetError` when a mining step ends after
        this many seconds (a running pyfim or mlxtend call is not interrupted; with
        ``max_itemsets`` the count is known before it starts). None (default): no limit.
    engine : {"pandas", "spark"}
        ``"spark"`` mines with Spark MLlib's FPGrowth (``pip install -e ".[spark]"``); the
        itemsets and the table are the same (:mod:`mining.basket._spark`); ``baskets`` may then
        also be transactions or a Parquet/CSV path. ``algorithm``, ``progress`` and the budgets
        apply to ``"pandas"`` only. ``"duckdb"``: ``baskets`` may also be transactions or a
        Parquet path, turned into baskets by DuckDB (:mod:`mining.basket._duckdb`) and mined
        by the local miner (same ``algorithm`` and budgets); one-hot baskets are mined as by
        ``"pandas"``.

    Returns
    -------
    DataFrame
        One row per frequent itemset, sorted by ``length``, then ``count`` (descending), then
        the items (in label order), the same for every algorithm; columns ``support`` (share of baskets), ``itemsets`` (frozenset of item
        labels, as mlxtend), ``count`` (baskets), ``length`` (items) and ``itemset_str``
        (``"bread, milk"``, sorted, for CSV and reading). The number of baskets is
        ``count / support`` of any row, the basket count an itemset needed
        ``min_count_for(min_support, n_baskets)`` (before 0.2 both were also in ``attrs``).
        When nothing reaches ``min_support`` the table is empty (same columns) and a
        :class:`NoItemsetsWarning` says to lower ``min_support``.

    Examples
    --------
    >>> from mining.basket import baskets_from_lists
    >>> b = baskets_from_lists([["milk", "bread"], ["milk", "bread", "eggs"], ["milk"]])
    >>> fi = frequent_itemsets(b, min_support=0.6)
    >>> fi[["itemset_str", "count"]].to_records(index=False).tolist()
    [('milk', 3), ('bread', 2), ('bread, milk', 2)]
    """
    local = functools.partial(_frequent_itemsets, algorithm=algorithm, progress=progress,
                              max_itemsets=max_itemsets, max_seconds=max_seconds)
    mine = use_engine(engine, local, "mining.basket._spark:frequent_itemsets_spark",
                      owner="frequent_itemsets",
                      duckdb_fn="mining.basket._duckdb:frequent_itemsets_duckdb",
                      duckdb_options={"algorithm": algorithm, "progress": progress,
                                      "max_itemsets": max_itemsets, "max_seconds": max_seconds})
    return mine(baskets, min_support=min_support, max_len=max_len)



def mine_counted(csr: Any, labels: Any, min_count: int, max_len: int | None, algorithm: str, *,
                 bar: Any, started: float, max_seconds: float | None, owner: str,
                 stacklevel: int) -> pd.DataFrame:
    """Mine the baskets of ``csr`` (baskets x items, budget already checked) with the chosen
    miner and return the itemsets table; shared by the pandas and DuckDB paths. ``algorithm``
    "fast" without pyfim falls back to FP-growth with a ``RuntimeWarning`` (``stacklevel`` points
    at the caller of ``frequent_itemsets``)."""
    n = csr.shape[0]
    if n == 0:
        names, groups = np.array([], dtype=object), {}
    elif algorithm == "fast" and pyfim_available():
        names, groups = _mine_fast(csr, labels, min_count, max_len)
    else:
        used = algorithm
        if algorithm == "fast":
            used = "fpgrowth"
            warnings.warn("frequent_itemsets: pyfim is not installed, so algorithm='fast' "
                          "uses mlxtend's FP-growth (identical itemsets, slower). "
                          "Install pyfim for speed.", RuntimeWarning, stacklevel=stacklevel)
        names, groups = _mine_mlxtend(csr, labels, min_count, max_len, algorithm=used)
    bar.update(1)
    check_time(started, max_seconds, owner, "mining")
    with gc_paused():
        out = _table(names, groups, n)
    bar.update(1)
    return out

def _frequent_itemsets(baskets: pd.DataFrame, *, min_support: float, max_len: int | None,
                       algorithm: str, progress: bool | None, max_itemsets: int | None,
                       max_seconds: float | None) -> pd.DataFrame:
    """The pandas engine of :func:`frequent_itemsets`."""
    owner = "frequent_itemsets"
    check_itemset_options(min_support, max_len, owner)
    check_budget(max_itemsets, max_seconds, owner, "max_itemsets")
    started = time.perf_counter()
    check_param(algorithm in _ALGORITHMS, "algorithm", owner,
                "one of 'apriori', 'fpgrowth', 'fast'", algorithm)
    csr, labels = to_csr(baskets, owner)
    return mine_csr(csr, labels, min_support=min_support, max_len=max_len, algorithm=algorithm,
                    progress=progress, max_itemsets=max_itemsets, max_seconds=max_seconds,
                    started=started)


def mine_csr(csr: sp.csr_matrix, labels: Any, *, min_support: float, max_len: int | None,
             algorithm: str, progress: bool | None, max_itemsets: int | None,
             max_seconds: float | None, started: float) -> pd.DataFrame:
    """The itemsets of the baskets ``csr`` (baskets x items, columns ``labels``) as
    :func:`frequent_itemsets` mines them: budget check, mining, the itemsets table; shared by
    the pandas engine (after ``to_csr``) and the DuckDB engine (baskets built by DuckDB)."""
    owner = "frequent_itemsets"
    from tqdm.auto import tqdm

    stack = contextlib.ExitStack()
    bar = tqdm(total=3, desc=f"itemsets ({algorithm})", disable=not progress_enabled(progress),
               leave=False)
    try:
        n = csr.shape[0]
        bar.update(1)
        min_count = min_count_for(float(min_support), n)
        if algorithm == "fast":
            stack.enter_context(gc_paused())
        check_itemset_budget(csr, min_support, min_count, max_len, max_itemsets, owner)
        check_time(started, max_seconds, owner, "counting the itemsets")
        out = mine_counted(csr, labels, min_count, max_len, algorithm, bar=bar,
                           started=started, max_seconds=max_seconds, owner=owner, stacklevel=5)
    finally:
        stack.close()
        bar.close()
    if out.empty:
        top = np.asarray(csr.sum(axis=0)).ravel().max() if csr.shape[1] and n else 0
        warn_no_itemsets(owner, min_support, min_count, n, top, stacklevel=5)
    return out
