"""Churn labels and leakage-safe training sets (non-contractual and contractual).

The prediction date is ``as_of`` (the package's one name for a cutoff; ``cutoff=`` is accepted
for one release with a ``DeprecationWarning``). The label table carries its own definition in
the columns ``as_of`` and ``horizon_end`` (the label window ``[as_of, horizon_end)`` of each
row), so it survives filtering, joins and concatenation across several dates.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import threading
import warnings
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import (
    DataWarning,
    InsufficientDataError,
    ParameterError,
    SchemaError,
    check_date,
    check_param,
)
from mining.params import check_as_of, renamed_parameter

__all__ = [
    "churn_labels",
    "contractual_training_set",
    "scoring_set",
    "training_set",
]

_NEEDED = ("customer_id", "order_id", "timestamp")


def _check_tx(tx: pd.DataFrame, owner: str) -> None:
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(
            f"{owner} expects the transactions as a pandas DataFrame. Got {type(tx).__name__} "
            "instead. Load them with mining.io.load_transactions and mining.schema.clean_transactions."
        )
    missing = [c for c in _NEEDED if c not in tx.columns]
    if missing:
        raise SchemaError(
            [f"column {c!r} is missing (needed by {owner})" for c in missing], what="transactions"
        )
    if not pd.api.types.is_datetime64_any_dtype(tx["timestamp"]):
        raise SchemaError(
            [f"column 'timestamp' must be datetime64 for {owner}; got {tx['timestamp'].dtype}. "
             "Run mining.schema.validate_transactions first."],
            what="transactions",
        )
    if tx.empty:
        raise InsufficientDataError(f"{owner}: the transactions table has no rows.")


def _timestamp(value: Any, name: str, owner: str) -> pd.Timestamp:
    """A date parameter as a naive (UTC) Timestamp, or a ParameterError naming it."""
    if name == "as_of":
        return check_as_of(value, owner)
    return check_date(value, name, owner)


def _horizon(horizon_days: Any, owner: str) -> int:
    ok = (
        isinstance(horizon_days, numbers.Integral | float)
        and not isinstance(horizon_days, bool)
        and math.isfinite(float(horizon_days))
        and float(horizon_days) == int(horizon_days)
        and int(horizon_days) >= 1
    )
    check_param(ok, "horizon_days", owner, "a whole number of days >= 1", horizon_days,
                "Typical horizons are 30, 90 or 180 days.")
    return int(horizon_days)


def _orders(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer_id, order_id) with the order's first timestamp."""
    return (
        tx.loc[:, ["customer_id", "order_id", "timestamp"]]
        .dropna(subset=["customer_id", "timestamp"])
        .groupby(["customer_id", "order_id"], sort=False, observed=True)["timestamp"]
        .min()
        .reset_index()
    )


def _data_end(tx: pd.DataFrame, observed_until: Any, owner: str) -> pd.Timestamp:
    """End of observation: ``observed_until`` or the day after the last transaction's date."""
    if observed_until is not None:
        return _timestamp(observed_until, "observed_until", owner)
    return tx["timestamp"].max().normalize() + pd.Timedelta(days=1)


@renamed_parameter("cutoff", "as_of")
def churn_labels(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    observed_until: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Non-contractual churn labels: who bought before ``as_of`` and nothing in the horizon.

    A customer enters the table when they have at least one order with ``timestamp < as_of``.
    They have *churned* (客户流失) when they place no order in the label window
    ``[as_of, as_of + horizon_days)``. Nothing else is used, so the label is exactly what a firm
    could have observed ``horizon_days`` after the cutoff date ``as_of``.

    Parameters
    ----------
    tx : DataFrame
        Transactions in the contract (``customer_id``, ``order_id``, ``timestamp`` are used).
    as_of : str or Timestamp
        The prediction date (the cutoff; ``cutoff=`` is its deprecated old name). Features use
        only rows before it; labels only rows in the window. Must lie after the first and on or
        before the last transaction.
    horizon_days : int
        Length of the label window in days (>= 1). The window must fit inside the data:
        ``as_of + horizon_days <= observed_until``.
    observed_until : str or Timestamp, optional
        End of the observation period (exclusive). Default: the day after the date of the last
        transaction. Pass the export date when the data were observed beyond the last sale.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), columns:
        ``churned`` (bool), ``last_order`` (Timestamp of the last order before the cutoff),
        ``days_since_last_order`` (float, days from that order to the cutoff),
        ``orders_in_horizon`` (int, distinct orders in the window), ``next_order`` (first order at
        or after the cutoff, NaT if none in the data; a churner whose next order falls after the
        window left only temporarily, 暂时流失), and the label definition of the row:
        ``as_of`` (the cutoff) and ``horizon_end`` (end of the label window, exclusive).
        (Before 0.2 the cutoff and window end were in ``attrs["cutoff"]`` and
        ``attrs["horizon_end"]``.)

    Raises
    ------
    ParameterError
        ``as_of`` outside the data, or a window that ends after the data end (the message names
        the last date and the longest horizon that fits).
    InsufficientDataError
        Every customer has the same label (one class): nothing to learn.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...     "timestamp": pd.to_datetime(["2025-01-05", "2025-03-10", "2025-01-20", "2025-04-01"])})
    >>> lab = churn_labels(tx, as_of="2025-02-01", horizon_days=45)
    >>> lab["churned"].to_dict()
    {'a': False, 'b': True}
    >>> str(lab.loc["a", "horizon_end"].date())
    '2025-03-18'
    """
    owner = "churn_labels"
    _check_tx(tx, owner)
    cut = _timestamp(as_of, "as_of", owner)
    horizon = _horizon(horizon_days, owner)
    first, last = tx["timestamp"].min(), tx["timestamp"].max()
    if cut <= first or cut > last:
        raise ParameterError(
            f"The 'as_of' parameter of {owner} must lie inside the data, after the first "
            f"transaction ({first:%Y-%m-%d}) and on or before the last ({last:%Y-%m-%d}). Got "
            f"{cut:%Y-%m-%d} instead. Pick a date with history before it and a horizon after it."
        )
    end = cut + pd.Timedelta(days=horizon)
    data_end = _data_end(tx, observed_until, owner)
    if end > data_end:
        room = (data_end - cut).days
        raise ParameterError(
            f"The label window of {owner} ends on {end:%Y-%m-%d} (as_of {cut:%Y-%m-%d} + "
            f"horizon_days={horizon}), but the data end on {data_end:%Y-%m-%d} (the last "
            f"transaction is on {last:%Y-%m-%d}). Use horizon_days <= {max(room, 0)} or an "
            "earlier as_of."
        )
    orders = _orders(tx)
    before = orders[orders["timestamp"] < cut]
    if before.empty:
        raise InsufficientDataError(f"{owner}: no orders before as_of {cut:%Y-%m-%d}.")
    last_order = before.groupby("customer_id", observed=True)["timestamp"].max()
    after = orders[orders["timestamp"] >= cut]
    in_window = after[after["timestamp"] < end]
    n_in = in_window.groupby("customer_id", observed=True)["order_id"].nunique()
    next_order = after.groupby("customer_id", observed=True)["timestamp"].min()
    out = pd.DataFrame(index=pd.Index(last_order.index, name="customer_id"))
    out["orders_in_horizon"] = n_in.reindex(out.index, fill_value=0).astype("int64")
    out["churned"] = out["orders_in_horizon"].eq(0).astype(bool)
    out["last_order"] = last_order
    out["days_since_last_order"] = (cut - last_order).dt.total_seconds() / 86400.0
    out["next_order"] = next_order.reindex(out.index)
    out["as_of"] = cut
    out["horizon_end"] = end
    out = out[["churned", "last_order", "days_since_last_order", "orders_in_horizon",
               "next_order", "as_of", "horizon_end"]].sort_index()
    n_churn = int(out["churned"].sum())
    if n_churn in (0, len(out)):
        what = "churned" if n_churn else "bought again"
        raise InsufficientDataError(
            f"{owner}: all {len(out)} customers active before {cut:%Y-%m-%d} {what} in the "
            f"{horizon}-day window, so the label has one class and there is nothing to predict. "
            "Move as_of or change horizon_days."
        )
    return out


def _attributes(customers: pd.DataFrame, *, as_of: pd.Timestamp, owner: str) -> pd.DataFrame:
    """Customer attributes ready to join: indexed by customer_id, dates turned into day counts."""
    if not isinstance(customers, pd.DataFrame):
        raise ParameterError(
            f"The 'customers' parameter of {owner} must be a DataFrame of customer attributes. "
            f"Got {type(customers).__name__} instead."
        )
    attrs = customers
    if "customer_id" in attrs.columns:
        attrs = attrs.set_index("customer_id")
    elif attrs.index.name != "customer_id":
        raise SchemaError(
            ["the customers table needs a 'customer_id' column or index"], what="customers"
        )
    attrs = attrs.copy()
    attrs.index = attrs.index.astype("string")
    if attrs.index.has_duplicates:
        dup = attrs.index[attrs.index.duplicated()].unique()[:5].tolist()
        raise SchemaError([f"customer_id values repeat in the customers table, e.g. {dup}"],
                          what="customers")
    for col in list(attrs.columns):
        s = attrs[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            days = (as_of - s).dt.total_seconds() / 86400.0
            # a date after the cutoff is not known at the cutoff: leakage-safe means missing
            attrs[f"days_since_{col}"] = days.where(days >= 0)
            attrs = attrs.drop(columns=col)
    return attrs


def _join_attributes(X: pd.DataFrame, customers: pd.DataFrame | None, *, as_of: pd.Timestamp,
                     owner: str) -> pd.DataFrame:
    if customers is None:
        return X
    attrs = _attributes(customers, as_of=as_of, owner=owner)
    clash = [c for c in attrs.columns if c in X.columns]
    if clash:
        attrs = attrs.rename(columns={c: f"attr_{c}" for c in clash})
    X = X.copy()
    X.index = X.index.astype("string")
    X.index.name = "customer_id"
    return X.join(attrs, how="left")


#: customer tables computed lately: (fingerprint of the transactions, as_of) -> table. A
#: notebook builds the table at the same date several times (the training set at the cutoff,
#: the out-of-time test set at that same cutoff, the value at risk of the retention list); on
#: the default demo each costs 0.5-0.6 s, the fingerprint 0.06 s
_TABLES: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_TABLES_KEPT = 4
_TABLES_LOCK = threading.Lock()


def _fingerprint(tx: pd.DataFrame) -> tuple[Any, ...] | None:
    """What identifies the content of ``tx`` (every value, the index, the columns and their
    types, the order of the rows): a change in place gives another fingerprint. None when it
    cannot be computed (then nothing is cached)."""
    try:
        rows = pd.util.hash_pandas_object(tx, index=True, categorize=False).to_numpy()
    except (TypeError, ValueError):  # e.g. unhashable values in an object column
        return None
    digest = hashlib.blake2b(rows.tobytes(), digest_size=16).hexdigest()
    return (digest, tx.shape, tuple(map(str, tx.columns)), tuple(map(str, tx.dtypes)))


def customer_table_at(tx: pd.DataFrame, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """:func:`mining.features.customer_table` of ``tx`` at ``as_of`` (default settings), computed
    once per content of ``tx`` and date: the same transactions at the same date give a copy of
    the table computed before (the last few are kept); transactions changed in place are
    computed again. The result is always a fresh copy the caller may change."""
    from mining import features  # imported late: features is a sibling module

    key = None
    if isinstance(tx, pd.DataFrame):
        try:
            when = pd.Timestamp(as_of)
        except (TypeError, ValueError):
            when = None
        fingerprint = _fingerprint(tx) if when is not None and not pd.isna(when) else None
        key = (fingerprint, when) if fingerprint is not None else None
    if key is not None:
        with _TABLES_LOCK:
            hit = _TABLES.get(key)
            if hit is not None:
                _TABLES.move_to_end(key)
                return hit.copy()
    table = features.customer_table(tx, as_of=as_of)
    if key is not None:
        with _TABLES_LOCK:
            _TABLES[key] = table.copy()
            while len(_TABLES) > _TABLES_KEPT:
                _TABLES.popitem(last=False)
    return table


def _feature_table(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    X = customer_table_at(tx, as_of)
    X.index = X.index.astype("string")
    X.index.name = "customer_id"
    return X


def _with_buying(X: pd.DataFrame, tx: pd.DataFrame, as_of: pd.Timestamp, buying_patterns: Any,
                 owner: str) -> pd.DataFrame:
    """``X`` with the buying-pattern features when ``buying_patterns`` is True."""
    check_param(isinstance(buying_patterns, bool | np.bool_), "buying_patterns", owner,
                "True or False", buying_patterns)
    if not buying_patterns:
        return X
    from mining.features import with_buying_patterns  # imported late: a sibling module

    return with_buying_patterns(X, tx, as_of=as_of)


@renamed_parameter("cutoff", "as_of")
def training_set(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    customers: pd.DataFrame | None = None,
    observed_until: str | pd.Timestamp | None = None,
    buying_patterns: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features before ``as_of`` and churn labels after it, one row per customer (leakage-safe).

    ``X`` is :func:`mining.features.customer_table` computed at ``as_of`` (so only rows
    with ``timestamp < as_of`` are read) joined with the customer attributes, if given; ``y``
    is the ``churned`` column of :func:`churn_labels`. Changing or deleting transactions on or
    after ``as_of`` cannot change ``X``.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions (contract).
    as_of, horizon_days, observed_until
        See :func:`churn_labels` (``cutoff=`` is the deprecated old name of ``as_of``).
    customers : DataFrame, optional
        Customer attributes (``customer_id`` column or index). Text columns stay text (the model
        Pipeline one-hot encodes them); a date column ``d`` becomes ``days_since_d`` at the cutoff
        (missing when the date lies after the cutoff). Columns that share a name with a feature
        get the prefix ``attr_``. Do not pass label or ground-truth columns.
    buying_patterns : bool, default False
        Also give the model repeat, cross and up-buying: the columns
        :data:`mining.features.BUYING_FEATURES` (every column of
        :func:`mining.features.buying_patterns` but ``n_orders``, e.g. ``repeat_spend_share``,
        ``cross_spend_share``, ``upbuy_index``) at ``as_of`` (rows before it only), placed after
        the customer-table columns and before the attributes. Their NaN (``upbuy_index`` of a
        customer who never bought again in a known category; the category measures without a
        ``category`` column) are left as NaN: every model Pipeline of :func:`make_model`
        median-imputes numeric columns. Off by default, so ``X`` is as before.

    Returns
    -------
    X : DataFrame indexed by ``customer_id``
        Customers with at least one order before the cutoff.
    y : Series of bool named ``churned``, same index.
    """
    owner = "training_set"
    labels = churn_labels(tx, as_of=as_of, horizon_days=horizon_days,
                          observed_until=observed_until)
    cut = _timestamp(as_of, "as_of", owner)
    X = _join_attributes(_with_buying(_feature_table(tx, cut), tx, cut, buying_patterns, owner),
                         customers, as_of=cut, owner=owner)
    common = labels.index.intersection(X.index)
    if len(common) < len(labels):
        missing = labels.index.difference(X.index)[:5].tolist()
        raise InsufficientDataError(
            f"{owner}: {len(labels) - len(common)} labelled customers have no feature row "
            f"(e.g. {missing}); features.customer_table and churn_labels disagree on who was "
            "active before as_of."
        )
    X = X.loc[labels.index]
    y = labels["churned"].rename("churned")
    return X, y


def scoring_set(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    customers: pd.DataFrame | None = None,
    buying_patterns: bool = False,
) -> pd.DataFrame:
    """The same columns as :func:`training_set`'s ``X``, for customers as of ``as_of`` (no labels).

    Use it to score today's customers with a model trained at an earlier date: train with
    ``training_set(tx, as_of=c, horizon_days=h)`` where ``c + h <= as_of``, then
    ``churn_probability(model, scoring_set(tx, as_of=as_of))`` estimates who will buy nothing in
    the ``h`` days after ``as_of``. Pass the ``buying_patterns`` the model was trained with.
    """
    owner = "scoring_set"
    _check_tx(tx, owner)
    when = _timestamp(as_of, "as_of", owner)
    if when <= tx["timestamp"].min():
        raise ParameterError(
            f"The 'as_of' parameter of {owner} must lie after the first transaction "
            f"({tx['timestamp'].min():%Y-%m-%d}). Got {when:%Y-%m-%d} instead."
        )
    X = _with_buying(_feature_table(tx, when), tx, when, buying_patterns, owner)
    return _join_attributes(X, customers, as_of=when, owner=owner)


def _looks_numeric(s: pd.Series) -> tuple[bool, int]:
    """A text column whose non-blank values all parse as numbers; also count the blanks."""
    text = s.astype("string").str.strip()
    blank = text.isna() | text.eq("")
    if blank.all():
        return False, int(blank.sum())
    parsed = pd.to_numeric(text[~blank], errors="coerce")
    return bool(parsed.notna().all()), int(blank.sum())


def _find_id_column(frame: pd.DataFrame) -> Hashable | None:
    for col in frame.columns:
        if str(col).lower().replace("_", "").replace(" ", "") in {"customerid", "custid"}:
            return col
    return None


def contractual_training_set(
    customers: pd.DataFrame,
    *,
    label: str,
    positive: Any = "Yes",
    id_column: str | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Contractual churn (a subscriber table with a churn label column) as ``X, y``.

    In contractual settings (telecom, subscriptions) churn is observed: the contract ended. The
    table has one row per customer, attribute columns and a label column. Categorical encoding
    is not done here but inside the model Pipeline (:func:`make_model`: a ColumnTransformer with
    ``OneHotEncoder(handle_unknown="ignore")``), so new customers are encoded the same way.

    Parameters
    ----------
    customers : DataFrame
        One row per customer: attributes and the label column.
    label : str
        Name of the label column, e.g. ``"Churn"``.
    positive : scalar
        The label value that means "churned" (``"Yes"``; use ``1`` or ``True`` for 0/1 or bool
        labels). Every other value means "stayed".
    id_column : str, optional
        Customer id column, used as the index (``customer_id``) and not as a feature. Default:
        a column whose name reads ``customer_id``/``customerID`` if there is one, else the index.

    Returns
    -------
    X : DataFrame indexed by ``customer_id``
        Attribute columns. Text columns whose non-blank values are all numbers (``TotalCharges``
        in the IBM telco export) are converted to float, blanks becoming NaN; each conversion
        (and a label with more than two values) is stated in a :class:`mining.errors.DataWarning`
        (before 0.2 these notes were in ``X.attrs["notes"]``).
    y : Series of bool named ``churned``.

    Raises
    ------
    SchemaError
        Label or id column missing, label values missing (rows named), repeated ids.
    InsufficientDataError
        The label has one class only (the message lists the values found).
    """
    owner = "contractual_training_set"
    if not isinstance(customers, pd.DataFrame):
        raise ParameterError(
            f"The 'customers' parameter of {owner} must be a DataFrame. Got "
            f"{type(customers).__name__} instead."
        )
    if label not in customers.columns:
        raise SchemaError(
            [f"label column {label!r} not found; columns are {list(customers.columns)[:20]}. "
             "Pass label=<the column that says whether the customer churned>."],
            what="customers",
        )
    frame = customers.copy()
    notes: list[str] = []
    id_col = id_column if id_column is not None else _find_id_column(frame)
    if id_col is not None:
        if id_col not in frame.columns:
            raise SchemaError([f"id column {id_col!r} not found"], what="customers")
        frame = frame.set_index(id_col)
    frame.index = frame.index.astype("string")
    frame.index.name = "customer_id"
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()[:5].tolist()
        raise SchemaError([f"customer ids repeat, e.g. {dup}; one row per customer is needed"],
                          what="customers")

    raw = frame[label]
    text = raw.astype("string").str.strip() if not pd.api.types.is_numeric_dtype(raw) else raw
    missing = text.isna() | (text.eq("") if text.dtype == "string" else False)
    if bool(np.any(missing)):
        rows = frame.index[np.asarray(missing, dtype=bool)][:5].tolist()
        raise SchemaError(
            [f"label column {label!r} has {int(np.sum(missing))} missing or blank values "
             f"(customers {rows}...). Drop those rows or fill the label before training."],
            what="customers",
        )
    values = pd.unique(text)
    y = pd.Series(np.asarray(text == positive, dtype=bool), index=frame.index, name="churned")
    n_pos = int(y.sum())
    if n_pos in (0, len(y)):
        found = sorted(map(str, values))[:10]
        hint = (f" positive={positive!r} is not among them; pass the value that means churned."
                if n_pos == 0 else " Every customer churned.")
        raise InsufficientDataError(
            f"{owner}: label column {label!r} has one class only (values found: {found}).{hint} "
            "A model needs churners and stayers."
        )
    if len(values) > 2:
        notes.append(f"{label}: {len(values)} distinct values; {positive!r} counts as churned, "
                     "every other value as stayed")

    X = frame.drop(columns=[label])
    for col in list(X.columns):
        s = X[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        numeric, n_blank = _looks_numeric(s)
        if numeric:
            X[col] = pd.to_numeric(s.astype("string").str.strip().replace("", pd.NA),
                                   errors="coerce").astype("float64")
            if n_blank:
                notes.append(f"{col}: text column read as numbers; {n_blank} blank value"
                             f"{'s' if n_blank != 1 else ''} set to missing (NaN), imputed in "
                             "the model Pipeline")
            else:
                notes.append(f"{col}: text column read as numbers")
    for note in notes:
        warnings.warn(f"{owner}: {note}.", DataWarning, stacklevel=2)
    return X, y

