import pandas as pd
import pytest

from mining.errors import MiningError, SchemaError
from mining.io import load_transactions

MAPPING = {"Kunde": "customer_id", "Beleg": "order_id", "Datum": "timestamp",
           "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"}


def _raw():
    return pd.DataFrame({"Kunde": ["k1", "k2"], "Beleg": ["b1", "b2"],
                         "Datum": ["2024-03-01", "2024-03-02"], "Artikel": ["a1", "a2"],
                         "Menge": [1, 3], "Preis": [9.5, 1.25]})


def test_mapping_from_dataframe():
    tx = load_transactions(_raw(), columns=MAPPING)
    assert tx["quantity"].tolist() == [1.0, 3.0]
    assert tx["timestamp"].iloc[1] == pd.Timestamp("2024-03-02")


def test_mapping_names_missing_source_column():
    with pytest.raises(SchemaError, match="'Kundennummer'"):
        load_transactions(_raw(), columns={"Kundennummer": "customer_id"})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_round_trip(tmp_path, suffix):
    path = tmp_path / f"tx{suffix}"
    raw = _raw()
    if suffix == ".csv":
        raw.to_csv(path, index=False)
    else:
        raw.to_parquet(path)
    tx = load_transactions(path, columns=MAPPING)
    assert len(tx) == 2 and tx["customer_id"].tolist() == ["k1", "k2"]
    assert tx["unit_price"].tolist() == [9.5, 1.25]


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Kunde;Beleg;Datum;Artikel;Menge;Preis\nk1;b1;2024-03-01;a1;1;1.234,50\n",
                    encoding="utf-8-sig")
    tx = load_transactions(path, columns=MAPPING, sep=";", decimal=",", thousands=".")
    assert tx["unit_price"].iloc[0] == pytest.approx(1234.5)
    assert tx["customer_id"].iloc[0] == "k1"  # the BOM is not part of the first column name


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(MiningError, match="No such file"):
        load_transactions(tmp_path / "nope.csv")


def test_unknown_suffix(tmp_path):
    path = tmp_path / "tx.xyz"
    path.write_text("x")
    with pytest.raises(MiningError, match="unknown file type"):
        load_transactions(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        load_transactions(path)


def test_gbk_is_detected_and_wrong_encoding_suggests_fix(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("customer_id,order_id,timestamp,product_id,quantity,unit_price\n"
                     "客户1,o1,2024-01-01,牛奶,1,2\n".encode("gbk"))
    assert load_transactions(path)["product_id"].iloc[0] == "牛奶"
    assert load_transactions(path, encoding="gbk")["customer_id"].iloc[0] == "客户1"
    with pytest.raises(MiningError, match="gbk"):
        load_transactions(path, encoding="utf-8")
