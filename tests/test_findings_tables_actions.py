"""Findings, the report table formatter and the action lists (CSV + Excel), and how the runner
shows them: headline first, teaching cells only in the report with code, lists beside the report."""

from __future__ import annotations

import json
import re
from html import escape

import nbformat
import pandas as pd
import pytest

from mining.actions import ActionList, read_action_list, save_action_lists
from mining.errors import ParameterError
from mining.findings import MIME_TYPE, Findings, Headline, format_value
from mining.tables import MAX_DECIMALS, show_table, summary_table


def _findings() -> Findings:
    return Findings("Test", [Headline("Customers", 1234, "count"),
                             Headline("Revenue", 98765.4321, "money")],
                    verdict="It works.", recommendation="Keep going.", details=["A detail."])


def test_format_value_by_kind():
    assert format_value(0.4567, "percent") == "46%"
    assert format_value(0.04567, "percent") == "4.6%"
    assert format_value(12.5, "money", currency="USD") == "USD 12.50"
    assert format_value(-1500, "money") == "-EUR 1,500"
    assert format_value(1.754, "ratio") == "1.75x"
    assert format_value(None) == "–"
    with pytest.raises(ParameterError, match="kind"):
        format_value(1, "euros")


def test_findings_need_content_and_carry_json():
    f = _findings()
    bundle = f._repr_mimebundle_()
    assert bundle[MIME_TYPE]["headline"][1]["text"] == "EUR 98,765"
    assert "mining-headline" in bundle["text/html"] and "Keep going." in bundle["text/html"]
    with pytest.raises(ParameterError, match="headline"):
        Findings("x", [], verdict="v", recommendation="r")
    with pytest.raises(ParameterError, match="verdict"):
        Findings("x", [Headline("a", 1)], verdict=" ", recommendation="r")


def test_show_table_rounds_limits_rows_and_keeps_text_whole():
    long_rule = "Espresso machine, Milk frother, Coffee beans -> Descaler tablets for machines"
    df = pd.DataFrame({"rule": [long_rule] * 30, "confidence": [0.123456] * 30,
                       "lift": [3.14159] * 30, "revenue": [1953919.54] * 30,
                       "n_customers": list(range(30))})
    t = show_table(df, more_in="rules.csv")
    html = t._repr_html_()
    assert escape(long_rule) in html              # never cut
    assert "10 more rows in rules.csv" in html
    assert html.count("<tr>") == 21               # header + 20 rows
    numbers = re.findall(r">([-\d.,]+)<", html)
    assert numbers and all(len(n.split(".")[1]) <= MAX_DECIMALS for n in numbers if "." in n)
    assert "EUR 1,953,920" in html and "12%" in html and "3.14" in html
    with pytest.raises(ParameterError, match="does not have"):
        show_table(df, money=["price"])


def test_summary_table_replaces_describe():
    df = pd.DataFrame({"monetary_total": [10.0, 20.0, 1000.0],
                       "first_purchase": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-05"]),
                       "name": ["a", "b", "c"]})
    cells = summary_table(df).cells
    assert list(cells.index) == ["monetary_total", "first_purchase"]
    assert cells.loc["monetary_total", "median"] == "EUR 20.00"
    assert cells.loc["first_purchase", "max"] == "2024-03-05"


def test_action_lists_write_csv_and_excel_with_ids_as_text(tmp_path):
    table = pd.DataFrame({"churn_probability": [0.91, 0.5], "value_at_risk": [120.5, 30.0],
                          "reason": pd.array(["rule a -> b", pd.NA], dtype="string")},
                         index=pd.Index(["007", "012"], name="customer_id"))
    cols = {"customer_id": "customer id (text)", "churn_probability": "P(churn) in 180 days",
            "value_at_risk": "future value lost if the customer churns, EUR",
            "reason": "why (empty: none)"}
    saved = save_action_lists([ActionList("retention", table, "call these", cols)],
                              notebook="05_churn", output_dir=tmp_path)
    back = read_action_list(saved.csv["retention"])
    assert back["customer_id"].tolist() == ["007", "012"]
    xl = pd.read_excel(saved.xlsx, sheet_name=None, dtype={"customer_id": str},
                       engine="openpyxl")
    assert set(xl) == {"retention", "columns"}
    assert xl["retention"]["customer_id"].tolist() == ["007", "012"]
    assert xl["columns"]["meaning"].tolist() == list(cols.values())
    assert saved.to_dict()["lists"][0]["csv"] == "lists/retention.csv"
    with pytest.raises(ParameterError, match="never overwritten"):
        save_action_lists([ActionList("retention", table, "again", cols)],
                          notebook="05_churn", output_dir=tmp_path)
    with pytest.raises(ParameterError, match="document the columns"):
        save_action_lists([ActionList("x", table, "no docs", {})], notebook="n",
                          output_dir=tmp_path / "other")


def test_action_lists_not_saved_without_a_folder(monkeypatch):
    monkeypatch.delenv("MINING_OUTPUT_DIR", raising=False)
    t = pd.DataFrame({"a": [1]})
    saved = save_action_lists([ActionList("a", t, "d", {"a": "a"})], notebook="n")
    assert saved.folder is None and "not saved" in str(saved)


@pytest.mark.slow
def test_runner_puts_findings_first_and_saves_lists(tmp_path):
    from mining.report import run_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("n = 3")
    params.metadata["tags"] = ["parameters"]
    teach = nbformat.v4.new_markdown_cell("Exercise: predict first. ANSWER-HIDDEN")
    teach.metadata["tags"] = ["teaching"]
    head = nbformat.v4.new_code_cell(
        "from mining.findings import Findings, Headline\n"
        "Findings('Tiny', [Headline('Rows', n, 'count')], verdict='Three rows.', "
        "recommendation='Nothing.')")
    head.metadata["tags"] = ["headline"]
    lists = nbformat.v4.new_code_cell(
        "import pandas as pd\nfrom mining.actions import ActionList, save_action_lists\n"
        "save_action_lists([ActionList('rows', pd.DataFrame({'customer_id': ['01', '02', '03']}),"
        " 'the rows', {'customer_id': 'id'})], notebook='tiny')")
    lists.metadata["tags"] = ["lists"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny report"), params,
                nbformat.v4.new_markdown_cell("## Concept text"), teach, head, lists]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    result = run_notebook(path, tmp_path / "out", parameters={"n": 3}, git=None)
    assert result.status == "ok", result.error
    page = (tmp_path / "out" / "tiny.nocode.html").read_text()
    assert page.index("mining-headline") < page.index("Concept text")
    assert page.index("mining-lists") < page.index("Concept text")
    assert "ANSWER-HIDDEN" not in page
    assert "ANSWER-HIDDEN" in (tmp_path / "out" / "tiny.html").read_text()
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["findings"]["headline"][0]["text"] == "3"
    assert record["lists"]["lists"][0]["csv"] == "lists/rows.csv"
    assert read_action_list(tmp_path / "out" / "lists" / "rows.csv")["customer_id"].tolist() == \
        ["01", "02", "03"]
