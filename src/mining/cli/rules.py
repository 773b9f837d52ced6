"""``mining rules`` (alias ``basket``): association rules of a transactions file (or a basket
text file) to CSV.

::

    mining rules SOURCE --min-support S --min-confidence C [--max-len N]
                 [--algorithm apriori|fpgrowth|fast] [--level product|category]
                 [--format transactions|basket] [--columns MAP] [--names | --ids]
                 [--max-rules N] [--prune-redundant] [--significance ALPHA] [--min-len N]
                 [--verbatim-labels] --out rules.csv

SOURCE is read with :func:`mining.inputs.open_inputs` (``fill_missing=True, undated=True``): a
table without ``customer_id``, ``order_id``, ``timestamp``, ``quantity`` or ``unit_price`` is
filled as :func:`mining.inputs.fill_missing_columns` says, with a note on stderr.
``--format basket`` reads one basket per line, items separated by commas (``--sep`` for
another separator, e.g. ``--sep ' '`` for FIMI ``.dat`` files): the arules Groceries export.
A first line of column-like names that occur in no basket (``items``, ``Item(s)``, ...) is
taken for a header and not counted, with a note on stderr; ``--header`` / ``--no-header``
decide it explicitly (see ``mining.basket.read_basket_file``). ``--encoding`` defaults to
UTF-8 there.
Output: one row per rule with ``antecedents`` and ``consequents`` (JSON lists, read back with
``mining.basket.rules_from_csv``), ``support``, ``confidence``, ``lift`` and mlxtend's other
measures, ``count`` and readable ``antecedents_str``/``consequents_str``. Products are labelled
by name where the data have names (``--names``, the default) or by id (``--ids``).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from mining.cli._args import (
    add_label_arguments,
    budget_error,
    cannot_write,
    command_parser,
    positive_float,
    positive_int,
    share,
    use_names,
)
from mining.cli._source import add_source_arguments, load_filled_source
from mining.errors import BudgetError, DataWarning, MiningError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """association rules (items bought together in one basket) to a CSV file

    Builds one basket per order from SOURCE, mines the frequent itemsets (Apriori by default) and
    writes every association rule with its measures to --out. SOURCE is a transactions file or
    database (see `mining validate`) or, with --format basket, a text file with one basket per
    line.
    """
    p = command_parser(subparsers, "rules", add_parser.__doc__, aliases=["basket"])
    add_source_arguments(p)
    p.add_argument("--min-support", required=True, type=share("--min-support"), metavar="S",
                   help="share of baskets, e.g. 0.01 (itemsets in >= ceil(S x baskets) baskets)")
    p.add_argument("--min-confidence", required=True, type=share("--min-confidence"),
                   metavar="C", help="share of the antecedent's baskets, e.g. 0.5")
    p.add_argument("--max-len", type=int, metavar="N", help="largest itemset, in items")
    # budgets (see mining.basket.frequent_itemsets): stop with a clear error, not MemoryError
    p.add_argument("--max-itemsets", type=positive_int("--max-itemsets"), default=1_000_000,
                   metavar="N", help="refuse to mine more than N frequent itemsets (default "
                   "1,000,000; counted exactly before mining)")
    p.add_argument("--time-budget", type=positive_float("--time-budget"), metavar="SECONDS",
                   help="stop with an error after this many seconds (default: none)")
    p.add_argument("--algorithm", choices=("apriori", "fpgrowth", "fast"), default="apriori",
                   help="apriori (default, mlxtend), fpgrowth (mlxtend) or fast (pyfim); "
                   "identical rules")
    p.add_argument("--level", choices=("product", "category"), default="product",
                   help="items are products (default) or categories")
    p.add_argument("--format", choices=("transactions", "basket"), default="transactions",
                   help="SOURCE is a transactions table (default) or a basket text file")
    p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                   help="--format basket: the first line is (--header) or is not (--no-header) "
                   "a header; detected by default")
    p.add_argument("--verbatim-labels", action="store_true",
                   help="--format basket: keep item labels exactly as in the file (blanks, "
                   "case); by default blanks around labels are removed")
    add_label_arguments(p)
    p.add_argument("--min-len", type=positive_int("--min-len"), default=2, metavar="N",
                   help="fewest items in a rule (default 2; 1 also writes {} -> item for every "
                   "item in at least --min-confidence of the baskets, as R arules' default)")
    p.add_argument("--max-rules", type=int, metavar="N", help="keep the N rules of highest lift")
    p.add_argument("--prune-redundant", action="store_true",
                   help="drop rules no more confident than a rule with fewer antecedents")
    p.add_argument("--significance", type=float, metavar="ALPHA",
                   help="keep rules significant at ALPHA (Fisher exact test, Holm correction)")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    p.set_defaults(func=run)


def _read_baskets(args: argparse.Namespace):
    """``--format basket``: the basket file as a basket matrix, its header stated on stderr."""
    from mining import basket as mb

    if args.level == "category":
        raise MiningError("--level category needs a transactions table with a category "
                          "column; a basket file has items only.")
    with warnings.catch_warnings(record=True) as read_notes:
        warnings.simplefilter("always", DataWarning)
        baskets = mb.read_basket_file(args.source, sep=args.sep or ",",
                                      encoding=args.encoding or "utf-8", header=args.header,
                                      strip=not args.verbatim_labels)
    for w in read_notes:
        if not issubclass(w.category, DataWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if baskets.attrs.get("header") is not None:
        how = "as told by --header" if args.header else "detected"
        print(f"note: the first line ({', '.join(baskets.attrs['header'])}) is a header "
              f"({how}); it is not counted: {len(baskets):,} baskets. Pass --no-header to "
              "count it as a basket.", file=sys.stderr)
    return baskets


def run(args: argparse.Namespace) -> int:
    """Mine the rules and write them to ``--out``; return the exit code."""
    from mining import basket as mb

    if args.max_len is not None and args.max_len < 1:
        raise MiningError("--max-len must be at least 1.")
    if args.format == "basket":
        baskets = _read_baskets(args)
    elif args.verbatim_labels:
        raise MiningError("--verbatim-labels applies to --format basket; a transactions "
                          "table's labels are cleaned by the transactions contract.")
    else:
        tx = load_filled_source(args, purpose="rules", undated=True)
        baskets = mb.basket_matrix(tx, level=args.level, use_names=use_names(args, tx))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mb.NoItemsetsWarning)
        try:  # budgets: see --max-itemsets, --time-budget
            itemsets = mb.frequent_itemsets(baskets, min_support=args.min_support,
                                            max_len=args.max_len, algorithm=args.algorithm,
                                            max_itemsets=args.max_itemsets,
                                            max_seconds=args.time_budget)
            rules = mb.association_rules(itemsets, metric="confidence",
                                         min_threshold=args.min_confidence,
                                         max_rules=args.max_rules, min_len=args.min_len,
                                         prune_redundant=args.prune_redundant,
                                         significance=args.significance,
                                         max_seconds=args.time_budget)
        except BudgetError as exc:
            raise budget_error(exc) from None
    for w in caught:
        if not issubclass(w.category, mb.NoItemsetsWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    try:
        mb.rules_to_csv(rules, args.out)
    except OSError as exc:
        raise cannot_write(args.out, exc) from None
    print(f"{len(rules):,} rules from {len(itemsets):,} frequent itemsets in {len(baskets):,} "
          f"baskets (support >= {mb.min_count_for(args.min_support, len(baskets)):,} baskets, confidence >= "
          f"{args.min_confidence}) -> {args.out}")
    if rules.empty:
        msg = next((str(w.message) for w in caught
                    if issubclass(w.category, mb.NoItemsetsWarning)), "")
        print(f"hint: no rule survived. {msg}".strip(), file=sys.stderr)
    return 0
