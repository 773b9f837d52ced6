"""``mining datasets list | show NAME | export NAME FILE``: the built-in datasets."""

from __future__ import annotations

import argparse

import pandas as pd

from mining.cli._args import command_parser
from mining.errors import MiningError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """list, describe and export the built-in datasets (demo, cdnow, dmba teaching sets)

    Built-in datasets: the synthetic demo shop with planted truth and real datasets shipped by
    installed packages. Nothing is downloaded.
    """
    p = command_parser(subparsers, "datasets", add_parser.__doc__)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="name, source, licence and supported analyses of each dataset")
    show = sub.add_parser("show", help="rows, date range, capabilities and cleaning of one dataset")
    show.add_argument("name")
    show.add_argument("--size", default="default", choices=["default", "small"],
                      help="demo size")
    show.add_argument("--seed", type=int, default=0, help="demo seed")
    exp = sub.add_parser("export", help="write a dataset's transactions to CSV or Parquet")
    exp.add_argument("name")
    exp.add_argument("file", help="output path ending in .csv or .parquet")
    exp.add_argument("--size", default="default", choices=["default", "small"],
                     help="demo size")
    exp.add_argument("--n-customers", type=int, default=None, help="demo: number of customers")
    exp.add_argument("--seed", type=int, default=0, help="demo seed")
    exp.add_argument("--raw", action="store_true",
                     help="write the lines before cleaning (the demo's planted dirt included)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List, show or export, as ``args.action`` says."""
    from mining import datasets

    if args.action == "list":
        table = datasets.available()
        with pd.option_context("display.max_colwidth", 70, "display.width", 200):
            for row in table.itertuples(index=False):
                print(f"{row.name}\n  {row.description}\n  source: {row.source}\n"
                      f"  licence: {row.licence}\n  supports: {row.supports}")
        return 0
    if args.action == "show":
        ds = datasets.load(args.name, size=args.size, random_state=args.seed)
        print(ds.summary())
        if ds.cleaning is not None:
            print(ds.cleaning)
        if ds.truth is not None:
            print("planted truth:")
            print("  " + ds.truth.summary().replace("\n", "\n  "))
        return 0
    try:
        path = datasets.export(args.name, args.file, size=args.size,
                               n_customers=args.n_customers, random_state=args.seed, raw=args.raw)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise MiningError(f"Cannot write {args.file}: {why}. Check the folder exists and is "
                          "writable.") from None
    print(f"wrote {path}")
    return 0
