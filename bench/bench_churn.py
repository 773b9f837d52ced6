"""Benchmark of notebook 05's heavy steps on the default demo: the report setting against the
thorough one (``churn.report_effort``), wall-clock and CPU seconds per step, and the figures
the planted-vs-found checks read (out-of-time ROC AUC, ROC AUC against the planted churn).

Run: ``.venv/bin/python bench/bench_churn.py [--size small] [--thorough]``. Not a test: the
times depend on how busy the machine is (the load average is printed with them).
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager

import pandas as pd

from mining import churn, features, value
from mining.inputs import open_inputs

ROWS: list[dict[str, object]] = []


@contextmanager
def step(name: str):
    w, c = time.perf_counter(), time.process_time()
    yield
    ROWS.append({"step": name, "wall_s": round(time.perf_counter() - w, 2),
                 "cpu_s": round(time.process_time() - c, 2)})
    print(f"  {name}: {ROWS[-1]['wall_s']} s wall, {ROWS[-1]['cpu_s']} s CPU", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="default")
    ap.add_argument("--thorough", action="store_true")
    args = ap.parse_args()
    effort = churn.report_effort(args.thorough)
    print(f"load average {os.getloadavg()[0]:.2f}; {effort}")
    data = open_inputs(dataset="demo", size=args.size, seed=0)
    tx, customers, end = data.transactions, data.customers, data.as_of
    cut, _ = churn.default_cutoff(end)
    h = 90
    labels = churn.churn_labels(tx, as_of=cut, horizon_days=h, observed_until=end)
    X, y = churn.training_set(tx, as_of=cut, horizon_days=h, customers=customers,
                              observed_until=end)
    with step(f"cross-validation ({effort.cv_folds} folds)"):
        cv = churn.compare_models(X, y, cv=effort.cv_folds, random_state=0)
    with step("out of time (4 models)"):
        oot = churn.out_of_time_validation(tx, train_as_of=cut - pd.Timedelta(days=h),
                                           test_as_of=cut, horizon_days=h, customers=customers,
                                           random_state=0, observed_until=end)
    best = oot.best
    with step("out of time, recalibrated best"):
        oot_cal = churn.out_of_time_validation(
            tx, train_as_of=cut - pd.Timedelta(days=h), test_as_of=cut, horizon_days=h,
            models={"cal": churn.calibrated_model(best, random_state=0)}, customers=customers,
            random_state=0, observed_until=end)
    with step(f"permutation importance ({effort.importance_repeats} x {effort.importance_rows})"):
        churn.permutation_importance_table(oot.fitted[best], oot.X_test, oot.y_true,
                                           n_repeats=effort.importance_repeats,
                                           max_samples=effort.importance_rows, random_state=0)
    with step("final calibrated fit and scoring"):
        model = churn.calibrated_model(best, random_state=0).fit(X, y)
        churn.churn_probability(model, churn.scoring_set(tx, as_of=end, customers=customers))
    with step("back-test values at the cutoff"):
        value.customer_lifetime_value(features.customer_table(tx, as_of=cut), as_of=cut)
    found = churn.planted_vs_found(labels, data.truth.churn_dates,
                                   proba=cv.proba.add_suffix(" cv").join(
                                       oot.proba.add_suffix(" oot")))["value"]
    print(pd.DataFrame(ROWS).to_string(index=False))
    print(f"total {sum(r['wall_s'] for r in ROWS):.1f} s wall, "
          f"{sum(r['cpu_s'] for r in ROWS):.1f} s CPU")
    print(f"best {best}: out-of-time ROC AUC {oot.table.loc[best, 'roc_auc']:.3f}; "
          f"recalibrated {oot_cal.table['roc_auc'].iloc[0]:.3f}; cross-validated "
          f"{cv.table.loc[cv.best, 'roc_auc']:.3f} ({cv.best})")
    print(f"ROC AUC vs planted: {best} cv {found[f'roc_auc_vs_planted[{best} cv]']:.3f}, "
          f"oot {found[f'roc_auc_vs_planted[{best} oot]']:.3f}")


if __name__ == "__main__":
    main()
