"""`mining validate`: check a source against the contract and show what cleaning removes.

Also holds the source options every data-reading command shares (``add_source_arguments``,
``load_clean_source``), so `basket`, `sequences` and friends read files the same way.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from mining.errors import MiningError, SchemaError, check_date
from mining.io import SourceOptions, read_source, typed_transactions
from mining.io import source_options as io_source_options
from mining.schema import CleaningReport, clean_transactions

__all__ = ["add_parser", "add_source_arguments", "load_clean_source", "load_filled_source",
           "parse_columns", "parse_not_after", "run", "source_options", "source_summary"]


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
    parser.add_argument("source", help="CSV/TSV/Parquet/Excel file, a Parquet folder or a "
                        "database URL (sqlite:///x.db)")
    parser.add_argument("--columns", metavar="MAP",
                        help="column mapping: a YAML/TOML file, or 'Their Name=customer_id,...'")
    parser.add_argument("--date-format", metavar="F", help="timestamp format, e.g. %%d-%%m-%%Y")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       default=None, help="dates like 03/04/2024 are day first (3 April)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="dates like 03/04/2024 are month first (4 March)")
    parser.add_argument("--timezone", metavar="TZ", help="zone of timestamps without one, e.g. Asia/Shanghai")
    parser.add_argument("--sep", help="CSV delimiter (sniffed by default)")
    parser.add_argument("--encoding", help="text encoding, e.g. utf-8, gbk, cp1252, utf-16 "
                        "(detected by default; a non-UTF-8 guess is announced)")
    parser.add_argument("--decimal", default=".", help="decimal mark, ',' for European exports")
    parser.add_argument("--thousands", metavar="CHAR",
                        help="thousands separator, e.g. '.' with --decimal , for 1.234,5")
    parser.add_argument("--sheet", default=None,
                        help="Excel sheet name or number (needed when the workbook has several)")
    parser.add_argument("--table", help="database table (with a database URL)")
    parser.add_argument("--query", help="SQL query (with a database URL)")


def source_options(args: argparse.Namespace) -> SourceOptions:
    """The :class:`~mining.io.SourceOptions` the shared source arguments say (one place)."""
    sheet: Any = args.sheet
    if isinstance(sheet, str) and sheet.strip().isdigit():
        sheet = int(sheet)
    return io_source_options(
        parse_columns(args.columns), date_format=args.date_format, timezone=args.timezone,
        dayfirst=getattr(args, "dayfirst", None), sep=args.sep, encoding=args.encoding,
        decimal=args.decimal, thousands=getattr(args, "thousands", None), sheet=sheet,
        table=args.table, query=args.query,
    )


def _read(args: argparse.Namespace) -> pd.DataFrame:
    opts = source_options(args)
    return typed_transactions(read_source(args.source, opts), opts)


_DATE_WORDS = ("today", "yesterday", "now")


def parse_not_after(value: str | None, owner: str = "mining validate") -> pd.Timestamp | None:
    """``--not-after``: a date (time-zone-aware values are converted to UTC) or a word.

    Words: ``today`` and ``yesterday`` are those UTC dates at midnight, exactly as if written
    (``2025-06-30``): lines stamped later are future_timestamp; ``now`` is the current UTC time.
    Anything else unparsable is a ``ParameterError``.
    """
    if value is None:
        return None
    word = value.strip().lower()
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    if word == "now":
        return now
    if word == "today":
        return now.normalize()
    if word == "yesterday":
        return now.normalize() - pd.Timedelta(days=1)
    return check_date(value, "--not-after", owner,
                      hint=f"Write YYYY-MM-DD (optionally with a time), or one of {', '.join(_DATE_WORDS)}.")


def load_filled_source(args: argparse.Namespace, *, purpose: str,
                       undated: bool = False) -> pd.DataFrame:
    """Read SOURCE, fill the contract columns an analysis does not need, validate and clean.

    Filled when missing (each fill is announced on stderr): ``customer_id`` from ``order_id`` (one
    customer per order), ``order_id`` from customer and timestamp (one order per visit),
    ``timestamp`` with a placeholder date (only when ``undated``: the analysis ignores time),
    ``quantity`` 1 and ``unit_price`` 0 (zero prices are then kept).
    """
    opts = source_options(args)
    raw = read_source(args.source, opts)
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
    tx = typed_transactions(raw, opts)
    clean, report = clean_transactions(tx, keep_zero_price=keep_zero_price)
    if report.n_removed:
        print(f"cleaning removed {report.n_removed:,} of {report.rows_in:,} lines "
              "(run `mining validate` for the reasons)", file=sys.stderr)
    return clean


def load_clean_source(args: argparse.Namespace) -> tuple[pd.DataFrame, CleaningReport]:
    """Read SOURCE as the shared options say, then clean it (prints nothing)."""
    not_after = parse_not_after(getattr(args, "not_after", None))
    return clean_transactions(_read(args), not_after=not_after)


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
                   help="lines stamped after DATE (YYYY-MM-DD[ HH:MM], UTC; or today, yesterday, "
                   "now) are counted as future_timestamp and removed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    not_after = parse_not_after(args.not_after)
    try:
        raw = _read(args)
    except SchemaError as exc:
        print(f"error: schema check failed for {args.source}\n{exc}", file=sys.stderr)
        return 2
    print(f"Schema check passed: {len(raw):,} lines, columns {', '.join(map(str, raw.columns))}")
    clean, report = clean_transactions(raw, not_after=not_after)
    print(report)
    print(f"Usable: {source_summary(clean)}")
    if clean.empty:
        print("error: no usable lines remain after cleaning; see the reasons above.", file=sys.stderr)
        return 2
    return 0
