"""mining: a CRM data-mining workbench.

Turns a company's customer transactions into customer-relationship insight: customer value
(RFM, ABC/Pareto, CLV), segments, cross-selling rules, sequential patterns, churn and deviations.

Data flows one way::

    source -> io.load_transactions -> schema (validate + clean) -> features.customer_table
           -> value / segment / basket / sequence / churn / deviation -> plots -> notebooks -> report

Importing ``mining`` is cheap and changes no global pandas, warnings or matplotlib settings;
import the submodule you need (``from mining import schema, value``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from mining.errors import InsufficientDataError, MiningError, ParameterError, SchemaError

try:
    __version__ = version("mining")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "InsufficientDataError",
    "MiningError",
    "ParameterError",
    "SchemaError",
    "__version__",
]
