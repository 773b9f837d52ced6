"""Widgets for exploring a notebook's key parameters in JupyterLab.

Each ``*_explorer`` function shows sliders (ipywidgets) and redraws its table or figure when a
slider moves, in a live JupyterLab session. Unattended runs (papermill under ``mining report`` /
``mining run``, which set ``MINING_UNATTENDED=1`` in the kernel) and environments without
ipywidgets get nothing (``None``) and the notebook's static results stand, so a report never
waits for input. The redraw functions themselves (``rules_view``, ``rfm_view``) are plain
functions, tested like any other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["interactive_enabled", "rfm_explorer", "rfm_view", "rules_explorer", "rules_view"]

UNATTENDED_ENV = "MINING_UNATTENDED"


def interactive_enabled() -> bool:
    """True in a live notebook with ipywidgets; False under the report runner or without them."""
    if os.environ.get(UNATTENDED_ENV):
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _interact(view: Callable[..., Any], **controls: Any) -> Any:
    if not interactive_enabled():
        return None
    import ipywidgets as w

    return w.interactive(view, **controls)


def rules_view(tx: pd.DataFrame, *, min_support: float, min_confidence: float, top: int = 15,
               level: str = "product") -> pd.DataFrame:
    """The ``top`` rules by lift for these thresholds, in words (what the rules slider shows)."""
    from mining import basket

    use_names = level == "product" and "product_name" in tx.columns
    rules = basket.mine_rules(tx, min_support=min_support, min_confidence=min_confidence,
                              level=level, use_names=use_names)
    if rules.empty:
        return pd.DataFrame({"rule": [], "in_words": [], "confidence": [], "lift": [],
                             "count": []})
    return basket.rules_in_words(rules.sort_values("lift", ascending=False), top=top)


def rules_explorer(tx: pd.DataFrame, *, level: str = "product") -> Any:
    """Sliders for min support (0.1%-5%) and min confidence; redraws the top rules by lift."""
    if not interactive_enabled():
        return None
    import ipywidgets as w

    def show(min_support: float, min_confidence: float) -> None:
        from IPython.display import display

        display(rules_view(tx, min_support=min_support, min_confidence=min_confidence,
                           level=level))

    return _interact(
        show,
        min_support=w.FloatLogSlider(value=0.005, base=10, min=-3, max=-1.3, step=0.1,
                                     description="min support", readout_format=".3f"),
        min_confidence=w.FloatSlider(value=0.3, min=0.05, max=0.95, step=0.05,
                                     description="min confidence"),
    )


def rfm_view(features: pd.DataFrame, *, bins: int) -> pd.DataFrame:
    """Customers per named RFM segment for ``bins`` score classes (what the RFM slider shows)."""
    from mining import value

    return value.rfm_segment_summary(value.rfm_scores(features, bins=bins))


def rfm_explorer(features: pd.DataFrame) -> Any:
    """A slider for the number of RFM score classes (2-9); redraws the heat map and the summary."""
    if not interactive_enabled():
        return None
    import ipywidgets as w

    def show(bins: int) -> None:
        from IPython.display import display

        from mining import value
        from mining.plots import plot_rfm_heatmap

        display(plot_rfm_heatmap(value.rfm_scores(features, bins=bins)))
        display(rfm_view(features, bins=bins))

    return _interact(show, bins=w.IntSlider(value=5, min=2, max=9, description="RFM bins"))
