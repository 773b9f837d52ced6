"""JupyterLab widgets: drawn only in a live session, never under the report runner."""

from __future__ import annotations

import pytest

from mining import datasets, features, interactive


@pytest.fixture(scope="module")
def demo():
    return datasets.load("demo", size="small", random_state=0)


def test_unattended_runs_get_no_widgets(monkeypatch, demo):
    monkeypatch.setenv("MINING_UNATTENDED", "1")
    assert not interactive.interactive_enabled()
    assert interactive.rules_explorer(demo.transactions) is None


def test_live_kernel_gets_sliders(monkeypatch, demo):
    monkeypatch.delenv("MINING_UNATTENDED", raising=False)

    class Shell:
        kernel = object()

    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    assert interactive.interactive_enabled()
    built = []
    # ipywidgets.interactive would draw at once, which needs a real kernel: record instead
    monkeypatch.setattr("ipywidgets.interactive",
                        lambda view, **controls: built.append((view, controls)) or "box")
    table = features.customer_table(demo.transactions, as_of=demo.as_of)
    assert interactive.rfm_explorer(table) == "box"
    assert interactive.rules_explorer(demo.transactions) == "box"
    (_, rfm_controls), (_, rule_controls) = built
    assert [c.description for c in rfm_controls.values()] == ["RFM bins"]
    assert [c.description for c in rule_controls.values()] == ["min support", "min confidence"]
    assert rule_controls["min_support"].value == pytest.approx(0.005)


def test_outside_ipython_there_is_nothing_to_draw_on(monkeypatch):
    monkeypatch.delenv("MINING_UNATTENDED", raising=False)
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    assert not interactive.interactive_enabled()


def test_rules_view_finds_the_planted_rules_and_reacts_to_thresholds(demo):
    loose = interactive.rules_view(demo.transactions, min_support=0.02, min_confidence=0.3)
    assert any("Tomato pasta sauce" in r for r in loose["rule"])
    strict = interactive.rules_view(demo.transactions, min_support=0.02, min_confidence=0.9)
    assert len(strict) < len(loose)
    assert list(loose["lift"]) == sorted(loose["lift"], reverse=True)


def test_rfm_view_changes_with_bins(demo):
    table = features.customer_table(demo.transactions, as_of=demo.as_of)
    three = interactive.rfm_view(table, bins=3)
    five = interactive.rfm_view(table, bins=5)
    assert three["customers"].sum() == five["customers"].sum() == len(table)
