"""Churn models as scikit-learn Pipelines, compared by cross-validation and out of time.

Randomness goes through ``random_state`` only (``None``, an int or a ``numpy.random.Generator``;
default 0, as everywhere in the package), turned into the int scikit-learn needs with
:func:`mining.params.seed_from`. Dates are ``as_of`` (``train_as_of`` / ``test_as_of`` out of
time; the old ``*_cutoff`` names are accepted for one release with a ``DeprecationWarning``).
"""

from __future__ import annotations

import numbers
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from mining.churn._evaluate import check_fitted, evaluate
from mining.churn._labels import _horizon, _timestamp, training_set
from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.params import RandomState, align_to_index, renamed_parameter, seed_from

__all__ = [
    "MODEL_NAMES",
    "ModelComparison",
    "calibrated_model",
    "churn_probability",
    "compare_models",
    "make_model",
    "out_of_time_validation",
    "rescore_out_of_time",
]

MODEL_NAMES: tuple[str, ...] = (
    "recency_baseline",
    "logistic",
    "random_forest",
    "hist_gradient_boosting",
)


#: set by the report runner in each notebook's kernel: the cores that notebook may use (1 when
#: notebooks run side by side on two cores). Same name as ``mining.report``'s ``N_JOBS_ENV``.
N_JOBS_ENV = "MINING_N_JOBS"


def default_n_jobs() -> int:
    """Threads of the random forest: ``MINING_N_JOBS`` when the runner set it (a whole number
    >= 1), else -1 (every core). The trees and the scores do not depend on it (each tree's seed is
    drawn before the trees are grown), only the time: on two cores shared by two notebooks,
    threads of one forest wait for each other (18% more CPU time for the same fit on the demo)."""
    try:
        n = int(os.environ.get(N_JOBS_ENV, "").strip())
    except ValueError:
        return -1
    return n if n >= 1 else -1


def signed_log1p(X: Any) -> Any:
    """``sign(x) * log(1 + |x|)``: tames long-tailed counts and money for linear models."""
    a = np.asarray(X, dtype=float)
    return np.sign(a) * np.log1p(np.abs(a))


def as_float(X: Any) -> Any:
    """Numeric and bool columns as a float array with ``np.nan`` for missing (also pd.NA)."""
    return pd.DataFrame(X).to_numpy(dtype=float, na_value=np.nan)


def as_text(X: Any) -> Any:
    """Categorical columns as object arrays with ``np.nan`` for missing (pd.NA breaks imputers)."""
    frame = pd.DataFrame(X)
    out = frame.astype(object)
    return out.where(frame.notna(), np.nan).to_numpy(dtype=object)


_NUMERIC = make_column_selector(dtype_include=["number", "bool"])
_CATEGORICAL = make_column_selector(dtype_include=["object", "string", "category"])


class OneThreadHistGradientBoosting(HistGradientBoostingClassifier):
    """``HistGradientBoostingClassifier`` whose OpenMP work runs on one thread.

    On the churn tables (a few thousand customers) the threads barely help on an idle machine,
    but on a busy one (several reports or kernels sharing two cores) OpenMP threads that wait
    for each other made one fit of the demo 5 times slower (54 s instead of 10 s). Results are
    those of the parent class; the settings and ``get_params`` are the same.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> OneThreadHistGradientBoosting:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return super().fit(X, y, sample_weight=sample_weight)

    def predict_proba(self, X: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return super().predict_proba(X)

    def decision_function(self, X: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return super().decision_function(X)


def _categorical() -> Pipeline:
    return Pipeline([
        ("text", FunctionTransformer(as_text, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ])


def _numeric(*, scale: bool) -> Pipeline:
    steps: list[tuple[str, Any]] = [
        ("float", FunctionTransformer(as_float, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="median")),
    ]
    if scale:
        steps += [("log", FunctionTransformer(signed_log1p, feature_names_out="one-to-one")),
                  ("scale", StandardScaler())]
    return Pipeline(steps)


def _prepare(*, scale: bool) -> ColumnTransformer:
    return ColumnTransformer(
        [("numeric", _numeric(scale=scale), _NUMERIC),
         ("categorical", _categorical(), _CATEGORICAL)],
        remainder="drop",
        verbose_feature_names_out=False,
    )


def make_model(
    name: str,
    *,
    random_state: RandomState = 0,
    class_weight: str | dict | None = "balanced",
    baseline_column: str = "recency_days",
    **params: Any,
) -> Pipeline:
    """A churn model as an (unfitted) scikit-learn Pipeline: ``prepare`` then ``model``.

    ``prepare`` is a ColumnTransformer: numeric and bool columns are median-imputed (and, for
    the linear models, put through ``signed_log1p`` and standardised); text/categorical columns
    are one-hot encoded with ``OneHotEncoder(handle_unknown="ignore")`` after missing values
    become the category ``"missing"``. Date columns are dropped (turn them into day counts first,
    as :func:`training_set` does). The same Pipeline therefore takes transaction features and
    contractual attribute tables alike, and encodes new customers exactly as in training.

    Parameters
    ----------
    name : {"recency_baseline", "logistic", "random_forest", "hist_gradient_boosting"}
        ``recency_baseline``: logistic regression on ``baseline_column`` only (one feature, so
        its ranking is the recency ranking: the rule "long silent = churning" any model must
        beat). ``logistic``: L2 logistic regression on all columns. ``random_forest``: 100 trees,
        each grown on a bootstrap half of the customers (``max_samples=0.5``) with leaves of at
        least 0.2% of the training customers (``min_samples_leaf=0.002``, at least 1: 47 on
        CDNOW, 6 on the demo): smoother scores and several times faster than deep trees on all
        rows, with the same or better out-of-time AUC on the demo and CDNOW data (200 trees
        gave the same out-of-time AUC on the demo, 0.899, in twice the time). Its threads:
        :func:`default_n_jobs` (``MINING_N_JOBS`` in a kernel of the report runner, else all
        cores); the trees do not depend on it.
        ``hist_gradient_boosting``: learning rate 0.05, ``min_samples_leaf=20``, 63 bins per
        feature, at most 300 rounds with early stopping on a 10% validation split (it stops
        when 10 rounds bring no improvement), on one OpenMP thread
        (:class:`OneThreadHistGradientBoosting`: much faster on a busy machine, the same
        result). 63 bins rather than scikit-learn's 255: with class weights scikit-learn 1.9
        finds each weighted bin edge in a Python loop, which took 2.2 s of a 2.2 s fit on the
        demo; 63 bins fit in 0.9 s with the same out-of-time AUC (0.897 vs 0.898).
    random_state : int, Generator or None
        Seed of the model's randomness (forests, boosting); a Generator gives one seed drawn
        from it; None = not reproducible. Default 0.
    class_weight : "balanced", dict or None
        Class imbalance handling: ``"balanced"`` reweights customers so both classes weigh the
        same (``"balanced_subsample"`` for the forest). It improves recall of the minority class
        but inflates its probabilities; see :func:`calibration_table`.
    baseline_column : str
        The single column of ``recency_baseline`` (``"tenure"`` for a contractual table).
    **params
        Overrides of the classifier's settings, e.g. ``n_estimators=50``.

    Examples
    --------
    >>> make_model("logistic", random_state=0).steps[-1][1].__class__.__name__
    'LogisticRegression'
    """
    owner = "make_model"
    check_param(name in MODEL_NAMES, "name", owner, f"one of {list(MODEL_NAMES)}", name)
    random_state = seed_from(random_state, owner)
    check_param(class_weight in (None, "balanced") or isinstance(class_weight, dict),
                "class_weight", owner, "'balanced', a dict or None", class_weight)
    if name == "recency_baseline":
        prepare: Any = ColumnTransformer(
            [("recency", _numeric(scale=True), [baseline_column])], remainder="drop",
            verbose_feature_names_out=False,
        )
        clf: BaseEstimator = LogisticRegression(class_weight=class_weight, max_iter=1000)
    elif name == "logistic":
        prepare = _prepare(scale=True)
        clf = LogisticRegression(class_weight=class_weight, C=1.0, max_iter=2000)
    elif name == "random_forest":
        prepare = _prepare(scale=False)
        rf_weight = "balanced_subsample" if class_weight == "balanced" else class_weight
        clf = RandomForestClassifier(n_estimators=100, min_samples_leaf=0.002, max_features="sqrt",
                                     max_samples=0.5, class_weight=rf_weight,
                                     random_state=random_state, n_jobs=default_n_jobs())
    else:
        prepare = _prepare(scale=False)
        clf = OneThreadHistGradientBoosting(max_iter=300, learning_rate=0.05,
                                             min_samples_leaf=20, max_bins=63,
                                             early_stopping=True,
                                             class_weight=class_weight,
                                             random_state=random_state)
    if params:
        valid = clf.get_params(deep=False)
        bad = sorted(set(params) - set(valid))
        if bad:
            raise ParameterError(
                f"make_model({name!r}): unknown classifier settings {bad}. Valid ones are "
                f"{sorted(valid)}."
            )
        clf.set_params(**params)
    return Pipeline([("prepare", prepare), ("model", clf)])


def calibrated_model(
    name: str,
    *,
    random_state: RandomState = 0,
    method: str = "sigmoid",
    cv: int = 3,
    **params: Any,
) -> CalibratedClassifierCV:
    """:func:`make_model` wrapped in ``CalibratedClassifierCV``: scores you can read as probabilities.

    Balanced class weights help a model *rank* the smaller class but shift its probabilities
    (churners over-predicted when they are the minority, under-predicted when they are the
    majority). Money calculations such as :func:`retention_list` need probabilities, so refit
    the chosen model this way: each of ``cv`` copies is fitted on part of the data and its scores
    are mapped to observed rates on the rest (``"sigmoid"``: Platt scaling, which undoes the
    weighting's shift; ``"isotonic"``: a monotone step function, for large data). The ranking,
    and so the AUC, barely changes.

    The ``cv`` folds are stratified and *shuffled* (seeded by ``random_state``). Unshuffled
    folds would split a table sorted by ``customer_id`` (often the order of sign-up) into old and
    new customers, so each copy would be calibrated on customers unlike those it learned from:
    on the demo data that cost 0.04 of out-of-time ROC AUC and made the Brier score worse.

    Examples
    --------
    >>> type(calibrated_model("logistic", random_state=0)).__name__
    'CalibratedClassifierCV'
    """
    check_param(method in ("sigmoid", "isotonic"), "method", "calibrated_model",
                "'sigmoid' or 'isotonic'", method)
    check_param(isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and cv >= 2, "cv",
                "calibrated_model", "an int >= 2", cv)
    seed = seed_from(random_state, "calibrated_model")
    base = make_model(name, random_state=seed, **params)
    folds = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
    return CalibratedClassifierCV(base, method=method, cv=folds)


def churn_probability(model: Any, X: pd.DataFrame) -> pd.Series:
    """Churn probability of each customer from a fitted classifier (``predict_proba[:, 1]``).

    Returns a Series indexed like ``X`` named ``churn_probability``. An unfitted model raises
    :class:`mining.errors.NotFittedError` (also scikit-learn's ``NotFittedError``).
    """
    if not hasattr(model, "predict_proba"):
        raise ParameterError("churn_probability needs a fitted classifier with predict_proba.")
    check_fitted(model, "churn_probability")
    classes = list(getattr(model, "classes_", [False, True]))
    col = classes.index(True) if True in classes else 1
    return pd.Series(model.predict_proba(X)[:, col], index=X.index, name="churn_probability")


@dataclass(frozen=True)
class ModelComparison:
    """Result of :func:`compare_models` or :func:`out_of_time_validation`.

    Attributes
    ----------
    table : DataFrame
        One row per model (in the order given): ``roc_auc``, ``pr_auc``, ``brier``,
        ``top_decile_lift``, ``churn_rate``, ``n``, ``roc_auc_std`` (across folds; cross-validation
        only), ``fit_seconds``, and ``beats_baseline`` (ROC AUC above the recency baseline's).
    proba : DataFrame
        Scores the table was computed from: out-of-fold (cross-validation) or at ``test_as_of``
        (out of time); index ``customer_id``, one column per model.
    y_true : Series of bool
        The labels those scores are judged against.
    best : str
        Model with the highest ROC AUC.
    fitted : dict
        Fitted Pipelines (out of time: trained at ``train_as_of``; cross-validation: refit on
        all rows when ``refit=True``).
    X_test : DataFrame or None
        Out of time: the features at ``test_as_of`` (for permutation importance).
    X_train, y_train : DataFrame and Series, or None
        Out of time: the training set at ``train_as_of`` (so that :func:`rescore_out_of_time`
        compares other models on the same split without building it again).
    info : dict
        Settings: ``validation``, and ``cv`` (folds) or ``train_as_of``, ``test_as_of``,
        ``horizon_days`` (out of time), and the int ``random_state`` used. (Before 0.2 the dates
        were ``train_cutoff`` / ``test_cutoff``.)
    """

    table: pd.DataFrame
    proba: pd.DataFrame
    y_true: pd.Series
    best: str
    fitted: dict[str, Any] = field(default_factory=dict)
    X_test: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)
    X_train: pd.DataFrame | None = field(default=None, repr=False)
    y_train: pd.Series | None = field(default=None, repr=False)

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return self.table.to_html(float_format=lambda v: f"{v:.3f}")


def _model_dict(models: Any, *, random_state: int | None, owner: str,
                X: pd.DataFrame) -> dict[str, Any]:
    if isinstance(models, str):
        models = [models]
    if isinstance(models, Mapping):
        out = dict(models)
    elif isinstance(models, Sequence):
        bad = [m for m in models if not isinstance(m, str) or m not in MODEL_NAMES]
        check_param(not bad and len(models) > 0, "models", owner,
                    f"a non-empty list of names from {list(MODEL_NAMES)} or a dict of name -> "
                    "estimator", list(models))
        out = {m: make_model(m, random_state=random_state) for m in models}
    else:
        raise ParameterError(
            f"The 'models' parameter of {owner} must be a list of model names or a dict of "
            f"name -> estimator. Got {type(models).__name__} instead."
        )
    if "recency_baseline" in out and isinstance(out["recency_baseline"], Pipeline):
        cols = out["recency_baseline"].named_steps["prepare"].transformers[0][2]
        absent = [c for c in cols if c not in X.columns]
        if absent:
            raise ParameterError(
                f"{owner}: the recency_baseline model needs column(s) {absent}, which X lacks "
                "(contractual tables have no recency). Leave it out of models, or pass "
                "make_model('recency_baseline', baseline_column='<a column of X>')."
            )
    return out


def _labels_for(X: pd.DataFrame, y: Any, owner: str) -> pd.Series:
    """``y`` as a bool Series on ``X.index`` (a Series is aligned by customer_id, not position)."""
    if isinstance(y, pd.Series) and not y.index.equals(X.index):
        y = align_to_index(y, X.index, lambda missing: (
            f"{owner}: y has no label for {len(missing)} customers of X (e.g. "
            f"{missing[:5].tolist()}). Pass the X, y pair of one training_set call."))
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != len(X):
        raise ParameterError(f"{owner}: X has {len(X)} rows but y has shape {arr.shape}.")
    if pd.isna(arr).any():
        raise ParameterError(f"{owner}: y has missing labels; drop those customers first.")
    return pd.Series(arr.astype(bool), index=X.index, name="churned")


def _finish_table(rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, str]:
    table = pd.DataFrame(rows).set_index("model")
    if "recency_baseline" in table.index:
        base = table.loc["recency_baseline", "roc_auc"]
        table["beats_baseline"] = table["roc_auc"] > base
        table.loc["recency_baseline", "beats_baseline"] = False
    best = str(table["roc_auc"].idxmax())
    return table, best


def compare_models(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    models: Sequence[str] | Mapping[str, Any] = MODEL_NAMES,
    cv: int = 5,
    random_state: RandomState = 0,
    refit: bool = False,
) -> ModelComparison:
    """Compare churn models by stratified K-fold cross-validation on one training set.

    Every model is fitted ``cv`` times; each customer is scored once, by the model that did not
    see them (out-of-fold), and the scorecard of :func:`evaluate` is computed on all out-of-fold
    scores. ``roc_auc_std`` is the spread of the per-fold ROC AUC.

    Parameters
    ----------
    X, y
        From :func:`training_set` or :func:`contractual_training_set`.
    models : list of names or dict of name -> estimator
        Names as in :func:`make_model` (built with ``random_state``), or your own classifiers.
    cv : int
        Number of folds (>= 2; each class needs at least ``cv`` customers).
    random_state : int, Generator or None
        Seeds the fold shuffling and the models (one int drawn from a Generator). Default 0.
    refit : bool
        Also fit every model on all rows (``result.fitted``).
    """
    owner = "compare_models"
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"{owner}: X must be a DataFrame. Got {type(X).__name__} instead.")
    check_param(isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and cv >= 2, "cv",
                owner, "an int >= 2", cv)
    yb = _labels_for(X, y, owner)
    smaller = int(min(yb.sum(), (~yb).sum()))
    if smaller < cv:
        raise InsufficientDataError(
            f"{owner}: the smaller class has {smaller} customers, fewer than cv={cv} folds. "
            "Use fewer folds or more data."
        )
    seed = seed_from(random_state, owner)
    est = _model_dict(models, random_state=seed, owner=owner, X=X)
    folds = list(StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
                 .split(X, yb))
    proba = pd.DataFrame(index=X.index)
    rows = []
    fitted: dict[str, Any] = {}
    for name, model in est.items():
        oof = np.full(len(X), np.nan)
        fold_auc = []
        t0 = time.perf_counter()
        for train, test in folds:
            m = clone(model).fit(X.iloc[train], yb.iloc[train])
            p = churn_probability(m, X.iloc[test]).to_numpy()
            oof[test] = p
            if yb.iloc[test].nunique() == 2:
                fold_auc.append(roc_auc_score(yb.iloc[test], p))
        seconds = (time.perf_counter() - t0) / len(folds)
        proba[name] = oof
        score = evaluate(yb, proba[name])
        rows.append({"model": name, **score.to_dict(),
                     "roc_auc_std": float(np.std(fold_auc)) if fold_auc else np.nan,
                     "fit_seconds": seconds})
        if refit:
            fitted[name] = clone(model).fit(X, yb)
    table, best = _finish_table(rows)
    return ModelComparison(table=table, proba=proba, y_true=yb, best=best, fitted=fitted,
                           info={"validation": f"stratified {cv}-fold cross-validation",
                                 "cv": int(cv), "random_state": seed})


@renamed_parameter("train_cutoff", "train_as_of")
@renamed_parameter("test_cutoff", "test_as_of")
def out_of_time_validation(
    tx: pd.DataFrame,
    *,
    train_as_of: str | pd.Timestamp,
    test_as_of: str | pd.Timestamp,
    horizon_days: int,
    models: Sequence[str] | Mapping[str, Any] = MODEL_NAMES,
    customers: pd.DataFrame | None = None,
    random_state: RandomState = 0,
    observed_until: str | pd.Timestamp | None = None,
    buying_patterns: bool = False,
) -> ModelComparison:
    """Train at an earlier date, test at a later one: the honest check of a churn model.

    Models learn from ``training_set(tx, as_of=train_as_of, ...)`` and are scored on
    ``training_set(tx, as_of=test_as_of, ...)``, which is how they would be used: trained on
    the past, applied to customers later. ``train_as_of + horizon_days`` must not be after
    ``test_as_of`` (otherwise the training labels would not yet be known at the test date).
    ``train_cutoff`` / ``test_cutoff`` are the deprecated old names of the two dates.
    ``buying_patterns=True`` adds the repeat/cross/up-buying candidate features at both dates
    (see :func:`training_set`).

    Returns
    -------
    ModelComparison
        ``table`` also has ``n_train`` and ``train_churn_rate``; ``fitted`` holds the models
        trained at ``train_as_of``; ``X_test`` the test features.
    """
    owner = "out_of_time_validation"
    train_at = _timestamp(train_as_of, "train_as_of", owner)
    test_at = _timestamp(test_as_of, "test_as_of", owner)
    horizon_days = _horizon(horizon_days, owner)
    if not train_at + pd.Timedelta(days=int(horizon_days)) <= test_at:
        raise ParameterError(
            f"The 'train_as_of' parameter of {owner} must be at least horizon_days="
            f"{horizon_days} before test_as_of ({test_at:%Y-%m-%d}), so that the training "
            f"labels are known when the model is used. Got {train_at:%Y-%m-%d} instead; use "
            f"train_as_of <= {test_at - pd.Timedelta(days=int(horizon_days)):%Y-%m-%d}."
        )
    X_tr, y_tr = training_set(tx, as_of=train_at, horizon_days=horizon_days, customers=customers,
                              observed_until=observed_until, buying_patterns=buying_patterns)
    X_te, y_te = training_set(tx, as_of=test_at, horizon_days=horizon_days, customers=customers,
                              observed_until=observed_until, buying_patterns=buying_patterns)
    seed = seed_from(random_state, owner)
    info = {"validation": "out of time", "train_as_of": train_at, "test_as_of": test_at,
            "horizon_days": int(horizon_days), "random_state": seed}
    return _score_out_of_time(X_tr, y_tr, X_te, y_te, models, info=info, owner=owner)


def _score_out_of_time(X_tr: pd.DataFrame, y_tr: pd.Series, X_te: pd.DataFrame,
                       y_te: pd.Series, models: Any, *, info: dict[str, Any],
                       owner: str) -> ModelComparison:
    est = _model_dict(models, random_state=info["random_state"], owner=owner, X=X_tr)
    proba = pd.DataFrame(index=X_te.index)
    rows = []
    fitted: dict[str, Any] = {}
    for name, model in est.items():
        t0 = time.perf_counter()
        m = clone(model).fit(X_tr, y_tr)
        seconds = time.perf_counter() - t0
        fitted[name] = m
        proba[name] = churn_probability(m, X_te)
        score = evaluate(y_te, proba[name])
        rows.append({"model": name, **score.to_dict(), "n_train": float(len(X_tr)),
                     "train_churn_rate": float(y_tr.mean()), "fit_seconds": seconds})
    table, best = _finish_table(rows)
    return ModelComparison(table=table, proba=proba, y_true=y_te, best=best, fitted=fitted,
                           X_test=X_te, info=info, X_train=X_tr, y_train=y_tr)


def rescore_out_of_time(
    previous: ModelComparison,
    models: Sequence[str] | Mapping[str, Any],
    *,
    random_state: RandomState = 0,
) -> ModelComparison:
    """Other ``models`` on the same out-of-time split as ``previous`` (trained on its training
    set at ``train_as_of``, scored on its customers at ``test_as_of``), without building the two
    feature tables again. Gives the result :func:`out_of_time_validation` would give for these
    models with the same dates.

    Raises
    ------
    ParameterError
        ``previous`` is not an out-of-time comparison (a cross-validation result has no split).
    """
    owner = "rescore_out_of_time"
    if not isinstance(previous, ModelComparison) or previous.X_train is None \
            or previous.y_train is None or previous.X_test is None:
        raise ParameterError(
            f"The 'previous' parameter of {owner} must be the result of "
            "out_of_time_validation (it holds the training and test sets). Got "
            f"{type(previous).__name__} instead."
        )
    info = {**previous.info, "random_state": seed_from(random_state, owner)}
    return _score_out_of_time(previous.X_train, previous.y_train, previous.X_test,
                              previous.y_true, models, info=info, owner=owner)
