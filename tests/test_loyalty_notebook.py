"""Notebook 08 (loyalty and satisfaction) in the scheduled report: shaped like the others, runs on
the small demo with findings and action lists, reads a user's own survey, and is listed as
skipped with its reason when the data have no survey."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mining import datasets
from mining.cli import main
from mining.report import complete_runs, load_config

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "08_loyalty_satisfaction.ipynb"
CONFIG = REPO / "notebooks" / "report.yaml"


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _tagged(tag):
    return ["".join(c["source"]) for c in _cells() if tag in c.get("metadata", {}).get("tags", [])]


def _entry():
    (entry,) = [e for e in load_config(CONFIG)["notebooks"] if e["notebook"] == NOTEBOOK]
    return entry


def test_the_report_runs_08_when_the_data_have_a_survey():
    assert {"transactions", "timestamps", "survey"} <= set(_entry()["requires"])


def test_exporter_tags_and_order():
    cells = _cells()
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# 08")
    (headline,) = _tagged("headline")
    assert "loyalty.findings(" in headline
    (lists,) = _tagged("lists")
    assert "save_action_lists(" in lists and "loyalty.customer_actions(" in lists
    (key,) = _tagged("key-figure")
    assert "plot_loyalty_matrix" in key
    assert "Try this" in "".join(_tagged("teaching"))
    text = ["".join(c["source"]) for c in cells]
    planted = next(i for i, t in enumerate(text) if "## Planted vs found" in t)
    exercises = next(i for i, t in enumerate(text) if "## Try this" in t)
    assert planted < exercises
    concept = next(t for t in text if t.startswith("## Concept"))
    for term in ("客户忠诚类型", "不忠诚", "虚假忠诚", "潜在忠诚", "忠诚", "客户满意", "交易型", "累积型"):
        assert term in concept, term
    (params,) = _tagged("parameters")
    for name in ('dataset: str = "demo"', 'size: str = "default"', 'source: str = ""',
                 'survey_source: str = ""', 'as_of: str = ""', "seed: int = 0"):
        assert name in params
    for c in cells:  # figures end with ';' (drawn once), no outputs committed
        if c["cell_type"] == "code":
            assert not c.get("outputs")
            last = "".join(c["source"]).strip().splitlines()[-1]
            if last.startswith("loyalty_plots."):
                assert last.endswith(";"), last


def _run(tmp_path: Path, *params: str) -> tuple[int, Path]:
    out = tmp_path / "reports"
    args = ["run", str(NOTEBOOK), "--out", str(out)]
    for i in range(0, len(params), 2):
        args += ["-p", params[i], params[i + 1]]
    code = main(args)
    (run,) = complete_runs(out)
    return code, run / NOTEBOOK.stem


@pytest.mark.slow
def test_08_runs_on_the_small_demo_with_findings_and_lists(tmp_path):
    code, folder = _run(tmp_path, "size", "small")
    record = json.loads((folder / "run.json").read_text())
    assert code == 0 and record["status"] == "ok", record.get("error")
    findings = record["findings"]
    assert len(findings["headline"]) >= 3
    assert any("kappa" in d for d in findings["details"])  # planted vs found on the demo
    names = {i["name"]: i for i in record["lists"]["lists"]}
    assert set(names) == {"loyalty_types", "satisfaction_drivers"}
    types = pd.read_csv(folder / names["loyalty_types"]["csv"], dtype={"customer_id": str})
    assert len(types) == names["loyalty_types"]["rows"] > 50
    assert set(types["loyalty_type"]) == {"loyal", "latent", "spurious", "disloyal"}
    drivers = pd.read_csv(folder / names["satisfaction_drivers"]["csv"])
    assert drivers["rank"].tolist() == [1, 2, 3, 4, 5]
    html = (folder / f"{NOTEBOOK.stem}.html").read_text(encoding="utf-8")
    assert html.count("data:image/png") >= 7


@pytest.mark.slow
def test_08_reads_your_own_transactions_and_survey(tmp_path):
    ds = datasets.load("demo", size="small", random_state=0)
    tx, survey = tmp_path / "orders.csv", tmp_path / "answers.csv"
    ds.transactions.to_csv(tx, index=False)
    ds.survey.to_csv(survey, index=False)
    code, folder = _run(tmp_path, "source", str(tx), "survey_source", str(survey))
    record = json.loads((folder / "run.json").read_text())
    assert code == 0 and record["status"] == "ok", record.get("error")
    assert not any("kappa" in d for d in record["findings"]["details"])  # no truth in a file
    executed = (folder / f"{NOTEBOOK.stem}.ipynb").read_text(encoding="utf-8")
    assert "No planted truth" in executed


def _report(tmp_path: Path, *args: str) -> tuple[int, dict]:
    cfg = tmp_path / "only08.yaml"
    entry = _entry()
    cfg.write_text(yaml.safe_dump({"defaults": {"dataset": "demo", "size": "small"},
                                   "notebooks": [{"notebook": str(NOTEBOOK),
                                                  "requires": entry["requires"]}]}),
                   encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["report", "--config", str(cfg), "--out", str(out), *args])
    (run,) = complete_runs(out)
    return code, json.loads((run / "run.json").read_text())


@pytest.mark.slow
def test_08_is_skipped_with_its_reason_on_a_dataset_without_a_survey(tmp_path):
    code, summary = _report(tmp_path, "--dataset", "cdnow")
    (record,) = summary["notebooks"]
    assert code == 0 and record["status"] == "skipped"
    assert "cdnow" in record["skip_reason"] and "no customer survey" in record["skip_reason"]


@pytest.mark.slow
def test_08_is_skipped_on_your_own_source_without_a_survey(tmp_path):
    code, summary = _report(tmp_path, "-p", "source", str(REPO / "data" / "sample_transactions.csv"))
    (record,) = summary["notebooks"]
    assert code == 0 and record["status"] == "skipped"
    assert "no customer survey" in record["skip_reason"]
    assert "survey_source" in record["skip_reason"]
