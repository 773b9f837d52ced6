"""``mining run NOTEBOOK``: run one notebook into a run folder (the same checks and folder as
``mining report``, an index of one).

Also holds what the notebook-running commands share: the execution options
(:func:`add_execution_options`) and the summary with its exit code (:func:`summarise`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from mining.cli._args import EXIT_FAILED, EXIT_OK, EXIT_WRITE, command_parser, number_type
from mining.secrets import redact

__all__ = ["add_execution_options", "add_parser", "echo", "parameters", "positive_seconds",
           "run", "setup_progress_logging", "summarise"]


def echo(*args: Any, **kwargs: Any) -> None:
    """``print``, flushed when the line is not finished yet (``[1/3] value ... ``)."""
    print(*args, **kwargs)
    if kwargs.get("end", "\n") != "\n":
        sys.stdout.flush()


def parameters(pairs: list[list[str]] | None) -> dict[str, str]:
    """``-p NAME VALUE`` pairs as a dict (the last one wins)."""
    return {name: value for name, value in (pairs or [])}


#: argparse type of ``--timeout``: seconds > 0.
positive_seconds = number_type(
    float, lambda v: 0 < v < float("inf"), "{text!r} is not a number of seconds",
    "must be a positive number of seconds per cell (e.g. 600), got {text}")


def add_execution_options(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """Options every notebook-running command shares."""
    parser.add_argument(
        "-p", "--parameter", dest="parameters", nargs=2, action="append",
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter (repeatable); VALUE is converted to the declared type",
    )
    parser.add_argument("--out", default="reports", metavar="DIR", help=out_help)
    parser.add_argument(
        "--timeout", type=positive_seconds, default=None, metavar="SECONDS",
        help="seconds each cell may run before the notebook fails (> 0; default 600)",
    )
    parser.add_argument("--kernel", default=None, metavar="NAME",
                        help="Jupyter kernel (default python3, the environment's ipykernel)")
    parser.add_argument("--progress", action="store_true",
                        help="show papermill's progress bar and the notebooks' output")
    parser.add_argument("--profile", action="store_true",
                        help="print the slowest cells of each notebook (always in run.json as "
                        "'slowest_cells')")


def summarise(run: Any) -> int:
    """Print the summary line and the failures; return the exit code."""
    print(redact(run.summary()))
    write_error = run.meta.get("write_error")
    if run.failed:
        print(f"failed: {', '.join(r.name for r in run.failed)}", file=sys.stderr)
        for r in run.failed:
            print(redact(f"  {r.name}: {r.error.summary if r.error else 'failed'}"),
                  file=sys.stderr)
    if write_error:
        print(redact(f"error: {write_error}"), file=sys.stderr)
        return EXIT_WRITE
    return EXIT_FAILED if run.failed else EXIT_OK


def setup_progress_logging(enabled: bool) -> None:
    """With ``--progress``: papermill's log lines on stderr."""
    if enabled:
        logging.basicConfig(level=logging.INFO, format="%(message)s")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """run one notebook (same checks and run folder as report, index of one)

    Runs NOTEBOOK with papermill into a new folder <out>/<YYYYmmdd-HHMMSS>Z-<dataset>/ with the
    executed notebook, HTML with and without code, run.json and index.html. Exit codes: 1 the
    notebook failed, 2 bad input, 3 the output could not be written.
    """
    p = command_parser(subparsers, "run", add_parser.__doc__)
    p.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb to run")
    add_execution_options(p, out_help="parent folder of the run folder (default reports/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the notebook with :func:`mining.report.run_one`; return the exit code."""
    from mining.report import run_one

    setup_progress_logging(args.progress)
    result = run_one(
        args.notebook,
        parameters=parameters(args.parameters),
        out=args.out,
        timeout=args.timeout if args.timeout is not None else 600,
        kernel_name=args.kernel or "python3",
        progress=args.progress,
        echo=echo,
        profile=args.profile,
    )
    return summarise(result)
