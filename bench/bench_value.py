"""Time the steps of notebooks 01 and 07 (issue 18/19) on a built-in dataset.

    .venv/bin/python bench/bench_value.py            # default demo
    .venv/bin/python bench/bench_value.py small      # small demo

Prints seconds per step; the notebook adds imports, figures and the HTML export on top.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import contextmanager

from mining import clv, features, value
from mining.actions import ActionList, save_action_lists
from mining.inputs import open_inputs


@contextmanager
def step(name: str):
    start = time.perf_counter()
    yield
    print(f"{name:<32} {time.perf_counter() - start:6.2f} s")


def main(size: str = "default") -> None:
    with step("open_inputs"):
        data = open_inputs(dataset="demo", size=size, seed=0)
    tx, cutoff = data.transactions, data.as_of
    with step("01 customer table"):
        table = features.customer_table(tx, as_of=cutoff)
    with step("01 rfm, abc, clv, matrix"):
        rfm = value.rfm_scores(table)
        abc = value.abc_classes(table)
        matrix = value.clv_matrix(value.customer_lifetime_value(table, as_of=cutoff))
    with step("01 findings + actions"):
        value.findings(rfm, abc, matrix)
        actions = value.customer_actions(rfm, abc, matrix)
    with step("01 save_action_lists"), tempfile.TemporaryDirectory() as d:
        save_action_lists([ActionList("customers", actions, "x", value.ACTION_COLUMNS)],
                          notebook="01_customer_value", output_dir=d)
    period = clv.calibration_period(tx, as_of=cutoff)
    with step("07 calibration summary"):
        summary = clv.calibration_summary(period.transactions, as_of=period.holdout_start,
                                          holdout_end=period.data_end)
    with step("07 compare_count_models"):
        comparison = clv.compare_count_models(summary)
    bg = comparison.models[comparison.best]
    with step("07 cumulative_purchases"):
        clv.cumulative_purchases(period.transactions, bg, as_of=period.holdout_start,
                                 holdout_end=period.data_end)
    with step("07 period_purchases"):
        clv.period_purchases(summary, bg)
    with step("07 alive_check (+ rule of thumb)"):
        heur = value.customer_lifetime_value(
            features.customer_table(period.transactions, as_of=period.holdout_start),
            as_of=period.holdout_start)
        clv.alive_check(summary, comparison, heur["p_active"])


if __name__ == "__main__":
    main(*sys.argv[1:2])
