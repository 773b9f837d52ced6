"""Whom to call: the retention list ranked by expected loss, with the campaign's return.

:func:`retention_list` is a plain table (export it with ``to_csv``); :func:`retention_summary`
reads the campaign's figures (contacts, cost, expected return) off its columns.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import DataWarning, InsufficientDataError, ParameterError, check_param

__all__ = ["retention_list", "retention_summary"]


def _series(obj: Any, name: str, column: str | None, owner: str) -> pd.Series:
    if isinstance(obj, pd.DataFrame):
        if column is None or column not in obj.columns:
            raise ParameterError(
                f"The {name!r} parameter of {owner} is a DataFrame; say which column to use "
                f"with {name}_column=... (columns: {list(obj.columns)[:10]})."
            )
        obj = obj[column]
    if not isinstance(obj, pd.Series):
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be a pandas Series indexed by customer_id. "
            f"Got {type(obj).__name__} instead."
        )
    s = pd.to_numeric(obj, errors="coerce").astype("float64")
    s.index = s.index.astype("string")
    s.index.name = "customer_id"
    if s.index.has_duplicates:
        raise ParameterError(f"{owner}: {name} has repeated customer ids; one value per customer.")
    return s


def retention_list(
    proba: pd.Series,
    value: pd.Series | pd.DataFrame,
    *,
    contact_cost: float,
    success_rate: float,
    value_column: str | None = "future_value",
) -> pd.DataFrame:
    """Rank customers by expected loss and say whom a retention campaign should contact (客户保持).

    For each customer with churn probability ``p`` and value ``v`` (the money lost if they
    leave; the recommended choice is ``future_value`` of
    :func:`mining.value.customer_lifetime_value`, the expected profit still to come, not the
    profit already earned):

    * ``expected_loss = p * v``: what the firm expects to lose by doing nothing;
    * contacting costs ``contact_cost`` and keeps a would-be churner with probability
      ``success_rate``, so ``expected_saved = success_rate * p * v`` and
      ``expected_return = expected_saved - contact_cost`` (the campaign's expected net return
      for that customer; a stayer who is contacted just costs the contact).

    The list is sorted by ``expected_loss`` (largest first; ``expected_return`` is then
    decreasing too), ``cumulative_return`` adds the returns down the list, and the recommended
    cut contacts exactly the customers whose expected gain exceeds the cost
    (``expected_saved > contact_cost``); ``cumulative_return`` peaks at that cut.

    Parameters
    ----------
    proba : Series indexed by customer_id
        Churn probabilities in [0, 1] (calibrated ones make the money columns meaningful).
    value : Series or DataFrame indexed by customer_id
        Customer value in money; a DataFrame is read at ``value_column``. Customers without a
        value get 0 (a :class:`mining.errors.DataWarning` says how many); values without a
        probability are ignored.
    contact_cost : float
        Cost of one contact (money, >= 0).
    success_rate : float
        Share of contacted would-be churners the campaign keeps, in [0, 1].

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``rank``, ``churn_probability``, ``value``,
    ``expected_loss``, ``expected_saved``, ``expected_return``, ``cumulative_return``,
    ``cumulative_cost``, ``contact`` (bool: the recommended cut). :func:`retention_summary`
    gives the number of contacts and the campaign's expected return (before 0.2 they were in
    ``attrs``). Export with ``to_csv``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.Series({"a": 0.9, "b": 0.2, "c": 0.5})
    >>> v = pd.Series({"a": 100.0, "b": 1000.0, "c": 10.0})
    >>> rl = retention_list(p, v, contact_cost=5.0, success_rate=0.2)
    >>> rl.index.tolist(), rl["contact"].tolist()
    (['b', 'a', 'c'], [True, True, False])
    """
    owner = "retention_list"
    for pname, x, lo, hi in (("contact_cost", contact_cost, 0.0, math.inf),
                             ("success_rate", success_rate, 0.0, 1.0)):
        ok = (isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))
              and lo <= float(x) <= hi)
        check_param(ok, pname, owner,
                    f"a number in [{lo:g}, {hi:g}]" if math.isfinite(hi) else "a number >= 0", x)
    p = _series(proba, "proba", None, owner)
    if p.empty:
        raise InsufficientDataError(f"{owner}: proba has no customers.")
    if p.isna().any() or p.min() < 0 or p.max() > 1:
        raise ParameterError(
            f"{owner}: proba must hold probabilities in [0, 1] without missing values; found "
            f"{int(p.isna().sum())} missing and range [{p.min():.3g}, {p.max():.3g}]."
        )
    v = _series(value, "value", value_column, owner)
    known = p.index.isin(v.index)
    v = v.reindex(p.index)
    n_missing = int((~known).sum() + v[known].isna().sum())
    if n_missing == len(p):
        raise ParameterError(
            f"{owner}: no customer of proba has a value (ids do not match, e.g. proba "
            f"{p.index[:3].tolist()} vs value {_series(value, 'value', value_column, owner).index[:3].tolist()})."
        )
    if n_missing:
        warnings.warn(f"{owner}: {n_missing} customers without a value counted as value 0.",
                      DataWarning, stacklevel=2)
    v = v.fillna(0.0)
    out = pd.DataFrame({"churn_probability": p, "value": v})
    out["expected_loss"] = out["churn_probability"] * out["value"]
    out["expected_saved"] = float(success_rate) * out["expected_loss"]
    out["expected_return"] = out["expected_saved"] - float(contact_cost)
    out = out.sort_values(["expected_loss", "churn_probability"], ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out["cumulative_return"] = out["expected_return"].cumsum()
    out["cumulative_cost"] = float(contact_cost) * out["rank"].astype(float)
    out["contact"] = out["expected_saved"] > float(contact_cost)
    return out[["rank", "churn_probability", "value", "expected_loss", "expected_saved",
                "expected_return", "cumulative_return", "cumulative_cost", "contact"]]


def retention_summary(retention: pd.DataFrame) -> pd.Series:
    """The campaign in four figures, read off a :func:`retention_list` table.

    Returns
    -------
    Series named ``retention``: ``customers`` (on the list), ``n_contact`` (the recommended
    cut), ``contact_cost`` (the cost of those contacts) and ``campaign_return`` (the expected
    net return of contacting them: the sum of their ``expected_return``).

    >>> p = pd.Series({"a": 0.9, "b": 0.2, "c": 0.5})
    >>> v = pd.Series({"a": 100.0, "b": 1000.0, "c": 10.0})
    >>> retention_summary(retention_list(p, v, contact_cost=5.0, success_rate=0.2)).to_dict()
    {'customers': 3.0, 'n_contact': 2.0, 'contact_cost': 10.0, 'campaign_return': 48.0}
    """
    need = {"rank", "contact", "expected_return", "cumulative_cost"}
    if not isinstance(retention, pd.DataFrame) or not need <= set(retention.columns):
        raise ParameterError(
            "The 'retention' parameter of retention_summary must be the table of "
            f"retention_list (columns {sorted(need)}). Got {type(retention).__name__} instead."
        )
    contact = retention["contact"].astype(bool)
    n = int(contact.sum())
    per_contact = (retention["cumulative_cost"] / retention["rank"]).to_numpy(dtype=float)
    cost = float(per_contact[0]) * n if len(retention) else 0.0
    return pd.Series({
        "customers": float(len(retention)),
        "n_contact": float(n),
        "contact_cost": cost,
        "campaign_return": float(retention.loc[contact, "expected_return"].sum()),
    }, name="retention")
