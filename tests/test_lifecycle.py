"""Tests of mining.lifecycle: the stage rule on hand-made trajectories, and churn by stage."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from mining import lifecycle
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.lifecycle import STAGES, churn_by_stage, lifecycle_stage

AS_OF = pd.Timestamp("2025-01-01")


def orders_at(days_before: dict[str, list[int]], *, lines: int = 1) -> pd.DataFrame:
    """One order per listed day (days before AS_OF), each with ``lines`` order lines."""
    rows = [{"customer_id": c, "order_id": f"{c}-{i}",
             "timestamp": AS_OF - pd.Timedelta(days=d) + pd.Timedelta(hours=10),
             "product_id": f"p{j}", "quantity": 1.0, "unit_price": 3.0}
            for c, ds in days_before.items() for i, d in enumerate(ds) for j in range(lines)]
    return pd.DataFrame(rows)


TRAJECTORIES = {
    # name: (days before AS_OF of each order, expected stage)
    "trial_one": ([20], "exploration"),
    "trial_two": ([120, 15], "exploration"),
    "ramping_up": ([150, 100, 60, 30, 10], "formation"),       # young, past the trial
    "accelerating": ([700, 500, 300, 170, 120, 90, 60, 30, 5], "formation"),  # rate x3
    "steady": (list(range(710, 0, -50)), "stability"),
    "slowing": ([720, 680, 640, 600, 560, 520, 480, 440, 400, 150], "decline"),  # rate falls
    "silent_regular": (list(range(900, 200, -30)), "decline"),  # nothing in 180 days
    "silent_one_timer": ([400], "decline"),  # early death: decline straight from exploration
}


def test_doctests_pass():
    assert doctest.testmod(lifecycle).failed == 0


def test_stage_rule_on_known_trajectories():
    tx = orders_at({c: d for c, (d, _) in TRAJECTORIES.items()}, lines=2)
    st = lifecycle_stage(tx, as_of=AS_OF)
    got = st["stage"].astype(str).to_dict()
    assert got == {c: s for c, (_, s) in TRAJECTORIES.items()}
    assert list(st["stage"].cat.categories) == list(STAGES) and st["stage"].cat.ordered
    assert st.loc["steady", "n_orders"] == 15  # orders, not lines
    assert st.loc["silent_one_timer", "reason"].startswith("no order in the last 180")
    assert st.loc["slowing", "stage_zh"] == "退化期"
    assert st.loc["steady", "rate_recent"] == pytest.approx(4 / 180 * 30)
    assert st.loc["steady", "rate_earlier"] == pytest.approx(11 / (st.loc["steady", "tenure_days"]
                                                                  - 180) * 30)
    assert np.isnan(st.loc["ramping_up", "rate_earlier"])


def test_rows_after_as_of_are_ignored():
    base = orders_at({c: d for c, (d, _) in TRAJECTORIES.items()})
    later = orders_at({"silent_one_timer": [-5, -30], "newcomer": [-3]})
    st1 = lifecycle_stage(base, as_of=AS_OF)
    st2 = lifecycle_stage(pd.concat([base, later], ignore_index=True), as_of=AS_OF)
    pd.testing.assert_frame_equal(st1, st2)


def test_parameters_change_the_cut():
    tx = orders_at({"trial_two": [120, 15], "ramping_up": [150, 100, 60, 30, 10]})
    st = lifecycle_stage(tx, as_of=AS_OF, trial_orders=5)
    assert st["stage"].astype(str).tolist() == ["exploration", "exploration"]
    st = lifecycle_stage(tx, as_of=AS_OF, window_days=60)
    assert st.loc["trial_two", "stage"] == "exploration"
    assert st.loc["ramping_up", "stage"] == "formation"


@pytest.mark.parametrize("kw", [{"window_days": 0}, {"trial_orders": 0},
                                {"decline_ratio": 1.2}, {"growth_ratio": 0.9}])
def test_bad_parameters(kw):
    with pytest.raises(ParameterError, match=next(iter(kw))):
        lifecycle_stage(orders_at({"a": [3]}), as_of=AS_OF, **kw)


def test_bad_inputs():
    with pytest.raises(InsufficientDataError, match="no transactions before"):
        lifecycle_stage(orders_at({"a": [3]}), as_of="2020-01-01")
    with pytest.raises(SchemaError, match="order_id"):
        lifecycle_stage(orders_at({"a": [3]}).drop(columns="order_id"), as_of=AS_OF)
    with pytest.raises(ParameterError, match="as_of"):
        lifecycle_stage(orders_at({"a": [3]}), as_of="yesterday-ish")


def test_churn_by_stage_counts():
    stages = pd.DataFrame({"stage": ["exploration", "decline", "decline", "stability", "decline"]},
                          index=["a", "b", "c", "d", "e"])
    labels = pd.DataFrame({"churned": [True, True, True, False, False, True]},
                          index=["a", "b", "c", "d", "e", "x"])
    t = churn_by_stage(stages, labels)
    assert list(t.index) == list(STAGES)
    assert t["n_customers"].tolist() == [1, 0, 1, 3]
    assert t["n_churned"].tolist() == [1, 0, 0, 2]
    assert t.loc["decline", "churn_rate"] == pytest.approx(2 / 3)
    assert np.isnan(t.loc["formation", "churn_rate"])
    assert t["share_of_customers"].sum() == pytest.approx(1.0)
    assert t.loc["stability", "stage_zh"] == "稳定期"


def test_churn_by_stage_errors():
    with pytest.raises(InsufficientDataError, match="share no customer_id"):
        churn_by_stage(pd.Series(["decline"], index=["a"]), pd.Series([True], index=["b"]))
    with pytest.raises(ParameterError, match="unknown stages"):
        churn_by_stage(pd.Series(["growth"], index=["a"]), pd.Series([True], index=["a"]))
    with pytest.raises(ParameterError, match="'churned'"):
        churn_by_stage(pd.Series(["decline"], index=["a"]), pd.DataFrame({"y": [1]}, index=["a"]))
