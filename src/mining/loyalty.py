"""Customer loyalty and satisfaction (客户忠诚, 客户满意) from behaviour and a survey.

Loyalty has two sides: **behaviour** (repeat buying: how often and how steadily a customer buys)
and **attitude** (preference and intent: satisfaction, intent to repurchase, willingness to
recommend). Crossing the two gives the four loyalty types of the course (Dick & Basu 1994):

==============  ==========  =========  =========  ==============================================
type            中文        behaviour  attitude   treatment (see :data:`LOYALTY_TYPES`)
==============  ==========  =========  =========  ==============================================
``loyal``       忠诚        high       high       reward and keep; ask for referrals
``latent``      潜在忠诚    low        high       remove what stops them buying more
``spurious``    虚假忠诚    high       low        build attachment before a rival lures them away
``disloyal``    不忠诚      low        low        serve at low cost; win back only the valuable
==============  ==========  =========  =========  ==============================================

Functions (pandas in, pandas out):

- :func:`behavioural_score`: a 0-100 score from the customer feature table
  (:func:`mining.features.customer_table`: ``n_orders`` and ``tenure_days``).
- :func:`attitudinal_score`: a 0-10 score per customer from the survey (the
  :mod:`mining.survey` contract: ``satisfaction``, ``repurchase_intent``, ``recommend``).
- :func:`loyalty_types` and :func:`type_summary`: the four types, the cut points, the treatments.
- :func:`satisfaction_drivers` and :func:`importance_performance`: which service attributes drive
  overall satisfaction (standardised regression coefficients and relative weights) and the
  importance-performance quadrant.
- :func:`net_promoter_score`: promoters minus detractors on the ``recommend`` question.
- :func:`transactional_vs_cumulative`: the last answer (交易型满意) against all answers (累积型满意).
- :func:`retention_link`: satisfaction (or loyalty type) before ``as_of`` against buying again in
  the ``horizon_days`` after it (out of time).
- :func:`type_agreement`: found types against planted ones (accuracy, Cohen's kappa, ARI).
- :func:`findings`: the headline figures, verdict and recommendation for the report.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.features import customer_table
from mining.findings import Findings, Headline
from mining.params import check_as_of
from mining.survey import ATTITUDE_COLUMNS, RATING_ATTRIBUTES, SCALES

__all__ = [
    "LOYALTY_TYPES",
    "QUADRANTS",
    "attitudinal_score",
    "behavioural_score",
    "findings",
    "importance_performance",
    "loyalty_types",
    "net_promoter_score",
    "retention_link",
    "satisfaction_drivers",
    "transactional_vs_cumulative",
    "type_agreement",
    "type_summary",
]

#: The four loyalty types: Chinese name, behaviour, attitude and the treatment in words.
LOYALTY_TYPES: dict[str, dict[str, str]] = {
    "loyal": {
        "chinese": "忠诚", "behaviour": "high", "attitude": "high",
        "treatment": "Reward and keep them: recognition, member benefits and early access; ask "
                     "them for reviews and referrals, since they recommend the shop anyway.",
    },
    "latent": {
        "chinese": "潜在忠诚", "behaviour": "low", "attitude": "high",
        "treatment": "They like the shop but buy little: find and remove what stops them (range, "
                     "price, delivery cost, convenience), then invite them with tailored offers "
                     "and cross-selling.",
    },
    "spurious": {
        "chinese": "虚假忠诚", "behaviour": "high", "attitude": "low",
        "treatment": "They buy out of habit, convenience or price, not preference: fix the "
                     "experience they rate low and add switching value (membership, "
                     "personal service) before a competitor's offer takes them; watch them for "
                     "churn.",
    },
    "disloyal": {
        "chinese": "不忠诚", "behaviour": "low", "attitude": "low",
        "treatment": "Invest little: serve them efficiently with low-cost, automated contact; "
                     "try to win back only those whose value justifies it.",
    },
}

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
    """The numeric cut point for ``cut``: 'median' of ``values`` or a number in [lo, hi]."""
    if isinstance(cut, str) and cut == "median":
        return float(values.median())
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
        See above.
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


def net_promoter_score(survey: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """The Net Promoter Score (净推荐值) of the customers' latest ``recommend`` answer (0-10)
    before ``as_of``: promoters answer 9-10, passives 7-8, detractors 0-6; NPS = share of
    promoters - share of detractors, in points from -100 to 100.

    Returns
    -------
    DataFrame
        One row (``all``): ``n_customers``, ``promoters_share``, ``passives_share``,
        ``detractors_share``, ``nps`` (points).
    """
    owner = "net_promoter_score"
    sv = _survey(survey, owner, as_of, ("customer_id", "survey_date", "recommend"))
    sv = sv.dropna(subset=["recommend"]).sort_values(["customer_id", "survey_date"], kind="stable")
    last = sv.groupby("customer_id")["recommend"].last().astype("float64")
    if last.empty:
        raise InsufficientDataError(f"{owner}: no answer to the 'recommend' question"
                                    + (f" before {as_of}" if as_of is not None else "") + ".")
    pro, det = float((last >= 9).mean()), float((last <= 6).mean())
    return pd.DataFrame({"n_customers": [len(last)], "promoters_share": [pro],
                         "passives_share": [1 - pro - det], "detractors_share": [det],
                         "nps": [100 * (pro - det)]}, index=pd.Index(["all"], name="survey"))


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


def type_agreement(found: pd.DataFrame | pd.Series, planted: pd.Series) -> dict[str, float]:
    """Found loyalty types against planted ones (the demo's ``truth.loyalty_types``), on the
    customers in both: ``n``, ``accuracy``, ``chance`` (accuracy of guessing by the two tables'
    shares), ``kappa`` (Cohen's: (accuracy - chance) / (1 - chance); 0 = chance, 1 = perfect) and
    ``ari`` (adjusted Rand index of the two partitions)."""
    owner = "type_agreement"
    f = found["loyalty_type"] if isinstance(found, pd.DataFrame) else found
    if not isinstance(f, pd.Series) or not isinstance(planted, pd.Series):
        raise ParameterError(f"{owner}: pass the loyalty_types table (or its loyalty_type column) "
                             "and a Series of planted types indexed by customer_id.")
    f = f.copy()
    p = planted.copy()
    f.index, p.index = f.index.astype(str), p.index.astype(str)
    common = f.index.intersection(p.index)
    if common.empty:
        raise InsufficientDataError(f"{owner}: the found and planted types share no customer_id.")
    a, b = f.loc[common].astype(str).to_numpy(), p.loc[common].astype(str).to_numpy()
    acc = float((a == b).mean())
    labels = sorted(set(a) | set(b))
    chance = float(sum((a == x).mean() * (b == x).mean() for x in labels))
    kappa = (acc - chance) / (1 - chance) if chance < 1 else float("nan")
    from sklearn.metrics import adjusted_rand_score  # lazy: sklearn costs a second to import

    return {"n": float(len(common)), "accuracy": acc, "chance": chance, "kappa": float(kappa),
            "ari": float(adjusted_rand_score(b, a))}


def findings(types: pd.DataFrame, drivers: pd.DataFrame, *, link: pd.DataFrame | None = None,
             quadrant: pd.DataFrame | None = None, planted_types: pd.Series | None = None,
             planted_weights: pd.Series | None = None) -> Findings:
    """The key findings of the loyalty and satisfaction analysis for the report's top.

    Headline figures: customers typed, the share of true loyalty (忠诚), the share of spurious
    loyalty (虚假忠诚: buy without attachment, the hidden churn risk), the strongest satisfaction
    driver with its share of explained variance, and (with ``link``, from
    :func:`retention_link` ``by="satisfaction"``) the retention gap between delighted (9-10) and
    dissatisfied (1-4) customers. The verdict says whether satisfaction predicts staying (AUC of
    at least 0.6: yes; 0.55-0.6: weakly; below: no); the recommendation names the attribute to
    improve first (the "concentrate here" quadrant, else the top driver) and the group to treat.
    ``planted_types`` / ``planted_weights`` (the demo's truth) add planted-vs-found details.
    """
    owner = "findings"
    t = _frame(types, "types", owner, "the output of loyalty_types")
    d = _frame(drivers, "drivers", owner, "the output of satisfaction_drivers")
    _need(t, ["loyalty_type"], "loyalty-type table", owner, "Pass the output of loyalty_types.")
    _need(d, ["importance", "performance"], "driver table", owner,
          "Pass the output of satisfaction_drivers.")
    summary = type_summary(t)
    n = len(t)
    share = summary["share"]
    top = str(d["importance"].idxmax())
    headline = [
        Headline("customers typed (purchases and survey answers)", n, "count", "loyalty types"),
        Headline("truly loyal (忠诚)", float(share["loyal"]), "percent", "loyalty-type table"),
        Headline("spurious loyalty (虚假忠诚)", float(share["spurious"]), "percent",
                 "loyalty-type table"),
        Headline(f"strongest satisfaction driver: {top.replace('_', ' ')}",
                 float(d.loc[top, "importance"]), "percent", "driver table (share of R^2)"),
    ]
    details: list[str] = []
    verdict_link = ""
    if link is not None:
        _need(link, ["retention_rate", "n_customers"], "retention-link table", owner,
              "Pass the output of retention_link(by='satisfaction').")
        hi, lo = _BANDS[-1][2], _BANDS[0][2]
        auc = float(link.attrs.get("auc", float("nan")))
        if hi in link.index and lo in link.index:
            gap = float(link.loc[hi, "retention_rate"] - link.loc[lo, "retention_rate"])
            headline.append(Headline("retention gap, satisfaction 9-10 vs 1-4", gap, "percent",
                                     f"retention link, next {link.attrs.get('horizon_days')} days"))
        strength = ("predicts" if auc >= 0.6 else "weakly predicts" if auc >= 0.55
                    else "does not predict")
        verdict_link = (f" Satisfaction before the cutoff {strength} who buys again afterwards "
                        f"(AUC {auc:.2f}; 0.5 is chance).")
    focus = None
    if quadrant is not None and "quadrant" in quadrant.columns:
        weak = quadrant[quadrant["quadrant"] == "concentrate here"]
        if not weak.empty:
            focus = str(weak["importance"].idxmax())
    top_words = top.replace("_", " ")
    verdict = (f"{share['loyal']:.0%} of the {n:,} surveyed customers are truly loyal and "
               f"{share['spurious']:.0%} spuriously loyal (they buy often but do not care); "
               f"{share['latent']:.0%} like the shop but buy little. {top_words.capitalize()} "
               f"drives overall satisfaction most ({d.loc[top, 'importance']:.0%} of the explained "
               f"variance).{verdict_link}")
    first = (f"Improve {focus.replace('_', ' ')} first (it matters much and performs below the "
             "other attributes)" if focus is not None else
             f"Keep {top_words} strong (it drives satisfaction most)")
    recommendation = (f"{first}, give the spurious-loyal customers reasons to care before a "
                      "competitor's offer takes them, and invite the latent-loyal to buy more.")
    if planted_types is not None:
        ag = type_agreement(t, planted_types)
        details.append(f"Planted vs found loyalty types: {ag['accuracy']:.0%} agree (chance "
                       f"{ag['chance']:.0%}), Cohen's kappa {ag['kappa']:.2f}, on {int(ag['n']):,} "
                       "customers.")
    if planted_weights is not None:
        planted_top = str(planted_weights.idxmax())
        details.append(f"Planted strongest driver: {planted_top.replace('_', ' ')} "
                       f"(weight {planted_weights.max():.2f}); found at rank "
                       f"{int(d.index.get_loc(planted_top)) + 1 if planted_top in d.index else '–'}.")
    details.append(f"Cut points: behaviour above {t.attrs.get('behaviour_cut', float('nan')):.0f} "
                   f"of 100, attitude above {t.attrs.get('attitude_cut', float('nan')):.1f} of 10.")
    return Findings(title="Loyalty and satisfaction", headline=headline[:5], verdict=verdict,
                    recommendation=recommendation, details=details)
