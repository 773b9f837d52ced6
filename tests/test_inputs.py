"""mining.inputs.open_inputs: one way into a dataset or your own source, with as_of and its rule."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mining import datasets
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.inputs import PLACEHOLDER_DATE, Inputs, fill_missing_columns, open_inputs, summarize

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample_transactions.csv"


@pytest.fixture(scope="module")
def returns_csv(tmp_path_factory) -> Path:
    """The sample file with every line turned into a return (negative quantity)."""
    raw = pd.read_csv(SAMPLE).head(120)
    raw["quantity"] = -raw["quantity"].abs()
    path = tmp_path_factory.mktemp("returns") / "returns.csv"
    raw.to_csv(path, index=False)
    return path


def test_demo_small_is_what_datasets_load_gives():
    data = open_inputs(dataset="demo", size="small", seed=0)
    ds = datasets.load("demo", size="small", random_state=0)
    assert isinstance(data, Inputs) and data.name == "demo"
    pd.testing.assert_frame_equal(data.transactions, ds.transactions)
    assert data.cleaning.to_dict() == ds.cleaning.to_dict()
    assert data.as_of == ds.as_of == pd.Timestamp("2026-01-01")
    assert data.truth is not None and data.customers is not None
    assert data.capabilities == ds.capabilities and data.capabilities["truth"]
    assert data.as_of_rule.startswith("the demo dataset's own date: the end of the simulated")
    assert data.dataset is not None and data.dataset.raw_transactions is not None
    # random_state is the name, seed= is accepted too
    other = open_inputs(dataset="demo", size="small", random_state=0)
    pd.testing.assert_frame_equal(other.transactions, data.transactions)


def test_seed_and_random_state_must_agree():
    with pytest.raises(ParameterError, match="seed=1 and random_state=2"):
        open_inputs(size="small", seed=1, random_state=2)
    with pytest.raises(ParameterError, match="give one"):
        open_inputs(size="small", seed=1, random_state=np.random.default_rng(1))


def test_seed_is_accepted_without_a_warning_and_random_state_takes_a_generator():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the notebooks' name: no warning
        by_seed = open_inputs(size="small", seed=3)
    same = open_inputs(size="small", random_state=3)
    pd.testing.assert_frame_equal(by_seed.transactions, same.transactions)
    a = open_inputs(size="small", random_state=np.random.default_rng(5))
    b = open_inputs(size="small", random_state=np.random.default_rng(5))
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    with pytest.raises(ParameterError, match="random_state"):
        open_inputs(size="small", random_state="seven")


def test_fill_missing_columns_rules():
    raw = pd.DataFrame({"order_id": ["o1", "o1", "o2"], "product_id": ["a", "b", "a"]})
    filled, fills = fill_missing_columns(raw, undated=True)
    assert fills == ["customer_id (one customer per order)", "timestamp (a placeholder date)",
                     "quantity (1)", "unit_price (0)"]
    assert filled["customer_id"].tolist() == ["o1", "o1", "o2"]
    assert (filled["timestamp"] == PLACEHOLDER_DATE).all()
    assert filled["quantity"].tolist() == [1.0] * 3 and filled["unit_price"].tolist() == [0.0] * 3
    assert list(raw.columns) == ["order_id", "product_id"]  # the input is not changed
    # without undated, no timestamp is made up (and no order_id can be built without one)
    assert "timestamp" not in fill_missing_columns(raw)[0].columns
    visits = pd.DataFrame({"customer_id": ["c1", "c1"], "timestamp": ["2024-01-01", "2024-01-02"],
                           "product_id": ["a", "b"], "quantity": [2, 1], "unit_price": [3, 4]})
    filled, fills = fill_missing_columns(visits)
    assert fills == ["order_id (one order per customer and timestamp)"]
    assert filled["order_id"].tolist() == ["c1|2024-01-01", "c1|2024-01-02"]
    complete = pd.read_csv(SAMPLE).head(5)
    same, none = fill_missing_columns(complete, undated=True)
    assert none == [] and same is not complete
    pd.testing.assert_frame_equal(same, complete)


def test_open_inputs_fill_missing_keeps_zero_prices_and_says_what_it_filled():
    raw = pd.DataFrame({"Beleg": ["o1", "o1", "o2"], "Artikel": ["a", "b", "a"]})
    with pytest.raises(SchemaError, match="customer_id"):  # the contract, without filling
        open_inputs(source=raw, columns={"Beleg": "order_id", "Artikel": "product_id"})
    data = open_inputs(source=raw, columns={"Beleg": "order_id", "Artikel": "product_id"},
                       fill_missing=True, undated=True, purpose="association rules")
    assert len(data.transactions) == 3 and data.cleaning.n_removed == 0  # zero prices kept
    assert data.filled == ("customer_id (one customer per order)", "timestamp (a placeholder date)",
                           "quantity (1)", "unit_price (0)")
    assert data.notes == ("no column customer_id (one customer per order), timestamp (a "
                          "placeholder date), quantity (1), unit_price (0); association rules "
                          "do not need it.",)
    assert not data.capabilities["timestamps"] and not data.capabilities["prices"]
    assert "no dates (placeholder 2000-01-01)" in data.summary()
    assert data.summary().endswith("; filled customer_id (one customer per order), timestamp (a "
                                   "placeholder date), quantity (1), unit_price (0)")
    assert data.to_dict()["filled"] == list(data.filled)
    # a complete source: nothing filled, nothing noted, the same lines as without fill_missing
    full = open_inputs(source=SAMPLE, fill_missing=True)
    assert full.filled == () and full.notes == () and "filled" not in full.to_dict()
    pd.testing.assert_frame_equal(full.transactions, open_inputs(source=SAMPLE).transactions)
    with pytest.raises(ParameterError, match="your own `source` only"):
        open_inputs(size="small", fill_missing=True)


def test_csv_source_defaults_to_the_day_after_the_last_clean_purchase():
    data = open_inputs(source=SAMPLE)
    assert data.name == "sample_transactions.csv" and data.truth is None and data.customers is None
    last = data.transactions["timestamp"].max()
    assert data.as_of == last.normalize() + pd.Timedelta(days=1) == pd.Timestamp("2026-01-01")
    assert data.as_of_rule == "the day after the last clean purchase (2025-12-31)"
    assert data.capabilities["transactions"] and data.capabilities["timestamps"]
    assert data.capabilities["prices"] and not data.capabilities["truth"]
    assert data.dataset is None
    # the string path works as well, and `dataset` is ignored when a source is given
    again = open_inputs(dataset="cdnow", source=str(SAMPLE))
    pd.testing.assert_frame_equal(again.transactions, data.transactions)


def test_dataframe_source_and_source_options():
    raw = pd.read_csv(SAMPLE).rename(columns={"customer_id": "Kunde"})
    data = open_inputs(source=raw, columns={"Kunde": "customer_id"},
                       not_after="2025-06-30")
    assert data.name == "DataFrame" and data.source.startswith("a DataFrame of 2,467 rows")
    assert data.transactions["timestamp"].max() <= pd.Timestamp("2025-06-30")
    assert data.cleaning.removed["future_timestamp"] > 0
    assert data.as_of == data.transactions["timestamp"].max().normalize() + pd.Timedelta(days=1)
    with pytest.raises(ParameterError, match="unknown source option"):
        open_inputs(source=raw, colums={"Kunde": "customer_id"})
    with pytest.raises(ParameterError, match="apply to your own `source` only"):
        open_inputs(size="small", sep=";")


def test_all_returns_is_insufficient_data_naming_the_reason(returns_csv):
    with pytest.raises(InsufficientDataError) as info:
        open_inputs(source=returns_csv)
    msg = str(info.value)
    assert msg.startswith("no usable lines after cleaning: 120 of 120 removed as "
                          "return_negative_quantity (120: negative quantity")
    assert "returns.csv" in msg and "mining validate" in msg


@pytest.mark.parametrize("bad", ["garbage", "2025-13-45", "next week"])
def test_garbage_as_of_is_a_parameter_error(bad):
    with pytest.raises(ParameterError, match="'as_of' parameter of open_inputs must be a date") as info:
        open_inputs(source=SAMPLE, as_of=bad)
    assert "Leave it empty to use the day after the last clean purchase (2025-12-31)" in str(info.value)


def test_given_as_of_and_tz_aware_as_of_converted_to_utc():
    data = open_inputs(source=SAMPLE, as_of="2025-06-30")
    assert data.as_of == pd.Timestamp("2025-06-30") and data.as_of_rule == "given"
    aware = open_inputs(source=SAMPLE, as_of="2025-07-01T00:00:00+08:00")
    assert aware.as_of == pd.Timestamp("2025-06-30 16:00") and aware.as_of.tzinfo is None
    assert aware.as_of_rule == "given as 2025-07-01T00:00:00+08:00, converted to UTC"
    stamp = open_inputs(source=SAMPLE, as_of=pd.Timestamp("2025-07-01", tz="Asia/Shanghai"))
    assert stamp.as_of == pd.Timestamp("2025-06-30 16:00")
    assert "converted to UTC" in stamp.summary()


def test_as_of_before_all_data_is_insufficient():
    with pytest.raises(InsufficientDataError, match="no purchases before as_of 2020-01-01"):
        open_inputs(source=SAMPLE, as_of="2020-01-01")


def test_summary_is_one_line_with_counts_cleaning_and_the_rule():
    data = open_inputs(size="small")
    tx = data.transactions
    line = data.summary()
    assert "\n" not in line and str(data) == line
    assert line.startswith(
        f"demo: {len(tx):,} lines, {tx['order_id'].nunique():,} orders, "
        f"{tx['customer_id'].nunique():,} customers, {tx['product_id'].nunique():,} products, "
        f"{tx['timestamp'].min():%Y-%m-%d} .. 2025-12-31; "
        f"cleaning removed {data.cleaning.n_removed:,} of {data.cleaning.rows_in:,} lines: ")
    assert f"{data.cleaning.removed['return_negative_quantity']:,} return_negative_quantity" in line
    assert line.endswith(f"as_of 2026-01-01, {data.as_of_rule}")
    facts = data.to_dict()
    assert facts["rows"] == len(tx) and facts["rows_in"] == data.cleaning.rows_in
    assert facts["as_of"] == "2026-01-01T00:00:00" and 0 not in facts["removed"].values()
    src = open_inputs(source=SAMPLE).summary()
    assert src.endswith("cleaning removed 0 of 2,467 lines; as_of 2026-01-01, the day after the "
                        "last clean purchase (2025-12-31)")
    # alone, summarize is the `mining validate` "Usable:" line
    assert summarize(tx) == line.split("; ")[0].removeprefix("demo: ")
    assert summarize(tx.iloc[:0]) == "no lines left after cleaning"


def test_undated_dataset_says_so_and_customer_tables_need_requires():
    cosmetics = open_inputs(dataset="cosmetics")
    assert "no dates (placeholder 2000-01-01)" in cosmetics.summary()
    assert cosmetics.as_of_rule.startswith("the cosmetics dataset's own date: the day after its "
                                           "placeholder date")
    with pytest.raises(InsufficientDataError, match="charles_book_club cannot serve this analysis: "
                                                    "no order lines"):
        open_inputs(dataset="charles_book_club")
    table = open_inputs(dataset="charles_book_club", requires=())
    assert table.transactions is None and table.customers is not None and table.as_of is None
    assert "customer table" in table.summary()
    with pytest.raises(InsufficientDataError, match="no purchase dates"):
        open_inputs(dataset="cosmetics", requires=["transactions", "timestamps"])
    with pytest.raises(ParameterError, match="unknown capabilities"):
        open_inputs(requires=["dates"])


def test_bad_dataset_and_size_keep_the_datasets_messages():
    with pytest.raises(ParameterError, match="'name' parameter of datasets.load"):
        open_inputs(dataset="nope")
    with pytest.raises(ParameterError, match="'size' parameter"):
        open_inputs(size="huge")


@pytest.mark.slow
def test_notebook_on_an_all_returns_source_shows_the_insufficient_data_error(
        returns_csv, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    from papermill.exceptions import PapermillExecutionError

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MINING_UNATTENDED", "1")
    notebook = REPO / "notebooks" / "01_customer_value.ipynb"
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(notebook), str(tmp_path / "out.ipynb"), kernel_name="python3",
            parameters={"source": str(returns_csv), "size": "small"}, progress_bar=False,
            cwd=str(notebook.parent), execution_timeout=300)
    error = info.value
    assert error.ename == "InsufficientDataError", (error.ename, error.evalue)
    assert error.evalue.startswith("no usable lines after cleaning: 120 of 120 removed as "
                                   "return_negative_quantity")
    assert "open_inputs" in error.source
    assert "AttributeError" not in "".join(error.traceback)
