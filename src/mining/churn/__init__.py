"""Churn prediction (客户流失预测) and retention targeting (客户保持).

Churn ends the customer lifecycle. Keeping a customer usually costs less than winning a new one,
so the firm wants to know early which valuable customers are about to leave, and whom a
retention campaign should contact.

Two kinds of label:

* **non-contractual** (shops): nobody cancels, customers just stop buying. A customer active
  before the cutoff date ``as_of`` has churned when they buy nothing in
  ``[as_of, as_of + horizon_days)``. Features come strictly from rows before ``as_of``
  (leakage-safe)::

      |---- features: features.customer_table(tx, as_of=as_of) ----|-- label window --|
      first transaction                                           as_of           horizon_end

* **contractual** (telecom, subscriptions): the contract end is observed; a customer table with a
  label column (``Churn`` Yes/No) is the input.

Layers::

    churn_labels / training_set / scoring_set     (tx, as_of, horizon) -> labels; X, y
    contractual_training_set                      customers table, label column -> X, y
    make_model(name)                              Pipeline: ColumnTransformer (impute, log, scale,
                                                  one-hot) -> classifier; class_weight="balanced"
    calibrated_model(name)                        the same, recalibrated: probabilities for money
    compare_models(X, y, cv=5)                    stratified CV, out-of-fold scorecard
    out_of_time_validation(tx, train_as_of, test_as_of, ...)   train earlier, test later
    rescore_out_of_time(oot, models)              other models on the same out-of-time split
    evaluate / gains_table / calibration_table / permutation_importance_table
    retention_list(proba, value, contact_cost, success_rate)     whom to call, and what it returns
    retention_summary(retention)                  contacts, their cost and the expected return
    retention_plan(model, tx, as_of, ...)         today's campaign: scores, value at risk, call list
    retention_at(proba, tx, as_of, ...)           the retention list with CLV at that date
    churn_types / contract_churn_types   temporary/permanent, degree, explicit/implicit
    churn_types_in_data / churn_types_in_words   the same with the return window shortened to
                                                  the data end; one sentence on the result
    churn_types_vs_planted(types, truth)          churn types against the planted lapsers (demo)
    planted_churn / planted_vs_found / planted_table   labels and scores against planted truth (demo)
    labels_vs_planted                             labels against planted churn (cross table)
    planted_evidence(labels, truth, proba)        both planted-vs-found tables for the report
    default_cutoff / label_summary / results_in_words   the notebook's date rule and sentences
    findings / baseline_verdict                   the key findings for the report's top; model vs
                                                  recency baseline in one sentence
    retention_actions / retention_columns         the call list to take away, columns documented
    profit_curve / confusion_at_cut / campaign_backtest   the campaign at the chosen cut
    report_effort(thorough)                       CV folds and importance sizes: report or thorough

One vocabulary: the cutoff date is ``as_of`` (``cutoff=``, ``train_cutoff=`` and
``test_cutoff=`` still work for one release, with a ``DeprecationWarning``); randomness is
``random_state`` (``None``, an int or a ``numpy.random.Generator``; default 0). Results are plain
tables whose definition travels in documented columns (the label window ``as_of`` ..
``horizon_end`` of each label), or :class:`ModelComparison` for model comparisons. Unfitted
models raise :class:`mining.errors.NotFittedError`.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"recency_days": np.r_[rng.uniform(0, 60, 40), rng.uniform(90, 300, 40)],
...                   "n_orders": np.r_[rng.integers(3, 9, 40), rng.integers(1, 3, 40)]})
>>> y = pd.Series(np.r_[np.zeros(40, bool), np.ones(40, bool)], name="churned")
>>> res = compare_models(X, y, models=["recency_baseline", "logistic"], cv=4, random_state=0)
>>> bool(res.table.loc["logistic", "roc_auc"] > 0.95)
True
"""

from __future__ import annotations

from mining.churn._campaign import RetentionPlan, planted_evidence, retention_at, retention_plan
from mining.churn._churn_types import (
    CHURN_DEGREES,
    CHURN_TYPE_COLUMNS,
    CHURN_TYPE_NAMES_ZH,
    churn_types,
    churn_types_in_data,
    churn_types_in_words,
    churn_types_vs_planted,
    contract_churn_types,
)
from mining.churn._evaluate import (
    calibration_table,
    evaluate,
    gains_table,
    permutation_importance_table,
)
from mining.churn._findings import (
    BASELINE,
    Effort,
    baseline_verdict,
    campaign_backtest,
    confusion_at_cut,
    findings,
    profit_curve,
    report_effort,
    retention_actions,
    retention_columns,
    scorecard,
)
from mining.churn._labels import (
    churn_labels,
    contractual_training_set,
    scoring_set,
    training_set,
)
from mining.churn._models import (
    MODEL_NAMES,
    ModelComparison,
    calibrated_model,
    churn_probability,
    compare_models,
    make_model,
    out_of_time_validation,
    rescore_out_of_time,
)
from mining.churn._planted import planted_churn, planted_table, planted_vs_found
from mining.churn._retention import retention_list, retention_summary
from mining.churn._summaries import (
    default_cutoff,
    label_summary,
    labels_vs_planted,
    results_in_words,
)

__all__ = [
    "BASELINE",
    "CHURN_DEGREES",
    "CHURN_TYPE_COLUMNS",
    "CHURN_TYPE_NAMES_ZH",
    "MODEL_NAMES",
    "Effort",
    "ModelComparison",
    "RetentionPlan",
    "baseline_verdict",
    "calibrated_model",
    "calibration_table",
    "campaign_backtest",
    "confusion_at_cut",
    "churn_labels",
    "churn_probability",
    "churn_types",
    "churn_types_in_data",
    "churn_types_in_words",
    "churn_types_vs_planted",
    "compare_models",
    "contract_churn_types",
    "contractual_training_set",
    "default_cutoff",
    "evaluate",
    "findings",
    "gains_table",
    "label_summary",
    "labels_vs_planted",
    "make_model",
    "out_of_time_validation",
    "permutation_importance_table",
    "profit_curve",
    "planted_churn",
    "planted_evidence",
    "planted_table",
    "planted_vs_found",
    "report_effort",
    "rescore_out_of_time",
    "results_in_words",
    "retention_actions",
    "retention_at",
    "retention_columns",
    "retention_list",
    "retention_plan",
    "retention_summary",
    "scorecard",
    "scoring_set",
    "training_set",
]
