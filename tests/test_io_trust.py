"""Trustworthy reading (src/mining/io.py, the CLI's source options, basket files).

Each test reproduces one way a file used to be read wrongly or to crash with a raw traceback:
number formats (decimal/thousands), encoding detection, duplicate headers and workbook sheets,
basket-file headers, damaged and odd sources, date options of the CLI, one options helper.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import warnings
import zlib
from pathlib import Path

import pandas as pd
import pytest

from mining import basket as mb
from mining import io as mio
from mining.cli import _source as _cli_data
from mining.cli import main
from mining.cli import rules as _cli_basket
from mining.errors import DataWarning, MiningError, ParameterError, SchemaError
from mining.io import load_transactions

REPO = Path(__file__).resolve().parents[1]
HEADER = "customer_id,order_id,timestamp,product_id,quantity,unit_price"
MAPPING = {"Kunde": "customer_id", "Beleg": "order_id", "Datum": "timestamp",
           "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"}

# A real .xls (BIFF8) workbook written by xlwt: sheets "orders" (HEADER + two lines:
# c1,o1,2024-01-05,p1,2,189.0 and c2,o2,2024-01-06,p2,1,14.9) and "notes". zlib + base64.
XLS_TWO_SHEETS = (
    "eNrtWE1IVFEUPvfNmx9HZxxNCw1EhKxMwZl+aKNTQbqIxNoUEdg48xaDOm968wayRVk2yyJoVbQRJGhjtemHCmrXIjBqEQiB"
    "1rJVUNFCfZ1z3k/PmoUDJSnvPO555+ee+92599yfeW9m6+anHjQvwG/UCz5YNqog4LIJLFW2EgP0GwaJ9juExfBoXVFVCCcy"
    "4IenkddBmkOa7wWQ4L78EjnARyynIQ8Dak5pXUM6xH1ICepDj5Ax9yS4jSUKTdyveuZp5puY3+O6z5gfYMtV5j1Yd16cgtnk"
    "QMd+K49PSm3siyIX8Ihj5tgSh0Z4RXl88bow6/rhoJZNjf6fjha5BqYBZ65fySlaanQeGnAKp+Gb0Qrw1V6rL1o9+9raBaD9"
    "x0p7sIz9hiQDTIBxRlAiljAh+2RzGapaRtEKJYjAHd6D/ZBTdaWwCNegFlUq1bgAigVdHVO0oWwGd1+OQRE3aT07phT01Fg+"
    "DJDX1EwxrZt1zhZTOT2rj6O9mMvqQ3ktm1Yw89NxZGoczYnuxJ6u7nhX91605MmcTpAv4fbtI18Ck/FcmE4F3kViK3aRCK+t"
    "GuQZ7C3JdbzCYnhOLN798vbo8GByiC0TfHKY58s2GhAw4BJFYHCUPT6wW+3giF3ML3OrW1luZt6Aw4Tv9sFGS+ib5DpX2NuO"
    "OLuZ3iW3u+QdKJc+H3vcUvqU3InyTP/C+YaZ98kpaMPzLoPx9ExCp+gUt24SPUnab2HtRB+YN/2xK4WkmNV3wzpEa2EJwizW"
    "MTc1Gh3haJI1VqbmQ83naDJqsqP5UfNbOKIMjmCcgFVfME7Q0Qgn5GiEQ+f7c/xNgnHCHP1dIhxCkMogSFwnbLViznO1oxFC"
    "jaMRQsRCkBghwNFHthBCr1QPD6k53L9/0Vrkl+T412t+ibL5FXVlhrvGBcmdGTzuUG7cPfLII4888sijjUjCuv34+GYJfJek"
    "O0HQ+q6zhGXZ+0yyYek4qPjo+Lf0MOTwrcF4RfmzGfzCbkusMsb+Xkh0AtE1GIFh7sdIxfmLt2Ph/j2rDoz9vSVUKf5yJf38"
    "x/g/AW5aHOk="
)


def _write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def _source_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="t")
    _cli_data.add_source_arguments(parser)
    return parser


def _quiet_load(*args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_transactions(*args, **kwargs)


# ---------------------------------------------------------------- 1. decimal / thousands
def test_decimal_comma_refuses_decimal_points_instead_of_multiplying_by_ten(capsys):
    code = main(["validate", str(REPO / "data" / "sample_transactions.csv"), "--decimal", ","])
    err = capsys.readouterr().err
    assert code == 2
    assert "column 'quantity'" in err and "column 'unit_price'" in err
    assert "'5.49'" in err and "--thousands" in err


def test_decimal_comma_with_thousands_dot(tmp_path):
    path = _write(tmp_path, "eu.csv", "Kunde;Beleg;Datum;Artikel;Menge;Preis\n"
                  "k1;b1;2024-03-01;a1;1;1.234,5\nk1;b2;2024-03-01;a1;2;12,75\n"
                  "k1;b3;2024-03-01;a1;1.000;3\n")
    tx = load_transactions(path, columns=MAPPING, decimal=",", thousands=".")
    assert tx["unit_price"].tolist() == [1234.5, 12.75, 3.0]
    assert tx["quantity"].tolist() == [1.0, 2.0, 1000.0]


def test_thousands_comma_with_decimal_point(tmp_path):
    path = _write(tmp_path, "us.csv", HEADER + '\nc1,o1,2024-01-05,p1,1,"1,234.5"\nc1,o2,2024-01-05,p1,2,7.25\n')
    tx = load_transactions(path, thousands=",")
    assert tx["unit_price"].tolist() == [1234.5, 7.25]


@pytest.mark.parametrize("value,options", [
    ("189.0", {"decimal": ","}),                    # a decimal point where a comma was declared
    ("1.2.3", {"decimal": ",", "thousands": "."}),  # not a grouping of three digits
    ("1,5", {"thousands": ","}),                    # comma declared as grouping, not decimal
    ("12,34,5", {"decimal": ","}),
])
def test_value_outside_the_declared_format_is_a_schema_error(tmp_path, value, options):
    path = _write(tmp_path, "x.csv", "Kunde;Beleg;Datum;Artikel;Menge;Preis\n"
                  f"k1;b1;2024-03-01;a1;1;5\nk1;b2;2024-03-01;a1;1;\"{value}\"\n")
    with pytest.raises(SchemaError) as info:
        load_transactions(path, columns=MAPPING, sep=";", **options)
    msg = str(info.value)
    assert "column 'unit_price' (your 'Preis')" in msg and "(rows 1)" in msg and repr(value) in msg


def test_number_format_parameters_are_checked():
    with pytest.raises(ParameterError, match="both"):
        load_transactions(pd.DataFrame(), decimal=",", thousands=",")
    with pytest.raises(ParameterError, match="'decimal'"):
        load_transactions(pd.DataFrame(), decimal="dot")


def test_numbers_already_numeric_are_left_alone():
    raw = pd.DataFrame({"customer_id": ["c"], "order_id": ["o"], "timestamp": ["2024-01-01"],
                        "product_id": ["p"], "quantity": [2.0], "unit_price": [189.0]})
    assert load_transactions(raw, decimal=",")["unit_price"].iloc[0] == 189.0


def test_cli_thousands_option(tmp_path, capsys):
    path = _write(tmp_path, "eu.csv", HEADER.replace(",", ";") + "\nc1;o1;2024-01-05;p1;1;1.234,5\n")
    assert main(["validate", str(path), "--decimal", ",", "--thousands", "."]) == 0
    args = _source_parser().parse_args([str(path), "--decimal", ",", "--thousands", "."])
    assert _cli_data.read_typed(args)["unit_price"].iloc[0] == 1234.5


# ---------------------------------------------------------------- 2. encodings
def test_latin1_is_not_read_as_gb18030(tmp_path):
    path = _write(tmp_path, "w.csv", HEADER + ",product_name\nMüller,o1,2024-01-05,p1,1,2,Crème brûlée\n"
                  "Jürgen,o2,2024-01-05,p2,1,2,Straße\n", encoding="latin-1")
    with pytest.warns(DataWarning, match="cp1252.*encoding="):
        tx = load_transactions(path)
    assert tx["customer_id"].tolist() == ["Müller", "Jürgen"]
    assert tx["product_name"].tolist() == ["Crème brûlée", "Straße"]


def test_latin1_with_pipe_delimiter_keeps_every_field(tmp_path):
    body = HEADER.replace(",", "|") + "\nc1|o1|2024-01-05|Café|1|2\nc2|o2|2024-01-05|Thé|3|4\n"
    path = _write(tmp_path, "pipe.csv", body, encoding="latin-1")
    with pytest.warns(DataWarning, match="cp1252"):
        tx = load_transactions(path)
    assert tx["product_id"].tolist() == ["Café", "Thé"]
    assert tx["quantity"].tolist() == [1.0, 3.0]


def test_gbk_with_pipe_delimiter_still_gbk(tmp_path):
    body = HEADER.replace(",", "|") + "\n客户1|o1|2024-01-05|牛奶|1|2\n客户2|o2|2024-01-05|面包|1|2\n"
    path = _write(tmp_path, "gbk.csv", body, encoding="gbk")
    with pytest.warns(DataWarning, match="gb18030"):
        tx = load_transactions(path)
    assert tx["product_id"].tolist() == ["牛奶", "面包"]


def test_utf8_is_read_without_a_warning(tmp_path):
    path = _write(tmp_path, "u.csv", HEADER + "\nMüller,o1,2024-01-05,牛奶,1,2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert load_transactions(path)["customer_id"].iloc[0] == "Müller"


def test_declared_encoding_is_honoured_by_load_filled_source(tmp_path, capsys):
    path = _write(tmp_path, "w.csv", "order_id,product_id\no1,Café\no1,Thé\n", encoding="latin-1")
    args = _source_parser().parse_args([str(path), "--encoding", "latin-1"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # declared: nothing to announce
        tx = _cli_data.load_filled_source(args, purpose="rules", undated=True)
    assert sorted(tx["product_id"]) == ["Café", "Thé"]


# ---------------------------------------------------------------- 3. headers, sheets, .xls
def test_duplicate_csv_header_is_an_error_not_quantity_dot_1(tmp_path):
    path = _write(tmp_path, "d.csv", HEADER + ",quantity\nc1,o1,2024-01-05,p1,1,2,5\n")
    with pytest.raises(SchemaError, match=r"names column 'quantity' 2 times \(columns 5, 7\)"):
        load_transactions(path)


def _xls(tmp_path: Path) -> Path:
    path = tmp_path / "orders.xls"
    path.write_bytes(zlib.decompress(base64.b64decode("".join(XLS_TWO_SHEETS))))
    return path


def test_real_xls_is_read_with_calamine(tmp_path):
    tx = load_transactions(_xls(tmp_path), sheet="orders")
    assert tx["unit_price"].tolist() == [189.0, 14.9]
    assert tx["customer_id"].tolist() == ["c1", "c2"]
    assert load_transactions(_xls(tmp_path), sheet=0)["quantity"].tolist() == [2.0, 1.0]


def test_several_sheets_without_sheet_is_an_error_listing_them(tmp_path, capsys):
    with pytest.raises(MiningError, match=r"2 sheets \('orders', 'notes'\).*sheet='orders'.*--sheet"):
        load_transactions(_xls(tmp_path))
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="notes", index=False)
        pd.DataFrame({"y": [1]}).to_excel(xl, sheet_name="orders", index=False)
    with pytest.raises(MiningError, match="'notes', 'orders'"):
        load_transactions(path)
    assert main(["validate", str(path)]) == 2
    assert "--sheet" in capsys.readouterr().err


def test_single_sheet_workbook_needs_no_sheet(tmp_path):
    path = tmp_path / "one.xlsx"
    pd.DataFrame({"customer_id": ["c1"], "order_id": ["o1"], "timestamp": ["2024-01-05"],
                  "product_id": ["p1"], "quantity": [1], "unit_price": [2.5]}).to_excel(path, index=False)
    assert load_transactions(path)["unit_price"].iloc[0] == 2.5


def test_duplicate_excel_header_is_an_error(tmp_path):
    path = tmp_path / "dup.xlsx"
    pd.DataFrame([["c1", "o1", "2024-01-05", "p1", 1, 2, 3]],
                 columns=[*HEADER.split(","), "x"]).rename(columns={"x": "unit_price"}).to_excel(
                     path, index=False)
    with pytest.raises(SchemaError, match="'unit_price' 2 times"):
        load_transactions(path)


@pytest.mark.parametrize("name", ["bad.xls", "bad.xlsx"])
def test_corrupt_workbook_is_a_clear_error(tmp_path, name):
    path = _write(tmp_path, name, b"this is no workbook" * 20)
    with pytest.raises(MiningError, match="Cannot open .* as an Excel workbook"):
        load_transactions(path)


# ---------------------------------------------------------------- 4. basket file headers
def _run_rules(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mining")
    _cli_basket.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("first", ["items", "Item(s)", "basket", "Product 1,Product 2"])
def test_basket_header_is_detected_stated_and_not_counted(tmp_path, first):
    path = _write(tmp_path, "b.csv", f"{first}\nmilk,bread\nmilk\n")
    with pytest.warns(DataWarning, match="looks like a header.*header=False"):
        b = mb.read_basket_file(path)
    assert len(b) == 2 and set(b.columns) == {"milk", "bread"}
    assert b.attrs["header"] == first.split(",")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert len(mb.read_basket_file(path, header=False)) == 3


def test_basket_first_line_that_is_data_stays_a_basket(tmp_path):
    path = _write(tmp_path, "b.csv", "milk,bread\nmilk\nbread\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert len(mb.read_basket_file(path)) == 3
    # column-like words that are also sold as items: data, not a header
    path = _write(tmp_path, "c.csv", "basket\nbasket,milk\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert len(mb.read_basket_file(path)) == 2
    assert len(mb.read_basket_file(path, header=True)) == 1


def test_rules_cli_notes_the_header_and_no_header_counts_it(tmp_path, capsys):
    path = _write(tmp_path, "b.csv", "items\nmilk,bread\nmilk,bread\nmilk\n")
    out = tmp_path / "r.csv"
    assert _run_rules(["rules", str(path), "--format", "basket", "--min-support", "0.5",
                       "--min-confidence", "0.5", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "note: the first line (items) is a header" in captured.err
    assert "in 3 baskets" in captured.out
    assert _run_rules(["rules", str(path), "--format", "basket", "--no-header", "--min-support",
                       "0.5", "--min-confidence", "0.5", "--out", str(out)]) == 0
    assert "in 4 baskets" in capsys.readouterr().out


def test_basket_file_bad_encoding_is_clear(tmp_path):
    path = _write(tmp_path, "b.csv", "Café,Thé\n", encoding="latin-1")
    with pytest.raises(MiningError, match="--encoding"):
        mb.read_basket_file(path)
    with pytest.raises(ParameterError, match="'nonsense'"):
        mb.read_basket_file(path, encoding="nonsense")
    assert set(mb.read_basket_file(path, encoding="latin-1").columns) == {"Café", "Thé"}


# ---------------------------------------------------------------- 5. damaged and odd sources
def _clear(exc: BaseException) -> str:
    msg = str(exc)
    assert "Traceback" not in msg
    return msg


def test_corrupt_parquet(tmp_path):
    path = _write(tmp_path, "x.parquet", b"PAR1 this is not parquet at all PAR1")
    with pytest.raises(MiningError, match="Cannot read .* as Parquet") as info:
        load_transactions(path)
    _clear(info.value)


def test_parquet_folder_is_read_and_other_folders_refused(tmp_path):
    folder = tmp_path / "tx.parquet"
    folder.mkdir()
    frame = pd.DataFrame({"customer_id": ["c1", "c2"], "order_id": ["o1", "o2"],
                          "timestamp": ["2024-01-05", "2024-01-06"], "product_id": ["p1", "p2"],
                          "quantity": [1.0, 2.0], "unit_price": [3.0, 4.0]})
    frame.iloc[:1].to_parquet(folder / "part-0.parquet")
    frame.iloc[1:].to_parquet(folder / "part-1.parquet")
    tx = load_transactions(folder)
    assert sorted(tx["customer_id"]) == ["c1", "c2"]
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(MiningError, match="is a folder"):
        load_transactions(empty)


def test_truncated_and_fake_gzip(tmp_path):
    body = (HEADER + "\n" + "c1,o1,2024-01-05,p1,1,2\n" * 2000).encode()
    truncated = _write(tmp_path, "t.csv.gz", gzip.compress(body)[:200])
    with pytest.raises(MiningError, match="not a complete gzip file.*gzip -t"):
        load_transactions(truncated)
    fake = _write(tmp_path, "f.csv.gz", body)
    with pytest.raises(MiningError, match="gzip"):
        load_transactions(fake)


def test_unknown_encoding_is_a_parameter_error(tmp_path, capsys):
    path = _write(tmp_path, "x.csv", HEADER + "\nc1,o1,2024-01-05,p1,1,2\n")
    with pytest.raises(ParameterError, match=r"'encoding'.*--encoding.*'nonsense'"):
        load_transactions(path, encoding="nonsense")
    assert main(["validate", str(path), "--encoding", "nonsense"]) == 2
    assert "--encoding" in capsys.readouterr().err


def test_declared_utf16_on_utf16_and_on_utf8(tmp_path):
    text = HEADER + "\nMüller,o1,2024-01-05,牛奶,1,2\n"
    real = _write(tmp_path, "u16.csv", text, encoding="utf-16")
    assert load_transactions(real, encoding="utf-16")["product_id"].iloc[0] == "牛奶"
    le = _write(tmp_path, "le.csv", text, encoding="utf-16-le")
    assert load_transactions(le, encoding="utf-16")["customer_id"].iloc[0] == "Müller"
    not16 = _write(tmp_path, "u8.csv", text)
    with pytest.raises(MiningError, match="is not utf-16 text.*Leave encoding out"):
        load_transactions(not16, encoding="utf-16")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_detected(tmp_path, encoding):
    path = _write(tmp_path, "u16.csv", HEADER + "\nMüller,o1,2024-01-05,牛奶,1,2.5\n", encoding=encoding)
    with pytest.warns(DataWarning, match="utf-16"):
        tx = load_transactions(path)
    assert tx["customer_id"].iloc[0] == "Müller" and tx["unit_price"].iloc[0] == 2.5


def test_more_fields_than_header_is_an_error_not_a_shifted_table(tmp_path):
    # every row one field longer: pandas would silently take the first column as the index
    path = _write(tmp_path, "x.csv", HEADER + "\nc1,o1,2024-01-05,p1,1,2,9\nc2,o2,2024-01-05,p1,1,2,9\n")
    with pytest.raises(SchemaError, match="line 2 of .* has 7 fields but the header has 6"):
        load_transactions(path)
    path = _write(tmp_path, "y.csv", HEADER + "\nc1,o1,2024-01-05,p1,1,2\nc2,o2,2024-01-05,p1,1,2,9\n")
    with pytest.raises(SchemaError, match="line 3 of"):
        load_transactions(path)


@pytest.mark.parametrize("name", ["e.csv", "e.csv.gz", "e.xlsx", "e.xls"])
def test_empty_files(tmp_path, name):
    data = gzip.compress(b"") if name.endswith(".gz") else b""
    with pytest.raises(SchemaError, match="is empty"):
        load_transactions(_write(tmp_path, name, data))


def test_empty_parquet_file(tmp_path):
    with pytest.raises(MiningError, match="Parquet"):
        load_transactions(_write(tmp_path, "e.parquet", b""))


@pytest.mark.parametrize("blob", [bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 30,
                                  b"PK\x03\x04" + bytes(300)])
def test_binary_file_given_as_csv(tmp_path, blob):
    with pytest.raises(MiningError, match="does not look like a text"):
        load_transactions(_write(tmp_path, "b.csv", blob))


# ---------------------------------------------------------------- 6. CLI dates
def test_not_after_words_and_garbage(tmp_path, capsys):
    path = _write(tmp_path, "x.csv", HEADER + "\nc1,o1,2024-01-05,p1,1,2\nc1,o2,2099-01-05,p1,1,2\n")
    assert main(["validate", str(path), "--not-after", "yesterday"]) == 0
    out = capsys.readouterr().out
    assert "future_timestamp" in out
    assert main(["validate", str(path), "--not-after", "garbage"]) == 2
    err = capsys.readouterr().err
    assert "'--not-after'" in err and "'garbage'" in err and "Traceback" not in err


def test_parse_not_after():
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    assert _cli_data.parse_not_after("today") == today
    assert _cli_data.parse_not_after("yesterday") == today - pd.Timedelta(days=1)
    assert _cli_data.parse_not_after("2025-06-30T10:00+02:00") == pd.Timestamp("2025-06-30 08:00")
    assert _cli_data.parse_not_after(None) is None
    with pytest.raises(ParameterError, match="today, yesterday, now"):
        _cli_data.parse_not_after("tomorrow-ish")


@pytest.mark.parametrize("flag,expected", [([], None), (["--dayfirst"], True), (["--monthfirst"], False)])
def test_dayfirst_flags_reach_validate_transactions(tmp_path, monkeypatch, flag, expected):
    path = _write(tmp_path, "x.csv", HEADER + "\nc1,o1,03/04/2024,p1,1,2\n")
    seen = {}

    def fake_validate(df, **kwargs):
        seen.update(kwargs)
        return df

    monkeypatch.setattr(mio, "validate_transactions", fake_validate)
    args = _source_parser().parse_args([str(path), *flag])
    _cli_data.read_typed(args)
    assert seen.get("dayfirst") is expected
    seen.clear()
    load_transactions(path, dayfirst=expected)
    assert seen.get("dayfirst") is expected


def test_dayfirst_and_monthfirst_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        _source_parser().parse_args(["x.csv", "--dayfirst", "--monthfirst"])


def test_dayfirst_in_mapping_file(tmp_path):
    mapping = _write(tmp_path, "m.yaml", "columns: {Kunde: customer_id}\ndayfirst: true\ndecimal: ','\nthousands: '.'\n")
    opts = mio.source_options(mapping)
    assert opts.dayfirst is True and (opts.decimal, opts.thousands) == (",", ".")


# ---------------------------------------------------------------- 7. one options helper
def test_read_and_load_filled_source_share_the_options(tmp_path, monkeypatch):
    path = tmp_path / "eu.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="notes", index=False)
        pd.DataFrame({"Beleg": ["o1", "o2"], "Artikel": ["a", "b"], "Preis": ["1.234,5", "2,5"],
                      "Kunde": ["k1", "k2"], "Datum": ["2024-01-05"] * 2}).to_excel(
                          xl, sheet_name="orders", index=False)
    argv = [str(path), "--sheet", "orders", "--decimal", ",", "--thousands", ".", "--columns",
            "Beleg=order_id,Artikel=product_id,Preis=unit_price,Kunde=customer_id,Datum=timestamp"]
    args = _source_parser().parse_args(argv)
    calls = []
    real = _cli_data.source_options
    monkeypatch.setattr(_cli_data, "source_options", lambda a: calls.append(a) or real(a))
    filled = _cli_data.load_filled_source(args, purpose="rules")
    assert filled["unit_price"].tolist() == [1234.5, 2.5]
    args.columns += ",Menge=quantity"
    with pytest.raises(SchemaError, match="'Menge'"):
        _cli_data.read_typed(args)
    assert len(calls) == 2
