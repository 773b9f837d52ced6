"""What the commands share besides the source options: exit codes, argparse types that name
the option in their message, and the error texts of budgets and unwritable outputs."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mining.errors import BudgetError, MiningError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "EXIT_USAGE", "EXIT_WRITE",
    "FLAGS", "add_label_arguments", "budget_error", "cannot_write", "command_parser",
    "number_type", "positive_float", "positive_int", "share", "use_names",
]

#: Exit codes of the ``mining`` command (see :mod:`mining.cli`).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WRITE = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

#: library parameter -> command-line option, for budget messages
FLAGS = {"min_support": "--min-support", "max_len": "--max-len", "max_patterns": "--max-patterns",
         "max_itemsets": "--max-itemsets", "max_seconds": "--time-budget",
         "min_threshold": "--min-confidence"}


def budget_error(exc: BudgetError, flags: dict[str, str] | None = None) -> BudgetError:
    """The same budget error with the library's parameter names replaced by the options."""
    names = FLAGS if flags is None else flags
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    text = str(exc).replace(" in frequent_itemsets", "")
    return BudgetError(pattern.sub(lambda m: names[m.group(1)], text))


def command_parser(subparsers: argparse._SubParsersAction, name: str, doc: str | None,
                   **kwargs: Any) -> argparse.ArgumentParser:
    """Register ``mining NAME`` with its help taken from ``doc`` (click's habit: the docstring
    of the registering function is the command's help).

    The first line of ``doc`` is the one-line help of ``mining --help``; the rest (if any) is the
    description of ``mining NAME --help`` (argparse re-wraps it). ``kwargs`` go to
    ``add_parser`` (e.g. ``aliases``).

    >>> parser = argparse.ArgumentParser(prog="mining")
    >>> sub = parser.add_subparsers()
    >>> p = command_parser(sub, "hello", "say hello\\n\\n    Prints a greeting.")
    >>> p.description
    'Prints a greeting.'
    """
    summary, _, rest = inspect.cleandoc(doc or "").partition("\n")
    return subparsers.add_parser(name, help=summary.strip(), description=rest.strip() or None,
                                 **kwargs)


def cannot_write(path: str, exc: OSError) -> MiningError:
    """``Cannot write FILE: <reason>. Check the folder exists.``"""
    return MiningError(f"Cannot write {path}: {exc.strerror}. Check the folder exists.")


def number_type(convert: Callable[[str], Any], ok: Callable[[Any], bool], not_a_number: str,
                out_of_range: str) -> Callable[[str], Any]:
    """An argparse type: ``convert(text)`` when ``ok`` accepts it, else an ``ArgumentTypeError``.

    ``not_a_number`` (``convert`` failed) and ``out_of_range`` (``ok`` refused) are the messages,
    with ``{text}`` standing for what was typed (``{text!r}`` quoted).

    >>> parse = number_type(int, lambda v: v >= 1, "not whole: {text!r}", "too small: {text}")
    >>> parse("3")
    3
    >>> parse("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: too small: 0
    """
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(not_a_number.format(text=text)) from None
        if not ok(value):
            raise argparse.ArgumentTypeError(out_of_range.format(text=text))
        return value
    return parse


def positive_int(name: str) -> Callable[[str], int]:
    """argparse type: an int >= 1, with an error naming the option."""
    return number_type(int, lambda v: v >= 1,
                       f"{name} must be a whole number like 3, not {{text!r}}",
                       f"{name} must be at least 1, not {{text!r}}")


def positive_float(name: str) -> Callable[[str], float]:
    """argparse type: a number > 0 (seconds), with an error naming the option."""
    message = f"{name} must be a number of seconds > 0, not {{text!r}}"
    return number_type(float, lambda v: 0 < v < float("inf"), message, message)


def share(name: str) -> Callable[[str], float]:
    """argparse type: a share in (0, 1], with an error naming the option."""
    return number_type(float, lambda v: 0 < v <= 1,
                       f"{name} must be a number like 0.01, not {{text!r}}",
                       f"{name} must be a share in (0, 1] (0.01 = 1%), not {{text!r}}")


def add_label_arguments(parser: argparse.ArgumentParser) -> None:
    """``--names`` (the default) / ``--ids``: label products by name or by id."""
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument("--names", dest="use_names", action="store_const", const=True,
                        default=None, help="label products by product_name where the data have "
                        "one (the default)")
    labels.add_argument("--ids", dest="use_names", action="store_const", const=False,
                        help="label products by product_id instead of product_name")


def use_names(args: argparse.Namespace, tx: pd.DataFrame) -> bool:
    """``use_names`` of the library call: names unless ``--ids``, and only when ``tx`` has them."""
    return args.use_names is not False and "product_name" in tx.columns
