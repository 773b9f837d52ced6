"""Maximum-likelihood fitting shared by the models of :mod:`mining.clv`.

The models fit the logs of their positive parameters within ``[-LOG_BOUND, LOG_BOUND]`` with
L-BFGS-B (Nelder-Mead from there when it reports failure); a parameter at the bound means the
fit did not reach an interior optimum, which :func:`check_converged` reports.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import optimize

__all__: list[str] = []

LOG_BOUND = 20.0  # parameters are fitted as logs within [-20, 20] (about 2e-9 .. 5e8)


def minimize(nll: Any, x0: np.ndarray) -> optimize.OptimizeResult:
    """Minimise ``nll`` over log parameters from ``x0``: L-BFGS-B, then Nelder-Mead if needed."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(x0)
    res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
    if res.success and np.isfinite(res.fun):
        return res
    # fallback: Nelder-Mead is slower but does not stop on a flat or noisy numerical gradient
    res2 = optimize.minimize(nll, res.x, method="Nelder-Mead",
                             options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    if np.isfinite(res2.fun) and res2.fun <= res.fun and np.all(np.abs(res2.x) <= LOG_BOUND):
        res2.nit = int(res.nit) + int(res2.nit)
        return res2
    return res


def check_converged(model: str, res: optimize.OptimizeResult) -> bool:
    """True when the optimum is finite and interior; else a ``RuntimeWarning`` and False."""
    at_bound = bool(np.any(np.abs(res.x) >= LOG_BOUND - 1e-6))
    ok = bool(np.isfinite(res.fun)) and not at_bound
    if not ok:
        warnings.warn(f"{model}: the maximum-likelihood fit did not converge to an interior "
                      "optimum (a parameter ran to its bound); the data may be too few or too "
                      "regular for this model. Check fit_result_.", RuntimeWarning, stacklevel=3)
    return ok
