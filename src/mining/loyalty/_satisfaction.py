"""Satisfaction: its drivers, the importance-performance quadrant, transactional against
cumulative satisfaction, the Net Promoter Score and the link to later buying."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, check_date, check_param
from mining.features import customer_table
from mining.loyalty._types import (
    LOYALTY_TYPES,
    _frame,
    _need,
    _survey,
    attitudinal_score,
    loyalty_types,
)
from mining.params import check_as_of
from mining.survey import RATING_ATTRIBUTES

__all__ = ["QUADRANTS", "compare_satisfaction_measures", "importance_performance", "link_cutoff",
           "net_promoter_score", "retention_link", "satisfaction_drivers",
           "transactional_vs_cumulative"]

#: Importance-performance quadrants (Martilla & James 1977): (importance, performance) -> name,
#: Chinese name, action.
QUADRANTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("high", "low"): ("concentrate here", "重点改进",
                      "Improve first: it matters much and performs below the other attributes."),
    ("high", "high"): ("keep up the good work", "继续保持",
                       "Keep the standard: it matters much and performs well."),
    ("low", "low"): ("low priority", "低优先级",
                     "Leave for later: it performs below the others but matters little."),
    ("low", "high"): ("possible overkill", "可能过度投入",
                      "Check the effort: it performs well but matters little to satisfaction."),
}


def _relative_weights(r_xx: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights: each predictor's share of R^2 (they sum to R^2)."""
    evals, evecs = np.linalg.eigh(r_xx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # correlations of X with orthogonal Z
    beta = np.linalg.solve(lam, r_xy)  # y on Z
    return (lam**2) @ (beta**2)


def satisfaction_drivers(survey: pd.DataFrame, *, attributes: Sequence[str] | None = None,
                         target: str = "satisfaction", as_of: Any = None,
                         min_answers: int = 30) -> pd.DataFrame:
    """How much each service attribute drives overall satisfaction (an ACSI-style driver analysis).

    Uses every answer (before ``as_of``) that rates ``target`` and all ``attributes``. Three
    measures of importance:

    - ``correlation``: Pearson correlation of the rating with ``target``;
    - ``std_coefficient``: the coefficient of a least-squares regression of ``target`` on all
      attributes, everything standardised (z-scores): the change in satisfaction, in standard
      deviations, per standard deviation of the rating with the other ratings held fixed;
    - ``relative_weight``: Johnson's relative weight, the attribute's share of the explained
      variance R^2 (sums to 1; robust when ratings are correlated, as survey ratings are through
      the halo effect). This is the ``importance`` the ranking and the quadrant use.

    Returns
    -------
    DataFrame
        Indexed by ``attribute``, sorted by importance: ``rank`` (1 = strongest driver),
        ``importance`` (= ``relative_weight``), ``relative_weight``, ``std_coefficient``,
        ``correlation``, ``performance`` (mean rating, the attribute's scale), ``n_answers``.
        ``attrs``: ``r_squared``, ``n_answers``, ``target``.

    Raises
    ------
    SchemaError
        The survey lacks ``target`` or an attribute.
    InsufficientDataError
        Fewer than ``min_answers`` complete answers, or an attribute has one value only.
    """
    owner = "satisfaction_drivers"
    attrs = list(RATING_ATTRIBUTES if attributes is None else attributes)
    if attributes is None:
        attrs = [a for a in attrs if a in getattr(survey, "columns", [])]
    check_param(len(attrs) >= 2 and len(set(attrs)) == len(attrs), "attributes", owner,
                "at least two distinct rating columns", attributes,
                f"The survey contract's ratings are {list(RATING_ATTRIBUTES)}.")
    check_param(target not in attrs, "target", owner, "a column that is not an attribute", target)
    check_param(isinstance(min_answers, int) and min_answers >= len(attrs) + 2, "min_answers",
                owner, f"an int >= {len(attrs) + 2}", min_answers)
    sv = _survey(survey, owner, as_of, ["customer_id", "survey_date", target, *attrs])
    data = sv[[target, *attrs]].apply(pd.to_numeric, errors="coerce").astype("float64").dropna()
    if len(data) < min_answers:
        raise InsufficientDataError(
            f"{owner}: {len(data)} answers rate {target!r} and all of {attrs}; at least "
            f"{min_answers} are needed. Drop attributes with many skipped answers (attributes=...) "
            "or collect more answers.")
    sd = data.std(ddof=0)
    flat = [c for c in data.columns if sd[c] == 0]
    if flat:
        raise InsufficientDataError(f"{owner}: column(s) {flat} have one value in every answer; "
                                    "they cannot explain differences in satisfaction. Leave them "
                                    "out (attributes=...).")
    z = (data - data.mean()) / sd
    X, y = z[attrs].to_numpy(), z[target].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = np.corrcoef(np.c_[X, y], rowvar=False)
    r_xx, r_xy = r[:-1, :-1], r[:-1, -1]
    rw = _relative_weights(r_xx, r_xy)
    r2 = float(r_xy @ np.linalg.solve(r_xx, r_xy))
    out = pd.DataFrame({
        "relative_weight": rw / rw.sum() if rw.sum() > 0 else rw,
        "std_coefficient": beta,
        "correlation": r_xy,
        "performance": data[attrs].mean().to_numpy(),
    }, index=pd.Index(attrs, name="attribute"))
    out.insert(0, "importance", out["relative_weight"])
    out = out.sort_values("importance", ascending=False, kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["n_answers"] = len(data)
    out.attrs = {"r_squared": r2, "n_answers": len(data), "target": target}
    return out


def importance_performance(drivers: pd.DataFrame, *, importance_cut: float | str = "mean",
                           performance_cut: float | str = "mean") -> pd.DataFrame:
    """The importance-performance quadrant of each attribute (Martilla & James 1977).

    Importance is :func:`satisfaction_drivers`' ``importance`` (share of explained variance),
    performance its ``performance`` (mean rating). An attribute is *high* on a side when above
    the cut: ``"mean"`` (default: the mean over the attributes; for importance that is
    ``1 / number of attributes``, the share every attribute would have if all mattered alike) or
    a number (importance 0-1, performance on the rating scale, e.g. 7).

    Returns
    -------
    DataFrame
        Indexed by ``attribute`` (the order of ``drivers``): ``importance``, ``performance``,
        ``importance_level``, ``performance_level`` ("high"/"low"), ``quadrant`` (a name of
        :data:`QUADRANTS`), ``chinese``, ``action``. ``attrs``: the two cut points.
    """
    owner = "importance_performance"
    d = _frame(drivers, "drivers", owner, "the output of satisfaction_drivers")
    _need(d, ["importance", "performance"], "driver table", owner,
          "Pass the output of satisfaction_drivers.")

    def cut(value: float | str, col: str, name: str, hi: float) -> float:
        if isinstance(value, str) and value == "mean":
            return float(d[col].mean())
        check_param(isinstance(value, numbers.Real) and not isinstance(value, bool)
                    and 0 <= value <= hi, name, owner, f"'mean' or a number in [0, {hi:g}]", value)
        return float(value)  # type: ignore[arg-type]

    i_cut = cut(importance_cut, "importance", "importance_cut", 1.0)
    p_cut = cut(performance_cut, "performance", "performance_cut", 10.0)
    out = d[["importance", "performance"]].copy()
    out["importance_level"] = np.where(out["importance"] > i_cut, "high", "low")
    out["performance_level"] = np.where(out["performance"] > p_cut, "high", "low")
    q = [QUADRANTS[(i, p)] for i, p in zip(out["importance_level"], out["performance_level"],
                                           strict=True)]
    out["quadrant"] = [x[0] for x in q]
    out["chinese"] = [x[1] for x in q]
    out["action"] = [x[2] for x in q]
    out.attrs = {"importance_cut": i_cut, "performance_cut": p_cut}
    return out


def transactional_vs_cumulative(survey: pd.DataFrame, *, column: str = "satisfaction",
                                as_of: Any = None,
                                half_life_days: float | None = None) -> pd.DataFrame:
    """Transactional (交易型: the last answer) against cumulative (累积型: the whole relationship)
    satisfaction per customer.

    ``cumulative`` is the mean of all the customer's answers before ``as_of``; with
    ``half_life_days`` it is time-weighted, an answer ``d`` days before the customer's last one
    weighing ``0.5 ** (d / half_life_days)``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``n_answers``, ``first_answer``, ``last_answer`` (dates),
        ``transactional`` (the last answer's ``column``), ``cumulative``, ``difference``
        (transactional - cumulative; negative: the last experience was worse than usual).
    """
    owner = "transactional_vs_cumulative"
    sv = _survey(survey, owner, as_of, ["customer_id", "survey_date", column])
    if half_life_days is not None:
        check_param(isinstance(half_life_days, numbers.Real) and not isinstance(half_life_days, bool)
                    and half_life_days > 0, "half_life_days", owner, "None or a number of days > 0",
                    half_life_days)
    sv = sv[["customer_id", "survey_date", column]].dropna()
    if sv.empty:
        raise InsufficientDataError(f"{owner}: no answer rates {column!r}"
                                    + (f" before {as_of}" if as_of is not None else "") + ".")
    sv = sv.sort_values(["customer_id", "survey_date"], kind="stable")
    value = sv[column].astype("float64")
    g = sv.groupby("customer_id", sort=True)
    last = g["survey_date"].transform("max")
    if half_life_days is None:
        w = pd.Series(1.0, index=sv.index)
    else:
        w = 0.5 ** (((last - sv["survey_date"]) / pd.Timedelta(days=1)) / float(half_life_days))
    cum = (value * w).groupby(sv["customer_id"]).sum() / w.groupby(sv["customer_id"]).sum()
    out = pd.DataFrame({"n_answers": g.size(), "first_answer": g["survey_date"].min(),
                        "last_answer": g["survey_date"].max(),
                        "transactional": value.groupby(sv["customer_id"]).last(),
                        "cumulative": cum})
    out["difference"] = out["transactional"] - out["cumulative"]
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out


def net_promoter_score(survey: pd.DataFrame, *, as_of: Any = None,
                       groups: pd.Series | None = None) -> pd.DataFrame:
    """The Net Promoter Score (净推荐值) of the customers' latest ``recommend`` answer (0-10)
    before ``as_of``: promoters answer 9-10, passives 7-8, detractors 0-6; NPS = share of
    promoters - share of detractors, in points from -100 to 100.

    ``groups`` (a Series ``customer_id`` -> group, e.g. the ``loyalty_type`` column of
    :func:`loyalty_types`) adds one row per group (the loyalty types in their usual order, other
    labels sorted) over the customers in it; ``all`` is always every customer who answered.

    Returns
    -------
    DataFrame
        One row per group, then ``all``: ``n_customers``, ``promoters_share``,
        ``passives_share``, ``detractors_share``, ``nps`` (points). Index name: ``survey``, or
        the name of ``groups``.
    """
    owner = "net_promoter_score"
    sv = _survey(survey, owner, as_of, ("customer_id", "survey_date", "recommend"))
    if groups is not None and not isinstance(groups, pd.Series):
        raise ParameterError(f"The 'groups' parameter of {owner} must be a Series customer_id -> "
                             f"group (e.g. types['loyalty_type']). Got {type(groups).__name__}.")
    sv = sv.dropna(subset=["recommend"]).sort_values(["customer_id", "survey_date"], kind="stable")
    last = sv.groupby("customer_id")["recommend"].last().astype("float64")
    if last.empty:
        raise InsufficientDataError(f"{owner}: no answer to the 'recommend' question"
                                    + (f" before {as_of}" if as_of is not None else "") + ".")
    parts: dict[str, pd.Series] = {}
    if groups is not None:
        g = groups.copy()
        g.index = g.index.astype(str)
        g = g.reindex(last.index.astype(str)).dropna().astype(str)
        labels = set(g)
        order = [t for t in LOYALTY_TYPES if t in labels] + sorted(labels - set(LOYALTY_TYPES))
        values = pd.Series(last.to_numpy(), index=last.index.astype(str))
        parts = {name: values.loc[g.index[g == name]] for name in order}
    parts["all"] = last
    rows = {}
    for name, part in parts.items():
        pro, det = float((part >= 9).mean()), float((part <= 6).mean())
        rows[name] = {"n_customers": len(part), "promoters_share": pro,
                      "passives_share": 1 - pro - det, "detractors_share": det,
                      "nps": 100 * (pro - det)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "survey" if groups is None else (groups.name or "group")
    return out


_BANDS = [(1, 4, "1-4 dissatisfied"), (5, 6, "5-6"), (7, 8, "7-8"), (9, 10, "9-10 delighted")]


def _auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for ``positive`` (ties count half); NaN if one class."""
    pos, neg = int(positive.sum()), int((~positive).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(score).rank().to_numpy()
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


def retention_link(tx: pd.DataFrame, survey: pd.DataFrame, *, as_of: Any,
                   horizon_days: int = 180, by: str = "satisfaction", how: str = "mean",
                   active_days: float | None = 180.0) -> pd.DataFrame:
    """Does satisfaction predict staying? Satisfaction (or loyalty type) measured on answers
    before ``as_of`` against buying again in ``[as_of, as_of + horizon_days)`` (out of time: the
    outcome lies after every input).

    The customers: those with an answer and a purchase before ``as_of`` whose last purchase lies
    within ``active_days`` before it (None: all), i.e. the ones still at risk of leaving.

    Parameters
    ----------
    tx : DataFrame
        Clean transactions (``customer_id``, ``order_id``, ``timestamp``, and for
        ``by="loyalty_type"`` the columns :func:`mining.features.customer_table` needs).
    survey : DataFrame
        Answers in the :mod:`mining.survey` contract.
    as_of : date
        The cutoff (exclusive): inputs strictly before it, the outcome from it on. Required.
    horizon_days : int, default 180
        Length of the outcome window (days).
    by : {"satisfaction", "loyalty_type"}
        Rows: bands of satisfaction (1-4, 5-6, 7-8, 9-10; the customer's mean or last answer,
        rounded) or the four loyalty types (:func:`loyalty_types` as of ``as_of``).
    how : {"mean", "last"}
        Cumulative (mean of the answers) or transactional (last answer) satisfaction.
    active_days : float or None, default 180
        Keep customers who bought in the ``active_days`` before ``as_of``.

    Returns
    -------
    DataFrame
        One row per band or type plus ``all``: ``n_customers``, ``n_retained`` (bought in the
        window), ``retention_rate``, ``churn_rate`` (1 - retention), ``satisfaction_mean``.
        ``attrs``: ``auc`` (how well the customer's satisfaction ranks who buys again: 0.5 is
        chance), ``as_of``, ``horizon_days``, ``by``, ``how``.
    """
    owner = "retention_link"
    when = check_as_of(as_of, owner)
    t = _frame(tx, "tx", owner, "clean transactions")
    _need(t, ["customer_id", "timestamp"], "transactions", owner,
          "Pass clean transactions (mining.inputs.open_inputs or mining.io.load_transactions).")
    check_param(isinstance(horizon_days, numbers.Integral) and not isinstance(horizon_days, bool)
                and horizon_days >= 1, "horizon_days", owner, "an int >= 1 (days)", horizon_days)
    check_param(by in ("satisfaction", "loyalty_type"), "by", owner,
                "'satisfaction' or 'loyalty_type'", by)
    check_param(how in ("mean", "last"), "how", owner, "'mean' or 'last'", how)
    if active_days is not None:
        check_param(isinstance(active_days, numbers.Real) and not isinstance(active_days, bool)
                    and active_days > 0, "active_days", owner, "None or a number of days > 0",
                    active_days)
    end = when + pd.Timedelta(days=int(horizon_days))
    if t["timestamp"].max() < end - pd.Timedelta(days=1):
        raise InsufficientDataError(
            f"{owner}: the transactions end on {t['timestamp'].max():%Y-%m-%d}, before the end of "
            f"the outcome window {end:%Y-%m-%d} (as_of {when:%Y-%m-%d} + {horizon_days} days). "
            "Pass an earlier as_of or a shorter horizon_days.")
    before = t[t["timestamp"] < when]
    last_buy = before.groupby("customer_id")["timestamp"].max()
    if active_days is not None:
        last_buy = last_buy[last_buy >= when - pd.Timedelta(days=float(active_days))]
    sat = attitudinal_score(survey, as_of=when, how=how)
    sat = sat[sat.index.isin(last_buy.index.astype("string")) & sat["satisfaction"].notna()]
    if sat.empty:
        raise InsufficientDataError(f"{owner}: no customer has both an answer and a recent "
                                    f"purchase before {when:%Y-%m-%d}. Pass a later as_of or "
                                    "active_days=None.")
    later = t[(t["timestamp"] >= when) & (t["timestamp"] < end)]
    bought = sat.index.isin(pd.Index(later["customer_id"].astype("string").unique()))
    frame = pd.DataFrame({"satisfaction": sat["satisfaction"].to_numpy(), "retained": bought},
                         index=sat.index)
    if by == "satisfaction":
        rounded = frame["satisfaction"].round().clip(1, 10)
        labels = pd.Series(pd.NA, index=frame.index, dtype="object")
        for lo, hi, name in _BANDS:
            labels[(rounded >= lo) & (rounded <= hi)] = name
        frame["group"] = labels
        order = [b[2] for b in _BANDS]
    else:
        feats = customer_table(t, as_of=when, categories=False)
        types = loyalty_types(feats, survey, as_of=when, how=how)
        frame = frame.join(types["loyalty_type"], how="inner").rename(
            columns={"loyalty_type": "group"})
        order = list(LOYALTY_TYPES)
    rows = {}
    for name in [*order, "all"]:
        part = frame if name == "all" else frame[frame["group"] == name]
        n = len(part)
        kept = int(part["retained"].sum())
        rows[name] = {"n_customers": n, "n_retained": kept,
                      "retention_rate": kept / n if n else float("nan"),
                      "churn_rate": 1 - kept / n if n else float("nan"),
                      "satisfaction_mean": float(part["satisfaction"].mean()) if n else float("nan")}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by
    out.attrs = {"auc": _auc(frame["satisfaction"].to_numpy(), frame["retained"].to_numpy()),
                 "as_of": when, "horizon_days": int(horizon_days), "by": by, "how": how}
    return out


def compare_satisfaction_measures(tx: pd.DataFrame, survey: pd.DataFrame, *, as_of: Any,
                                  horizon_days: int = 180,
                                  active_days: float | None = 180.0) -> pd.DataFrame:
    """Which satisfaction predicts staying better: cumulative (累积型, the mean of a customer's
    answers) or transactional (交易型, the last answer)? Both measured before ``as_of`` on the
    same customers, against buying again in the ``horizon_days`` after it (two
    :func:`retention_link` calls, arguments as there).

    Returns
    -------
    DataFrame
        Indexed by ``satisfaction`` (``cumulative``, ``transactional``): ``n_customers``,
        ``satisfaction_mean``, ``retention_rate`` (of all those customers), ``auc`` (how well the
        measure ranks who buys again; 0.5 is chance). ``attrs``: ``as_of``, ``horizon_days``.
    """
    rows = {}
    for name, how in (("cumulative", "mean"), ("transactional", "last")):
        link = retention_link(tx, survey, as_of=as_of, horizon_days=horizon_days, how=how,
                              active_days=active_days)
        rows[name] = {"n_customers": int(link.loc["all", "n_customers"]),
                      "satisfaction_mean": float(link.loc["all", "satisfaction_mean"]),
                      "retention_rate": float(link.loc["all", "retention_rate"]),
                      "auc": float(link.attrs["auc"])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "satisfaction"
    out.attrs = {"as_of": link.attrs["as_of"], "horizon_days": link.attrs["horizon_days"]}
    return out


def link_cutoff(as_of: Any, cutoff: Any = "", *, horizon_days: int = 180) -> tuple[pd.Timestamp, str]:
    """The cutoff of the satisfaction -> later buying check and how it was chosen, in words:
    ``cutoff`` when given, else ``horizon_days`` before the analysis date ``as_of`` (so that the
    whole outcome window lies in the data)."""
    owner = "link_cutoff"
    check_param(isinstance(horizon_days, numbers.Integral) and not isinstance(horizon_days, bool)
                and horizon_days >= 1, "horizon_days", owner, "an int >= 1 (days)", horizon_days)
    if cutoff is not None and str(cutoff).strip():
        return check_date(cutoff, "cutoff", owner), "given"
    end = check_as_of(as_of, owner)
    return (end - pd.Timedelta(days=int(horizon_days)),
            f"{horizon_days} days before the analysis date {end:%Y-%m-%d}")
