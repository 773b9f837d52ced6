"""The demo shop's customer survey: answers drawn from the planted attitude and driver weights,
on a random stream of its own (the shop's orders never change with it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.params import RandomState
from mining.simulate import (  # the shop's calendar and the planted survey settings
    _ATTITUDE_SHIFT,
    _CHURN_ATTITUDE,
    _DECLINE_EXPERIENCE,
    _HALO,
    _RATING_MEANS,
    DRIVER_WEIGHTS,
    END,
    LOYAL_BEHAVIOUR_SEGMENTS,
    START,
    DemoTruth,
)
from mining.survey import RATING_ATTRIBUTES, SCALES, SURVEY_COLUMNS

__all__: list[str] = []


def _survey_rng(random_state: RandomState, rng: np.random.Generator) -> np.random.Generator:
    """The survey's own generator: never a draw from the shop's ``rng``."""
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        return np.random.default_rng([int(random_state), 20])
    try:  # a Generator (or fresh entropy): a child stream, the parent is not advanced
        return rng.spawn(1)[0]
    except (TypeError, ValueError):  # pragma: no cover - a Generator without a SeedSequence
        return np.random.default_rng(int(rng.integers(0, 2**63 - 1)))


def _clip_round(x: np.ndarray, col: str) -> np.ndarray:
    lo, hi = SCALES[col]
    return np.clip(np.rint(x), lo, hi).astype("int64")


def _plant_survey(rng: np.random.Generator, order_customer: np.ndarray, order_time: np.ndarray,
                  truth: DemoTruth) -> pd.DataFrame:
    """Draw the survey answers and write the survey truth into ``truth``.

    ``order_customer`` is each order's row in ``truth.segments`` and ``order_time`` its seconds
    since START, both in order-id order (order ``r`` has id ``O{r+1:07d}``)."""
    segs = truth.segments
    ids = segs.index
    n = len(ids)
    churn = truth.churn_dates.reindex(ids)
    churned = churn.notna().to_numpy()
    churn_day = ((churn - START) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)
    attitude = (segs.map(_ATTITUDE_SHIFT).to_numpy(dtype="float64") - _CHURN_ATTITUDE * churned
                + rng.standard_normal(n))
    n_orders = np.bincount(order_customer, minlength=n)
    # who answers: frequent buyers much more often, satisfied customers a little more often
    logit = -1.2 + 0.55 * np.log(np.maximum(n_orders, 1)) + 0.25 * attitude
    answers = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    # how often: customers with 3+ orders are asked again after later orders
    m = answers.astype("int64")
    again = answers & (n_orders >= 3) & (rng.random(n) < 0.45)
    m += again
    m += again & (n_orders >= 5) & (rng.random(n) < 0.4)
    asked = np.flatnonzero(m[order_customer] > 0)  # orders of customers who answer
    u = rng.random(len(asked))
    by = np.lexsort((u, order_customer[asked]))  # by customer, then at random
    sorted_c = order_customer[asked][by]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_c)) + 1]
    rank = np.arange(len(by)) - np.repeat(first, np.diff(np.r_[first, len(by)]))
    chosen = np.sort(asked[by[rank < m[sorted_c]]])  # m random orders per customer, in time order
    lag = rng.integers(1, 11, size=len(chosen))  # answered 1-10 days after the order
    day = np.minimum(order_time[chosen] // 86400 + lag, (END - START).days - 1)
    c = order_customer[chosen]
    keep = np.unique(np.c_[c, day], axis=0, return_index=True)[1]  # one answer a customer a day
    chosen, day, c = chosen[np.sort(keep)], day[np.sort(keep)], c[np.sort(keep)]
    k = len(chosen)
    a = attitude[c]
    to_churn = churn_day[c] - day
    decline = churned[c] & (to_churn >= 0) & (to_churn < 120)
    lapses = truth.returning_lapsers
    if lapses is not None and len(lapses):  # a lapse follows bad experiences too
        lapse_day = ((lapses["last_order_before"].reindex(ids) - START).dt.days + 10).to_numpy(
            dtype="float64", na_value=np.nan)[c]
        decline |= (lapse_day - day >= 0) & (lapse_day - day < 130)
    weights = np.array([DRIVER_WEIGHTS[x] for x in RATING_ATTRIBUTES])
    z = rng.standard_normal((k, len(RATING_ATTRIBUTES)))
    experience = (_HALO * a[:, None] + np.sqrt(1 - _HALO**2) * z
                  - _DECLINE_EXPERIENCE * decline[:, None])
    overall = experience @ weights + 0.3 * rng.standard_normal(k)  # this answer's satisfaction
    out = pd.DataFrame({
        "customer_id": pd.array(ids[c], dtype="string"),
        "survey_date": (np.datetime64(START.date(), "D") + day).astype("datetime64[ns]"),
        "order_id": pd.array([f"O{r + 1:07d}" for r in chosen], dtype="string"),
        "satisfaction": _clip_round(7.0 + 2.0 * overall, "satisfaction"),
        "repurchase_intent": _clip_round(7.0 + 2.0 * (0.6 * a + 0.4 * overall)
                                         + rng.standard_normal(k), "repurchase_intent"),
        "recommend": _clip_round(6.6 + 2.2 * (0.55 * a + 0.45 * overall)
                                 + 1.1 * rng.standard_normal(k), "recommend"),
    })
    for j, attr in enumerate(RATING_ATTRIBUTES):
        out[attr] = _clip_round(_RATING_MEANS[attr] + 1.7 * experience[:, j], attr)
    out = out[list(SURVEY_COLUMNS)].sort_values(["survey_date", "customer_id"], kind="stable")
    out = out.reset_index(drop=True)
    behaviour = segs.isin(LOYAL_BEHAVIOUR_SEGMENTS).to_numpy()
    liked = attitude > 0
    types = np.where(behaviour, np.where(liked, "loyal", "spurious"),
                     np.where(liked, "latent", "disloyal"))
    truth.attitude = pd.Series(attitude, index=ids, name="attitude")
    truth.loyalty_types = pd.Series(types, index=ids, name="loyalty_type", dtype="string")
    truth.driver_weights = pd.Series(DRIVER_WEIGHTS, name="weight").reindex(
        list(RATING_ATTRIBUTES))
    truth.driver_weights.index.name = "attribute"
    truth.survey_params = {
        "respondents": int(out["customer_id"].nunique()),
        "respondent_share": float(out["customer_id"].nunique() / max(n, 1)),
        "answers": len(out),
        "behaviour_high": f"planted segment in {list(LOYAL_BEHAVIOUR_SEGMENTS)} (repeat buyers)",
        "attitude_high": "planted attitude > 0",
        "response": "P(answer) = logistic(-1.2 + 0.55 log(orders) + 0.25 attitude); customers "
                    "with 3+ orders answer again with probability 0.45 (a third time 0.4 with 5+)",
        "answer_model": "experience_k = 0.55 attitude + 0.84 noise_k (- 0.6 in the 120 days before "
                        "churn and before a planted lapse); satisfaction = 7 + 2 (sum_k weight_k experience_k + 0.3 noise); "
                        "rating_k = mean_k + 1.7 experience_k; intent and recommend mix attitude "
                        "and this answer's satisfaction",
        "rating_means": dict(_RATING_MEANS),
        "scales": {k: list(v) for k, v in SCALES.items()},
    }
    return out
