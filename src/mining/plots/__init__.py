"""Every figure of the workbench, one function each, returning a matplotlib ``Figure``.

Functions take their data first, ``ax=None`` (a new figure when None) and keyword-only options;
none calls ``plt.show()`` or changes global matplotlib styles. They are grouped by analysis in
submodules and re-exported here:

==================  ==========================================================
submodule           figures for
==================  ==========================================================
``plots.value``     RFM grid and segments, Pareto curve, ABC classes, CLV matrix
``plots.segment``   choice of k, segment map, profiles, sizes, stability
``plots.basket``    item frequency, association rules, recommendations
``plots.sequence``  purchase timelines, sequential patterns and rules
``plots.churn``     ROC/PR, gains, lift, calibration, retention
``plots.deviation`` score distribution, 2-D deviation map, reasons, weekly series flags
``plots.clv``       BG/NBD holdout check, frequency-recency maps, P(alive), CLV moves
==================  ==========================================================
"""

from __future__ import annotations

from mining.plots import basket, churn, clv, deviation, segment, sequence, value
from mining.plots.basket import *  # noqa: F403 - re-export: the names are listed in basket.__all__
from mining.plots.churn import *  # noqa: F403 - re-export: the names are listed in churn.__all__
from mining.plots.clv import *  # noqa: F403 - re-export: the names are listed in clv.__all__
from mining.plots.deviation import *  # noqa: F403 - re-export: names listed in deviation.__all__
from mining.plots.segment import *  # noqa: F403 - re-export: names listed in segment.__all__
from mining.plots.sequence import *  # noqa: F403 - re-export: names listed in sequence.__all__
from mining.plots.value import *  # noqa: F403 - re-export: the names are listed in value.__all__

__all__ = [
    *value.__all__,
    *segment.__all__,
    *basket.__all__,
    *sequence.__all__,
    *churn.__all__,
    *deviation.__all__,
    *clv.__all__,
]
