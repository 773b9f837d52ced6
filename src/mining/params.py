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
- :func:`check_budget` checks the work limits of a miner (``max_patterns``/``max_itemsets``...
  and ``max_seconds``).
- :func:`align_to_index` puts a per-customer Series on the rows of a table (by label, not by
  position), with an error that names the missing customers.

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

from mining.errors import ParameterError, check_date, check_param

__all__ = ["RandomState", "align_to_index", "check_as_of", "check_budget", "check_random_state",
           "renamed_parameter", "seed_from"]

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


def check_budget(max_count: Any, max_seconds: Any, owner: str, what: str) -> None:
    """Check a miner's budget: ``max_count`` None or an int >= 1, ``max_seconds`` None or > 0.

    Parameters
    ----------
    max_count : int or None
        The most results (patterns, itemsets, candidates) the miner may produce.
    max_seconds : float or None
        The most seconds it may take.
    owner : str
        The public function, named in the error.
    what : str
        The parameter name of ``max_count`` (``"max_patterns"``, ``"max_itemsets"``...).

    Raises
    ------
    ParameterError
        Either limit is of the wrong type or not positive (bools are refused).
    """
    check_param(max_count is None or (isinstance(max_count, numbers.Integral)
                                      and not isinstance(max_count, bool) and max_count >= 1),
                what, owner, "None or an int >= 1", max_count)
    check_param(max_seconds is None or (isinstance(max_seconds, numbers.Real)
                                        and not isinstance(max_seconds, bool)
                                        and float(max_seconds) > 0),
                "max_seconds", owner, "None or a number of seconds > 0", max_seconds)


def align_to_index(values: pd.Series, index: pd.Index,
                   message: Callable[[pd.Index], str]) -> pd.Series:
    """``values`` reindexed onto ``index``, or a ParameterError when labels of ``index`` lack one.

    Parameters
    ----------
    values : Series
        One value per label (e.g. per ``customer_id``), in any order; extra labels are dropped.
    index : Index
        The labels wanted, in the wanted order (e.g. the rows of a feature table).
    message : callable
        Gets the labels of ``index`` missing from ``values`` and returns the error text (the
        caller says what is missing and what to do).

    Returns
    -------
    Series
        ``values.reindex(index)``.

    Raises
    ------
    ParameterError
        Some labels of ``index`` are not in ``values.index``.

    Examples
    --------
    >>> s = pd.Series([1, 2], index=["b", "a"])
    >>> align_to_index(s, pd.Index(["a", "b"]), lambda m: f"no value for {list(m)}").tolist()
    [2, 1]
    """
    missing = index.difference(values.index)
    if len(missing):
        raise ParameterError(message(missing))
    return values.reindex(index)
