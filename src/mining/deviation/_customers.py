"""Unusual customers: three detectors on robust z-scores of behaviour features, one ranked score.

Pipeline of :func:`customer_deviations`::

    customer table (features.customer_table + customer_behaviour)
      -> log1p of the chosen features
      -> robust z-scores (median / MAD) against all customers, and against the customer's own
         segment when ``segments`` are given: a feature then counts with the *smaller* of the two
         deviations, so a big spender in the big-spender segment is not flagged for being big
      -> below-median deviations are shrunk (x ``low_weight``): a small basket is not suspicious
      -> three detectors on that matrix (z clipped at +-10 for the two learned ones):
           robust_z           the largest deviation of any feature
           isolation_forest   -score_samples of sklearn IsolationForest (random_state)
           lof                local outlier factor (sklearn LocalOutlierFactor)
      -> each detector's score in robust SDs above its own median (for robust_z, already in
         robust SDs, the spread is taken as at least 1); the combined ``score`` is the median of
         the detectors (with all three, one detector alone cannot flag a customer)
      -> flagged: ``score > 3.5`` by default (a robust cut: 3.5 robust SDs above the typical
         customer, no guess of the contamination rate), or the ``top_n`` / ``contamination``
         highest scores
      -> reasons: the features deviating by more than ``reason_z`` robust SDs, in words
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor

from mining.deviation._explain import (
    DEFAULT_CUT,
    flag_mask,
    reason_text,
    robust_location_scale,
    robust_zscores,
)
from mining.deviation._series import _check_tx
from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.params import RandomState, check_as_of, seed_from

__all__ = [
    "BEHAVIOUR_COLUMNS",
    "CustomerDeviations",
    "DEFAULT_FEATURES",
    "METHODS",
    "customer_behaviour",
    "customer_deviations",
    "detect_customers",
]

#: Columns added by :func:`customer_behaviour`.
BEHAVIOUR_COLUMNS: tuple[str, ...] = ("units_per_line", "burst_orders", "spend_peak_ratio")
#: Features the detectors use by default (customer_table + customer_behaviour columns).
DEFAULT_FEATURES: tuple[str, ...] = (
    "n_orders",
    "monetary_mean_order",
    "basket_size_mean",
    "units_per_line",
    "burst_orders",
    "spend_peak_ratio",
)
#: The detectors, in the order they are reported.
METHODS: tuple[str, ...] = ("isolation_forest", "lof", "robust_z")
_CLIP = 10.0  # robust SDs: the learned detectors see z clipped here
_LOG_MIN_SCALE = 0.25  # floor of the robust scale on log1p features (about x1.3 per SD)


def customer_behaviour(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, burst_hours: float = 24,
                       peak_days: float = 28, min_other_orders: int = 2) -> pd.DataFrame:
    """Order-pattern features per customer, from lines before ``as_of``.

    =================  =========================================================================
    column             meaning
    =================  =========================================================================
    units_per_line     ``quantity`` summed / order lines (units per line: a reseller buys 12x)
    burst_orders       most orders placed within any ``burst_hours`` hours (1 = never two
                       orders that close; a bot or a fraud run places many)
    spend_peak_ratio   spend in the customer's best ``peak_days``-day window, divided by their
                       usual order amount (median order *outside* that window): a sudden burst
                       of spending, the customer-level trace of a time-series break. NaN with
                       fewer than ``min_other_orders`` orders outside the window
    =================  =========================================================================

    An order's time is its earliest line, its amount the sum of ``quantity * unit_price``.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (string), the columns above.

    >>> tx = pd.DataFrame({"customer_id": ["a"] * 4, "order_id": ["1", "2", "3", "4"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00",
    ...                                  "2024-03-01 10:00", "2024-05-01 10:00"]),
    ...     "product_id": "p", "quantity": [1.0, 1.0, 3.0, 1.0], "unit_price": 10.0})
    >>> customer_behaviour(tx, as_of="2024-06-01")  # doctest: +NORMALIZE_WHITESPACE
                 units_per_line  burst_orders  spend_peak_ratio
    customer_id
    a                       1.5             2               3.0
    """
    owner = "customer_behaviour"
    _check_tx(tx, ["customer_id", "order_id", "timestamp", "quantity", "unit_price"], owner)
    when = check_as_of(as_of, owner)
    for name, v in (("burst_hours", burst_hours), ("peak_days", peak_days)):
        check_param(isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0, name,
                    owner, "a positive number", v)
    check_param(isinstance(min_other_orders, numbers.Integral) and min_other_orders >= 1,
                "min_other_orders", owner, "a positive integer", min_other_orders)
    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    if past.empty:
        raise InsufficientDataError(f"{owner}: no transaction line before as_of={when.date()}.")
    lines = pd.DataFrame({
        "customer_id": past["customer_id"].astype("string").to_numpy(),
        "order_id": past["order_id"].astype("string").to_numpy(),
        "t": past["timestamp"].to_numpy(),
        "q": past["quantity"].to_numpy(dtype="float64"),
        "amount": (past["quantity"] * past["unit_price"]).to_numpy(dtype="float64"),
    })
    per_cust = lines.groupby("customer_id").agg(q=("q", "sum"), n=("q", "size"))
    orders = (lines.groupby(["customer_id", "order_id"], sort=False)
              .agg(t=("t", "min"), amount=("amount", "sum")).reset_index()
              .sort_values(["customer_id", "t"], kind="stable").reset_index(drop=True))
    code = pd.factorize(orders["customer_id"], sort=True)[0].astype(np.int64)
    sec = ((orders["t"] - orders["t"].min()) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    key = code * (sec.max() + 10**9) + sec  # customers far apart on one time axis
    pos = np.arange(len(key))
    burst = np.searchsorted(key, key + int(burst_hours * 3600), side="left") - pos
    end = np.searchsorted(key, key + int(peak_days * 86400), side="left")
    csum = np.r_[0.0, np.cumsum(orders["amount"].to_numpy())]
    orders["burst"] = burst
    orders["window"] = csum[end] - csum[pos]
    orders["end"] = end
    orders["pos"] = pos
    best = orders.loc[orders.groupby("customer_id")["window"].idxmax().to_numpy()]
    best = best.set_index("customer_id")
    start_of = best["pos"].reindex(orders["customer_id"]).to_numpy()
    end_of = best["end"].reindex(orders["customer_id"]).to_numpy()
    outside = orders[(pos < start_of) | (pos >= end_of)]
    other = outside.groupby("customer_id")["amount"].agg(["median", "size"])
    other = other.reindex(best.index)
    ratio = best["window"] / other["median"]
    ratio = ratio.where(other["size"] >= int(min_other_orders))
    out = pd.DataFrame({
        "units_per_line": per_cust["q"] / per_cust["n"],
        "burst_orders": orders.groupby("customer_id")["burst"].max(),
        "spend_peak_ratio": ratio.replace([np.inf, -np.inf], np.nan),
    })
    out.index = pd.Index(out.index.astype("string"), name="customer_id")
    return out.sort_index()


@dataclass(frozen=True)
class CustomerDeviations:
    """Result of :func:`customer_deviations`.

    Attributes
    ----------
    scores : DataFrame
        Indexed by ``customer_id``: ``score`` (combined, robust SDs above the typical customer),
        ``rank`` (1 = most unusual), ``flagged`` (bool), one ``score_<method>`` column per
        detector (each in robust SDs above its median), ``segment`` (when given), ``reasons``
        (words, "; "-separated) and ``reason_codes`` (tuple of ``feature:+z``), sorted by rank.
    zscores : DataFrame
        The robust z-score of every feature and customer (after the peer comparison, before
        the shrinking of the low side): what the reasons read.
    values : DataFrame
        The features in their own units.
    typical : DataFrame
        The reference median of each feature for each customer (own segment or all customers).
    threshold : float
        The cut that was applied to ``score``.
    rule : str
        The flagging rule in words.
    params : dict
        The settings.
    """

    scores: pd.DataFrame
    zscores: pd.DataFrame
    values: pd.DataFrame
    typical: pd.DataFrame
    threshold: float
    rule: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def flags(self) -> pd.DataFrame:
        """The flagged customers with their scores and reasons, most unusual first."""
        return self.scores[self.scores["flagged"]]


def _check_methods(methods: object, owner: str) -> tuple[str, ...]:
    if isinstance(methods, str):
        methods = (methods,)
    ok = (isinstance(methods, Sequence) and len(methods) > 0
          and all(isinstance(m, str) and m in METHODS for m in methods))
    check_param(ok, "methods", owner, f"a non-empty list of {list(METHODS)}", methods)
    return tuple(dict.fromkeys(methods))  # type: ignore[arg-type]


def _normalise(score: np.ndarray, min_scale: float = 0.0) -> np.ndarray:
    med, scale = robust_location_scale(score)
    scale = max(scale, min_scale)
    if not np.isfinite(scale) or scale <= 0:
        return np.zeros_like(score)
    return (score - med) / scale


def customer_deviations(
    table: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    methods: Sequence[str] = METHODS,
    segments: pd.Series | None = None,
    contamination: float | None = None,
    top_n: int | None = None,
    cut: float = DEFAULT_CUT,
    low_weight: float = 0.25,
    min_peer_size: int = 30,
    n_neighbors: int = 50,
    reason_z: float = 3.0,
    n_estimators: int = 100,
    random_state: RandomState = 0,
) -> CustomerDeviations:
    """Rank customers by how unusual they are, flag the most unusual, and say why.

    Parameters
    ----------
    table : DataFrame
        One row per customer (index ``customer_id``), e.g. ``features.customer_table(tx,
        as_of=...)`` joined with :func:`customer_behaviour` (see :func:`detect_customers`, which
        does both).
    features : list of str, optional
        Numeric, non-negative columns to judge (default :data:`DEFAULT_FEATURES` that exist in
        ``table``). They are compared on a log scale (``log1p``).
    methods : list of str
        Detectors from :data:`METHODS`; the combined score is their median.
    segments : Series, optional
        Segment label per customer (e.g. from ``mining.segment``): peer comparison, see the
        module docstring. Segments smaller than ``min_peer_size`` use all customers.
    contamination, top_n : float, int, optional
        Flag that share of customers, or that many, highest first. Default (both None): the
        robust cut ``score > cut``.
    cut : float
        Robust SDs of the default cut (3.5).
    low_weight : float in [0, 1]
        Weight of below-median deviations (0 = only "more than usual" counts; 1 = both ways).
    n_neighbors : int
        Neighbours of the local outlier factor.
    reason_z : float
        A feature is named in the reasons when it deviates by more than this (robust SDs).
    n_estimators : int
        Trees of the isolation forest.
    random_state : int, Generator or None
        Seed of the isolation forest (one int drawn from a Generator; None: not reproducible).

    Returns
    -------
    CustomerDeviations

    Raises
    ------
    ParameterError
        Unknown feature or method, both ``top_n`` and ``contamination``, a value out of range.
    InsufficientDataError
        Fewer than 10 customers (the detectors need a crowd to judge against).
    """
    owner = "customer_deviations"
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The 'table' parameter of {owner} must be a DataFrame (one row per "
                             f"customer). Got {type(table).__name__} instead.")
    methods = _check_methods(methods, owner)
    if features is None:
        cols = [c for c in DEFAULT_FEATURES if c in table.columns]
    else:
        cols = list(features)
        unknown = [c for c in cols if c not in table.columns]
        check_param(not unknown, "features", owner, "columns of the table", unknown,
                    f"Available: {sorted(map(str, table.columns))}.")
    check_param(len(cols) > 0, "features", owner, "a non-empty list of numeric columns",
                features, "Pass features=[...] or build the table with detect_customers.")
    for name, v, lo, hi in (("low_weight", low_weight, 0.0, 1.0), ("cut", cut, 1e-9, np.inf),
                            ("reason_z", reason_z, 0.0, np.inf)):
        check_param(isinstance(v, numbers.Real) and not isinstance(v, bool) and lo <= v <= hi,
                    name, owner, f"a number in [{lo:g}, {hi:g}]", v)
    check_param(isinstance(n_neighbors, numbers.Integral) and n_neighbors >= 2, "n_neighbors",
                owner, "an integer >= 2", n_neighbors)
    check_param(isinstance(n_estimators, numbers.Integral) and n_estimators >= 1, "n_estimators",
                owner, "a positive integer", n_estimators)
    seed = seed_from(random_state, owner)
    n = len(table)
    if n < 10:
        raise InsufficientDataError(f"{owner}: {n} customers; at least 10 are needed to tell "
                                    "unusual from usual.")
    values = table[cols].apply(pd.to_numeric, errors="coerce").astype("float64")
    negative = [c for c in cols if (values[c] < 0).any()]
    check_param(not negative, "features", owner, "non-negative columns (compared on a log "
                "scale)", negative, "Leave signed columns such as spend_trend out.")
    X = np.log1p(values)
    Z = robust_zscores(X, min_scale=_LOG_MIN_SCALE)
    med_all = values.median()
    typical = pd.DataFrame(np.repeat(med_all.to_numpy()[None, :], n, axis=0), index=table.index,
                           columns=cols)
    seg = None
    if segments is not None:
        if not isinstance(segments, pd.Series):
            raise ParameterError(f"The 'segments' parameter of {owner} must be a Series "
                                 f"customer_id -> segment. Got {type(segments).__name__} instead.")
        seg = segments.copy()
        seg.index = seg.index.astype("string")
        seg = seg.reindex(table.index.astype("string"))
        seg.index = table.index
        Zp = robust_zscores(X, groups=seg, min_group_size=int(min_peer_size),
                            min_scale=_LOG_MIN_SCALE)
        Z = Z.where(Z.abs().le(Zp.abs()) | Zp.isna(), Zp)
        for idx in seg.groupby(seg, observed=True).groups.values():
            if len(idx) >= min_peer_size:
                typical.loc[idx] = values.loc[idx].median().to_numpy()[None, :]
    Zs = Z.fillna(0.0)
    Zs = Zs.where(Zs > 0, Zs * float(low_weight))
    M = Zs.clip(-_CLIP, _CLIP).to_numpy()
    raw: dict[str, np.ndarray] = {}
    if "robust_z" in methods:
        raw["robust_z"] = Zs.max(axis=1).to_numpy()
    if "isolation_forest" in methods:
        iso = IsolationForest(n_estimators=int(n_estimators), random_state=seed)
        raw["isolation_forest"] = -iso.fit(M).score_samples(M)
    if "lof" in methods:
        lof = LocalOutlierFactor(n_neighbors=min(int(n_neighbors), n - 1))
        with warnings.catch_warnings():
            # many identical customers (e.g. one-order buyers) are expected, not a data error
            warnings.filterwarnings("ignore", message="Duplicate values", category=UserWarning)
            lof.fit(M)
        raw["lof"] = -lof.negative_outlier_factor_
    # every score in robust SDs above its typical customer; robust_z is in robust SDs already,
    # so its spread is not taken below 1 (a tight crowd must not turn 1 SD into 4)
    norm = {m: _normalise(raw[m], min_scale=1.0 if m == "robust_z" else 0.0) for m in methods}
    score = pd.Series(np.median(np.column_stack([norm[m] for m in methods]), axis=1),
                      index=table.index, name="score")
    if top_n is None and contamination is None:
        mask = score > float(cut)
        threshold = float(cut)
        rule = (f"combined score above {float(cut):g} robust SD (median of {len(methods)} "
                "detector(s), each in robust SDs above its typical customer)")
    else:
        mask, threshold, rule = flag_mask(score, contamination=contamination, top_n=top_n,
                                          owner=owner)
    out = pd.DataFrame({"score": score})
    out["rank"] = score.rank(ascending=False, method="first").astype(int)
    out["flagged"] = mask.astype(bool)
    for m in methods:
        out[f"score_{m}"] = norm[m]
    if seg is not None:
        out["segment"] = seg
    reference = "their segment" if seg is not None else "all customers"
    texts, codes = [], []
    Zv, V, T = Z.to_numpy(), values.to_numpy(), typical.to_numpy()
    for i in range(n):
        order = np.argsort(-np.nan_to_num(np.abs(Zv[i]), nan=0.0))
        parts, cs = [], []
        for j in order:
            z = Zv[i, j]
            if not np.isfinite(z) or abs(z) <= reason_z or (z < 0 and low_weight == 0):
                continue
            parts.append(reason_text(cols[j], V[i, j], T[i, j], z, reference=reference))
            cs.append(f"{cols[j]}:{z:+.1f}")
        texts.append("; ".join(parts) if parts else "no single feature stands out "
                     "(an unusual combination)" if out["flagged"].iloc[i] else "")
        codes.append(tuple(cs))
    out["reasons"] = texts
    out["reason_codes"] = codes
    out = out.sort_values("rank")
    params = {"features": cols, "methods": list(methods), "contamination": contamination,
              "top_n": top_n, "cut": float(cut), "low_weight": float(low_weight),
              "min_peer_size": int(min_peer_size), "n_neighbors": int(n_neighbors),
              "reason_z": float(reason_z), "n_estimators": int(n_estimators),
              "random_state": seed,
              "segments": seg is not None}
    return CustomerDeviations(scores=out, zscores=Z, values=values, typical=typical,
                              threshold=threshold, rule=rule, params=params)


def detect_customers(tx: pd.DataFrame, *, as_of: str | pd.Timestamp,
                     segments: pd.Series | None = None, **options: object) -> CustomerDeviations:
    """:func:`customer_deviations` on the feature table built from transactions.

    The table is ``features.customer_table(tx, as_of=as_of)`` joined with
    :func:`customer_behaviour` (so order-level evidence, bursts of orders and spending peaks,
    enters the customer score). ``options`` go to :func:`customer_deviations`.

    >>> from mining import datasets
    >>> ds = datasets.load("demo", size="small", random_state=0)
    >>> res = detect_customers(ds.transactions, as_of=ds.as_of)
    >>> planted = set(ds.truth.anomalous_customers["customer_id"])
    >>> planted <= set(res.flags.index)
    True
    """
    from mining.features import customer_table

    table = customer_table(tx, as_of=as_of, categories=False)
    table = table.join(customer_behaviour(tx, as_of=as_of))
    return customer_deviations(table, segments=segments, **options)  # type: ignore[arg-type]
