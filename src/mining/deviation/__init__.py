"""Deviation detection (偏差检测): unusual customers, orders and trends, each with its reasons.

Records that differ markedly from the norm, or from what was expected, are often the most
interesting ones in CRM: a reseller posing as a household, a bot or a fraud run, a price entered
ten times too high, a loyal customer whose spending silently drops (a churn signal), a product
whose weekly sales break from their pattern. Every flag here says *why*: which features deviate
and by how many robust standard deviations (median / MAD, not pulled by the outliers).

Three levels, each a function returning a result with ``flags`` and reasons in words::

    detect_customers(tx, as_of=..., segments=None)      customer_table + customer_behaviour
      = customer_deviations(table, methods=("isolation_forest", "lof", "robust_z"))
                                                         -> CustomerDeviations (one ranked score)
    order_deviations(tx, as_of=...)                      amount / lines vs the customer's own
                                                         history, units / price vs the product
                                                         -> OrderDeviations
    weekly_series(tx, as_of=..., by="customer"|"product"|"category")
      -> series_deviations(weekly, window=..., smooth_weeks=...)
                                                         rolling median x seasonality: spikes,
                                                         dips, sustained drops -> SeriesDeviations

Thresholds: ``top_n`` or ``contamination`` when you know how many to look at; by default a
robust cut that needs no guess of the contamination rate (customers: combined score above 3.5
robust SDs; orders: a check above 6 robust SDs; weeks: ``z_threshold``); :func:`flag_mask`
applies the same three rules to any score. ``planted_vs_found`` measures recall and precision
against the demo's planted anomalies. The notebook's further steps are public too:
``customer_spend_breaks``, ``sales_breaks``, ``silent_churn``, ``example_series``, ``planted_view``.
The report's findings (``findings``: headline figures, verdict, what to do), its small tables
(``main_reason_table``, ``order_check_table``, ``seasonal_table``, ``planted_scorecard``,
``planted_by_kind``, both in ``planted_evidence`` for the report) and its review lists with documented columns (``customer_flag_list``,
``order_flag_list``, ``silent_churn_list``) come from ``_findings``.

Every result is a dataclass holding its tables with the threshold, the rule in words and the
settings (``random_state``: ``None``, an int or a ``numpy.random.Generator``, default 0, seeds
the isolation forest); dates are ``as_of`` (only rows before it are read).

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": "a", "order_id": [str(i) for i in range(12)],
...     "timestamp": pd.date_range("2024-01-01", periods=12, freq="7D"),
...     "product_id": "p", "quantity": [1.0] * 10 + [2, 60], "unit_price": 2.0})
>>> order_deviations(tx, as_of="2024-04-01").flags.index.tolist()
['11']
"""

from __future__ import annotations

from mining.deviation._customers import (
    BEHAVIOUR_COLUMNS,
    DEFAULT_FEATURES,
    METHODS,
    CustomerDeviations,
    customer_behaviour,
    customer_deviations,
    detect_customers,
)
from mining.deviation._explain import (
    DEFAULT_CUT,
    Z_CAP,
    flag_mask,
    reason_text,
    robust_cut,
    robust_location_scale,
    robust_zscores,
)
from mining.deviation._findings import (
    FEATURE_LABEL,
    FEATURE_MEANING,
    ORDER_CHECK_MEANING,
    action_lists,
    customer_flag_list,
    findings,
    main_reason_table,
    order_check_table,
    order_flag_list,
    planted_by_kind,
    planted_evidence,
    planted_scorecard,
    seasonal_table,
    series_status_table,
    silent_churn_list,
)
from mining.deviation._orders import ORDER_CHECKS, OrderDeviations, order_deviations
from mining.deviation._planted import planted_vs_found
from mining.deviation._series import (
    SeriesDeviations,
    seasonal_index,
    series_deviations,
    weekly_series,
)
from mining.deviation._summaries import (
    break_counts,
    customer_spend_breaks,
    entity_name,
    example_series,
    flag_table,
    flagged_weeks_of,
    main_reasons,
    planted_view,
    sales_breaks,
    silent_churn,
    top_scored,
    top_series,
)

__all__ = [
    "BEHAVIOUR_COLUMNS",
    "CustomerDeviations",
    "DEFAULT_CUT",
    "DEFAULT_FEATURES",
    "FEATURE_LABEL",
    "FEATURE_MEANING",
    "METHODS",
    "ORDER_CHECKS",
    "ORDER_CHECK_MEANING",
    "OrderDeviations",
    "SeriesDeviations",
    "Z_CAP",
    "action_lists",
    "break_counts",
    "customer_behaviour",
    "customer_deviations",
    "customer_flag_list",
    "customer_spend_breaks",
    "detect_customers",
    "entity_name",
    "example_series",
    "findings",
    "flag_mask",
    "flag_table",
    "flagged_weeks_of",
    "main_reason_table",
    "main_reasons",
    "order_check_table",
    "order_deviations",
    "order_flag_list",
    "planted_by_kind",
    "planted_evidence",
    "planted_scorecard",
    "planted_view",
    "planted_vs_found",
    "reason_text",
    "robust_cut",
    "robust_location_scale",
    "robust_zscores",
    "sales_breaks",
    "seasonal_index",
    "seasonal_table",
    "series_deviations",
    "series_status_table",
    "silent_churn",
    "silent_churn_list",
    "top_scored",
    "top_series",
    "weekly_series",
]
