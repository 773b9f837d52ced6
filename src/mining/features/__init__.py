"""The customer feature table: one row per customer, computed as of a cutoff (leakage-safe).

Every per-customer analysis (value, segment, churn, deviation) starts from
:func:`customer_table`. It reads **only** transaction lines with ``timestamp < as_of``: rows on
or after ``as_of`` can be added, changed or deleted without changing a single value of the table.
There is no default cutoff: ``as_of`` is always explicit.

======================  =========================================================================
column                  meaning (units)
======================  =========================================================================
first_purchase          timestamp of the customer's first line before ``as_of``
last_purchase           timestamp of the customer's last line before ``as_of``
recency_days            days from ``last_purchase`` to ``as_of`` (float, > 0)
n_orders                distinct ``order_id`` values
n_lines                 order lines
n_products              distinct ``product_id`` values
quantity_total          sum of ``quantity`` (units)
monetary_total          sum of ``quantity * unit_price`` (money)
monetary_mean_order     ``monetary_total / n_orders`` (money per order)
basket_size_mean        ``n_lines / n_orders`` (lines per order)
tenure_days             days from ``first_purchase`` to ``as_of`` (float)
ipt_mean_days           mean inter-purchase time: gaps in days between consecutive distinct
                        calendar dates on which the customer ordered; NaN with fewer than two
                        such dates (e.g. one-order customers)
ipt_median_days         median of the same gaps (NaN likewise)
ipt_std_days            population standard deviation (ddof=0) of the gaps: 0 for a single gap
orders_recent           orders placed in ``[as_of - recent_days, as_of)``
spend_recent            spend of those orders (money)
spend_trend             ``(r - b) / (r + b)`` with ``r = spend_recent / recent_days`` and
                        ``b`` = spend per day before the recent window (from
                        ``first_purchase`` to the window start): in [-1, 1], +1 = all spend
                        is recent, -1 = nothing recent, 0 = same pace (or no spend at all);
                        NaN when the first purchase lies inside the recent window
share_<category>        share of ``monetary_total`` spent in the category (only with
                        ``categories=True`` and a ``category`` column); 0 for customers who
                        spent nothing. Lines without a category count in no share.
======================  =========================================================================

An order's time is the time of its earliest line; an order counts as recent when that time is
in the recent window.

:func:`buying_patterns` measures repeat, cross and up-buying per customer
(:mod:`mining.features._buying`); :func:`with_buying_patterns` joins its :data:`BUYING_FEATURES`
to a customer table, :func:`buying_by_segment` averages it per segment and
:func:`buying_vs_planted` checks it against the demo's planted up- and cross-buyers
(:mod:`mining.features._buying_summary`).

``engine="spark"`` computes the same table with Spark SQL (:mod:`mining.features._spark`,
dispatched by :func:`mining.engines.use_engine`); both engines share the checks and the formulas
below (:func:`spend_trend`, :func:`spend_shares`).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from mining.engines import use_engine
from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.params import check_as_of

__all__ = ["BUYING_COLUMNS", "BUYING_FEATURES", "FEATURE_COLUMNS", "SHARE_PREFIX",
           "buying_by_segment", "buying_patterns", "buying_vs_planted", "category_column_name",
           "check_transactions", "customer_table", "with_buying_patterns"]

#: Columns of :func:`customer_table` before the ``share_<category>`` columns, in order.
FEATURE_COLUMNS: tuple[str, ...] = (
    "first_purchase",
    "last_purchase",
    "recency_days",
    "n_orders",
    "n_lines",
    "n_products",
    "quantity_total",
    "monetary_total",
    "monetary_mean_order",
    "basket_size_mean",
    "tenure_days",
    "ipt_mean_days",
    "ipt_median_days",
    "ipt_std_days",
    "orders_recent",
    "spend_recent",
    "spend_trend",
)
#: Prefix of the category spend-share columns.
SHARE_PREFIX = "share_"
_REQUIRED = ("customer_id", "order_id", "timestamp", "product_id", "quantity", "unit_price")
_DAY = pd.Timedelta(days=1)


def category_column_name(category: object) -> str:
    """Column name of a category's spend share: lowercase, runs of non-alphanumerics -> ``_``.

    >>> category_column_name("Home & Garden")
    'share_home_garden'
    """
    name = re.sub(r"[^0-9a-z]+", "_", str(category).lower()).strip("_")
    return SHARE_PREFIX + (name or "unnamed")


def _check_window(as_of: object, recent_days: object, categories: object,
                 owner: str) -> pd.Timestamp:
    """The cutoff of a customer table as a Timestamp, after checking the other two options.

    Shared by every engine (package-internal): ``as_of`` a date
    (:func:`mining.params.check_as_of`), ``recent_days`` a positive number of days,
    ``categories`` True or False.
    """
    when = check_as_of(as_of, owner)
    check_param(isinstance(recent_days, numbers.Real) and not isinstance(recent_days, bool)
                and np.isfinite(recent_days) and recent_days > 0,
                "recent_days", owner, "a positive number of days", recent_days)
    check_param(isinstance(categories, bool | np.bool_), "categories", owner, "True or False",
                categories)
    return when


def spend_trend(table: pd.DataFrame, *, start: pd.Timestamp, recent_days: float) -> np.ndarray:
    """``spend_trend`` from ``monetary_total``, ``spend_recent`` and ``first_purchase``.

    r = spend per day in the recent window (``start`` .. as_of, ``recent_days`` long), b = spend
    per day before it (first purchase .. ``start``); trend = (r - b) / (r + b) in [-1, 1], 0 when
    both are 0, NaN when the first purchase is inside the recent window. Shared by every engine.
    """
    before = table["monetary_total"] - table["spend_recent"]
    span_before = _days(start - table["first_purchase"])
    rate_recent = (table["spend_recent"] / float(recent_days)).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_before = np.where(span_before > 0, before / np.where(span_before > 0, span_before, 1),
                               np.nan)
        total_rate = rate_recent + rate_before
        trend = np.where(total_rate > 0, (rate_recent - rate_before)
                         / np.where(total_rate > 0, total_rate, 1), 0.0)
    return np.where(span_before > 0, trend, np.nan)


def spend_shares(spend: np.ndarray, total: pd.Series | np.ndarray) -> np.ndarray:
    """Per-category spend (customers x categories) as shares of each customer's total spend;
    0 for customers who spent nothing. Shared by every engine."""
    total = np.asarray(total, dtype="float64")
    shares = spend / np.where(total > 0, total, 1.0)[:, None]
    shares[total <= 0, :] = 0.0
    return shares


def _add_ratios(out: pd.DataFrame, when: pd.Timestamp) -> None:
    """Add ``monetary_mean_order``, ``basket_size_mean`` and ``tenure_days`` (every engine)."""
    out["monetary_mean_order"] = out["monetary_total"] / out["n_orders"]
    out["basket_size_mean"] = out["n_lines"] / out["n_orders"]
    out["tenure_days"] = _days(when - out["first_purchase"])


def _with_shares(out: pd.DataFrame, by_cat: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the ``share_<category>`` columns (alphabetical) from spend per customer and
    category column (``customer_id``, ``col``, ``amount``); every engine."""
    spend = by_cat.groupby(["customer_id", "col"])["amount"].sum().unstack(fill_value=0.0)
    spend.index = spend.index.astype("string")
    spend = spend.reindex(index=out.index, columns=sorted(spend.columns), fill_value=0.0)
    shares = spend_shares(spend.to_numpy(dtype="float64"), out["monetary_total"])
    share_df = pd.DataFrame(shares, index=out.index, columns=list(spend.columns))
    share_df.columns.name = None
    return pd.concat([out, share_df], axis=1)


def _days(delta: pd.Series | pd.Index) -> np.ndarray:
    """Time differences as float days (shared by every engine, package-internal)."""
    return np.asarray(delta / _DAY, dtype="float64")


def customer_table(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    recent_days: float = 90,
    categories: bool = True,
    engine: str = "pandas",
) -> pd.DataFrame:
    """One row of behavioural features per customer, from transaction lines before ``as_of``.

    ``engine="spark"`` runs the aggregation in Apache Spark (``pip install -e ".[spark]"``);
    ``tx`` may then also be a Spark DataFrame or a Parquet/CSV path, and the result is the same
    table (see :mod:`mining.features._spark`).

    Parameters
    ----------
    tx : DataFrame
        Transactions following the contract (``customer_id``, ``order_id``, ``timestamp``,
        ``product_id``, ``quantity``, ``unit_price`` are needed; ``category`` is used when
        present). Not modified.
    as_of : str or Timestamp
        The cutoff: only lines with ``timestamp < as_of`` are read. Required.
    recent_days : float
        Length of the recent window ``[as_of - recent_days, as_of)`` in days (> 0).
    categories : bool
        Add ``share_<category>`` spend shares when ``tx`` has a ``category`` column.
    engine : {"pandas", "spark", "duckdb"}
        Where the aggregation runs (see :func:`mining.engines.use_engine`). "duckdb" runs it
        in embedded DuckDB (:mod:`mining.features._duckdb`): the same table with bounded memory;
        ``tx`` may then also be a Parquet file or folder path, a CSV file path or a
        :func:`~mining.engines.duck.line_source` (a DuckDB database table).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (string dtype, sorted), one row per customer with at least
        one line before ``as_of``; columns :data:`FEATURE_COLUMNS` (see the module docstring)
        followed by the share columns in alphabetical order. ``attrs`` holds ``as_of`` and
        ``recent_days``.

    Raises
    ------
    SchemaError
        A needed column is missing, or ``timestamp`` is not a naive datetime column.
    ParameterError
        ``as_of`` is missing or not a date; ``recent_days`` is not a positive number.
    InsufficientDataError
        No line lies before ``as_of``.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"], "order_id": ["o1", "o2", "o3"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "product_id": ["p1", "p2", "p1"], "category": ["Food", "Toys", "Food"],
    ...     "quantity": [1.0, 2.0, 1.0], "unit_price": [10.0, 5.0, 4.0]})
    >>> X = customer_table(tx, as_of="2024-01-21")
    >>> X[["recency_days", "n_orders", "monetary_total", "ipt_mean_days", "share_food"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 recency_days  n_orders  monetary_total  ipt_mean_days  share_food
    customer_id
    a                    10.0         2            20.0           10.0         0.5
    b                    16.0         1             4.0            NaN         1.0
    """
    build = use_engine(engine, _customer_table, "mining.features._spark:customer_table_spark",
                       owner="customer_table",
                       duckdb_fn="mining.features._duckdb:customer_table_duckdb")
    return build(tx, as_of=as_of, recent_days=recent_days, categories=categories)


def check_transactions(tx: object, needed: Sequence[str], owner: str, *,
                       naive_timestamp: bool = False) -> pd.DataFrame:
    """``tx`` if it is a pandas DataFrame with every column in ``needed``, else an error naming
    ``owner``: ``ParameterError`` for another type, one ``SchemaError`` listing every missing
    column. With ``naive_timestamp`` the ``timestamp`` column must also be naive ``datetime64``
    (as :func:`mining.schema.validate_transactions` leaves it).

    >>> tx = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-01-01"])})
    >>> check_transactions(tx, ["customer_id", "timestamp"], "my_function").shape
    (1, 2)
    >>> check_transactions(tx, ["order_id"], "my_function")
    Traceback (most recent call last):
    ...
    mining.errors.SchemaError: The transactions table has 1 problem:
      - column 'order_id' is missing (needed by my_function)
    See data/README.md for the expected columns, or pass columns={...} to map yours.
    """
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(f"{owner} expects the transactions as a pandas DataFrame. "
                             f"Got {type(tx).__name__} instead.")
    missing = [c for c in needed if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    if naive_timestamp:
        ts_dtype = tx["timestamp"].dtype
        if not pd.api.types.is_datetime64_dtype(ts_dtype) or isinstance(ts_dtype,
                                                                         pd.DatetimeTZDtype):
            raise SchemaError([f"column 'timestamp' must be naive datetime64 (got {ts_dtype}); "
                               "run mining.schema.validate_transactions first"])
    return tx


def _customer_table(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, recent_days: float,
                    categories: bool) -> pd.DataFrame:
    """The pandas engine of :func:`customer_table`."""
    owner = "customer_table"
    check_transactions(tx, _REQUIRED, owner, naive_timestamp=True)
    when = _check_window(as_of, recent_days, categories, owner)

    use_cat = bool(categories) and "category" in tx.columns
    cols = list(_REQUIRED) + (["category"] if use_cat else [])
    past = tx.loc[tx["timestamp"] < when, cols]
    past = past[past["customer_id"].notna()]
    if past.empty:
        raise InsufficientDataError(
            f"{owner}: no transactions before as_of={when}; choose a later as_of "
            f"(the data start at {tx['timestamp'].min()})."
        )
    cid = past["customer_id"].astype("string")
    amount = past["quantity"].astype("float64") * past["unit_price"].astype("float64")
    lines = pd.DataFrame({
        "customer_id": cid.to_numpy(),
        "order_id": past["order_id"].astype("string").to_numpy(),
        "timestamp": past["timestamp"].to_numpy(),
        "product_id": past["product_id"].astype("string").to_numpy(),
        "quantity": past["quantity"].astype("float64").to_numpy(),
        "amount": amount.to_numpy(),
    })

    g = lines.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "first_purchase": g["timestamp"].min(),
        "last_purchase": g["timestamp"].max(),
    })
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    out["recency_days"] = _days(when - out["last_purchase"])

    orders = (lines.groupby(["customer_id", "order_id"], sort=False)
              .agg(ts=("timestamp", "min"), amount=("amount", "sum"))
              .reset_index())
    out["n_orders"] = orders.groupby("customer_id").size().reindex(out.index).astype("int64")
    out["n_lines"] = g.size().astype("int64")
    out["n_products"] = g["product_id"].nunique().astype("int64")
    out["quantity_total"] = g["quantity"].sum().astype("float64")
    out["monetary_total"] = g["amount"].sum().astype("float64")
    _add_ratios(out, when)

    # inter-purchase times between consecutive distinct order dates
    dates = (pd.DataFrame({"customer_id": orders["customer_id"],
                           "date": orders["ts"].dt.normalize()})
             .drop_duplicates()
             .sort_values(["customer_id", "date"], kind="mergesort"))
    same = dates["customer_id"].eq(dates["customer_id"].shift())
    gaps = pd.DataFrame({
        "customer_id": dates["customer_id"][same],
        "gap": _days(dates["date"].diff()[same]),
    })
    gg = gaps.groupby("customer_id")["gap"]
    ipt = pd.DataFrame({"ipt_mean_days": gg.mean(), "ipt_median_days": gg.median(),
                        "ipt_std_days": gg.std(ddof=0)})
    ipt.index = ipt.index.astype("string")
    out = out.join(ipt, how="left")
    for c in ("ipt_mean_days", "ipt_median_days", "ipt_std_days"):
        out[c] = out[c].astype("float64")

    # recent window and trend
    start = when - pd.Timedelta(days=float(recent_days))
    is_recent = orders["ts"] >= start
    recent = orders[is_recent].groupby("customer_id")["amount"].agg(["size", "sum"])
    recent.index = recent.index.astype("string")
    recent = recent.reindex(out.index)
    out["orders_recent"] = recent["size"].fillna(0).astype("int64")
    out["spend_recent"] = recent["sum"].fillna(0.0).astype("float64")
    out["spend_trend"] = spend_trend(out, start=start, recent_days=recent_days)

    if use_cat:
        cats = past["category"]
        keep = cats.notna().to_numpy()
        by_cat = pd.DataFrame({
            "customer_id": lines["customer_id"].to_numpy()[keep],
            "col": [category_column_name(c) for c in cats.to_numpy()[keep]],
            "amount": lines["amount"].to_numpy()[keep],
        })
        out = _with_shares(out, by_cat)

    out.attrs = {"as_of": when, "recent_days": float(recent_days)}
    return out


from mining.features._buying import BUYING_COLUMNS, buying_patterns  # noqa: E402 - after the shared helpers
from mining.features._buying_summary import (  # noqa: E402 - after _buying
    BUYING_FEATURES,
    buying_by_segment,
    buying_vs_planted,
    with_buying_patterns,
)
