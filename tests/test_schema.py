import numpy as np
import pandas as pd
import pytest

from mining.errors import SchemaError
from mining.schema import REQUIRED_COLUMNS, clean_transactions, validate_transactions


def _tx(**overrides):
    base = {
        "customer_id": ["c1", "c1", "c2"],
        "order_id": ["o1", "o1", "o2"],
        "timestamp": ["2024-01-05", "2024-01-05", "2024-02-01"],
        "product_id": ["p1", "p2", "p1"],
        "quantity": [1, 2, 1],
        "unit_price": [2.0, 3.5, 2.0],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_validate_returns_contract_dtypes():
    out = validate_transactions(_tx(customer_id=[1, 1, 2]))
    assert out["timestamp"].dtype == "datetime64[ns]"
    assert out["quantity"].dtype == "float64" and out["unit_price"].dtype == "float64"
    assert out["customer_id"].tolist() == ["1", "1", "2"]  # integer ids become text
    assert pd.api.types.is_string_dtype(out["order_id"])


def test_validate_does_not_mutate_input():
    raw = _tx()
    before = raw.copy()
    validate_transactions(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_float_ids_lose_their_decimal_zero():
    out = validate_transactions(_tx(customer_id=[12346.0, 12346.0, np.nan]))
    assert out["customer_id"].tolist()[:2] == ["12346", "12346"]
    assert out["customer_id"].isna().tolist() == [False, False, True]


def test_every_problem_is_listed_at_once():
    bad = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": ["2024-01-01", "not a date", "2024-13-45"],
            "quantity": ["1", "two", "3"],
            "unit_price": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(SchemaError) as info:
        validate_transactions(bad)
    problems = info.value.problems
    assert len(problems) == 3
    text = str(info.value)
    assert "'order_id'" in text and "'product_id'" in text
    assert "rows 1, 2" in text and "'not a date'" in text
    assert "'quantity'" in text and "'two'" in text


@pytest.mark.parametrize("col", REQUIRED_COLUMNS)
def test_each_missing_column_is_named(col):
    with pytest.raises(SchemaError, match=repr(col)):
        validate_transactions(_tx().drop(columns=col))


def test_time_zones_are_converted_to_naive_utc():
    out = validate_transactions(
        _tx(timestamp=["2024-01-05T10:00:00+02:00", "2024-01-05T08:00:00Z", "2024-02-01 09:30-05:00"])
    )
    assert out["timestamp"].iloc[0] == pd.Timestamp("2024-01-05 08:00")
    assert out["timestamp"].iloc[1] == pd.Timestamp("2024-01-05 08:00")
    assert out["timestamp"].iloc[2] == pd.Timestamp("2024-02-01 14:30")
    assert out["timestamp"].dt.tz is None


def test_mixed_aware_and_naive_needs_a_timezone():
    mixed = _tx(timestamp=["2024-01-05T10:00:00+08:00", "2024-01-05 10:00", "2024-02-01"])
    with pytest.raises(SchemaError, match="timezone="):
        validate_transactions(mixed)
    out = validate_transactions(mixed, timezone="Asia/Shanghai")
    assert out["timestamp"].tolist()[:2] == [pd.Timestamp("2024-01-05 02:00")] * 2
    assert out["timestamp"].iloc[2] == pd.Timestamp("2024-01-31 16:00")


def test_day_first_dates_are_not_mistaken_for_offsets():
    out = validate_transactions(_tx(timestamp=["05-01-2024", "06-01-2024", "01-02-2024"]),
                                date_format="%d-%m-%Y", timezone="UTC")
    assert out["timestamp"].iloc[2] == pd.Timestamp("2024-02-01")


def test_unknown_timezone():
    with pytest.raises(SchemaError, match="Mars/Olympus"):
        validate_transactions(_tx(), timezone="Mars/Olympus")


def test_aware_datetime_column_is_converted():
    ts = pd.to_datetime(["2024-01-05 10:00"] * 3).tz_localize("Asia/Shanghai")
    out = validate_transactions(_tx(timestamp=ts))
    assert (out["timestamp"] == pd.Timestamp("2024-01-05 02:00")).all()


def test_date_format_is_applied():
    out = validate_transactions(_tx(timestamp=["05-01-2024", "06-01-2024", "01-02-2024"]),
                                date_format="%d-%m-%Y")
    assert out["timestamp"].iloc[1] == pd.Timestamp("2024-01-06")


def test_infinite_quantity_is_a_problem():
    with pytest.raises(SchemaError, match="infinite"):
        validate_transactions(_tx(quantity=[1, np.inf, 1]))


def test_not_a_dataframe():
    with pytest.raises(SchemaError, match="DataFrame"):
        validate_transactions([1, 2, 3])


def test_cleaning_counts_every_reason():
    raw = pd.DataFrame(
        {
            "customer_id": ["c1", None, "c2", "c3", "c3", "c4", "c5", "c6", "c6", "c7", "c8"],
            "order_id": ["o1", "o2", None, "o3", "o3", "o4", "o5", "o6", "o6", "C7", "o8"],
            "timestamp": ["2024-01-01"] * 10 + [None],
            "product_id": ["p1", "p1", "p1", "p1", "p2", "p1", "p1", "p1", "p1", "p1", "p1"],
            "quantity": [1, 1, 1, -2, 1, 0, 1, 1, 1, 1, 1],
            "unit_price": [1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 0.0, 2.0, 2.0, 1.0, 1.0],
            "status": ["ok"] * 7 + ["ok", "ok", "ok", "ok"],
        }
    )
    clean, report = clean_transactions(raw, cancelled_order_prefix="C")
    assert report.removed["missing_customer_id"] == 1
    assert report.removed["missing_order_id"] == 1
    assert report.removed["missing_timestamp"] == 1
    assert report.removed["return_negative_quantity"] == 1
    assert report.removed["negative_price"] == 1
    assert report.removed["zero_quantity"] == 1
    assert report.removed["zero_price"] == 1
    assert report.removed["duplicate_line"] == 1
    assert report.removed["cancelled_order"] == 1
    assert report.rows_in == 11 and report.rows_out == 2
    # nothing lost silently: every input row is either kept or listed with its reason
    assert report.rows_out + len(report.removed_rows) == report.rows_in
    assert sum(report.removed.values()) == report.n_removed
    assert set(clean["customer_id"]) == {"c1", "c6"}


def test_status_column_cancels_lines():
    clean, report = clean_transactions(_tx(status=["Cancelled", "ok", "ok"]))
    assert report.removed["cancelled_order"] == 1 and len(clean) == 2


def test_keep_zero_price():
    clean, report = clean_transactions(_tx(unit_price=[0.0, 1.0, 1.0]), keep_zero_price=True)
    assert report.removed["zero_price"] == 0 and len(clean) == 3


def test_clean_output_sorted_and_reindexed():
    raw = _tx(timestamp=["2024-03-01", "2024-03-01", "2024-01-01"])
    clean, _ = clean_transactions(raw)
    assert clean["timestamp"].is_monotonic_increasing
    assert clean.index.tolist() == [0, 1, 2]


def test_cleaning_report_renders():
    _, report = clean_transactions(_tx(customer_id=["c1", None, "c2"]))
    frame = report.to_frame()
    assert {"reason", "rows_removed", "share", "meaning"} <= set(frame.columns)
    assert "missing_customer_id" in str(report)
    assert "<table" in report._repr_html_()
    assert report.to_dict()["removed"]["missing_customer_id"] == 1
