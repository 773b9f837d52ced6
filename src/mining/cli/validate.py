"""``mining validate SOURCE``: check a source against the contract and show what cleaning removes.

Exit code 0: usable; 2: schema errors, or nothing left after cleaning.
"""

from __future__ import annotations

import argparse
import sys

from mining.cli._args import EXIT_OK, EXIT_USAGE, command_parser
from mining.cli._source import add_source_arguments, parse_not_after, read_typed
from mining.errors import SchemaError
from mining.inputs import summarize
from mining.schema import clean_transactions

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """check a data source against the transactions contract and show the cleaning report

    Reads SOURCE, checks every column against the contract (data/README.md), prints every problem
    at once, then the cleaning report. Exit code 0: usable; 2: schema errors (nothing analysable
    until fixed).
    """
    p = command_parser(subparsers, "validate", add_parser.__doc__)
    add_source_arguments(p)
    p.add_argument("--not-after", metavar="DATE",
                   help="lines stamped after DATE (YYYY-MM-DD[ HH:MM], UTC; or today, yesterday, "
                   "now) are counted as future_timestamp and removed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema check, the cleaning report and the ``Usable:`` line."""
    not_after = parse_not_after(args.not_after)
    try:
        raw = read_typed(args)
    except SchemaError as exc:
        print(f"error: schema check failed for {args.source}\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Schema check passed: {len(raw):,} lines, columns {', '.join(map(str, raw.columns))}")
    clean, report = clean_transactions(raw, not_after=not_after)
    print(report)
    print(f"Usable: {summarize(clean)}")
    if clean.empty:
        print("error: no usable lines remain after cleaning; see the reasons above.", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
