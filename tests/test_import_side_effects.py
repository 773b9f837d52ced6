"""Importing mining (and its submodules) changes no pandas, warnings or matplotlib settings."""

import importlib
import pkgutil
import subprocess
import sys


def test_import_changes_no_global_settings():
    code = r"""
import warnings, json
import matplotlib, pandas as pd
# third-party libraries may register warning filters of their own on import: import them first,
# so the check sees only what mining itself changes
import numpy, scipy.stats, sklearn.ensemble, sklearn.cluster, sklearn.mixture, mlxtend.frequent_patterns  # noqa
import seaborn, sqlalchemy  # noqa
rc = dict(matplotlib.rcParams); filters = list(warnings.filters)
opts = {k: pd.get_option(k) for k in ["display.max_rows", "display.max_columns", "mode.copy_on_write"]}
import mining, pkgutil, importlib
for m in pkgutil.walk_packages(mining.__path__, "mining."):
    if m.name.startswith(("mining._cli", "mining.__main__")):
        continue
    importlib.import_module(m.name)
changed = [k for k in rc if matplotlib.rcParams[k] != rc[k] and k != "backend"]
assert not changed, changed
assert list(warnings.filters) == filters, "warnings filters changed"
assert opts == {k: pd.get_option(k) for k in opts}, "pandas options changed"
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_every_module_has_all():
    import mining

    for m in pkgutil.walk_packages(mining.__path__, "mining."):
        if m.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        mod = importlib.import_module(m.name)
        assert hasattr(mod, "__all__"), f"{m.name} has no __all__"
