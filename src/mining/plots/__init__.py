"""Every figure of the workbench, one function each, returning a matplotlib ``Figure``.

Functions take their data first, ``ax=None`` (a new figure when None) and keyword-only options;
none calls ``plt.show()`` or changes global matplotlib styles. They are grouped by analysis in
submodules and re-exported here:

==================  ==========================================================
submodule           figures for
==================  ==========================================================
``plots.value``     RFM grid and segments, Pareto curve, ABC classes, CLV matrix
``plots.segment``   choice of k, segment map, profiles, sizes, stability, dendrogram
``plots.basket``    item frequency, association rules, recommendations
``plots.sequence``  purchase timelines, sequential patterns and rules
``plots.churn``     ROC/PR, gains, lift, calibration, retention, churn types
``plots.lifecycle`` lifecycle curve types: archetype curves, types by acquisition cohort
``plots.deviation`` score distribution, 2-D deviation map, reasons, weekly series flags
``plots.clv``       BG/NBD holdout check, frequency-recency maps, P(alive), CLV moves
``plots.loyalty``   loyalty-type matrix, satisfaction drivers, importance-performance quadrant
==================  ==========================================================

Importing ``mining.plots`` is cheap: a submodule (and matplotlib, scikit-learn...) is imported
the first time one of its names is used (``mining.plots.plot_roc``) or when you import it
(``from mining.plots import churn``).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

SUBMODULES = ("value", "segment", "basket", "sequence", "churn", "lifecycle", "deviation", "clv",
              "loyalty")


def _names(module: str) -> list[str]:
    """The ``__all__`` of a submodule, read from its source without importing it."""
    tree = ast.parse((Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


_WHERE = {name: module for module in SUBMODULES for name in _names(module)}
__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"mining.plots.{name}")
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mining.plots' has no attribute {name!r}")
    return getattr(importlib.import_module(f"mining.plots.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*__all__, *SUBMODULES])
