"""The analysis notebooks: their shape (teaching sections, parameters, no logic, no outputs) and
an end-to-end report run on the small demo, as `make report` does it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from mining.cli import main
from mining.report import complete_runs, declared_parameters, load_config
from mining.tables import MAX_DECIMALS

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "notebooks" / "report.yaml"
NOTEBOOKS = [e["notebook"] for e in load_config(CONFIG)["notebooks"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shape(path, caplog):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        "commit notebooks without outputs"
    for c in code:
        assert not re.search(r"^\s*(def|class)\s", c.source, re.M), "logic belongs in the package"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Concept", "## Data", "## Method", "## Results", "## Try this"):
        assert heading in text, heading
    assert re.search(r"[\u4e00-\u9fff]", text), "the Chinese CRM terms a class uses"
    # every assignment in the parameters cell is a parameter papermill can read
    assigned = re.findall(r"^(\w+)\s*(?::[^=]+)?=", tagged[0].source, re.M)
    with caplog.at_level("WARNING"):
        declared = declared_parameters(path)
    assert sorted(declared) == sorted(assigned)
    assert {"dataset", "size", "seed", "source"} <= set(declared)


@pytest.mark.slow
def test_make_report_on_the_small_demo_and_a_second_run(tmp_path, capsys):
    out = tmp_path / "reports"
    args = ["report", "--size", "small", "--out", str(out),
            "-p", "min_support", "0.03"]  # fewer sequential patterns on 400 customers
    assert main(args) == 0
    runs = complete_runs(out)
    assert len(runs) == 1 and runs[0].name.endswith("-demo")
    index = (runs[0] / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"{path.stem}/{path.stem}.html" in index
        assert (runs[0] / path.stem / f"{path.stem}.nocode.html").exists()
        record = json.loads((runs[0] / path.stem / "run.json").read_text())
        assert record["status"] == "ok", (path.stem, record.get("error"))
        assert record["parameters"]["size"] == "small"
    for path in NOTEBOOKS:
        _check_business_report(runs[0], path.stem)
    # the customer-value notebook really computed something: its HTML has the figures
    html = (runs[0] / "01_customer_value" / "01_customer_value.html").read_text(encoding="utf-8")
    assert html.count("data:image/png") >= 5 and "champions" in html
    # a second run (one notebook is enough) never overwrites the first
    one = tmp_path / "one.yaml"
    one.write_text(f"defaults: {{dataset: demo, size: small}}\nnotebooks: [{NOTEBOOKS[0]}]\n",
                   encoding="utf-8")
    assert main(["report", "--config", str(one), "--out", str(out)]) == 0
    assert len(complete_runs(out)) == 2 and runs[0] in complete_runs(out)
    assert (out / "latest").resolve() == complete_runs(out)[-1].resolve()


_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_TOO_PRECISE = re.compile(r"^[-+]?(?:[A-Z]{3} )?[\d,]*\.\d{" + str(MAX_DECIMALS + 1) + r",}%?$")


def _check_business_report(run_dir: Path, name: str) -> None:
    """What a business reader gets from one notebook: the headline box first and holding
    numbers, the action lists on disk (CSV and Excel, documented columns, ids as text), and
    tables with no over-precise number and no cut-off text."""
    page = (run_dir / name / f"{name}.nocode.html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    head = body.find('class="mining-headline"')
    assert head > 0, f"{name}: no headline box"
    first_section = body.find("<h2")
    assert first_section == -1 or head < first_section, f"{name}: headline box is not first"
    box = body[head:body.index("</div></div>", head)]
    assert re.search(r"\d", box), f"{name}: the headline box holds no number"
    for cell in _CELL.findall(body):
        text = re.sub(r"<[^>]+>", "", cell).strip()
        assert not _TOO_PRECISE.match(text), f"{name}: table cell {text!r} has too many decimals"
        assert not text.endswith(("...", "…")), f"{name}: table cell {text!r} is cut off"
    record = json.loads((run_dir / name / "run.json").read_text())
    assert record["findings"] and len(record["findings"]["headline"]) >= 3, name
    lists = record["lists"]
    assert lists and lists["lists"], f"{name}: no action list saved"
    documented = pd.read_csv(run_dir / name / "lists" / "columns.csv")
    for item in lists["lists"]:
        table = pd.read_csv(run_dir / name / item["csv"], dtype=str)
        assert len(table) == item["rows"], (name, item["name"])
        cols = documented.loc[documented["list"] == item["name"], "column"].tolist()
        assert list(table.columns) == cols, (name, item["name"])
        assert documented["meaning"].notna().all()
    book = openpyxl.load_workbook(run_dir / name / lists["xlsx"], read_only=True)
    assert set(book.sheetnames) == {i["name"][:31] for i in lists["lists"]} | {"columns"}


@pytest.mark.slow
def test_dataset_without_dates_skips_what_it_cannot_support(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--dataset", "cosmetics", "--out", str(out)]) == 0
    (run,) = complete_runs(out)
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "no purchase dates" in index
    records = {p.parent.name: json.loads(p.read_text()) for p in run.glob("*/run.json")}
    statuses = {k: v["status"] for k, v in records.items()}
    assert statuses == {"03_cross_selling": "ok"} or statuses.get("03_cross_selling") == "ok"
    summary = json.loads((run / "run.json").read_text())
    skipped = [r for r in summary["notebooks"] if r["status"] == "skipped"]
    assert {r["name"] for r in skipped} == {"01_customer_value", "02_segmentation",
                                            "04_sequences", "05_churn", "06_deviation",
                                            "07_lifetime_value", "08_loyalty_satisfaction"}
    assert all("cosmetics" in r["skip_reason"] for r in skipped)
