"""Cross-selling: recommendations from rules, time-split evaluation, segments, periods, truth."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.basket._baskets import basket_matrix, item_labels, to_csr
from mining.basket._itemsets import (
    NoItemsetsWarning,
    frequent_itemsets,
    progress_enabled,
)
from mining.basket._rules import _empty_rules, association_rules
from mining.basket._scoring import rank_within
from mining.basket._words import _rule_text
from mining.engines import use_engine
from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.params import renamed_parameter

__all__ = [
    "compare_periods",
    "evaluate_time_split",
    "mine_rules",
    "planted_vs_found",
    "recommend",
    "recommend_all",
    "rule_counts",
    "rules_by_segment",
]

_REC_COLUMNS = ["rank", "item", "confidence", "lift", "rule"]


def _need_rules(rules: Any, owner: str,
                cols: tuple[str, ...] = ("antecedents", "consequents", "confidence", "lift")
                ) -> None:
    if not isinstance(rules, pd.DataFrame) or not set(cols) <= set(rules.columns):
        raise SchemaError([f"{owner} needs the rules table from association_rules (columns "
                           f"{', '.join(cols)})."], what="rules")


def _need_tx(tx: Any, owner: str, cols: tuple[str, ...]) -> None:
    if not isinstance(tx, pd.DataFrame):
        raise SchemaError([f"{owner} needs a transactions DataFrame."])
    missing = [c for c in cols if c not in tx.columns]
    if missing:
        raise SchemaError([f"{owner} needs the column {c!r}." for c in missing])


def _check_k(k: Any, owner: str) -> None:
    check_param(isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1, "k", owner,
                "an int >= 1", k)


@renamed_parameter("exclude_owned", "exclude_bought")
def recommend(rules: pd.DataFrame, basket: Iterable[Any], *, k: int = 5,
              exclude_bought: bool = True) -> pd.DataFrame:
    """Rank items to offer one basket (or one customer's history) by the rules that fire.

    A rule fires when all its antecedents are in ``basket``; each consequent item it names
    scores the rule's confidence, and an item keeps its best rule (ties: higher lift).

    Parameters
    ----------
    rules : DataFrame
        From :func:`association_rules`.
    basket : iterable of item labels
        What the customer has (same labels as the rules: names or ids).
    k : int
        How many items at most.
    exclude_bought : bool
        Never recommend an item already in ``basket`` (the name :mod:`mining.sequence` uses;
        ``exclude_owned``, its name before 0.2, works for one more release with a
        ``DeprecationWarning``).

    Returns
    -------
    DataFrame
        Up to ``k`` rows, best first: ``rank`` (1..k), ``item``, ``confidence`` (of the best
        firing rule), ``lift``, ``rule`` ("bread, butter -> jam"). Empty when no rule fires.

    Examples
    --------
    >>> import pandas as pd
    >>> rules = pd.DataFrame({"antecedents": [frozenset({"bread"})],
    ...     "consequents": [frozenset({"jam"})], "confidence": [0.6], "lift": [3.0]})
    >>> recommend(rules, ["bread", "milk"])[["item", "confidence"]].values.tolist()
    [['jam', 0.6]]
    """
    owner = "recommend"
    _need_rules(rules, owner)
    _check_k(k, owner)
    if isinstance(basket, str):
        raise ParameterError("recommend: basket must be a list of item labels, not one string. "
                             f"Write [{basket!r}].")
    have = {str(x) for x in basket}
    best: dict[str, tuple[float, float, str]] = {}
    for a, c, conf, lift in zip(rules["antecedents"], rules["consequents"], rules["confidence"],
                                rules["lift"], strict=True):
        if not a <= have:
            continue
        for item in c:
            if exclude_bought and item in have:
                continue
            cand = (float(conf), float(lift), _rule_text(a, c))
            old = best.get(item)
            if old is None or (cand[0], cand[1]) > (old[0], old[1]):
                best[item] = cand
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:k]
    return pd.DataFrame({
        "rank": np.arange(1, len(ranked) + 1, dtype=np.int64),
        "item": pd.Series([i for i, _ in ranked], dtype=object),
        "confidence": [v[0] for _, v in ranked],
        "lift": [v[1] for _, v in ranked],
        "rule": pd.Series([v[2] for _, v in ranked], dtype=object),
    })


def _history(tx: pd.DataFrame, labels: pd.Series, vocab: dict[str, int],
             customers: pd.Index) -> sp.csr_matrix:
    """Customers x items (bool) from lines already restricted in time."""
    codes = labels.map(vocab).to_numpy(dtype=float)
    cust = customers.get_indexer(tx["customer_id"].astype("string"))
    ok = ~np.isnan(codes) & (cust >= 0)
    m = sp.csr_matrix((np.ones(int(ok.sum()), dtype=bool), (cust[ok], codes[ok].astype(np.int64))),
                      shape=(len(customers), len(vocab)))
    m.sum_duplicates()
    m.data[:] = True
    return m


def _incidence(sets: Iterable[frozenset], vocab: dict[str, int]) -> sp.csr_matrix:
    rows, cols = [], []
    n = 0
    for i, s in enumerate(sets):
        n = i + 1
        for x in s:
            rows.append(i)
            cols.append(vocab[str(x)])
    return sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)),
                         shape=(n, len(vocab)))




def _score_all(rules: pd.DataFrame, hist: sp.csr_matrix, vocab: dict[str, int], k: int,
               exclude_bought: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer row, rule row, item code) of the top-k recommendations, best first per row."""
    ra = _incidence(rules["antecedents"], vocab)
    rc = _incidence(rules["consequents"], vocab)
    a_len = np.asarray(ra.sum(axis=1)).ravel()
    hits = (hist.astype(np.int32) @ ra.T).tocoo()
    fired = hits.data == a_len[hits.col]
    cust, rule = hits.row[fired], hits.col[fired]
    # rules with empty antecedents fire for everyone
    empty = np.flatnonzero(a_len == 0)
    if empty.size:
        cust = np.concatenate([cust, np.repeat(np.arange(hist.shape[0]), empty.size)])
        rule = np.concatenate([rule, np.tile(empty, hist.shape[0])])
    if cust.size == 0:
        z = np.array([], dtype=np.int64)
        return z, z, z
    per = np.diff(rc.indptr)[rule]
    cust = np.repeat(cust, per)
    rule_rep = np.repeat(rule, per)
    starts = np.repeat(rc.indptr[rule], per)
    offs = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
    item = rc.indices[starts + offs]
    if exclude_bought and item.size:
        owned = np.asarray(hist[cust, item]).ravel().astype(bool)
        cust, rule_rep, item = cust[~owned], rule_rep[~owned], item[~owned]
    conf = rules["confidence"].to_numpy(dtype=float)[rule_rep]
    lift = rules["lift"].to_numpy(dtype=float)[rule_rep]
    # best rule per (customer, item), then best items per customer
    order = np.lexsort((rule_rep, -lift, -conf, item, cust))
    cust, rule_rep, item, conf, lift = (x[order] for x in (cust, rule_rep, item, conf, lift))
    first = np.ones(len(cust), dtype=bool)
    first[1:] = (cust[1:] != cust[:-1]) | (item[1:] != item[:-1])
    cust, rule_rep, item, conf, lift = (x[first] for x in (cust, rule_rep, item, conf, lift))
    order = np.lexsort((item, -lift, -conf, cust))
    cust, rule_rep, item = cust[order], rule_rep[order], item[order]
    top = rank_within(cust) < k
    return cust[top], rule_rep[top], item[top]


def _prepare(tx: pd.DataFrame, owner: str, level: str, use_names: bool,
             labels: pd.Series | None = None) -> pd.Series:
    _need_tx(tx, owner, ("customer_id", "order_id", "timestamp"))
    if labels is None:
        labels = item_labels(tx, level=level, use_names=use_names, owner=owner)
    return labels


@renamed_parameter("exclude_owned", "exclude_bought")
def recommend_all(
    rules: pd.DataFrame,
    tx: pd.DataFrame,
    *,
    as_of: Any,
    k: int = 5,
    level: str = "product",
    use_names: bool = True,
    exclude_bought: bool = True,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Top-k cross-sell recommendations for every customer at once (sparse, vectorised).

    Each customer's history is every item bought before ``as_of``; a rule fires when all its
    antecedents are in the history; items score the best firing rule's confidence.

    Parameters
    ----------
    rules : DataFrame
        From :func:`association_rules`, with labels of the same ``level``/``use_names``.
    tx : DataFrame
        Clean transactions; only lines with ``timestamp < as_of`` are used.
    as_of : str or Timestamp
        Cut-off (required; no silent "latest date").
    k : int
        Items per customer at most.
    level, use_names : as :func:`basket_matrix`
    exclude_bought : bool
        Never recommend what the customer already bought (``exclude_owned`` before 0.2, still
        accepted for one release with a ``DeprecationWarning``).
    progress : bool, optional
        Progress bar (None: only when stderr is a terminal).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (several rows per customer), columns ``rank`` (1..k),
        ``item``, ``confidence``, ``lift``, ``rule``. Customers for whom no rule fires are
        absent.
    """
    owner = "recommend_all"
    _need_rules(rules, owner)
    _check_k(k, owner)
    if as_of is None:
        raise ParameterError("recommend_all: pass as_of= (the cut-off date of the histories).")
    labels = _prepare(tx, owner, level, use_names)
    return _recommend_all(rules, tx, labels, pd.Timestamp(as_of), k, exclude_bought, progress)


def _recommend_all(rules: pd.DataFrame, tx: pd.DataFrame, labels: pd.Series, as_of: pd.Timestamp,
                   k: int, exclude_bought: bool, progress: bool | None) -> pd.DataFrame:
    from tqdm.auto import tqdm

    before = (tx["timestamp"] < as_of).to_numpy()
    past, lab = tx.loc[before], labels.loc[before]
    customers = pd.Index(pd.unique(past["customer_id"].astype("string")), name="customer_id")
    rule_items = {str(x) for col in ("antecedents", "consequents") for s in rules[col] for x in s}
    names = sorted(set(lab.dropna().astype(str).unique()) | rule_items)
    vocab = {name: i for i, name in enumerate(names)}
    with tqdm(total=2, desc="recommend", disable=not progress_enabled(progress), leave=False) as bar:
        hist = _history(past, lab, vocab, customers)
        bar.update(1)
        if len(rules) == 0 or len(customers) == 0:
            cust = rule = item = np.array([], dtype=np.int64)
        else:
            cust, rule, item = _score_all(rules, hist, vocab, k, exclude_bought)
        bar.update(1)
    texts = [_rule_text(a, c) for a, c in zip(rules["antecedents"], rules["consequents"],
                                              strict=True)]
    out = pd.DataFrame({
        "rank": rank_within(cust) + 1,
        "item": np.asarray(names, dtype=object)[item],
        "confidence": rules["confidence"].to_numpy(dtype=float)[rule],
        "lift": rules["lift"].to_numpy(dtype=float)[rule],
        "rule": np.asarray(texts, dtype=object)[rule] if texts else np.array([], dtype=object),
    }, index=pd.Index(customers[cust] if len(cust) else [], dtype="string", name="customer_id"))
    return out


def _popular(past: pd.DataFrame, lab: pd.Series, customers: pd.Index, k: int,
             exclude_bought: bool) -> pd.DataFrame:
    """Popularity baseline: the items in most orders before the cut-off, not yet owned."""
    pop = (pd.DataFrame({"o": past["order_id"].to_numpy(), "i": lab.to_numpy()})
           .drop_duplicates()["i"].value_counts(sort=False).reset_index())
    pop.columns = ["item", "n"]
    pop = pop.sort_values(["n", "item"], ascending=[False, True], kind="stable")
    names = pop["item"].astype(str).tolist()
    vocab = {name: i for i, name in enumerate(names)}
    hist = _history(past, lab, vocab, customers)
    max_owned = int(np.diff(hist.indptr).max()) if hist.shape[0] else 0
    t = min(len(names), k + (max_owned if exclude_bought else 0))
    cust = np.repeat(np.arange(len(customers)), t)
    item = np.tile(np.arange(t), len(customers))
    if exclude_bought and len(cust):
        owned = np.asarray(hist[cust, item]).ravel().astype(bool)
        cust, item = cust[~owned], item[~owned]
    top = rank_within(cust) < k
    return pd.DataFrame({"item": np.asarray(names, dtype=object)[item[top]]},
                        index=pd.Index(customers[cust[top]], name="customer_id"))


def mine_rules(
    tx: pd.DataFrame,
    *,
    min_support: float,
    min_confidence: float = 0.3,
    max_len: int | None = 3,
    level: str = "product",
    use_names: bool = True,
    algorithm: str = "fast",
    progress: bool | None = None,
    engine: str = "pandas",
    **rule_options: Any,
) -> pd.DataFrame:
    """Transactions -> baskets -> itemsets -> rules in one call (confidence threshold).

    ``engine="spark"`` builds the baskets and mines the itemsets with Spark MLlib (same
    result; ``tx`` may then be a Spark DataFrame or a Parquet/CSV path, and ``algorithm`` and
    ``progress`` do not apply). ``rule_options`` go to :func:`association_rules`
    (``prune_redundant``, ``significance``, ``max_rules``, ...). ``algorithm`` defaults to
    ``"fast"`` here because helpers that mine several times (segments, periods, evaluation)
    should not wait; the itemsets are identical. Returns the rules table of
    :func:`association_rules` (before 0.2 with ``attrs`` ``n_itemsets`` and ``min_count``).
    """
    local = functools.partial(_itemsets_from_tx, algorithm=algorithm, progress=progress)
    mine = use_engine(engine, local, "mining.basket._spark:frequent_itemsets_spark",
                      owner="mine_rules")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoItemsetsWarning)
        fi = mine(tx, min_support=min_support, max_len=max_len, level=level,
                  use_names=use_names)
        return association_rules(fi, metric="confidence", min_threshold=min_confidence,
                                 progress=progress, **rule_options)


def _itemsets_from_tx(tx: pd.DataFrame, *, min_support: float, max_len: int | None, level: str,
                      use_names: bool, algorithm: str, progress: bool | None) -> pd.DataFrame:
    """The pandas engine of :func:`mine_rules`' itemsets: baskets, then frequent itemsets."""
    baskets = basket_matrix(tx, level=level, use_names=use_names)
    return frequent_itemsets(baskets, min_support=min_support, max_len=max_len,
                             algorithm=algorithm, progress=progress)


def evaluate_time_split(
    tx: pd.DataFrame,
    *,
    split_date: Any,
    min_support: float,
    min_confidence: float = 0.3,
    k: int = 5,
    max_len: int | None = 3,
    level: str = "product",
    use_names: bool = True,
    algorithm: str = "fast",
    horizon_days: float | None = None,
    progress: bool | None = None,
    **rule_options: Any,
) -> pd.DataFrame:
    """Mine rules on orders before ``split_date``, test the recommendations on later orders.

    Evaluated customers: bought before the split and bought at least one *new* item (not in
    their history) from ``split_date`` on (within ``horizon_days`` when given). Both methods
    recommend only items the customer does not own yet.

    Returns
    -------
    DataFrame
        Index ``method`` ("association rules", "popularity"); columns ``k``,
        ``n_customers`` (evaluated), ``n_rules`` (rules the method draws on: those mined before
        the split, 0 for popularity), ``coverage`` (share who got at least one
        recommendation), ``hit_rate`` (share with at least one recommended item among their
        new items), ``precision_at_k`` (mean hits / k), ``recall_at_k`` (mean hits / new
        items). (Before 0.2 ``n_rules`` was in ``attrs``.)
    """
    owner = "evaluate_time_split"
    _check_k(k, owner)
    _need_tx(tx, owner, ("customer_id", "order_id", "timestamp", "product_id"))
    if split_date is None:
        raise ParameterError(f"{owner}: pass split_date= (rules learn from orders before it).")
    split = pd.Timestamp(split_date)
    labels = item_labels(tx, level=level, use_names=use_names, owner=owner)
    ts = tx["timestamp"]
    before = (ts < split).to_numpy()
    after = (ts >= split).to_numpy()
    if horizon_days is not None:
        after &= (ts < split + pd.Timedelta(days=float(horizon_days))).to_numpy()
    if not before.any() or not after.any():
        raise InsufficientDataError(
            f"{owner}: split_date {split:%Y-%m-%d} leaves no orders on one side (data from "
            f"{ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}); choose a date inside that range.")
    past = tx.loc[before].assign(_item=labels.loc[before].to_numpy())
    rules = mine_rules(past.assign(product_id=past["_item"]).drop(columns=["product_name", "_item"],
                                                                    errors="ignore"),
                       min_support=min_support, min_confidence=min_confidence, max_len=max_len,
                       level="product", use_names=False, algorithm=algorithm,
                       progress=progress, **rule_options)
    recs = _recommend_all(rules, tx, labels, split, k, True, progress)
    customers = pd.Index(pd.unique(past["customer_id"].astype("string")), name="customer_id")
    pop = _popular(past, labels.loc[before], customers, k, True)
    # new items bought after the split
    fut = pd.DataFrame({"customer_id": tx.loc[after, "customer_id"].astype("string").to_numpy(),
                        "item": labels.loc[after].astype(str).to_numpy()}).drop_duplicates()
    own = pd.DataFrame({"customer_id": past["customer_id"].astype("string").to_numpy(),
                        "item": past["_item"].astype(str).to_numpy()}).drop_duplicates()
    fut = fut.merge(own.assign(_own=True), how="left", on=["customer_id", "item"])
    fut = fut[fut["_own"].isna() & fut["customer_id"].isin(customers)].drop(columns="_own")
    n_new = fut.groupby("customer_id").size()
    evaluated = n_new.index
    rows = {}
    n_rules = {"association rules": len(rules), "popularity": 0}
    for method, rec in (("association rules", recs), ("popularity", pop)):
        r = rec.reset_index()[["customer_id", "item"]]
        r = r[r["customer_id"].isin(evaluated)]
        hit = r.merge(fut, on=["customer_id", "item"], how="inner").groupby("customer_id").size()
        hits = hit.reindex(evaluated, fill_value=0).to_numpy(dtype=float)
        got = r.groupby("customer_id").size().reindex(evaluated, fill_value=0).to_numpy()
        m = len(evaluated)
        rows[method] = {
            "k": k, "n_customers": m, "n_rules": n_rules[method],
            "coverage": float((got > 0).mean()) if m else np.nan,
            "hit_rate": float((hits > 0).mean()) if m else np.nan,
            "precision_at_k": float((hits / k).mean()) if m else np.nan,
            "recall_at_k": float((hits / n_new.to_numpy()).mean()) if m else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "method"
    return out


def rule_counts(rules: pd.DataFrame, baskets: pd.DataFrame) -> pd.DataFrame:
    """Re-count given rules on (other) baskets: support, confidence and lift there.

    Returns
    -------
    DataFrame
        Same index as ``rules``; columns ``antecedent_count``, ``consequent_count``, ``count``,
        ``support``, ``confidence``, ``lift`` (NaN where the antecedents never occur).
    """
    _need_rules(rules, "rule_counts", ("antecedents", "consequents"))
    csr, labels = to_csr(baskets, "rule_counts")
    n = csr.shape[0]
    vocab = {name: i for i, name in enumerate(labels)}
    extra = sorted({str(x) for col in ("antecedents", "consequents") for s in rules[col]
                    for x in s} - set(vocab))
    for name in extra:
        vocab[name] = len(vocab)
    b = sp.csr_matrix((csr.data, csr.indices, csr.indptr), shape=(n, len(vocab))).astype(np.int32)

    def count(sets: Iterable[frozenset]) -> np.ndarray:
        inc = _incidence(sets, vocab)
        size = np.asarray(inc.sum(axis=1)).ravel()
        hit = (b @ inc.T).tocoo()
        ok = hit.data == size[hit.col]
        out = np.bincount(hit.col[ok], minlength=inc.shape[0]).astype(np.int64)
        return np.where(size == 0, n, out)  # the empty set is in every basket

    both = [a | c for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)]
    c_a, c_c, c_ac = count(rules["antecedents"]), count(rules["consequents"]), count(both)
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.where(c_a > 0, c_ac / np.maximum(c_a, 1), np.nan)
        lift = np.where(c_c > 0, conf / (c_c / max(n, 1)), np.nan)
    return pd.DataFrame({"antecedent_count": c_a, "consequent_count": c_c, "count": c_ac,
                         "support": c_ac / max(n, 1), "confidence": conf, "lift": lift},
                        index=rules.index)


def rules_by_segment(
    tx: pd.DataFrame,
    labels: pd.Series,
    *,
    min_support: float,
    min_confidence: float = 0.3,
    max_len: int | None = 3,
    level: str = "product",
    use_names: bool = True,
    algorithm: str = "fast",
    min_baskets: int = 20,
    progress: bool | None = None,
    **rule_options: Any,
) -> pd.DataFrame:
    """Association rules mined separately inside each customer segment.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions.
    labels : Series
        Segment label per customer, indexed by ``customer_id`` (e.g. ``mining.segment``
        labels or RFM segment names). Customers without a label are left out.
    min_support, min_confidence, max_len, level, use_names, algorithm
        As :func:`mine_rules`; support is a share of *that segment's* baskets.
    min_baskets : int
        Segments with fewer baskets are skipped (a warning lists them).

    Returns
    -------
    DataFrame
        The rules tables stacked, with first columns ``segment`` and ``n_baskets`` (that
        segment's baskets: ``support`` is a share of them). (Before 0.2 ``n_baskets`` and the
        skipped segments were in ``attrs``.)
    """
    owner = "rules_by_segment"
    _need_tx(tx, owner, ("customer_id", "order_id"))
    if not isinstance(labels, pd.Series):
        raise ParameterError(f"{owner}: labels must be a Series of segment labels indexed by "
                             "customer_id.")
    from tqdm.auto import tqdm

    lab = labels.dropna()
    lab.index = lab.index.astype("string")
    seg = tx["customer_id"].astype("string").map(lab)
    parts, skipped = [], []
    values = sorted(seg.dropna().unique().tolist(), key=str)
    if not values:
        raise InsufficientDataError(f"{owner}: no customer of the transactions has a label; "
                                    "check that labels is indexed by customer_id.")
    for value in tqdm(values, desc="segments", disable=not progress_enabled(progress), leave=False):
        sub = tx.loc[(seg == value).to_numpy()]
        n_b = sub["order_id"].nunique()
        if n_b < min_baskets:
            skipped.append(value)
            continue
        r = mine_rules(sub, min_support=min_support, min_confidence=min_confidence,
                       max_len=max_len, level=level, use_names=use_names, algorithm=algorithm,
                       progress=False, **rule_options)
        parts.append(r.assign(segment=value, n_baskets=int(n_b)))
    if skipped:
        warnings.warn(f"{owner}: segments {skipped} have fewer than {min_baskets} baskets and "
                      "were skipped; lower min_baskets to include them.", RuntimeWarning,
                      stacklevel=2)
    if parts:
        out = pd.concat(parts, ignore_index=True)
    else:
        out = _empty_rules().assign(segment=pd.Series(dtype=object),
                                    n_baskets=pd.Series(dtype="int64"))
    first = ["segment", "n_baskets"]
    return out[[*first, *[c for c in out.columns if c not in first]]]


def compare_periods(
    tx: pd.DataFrame,
    *,
    split_date: Any,
    min_support: float,
    min_confidence: float = 0.3,
    max_len: int | None = 3,
    level: str = "product",
    use_names: bool = True,
    algorithm: str = "fast",
    progress: bool | None = None,
    **rule_options: Any,
) -> pd.DataFrame:
    """Which rules appeared, disappeared or changed lift between two periods.

    Orders before ``split_date`` form the first period, the rest the second. Rules are mined
    in each with the same thresholds; a rule found in only one period is re-counted in the
    other, so every row has both periods' measures.

    Returns
    -------
    DataFrame
        Columns ``antecedents``, ``consequents``, ``rule`` (text), ``status`` ("appeared",
        "disappeared", "kept"), ``support_before``, ``confidence_before``, ``lift_before``,
        ``support_after``, ``confidence_after``, ``lift_after``, ``lift_change``
        (after - before); sorted by status then by the size of the lift change. The rules of
        the first period are the rows with status "kept" or "disappeared", of the second
        "kept" or "appeared" (before 0.2 their numbers were in ``attrs``).
    """
    owner = "compare_periods"
    _need_tx(tx, owner, ("customer_id", "order_id", "timestamp", "product_id"))
    if split_date is None:
        raise ParameterError(f"{owner}: pass split_date= (the start of the second period).")
    split = pd.Timestamp(split_date)
    labels = item_labels(tx, level=level, use_names=use_names, owner=owner)
    t = tx.assign(product_id=labels.to_numpy()).drop(columns=["product_name"], errors="ignore")
    first, second = t.loc[(t["timestamp"] < split).to_numpy()], t.loc[(t["timestamp"] >= split).to_numpy()]
    if first.empty or second.empty:
        raise InsufficientDataError(f"{owner}: split_date {split:%Y-%m-%d} leaves one period "
                                    "without orders; choose a date inside the data's range.")
    opts = {"min_support": min_support, "min_confidence": min_confidence, "max_len": max_len,
            "level": "product", "use_names": False, "algorithm": algorithm, "progress": progress,
            **rule_options}
    r1, r2 = mine_rules(first, **opts), mine_rules(second, **opts)
    key = ["antecedents", "consequents"]
    both = pd.concat([r1[key], r2[key]], ignore_index=True).drop_duplicates(ignore_index=True)
    m1 = rule_counts(both, basket_matrix(first, use_names=False))
    m2 = rule_counts(both, basket_matrix(second, use_names=False))
    in1 = set(zip(r1["antecedents"], r1["consequents"], strict=True))
    in2 = set(zip(r2["antecedents"], r2["consequents"], strict=True))
    pairs = list(zip(both["antecedents"], both["consequents"], strict=True))
    status = ["kept" if p in in1 and p in in2 else "disappeared" if p in in1 else "appeared"
              for p in pairs]
    out = pd.DataFrame({
        "antecedents": both["antecedents"], "consequents": both["consequents"],
        "rule": [_rule_text(a, c) for a, c in pairs], "status": status,
        "support_before": m1["support"], "confidence_before": m1["confidence"],
        "lift_before": m1["lift"], "support_after": m2["support"],
        "confidence_after": m2["confidence"], "lift_after": m2["lift"],
    })
    out["lift_change"] = out["lift_after"] - out["lift_before"]
    rank = out["status"].map({"appeared": 0, "disappeared": 1, "kept": 2})
    out = (out.assign(_r=rank, _c=-out["lift_change"].abs().fillna(np.inf))
           .sort_values(["_r", "_c", "rule"], kind="stable").drop(columns=["_r", "_c"])
           .reset_index(drop=True))
    return out


def planted_vs_found(rules: pd.DataFrame, planted: pd.DataFrame, *,
                     top: int | None = None) -> pd.DataFrame:
    """Compare rules planted in synthetic data (``ds.truth.cross_sell_rules``) with found rules.

    A planted rule counts as found when a rule with the same antecedents and consequents is in
    ``rules`` (matched on product names or on product ids, whichever the rules use) and, with
    ``top``, only when it is among the first ``top`` rows of ``rules`` as given: pass the rules
    in the order the report shows them, so "found" means a reader sees it.

    Returns
    -------
    DataFrame
        One row per planted rule: ``planted`` (text), ``planted_confidence``, ``found``,
        ``rank`` (1-based position in ``rules``, NaN if absent), ``confidence``, ``lift``.
    """
    _need_rules(rules, "planted_vs_found")
    if not isinstance(planted, pd.DataFrame) or not {"antecedents", "consequents"} <= set(planted.columns):
        raise SchemaError(["planted_vs_found needs the planted rules table "
                           "(antecedents, consequents, ...)."], what="planted rules")
    pos = {(frozenset(map(str, a)), frozenset(map(str, c))): i
           for i, (a, c) in enumerate(zip(rules["antecedents"], rules["consequents"], strict=True))}
    rows = []
    for _, p in planted.iterrows():
        keys = [(frozenset(map(str, p["antecedents"])), frozenset(map(str, p["consequents"])))]
        if "antecedent_names" in planted.columns and "consequent_names" in planted.columns:
            keys.insert(0, (frozenset(map(str, p["antecedent_names"])),
                            frozenset(map(str, p["consequent_names"]))))
        hit = next((pos[k] for k in keys if k in pos), None)
        if hit is not None and top is not None and hit >= top:
            rows.append({"planted": _rule_text(*keys[0]),
                         "planted_confidence": p.get("planted_confidence", np.nan),
                         "found": False, "rank": hit + 1,
                         "confidence": rules["confidence"].iloc[hit],
                         "lift": rules["lift"].iloc[hit]})
            continue
        a, c = keys[0]
        rows.append({
            "planted": _rule_text(a, c),
            "planted_confidence": p.get("planted_confidence", np.nan),
            "found": hit is not None,
            "rank": hit + 1 if hit is not None else np.nan,
            "confidence": rules["confidence"].iloc[hit] if hit is not None else np.nan,
            "lift": rules["lift"].iloc[hit] if hit is not None else np.nan,
        })
    return pd.DataFrame(rows, columns=["planted", "planted_confidence", "found", "rank",
                                       "confidence", "lift"])
