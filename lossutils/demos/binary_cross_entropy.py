r"""Data, compute and widget helpers of chapter 4, "Binary cross-entropy".

Pure numpy: numbers in, numbers (or widget plot primitives) out. torch is imported only inside
:func:`fit_linear`, and the widget primitives only inside the widget compute functions, so the
numeric helpers work without torch or :mod:`lossutils.widgets`.

What is here:

- formulas the chapter contrasts with ``lossutils``' own: the label-dropping "BCE" of a widely
  copied summary (:func:`wrong_bce`), BCE from logits computed the naive way
  (:func:`naive_bce_with_logits`), MSE through a sigmoid and its gradient w.r.t. the logit
  (:func:`mse_sigmoid_loss`, :func:`mse_sigmoid_grad`, :func:`mse_sigmoid_grad_peak`),
  BCE as two-class cross-entropy (:func:`two_class_logits`);
- seeded data: :func:`trap_data` (a noisy linear rule), :func:`separable_data`,
  :func:`fraud_data` (about 0.2 % positives), :func:`calibration_data` (labels drawn from a
  true logistic model);
- :func:`fit_linear`: a linear classifier fitted to convergence with full-batch L-BFGS (torch);
- metrics: :func:`confusion_counts`, :func:`precision_recall`, :func:`pr_curve`,
  :func:`average_precision`, :func:`reliability_curve`, :func:`brier_score`,
  :func:`expected_score` (proper and improper scoring rules);
- :func:`loss_slice`: a loss along a line in weight space (convexity);
- :func:`siglip_loss` and :func:`clip_loss` on image-text embedding batches;
- widget compute functions: :func:`bce_vs_mse`, :func:`focal_curves` and the factory
  :func:`threshold_view`.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import (
    binary_cross_entropy, binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad, info_nce_loss, sigmoid, sigmoid_focal_loss,
)
from lossutils._reduction import reduce, reduce_grad
from lossutils._validation import (
    as_float_array, check_closed_unit, check_ndim, check_not_empty, check_probabilities,
    check_reduction, check_same_shape, check_values_in,
)
from lossutils.demos import _data

__all__ = [
    "wrong_bce", "naive_bce_with_logits", "mse_sigmoid_loss", "mse_sigmoid_grad",
    "mse_sigmoid_grad_peak", "two_class_logits",
    "trap_data", "TRAP_WEIGHTS", "separable_data", "fraud_data", "FRAUD_SHIFT", "calibration_data",
    "CALIBRATION_WEIGHTS", "CALIBRATION_BIAS",
    "fit_linear",
    "confusion_counts", "precision_recall", "pr_curve", "average_precision",
    "reliability_curve", "brier_score", "SCORING_RULES", "expected_score",
    "loss_slice",
    "siglip_loss", "clip_loss",
    "LOGITS", "bce_vs_mse", "GAMMAS", "ALPHAS", "focal_curves", "THRESHOLDS", "threshold_view",
]


def _pair(a, b, reduction, names=("logits", "target")):
    check_reduction(reduction)
    x = as_float_array(a, names[0])
    t = as_float_array(b, names[1])
    check_same_shape(x, t, *names)
    check_probabilities(t, names[1])
    return x, t


# --------------------------------------------------------------------------------------------
# Formulas the chapter contrasts
# --------------------------------------------------------------------------------------------

def wrong_bce(probs, target, *, reduction="mean"):
    r"""The label-dropping "BCE" of a widely copied summary: :math:`-\log p - \log(1 - p)`.

    It is **not** binary cross-entropy: ``target`` is validated and then ignored, exactly as in
    the formula, so a model is scored the same whatever the labels are, and the best constant
    prediction is always :math:`p = 0.5`. Kept only to show how wrong it is; the right formula
    is :func:`lossutils.binary_cross_entropy`.

    >>> round(float(wrong_bce([0.9], [1.0])), 4), round(float(wrong_bce([0.9], [0.0])), 4)
    (2.4079, 2.4079)
    """
    p, _ = _pair(probs, target, reduction, ("probs", "target"))
    check_probabilities(p, "probs")
    with np.errstate(divide="ignore"):  # p = 0 or 1 gives +inf: the formula's own verdict
        values = -np.log(p) - np.log1p(-p)
    return reduce(values, reduction)


def naive_bce_with_logits(logits, target, *, reduction="none"):
    r"""BCE from logits the naive way: :math:`p = 1/(1 + e^{-z})`, then the two logs.

    .. math::
        \ell = -\big[y \log p + (1 - y) \log(1 - p)\big]

    Correct for moderate logits, but ``exp(-z)`` overflows for :math:`z \lesssim -710`
    (float64), :math:`p` rounds to exactly 0 or 1, a log becomes :math:`-\infty` and
    :math:`0 \cdot (-\infty)` is NaN. numpy warns when that happens (this function does
    not silence it; wrap calls in ``np.errstate`` to keep warnings out of a notebook). Use
    :func:`lossutils.binary_cross_entropy_with_logits`.

    >>> with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
    ...     naive_bce_with_logits([2.0, 1000.0, -1000.0], [1.0, 1.0, 1.0]).round(4).tolist()
    [0.1269, nan, inf]
    """
    z, t = _pair(logits, target, reduction)
    p = 1.0 / (1.0 + np.exp(-z))
    values = -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))
    return reduce(values, reduction)


def mse_sigmoid_loss(logits, target, *, reduction="mean"):
    r"""Squared error between :math:`\sigma(z)` and the label: :math:`(\sigma(z) - y)^2`.

    Same as ``torch.nn.functional.mse_loss(torch.sigmoid(z), y)``. Averaged over a data set
    it is the Brier score of the predicted probabilities.

    >>> round(float(mse_sigmoid_loss([0.0, 2.0], [1.0, 0.0])), 4)
    0.5129
    """
    z, t = _pair(logits, target, reduction)
    return reduce((sigmoid(z) - t) ** 2, reduction)


def mse_sigmoid_grad(logits, target, *, reduction="mean"):
    r"""Gradient of :func:`mse_sigmoid_loss` w.r.t. the logits: :math:`2(p - y)\,p(1 - p)`.

    The factor :math:`p(1 - p) = \sigma'(z)` goes to 0 as :math:`p \to 0` or 1, also when the
    prediction is confidently *wrong*; BCE's gradient is :math:`p - y`.

    >>> mse_sigmoid_grad([-10.0, 0.0], [1.0, 1.0], reduction="none").round(6).tolist()
    [-9.1e-05, -0.25]
    """
    z, t = _pair(logits, target, reduction)
    p = sigmoid(z)
    return reduce_grad(2.0 * (p - t) * p * (1.0 - p), reduction)


def mse_sigmoid_grad_peak(target=1.0, *, lo=-10.0, hi=10.0, n=2_000_001) -> float:
    r"""The logit where :math:`|\partial (\sigma(z) - y)^2 / \partial z|` is largest, found on a
    fine grid (spacing 1e-5 by default). For :math:`y = 1` theory says :math:`p = 1/3`, i.e.
    :math:`z = -\ln 2`.

    >>> round(mse_sigmoid_grad_peak(1.0), 4)
    -0.6931
    """
    y = check_closed_unit(target, "target")
    z = np.linspace(lo, hi, n)
    g = mse_sigmoid_grad(z, np.full_like(z, y), reduction="none")
    return float(z[np.argmax(np.abs(g))])


def two_class_logits(logits):
    r"""Logits :math:`z` of a binary model as two-class logits :math:`[0, z]` (shape (..., 2)).

    :math:`\operatorname{softmax}([0, z])_1 = e^z / (1 + e^z) = \sigma(z)`, so cross-entropy on
    these with class index :math:`y` equals BCE with logits :math:`z` and label :math:`y`.

    >>> two_class_logits([2.0, -1.0]).tolist()
    [[0.0, 2.0], [0.0, -1.0]]
    """
    z = as_float_array(logits, "logits")
    return np.stack([np.zeros_like(z), z], axis=-1)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

TRAP_WEIGHTS = np.array([2.0, -1.0])


def trap_data(n: int = 200, seed: int = 0):
    r"""``(X, y)``: 2-D features :math:`x \sim \mathcal N(0, I)` and labels
    :math:`y = [x \cdot (2, -1) + 0.5\,\varepsilon > 0]` (a noisy linear rule)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ TRAP_WEIGHTS + 0.5 * rng.normal(size=n) > 0).astype(np.float64)
    return X, y


def separable_data(n: int = 40, gap: float = 0.5, seed: int = 0):
    r"""``(X, y)``: 2-D points with :math:`|x_1 + x_2| > \text{gap}`, labelled by the sign of
    :math:`x_1 + x_2`: linearly separable with a margin (points in the gap are dropped, so
    fewer than ``n`` remain)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    s = X.sum(axis=1)
    keep = np.abs(s) > gap
    return X[keep], (s[keep] > 0).astype(np.float64)


FRAUD_SHIFT = np.array([2.5, 2.0, 1.5, 0.0])


def fraud_data(n: int = 50_000, rate: float = 0.002, seed: int = 0):
    r"""``(X, y)``: synthetic card transactions, a fraction ``rate`` of them fraud (y = 1).

    Four features, standard normal for honest transactions; fraud is shifted by
    :data:`FRAUD_SHIFT` (the last feature is pure noise). With equal covariances the true
    log-odds are linear in :math:`x`, so a logistic regression can be exactly right.
    """
    return _data.fraud_data(n, rate=rate, shift=FRAUD_SHIFT, seed=seed)


CALIBRATION_WEIGHTS = np.array([1.5, -1.0])
CALIBRATION_BIAS = -1.0


def calibration_data(n: int = 20_000, seed: int = 0):
    r"""``(X, y)``: :math:`x \sim \mathcal N(0, I_2)`, :math:`y \sim \text{Bernoulli}(\sigma(1.5 x_1
    - x_2 - 1))`: labels drawn from a true logistic model, so true probabilities exist."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    p = sigmoid(X @ CALIBRATION_WEIGHTS + CALIBRATION_BIAS)
    return X, (rng.random(n) < p).astype(np.float64)


# --------------------------------------------------------------------------------------------
# Fitting (torch)
# --------------------------------------------------------------------------------------------

def fit_linear(X, y, loss_fn, *, max_iter: int = 100, tol: float = 1e-9):
    r"""Fit logits :math:`z = Xw + b` by minimising ``loss_fn(z, y)`` with Newton's method.

    ``loss_fn`` takes torch tensors (logits, targets) and returns a scalar tensor, e.g.
    ``torch.nn.functional.binary_cross_entropy_with_logits``. Gradient and Hessian come from
    torch's autograd (float64); each step solves with the Hessian's eigenvalues taken in absolute
    value (so a non-convex loss such as focal loss or MSE through a sigmoid still gets a descent
    direction) and halves the step until the loss drops enough (Armijo backtracking). The weights
    start at zero, so there is no randomness. For logistic regression this is the classic
    Newton / IRLS fit and converges in a dozen or so steps. (torch.optim is avoided on purpose:
    creating its first optimiser imports torch's compiler stack, seconds of start-up for nothing.)

    Returns ``(w, b)`` as a numpy array and a float.
    """
    import torch

    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    check_ndim(X, 2, "X", "(N, D)")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y has shape {y.shape} but X has {X.shape[0]} rows; pass one label per row")
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    d = X.shape[1]

    def objective(theta):
        return loss_fn(Xt @ theta[:d] + theta[d], yt)

    theta = torch.zeros(d + 1, dtype=torch.float64)
    with torch.no_grad():
        value = objective(theta)
    for _ in range(max_iter):
        t = theta.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(t), t)
        if float(grad.abs().max()) < tol:
            break
        hess = torch.autograd.functional.hessian(objective, theta)
        evals, evecs = torch.linalg.eigh(hess)
        evals = evals.abs().clamp(min=1e-10 * max(1.0, float(evals.abs().max())))
        step = -(evecs @ ((evecs.T @ grad) / evals))
        slope = float(grad @ step)  # < 0: a descent direction
        size = 1.0
        with torch.no_grad():
            while True:
                trial = objective(theta + size * step)
                if trial <= value + 1e-4 * size * slope or size < 1e-12:
                    break
                size *= 0.5
        if size < 1e-12:
            break
        theta, value = theta + size * step, trial
    return theta[:d].numpy().copy(), float(theta[d])


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------

def _scores_labels(scores, target, name="scores"):
    s = as_float_array(scores, name)
    t = as_float_array(target, "target")
    check_same_shape(s, t, name, "target")
    check_values_in(t, (0.0, 1.0), "target", "labels must be 0 (negative) or 1 (positive)")
    return s, t


def confusion_counts(probs, target, *, threshold: float = 0.5) -> dict:
    """``{"tp", "fp", "fn", "tn"}``: counts when ``probs >= threshold`` is called positive.

    >>> confusion_counts([0.9, 0.6, 0.2, 0.1], [1, 0, 1, 0])
    {'tp': 1, 'fp': 1, 'fn': 1, 'tn': 1}
    """
    s, t = _scores_labels(probs, target, "probs")
    pred = s >= threshold
    pos = t == 1
    return {"tp": int(np.sum(pred & pos)), "fp": int(np.sum(pred & ~pos)),
            "fn": int(np.sum(~pred & pos)), "tn": int(np.sum(~pred & ~pos))}


def precision_recall(probs, target, *, threshold: float = 0.5) -> tuple[float, float]:
    """``(precision, recall)`` at ``threshold``. Precision is NaN when nothing is called
    positive (it is undefined: no alarms, so no false ones either); recall is NaN without
    positives.

    >>> precision_recall([0.9, 0.6, 0.2, 0.1], [1, 0, 1, 0])
    (0.5, 0.5)
    """
    c = confusion_counts(probs, target, threshold=threshold)
    called, actual = c["tp"] + c["fp"], c["tp"] + c["fn"]
    precision = c["tp"] / called if called else math.nan
    recall = c["tp"] / actual if actual else math.nan
    return precision, recall


def pr_curve(scores, target):
    """Precision and recall with the threshold at each positive's score, from the highest.

    Returns ``(recall, precision)`` arrays with one point per positive (ties are counted
    together): the corners of the precision-recall curve, where recall steps up.

    >>> r, p = pr_curve([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])
    >>> r.tolist(), p.round(3).tolist()
    ([0.5, 1.0], [1.0, 0.667])
    """
    s, t = _scores_labels(scores, target)
    n_pos = int(t.sum())
    if n_pos == 0:
        raise ValueError("target has no positive (1) labels; a precision-recall curve needs some")
    cut = np.sort(np.unique(s[t == 1]))[::-1]
    order = np.sort(s)
    called = s.size - np.searchsorted(order, cut, side="left")       # scores >= cut
    pos_sorted = np.sort(s[t == 1])
    tp = n_pos - np.searchsorted(pos_sorted, cut, side="left")
    return tp / n_pos, tp / called


def average_precision(scores, target) -> float:
    r"""Average precision :math:`\sum_k (R_k - R_{k-1}) P_k` over the curve of :func:`pr_curve`
    (scikit-learn's definition). A random ranking scores about the positive rate, a perfect one 1.

    >>> round(average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]), 4)
    0.8333
    """
    recall, precision = pr_curve(scores, target)
    return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))


def reliability_curve(probs, target, *, n_bins: int = 10):
    """Bin predictions into ``n_bins`` equal-width bins of [0, 1]; per non-empty bin return the
    mean prediction, the observed fraction of positives and the count.

    A calibrated model has fraction ≈ mean prediction in every bin (the diagonal of a
    reliability diagram).

    >>> conf, freq, count = reliability_curve([0.1, 0.15, 0.8, 0.9], [0, 1, 1, 1], n_bins=2)
    >>> conf.round(3).tolist(), freq.tolist(), count.tolist()
    ([0.125, 0.85], [0.5, 1.0], [2, 2])
    """
    p, t = _scores_labels(probs, target, "probs")
    check_probabilities(p, "probs")
    if not (isinstance(n_bins, int) and n_bins >= 1):
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    idx = np.minimum((p * n_bins).astype(int), n_bins - 1)  # p = 1 goes into the last bin
    count = np.bincount(idx, minlength=n_bins)
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=t, minlength=n_bins)
    keep = count > 0
    return sum_p[keep] / count[keep], sum_y[keep] / count[keep], count[keep]


def brier_score(probs, target) -> float:
    r"""Brier score :math:`\frac1N \sum_i (p_i - y_i)^2` (lower is better; 0.25 for always 0.5).

    >>> round(brier_score([0.9, 0.2], [1, 0]), 4)
    0.025
    """
    p, t = _scores_labels(probs, target, "probs")
    check_probabilities(p, "probs")
    check_not_empty(p, "probs")
    return float(np.mean((p - t) ** 2))


SCORING_RULES = ("log", "brier", "absolute")


def expected_score(q, report, *, rule: str = "log"):
    r"""Expected score of reporting probability ``report`` when the event has probability ``q``.

    .. math::
        \text{log: } -[q \log r + (1 - q)\log(1 - r)], \quad
        \text{brier: } q (1 - r)^2 + (1 - q) r^2, \quad
        \text{absolute: } q (1 - r) + (1 - q) r

    A *proper* scoring rule is minimised (in expectation) by reporting the truth, :math:`r = q`:
    log loss and Brier are proper, the absolute error is not (it is linear in :math:`r`, so
    its minimum is at 0 or 1).

    >>> [round(float(expected_score(0.3, r)), 4) for r in (0.2, 0.3, 0.4)]
    [0.639, 0.6109, 0.6325]
    """
    if rule not in SCORING_RULES:
        raise ValueError(f"rule must be one of {', '.join(map(repr, SCORING_RULES))}, got {rule!r}")
    q = check_closed_unit(q, "q")
    r = as_float_array(report, "report")
    check_probabilities(r, "report")
    if rule == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            # q log r with the convention 0 log 0 = 0
            a = np.where(q > 0, q * np.log(np.where(q > 0, r, 1.0)), 0.0)
            b = np.where(q < 1, (1 - q) * np.log1p(-np.where(q < 1, r, 0.0)), 0.0)
        return -(a + b)
    if rule == "brier":
        return q * (1 - r) ** 2 + (1 - q) * r**2
    return q * (1 - r) + (1 - q) * r


# --------------------------------------------------------------------------------------------
# Convexity
# --------------------------------------------------------------------------------------------

def loss_slice(X, y, direction, ts, *, loss: str = "bce"):
    r"""Mean loss of the linear model :math:`z = X (t\,d)` (no bias) for each :math:`t` in ``ts``.

    ``loss`` is "bce" (:func:`lossutils.binary_cross_entropy_with_logits`) or "mse"
    (:func:`mse_sigmoid_loss`). A function is convex iff every such slice is convex.

    >>> loss_slice([[1.0]], [1.0], [1.0], [0.0], loss="mse").tolist()
    [0.25]
    """
    X = as_float_array(X, "X")
    check_ndim(X, 2, "X", "(N, D)")
    d = as_float_array(direction, "direction")
    if d.shape != (X.shape[1],):
        raise ValueError(f"direction has shape {d.shape}; pass one entry per column of X, shape ({X.shape[1]},)")
    ts = as_float_array(ts, "ts").reshape(-1)
    if loss not in ("bce", "mse"):
        raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")
    fn = binary_cross_entropy_with_logits if loss == "bce" else mse_sigmoid_loss
    y = as_float_array(y, "y")
    base = X @ d
    return np.array([float(fn(t * base, y)) for t in ts])


# --------------------------------------------------------------------------------------------
# SigLIP and CLIP
# --------------------------------------------------------------------------------------------

def _unit(x, name):
    x = as_float_array(x, name)
    check_ndim(x, 2, name, "(N, D)")
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError(f"{name} has a row of zeros, which has no direction; drop it")
    return x / norm


def siglip_loss(images, texts, *, scale: float = 10.0, bias: float = -10.0, reduction="mean"):
    r"""SigLIP's sigmoid loss (Zhai et al., 2023) over all :math:`N^2` image-text pairs of a batch.

    With unit-norm embeddings, logits :math:`z_{ij} = s\, x_i \cdot y_j + b` and
    :math:`\ell_{ij} = \operatorname{BCE}(z_{ij}, [i = j])`, the batch loss is
    :math:`\frac1N \sum_{i,j} \ell_{ij}` (the paper divides by the batch size, not by
    :math:`N^2`). Every pair is its own binary problem: no softmax over the batch. torch twin::

        z = scale * F.normalize(img, dim=1) @ F.normalize(txt, dim=1).T + bias
        labels = 2 * torch.eye(n) - 1
        -F.logsigmoid(labels * z).sum() / n

    The paper initialises :math:`s = 10` and :math:`b = -10`; the negative bias starts every
    pair at a low probability, since only :math:`N` of the :math:`N^2` pairs match.

    Args:
        images, texts: embeddings, shape (N, D) each (normalised here).
        scale, bias: :math:`s` and :math:`b`.
        reduction: "mean" (sum / N, as the paper), "sum", or "none" (the (N, N) matrix).

    >>> eye = np.eye(2)
    >>> round(float(siglip_loss(eye, eye, scale=1.0, bias=0.0)), 4)  # (2 softplus(-1) + 2 ln 2) / 2
    1.0064
    """
    check_reduction(reduction)
    x, t = _unit(images, "images"), _unit(texts, "texts")
    check_same_shape(x, t, "images", "texts")
    z = scale * x @ t.T + bias
    values = binary_cross_entropy_with_logits(z, np.eye(len(x)), reduction="none")
    if reduction == "none":
        return values
    total = values.sum()
    return np.asarray(total / len(x) if reduction == "mean" else total)


def clip_loss(images, texts, *, scale: float = 10.0):
    r"""CLIP's symmetric softmax loss: the mean of InfoNCE over images (each row of
    :math:`z_{ij} = s\, x_i \cdot y_j` is a softmax over the batch's texts) and over texts.

    >>> eye = np.eye(2)
    >>> round(float(clip_loss(eye, eye, scale=1.0)), 6)
    0.313262
    """
    return 0.5 * (info_nce_loss(images, texts, temperature=1.0 / scale)
                  + info_nce_loss(texts, images, temperature=1.0 / scale))


# --------------------------------------------------------------------------------------------
# Widget: BCE against MSE through a sigmoid
# --------------------------------------------------------------------------------------------

LOGITS = np.linspace(-8.0, 8.0, 161)


def bce_vs_mse(z: float = -4.0, y: float = 1.0) -> dict:
    """Widget compute: BCE and MSE-through-sigmoid as functions of the logit for label ``y``
    (left) and their gradients w.r.t. the logit (right), with the reader's logit marked."""
    from lossutils.widgets import Line, VLine

    y = check_closed_unit(y, "y")
    ys = np.full_like(LOGITS, y)
    bce = binary_cross_entropy_with_logits(LOGITS, ys, reduction="none")
    mse = mse_sigmoid_loss(LOGITS, ys, reduction="none")
    g_bce = binary_cross_entropy_with_logits_grad(LOGITS, ys, reduction="none")
    g_mse = mse_sigmoid_grad(LOGITS, ys, reduction="none")
    p = float(sigmoid(z))
    b1 = float(binary_cross_entropy_with_logits([z], [y]))
    m1 = float(mse_sigmoid_loss([z], [y]))
    gb = float(binary_cross_entropy_with_logits_grad(z, y))
    gm = float(mse_sigmoid_grad(z, y))
    ratio = f"{abs(gb / gm):.0f}×" if gm != 0 else "∞"
    return {
        "loss": [Line(LOGITS, bce, label="BCE"),
                 Line(LOGITS, mse, label="MSE through sigmoid", style="dashed"),
                 VLine(z, label="your logit z", style="dotted")],
        "grad": [Line(LOGITS, g_bce, label="BCE: p − y"),
                 Line(LOGITS, g_mse, label="MSE: 2(p − y)p(1 − p)", style="dashed"),
                 VLine(z, label="your logit z", style="dotted")],
        "text": (f"z = {z:+.1f}, y = {y:g}: p = σ(z) = {p:.4f} | BCE {b1:.4f}, MSE {m1:.4f} | "
                 f"∂/∂z: BCE {gb:+.4f}, MSE {gm:+.5f} (BCE's is {ratio} larger)"),
    }


# --------------------------------------------------------------------------------------------
# Widget: focal loss
# --------------------------------------------------------------------------------------------

GAMMAS = tuple(np.round(np.arange(0.0, 5.01, 0.5), 1))
ALPHAS = (("0.25 (Lin et al.)", 0.25), ("0.5", 0.5), ("0.75", 0.75), ("off", -1.0))
_PT = np.linspace(0.01, 0.99, 50)
_LOGIT_PT = np.log(_PT) - np.log1p(-_PT)  # logit of p_t: a positive's logit giving p_t


def focal_curves(gamma: float = 2.0, alpha: float = 0.25) -> dict:
    r"""Widget compute: focal loss against :math:`p_t` (the probability given to the true class)
    for a positive and for a negative, beside BCE :math:`-\log p_t` (left), and the factor
    :math:`\alpha_t (1 - p_t)^\gamma` by which focal loss scales BCE (right, log scale)."""
    from lossutils.widgets import Line

    ones, zeros = np.ones_like(_PT), np.zeros_like(_PT)
    bce = binary_cross_entropy_with_logits(_LOGIT_PT, ones, reduction="none")
    # a positive with logit z has p_t = sigma(z); a negative with logit -z has the same p_t
    pos = sigmoid_focal_loss(_LOGIT_PT, ones, alpha=alpha, gamma=gamma, reduction="none")
    neg = sigmoid_focal_loss(-_LOGIT_PT, zeros, alpha=alpha, gamma=gamma, reduction="none")
    # share of BCE a negative keeps at p_t = 0.9 (easy) and 0.1 (hard): logit of p = 1 - p_t
    z_easy_hard = -np.log(np.array([0.9, 0.1]) / np.array([0.1, 0.9]))
    keep = (sigmoid_focal_loss(z_easy_hard, [0.0, 0.0], alpha=alpha, gamma=gamma, reduction="none")
            / binary_cross_entropy_with_logits(z_easy_hard, [0.0, 0.0], reduction="none"))
    keep_easy, keep_hard = float(keep[0]), float(keep[1])
    return {
        "loss": [Line(_PT, bce, label="BCE −log pₜ", style="dotted"),
                 Line(_PT, pos, label="focal, positive (y = 1)"),
                 Line(_PT, neg, label="focal, negative (y = 0)", style="dashed")],
        "factor": [Line(_PT, pos / bce, label="positive: αₜ(1 − pₜ)^γ"),
                   Line(_PT, neg / bce, label="negative: αₜ(1 − pₜ)^γ", style="dashed")],
        "text": (f"γ = {gamma:g}, α = {'off' if alpha < 0 else f'{alpha:g}'}: a negative keeps "
                 f"{keep_easy:.2g} of its BCE when easy (pₜ = 0.9) and {keep_hard:.2g} when hard "
                 f"(pₜ = 0.1): a hard example weighs {keep_hard / keep_easy:.3g}× as much as an easy one"),
    }


# --------------------------------------------------------------------------------------------
# Widget: decision threshold against precision and recall
# --------------------------------------------------------------------------------------------

THRESHOLDS = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2))


def threshold_view(probs_by_model: dict, target):
    """Return a widget compute function ``f(threshold, model)`` for models whose predicted
    probabilities on the same labelled set are ``probs_by_model[model]``.

    The function draws each model's precision-recall curve with the point the threshold picks,
    bars of precision and recall, and a readout of the confusion counts and accuracy.
    """
    if not probs_by_model:
        raise ValueError("probs_by_model is empty; pass {model name: predicted probabilities}")
    data = {}
    for name, probs in probs_by_model.items():
        p, t = _scores_labels(probs, target, f"probs_by_model[{name!r}]")
        check_probabilities(p, f"probs_by_model[{name!r}]")
        data[name] = (p, t, pr_curve(p, t))

    def compute(threshold: float = 0.5, model: str = next(iter(data))) -> dict:
        from lossutils.widgets import Bars, Line, Points

        if model not in data:
            raise ValueError(f"model must be one of {', '.join(map(repr, data))}, got {model!r}")
        p, t, (rc, pc) = data[model]
        c = confusion_counts(p, t, threshold=threshold)
        prec, rec = precision_recall(p, t, threshold=threshold)
        acc = (c["tp"] + c["tn"]) / t.size
        shown = 0.0 if math.isnan(prec) else prec
        prec_text = "undefined (no alarms)" if math.isnan(prec) else f"{prec:.3f}"
        return {
            "pr": [Line(rc, pc, label="precision–recall curve"),
                   Points([rec], [shown], label="this threshold")],
            "bars": [Bars(["precision", "recall"], [shown, rec], label="at this threshold")],
            "text": (f"{model}, threshold {threshold:.2f}: precision {prec_text}, recall {rec:.3f} | "
                     f"fraud caught {c['tp']}, missed {c['fn']}, false alarms {c['fp']} | "
                     f"accuracy {acc:.4f}"),
        }

    return compute
