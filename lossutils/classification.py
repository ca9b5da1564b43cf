r"""Classification: softmax, log-softmax, sigmoid, cross-entropy, NLL, binary cross-entropy
(on probabilities and on logits), sigmoid focal loss and KL divergence.

Conventions (as torch): ``logits`` are raw scores :math:`z`; class scores have shape (N, C) with
the class axis last, or (C,) for one sample; class targets are either integer indices of shape
(N,) (a scalar for one sample) or class probabilities of the same shape as the logits.
Results are float64; reduced results are 0-d arrays.

Empty batches follow the package reduction policy (as torch does): "none" gives an empty array,
"sum" 0 and "mean" (and "batchmean") NaN. Zero classes (C = 0) is an error. NaN in an input
propagates (no error).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Reduction, reduce, reduce_grad
from ._validation import (
    as_float_array, as_index_array, check_axis, check_class_index, check_closed_unit, check_flag,
    check_ndim, check_pair, check_probabilities, check_reduction, check_scalar,
)

# --------------------------------------------------------------------------------------------
# Link functions
# --------------------------------------------------------------------------------------------


def softmax(x: ArrayLike, *, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``: positive numbers that sum to 1.

    .. math::
        \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}
                                   = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},\quad m = \max_j z_j

    Same as ``torch.softmax(x, dim=axis)``. Subtracting the maximum changes nothing
    mathematically but keeps every ``exp`` in (0, 1]: logits of 1000 do not overflow.

    Returns:
        An array of the shape of ``x``.

    Example:
        >>> softmax([2.0, 1.0, 0.1]).round(3).tolist()
        [0.659, 0.242, 0.099]
        >>> softmax([1000.0, 0.0]).tolist()
        [1.0, 0.0]
    """
    z = as_float_array(x, "x")
    ax = check_axis(axis, z.ndim)
    if z.size == 0:
        return z.copy()
    with np.errstate(invalid="ignore"):  # inf - inf -> NaN, silently, as torch does
        e = np.exp(z - np.max(z, axis=ax, keepdims=True))  # shift by the max: exp <= 1
        return e / e.sum(axis=ax, keepdims=True)


def log_softmax(x: ArrayLike, *, axis: int = -1) -> np.ndarray:
    r"""Log of the softmax along ``axis``, computed with the log-sum-exp trick.

    .. math::
        \log\operatorname{softmax}(z)_k = z_k - m - \log \sum_j e^{z_j - m},
        \quad m = \max_j z_j

    Same as ``torch.log_softmax(x, dim=axis)``. ``np.log(softmax(x))`` would give ``-inf`` for
    a class whose probability underflows to 0; this form stays finite (``-2000.0`` below).

    Returns:
        An array of the shape of ``x``.

    Example:
        >>> log_softmax([1000.0, -1000.0]).tolist()
        [0.0, -2000.0]
    """
    z = as_float_array(x, "x")
    ax = check_axis(axis, z.ndim)
    if z.size == 0:
        return z.copy()
    with np.errstate(invalid="ignore"):  # inf - inf -> NaN, silently, as torch does
        shifted = z - np.max(z, axis=ax, keepdims=True)
        # the largest term is exp(0) = 1, so the sum is in [1, C]: no overflow and no log(0)
        return shifted - np.log(np.exp(shifted).sum(axis=ax, keepdims=True))


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid, element-wise.

    .. math::
        \sigma(z) = \frac{1}{1 + e^{-z}} = \frac{e^{z}}{1 + e^{z}}

    Same as ``torch.sigmoid``. Each form is used where its ``exp`` cannot overflow, so
    :math:`z = \pm 1000` gives exactly 1 and 0 without warnings.

    Returns:
        An array of the shape of ``x``.

    Example:
        >>> sigmoid([0.0, 1000.0, -1000.0]).tolist()
        [0.5, 1.0, 0.0]
    """
    z = as_float_array(x, "x")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0, e) / (1.0 + e)  # NaN stays NaN


# --------------------------------------------------------------------------------------------
# Multi-class: cross-entropy and NLL
# --------------------------------------------------------------------------------------------

_NDIM_HINT = (
    "for inputs of shape (N, C, d1, ...) move the class axis last and reshape to (-1, C), "
    "and reshape the target to match"
)


def _class_scores(scores, name):
    """``scores`` as a float (N, C) array, and whether it was one unbatched sample (C,)."""
    s = as_float_array(scores, name)
    check_ndim(s, (1, 2), name, "(N, C), or (C,) for one sample", _NDIM_HINT)
    if s.shape[-1] == 0:
        raise ValueError(f"{name} has shape {s.shape}: zero classes; there must be at least one class")
    return s.reshape(-1, s.shape[-1]), s.ndim == 1


def _class_weight(weight, n_classes):
    """Per-class weights, shape (C,); ones when ``weight`` is None."""
    if weight is None:
        return np.ones(n_classes)
    w = as_float_array(weight, "weight")
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight has shape {w.shape} but there are {n_classes} classes; "
            f"pass one weight per class, shape ({n_classes},)"
        )
    return w


def _class_target(target, n, n_classes, unbatched, ignore_index, allow_probs=True):
    """Class indices, int (N,), or class probabilities, float (N, C), validated."""
    try:
        shape = np.shape(target)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target must be an array of numbers: {exc}") from None
    index_shape, probs_shape = ((), (n_classes,)) if unbatched else ((n,), (n, n_classes))
    if shape == index_shape:
        y = as_index_array(target, "target").reshape(n)
        check_class_index(y, n_classes, ignore_index)
        return y
    if allow_probs and shape == probs_shape:
        t = as_float_array(target, "target").reshape(n, n_classes)
        check_probabilities(t, "target")
        return t
    expected = f"class indices of shape {index_shape}"
    if allow_probs:
        expected += f" or class probabilities of shape {probs_shape}"
    raise ValueError(
        f"target has shape {shape}, which does not fit scores of shape {probs_shape}; "
        f"pass {expected}"
    )


def _ce_inputs(logits, target, weight, ignore_index, label_smoothing):
    """Validated logits (N, C), whether unbatched, class weights (C,), smoothing and target:
    class indices (N,) (int) or class probabilities (N, C) (float)."""
    ignore_index = _check_ignore_index(ignore_index)
    eps = check_closed_unit(label_smoothing, "label_smoothing")
    z, unbatched = _class_scores(logits, "logits")
    n, c = z.shape
    return z, unbatched, _class_weight(weight, c), eps, _class_target(target, n, c, unbatched, ignore_index)


def _check_ignore_index(value):
    return int(check_scalar(value, "ignore_index", "an integer", lambda v: float(v).is_integer()))


def _kept(y, ignore_index, w):
    """Class indices with the ignored ones set to 0, the mask of the samples kept, and each
    sample's class weight (0 for an ignored sample; their sum is the weighted mean's divisor)."""
    keep = y != ignore_index
    y = np.where(keep, y, 0)
    return y, keep, np.where(keep, w[y], 0.0)


def cross_entropy(logits: ArrayLike, target: ArrayLike, *, weight: ArrayLike | None = None,
                  ignore_index: int = -100, label_smoothing: float = 0.0,
                  reduction: Reduction = "mean") -> np.ndarray:
    r"""Cross-entropy of softmax(logits) against class indices or class probabilities.

    .. math::
        \ell_i = -\sum_{c=1}^{C} w_c\, \tilde y_{ic} \log \operatorname{softmax}(z_i)_c,
        \qquad \tilde y_{ic} = (1 - \varepsilon)\, y_{ic} + \varepsilon / C

    where :math:`y_i` is one-hot for a class index, :math:`\varepsilon` is ``label_smoothing``
    and :math:`w` the class weights. For class indices "mean" divides by
    :math:`\sum_i w_{y_i}` over the samples not ignored (a weighted mean); for probabilities
    it divides by N. Same as ``torch.nn.functional.cross_entropy`` (which also takes logits,
    not probabilities).

    Args:
        logits: raw scores, shape (N, C), or (C,) for one sample.
        target: class indices, integer shape (N,) (a scalar for one sample), each in
            [0, C-1] or equal to ``ignore_index``; or class probabilities in [0, 1] of the
            same shape as ``logits`` (the shape decides: an integer one-hot array also counts
            as probabilities). Rows of probabilities need not sum to 1 (torch does not check).
        weight: optional per-class weights, shape (C,).
        ignore_index: a class index whose samples count for nothing: loss 0, left out of the
            "mean" (if every sample is ignored, "mean" is NaN, as in torch). Only for class
            indices.
        label_smoothing: :math:`\varepsilon` in [0, 1].
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" one value per sample, shape (N,) (0-d for one
        sample).

    Example:
        >>> round(float(cross_entropy([[2.0, 1.0, 0.1]], [0])), 3)
        0.417
        >>> round(float(cross_entropy([[2.0, 1.0, 0.1]], [[1.0, 0.0, 0.0]])), 3)  # one-hot: same
        0.417
    """
    z, unbatched, w, eps, target = _ce_inputs(logits, target, weight, ignore_index, label_smoothing)
    n, c = z.shape
    logp = log_softmax(z, axis=1)
    if target.ndim == 1:  # class indices
        y, keep, wy = _kept(target, ignore_index, w)
        # gather the true class's log-probability, as torch does: a -inf logit of another class
        # adds nothing (no 0 * inf = NaN)
        per = -wy * logp[np.arange(n), y]
        if eps > 0:  # the smoothed target puts eps / C on every class
            per = (1.0 - eps) * per - eps / c * (w * logp).sum(axis=1)
        per, denom = np.where(keep, per, 0.0), wy.sum()
    else:  # class probabilities; "mean" divides by N, as torch does
        per, denom = -(w * ((1.0 - eps) * target + eps / c) * logp).sum(axis=1), n
    out = reduce(per, reduction, denom=denom)
    return out.reshape(()) if unbatched and reduction == "none" else out


def cross_entropy_grad(logits: ArrayLike, target: ArrayLike, *, weight: ArrayLike | None = None,
                       ignore_index: int = -100, label_smoothing: float = 0.0,
                       reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math::
        \frac{\partial \ell_i}{\partial z_{ij}} = p_{ij} \sum_c a_{ic} - a_{ij},
        \qquad p_i = \operatorname{softmax}(z_i),\ a_{ic} = w_c \tilde y_{ic}

    Without weights and with targets that sum to 1 this is the familiar
    :math:`p_i - \tilde y_i` (softmax minus the smoothed one-hot); an ignored sample's row is 0.
    "mean" divides by the same denominator as the loss; "none" gives the gradient of
    ``loss.sum()``.

    Returns:
        An array of the shape of ``logits``.

    Example:
        >>> cross_entropy_grad([[2.0, 1.0, 0.1]], [0]).round(3).tolist()
        [[-0.341, 0.242, 0.099]]
    """
    z, unbatched, w, eps, target = _ce_inputs(logits, target, weight, ignore_index, label_smoothing)
    n, c = z.shape
    if target.ndim == 1:  # class indices: a is the smoothed one-hot, weighted; 0 if ignored
        y, keep, wy = _kept(target, ignore_index, w)
        a = np.zeros((n, c))
        a[np.arange(n), y] = (1.0 - eps) * wy
        if eps > 0:
            a += eps / c * w * keep[:, None]
        denom = wy.sum()
    else:
        a, denom = w * ((1.0 - eps) * target + eps / c), n
    grad = reduce_grad(softmax(z, axis=1) * a.sum(axis=1, keepdims=True) - a, reduction, denom=denom)
    return grad[0] if unbatched else grad


def nll_loss(log_probs: ArrayLike, target: ArrayLike, *, weight: ArrayLike | None = None,
             ignore_index: int = -100, reduction: Reduction = "mean") -> np.ndarray:
    r"""Negative log-likelihood of class indices given log-probabilities.

    .. math::
        \ell_i = -w_{y_i} \log p_{i, y_i}

    "mean" is the weighted mean :math:`\sum_i \ell_i / \sum_i w_{y_i}` over the samples not
    ignored. Same as ``torch.nn.functional.nll_loss``;
    ``cross_entropy(z, y) == nll_loss(log_softmax(z), y)``.

    Args:
        log_probs: log-probabilities, shape (N, C), or (C,) for one sample.
        target: integer class indices, shape (N,) (a scalar for one sample), each in [0, C-1]
            or equal to ``ignore_index``.
        weight: optional per-class weights, shape (C,).
        ignore_index: a class index whose samples count for nothing (loss 0, left out of the
            "mean"; all ignored gives NaN, as in torch).
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" one value per sample.

    Example:
        >>> import numpy as np
        >>> round(float(nll_loss(np.log([[0.7, 0.2, 0.1]]), [0])), 4)
        0.3567
    """
    lp, unbatched = _class_scores(log_probs, "log_probs")
    n, c = lp.shape
    w = _class_weight(weight, c)
    ignore_index = _check_ignore_index(ignore_index)
    y, keep, wy = _kept(_class_target(target, n, c, unbatched, ignore_index, allow_probs=False), ignore_index, w)
    per = np.where(keep, -wy * lp[np.arange(n), y], 0.0)
    out = reduce(per, reduction, denom=wy.sum())
    return out.reshape(()) if unbatched and reduction == "none" else out


def nll_loss_grad(log_probs: ArrayLike, target: ArrayLike, *, weight: ArrayLike | None = None,
                  ignore_index: int = -100, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`nll_loss` with respect to ``log_probs``: :math:`-w_{y_i}` at the
    target class of each sample not ignored, 0 elsewhere; "mean" divides by
    :math:`\sum_i w_{y_i}`.

    Returns:
        An array of the shape of ``log_probs``.

    Example:
        >>> nll_loss_grad([[-0.5, -1.0], [-2.0, -0.1]], [1, -100]).tolist()
        [[0.0, -1.0], [0.0, 0.0]]
    """
    lp, unbatched = _class_scores(log_probs, "log_probs")
    n, c = lp.shape
    w = _class_weight(weight, c)
    ignore_index = _check_ignore_index(ignore_index)
    y, _, wy = _kept(_class_target(target, n, c, unbatched, ignore_index, allow_probs=False), ignore_index, w)
    grad = np.zeros((n, c))
    grad[np.arange(n), y] -= wy
    grad = reduce_grad(grad, reduction, denom=wy.sum())
    return grad[0] if unbatched else grad


# --------------------------------------------------------------------------------------------
# Binary: BCE on probabilities and on logits, focal loss
# --------------------------------------------------------------------------------------------

def _broadcast_weight(weight, shape, name):
    """``weight`` broadcast to ``shape`` (the input's shape must not change); 1.0 if None."""
    if weight is None:
        return 1.0
    w = as_float_array(weight, name)
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"{name} has shape {w.shape}, which does not broadcast to the input's shape {shape}; "
            f"pass a scalar, an array of shape {shape}, or one that broadcasts to it "
            f"(e.g. shape {shape[-1:]} for one weight per column)"
        ) from None


def binary_cross_entropy(probs: ArrayLike, target: ArrayLike, *, weight: ArrayLike | None = None,
                         reduction: Reduction = "mean") -> np.ndarray:
    r"""Binary cross-entropy of probabilities against targets in [0, 1].

    .. math::
        \ell = -w\,\big[y \max(\log p, -100) + (1 - y) \max(\log(1 - p), -100)\big]

    Same as ``torch.nn.functional.binary_cross_entropy``, including its clamp of each log at
    -100, so ``p`` exactly 0 or 1 gives a finite loss (at most 100). Prefer
    :func:`binary_cross_entropy_with_logits` when you have logits.

    Args:
        probs: predicted probabilities in [0, 1].
        target: targets in [0, 1] (0/1 labels or soft labels), same shape as ``probs``.
        weight: optional weights that broadcast to the shape of ``probs``.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``probs``.

    Example:
        >>> round(float(binary_cross_entropy([0.9, 0.2], [1.0, 0.0])), 4)
        0.1643
        >>> float(binary_cross_entropy([0.0], [1.0]))  # log 0 clamped at -100
        100.0
    """
    p, t = check_pair(probs, target, ("probs", "target"))
    check_probabilities(p, "probs")
    check_probabilities(t, "target")
    w = _broadcast_weight(weight, p.shape, "weight")
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped at -100 as torch does
        log_p = np.maximum(np.log(p), -100.0)  # np.maximum keeps NaN
        log_1mp = np.maximum(np.log1p(-p), -100.0)  # log1p(-p): accurate for tiny p
    return reduce(-w * (t * log_p + (1.0 - t) * log_1mp), reduction)


def _bce_logits_inputs(logits, target, weight, pos_weight):
    z, t = check_pair(logits, target, ("logits", "target"))
    check_probabilities(t, "target")
    return z, t, _broadcast_weight(weight, z.shape, "weight"), _broadcast_weight(pos_weight, z.shape, "pos_weight")


def binary_cross_entropy_with_logits(logits: ArrayLike, target: ArrayLike, *,
                                     weight: ArrayLike | None = None,
                                     pos_weight: ArrayLike | None = None,
                                     reduction: Reduction = "mean") -> np.ndarray:
    r"""Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    .. math::
        \ell = -w\,\big[p_w\, y \log\sigma(z) + (1 - y)\log(1 - \sigma(z))\big]
             = w\,\big[(1 - y)\,z + (1 + (p_w - 1)\,y)\,\operatorname{softplus}(-z)\big]

    with :math:`\operatorname{softplus}(-z) = \log(1 + e^{-z}) = -\log\sigma(z)`. Without
    ``pos_weight`` this is the familiar :math:`(1 - y)\,z + \operatorname{softplus}(-z)`.
    Same as ``torch.nn.functional.binary_cross_entropy_with_logits``; unlike
    :func:`binary_cross_entropy` no clamp is needed: :math:`z = \pm 1000` stays exact.

    Args:
        logits: raw scores :math:`z` (any shape).
        target: targets in [0, 1], same shape as ``logits``.
        weight: optional weights that broadcast to the shape of ``logits``.
        pos_weight: optional weight :math:`p_w` of the positive term, broadcast to the shape
            of ``logits`` (usually one per class, shape (C,); e.g. #negatives / #positives).
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``logits``.

    Example:
        >>> round(float(binary_cross_entropy_with_logits([2.0, -1.0], [1.0, 0.0])), 4)
        0.2201
        >>> binary_cross_entropy_with_logits([1000.0, -1000.0], [0.0, 1.0], reduction="none").tolist()
        [1000.0, 1000.0]
    """
    z, t, w, pw = _bce_logits_inputs(logits, target, weight, pos_weight)
    with np.errstate(invalid="ignore"):  # a NaN logit gives NaN, silently
        softplus_neg = np.logaddexp(0.0, -z)  # log(1 + e^-z), never overflows
    if pos_weight is None:
        return reduce(w * ((1.0 - t) * z + softplus_neg), reduction)
    return reduce(w * ((1.0 - t) * z + (1.0 + (pw - 1.0) * t) * softplus_neg), reduction)


def binary_cross_entropy_with_logits_grad(logits: ArrayLike, target: ArrayLike, *,
                                          weight: ArrayLike | None = None,
                                          pos_weight: ArrayLike | None = None,
                                          reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math::
        \frac{\partial \ell}{\partial z} = w\,\big[(1 + (p_w - 1)\,y)\,\sigma(z) - p_w\, y\big]
        \quad (= w\,(\sigma(z) - y) \text{ without pos\_weight})

    Returns:
        An array of the shape of ``logits``.

    Example:
        >>> binary_cross_entropy_with_logits_grad([0.0, 0.0], [1.0, 0.0], reduction="sum").tolist()
        [-0.5, 0.5]
    """
    z, t, w, pw = _bce_logits_inputs(logits, target, weight, pos_weight)
    if pos_weight is None:
        return reduce_grad(w * (sigmoid(z) - t), reduction)
    return reduce_grad(w * ((1.0 + (pw - 1.0) * t) * sigmoid(z) - pw * t), reduction)


def sigmoid_focal_loss(logits: ArrayLike, target: ArrayLike, *, alpha: float = 0.25,
                       gamma: float = 2.0, reduction: Reduction = "mean") -> np.ndarray:
    r"""Focal loss (Lin et al., 2017): BCE down-weighted for well-classified samples.

    .. math::
        \ell = \alpha_t\,(1 - p_t)^\gamma\,\operatorname{BCE}(z, y),\quad
        p_t = p\,y + (1 - p)(1 - y),\ \alpha_t = \alpha\,y + (1 - \alpha)(1 - y),\ p = \sigma(z)

    Same formula as ``torchvision.ops.sigmoid_focal_loss`` (a negative ``alpha`` switches the
    :math:`\alpha_t` factor off); note that torchvision's default reduction is "none", here it
    is "mean" like the other losses. ``gamma=0, alpha<0`` gives plain BCE with logits.

    Args:
        logits: raw scores (any shape).
        target: targets in [0, 1], same shape as ``logits``.
        alpha: weight of the positive class in [0, 1], or negative for no weighting.
        gamma: focusing exponent, >= 0.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``logits``.

    Example:
        >>> round(float(sigmoid_focal_loss([2.0, -1.0], [1.0, 0.0])), 5)
        0.00872
    """
    alpha = check_scalar(alpha, "alpha", "in [0, 1] (or negative to switch it off)", lambda v: v <= 1)
    gamma = check_scalar(gamma, "gamma", "a finite number >= 0", lambda v: 0 <= v < np.inf)
    z, t, _, _ = _bce_logits_inputs(logits, target, None, None)
    p = sigmoid(z)
    p_t = p * t + (1.0 - p) * (1.0 - t)
    with np.errstate(invalid="ignore"):  # a NaN logit gives NaN, silently
        bce = (1.0 - t) * z + np.logaddexp(0.0, -z)  # as in binary_cross_entropy_with_logits
    loss = bce * (1.0 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * t + (1.0 - alpha) * (1.0 - t)) * loss
    return reduce(loss, reduction)


# --------------------------------------------------------------------------------------------
# KL divergence
# --------------------------------------------------------------------------------------------

def kl_div(log_pred: ArrayLike, target: ArrayLike, *,
           reduction: Literal["batchmean", "sum", "mean", "none"] = "batchmean",
           log_target: bool = False) -> np.ndarray:
    r"""KL divergence :math:`\mathrm{KL}(\text{target} \,\|\, \text{pred})`; the default reduction
    is "batchmean" (the true KL per sample), not torch's "mean".

    .. math::
        \ell = y\,(\log y - \log \hat p) \quad (0 \log 0 = 0), \qquad
        \text{or } e^{y}\,(y - \log \hat p) \text{ if log\_target (target given as } \log y)

    Same as ``torch.nn.functional.kl_div``: the *first* argument is the log of the model's
    distribution. "batchmean" divides the sum by the first dimension; "mean" divides by the
    number of elements (rarely what you want; torch keeps it as its default for backward
    compatibility and warns). Like torch, only the :math:`y \log y` term uses
    :math:`0 \log 0 = 0`: a zero target where ``log_pred`` is ``-inf``, or a ``log_target``
    of ``-inf``, gives NaN (``0 * -inf``).

    Args:
        log_pred: log-probabilities of the model, e.g. ``log_softmax(z)``.
        target: probabilities in [0, 1] (or log-probabilities if ``log_target``), same shape.
        reduction: "batchmean", "sum", "mean" or "none".
        log_target: whether ``target`` is given as log-probabilities.

    Returns:
        The reduced divergence (0-d), or with "none" an array of the shape of ``log_pred``.

    Example:
        >>> import numpy as np
        >>> round(float(kl_div(np.log([[0.5, 0.5]]), [[0.9, 0.1]])), 4)
        0.3681
    """
    check_reduction(reduction, ("batchmean", "sum", "mean", "none"))
    log_target = check_flag(log_target, "log_target")
    x, t = check_pair(log_pred, target, ("log_pred", "target"))
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 * -inf = NaN, as in torch
        if log_target:
            values = np.exp(t) * (t - x)
        else:
            check_probabilities(t, "target")
            values = np.where(t == 0, 0.0, t * np.log(t)) - t * x  # xlogy: 0 log 0 = 0
    if reduction == "batchmean":  # torch: a 0-d input is not divided
        return reduce(values, "mean", denom=x.shape[0] if x.ndim else 1)
    return reduce(values, reduction)


__all__ = [
    "softmax", "log_softmax", "sigmoid", "cross_entropy", "cross_entropy_grad", "nll_loss",
    "nll_loss_grad", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad", "sigmoid_focal_loss", "kl_div",
]
