"""Segmentation features: which columns are clustered, their checks and their preprocessing.

The first step of every segmentation: resolve the feature columns of a customer table
(``DEFAULT_FEATURES`` present in it, or the user's list; constant defaults dropped), add the ratio
features of ``DERIVED_FEATURES`` (:func:`derive_features`), and build the one preprocessing
``Pipeline`` (``LogSkewed`` log1p of skewed non-negative columns -> median imputation -> standard
scaling) that fitted and new customers both go through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import skew
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.params import align_to_index

#: Columns clustered by default (those present are used). They describe *how* a customer buys:
#: how often (orders), how much per order (lines per basket), in what multiples (units per line)
#: and at what price level (mean unit price). *When* a customer bought (recency, tenure) mostly
#: reflects when they joined or left rather than what kind of customer they are, and the ten or
#: so category shares, clustered with full weight, drown the behaviour in noise; both are still
#: used to *describe* and name the segments, and ``features=[...]`` can cluster on them. On the
#: demo shop this set recovers the planted segments far better than RFM + tenure + shares
#: (adjusted Rand index 0.87 against 0.29 on the earlier demo; 0.84 now; see the module notes).
DEFAULT_FEATURES: tuple[str, ...] = (
    "n_orders",
    "basket_size_mean",
    "units_per_line",
    "mean_unit_price",
)
#: Ratio features derived from ``features.customer_table`` columns when the table lacks them:
#: name -> (numerator, denominator). ``units_per_line`` = quantity_total / n_lines (units per
#: order line); ``mean_unit_price`` = monetary_total / quantity_total (money per unit: the price
#: level the customer buys at). A zero denominator gives NaN (imputed with the median).
DERIVED_FEATURES: dict[str, tuple[str, str]] = {
    "units_per_line": ("quantity_total", "n_lines"),
    "mean_unit_price": ("monetary_total", "quantity_total"),
}
#: Prefix of the category spend-share columns (used for top categories and segment focus).
SHARE_PREFIX = "share_"
#: Fewest customers any segmentation accepts.
MIN_CUSTOMERS = 10
#: Skewness above which a non-negative column is log1p-transformed when ``log_features="auto"``.
SKEW_THRESHOLD = 1.0
#: Label of the customers a density method (hdbscan) leaves in no segment.
NOISE = -1


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _check_table(X: Any, owner: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(
            f"{owner} expects the customer feature table as a pandas DataFrame indexed by "
            f"customer_id (from mining.features.customer_table). Got {type(X).__name__} instead."
        )
    return X


def _check_size(X: pd.DataFrame, owner: str) -> None:
    if len(X) < MIN_CUSTOMERS:
        raise InsufficientDataError(
            f"{owner} needs at least {MIN_CUSTOMERS} customers to form segments; the table has "
            f"{len(X)}. Use a longer period (earlier as_of window) or more data."
        )


def _resolve_features(
    X: pd.DataFrame, features: str | Iterable[str] | None, owner: str
) -> tuple[list[str], list[str]]:
    """Return (features to use, default features dropped because constant)."""
    explicit = features is not None
    if features is None:
        wanted = [c for c in DEFAULT_FEATURES if c in X.columns]
        if not wanted:
            raise ParameterError(
                f"None of the default segmentation features of {owner} "
                f"({', '.join(DEFAULT_FEATURES)}) is a column of the table (nor derivable from "
                "it). Pass features=[...] naming numeric columns to cluster on."
            )
    else:
        wanted = [features] if isinstance(features, str) else list(features)
        check_param(len(wanted) > 0, "features", owner,
                    "None (the default set) or a non-empty list of column names", features)
        dupes = sorted({c for c in wanted if wanted.count(c) > 1})
        check_param(not dupes, "features", owner, "a list without repeated names", features,
                    f"Repeated: {dupes}.")
        unknown = [c for c in wanted if c not in X.columns]
        if unknown:
            raise ParameterError(
                f"The 'features' parameter of {owner} names column(s) not in the table: "
                f"{unknown}. Available columns: {list(X.columns)}."
            )
    non_numeric = [c for c in wanted if not pd.api.types.is_numeric_dtype(X[c])
                   or pd.api.types.is_bool_dtype(X[c])]
    if non_numeric:
        raise ParameterError(
            f"The 'features' parameter of {owner} must name numeric columns; {non_numeric} are "
            "not numeric. Encode them as numbers or leave them out."
        )
    constant = [c for c in wanted if not X[c].notna().any() or X[c].min() == X[c].max()]
    if constant and explicit:
        raise ParameterError(
            f"Feature(s) {constant} of {owner} take a single value (or are all missing) for every "
            "customer, so they cannot separate segments. Remove them from features=."
        )
    used = [c for c in wanted if c not in constant]
    if not used:
        raise InsufficientDataError(
            f"Every default feature of {owner} is constant in this table ({constant}); there is "
            "nothing to cluster on. Pass features=[...] with columns that vary between customers."
        )
    return used, constant


def _labels_series(labels: Any, X: pd.DataFrame, owner: str) -> pd.Series:
    if isinstance(labels, pd.Series):
        out = align_to_index(labels, X.index, lambda missing: (
            f"The 'labels' parameter of {owner} has no label for {len(missing)} customer(s) "
            f"of the table (e.g. {list(missing[:3])}). Pass one label per customer."))
    else:
        arr = np.asarray(labels)
        check_param(arr.ndim == 1 and len(arr) == len(X), "labels", owner,
                    f"one label per customer ({len(X)} values)", f"array of shape {arr.shape}")
        out = pd.Series(arr, index=X.index)
    if out.isna().any():
        raise ParameterError(f"The 'labels' parameter of {owner} contains missing values.")
    return out.rename("segment")


def derive_features(table: pd.DataFrame, *, tx: pd.DataFrame | None = None,
                    as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Add the ratio features of ``DERIVED_FEATURES`` to a customer feature table, and, on
    request, the buying-pattern features.

    Parameters
    ----------
    table : DataFrame
        Customer feature table indexed by ``customer_id`` (``features.customer_table``).
    tx : DataFrame, optional
        Transactions: also add the candidate features :data:`mining.features.BUYING_FEATURES`
        (repeat, cross and up-buying: every column of :func:`mining.features.buying_patterns`
        but ``n_orders``, e.g. ``repeat_spend_share``, ``cross_spend_share``, ``upbuy_index``)
        at ``as_of`` (rows before it only). They are
        *candidates*: ``DEFAULT_FEATURES`` does not include them, so a segmentation uses them
        only when ``features=[...]`` names them (e.g.
        ``[*segment.DEFAULT_FEATURES, "repeat_spend_share", "cross_spend_share"]``); every
        segmentation median-imputes their NaN (``upbuy_index`` of a customer who never bought
        again in a known category). Default None: nothing added, the table is as before.
    as_of : str or Timestamp, optional
        The date of ``table``; required with ``tx``.

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``units_per_line`` (units per order line) and
        ``mean_unit_price`` (money per unit) appended, each only when the table lacks it and has
        its two source columns, then the buying-pattern columns when ``tx`` is given (none when
        the table has them all already). A zero or missing denominator gives NaN. The input is
        not changed.

    Examples
    --------
    >>> t = pd.DataFrame({"n_lines": [2.0, 4.0], "quantity_total": [4.0, 4.0],
    ...                   "monetary_total": [10.0, 40.0]}, index=["a", "b"])
    >>> derive_features(t)[["units_per_line", "mean_unit_price"]].to_numpy().tolist()
    [[2.0, 2.5], [1.0, 10.0]]
    """
    owner = "derive_features"
    table = _check_table(table, owner)
    check_param(tx is None or isinstance(tx, pd.DataFrame), "tx", owner,
                "None or the transactions as a DataFrame", type(tx).__name__)
    check_param(tx is None or as_of is not None, "as_of", owner,
                "the date of the table when tx is given (buying patterns before it)", as_of)
    new = {}
    for name, (num, den) in DERIVED_FEATURES.items():
        if name in table.columns or num not in table.columns or den not in table.columns:
            continue
        d = pd.to_numeric(table[den], errors="coerce").astype(float)
        new[name] = pd.to_numeric(table[num], errors="coerce").astype(float) / d.where(d > 0)
    out = table.assign(**new) if new else table.copy()
    if tx is None:
        return out
    from mining.features import BUYING_FEATURES, with_buying_patterns  # a sibling package

    if all(c in out.columns for c in BUYING_FEATURES):
        return out
    return with_buying_patterns(out, tx, as_of=as_of)


# --------------------------------------------------------------------------------------------
# preprocessing
# --------------------------------------------------------------------------------------------


class LogSkewed(TransformerMixin, BaseEstimator):
    """log1p of skewed non-negative columns; other columns pass through.

    Parameters
    ----------
    columns : "auto", None or list of str, default "auto"
        "auto": every column whose values are all >= 0 and whose skewness exceeds
        ``skew_threshold`` (money, counts and day gaps usually are). None: no column.
        A list: exactly those columns (each must be non-negative).
    skew_threshold : float, default 1.0
        Fisher skewness above which "auto" logs a column.

    Attributes
    ----------
    columns_ : list of str
        The columns that are log1p-transformed.
    """

    def __init__(self, *, columns: str | Sequence[str] | None = "auto",
                 skew_threshold: float = SKEW_THRESHOLD) -> None:
        self.columns = columns
        self.skew_threshold = skew_threshold

    def fit(self, X: pd.DataFrame, y: Any = None) -> LogSkewed:
        X = pd.DataFrame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        if self.columns is None:
            self.columns_ = []
        elif isinstance(self.columns, str) and self.columns == "auto":
            cols = []
            for c in X.columns:
                v = X[c].dropna().to_numpy(dtype=float)
                if len(v) > 2 and v.min() >= 0 and v.std() > 0:
                    if float(skew(v)) > self.skew_threshold:
                        cols.append(c)
            self.columns_ = cols
        else:
            cols = [self.columns] if isinstance(self.columns, str) else list(self.columns)
            bad = [c for c in cols if c not in X.columns]
            if bad:
                raise ParameterError(
                    f"The 'log_features' parameter names column(s) that are not segmentation "
                    f"features: {bad}. Features: {list(X.columns)}."
                )
            neg = [c for c in cols if (X[c].dropna() < 0).any()]
            if neg:
                raise ParameterError(
                    f"The 'log_features' parameter names column(s) with negative values: {neg}. "
                    "log1p needs values >= 0; leave them out of log_features."
                )
            self.columns_ = cols
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        X = pd.DataFrame(X)
        arr = X.to_numpy(dtype=float, copy=True)  # a copy: the input is never mutated
        pos = [X.columns.get_loc(c) for c in self.columns_]
        if pos:
            arr[:, pos] = np.log1p(np.maximum(arr[:, pos], 0.0))  # NaN stays NaN
        return pd.DataFrame(arr, index=X.index, columns=X.columns)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.feature_names_in_, dtype=object)


def _make_pipeline(log_features: Any) -> Pipeline:
    log_cols = "auto" if log_features == "auto" else log_features
    if log_features is False:
        log_cols = None
    pipe = Pipeline([
        ("log", LogSkewed(columns=log_cols)),
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
    ])
    return pipe.set_output(transform="pandas")


def _transform(X: pd.DataFrame, feats: list[str], log_features: Any,
               owner: str) -> tuple[Pipeline, np.ndarray]:
    """Fit the preprocessing pipeline on ``X[feats]``; return it and the transformed matrix."""
    check_param(log_features in ("auto", None, False) or isinstance(log_features, Sequence),
                "log_features", owner, "'auto', None or a list of feature names", log_features)
    pipe = _make_pipeline(log_features)
    Z = pipe.fit_transform(X[feats]).to_numpy(dtype=float)
    return pipe, Z
