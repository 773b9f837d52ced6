"""Frequent sequential patterns: the PrefixSpan-family miner and its result table.

``engine="spark"`` mines with Spark MLlib's PrefixSpan (:mod:`mining.sequence._spark`, the same
table), dispatched by :func:`mining.engines.use_engine`.
"""

from __future__ import annotations

import functools
import math
import time
from itertools import combinations
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from mining.engines import use_engine
from mining.errors import BudgetError, check_param
from mining.params import check_budget
from mining.sequence import _kernel, _prefixspan
from mining.sequence._database import SequenceDatabase, as_database

__all__ = ["DEFAULT_MAX_PATTERNS", "PATTERN_COLUMNS", "format_pattern", "frequent_sequences",
           "min_count_for"]

PATTERN_COLUMNS = ["pattern", "pattern_str", "n_elements", "n_items", "support_count", "support"]
#: default pattern budget: about 1 GB of result table; the demo notebook (min_support 0.03,
#: max_len 3) finds 246,362 patterns
DEFAULT_MAX_PATTERNS = 1_000_000


def format_pattern(pattern: tuple[tuple[Any, ...], ...]) -> str:
    """Readable form of a pattern: ``<(a) (b, c)>`` (elements in time order, items in brackets).

    Items inside one element are separated by a comma and a blank, because item names often
    hold blanks themselves ("whole milk").

    >>> format_pattern((("camera",), ("memory card", "tripod")))
    '<(camera) (memory card, tripod)>'
    """
    return "<" + " ".join("(" + ", ".join(map(str, el)) + ")" for el in pattern) + ">"


def min_count_for(min_support: float | int, n: int, *, owner: str = "frequent_sequences") -> int:
    """Support count threshold: an int is a count; a float f in (0, 1] means ceil(f * n).

    The type decides: ``1`` (int) is one sequence, ``1.0`` (float) is every sequence.

    >>> min_count_for(1, 60), min_count_for(1.0, 60), min_count_for(0.1, 60)
    (1, 60, 6)
    """
    expected = ("a share of sequences as a float in (0, 1] (1.0 = every sequence) or a count "
                "as an int >= 1 (1 = one sequence)")
    check_param(not isinstance(min_support, bool), "min_support", owner, expected, min_support)
    if isinstance(min_support, Integral):
        check_param(min_support >= 1, "min_support", owner, expected, min_support)
        return int(min_support)
    ok = isinstance(min_support, Real) and 0 < float(min_support) <= 1
    hint = "Use e.g. 0.01 (1% of customers) or 20 (customers)."
    if ok is False and isinstance(min_support, Real) and float(min_support) > 1 \
            and float(min_support).is_integer():
        hint = f"For a count of sequences pass an int: {int(min_support)}."
    check_param(ok, "min_support", owner, expected, min_support, hint)
    # the tiny tolerance keeps 0.1 * 30 = 3.0000000000000004 at 3
    return max(1, math.ceil(float(min_support) * n - 1e-9))


def _check_days(value: float | None, name: str, owner: str) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, Real) and not isinstance(value, bool) and float(value) >= 0
    check_param(ok, name, owner, "a number of days >= 0 or None", value)
    return float(value)


def frequent_sequences(
    db: SequenceDatabase | pd.DataFrame | list,
    *,
    min_support: float | int,
    max_len: int | None = None,
    min_gap: float | None = None, max_gap: float | None = None, max_window: float | None = None,
    closed: bool = False, maximal: bool = False,
    max_patterns: int | None = DEFAULT_MAX_PATTERNS,
    max_seconds: float | None = None,
    engine: str = "pandas",
) -> pd.DataFrame:
    """Frequent sequential patterns (PrefixSpan with pseudo-projection, compiled with numba).

    A pattern is a list of elements (itemsets) in time order, e.g. ``<(tent, stove) (gas)>``:
    "bought a tent and a stove together, later gas". A customer supports it when their sequence
    holds, in this order, elements that contain each of the pattern's elements; support counts
    each customer once, however often the pattern occurs in their history.

    Parameters
    ----------
    db : SequenceDatabase, DataFrame or list
        From :func:`customer_sequences` or :func:`read_spmf`, a ``to_frame()`` table, or Python
        lists of sequences (``[[("a",), ("a", "b")], ...]``).
    min_support : float or int
        A float in (0, 1] is a share of sequences: a pattern needs at least
        ``ceil(min_support * n_sequences)`` of them (Spark's rule); an int >= 1 is that count.
        The type decides: ``1`` is one sequence, ``1.0`` is every sequence.
    max_len : int, optional
        Longest pattern, counted in **items** (``<(a b) (c)>`` has length 3), as in Spark's
        ``maxPatternLength``. ``None``: no limit other than ``max_patterns`` (long
        sequences at a low support have astronomically many sub-patterns: set it).
    min_gap, max_gap : float, optional
        Limits, in days, on the time between consecutive elements of an occurrence
        (``min_gap <= t[k+1] - t[k] <= max_gap``). ``min_gap=None`` or 0 allows same-day
        orders in order of time; elements are always strictly later in the sequence.
    max_window : float, optional
        Limit, in days, on the time from the first to the last element of an occurrence.
    closed : bool
        Keep only closed patterns: none of the mined patterns that contain it has the same
        support.
    maximal : bool
        Keep only maximal patterns: no other mined pattern contains it. ``maximal`` implies
        ``closed``. Both are judged within ``max_len``; patterns of length ``max_len`` always
        survive.
    max_patterns : int or None
        Budget: stop with :class:`~mining.errors.BudgetError` as soon as more than this many
        patterns are found (counted while mining, before ``closed``/``maximal``), long before
        memory runs out. Default 1,000,000 (about 1 GB of result table). None: no limit.
    max_seconds : float or None
        Budget: stop with :class:`~mining.errors.BudgetError` after this many seconds of
        mining. None (default): no limit.
    engine : {"pandas", "spark"}
        ``"spark"`` mines with Spark MLlib's PrefixSpan (``pip install -e ".[spark]"``): the same
        patterns, but Spark has no time limits, so ``min_gap``/``max_gap``/``max_window`` are
        errors there (:mod:`mining.sequence._spark`); ``db`` may then also be transactions (a
        Spark or pandas DataFrame, a Parquet/CSV path). The budgets apply to ``"pandas"`` only.
        ``"duckdb"``: ``db`` may also be transactions or a Parquet path, turned into sequences
        by DuckDB (:mod:`mining.sequence._duckdb`: every line, products, one element per
        order; for other choices pass ``customer_sequences(..., engine="duckdb")``) and mined
        by the local miner with the same limits and budgets; a database is mined as by
        ``"pandas"``.

    Returns
    -------
    DataFrame
        One row per pattern, by support (largest first), then length and text:
        ``pattern`` (tuple of tuples of item labels), ``pattern_str`` (``"<(a) (b, c)>"``),
        ``n_elements``, ``n_items``, ``support_count`` (sequences), ``support``
        (share of sequences). The number of sequences is ``support_count / support`` of any
        row, the count a pattern needed ``min_count_for(min_support, n_sequences)`` (before
        0.2 both were in ``attrs``).

    Examples
    --------
    >>> db = [[("a",), ("a", "b"), ("c",)], [("a", "b"), ("c",)], [("b",), ("c",)]]
    >>> res = frequent_sequences(db, min_support=2)
    >>> res.loc[res["pattern_str"] == "<(a, b) (c)>", "support_count"].item()
    2
    """
    local = functools.partial(_frequent_sequences, max_patterns=max_patterns,
                              max_seconds=max_seconds)
    mine = use_engine(engine, local, "mining.sequence._spark:frequent_sequences_spark",
                      owner="frequent_sequences",
                      duckdb_fn="mining.sequence._duckdb:frequent_sequences_duckdb",
                      duckdb_options={"max_patterns": max_patterns, "max_seconds": max_seconds})
    return mine(db, min_support=min_support, max_len=max_len, min_gap=min_gap, max_gap=max_gap,
                max_window=max_window, closed=closed, maximal=maximal)


def _frequent_sequences(db: SequenceDatabase | pd.DataFrame | list, *, min_support: float | int,
                        max_len: int | None, min_gap: float | None, max_gap: float | None,
                        max_window: float | None, closed: bool, maximal: bool,
                        max_patterns: int | None, max_seconds: float | None) -> pd.DataFrame:
    """The pandas engine of :func:`frequent_sequences`."""
    owner = "frequent_sequences"
    check_budget(max_patterns, max_seconds, owner, "max_patterns")
    started = time.perf_counter()
    db = as_database(db)
    n = len(db)
    min_count = min_count_for(min_support, n, owner=owner)
    if max_len is not None:
        check_param(isinstance(max_len, Integral) and not isinstance(max_len, bool) and max_len >= 1,
                    "max_len", owner, "an int >= 1 (items) or None", max_len)
    lo_gap = _check_days(min_gap, "min_gap", owner) or 0.0
    hi_gap = _check_days(max_gap, "max_gap", owner)
    window = _check_days(max_window, "max_window", owner)
    if hi_gap is not None:
        check_param(hi_gap >= lo_gap, "max_gap", owner, f"at least min_gap={lo_gap}", max_gap)

    items, el_start, seq_start, labels = _prune(db, min_count)
    longest = int(np.diff(el_start[seq_start]).max()) if n and len(items) else 0
    limit = min(longest, int(max_len)) if max_len is not None else longest
    if limit == 0 or len(labels) == 0:
        return _frame([], np.zeros(0, np.int64), n)
    occ_off, occ_el = _occurrences(items, el_start, len(labels))
    cap = _NO_LIMIT if max_patterns is None else int(max_patterns)
    secs = np.inf if max_seconds is None else float(max_seconds) - (time.perf_counter() - started)
    if hi_gap is None and window is None:
        p_item, p_new, p_off, p_sup, status = _prefixspan.mine_fast(
            seq_start, el_start, items, db.el_days, occ_off, occ_el, len(labels), min_count,
            limit, lo_gap, cap, max(secs, 0.0),
        )
    else:
        p_item, p_new, p_off, p_sup, status = _prefixspan.mine(
            seq_start, el_start, items, db.el_days, occ_off, occ_el, len(labels), min_count,
            limit, lo_gap, np.inf if hi_gap is None else hi_gap,
            np.inf if window is None else window, cap, max(secs, 0.0),
        )
    if status != _prefixspan.OK:
        raise BudgetError(_budget_message(status, owner, min_support, min_count, n, max_len,
                                          max_patterns, max_seconds, len(p_sup)))
    patterns = _decode(p_item, p_new, p_off, labels)
    sup = np.asarray(p_sup, dtype=np.int64)
    if closed or maximal:
        codes = _decode(p_item, p_new, p_off, None)
        keep = _closed_maximal(codes, sup, maximal=maximal, any_subpattern=hi_gap is not None,
                               limit=limit)
        patterns = [p for p, k in zip(patterns, keep, strict=True) if k]
        sup = sup[keep]
    return _frame(patterns, sup, n)


_NO_LIMIT = np.iinfo(np.int64).max


def _budget_message(status: int, owner: str, min_support: float | int, min_count: int, n: int,
                    max_len: int | None, max_patterns: int | None, max_seconds: float | None,
                    found: int) -> str:
    where = (f"at min_support={min_support!r} (patterns held by >= {min_count:,} of {n:,} "
             f"sequences), max_len={max_len!r}")
    if status == _prefixspan.TOO_MANY:
        return (f"{owner} stopped: more than max_patterns={max_patterns:,} patterns {where}. "
                "Raise min_support or set max_len (longest pattern in items, e.g. 3); "
                "or raise max_patterns if you have the memory (about 1 GB per million).")
    return (f"{owner} stopped: mining took more than max_seconds={max_seconds:g} seconds "
            f"({found:,} patterns so far) {where}. Raise min_support, set max_len, or allow "
            "more time with max_seconds.")


def _prune(db: SequenceDatabase, min_count: int):
    """Drop items held by fewer than ``min_count`` sequences; recode the rest 0..V-1."""
    support = _kernel.item_support(db.seq_start, db.el_start, db.items, len(db.labels))
    frequent = support >= min_count
    if frequent.all():
        return db.items, db.el_start, db.seq_start, db.labels
    new_code = np.cumsum(frequent) - 1
    keep = frequent[db.items]
    items = new_code[db.items[keep]].astype(np.int64)
    el_of_item = np.repeat(np.arange(db.n_elements), np.diff(db.el_start))
    kept_per_el = np.bincount(el_of_item[keep], minlength=db.n_elements)
    el_start = np.concatenate([[0], np.cumsum(kept_per_el)]).astype(np.int64)
    return items, el_start, db.seq_start, db.labels[frequent]


def _occurrences(items: np.ndarray, el_start: np.ndarray, n_vocab: int):
    el_of_item = np.repeat(np.arange(len(el_start) - 1), np.diff(el_start))
    order = np.argsort(items, kind="stable")
    off = np.concatenate([[0], np.cumsum(np.bincount(items, minlength=n_vocab))]).astype(np.int64)
    return off, el_of_item[order].astype(np.int64)


def _decode(p_item, p_new, p_off, labels) -> list[tuple[tuple[Any, ...], ...]]:
    """Flat kernel output -> tuple of tuples (of labels, or of codes when labels is None)."""
    vals = p_item.tolist() if labels is None else labels[p_item].tolist()
    new = p_new.tolist()
    off = p_off.tolist()
    out = []
    for j in range(len(off) - 1):
        elems: list[tuple[Any, ...]] = []
        cur: list[Any] = []
        for q in range(off[j], off[j + 1]):
            if new[q] and cur:
                elems.append(tuple(cur))
                cur = []
            cur.append(vals[q])
        elems.append(tuple(cur))
        out.append(tuple(elems))
    return out


def _sub_patterns(p: tuple[tuple[int, ...], ...], one_item: bool):
    """Patterns contained in ``p`` with fewer items (one item fewer, or all of them)."""
    flat = [(e, x) for e, el in enumerate(p) for x in el]
    sizes = range(len(flat) - 1, len(flat) - 2, -1) if one_item else range(len(flat) - 1, 0, -1)
    for size in sizes:
        for keep in combinations(range(len(flat)), size):
            elems: dict[int, list[int]] = {}
            for k in keep:
                e, x = flat[k]
                elems.setdefault(e, []).append(x)
            yield tuple(tuple(v) for _, v in sorted(elems.items()))


def _closed_maximal(codes, sup, *, maximal: bool, any_subpattern: bool, limit: int) -> np.ndarray:
    """Mark closed (or maximal) patterns among those mined.

    Without a max_gap the supports are anti-monotone for every sub-pattern, so checking the
    mined patterns with one item more is exact; with a max_gap every sub-pattern is checked.
    """
    index = {p: i for i, p in enumerate(codes)}
    keep = np.ones(len(codes), dtype=bool)
    for j, q in enumerate(codes):
        for p in _sub_patterns(q, one_item=not any_subpattern):
            i = index.get(p)
            if i is not None and (maximal or sup[i] == sup[j]):
                keep[i] = False
    return keep


def _frame(patterns, sup: np.ndarray, n: int) -> pd.DataFrame:
    """The patterns table (every engine): by support, then length, then text."""
    n_el = np.fromiter((len(p) for p in patterns), dtype=np.int64, count=len(patterns))
    n_it = np.fromiter((sum(len(e) for e in p) for p in patterns), dtype=np.int64,
                       count=len(patterns))
    text = [format_pattern(p) for p in patterns]
    df = pd.DataFrame(
        {
            "pattern": pd.Series(patterns, dtype=object),
            "pattern_str": pd.Series(text, dtype=object),
            "n_elements": n_el,
            "n_items": n_it,
            "support_count": sup.astype(np.int64),
            "support": sup / max(n, 1),
        }
    )
    order = np.lexsort((df["pattern_str"].to_numpy(), n_it, -sup)) if len(df) else np.arange(0)
    return df.iloc[order].reset_index(drop=True)
