"""``mining glossary [WORD]``: the CRM concepts the notebooks teach (English, 中文, definition,
notebook). Exit code 1 when no term contains WORD."""

from __future__ import annotations

import argparse
import sys

from mining.cli._args import command_parser

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """the CRM concepts the notebooks teach (English, 中文, definition, notebook)"""
    p = command_parser(subparsers, "glossary", add_parser.__doc__)
    p.add_argument("word", nargs="?", help="show only terms containing this text (any language)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print every term (or those containing ``args.word``)."""
    from mining.glossary import glossary

    table = glossary()
    if args.word:
        hit = [args.word.lower() in " ".join([t, *row]).lower()
               for t, row in zip(table.index, table.itertuples(index=False), strict=True)]
        table = table[hit]
        if table.empty:
            print(f"No glossary term contains {args.word!r}.", file=sys.stderr)
            return 1
    for term, row in table.iterrows():
        print(f"{term} ({row['chinese']})\n    {row['definition']}\n    notebook: {row['notebook']}")
    return 0
