"""The Pareto/NBD purchase-count model: :class:`ParetoNBDModel`.

While alive, a customer buys at a Poisson rate ``lambda`` (Gamma(r, alpha) across customers) and
stays alive for an exponential lifetime of rate ``mu`` (Gamma(s, beta) across customers), so a
customer can leave at *any* moment, not only right after a purchase as in BG/NBD (Schmittlein,
Morrison and Colombo 1987). Fitted by maximum likelihood on a calibration summary; predicts
purchases in a future period and the probability that a customer is still alive, with the same
methods as :class:`mining.clv.BetaGeoModel`.

The likelihood is the one of Fader and Hardie (2005), "A note on deriving the Pareto/NBD model
and related expressions" (brucehardie.com/notes/009), written as a sum of two positive terms (no
difference of hypergeometric functions, so no cancellation when ``t_x`` is close to ``T``) and
with Euler's transformation of each ``2F1`` so that frequent buyers do not overflow; see
:func:`_log_terms`. Where ``scipy.special.hyp2f1`` fails (large parameters with ``z`` near 1, as
when lifetimes hardly vary across customers) the function is integrated numerically, which is
slower: about 40 s for the 3,000 customers of the default demo against 0.2 s on CDNOW.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator

from mining.clv._mle import fit_count_model
from mining.clv._summary import customer_index, is_real, summary_arrays
from mining.errors import NotFittedError, ParameterError, check_param

__all__ = ["ParetoNBDModel", "fit_pareto_nbd"]


#: Above this ``z`` (or where SciPy's value is not finite or out of bounds) ``2F1(1, B; C; z)`` is
#: integrated numerically: ``scipy.special.hyp2f1`` returns NaN for some large ``B, C`` with ``z``
#: near 1 (e.g. ``2F1(1, 895; 895.05; 1 - 1e-6)``) and can be off by 1e-6 there; below it, it
#: agrees with the quadrature to 1e-12.
_SCIPY_MAX_Z = 0.95
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)
_GL_OFFSETS = np.array([-30.0, -10.0, -3.0, -1.0, 0.0, 1.0, 3.0, 10.0, 30.0])
_BISECTIONS = 40
_GL_TAIL = np.array([2.0, 6.0, 20.0])
_GL_NEAR = np.array([0.5, 2.0, 6.0, 20.0])
_DROP = 45.0  # the integrand is cut where it is below exp(-45) times its maximum


def _log_hyp2f1_next(a: np.ndarray, b: np.ndarray | float, low: np.ndarray,
                     high: np.ndarray) -> np.ndarray:
    """``log 2F1(a, b; a + 1; z)`` with ``z = 1 - low / high`` (``0 < low <= high``, ``b > 0``).

    Euler's transformation ``2F1(a, b; c; z) = (1 - z) ** (c - a - b) * 2F1(c - a, c - b; c; z)``
    with ``c = a + 1`` gives ``(low / high) ** (1 - b) * 2F1(1, a + 1 - b; a + 1; z)``: the power
    carries the growth near ``z = 1`` (in logs, where it cannot overflow) and the remaining
    function lies between 1 and ``1 / (1 - z)``. It comes from ``scipy.special.hyp2f1`` for
    ``z <= 0.95`` and from :func:`_log_hyp2f1_one` (quadrature) above, or wherever SciPy's value
    is not finite or out of those bounds.
    """
    a, b, low, high = np.broadcast_arrays(*(np.asarray(v, dtype="float64")
                                            for v in (a, b, low, high)))
    z = 1.0 - low / high
    B, C = a + 1.0 - b, a + 1.0
    log_power = (1.0 - b) * (np.log(low) - np.log(high))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_rest = np.log(special.hyp2f1(1.0, B, C, z))
    bad = ~(np.isfinite(log_rest) & (log_rest >= -1e-12)
            & (log_rest <= np.log(high) - np.log(low) + 1e-9) & (z <= _SCIPY_MAX_Z))
    if bad.any():
        log_rest = np.array(log_rest, dtype="float64")  # writable
        triples = np.column_stack([B[bad], C[bad], z[bad]])
        unique, back = np.unique(triples, axis=0, return_inverse=True)
        log_rest[bad] = _log_hyp2f1_one(unique[:, 0], unique[:, 1], unique[:, 2])[back.ravel()]
    return log_power + log_rest


def _log_hyp2f1_one(B: np.ndarray, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log 2F1(1, B; C; z)`` for ``0 < B < C``, ``C > 1``, ``0 < z < 1``, by quadrature.

    Euler's integral ``(C - 1) * int_0^1 (1 - t) ** (C - 2) * (1 - z t) ** -B dt`` with
    ``1 - t = exp(v)`` becomes ``(C - 1) * z ** -B * int_{-inf}^0 exp(phi(v)) dv`` with
    ``phi(v) = (C - 1) v - B log(exp(v) + eps)``, ``eps = (1 - z) / z``: a smooth concave
    exponent with slopes ``C - 1`` (left) and ``C - 1 - B`` (right) and its bend at
    ``log(eps)``. The range where ``phi`` is within 45 of its maximum is found by bisection and
    integrated by 24-point Gauss-Legendre on panels split around the bend and the maximum, in
    units of ``v`` and of the decay lengths of both sides: 1e-13 relative to adaptive
    quadrature on random ``B, C, z`` (tests: 1e-11).
    """
    B, C, z = (np.asarray(v, dtype="float64").ravel() for v in (B, C, z))
    log_eps = np.log1p(-z) - np.log(z)
    b = C - B
    with np.errstate(divide="ignore", invalid="ignore"):
        # the maximum of phi: where its slope is 0 when b < 1, else at v = 0
        mode = log_eps + np.log((C - 1.0) / np.where(b < 1.0, 1.0 - b, 1.0))
        top = np.where(b < 1.0, np.minimum(0.0, mode), 0.0)

    def phi(v: np.ndarray) -> np.ndarray:
        return (C - 1.0) * v - B * np.logaddexp(v, log_eps)

    phi_top = phi(top)
    # left end: phi rises on (-inf, top]; right end: phi falls on [top, 0]
    below, above = np.minimum(top, log_eps) - 5.0 - (_DROP + 0.007 * B) / (C - 1.0), top.copy()
    inside, outside = top.copy(), np.zeros_like(top)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (below + above)
        low = phi(mid) < phi_top - _DROP
        below, above = np.where(low, mid, below), np.where(low, above, mid)
        mid = 0.5 * (inside + outside)
        low = phi(mid) < phi_top - _DROP
        inside, outside = np.where(low, inside, mid), np.where(low, mid, outside)
    left = 0.5 * (below + above)
    right = np.where(phi(np.zeros_like(top)) >= phi_top - _DROP, 0.0, 0.5 * (inside + outside))
    # cut around the bend and the maximum in units of v and of the decay lengths of the tails
    left_scale = 1.0 / (C - 1.0)
    right_scale = 1.0 / np.maximum(np.abs(1.0 - b), 1e-3)
    sig = special.expit(top - log_eps)
    near_scale = 1.0 / np.maximum(np.abs((C - 1.0) - B * sig) + np.sqrt(B * sig * (1.0 - sig)),
                                  1e-3)
    marks = np.concatenate([log_eps[:, None] + _GL_OFFSETS, top[:, None] + _GL_OFFSETS,
                            top[:, None] - near_scale[:, None] * _GL_NEAR,
                            top[:, None] + near_scale[:, None] * _GL_NEAR,
                            np.minimum(top, log_eps)[:, None] - left_scale[:, None] * _GL_TAIL,
                            top[:, None] + right_scale[:, None] * _GL_TAIL], axis=1)
    cuts = np.concatenate([left[:, None], np.clip(marks, left[:, None], right[:, None]),
                           right[:, None]], axis=1)
    cuts.sort(axis=1)
    half = 0.5 * (cuts[:, 1:] - cuts[:, :-1])
    v = (0.5 * (cuts[:, 1:] + cuts[:, :-1]))[..., None] + half[..., None] * _GL_NODES
    vals = np.exp((C[:, None, None] - 1.0) * v
                  - B[:, None, None] * np.logaddexp(v, log_eps[:, None, None])
                  - phi_top[:, None, None])
    total = np.sum(half * np.sum(_GL_WEIGHTS * vals, axis=-1), axis=-1)
    return np.log(C - 1.0) - B * np.log(z) + phi_top + np.log(total)


def _log_terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
               T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(const, log_alive, log_bracket)`` of each customer's Pareto/NBD likelihood.

    ``L = exp(const + log_bracket)`` with ``const = log(Gamma(r + x) / Gamma(r)) + r log(alpha)
    + s log(beta)`` and ``bracket = (alpha + T) ** -(r + x) * (beta + T) ** -s + s * A_0``, the
    first term being the "still alive at T" part (``log_alive``). Fader and Hardie (2005) write
    ``A_0`` as a difference of two ``2F1`` at ``t_x`` and at ``T``; the contiguous relation
    ``(1 - z) ** -b = b / a * 2F1(a, b + 1; a + 1; z) + (a - b) / a * 2F1(a, b; a + 1; z)`` turns
    the bracket into a sum of two positive terms. With ``a = r + s + x``, ``M = max(alpha,
    beta)``, ``m = min(alpha, beta)``:

    * alpha >= beta: ``s / a * (M + t_x) ** -a * 2F1(a, s + 1; a + 1; (M - m) / (M + t_x))
      + (r + x) / a * (M + T) ** -a * 2F1(a, s; a + 1; (M - m) / (M + T))``
    * alpha < beta: ``s / a * (M + t_x) ** -a * 2F1(a, r + x; a + 1; (M - m) / (M + t_x))
      + (r + x) / a * (M + T) ** -a * 2F1(a, r + x + 1; a + 1; (M - m) / (M + T))``
    """
    r, alpha, s, beta = (float(v) for v in params)
    a = r + s + x
    if alpha >= beta:
        big, small, b_tx, b_T = alpha, beta, s + 1.0, s
    else:
        big, small, b_tx, b_T = beta, alpha, r + x, r + x + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        at_tx = (np.log(s) - np.log(a) - a * np.log(big + tx)
                 + _log_hyp2f1_next(a, b_tx, small + tx, big + tx))
        at_T = (np.log(r + x) - np.log(a) - a * np.log(big + T)
                + _log_hyp2f1_next(a, b_T, small + T, big + T))
    const = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return const, log_alive, np.logaddexp(at_tx, at_T)


def _pnbd_loglik(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                 T: np.ndarray) -> np.ndarray:
    """Log-likelihood of each customer (Fader and Hardie 2005, rearranged as in
    :func:`_log_terms`)."""
    const, _, log_bracket = _log_terms(params, x, tx, T)
    return const + log_bracket


def _growth(s: float, base: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """``(1 - (base / (base + t)) ** (s - 1)) / (s - 1)``; its limit ``log((base + t) / base)``
    at ``s = 1``. Written with ``expm1`` so it stays accurate for ``s`` near 1."""
    log_ratio = np.log(base) - np.log(base + t)  # <= 0
    if abs(s - 1.0) < 1e-10:
        return -log_ratio
    return -np.expm1((s - 1.0) * log_ratio) / (s - 1.0)


class ParetoNBDModel(BaseEstimator):
    """Pareto/NBD model (Pareto lifetimes / negative binomial purchase counts).

    While alive a customer buys at a Poisson rate ``lambda`` ~ Gamma(r, alpha); their lifetime
    is exponential with rate ``mu`` ~ Gamma(s, beta), independent of ``lambda``. Unlike BG/NBD
    (:class:`mining.clv.BetaGeoModel`), customers can leave at any time, so one-time buyers
    have ``p_alive`` below 1 and it falls the longer they stay silent.

    Fitted by maximum likelihood (Fader and Hardie 2005, "A note on deriving the Pareto/NBD model
    and related expressions") on the log parameters with L-BFGS-B (Nelder-Mead
    from there when it reports failure), as BG/NBD. Identical ``(x, t_x, T)`` rows are pooled.
    On the CDNOW sample (39 weeks) it gives ``r = 0.5533, alpha = 10.578, s = 0.6062,
    beta = 11.668``, log-likelihood -9594.976 (published: 0.5533, 10.5776, 0.6061, 11.6650,
    -9594.98; the likelihood is flat along ``s ~ beta``).

    A scikit-learn estimator without settings (``get_params()`` is ``{}``; the fit is
    deterministic, so there is no ``random_state``); a method that needs the fit raises
    :class:`mining.errors.NotFittedError` before :meth:`fit`. The prediction methods are those of
    :class:`~mining.clv.BetaGeoModel`: :meth:`p_alive`, :meth:`expected_purchases`,
    :meth:`expected_purchases_new` (and its ``_curve``), :meth:`log_likelihood`; their
    ``lifetimes`` names are ``conditional_probability_alive``,
    ``conditional_expected_number_of_purchases_up_to_time`` and
    ``expected_number_of_purchases_up_to_time``.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (Gamma heterogeneity of the purchase rate; ``alpha`` in time units) and
        ``s``, ``beta`` (Gamma heterogeneity of the drop-out rate; ``beta`` in time units).
    log_likelihood_, n_customers_, time_unit_, converged_, fit_seconds_, fit_result_
        As in :class:`~mining.clv.BetaGeoModel` (the maximised total log-likelihood, the
        customers fitted, the summary's ``time_unit``, the optimiser's outcome and time).

    Examples
    --------
    >>> s = pd.DataFrame({"repeat_purchases": [0, 1, 2, 3, 0, 5],
    ...                   "time_to_last": [0, 3, 9, 20, 0, 30.0],
    ...                   "age": [30.0, 30, 31, 32, 33, 34]})
    >>> m = ParetoNBDModel().fit(s)
    >>> sorted(m.params_)
    ['alpha', 'beta', 'r', 's']
    >>> m.get_params()
    {}
    >>> bool(m.p_alive(s).iloc[0] < 1)  # a one-time buyer may be gone
    True
    """

    def fit(self, summary: pd.DataFrame) -> ParetoNBDModel:
        """Fit to a calibration summary (``repeat_purchases``, ``time_to_last``, ``age``).

        Parameters
        ----------
        summary : DataFrame
            From :func:`mining.clv.calibration_summary`: one row per customer with
            ``repeat_purchases`` (x, count), ``time_to_last`` (t_x) and ``age`` (T), both in the
            summary's time units.

        Returns
        -------
        ParetoNBDModel
            ``self``, fitted.
        """
        owner = "ParetoNBDModel.fit"
        return fit_count_model(self, summary, owner=owner, names=("r", "alpha", "s", "beta"),
                               loglik=_pnbd_loglik,
                               start=lambda scale: (1.0, scale, 1.0, scale))

    # -- predictions --------------------------------------------------------------------------

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("This ParetoNBDModel is not fitted yet. Call fit(summary) "
                                 "first.")
        p = self.params_
        return p["r"], p["alpha"], p["s"], p["beta"]

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer of ``summary`` at the fitted parameters (Fader and
        Hardie 2005). Its sum over the calibration summary is ``log_likelihood_``.

        Returns
        -------
        Series
            ``log_likelihood`` indexed by ``customer_id``.
        """
        r, alpha, s, beta = self._params()
        x, tx, T = summary_arrays(summary, "ParetoNBDModel.log_likelihood")
        ll = _pnbd_loglik(np.array([r, alpha, s, beta]), x, tx, T)
        return pd.Series(ll, index=customer_index(summary), name="log_likelihood")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still alive at the end of calibration (P(alive)).

        ``P(alive) = (alpha + T) ** -(r + x) * (beta + T) ** -s / bracket`` with the bracket of
        the likelihood (Fader and Hardie 2005: ``1 / (1 + s / (r + s + x) * (alpha + T) ** (r + x) *
        (beta + T) ** s * A_0)``). It is 1 for a customer whose last purchase is at ``T``.

        Returns
        -------
        Series
            ``p_alive`` (0-1) indexed by ``customer_id``.
        """
        r, alpha, s, beta = self._params()
        x, tx, T = summary_arrays(summary, "ParetoNBDModel.p_alive")
        _, log_alive, log_bracket = _log_terms(np.array([r, alpha, s, beta]), x, tx, T)
        p = np.clip(np.exp(log_alive - log_bracket), 0.0, 1.0)
        return pd.Series(p, index=customer_index(summary), name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected purchases of each customer in the next ``t`` time units (Fader and Hardie 2005).

        ``E[Y(t) | x, t_x, T] = P(alive) * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) *
        (1 - ((beta + T) / (beta + T + t)) ** (s - 1))`` (at ``s = 1`` the bracket over
        ``s - 1`` is ``log((beta + T + t) / (beta + T))``).

        Parameters
        ----------
        summary : DataFrame
            A calibration summary (``repeat_purchases``, ``time_to_last``, ``age``).
        t : float
            Length of the future period, in the summary's time units (>= 0).

        Returns
        -------
        Series
            ``expected_purchases`` indexed by ``customer_id``.
        """
        r, alpha, s, beta = self._params()
        owner = "ParetoNBDModel.expected_purchases"
        x, tx, T = summary_arrays(summary, owner)
        check_param(is_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        alive = self.p_alive(summary).to_numpy()
        e = alive * (r + x) / (alpha + T) * (beta + T) * _growth(s, beta + T, float(t))
        return pd.Series(np.maximum(e, 0.0), index=customer_index(summary),
                         name="expected_purchases")

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in ``t`` time units of a customer just acquired (Fader and Hardie
        2005): ``r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))``."""
        self._params()
        owner = "ParetoNBDModel.expected_purchases_new"
        check_param(is_real(t) and t >= 0, "t", owner, "a number >= 0 (time units)", t)
        return float(self.expected_purchases_new_curve(np.array([float(t)]))[0])

    def expected_purchases_new_curve(self, t: np.ndarray) -> np.ndarray:
        """:meth:`expected_purchases_new` for every ``t`` of an array (time units, >= 0)."""
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype="float64")
        if t.size and (not np.isfinite(t).all() or (t < 0).any()):
            raise ParameterError("ParetoNBDModel.expected_purchases_new_curve: t must hold "
                                 "finite numbers >= 0 (time units).")
        return np.maximum(r * beta / alpha * _growth(s, np.full_like(t, beta), t), 0.0)


def fit_pareto_nbd(summary: pd.DataFrame) -> ParetoNBDModel:
    """Fit a :class:`ParetoNBDModel` to a calibration summary; the quick form."""
    return ParetoNBDModel().fit(summary)
