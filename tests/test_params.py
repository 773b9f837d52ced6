"""The shared parameter rules in mining.params."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mining.errors import ParameterError
from mining.params import (
    align_to_index,
    check_budget,
    check_random_state,
    renamed_parameter,
    seed_from,
)


def test_check_random_state_accepts_none_int_and_generator():
    assert check_random_state(3).integers(0, 10**9) == check_random_state(3).integers(0, 10**9)
    rng = np.random.default_rng(1)
    assert check_random_state(rng) is rng
    assert isinstance(check_random_state(None), np.random.Generator)
    for bad in (1.5, "0", True, -1):
        with pytest.raises(ParameterError, match="random_state"):
            check_random_state(bad, "f")


def test_seed_from_gives_ints_reproducibly():
    assert seed_from(5) == 5 and seed_from(None) is None
    assert seed_from(np.random.default_rng(2)) == seed_from(np.random.default_rng(2))


def test_renamed_parameter_warns_and_refuses_both():
    @renamed_parameter("cutoff", "as_of")
    def f(*, as_of=None):
        return as_of

    with pytest.warns(DeprecationWarning, match="'cutoff' parameter of f was renamed 'as_of'"):
        assert f(cutoff="2025-01-01") == "2025-01-01"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(as_of="x") == "x"
    with pytest.raises(ParameterError, match="both"):
        f(cutoff=1, as_of=2)


def test_align_to_index_reindexes_and_names_missing_rows():
    values = pd.Series([1, 0], index=["b", "a"])
    def message(missing):
        return f"labels missing for {list(missing)}"

    out = align_to_index(values, pd.Index(["a", "b"]), message)
    assert out.tolist() == [0, 1]
    with pytest.raises(ParameterError, match=r"labels missing for \['c'\]"):
        align_to_index(values, pd.Index(["a", "c"]), message)


def test_check_budget_ranges():
    check_budget(10, None, "f", "patterns")
    check_budget(10, 2.5, "f", "patterns")
    for count, seconds in ((0, None), (-1, None), (1.5, None), (10, 0), (10, -1)):
        with pytest.raises(ParameterError):
            check_budget(count, seconds, "f", "patterns")
