"""The exceptions ``mining`` raises, in one hierarchy.

::

    MiningError                  anything this package raises on purpose
    ├── SchemaError              the input table breaks the data contract (lists every problem)
    ├── ParameterError           a function or notebook parameter is out of range (also a ValueError)
    └── InsufficientDataError    valid input, but too little of it for the analysis asked for

Every message says what is wrong, where (column, row numbers, parameter) and what to do about it.
"""

from __future__ import annotations

__all__ = ["InsufficientDataError", "MiningError", "ParameterError", "SchemaError"]


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
