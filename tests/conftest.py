"""Shared test set-up: a headless matplotlib backend, paths to the repo and shared datasets, and
one throw-away PostgreSQL server for the whole session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture
def churn_shop():
    """Builds the tiny shop of ``churn.churn_types``' docstring: ``a`` orders every 30 days from
    2024-01-01 and comes back on 2025-03-01, ``b`` orders every 30 days and leaves after one
    cheap order on 2024-07-01; ``extra`` rows (customer, order, timestamp, unit_price) are
    added. Every line is one unit in category ``x``."""
    import pandas as pd

    def make(extra: list[tuple]) -> pd.DataFrame:
        d = pd.Timestamp
        rows = [("a", f"a{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 20.0)
                for i in range(8)]
        rows += [("a", "a9", d("2025-03-01"), 20.0)]
        rows += [("b", f"b{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 30.0)
                 for i in range(6)]
        rows += [("b", "b6", d("2024-07-01"), 5.0), *extra]
        tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "unit_price"])
        return tx.assign(quantity=1.0, category="x")

    return make


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Public datasets beside the repo (tests only; the product never reads them)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"public datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def groceries(shared_datasets):
    """The Groceries baskets of R arules (9,835 baskets), read with ``read_basket_file``."""
    from mining.basket import read_basket_file

    path = shared_datasets / "groceries_arules" / "groceries.csv"
    if not path.is_file():
        pytest.skip(f"Groceries not found at {path}")
    return read_basket_file(path)


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL server (Debian's postgresql package), or MINING_TEST_POSTGRES_URL.

    One server for the whole session; tests that need a clean slate create their own tables
    (or database). Skipped when no server binary is installed, except under CI (CI=true), where
    .ci/run installs it and a missing server is a failure.
    """
    if os.environ.get("MINING_TEST_POSTGRES_URL"):
        yield os.environ["MINING_TEST_POSTGRES_URL"]
        return
    bindir = Path("/usr/lib/postgresql")
    versions = sorted(bindir.glob("*/bin/initdb")) if bindir.is_dir() else []
    initdb = str(versions[-1]) if versions else shutil.which("initdb")
    if not initdb:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run must install the postgresql package")
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    root = tempfile.mkdtemp(prefix="mining-pg-")
    run_as: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data, port = os.path.join(root, "data"), _free_port()
    subprocess.run([*run_as, initdb, "-D", data, "-A", "trust", "-U", "postgres"], check=True,
                   capture_output=True)
    subprocess.run([*run_as, pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-o",
                    f"-p {port} -k {root} -h 127.0.0.1", "start"], check=True, capture_output=True)
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        import sqlalchemy as sa

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        for _ in range(50):
            try:
                engine.connect().close()
                break
            except sa.exc.OperationalError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the throw-away PostgreSQL server on port {port} did not accept connections")
        engine.dispose()
        yield url
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
