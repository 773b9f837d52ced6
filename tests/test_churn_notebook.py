"""Notebook 05 is shaped for the business report: the cells the exporter reads are tagged, the
slow checks sit behind one parameter, and no cell shows a raw table or draws a figure twice."""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_churn.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _tagged(tag):
    return [c for c in _cells() if tag in c.get("metadata", {}).get("tags", [])]


def test_exporter_tags():
    cells = _cells()
    assert cells[0]["cell_type"] == "markdown" and cells[0]["source"][0].startswith("# 05")
    (headline,) = _tagged("headline")
    assert "churn.findings(" in "".join(headline["source"])
    (lists,) = _tagged("lists")
    assert "save_action_lists(" in "".join(lists["source"])
    (key,) = _tagged("key-figure")
    assert "plot_profit_curve" in "".join(key["source"])  # a result, not the label definition
    teaching = "".join("".join(c["source"]) for c in _tagged("teaching"))
    assert "Try this" in teaching


def test_planted_vs_found_comes_before_the_exercises():
    text = ["".join(c["source"]) for c in _cells()]
    planted = next(i for i, t in enumerate(text) if "planted vs what we found" in t)
    exercises = next(i for i, t in enumerate(text) if "## Try this" in t)
    assert planted < exercises


def test_parameters_size_the_slow_checks_and_money():
    (params,) = _tagged("parameters")
    src = "".join(params["source"])
    for name in ("thorough: bool = False", 'currency: str = "EUR"', "cv_folds: int = 0"):
        assert name in src


def test_no_raw_tables_or_double_figures_in_the_business_report():
    for c in _cells():
        if c["cell_type"] != "code" or "teaching" in c.get("metadata", {}).get("tags", []):
            continue
        src = "".join(c["source"])
        assert ".round(3)" not in src and ".to_string()" not in src and "describe()" not in src
        assert "results_in_words" not in src
        last = src.strip().splitlines()[-1]
        if "plot_" in src and "churn_plots." in last:
            assert src.rstrip().endswith(";"), f"figure drawn twice: {last}"
        assert not c.get("outputs"), "commit the notebook without outputs"
