"""What the fitted models answer: predicted CLV and P(alive), the holdout check, frequency-recency
grids, movements between CLV-matrix classes, and the join onto the customer feature table.

Per-customer results are DataFrames with documented columns. The three aggregate analyses return
small frozen result objects holding their table (``.table``) and what describes it (totals, the
time unit, the options used), instead of ``DataFrame.attrs``, which pandas drops in many
operations; :mod:`mining.plots.clv` draws them.
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.clv._bgnbd import BetaGeoModel
from mining.clv._gamma_gamma import GammaGammaModel
from mining.clv._summary import (
    TIME_UNITS,
    customer_index,
    is_real,
    summary_arrays,
    summary_time_unit,
)
from mining.errors import NotFittedError, ParameterError, SchemaError, check_param

__all__ = [
    "CLV_TRANSITION_ROWS",
    "CLVTransitions",
    "FrequencyRecencyGrid",
    "HoldoutCheck",
    "clv_transitions",
    "frequency_recency_grid",
    "holdout_check",
    "join_clv",
    "lifetime_value",
]

_CLASSES = ("lead", "iron", "gold", "platinum")
#: Row labels of :func:`clv_transitions`: the four CLV classes and ``"new"`` (not yet a customer
#: at the first cutoff).
CLV_TRANSITION_ROWS: tuple[str, ...] = (*_CLASSES, "new")

_MONTH_DAYS = 365.25 / 12.0


# --------------------------------------------------------------------------------------------
# result objects
# --------------------------------------------------------------------------------------------


class _TableResult:
    """A result table with what describes it. ``.table`` is the table; reading the result as if
    it were the table (``result.round(2)``, ``result["actual"]``, ``result.attrs[...]``) still
    works for one release, with a ``DeprecationWarning``: these functions returned a DataFrame
    with ``attrs`` before 0.2."""

    table: pd.DataFrame

    def _old_use(self, what: str) -> None:
        warnings.warn(
            f"{type(self).__name__} is a result object since 0.2: use .table{what} for the "
            f"table and its fields ({', '.join(self._fields())}) for what describes it; reading "
            "it as a DataFrame will stop working in the next release.",
            DeprecationWarning, stacklevel=3,
        )

    def _fields(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self) if f.name != "table"]  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "table":  # private and IPython's _repr_*_ probes
            raise AttributeError(name)
        table = self.__dict__.get("table")
        if table is None or not hasattr(table, name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._old_use(f".{name}")
        return getattr(table, name)

    def __getitem__(self, key: Any) -> Any:
        self._old_use("[...]")
        return self.table[key]

    @property
    def attrs(self) -> dict[str, Any]:
        """The fields as the ``attrs`` dict of the DataFrame returned before 0.2 (deprecated)."""
        self._old_use(" (and the fields instead of .attrs)")
        return {name: getattr(self, name) for name in self._fields()}

    def _caption(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._caption()})\n{self.table!r}"

    def _repr_html_(self) -> str:
        return (f"<p><code>{type(self).__name__}</code>: {self._caption()}</p>"
                + self.table.to_html())


@dataclass(frozen=True, repr=False, eq=False)
class HoldoutCheck(_TableResult):
    """Output of :func:`holdout_check`.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``calibration_purchases`` (``"0"``, ``"1"``, .., ``"7+"``): ``customers``,
        ``actual`` and ``predicted`` (mean holdout purchases per customer).
    holdout_length : float
        The holdout period, in ``time_unit``.
    time_unit : str or None
        The summary's time unit (``"W"``, ``"D"``, ``"M"``).
    actual_total, predicted_total : float
        Holdout purchases of all customers, observed and expected.
    mean_absolute_error : float
        Mean of ``|actual - predicted|`` per customer (NaN without customers).
    model : str
        The count model's ``variant`` (``"bgnbd"``, ``"mbgnbd"``; empty when unknown).
    """

    table: pd.DataFrame
    holdout_length: float
    time_unit: str | None
    actual_total: float
    predicted_total: float
    mean_absolute_error: float
    model: str = ""

    @property
    def total_error(self) -> float:
        """``predicted_total / actual_total - 1``: +0.17 is 17% too many purchases."""
        return (self.predicted_total / self.actual_total - 1.0 if self.actual_total > 0
                else float("nan"))

    @property
    def group_error(self) -> float:
        """Mean over customers of ``|predicted - actual|`` of their frequency group's means:
        how far the curve of :func:`mining.plots.clv.plot_holdout_check` is off, per customer."""
        t = self.table
        n = float(t["customers"].sum())
        if n <= 0:
            return float("nan")
        gap = (t["predicted"] - t["actual"]).abs().fillna(0.0)
        return float((gap * t["customers"]).sum() / n)


@dataclass(frozen=True, repr=False, eq=False)
class FrequencyRecencyGrid(_TableResult):
    """Output of :func:`frequency_recency_grid`.

    Attributes
    ----------
    table : DataFrame
        Index ``repeat_purchases``, float columns ``time_to_last``; the cells hold ``quantity``.
    quantity : {"expected_purchases", "p_alive"}
    age : float
        Customer age T of every cell, in time units.
    t : float
        Prediction period of ``expected_purchases``, in time units.
    time_unit : str or None
        The model's ``time_unit_``.
    """

    table: pd.DataFrame
    quantity: str
    age: float
    t: float
    time_unit: str | None


@dataclass(frozen=True, repr=False, eq=False)
class CLVTransitions(_TableResult):
    """Output of :func:`clv_transitions`.

    Attributes
    ----------
    table : DataFrame
        Rows :data:`CLV_TRANSITION_ROWS` (``class_before``), columns lead/iron/gold/platinum
        (``class_after``): customer counts, or row shares with ``normalize``.
    stayed : int
        Customers who kept their class.
    missing_after : int
        Customers in ``before`` but not in ``after`` (0 when ``after`` is computed on the same
        data later).
    normalize : bool
        Whether ``table`` holds row shares.
    """

    table: pd.DataFrame
    stayed: int
    missing_after: int
    normalize: bool


# --------------------------------------------------------------------------------------------
# analyses
# --------------------------------------------------------------------------------------------


def _check_fitted(model: object, kind: type, name: str, owner: str) -> None:
    check_param(isinstance(model, kind), name, owner, f"a fitted {kind.__name__}", model)
    if not hasattr(model, "params_"):
        raise NotFittedError(f"The {name!r} parameter of {owner} must be a fitted "
                             f"{kind.__name__}; this one is not fitted yet. Call fit(summary) "
                             "first.")


def lifetime_value(
    summary: pd.DataFrame,
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    *,
    horizon_months: int = 12,
    margin: float = 0.3,
    annual_discount_rate: float = 0.1,
) -> pd.DataFrame:
    """Current value, P(alive), expected purchases and spend, and discounted future value.

    The horizon is cut into months (365.25 / 12 days, converted to the summary's time unit). For
    month ``i = 1..H`` the expected purchases are ``E[X(i)] - E[X(i - 1)]`` from the BG/NBD
    model, each month is discounted at ``d = (1 + annual_discount_rate) ** (1 / 12) - 1``
    (profit at the month's end, as in :func:`mining.value.customer_lifetime_value`), so

    ``future_value = margin * expected_spend * sum_i (E[X(i)] - E[X(i-1)]) / (1 + d) ** i``.

    Parameters
    ----------
    summary : DataFrame
        From :func:`mining.clv.calibration_summary`; its ``time_unit`` column gives the time
        unit (weeks when it has none).
    bgnbd, gamma_gamma : fitted models
        Unfitted ones raise :class:`mining.errors.NotFittedError`.
    horizon_months : int
        Months of future profit (>= 1).
    margin : float
        Profit margin on revenue, in (0, 1].
    annual_discount_rate : float
        Yearly discount rate (>= 0).

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``repeat_purchases``, ``total_spend`` (when the
    summary has it), ``current_value`` (margin * spend to date: the profit already earned),
    ``p_alive``, ``expected_purchases`` (over the horizon, undiscounted), ``expected_spend``
    (per purchase), ``future_value`` (discounted expected profit over the horizon: the
    predicted future part of CLV), ``clv`` (customer lifetime value as taught: ``current_value +
    future_value``; ``future_value`` alone when the summary has no spend, as in
    :func:`mining.value.customer_lifetime_value`) and ``total_value`` (the same as ``clv``,
    kept for old code). The settings are the caller's own arguments and the models'
    ``params_``.
    """
    owner = "lifetime_value"
    _check_fitted(bgnbd, BetaGeoModel, "bgnbd", owner)
    _check_fitted(gamma_gamma, GammaGammaModel, "gamma_gamma", owner)
    check_param(isinstance(horizon_months, numbers.Integral)
                and not isinstance(horizon_months, bool) and horizon_months >= 1,
                "horizon_months", owner, "an int >= 1 (months)", horizon_months)
    check_param(is_real(margin) and 0 < margin <= 1, "margin", owner, "a number in (0, 1]",
                margin)
    check_param(is_real(annual_discount_rate) and annual_discount_rate >= 0,
                "annual_discount_rate", owner, "a finite number >= 0 (e.g. 0.1 for 10%)",
                annual_discount_rate)
    summary_arrays(summary, owner)
    unit_days = TIME_UNITS[summary_time_unit(summary) or "W"]
    month = _MONTH_DAYS / unit_days
    d = (1.0 + float(annual_discount_rate)) ** (1.0 / 12.0) - 1.0
    cum = np.column_stack([np.zeros(len(summary))] + [
        bgnbd.expected_purchases(summary, i * month).to_numpy()
        for i in range(1, int(horizon_months) + 1)])
    per_month = np.diff(cum, axis=1)
    disc = (1.0 + d) ** -np.arange(1, int(horizon_months) + 1, dtype="float64")
    spend = gamma_gamma.expected_spend(summary).to_numpy()
    future = float(margin) * spend * (per_month @ disc)
    idx = customer_index(summary)
    out = pd.DataFrame({"repeat_purchases": summary["repeat_purchases"].to_numpy()}, index=idx)
    if "total_spend" in summary.columns:
        out["total_spend"] = summary["total_spend"].to_numpy(dtype="float64")
        out["current_value"] = float(margin) * out["total_spend"]
    out["p_alive"] = bgnbd.p_alive(summary).to_numpy()
    out["expected_purchases"] = cum[:, -1]
    out["expected_spend"] = spend
    out["future_value"] = future
    if "current_value" in out.columns:
        out["clv"] = out["current_value"] + future
        out["total_value"] = out["clv"]
    else:
        out["clv"] = future
    return out


def holdout_check(summary: pd.DataFrame, bgnbd: BetaGeoModel, *,
                  max_purchases: int = 7) -> HoldoutCheck:
    """Predicted vs actual holdout purchases by number of calibration repeat purchases.

    The classic check of Fader, Hardie and Lee (2005, figure 4): customers are grouped by
    ``repeat_purchases`` in calibration (the last group is ``max_purchases`` or more); for each
    group the mean actual purchases in the holdout and the mean BG/NBD expectation over the
    holdout length.

    Parameters
    ----------
    summary : DataFrame
        From :func:`mining.clv.calibration_summary` with ``holdout_end`` (columns
        ``holdout_purchases`` and ``holdout_length``).
    bgnbd : BetaGeoModel
        Fitted on the calibration part of the same summary.
    max_purchases : int
        Groups above this are pooled into the last one (>= 1).

    Returns
    -------
    HoldoutCheck
        ``table`` indexed by ``calibration_purchases`` (``"0"``, ``"1"``, .., ``"7+"``) with
        ``customers``, ``actual`` and ``predicted`` (mean holdout purchases per customer); and
        ``holdout_length``, ``time_unit``, the totals ``actual_total`` and ``predicted_total``
        and ``mean_absolute_error`` (per customer).
    """
    owner = "holdout_check"
    check_param(isinstance(max_purchases, numbers.Integral) and not isinstance(max_purchases, bool)
                and max_purchases >= 1, "max_purchases", owner, "an int >= 1", max_purchases)
    if not isinstance(summary, pd.DataFrame) or not {"holdout_purchases",
                                                     "holdout_length"} <= set(summary.columns):
        raise SchemaError([f"{owner} needs holdout_purchases and holdout_length: build the "
                           "summary with calibration_summary(..., holdout_end=...)"],
                          what="calibration summary")
    length = float(summary["holdout_length"].iloc[0]) if len(summary) else 0.0
    pred = bgnbd.expected_purchases(summary, length).to_numpy()
    actual = summary["holdout_purchases"].to_numpy(dtype="float64")
    k = np.minimum(summary["repeat_purchases"].to_numpy(dtype="int64"), int(max_purchases))
    labels = [str(i) for i in range(int(max_purchases))] + [f"{int(max_purchases)}+"]
    frame = pd.DataFrame({"k": k, "actual": actual, "predicted": pred})
    g = frame.groupby("k")
    out = pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                        "predicted": g["predicted"].mean()})
    out = out.reindex(range(int(max_purchases) + 1))
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out.index = pd.Index(labels, name="calibration_purchases")
    return HoldoutCheck(
        table=out, holdout_length=length, time_unit=summary_time_unit(summary),
        actual_total=float(actual.sum()), predicted_total=float(pred.sum()),
        mean_absolute_error=float(np.mean(np.abs(actual - pred))) if len(pred)
        else float("nan"), model=str(getattr(bgnbd, "variant", "")),
    )


def frequency_recency_grid(
    bgnbd: BetaGeoModel,
    *,
    age: float,
    quantity: str = "expected_purchases",
    t: float = 1.0,
    max_purchases: int | None = None,
    n_recency: int | None = None,
) -> FrequencyRecencyGrid:
    """Expected purchases or P(alive) for every (repeat purchases, time to last) of one age.

    The frequency-recency heat maps of BG/NBD: rows are ``repeat_purchases`` 0..max, columns
    ``time_to_last`` from 0 to ``age`` (a recent last purchase is on the right). Customers
    with 0 repeat purchases exist only at ``time_to_last = 0``; their row repeats that value.

    Parameters
    ----------
    bgnbd : BetaGeoModel
        Fitted model.
    age : float
        Customer age T (time units), e.g. the calibration length (> 0).
    quantity : {"expected_purchases", "p_alive"}
        What the cells hold; ``expected_purchases`` is over the next ``t`` time units.
    t : float
        Prediction period for ``expected_purchases`` (> 0).
    max_purchases : int, optional
        Largest row (default 20% above the age, at least 10, in whole purchases).
    n_recency : int, optional
        Number of columns (default ``int(age) + 1``, one per time unit, at most 200).

    Returns
    -------
    FrequencyRecencyGrid
        ``table`` with index ``repeat_purchases`` and float columns ``time_to_last``; and
        ``quantity``, ``age``, ``t`` and ``time_unit`` (the model's).
    """
    owner = "frequency_recency_grid"
    check_param(quantity in ("expected_purchases", "p_alive"), "quantity", owner,
                "'expected_purchases' or 'p_alive'", quantity)
    check_param(is_real(age) and age > 0, "age", owner, "a number > 0 (time units)", age)
    check_param(is_real(t) and t > 0, "t", owner, "a number > 0 (time units)", t)
    if max_purchases is None:
        max_purchases = max(10, int(round(1.2 * float(age))))
        max_purchases = min(max_purchases, 60)
    check_param(isinstance(max_purchases, numbers.Integral) and max_purchases >= 1,
                "max_purchases", owner, "an int >= 1", max_purchases)
    if n_recency is None:
        n_recency = min(int(float(age)) + 1, 200)
    check_param(isinstance(n_recency, numbers.Integral) and n_recency >= 2, "n_recency", owner,
                "an int >= 2", n_recency)
    rec = np.linspace(0.0, float(age), int(n_recency))
    xs = np.arange(int(max_purchases) + 1)
    xx, rr = np.meshgrid(xs, rec, indexing="ij")
    rr = np.where(xx == 0, 0.0, rr)
    s = pd.DataFrame({"repeat_purchases": xx.ravel(), "time_to_last": rr.ravel(),
                      "age": float(age)})
    if quantity == "p_alive":
        v = bgnbd.p_alive(s).to_numpy()
    else:
        v = bgnbd.expected_purchases(s, float(t)).to_numpy()
    out = pd.DataFrame(v.reshape(xx.shape), index=pd.Index(xs, name="repeat_purchases"),
                       columns=pd.Index(np.round(rec, 6), name="time_to_last"))
    return FrequencyRecencyGrid(table=out, quantity=str(quantity), age=float(age), t=float(t),
                                time_unit=getattr(bgnbd, "time_unit_", None))


def clv_transitions(before: pd.DataFrame, after: pd.DataFrame, *,
                    normalize: bool = False) -> CLVTransitions:
    """How customers moved between CLV-matrix classes from one cutoff to a later one.

    Parameters
    ----------
    before, after : DataFrame
        Outputs of :func:`mining.value.clv_matrix` at two cutoffs (column ``clv_class``),
        indexed by ``customer_id``.
    normalize : bool
        Row shares instead of counts (each row sums to 1; empty rows are 0).

    Returns
    -------
    CLVTransitions
        ``table`` with rows :data:`CLV_TRANSITION_ROWS` (class at the first cutoff, ``"new"``
        for customers who first bought after it) and columns lead/iron/gold/platinum (class at
        the second cutoff); ``stayed`` (customers who kept their class), ``missing_after``
        (customers in ``before`` but not in ``after``: none when ``after`` is computed on the
        same data later) and ``normalize``.

    Examples
    --------
    >>> b = pd.DataFrame({"clv_class": ["lead", "gold"]}, index=["a", "b"])
    >>> a = pd.DataFrame({"clv_class": ["iron", "gold", "lead"]}, index=["a", "b", "c"])
    >>> moves = clv_transitions(b, a)
    >>> moves.table.loc[["lead", "gold", "new"], ["lead", "iron", "gold"]].values.tolist()
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    >>> moves.stayed
    1
    """
    owner = "clv_transitions"
    for name, df in (("before", before), ("after", after)):
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame from "
                                 f"mining.value.clv_matrix. Got {type(df).__name__} instead.")
        if "clv_class" not in df.columns:
            raise SchemaError([f"column 'clv_class' is missing in {name!r} (needed by "
                               f"{owner}); pass the output of mining.value.clv_matrix"],
                              what="CLV matrix")
    b = before["clv_class"].astype(str)
    b.index = b.index.astype(str)
    a = after["clv_class"].astype(str)
    a.index = a.index.astype(str)
    row = b.reindex(a.index).fillna("new")
    table = pd.crosstab(pd.Categorical(row, categories=list(CLV_TRANSITION_ROWS)),
                        pd.Categorical(a, categories=list(_CLASSES)), dropna=False)
    table.index = pd.Index(list(CLV_TRANSITION_ROWS), name="class_before")
    table.columns = pd.Index(list(_CLASSES), name="class_after")
    table = table.astype("int64")
    if normalize:
        sums = table.sum(axis=1).replace(0, 1)
        table = table.div(sums, axis=0)
    return CLVTransitions(table=table, stayed=int((row.to_numpy() == a.to_numpy()).sum()),
                          missing_after=int((~b.index.isin(a.index)).sum()),
                          normalize=bool(normalize))


def _check_same_cutoff(features: pd.DataFrame, clv: pd.DataFrame, owner: str) -> None:
    """Spend to date must agree where both tables have it: the same transactions before the
    same cutoff give every customer the same ``monetary_total`` and ``total_spend``."""
    if "monetary_total" not in features.columns or "total_spend" not in clv.columns:
        return
    mine = pd.Series(clv["total_spend"].to_numpy(dtype="float64"),
                     index=clv.index.astype("string"))
    theirs = pd.Series(pd.to_numeric(features["monetary_total"], errors="coerce").to_numpy(),
                       index=features.index.astype("string"))
    common = mine.index.intersection(theirs.index)
    if len(common) == 0:
        return
    m, f = mine.loc[common].to_numpy(), theirs.loc[common].to_numpy(dtype="float64")
    bad = ~np.isclose(m, f, rtol=1e-9, atol=1e-6) & np.isfinite(f)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"The 'clv' parameter of {owner} must describe the same cutoff as the feature "
            f"table: the spend to date of {int(bad.sum()):,} of {len(common):,} customers "
            f"differs (customer {common[first]!r}: total_spend {m[first]:,.2f} in clv, "
            f"monetary_total {f[first]:,.2f} in features). Build both from the same "
            "transactions with the same as_of (calibration_summary(tx, as_of=...) and "
            "customer_table(tx, as_of=...))."
        )


def join_clv(features: pd.DataFrame, clv: pd.DataFrame, *,
             columns: tuple[str, ...] = ("p_alive", "expected_purchases", "future_value"),
             prefix: str = "") -> pd.DataFrame:
    """Add P(alive) and predicted CLV to the customer feature table (left join on customer_id).

    Parameters
    ----------
    features : DataFrame
        From :func:`mining.features.customer_table`, indexed by ``customer_id``, with the same
        ``as_of`` as the summary behind ``clv``, so no future information leaks into churn or
        segmentation features. Checked where both tables say it: each customer's
        ``monetary_total`` must equal their ``total_spend`` in ``clv`` (the spend before the
        cutoff).
    clv : DataFrame
        From :func:`lifetime_value`.
    columns : tuple of str
        Columns of ``clv`` to add. ``future_value`` is added as ``predicted_clv``.
    prefix : str
        Put before every added name.

    Returns
    -------
    A copy of ``features`` with the columns added (NaN for customers missing in ``clv``).
    """
    owner = "join_clv"
    for name, df in (("features", features), ("clv", clv)):
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame. "
                                 f"Got {type(df).__name__} instead.")
    missing = [c for c in columns if c not in clv.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing in clv (needed by {owner})"
                           for c in missing], what="CLV")
    _check_same_cutoff(features, clv, owner)
    add = clv.loc[:, list(columns)].copy()
    add.index = add.index.astype("string")
    add = add.rename(columns={"future_value": "predicted_clv"}).add_prefix(prefix)
    out = features.copy()
    key = out.index.astype("string")
    for c in add.columns:
        out[c] = add[c].reindex(key).to_numpy()
    return out
