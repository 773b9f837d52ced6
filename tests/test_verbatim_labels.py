"""Item labels kept verbatim on request: ``read_basket_file(strip=False)``,
``read_spmf(strip=False)`` and ``--verbatim-labels`` on ``mining rules`` / ``mining sequences``."""

from __future__ import annotations

import pytest

from mining import basket as mb
from mining import sequence as sq


def _items(baskets) -> dict[str, int]:
    return {str(c): int(baskets[c].sum()) for c in baskets.columns}


@pytest.fixture
def cream(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text("cream cheese ,milk\ncream cheese,milk\ncream cheese \nbread\n", encoding="utf-8")
    return f


def test_default_strips_cream_cheese_into_one_item(cream) -> None:
    b = mb.read_basket_file(cream)
    assert len(b) == 4
    assert _items(b) == {"bread": 1, "cream cheese": 3, "milk": 2}


def test_verbatim_keeps_two_items(cream) -> None:
    b = mb.read_basket_file(cream, strip=False)
    assert len(b) == 4
    assert _items(b) == {"bread": 1, "cream cheese": 1, "cream cheese ": 2, "milk": 2}
    # the rules see two items too
    fi = mb.frequent_itemsets(b, min_support=0.25)
    assert frozenset({"cream cheese "}) in set(fi["itemsets"])
    assert frozenset({"cream cheese"}) in set(fi["itemsets"])


def test_leading_blanks_and_case(tmp_path) -> None:
    f = tmp_path / "b.csv"
    f.write_text(" Milk,milk\nMilk, bread\n", encoding="utf-8")
    assert _items(mb.read_basket_file(f, strip=False)) == {" Milk": 1, " bread": 1, "Milk": 1,
                                                           "milk": 1}
    # stripping removes blanks, never changes case
    assert _items(mb.read_basket_file(f)) == {"Milk": 2, "bread": 1, "milk": 1}


@pytest.mark.parametrize("strip", [True, False])
def test_all_blank_labels_are_no_items(tmp_path, strip) -> None:
    f = tmp_path / "b.csv"
    # an empty label, an all-blank label, a line of blanks only, an empty line inside the file
    f.write_text("milk,,bread\nmilk, ,\n   \n\nbread\n", encoding="utf-8")
    b = mb.read_basket_file(f, strip=strip)
    assert len(b) == 5
    assert _items(b) == {"bread": 2, "milk": 2}
    assert b.sum(axis=1).tolist() == [2, 1, 0, 0, 1]


def test_verbatim_windows_line_ends_and_header(tmp_path) -> None:
    f = tmp_path / "b.csv"
    f.write_bytes(b"items\r\ncream cheese ,milk\r\nmilk \r\n")
    with pytest.warns(Warning, match="header"):
        b = mb.read_basket_file(f, strip=False)
    assert b.attrs["header"] == ["items"]
    assert _items(b) == {"cream cheese ": 1, "milk": 1, "milk ": 1}


def test_groceries_cream_cheese(shared_datasets) -> None:
    path = shared_datasets / "groceries_arules" / "groceries.csv"
    if not path.is_file():
        pytest.skip(f"Groceries not found at {path}")
    verbatim = mb.read_basket_file(path, strip=False)
    stripped = mb.read_basket_file(path)
    # SOURCE.md: 169 items; "cream cheese " (arules' label) has a trailing blank
    assert verbatim.shape == stripped.shape == (9835, 169)
    assert "cream cheese " in verbatim.columns and "cream cheese" not in verbatim.columns
    assert int(verbatim["cream cheese "].sum()) == int(stripped["cream cheese"].sum())


SPMF = "@CONVERTED_FROM_TEXT\n@ITEM=1=cream cheese \n@ITEM=2=cream cheese\n@ITEM=3= Milk\n" \
       "@ITEM=4=   \n1 -1 2 -1 -2\n3 -1 1 4 -1 -2\n"


def test_spmf_names_default_stripped() -> None:
    db = sq.read_spmf(SPMF)
    assert list(db.labels) == ["cream cheese", "cream cheese", "Milk", ""]


def test_spmf_names_verbatim() -> None:
    db = sq.read_spmf(SPMF, strip=False)
    assert list(db.labels) == ["cream cheese ", "cream cheese", " Milk", ""]
    frame = db.to_frame()
    assert frame["itemsets"].iloc[0] == (("cream cheese ",), ("cream cheese",))


def test_spmf_verbatim_round_trip(tmp_path) -> None:
    db = sq.SequenceDatabase.from_sequences([[["cream cheese "], ["cream cheese", " Milk"]],
                                             [[" Milk"]]])
    path = tmp_path / "s.txt"
    sq.to_spmf(db, path)
    back = sq.read_spmf(path, strip=False)
    assert back.to_frame()["itemsets"].tolist() == db.to_frame()["itemsets"].tolist()
    # stripped, the names lose the difference (the codes stay apart, as before this option)
    assert set(sq.read_spmf(path).labels) == {"Milk", "cream cheese"}


# -- the commands ----------------------------------------------------------------------------


def _run(module, argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="mining")
    module.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize(("flags", "items"), [
    ([], {"bread", "cream cheese", "milk"}),
    (["--verbatim-labels"], {"bread", "cream cheese", "cream cheese ", "milk"}),
])
def test_rules_command_verbatim_labels(cream, tmp_path, capsys, flags, items) -> None:
    from mining.cli import rules as rules_cli

    out = tmp_path / "rules.csv"
    rc = _run(rules_cli, ["rules", str(cream), "--format", "basket", "--min-support", "0.25",
                          "--min-confidence", "0.1", "--min-len", "1", "--out", str(out),
                          *flags])
    assert rc == 0
    rules = mb.rules_from_csv(out)
    assert set(rules["consequents_str"]) == items  # every frequent item: {} -> item
    assert (rules["antecedents"].map(len) == 0).sum() == len(items)


def test_rules_command_verbatim_needs_basket_format(tmp_path) -> None:
    from mining.cli import rules as rules_cli
    from mining.errors import MiningError

    src = tmp_path / "tx.csv"
    src.write_text("order_id,product_id\no1,a\no1,b\n", encoding="utf-8")
    with pytest.raises(MiningError, match="--verbatim-labels"):
        _run(rules_cli, ["rules", str(src), "--min-support", "0.5", "--min-confidence", "0.5",
                         "--verbatim-labels", "--out", str(tmp_path / "r.csv")])


@pytest.mark.parametrize(("flags", "patterns"), [
    ([], {"<(cream cheese)>"}),
    (["--verbatim-labels"], {"<(cream cheese )>", "<(cream cheese)>"}),
])
def test_sequences_command_verbatim_labels(tmp_path, capsys, flags, patterns) -> None:
    import pandas as pd

    from mining.cli import sequences as sequences_cli

    src = tmp_path / "s.txt"
    src.write_text("@CONVERTED_FROM_TEXT\n@ITEM=1=cream cheese \n@ITEM=2=cream cheese\n"
                   "1 -1 -2\n2 -1 -2\n", encoding="utf-8")
    out = tmp_path / "p.csv"
    rc = _run(sequences_cli, ["sequences", str(src), "--format", "spmf", "--min-support", "1",
                              "--out", str(out), *flags])
    assert rc == 0
    got = pd.read_csv(out, keep_default_na=False)
    assert set(got["pattern"]) <= patterns | {"<(cream cheese) (cream cheese)>"}
    assert patterns <= set(got["pattern"])
