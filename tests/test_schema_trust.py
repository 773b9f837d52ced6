"""Trust in the contract: every column is read by one rule, and what cannot be read says so.

Each test is the reproduction of a defect: dates read in two day/month orders in one column, times
of day given today's date, daylight-saving times silently dropped, raw tracebacks for extreme
dates, lists, huge float ids and bytes.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mining.errors import DataWarning, MiningError, SchemaError
from mining.schema import clean_transactions, validate_transactions


def _tx(timestamp=None, **overrides) -> pd.DataFrame:
    n = len(timestamp) if timestamp is not None else len(next(iter(overrides.values())))
    base = {
        "customer_id": [f"c{i}" for i in range(n)],
        "order_id": [f"o{i}" for i in range(n)],
        "timestamp": timestamp if timestamp is not None else ["2024-01-05"] * n,
        "product_id": ["p1"] * n,
        "quantity": [1] * n,
        "unit_price": [2.0] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _quiet(df, **options):
    """validate_transactions, failing the test if any DataWarning is emitted."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return validate_transactions(df, **options)


def _parquet(tmp_path, table: pa.Table) -> pd.DataFrame:
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path)
    return pd.read_parquet(path)  # what io.load_transactions does with a .parquet file


# -- 1. one date format for the whole column ------------------------------------------------------


def test_a_day_above_12_makes_the_whole_column_day_first():
    out = _quiet(_tx(["01/02/2024", "05/02/2024", "13/02/2024"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-05"),
                                         pd.Timestamp("2024-02-13")]


def test_a_second_field_above_12_makes_the_whole_column_month_first():
    out = _quiet(_tx(["01/02/2024", "05/02/2024", "02/13/2024"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-05-02"),
                                         pd.Timestamp("2024-02-13")]


def test_day_first_and_month_first_in_one_column_is_an_error_naming_rows():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(["01/02/2024", "13/02/2024", "02/13/2024", "05/02/2024"]))
    text = str(info.value)
    assert "day-first dates (1 row (rows 1)" in text and "'13/02/2024'" in text
    assert "month-first dates (1 row (rows 2)" in text and "'02/13/2024'" in text
    assert "date_format=" in text


def test_ambiguous_column_reads_day_first_and_says_how_to_override():
    with pytest.warns(DataWarning) as record:
        out = validate_transactions(_tx(["01/02/2024", "05/03/2024"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-05")]
    message = str(record[0].message)
    assert "day first" in message
    for option in ("dayfirst=False", "--monthfirst", "--dayfirst", "date_format=", "--date-format"):
        assert option in message


@pytest.mark.parametrize("dayfirst,expected", [(True, "2024-02-01"), (False, "2024-01-02")])
def test_dayfirst_keyword_chooses_the_order_without_a_warning(dayfirst, expected):
    out = _quiet(_tx(["01/02/2024", "05/03/2024"]), dayfirst=dayfirst)
    assert out["timestamp"].iloc[0] == pd.Timestamp(expected)
    clean, _ = clean_transactions(_tx(["01/02/2024", "05/03/2024"]), dayfirst=dayfirst)
    assert clean["timestamp"].iloc[0] == pd.Timestamp(expected)


def test_values_that_do_not_fit_the_stated_order_are_errors_not_reguessed():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(["01/02/2024", "13/02/2024"]), dayfirst=False)
    assert "1 row (rows 1)" in str(info.value) and "'13/02/2024'" in str(info.value)
    assert "month/day/year" in str(info.value)


def test_a_value_in_another_layout_is_an_error_not_read_on_its_own():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(["2024-01-05", "2024-01-06", "07/01/2024"]))
    text = str(info.value)
    assert "1 row (rows 2)" in text and "'07/01/2024'" in text and "ISO 8601" in text


def test_iso_dates_and_iso_datetimes_are_one_format():
    out = _quiet(_tx(["2024-01-05", "2024-01-05 10:30:00", "2024-01-06T08:15"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2024-01-05"),
                                         pd.Timestamp("2024-01-05 10:30"),
                                         pd.Timestamp("2024-01-06 08:15")]


def test_month_first_export_with_times_and_am_pm():
    out = _quiet(_tx(["12/1/2010 8:26 AM", "12/13/2010 8:26 PM", "1/2/2011 12:05 AM"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2010-12-01 08:26"),
                                         pd.Timestamp("2010-12-13 20:26"),
                                         pd.Timestamp("2011-01-02 00:05")]


def test_offsets_still_convert_in_day_month_dates():
    out = _quiet(_tx(["13/01/2024 10:00+08:00", "14/01/2024 10:00Z"]))
    assert out["timestamp"].tolist() == [pd.Timestamp("2024-01-13 02:00"),
                                         pd.Timestamp("2024-01-14 10:00")]


def test_impossible_day_is_an_error_in_day_first_columns():
    with pytest.raises(SchemaError, match=r"1 row \(rows 1\).*'31/02/2024'"):
        validate_transactions(_tx(["13/02/2024", "31/02/2024"]))


def test_date_format_wins_over_dayfirst():
    out = _quiet(_tx(["01/02/2024", "05/03/2024"]), date_format="%m/%d/%Y", dayfirst=True)
    assert out["timestamp"].iloc[0] == pd.Timestamp("2024-01-02")


def test_dayfirst_must_be_true_false_or_none():
    with pytest.raises(MiningError, match="'dayfirst'"):
        validate_transactions(_tx(["01/02/2024"]), dayfirst="yes")


# -- 2. times of day without a date ---------------------------------------------------------------


def test_time_only_text_is_an_error_not_today():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(["10:30", "2024-01-05", "11:45:00"]))
    text = str(info.value)
    assert "column 'timestamp' holds times of day without a date" in text
    assert "2 rows (rows 0, 2)" in text and "'10:30'" in text


def test_time_objects_are_an_error():
    with pytest.raises(SchemaError, match="times of day without a date"):
        validate_transactions(_tx([dt.time(10, 30), dt.time(11, 0)]))


def test_parquet_time64_column_is_an_error(tmp_path):
    raw = _parquet(tmp_path, pa.table({"timestamp": pa.array([dt.time(10, 30)], pa.time64("us"))}))
    with pytest.raises(SchemaError, match="times of day without a date"):
        validate_transactions(_tx(raw["timestamp"].tolist()))


# -- 3. daylight-saving changes -------------------------------------------------------------------


def test_repeated_autumn_hour_is_kept_as_daylight_time_and_counted():
    raw = _tx(["2024-10-27 01:30", "2024-10-27 02:30", "2024-10-27 04:00"])
    with pytest.warns(DataWarning, match=r"1 row \(rows 1\).*occurs twice.*first occurrence"):
        clean, report = clean_transactions(raw, timezone="Europe/Berlin")
    assert report.removed["missing_timestamp"] == 0 and report.rows_out == 3
    # 02:30 CEST (UTC+2), the first occurrence, is 00:30 UTC
    assert clean["timestamp"].tolist() == [pd.Timestamp("2024-10-26 23:30"),
                                           pd.Timestamp("2024-10-27 00:30"),
                                           pd.Timestamp("2024-10-27 03:00")]


def test_skipped_spring_hour_is_moved_forward_and_counted():
    raw = _tx(["2024-03-31 02:30", "2024-03-31 02:45", "2024-03-31 04:00"])
    with pytest.warns(DataWarning, match=r"2 rows \(rows 0, 1\).*skipped.*moved forward"):
        out = validate_transactions(raw, timezone="Europe/Berlin")
    assert out["timestamp"].tolist()[:2] == [pd.Timestamp("2024-03-31 01:00")] * 2  # 03:00 CEST


def test_datetime_column_from_parquet_follows_the_same_rule():
    naive = pd.Series(pd.to_datetime(["2024-10-27 02:30", "2024-10-27 05:00"]))
    with pytest.warns(DataWarning, match="1 row"):
        out = validate_transactions(_tx(naive), timezone="Europe/Berlin")
    assert out["timestamp"].iloc[0] == pd.Timestamp("2024-10-27 00:30")


# -- 4. clear errors instead of tracebacks --------------------------------------------------------


def test_dates_outside_the_pandas_range_are_errors_naming_rows():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(["2024-01-05", "0001-01-01", "9999-12-31"]))
    text = str(info.value)
    assert "2 rows (rows 1, 2)" in text and "outside the dates pandas can store" in text
    assert "'0001-01-01'" in text and "'9999-12-31'" in text


@pytest.mark.parametrize("unit", ["ms", "us"])
def test_out_of_range_parquet_datetime_columns_are_errors(tmp_path, unit):
    values = pa.array([dt.datetime(2024, 1, 5), dt.datetime(1, 1, 1)], pa.timestamp(unit))
    raw = _parquet(tmp_path, pa.table({"timestamp": values}))
    assert raw["timestamp"].dtype == f"datetime64[{unit}]"
    with pytest.raises(SchemaError, match=r"column 'timestamp': 1 row \(rows 1\) lie outside"):
        validate_transactions(_tx(raw["timestamp"]))


def test_out_of_range_seconds_column_is_an_error():
    ts = pd.Series(np.array(["2024-01-05", "9999-12-31"], dtype="datetime64[s]"))
    with pytest.raises(SchemaError, match=r"1 row \(rows 1\) lie outside.*'9999-12-31 00:00:00'"):
        validate_transactions(_tx(ts))


def test_aware_out_of_range_datetime_column_is_an_error():
    ts = pd.Series(np.array(["2024-01-05", "3000-01-01"], dtype="datetime64[s]")).dt.tz_localize("UTC")
    with pytest.raises(SchemaError, match=r"1 row \(rows 1\) lie outside"):
        validate_transactions(_tx(ts))


def test_list_column_from_parquet_is_an_error_saying_explode(tmp_path):
    raw = _parquet(tmp_path, pa.table({"items": pa.array([["p1", "p2"], ["p3"]])}))
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(product_id=raw["items"].tolist()))
    text = str(info.value)
    assert "column 'product_id' holds" in text and "2 rows (rows 0, 1)" in text
    assert "explode" in text


@pytest.mark.parametrize("col", ["customer_id", "timestamp", "quantity", "category"])
def test_dicts_and_lists_in_any_contract_column_are_errors(col):
    raw = _tx(["2024-01-05", "2024-01-06"])
    raw[col] = pd.Series([{"a": 1}, [1, 2]], dtype=object)
    with pytest.raises(SchemaError, match=rf"column '{col}' holds dict/list values"):
        validate_transactions(raw)


def test_float_ids_beyond_2_53_are_refused():
    with pytest.raises(SchemaError) as info:
        validate_transactions(_tx(customer_id=[1e19, 12346.0]))
    text = str(info.value)
    assert "column 'customer_id': 1 row (rows 0)" in text and "2**53" in text
    assert "'1e+19'" in text


def test_float_ids_with_a_fraction_are_refused():
    with pytest.raises(SchemaError, match=r"column 'order_id': 1 row \(rows 1\).*not whole"):
        validate_transactions(_tx(order_id=[1.0, 1.5]))


def test_whole_float_ids_are_exact_text():
    out = _quiet(_tx(customer_id=[2.0**53, 12346.0, np.nan]))
    assert out["customer_id"].tolist()[:2] == ["9007199254740992", "12346"]
    assert out["customer_id"].isna().tolist() == [False, False, True]


def test_bytes_ids_are_decoded_as_utf8():
    out = _quiet(_tx(customer_id=pd.Series([b"c1", "c1", "客户".encode()], dtype=object)))
    assert out["customer_id"].tolist() == ["c1", "c1", "客户"]


def test_undecodable_bytes_ids_are_an_error_naming_rows():
    with pytest.raises(SchemaError, match=r"not valid UTF-8 text in 1 row \(rows 1\)"):
        validate_transactions(_tx(customer_id=pd.Series([b"c1", b"\xff\xfe"], dtype=object)))


def test_parquet_binary_ids_are_decoded(tmp_path):
    raw = _parquet(tmp_path, pa.table({"id": pa.array([b"p1", b"p2"], pa.binary())}))
    assert _quiet(_tx(product_id=raw["id"]))["product_id"].tolist() == ["p1", "p2"]


def test_mixed_int_and_text_ids_are_one_id_space():
    ids = pd.Series([1, "1", " c2 ", 2**70, 3.0, None], dtype=object)
    out = _quiet(_tx(customer_id=ids))
    assert out["customer_id"].tolist()[:5] == ["1", "1", "c2", str(2**70), "3"]
    assert out["customer_id"].isna().tolist() == [False] * 5 + [True]


# -- 5. the cleaning balance ----------------------------------------------------------------------


def test_cleaning_balances_with_blank_and_daylight_saving_timestamps():
    raw = _tx(["2024-10-27 02:30", "", None, "2024-03-31 02:30", "2024-01-05"])
    with pytest.warns(DataWarning):
        clean, report = clean_transactions(raw, timezone="Europe/Berlin")
    assert report.removed["missing_timestamp"] == 2
    assert report.rows_in == report.rows_out + sum(report.removed.values()) == 5
    assert len(report.removed_rows) == report.n_removed
