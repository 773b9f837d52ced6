"""``mining report``: run every notebook of the report config and write a dated HTML report.

Exit codes: 1 a notebook failed (the others still ran, the index shows why), 2 bad input, 3 the
output could not be written.
"""

from __future__ import annotations

import argparse
from typing import Any

from mining.cli._args import command_parser, number_type
from mining.cli.run import (
    add_execution_options,
    echo,
    parameters,
    setup_progress_logging,
    summarise,
)

__all__ = ["add_parser", "positive_jobs", "positive_runs", "run"]


def _whole_number(what: str, hint: str = "") -> Any:
    """An argparse type: a whole number >= 1 of ``what``; ``hint`` is added to the error."""
    return number_type(int, lambda v: v >= 1, f"{{text!r}} is not a whole number of {what}",
                       f"must be a whole number of {what} >= 1{hint}, got {{text}}")


#: argparse type of ``--keep``: a whole number of runs >= 1
positive_runs = _whole_number("runs", " (omit --keep to keep every run)")
#: argparse type of ``--jobs``: a whole number of notebooks >= 1
positive_jobs = _whole_number("notebooks", " (1: one after the other)")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """run every notebook of the report config and write a dated HTML report

    Runs every notebook listed in the config (default notebooks/report.yaml) with papermill into a
    new folder <out>/<YYYYmmdd-HHMMSS>Z-<dataset>/ (UTC), exports each to HTML with and without
    code, and writes index.html. Exit codes: 1 a notebook failed, 2 bad input, 3 the output could
    not be written.
    """
    p = command_parser(subparsers, "report", add_parser.__doc__)
    p.add_argument("--dataset", help="built-in dataset for every notebook (e.g. demo)")
    p.add_argument("--size", choices=("default", "small"),
                   help="size of the built-in dataset (small: seconds)")
    p.add_argument("--config", metavar="FILE",
                   help="report config (YAML; format in reports/README.md); "
                   "default notebooks/report.yaml")
    p.add_argument("--fail-fast", action="store_true",
                   help="skip the remaining notebooks after the first failure")
    p.add_argument("--keep", type=positive_runs, metavar="N",
                   help="keep only the newest N complete runs in --out, N >= 1 (default: the "
                   "config's 'keep', else all)")
    p.add_argument("--jobs", type=positive_jobs, default=None, metavar="N",
                   help="notebooks run at once, N >= 1 (default: the number of cores; 1: one "
                   "after the other); results and exit code do not depend on it")
    add_execution_options(p, out_help="parent folder of the run folder (default: the config's "
                          "'out', else reports/)")
    p.set_defaults(func=run, out=None)


def run(args: argparse.Namespace) -> int:
    """Run the report with :func:`mining.report.run_report`; return the exit code."""
    from mining.report import run_report

    setup_progress_logging(args.progress)
    result = run_report(
        args.config,
        dataset=args.dataset,
        size=args.size,
        out=args.out,
        keep=args.keep,
        overrides=parameters(args.parameters),
        timeout=args.timeout,
        kernel_name=args.kernel,
        progress=args.progress,
        fail_fast=args.fail_fast,
        echo=echo,
        jobs=args.jobs,
        profile=args.profile,
    )
    return summarise(result)
