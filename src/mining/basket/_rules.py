"""Association rules from frequent itemsets: measures, constraints, pruning, significance.

:func:`rule_search` finds the rules and says how many candidates each filter dropped (a
:class:`RuleSearch`); :func:`association_rules` is its rules table alone (mlxtend's shape).
"""

from __future__ import annotations

import functools
import itertools
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.basket._itemsets import (
    NoItemsetsWarning,
    check_time,
    codes_of,
    format_items,
    gc_paused,
    progress_enabled,
)
from mining.errors import BudgetError, ParameterError, SchemaError, check_param
from mining.params import check_budget

__all__ = [
    "DEFAULT_MAX_CANDIDATES",
    "MEASURES",
    "RULE_COLUMNS",
    "RuleSearch",
    "adjust_pvalues",
    "association_rules",
    "n_baskets_of",
    "rule_search",
]

#: mlxtend 0.25's measure columns, in its order
MEASURES = [
    "antecedent support", "consequent support", "support", "confidence", "lift",
    "representativity", "leverage", "conviction", "zhangs_metric", "jaccard", "certainty",
    "kulczynski",
]
RULE_COLUMNS = ["antecedents", "consequents", *MEASURES, "count", "antecedents_str",
                "consequents_str"]
_METRICS = ("support", "confidence", "lift", "leverage", "conviction", "zhangs_metric",
            "jaccard", "certainty", "kulczynski")
_CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")
_HASH_SEED = 0x5EED_BA5E
#: default rule budget: rules passing min_threshold, held in memory before pruning and the cap
#: (about 100 bytes each while mining, a few hundred in the table)
DEFAULT_MAX_CANDIDATES = 5_000_000


# -- multiple testing --------------------------------------------------------------------------


def adjust_pvalues(p: Any, *, method: str = "holm") -> np.ndarray:
    """Adjusted p-values for multiple testing.

    Parameters
    ----------
    p : array-like of float
        Raw p-values (one per test; NaN not allowed).
    method : {"holm", "fdr_bh", "bonferroni", "none"}
        ``"holm"``: Holm's step-down (controls the family-wise error rate);
        ``"fdr_bh"``: Benjamini-Hochberg (controls the false discovery rate);
        ``"bonferroni"``: p x m; ``"none"``: unchanged.

    Returns
    -------
    ndarray
        Adjusted p-values in the input order, capped at 1. Reject where adjusted <= alpha.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="fdr_bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    check_param(method in _CORRECTIONS, "correction", "adjust_pvalues",
                "one of 'holm', 'fdr_bh', 'bonferroni', 'none'", method)
    p = np.asarray(p, dtype=float).ravel()
    m = p.size
    if m == 0 or method == "none":
        return p.copy()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ParameterError("adjust_pvalues: p-values must be numbers in [0, 1] (no NaN).")
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum((m - np.arange(m)) * ps, 1.0))
    else:  # fdr_bh
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
        adj = np.minimum(adj, 1.0)
    out = np.empty(m)
    out[order] = adj
    return out


# -- itemset lookup by hash ----------------------------------------------------------------------


class _ItemsetIndex:
    """Itemsets as code matrices per length, with O(1) count lookup of any itemset.

    Each item gets a random 64-bit key; an itemset's key is the sum (mod 2^64) of its items'
    keys, so the key of a subset is computed by subtraction, fully vectorised, and looked up in
    a hash table. Two different itemsets sharing a key has probability about n^2 / 2^64
    (checked among the table).
    ``by_len[k]`` = (codes, counts, row positions in the itemsets table).
    """

    def __init__(self, itemsets: pd.DataFrame, n_baskets: int, owner: str) -> None:
        self.n = n_baskets
        cache = codes_of(itemsets)
        if cache is not None:
            self.names = cache.names
            self.by_len = cache.by_len
        else:
            self._from_sets(itemsets)
        rng = np.random.default_rng(_HASH_SEED)
        groups = list(self.by_len.values())
        c = np.concatenate([c for _, c, _ in groups]) if groups else np.array([], np.int64)
        pos = np.concatenate([q for _, _, q in groups]) if groups else np.array([], np.int64)
        for _attempt in range(3):
            self.keys = rng.bit_generator.random_raw(len(self.names)).astype(np.uint64)
            h = (np.concatenate([self.keys[m].sum(axis=1, dtype=np.uint64) for m, _, _ in groups])
                 if groups else np.array([], dtype=np.uint64))
            # a hash table (pandas' engine) answers each lookup in O(1), several times faster
            # than a binary search over sorted keys on large tables
            self._table = pd.Index(h, dtype=np.uint64, copy=False)
            if self._table.is_unique:
                break
        else:  # pragma: no cover - astronomically unlikely, or duplicate itemsets in the table
            raise SchemaError([f"{owner}: the itemsets table holds the same itemset twice."],
                              what="itemsets")
        self.c, self.pos = c, pos

    def _from_sets(self, itemsets: pd.DataFrame) -> None:
        sets = itemsets["itemsets"].tolist()
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        flat = np.empty(int(lengths.sum()), dtype=object)
        flat[:] = [str(x) for x in itertools.chain.from_iterable(sets)]
        raw_codes, uniques = pd.factorize(flat)
        order = np.argsort(np.asarray(uniques, dtype=str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = rank[raw_codes]  # code order = sorted label order
        self.names = np.asarray(uniques, dtype=object)[order]
        if "count" in itemsets.columns:
            counts = itemsets["count"].to_numpy(dtype=np.int64)
        else:
            counts = np.rint(itemsets["support"].to_numpy(dtype=float) * self.n).astype(np.int64)
        starts = np.cumsum(lengths) - lengths
        self.by_len = {}
        for k in np.unique(lengths).tolist():
            if k == 0:
                continue
            rows = np.flatnonzero(lengths == k)
            mat = np.sort(codes[starts[rows][:, None] + np.arange(k)], axis=1)
            self.by_len[k] = (mat, counts[rows], rows)

    def find(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts, table rows) of the itemsets with keys ``h``; -1 where not in the table."""
        if len(self.c) == 0:
            neg = np.full(len(h), -1, dtype=np.int64)
            return neg, neg
        at = self._table.get_indexer(h)
        found = at >= 0
        if found.all():
            return self.c[at], self.pos[at]
        return np.where(found, self.c[at], -1), np.where(found, self.pos[at], -1)

    def single(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts, table rows) of one-item itemsets by item code, without a search."""
        if not hasattr(self, "_single"):
            cnt = np.full(len(self.names), -1, dtype=np.int64)
            pos = np.full(len(self.names), -1, dtype=np.int64)
            if 1 in self.by_len:
                mat, c, rows = self.by_len[1]
                cnt[mat[:, 0]] = c
                pos[mat[:, 0]] = rows
            self._single = (cnt, pos)
        cnt, pos = self._single
        return cnt[codes], pos[codes]

    def lookup(self, h: np.ndarray) -> np.ndarray:
        """Counts of the itemsets with keys ``h``; -1 where the itemset is not in the table."""
        return self.find(h)[0]



def _metric_value(metric: str, c_ac: np.ndarray, c_a: np.ndarray, c_c: np.ndarray,
                  n: int) -> np.ndarray:
    """The rules' ``metric`` from the counts of antecedent + consequent (``c_ac``), antecedent
    (``c_a``) and consequent (``c_c``) among ``n`` baskets; the three common ones directly."""
    if metric == "confidence":
        return c_ac / c_a
    if metric == "support":
        return c_ac / n
    if metric == "lift":
        return c_ac * n / (c_a * c_c)
    return _measures(c_ac, c_a, c_c, n)[metric]

def _measures(c_ac: np.ndarray, c_a: np.ndarray, c_c: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """mlxtend's rule measures from basket counts (same formulas, no missing values)."""
    s_ac, s_a, s_c = c_ac / n, c_a / n, c_c / n
    conf = c_ac / c_a
    lift = conf / s_c
    leverage = s_ac - s_a * s_c
    conviction = np.full(conf.shape, np.inf)
    lt1 = c_ac < c_a
    conviction[lt1] = (1.0 - s_c[lt1]) / (1.0 - conf[lt1])
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.maximum(s_ac * (1 - s_a), s_a * (s_c - s_ac))
        zhang = np.where(denom == 0, 0.0, leverage / denom)
        cert = np.where(s_c == 1, 0.0, (conf - s_c) / (1 - s_c))
    jaccard = s_ac / (s_a + s_c - s_ac)
    kulc = (conf + c_ac / c_c) / 2
    return {
        "antecedent support": s_a, "consequent support": s_c, "support": s_ac,
        "confidence": conf, "lift": lift, "representativity": np.ones(conf.shape),
        "leverage": leverage, "conviction": conviction, "zhangs_metric": zhang,
        "jaccard": jaccard, "certainty": cert, "kulczynski": kulc,
    }


def _empty_rules(extra: list[str] | None = None) -> pd.DataFrame:
    cols = RULE_COLUMNS + (extra or [])
    out = pd.DataFrame({c: pd.Series(dtype=object if c in ("antecedents", "consequents",
                                                           "antecedents_str", "consequents_str")
                                     else "int64" if c == "count" else float) for c in cols})
    return out


def _allowed(index: _ItemsetIndex, allow: Iterable[Any] | None, name: str) -> np.ndarray | None:
    if allow is None:
        return None
    if isinstance(allow, str):
        raise ParameterError(f"The {name!r} parameter of association_rules must be a list of item "
                             f"labels, not one string. Got {allow!r}; write [{allow!r}].")
    wanted = {str(x) for x in allow}
    return np.isin(index.names, list(wanted))


@dataclass(frozen=True, eq=False)
class RuleSearch:
    """Association rules and how they were found: the funnel from candidates to rules kept.

    Returned by :func:`rule_search`; :func:`association_rules` returns its ``rules`` alone.

    Attributes
    ----------
    rules : DataFrame
        The rules kept (the columns of :data:`RULE_COLUMNS`, with ``p_value`` and
        ``p_adjusted`` when a significance level was given).
    metric, min_threshold : str, float
        The threshold the candidates reached.
    n_baskets : int or None
        Baskets the itemsets were counted on (None only for an empty itemsets table without
        ``n_baskets=``).
    n_candidates : int
        Rules that reached ``metric >= min_threshold`` (and the item constraints).
    n_not_significant : int
        Of those, rules the significance test rejected (0 without ``significance``).
    n_pruned : int
        Significant rules dropped as redundant (0 without ``prune_redundant``).

    Examples
    --------
    >>> from mining.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["milk", "bread"], ["milk", "bread"], ["milk"], ["eggs"]])
    >>> print(rule_search(frequent_itemsets(b, min_support=0.5), min_threshold=0.6))
    2 rules reach confidence >= 0.6 in 4 baskets; 0 not significant, 0 redundant -> 2 rules kept
    """

    rules: pd.DataFrame
    metric: str
    min_threshold: float
    n_baskets: int | None = None
    n_candidates: int = 0
    n_not_significant: int = 0
    n_pruned: int = 0

    @property
    def n_rules(self) -> int:
        """Rules kept: ``len(rules)`` (fewer than the survivors when ``max_rules`` capped them)."""
        return len(self.rules)

    def __str__(self) -> str:
        where = f" in {self.n_baskets:,} baskets" if self.n_baskets is not None else ""
        return (f"{self.n_candidates:,} rules reach {self.metric} >= {self.min_threshold:g}"
                f"{where}; {self.n_not_significant:,} not significant, {self.n_pruned:,} "
                f"redundant -> {self.n_rules:,} rules kept")


def n_baskets_of(table: pd.DataFrame) -> int | None:
    """The number of baskets an itemsets or rules table was counted on: ``count / support``.

    Read off the first row with a positive support (the tables of :func:`frequent_itemsets`,
    :func:`association_rules` and :func:`rules_from_csv` carry ``count`` and ``support``); None
    for an empty table or one without those columns.

    >>> import pandas as pd
    >>> n_baskets_of(pd.DataFrame({"support": [0.25], "count": [3]}))
    12
    """
    if not isinstance(table, pd.DataFrame) or not {"count", "support"} <= set(table.columns):
        return None
    support = pd.to_numeric(table["support"], errors="coerce").to_numpy(dtype=float)
    ok = np.flatnonzero(support > 0)
    if ok.size == 0:
        return None
    return round(float(table["count"].iloc[int(ok[0])]) / float(support[int(ok[0])]))


def rule_search(
    itemsets: pd.DataFrame,
    *,
    metric: str = "confidence",
    min_threshold: float = 0.5,
    max_rules: int | None = None,
    max_consequent_len: int | None = 1,
    min_len: int = 2,
    antecedent_allow: Iterable[Any] | None = None,
    consequent_allow: Iterable[Any] | None = None,
    prune_redundant: bool = False,
    significance: float | None = None,
    correction: str = "holm",
    sort_by: str = "lift",
    n_baskets: int | None = None,
    progress: bool | None = None,
    max_candidates: int | None = DEFAULT_MAX_CANDIDATES,
    max_seconds: float | None = None,
) -> RuleSearch:
    """Association rules ``antecedents -> consequents`` from frequent itemsets, with the funnel.

    The rules table is :func:`association_rules`'s; the :class:`RuleSearch` also says how many
    candidate rules reached ``min_threshold`` and how many the significance test and the
    redundancy pruning removed.

    Parameters
    ----------
    itemsets : DataFrame
        From :func:`frequent_itemsets` (columns ``support``, ``itemsets``; ``count`` used when
        present). Every subset of a listed itemset must be listed too (true of any complete
        mining result); rules whose parts are missing are dropped with a warning.
    metric, min_threshold : str, float
        Keep rules with ``metric >= min_threshold``; metric one of ``support``, ``confidence``
        (default, 0.5), ``lift``, ``leverage``, ``conviction``, ``zhangs_metric``, ``jaccard``,
        ``certainty``, ``kulczynski``.
    max_rules : int, optional
        Keep only the first ``max_rules`` rules in ``sort_by`` order (after every filter).
    max_consequent_len : int or None
        Most items on the right-hand side. Default 1, as R's arules and pyfim (one item to
        recommend per rule); None for every split of every itemset, as mlxtend.
    min_len : int
        Fewest items in a rule, antecedent and consequent together (R arules' ``minlen``).
        Default 2: every rule has an antecedent (mlxtend, pyfim ``zmin=2``). 1, arules'
        default, also makes the rule ``{} -> {item}`` of every frequent item (an empty
        antecedent, a frozenset with no item): its antecedent support is 1.0, so confidence =
        support = the item's share of baskets, lift 1, leverage 0, certainty 0, conviction 1
        (inf for an item in every basket), jaccard = support, kulczynski (1 + support) / 2,
        zhangs_metric 0, p_value 1 with ``significance`` (an unconditional share tests no
        association); it passes the threshold like any rule (with confidence: items bought in
        at least ``min_threshold`` of all baskets). ``antecedent_allow`` does not exclude it;
        ``consequent_allow`` does as for any rule; its consequent is always one item, and
        ``prune_redundant`` never drops it or compares other rules with it. 3 or more: only
        rules from itemsets of at least that many items.
    antecedent_allow, consequent_allow : list of item labels, optional
        Only these items may appear on the left (right) side, e.g. the products a campaign
        may promote as ``consequent_allow``.
    prune_redundant : bool
        Drop a rule when a more general rule (same consequents, antecedents a proper non-empty
        subset) has at least the same confidence; exact, on basket counts.
    significance : float, optional
        Keep only rules whose one-sided Fisher exact test (antecedents and consequents occur
        together more often than independence predicts) has an adjusted p-value <= this alpha
        (e.g. 0.05). Adds ``p_value`` and ``p_adjusted``. The family is every rule that passed
        ``min_threshold`` and the item constraints (tested before pruning and the cap).
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiple-testing correction for ``significance`` (see :func:`adjust_pvalues`).
    sort_by : str
        Measure to sort by, descending (ties: confidence, support, then the itemsets' order).
    n_baskets : int, optional
        Number of baskets the itemsets come from; default ``count / support`` of the table
        (:func:`n_baskets_of`).
    progress : bool, optional
        Progress bar over itemset lengths (None: only when stderr is a terminal).
    max_candidates : int or None
        Budget: stop with :class:`~mining.errors.BudgetError` as soon as more than this many
        rules reach ``min_threshold`` (counted while generating, before pruning, significance
        and ``max_rules``, which all need every candidate). Default 5,000,000. None: no limit.
    max_seconds : float or None
        Budget: stop with :class:`~mining.errors.BudgetError` after this many seconds
        (checked after each itemset length and split). None (default): no limit.

    Returns
    -------
    RuleSearch
        ``rules``: one row per rule with mlxtend's columns ``antecedents``, ``consequents``
        (frozensets of item labels; ``antecedents`` empty in the ``{} -> {item}`` rules of
        ``min_len=1``), ``antecedent support``, ``consequent support``, ``support`` (share of
        baskets holding both sides), ``confidence``, ``lift``, ``representativity``,
        ``leverage``, ``conviction``, ``zhangs_metric``, ``jaccard``, ``certainty``,
        ``kulczynski``, plus ``count`` (baskets holding both sides), ``antecedents_str``,
        ``consequents_str`` (sorted labels joined by ", ") and, with ``significance``,
        ``p_value`` and ``p_adjusted``; and the counts ``n_baskets``, ``n_candidates`` (rules
        that passed the threshold and the item constraints), ``n_not_significant``,
        ``n_pruned`` (before 0.2 these were in the rules table's ``attrs``). An empty result
        (right columns) comes with a :class:`NoItemsetsWarning` saying which threshold to lower.

    Examples
    --------
    >>> from mining.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["milk", "bread"], ["milk", "bread"], ["milk"], ["eggs"]])
    >>> found = rule_search(frequent_itemsets(b, min_support=0.5), min_threshold=0.6)
    >>> found.n_candidates, found.n_rules
    (2, 2)
    """
    owner = "association_rules"
    if not isinstance(itemsets, pd.DataFrame) or not {"support", "itemsets"} <= set(itemsets.columns):
        raise SchemaError([f"{owner} needs the itemsets table from frequent_itemsets "
                           "(columns 'support' and 'itemsets')."], what="itemsets")
    check_param(metric in _METRICS, "metric", owner, f"one of {', '.join(_METRICS)}", metric)
    check_param(sort_by in MEASURES or sort_by == "count", "sort_by", owner,
                "a measure column such as 'lift' or 'confidence'", sort_by)
    check_param(isinstance(min_threshold, int | float) and not isinstance(min_threshold, bool),
                "min_threshold", owner, "a number", min_threshold)
    check_param(max_rules is None or (isinstance(max_rules, int | np.integer) and max_rules >= 1),
                "max_rules", owner, "None or an int >= 1", max_rules)
    check_param(max_consequent_len is None or (isinstance(max_consequent_len, int | np.integer)
                                               and max_consequent_len >= 1),
                "max_consequent_len", owner, "None or an int >= 1", max_consequent_len)
    check_param(isinstance(min_len, int | np.integer) and not isinstance(min_len, bool)
                and min_len >= 1, "min_len", owner,
                "an int >= 1 (2: every rule has an antecedent; 1: also {} -> item, as arules)",
                min_len)
    check_param(significance is None or (isinstance(significance, int | float)
                                         and 0 < significance < 1),
                "significance", owner, "None or a float in (0, 1), e.g. 0.05", significance)
    check_param(correction in _CORRECTIONS, "correction", owner,
                "one of 'holm', 'fdr_bh', 'bonferroni', 'none'", correction)
    check_budget(max_candidates, max_seconds, owner, "max_candidates")
    started = time.perf_counter()
    extra = ["p_value", "p_adjusted"] if significance is not None else []
    if n_baskets is None:
        n_baskets = n_baskets_of(itemsets)
    result = functools.partial(RuleSearch, metric=metric, min_threshold=float(min_threshold))
    if itemsets.empty:
        warnings.warn(f"{owner}: the itemsets table is empty, so there are no rules. Lower "
                      "min_support in frequent_itemsets.", NoItemsetsWarning, stacklevel=2)
        return result(_empty_rules(extra), n_baskets=n_baskets)
    if n_baskets is None:
        raise ParameterError(f"{owner}: pass n_baskets= (the number of baskets the itemsets "
                             "come from); the itemsets table has no 'count' column.")
    n = int(n_baskets)
    from tqdm.auto import tqdm

    with gc_paused():
        index = _ItemsetIndex(itemsets, n, owner)
    ok_a = _allowed(index, antecedent_allow, "antecedent_allow")
    ok_c = _allowed(index, consequent_allow, "consequent_allow")
    parts: list[dict[str, Any]] = []
    n_missing = 0
    n_kept = 0
    empty_at = len(itemsets)  # table position standing for the empty antecedent
    if min_len == 1 and 1 in index.by_len:
        empty = _empty_antecedent_rules(index, ok_c, metric, float(min_threshold), empty_at)
        if empty is not None:
            parts.append(empty)
            n_kept = len(empty["rows"])
    lengths = [k for k in sorted(index.by_len) if k >= max(2, int(min_len))]
    for k in tqdm(lengths, desc="rules", disable=not progress_enabled(progress), leave=False):
        mat, c_ac_all, _ = index.by_len[k]
        keys = index.keys[mat]
        h_all = keys.sum(axis=1, dtype=np.uint64)
        for mask in range(1, 2 ** k - 1):
            check_time(started, max_seconds, owner, f"rules of {k}-itemsets",
                       "Raise min_threshold or min_support, set max_len")
            n_cons = k - mask.bit_count()
            if max_consequent_len is not None and n_cons > max_consequent_len:
                continue
            bits = np.array([(mask >> j) & 1 for j in range(k)], dtype=bool)
            if ok_a is None and ok_c is None:
                rows, m_r, k_r, h_r = None, mat, keys, h_all  # every row: no copies
            else:
                rows = np.arange(len(mat))
                if ok_a is not None:
                    rows = rows[ok_a[mat[rows][:, bits]].all(axis=1)]
                if ok_c is not None:
                    rows = rows[ok_c[mat[rows][:, ~bits]].all(axis=1)]
                if rows.size == 0:
                    continue
                m_r, k_r, h_r = mat[rows], keys[rows], h_all[rows]
            a_cols, c_cols = np.flatnonzero(bits), np.flatnonzero(~bits)
            if n_cons == 1:  # the usual case: the key of one item is one column
                h_c = k_r[:, c_cols[0]]
                h_a = h_r - h_c
            else:
                h_a = k_r[:, a_cols].sum(axis=1, dtype=np.uint64)
                h_c = h_r - h_a
            c_a, p_a = (index.single(m_r[:, a_cols[0]]) if len(a_cols) == 1
                        else index.find(h_a))
            c_c, p_c = (index.single(m_r[:, c_cols[0]]) if n_cons == 1
                        else index.find(h_c))
            c_ac = c_ac_all if rows is None else c_ac_all[rows]
            found = (c_a > 0) & (c_c > 0)
            if not found.all():
                n_missing += int((~found).sum())
                if rows is None:
                    rows = np.arange(len(mat))
                rows, c_a, c_c, h_c = rows[found], c_a[found], c_c[found], h_c[found]
                p_a, p_c, c_ac = p_a[found], p_c[found], c_ac[found]
            value = _metric_value(metric, c_ac, c_a, c_c, n)
            keep = value >= min_threshold
            if not keep.any():
                continue
            rows = np.flatnonzero(keep) if rows is None else rows[keep]
            n_kept += len(rows)
            if max_candidates is not None and n_kept > max_candidates:
                raise BudgetError(
                    f"{owner} stopped: more than max_candidates={max_candidates:,} rules reach "
                    f"{metric} >= {min_threshold} (from {len(itemsets):,} itemsets). Raise "
                    "min_threshold, raise min_support or set max_len in frequent_itemsets"
                    f"{', set max_consequent_len=1' if max_consequent_len != 1 else ''}; or "
                    "raise max_candidates.")
            parts.append({"k": k, "bits": bits, "rows": rows, "c_a": c_a[keep],
                          "c_c": c_c[keep], "c_ac": c_ac[keep], "h_c": h_c[keep],
                          "p_a": p_a[keep], "p_c": p_c[keep]})
    if n_missing:
        warnings.warn(f"{owner}: {n_missing:,} candidate rules were skipped because a part of "
                      "them is missing from the itemsets table (was it filtered?).",
                      RuntimeWarning, stacklevel=2)
    n_candidates = int(sum(len(p["rows"]) for p in parts))
    result = functools.partial(result, n_baskets=n, n_candidates=n_candidates)
    if n_candidates == 0:
        warnings.warn(f"{owner}: no rule reaches {metric} >= {min_threshold}"
                      f"{' with the item constraints' if ok_a is not None or ok_c is not None else ''}"
                      f". Lower min_threshold, or min_support in frequent_itemsets.",
                      NoItemsetsWarning, stacklevel=2)
        return result(_empty_rules(extra))
    c_a = np.concatenate([p["c_a"] for p in parts])
    c_c = np.concatenate([p["c_c"] for p in parts])
    c_ac = np.concatenate([p["c_ac"] for p in parts])
    keep = np.ones(n_candidates, dtype=bool)
    p_value = p_adj = None
    n_not_significant = n_pruned = 0
    if significance is not None:
        from scipy.stats import hypergeom

        # one-sided Fisher exact test = P(X >= c_ac), X ~ Hypergeometric(n, c_c, c_a)
        p_value = np.clip(hypergeom.sf(c_ac - 1, n, c_c, c_a), 0.0, 1.0)
        p_adj = adjust_pvalues(p_value, method=correction)
        keep &= p_adj <= significance
        n_not_significant = int((p_adj > significance).sum())
    if prune_redundant:
        redundant = np.zeros(n_candidates, dtype=bool)
        start = 0
        for p in parts:
            m = len(p["rows"])
            a_codes = index.by_len[p["k"]][0][p["rows"]][:, p["bits"]]
            redundant[start:start + m] = _redundant(index, a_codes, p["h_c"], p["c_a"], p["c_ac"])
            start += m
        n_pruned = int((redundant & keep).sum())
        keep &= ~redundant
    # build the table only for the survivors: both sides of a rule are frequent itemsets, so
    # their frozensets and labels are taken from the itemsets table, never rebuilt
    p_a = np.concatenate([p["p_a"] for p in parts])[keep]
    p_c = np.concatenate([p["p_c"] for p in parts])[keep]
    # one more slot after the table's rows: the empty antecedent (min_len=1), label ""
    set_col = np.empty(empty_at + 1, dtype=object)
    set_col[:empty_at] = itemsets["itemsets"].to_numpy(dtype=object)
    set_col[empty_at] = frozenset()
    str_col = np.empty(empty_at + 1, dtype=object)
    if "itemset_str" in itemsets.columns:
        str_col[:empty_at] = itemsets["itemset_str"].to_numpy(dtype=object)
        str_col[empty_at] = ""
    else:
        used = np.unique(np.concatenate([p_a, p_c]))
        str_col[used] = [format_items(set_col[i]) for i in used.tolist()]
    c_a, c_c, c_ac = c_a[keep], c_c[keep], c_ac[keep]
    # sort (and cap) the counts first, then compute the measures in that order: the same
    # elementwise formulas as _measures, so the same values and order, with fewer gathers
    s_ac, conf = c_ac / n, c_ac / c_a
    if sort_by == "count":
        primary = c_ac
    elif sort_by in ("support", "confidence"):
        primary = s_ac if sort_by == "support" else conf
    elif sort_by == "lift":
        primary = conf / (c_c / n)
    else:
        primary = _measures(c_ac, c_a, c_c, n)[sort_by]
    order = np.lexsort((-s_ac, -conf, -primary))
    if max_rules is not None:
        order = order[:int(max_rules)]
    c_a, c_c, c_ac, p_a, p_c = c_a[order], c_c[order], c_ac[order], p_a[order], p_c[order]
    extra_cols = {}
    if p_value is not None and p_adj is not None:
        extra_cols = {"p_value": p_value[keep][order], "p_adjusted": p_adj[keep][order]}
    with gc_paused():
        out = pd.DataFrame({
            "antecedents": set_col[p_a],
            "consequents": set_col[p_c],
            **_measures(c_ac, c_a, c_c, n),
            "count": c_ac,
            **_label_columns(str_col, p_a, p_c),
            **extra_cols,
        })
    if out.empty:
        why = "significance" if significance is not None and n_not_significant else "pruning"
        warnings.warn(f"{owner}: {n_candidates:,} rules passed the threshold but none survived "
                      f"{why}. Relax significance/prune_redundant or lower min_support.",
                      NoItemsetsWarning, stacklevel=2)
    return result(out, n_not_significant=n_not_significant, n_pruned=n_pruned)


def _empty_antecedent_rules(index: _ItemsetIndex, ok_c: np.ndarray | None, metric: str,
                            min_threshold: float, empty_at: int) -> dict[str, Any] | None:
    """The rules ``{} -> {item}`` (``min_len=1``) that reach the threshold, as one part.

    The antecedent is the empty itemset, held by every basket: count ``n`` (antecedent
    support 1.0), table position ``empty_at``; the rule's count is the item's.
    """
    mat, counts, rows = index.by_len[1]
    sel = np.arange(len(mat)) if ok_c is None else np.flatnonzero(ok_c[mat[:, 0]])
    n = index.n
    c_ac = counts[sel]
    c_a = np.full(len(sel), n, dtype=np.int64)
    c_c = c_ac
    value = _metric_value(metric, c_ac, c_a, c_c, n)
    keep = (value >= min_threshold) & (c_ac > 0)
    if not keep.any():
        return None
    sel = sel[keep]
    return {"k": 1, "bits": np.zeros(1, dtype=bool), "rows": sel, "c_a": c_a[keep],
            "c_c": c_c[keep], "c_ac": c_ac[keep], "h_c": index.keys[mat[sel, 0]],
            "p_a": np.full(len(sel), empty_at, dtype=np.int64), "p_c": rows[sel]}


def association_rules(itemsets: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Association rules ``antecedents -> consequents`` from a table of frequent itemsets.

    The rules table of :func:`rule_search`, which documents the options: ``metric``,
    ``min_threshold``, ``max_rules``, ``max_consequent_len``, ``min_len`` (2; 1 also makes
    the rules ``{} -> {item}``, as R arules' default ``minlen=1``), ``antecedent_allow``,
    ``consequent_allow``, ``prune_redundant``, ``significance``, ``correction``, ``sort_by``,
    ``n_baskets``, ``progress``, ``max_candidates``, ``max_seconds``. Call :func:`rule_search`
    to also learn how many candidate rules each filter removed.

    Returns
    -------
    DataFrame
        One row per rule with mlxtend's columns ``antecedents``, ``consequents`` (frozensets of
        item labels; ``antecedents`` is empty, ``antecedents_str`` "", in the ``{} -> {item}``
        rules of ``min_len=1``), ``antecedent support``, ``consequent support``, ``support``
        (share of baskets holding both sides), ``confidence``, ``lift``, ``representativity``,
        ``leverage``, ``conviction``, ``zhangs_metric``, ``jaccard``, ``certainty``,
        ``kulczynski``, plus ``count`` (baskets holding both sides), ``antecedents_str``,
        ``consequents_str`` (sorted labels joined by ", ") and, with ``significance``,
        ``p_value`` and ``p_adjusted``. (Before 0.2 the funnel counts were in ``attrs``; they
        are :class:`RuleSearch` attributes now, and ``count / support`` gives the baskets.)

    Examples
    --------
    >>> from mining.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["milk", "bread"], ["milk", "bread"], ["milk"], ["eggs"]])
    >>> r = association_rules(frequent_itemsets(b, min_support=0.5), min_threshold=0.6)
    >>> r[["antecedents_str", "consequents_str", "confidence", "lift"]].round(3).values.tolist()
    [['bread', 'milk', 1.0, 1.333], ['milk', 'bread', 0.667, 1.333]]

    ``min_len=1`` (R arules' default) adds ``{} -> {item}`` for every item in at least
    ``min_threshold`` of the baskets, with confidence = support and lift 1:

    >>> r1 = association_rules(frequent_itemsets(b, min_support=0.5), min_threshold=0.6,
    ...                        min_len=1)
    >>> r1[["antecedents_str", "consequents_str", "confidence", "lift"]].round(3).values.tolist()
    [['bread', 'milk', 1.0, 1.333], ['milk', 'bread', 0.667, 1.333], ['', 'milk', 0.75, 1.0]]
    """
    # rule_search's warnings point at its caller (this line): re-issue them at our caller's
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", module=r"mining\.basket\._rules")
        found = rule_search(itemsets, **options)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=2)
    return found.rules


def _label_columns(str_col: np.ndarray, a_pos: np.ndarray, c_pos: np.ndarray
                   ) -> dict[str, Any]:
    """``antecedents_str`` and ``consequents_str``: the labels ``str_col[a_pos]``, ``[c_pos]``.

    Where pandas stores text as Arrow strings (pandas 3's ``str`` dtype), converting 100,000
    Python strings one by one costs more than all the rule arithmetic; so the few distinct
    labels are converted once and the columns gathered in Arrow (``take``). Same values and
    dtype as pandas' own inference; anything but plain strings takes pandas' route.
    """
    def plain() -> dict[str, Any]:
        return {"antecedents_str": str_col[a_pos], "consequents_str": str_col[c_pos]}

    probe = pd.Series(np.array(["x"], dtype=object)).dtype
    if not (isinstance(probe, pd.StringDtype) and probe.storage == "pyarrow") or len(a_pos) == 0:
        return plain()
    import pyarrow as pa

    used = np.zeros(len(str_col), dtype=bool)
    used[a_pos] = True
    used[c_pos] = True
    rank = np.cumsum(used) - 1
    try:
        labels = pa.array(str_col[used], type=pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        return plain()
    if labels.null_count:
        return plain()
    return {"antecedents_str": pd.arrays.ArrowStringArray(labels.take(rank[a_pos]), dtype=probe),
            "consequents_str": pd.arrays.ArrowStringArray(labels.take(rank[c_pos]), dtype=probe)}


def _sort(rules: pd.DataFrame, sort_by: str) -> pd.DataFrame:
    """Descending ``sort_by``, then confidence, then support; ties keep the generation order
    (itemset-table order), which is the same for every mining algorithm."""
    if rules.empty:
        return rules.reset_index(drop=True)
    order = np.lexsort((
        -rules["support"].to_numpy(dtype=float),
        -rules["confidence"].to_numpy(dtype=float),
        -rules[sort_by].to_numpy(dtype=float),
    ))
    return rules.iloc[order].reset_index(drop=True)


def _redundant(index: _ItemsetIndex, a_codes: np.ndarray, h_c: np.ndarray, c_a: np.ndarray,
               c_ac: np.ndarray) -> np.ndarray:
    """True where some proper non-empty subset S of the antecedents has conf(S->C) >= conf."""
    m, a = a_codes.shape
    out = np.zeros(m, dtype=bool)
    if a < 2 or m == 0:
        return out
    keys = index.keys[a_codes]
    for sub in range(1, 2 ** a - 1):
        bits = np.array([(sub >> j) & 1 for j in range(a)], dtype=bool)
        h_s = keys[:, bits].sum(axis=1, dtype=np.uint64)
        c_s = index.lookup(h_s)
        c_sc = index.lookup(h_s + h_c)
        ok = (c_s > 0) & (c_sc >= 0)
        # conf(S->C) >= conf(A->C)  <=>  c_sc * c_a >= c_ac * c_s   (exact integers)
        out |= ok & (c_sc * c_a >= c_ac * c_s)
    return out
