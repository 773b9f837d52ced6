"""Maximum-likelihood fitting shared by the models of :mod:`mining.clv`.

The models fit the logs of their positive parameters within ``[-LOG_BOUND, LOG_BOUND]`` with
L-BFGS-B (Nelder-Mead from there when it reports failure); a parameter at the bound means the
fit did not reach an interior optimum, which :func:`check_converged` reports.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from mining.clv._summary import summary_arrays, summary_time_unit
from mining.errors import InsufficientDataError

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


def check_converged(model: str, res: optimize.OptimizeResult, stacklevel: int = 3) -> bool:
    """True when the optimum is finite and interior; else a ``RuntimeWarning`` (pointing
    ``stacklevel`` frames up: the caller of the model's ``fit``) and False."""
    at_bound = bool(np.any(np.abs(res.x) >= LOG_BOUND - 1e-6))
    ok = bool(np.isfinite(res.fun)) and not at_bound
    if not ok:
        warnings.warn(f"{model}: the maximum-likelihood fit did not converge to an interior "
                      "optimum (a parameter ran to its bound); the data may be too few or too "
                      "regular for this model. Check fit_result_.", RuntimeWarning, stacklevel=stacklevel)
    return ok


def fit_count_model(model: Any, summary: pd.DataFrame, *, owner: str,
                    loglik: Callable[..., np.ndarray], names: Sequence[str],
                    start: Callable[[float], Sequence[float]]) -> Any:
    """Fit a count model (BG/NBD family, Pareto/NBD) to a calibration summary by maximum
    likelihood and set its fitted attributes; returns ``model``.

    ``loglik(params, x, t_x, T)`` is each customer's log-likelihood at ``params`` (in the order
    of ``names``); customers with the same ``(x, t_x, T)`` are pooled and weighted.
    ``start(mean_age)`` gives the starting parameters. Sets ``params_``, ``log_likelihood_``,
    ``n_customers_``, ``time_unit_``, ``converged_``, ``fit_seconds_`` and ``fit_result_``.
    """
    x, tx, T = summary_arrays(summary, owner)
    if len(x) == 0:
        raise InsufficientDataError(f"{owner}: the calibration summary has no customers.")
    if not (x > 0).any():
        raise InsufficientDataError(
            f"{owner}: no customer made a repeat purchase in the calibration period, so "
            "the purchase rate and the drop-out cannot be told apart. Choose a later "
            "as_of or a longer calibration period.")
    began = time.perf_counter()
    keys = pd.DataFrame({"x": x, "tx": tx, "T": T})
    pooled = keys.groupby(["x", "tx", "T"], sort=False).size().reset_index(name="w")
    xu, txu, Tu, w = (pooled[c].to_numpy(dtype="float64") for c in ("x", "tx", "T", "w"))
    n = float(w.sum())

    def nll(logp: np.ndarray) -> float:
        val = -float(np.dot(w, loglik(np.exp(logp), xu, txu, Tu))) / n
        return val if np.isfinite(val) else 1e10

    res = minimize(nll, np.log(start(max(float(np.mean(T)), 1e-6))))
    model.fit_result_ = res
    model.converged_ = check_converged(type(model).__name__, res, stacklevel=4)
    model.params_ = dict(zip(names, map(float, np.exp(res.x)), strict=True))
    model.log_likelihood_ = -float(res.fun) * n
    model.n_customers_ = int(len(x))
    model.time_unit_ = summary_time_unit(summary)
    model.fit_seconds_ = time.perf_counter() - began
    return model
