"""The BG/NBD purchase-count model and its modified form MBG/NBD: :class:`BetaGeoModel`.

While alive, a customer buys at a Poisson rate ``lambda`` (Gamma(r, alpha) across customers);
after each purchase they may leave for good with probability ``p`` (Beta(a, b) across
customers). Fitted by maximum likelihood on a calibration summary; predicts purchases in a
future period and the probability that a customer is still alive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator

from mining.clv._mle import fit_count_model
from mining.clv._summary import customer_index, is_real, summary_arrays
from mining.errors import NotFittedError, ParameterError, check_param

__all__ = ["BetaGeoModel", "fit_bgnbd"]


def _bgnbd_loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                  T: np.ndarray, shift: int = 0) -> np.ndarray:
    """Log-likelihood per customer; ``shift`` 0 is BG/NBD, 1 the modified MBG/NBD."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x + shift) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where((x > 0) | (shift > 0),
                      np.log(a) - np.log(np.maximum(b + x - 1 + shift, 1e-300))
                      - (r + x) * np.log(alpha + tx),
                      -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


class BetaGeoModel(BaseEstimator):
    """BG/NBD model (beta-geometric / negative binomial distribution) of purchase counts.

    Fitted by maximum likelihood (Fader, Hardie and Lee 2005, equation 6) on the log parameters
    with L-BFGS-B (Nelder-Mead from there when it reports failure). Identical ``(x, t_x, T)``
    rows are pooled, so large tables fit quickly.

    In BG/NBD a customer can only drop out right *after a repeat purchase*, so everybody without
    one has ``p_alive == 1``, however long ago their single purchase was (their low expected
    purchases still reflect the silence). The modified model MBG/NBD (Batislam, Denizel and
    Filiztekin 2007) also lets customers drop out right after their first purchase, which gives
    one-time buyers a P(alive) below 1; choose it with ``variant="mbgnbd"``.

    A scikit-learn estimator: ``get_params`` / ``set_params`` / ``clone`` work; a method that
    needs the fit raises :class:`mining.errors.NotFittedError` before :meth:`fit`.

    Parameters
    ----------
    variant : {"bgnbd", "mbgnbd"}
        The model: BG/NBD (default, the published CDNOW estimates) or the modified MBG/NBD.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (Gamma heterogeneity of the purchase rate; ``alpha`` in time units) and
        ``a``, ``b`` (Beta heterogeneity of the drop-out probability).
    log_likelihood_ : float
        Maximised total log-likelihood.
    n_customers_ : int
    time_unit_ : str or None
        The summary's ``time_unit`` column when it has one.
    converged_ : bool
    fit_seconds_ : float
    fit_result_ : scipy OptimizeResult

    Examples
    --------
    >>> s = pd.DataFrame({"repeat_purchases": [0, 1, 2, 3, 0, 5], "time_to_last": [0, 3, 9, 20,
    ...                   0, 30.0], "age": [30.0, 30, 31, 32, 33, 34]})
    >>> m = BetaGeoModel().fit(s)
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    >>> m.get_params()
    {'variant': 'bgnbd'}
    """

    def __init__(self, *, variant: str = "bgnbd") -> None:
        self.variant = variant

    def _shift(self, owner: str) -> int:
        check_param(self.variant in ("bgnbd", "mbgnbd"), "variant", owner,
                    "'bgnbd' or 'mbgnbd'", self.variant)
        return 1 if self.variant == "mbgnbd" else 0

    def fit(self, summary: pd.DataFrame) -> BetaGeoModel:
        """Fit to a calibration summary (``repeat_purchases``, ``time_to_last``, ``age``)."""
        owner = "BetaGeoModel.fit"
        shift = self._shift(owner)
        return fit_count_model(
            self, summary, owner=owner, names=("r", "alpha", "a", "b"),
            loglik=lambda p, x, tx, T: _bgnbd_loglik(p, x, tx, T, shift),
            start=lambda scale: (1.0, scale, 1.0, 1.0))

    # -- predictions --------------------------------------------------------------------------

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("This BetaGeoModel is not fitted yet. Call fit(summary) first.")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer of ``summary`` at the fitted parameters (FHL 2005,
        equation 6; MBG/NBD: the same with ``b + 1`` in place of ``b`` after the first purchase).

        Its sum over the calibration summary is ``log_likelihood_``.
        """
        r, alpha, a, b = self._params()
        owner = "BetaGeoModel.log_likelihood"
        shift = self._shift(owner)
        x, tx, T = summary_arrays(summary, owner)
        ll = _bgnbd_loglik(np.array([r, alpha, a, b]), x, tx, T, shift)
        return pd.Series(ll, index=customer_index(summary), name="log_likelihood")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still alive at the end of calibration (P(alive)).

        BG/NBD: ``1 / (1 + [x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))``.
        Customers without a repeat purchase get 1: in BG/NBD one can only drop out right after
        a repeat purchase. MBG/NBD: ``1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) **
        (r + x))`` for everybody.
        """
        r, alpha, a, b = self._params()
        shift = self._shift("BetaGeoModel.p_alive")
        x, tx, T = summary_arrays(summary, "BetaGeoModel.p_alive")
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (np.log(a) - np.log(np.maximum(b + x - 1 + shift, 1e-300))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)))
        p = np.where((x > 0) | (shift > 0), special.expit(-log_odds), 1.0)
        return pd.Series(p, index=customer_index(summary), name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected purchases of each customer in the next ``t`` time units (FHL 2005, eq. 10).

        Uses the identity ``(1 - z) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z) =
        (1 - z) ** (a - 1) * 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)`` with
        ``z = t / (alpha + T + t)``, which stays accurate for frequent buyers (MBG/NBD: the same
        with ``b + 1`` in place of ``b`` inside the bracket).
        """
        r, alpha, a, b = self._params()
        owner = "BetaGeoModel.expected_purchases"
        shift = self._shift(owner)
        x, tx, T = summary_arrays(summary, owner)
        check_param(is_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        t = float(t)
        if abs(a - 1.0) > 1e-9:
            num = _expected_numerator(r, alpha, a, b, x, T, t, shift)
        else:  # a == 1: the closed form divides by 0; take the symmetric limit
            num = (_expected_numerator(r, alpha, 1.0 - 1e-6, b, x, T, t, shift)
                   + _expected_numerator(r, alpha, 1.0 + 1e-6, b, x, T, t, shift)) / 2.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.where((x > 0) | (shift > 0),
                            a / np.maximum(b + x - 1 + shift, 1e-300)
                            * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
        e = num / (1.0 + odds)
        return pd.Series(np.maximum(e, 0.0), index=customer_index(summary),
                         name="expected_purchases")

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in ``t`` time units of a customer just acquired (FHL 2005, eq. 9)."""
        self._params()
        owner = "BetaGeoModel.expected_purchases_new"
        check_param(is_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        one = pd.DataFrame({"repeat_purchases": [0], "time_to_last": [0.0], "age": [0.0]})
        # a new customer at T = 0 with x = 0 has the same posterior as the prior
        return float(self.expected_purchases(one, t).iloc[0])


    def expected_purchases_new_curve(self, t: np.ndarray) -> np.ndarray:
        """:meth:`expected_purchases_new` for many periods at once: ``E[X(t)]`` of a customer
        just acquired, for every ``t`` of the array (time units, >= 0). Used for the tracking
        plot (cumulative actual vs expected purchases, :func:`mining.clv.cumulative_purchases`).
        """
        r, alpha, a, b = self._params()
        shift = self._shift("BetaGeoModel.expected_purchases_new_curve")
        t = np.asarray(t, dtype="float64")
        if t.size and (not np.isfinite(t).all() or (t < 0).any()):
            raise ParameterError("BetaGeoModel.expected_purchases_new_curve: t must hold "
                                 "finite numbers >= 0 (time units).")
        zero = np.zeros_like(t)
        if abs(a - 1.0) > 1e-9:
            num = _expected_numerator(r, alpha, a, b, zero, zero, t, shift)
        else:
            num = (_expected_numerator(r, alpha, 1.0 - 1e-6, b, zero, zero, t, shift)
                   + _expected_numerator(r, alpha, 1.0 + 1e-6, b, zero, zero, t, shift)) / 2.0
        odds = a / b if shift else 0.0  # MBG/NBD: the customer may leave at the first purchase
        return np.maximum(num / (1.0 + odds), 0.0)

    def purchase_count_probabilities(self, age: np.ndarray, max_count: int) -> np.ndarray:
        """``P(X(age) = x)`` for ``x = 0..max_count - 1`` and ``P(X(age) >= max_count)``: the
        chance that a customer acquired ``age`` time units ago made ``x`` repeat purchases
        since (FHL 2005, equation 8; MBG/NBD: Batislam et al. 2007). One row per age, one
        column per count, rows sum to 1. Used for the period-purchases histogram
        (:func:`mining.clv.period_purchases`).

        BG/NBD: ``P(X = x) = B(a, b + x) / B(a, b) * NB(x) + [x > 0] * B(a + 1, b + x - 1) /
        B(a, b) * (1 - sum_{j < x} NB(j))``; MBG/NBD: ``B(a, b + x + 1) / B(a, b) * NB(x) +
        B(a + 1, b + x) / B(a, b) * (1 - sum_{j < x} NB(j))``, with ``NB(j)`` the Gamma-Poisson
        (negative binomial) probability of ``j`` purchases in ``age``.
        """
        r, alpha, a, b = self._params()
        shift = self._shift("BetaGeoModel.purchase_count_probabilities")
        check_param(isinstance(max_count, int | np.integer) and not isinstance(max_count, bool)
                    and max_count >= 1, "max_count", "BetaGeoModel.purchase_count_probabilities",
                    "an int >= 1", max_count)
        T = np.asarray(age, dtype="float64").reshape(-1, 1)
        x = np.arange(int(max_count), dtype="float64").reshape(1, -1)
        log_nb = (special.gammaln(r + x) - special.gammaln(r) - special.gammaln(x + 1)
                  + r * (np.log(alpha) - np.log(alpha + T))
                  + x * (np.log(np.maximum(T, 1e-300)) - np.log(alpha + T)))
        nb = np.where((x == 0) | (T > 0), np.exp(log_nb), 0.0)
        below = np.cumsum(nb, axis=1) - nb  # sum_{j < x} NB(j)
        base = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + x + shift) - base) * nb
        with np.errstate(invalid="ignore"):
            gone = np.exp(special.betaln(a + 1.0, np.maximum(b + x - 1.0 + shift, 1e-300))
                          - base) * np.clip(1.0 - below, 0.0, 1.0)
        if not shift:
            gone[:, 0] = 0.0  # BG/NBD: nobody leaves before the first repeat purchase
        p = alive + gone
        rest = np.clip(1.0 - p.sum(axis=1, keepdims=True), 0.0, 1.0)
        return np.hstack([p, rest])


def _expected_numerator(r: float, alpha: float, a: float, b: float, x: np.ndarray,
                        T: np.ndarray, t: float, shift: int) -> np.ndarray:
    """``c / (a - 1) * (1 - (1 - z) ** (r + x) * 2F1(r + x, b + x + s; c; z))``, c = a+b+x-1+s."""
    z = t / (alpha + T + t)
    c = a + b + x - 1.0 + shift
    term = np.power(1.0 - z, a - 1.0) * special.hyp2f1(a + b - 1.0 + shift - r, a - 1.0, c, z)
    return c / (a - 1.0) * (1.0 - term)


def fit_bgnbd(summary: pd.DataFrame, *, variant: str = "bgnbd") -> BetaGeoModel:
    """Fit a :class:`BetaGeoModel` (BG/NBD, or MBG/NBD) to a calibration summary; the quick form."""
    return BetaGeoModel(variant=variant).fit(summary)
