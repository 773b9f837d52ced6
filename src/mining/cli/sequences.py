"""``mining sequences``: frequent sequential patterns of a transactions file (or SPMF file) to CSV.

::

    mining sequences SOURCE --min-support S [--max-len N] [--min-gap D] [--max-gap D]
                     [--max-window D] [--format transactions|spmf] [--columns MAP]
                     [--date-format F] [--level product|category] [--element order|day]
                     [--as-of DATE] [--names | --ids] [--closed | --maximal]
                     [--max-patterns N] [--time-budget SECONDS] [--verbatim-labels]
                     --out patterns.csv

Budgets: mining stops with ``error: ...`` (exit 2) after more than ``--max-patterns`` patterns
(default 1,000,000, about 1 GB) or ``--time-budget`` seconds, saying which option to change.
``--max-len`` has no default: long histories at a low support have astronomically many
sub-patterns, and the pattern budget stops those runs within seconds.

Output: one row per pattern with ``pattern`` (readable, ``<(a) (b, c)>``), ``n_elements``,
``n_items``, ``support_count`` (customers) and ``support`` (share of customers). Products are
labelled by name where the data have names (``--names``, the default) or by id (``--ids``).
SOURCE is read with :func:`mining.inputs.open_inputs` (``fill_missing=True``): a table without
``order_id`` is read as one order per customer and timestamp; ``quantity`` and ``unit_price``
are not needed for sequences and default to 1 and 0 when absent (with a note on stderr).
"""

from __future__ import annotations

import argparse
import sys

from mining.cli._args import (
    add_label_arguments,
    budget_error,
    cannot_write,
    command_parser,
    positive_float,
    positive_int,
    use_names,
)
from mining.cli._source import add_source_arguments, load_filled_source
from mining.errors import BudgetError, MiningError, check_date

__all__ = ["add_parser", "parse_support", "run"]

_OUT_COLUMNS = ["pattern", "n_elements", "n_items", "support_count", "support"]


def parse_support(text: str) -> float | int:
    """``"0.01"`` -> 0.01 (share of customers); ``"20"`` -> 20 (customers).

    A whole number without a decimal point is a count (``"1"``: one customer); anything else is
    a share in (0, 1] (``"1.0"``: every customer).
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--min-support must be a share like 0.01 or a count like 20, not {text!r}") from None
    if value.is_integer() and "." not in text and "e" not in text.lower():
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"--min-support as a count of customers must be at least 1, not {text!r}")
        return int(value)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"--min-support must be a share in (0, 1] (0.01 = 1% of customers) or a whole "
            f"count of customers like 20, not {text!r}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """frequent sequential patterns (what customers buy next) to a CSV file

    Builds one time-ordered sequence of baskets per customer from SOURCE and writes every frequent
    sequential pattern (PrefixSpan) with its support to --out. SOURCE is a transactions file or
    database (see `mining validate`) or, with --format spmf, an SPMF sequence file.
    """
    p = command_parser(subparsers, "sequences", add_parser.__doc__)
    add_source_arguments(p)
    p.add_argument("--min-support", required=True, type=parse_support, metavar="S",
                   help="share of customers in (0, 1] (0.01; 1.0 = all) or a whole number of "
                   "customers (20; 1 = one customer)")
    p.add_argument("--max-len", type=positive_int("--max-len"), metavar="N",
                   help="longest pattern, in items (default: no limit but --max-patterns)")
    p.add_argument("--max-patterns", type=positive_int("--max-patterns"), default=1_000_000,
                   metavar="N", help="stop with an error beyond N patterns (default 1,000,000)")
    p.add_argument("--time-budget", type=positive_float("--time-budget"), metavar="SECONDS",
                   help="stop with an error after this many seconds of mining (default: none)")
    p.add_argument("--min-gap", type=float, metavar="D",
                   help="at least D days between consecutive elements")
    p.add_argument("--max-gap", type=float, metavar="D",
                   help="at most D days between consecutive elements")
    p.add_argument("--max-window", type=float, metavar="D",
                   help="at most D days from the first to the last element")
    p.add_argument("--format", choices=("transactions", "spmf"), default="transactions",
                   help="SOURCE is a transactions table (default) or an SPMF sequence file")
    p.add_argument("--verbatim-labels", action="store_true",
                   help="--format spmf: keep @ITEM names exactly as in the file (blanks, case); "
                   "by default blanks around names are removed")
    p.add_argument("--level", choices=("product", "category"), default="product",
                   help="items are products (default) or categories")
    p.add_argument("--element", choices=("order", "day"), default="order",
                   help="one element per order (default) or per customer and day")
    p.add_argument("--as-of", metavar="DATE",
                   help="use only lines before this date (default: all lines)")
    add_label_arguments(p)
    only = p.add_mutually_exclusive_group()
    only.add_argument("--closed", action="store_true", help="keep closed patterns only")
    only.add_argument("--maximal", action="store_true", help="keep maximal patterns only")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Mine the patterns and write them to ``--out``; return the exit code."""
    from mining import sequence as sq

    as_of = None
    if args.as_of is not None:
        as_of = check_date(args.as_of, "--as-of", "mining sequences",
                           "Time-zone-aware dates are converted to UTC.")
    for name in ("min_gap", "max_gap", "max_window"):
        value = getattr(args, name)
        if value is not None and not value >= 0:
            raise MiningError(f"--{name.replace('_', '-')} must be a number of days >= 0, "
                              f"not {value!r}.")
    if args.format == "spmf":
        db = sq.read_spmf(args.source, strip=not args.verbatim_labels)
    elif args.verbatim_labels:
        raise MiningError("--verbatim-labels applies to --format spmf; a transactions "
                          "table's labels are cleaned by the transactions contract.")
    else:
        tx = load_filled_source(args, purpose="sequences")
        db = sq.customer_sequences(tx, as_of=as_of, level=args.level, element=args.element,
                                   use_names=use_names(args, tx))
    try:
        res = sq.frequent_sequences(db, min_support=args.min_support, max_len=args.max_len,
                                    min_gap=args.min_gap, max_gap=args.max_gap,
                                    max_window=args.max_window, closed=args.closed,
                                    maximal=args.maximal, max_patterns=args.max_patterns,
                                    max_seconds=args.time_budget)
    except BudgetError as exc:
        raise budget_error(exc) from None
    out = res.drop(columns="pattern").rename(columns={"pattern_str": "pattern"})[_OUT_COLUMNS]
    try:
        out.to_csv(args.out, index=False)
    except OSError as exc:
        raise cannot_write(args.out, exc) from None
    print(f"{len(out):,} patterns from {len(db):,} customers "
          f"(support >= {sq.min_count_for(args.min_support, len(db)):,} customers) -> {args.out}")
    if out.empty:
        print("hint: no pattern reached the support; try a lower --min-support.", file=sys.stderr)
    return 0
