r"""Data, compute and widget helpers of chapter 2, "Regression losses".

Pure numpy: numbers in, numbers (or widget plot primitives) out. Nothing here imports torch or
matplotlib at module level; the widget primitives are imported inside the widget compute
functions, so the numeric helpers work without :mod:`lossutils.widgets`.

What is here:

- the Laplace and fixed-variance Gaussian negative log-likelihoods (:func:`laplace_nll`,
  :func:`gaussian_fixed_var_nll`): MAE and MSE rescaled plus a constant, the chapter's
  probabilistic view (not losses one trains with, so they live here, not in
  :mod:`lossutils.regression`);
- :func:`loss_gallery`: every regression loss and its gradient on a grid of residuals;
- :func:`constant_fit`: the best constant prediction under MSE, MAE and pinball, by brute force;
- line fits under MSE (:func:`fit_line_mse`), MAE (:func:`fit_line_mae`, exact) and Huber
  (:func:`fit_line_huber`, IRLS), on the seeded data of :func:`outlier_line_data`;
- widget compute functions: :func:`outlier_fit` (outlier size and δ against the fitted lines),
  :func:`threshold_curves` (Huber δ against Smooth L1 β) and :func:`quantile_fit` (pinball q);
- seeded data for the extension: :func:`heteroscedastic_data`, :func:`count_data`.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import (
    huber_loss, huber_loss_grad, l1_loss, l1_loss_grad, log_cosh_loss, log_cosh_loss_grad,
    mse_loss, mse_loss_grad, quantile_loss, quantile_loss_grad, smooth_l1_loss,
    smooth_l1_loss_grad,
)
from lossutils._reduction import reduce
from lossutils._validation import (
    as_float_array, check_not_empty, check_open_unit, check_positive, check_same_shape,
)
from lossutils._demo_compat import _abs_error, _pair, _squared_error

__all__ = [
    "laplace_nll", "gaussian_fixed_var_nll",
    "LOSS_NAMES", "loss_gallery", "kink_report",
    "skewed_sample", "constant_fit",
    "outlier_line_data", "fit_line_mse", "fit_line_mae", "fit_line_huber", "line_fits",
    "OUTLIER_SIZES", "DELTAS", "outlier_fit", "closest_huber_delta",
    "THRESHOLDS", "threshold_curves", "QUANTILES", "quantile_fit",
    "heteroscedastic_data", "count_data",
]


# --------------------------------------------------------------------------------------------
# Likelihood views of MSE and MAE (chapter illustrations: each is a rescaled loss plus a constant)
# --------------------------------------------------------------------------------------------

def laplace_nll(pred, target, *, b=1.0, reduction="mean"):
    r"""Negative log-likelihood of ``target`` under a Laplace distribution centred at ``pred``.

    .. math::
        \ell(\hat y, y) = \frac{|\hat y - y|}{b} + \log(2b)

    Equal to ``-torch.distributions.Laplace(pred, b).log_prob(target)``: MAE divided by the
    scale ``b``, plus a constant.

    >>> round(float(laplace_nll([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])), 6)
    1.193147
    """
    b = check_positive(b, "b")
    p, t = _pair(pred, target, reduction)
    return reduce(_abs_error(p, t) / b + math.log(2.0 * b), reduction)


def gaussian_fixed_var_nll(pred, target, *, sigma=1.0, reduction="mean"):
    r"""Full negative log-likelihood of ``target`` under :math:`\mathcal N(\hat y, \sigma^2)`.

    .. math::
        \ell(\hat y, y) = \frac{(\hat y - y)^2}{2\sigma^2} + \log\sigma + \tfrac12\log 2\pi

    Equal to ``-torch.distributions.Normal(pred, sigma).log_prob(target)``: MSE divided by
    :math:`2\sigma^2`, plus a constant.

    >>> round(float(gaussian_fixed_var_nll([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])), 6)
    1.106439
    """
    sigma = check_positive(sigma, "sigma")
    p, t = _pair(pred, target, reduction)
    const = math.log(sigma) + 0.5 * math.log(2.0 * math.pi)
    return reduce(_squared_error(p, t) / (2.0 * sigma**2) + const, reduction)


# --------------------------------------------------------------------------------------------
# Loss curves
# --------------------------------------------------------------------------------------------

LOSS_NAMES = ("MSE", "MAE", "Huber", "Smooth L1", "log-cosh", "pinball")


def loss_gallery(r, *, delta=1.0, beta=1.0, q=0.5) -> dict:
    r"""Every regression loss and its gradient as functions of the residual :math:`r = \hat y - y`.

    Returns ``{name: (loss, grad)}`` for the names in :data:`LOSS_NAMES`, evaluated element-wise
    (``pred = r``, ``target = 0``) with ``lossutils``; the gradient is w.r.t. the prediction.

    >>> g = loss_gallery([-2.0, 0.5], delta=1.0)
    >>> g["Huber"][0].tolist(), g["Huber"][1].tolist()
    ([1.5, 0.125], [-1.0, 0.5])
    """
    r = as_float_array(r, "r")
    z = np.zeros_like(r)
    kw = {"reduction": "none"}
    return {
        "MSE": (mse_loss(r, z, **kw), mse_loss_grad(r, z, **kw)),
        "MAE": (l1_loss(r, z, **kw), l1_loss_grad(r, z, **kw)),
        "Huber": (huber_loss(r, z, delta=delta, **kw), huber_loss_grad(r, z, delta=delta, **kw)),
        "Smooth L1": (smooth_l1_loss(r, z, beta=beta, **kw),
                      smooth_l1_loss_grad(r, z, beta=beta, **kw)),
        "log-cosh": (log_cosh_loss(r, z, **kw), log_cosh_loss_grad(r, z, **kw)),
        "pinball": (quantile_loss(r, z, q=q, **kw), quantile_loss_grad(r, z, q=q, **kw)),
    }


def kink_report(*, delta=1.0, beta=1.0, q=0.5, h=1e-6) -> list[tuple[str, float, float, float]]:
    r"""Where each loss is not smooth, measured by finite differences.

    For each loss returns ``(name, where, jump_in_grad, jump_in_curvature)``: the residual of its
    worst point (0, δ or β), the jump of the first derivative across it (non-zero: a kink, the
    loss is not differentiable there) and the jump of the second derivative (non-zero: the
    gradient itself has a corner). Losses smooth everywhere report zeros at ``where = 0``.
    """
    points = {"MSE": 0.0, "MAE": 0.0, "Huber": delta, "Smooth L1": beta, "log-cosh": 0.0,
              "pinball": 0.0}
    rows = []
    for name, x0 in points.items():
        xs = np.array([x0 - 2 * h, x0 - h, x0 + h, x0 + 2 * h])
        _, g = loss_gallery(xs, delta=delta, beta=beta, q=q)[name]
        jump_g = float(g[2] - g[1])
        curv_left = (g[1] - g[0]) / h
        curv_right = (g[3] - g[2]) / h
        rows.append((name, x0, jump_g, float(curv_right - curv_left)))
    return rows


# --------------------------------------------------------------------------------------------
# The best constant prediction
# --------------------------------------------------------------------------------------------

def skewed_sample(n: int = 101, seed: int = 0) -> np.ndarray:
    """A right-skewed sample (log-normal waiting times, minutes) whose mean, median and upper
    quantiles are far apart."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return np.exp(np.random.default_rng(seed).normal(1.5, 0.6, size=n))


def constant_fit(y, cs, *, q=0.9) -> dict:
    r"""Mean MSE, MAE and pinball(q) of the constant prediction ``c`` for each ``c`` in ``cs``.

    Returns the three curves and, for each, the grid point that minimises it (``argmin``), beside
    the statistic theory predicts: mean, median and q-quantile (``np.quantile(y, q,
    method="inverted_cdf")``, the order statistic that minimises the pinball loss exactly).
    """
    y = as_float_array(y, "y").ravel()
    check_not_empty(y, "y")
    cs = as_float_array(cs, "cs").ravel()
    check_not_empty(cs, "cs")
    q = check_open_unit(q, "q")
    P = np.broadcast_to(cs[:, None], (cs.size, y.size))
    T = np.broadcast_to(y[None, :], P.shape)
    curves = {
        "MSE": mse_loss(P, T, reduction="none").mean(axis=1),
        "MAE": l1_loss(P, T, reduction="none").mean(axis=1),
        "pinball": quantile_loss(P, T, q=q, reduction="none").mean(axis=1),
    }
    theory = {"MSE": float(y.mean()), "MAE": float(np.median(y)),
              "pinball": float(np.quantile(y, q, method="inverted_cdf"))}
    argmin = {k: float(cs[np.argmin(v)]) for k, v in curves.items()}
    return {"cs": cs, "curves": curves, "argmin": argmin, "theory": theory}


# --------------------------------------------------------------------------------------------
# Fitting a line under MSE, MAE and Huber
# --------------------------------------------------------------------------------------------

TRUE_INTERCEPT, TRUE_SLOPE, NOISE = 1.0, 0.5, 0.5
_RNG = np.random.default_rng(2)
_X = np.sort(_RNG.uniform(0.0, 10.0, size=20))
_Y = TRUE_INTERCEPT + TRUE_SLOPE * _X + _RNG.normal(0.0, NOISE, size=20)
_OUTLIERS = np.array([15, 17, 19])  # three points on the right: high leverage


def outlier_line_data(outlier: float = 10.0):
    r"""Twenty seeded points near the line :math:`y = 1 + 0.5x` (noise sd 0.5), of which three on
    the right are pushed up by ``outlier``.

    Returns ``(x, y, is_outlier)``; the same ``x`` and noise for every ``outlier``.
    """
    outlier = float(outlier)
    if not np.isfinite(outlier):
        raise ValueError(f"outlier must be a finite number, got {outlier!r}")
    y = _Y.copy()
    y[_OUTLIERS] += outlier
    mask = np.zeros(_X.size, dtype=bool)
    mask[_OUTLIERS] = True
    return _X.copy(), y, mask


def _xy(x, y):
    x = as_float_array(x, "x").ravel()
    y = as_float_array(y, "y").ravel()
    check_same_shape(x, y, "x", "y")
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError("a line needs at least two points with different x")
    return x, y


def fit_line_mse(x, y) -> tuple[float, float]:
    """``(intercept, slope)`` minimising the mean squared error: least squares in closed form."""
    x, y = _xy(x, y)
    A = np.column_stack([np.ones_like(x), x])
    a, b = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(a), float(b)


def fit_line_mae(x, y) -> tuple[float, float]:
    """``(intercept, slope)`` minimising the mean absolute error, exactly.

    The L1 objective is convex and piecewise linear in (a, b), so a minimum sits at a vertex:
    a line through two data points. With a few dozen points, trying all pairs is cheap and exact
    (no step size, no iterations). Ties are broken by the first pair found.
    """
    x, y = _xy(x, y)
    i, j = np.triu_indices(x.size, 1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    b = (y[j] - y[i]) / (x[j] - x[i])
    a = y[i] - b * x[i]
    obj = np.abs(a[:, None] + b[:, None] * x[None, :] - y[None, :]).sum(axis=1)
    k = int(np.argmin(obj))
    return float(a[k]), float(b[k])


def fit_line_huber(x, y, *, delta: float = 1.0, tol: float = 1e-12, max_iter: int = 500):
    r"""``(intercept, slope)`` minimising the mean Huber loss, by iteratively reweighted least squares.

    Each step solves a weighted least-squares problem with weights
    :math:`w_i = \min(1, \delta/|r_i|)`: points inside the quadratic zone count fully, points in
    the linear tails are down-weighted in proportion to how far out they are. Each step never
    increases the Huber loss (it minimises a quadratic upper bound), and it stops when the
    coefficients move less than ``tol``. Started at the exact MAE line.
    """
    delta = check_positive(delta, "delta")
    x, y = _xy(x, y)
    A = np.column_stack([np.ones_like(x), x])
    theta = np.array(fit_line_mae(x, y))
    for _ in range(max_iter):
        r = np.abs(A @ theta - y)
        w = np.where(r <= delta, 1.0, delta / np.maximum(r, 1e-300))
        new = np.linalg.solve(A.T @ (w[:, None] * A), A.T @ (w * y))
        done = np.max(np.abs(new - theta)) < tol * max(1.0, np.max(np.abs(new)))
        theta = new
        if done:
            break
    return float(theta[0]), float(theta[1])


def line_fits(x, y, *, delta: float = 1.0) -> dict:
    """``{"MSE": (a, b), "Huber": (a, b), "MAE": (a, b)}`` for the same data."""
    return {"MSE": fit_line_mse(x, y), "Huber": fit_line_huber(x, y, delta=delta),
            "MAE": fit_line_mae(x, y)}


OUTLIER_SIZES = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
DELTAS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


def outlier_fit(outlier: float = 10.0, delta: float = 1.0) -> dict:
    """Widget compute: the data of :func:`outlier_line_data` and the lines fitted under MSE,
    Huber(δ) and MAE, plus a bar chart of the fitted slopes against the true one."""
    from lossutils.widgets import Bars, Line, Points

    x, y, mask = outlier_line_data(outlier)
    fits = line_fits(x, y, delta=delta)
    xs = np.array([0.0, 10.0])
    slopes = [TRUE_SLOPE] + [fits[k][1] for k in ("MSE", "Huber", "MAE")]
    return {
        "fit": [
            Points(x[~mask], y[~mask], label="data", color="grey"),
            Points(x[mask], y[mask], label="outliers", color="vermillion"),
            Line(xs, TRUE_INTERCEPT + TRUE_SLOPE * xs, label="true line", color="black", style="dotted"),
            Line(xs, fits["MSE"][0] + fits["MSE"][1] * xs, label="MSE fit", color="blue"),
            Line(xs, fits["Huber"][0] + fits["Huber"][1] * xs, label="Huber fit", color="orange", style="dashed"),
            Line(xs, fits["MAE"][0] + fits["MAE"][1] * xs, label="MAE fit", color="green"),
        ],
        "slopes": [Bars(["true", "MSE", "Huber", "MAE"], slopes, label="fitted slope")],
        "text": (f"slope: true {TRUE_SLOPE:.3f} | MSE {fits['MSE'][1]:.3f} | "
                 f"Huber(δ={delta:g}) {fits['Huber'][1]:.3f} | MAE {fits['MAE'][1]:.3f}"),
    }


def closest_huber_delta(outlier: float, *, tol: float = 0.1) -> float:
    """The largest δ in :data:`DELTAS` whose Huber slope is within ``tol`` of the true slope."""
    x, y, _ = outlier_line_data(outlier)
    good = [d for d in DELTAS if abs(fit_line_huber(x, y, delta=d)[1] - TRUE_SLOPE) <= tol]
    if not good:
        raise ValueError(f"no δ in {DELTAS} gets within {tol} of the true slope")
    return max(good)


# --------------------------------------------------------------------------------------------
# Widget: Huber δ against Smooth L1 β
# --------------------------------------------------------------------------------------------

THRESHOLDS = tuple(0.25 * k for k in range(1, 13))  # 0.25 .. 3.0
_R = np.linspace(-4.0, 4.0, 161)


def threshold_curves(threshold: float = 1.0) -> dict:
    """Widget compute: Huber with δ = ``threshold`` and Smooth L1 with β = ``threshold`` beside
    MAE and ½r², loss and gradient. Shows that Huber = β · Smooth L1: same shape, Huber's tails
    have slope δ while Smooth L1's always have slope 1."""
    from lossutils.widgets import Line

    t = check_positive(threshold, "threshold")
    g = loss_gallery(_R, delta=t, beta=t)
    half_sq = 0.5 * _R**2
    gap = float(np.max(np.abs(g["Huber"][0] - t * g["Smooth L1"][0])))
    return {
        "loss": [Line(_R, half_sq, label="½ r²", color="grey", style="dotted"),
                 Line(_R, g["MAE"][0], label="MAE |r|", color="black", style="dotted"),
                 Line(_R, g["Huber"][0], label="Huber (δ)", color="green"),
                 Line(_R, g["Smooth L1"][0], label="Smooth L1 (β)", color="vermillion", style="dashed")],
        "grad": [Line(_R, _R, label="½ r²", color="grey", style="dotted"),
                 Line(_R, g["MAE"][1], label="MAE |r|", color="black", style="dotted"),
                 Line(_R, g["Huber"][1], label="Huber (δ)", color="green"),
                 Line(_R, g["Smooth L1"][1], label="Smooth L1 (β)", color="vermillion", style="dashed")],
        "text": (f"δ = β = {t:g}: Huber tail slope {t:g}, Smooth L1 tail slope 1; "
                 f"max |Huber − β·SmoothL1| = {gap:.1e}"),
    }


# --------------------------------------------------------------------------------------------
# Widget: pinball loss and the q-quantile
# --------------------------------------------------------------------------------------------

QUANTILES = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2))
_SAMPLE = skewed_sample()
_CS = np.linspace(0.0, 20.0, 401)


def quantile_fit(q: float = 0.5) -> dict:
    """Widget compute: the pinball loss and its gradient for ``q`` (left), and the mean pinball
    loss of a constant prediction on a skewed sample (right), whose minimum sits at the sample's
    q-quantile."""
    from lossutils.widgets import Line, VLine

    q = check_open_unit(q, "q")
    loss, grad = loss_gallery(_R, q=q)["pinball"]
    fit = constant_fit(_SAMPLE, _CS, q=q)
    return {
        "curve": [Line(_R, loss, label="pinball loss"),
                  Line(_R, grad, label="gradient", style="dashed")],
        "fit": [Line(_CS, fit["curves"]["pinball"], label="mean pinball loss of constant c"),
                VLine(fit["argmin"]["pinball"], label="minimiser (grid)"),
                VLine(fit["theory"]["pinball"], label="q-quantile of the data", style="dashed")],
        "text": (f"q = {q:.2f}: best constant {fit['argmin']['pinball']:.2f} min, "
                 f"q-quantile {fit['theory']['pinball']:.2f} min; under-prediction costs "
                 f"{q:.2f}/min, over-prediction {1 - q:.2f}/min"),
    }


# --------------------------------------------------------------------------------------------
# Extension data
# --------------------------------------------------------------------------------------------

def heteroscedastic_data(n: int = 200, seed: int = 0):
    r"""``(x, y)``: :math:`y = 2x + \varepsilon` with noise sd :math:`0.1 e^{1.5x}` growing in
    :math:`x \in [0, 2]` (the noise level is part of what a model should predict)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 2.0, size=n))
    return x, 2.0 * x + 0.1 * np.exp(1.5 * x) * rng.normal(size=n)


def count_data(n: int = 200, seed: int = 0):
    r"""``(x, y)``: counts :math:`y \sim \mathrm{Poisson}(e^{0.5 + 0.8x})` for :math:`x \in [0, 3]`
    (events per hour against a covariate)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 3.0, size=n))
    return x, rng.poisson(np.exp(0.5 + 0.8 * x)).astype(np.float64)
