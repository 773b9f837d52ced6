"""Sequential rules, next-purchase suggestions, time lags and their evaluation on a time split."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import BudgetError, InsufficientDataError, SchemaError, check_param
from mining.sequence import _kernel
from mining.sequence._database import SequenceDatabase, as_database, customer_sequences
from mining.sequence._mine import format_pattern, frequent_sequences

__all__ = [
    "RULE_COLUMNS",
    "describe",
    "evaluate_time_split",
    "next_purchase",
    "pattern_lags",
    "planted_vs_found",
    "sequential_rules",
]

#: columns of :func:`sequential_rules`, named as :mod:`mining.basket`'s rules where the
#: meaning is the same (``count``: customers with the whole pattern)
RULE_COLUMNS = [
    "antecedents", "consequents", "antecedents_str", "consequents_str", "rule_str",
    "count", "support", "antecedent support", "consequent support", "confidence", "lift",
]
#: the names before 0.2, still read (with a DeprecationWarning) by the functions taking rules
_OLD_RULE_COLUMNS = {
    "antecedent": "antecedents", "consequent": "consequents",
    "antecedent_str": "antecedents_str", "consequent_str": "consequents_str",
    "support_count": "count", "antecedent_support": "antecedent support",
    "consequent_support": "consequent support",
}

Pattern = tuple[tuple[Any, ...], ...]


def _rule_table(rules: pd.DataFrame, owner: str) -> pd.DataFrame:
    """``rules`` with the column names of :data:`RULE_COLUMNS` (old names renamed, warned)."""
    if "antecedent" not in rules.columns or "antecedents" in rules.columns:
        return rules
    warnings.warn(
        f"{owner}: the sequential rules table uses the names of basket rules since 0.2 "
        "(antecedents, consequents, count, 'antecedent support', ...); a table with the old "
        "names (antecedent, consequent, support_count, ...) is read for one more release.",
        DeprecationWarning, stacklevel=3)
    return rules.rename(columns=_OLD_RULE_COLUMNS)


def _check_patterns(patterns: pd.DataFrame, owner: str) -> None:
    need = {"pattern", "support_count", "support"}
    if not isinstance(patterns, pd.DataFrame) or not need <= set(patterns.columns):
        raise SchemaError(
            [f"{owner} needs the table frequent_sequences returns (columns pattern, "
             "support_count, support)."], what="patterns",
        )


def sequential_rules(
    patterns: pd.DataFrame,
    *,
    min_confidence: float = 0.0,
    max_consequent_elements: int | None = None,
    max_rules: int | None = 2_000_000,
) -> pd.DataFrame:
    """Sequential rules X => Y: customers whose history holds X later buy Y.

    Every frequent pattern ``P = <E1 ... En>`` with two or more elements gives the rules
    ``<E1..Ek> => <Ek+1..En>`` for each split k. ``confidence = support(P) / support(X)``: of
    the customers with X, the share who bought Y after it. ``lift = confidence / support(Y)``:
    how much more often than customers in general (Y anywhere in their history). "Later than X"
    is stricter than "anywhere", so when X says nothing about Y the lift sits a little below 1.

    Parameters
    ----------
    patterns : DataFrame
        The full result of :func:`frequent_sequences` (not filtered to closed or maximal: the
        antecedents must be in it).
    min_confidence : float
        Keep rules with at least this confidence, in [0, 1].
    max_consequent_elements : int, optional
        Keep rules whose Y has at most this many elements (1: "what comes right after").
    max_rules : int or None
        Budget: stop with :class:`~mining.errors.BudgetError` as soon as more than this many
        rules pass ``min_confidence`` (default 2,000,000, about 1 GB; the demo notebook makes
        450,487). None: no limit.

    Returns
    -------
    DataFrame
        One row per rule, best confidence first (then lift, support), with the column names of
        :func:`mining.basket.association_rules` where the meaning is the same:
        ``antecedents`` and ``consequents`` (patterns: tuples of tuples), their ``*_str`` forms,
        ``rule_str`` (``"<(a)> => <(b)>"``), ``count`` (customers with the whole pattern) and
        ``support`` (their share), ``antecedent support``, ``consequent support`` (shares),
        ``confidence``, ``lift``. (Before 0.2: ``antecedent``, ``consequent``,
        ``antecedent_str``, ``consequent_str``, ``support_count``, ``antecedent_support``,
        ``consequent_support``.)

    Examples
    --------
    >>> db = [[("tent",), ("gas",)], [("tent",), ("gas",)], [("tent",)], [("gas",)]]
    >>> from mining.sequence import frequent_sequences
    >>> rules = sequential_rules(frequent_sequences(db, min_support=1))
    >>> rules.loc[0, "rule_str"], round(float(rules.loc[0, "confidence"]), 3)
    ('<(tent)> => <(gas)>', 0.667)
    """
    owner = "sequential_rules"
    _check_patterns(patterns, owner)
    check_param(isinstance(min_confidence, Real) and not isinstance(min_confidence, bool)
                and 0 <= min_confidence <= 1, "min_confidence", owner, "a float in [0, 1]",
                min_confidence)
    if max_consequent_elements is not None:
        check_param(isinstance(max_consequent_elements, Integral)
                    and not isinstance(max_consequent_elements, bool)
                    and max_consequent_elements >= 1, "max_consequent_elements", owner,
                    "an int >= 1 or None", max_consequent_elements)
    check_param(max_rules is None or (isinstance(max_rules, Integral)
                                      and not isinstance(max_rules, bool) and max_rules >= 1),
                "max_rules", owner, "None or an int >= 1", max_rules)
    cap = np.inf if max_rules is None else int(max_rules)
    pats = list(patterns["pattern"])
    counts = patterns["support_count"].to_numpy(dtype=np.int64)
    n = _n_sequences(patterns)
    sup = {p: int(c) for p, c in zip(pats, counts, strict=True)}
    rows: list[tuple[Any, ...]] = []
    for p, c in zip(pats, counts, strict=True):
        for split in range(1, len(p)):
            x, y = p[:split], p[split:]
            if max_consequent_elements is not None and len(y) > max_consequent_elements:
                continue
            cx = sup.get(x)
            if not cx:
                continue
            conf = c / cx
            if conf < min_confidence:
                continue
            cy = sup.get(y)
            lift = conf / (cy / n) if cy else np.nan
            rows.append((x, y, int(c), cx / n, (cy / n) if cy else np.nan, conf, lift))
            if len(rows) > cap:
                raise BudgetError(
                    f"{owner} stopped: more than max_rules={max_rules:,} rules reach "
                    f"min_confidence={min_confidence} (from {len(pats):,} patterns). Raise "
                    "min_confidence, set max_consequent_elements=1, mine the patterns with a "
                    "higher min_support or a smaller max_len; or raise max_rules.")
    df = pd.DataFrame(rows, columns=["antecedents", "consequents", "count",
                                     "antecedent support", "consequent support", "confidence",
                                     "lift"])
    text: dict[Pattern, str] = {}  # each distinct side formatted once

    def fmt(p: Pattern) -> str:
        t = text.get(p)
        if t is None:
            t = text[p] = format_pattern(p)
        return t

    df["antecedents_str"] = [fmt(x) for x in df["antecedents"]]
    df["consequents_str"] = [fmt(y) for y in df["consequents"]]
    df["rule_str"] = df["antecedents_str"] + " => " + df["consequents_str"]
    df["support"] = df["count"] / n
    df = df.astype({"count": "int64", "confidence": "float64", "lift": "float64",
                    "antecedent support": "float64", "consequent support": "float64",
                    "support": "float64"})
    df = df.sort_values(["confidence", "lift", "count", "rule_str"],
                        ascending=[False, False, False, True], kind="stable")
    return df[RULE_COLUMNS].reset_index(drop=True)


def _n_sequences(patterns: pd.DataFrame) -> int:
    """Sequences the patterns were counted on: ``support_count / support`` (1 when unknown)."""
    ok = patterns["support"] > 0
    if not ok.any():
        return 1
    return int(round(float((patterns.loc[ok, "support_count"] / patterns.loc[ok, "support"]).iloc[0])))


def _words(p: Pattern) -> str:
    return ", later ".join(" + ".join(map(str, el)) for el in p)


def describe(table: pd.DataFrame, *, top: int = 10) -> list[str]:
    """Plain-language sentences for the first ``top`` rows of a pattern or rule table.

    >>> db = [[("tent",), ("gas",)], [("tent",), ("gas",)], [("tent",)], [("gas",)]]
    >>> from mining.sequence import frequent_sequences
    >>> describe(sequential_rules(frequent_sequences(db, min_support=2)), top=1)[0]
    'Of the customers who bought tent, 67% later bought gas (2 customers; 0.9x the usual rate).'
    """
    out = []
    table = _rule_table(table, "describe")
    head = table.head(top)
    if "antecedents" in table.columns:
        for r in head.to_dict("records"):
            lift = "" if pd.isna(r["lift"]) else f"; {r['lift']:.1f}x the usual rate"
            out.append(
                f"Of the customers who bought {_words(r['antecedents'])}, {r['confidence']:.0%} "
                f"later bought {_words(r['consequents'])} ({r['count']:,} customers{lift})."
            )
    elif "pattern" in table.columns:
        for r in head.itertuples(index=False):
            out.append(f"{r.support:.1%} of customers ({r.support_count:,}) bought "
                       f"{_words(r.pattern)}.")
    else:
        raise SchemaError(["describe needs a pattern table (frequent_sequences) or a rule table "
                           "(sequential_rules)."], what="pattern")
    return out


# ---- encoding patterns onto a database's item codes ---------------------------------------------
def _encode(patterns: Sequence[Pattern], code: dict[Any, int]):
    """Flat (item, new-element flag, offsets) of the patterns; None for unknown labels."""
    p_item: list[int] = []
    p_new: list[int] = []
    p_off = [0]
    ok = np.ones(len(patterns), dtype=bool)
    for j, p in enumerate(patterns):
        start = len(p_item)
        for el in p:
            cs = sorted(code.get(x, -1) for x in el)
            if cs and cs[0] < 0:
                ok[j] = False
            for i, c in enumerate(cs):
                p_item.append(c)
                p_new.append(1 if i == 0 else 0)
        if not ok[j]:
            del p_item[start:], p_new[start:]
        p_off.append(len(p_item))
    return (np.asarray(p_item, np.int64), np.asarray(p_new, np.int8),
            np.asarray(p_off, np.int64), ok)


def pattern_lags(db: SequenceDatabase | Any, patterns: pd.DataFrame, *, top: int | None = 10
                 ) -> pd.DataFrame:
    """Days between the elements of patterns, per supporting customer (earliest occurrence).

    Parameters
    ----------
    db : SequenceDatabase
        The sequences the patterns were mined from.
    patterns : DataFrame
        From :func:`frequent_sequences`; only patterns with two or more elements are used. A
        rules table (:func:`sequential_rules`, :func:`follow_up_rules`) works too: each rule's
        ``antecedents + consequents`` is its pattern, in the rules' order.
    top : int, optional
        Use the first ``top`` such patterns (table order, i.e. the most frequent).

    Returns
    -------
    DataFrame
        One row per (pattern, customer, step): ``pattern_str``, ``customer_id``, ``step``
        (1 = from the first element to the second), ``lag_days`` (days between the two elements,
        in the customer's earliest occurrence of the whole pattern), ``total_days`` (first to
        last element).
    """
    if "pattern" not in patterns.columns and {"antecedents", "consequents"} <= set(patterns.columns):
        pats = [a + c for a, c in zip(patterns["antecedents"], patterns["consequents"], strict=True)]
        patterns = pd.DataFrame({"pattern": pats, "pattern_str": [format_pattern(p) for p in pats],
                                 "support_count": patterns.get("count", 0),
                                 "support": patterns.get("support", 0.0)})
    _check_patterns(patterns, "pattern_lags")
    db = as_database(db)
    multi = patterns[patterns["pattern"].map(len) >= 2]
    if top is not None:
        multi = multi.head(top)
    code = {lab: i for i, lab in enumerate(db.labels)}
    frames = []
    for p, text in zip(multi["pattern"], multi["pattern_str"], strict=True):
        p_item, p_new, _, ok = _encode([p], code)
        if not ok[0]:
            continue
        m = _kernel.first_match(db.seq_start, db.el_start, db.items, p_item, p_new)
        hit = m[:, 0] >= 0
        if not hit.any():
            continue
        days = db.el_days[m[hit]]
        steps = np.diff(days, axis=1)
        n_hit, n_steps = steps.shape
        frames.append(pd.DataFrame({
            "pattern_str": text,
            "customer_id": np.repeat(np.asarray(db.customer_id[hit], dtype=object), n_steps),
            "step": np.tile(np.arange(1, n_steps + 1), n_hit),
            "lag_days": steps.ravel(),
            "total_days": np.repeat(days[:, -1] - days[:, 0], n_steps),
        }))
    if not frames:
        return pd.DataFrame({"pattern_str": pd.Series(dtype=object),
                             "customer_id": pd.Series(dtype=object),
                             "step": pd.Series(dtype="int64"), "lag_days": pd.Series(dtype=float),
                             "total_days": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


# ---- next purchase ----------------------------------------------------------------------------------
_REC_COLUMNS = ["rank", "item", "score", "source", "rule"]


def next_purchase(
    rules: pd.DataFrame | None,
    history: SequenceDatabase | Any,
    *,
    k: int = 5,
    min_confidence: float = 0.0,
    last_n_elements: int | None = None,
    exclude_bought: bool = False,
    fill_popular: bool = True,
    popular: pd.Series | None = None,
) -> pd.DataFrame:
    """Top-k next-purchase suggestions per customer from sequential rules.

    A rule X => Y fires for a customer whose history contains X (in order, anywhere, or only in
    the last ``last_n_elements`` elements); it suggests the items of Y's single element. Rules
    are tried best confidence first; free slots are filled with the most popular items.

    Parameters
    ----------
    rules : DataFrame or None
        From :func:`sequential_rules`, or patterns from :func:`frequent_sequences` (rules are
        derived with ``min_confidence``); ``None``: popularity only.
    history : SequenceDatabase
        The customers' purchases so far (:func:`customer_sequences` with the same ``as_of``).
    k : int
        Suggestions per customer.
    min_confidence : float
        Ignore rules below this confidence.
    last_n_elements : int, optional
        Match antecedents only against each customer's last n orders (recent history).
    exclude_bought : bool
        Never suggest an item the customer already bought (pure cross-selling); by default
        repeat purchases may be suggested.
    fill_popular : bool
        Fill slots no rule fills with the items most customers bought.
    popular : Series, optional
        Popularity of items (label -> share of customers) used for the fill-ins; default: from
        ``history`` itself. Pass the whole training population's when ``history`` is a subset.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, up to k rows per customer: ``rank`` (1 = best), ``item``,
        ``score`` (the rule's confidence, or for popular items the share of customers who
        bought it), ``source`` ("rule" or "popular"), ``rule`` (``rule_str``, empty for popular).
    """
    owner = "next_purchase"
    check_param(isinstance(k, int) and k >= 1, "k", owner, "an int >= 1", k)
    if last_n_elements is not None:
        check_param(isinstance(last_n_elements, int) and last_n_elements >= 1, "last_n_elements",
                    owner, "an int >= 1 or None", last_n_elements)
    history = as_database(history)
    if rules is not None:
        rules = _rule_table(rules, owner)
    if rules is not None and "antecedents" not in rules.columns:
        rules = sequential_rules(rules, min_confidence=min_confidence)
    if rules is None:
        rules = pd.DataFrame(columns=RULE_COLUMNS)
    rules = rules[(rules["consequents"].map(len) == 1) & (rules["confidence"] >= min_confidence)]
    rules = rules.sort_values(["confidence", "lift", "count"],
                              ascending=[False, False, False], kind="stable")
    labels = list(history.labels)
    code = {lab: i for i, lab in enumerate(labels)}
    for y in rules["consequents"]:
        for x in y[0]:
            if x not in code:
                code[x] = len(labels)
                labels.append(x)
    antecedents = list(dict.fromkeys(rules["antecedents"]))
    a_item, a_new, a_off, a_ok = _encode(antecedents, code)
    ante_index = {a: i for i, a in enumerate(antecedents)}
    r_ante = np.asarray([ante_index[a] for a in rules["antecedents"]], dtype=np.int64)
    usable = a_ok[r_ante] if len(r_ante) else np.zeros(0, bool)
    rules = rules[usable]
    r_ante = r_ante[usable]
    cons = [sorted(code[x] for x in y[0]) for y in rules["consequents"]]
    r_cons_off = np.concatenate([[0], np.cumsum([len(c) for c in cons])]).astype(np.int64)
    r_cons_item = np.asarray([x for c in cons for x in c], dtype=np.int64)
    if popular is None:
        popular = history.item_support() / max(len(history), 1)
    popular = popular.sort_values(ascending=False, kind="stable")
    for x in popular.index:
        if x not in code:
            code[x] = len(labels)
            labels.append(x)
    pop_codes = np.asarray([code[x] for x in popular.index], dtype=np.int64) if fill_popular else (
        np.zeros(0, np.int64))
    match_db = history.tail(last_n_elements) if last_n_elements else history
    # exclusion looks at the whole history even when matching uses only its tail
    rec_item, rec_rule = _kernel.recommend(
        match_db.seq_start, match_db.el_start, match_db.items, len(labels), a_item, a_new, a_off,
        r_ante, r_cons_off, r_cons_item, k, exclude_bought, history.seq_start, history.el_start,
        history.items, pop_codes,
    )
    filled = rec_item >= 0
    s_idx, rank = np.nonzero(filled)
    items = rec_item[filled]
    rule_idx = rec_rule[filled]
    lab = np.asarray(labels, dtype=object)
    from_rule = rule_idx >= 0
    conf = rules["confidence"].to_numpy()
    rule_str = rules["rule_str"].to_numpy(dtype=object)
    score = np.where(from_rule, conf[np.maximum(rule_idx, 0)] if len(conf) else 0.0,
                     popular.reindex(lab[items]).to_numpy(dtype=float))
    out = pd.DataFrame({
        "rank": rank + 1,
        "item": lab[items],
        "score": score,
        "source": np.where(from_rule, "rule", "popular"),
        "rule": np.where(from_rule, rule_str[np.maximum(rule_idx, 0)] if len(rule_str) else "", ""),
    }, index=pd.Index(history.customer_id[s_idx], name="customer_id"))
    return out


# ---- evaluation on a time split -------------------------------------------------------------------
def evaluate_time_split(
    tx: pd.DataFrame,
    *,
    split_date: str | pd.Timestamp,
    horizon_days: float | None = None,
    k: int = 5,
    level: str = "product",
    element: str = "order",
    use_names: bool = True,
    min_support: float | int = 0.01,
    max_len: int | None = 3,
    min_gap: float | None = None,
    max_gap: float | None = None,
    min_confidence: float = 0.0,
    last_n_elements: int | None = None,
    exclude_bought: bool = False,
    basket: bool = True,
    basket_min_support: float | int | None = None,
) -> pd.DataFrame:
    """Hit rate at k of next-purchase suggestions, trained before a date and judged after it.

    Patterns and rules are mined from lines before ``split_date``; every customer with history
    before it and a purchase in ``[split_date, split_date + horizon_days)`` gets k suggestions
    from (a) sequential rules, (b) popularity (the items most customers bought), and (c), when
    :mod:`mining.basket` is available and ``basket=True``, association rules on the same
    training lines. A customer is a hit when any suggestion is bought in the holdout.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions.
    split_date : str or Timestamp
        Training uses lines strictly before it (it is the ``as_of`` of the history).
    horizon_days : float, optional
        Length of the holdout window in days; ``None``: everything after ``split_date``.
    k : int
        Suggestions per customer.
    level, element, use_names
        As in :func:`customer_sequences`.
    min_support, max_len, min_gap, max_gap
        As in :func:`frequent_sequences`.
    min_confidence, last_n_elements, exclude_bought
        As in :func:`next_purchase` (``exclude_bought`` applies to every method alike).
    basket : bool
        Also score association-rule suggestions from :mod:`mining.basket`.
    basket_min_support : float, optional
        Minimum support of the basket itemsets, a share of *orders* (baskets), not of
        customers (default: ``min_support``).

    Returns
    -------
    DataFrame
        Indexed by ``method`` ("sequential rules", "popularity", "association rules"):
        ``hit_rate`` (share of evaluated customers with at least one hit), ``precision_at_k``
        (hits / k, averaged), ``n_customers`` (evaluated), ``rule_coverage`` (share of
        customers with at least one rule-based suggestion; NaN for popularity), ``n_rules``
        (rules the method draws on, mined before the split; 0 for popularity), ``k``. When
        basket rules cannot be scored a ``RuntimeWarning`` says why and their row is absent.
        (Before 0.2 ``n_rules``, ``n_patterns`` and that note were in ``attrs``.)
    """
    owner = "evaluate_time_split"
    table, _ = _evaluate_period(
        tx, split_date=split_date, horizon_days=horizon_days, k=k, level=level, element=element,
        use_names=use_names, min_support=min_support, max_len=max_len, min_gap=min_gap,
        max_gap=max_gap, min_confidence=min_confidence, last_n_elements=last_n_elements,
        exclude_bought=exclude_bought, basket=basket, basket_min_support=basket_min_support,
        owner=owner)
    return table


def _evaluate_period(tx, *, split_date, horizon_days, k, level, element, use_names, min_support,
                     max_len, min_gap, max_gap, min_confidence, last_n_elements, exclude_bought,
                     basket, basket_min_support, owner, stacklevel: int = 4
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`evaluate_time_split`'s table and what it was computed from (``train``,
    ``history`` (the judged customers), ``rules``, ``test`` pairs, ``pop_rank``, ``split``)."""
    split = pd.Timestamp(split_date)
    if horizon_days is not None:
        check_param(float(horizon_days) > 0, "horizon_days", owner, "a number of days > 0 or None",
                    horizon_days)
    train = customer_sequences(tx, as_of=split, level=level, element=element, use_names=use_names)
    item_col = _item_column(tx, level, use_names)
    ts = pd.to_datetime(tx["timestamp"])
    after = ts >= split
    if horizon_days is not None:
        after &= ts < split + pd.Timedelta(days=float(horizon_days))
    test = pd.DataFrame({"customer_id": tx["customer_id"][after].astype("string"),
                         "item": tx[item_col][after].astype("string")}).dropna().drop_duplicates()
    eval_ids = pd.Index(test["customer_id"].unique()).intersection(train.customer_id)
    if len(eval_ids) == 0:
        raise InsufficientDataError(
            f"No customer bought both before and after split_date={split.date()}: nothing to "
            "evaluate. Move split_date so both sides hold purchases of the same customers."
        )
    pos = train.customer_id.get_indexer(eval_ids)
    history = train.subset(np.sort(pos))
    patterns = frequent_sequences(train, min_support=min_support, max_len=max_len,
                                  min_gap=min_gap, max_gap=max_gap)
    rules = sequential_rules(patterns, min_confidence=min_confidence, max_consequent_elements=1)
    # popularity from all training customers, not only the evaluated ones
    pop_rank = train.item_support() / len(train)
    common = dict(k=k, last_n_elements=last_n_elements, exclude_bought=exclude_bought,
                  popular=pop_rank)
    recs = {
        "sequential rules": next_purchase(rules, history, **common),
        "popularity": next_purchase(None, history, **common),
    }
    n_rules = {"sequential rules": len(rules), "popularity": 0}
    if basket:
        try:
            recs["association rules"], n_rules["association rules"] = _basket_recommendations(
                tx, split=split, history=history, level=level, use_names=use_names, k=k,
                min_support=min_support if basket_min_support is None else basket_min_support,
                min_confidence=min_confidence, max_len=max_len, exclude_bought=exclude_bought,
                pop_rank=pop_rank,
            )
        except _BasketUnavailable as exc:
            warnings.warn(f"{owner}: {exc}", RuntimeWarning, stacklevel=stacklevel)
    judged = pd.Index(history.customer_id, dtype="string")
    bought, bought_items = _bought_in(test, judged)
    rows = []
    for method, rec in recs.items():
        hit = _hits(rec, bought, judged, bought_items)
        per = pd.Series(hit, index=rec.index).groupby(level=0).sum().reindex(history.customer_id,
                                                                             fill_value=0)
        from_rule = (rec["source"] == "rule").groupby(level=0).any().reindex(
            history.customer_id, fill_value=False)
        rows.append({
            "method": method,
            "hit_rate": float((per > 0).mean()),
            "precision_at_k": float(per.mean() / k),
            "n_customers": len(history),
            "rule_coverage": float(from_rule.mean()) if method != "popularity" else np.nan,
            "n_rules": n_rules[method],
            "k": k,
        })
    context = {"train": train, "history": history, "rules": rules, "test": test,
               "pop_rank": pop_rank, "split": split, "item_col": item_col}
    return pd.DataFrame(rows).set_index("method"), context


def _bought_in(test: pd.DataFrame, customers: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """The pairs of ``test`` (columns ``customer_id``, ``item``, text) as a bool matrix
    ``customers`` x items, and the item labels of its columns."""
    items = pd.Index(test["item"].unique())
    ci = customers.get_indexer(test["customer_id"])
    ii = items.get_indexer(test["item"])
    bought = np.zeros((len(customers), len(items)), dtype=bool)
    bought[ci[ci >= 0], ii[ci >= 0]] = True
    return bought, items


def _hits(rec: pd.DataFrame, bought: np.ndarray, customers: pd.Index, items: pd.Index
          ) -> np.ndarray:
    """Whether each suggestion (row of ``rec``: customer in the index, ``item``) was bought,
    both taken as text (:func:`_bought_in`)."""
    ci = customers.get_indexer(pd.Index(rec.index, dtype="string"))
    ii = items.get_indexer(pd.Index([str(i) for i in rec["item"]], dtype="string"))
    ok = (ci >= 0) & (ii >= 0)
    hit = np.zeros(len(rec), dtype=bool)
    hit[ok] = bought[ci[ok], ii[ok]]
    return hit


class _BasketUnavailable(Exception):
    pass


def _item_column(tx: pd.DataFrame, level: str, use_names: bool) -> str:
    """The transactions column holding the item labels of :func:`customer_sequences`."""
    if level == "category":
        return "category"
    return "product_name" if use_names and "product_name" in tx.columns else "product_id"


def _basket_recommendations(tx, *, split, history, level, use_names, k, min_support,
                            min_confidence, max_len, exclude_bought, pop_rank
                            ) -> tuple[pd.DataFrame, int]:
    """Association-rule suggestions (mining.basket) for the same customers, popular fill-ins,
    and the number of basket rules they come from."""
    try:
        from mining import basket as _basket
    except ImportError:
        raise _BasketUnavailable("mining.basket is not available: association rules not scored.") from None
    if not hasattr(_basket, "recommend_all") or not hasattr(_basket, "mine_rules"):
        raise _BasketUnavailable("mining.basket has no mine_rules/recommend_all: association "
                                 "rules not scored.")
    past = tx[pd.to_datetime(tx["timestamp"]) < split]
    with warnings.catch_warnings():  # "no itemsets" is reported by the empty result itself
        warnings.simplefilter("ignore")
        rules = _basket.mine_rules(past, min_support=min_support, min_confidence=min_confidence,
                                   max_len=max_len, level=level, use_names=use_names)
    rec = _basket.recommend_all(rules, past, as_of=split, k=k, level=level, use_names=use_names,
                                exclude_bought=exclude_bought)
    return _fill_popular(rec, history, pop_rank, k, exclude_bought), len(rules)


def _fill_popular(rec: pd.DataFrame, history: SequenceDatabase, pop_rank: pd.Series, k: int,
                  exclude_bought: bool) -> pd.DataFrame:
    """Each customer of ``history`` (in its order): their first ``k`` rows of ``rec`` (basket
    recommendations, best first; source "rule", score the confidence), then the items of
    ``pop_rank`` in its order (source "popular", score the popularity) that are not already
    suggested (nor owned when ``exclude_bought``), up to ``k`` rows in all."""
    from mining.basket.strategies import rank_within

    n_h, n_p = len(history), len(pop_rank)
    pop_labels = list(pop_rank.index)
    pop_pos = {x: j for j, x in enumerate(pop_labels)}
    # rule rows: the customer's position in history, rank within the customer (rec is grouped
    # by customer, best first)
    if len(rec):
        r_cust = history.customer_id.get_indexer(rec.index)
        keep = r_cust >= 0
        r_cust = r_cust[keep]
        r_item = np.asarray([str(x) for x in rec["item"].to_numpy()[keep]], dtype=object)
        r_conf = rec["confidence"].to_numpy(dtype=float)[keep]
        order = np.argsort(r_cust, kind="stable")
        r_cust, r_item, r_conf = r_cust[order], r_item[order], r_conf[order]
        r_rank = rank_within(r_cust)
        first_k = r_rank < k
        r_cust, r_item, r_conf, r_rank = (x[first_k] for x in (r_cust, r_item, r_conf, r_rank))
    else:
        r_cust = r_rank = np.zeros(0, dtype=np.int64)
        r_item, r_conf = np.zeros(0, dtype=object), np.zeros(0)
    n_rule = np.bincount(r_cust, minlength=n_h)
    j = np.asarray([pop_pos.get(x, -1) for x in r_item], dtype=np.int64)
    held_seq = held = np.zeros(0, dtype=np.int64)
    if exclude_bought and n_p:
        code_pos = np.asarray([pop_pos.get(x, -1) for x in history.labels], dtype=np.int64)
        el_seq = np.repeat(np.arange(n_h), np.diff(history.seq_start))
        item_seq = np.repeat(el_seq, np.diff(history.el_start))
        held = code_pos[history.items]
        held_seq, held = item_seq[held >= 0], held[held >= 0]
    # a customer skips at most their rule items and owned items: the first `width` popular
    # items always hold the fill-ins
    n_owned = np.bincount(np.unique(held_seq * max(n_p, 1) + held) // max(n_p, 1),
                          minlength=n_h)
    width = min(n_p, k + int((n_rule + n_owned).max())) if n_h else 0
    taken = np.zeros((n_h, width), dtype=bool)  # already suggested by a rule, or owned
    use = (j >= 0) & (j < width)
    taken[r_cust[use], j[use]] = True
    use = held < width
    taken[held_seq[use], held[use]] = True
    free = np.cumsum(~taken, axis=1)
    fill = ~taken & (free <= (k - n_rule)[:, None])
    p_cust, p_j = np.nonzero(fill)
    p_rank = n_rule[p_cust] + free[p_cust, p_j] - 1
    pop_val = pop_rank.to_numpy(dtype=float)
    lab = np.asarray(pop_labels, dtype=object)
    cust = np.concatenate([r_cust, p_cust])
    order = np.lexsort((np.concatenate([r_rank, p_rank]), cust))
    out = pd.DataFrame({
        "rank": (np.concatenate([r_rank, p_rank]) + 1)[order],
        "item": np.concatenate([r_item, lab[p_j]])[order],
        "score": np.concatenate([r_conf, pop_val[p_j]])[order],
        "source": np.repeat(np.asarray(["rule", "popular"], dtype=object),
                            [len(r_cust), len(p_cust)])[order],
    }, index=pd.Index(np.asarray(history.customer_id, dtype=object)[cust[order]],
                      name="customer_id"))
    return out


def planted_vs_found(truth: pd.DataFrame, patterns: pd.DataFrame, *,
                     rules: pd.DataFrame | None = None, db: SequenceDatabase | None = None,
                     shown: pd.DataFrame | None = None, top: int = 50) -> pd.DataFrame:
    """Compare planted sequences (demo ground truth) with the patterns found.

    Parameters
    ----------
    truth : DataFrame
        ``ds.truth.sequences`` of the demo data: ``first``, ``then`` (product id or ids),
        optional ``first_name``, ``then_name``, ``min_lag_days``, ``max_lag_days``,
        ``planted_probability``.
    patterns : DataFrame
        From :func:`frequent_sequences` on product-level sequences (ids or names).
    rules : DataFrame, optional
        From :func:`sequential_rules`, for the confidence and lift of ``first => then``.
    db : SequenceDatabase, optional
        The sequences mined, for the median observed lag (earliest occurrence) of each pair.
    shown : DataFrame, optional
        The rules table the report shows, in its order (:func:`follow_up_rules`): ``rank`` is
        then the position of ``first => then`` there, and ``found`` means within the first
        ``top`` rows (a reader sees it). Without it ``rank`` counts the patterns of two or
        more elements by support and ``found`` means mined at all.
    top : int
        Rows of ``shown`` a reader is taken to see (default 50).

    Returns
    -------
    DataFrame
        One row per planted pair (first, then item): ``first``, ``then``, ``planted_probability``,
        ``planted_lag_days`` ("min-max"), ``found`` (bool), ``rank`` (1 = most frequent pattern
        of two or more elements), ``support``, ``confidence``, ``lift``, ``median_lag_days``.
    """
    need = {"first", "then"}
    if not need <= set(truth.columns):
        raise SchemaError([f"the truth table needs columns {sorted(need)}."], what="truth")
    _check_patterns(patterns, "planted_vs_found")
    multi = patterns[patterns["pattern"].map(len) >= 2].reset_index(drop=True)
    rank_of = {p: i + 1 for i, p in enumerate(multi["pattern"])}
    mined = set(rank_of)
    if shown is not None:
        rank_of = {a + c: i + 1 for i, (a, c) in enumerate(zip(shown["antecedents"],
                                                             shown["consequents"], strict=True))}
    sup_of = dict(zip(patterns["pattern"], patterns["support"], strict=True))
    conf_of: dict[Pattern, tuple[float, float]] = {}
    if rules is not None and len(rules):
        rules = _rule_table(rules, "planted_vs_found")
        for a, c, cf, lf in zip(rules["antecedents"], rules["consequents"], rules["confidence"],
                                rules["lift"], strict=True):
            conf_of[a + c] = (cf, lf)
    lag_of: dict[str, float] = {}
    vocab = {x for p in patterns["pattern"] for el in p for x in el}
    rows = []
    for r in truth.to_dict("records"):
        thens = r["then"] if isinstance(r["then"], list | tuple | np.ndarray) else [r["then"]]
        names = r.get("then_name")
        names = names if isinstance(names, list | tuple | np.ndarray) else [names] * len(thens)
        first = r["first"]
        if first not in vocab and r.get("first_name") in vocab:
            first = r.get("first_name")
        for t, tn in zip(thens, names, strict=False):
            then = t if (t in vocab or tn not in vocab) else tn
            p = ((first,), (then,))
            cf, lf = conf_of.get(p, (np.nan, np.nan))
            if db is not None and p in mined and format_pattern(p) not in lag_of:
                lg = pattern_lags(db, multi[multi["pattern"] == p], top=None)
                lag_of[format_pattern(p)] = float(lg["lag_days"].median()) if len(lg) else np.nan
            lo, hi = r.get("min_lag_days"), r.get("max_lag_days")
            rows.append({
                "first": r.get("first_name") or r["first"],
                "then": tn if isinstance(tn, str) else t,
                "planted_probability": r.get("planted_probability", np.nan),
                "planted_lag_days": f"{lo:g}-{hi:g}" if lo is not None and hi is not None else "",
                "found": (p in rank_of and (shown is None or rank_of[p] <= top)),
                "rank": rank_of.get(p, np.nan),
                "support": sup_of.get(p, np.nan),
                "confidence": cf,
                "lift": lf,
                "median_lag_days": lag_of.get(format_pattern(p), np.nan),
            })
    return pd.DataFrame(rows)
