"""Built-in datasets: the demo, real datasets from installed packages, capabilities, export, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining import datasets
from mining.cli import main
from mining.errors import ParameterError
from mining.io import load_transactions


def test_demo_small_is_clean_deterministic_and_carries_truth():
    ds = datasets.load("demo", size="small", random_state=0)
    assert ds.transactions.columns.tolist() == [
        "customer_id", "order_id", "timestamp", "product_id", "product_name", "category",
        "quantity", "unit_price"]
    assert ds.cleaning.rows_in == len(ds.raw_transactions)
    assert ds.cleaning.rows_out == len(ds.transactions)
    assert ds.as_of == pd.Timestamp("2026-01-01")
    assert set(ds.truth.segments.index) == set(ds.transactions["customer_id"])
    assert ds.customers["customer_id"].is_unique
    again = datasets.load("demo", size="small", random_state=0)
    pd.testing.assert_frame_equal(ds.transactions, again.transactions)
    assert ds.source == "mining.simulate.simulate_shop(n_customers=400, random_state=0)"


def test_random_state_none_generator_and_the_old_seed_keyword():
    with pytest.warns(DeprecationWarning, match="'seed' parameter of load was renamed"):
        old = datasets.load("demo", n_customers=60, seed=0)
    new = datasets.load("demo", n_customers=60, random_state=0)
    pd.testing.assert_frame_equal(old.transactions, new.transactions)
    # a Generator or None: one seed is drawn, and the source names it (the data can be remade)
    drawn = datasets.load("demo", n_customers=60, random_state=np.random.default_rng(5))
    seed = int(drawn.source.split("random_state=")[1].rstrip(")"))
    again = datasets.load("demo", n_customers=60, random_state=seed)
    pd.testing.assert_frame_equal(drawn.transactions, again.transactions)
    assert "random_state=" in datasets.load("demo", n_customers=60, random_state=None).source


def test_export_accepts_the_old_seed_keyword(tmp_path):
    with pytest.warns(DeprecationWarning, match="'seed' parameter of export"):
        old = datasets.export("demo", tmp_path / "old.csv", n_customers=60, seed=0)
    new = datasets.export("demo", tmp_path / "new.csv", n_customers=60, random_state=0)
    assert old.read_text() == new.read_text()


def test_cdnow_sample_is_the_sample_of_the_published_estimates():
    tx = datasets.load_cdnow_sample()
    assert tx["customer_id"].nunique() == 2357 and len(tx) == 6919
    assert tx.columns.tolist() == ["customer_id", "order_id", "timestamp", "product_id",
                                   "product_name", "category", "quantity", "unit_price"]
    assert (tx["quantity"] > 0).all() and (tx["unit_price"] >= 0).all()


def test_only_the_package_reads_its_private_modules(repo_root):
    hits = [p for p in (repo_root / "src").rglob("*.py")
            if "mining/datasets/" not in p.as_posix()
            and ("mining.datasets._" in p.read_text(encoding="utf-8")
                 or "mining._real_datasets" in p.read_text(encoding="utf-8"))]
    assert hits == []


def test_load_returns_copies_the_caller_may_change():
    ds = datasets.load("demo", size="small")
    ds.transactions.loc[:, "quantity"] = 0.0
    assert (datasets.load("demo", size="small").transactions["quantity"] > 0).all()


def test_n_customers_overrides_size():
    ds = datasets.load("demo", n_customers=80, random_state=3)
    assert ds.transactions["customer_id"].nunique() == 80


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"name": "nope"}, "'name' parameter of datasets.load must be one of"),
    ({"name": "demo", "size": "huge"}, "'size' parameter"),
    ({"name": "demo", "n_customers": 5}, "'n_customers' parameter"),
    ({"name": "demo", "random_state": -2}, "'random_state' parameter of datasets.load"),
    ({"name": "demo", "random_state": "x"}, "'random_state' parameter of datasets.load"),
])
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        datasets.load(**kwargs)


def test_cdnow_is_the_real_cdnow_without_products():
    ds = datasets.load("cdnow")
    assert len(ds.raw_transactions) == 69_659
    assert ds.raw_transactions["customer_id"].nunique() == 23_570
    assert ds.capabilities["timestamps"] and not ds.capabilities["products"]
    assert ds.as_of == pd.Timestamp("1998-07-01")
    assert ds.transactions["timestamp"].max() < ds.as_of
    assert ds.cleaning.rows_in - ds.cleaning.rows_out == ds.cleaning.n_removed


def test_missing_requirements_give_reasons():
    assert datasets.missing_requirements("demo", ["transactions", "products", "truth"]) == []
    reasons = datasets.missing_requirements("cdnow", ["transactions", "products"])
    assert reasons == ["no product column: basket and sequence analysis need products"]
    assert datasets.missing_requirements("cosmetics", ["timestamps"])[0].startswith("no purchase")
    with pytest.raises(ParameterError, match="Unknown requirement"):
        datasets.missing_requirements("demo", ["colour"])


def test_available_lists_every_dataset_with_source_and_licence():
    table = datasets.available()
    assert table["name"].tolist() == datasets.names()
    assert table["licence"].str.len().gt(0).all()
    assert "products" not in table.set_index("name").loc["cdnow", "supports"].split(", ")


def test_export_writes_a_file_load_transactions_reads_back(tmp_path):
    path = datasets.export("demo", tmp_path / "d.csv", n_customers=60, random_state=0)
    back = load_transactions(path)
    assert back["customer_id"].nunique() == 60
    pq = datasets.export("demo", tmp_path / "d.parquet", n_customers=60, random_state=0)
    pd.testing.assert_frame_equal(back, load_transactions(pq), check_dtype=False)
    with pytest.raises(ParameterError, match=r"\.csv or \.parquet"):
        datasets.export("demo", tmp_path / "d.json", n_customers=60)


def test_shipped_sample_is_what_the_generator_makes(repo_root, tmp_path):
    fresh = datasets.export("demo", tmp_path / "s.csv", n_customers=60, random_state=0)
    assert (repo_root / "data" / "sample_transactions.csv").read_text() == fresh.read_text()


def test_cli_datasets_list_show_export(tmp_path, capsys):
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    for name in datasets.names():
        assert f"{name}\n" in out
    assert main(["datasets", "show", "demo", "--size", "small"]) == 0
    out = capsys.readouterr().out
    assert "planted truth" in out and "duplicate_line" in out
    target = tmp_path / "x.csv"
    assert main(["datasets", "export", "demo", str(target), "--n-customers", "60"]) == 0
    assert target.exists()
    assert main(["datasets", "show", "nope"]) == 2
    assert "must be one of" in capsys.readouterr().err
