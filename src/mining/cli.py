"""The ``mining`` command.

::

    mining report [--dataset demo] [--size default|small] [--config FILE] [--out reports/]
                  [-p NAME VALUE ...]
    mining run NOTEBOOK [-p NAME VALUE ...] [--out DIR]
    mining datasets list | show NAME | export NAME FILE
    mining validate SOURCE [--columns MAP]
    mining rules SOURCE --out FILE          (alias: basket; association rules for cross-selling)
    mining sequences SOURCE --out FILE      (sequential patterns)
    mining glossary [WORD]                  (the CRM concepts, English and 中文)
    mining --version

Exit codes: 0 everything ran; 1 a notebook failed (the others still ran, the index shows why);
2 a usage or input error found before anything ran (``error: ...`` on stderr, no traceback);
3 the report's output could not be written (disk full, read-only or unwritable ``--out``;
``error: Could not write ...`` on stderr; what finished is kept);
130 interrupted (Ctrl-C); 143 stopped by SIGTERM (the index of what finished is still written).

Database passwords: never put one in ``-p source URL`` if you can avoid it; set
``MINING_DB_PASSWORD`` (or PostgreSQL's ``PGPASSWORD`` / ``~/.pgpass``). A password in a URL is
taken out before the notebook sees it and reaches the kernel only in ``MINING_DB_PASSWORD``;
messages show it as ``***``.

Adding a command: write ``_add_<name>_parser(subparsers)`` (which ends with
``parser.set_defaults(func=_cmd_<name>)``) and ``_cmd_<name>(args) -> int``, and list the first
in ``_PARSER_BUILDERS``. Any function with that shape works, also from another module.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from mining import __version__, _cli_basket, _cli_data, _cli_datasets, _cli_sequence
from mining.errors import DataWarning, MiningError
from mining.secrets import redact

__all__ = ["build_parser", "main"]


def _show_data_warning(message: Warning | str, category: type[Warning], filename: str,
                       lineno: int, file: Any = None, line: str | None = None) -> None:
    """A ``DataWarning`` (a stated reading choice) as one ``warning: ...`` line on stderr."""
    if issubclass(category, DataWarning):
        print(redact(f"warning: {message}"), file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              end="", file=sys.stderr)


def _print(*args: Any, **kwargs: Any) -> None:
    print(*args, **kwargs)
    if kwargs.get("end", "\n") != "\n":
        sys.stdout.flush()


def _params(pairs: list[list[str]] | None) -> dict[str, str]:
    """``-p NAME VALUE`` pairs as a dict (the last one wins)."""
    return {name: value for name, value in (pairs or [])}


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WRITE = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _positive_seconds(text: str) -> float:
    """argparse type of ``--timeout``: seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"must be a positive number of seconds per cell (e.g. 600), got {text}")
    return value


def _positive_runs(text: str) -> int:
    """argparse type of ``--keep``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of runs >= 1 (omit --keep to keep every run), got {text}")
    return value


def _add_execution_options(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """Options every notebook-running command shares."""
    parser.add_argument(
        "-p", "--parameter", dest="parameters", nargs=2, action="append",
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter (repeatable); VALUE is converted to the declared type",
    )
    parser.add_argument("--out", default="reports", metavar="DIR", help=out_help)
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
        help="seconds each cell may run before the notebook fails (> 0; default 600)",
    )
    parser.add_argument("--kernel", default=None, metavar="NAME",
                        help="Jupyter kernel (default python3, the environment's ipykernel)")
    parser.add_argument("--progress", action="store_true",
                        help="show papermill's progress bar and the notebooks' output")


def _summarise(run: Any) -> int:
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


def _setup_progress_logging(enabled: bool) -> None:
    if enabled:
        logging.basicConfig(level=logging.INFO, format="%(message)s")


# -- report -----------------------------------------------------------------------------------


def _add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="run every notebook of the report config and write a dated HTML report",
        description="Runs every notebook listed in the config (default notebooks/report.yaml) "
        "with papermill into a new folder <out>/<YYYYmmdd-HHMMSS>Z-<dataset>/ (UTC), exports each "
        "to HTML with and without code, and writes index.html. Exit codes: 1 a notebook failed, "
        "2 bad input, 3 the output could not be written.",
    )
    p.add_argument("--dataset", help="built-in dataset for every notebook (e.g. demo)")
    p.add_argument("--size", choices=("default", "small"),
                   help="size of the built-in dataset (small: seconds)")
    p.add_argument("--config", metavar="FILE",
                   help="report config (YAML; format in reports/README.md); "
                   "default notebooks/report.yaml")
    p.add_argument("--fail-fast", action="store_true",
                   help="skip the remaining notebooks after the first failure")
    p.add_argument("--keep", type=_positive_runs, metavar="N",
                   help="keep only the newest N complete runs in --out, N >= 1 (default: the "
                   "config's 'keep', else all)")
    _add_execution_options(p, out_help="parent folder of the run folder (default: the config's "
                           "'out', else reports/)")
    p.set_defaults(func=_cmd_report, out=None)


def _cmd_report(args: argparse.Namespace) -> int:
    from mining.report import run_report

    _setup_progress_logging(args.progress)
    run = run_report(
        args.config,
        dataset=args.dataset,
        size=args.size,
        out=args.out,
        keep=args.keep,
        overrides=_params(args.parameters),
        timeout=args.timeout,
        kernel_name=args.kernel,
        progress=args.progress,
        fail_fast=args.fail_fast,
        echo=_print,
    )
    return _summarise(run)


# -- run --------------------------------------------------------------------------------------


def _add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="run one notebook (same checks and run folder as report, index of one)",
        description="Runs NOTEBOOK with papermill into a new folder "
        "<out>/<YYYYmmdd-HHMMSS>Z-<dataset>/ with the executed notebook, HTML with and without "
        "code, run.json and index.html. Exit codes: 1 the notebook failed, 2 bad input, 3 the "
        "output could not be written.",
    )
    p.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb to run")
    _add_execution_options(p, out_help="parent folder of the run folder (default reports/)")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from mining.report import run_one

    _setup_progress_logging(args.progress)
    run = run_one(
        args.notebook,
        parameters=_params(args.parameters),
        out=args.out,
        timeout=args.timeout if args.timeout is not None else 600,
        kernel_name=args.kernel or "python3",
        progress=args.progress,
        echo=_print,
    )
    return _summarise(run)


# -- glossary ---------------------------------------------------------------------------------


def _add_glossary_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "glossary",
        help="the CRM concepts the notebooks teach (English, 中文, definition, notebook)",
    )
    p.add_argument("word", nargs="?", help="show only terms containing this text (any language)")
    p.set_defaults(func=_cmd_glossary)


def _cmd_glossary(args: argparse.Namespace) -> int:
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


# -- the parser -------------------------------------------------------------------------------

_PARSER_BUILDERS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_report_parser,
    _add_run_parser,
    _cli_datasets.add_parser,
    _cli_data.add_parser,
    _cli_basket.add_parser,
    _cli_sequence.add_parser,
    _add_glossary_parser,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``mining`` argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="mining",
        description="CRM data-mining workbench: run the analysis notebooks and write reports.",
    )
    parser.add_argument("--version", action="version", version=f"mining {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in _PARSER_BUILDERS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mining`` command; return its exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: keep argparse's code
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_data_warning
            return int(func(args))
    except MiningError as exc:
        print(redact(f"error: {exc}"), file=sys.stderr)
        return EXIT_WRITE if type(exc).__name__ == "WriteError" else EXIT_USAGE
    except KeyboardInterrupt as exc:
        if getattr(exc, "signal", None) == "SIGTERM":
            print("stopped by SIGTERM", file=sys.stderr)
            return EXIT_TERMINATED
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
