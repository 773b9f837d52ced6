"""The bad-input catalogue: malformed or awkward inputs, each with its clear error or counted step.

No input may crash with a raw traceback from pandas or scikit-learn: every case here either loads,
raises a mining error whose message names the column/row/parameter, or is cleaned and counted.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mining.errors import MiningError, SchemaError
from mining.io import load_transactions
from mining.schema import clean_transactions

HEADER = "customer_id,order_id,timestamp,product_id,quantity,unit_price\n"
GOOD = "c1,o1,2024-01-05,p1,1,2.5\nc2,o2,2024-01-06,p2,2,1.0\n"


def _csv(tmp_path, body: str, name: str = "tx.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return str(path)


# (case id, file body, expected message fragment)
SCHEMA_ERRORS = [
    ("missing_column", "customer_id,order_id,timestamp,quantity,unit_price\nc1,o1,2024-01-05,1,2\n",
     "missing column 'product_id'"),
    ("all_columns_missing", "a,b\n1,2\n", "missing columns 'customer_id', 'order_id'"),
    ("quantity_not_numeric", HEADER + "c1,o1,2024-01-05,p1,one,2\n", "column 'quantity': 1 row (rows 0)"),
    ("price_with_currency_sign", HEADER + "c1,o1,2024-01-05,p1,1,$2.50\n", "'$2.50'"),
    ("unparsable_date", HEADER + "c1,o1,yesterday,p1,1,2\n", "'yesterday'"),
    ("impossible_date", HEADER + "c1,o1,2024-02-30,p1,1,2\nc1,o2,2024-02-01,p1,1,2\n", "'2024-02-30'"),
    ("mixed_time_zones_and_naive",
     HEADER + "c1,o1,2024-01-05T10:00+08:00,p1,1,2\nc1,o2,2024-01-05 10:00,p1,1,2\n", "timezone="),
    ("header_only", HEADER, None),  # loads as an empty table: checked below
    ("empty_file", "", "is empty"),
    ("overflowing_amount", HEADER + "c1,o1,2024-01-05,p1,1e200,1e200\n", "overflows"),
    ("boolean_quantity_column", None, "true/false"),
]


@pytest.mark.parametrize("case,body,message", [c for c in SCHEMA_ERRORS if c[2]],
                         ids=[c[0] for c in SCHEMA_ERRORS if c[2]])
def test_schema_errors_are_clear(tmp_path, case, body, message):
    if body is None:  # a DataFrame case
        source = pd.DataFrame({"customer_id": ["c"], "order_id": ["o"], "timestamp": ["2024-01-01"],
                               "product_id": ["p"], "quantity": [True], "unit_price": [1.0]})
    else:
        source = _csv(tmp_path, body)
    with pytest.raises(MiningError) as info:
        load_transactions(source)
    assert message in str(info.value)
    assert "Traceback" not in str(info.value)


def test_header_only_file_loads_empty_and_cleaning_says_so(tmp_path):
    tx = load_transactions(_csv(tmp_path, HEADER))
    clean, report = clean_transactions(tx)
    assert clean.empty and report.rows_in == 0


# (case id, extra lines, cleaning reason, count)
CLEANED = [
    ("negative_quantity_return", "c1,o3,2024-01-07,p1,-1,2.5\n", "return_negative_quantity", 1),
    ("zero_quantity", "c1,o3,2024-01-07,p1,0,2.5\n", "zero_quantity", 1),
    ("negative_price", "c1,o3,2024-01-07,p1,1,-2.5\n", "negative_price", 1),
    ("zero_price", "c1,o3,2024-01-07,p1,1,0\n", "zero_price", 1),
    ("nan_customer_id", "NaN,o3,2024-01-07,p1,1,2.5\n", None, 0),  # the text 'NaN' is an id here
    ("blank_customer_id", ",o3,2024-01-07,p1,1,2.5\n   ,o4,2024-01-07,p1,1,2.5\n",
     "missing_customer_id", 2),
    ("blank_product_id", "c1,o3,2024-01-07,,1,2.5\n", "missing_product_id", 1),
    ("blank_timestamp", "c1,o3,,p1,1,2.5\n", "missing_timestamp", 1),
    ("duplicate_lines", "c1,o1,2024-01-05,p1,1,2.5\nc1,o1,2024-01-05,p1,1,2.5\n", "duplicate_line", 2),
    ("blank_quantity", "c1,o3,2024-01-07,p1,,2.5\n", "missing_quantity_or_price", 1),
]


@pytest.mark.parametrize("case,extra,reason,count", CLEANED, ids=[c[0] for c in CLEANED])
def test_cleaning_counts_awkward_lines(tmp_path, case, extra, reason, count):
    tx = load_transactions(_csv(tmp_path, HEADER + GOOD + extra))
    clean, report = clean_transactions(tx)
    if reason:
        assert report.removed[reason] == count
    assert report.rows_out + report.n_removed == report.rows_in
    assert len(clean) == report.rows_out >= 2


def test_cancelled_invoices_by_prefix(tmp_path):
    tx = load_transactions(_csv(tmp_path, HEADER + GOOD + "c1,C9,2024-01-07,p1,-1,2.5\nc1,C9,2024-01-07,p2,1,2.5\n"))
    _, report = clean_transactions(tx, cancelled_order_prefix="C")
    assert report.removed["cancelled_order"] == 2


def test_future_dates_counted(tmp_path):
    tx = load_transactions(_csv(tmp_path, HEADER + GOOD + "c1,o9,2099-01-01,p1,1,2\n"))
    clean, report = clean_transactions(tx, not_after="2025-01-01")
    assert report.removed["future_timestamp"] == 1 and clean["timestamp"].max().year == 2024


def test_mixed_date_layouts_are_one_error_not_read_value_by_value(tmp_path):
    """Year-first dates with and without a time are one layout; 'Jan 7 2024' is another and is
    refused with its row, never re-guessed on its own (a second reading order in one column)."""
    ok = load_transactions(_csv(tmp_path, HEADER + "c1,o1,2024-01-05,p1,1,2\nc1,o2,2024/01/06 10:30,p1,1,2\n"))
    assert ok["timestamp"].dt.day.tolist() == [5, 6]
    with pytest.raises(SchemaError, match=r"rows 2\b"):
        load_transactions(_csv(tmp_path, HEADER + "c1,o1,2024-01-05,p1,1,2\nc1,o2,2024/01/06 10:30,p1,1,2\n"
                                                  "c1,o3,Jan 7 2024,p1,1,2\n", name="mixed.csv"))


def test_chinese_product_names_in_gbk_and_utf8(tmp_path):
    body = HEADER.replace("\n", ",product_name\n") + "客户1,o1,2024-01-05,p1,1,2,牛奶\n客户2,o2,2024-01-05,p2,1,2,面包\n"
    for enc in ("utf-8-sig", "gbk"):
        tx = load_transactions(_csv(tmp_path, body, name=f"{enc}.csv", encoding=enc))
        assert tx["product_name"].tolist() == ["牛奶", "面包"]
        assert tx["customer_id"].iloc[0] == "客户1"


def test_extremely_long_names_survive(tmp_path):
    name = "Extra-long product name " * 200
    body = HEADER.replace("\n", ",product_name\n") + f"c1,o1,2024-01-05,p1,1,2,{name}\n"
    tx = load_transactions(_csv(tmp_path, body))
    assert tx["product_name"].iloc[0] == name.strip()


def test_huge_quantities_are_kept_as_numbers(tmp_path):
    tx = load_transactions(_csv(tmp_path, HEADER + "c1,o1,2024-01-05,p1,1000000000,2.5\n"))
    clean, _ = clean_transactions(tx)
    assert clean["quantity"].iloc[0] == 1e9


def test_one_customer_one_product_same_day(tmp_path):
    body = HEADER + "".join(f"c1,o{i},2024-01-05,p1,1,2\n" for i in range(5))
    clean, report = clean_transactions(load_transactions(_csv(tmp_path, body)))
    assert report.n_removed == 0
    assert clean["customer_id"].nunique() == 1 and clean["product_id"].nunique() == 1


def test_numeric_ids_keep_leading_zeros(tmp_path):
    tx = load_transactions(_csv(tmp_path, HEADER + "00042,0007,2024-01-05,0001,1,2\n"))
    assert tx[["customer_id", "order_id", "product_id"]].iloc[0].tolist() == ["00042", "0007", "0001"]


def test_duplicate_column_names_after_mapping():
    raw = pd.DataFrame({"customer_id": ["a"], "cust": ["b"]})
    with pytest.raises(SchemaError, match="already has column"):
        load_transactions(raw, columns={"cust": "customer_id"})
