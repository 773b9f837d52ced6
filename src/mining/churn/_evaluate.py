"""How good is a churn score: ROC/PR AUC, Brier, gains and lift, calibration, importance."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.params import RandomState, align_to_index, seed_from

__all__ = [
    "calibration_table",
    "evaluate",
    "gains_table",
    "permutation_importance_table",
]


def check_fitted(model: Any, owner: str) -> None:
    """Raise :class:`mining.errors.NotFittedError` when a scikit-learn ``model`` is not fitted.

    Objects that are not scikit-learn estimators are trusted (they may be fitted in their own
    way). The error is also scikit-learn's ``NotFittedError``.
    """
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    from sklearn.utils.validation import check_is_fitted

    from mining.errors import NotFittedError

    if not isinstance(model, BaseEstimator):
        return
    try:
        check_is_fitted(model)
    except SklearnNotFittedError as exc:
        raise NotFittedError(
            f"{owner} got an unfitted {type(model).__name__}: fit it first, e.g. model.fit(X, y) "
            "with X, y = training_set(tx, as_of=..., horizon_days=...)."
        ) from exc


def _pair(y_true: Any, proba: Any, owner: str) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    """Check and align labels and scores; returns bool labels, float scores and the index."""
    index = None
    if isinstance(y_true, pd.Series) and isinstance(proba, pd.Series):
        if not y_true.index.equals(proba.index):
            proba = align_to_index(proba, y_true.index, lambda missing: (
                f"{owner}: proba has no score for {len(missing)} customers of y_true "
                f"(e.g. {missing[:5].tolist()}). Score the same customers you evaluate."))
        index = y_true.index
    elif isinstance(y_true, pd.Series):
        index = y_true.index
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=float)
    if y.ndim != 1 or p.ndim != 1 or len(y) != len(p):
        raise ParameterError(
            f"{owner}: y_true and proba must be 1-D and of equal length. Got shapes {y.shape} "
            f"and {p.shape} instead."
        )
    if len(y) == 0:
        raise InsufficientDataError(f"{owner}: no customers to evaluate.")
    if pd.isna(y).any():
        raise ParameterError(f"{owner}: y_true has missing values; drop them first.")
    uniq = set(pd.unique(y).tolist())
    if not uniq <= {0, 1}:  # True == 1 and False == 0
        raise ParameterError(
            f"{owner}: y_true must be bool or 0/1 (churned = True/1). Got values "
            f"{sorted(map(str, uniq))[:5]} instead."
        )
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise ParameterError(
            f"{owner}: proba must be probabilities in [0, 1] without missing values. Got range "
            f"[{np.nanmin(p):.3g}, {np.nanmax(p):.3g}] with {int(np.sum(~np.isfinite(p)))} "
            "missing values instead."
        )
    return y.astype(bool), p, index


def _n_bins(n_bins: Any, owner: str, n: int) -> int:
    check_param(isinstance(n_bins, numbers.Integral) and not isinstance(n_bins, bool)
                and n_bins >= 2, "n_bins", owner, "an int >= 2", n_bins)
    if n_bins > n:
        raise InsufficientDataError(
            f"{owner}: n_bins={n_bins} but only {n} customers; use n_bins <= {n}."
        )
    return int(n_bins)


def gains_table(y_true: Any, proba: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Cumulative gains and lift by score bin (decile when ``n_bins=10``).

    Customers are sorted by ``proba`` from high to low (ties in their given order) and cut into
    ``n_bins`` groups of equal size (the first groups take one extra customer when the count
    does not divide).

    Returns
    -------
    DataFrame indexed by ``bin`` (1 = highest scores), columns: ``n`` (customers),
    ``churners``, ``churn_rate``, ``min_score``, ``max_score``, ``cum_n``, ``cum_share``
    (share of customers contacted so far), ``cum_churners``, ``cum_gain`` (share of all churners
    found so far), ``lift`` (bin churn rate / overall churn rate) and ``cum_lift``
    (``cum_gain / cum_share``). ``lift`` of bin 1 is the top-decile lift.

    Examples
    --------
    >>> t = gains_table([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], [.9, .8, .7, .6, .5, .4, .3, .2, .1, 0],
    ...                 n_bins=5)
    >>> t["churners"].tolist(), round(float(t["lift"].iloc[0]), 2)
    ([2, 1, 0, 0, 0], 3.33)
    """
    owner = "gains_table"
    y, p, _ = _pair(y_true, proba, owner)
    k = _n_bins(n_bins, owner, len(y))
    total = int(y.sum())
    if total == 0:
        raise InsufficientDataError(f"{owner}: y_true has no churners; gains are undefined.")
    order = np.argsort(-p, kind="stable")
    groups = np.array_split(order, k)
    rows = []
    for i, g in enumerate(groups, start=1):
        rows.append({"bin": i, "n": len(g), "churners": int(y[g].sum()),
                     "min_score": float(p[g].min()), "max_score": float(p[g].max())})
    t = pd.DataFrame(rows).set_index("bin")
    base = total / len(y)
    t["churn_rate"] = t["churners"] / t["n"]
    t["cum_n"] = t["n"].cumsum()
    t["cum_share"] = t["cum_n"] / len(y)
    t["cum_churners"] = t["churners"].cumsum()
    t["cum_gain"] = t["cum_churners"] / total
    t["lift"] = t["churn_rate"] / base
    t["cum_lift"] = t["cum_gain"] / t["cum_share"]
    return t[["n", "churners", "churn_rate", "min_score", "max_score", "cum_n", "cum_share",
              "cum_churners", "cum_gain", "lift", "cum_lift"]]


def evaluate(y_true: Any, proba: Any) -> pd.Series:
    """The churn-model scorecard for one set of scores.

    Returns
    -------
    Series with ``n`` (customers), ``churn_rate`` (share churned), ``roc_auc`` (probability a
    random churner scores above a random stayer; 0.5 = chance), ``pr_auc`` (average precision;
    chance = churn_rate), ``brier`` (mean squared error of the probabilities; lower is better,
    only meaningful for calibrated scores), ``top_decile_lift`` (churn rate among the 10%
    highest scores / overall churn rate; see :func:`gains_table`).

    Examples
    --------
    >>> s = evaluate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> float(s["roc_auc"])
    0.75
    """
    owner = "evaluate"
    y, p, _ = _pair(y_true, proba, owner)
    if y.all() or not y.any():
        raise InsufficientDataError(
            f"{owner}: y_true has one class only ({'all' if y.all() else 'no'} churners); "
            "ROC AUC needs both."
        )
    n_bins = 10 if len(y) >= 10 else len(y)
    lift = float(gains_table(y, p, n_bins=n_bins)["lift"].iloc[0]) if n_bins >= 2 else np.nan
    return pd.Series(
        {
            "n": float(len(y)),
            "churn_rate": float(y.mean()),
            "roc_auc": float(roc_auc_score(y, p)),
            "pr_auc": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p)),
            "top_decile_lift": lift,
        },
        name="score",
    )


def calibration_table(
    y_true: Any, proba: Any, *, n_bins: int = 10, strategy: str = "quantile"
) -> pd.DataFrame:
    """Predicted churn probability against the observed churn rate, bin by bin.

    Parameters
    ----------
    strategy : {"quantile", "uniform"}
        ``quantile``: bins of (nearly) equal size by score rank; ``uniform``: equal-width bins on
        [0, 1] (empty bins are left out).

    Returns
    -------
    DataFrame indexed by ``bin``, columns ``n``, ``mean_predicted``, ``observed_rate``,
    ``gap`` (observed - predicted), ``low`` and ``high`` (score range). A well calibrated model has
    ``observed_rate`` close to ``mean_predicted`` in every bin. Models trained with
    ``class_weight="balanced"`` over-predict churn when churners are the minority: rank them, or
    recalibrate before reading the numbers as probabilities.
    """
    owner = "calibration_table"
    y, p, _ = _pair(y_true, proba, owner)
    k = _n_bins(n_bins, owner, len(y))
    check_param(strategy in ("quantile", "uniform"), "strategy", owner,
                "'quantile' or 'uniform'", strategy)
    if strategy == "quantile":
        order = np.argsort(p, kind="stable")
        bins = np.empty(len(p), dtype=int)
        for i, g in enumerate(np.array_split(order, k)):
            bins[g] = i
    else:
        bins = np.minimum((p * k).astype(int), k - 1)
    frame = pd.DataFrame({"bin": bins + 1, "y": y.astype(float), "p": p})
    t = frame.groupby("bin").agg(n=("y", "size"), mean_predicted=("p", "mean"),
                                 observed_rate=("y", "mean"), low=("p", "min"),
                                 high=("p", "max"))
    t["n"] = t["n"].astype("int64")
    t["gap"] = t["observed_rate"] - t["mean_predicted"]
    return t[["n", "mean_predicted", "observed_rate", "gap", "low", "high"]]


def permutation_importance_table(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    n_repeats: int = 5,
    scoring: str = "roc_auc",
    random_state: RandomState = 0,
    max_samples: float | int = 1.0,
) -> pd.DataFrame:
    """Permutation importance of each input column of a fitted model (drop in ROC AUC).

    An unfitted model raises :class:`mining.errors.NotFittedError`.

    Shuffling a column breaks its link to churn; the drop in the score says how much the model
    relied on it. Columns are the *raw* columns of ``X`` (before one-hot encoding), so a
    categorical attribute counts once. Use held-out data (an out-of-time test set), not the
    training rows.

    Parameters
    ----------
    model : fitted classifier (e.g. a :func:`make_model` Pipeline)
    X : DataFrame
        Held-out customers.
    y : array-like of bool
        Their churn labels.
    n_repeats : int
        Shuffles per column (>= 1). Cost: ``n_columns * n_repeats`` predictions on the sample.
    scoring : str
        A scikit-learn scorer name; the importance is the drop in it.
    random_state : int, Generator or None
        Seeds the shuffles and the row sample (one int drawn from a Generator). Default 0.
    max_samples : float in (0, 1] or int >= 1
        Rows used for each repeat: a share of ``X`` or a count (a count larger than ``X`` means
        all rows). A few thousand rows give a stable ranking at a fraction of the time on large
        tables, e.g. ``max_samples=2000``. One seeded sample serves the unshuffled score and
        every shuffle, so the importance is a difference on the same customers.

    Returns
    -------
    DataFrame indexed by ``feature``, sorted from most to least important, columns
    ``importance_mean``, ``importance_std`` (over ``n_repeats`` shuffles) and ``rank``.
    """
    owner = "permutation_importance_table"
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"{owner}: X must be a DataFrame. Got {type(X).__name__} instead.")
    check_param(isinstance(n_repeats, numbers.Integral) and n_repeats >= 1, "n_repeats", owner,
                "an int >= 1", n_repeats)
    ok = (isinstance(max_samples, numbers.Integral) and not isinstance(max_samples, bool)
          and max_samples >= 1) or (isinstance(max_samples, float) and 0 < max_samples <= 1)
    check_param(ok, "max_samples", owner, "a float in (0, 1] or an int >= 1", max_samples,
                "Use e.g. 2000 rows, or 1.0 for all rows.")
    if isinstance(max_samples, numbers.Integral) and max_samples >= len(X):
        max_samples = 1.0
    seed = seed_from(random_state, owner)
    check_fitted(model, owner)
    yb = np.asarray(y, dtype=bool)
    n_rows = len(X) if max_samples == 1.0 else (
        int(max_samples) if isinstance(max_samples, numbers.Integral)
        else max(1, int(max_samples * len(X))))
    if n_rows < len(X):
        # one seeded sample for the unshuffled score and every shuffle: scikit-learn's own
        # max_samples scores the unshuffled model on all rows but each shuffle on a sample, so
        # the sample's own noise (+-0.005 ROC AUC on 1,000 demo customers) showed up as
        # importance, often negative
        rows = np.sort(np.random.default_rng(seed).choice(len(X), size=n_rows, replace=False))
        X, yb = X.iloc[rows], yb[rows]
    # each shuffle is one small prediction: a forest's thread pool (n_jobs=-1) costs more than
    # it saves there (6.5 s instead of 4.2 s on 1,000 demo customers), so predict on one
    # thread and give the model its setting back afterwards
    jobs = {k: v for k, v in model.get_params(deep=True).items()
            if k.endswith("n_jobs") and v not in (None, 1)} if hasattr(model, "get_params") else {}
    try:
        if jobs:
            model.set_params(**dict.fromkeys(jobs, 1))
        res = permutation_importance(model, X, yb, scoring=scoring, n_repeats=int(n_repeats),
                                     random_state=seed)
    finally:
        if jobs:
            model.set_params(**jobs)
    t = pd.DataFrame(
        {"importance_mean": res.importances_mean, "importance_std": res.importances_std},
        index=pd.Index([str(c) for c in X.columns], name="feature"),
    ).sort_values("importance_mean", ascending=False, kind="stable")
    t["rank"] = np.arange(1, len(t) + 1)
    return t
