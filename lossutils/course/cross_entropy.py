r"""Course helpers of chapter 3, "Cross-entropy from maximum likelihood".

Only what a reader need not study: the seeded blobs of the double-softmax demo and the compute
functions of the chapter's two widgets. The formulas the chapter teaches (softmax, log-sum-exp,
the gradient p - y, MSE through a softmax, entropy, KL, label smoothing) are written in the chapter.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import cross_entropy, cross_entropy_grad, softmax

__all__ = ["blobs", "logit_explorer", "optimal_logit_gap", "label_smoothing_view"]


def blobs(n_per_class: int = 100, *, spread: float = 1.0, seed: int = 0):
    r"""Seeded 2-D points from three Gaussian blobs at the corners of a triangle.

    Returns ``(X, y)``: X of shape (3 n, 2) float32, y of shape (3 n,) int64 class indices.

    >>> X, y = blobs(5)
    >>> X.shape, y.tolist()[:6]
    ((15, 2), [0, 0, 0, 0, 0, 1])
    """
    if isinstance(n_per_class, bool) or int(n_per_class) != n_per_class or n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class!r}")
    if not spread > 0:
        raise ValueError(f"spread must be a positive number, got {spread!r}")
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = np.concatenate([c + spread * rng.normal(size=(int(n_per_class), 2)) for c in centres])
    y = np.repeat(np.arange(3), int(n_per_class))
    return X.astype(np.float32), y.astype(np.int64)


CLASS_NAMES = ["class 0 (true)", "class 1", "class 2"]


def logit_explorer(mse_grad):
    """Widget compute for three logits (class 0 is the true class), given the chapter's gradient of
    MSE through a softmax, ``mse_grad(z, y)``: returns ``f(z0, z1, z2)`` drawing the softmax
    probabilities against the one-hot target and the gradient on each logit under both losses.
    """

    def compute(z0: float = 2.0, z1: float = 1.0, z2: float = 0.0) -> dict:
        from lossutils.widgets import Bars

        z = np.array([z0, z1, z2], dtype=np.float64)
        p, y = softmax(z), np.eye(3)[0]
        g_ce, g_mse = cross_entropy_grad(z, 0), np.asarray(mse_grad(z, 0))
        return {
            "probs": [Bars(CLASS_NAMES, p, label="softmax probability p"),
                      Bars(CLASS_NAMES, y, label="target y (one-hot)")],
            "grad": [Bars(CLASS_NAMES, g_ce, label="cross-entropy: p − y"),
                     Bars(CLASS_NAMES, g_mse, label="MSE on p")],
            "text": (f"p = [{p[0]:.3f}, {p[1]:.3f}, {p[2]:.3f}]   cross-entropy = "
                     f"{float(cross_entropy(z, 0)):.3f}   MSE on p = {np.sum((p - y) ** 2):.3f}   "
                     f"∂CE/∂z₀ = {g_ce[0]:+.3f}   ∂MSE/∂z₀ = {g_mse[0]:+.3f}"),
        }

    return compute


def optimal_logit_gap(eps: float, n_classes: int) -> float:
    r"""The logit gap :math:`z_y - z_{k \ne y} = \ln\frac{1 - \varepsilon + \varepsilon/K}{\varepsilon / K}`
    that minimises label-smoothed cross-entropy (infinite without smoothing).

    >>> round(optimal_logit_gap(0.1, 3), 4)   # ln 28
    3.3322
    >>> optimal_logit_gap(0.0, 3)
    inf
    """
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"eps must be in [0, 1], got {eps!r}")
    if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if eps == 0.0:
        return math.inf
    return math.log((1.0 - eps + eps / n_classes) / (eps / n_classes))


GAPS = np.linspace(0.0, 12.0, 121)


def _smoothed_loss(gaps, k, eps):
    """Label-smoothed cross-entropy of logits [g, 0, ..., 0] against class 0, for each gap g."""
    z = np.zeros((len(gaps), k))
    z[:, 0] = gaps
    return cross_entropy(z, np.zeros(len(gaps), dtype=int), label_smoothing=eps, reduction="none")


def label_smoothing_view(eps: float = 0.1, n_classes: int = 10) -> dict:
    """Widget compute: the smoothed loss against the logit gap, its minimum, and the target it aims at."""
    from lossutils.widgets import Bars, Line, VLine

    k = int(n_classes)
    gap = optimal_logit_gap(eps, k)
    finite_gap = min(gap, 50.0)  # ε = 0: the optimum is at infinity
    target = (1 - eps) * np.eye(k)[0] + eps / k
    p_best = softmax(np.r_[finite_gap, np.zeros(k - 1)])
    gap_text = "∞ (no minimum)" if math.isinf(gap) else f"{gap:.2f}"
    classes = ["true class", "each other class"]
    return {
        "curve": [Line(GAPS, _smoothed_loss(GAPS, k, 0.0), label="no smoothing (ε = 0)", style="dashed"),
                  Line(GAPS, _smoothed_loss(GAPS, k, eps), label="label smoothing"),
                  VLine(min(gap, float(GAPS[-1])), label="best gap")],
        "target": [Bars(classes, target[:2], label="smoothed target ỹ"),
                   Bars(classes, p_best[:2], label="softmax at the best gap")],
        "text": (f"K = {k}, ε = {eps:.3f}: best logit gap = {gap_text}, "
                 f"confidence there = {p_best[0]:.3f}, loss there = "
                 f"{float(_smoothed_loss([finite_gap], k, eps)[0]):.4f}"),
    }
