"""The Gamma-Gamma model of spend per purchase: :class:`GammaGammaModel`.

A customer's purchases vary around their own mean spend; that mean varies across customers. The
model shrinks each customer's observed mean repeat spend towards the population mean, the less
the more purchases they made (Fader, Hardie and Lee 2005, "RFM and CLV").
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator

from mining.clv._mle import check_converged, minimize
from mining.clv._summary import check_summary, customer_index
from mining.errors import InsufficientDataError, NotFittedError, SchemaError

__all__ = ["GammaGammaModel", "fit_gamma_gamma"]

_SPEND_COLS = ("repeat_purchases", "mean_repeat_spend")


def _gg_loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, g = params
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
            + q * np.log(g) + (px - 1.0) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(g + x * m))


def _spend_arrays(summary: object, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """``repeat_purchases`` and ``mean_repeat_spend`` of a summary as float arrays, checked."""
    summary = check_summary(summary, _SPEND_COLS, owner)
    x = summary["repeat_purchases"].to_numpy(dtype="float64")
    m = summary["mean_repeat_spend"].to_numpy(dtype="float64")
    if (np.nan_to_num(m, nan=0.0) < 0).any():
        raise SchemaError(["mean_repeat_spend must be >= 0 (negative spend: clean returns "
                           "first)"], what="calibration summary")
    return x, m


class GammaGammaModel(BaseEstimator):
    """Gamma-Gamma model of spend per purchase (Fader, Hardie and Lee 2005, "RFM and CLV").

    A customer's purchases vary around their own mean spend ``zeta``; ``zeta`` varies across
    customers. With ``p, q, gamma`` fitted by maximum likelihood on the customers with at least
    one repeat purchase and a positive ``mean_repeat_spend``, the expected spend per purchase of
    a customer with ``x`` repeat purchases of mean ``m`` is
    ``(gamma + x * m) * p / (p * x + q - 1)``: a weighted mean of the population mean
    ``p * gamma / (q - 1)`` and the customer's own ``m``. Customers without repeat purchases get
    the population mean.

    The model assumes spend per purchase is independent of the number of purchases;
    ``frequency_spend_corr_`` (Pearson correlation of ``repeat_purchases`` and
    ``mean_repeat_spend`` among the fitted customers) should be near 0.

    A scikit-learn estimator without settings (``get_params()`` is ``{}``); a method that needs
    the fit raises :class:`mining.errors.NotFittedError` before :meth:`fit`.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma``.
    log_likelihood_, n_customers_, n_excluded_ (customers with repeat purchases but zero
    mean spend, left out of the fit), frequency_spend_corr_, converged_, fit_seconds_,
    fit_result_.
    """

    def __init__(self) -> None:
        pass

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit to a calibration summary (``repeat_purchases``, ``mean_repeat_spend``)."""
        owner = "GammaGammaModel.fit"
        x, m = _spend_arrays(summary, owner)
        use = (x > 0) & np.isfinite(m) & (m > 0)
        self.n_excluded_ = int(((x > 0) & ~use).sum())
        if use.sum() < 2:
            raise InsufficientDataError(
                f"{owner}: Gamma-Gamma needs at least 2 customers with a repeat purchase of "
                f"positive spend; got {int(use.sum())}. Choose a later as_of.")
        start = time.perf_counter()
        xu, mu = x[use], m[use]
        n = float(len(xu))

        def nll(logp: np.ndarray) -> float:
            val = -float(np.sum(_gg_loglik(np.exp(logp), xu, mu))) / n
            return val if np.isfinite(val) else 1e10

        x0 = np.log([1.0, 2.0, float(np.mean(mu))])
        res = minimize(nll, x0)
        self.fit_result_ = res
        self.converged_ = check_converged("GammaGammaModel", res)
        p = np.exp(res.x)
        self.params_ = {"p": float(p[0]), "q": float(p[1]), "gamma": float(p[2])}
        self.log_likelihood_ = -float(res.fun) * n
        self.n_customers_ = int(len(xu))
        self.frequency_spend_corr_ = (float(np.corrcoef(xu, mu)[0, 1])
                                      if np.std(xu) > 0 and np.std(mu) > 0 else float("nan"))
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _params(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("This GammaGammaModel is not fitted yet. Call fit(summary).")
        p = self.params_
        return p["p"], p["q"], p["gamma"]

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer's mean repeat spend at the fitted parameters.

        NaN for the customers the fit leaves out (no repeat purchase, or no positive mean
        spend); the sum over the others of the calibration summary is ``log_likelihood_``.
        """
        params = np.array(self._params())
        x, m = _spend_arrays(summary, "GammaGammaModel.log_likelihood")
        use = (x > 0) & np.isfinite(m) & (m > 0)
        ll = np.full(len(x), np.nan)
        ll[use] = _gg_loglik(params, x[use], m[use])
        return pd.Series(ll, index=customer_index(summary), name="log_likelihood")

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p * gamma / (q - 1)`` (inf if q <= 1)."""
        p, q, g = self._params()
        return p * g / (q - 1.0) if q > 1 else float("inf")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected spend per future purchase of each customer (``expected_spend``)."""
        p, q, g = self._params()
        owner = "GammaGammaModel.expected_spend"
        if not isinstance(summary, pd.DataFrame) or not set(_SPEND_COLS) <= set(summary):
            raise SchemaError([f"{owner} needs a calibration summary with repeat_purchases and "
                               "mean_repeat_spend"], what="calibration summary")
        x = summary["repeat_purchases"].to_numpy(dtype="float64")
        m = np.nan_to_num(summary["mean_repeat_spend"].to_numpy(dtype="float64"), nan=0.0)
        x = np.where(m > 0, x, 0.0)  # no spend history: the population mean
        with np.errstate(divide="ignore", invalid="ignore"):
            e = (g + x * m) * p / (p * x + q - 1.0)
        e = np.where(p * x + q - 1.0 > 0, e, np.inf)
        return pd.Series(e, index=customer_index(summary), name="expected_spend")


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaModel:
    """Fit a :class:`GammaGammaModel` to a calibration summary; the quick form."""
    return GammaGammaModel().fit(summary)
