"""Every source type goes through the same load_transactions call."""

import pandas as pd
import pytest

from mining.errors import MiningError, ParameterError, SchemaError
from mining.io import is_sql_url, load_transactions, read_column_mapping

RAW = pd.DataFrame(
    {
        "Kunde": ["k1", "k2", "k2"],
        "Beleg": ["b1", "b2", "b2"],
        "Datum": ["01-03-2024 10:00", "02-03-2024 11:30", "02-03-2024 11:30"],
        "Artikel": ["a1", "a2", "a3"],
        "Menge": [1, 3, 2],
        "Preis": [9.5, 1.25, 4.0],
    }
)
MAPPING = {"Kunde": "customer_id", "Beleg": "order_id", "Datum": "timestamp",
           "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"}


def _check(tx: pd.DataFrame) -> None:
    assert tx["customer_id"].tolist() == ["k1", "k2", "k2"]
    assert tx["timestamp"].iloc[1] == pd.Timestamp("2024-03-02 11:30")
    assert tx["unit_price"].tolist() == [9.5, 1.25, 4.0]


def test_excel(tmp_path):
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="notes", index=False)
        RAW.to_excel(xl, sheet_name="orders", index=False)
    _check(load_transactions(path, columns=MAPPING, sheet="orders", date_format="%d-%m-%Y %H:%M"))
    with pytest.raises(MiningError, match="sheet 'nope'"):
        load_transactions(path, columns=MAPPING, sheet="nope")


def test_sqlite_table_and_query(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    RAW.to_sql("orders", engine, index=False)
    engine.dispose()
    _check(load_transactions(url, table="orders", columns=MAPPING, date_format="%d-%m-%Y %H:%M"))
    tx = load_transactions(url, query="SELECT * FROM orders WHERE Kunde = 'k2'", columns=MAPPING,
                           date_format="%d-%m-%Y %H:%M")
    assert len(tx) == 2
    with pytest.raises(MiningError, match="no table 'order'.*orders"):
        load_transactions(url, table="order", columns=MAPPING)
    with pytest.raises(ParameterError, match="exactly one of"):
        load_transactions(url, columns=MAPPING)
    with pytest.raises(MiningError, match="query failed"):
        load_transactions(url, query="SELECT nope FROM orders", columns=MAPPING)


def test_is_sql_url():
    assert is_sql_url("sqlite:///x.db") and is_sql_url("postgresql+psycopg://u@h/db")
    assert not is_sql_url("data/x.csv") and not is_sql_url("https://example.org/x.csv")


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_mapping_file_with_options(tmp_path, suffix):
    path = tmp_path / f"map{suffix}"
    if suffix == ".yaml":
        path.write_text("columns:\n" + "".join(f"  {k}: {v}\n" for k, v in MAPPING.items())
                        + "date_format: '%d-%m-%Y %H:%M'\ntimezone: Asia/Shanghai\n")
    else:
        path.write_text("date_format = '%d-%m-%Y %H:%M'\ntimezone = 'Asia/Shanghai'\n[columns]\n"
                        + "".join(f'{k} = "{v}"\n' for k, v in MAPPING.items()))
    assert read_column_mapping(path)["timezone"] == "Asia/Shanghai"
    tx = load_transactions(RAW, columns=path)
    assert tx["timestamp"].iloc[0] == pd.Timestamp("2024-03-01 02:00")  # 10:00 in Shanghai is 02:00 UTC


def test_plain_mapping_file(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in MAPPING.items()))
    _check(load_transactions(RAW, columns=path, date_format="%d-%m-%Y %H:%M"))


def test_mapping_file_unknown_key(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("columns: {Kunde: customer_id}\ndate_fmt: x\n")
    with pytest.raises(MiningError, match="date_fmt"):
        read_column_mapping(path)


def test_mapping_onto_a_non_contract_name_is_explained():
    with pytest.raises(SchemaError, match="did you mean 'quantity'"):
        load_transactions(RAW, columns={**MAPPING, "Menge": "quantiy"})


def test_sniffed_semicolon_and_tab(tmp_path):
    for sep, name in ((";", "semi.csv"), ("\t", "tab.txt")):
        path = tmp_path / name
        RAW.to_csv(path, sep=sep, index=False)
        _check(load_transactions(path, columns=MAPPING, date_format="%d-%m-%Y %H:%M"))


# ---------------------------------------------------------------- PostgreSQL, for real
# (the postgres_url fixture lives in conftest.py, shared by every test file)
def test_postgresql_table_through_load_transactions(postgres_url):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    frame = RAW.assign(Datum=pd.to_datetime(RAW["Datum"], format="%d-%m-%Y %H:%M"))
    frame.to_sql("orders", engine, index=False, if_exists="replace")
    engine.dispose()
    _check(load_transactions(postgres_url, table="orders", columns=MAPPING))
    tx = load_transactions(postgres_url, query='SELECT * FROM orders WHERE "Menge" > 1',
                           columns=MAPPING)
    assert tx["product_id"].tolist() == ["a2", "a3"]
