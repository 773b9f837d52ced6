"""`mining validate`: check a source against the contract and show what cleaning removes.

Also holds the source options every data-reading command shares (``add_source_arguments``,
``load_clean_source``), so `basket`, `sequences` and friends read files the same way.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from mining.errors import MiningError, SchemaError
from mining.io import load_transactions
from mining.schema import CleaningReport, clean_transactions

__all__ = ["add_parser", "add_source_arguments", "load_clean_source", "load_filled_source",
           "parse_columns", "run", "source_summary"]


def parse_columns(text: str | None) -> dict[str, str] | str | None:
    """``--columns`` is a mapping file (YAML/TOML) or inline ``"Their Name=customer_id,..."``."""
    if not text:
        return None
    if "=" not in text:
        return text  # a file path: load_transactions reads it
    pairs = [p for p in text.split(",") if p.strip()]
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise MiningError(f"--columns: cannot read {pair!r}; write THEIR_NAME=canonical_name pairs.")
        src, dst = pair.split("=", 1)
        out[src.strip()] = dst.strip()
    return out


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say how to read SOURCE (file, database URL)."""
    parser.add_argument("source", help="CSV/TSV/Parquet/Excel file or a database URL (sqlite:///x.db)")
    parser.add_argument("--columns", metavar="MAP",
                        help="column mapping: a YAML/TOML file, or 'Their Name=customer_id,...'")
    parser.add_argument("--date-format", metavar="F", help="timestamp format, e.g. %%d-%%m-%%Y")
    parser.add_argument("--timezone", metavar="TZ", help="zone of timestamps without one, e.g. Asia/Shanghai")
    parser.add_argument("--sep", help="CSV delimiter (sniffed by default)")
    parser.add_argument("--encoding", help="text encoding (UTF-8, then GBK, by default)")
    parser.add_argument("--decimal", default=".", help="decimal mark, ',' for European exports")
    parser.add_argument("--sheet", default=0, help="Excel sheet name or number")
    parser.add_argument("--table", help="database table (with a database URL)")
    parser.add_argument("--query", help="SQL query (with a database URL)")


def _read(args: argparse.Namespace) -> pd.DataFrame:
    sheet: Any = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    return load_transactions(
        args.source, columns=parse_columns(args.columns), date_format=args.date_format,
        timezone=args.timezone, sep=args.sep, encoding=args.encoding, decimal=args.decimal,
        sheet=sheet, table=args.table, query=args.query,
    )


def load_filled_source(args: argparse.Namespace, *, purpose: str,
                       undated: bool = False) -> pd.DataFrame:
    """Read SOURCE, fill the contract columns an analysis does not need, validate and clean.

    Filled when missing (each fill is announced on stderr): ``customer_id`` from ``order_id`` (one
    customer per order), ``order_id`` from customer and timestamp (one order per visit),
    ``timestamp`` with a placeholder date (only when ``undated``: the analysis ignores time),
    ``quantity`` 1 and ``unit_price`` 0 (zero prices are then kept).
    """
    from mining.io import SourceOptions, map_columns, read_column_mapping, read_table

    columns = parse_columns(args.columns)
    settings: dict[str, Any] = (
        read_column_mapping(columns) if isinstance(columns, str)
        else {"columns": columns} if columns else {}
    )
    sheet: Any = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    given = {"date_format": args.date_format, "timezone": args.timezone, "sep": args.sep,
             "encoding": args.encoding, "table": args.table, "query": args.query}
    settings.update({k: v for k, v in given.items() if v is not None})
    if args.decimal != ".":
        settings["decimal"] = args.decimal
    if sheet != 0:
        settings["sheet"] = sheet
    opts = SourceOptions(**settings)
    raw = map_columns(read_table(args.source, opts), opts.columns)
    filled = []
    if "customer_id" not in raw.columns and "order_id" in raw.columns:
        raw = raw.assign(customer_id=raw["order_id"])
        filled.append("customer_id (one customer per order)")
    if "order_id" not in raw.columns and {"customer_id", "timestamp"} <= set(raw.columns):
        raw = raw.assign(order_id=raw["customer_id"].astype(str) + "|" + raw["timestamp"].astype(str))
        filled.append("order_id (one order per customer and timestamp)")
    if undated and "timestamp" not in raw.columns:
        raw = raw.assign(timestamp=pd.Timestamp("2000-01-01"))
        filled.append("timestamp (a placeholder date)")
    if "quantity" not in raw.columns:
        raw = raw.assign(quantity=1.0)
        filled.append("quantity (1)")
    keep_zero_price = "unit_price" not in raw.columns
    if keep_zero_price:
        raw = raw.assign(unit_price=0.0)
        filled.append("unit_price (0)")
    if filled:
        print(f"note: no column {', '.join(filled)}; {purpose} do not need it.", file=sys.stderr)
    tx = load_transactions(raw, date_format=opts.date_format, timezone=opts.timezone)
    clean, report = clean_transactions(tx, keep_zero_price=keep_zero_price)
    if report.n_removed:
        print(f"cleaning removed {report.n_removed:,} of {report.rows_in:,} lines "
              "(run `mining validate` for the reasons)", file=sys.stderr)
    return clean


def load_clean_source(args: argparse.Namespace) -> tuple[pd.DataFrame, CleaningReport]:
    """Read SOURCE as the shared options say, then clean it (prints nothing)."""
    return clean_transactions(_read(args), not_after=getattr(args, "not_after", None))


def source_summary(tx: pd.DataFrame) -> str:
    """One paragraph: lines, orders, customers, products, date range."""
    if tx.empty:
        return "no lines left after cleaning"
    return (
        f"{len(tx):,} lines, {tx['order_id'].nunique():,} orders, "
        f"{tx['customer_id'].nunique():,} customers, {tx['product_id'].nunique():,} products, "
        f"{tx['timestamp'].min():%Y-%m-%d} .. {tx['timestamp'].max():%Y-%m-%d}"
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a data source against the transactions contract and show the cleaning report",
        description="Reads SOURCE, checks every column against the contract (data/README.md), "
        "prints every problem at once, then the cleaning report. Exit code 0: usable; "
        "2: schema errors (nothing analysable until fixed).",
    )
    add_source_arguments(p)
    p.add_argument("--not-after", metavar="DATE",
                   help="lines stamped after this date are counted as future_timestamp and removed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        raw = _read(args)
    except SchemaError as exc:
        print(f"SCHEMA CHECK FAILED for {args.source}\n{exc}", file=sys.stderr)
        return 2
    print(f"Schema check passed: {len(raw):,} lines, columns {', '.join(map(str, raw.columns))}")
    clean, report = clean_transactions(raw, not_after=args.not_after)
    print(report)
    print(f"Usable: {source_summary(clean)}")
    if clean.empty:
        print("error: no usable lines remain after cleaning; see the reasons above.", file=sys.stderr)
        return 2
    return 0
