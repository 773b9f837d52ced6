"""Shared test set-up: a headless matplotlib backend and paths to the repo and shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Public datasets beside the repo (tests only; the product never reads them)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"public datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture
def plot_guard(monkeypatch):
    """Fail a test whose plot function calls plt.show() or leaves matplotlib.rcParams changed;
    close every figure afterwards. Plot test modules use it on all their tests."""
    import matplotlib
    import matplotlib.pyplot as plt

    def no_show(*args, **kwargs):
        raise AssertionError("plot functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    rc = dict(matplotlib.rcParams)
    yield
    plt.close("all")
    assert {k: v for k, v in matplotlib.rcParams.items() if rc.get(k) != v} == {}
