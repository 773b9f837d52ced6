"""Compiled kernels of the sequence package (numba), on integer-encoded sequence databases.

Encoding shared by every kernel (built by :mod:`mining.sequence._database`)::

    seq_start[s] .. seq_start[s + 1]   elements of sequence s (global element ids, time order)
    el_start[g]  .. el_start[g + 1]    items of element g (ascending item codes, no repeats)
    el_days[g]                         time of element g in days (for gap and window limits)
    occ_off[x]   .. occ_off[x + 1]     occ_el: the elements holding item x, ascending

Patterns are written flat: ``pat_item`` (item codes) with ``pat_new`` (1 where the item opens a new
element, 0 where it joins the previous item's element) and ``pat_off`` (offsets per pattern).

The miners themselves (PrefixSpan) are in :mod:`mining.sequence._prefixspan`; this module holds
the scans every other step needs (item support, containment, next-purchase scoring, earliest
occurrences) and the numba set-up both share.

When numba is not installed the same functions run as plain Python (correct, much slower).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

with warnings.catch_warnings():  # numba adds warnings filters on import; keep the caller's
    try:
        from numba import njit, objmode

        HAVE_NUMBA = True
    except ImportError:  # pragma: no cover - numba is a dependency; plain Python still works
        HAVE_NUMBA = False

        def njit(*args, **kwargs):  # type: ignore[no-redef]
            if args and callable(args[0]):
                return args[0]
            return lambda f: f

        @contextlib.contextmanager
        def objmode(**kwargs):  # type: ignore[no-redef]
            yield

__all__ = ["HAVE_NUMBA", "contains_matrix", "first_match", "has_item", "item_support", "njit",
           "objmode", "recommend"]


@njit(cache=True)
def has_item(items, lo, hi, x):
    """Does ``items[lo:hi]`` (ascending codes) hold ``x``?"""
    for p in range(lo, hi):
        y = items[p]
        if y == x:
            return True
        if y > x:
            return False
    return False


@njit(cache=True)
def item_support(seq_start, el_start, items, n_vocab):
    """Number of sequences holding each item code."""
    sup = np.zeros(n_vocab, np.int64)
    stamp = np.full(n_vocab, -1, np.int64)
    for s in range(seq_start.shape[0] - 1):
        for p in range(el_start[seq_start[s]], el_start[seq_start[s + 1]]):
            y = items[p]
            if stamp[y] != s:
                stamp[y] = s
                sup[y] += 1
    return sup


@njit(cache=True)
def _next_holding(items, el_start, g, g_end, p_item, a, b):
    """First element of ``g .. g_end - 1`` holding every item of ``p_item[a:b]``; -1 if none."""
    while g < g_end:
        ok = True
        for k in range(a, b):
            if not has_item(items, el_start[g], el_start[g + 1], p_item[k]):
                ok = False
                break
        if ok:
            return g
        g += 1
    return -1


@njit(cache=True)
def _contains_one(seq_start, el_start, items, s, p_item, p_new, lo, hi):
    """True when sequence ``s`` contains the pattern ``p_item[lo:hi]`` (earliest-match greedy)."""
    g = seq_start[s]
    g_end = seq_start[s + 1]
    a = lo
    while a < hi:
        b = a + 1
        while b < hi and p_new[b] == 0:
            b += 1
        g = _next_holding(items, el_start, g, g_end, p_item, a, b)
        if g < 0:
            return False
        g += 1
        a = b
    return True


@njit(cache=True)
def contains_matrix(seq_start, el_start, items, p_item, p_new, p_off):
    """Boolean matrix (sequences x patterns): does sequence s contain pattern j (no time limits)?"""
    n_seq = seq_start.shape[0] - 1
    n_pat = p_off.shape[0] - 1
    out = np.zeros((n_seq, n_pat), np.bool_)
    for s in range(n_seq):
        for j in range(n_pat):
            out[s, j] = _contains_one(seq_start, el_start, items, s, p_item, p_new,
                                      p_off[j], p_off[j + 1])
    return out


@njit(cache=True)
def recommend(seq_start, el_start, items, n_vocab, a_item, a_new, a_off, r_ante, r_cons_off,
              r_cons_item, k, exclude_bought, b_seq_start, b_el_start, b_items, popular):
    """Top-k items per sequence from rules sorted best first, then popular items to fill up.

    Rule r suggests the items ``r_cons_item[r_cons_off[r]:r_cons_off[r + 1]]`` when the sequence
    contains antecedent ``r_ante[r]`` (pattern ``a_*``). With ``exclude_bought`` items of the
    sequence's whole history (``b_*``, same sequences) are skipped. Returns item codes and the
    rule that suggested each (``-1``: filled from ``popular``; ``-2`` in the item slot: empty).
    """
    n_seq = seq_start.shape[0] - 1
    n_ante = a_off.shape[0] - 1
    rec_item = np.full((n_seq, k), -2, np.int64)
    rec_rule = np.full((n_seq, k), -1, np.int64)
    memo = np.full(n_ante, -1, np.int64)  # memo[a] = s * 2 + contained
    seen = np.full(n_vocab, -1, np.int64)
    bought = np.full(n_vocab, -1, np.int64)
    for s in range(n_seq):
        if exclude_bought:
            for p in range(b_el_start[b_seq_start[s]], b_el_start[b_seq_start[s + 1]]):
                bought[b_items[p]] = s
        n = 0
        for r in range(r_ante.shape[0]):
            if n >= k:
                break
            a = r_ante[r]
            if memo[a] // 2 != s or memo[a] < 0:
                c = _contains_one(seq_start, el_start, items, s, a_item, a_new, a_off[a],
                                  a_off[a + 1])
                memo[a] = s * 2 + (1 if c else 0)
            if memo[a] % 2 == 0:
                continue
            for q in range(r_cons_off[r], r_cons_off[r + 1]):
                y = r_cons_item[q]
                if n >= k:
                    break
                if seen[y] == s or (exclude_bought and bought[y] == s):
                    continue
                seen[y] = s
                rec_item[s, n] = y
                rec_rule[s, n] = r
                n += 1
        for q in range(popular.shape[0]):
            if n >= k:
                break
            y = popular[q]
            if seen[y] == s or (exclude_bought and bought[y] == s):
                continue
            seen[y] = s
            rec_item[s, n] = y
            n += 1
    return rec_item, rec_rule


@njit(cache=True)
def first_match(seq_start, el_start, items, p_item, p_new):
    """Earliest occurrence of one pattern in every sequence.

    Returns an (n_sequences, n_pattern_elements) array of element ids; rows of sequences that
    do not contain the pattern hold -1.
    """
    n_seq = seq_start.shape[0] - 1
    n_pel = 0
    for k in range(p_new.shape[0]):
        if k == 0 or p_new[k] == 1:
            n_pel += 1
    out = np.full((n_seq, n_pel), -1, np.int64)
    for s in range(n_seq):
        g = seq_start[s]
        g_end = seq_start[s + 1]
        a = 0
        e = 0
        ok_all = True
        while a < p_item.shape[0]:
            b = a + 1
            while b < p_item.shape[0] and p_new[b] == 0:
                b += 1
            g = _next_holding(items, el_start, g, g_end, p_item, a, b)
            if g < 0:
                ok_all = False
                break
            out[s, e] = g
            g += 1
            a = b
            e += 1
        if not ok_all:
            for k in range(n_pel):
                out[s, k] = -1
    return out
