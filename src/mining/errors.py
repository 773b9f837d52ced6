"""The exceptions ``mining`` raises, in one hierarchy.

::

    MiningError                  anything this package raises on purpose
    ├── SchemaError              the input table breaks the data contract (lists every problem)
    ├── ParameterError           a function or notebook parameter is out of range (also a ValueError)
    ├── InsufficientDataError    valid input, but too little of it for the analysis asked for
    ├── NotFittedError           a model used before ``fit`` (also scikit-learn's NotFittedError)
    └── BudgetError              a mining run would exceed its pattern-count, memory or time budget

    DataWarning (UserWarning)    a stated choice made while reading data (e.g. which date order
                                 was used for an ambiguous column); says how to override it

Every message says what is wrong, where (column, row numbers, parameter) and what to do about it.
"""

from __future__ import annotations

import pandas as pd

__all__ = [  # noqa: F822 - NotFittedError comes from __getattr__
           "BudgetError", "DataWarning", "InsufficientDataError", "MiningError",
           "NotFittedError", "ParameterError", "SchemaError", "check_date"]


class MiningError(Exception):
    """Base class of every error ``mining`` raises on purpose."""


class SchemaError(MiningError):
    """The input table does not follow the transactions contract.

    ``problems`` holds one plain-language line per problem; the message lists them all.
    """

    def __init__(self, problems: list[str], *, what: str = "transactions") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(
            f"The {what} table has {n} problem{'s' if n != 1 else ''}:\n{lines}\n"
            "See data/README.md for the expected columns, or pass columns={...} to map yours."
        )


class ParameterError(MiningError, ValueError):
    """A parameter is outside its allowed range or of the wrong kind."""


class InsufficientDataError(MiningError):
    """The data are valid but too few for the requested analysis."""


class BudgetError(MiningError):
    """A mining run stopped before exceeding its budget (patterns, memory or seconds).

    The message says which limit was reached and which parameter to change
    (e.g. raise ``min_support`` or set ``max_len``).
    """


class DataWarning(UserWarning):
    """A choice made while reading data that the user should know about, with how to override it."""


def check_param(ok: bool, name: str, owner: str, expected: str, got: object, hint: str = "") -> None:
    """Raise ``ParameterError`` in the scikit-learn shape unless ``ok``.

    Example message: "The 'min_support' parameter of frequent_itemsets must be a float in (0, 1].
    Got 1.5 instead."
    """
    if not ok:
        msg = f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead."
        if hint:
            msg += f" {hint}"
        raise ParameterError(msg)


def check_date(value: object, name: str, owner: str, hint: str = "") -> pd.Timestamp:
    """A date parameter as a naive (UTC) Timestamp, or a ``ParameterError`` naming it.

    Empty, missing and unparsable values are errors; a time-zone-aware value is converted to
    UTC and made naive, as the transactions contract stores time.
    """
    bad = value is None or (isinstance(value, str) and not value.strip())
    when = pd.NaT
    if not bad:
        try:
            when = pd.Timestamp(value)
        except (TypeError, ValueError):
            bad = True
    if bad or pd.isna(when):
        msg = (f"The {name!r} parameter of {owner} must be a date such as '2025-06-30' (str or "
               f"Timestamp). Got {value!r} instead.")
        raise ParameterError(f"{msg} {hint}" if hint else msg)
    if when.tzinfo is not None:
        when = when.tz_convert("UTC").tz_localize(None)
    return when


def __getattr__(name: str) -> type:
    """``NotFittedError`` is built on first use: it subclasses scikit-learn's, and importing
    scikit-learn costs about a second, which ``import mining.errors`` should not pay."""
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

        cls = type("NotFittedError", (MiningError, _SklearnNotFittedError), {
            "__doc__": "A model was used before ``fit``; also a scikit-learn ``NotFittedError`` "
                       "(so a ``ValueError`` and an ``AttributeError``).",
            "__module__": __name__,
        })
        globals()["NotFittedError"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
