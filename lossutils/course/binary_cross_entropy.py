r"""Course helpers of chapter 4, "Binary cross-entropy".

Only what a reader need not study: seeded synthetic data (:func:`trap_data`, :func:`separable_data`,
:func:`calibration_data`; the fraud data are :func:`lossutils.course.data.fraud_data`) and the compute
functions of the chapter's three widgets. The formulas, the Newton fit and the metrics the chapter
teaches are written in the chapter.
"""

from __future__ import annotations

import numpy as np

from lossutils import (
    binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, sigmoid, sigmoid_focal_loss,
)

__all__ = [
    "trap_data", "TRAP_WEIGHTS", "separable_data", "calibration_data", "CALIBRATION_WEIGHTS",
    "CALIBRATION_BIAS", "bce_vs_mse", "ALPHAS", "focal_curves",
    "threshold_view",
]

# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

TRAP_WEIGHTS = np.array([2.0, -1.0])


def trap_data(n: int = 200, seed: int = 0):
    r"""``(X, y)``: 2-D features :math:`x \sim \mathcal N(0, I)` and labels
    :math:`y = [x \cdot (2, -1) + 0.5\,\varepsilon > 0]` (a noisy linear rule).

    >>> X, y = trap_data()
    >>> X.shape, sorted(set(y.tolist()))
    ((200, 2), [0.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ TRAP_WEIGHTS + 0.5 * rng.normal(size=n) > 0).astype(np.float64)
    return X, y


def separable_data(n: int = 40, gap: float = 0.5, seed: int = 0):
    r"""``(X, y)``: 2-D points with :math:`|x_1 + x_2| > \text{gap}`, labelled by the sign of
    :math:`x_1 + x_2`: linearly separable with a margin (points in the gap are dropped, so
    fewer than ``n`` remain).

    >>> X, y = separable_data()
    >>> bool(np.all((X.sum(axis=1) > 0) == (y == 1)))
    True
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    s = X.sum(axis=1)
    keep = np.abs(s) > gap
    return X[keep], (s[keep] > 0).astype(np.float64)


CALIBRATION_WEIGHTS = np.array([1.5, -1.0])
CALIBRATION_BIAS = -1.0


def calibration_data(n: int = 20_000, seed: int = 0):
    r"""``(X, y)``: :math:`x \sim \mathcal N(0, I_2)`, :math:`y \sim \text{Bernoulli}(\sigma(1.5 x_1
    - x_2 - 1))`: labels drawn from a true logistic model, so true probabilities exist.

    >>> X, y = calibration_data(1000)
    >>> X.shape, bool(0.2 < y.mean() < 0.5)
    ((1000, 2), True)
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    p = sigmoid(X @ CALIBRATION_WEIGHTS + CALIBRATION_BIAS)
    return X, (rng.random(n) < p).astype(np.float64)


# --------------------------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------------------------

LOGITS = np.linspace(-8.0, 8.0, 161)


def bce_vs_mse(mse_grad):
    """Widget compute, given the chapter's ``mse_grad(z, y)`` (the gradient of (σ(z) - y)² w.r.t. z):
    returns ``f(z, y)`` drawing BCE and MSE through a sigmoid against the logit for label ``y``
    (panel "loss") and their gradients (panel "grad"), with the reader's logit marked."""

    def compute(z: float = -6.0, y: float = 1.0) -> dict:
        from lossutils.widgets import Line, VLine

        ys = np.full_like(LOGITS, y)
        g_bce, g_mse = float(binary_cross_entropy_with_logits_grad(z, y)), float(mse_grad(z, y))
        bce = float(binary_cross_entropy_with_logits(z, y))
        ratio = f"{abs(g_bce / g_mse):.0f}×" if g_mse != 0 else "∞"
        marker = VLine(z, label="your logit z", style="dotted")
        return {
            "loss": [Line(LOGITS, binary_cross_entropy_with_logits(LOGITS, ys, reduction="none"), label="BCE"),
                     Line(LOGITS, (sigmoid(LOGITS) - y) ** 2, label="MSE through sigmoid", style="dashed"),
                     marker],
            "grad": [Line(LOGITS, binary_cross_entropy_with_logits_grad(LOGITS, ys, reduction="none"),
                          label="BCE: p − y"),
                     Line(LOGITS, mse_grad(LOGITS, ys), label="MSE: 2(p − y)p(1 − p)", style="dashed"),
                     marker],
            "text": (f"z = {z:+.1f}, y = {y:g}: p = σ(z) = {float(sigmoid(z)):.4f} | BCE {bce:.4f}, "
                     f"MSE {float((sigmoid(z) - y) ** 2):.4f} | ∂/∂z: BCE {g_bce:+.4f}, MSE {g_mse:+.5f} "
                     f"(BCE's is {ratio} larger)"),
        }

    return compute


ALPHAS = (("0.25 (Lin et al.)", 0.25), ("0.5", 0.5), ("0.75", 0.75), ("off", -1.0))
_PT = np.linspace(0.01, 0.99, 50)
_LOGIT_PT = np.log(_PT) - np.log1p(-_PT)  # a positive with this logit has p_t = _PT


def focal_curves(gamma: float = 2.0, alpha: float = 0.25) -> dict:
    r"""Widget compute: focal loss against :math:`p_t` for a positive and a negative beside BCE
    :math:`-\log p_t` (panel "loss"), and the share :math:`\alpha_t (1 - p_t)^\gamma` of BCE it keeps
    (panel "factor", log scale)."""
    from lossutils.widgets import Line

    ones, zeros = np.ones_like(_PT), np.zeros_like(_PT)
    bce = binary_cross_entropy_with_logits(_LOGIT_PT, ones, reduction="none")
    pos = sigmoid_focal_loss(_LOGIT_PT, ones, alpha=alpha, gamma=gamma, reduction="none")
    neg = sigmoid_focal_loss(-_LOGIT_PT, zeros, alpha=alpha, gamma=gamma, reduction="none")
    z_easy_hard = np.log([1 / 9, 9])  # negatives with p_t = 0.9 (easy) and 0.1 (hard)
    easy, hard = (sigmoid_focal_loss(z_easy_hard, [0.0, 0.0], alpha=alpha, gamma=gamma, reduction="none")
                  / binary_cross_entropy_with_logits(z_easy_hard, [0.0, 0.0], reduction="none"))
    return {
        "loss": [Line(_PT, bce, label="BCE −log pₜ", style="dotted"),
                 Line(_PT, pos, label="focal, positive (y = 1)"),
                 Line(_PT, neg, label="focal, negative (y = 0)", style="dashed")],
        "factor": [Line(_PT, pos / bce, label="positive: αₜ(1 − pₜ)^γ"),
                   Line(_PT, neg / bce, label="negative: αₜ(1 − pₜ)^γ", style="dashed")],
        "text": (f"γ = {gamma:g}, α = {'off' if alpha < 0 else f'{alpha:g}'}: a negative keeps "
                 f"{easy:.2g} of its BCE when easy (pₜ = 0.9) and {hard:.2g} when hard "
                 f"(pₜ = 0.1): a hard example weighs {hard / easy:.3g}× as much as an easy one"),
    }


def threshold_view(probs_by_model: dict, target, pr_curve):
    """Widget compute factory: ``f(threshold, model)`` draws the precision-recall curve
    ``pr_curve(probs, target)`` (the chapter's function, returning recall and precision) of the chosen
    model with the point the threshold picks, bars of precision and recall, and the confusion counts."""
    y = np.asarray(target) == 1
    curves = {name: pr_curve(p, target) for name, p in probs_by_model.items()}

    def compute(threshold: float = 0.5, model: str = next(iter(probs_by_model))) -> dict:
        from lossutils.widgets import Bars, Line, Points

        flagged = np.asarray(probs_by_model[model]) >= threshold
        tp, fp, fn = np.sum(flagged & y), np.sum(flagged & ~y), np.sum(~flagged & y)
        prec, rec = (tp / (tp + fp) if tp + fp else 0.0), tp / (tp + fn)
        prec_text = f"{prec:.3f}" if tp + fp else "undefined (no alarms)"
        recall_c, precision_c = curves[model]
        return {
            "pr": [Line(recall_c, precision_c, label="precision–recall curve"),
                   Points([rec], [prec], label="this threshold")],
            "bars": [Bars(["precision", "recall"], [prec, rec], label="at this threshold")],
            "text": (f"{model}, threshold {threshold:.2f}: precision {prec_text}, recall {rec:.3f} | "
                     f"fraud caught {tp}, missed {fn}, false alarms {fp} | "
                     f"accuracy {np.mean(flagged == y):.4f}"),
        }

    return compute
