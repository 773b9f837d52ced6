"""`mining sequences`: frequent sequential patterns of a transactions file (or SPMF file) to CSV.

::

    mining sequences SOURCE --min-support S [--max-len N] [--min-gap D] [--max-gap D]
                     [--max-window D] [--format transactions|spmf] [--columns MAP]
                     [--date-format F] [--level product|category] [--element order|day]
                     [--as-of DATE] [--names] [--closed | --maximal] --out patterns.csv

Output: one row per pattern with ``pattern`` (readable, ``<(a) (b, c)>``), ``n_elements``,
``n_items``, ``support_count`` (customers) and ``support`` (share of customers).
A table without ``order_id`` is read as one order per customer and timestamp; ``quantity`` and
``unit_price`` are not needed for sequences and default to 1 and 0 when absent.
"""

from __future__ import annotations

import argparse
import sys

from mining._cli_data import add_source_arguments, load_filled_source
from mining.errors import MiningError

__all__ = ["add_parser", "parse_support", "run"]

_OUT_COLUMNS = ["pattern", "n_elements", "n_items", "support_count", "support"]


def parse_support(text: str) -> float | int:
    """``"0.01"`` -> 0.01 (share of customers); ``"20"`` -> 20 (customers)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--min-support must be a share like 0.01 or a count like 20, not {text!r}") from None
    if value.is_integer() and "." not in text and "e" not in text.lower():
        return int(value)
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sequences",
        help="frequent sequential patterns (what customers buy next) to a CSV file",
        description="Builds one time-ordered sequence of baskets per customer from SOURCE and "
        "writes every frequent sequential pattern (PrefixSpan) with its support to --out. "
        "SOURCE is a transactions file or database (see `mining validate`) or, with "
        "--format spmf, an SPMF sequence file.",
    )
    add_source_arguments(p)
    p.add_argument("--min-support", required=True, type=parse_support, metavar="S",
                   help="share of customers (0.01) or number of customers (20)")
    p.add_argument("--max-len", type=int, metavar="N", help="longest pattern, in items")
    p.add_argument("--min-gap", type=float, metavar="D",
                   help="at least D days between consecutive elements")
    p.add_argument("--max-gap", type=float, metavar="D",
                   help="at most D days between consecutive elements")
    p.add_argument("--max-window", type=float, metavar="D",
                   help="at most D days from the first to the last element")
    p.add_argument("--format", choices=("transactions", "spmf"), default="transactions",
                   help="SOURCE is a transactions table (default) or an SPMF sequence file")
    p.add_argument("--level", choices=("product", "category"), default="product",
                   help="items are products (default) or categories")
    p.add_argument("--element", choices=("order", "day"), default="order",
                   help="one element per order (default) or per customer and day")
    p.add_argument("--as-of", metavar="DATE",
                   help="use only lines before this date (default: all lines)")
    p.add_argument("--names", action="store_true",
                   help="label products by product_name instead of product_id")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--closed", action="store_true", help="keep closed patterns only")
    only.add_argument("--maximal", action="store_true", help="keep maximal patterns only")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mining import sequence as sq

    if args.format == "spmf":
        db = sq.read_spmf(args.source)
    else:
        tx = load_filled_source(args, purpose="sequences")
        db = sq.customer_sequences(tx, as_of=args.as_of, level=args.level, element=args.element,
                                   use_names=args.names)
    res = sq.frequent_sequences(db, min_support=args.min_support, max_len=args.max_len,
                                min_gap=args.min_gap, max_gap=args.max_gap,
                                max_window=args.max_window, closed=args.closed,
                                maximal=args.maximal)
    out = res.drop(columns="pattern").rename(columns={"pattern_str": "pattern"})[_OUT_COLUMNS]
    try:
        out.to_csv(args.out, index=False)
    except OSError as exc:
        raise MiningError(f"Cannot write {args.out}: {exc.strerror}. Check the folder exists.") from None
    print(f"{len(out):,} patterns from {len(db):,} customers "
          f"(support >= {res.attrs['min_count']:,} customers) -> {args.out}")
    if out.empty:
        print("hint: no pattern reached the support; try a lower --min-support.", file=sys.stderr)
    return 0
