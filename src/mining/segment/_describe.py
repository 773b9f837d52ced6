"""Concept description (概念描述) of a segmentation: profiles, readable names and rules.

:func:`describe_segments` takes any labelling of a customer table and returns a
:class:`SegmentDescription`: size and revenue share per segment, feature means against the
overall mean, standardized means (the heat map), top categories and focus, a readable unique
name per segment (:func:`name_segments`, the documented naming rule) and a shallow decision tree
whose leaves are plain-language membership rules.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from mining.errors import check_param
from mining.params import RandomState, seed_from
from mining.segment._features import (
    NOISE,
    SHARE_PREFIX,
    LogSkewed,
    _check_size,
    _check_table,
    _labels_series,
    _resolve_features,
    derive_features,
)

#: The description tree is fitted on a random sample of at most this many customers (its
#: fidelity and leaf counts still use every customer).
TREE_MAX_CUSTOMERS = 200_000


@dataclass(frozen=True)
class SegmentDescription:
    """Concept description (概念描述) of a segmentation.

    Attributes
    ----------
    profile : DataFrame
        Indexed by ``segment`` (int; -1 = noise). Columns: ``name`` (readable, unique),
        ``n_customers``, ``share_customers`` (0-1), ``revenue`` (sum of the revenue column, same
        currency as ``unit_price``; NaN without one), ``share_revenue`` (0-1), ``top_categories``
        (e.g. "toys 45%, garden 20%": share of the segment's spend, or of its mean shares without a
        revenue column; "" without ``share_*`` columns).
    means : DataFrame
        Segment x numeric column: mean value in the column's own units (days, orders, money).
    ratios : DataFrame
        ``means`` divided by the overall mean (1.0 = average; NaN where the overall mean is 0).
    standardized : DataFrame
        Segment x clustering feature: mean of the standardized feature (mean 0, sd 1 over all
        customers) after log1p of skewed non-negative columns, as the clustering sees it; in
        standard deviations from the average customer. The snake plot / heat map reads this.
    rules : DataFrame
        One row per leaf of the description tree: ``segment``, ``name``, ``rule`` ("recency_days
        <= 45 and n_orders >= 7 -> frequent high spenders"), ``conditions``, ``n_customers`` (in
        the leaf), ``precision`` (share of the leaf that is in ``segment``), ``coverage`` (share of
        ``segment`` that falls in the leaf).
    fidelity : float
        Share of customers whose segment the rules reproduce (accuracy of the tree on the
        customers it describes; 1.0 = the rules are the segmentation).
    tree : DecisionTreeClassifier
        The fitted tree, on the raw feature values (missing values filled with the median).
    features : list of str
        The columns the tree and ``standardized`` use.
    """

    profile: pd.DataFrame
    means: pd.DataFrame
    ratios: pd.DataFrame
    standardized: pd.DataFrame
    rules: pd.DataFrame
    fidelity: float
    tree: DecisionTreeClassifier
    features: list[str] = field(default_factory=list)

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> readable name."""
        return self.profile["name"].to_dict()


# The vocabulary of the naming rule: (column, word if the segment mean is high, word if low).
_ADJECTIVES: tuple[tuple[str, str | None, str | None], ...] = (
    ("recency_days", "lapsed", "active"),
    ("tenure_days", "loyal", "new"),
    ("n_orders", "frequent", "occasional"),
    ("spend_trend", "growing", "fading"),
    ("units_per_line", "bulk", None),
)
_MONEY = ("monetary_total", "monetary_mean_order", "mean_unit_price")
#: A standardized segment mean at least this far from 0 earns a word in the segment's name.
NAME_Z = 0.5
#: A category is a segment's focus when it takes at least this share of the segment's spend ...
FOCUS_SHARE = 0.30
#: ... and at least this many times its share of all customers' spend.
FOCUS_LIFT = 1.5


#: A segment where at least this share of the customers (60%) placed exactly one order is named
#: "one-time" (instead of "occasional").
ONE_TIME_SHARE = 0.6


def _noun(z: dict[str, float]) -> str | None:
    total, mean_order = z.get("monetary_total"), z.get("monetary_mean_order")
    price = z.get("mean_unit_price")
    price = price if price is not None and np.isfinite(price) else None
    total = total if total is not None and np.isfinite(total) else None
    # the price level and the total spend compete: the more extreme of the two names the segment
    # (champions buy dearer products but above all spend much; one-timers spend little)
    candidates = []
    if price is not None and abs(price) >= NAME_Z:
        candidates.append((abs(price), "big-ticket buyers" if price > 0 else "bargain hunters"))
    if total is not None and abs(total) >= NAME_Z:
        candidates.append((abs(total), "high spenders" if total > 0 else "low spenders"))
    if candidates:
        return max(candidates, key=lambda t: t[0])[1]
    if total is None and mean_order is None:
        return None if price is None else "mid spenders"
    if mean_order is not None and mean_order <= -NAME_Z:
        return "bargain hunters"
    if mean_order is not None and mean_order >= NAME_Z:
        return "big-ticket buyers"
    return "mid spenders"


@dataclass
class _NameParts:
    """Pieces of one segment's name: adjectives in use, spare adjectives, noun, focus suffix."""

    adjectives: list[tuple[str, str]]  # (column, word), strongest first
    spare: list[tuple[str, str]]
    noun: str
    focus: str | None
    number: int = 0

    def text(self) -> str:
        order = [c for c, _, _ in _ADJECTIVES]
        adj = [w for _, w in sorted(self.adjectives, key=lambda cw: order.index(cw[0]))]
        name = " ".join([*adj, self.noun])
        if self.focus:
            name += f" ({self.focus} lovers)"
        if self.number:
            name += f" {self.number}"
        return name

    def refine(self) -> bool:
        """Add the next strongest adjective; False when there is none left."""
        if self.spare:
            self.adjectives.append(self.spare.pop(0))
            return True
        return False


def _name_parts(z: dict[str, float], focus: str | None, one_time: float = 0.0) -> _NameParts:
    words = []
    for col, high, low in _ADJECTIVES:
        v = z.get(col)
        if col == "n_orders" and one_time >= ONE_TIME_SHARE:
            words.append((math.inf, col, "one-time"))  # the defining trait comes first
            continue
        if v is None or not np.isfinite(v):
            continue
        if v >= NAME_Z and high:
            words.append((abs(v), col, high))
        elif v <= -NAME_Z and low:
            words.append((abs(v), col, low))
    words.sort(key=lambda t: -t[0])
    cw = [(c, w) for _, c, w in words]
    noun = _noun(z)
    if noun is None:
        # no money columns: describe by the most distinctive features instead
        vocab = {c for c, _, _ in _ADJECTIVES}
        top = sorted((kv for kv in z.items() if np.isfinite(kv[1]) and kv[0] not in vocab),
                     key=lambda kv: -abs(kv[1]))
        noun = " and ".join(f"{'high' if v > 0 else 'low'} {k}" for k, v in top[:2])
        noun = f"customers with {noun}" if noun else "customers"
        if cw:
            noun = noun.replace("customers with", "with") if top else "customers"
    return _NameParts(adjectives=cw[:1], spare=cw[1:], noun=noun, focus=focus)


def name_segments(
    z: pd.DataFrame,
    focus: Mapping[int, str | None] | None = None,
    sizes: Mapping[int, int] | pd.Series | None = None,
    *,
    one_time: Mapping[int, float] | pd.Series | None = None,
) -> dict[int, str]:
    """Readable unique segment names from standardized segment means (the naming rule).

    Parameters
    ----------
    z : DataFrame
        Segment x column: the segment's mean in standard deviations from the average customer
        (as ``SegmentDescription.standardized``, over the columns the rule reads).
    focus : mapping of segment -> category or None, optional
        The segment's focus category, added as "(toys lovers)". Default: none.
    sizes : mapping or Series of segment -> number of customers, optional
        When only a number can tell two names apart the larger segment keeps the plain name.
        Default: equal sizes (the lower segment number keeps it).
    one_time : mapping or Series of segment -> share of customers with exactly one order, optional
        A segment where at least ``ONE_TIME_SHARE`` (60%) of the customers ordered once is
        "one-time" rather than "occasional", and that word comes first. Default: none.

    Returns
    -------
    dict of int -> str
        The rule is stated in the notes of :func:`describe_segments`; noise (-1) is
        "unassigned (noise)".

    Examples
    --------
    >>> z = pd.DataFrame({"recency_days": [1.2, -0.8], "monetary_total": [-0.9, 1.1]})
    >>> name_segments(z)
    {0: 'lapsed low spenders', 1: 'active high spenders'}
    """
    focus = {} if focus is None else focus
    sizes = {} if sizes is None else sizes
    one_time = {} if one_time is None else one_time
    parts: dict[int, _NameParts] = {}
    names: dict[int, str] = {}
    for seg in z.index:
        if seg == NOISE:
            names[seg] = "unassigned (noise)"
            continue
        parts[seg] = _name_parts({k: float(v) for k, v in z.loc[seg].items()}, focus.get(seg),
                                 float(one_time.get(seg, 0.0)))
    # largest segment first: it keeps the plain name when only a number can tell names apart
    order = sorted(parts, key=lambda s: (-int(sizes.get(s, 0)), s))
    for _ in range(len(_ADJECTIVES)):
        groups: dict[str, list[int]] = {}
        for s in order:
            groups.setdefault(parts[s].text(), []).append(s)
        clashes = [g for g in groups.values() if len(g) > 1]
        changed = False
        for g in clashes:
            for s in g:
                changed |= parts[s].refine()
        if not changed:
            break
    counts: dict[str, int] = {}
    for s in order:
        base = parts[s].text()
        counts[base] = counts.get(base, 0) + 1
        if counts[base] > 1:
            parts[s].number = counts[base]
        names[s] = parts[s].text()
    return names


def _standardized_means(num: pd.DataFrame, labels: np.ndarray, cols: list[str]) -> pd.DataFrame:
    """Segment means after log1p of skewed columns and standardization (mean 0, sd 1)."""
    T = LogSkewed(columns="auto").fit_transform(num[cols])
    mu, sd = T.mean(), T.std(ddof=0)
    Zs = (T - mu) / sd.where(sd > 0)
    out = Zs.groupby(labels).mean()
    out.index.name = "segment"
    return out


def short_number(v: float) -> str:
    """A number as a tree or rule label writes it: thousands separators from 1,000, no
    trailing zeros (``12.5``, ``0.25``, ``1,234``)."""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _condition(col: str, lo: float | None, hi: float | None, integer: bool) -> str:
    """Plain text for lo < col <= hi (either bound may be missing)."""
    if integer:
        lo_txt = None if lo is None else f"{col} >= {math.floor(lo) + 1}"
        hi_txt = None if hi is None else f"{col} <= {math.floor(hi)}"
        if lo is not None and hi is not None:
            a, b = math.floor(lo) + 1, math.floor(hi)
            return f"{col} = {a}" if a == b else f"{a} <= {col} <= {b}"
    else:
        lo_txt = None if lo is None else f"{col} > {short_number(lo)}"
        hi_txt = None if hi is None else f"{col} <= {short_number(hi)}"
        if lo is not None and hi is not None:
            return f"{short_number(lo)} < {col} <= {short_number(hi)}"
    return lo_txt or hi_txt or ""


def _tree_rules(tree: DecisionTreeClassifier, features: list[str],
                integer: dict[str, bool]) -> pd.DataFrame:
    """One row per leaf: node id, predicted segment and the path as plain conditions."""
    t = tree.tree_
    classes = tree.classes_
    rows = []

    def walk(node: int, bounds: dict[str, list]) -> None:
        if t.children_left[node] == t.children_right[node]:  # leaf
            seg = int(classes[int(np.argmax(t.value[node][0]))])
            conds = [_condition(c, b[0], b[1], integer[c]) for c, b in bounds.items()]
            rows.append({"node": node, "segment": seg, "conditions": " and ".join(conds)})
            return
        col = features[t.feature[node]]
        thr = float(t.threshold[node])
        left = {k: list(v) for k, v in bounds.items()}
        lo, hi = left.get(col, [None, None])
        left[col] = [lo, thr if hi is None else min(hi, thr)]
        right = {k: list(v) for k, v in bounds.items()}
        lo, hi = right.get(col, [None, None])
        right[col] = [thr if lo is None else max(lo, thr), hi]
        walk(t.children_left[node], left)
        walk(t.children_right[node], right)

    walk(0, {})
    return pd.DataFrame(rows)


def describe_segments(
    X: pd.DataFrame,
    labels: Any,
    *,
    features: str | Iterable[str] | None = None,
    revenue: str | None = "monetary_total",
    max_depth: int = 3,
    random_state: RandomState = 0,
) -> SegmentDescription:
    """Describe each segment in numbers and in words (概念描述, concept description).

    The numbers are each segment's size, revenue share and feature means against the whole
    base; the words are the short rules of a shallow decision tree that tells the segments apart.

    Parameters
    ----------
    X : DataFrame
        Customer feature table indexed by ``customer_id`` (``features.customer_table``).
    labels : Series or array-like of int
        Segment of each customer (a Series is aligned on ``customer_id``); -1 means noise.
    features : list of str, optional
        Columns the description tree splits on and the heat map shows; default: the default
        segmentation feature set present in ``X`` (see ``DEFAULT_FEATURES``).
    revenue : str or None, default "monetary_total"
        Column holding each customer's revenue (money); drives the revenue shares and the spend
        mix of ``top_categories``. None or absent: revenue columns are NaN.
    max_depth : int, default 3
        Depth of the description tree (3 keeps rules short enough to read aloud).
    random_state : int, None or numpy.random.Generator, default 0
        Seed of the tree (only breaks ties between equally good splits) and of its sample of
        customers beyond ``TREE_MAX_CUSTOMERS``.

    Returns
    -------
    SegmentDescription
        ``profile``, ``means``, ``ratios``, ``standardized``, ``rules``, ``fidelity``, ``tree``.

    Notes
    -----
    **Naming rule.** Names read the standardized segment means z (as in ``standardized``: log1p
    of skewed columns, then standard deviations from the average customer). The adjective is the
    most extreme of ``recency_days`` (z >= 0.5 "lapsed", z <= -0.5 "active"), ``tenure_days``
    ("loyal" / "new"), ``n_orders`` ("frequent" / "occasional"; "one-time", always first, when at
    least 60% of the segment ordered exactly once), ``spend_trend`` ("growing" / "fading") and
    ``units_per_line`` (z >= 0.5 "bulk"). The noun comes from money: the more extreme of
    ``mean_unit_price`` (z <= -0.5 "bargain hunters", z >= 0.5 "big-ticket buyers") and
    ``monetary_total`` (z >= 0.5 "high spenders", z <= -0.5 "low spenders"); when neither
    reaches 0.5, ``monetary_mean_order`` z <= -0.5 "bargain hunters", z >= 0.5 "big-ticket
    buyers", else "mid spenders". Without money columns the
    noun names the two most extreme other features ("customers with high basket_size_mean and
    low share_toys"). A category that takes at least 30% of the segment's spend and at least 1.5
    times its overall share is the segment's focus, added as "(toys lovers)". Names are made
    unique: segments whose names clash add their next most extreme adjective, in the order above
    ("lapsed occasional bargain hunters"), and as a last resort a number (the largest keeps the
    plain name). Noise (-1) is "unassigned (noise)". On the default demo the five planted
    segments come out as "frequent high spenders" (champions), "frequent mid spenders"
    (regulars), "bulk bargain hunters", "big-ticket buyers" and "one-time low spenders"
    (one-timers).

    **Rules.** A ``DecisionTreeClassifier(max_depth=max_depth)`` learns the segment from the raw
    feature values (missing values filled with the median; above ``TREE_MAX_CUSTOMERS``
    customers, from a random sample of that many); each leaf becomes one rule. Integer
    columns read "n_orders >= 7" rather than "> 6.5". ``fidelity`` is its accuracy on these
    customers: how much of the segmentation the rules explain.
    """
    owner = "describe_segments"
    X = derive_features(_check_table(X, owner))
    _check_size(X, owner)
    random_state = seed_from(random_state, owner)
    check_param(isinstance(max_depth, numbers.Integral) and not isinstance(max_depth, bool)
                and 1 <= max_depth <= 10, "max_depth", owner, "an int in [1, 10]", max_depth)
    feats, _ = _resolve_features(X, features, owner)
    lab = _labels_series(labels, X, owner).astype(int)
    if revenue is not None and revenue not in X.columns:
        revenue = None

    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
               and not pd.api.types.is_bool_dtype(X[c])]
    num = X[numeric].astype(float)
    overall = num.mean()
    means = num.groupby(lab.to_numpy()).mean()
    means.index.name = "segment"
    ratios = means / overall.where(overall != 0)
    vocab = [c for c, _, _ in _ADJECTIVES] + list(_MONEY)
    name_cols = list(dict.fromkeys(list(feats) + [c for c in vocab if c in numeric]))
    z_all = _standardized_means(num, lab.to_numpy(), name_cols)
    standardized = z_all[feats]

    sizes = lab.value_counts().sort_index()
    profile = pd.DataFrame(index=means.index)
    profile["n_customers"] = sizes.reindex(profile.index).astype(int)
    profile["share_customers"] = profile["n_customers"] / len(X)
    if revenue is not None:
        rev = num[revenue].groupby(lab.to_numpy()).sum()
        profile["revenue"] = rev
        total_rev = float(num[revenue].sum())
        profile["share_revenue"] = rev / total_rev if total_rev > 0 else np.nan
    else:
        profile["revenue"] = np.nan
        profile["share_revenue"] = np.nan

    # category mix and focus
    share_cols = [c for c in numeric if c.startswith(SHARE_PREFIX)]
    top_txt: dict[int, str] = {}
    focus: dict[int, str | None] = {}
    if share_cols:
        shares = num[share_cols].fillna(0.0)
        if revenue is not None:
            w = num[revenue].fillna(0.0).clip(lower=0)
            spent = shares.mul(w, axis=0)
            mix = spent.groupby(lab.to_numpy()).sum()
            mix = mix.div(mix.sum(axis=1).where(lambda s: s > 0), axis=0)
            overall_mix = spent.sum() / spent.to_numpy().sum() if spent.to_numpy().sum() > 0 \
                else shares.mean()
        else:
            mix = shares.groupby(lab.to_numpy()).mean()
            overall_mix = shares.mean()
        mix = mix.fillna(0.0)
        for seg in mix.index:
            row = mix.loc[seg].sort_values(ascending=False)
            top = row[row > 0].head(3)
            top_txt[seg] = ", ".join(f"{c[len(SHARE_PREFIX):]} {v:.0%}" for c, v in top.items())
            lift = row / overall_mix.reindex(row.index).where(lambda s: s > 0)
            cand = row[(row >= FOCUS_SHARE) & (lift >= FOCUS_LIFT)]
            focus[seg] = cand.index[0][len(SHARE_PREFIX):] if len(cand) else None
    profile["top_categories"] = pd.Series(top_txt, dtype=object).reindex(profile.index).fillna("")

    one_time = (X["n_orders"].eq(1).groupby(lab.to_numpy()).mean() if "n_orders" in X.columns
                else None)
    names = name_segments(z_all, focus, sizes, one_time=one_time)
    profile.insert(0, "name", pd.Series(names).reindex(profile.index))

    # description tree on raw units
    raw = num[feats]
    raw = raw.fillna(raw.median()).to_numpy()
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=random_state)
    y = lab.to_numpy()
    if len(y) > TREE_MAX_CUSTOMERS:  # a depth-3 tree learns nothing more from millions of rows
        fit_rows = np.random.default_rng(random_state).choice(len(y), TREE_MAX_CUSTOMERS,
                                                               replace=False)
        tree.fit(raw[fit_rows], y[fit_rows])
    else:
        tree.fit(raw, y)
    pred = tree.predict(raw)
    fidelity = float((pred == y).mean())
    integer = {c: bool(np.all(np.mod(raw[:, j], 1) == 0)) for j, c in enumerate(feats)}
    rules = _tree_rules(tree, feats, integer)
    leaves = tree.apply(raw)
    leaf_n = pd.Series(leaves).value_counts()
    hit = pd.Series(leaves[pred == y]).value_counts()
    rules["n_customers"] = rules["node"].map(leaf_n).fillna(0).astype(int)
    rules["precision"] = (rules["node"].map(hit).fillna(0) / rules["n_customers"].where(
        rules["n_customers"] > 0))
    rules["coverage"] = rules["node"].map(hit).fillna(0) / rules["segment"].map(sizes)
    rules["name"] = rules["segment"].map(names)
    rules["rule"] = [f"{c or 'everyone'} -> {nm}" for c, nm in zip(
        rules["conditions"], rules["name"], strict=True)]
    rules = (rules[rules["n_customers"] > 0]
             .sort_values(["segment", "n_customers"], ascending=[True, False])
             .loc[:, ["segment", "name", "rule", "conditions", "n_customers", "precision",
                      "coverage"]]
             .reset_index(drop=True))
    return SegmentDescription(
        profile=profile, means=means, ratios=ratios, standardized=standardized, rules=rules,
        fidelity=fidelity, tree=tree, features=list(feats),
    )

