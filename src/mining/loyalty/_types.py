"""The loyalty types: behavioural and attitudinal scores, the four types and their summary."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.params import check_as_of
from mining.survey import ATTITUDE_COLUMNS, SCALES

__all__ = ["LOYALTY_TYPES", "attitudinal_score", "behavioural_score", "loyalty_types",
           "type_summary"]

#: The four loyalty types: Chinese name, behaviour, attitude, the treatment in words and in a few
#: words (``in_short``, for figures).
LOYALTY_TYPES: dict[str, dict[str, str]] = {
    "loyal": {
        "chinese": "忠诚", "behaviour": "high", "attitude": "high",
        "in_short": "reward and keep; ask for referrals",
        "treatment": "Reward and keep them: recognition, member benefits and early access; ask "
                     "them for reviews and referrals, since they recommend the shop anyway.",
    },
    "latent": {
        "chinese": "潜在忠诚", "behaviour": "low", "attitude": "high",
        "in_short": "remove barriers; invite to buy more",
        "treatment": "They like the shop but buy little: find and remove what stops them (range, "
                     "price, delivery cost, convenience), then invite them with tailored offers "
                     "and cross-selling.",
    },
    "spurious": {
        "chinese": "虚假忠诚", "behaviour": "high", "attitude": "low",
        "in_short": "build attachment; watch for churn",
        "treatment": "They buy out of habit, convenience or price, not preference: fix the "
                     "experience they rate low and add switching value (membership, "
                     "personal service) before a competitor's offer takes them; watch them for "
                     "churn.",
    },
    "disloyal": {
        "chinese": "不忠诚", "behaviour": "low", "attitude": "low",
        "in_short": "serve at low cost",
        "treatment": "Invest little: serve them efficiently with low-cost, automated contact; "
                     "try to win back only those whose value justifies it.",
    },
}

_BEHAVIOUR_COLUMNS = ("n_orders", "tenure_days")


def _frame(df: object, name: str, owner: str, hint: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"The {name!r} parameter of {owner} must be a DataFrame ({hint}). "
                             f"Got {type(df).__name__} instead.")
    return df


def _need(df: pd.DataFrame, cols: Sequence[str], what: str, owner: str, hint: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError([f"{owner}: the {what} has no column(s) {missing} (it has "
                           f"{list(df.columns)[:15]}). {hint}"], what=what)


def _survey(survey: object, owner: str, as_of: Any = None,
            need: Sequence[str] = ("customer_id", "survey_date")) -> pd.DataFrame:
    """The survey table, checked for ``need`` and cut to answers before ``as_of``."""
    sv = _frame(survey, "survey", owner, "the survey contract of mining.survey; read your file "
                "with mining.survey.load_survey")
    _need(sv, need, "survey", owner, "Read your file with mining.survey.load_survey(path).")
    if as_of is not None:
        when = check_as_of(as_of, owner)
        sv = sv[sv["survey_date"] < when]
    return sv


def _cut_value(cut: object, values: pd.Series, name: str, owner: str, lo: float,
               hi: float) -> float:
    """The numeric cut point for ``cut``: 'median' of ``values`` or a number in [lo, hi] (also
    written as text, e.g. ``"60"``: a notebook parameter)."""
    if isinstance(cut, str) and cut.strip() == "median":
        return float(values.median())
    if isinstance(cut, str):
        try:
            cut = float(cut)
        except ValueError:
            pass  # reported below with the value as given
    check_param(isinstance(cut, numbers.Real) and not isinstance(cut, bool) and lo <= cut <= hi,
                name, owner, f"'median' or a number in [{lo:g}, {hi:g}]", cut)
    return float(cut)  # type: ignore[arg-type]


def behavioural_score(features: pd.DataFrame, *, min_tenure_days: float = 90.0) -> pd.DataFrame:
    """Behavioural loyalty (repeat buying) per customer from the customer feature table.

    Two measures, each turned into a percentile rank among the customers of ``features`` (0-100,
    ties averaged), and their mean:

    - ``n_orders``: how many orders the customer placed (frequency, repeat buying);
    - ``orders_per_year``: ``n_orders / max(tenure_days, min_tenure_days) * 365.25``, the buying
      rate since the first purchase (steadiness: a recent joiner is not penalised for a short
      history; ``min_tenure_days`` keeps a two-week-old customer's rate from exploding).

    Parameters
    ----------
    features : DataFrame
        :func:`mining.features.customer_table` (indexed by ``customer_id``; needs ``n_orders``
        and ``tenure_days``).
    min_tenure_days : float, default 90
        Floor of the tenure used in the rate (days, > 0).

    Returns
    -------
    DataFrame
        Indexed like ``features``: ``n_orders``, ``tenure_days``, ``orders_per_year``,
        ``behavioural_score`` (0-100; 50 is the median customer).
    """
    owner = "behavioural_score"
    X = _frame(features, "features", owner, "mining.features.customer_table(tx, as_of=...)")
    _need(X, _BEHAVIOUR_COLUMNS, "customer table", owner,
          "Build it with mining.features.customer_table(tx, as_of=...).")
    check_param(isinstance(min_tenure_days, numbers.Real) and not isinstance(min_tenure_days, bool)
                and min_tenure_days > 0, "min_tenure_days", owner, "a number of days > 0",
                min_tenure_days)
    if X.empty:
        raise InsufficientDataError(f"{owner}: the customer table has no rows.")
    n = X["n_orders"].astype("float64")
    tenure = X["tenure_days"].astype("float64").clip(lower=float(min_tenure_days))
    rate = n / tenure * 365.25
    out = pd.DataFrame({"n_orders": X["n_orders"], "tenure_days": X["tenure_days"],
                        "orders_per_year": rate}, index=X.index)
    ranks = (n.rank(pct=True) + rate.rank(pct=True)) / 2.0
    out["behavioural_score"] = 100.0 * ranks
    return out


def _answer_attitude(sv: pd.DataFrame) -> pd.Series:
    """0-10 attitude of each answer: the mean of the attitudinal answers it has, each on 0-10."""
    parts = []
    for col in ATTITUDE_COLUMNS:
        if col in sv.columns:
            lo, hi = SCALES[col]
            parts.append((sv[col].astype("float64") - lo) / (hi - lo) * 10.0)
    return pd.concat(parts, axis=1).mean(axis=1)


def attitudinal_score(survey: pd.DataFrame, *, as_of: Any = None,
                      how: str = "mean") -> pd.DataFrame:
    """Attitudinal loyalty (preference and intent) per customer from the survey, on 0-10.

    Each answer's attitude is the mean of its ``satisfaction`` (1-10, rescaled to 0-10:
    ``(s - 1) / 9 * 10``), ``repurchase_intent`` and ``recommend`` (0-10), over the columns the
    survey has and the questions answered. A customer's score combines their answers before
    ``as_of``: ``how="mean"`` (cumulative, every answer counts) or ``"last"`` (the latest one).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``n_answers``, ``last_answer`` (date), the customer's mean
        (or last) ``satisfaction``, ``repurchase_intent``, ``recommend`` (those present) and
        ``attitudinal_score`` (0-10).
    """
    owner = "attitudinal_score"
    sv = _survey(survey, owner, as_of, ("customer_id", "survey_date", "satisfaction"))
    check_param(how in ("mean", "last"), "how", owner, "'mean' or 'last'", how)
    if sv.empty:
        raise InsufficientDataError(f"{owner}: the survey has no answers"
                                    + (f" before as_of={as_of}" if as_of is not None else "")
                                    + ". Pass a later as_of or a survey with answers.")
    sv = sv.assign(_attitude=_answer_attitude(sv)).sort_values(["customer_id", "survey_date"],
                                                               kind="stable")
    cols = [c for c in ATTITUDE_COLUMNS if c in sv.columns]
    g = sv.groupby("customer_id", sort=True)
    values = g[[*cols, "_attitude"]].mean() if how == "mean" else g[[*cols, "_attitude"]].last()
    out = pd.DataFrame({"n_answers": g.size(), "last_answer": g["survey_date"].max()})
    out = out.join(values).rename(columns={"_attitude": "attitudinal_score"})
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out


def loyalty_types(features: pd.DataFrame, survey: pd.DataFrame, *, as_of: Any = None,
                  behaviour_cut: float | str = "median", attitude_cut: float | str = "median",
                  how: str = "mean", min_tenure_days: float = 90.0) -> pd.DataFrame:
    """The four loyalty types of the customers who have both purchases and survey answers.

    Behaviour is *high* when :func:`behavioural_score` is above ``behaviour_cut``; attitude is
    *high* when :func:`attitudinal_score` is above ``attitude_cut``. The cuts:

    - ``"median"`` (default, both): the median of the typed customers (respondents), so each side
      splits them in two halves: a relative judgement ("buys more / likes the shop more than the
      typical respondent"), which needs no calibration of the scales;
    - a number: a fixed scale point, 0-100 for behaviour (e.g. 60: above the 60th percentile of
      all customers), 0-10 for attitude (e.g. 7: the NPS line between detractors (0-6) and the
      rest).

    Parameters
    ----------
    features : DataFrame
        :func:`mining.features.customer_table` as of the analysis date.
    survey : DataFrame
        Answers in the :mod:`mining.survey` contract.
    as_of : date, optional
        Use only answers before it; default ``features.attrs["as_of"]`` when the table has it
        (the customer table records its cutoff), else every answer.
    behaviour_cut, attitude_cut : "median" or float
        See above (a number may also be given as text, ``"60"``).
    how : {"mean", "last"}
        Cumulative (mean of all answers) or transactional (last answer) attitude.
    min_tenure_days : float
        Passed to :func:`behavioural_score`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``behavioural_score``, ``attitudinal_score``, ``n_answers``,
        ``behaviour`` and ``attitude`` ("high"/"low"), ``loyalty_type`` (a key of
        :data:`LOYALTY_TYPES`), ``chinese``, ``treatment``. ``attrs`` records the cut points used
        (``behaviour_cut``, ``attitude_cut``) and ``as_of``.
    """
    owner = "loyalty_types"
    if as_of is None and isinstance(features, pd.DataFrame):
        as_of = features.attrs.get("as_of")
    beh = behavioural_score(features, min_tenure_days=min_tenure_days)
    att = attitudinal_score(survey, as_of=as_of, how=how)
    both = beh.join(att[["n_answers", "attitudinal_score"]], how="inner")
    both = both[both["attitudinal_score"].notna()]
    if both.empty:
        raise InsufficientDataError(
            f"{owner}: no customer is in both the customer table and the survey. Check that the "
            "survey's customer_id values are those of the transactions.")
    b_cut = _cut_value(behaviour_cut, both["behavioural_score"], "behaviour_cut", owner, 0, 100)
    a_cut = _cut_value(attitude_cut, both["attitudinal_score"], "attitude_cut", owner, 0, 10)
    out = both[["behavioural_score", "attitudinal_score", "n_answers"]].copy()
    out["behaviour"] = np.where(out["behavioural_score"] > b_cut, "high", "low")
    out["attitude"] = np.where(out["attitudinal_score"] > a_cut, "high", "low")
    key = {(v["behaviour"], v["attitude"]): k for k, v in LOYALTY_TYPES.items()}
    out["loyalty_type"] = [key[(b, a)] for b, a in zip(out["behaviour"], out["attitude"],
                                                       strict=True)]
    out["chinese"] = out["loyalty_type"].map(lambda t: LOYALTY_TYPES[t]["chinese"])
    out["treatment"] = out["loyalty_type"].map(lambda t: LOYALTY_TYPES[t]["treatment"])
    out.attrs = {"behaviour_cut": b_cut, "attitude_cut": a_cut,
                 "as_of": None if as_of is None else pd.Timestamp(as_of)}
    return out


def type_summary(types: pd.DataFrame) -> pd.DataFrame:
    """One row per loyalty type (in :data:`LOYALTY_TYPES` order, empty types included):
    ``chinese``, ``behaviour``, ``attitude``, ``n_customers``, ``share`` (of the typed
    customers), ``behavioural_score_mean`` (0-100), ``attitudinal_score_mean`` (0-10),
    ``treatment``."""
    owner = "type_summary"
    t = _frame(types, "types", owner, "the output of loyalty_types")
    _need(t, ["loyalty_type", "behavioural_score", "attitudinal_score"], "loyalty-type table",
          owner, "Pass the output of loyalty_types.")
    g = t.groupby("loyalty_type")
    out = pd.DataFrame(index=pd.Index(list(LOYALTY_TYPES), name="loyalty_type"))
    out["chinese"] = [LOYALTY_TYPES[k]["chinese"] for k in out.index]
    out["behaviour"] = [LOYALTY_TYPES[k]["behaviour"] for k in out.index]
    out["attitude"] = [LOYALTY_TYPES[k]["attitude"] for k in out.index]
    out["n_customers"] = g.size().reindex(out.index).fillna(0).astype("int64")
    out["share"] = out["n_customers"] / max(len(t), 1)
    out["behavioural_score_mean"] = g["behavioural_score"].mean().reindex(out.index)
    out["attitudinal_score_mean"] = g["attitudinal_score"].mean().reindex(out.index)
    out["treatment"] = [LOYALTY_TYPES[k]["treatment"] for k in out.index]
    return out
