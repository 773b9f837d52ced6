"""The ``mining`` command: parse the command line, run one command, turn errors into exit codes.

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

Exit codes (:data:`EXIT_OK` ... :data:`EXIT_TERMINATED`): 0 everything ran; 1 a notebook failed
(the others still ran, the index shows why); 2 a usage or input error found before anything ran
(``error: ...`` on stderr, no traceback); 3 the report's output could not be written (disk full,
read-only or unwritable ``--out``; ``error: Could not write ...`` on stderr; what finished is
kept); 130 interrupted (Ctrl-C); 143 stopped by SIGTERM (the index of what finished is still
written).

Database passwords: never put one in ``-p source URL`` if you can avoid it; set
``MINING_DB_PASSWORD`` (or PostgreSQL's ``PGPASSWORD`` / ``~/.pgpass``). A password in a URL is
taken out before the notebook sees it and reaches the kernel only in ``MINING_DB_PASSWORD``;
messages show it as ``***``.

One module per command: :mod:`mining.cli.report`, :mod:`~mining.cli.run`,
:mod:`~mining.cli.datasets`, :mod:`~mining.cli.validate`, :mod:`~mining.cli.rules`,
:mod:`~mining.cli.sequences`, :mod:`~mining.cli.glossary`; the source options the data commands
share are in ``mining.cli._source``, exit codes and argparse types in ``mining.cli._args``.
Adding a command: write a module with ``add_parser(subparsers)`` (which ends with
``parser.set_defaults(func=run)``) and ``run(args) -> int``, and list its ``add_parser`` in
``_PARSER_BUILDERS``. Any function with that shape works, also from another module.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from mining import __version__
from mining.cli import datasets, glossary, report, rules, run, sequences, validate
from mining.cli._args import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    EXIT_WRITE,
)
from mining.errors import DataWarning, MiningError
from mining.secrets import redact

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "EXIT_USAGE",
           "EXIT_WRITE", "build_parser", "main"]


def _show_data_warning(message: Warning | str, category: type[Warning], filename: str,
                       lineno: int, file: Any = None, line: str | None = None) -> None:
    """A ``DataWarning`` (a stated reading choice) as one ``warning: ...`` line on stderr."""
    if issubclass(category, DataWarning):
        print(redact(f"warning: {message}"), file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              end="", file=sys.stderr)


_PARSER_BUILDERS: list[Callable[[argparse._SubParsersAction], None]] = [
    report.add_parser,
    run.add_parser,
    datasets.add_parser,
    validate.add_parser,
    rules.add_parser,
    sequences.add_parser,
    glossary.add_parser,
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
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None
                                                           else EXIT_USAGE)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
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
