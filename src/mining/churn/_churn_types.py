"""Churn types (客户流失类型) of the customers who churned at a cutoff, from transactions only.

A customer active before ``as_of`` has churned when they place no order in the label window
``[as_of, as_of + horizon_days)`` (:func:`mining.churn.churn_labels`). Each churner gets three
types, every rule applied to the transactions alone:

* **permanence**, out of time: ``temporary`` (暂时流失) when the customer orders again in the
  return window ``[horizon_end, horizon_end + return_window_days)`` right after the label window
  (a lapser who comes back), ``permanent`` (永久流失) when they do not. The return window must lie
  inside the data.
* **degree before the last order** (初始 / 半 / 完全流失), from the customer's own trend: the
  *recent* orders are those in the ``trend_days`` up to and including the last order before
  ``as_of``, the *baseline* the orders before. With ``spend_ratio`` = mean spend per recent order
  / mean spend per baseline order and ``category_ratio`` = mean distinct categories per recent
  order / the same for the baseline (1.0 without a ``category`` column):

  - ``partial`` (半流失) when ``spend_ratio <= 0.5`` or ``category_ratio <= 0.5``: before leaving
    the customer already bought only part of what they used to (the rest elsewhere);
  - ``initial`` (初始流失) when not partial and ``spend_ratio <= 0.8`` or ``category_ratio <=
    0.8``: the first signs of leaving;
  - ``complete`` (完全流失) otherwise: no earlier decline, the customer went from their full level
    of trade to none in one step;
  - ``unknown`` when the baseline has fewer than ``min_baseline_orders`` (2) orders (too little
    history for a baseline).

* **visibility**: ``explicit`` (显性流失) when a cancellation is recorded for the customer
  (``cancelled``: e.g. a contract end), ``implicit`` (隐性流失) otherwise: a shop's customers just
  stop buying. For a contract table (Telco style) use :func:`contract_churn_types`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from mining.churn._labels import _check_tx, _data_end, _horizon, _timestamp, churn_labels
from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.findings import Evidence
from mining.params import check_as_of

__all__ = ["CHURN_DEGREES", "CHURN_TYPE_COLUMNS", "CHURN_TYPE_NAMES_ZH", "churn_types",
           "churn_types_in_data", "churn_types_in_words", "churn_types_vs_planted",
           "contract_churn_types"]

#: Degrees of churn before the last order, from none to the strongest decline.
CHURN_DEGREES: tuple[str, ...] = ("complete", "initial", "partial", "unknown")
#: The columns of :func:`mining.churn.churn_types`, in order (also of an empty table).
CHURN_TYPE_COLUMNS: tuple[str, ...] = (
    "last_order", "next_order", "permanence", "permanence_zh", "n_baseline_orders",
    "n_recent_orders", "spend_ratio", "category_ratio", "degree", "degree_zh", "visibility",
    "visibility_zh", "as_of", "horizon_end", "return_end",
)
#: The Chinese names of the values of :func:`churn_types` (temporary -> 暂时流失, ...).
CHURN_TYPE_NAMES_ZH: dict[str, str] = {
    "temporary": "暂时流失", "permanent": "永久流失", "complete": "完全流失", "initial": "初始流失",
    "partial": "半流失", "unknown": "", "explicit": "显性流失", "implicit": "隐性流失"}


def _days(value: Any, name: str, owner: str) -> int:
    check_param(isinstance(value, numbers.Integral) and not isinstance(value, bool)
                and int(value) >= 1, name, owner, "a whole number of days >= 1", value)
    return int(value)


def churn_types(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, horizon_days: int = 90,
                return_window_days: int = 90, trend_days: int = 180,
                min_baseline_orders: int = 2, cancelled: pd.Series | None = None,
                observed_until: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """The churn types of every customer who churned at ``as_of`` (rules in the module doc).

    Parameters
    ----------
    tx : DataFrame
        Transactions (``customer_id``, ``order_id``, ``timestamp``, ``quantity``, ``unit_price``;
        ``category`` if present).
    as_of : str or Timestamp
        The cutoff of the churn labels.
    horizon_days : int
        Label window (days): churned = no order in ``[as_of, as_of + horizon_days)``.
    return_window_days : int
        Return window (days) after the label window: an order in it makes the churn temporary.
    trend_days : int
        Length (days) of the recent period before the last order.
    min_baseline_orders : int
        Baseline orders needed for a degree (else ``unknown``).
    cancelled : Series, optional
        customer_id -> bool (or a date, non-null = cancelled): recorded cancellations.
    observed_until : str or Timestamp, optional
        End of the data (exclusive); default the day after the last transaction.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (the churners only): ``last_order``, ``next_order``
    (NaT: none in the data), ``permanence`` / ``permanence_zh``, ``n_baseline_orders``,
    ``n_recent_orders``, ``spend_ratio``, ``category_ratio`` (NaN when unknown), ``degree`` /
    ``degree_zh``, ``visibility`` / ``visibility_zh``, ``as_of``, ``horizon_end``,
    ``return_end``.

    Examples
    --------
    >>> d = lambda s: pd.Timestamp(s)
    >>> rows = [("a", f"a{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 20.0, "x")
    ...         for i in range(8)]
    >>> rows += [("a", "a9", d("2025-03-01"), 20.0, "x")]          # back after the windows
    >>> rows += [("b", f"b{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 30.0, "x")
    ...          for i in range(6)] + [("b", "b6", d("2024-07-01"), 5.0, "x")]
    >>> rows += [("c", "c0", d("2024-01-01"), 9.0, "x"), ("c", "c1", d("2024-11-20"), 9.0, "x")]
    >>> tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "unit_price",
    ...                                  "category"]).assign(quantity=1.0)
    >>> t = churn_types(tx, as_of="2024-09-01", horizon_days=90, return_window_days=120,
    ...                 trend_days=60, observed_until="2025-06-01")
    >>> t[["permanence", "degree"]].to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'a': {'permanence': 'temporary', 'degree': 'complete'},
     'b': {'permanence': 'permanent', 'degree': 'initial'}}
    """
    owner = "churn_types"
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(f"{owner} expects the transactions as a DataFrame. Got "
                             f"{type(tx).__name__} instead.")
    missing = [c for c in ("quantity", "unit_price") if c not in tx.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what="transactions")
    when = check_as_of(as_of, owner)
    horizon = _days(horizon_days, "horizon_days", owner)
    back = _days(return_window_days, "return_window_days", owner)
    trend = _days(trend_days, "trend_days", owner)
    min_base = _days(min_baseline_orders, "min_baseline_orders", owner)
    labels = churn_labels(tx, as_of=when, horizon_days=horizon, observed_until=observed_until)
    end = _data_end(tx, observed_until, owner)
    horizon_end = when + pd.Timedelta(days=horizon)
    return_end = horizon_end + pd.Timedelta(days=back)
    if return_end > end:
        raise InsufficientDataError(
            f"The 'return_window_days' parameter of {owner} must fit in the data: as_of + "
            f"horizon_days + return_window_days = {return_end:%Y-%m-%d} is after the data end "
            f"{end:%Y-%m-%d}. Choose an earlier as_of or a shorter window.")
    out = labels.loc[labels["churned"], ["last_order", "next_order"]].copy()
    out["permanence"] = np.where(out["next_order"].notna() & (out["next_order"] < return_end),
                                 "temporary", "permanent")

    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    past = past.loc[past["customer_id"].astype("string").isin(out.index)]
    lines = pd.DataFrame({
        "customer_id": past["customer_id"].astype("string").to_numpy(),
        "order_id": past["order_id"].astype("string").to_numpy(),
        "timestamp": past["timestamp"].to_numpy(),
        "amount": (past["quantity"].astype(float) * past["unit_price"].astype(float)).to_numpy(),
        "category": (past["category"].astype("string").to_numpy() if "category" in past
                     else pd.array(["all"] * len(past), dtype="string")),
    })
    orders = lines.groupby(["customer_id", "order_id"], sort=False).agg(
        timestamp=("timestamp", "min"), spend=("amount", "sum"),
        categories=("category", "nunique")).reset_index()
    last = out["last_order"].reindex(orders["customer_id"]).to_numpy()
    orders["recent"] = orders["timestamp"].to_numpy() > last - pd.Timedelta(days=trend)
    g = orders.groupby(["customer_id", "recent"])
    stats = g.agg(n=("spend", "size"), spend=("spend", "mean"),
                  categories=("categories", "mean")).unstack("recent")
    n_base = stats[("n", False)] if ("n", False) in stats else pd.Series(0, index=stats.index)
    n_recent = stats[("n", True)] if ("n", True) in stats else pd.Series(0, index=stats.index)
    out["n_baseline_orders"] = n_base.reindex(out.index).fillna(0).astype("int64")
    out["n_recent_orders"] = n_recent.reindex(out.index).fillna(0).astype("int64")
    known = out["n_baseline_orders"] >= min_base
    for col, name in (("spend", "spend_ratio"), ("categories", "category_ratio")):
        if (col, False) in stats and (col, True) in stats:
            ratio = stats[(col, True)] / stats[(col, False)].where(stats[(col, False)] > 0)
        else:
            ratio = pd.Series(np.nan, index=stats.index)
        out[name] = ratio.reindex(out.index).where(known).astype("float64")
    s, c = out["spend_ratio"], out["category_ratio"]
    out["degree"] = np.select([~known, (s <= 0.5) | (c <= 0.5), (s <= 0.8) | (c <= 0.8)],
                              ["unknown", "partial", "initial"], default="complete")
    if cancelled is None:
        out["visibility"] = "implicit"
    else:
        if not isinstance(cancelled, pd.Series):
            raise ParameterError(f"The 'cancelled' parameter of {owner} must be a Series "
                                 f"indexed by customer_id. Got {type(cancelled).__name__} instead.")
        flag = cancelled.copy()
        flag.index = flag.index.astype("string")
        flag = (flag.astype(bool) if flag.dtype == bool else flag.notna() & flag.ne(False))
        out["visibility"] = np.where(flag.reindex(out.index, fill_value=False).astype(bool),
                                     "explicit", "implicit")
    for col in ("permanence", "degree", "visibility"):
        out[col] = out[col].astype("string")
        out[f"{col}_zh"] = out[col].map(CHURN_TYPE_NAMES_ZH).astype("string")
    out["as_of"], out["horizon_end"], out["return_end"] = when, horizon_end, return_end
    return out[list(CHURN_TYPE_COLUMNS)]


def contract_churn_types(customers: pd.DataFrame, *, churn_column: str = "Churn",
                         contract_column: str = "Contract",
                         id_column: str = "customerID") -> pd.DataFrame:
    """Explicit vs implicit churn in a contract table (Telco style): a churner who ended a
    contract is explicit (显性流失); a churner without a contract on record implicit (隐性流失).

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``id_column``, ``churn_column`` (Yes/No, 1/0 or bool) and
        ``contract_column`` (the contract type; empty = no contract on record).

    Returns
    -------
    DataFrame indexed by ``customer_id``, the churners only: ``contract``, ``visibility``,
    ``visibility_zh``.

    >>> t = pd.DataFrame({"customerID": ["a", "b", "c"], "Churn": ["Yes", "No", "Yes"],
    ...                   "Contract": ["One year", "Month-to-month", None]})
    >>> contract_churn_types(t)["visibility"].tolist()
    ['explicit', 'implicit']
    """
    owner = "contract_churn_types"
    if not isinstance(customers, pd.DataFrame):
        raise ParameterError(f"{owner} expects a DataFrame. Got {type(customers).__name__}.")
    missing = [c for c in (id_column, churn_column, contract_column) if c not in customers]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner}; pass id_column=, "
                           "churn_column= or contract_column=)" for c in missing])
    raw = customers[churn_column]
    churned = (raw.astype(str).str.strip().str.lower().isin(["yes", "1", "true"]))
    t = customers.loc[churned, [id_column, contract_column]]
    contract = t[contract_column].astype("string").str.strip()
    has = contract.notna() & contract.ne("")
    out = pd.DataFrame({"contract": contract.to_numpy(),
                        "visibility": np.where(has, "explicit", "implicit")},
                       index=pd.Index(t[id_column].astype("string"), name="customer_id"))
    out["visibility"] = out["visibility"].astype("string")
    out["visibility_zh"] = out["visibility"].map(CHURN_TYPE_NAMES_ZH).astype("string")
    return out


# --------------------------------------------------------------------------------------------
# churn types in the data there is: the return window shortened to the data end
# --------------------------------------------------------------------------------------------


def churn_types_in_data(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    horizon_days: int = 90,
    longest_return_days: int = 90,
    observed_until: str | pd.Timestamp | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`mining.churn.churn_types` with the longest return window the data hold.

    The return window (days after the label window in which a churner's order makes the churn
    temporary) is ``min(longest_return_days, days from as_of + horizon_days to the data end)``:
    the full window when the data reach far enough, else as much as there is. When the label
    window ends at the data end (no day left) the table is empty, with the same columns, and
    :func:`churn_types_in_words` says why.

    Parameters
    ----------
    tx, as_of, horizon_days, observed_until
        As for :func:`mining.churn.churn_types`.
    longest_return_days : int
        The return window (days) wanted; shortened to the data end.
    **options
        Other options of :func:`mining.churn.churn_types` (``trend_days``,
        ``min_baseline_orders``, ``cancelled``).

    Returns
    -------
    DataFrame
        The churn types, columns :data:`CHURN_TYPE_COLUMNS`; the window used is
        ``return_end - horizon_end`` of each row.
    """
    owner = "churn_types_in_data"
    check_param(isinstance(longest_return_days, numbers.Integral)
                and not isinstance(longest_return_days, bool) and longest_return_days >= 1,
                "longest_return_days", owner, "a whole number of days >= 1", longest_return_days)
    if "return_window_days" in options:
        raise ParameterError(f"{owner} chooses return_window_days itself; pass "
                             "longest_return_days=, or call churn.churn_types.")
    _check_tx(tx, owner)
    cut = _timestamp(as_of, "as_of", owner)
    end = _data_end(tx, observed_until, owner)
    room = (end - (cut + pd.Timedelta(days=_horizon(horizon_days, owner)))).days
    if room < 1:
        churn_labels(tx, as_of=cut, horizon_days=horizon_days, observed_until=observed_until)
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CHURN_TYPE_COLUMNS},
                            index=pd.Index([], dtype="string", name="customer_id"))
    return churn_types(tx, as_of=cut, horizon_days=horizon_days,
                       return_window_days=min(int(longest_return_days), room),
                       observed_until=observed_until, **options)


def churn_types_in_words(types: pd.DataFrame) -> str:
    """One sentence on a churn-type table (:func:`churn_types_in_data` or ``churn_types``):
    churners, temporary vs permanent with the return window used, and the degrees.

    >>> t = pd.DataFrame({"permanence": ["temporary", "permanent", "permanent", "permanent"],
    ...                   "degree": ["complete", "partial", "unknown", "complete"],
    ...                   "horizon_end": pd.Timestamp("2025-04-01"),
    ...                   "return_end": pd.Timestamp("2025-06-30")})
    >>> print(churn_types_in_words(t))
    4 churners: 25% came back within the 90-day return window (temporary, 暂时流失), 75% did not (permanent, 永久流失). Degree before leaving, for the 3 with enough history: 67% complete (完全流失), 0% initial (初始流失), 33% partial (半流失).
    """
    owner = "churn_types_in_words"
    if not isinstance(types, pd.DataFrame):
        raise ParameterError(f"{owner} expects the table of churn.churn_types. Got "
                             f"{type(types).__name__} instead.")
    missing = [c for c in ("permanence", "degree", "horizon_end", "return_end")
               if c not in types.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what="churn types")
    if types.empty:
        return ("No churn types: the label window ends where the data end, so no day is left "
                "to see which churners come back. Choose an earlier cutoff (at least a few "
                "weeks before the data end minus horizon_days).")
    n = len(types)
    window = int((types["return_end"].iloc[0] - types["horizon_end"].iloc[0]).days)
    temporary = float((types["permanence"] == "temporary").mean())
    known = types.loc[types["degree"] != "unknown", "degree"]
    text = (f"{n:,} churners: {temporary:.0%} came back within the {window}-day return window "
            f"(temporary, {CHURN_TYPE_NAMES_ZH['temporary']}), {1 - temporary:.0%} did not (permanent, "
            f"{CHURN_TYPE_NAMES_ZH['permanent']}).")
    if len(known) == 0:
        return text + " None has enough history before leaving to judge a degree."
    shares = known.value_counts(normalize=True)
    parts = [f"{shares.get(d, 0.0):.0%} {d} ({CHURN_TYPE_NAMES_ZH[d]})" for d in ("complete", "initial", "partial")]
    return (text + f" Degree before leaving, for the {len(known):,} with enough history: "
            + ", ".join(parts) + ".")


def churn_types_vs_planted(types: pd.DataFrame, truth: Any) -> list[Evidence]:
    """The churn types found against the demo's planted lapsers and decliners; empty for real
    data (``truth`` None or without ``returning_lapsers``).

    One row per planted group among the churners of ``types`` (from :func:`churn_types` at one
    cutoff): ``returning lapsers due back`` (planted gap over the cutoff, planted return inside
    the return window), ``partial decliners`` (planted decline over before the cutoff) and
    ``other churners``; columns ``churners``, ``found_temporary`` and ``found_partial`` (shares
    of the row's churners), ``found_unknown_degree``."""
    lapsers = getattr(truth, "returning_lapsers", None)
    decliners = getattr(truth, "partial_decliners", None)
    if lapsers is None or decliners is None:
        return []
    if not isinstance(types, pd.DataFrame) or not {"permanence", "degree", "as_of"} <= set(types):
        raise ParameterError("churn_types_vs_planted expects the table of churn.churn_types "
                             "(columns permanence, degree, as_of).")
    if types.empty:
        return []
    cut, h_end, r_end = (types[c].iloc[0] for c in ("as_of", "horizon_end", "return_end"))
    due = lapsers.index[(lapsers["last_order_before"] < cut) & (lapsers["return_date"] >= h_end)
                        & (lapsers["return_date"] < r_end)]
    over = decliners.index[decliners["last_order"] < cut]
    groups = {"returning lapsers due back": types.index.isin(due),
              "partial decliners": types.index.isin(over)}
    groups["other churners"] = ~(groups["returning lapsers due back"] | groups["partial decliners"])
    rows = {}
    for name, rows_in in groups.items():
        t = types[rows_in]
        n = len(t)
        rows[name] = {"churners": n,
                      "found_temporary": (t["permanence"] == "temporary").mean() if n else np.nan,
                      "found_partial": (t["degree"] == "partial").mean() if n else np.nan,
                      "found_unknown_degree": (t["degree"] == "unknown").mean() if n else np.nan}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "planted"
    return [Evidence(f"Planted lapsers and decliners among the churners at {cut:%Y-%m-%d}: the "
                     "lapsers should be found temporary, the decliners partial",
                     table, percent=("found_temporary", "found_partial", "found_unknown_degree"),
                     count=("churners",))]
