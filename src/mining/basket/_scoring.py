"""The scoring engine of the recommendation strategies (:mod:`mining.basket.strategies`): item
codes in, top-k item codes out.

It works on item codes: ``history`` (customers x items, number of orders holding the item),
``popularity`` (one score per item), and rules as (antecedent codes, consequent code,
confidence, lift, text). Shared with the next-purchase strategies of :mod:`mining.sequence`
through the public names of :mod:`mining.basket.strategies`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.errors import ParameterError

POPULARITY = "popularity"
RULES = "rules"
RULES_FILL = "rules, then popularity"
HYBRID = "popularity, then rules"
BLEND = "popularity x lift"
COOC = "co-occurrence"
AGAIN = "buy again"

#: every strategy :func:`compare_strategies` knows, in the order tables show them
STRATEGIES = (POPULARITY, RULES, RULES_FILL, HYBRID, BLEND, COOC, AGAIN)

_NEG = -np.inf


@dataclass
class _Rules:
    """Rules on item codes: antecedent incidence (rules x items), consequent code, measures."""

    ante: sp.csr_matrix
    a_len: np.ndarray
    cons: np.ndarray
    conf: np.ndarray
    lift: np.ndarray
    text: np.ndarray


def flat_items(x: Any) -> set[str]:
    """The items of an itemset (frozenset) or of a sequential pattern (tuple of tuples)."""
    out: set[str] = set()
    for el in x:
        if isinstance(el, tuple | list | frozenset | set):
            out.update(str(v) for v in el)
        else:
            out.add(str(el))
    return out


def encode_rules(rules: pd.DataFrame | None, vocab: dict[str, int],
                 text_col: str | None = None) -> _Rules:
    """Rules (basket or sequential) on the codes of ``vocab``: one row per (rule, consequent
    item); antecedents of sequential rules are taken as the set of their items. Rules naming
    items outside ``vocab`` are left out."""
    n = len(vocab)
    rows, cols, cons, conf, lift, text = [], [], [], [], [], []
    a_len = []
    if rules is not None and len(rules):
        texts = (rules[text_col].astype(str).tolist() if text_col and text_col in rules.columns
                 else [f"{', '.join(sorted(flat_items(a)))} -> {', '.join(sorted(flat_items(c)))}"
                       for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)])
        seen: dict[Any, tuple[list[int], bool]] = {}  # antecedent -> (codes, all known)
        for a, c, cf, lf, t in zip(rules["antecedents"], rules["consequents"],
                                   rules["confidence"].tolist(), rules["lift"].tolist(), texts,
                                   strict=True):
            try:
                entry = seen.get(a)
            except TypeError:  # an unhashable antecedent (lists): not remembered
                entry = None
            if entry is None:
                codes = [vocab.get(x, -1) for x in flat_items(a)]
                entry = (codes, all(v >= 0 for v in codes))
                with contextlib.suppress(TypeError):
                    seen[a] = entry
            a_codes, known = entry
            if not known:
                continue
            for item in flat_items(c):
                code = vocab.get(item, -1)
                if code < 0:
                    continue
                r = len(cons)
                rows.extend([r] * len(a_codes))
                cols.extend(a_codes)
                a_len.append(len(a_codes))
                cons.append(code)
                conf.append(float(cf))
                lift.append(float(lf) if pd.notna(lf) else 1.0)
                text.append(t)
    m = len(cons)
    ante = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(m, n))
    return _Rules(ante, np.asarray(a_len, dtype=np.int64), np.asarray(cons, dtype=np.int64),
                  np.asarray(conf, dtype=float), np.asarray(lift, dtype=float),
                  np.asarray(text, dtype=object))


def _rule_scores(owned: sp.csr_matrix, rules: _Rules) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray, np.ndarray]:
    """Per (customer, item): best confidence, the rule giving it, best lift, that rule (dense;
    -inf / -1 where no rule fires)."""
    n_c, n_i = owned.shape
    conf = np.full((n_c, n_i), _NEG)
    conf_rule = np.full((n_c, n_i), -1, dtype=np.int64)
    lift = np.full((n_c, n_i), _NEG)
    lift_rule = np.full((n_c, n_i), -1, dtype=np.int64)
    if len(rules.cons) == 0 or n_c == 0:
        return conf, conf_rule, lift, lift_rule
    single = np.flatnonzero(rules.a_len == 1)
    multi = np.flatnonzero(rules.a_len != 1)
    if single.size:
        # one antecedent item: the best rule per (antecedent, consequent), then per customer the
        # best over the items they own, as a max of ranks over the owned rows (ties: the smaller
        # antecedent code, then the smaller rule index, as a strict ">" scan in code order)
        a_item = rules.ante.indices[rules.ante.indptr[single]]
        for values, best, best_rule in ((rules.conf, conf, conf_rule),
                                        (rules.lift, lift, lift_rule)):
            v = values[single]
            order = np.lexsort((-single, v))  # ascending: the last write per cell is the best
            pair_v = np.full((n_i, n_i), _NEG)
            pair_r = np.full((n_i, n_i), -1, dtype=np.int64)
            pair_v[a_item[order], rules.cons[single][order]] = v[order]
            pair_r[a_item[order], rules.cons[single][order]] = single[order]
            cells = np.flatnonzero(pair_v.ravel() > _NEG)  # NaN and -inf never win
            cell_v = pair_v.ravel()[cells]
            by_rank = cells[np.lexsort((-(cells // n_i), cell_v))]
            rank = np.zeros(n_i * n_i, dtype=np.int16 if len(cells) < 2**15 - 1 else
                            np.int32 if len(cells) < 2**31 - 1 else np.int64)
            rank[by_rank] = np.arange(1, len(by_rank) + 1)
            # only the items that are some rule's antecedent (rows) or consequent (columns)
            a_set, c_set = np.unique(a_item), np.unique(rules.cons[single])
            key = rank.reshape(n_i, n_i)[np.ix_(a_set, c_set)]
            top = np.zeros((n_c, n_i), dtype=rank.dtype)
            top[:, c_set] = _max_over_owned(owned if len(a_set) == n_i else owned[:, a_set], key)
            best[:] = np.r_[_NEG, pair_v.ravel()[by_rank]][top]
            best_rule[:] = np.r_[-1, pair_r.ravel()[by_rank]][top]
    if multi.size:
        # several (or no) antecedent items: every (customer, rule) that fires, then per
        # (customer, item) the best by rank (value, then the smaller rule index; a NaN value
        # ranks highest and never wins, as a sort-and-keep-last scan), merged with a strict ">"
        sub_ante = rules.ante[multi]
        hits = (owned.astype(np.int32) @ sub_ante.T).tocoo()
        ok = hits.data == rules.a_len[multi][hits.col]
        cust, rule = hits.row[ok], multi[hits.col[ok]]
        empty = multi[rules.a_len[multi] == 0]
        if empty.size:
            cust = np.concatenate([cust, np.repeat(np.arange(n_c), empty.size)])
            rule = np.concatenate([rule, np.tile(empty, n_c)])
        item = rules.cons[rule]
        for values, best, best_rule in ((rules.conf, conf, conf_rule),
                                        (rules.lift, lift, lift_rule)):
            by_rank = multi[np.lexsort((-multi, values[multi]))]
            rank = np.zeros(len(rules.cons), dtype=np.int64)
            rank[by_rank] = np.arange(1, len(by_rank) + 1)
            top = np.zeros((n_c, n_i), dtype=np.int64)
            np.maximum.at(top, (cust, item), rank[rule])
            c_o, i_o = np.nonzero(top)
            r_o = by_rank[top[c_o, i_o] - 1]
            v_o = values[r_o]
            better = v_o > best[c_o, i_o]
            best[c_o[better], i_o[better]] = v_o[better]
            best_rule[c_o[better], i_o[better]] = r_o[better]
    return conf, conf_rule, lift, lift_rule


def _max_over_owned(owned: sp.csr_matrix, key: np.ndarray, cells: int = 1 << 22) -> np.ndarray:
    """Customers x items: the max of ``key[a]`` (a row per item, non-negative) over the items
    ``a`` each customer (row of ``owned``) holds; 0 for a customer holding none.

    Customers are taken by number of items held, in blocks of about ``cells`` gathered values,
    each padded to its longest customer with a row of zeros."""
    n_c, n_k = owned.shape[0], key.shape[1]
    out = np.zeros((n_c, n_k), dtype=key.dtype)
    indptr, indices = owned.indptr, owned.indices
    lens = np.diff(indptr)
    rows = np.flatnonzero(lens)
    rows = rows[np.argsort(lens[rows], kind="stable")]
    padded = np.vstack([key, np.zeros((1, n_k), dtype=key.dtype)])
    pad = len(key)
    pos = 0
    while pos < len(rows):
        size = np.arange(1, len(rows) - pos + 1) * lens[rows[pos:]] * max(n_k, 1)
        n = max(int(np.searchsorted(size, cells, side="right")), 1)
        block = rows[pos:pos + n]
        width = int(lens[block[-1]])
        n_held = lens[block]
        take = np.full((len(block), width), pad, dtype=np.int64)
        col = np.arange(int(n_held.sum())) - np.repeat(np.cumsum(n_held) - n_held, n_held)
        take[np.repeat(np.arange(len(block)), n_held), col] = indices[
            np.repeat(indptr[block], n_held) + col]
        out[block] = padded[take].max(axis=1)
        pos += n
    return out

def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best finite scores per row, best first (-1 pads)."""
    n_c, n_i = score.shape
    kk = min(k, n_i)
    if kk == 0 or n_c == 0:
        return np.full((n_c, k), -1, dtype=np.int64)
    part = np.argpartition(-score, kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(score, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    top = np.where(np.isfinite(vals), top, -1)
    if kk < k:
        top = np.hstack([top, np.full((n_c, k - kk), -1, dtype=np.int64)])
    return top


def _tiebreak(popularity: np.ndarray) -> np.ndarray:
    """A tiny bonus by popularity rank, so equal scores go to the more popular item."""
    rank = np.argsort(np.argsort(-popularity, kind="stable"), kind="stable")
    return (len(popularity) - rank) * 1e-9


@dataclass
class Recs:
    items: np.ndarray  # customers x k item codes (-1: empty)
    scores: np.ndarray  # customers x k
    why: np.ndarray  # customers x k text


def rule_scores(counts: sp.csr_matrix, rules: _Rules) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray, np.ndarray]:
    """What the rules say per (customer, item) for the customers (rows) of ``counts``: best
    confidence, the rule giving it, best lift, that rule (-inf / -1 where no rule fires).
    Compute it once and pass it as ``scores`` to :func:`recommend_codes` and
    :func:`offers_frame` when several strategies judge the same customers."""
    return _rule_scores(_owned(counts), rules)


def _owned(counts: sp.csr_matrix) -> sp.csr_matrix:
    """``counts`` with every stored value set to 1 (the customer holds the item)."""
    owned = counts.copy()
    owned.data = np.ones_like(owned.data)
    return owned


def recommend_codes(strategy: str, counts: sp.csr_matrix, popularity: np.ndarray, rules: _Rules,
                    k: int, *, exclude_bought: bool, labels: Sequence[str],
                    cooc: np.ndarray | None = None, blend_power: float = 0.5,
                    scores: tuple[np.ndarray, ...] | None = None) -> Recs:
    """Top-k item codes per customer (rows of ``counts``) by ``strategy``, with a score and the
    reason of each (the rule, "popular", "bought with X", "bought before"). ``scores``:
    :func:`rule_scores` of the same ``counts`` and ``rules`` (computed here when None)."""
    if strategy not in STRATEGIES:
        raise ParameterError(f"strategy must be one of {STRATEGIES}. Got {strategy!r} instead.")
    n_c, n_i = counts.shape
    owned = _owned(counts)
    owned_dense = owned.toarray().astype(bool)
    pop = np.asarray(popularity, dtype=float)
    tb = _tiebreak(pop)
    pop_score = np.broadcast_to(pop + tb, (n_c, n_i)).copy()
    conf, conf_rule, lift, lift_rule = scores if scores is not None else _rule_scores(owned, rules)
    lab = np.asarray(labels, dtype=object)
    if strategy == POPULARITY:
        score = pop_score
    elif strategy == RULES:
        score = np.where(conf_rule >= 0, conf + tb, _NEG)
    elif strategy == RULES_FILL:
        score = np.where(conf_rule >= 0, 2.0 + conf + tb, pop_score)
    elif strategy == HYBRID:
        score = pop_score  # assembled below
    elif strategy == BLEND:
        boost = np.where(lift_rule >= 0, np.maximum(lift, 1.0), 1.0) ** blend_power
        score = pop_score * boost
    elif strategy == COOC:
        sim = cooc if cooc is not None else cooccurrence(owned)
        score = owned.astype(float) @ sim + tb  # dense result (ndarray @ csr -> ndarray)
        score = np.asarray(score)
    else:  # AGAIN
        if exclude_bought:
            raise ParameterError("strategy 'buy again' recommends owned items: it needs "
                                 "exclude_bought=False.")
        score = counts.toarray().astype(float) + np.minimum(pop_score, 0.999)
    if exclude_bought:
        score = np.where(owned_dense, _NEG, score)
    if strategy == HYBRID:
        n_pop = (k + 1) // 2
        p_top = _top(np.where(owned_dense, _NEG, pop_score) if exclude_bought else pop_score, k)
        r_score = np.where(conf_rule >= 0, conf + tb, _NEG)
        if exclude_bought:
            r_score = np.where(owned_dense, _NEG, r_score)
        items = np.full((n_c, k), -1, dtype=np.int64)
        rows = np.arange(n_c)
        taken = np.zeros((n_c, n_i), dtype=bool)
        items[:, :n_pop] = p_top[:, :n_pop]
        for j in range(n_pop):
            ok = items[:, j] >= 0
            taken[rows[ok], items[ok, j]] = True
        r_left = np.where(taken, _NEG, r_score)
        r_top = _top(r_left, k - n_pop)
        items[:, n_pop:] = r_top
        for j in range(n_pop, k):
            ok = items[:, j] >= 0
            taken[rows[ok], items[ok, j]] = True
        # still empty: popularity fills
        p_left = _top(np.where(taken | (owned_dense if exclude_bought else False), _NEG,
                               pop_score), k)
        for i in np.flatnonzero((items < 0).any(axis=1)):
            fill = [x for x in p_left[i] if x >= 0]
            slots = np.flatnonzero(items[i] < 0)
            items[i, slots[:len(fill)]] = fill[:len(slots)]
        use_rule = np.zeros((n_c, k), dtype=bool)
        use_rule[:, n_pop:] = True
        safe = np.maximum(items, 0)
        fired = np.take_along_axis(conf_rule, safe, axis=1) >= 0
        use_rule &= fired & (items >= 0)
        is_rule = use_rule
        scores = np.where(is_rule, np.take_along_axis(conf, safe, axis=1),
                          np.take_along_axis(pop_score, safe, axis=1) - tb[safe])
        rule_idx = np.take_along_axis(conf_rule, safe, axis=1)
        why = np.where(is_rule, rules.text[np.maximum(rule_idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
        scores = np.where(items >= 0, scores, np.nan)
        why = np.where(items >= 0, why, "")
        return Recs(items, scores, why)
    items = _top(score, k)
    safe = np.maximum(items, 0)
    sc = np.take_along_axis(score, safe, axis=1)
    if strategy in (RULES, RULES_FILL):
        idx = np.take_along_axis(conf_rule, safe, axis=1)
        fired = idx >= 0
        sc = np.where(fired, np.take_along_axis(conf, safe, axis=1),
                      np.take_along_axis(pop_score, safe, axis=1) - tb[safe])
        why = np.where(fired, rules.text[np.maximum(idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
    elif strategy == BLEND:
        idx = np.take_along_axis(lift_rule, safe, axis=1)
        fired = idx >= 0
        why = np.where(fired, rules.text[np.maximum(idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
        sc = sc - tb[safe]
    elif strategy == COOC:
        sim = cooc if cooc is not None else cooccurrence(owned)
        why = _cooc_reasons(owned_dense, sim, items, lab)
        sc = sc - tb[safe]
    elif strategy == AGAIN:
        why = np.where(np.take_along_axis(owned_dense, safe, axis=1), "bought before",
                       "popular").astype(object)
        sc = np.take_along_axis(counts.toarray().astype(float), safe, axis=1)
        sc = np.where(why == "bought before", sc, np.take_along_axis(pop_score, safe, axis=1)
                      - tb[safe])
    else:
        why = np.full(items.shape, "popular", dtype=object)
        sc = sc - tb[safe]
    sc = np.where(items >= 0, sc, np.nan)
    why = np.where(items >= 0, why, "")
    return Recs(items, sc, why)


def _cooc_reasons(owned: np.ndarray, sim: np.ndarray, items: np.ndarray,
                  lab: np.ndarray) -> np.ndarray:
    """"bought with X" for each suggested item (X: the held item most similar to it, the first
    in code order among equals), "popular" when no held item is similar, "" for empty slots."""
    n_c, k = items.shape
    why = np.full((n_c, k), "", dtype=object)
    held = owned.any(axis=1)
    safe = np.maximum(items, 0)
    for j in range(k):
        s = np.where(owned, sim.T[safe[:, j]], _NEG)  # customers x held items: similarity
        best = np.argmax(s, axis=1)
        top = s[np.arange(n_c), best]
        filled = items[:, j] >= 0
        with_x = filled & held & (top > 0)
        why[filled, j] = "popular"
        why[with_x, j] = ["bought with " + str(x) for x in lab[best[with_x]]]
    return why


def cooccurrence(owned: sp.csr_matrix) -> np.ndarray:
    """Item x item cosine similarity of the customers who bought each (diagonal 0)."""
    b = owned.astype(np.float64)
    c = (b.T @ b).toarray()
    d = np.sqrt(np.diag(c))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = c / np.outer(d, d)
    s[~np.isfinite(s)] = 0.0
    np.fill_diagonal(s, 0.0)
    return s


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element in its run of equal values (``groups`` sorted, e.g.
    the customer row of each recommendation, best first)."""
    if len(groups) == 0:
        return np.array([], dtype=np.int64)
    start = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    return np.arange(len(groups)) - np.repeat(start, np.diff(np.r_[start, len(groups)]))
