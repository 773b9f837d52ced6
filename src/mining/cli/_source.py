"""The source options every data-reading command shares (``validate``, ``rules``,
``sequences``): one set of flags, one :class:`~mining.io.SourceOptions` from them, and one call
into :func:`mining.inputs.open_inputs` for the commands that mine."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import pandas as pd

from mining.errors import MiningError, check_date
from mining.inputs import open_inputs
from mining.io import SourceOptions, read_source, typed_transactions
from mining.io import source_options as io_source_options

__all__ = ["add_source_arguments", "load_filled_source", "parse_columns", "parse_not_after",
           "read_typed", "source_options"]


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


def read_typed(args: argparse.Namespace) -> pd.DataFrame:
    """SOURCE read and typed to the contract as the options say (not cleaned, not filled)."""
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
    """SOURCE through :func:`mining.inputs.open_inputs` with ``fill_missing=True``: the columns
    the analysis does not need are filled (:func:`mining.inputs.fill_missing_columns`), then the
    lines validated and cleaned.

    Prints on stderr what was filled (``note: no column ...``) and how many lines cleaning
    removed. No usable line left is an ``InsufficientDataError`` naming the reasons.
    """
    opts = {k: v for k, v in dataclasses.asdict(source_options(args)).items() if v is not None}
    data = open_inputs(source=args.source, fill_missing=True, undated=undated, purpose=purpose,
                       **opts)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    cleaning = data.cleaning
    if cleaning is not None and cleaning.n_removed:
        print(f"cleaning removed {cleaning.n_removed:,} of {cleaning.rows_in:,} lines "
              "(run `mining validate` for the reasons)", file=sys.stderr)
    assert data.transactions is not None  # a source always has order lines
    return data.transactions
