"""Parameter conventions shared by every module: random state, renamed parameters, dates.

- :func:`check_random_state` turns ``random_state`` (``None``, an int, or a
  ``numpy.random.Generator``) into a ``Generator``, the scikit-learn way (an int seeds a fresh
  generator, so the same int gives the same draws; a Generator is used as it is).
- :func:`seed_from` turns ``random_state`` into one int, for libraries that take only an int
  seed (scikit-learn estimators, Spark).
- :func:`renamed_parameter` keeps an old keyword working for one release with a
  ``DeprecationWarning`` that names the new one (``cutoff`` -> ``as_of``, ``seed`` ->
  ``random_state``).
- :func:`check_as_of` reads an ``as_of`` date parameter (the one cutoff name of the package).

Examples
--------
>>> rng = check_random_state(0)
>>> float(rng.random()) == float(check_random_state(0).random())
True
>>> seed_from(7)
7
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from mining.errors import ParameterError, check_date

__all__ = ["RandomState", "check_as_of", "check_random_state", "renamed_parameter", "seed_from"]

RandomState = int | np.random.Generator | None
F = TypeVar("F", bound=Callable[..., Any])


def check_random_state(random_state: Any, owner: str = "this function") -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None`` (fresh entropy), an int (seeded) or a Generator.

    Raises ``ParameterError`` naming ``random_state`` for anything else (floats, strings, bools,
    negative ints).
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if int(random_state) < 0:
            raise ParameterError(
                f"The 'random_state' parameter of {owner} must be None, an int >= 0 or a "
                f"numpy.random.Generator. Got {random_state!r} instead."
            )
        return np.random.default_rng(int(random_state))
    raise ParameterError(
        f"The 'random_state' parameter of {owner} must be None, an int >= 0 or a "
        f"numpy.random.Generator. Got {random_state!r} instead."
    )


def seed_from(random_state: Any, owner: str = "this function") -> int | None:
    """One int seed for libraries that take only ints: the int itself, ``None`` for ``None``, and
    a draw from a Generator (so a Generator still gives reproducible, different seeds)."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        check_random_state(random_state, owner)
        return int(random_state)
    return int(check_random_state(random_state, owner).integers(0, 2**31 - 1))


def renamed_parameter(old: str, new: str, *, since: str = "0.2") -> Callable[[F], F]:
    """Accept keyword ``old`` as ``new`` for one release, with a ``DeprecationWarning``.

    Passing both is a ``ParameterError``.

    >>> @renamed_parameter("cutoff", "as_of")
    ... def f(*, as_of=None):
    ...     return as_of
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(cutoff="2025-01-01"), caught[0].category.__name__
    ('2025-01-01', 'DeprecationWarning')
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise ParameterError(
                        f"{func.__name__} got both {old!r} and {new!r}; {old!r} is the old name "
                        f"of {new!r} (renamed in {since}): pass only {new!r}."
                    )
                warnings.warn(
                    f"The {old!r} parameter of {func.__name__} was renamed {new!r} in {since}; "
                    f"{old!r} will stop working in the next release.",
                    DeprecationWarning, stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def check_as_of(value: Any, owner: str) -> pd.Timestamp:
    """The ``as_of`` date parameter as a naive UTC Timestamp (see :func:`mining.errors.check_date`)."""
    return check_date(value, "as_of", owner)
