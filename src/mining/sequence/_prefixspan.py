"""PrefixSpan for itemset sequences (numba): the two miners behind ``frequent_sequences``.

:func:`mine` handles every time constraint (``min_gap``, ``max_gap``, ``max_window``) with full
pseudo-projections; :func:`mine_fast` is the faster route when only ``min_gap`` applies (earliest
occurrences suffice). Both read the encoding described in :mod:`mining.sequence._kernel` and
write patterns flat (``pat_item``, ``pat_new``, ``pat_off``).

The miners take a budget: they stop after ``max_patterns + 1`` patterns or ``max_seconds`` of
mining (clock read every 256 patterns) and return a status (:data:`OK`, :data:`TOO_MANY`,
:data:`TOO_SLOW`) with the patterns found so far.
"""

from __future__ import annotations

import time

import numpy as np

from mining.sequence._kernel import has_item, njit, objmode

#: status codes of :func:`mine` and :func:`mine_fast`
OK, TOO_MANY, TOO_SLOW = 0, 1, 2

__all__ = ["OK", "TOO_MANY", "TOO_SLOW", "mine", "mine_fast"]


@njit(cache=True)
def _grow(a, need):
    """Return ``a`` or a copy with room for ``need`` entries (capacity doubles)."""
    if need <= a.shape[0]:
        return a
    n = max(need, 2 * a.shape[0])
    b = np.empty(n, a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def mine(seq_start, el_start, items, el_days, occ_off, occ_el, n_vocab, min_count, max_len,
         min_gap, max_gap, max_window, max_patterns, max_seconds):
    """Depth-first PrefixSpan with pseudo-projection; every frequent pattern is written out.

    A projection keeps, per supporting sequence, every element where an occurrence of the
    pattern can end (needed for i-extensions and for gap limits) and, per end, the latest
    element where such an occurrence can start (for the window limit). Support is the number
    of sequences in the projection, so each sequence counts once. Each node scans its
    projected suffixes twice: once to count the extensions, once to write the projections of
    all frequent extensions at the same time (bucket by item).
    """
    n_seq = seq_start.shape[0] - 1
    n_el = el_start.shape[0] - 1
    el_seq = np.empty(n_el, np.int64)
    for s in range(n_seq):
        for g in range(seq_start[s], seq_start[s + 1]):
            el_seq[g] = s
    constrained = max_gap < np.inf or max_window < np.inf
    use_min_gap = min_gap > 0.0

    # arenas: projections and candidate lists live on a stack, released in LIFO order
    ent_seq = np.empty(max(16, 2 * n_seq), np.int64)
    ent_lo = np.empty(ent_seq.shape[0], np.int64)
    ent_hi = np.empty(ent_seq.shape[0], np.int64)
    end_el = np.empty(max(16, 2 * el_start[n_el]), np.int64)
    end_st = np.empty(end_el.shape[0], np.int64)
    cap_c = max(16, 2 * n_vocab)
    cand_item = np.empty(cap_c, np.int64)
    cand_kind = np.empty(cap_c, np.int8)
    cand_e_lo = np.empty(cap_c, np.int64)
    cand_e_hi = np.empty(cap_c, np.int64)
    cand_x_lo = np.empty(cap_c, np.int64)
    b_e_next = np.empty(cap_c, np.int64)
    b_x_next = np.empty(cap_c, np.int64)
    b_last = np.empty(cap_c, np.int64)
    depth = max_len + 1
    fr_e_rest = np.zeros(depth, np.int64)
    fr_x_rest = np.zeros(depth, np.int64)
    fr_c_lo = np.zeros(depth, np.int64)
    fr_c_hi = np.zeros(depth, np.int64)
    fr_c_next = np.zeros(depth, np.int64)
    pat_item = np.zeros(depth, np.int64)
    pat_kind = np.zeros(depth, np.int8)
    cnt_i = np.zeros(n_vocab, np.int64)
    cnt_s = np.zeros(n_vocab, np.int64)
    occ_i = np.zeros(n_vocab, np.int64)
    occ_s = np.zeros(n_vocab, np.int64)
    stamp_i = np.full(n_vocab, -1, np.int64)
    stamp_s = np.full(n_vocab, -1, np.int64)
    slot_i = np.full(n_vocab, -1, np.int64)
    slot_s = np.full(n_vocab, -1, np.int64)
    touched_i = np.empty(n_vocab, np.int64)
    touched_s = np.empty(n_vocab, np.int64)
    el_mark = np.full(n_el, -1, np.int64)
    el_best = np.zeros(n_el, np.int64)
    tick = 0
    out_item = np.empty(1024, np.int64)
    out_new = np.empty(1024, np.int8)
    out_off = np.zeros(257, np.int64)
    out_sup = np.empty(256, np.int64)
    n_out = 0
    n_out_items = 0
    status = OK
    timed = max_seconds < np.inf
    t0 = 0.0
    if timed:
        with objmode(t0="float64"):
            t0 = time.perf_counter()

    # root: frequent single items (their projections are built one at a time from occ_el)
    c_top = 0
    for x in range(n_vocab):
        sup = 0
        prev = -1
        for q in range(occ_off[x], occ_off[x + 1]):
            s = el_seq[occ_el[q]]
            if s != prev:
                sup += 1
                prev = s
        if sup >= min_count:
            cand_item[c_top] = x
            cand_kind[c_top] = 1
            c_top += 1
    fr_c_hi[0] = c_top
    e_top = 0
    x_top = 0
    sp = 0
    while sp >= 0:
        f = sp
        if fr_c_next[f] >= fr_c_hi[f]:
            e_top = fr_e_rest[f]
            x_top = fr_x_rest[f]
            c_top = fr_c_lo[f]
            sp -= 1
            continue
        ci = fr_c_next[f]
        fr_c_next[f] += 1
        x = cand_item[ci]
        kind = cand_kind[ci]
        rest_e = e_top
        rest_x = x_top
        if f == 0:
            lo = occ_off[x]
            hi = occ_off[x + 1]
            ent_seq = _grow(ent_seq, e_top + hi - lo)
            ent_lo = _grow(ent_lo, e_top + hi - lo)
            ent_hi = _grow(ent_hi, e_top + hi - lo)
            end_el = _grow(end_el, x_top + hi - lo)
            end_st = _grow(end_st, x_top + hi - lo)
            ce_lo = e_top
            prev = -1
            for q in range(lo, hi):
                g = occ_el[q]
                s = el_seq[g]
                if s != prev:
                    if prev >= 0:
                        ent_hi[e_top] = x_top
                        e_top += 1
                    ent_seq[e_top] = s
                    ent_lo[e_top] = x_top
                    prev = s
                end_el[x_top] = g
                end_st[x_top] = g
                x_top += 1
            if prev >= 0:
                ent_hi[e_top] = x_top
                e_top += 1
            ce_hi = e_top
        else:
            ce_lo = cand_e_lo[ci]
            ce_hi = cand_e_hi[ci]
        sup = ce_hi - ce_lo
        # ---- write the pattern out ---------------------------------------------------------
        pat_item[f] = x
        pat_kind[f] = kind
        out_item = _grow(out_item, n_out_items + f + 1)
        out_new = _grow(out_new, n_out_items + f + 1)
        out_off = _grow(out_off, n_out + 2)
        out_sup = _grow(out_sup, n_out + 1)
        for d in range(f + 1):
            out_item[n_out_items] = pat_item[d]
            out_new[n_out_items] = pat_kind[d]
            n_out_items += 1
        out_sup[n_out] = sup
        n_out += 1
        out_off[n_out] = n_out_items
        if n_out > max_patterns:
            status = TOO_MANY
            break
        if timed and (n_out & 255) == 0:
            now = 0.0
            with objmode(now="float64"):
                now = time.perf_counter()
            if now - t0 > max_seconds:
                status = TOO_SLOW
                break
        if f + 1 >= max_len:
            e_top = rest_e
            x_top = rest_x
            continue
        # ---- pass 1: count the extensions (sequences and occurrences) ----------------------
        n_ti = 0
        n_ts = 0
        for e in range(ce_lo, ce_hi):
            tick += 1
            s = ent_seq[e]
            s_end = seq_start[s + 1]
            for t in range(ent_lo[e], ent_hi[e]):
                g = end_el[t]
                for p in range(el_start[g + 1] - 1, el_start[g] - 1, -1):
                    y = items[p]
                    if y <= x:
                        break
                    occ_i[y] += 1
                    if stamp_i[y] != tick:
                        stamp_i[y] = tick
                        if cnt_i[y] == 0:
                            touched_i[n_ti] = y
                            n_ti += 1
                        cnt_i[y] += 1
            if not constrained:
                j0 = end_el[ent_lo[e]]
                g0 = j0 + 1
                if use_min_gap:
                    while g0 < s_end and el_days[g0] - el_days[j0] < min_gap:
                        g0 += 1
                for p in range(el_start[g0], el_start[s_end]):
                    y = items[p]
                    occ_s[y] += 1
                    if stamp_s[y] != tick:
                        stamp_s[y] = tick
                        if cnt_s[y] == 0:
                            touched_s[n_ts] = y
                            n_ts += 1
                        cnt_s[y] += 1
            else:
                for t in range(ent_lo[e], ent_hi[e]):
                    j = end_el[t]
                    st = end_st[t]
                    for g in range(j + 1, s_end):
                        dt = el_days[g] - el_days[j]
                        if dt > max_gap or el_days[g] - el_days[st] > max_window:
                            break
                        if dt < min_gap or el_mark[g] == tick:
                            continue
                        el_mark[g] = tick
                        for p in range(el_start[g], el_start[g + 1]):
                            y = items[p]
                            occ_s[y] += 1
                            if stamp_s[y] != tick:
                                stamp_s[y] = tick
                                if cnt_s[y] == 0:
                                    touched_s[n_ts] = y
                                    n_ts += 1
                                cnt_s[y] += 1
        # ---- frequent extensions get a bucket each ------------------------------------------
        c_lo = c_top
        need = c_top + n_ti + n_ts
        cand_item = _grow(cand_item, need)
        cand_kind = _grow(cand_kind, need)
        cand_e_lo = _grow(cand_e_lo, need)
        cand_e_hi = _grow(cand_e_hi, need)
        cand_x_lo = _grow(cand_x_lo, need)
        b_e_next = _grow(b_e_next, need)
        b_x_next = _grow(b_x_next, need)
        b_last = _grow(b_last, need)
        e_need = e_top
        x_need = x_top
        ti = np.sort(touched_i[:n_ti])
        for k in range(n_ti):
            y = ti[k]
            if cnt_i[y] >= min_count:
                cand_item[c_top] = y
                cand_kind[c_top] = 0
                cand_e_lo[c_top] = e_need
                cand_e_hi[c_top] = e_need + cnt_i[y]
                cand_x_lo[c_top] = x_need
                b_e_next[c_top] = e_need
                b_x_next[c_top] = x_need
                b_last[c_top] = -1
                e_need += cnt_i[y]
                x_need += occ_i[y]
                slot_i[y] = c_top
                c_top += 1
            cnt_i[y] = 0
            occ_i[y] = 0
        ts = np.sort(touched_s[:n_ts])
        for k in range(n_ts):
            y = ts[k]
            if cnt_s[y] >= min_count:
                cand_item[c_top] = y
                cand_kind[c_top] = 1
                cand_e_lo[c_top] = e_need
                cand_e_hi[c_top] = e_need + cnt_s[y]
                cand_x_lo[c_top] = x_need
                b_e_next[c_top] = e_need
                b_x_next[c_top] = x_need
                b_last[c_top] = -1
                e_need += cnt_s[y]
                x_need += occ_s[y]
                slot_s[y] = c_top
                c_top += 1
            cnt_s[y] = 0
            occ_s[y] = 0
        if c_top == c_lo:
            e_top = rest_e
            x_top = rest_x
            continue
        ent_seq = _grow(ent_seq, e_need)
        ent_lo = _grow(ent_lo, e_need)
        ent_hi = _grow(ent_hi, e_need)
        end_el = _grow(end_el, x_need)
        end_st = _grow(end_st, x_need)
        # ---- pass 2: write every frequent extension's projection -----------------------------
        for e in range(ce_lo, ce_hi):
            tick += 1
            s = ent_seq[e]
            s_end = seq_start[s + 1]
            for t in range(ent_lo[e], ent_hi[e]):
                g = end_el[t]
                for p in range(el_start[g + 1] - 1, el_start[g] - 1, -1):
                    y = items[p]
                    if y <= x:
                        break
                    c = slot_i[y]
                    if c >= 0:
                        if b_last[c] != s:
                            b_last[c] = s
                            ent_seq[b_e_next[c]] = s
                            ent_lo[b_e_next[c]] = b_x_next[c]
                            b_e_next[c] += 1
                        end_el[b_x_next[c]] = g
                        end_st[b_x_next[c]] = end_st[t]
                        b_x_next[c] += 1
                        ent_hi[b_e_next[c] - 1] = b_x_next[c]
            if not constrained:
                j0 = end_el[ent_lo[e]]
                g0 = j0 + 1
                if use_min_gap:
                    while g0 < s_end and el_days[g0] - el_days[j0] < min_gap:
                        g0 += 1
                for g in range(g0, s_end):
                    for p in range(el_start[g], el_start[g + 1]):
                        c = slot_s[items[p]]
                        if c >= 0:
                            if b_last[c] != s:
                                b_last[c] = s
                                ent_seq[b_e_next[c]] = s
                                ent_lo[b_e_next[c]] = b_x_next[c]
                                b_e_next[c] += 1
                            end_el[b_x_next[c]] = g
                            end_st[b_x_next[c]] = g
                            b_x_next[c] += 1
                            ent_hi[b_e_next[c] - 1] = b_x_next[c]
            else:
                g_lo = s_end
                for t in range(ent_lo[e], ent_hi[e]):
                    j = end_el[t]
                    st = end_st[t]
                    for g in range(j + 1, s_end):
                        dt = el_days[g] - el_days[j]
                        if dt > max_gap or el_days[g] - el_days[st] > max_window:
                            break
                        if dt < min_gap:
                            continue
                        if el_mark[g] != tick:
                            el_mark[g] = tick
                            el_best[g] = st
                            if g < g_lo:
                                g_lo = g
                        elif st > el_best[g]:
                            el_best[g] = st
                for g in range(g_lo, s_end):
                    if el_mark[g] != tick:
                        continue
                    for p in range(el_start[g], el_start[g + 1]):
                        c = slot_s[items[p]]
                        if c >= 0:
                            if b_last[c] != s:
                                b_last[c] = s
                                ent_seq[b_e_next[c]] = s
                                ent_lo[b_e_next[c]] = b_x_next[c]
                                b_e_next[c] += 1
                            end_el[b_x_next[c]] = g
                            end_st[b_x_next[c]] = el_best[g]
                            b_x_next[c] += 1
                            ent_hi[b_e_next[c] - 1] = b_x_next[c]
        for c in range(c_lo, c_top):
            if cand_kind[c] == 0:
                slot_i[cand_item[c]] = -1
            else:
                slot_s[cand_item[c]] = -1
        sp = f + 1
        fr_e_rest[sp] = rest_e
        fr_x_rest[sp] = rest_x
        fr_c_lo[sp] = c_lo
        fr_c_hi[sp] = c_top
        fr_c_next[sp] = c_lo
        e_top = e_need
        x_top = x_need
    return (out_item[:n_out_items], out_new[:n_out_items], out_off[: n_out + 1],
            out_sup[:n_out], status)


@njit(cache=True)
def _holds(items, el_start, g, pat_item, a, b):
    """Does element g hold every item of pat_item[a:b] (ascending codes)?"""
    lo = el_start[g]
    hi = el_start[g + 1]
    for k in range(a, b):
        x = pat_item[k]
        found = False
        while lo < hi:
            y = items[lo]
            lo += 1
            if y == x:
                found = True
                break
            if y > x:
                return False
        if not found:
            return False
    return True


@njit(cache=True)
def mine_fast(seq_start, el_start, items, el_days, occ_off, occ_el, n_vocab, min_count, max_len,
              min_gap, max_patterns, max_seconds):
    """PrefixSpan without max_gap/max_window: earliest occurrences are enough.

    A projection entry is ``(sequence, prev, first)``: ``prev`` is the element where the
    earliest occurrence of the pattern without its last element ends (-1 for one element),
    ``first`` the earliest element after ``prev`` holding the last element. s-extensions come
    from elements after ``first`` (at least ``min_gap`` days later); i-extensions from elements
    at or after ``first`` that hold the whole last element. Same output as :func:`mine`.
    """
    n_seq = seq_start.shape[0] - 1
    n_el = el_start.shape[0] - 1
    el_seq = np.empty(n_el, np.int64)
    for s in range(n_seq):
        for g in range(seq_start[s], seq_start[s + 1]):
            el_seq[g] = s
    use_min_gap = min_gap > 0.0
    ent_seq = np.empty(max(16, 4 * n_seq), np.int64)
    ent_prev = np.empty(ent_seq.shape[0], np.int64)
    ent_first = np.empty(ent_seq.shape[0], np.int64)
    cap_c = max(16, 2 * n_vocab)
    cand_item = np.empty(cap_c, np.int64)
    cand_kind = np.empty(cap_c, np.int8)
    cand_lo = np.empty(cap_c, np.int64)
    cand_next = np.empty(cap_c, np.int64)
    depth = max_len + 1
    fr_rest = np.zeros(depth, np.int64)
    fr_c_lo = np.zeros(depth, np.int64)
    fr_c_hi = np.zeros(depth, np.int64)
    fr_c_next = np.zeros(depth, np.int64)
    pat_item = np.zeros(depth, np.int64)
    pat_kind = np.zeros(depth, np.int8)
    cnt_i = np.zeros(n_vocab, np.int64)
    cnt_s = np.zeros(n_vocab, np.int64)
    stamp_i = np.full(n_vocab, -1, np.int64)
    stamp_s = np.full(n_vocab, -1, np.int64)
    slot_i = np.full(n_vocab, -1, np.int64)
    slot_s = np.full(n_vocab, -1, np.int64)
    touched_i = np.empty(n_vocab, np.int64)
    touched_s = np.empty(n_vocab, np.int64)
    tick = 0
    out_item = np.empty(1024, np.int64)
    out_new = np.empty(1024, np.int8)
    out_off = np.zeros(257, np.int64)
    out_sup = np.empty(256, np.int64)
    n_out = 0
    n_out_items = 0
    status = OK
    timed = max_seconds < np.inf
    t0 = 0.0
    if timed:
        with objmode(t0="float64"):
            t0 = time.perf_counter()

    c_top = 0
    for x in range(n_vocab):
        sup = 0
        prev = -1
        for q in range(occ_off[x], occ_off[x + 1]):
            s = el_seq[occ_el[q]]
            if s != prev:
                sup += 1
                prev = s
        if sup >= min_count:
            cand_item[c_top] = x
            cand_kind[c_top] = 1
            c_top += 1
    fr_c_hi[0] = c_top
    e_top = 0
    sp = 0
    while sp >= 0:
        f = sp
        if fr_c_next[f] >= fr_c_hi[f]:
            e_top = fr_rest[f]
            c_top = fr_c_lo[f]
            sp -= 1
            continue
        ci = fr_c_next[f]
        fr_c_next[f] += 1
        x = cand_item[ci]
        kind = cand_kind[ci]
        rest = e_top
        if f == 0:
            lo = occ_off[x]
            hi = occ_off[x + 1]
            ent_seq = _grow(ent_seq, e_top + hi - lo)
            ent_prev = _grow(ent_prev, e_top + hi - lo)
            ent_first = _grow(ent_first, e_top + hi - lo)
            ce_lo = e_top
            prev = -1
            for q in range(lo, hi):
                g = occ_el[q]
                s = el_seq[g]
                if s != prev:
                    ent_seq[e_top] = s
                    ent_prev[e_top] = -1
                    ent_first[e_top] = g
                    e_top += 1
                    prev = s
            ce_hi = e_top
        else:
            ce_lo = cand_lo[ci]
            ce_hi = cand_next[ci]
        pat_item[f] = x
        pat_kind[f] = kind
        out_item = _grow(out_item, n_out_items + f + 1)
        out_new = _grow(out_new, n_out_items + f + 1)
        out_off = _grow(out_off, n_out + 2)
        out_sup = _grow(out_sup, n_out + 1)
        for d in range(f + 1):
            out_item[n_out_items] = pat_item[d]
            out_new[n_out_items] = pat_kind[d]
            n_out_items += 1
        out_sup[n_out] = ce_hi - ce_lo
        n_out += 1
        out_off[n_out] = n_out_items
        if n_out > max_patterns:
            status = TOO_MANY
            break
        if timed and (n_out & 255) == 0:
            now = 0.0
            with objmode(now="float64"):
                now = time.perf_counter()
            if now - t0 > max_seconds:
                status = TOO_SLOW
                break
        if f + 1 >= max_len:
            e_top = rest
            continue
        # the last element of the pattern: pat_item[la:f + 1]
        la = f
        while la > 0 and pat_kind[la] == 0:
            la -= 1
        single = la == f
        # ---- pass 1: count ---------------------------------------------------------------------
        n_ti = 0
        n_ts = 0
        for e in range(ce_lo, ce_hi):
            tick += 1
            s = ent_seq[e]
            s_end = seq_start[s + 1]
            j0 = ent_first[e]
            g1 = j0 + 1
            if use_min_gap:
                while g1 < s_end and el_days[g1] - el_days[j0] < min_gap:
                    g1 += 1
            for g in range(j0, s_end):
                if g >= g1:
                    for p in range(el_start[g], el_start[g + 1]):
                        y = items[p]
                        if stamp_s[y] != tick:
                            stamp_s[y] = tick
                            if cnt_s[y] == 0:
                                touched_s[n_ts] = y
                                n_ts += 1
                            cnt_s[y] += 1
                if g == j0 or (single and has_item(items, el_start[g], el_start[g + 1], x)) or (
                        not single and _holds(items, el_start, g, pat_item, la, f + 1)):
                    for p in range(el_start[g + 1] - 1, el_start[g] - 1, -1):
                        y = items[p]
                        if y <= x:
                            break
                        if stamp_i[y] != tick:
                            stamp_i[y] = tick
                            if cnt_i[y] == 0:
                                touched_i[n_ti] = y
                                n_ti += 1
                            cnt_i[y] += 1
        c_lo = c_top
        need = c_top + n_ti + n_ts
        cand_item = _grow(cand_item, need)
        cand_kind = _grow(cand_kind, need)
        cand_lo = _grow(cand_lo, need)
        cand_next = _grow(cand_next, need)
        e_need = e_top
        ti = np.sort(touched_i[:n_ti])
        for k in range(n_ti):
            y = ti[k]
            if cnt_i[y] >= min_count:
                cand_item[c_top] = y
                cand_kind[c_top] = 0
                cand_lo[c_top] = e_need
                cand_next[c_top] = e_need
                e_need += cnt_i[y]
                slot_i[y] = c_top
                c_top += 1
            cnt_i[y] = 0
        ts = np.sort(touched_s[:n_ts])
        for k in range(n_ts):
            y = ts[k]
            if cnt_s[y] >= min_count:
                cand_item[c_top] = y
                cand_kind[c_top] = 1
                cand_lo[c_top] = e_need
                cand_next[c_top] = e_need
                e_need += cnt_s[y]
                slot_s[y] = c_top
                c_top += 1
            cnt_s[y] = 0
        if c_top == c_lo:
            e_top = rest
            continue
        ent_seq = _grow(ent_seq, e_need)
        ent_prev = _grow(ent_prev, e_need)
        ent_first = _grow(ent_first, e_need)
        # ---- pass 2: one entry per (sequence, frequent extension), at its earliest element -----
        for e in range(ce_lo, ce_hi):
            tick += 1
            s = ent_seq[e]
            s_end = seq_start[s + 1]
            j0 = ent_first[e]
            jp = ent_prev[e]
            g1 = j0 + 1
            if use_min_gap:
                while g1 < s_end and el_days[g1] - el_days[j0] < min_gap:
                    g1 += 1
            for g in range(j0, s_end):
                if g >= g1:
                    for p in range(el_start[g], el_start[g + 1]):
                        y = items[p]
                        c = slot_s[y]
                        if c >= 0 and stamp_s[y] != tick:
                            stamp_s[y] = tick
                            q = cand_next[c]
                            ent_seq[q] = s
                            ent_prev[q] = j0
                            ent_first[q] = g
                            cand_next[c] = q + 1
                if g == j0 or (single and has_item(items, el_start[g], el_start[g + 1], x)) or (
                        not single and _holds(items, el_start, g, pat_item, la, f + 1)):
                    for p in range(el_start[g + 1] - 1, el_start[g] - 1, -1):
                        y = items[p]
                        if y <= x:
                            break
                        c = slot_i[y]
                        if c >= 0 and stamp_i[y] != tick:
                            stamp_i[y] = tick
                            q = cand_next[c]
                            ent_seq[q] = s
                            ent_prev[q] = jp
                            ent_first[q] = g
                            cand_next[c] = q + 1
        for c in range(c_lo, c_top):
            if cand_kind[c] == 0:
                slot_i[cand_item[c]] = -1
            else:
                slot_s[cand_item[c]] = -1
        sp = f + 1
        fr_rest[sp] = rest
        fr_c_lo[sp] = c_lo
        fr_c_hi[sp] = c_top
        fr_c_next[sp] = c_lo
        e_top = e_need
    return (out_item[:n_out_items], out_new[:n_out_items], out_off[: n_out + 1],
            out_sup[:n_out], status)
