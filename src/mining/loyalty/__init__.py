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
- :func:`compare_satisfaction_measures`: does the cumulative or the transactional satisfaction
  predict later buying better (AUC of each)?
- :func:`type_agreement`, :func:`type_recovery`, :func:`type_crosstab`, :func:`driver_recovery`:
  found types and drivers against the planted ones (accuracy and Cohen's kappa against chance,
  the planted against the found driver ranking).
- :func:`findings`: the headline figures, verdict and recommendation for the report;
  :func:`customer_actions` and :func:`driver_actions` the two action lists (columns in
  :data:`ACTION_COLUMNS` and :data:`DRIVER_COLUMNS`).

Modules: ``_types`` (scores and types), ``_satisfaction`` (drivers, NPS, the retention link),
``_findings`` (planted vs found, findings, action lists). The survey itself is
:mod:`mining.survey`.
"""

from mining.loyalty._findings import (
    ACTION_COLUMNS,
    DRIVER_COLUMNS,
    customer_actions,
    driver_actions,
    driver_recovery,
    findings,
    planted_evidence,
    type_agreement,
    type_crosstab,
    type_recovery,
)
from mining.loyalty._satisfaction import (
    QUADRANTS,
    compare_satisfaction_measures,
    importance_performance,
    link_cutoff,
    net_promoter_score,
    retention_link,
    satisfaction_drivers,
    transactional_vs_cumulative,
)
from mining.loyalty._types import (
    LOYALTY_TYPES,
    attitudinal_score,
    behavioural_score,
    loyalty_types,
    type_summary,
)

__all__ = [
    "ACTION_COLUMNS",
    "DRIVER_COLUMNS",
    "LOYALTY_TYPES",
    "QUADRANTS",
    "attitudinal_score",
    "behavioural_score",
    "compare_satisfaction_measures",
    "customer_actions",
    "driver_actions",
    "driver_recovery",
    "findings",
    "importance_performance",
    "link_cutoff",
    "loyalty_types",
    "net_promoter_score",
    "planted_evidence",
    "retention_link",
    "satisfaction_drivers",
    "transactional_vs_cumulative",
    "type_agreement",
    "type_crosstab",
    "type_recovery",
    "type_summary",
]
