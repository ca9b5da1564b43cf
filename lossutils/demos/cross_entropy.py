r"""Data, compute and widget helpers of chapter 3, "Cross-entropy from maximum likelihood".

Pure numpy: numbers in, numbers (or widget plot primitives) out. Nothing here imports torch or
matplotlib at module level; the widget primitives are imported inside the widget compute
functions, so the numeric helpers work without :mod:`lossutils.widgets`.

What is here:

- :func:`entropy`: the Shannon entropy of a distribution (for CE = entropy + KL);
- :func:`mse_through_softmax` and :func:`mse_through_softmax_grad`: the squared error of the
  softmax probabilities against the one-hot target, and its gradient w.r.t. the logits;
- :func:`wrong_confidence_ratios`: loss and gradient ratios of two wrong predictions;
- :func:`random_prediction_cost`: the average cross-entropy of random probability vectors;
- label smoothing: :func:`smoothed_target`, :func:`optimal_logit_gap`, :func:`loss_vs_logit_gap`;
- :data:`SCENARIOS` and :func:`slip_candidates`: the three confidence scenarios of the chapter
  and the cross-entropy under some plausible slips (to test where a wrong table came from);
- :func:`blobs`: seeded 2-D data with three classes for the double-softmax training demo;
- widget compute functions: :func:`logit_explorer` (logits -> probabilities -> loss ->
  gradient) and :func:`label_smoothing_view` (the loss against the logit gap, with smoothing).
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import cross_entropy, cross_entropy_grad, softmax
from lossutils._validation import (
    as_float_array, as_index_array, check_closed_unit, check_ndim, check_open_unit,
    check_probabilities,
)

__all__ = [
    "entropy", "mse_through_softmax", "mse_through_softmax_grad", "wrong_confidence_ratios",
    "random_prediction_cost", "smoothed_target", "optimal_logit_gap", "loss_vs_logit_gap",
    "SCENARIOS", "slip_candidates", "blobs",
    "EXPLORER_LOGITS", "logit_explorer", "SMOOTHING_EPS", "SMOOTHING_K", "GAPS",
    "label_smoothing_view",
]


# --------------------------------------------------------------------------------------------
# Information quantities
# --------------------------------------------------------------------------------------------

def entropy(probs, *, axis=-1):
    r"""Shannon entropy in nats, :math:`H(p) = -\sum_k p_k \log p_k` (with :math:`0 \log 0 = 0`).

    Same as ``torch.distributions.Categorical(probs=p).entropy()`` for rows that sum to 1.

    >>> round(float(entropy([0.5, 0.5])), 6)   # ln 2
    0.693147
    >>> float(entropy([1.0, 0.0, 0.0]))          # a one-hot label carries no uncertainty
    0.0
    """
    p = as_float_array(probs, "probs")
    check_probabilities(p, "probs")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)  # 0 log 0 = 0 (the limit)
    terms = np.where(np.isnan(p), np.nan, terms)  # NaN propagates
    return np.asarray(terms.sum(axis=axis), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# MSE on softmax probabilities (why classification does not use it)
# --------------------------------------------------------------------------------------------

def _one_hot_rows(logits, target):
    z = as_float_array(logits, "logits")
    check_ndim(z, (1, 2), "logits", "(N, C), or (C,) for one sample")
    unbatched = z.ndim == 1
    z2 = z[None, :] if unbatched else z
    n, c = z2.shape
    y = as_index_array(target, "target").reshape(-1)
    if y.shape != (n,):
        raise ValueError(f"target has shape {np.shape(target)} but logits hold {n} sample(s); "
                         f"pass one class index per sample")
    if np.any((y < 0) | (y >= c)):
        bad = int(y[(y < 0) | (y >= c)][0])
        raise ValueError(f"target holds class index {bad}, but there are {c} classes; "
                         f"class indices must be in [0, {c - 1}]")
    return z2, np.eye(c)[y], unbatched


def mse_through_softmax(logits, target):
    r"""Squared error between softmax probabilities and the one-hot target, summed over classes.

    .. math::
        \ell(z, y) = \sum_j (p_j - y_j)^2, \qquad p = \operatorname{softmax}(z)

    (the multi-class Brier score). Returns one value per sample (a 0-d array for one sample).

    >>> round(float(mse_through_softmax([2.0, 1.0, 0.1], 0)), 4)
    0.1848
    """
    z, y, unbatched = _one_hot_rows(logits, target)
    per = ((softmax(z, axis=1) - y) ** 2).sum(axis=1)
    return np.asarray(per[0]) if unbatched else per


def mse_through_softmax_grad(logits, target):
    r"""Gradient of :func:`mse_through_softmax` with respect to the logits.

    .. math::
        \frac{\partial \ell}{\partial z_i} = 2 p_i \Big[(p_i - y_i) - \sum_j p_j (p_j - y_j)\Big]

    from the chain rule with the softmax Jacobian :math:`\partial p_j / \partial z_i =
    p_j(\delta_{ij} - p_i)`. Every term carries a factor :math:`p_i`, so a class the model has
    all but ruled out gets almost no push, even if it is the true class.

    >>> mse_through_softmax_grad([2.0, 1.0, 0.1], 0).round(4).tolist()
    [-0.2435, 0.1933, 0.0502]
    """
    z, y, unbatched = _one_hot_rows(logits, target)
    p = softmax(z, axis=1)
    r = p - y
    g = 2.0 * p * (r - (p * r).sum(axis=1, keepdims=True))
    return g[0] if unbatched else g


# --------------------------------------------------------------------------------------------
# Penalty against confidence
# --------------------------------------------------------------------------------------------

def wrong_confidence_ratios(p_wrong_high=0.99, p_wrong_low=0.6):
    r"""How much more a very confident wrong prediction costs than a mildly wrong one (2 classes).

    With two classes, putting probability :math:`q` on the wrong class leaves :math:`p = 1 - q`
    on the true one. Returns a dict with the two losses :math:`-\ln p`, their ratio, the ratio
    of the gradients with respect to :math:`p` (:math:`-1/p`) and the ratio of the gradients
    with respect to the true class's logit (:math:`p - 1`).

    >>> r = wrong_confidence_ratios(0.99, 0.6)
    >>> round(r["loss_ratio"], 2), round(r["grad_p_ratio"], 1), round(r["grad_logit_ratio"], 2)
    (5.03, 40.0, 1.65)
    """
    hi = check_open_unit(p_wrong_high, "p_wrong_high")
    lo = check_open_unit(p_wrong_low, "p_wrong_low")
    p_hi, p_lo = 1.0 - hi, 1.0 - lo  # probability left on the true class
    loss_hi, loss_lo = -math.log(p_hi), -math.log(p_lo)
    return {
        "loss_high": loss_hi, "loss_low": loss_lo, "loss_ratio": loss_hi / loss_lo,
        "grad_p_high": -1.0 / p_hi, "grad_p_low": -1.0 / p_lo, "grad_p_ratio": p_lo / p_hi,
        "grad_logit_high": p_hi - 1.0, "grad_logit_low": p_lo - 1.0,
        "grad_logit_ratio": (p_hi - 1.0) / (p_lo - 1.0),
    }


# --------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------

def random_prediction_cost(n_classes, n_samples, rng, *, kind="dirichlet"):
    r"""Per-sample cross-entropy of random predictions (the true class is class 0, by symmetry).

    ``kind="dirichlet"``: probability vectors drawn uniformly from the simplex (Dirichlet(1, ..., 1)),
    whose expected loss is the harmonic number :math:`H_{K-1} = 1 + 1/2 + \dots + 1/(K-1)`
    (:math:`p_y` is Beta(1, K - 1) distributed);
    ``kind="logits"``: softmax of standard normal logits. Either way the average exceeds the
    uniform prediction's :math:`\ln K` (Jensen's inequality: :math:`E[-\ln p_y] \ge -\ln E[p_y]
    = \ln K`).

    >>> costs = random_prediction_cost(2, 20000, np.random.default_rng(0))
    >>> bool(abs(costs.mean() - 1.0) < 0.03)   # H_1 = 1, above ln 2 = 0.693
    True
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if kind == "dirichlet":
        p = rng.dirichlet(np.ones(n_classes), size=n_samples)
        with np.errstate(divide="ignore"):
            return -np.log(p[:, 0])
    if kind == "logits":
        z = rng.normal(size=(n_samples, n_classes))
        return cross_entropy(z, np.zeros(n_samples, dtype=int), reduction="none")
    raise ValueError(f"kind must be 'dirichlet' or 'logits', got {kind!r}")


# --------------------------------------------------------------------------------------------
# Label smoothing
# --------------------------------------------------------------------------------------------

def smoothed_target(target, n_classes, eps):
    r"""The label-smoothed target :math:`\tilde y = (1 - \varepsilon)\,\text{onehot}(y) + \varepsilon / K`.

    >>> smoothed_target(0, 3, 0.3).round(3).tolist()
    [0.8, 0.1, 0.1]
    """
    eps = check_closed_unit(eps, "eps")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    y = as_index_array(target, "target")
    if np.any((y < 0) | (y >= n_classes)):
        raise ValueError(f"target must hold class indices in [0, {n_classes - 1}], got {target!r}")
    return (1.0 - eps) * np.eye(n_classes)[y] + eps / n_classes


def optimal_logit_gap(eps, n_classes):
    r"""The logit gap :math:`z_y - z_{k \ne y}` that minimises label-smoothed cross-entropy.

    The loss is minimal where softmax(z) equals the smoothed target, so
    :math:`z_y - z_k = \ln\frac{1 - \varepsilon + \varepsilon/K}{\varepsilon / K}`: finite for
    every :math:`\varepsilon > 0`, infinite without smoothing.

    >>> round(optimal_logit_gap(0.1, 3), 4)   # ln 28
    3.3322
    >>> optimal_logit_gap(0.0, 3)
    inf
    """
    eps = check_closed_unit(eps, "eps")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if eps == 0.0:
        return math.inf
    return math.log((1.0 - eps + eps / n_classes) / (eps / n_classes))


def loss_vs_logit_gap(gaps, n_classes, eps):
    r"""Label-smoothed cross-entropy of logits :math:`[g, 0, \dots, 0]` against class 0, for each gap g.

    >>> loss_vs_logit_gap([0.0], 3, 0.1).round(4).tolist()   # uniform prediction: ln 3
    [1.0986]
    """
    g = as_float_array(gaps, "gaps").reshape(-1)
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    z = np.zeros((g.size, n_classes))
    z[:, 0] = g
    return cross_entropy(z, np.zeros(g.size, dtype=int), label_smoothing=eps, reduction="none")


# --------------------------------------------------------------------------------------------
# The three confidence scenarios and the wrong table
# --------------------------------------------------------------------------------------------

SCENARIOS = {
    "confident and right": [5.0, 0.5, 0.5],
    "unsure": [1.2, 1.0, 0.8],
    "confident and wrong": [0.5, 0.5, 5.0],
}
"""Logits of the three confidence scenarios of the chapter; the true class is 0 in each."""


def slip_candidates(logits, target=0):
    r"""The cross-entropy of one sample computed right and with some plausible slips.

    Returns a dict name -> value: ``"correct"`` (natural log of the softmax), ``"log base 2"``,
    ``"log base 10"``, ``"one-vs-rest BCE (summed)"`` (binary cross-entropy on every class),
    ``"logits normalised by their sum"`` (no exponential), ``"softmax applied twice"`` and
    ``"probabilities rounded to 2 decimals"``.

    >>> round(slip_candidates([2.0, 1.0, 0.1])["correct"], 4)
    0.417
    """
    z = as_float_array(logits, "logits")
    check_ndim(z, 1, "logits", "(C,): one sample")
    y = int(as_index_array(target, "target"))
    if not 0 <= y < z.size:
        raise ValueError(f"target must be a class index in [0, {z.size - 1}], got {target!r}")
    p = softmax(z)
    rest = np.delete(p, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = z / z.sum()
        return {
            "correct": float(-np.log(p[y])),
            "log base 2": float(-np.log2(p[y])),
            "log base 10": float(-np.log10(p[y])),
            "one-vs-rest BCE (summed)": float(-np.log(p[y]) - np.log1p(-rest).sum()),
            "logits normalised by their sum": float(-np.log(normalised[y])),
            "softmax applied twice": float(-np.log(softmax(p)[y])),
            "probabilities rounded to 2 decimals": float(-np.log(np.round(p[y], 2))),
        }


# --------------------------------------------------------------------------------------------
# Data for the double-softmax training demo
# --------------------------------------------------------------------------------------------

def blobs(n_per_class=100, *, spread=1.0, seed=0):
    r"""Seeded 2-D points from three Gaussian blobs at the corners of a triangle.

    Returns ``(X, y)``: X of shape (3 n, 2) float32, y of shape (3 n,) int64 class indices.

    >>> X, y = blobs(5)
    >>> X.shape, y.tolist()[:6]
    ((15, 2), [0, 0, 0, 0, 0, 1])
    """
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class!r}")
    if not (isinstance(spread, (int, float)) and spread > 0):
        raise ValueError(f"spread must be a positive number, got {spread!r}")
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = np.concatenate([c + spread * rng.normal(size=(n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X.astype(np.float32), y.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Widget compute functions
# --------------------------------------------------------------------------------------------

EXPLORER_LOGITS = np.arange(-4.0, 4.0 + 1e-9, 1.0)  # 9 values per slider: 9**3 = 729 frames
CLASS_NAMES = ["class 0 (true)", "class 1", "class 2"]


def logit_explorer(z0, z1, z2):
    """Widget compute: three logits (class 0 is the true class) -> probabilities, loss, gradients.

    Panels: ``"probs"`` (softmax probabilities and the one-hot target), ``"grad"`` (the
    cross-entropy gradient p - y and, for comparison, the gradient of MSE on the probabilities);
    ``"text"`` is a readout of both losses.
    """
    from lossutils.widgets import Bars

    z = np.array([z0, z1, z2], dtype=np.float64)
    p = softmax(z)
    y = np.eye(3)[0]
    ce = float(cross_entropy(z, 0))
    g_ce = cross_entropy_grad(z, 0)
    g_mse = mse_through_softmax_grad(z, 0)
    return {
        "probs": [Bars(CLASS_NAMES, p, label="softmax probability p"),
                  Bars(CLASS_NAMES, y, label="target y (one-hot)")],
        "grad": [Bars(CLASS_NAMES, g_ce, label="cross-entropy: p − y"),
                 Bars(CLASS_NAMES, g_mse, label="MSE on p")],
        "text": (f"p = [{p[0]:.3f}, {p[1]:.3f}, {p[2]:.3f}]   cross-entropy = {ce:.3f}   "
                 f"MSE on p = {float(mse_through_softmax(z, 0)):.3f}   "
                 f"∂CE/∂z₀ = {g_ce[0]:+.3f}   ∂MSE/∂z₀ = {g_mse[0]:+.3f}"),
    }


SMOOTHING_EPS = np.round(np.arange(0.0, 0.30 + 1e-9, 0.025), 3)  # 13 values
SMOOTHING_K = (2, 3, 10, 100)
GAPS = np.linspace(0.0, 12.0, 121)


def label_smoothing_view(eps, n_classes):
    """Widget compute: the smoothed loss against the logit gap, its minimum, and the target it aims at."""
    from lossutils.widgets import Bars, Line, VLine

    k = int(n_classes)
    plain = loss_vs_logit_gap(GAPS, k, 0.0)
    smooth = loss_vs_logit_gap(GAPS, k, eps)
    gap = optimal_logit_gap(eps, k)
    shown_gap = min(gap, float(GAPS[-1]))  # ε = 0: the optimum is at infinity, pin it to the edge
    target = smoothed_target(0, k, eps)
    p_best = softmax(np.r_[min(gap, 50.0), np.zeros(k - 1)])
    gap_text = "∞ (no minimum)" if math.isinf(gap) else f"{gap:.2f}"
    return {
        "curve": [Line(GAPS, plain, label="no smoothing (ε = 0)", style="dashed"),
                  Line(GAPS, smooth, label="label smoothing"),
                  VLine(shown_gap, label="best gap")],
        "target": [Bars(["true class", "each other class"], [target[0], target[1]],
                        label="smoothed target ỹ"),
                   Bars(["true class", "each other class"], [p_best[0], p_best[1]],
                        label="softmax at the best gap")],
        "text": (f"K = {k}, ε = {eps:.3f}: best logit gap = {gap_text}, "
                 f"confidence there = {p_best[0]:.3f}, loss there = "
                 f"{float(loss_vs_logit_gap([min(gap, 50.0)], k, eps)[0]):.4f}"),
    }
