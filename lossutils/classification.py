r"""Classification: softmax, log-softmax, sigmoid, cross-entropy, NLL, binary cross-entropy
(on probabilities and on logits), sigmoid focal loss and KL divergence.

Conventions (as torch): ``logits`` are raw scores :math:`z`; class scores have shape (N, C) with
the class axis last, or (C,) for one sample; class targets are either integer indices of shape
(N,) (a scalar for one sample) or class probabilities of the same shape as the logits.
Results are float64; reduced results are 0-d arrays. torch's ``ignore_index`` is not supported.

Empty batches follow the package reduction policy (as torch does): "none" gives an empty array,
"sum" 0 and "mean" (and "batchmean") NaN. Zero classes (C = 0) is an error. NaN in an input
propagates (no error).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._numerics import log1p_unit
from ._reduction import BLOCK, grad_elementwise, reduce, reduce_elementwise, reduce_grad
from ._validation import (
    as_float_array, as_index_array, check_axis, check_closed_unit, check_ndim,
    check_probabilities, check_reduction, check_same_shape, in_unit_interval,
)

# Binary targets must lie in [0, 1]: a fast test for blocks and the full check with its message
# (the element-wise helpers run the test on each block as they compute it: one pass over the data)
_TARGET_CHECK = (lambda x, t: in_unit_interval(t), lambda x, t: check_probabilities(t, "target"))

# --------------------------------------------------------------------------------------------
# Link functions
# --------------------------------------------------------------------------------------------


def softmax(x, *, axis=-1):
    r"""Softmax along ``axis``: positive numbers that sum to 1.

    .. math::
        \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}
                                   = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},\quad m = \max_j z_j

    Same as ``torch.softmax(x, dim=axis)``. Subtracting the maximum changes nothing
    mathematically but keeps every ``exp`` in (0, 1]: logits of 1000 do not overflow.

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
        e = np.exp(z - np.max(z, axis=ax, keepdims=True))  # shift by the max: exp <= 1, no overflow
        return e / e.sum(axis=ax, keepdims=True)


def log_softmax(x, *, axis=-1):
    r"""Log of the softmax along ``axis``, computed with the log-sum-exp trick.

    .. math::
        \log\operatorname{softmax}(z)_k = z_k - m - \log \sum_j e^{z_j - m},
        \quad m = \max_j z_j

    Same as ``torch.log_softmax(x, dim=axis)``. ``np.log(softmax(x))`` would give ``-inf`` for
    a class whose probability underflows to 0; this form stays finite (``-2000.0`` below).

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
        # log-sum-exp: the largest term is exp(0) = 1, so the sum is in [1, C]: no overflow
        # and no log(0)
        return shifted - np.log(np.exp(shifted).sum(axis=ax, keepdims=True))


def sigmoid(x):
    r"""Logistic sigmoid, element-wise.

    .. math::
        \sigma(z) = \frac{1}{1 + e^{-z}} = \frac{e^{z}}{1 + e^{z}}

    Same as ``torch.sigmoid``. Each branch is used where its ``exp`` cannot overflow, so
    :math:`z = \pm 1000` gives exactly 1 and 0 without warnings.

    Example:
        >>> sigmoid([0.0, 1000.0, -1000.0]).tolist()
        [0.5, 1.0, 0.0]
    """
    z = as_float_array(x, "x")
    return reduce_elementwise(_sigmoid, (z,), "none")


def _sigmoid(z):
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    r = 1.0 / (1.0 + e)  # sigmoid(|z|)
    # sigmoid(z) is r for z >= 0 and e * r = sigmoid(-|z|) for z < 0; max(e, z >= 0) picks the
    # factor 1 or e without np.where, which costs more on logits of random sign (mispredicted
    # branches). NaN stays NaN.
    return r * np.maximum(e, z >= 0)


# --------------------------------------------------------------------------------------------
# Multi-class: cross-entropy and NLL
# --------------------------------------------------------------------------------------------

_NDIM_HINT = (
    "for inputs of shape (N, C, d1, ...) move the class axis last and reshape to (-1, C), "
    "and reshape the target to match"
)


def _scores_2d(scores, name):
    """``scores`` as a float (N, C) array; also return whether it was one unbatched sample."""
    s = as_float_array(scores, name)
    check_ndim(s, (1, 2), name, "(N, C), or (C,) for one sample", _NDIM_HINT)
    unbatched = s.ndim == 1
    if unbatched:
        s = s[None, :]
    if s.shape[1] == 0:
        raise ValueError(f"{name} has shape {s.shape}: zero classes; there must be at least one class")
    return s, unbatched


def _class_weight(weight, n_classes, name="weight"):
    if weight is None:
        return None
    w = as_float_array(weight, name)
    if w.shape != (n_classes,):
        raise ValueError(
            f"{name} has shape {w.shape} but there are {n_classes} classes; "
            f"pass one weight per class, shape ({n_classes},)"
        )
    return w


def _target_shape(target):
    try:
        return np.shape(target)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target must be an array of numbers: {exc}") from None


def _class_indices(target, n_classes, unbatched):
    """Validate class indices: shape (N,) (or () for one sample), each in [0, C-1]."""
    y = as_index_array(target, "target").reshape(-1) if unbatched else as_index_array(target, "target")
    if y.size == 0 or (y.min() >= 0 and y.max() < n_classes):  # fast path: no boolean temporaries
        return y
    bad = (y < 0) | (y >= n_classes)
    if np.any(bad):
        raise ValueError(
            f"target holds class index {int(y[bad][0])}, but there are {n_classes} classes; "
            f"class indices must be in [0, {n_classes - 1}]"
        )
    return y


def _ce_target(target, n, n_classes, unbatched, allow_probs=True):
    """Return ``("index", y)`` with y of shape (N,) or ``("probs", t)`` with t of shape (N, C)."""
    shape = _target_shape(target)
    index_shape, probs_shape = ((), (n_classes,)) if unbatched else ((n,), (n, n_classes))
    if shape == index_shape:
        return "index", _class_indices(target, n_classes, unbatched)
    if allow_probs and shape == probs_shape:
        t = as_float_array(target, "target").reshape(n, n_classes)
        check_probabilities(t, "target")
        return "probs", t
    logits_shape = probs_shape
    expected = f"class indices of shape {index_shape}"
    if allow_probs:
        expected += f" or class probabilities of shape {probs_shape}"
    raise ValueError(
        f"target has shape {shape}, which does not fit scores of shape {logits_shape}; "
        f"pass {expected}"
    )


def _ce_inputs(logits, target, weight, label_smoothing, reduction):
    """Validated inputs of cross_entropy and its gradient: z (N, C), unbatched, w, kind, t, eps."""
    check_reduction(reduction)
    eps = check_closed_unit(label_smoothing, "label_smoothing")
    z, unbatched = _scores_2d(logits, "logits")
    n, c = z.shape
    w = _class_weight(weight, c)
    kind, t = _ce_target(target, n, c, unbatched)
    return z, unbatched, w, kind, t, eps


def _ce_plain(z, y, grad: bool):
    """Class indices, no weights, no smoothing (the common case), a block of rows at a time.

    Per-sample losses ``-logp[i, y_i]`` (or the gradient ``softmax(z) - onehot(y)`` of their
    sum) computed exactly as the general path of :func:`_ce_parts` computes them, without the
    (N, C) temporaries that path needs for weights and smoothing.
    """
    n, c = z.shape
    out = np.empty((n, c) if grad else n)
    step = max(BLOCK // c, 1)
    for lo in range(0, n, step):
        zb, yb = z[lo:lo + step], y[lo:lo + step]
        rows = np.arange(zb.shape[0])
        if c <= 32 and zb.shape[0] >= 64:
            _ce_plain_few_classes(zb, yb, rows, out[lo:lo + step], grad)
            continue
        with np.errstate(invalid="ignore"):  # inf - inf -> NaN, silently, as torch does
            shifted = zb - np.max(zb, axis=1, keepdims=True)  # log_softmax, as in log_softmax()
            e = np.exp(shifted)
            total = e.sum(axis=1, keepdims=True)
            if grad:
                g = e / total  # softmax, as in softmax(): the exp is computed once
                g[rows, yb] -= 1.0
                out[lo:lo + step] = g
            else:
                out[lo:lo + step] = -(shifted[rows, yb] - np.log(total[:, 0]))  # -logp[i, y_i]
    return out


def _ce_plain_few_classes(zb, yb, rows, out, grad: bool):
    """:func:`_ce_plain` on a block of rows with few classes, with the class axis first.

    numpy reduces along a short last axis (``max(axis=1)`` over 10 classes) one row at a time,
    which costs far more than the arithmetic. Transposed, every step is one operation on
    contiguous arrays of length N. The results are the same bits: the maximum is exact
    (``np.maximum`` propagates NaN like ``np.max``; a tie of +0 and -0 can pick the other zero,
    which changes nothing below, because the row then holds two maxima and its log-sum is
    >= log 2), and :func:`_pairwise_sum` adds in numpy's order.
    """
    zt = zb.T.copy()  # (C, N): row j holds class j of every sample
    with np.errstate(invalid="ignore"):  # inf - inf -> NaN, silently, as torch does
        shifted = zt - np.maximum.reduce(zt, axis=0)
        e = np.exp(shifted)
        total = _pairwise_sum(e)
        if grad:
            g = e / total  # softmax, as in softmax(): the exp is computed once
            g[yb, rows] -= 1.0
            out[...] = g.T
        else:
            out[...] = -(shifted[yb, rows] - np.log(total))  # -logp[i, y_i]


def _pairwise_sum(a):
    """``a.sum(axis=0)`` for a 2-D array, added in the order numpy adds a row of ``a.T``.

    numpy's pairwise summation (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src):
    fewer than 8 terms are added in turn; up to 128 go to 8 partial sums combined as a tree;
    more are split in two halves (rounded down to a multiple of 8). Keeping the order keeps the
    results bit-for-bit those of ``np.exp(shifted).sum(axis=1)``.
    """
    n = a.shape[0]
    if n < 8:
        res = 0.0 + a[0]
        for i in range(1, n):
            res += a[i]
        return res
    if n <= 128:
        r = [a[k].copy() for k in range(8)]
        i = 8
        while i < n - n % 8:
            for k in range(8):
                r[k] += a[i + k]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(n - n % 8, n):
            res += a[i]
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a[:half]) + _pairwise_sum(a[half:])


def _ce_parts(z, w, kind, t, eps):
    """Shared work of cross_entropy and its gradient (the general case), on validated inputs.

    Returns log-probabilities (N, C), per-sample losses (N,), the coefficient matrix ``A``
    with ``loss_i = -sum_c A[i, c] * logp[i, c]`` and the denominator of the "mean" reduction.
    """
    n, c = z.shape
    logp = log_softmax(z, axis=1)
    wc = np.ones(c) if w is None else w
    rows = np.arange(n)
    if kind == "index":
        wy = wc[t]  # weight of each sample's true class
        # gather only the true class's log-probability (as torch's nll_loss does), so a
        # -inf logit elsewhere does not turn into 0 * inf = NaN
        per = (1.0 - eps) * wy * -logp[rows, t]
        coef = np.zeros((n, c))
        coef[rows, t] = (1.0 - eps) * wy
        if eps > 0:
            # label smoothing spreads eps over all C classes (torch weights each by its class weight)
            per = per + eps / c * -(logp * wc).sum(axis=1)
            coef = coef + eps / c * wc
        denom = wy.sum()  # torch's weighted mean divides by the summed weights of the true classes
    else:
        t_smooth = t * (1.0 - eps) + eps / c if eps > 0 else t
        coef = t_smooth * wc
        per = -(logp * coef).sum(axis=1)
        denom = float(n)  # with probability targets torch divides by N, weights or not
    return logp, per, coef, denom


def _mean(total, denom, n):
    if n == 0:
        return np.nan  # empty batch: NaN like torch, without a 0/0 warning
    with np.errstate(invalid="ignore", divide="ignore"):  # all weights 0 -> NaN/inf as torch
        return total / denom


def cross_entropy(logits, target, *, weight=None, label_smoothing=0.0, reduction="mean"):
    r"""Cross-entropy of softmax(logits) against class indices or class probabilities.

    .. math::
        \ell_i = -\sum_{c=1}^{C} w_c\, \tilde y_{ic} \log \operatorname{softmax}(z_i)_c,
        \qquad \tilde y_{ic} = (1 - \varepsilon)\, y_{ic} + \varepsilon / C

    where :math:`y_i` is one-hot for a class index, :math:`\varepsilon` is ``label_smoothing``
    and :math:`w` the class weights. For class indices, :math:`w_{y_i}` weights the one-hot part
    and "mean" divides by :math:`\sum_i w_{y_i}` (a weighted mean); for probabilities "mean"
    divides by N. Same as ``torch.nn.functional.cross_entropy`` (which also takes logits, not
    probabilities).

    Args:
        logits: raw scores, shape (N, C), or (C,) for one sample.
        target: class indices, integer shape (N,) (a scalar for one sample), each in
            [0, C-1]; or class probabilities in [0, 1] of the same shape as ``logits`` (the
            shape decides: an integer one-hot array also counts as probabilities). Rows of
            probabilities are not required to sum to 1 (torch does not check either).
        weight: optional per-class weights, shape (C,).
        label_smoothing: :math:`\varepsilon` in [0, 1].
        reduction: "mean", "sum" or "none".

    Example:
        >>> round(float(cross_entropy([[2.0, 1.0, 0.1]], [0])), 3)
        0.417
        >>> round(float(cross_entropy([[2.0, 1.0, 0.1]], [[1.0, 0.0, 0.0]])), 3)  # one-hot: same
        0.417
    """
    z, unbatched, w, kind, t, eps = _ce_inputs(logits, target, weight, label_smoothing, reduction)
    if kind == "index" and w is None and eps == 0:
        per, denom = _ce_plain(z, t, grad=False), float(z.shape[0])
    else:
        _, per, _, denom = _ce_parts(z, w, kind, t, eps)
    if reduction == "none":
        return np.asarray(per[0]) if unbatched else per  # one sample: a 0-d array, as torch
    if reduction == "sum":
        return np.asarray(per.sum(), dtype=np.float64)
    return np.asarray(_mean(per.sum(), denom, per.size), dtype=np.float64)


def cross_entropy_grad(logits, target, *, weight=None, label_smoothing=0.0, reduction="mean"):
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math::
        \frac{\partial \ell_i}{\partial z_{ij}} = p_{ij} \sum_c a_{ic} - a_{ij},
        \qquad p_i = \operatorname{softmax}(z_i),\ a_{ic} = w_c \tilde y_{ic}

    Without weights and with targets that sum to 1 this is the familiar
    :math:`p_i - \tilde y_i` (softmax minus the smoothed one-hot). "mean" divides by the same
    denominator as the loss; "none" gives the gradient of ``loss.sum()``.

    Example:
        >>> cross_entropy_grad([[2.0, 1.0, 0.1]], [0]).round(3).tolist()
        [[-0.341, 0.242, 0.099]]
    """
    z, unbatched, w, kind, t, eps = _ce_inputs(logits, target, weight, label_smoothing, reduction)
    if kind == "index" and w is None and eps == 0:
        grad = _ce_plain(z, t, grad=True)
        if reduction == "mean" and z.shape[0]:
            grad /= z.shape[0]
        return grad[0] if unbatched else grad
    _, per, coef, denom = _ce_parts(z, w, kind, t, eps)
    p = softmax(z, axis=1)  # a NaN/inf row stays NaN, as in torch
    grad = p * coef.sum(axis=1, keepdims=True) - coef
    if reduction == "mean" and per.size:
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = grad / denom
    return grad[0] if unbatched else grad


def nll_loss(log_probs, target, *, weight=None, reduction="mean"):
    r"""Negative log-likelihood of class indices given log-probabilities.

    .. math::
        \ell_i = -w_{y_i} \log p_{i, y_i}

    "mean" is the weighted mean :math:`\sum_i \ell_i / \sum_i w_{y_i}`. Same as
    ``torch.nn.functional.nll_loss``; ``cross_entropy(z, y) == nll_loss(log_softmax(z), y)``.

    Args:
        log_probs: log-probabilities, shape (N, C), or (C,) for one sample.
        target: integer class indices, shape (N,) (a scalar for one sample), each in [0, C-1].
        weight: optional per-class weights, shape (C,).
        reduction: "mean", "sum" or "none".

    Example:
        >>> import numpy as np
        >>> round(float(nll_loss(np.log([[0.7, 0.2, 0.1]]), [0])), 4)
        0.3567
    """
    check_reduction(reduction)
    lp, unbatched = _scores_2d(log_probs, "log_probs")
    n, c = lp.shape
    w = _class_weight(weight, c)
    _, y = _ce_target(target, n, c, unbatched, allow_probs=False)
    if w is None:  # no weight array needed: -1 * x is -x, and the weights sum to N
        per, denom = -lp[np.arange(n), y], float(n)
    else:
        wy = w[y]
        per, denom = -wy * lp[np.arange(n), y], wy.sum()
    if reduction == "none":
        return np.asarray(per[0]) if unbatched else per  # one sample: a 0-d array, as torch
    if reduction == "sum":
        return np.asarray(per.sum(), dtype=np.float64)
    return np.asarray(_mean(per.sum(), denom, n), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Binary: BCE on probabilities and on logits, focal loss
# --------------------------------------------------------------------------------------------

def _broadcast_weight(weight, shape, name):
    """``weight`` broadcast to ``shape`` (the input's shape must not change), or None."""
    if weight is None:
        return None
    w = as_float_array(weight, name)
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"{name} has shape {w.shape}, which does not broadcast to the input's shape {shape}; "
            f"pass a scalar, an array of shape {shape}, or one that broadcasts to it "
            f"(e.g. shape {shape[-1:]} for one weight per column)"
        ) from None


def binary_cross_entropy(probs, target, *, weight=None, reduction="mean"):
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

    Example:
        >>> round(float(binary_cross_entropy([0.9, 0.2], [1.0, 0.0])), 4)
        0.1643
        >>> float(binary_cross_entropy([0.0], [1.0]))  # log 0 clamped at -100
        100.0
    """
    check_reduction(reduction)
    p = as_float_array(probs, "probs")
    t = as_float_array(target, "target")
    check_same_shape(p, t, "probs", "target")

    def check(p, t):
        check_probabilities(p, "probs")
        check_probabilities(t, "target")

    def values(p, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped on the next lines
            log_p = np.maximum(np.log(p), -100.0)  # torch's clamp; np.maximum keeps NaN
            log_1mp = np.maximum(np.log1p(-p), -100.0)  # log1p(-p): accurate for tiny p
        return -(t * log_p + (1.0 - t) * log_1mp)

    if weight is None:
        return reduce_elementwise(values, (p, t), reduction,
                                  check=(lambda p, t: in_unit_interval(p) and in_unit_interval(t), check))
    check(p, t)
    w = _broadcast_weight(weight, p.shape, "weight")
    return reduce(values(p, t) * w, reduction)


def _bce_logits_inputs(logits, target, weight, pos_weight, reduction):
    """Validated logits, targets and weights. Without weights the target's range is left to the
    caller, which checks it block by block while computing (``check=_TARGET_CHECK``)."""
    check_reduction(reduction)
    z = as_float_array(logits, "logits")
    t = as_float_array(target, "target")
    check_same_shape(z, t, "logits", "target")
    if weight is None and pos_weight is None:
        return z, t, None, None
    check_probabilities(t, "target")
    w = _broadcast_weight(weight, z.shape, "weight")
    pw = _broadcast_weight(pos_weight, z.shape, "pos_weight")
    return z, t, w, pw


def _softplus_neg(z):
    r""":math:`\log(1 + e^{-z}) = -\log\sigma(z)`, for any z without overflow."""
    # max(-z, 0) carries the large part exactly; exp(-|z|) <= 1 cannot overflow and log1p
    # keeps the small remainder accurate
    return np.maximum(-z, 0.0) + log1p_unit(np.exp(-np.abs(z)))


def binary_cross_entropy_with_logits(logits, target, *, weight=None, pos_weight=None,
                                     reduction="mean"):
    r"""Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    .. math::
        \ell = -w\,\big[p_w\, y \log\sigma(z) + (1 - y)\log(1 - \sigma(z))\big]
             = w\,\big[(1 - y)\,z + (1 + (p_w - 1)\,y)\,\operatorname{softplus}(-z)\big]

    with :math:`\operatorname{softplus}(-z) = \max(-z, 0) + \log(1 + e^{-|z|})`. Without
    ``pos_weight`` this is the familiar :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`. Same as
    ``torch.nn.functional.binary_cross_entropy_with_logits``; unlike
    :func:`binary_cross_entropy` no clamp is needed: :math:`z = \pm 1000` stays exact.

    Args:
        logits: raw scores :math:`z` (any shape).
        target: targets in [0, 1], same shape as ``logits``.
        weight: optional weights that broadcast to the shape of ``logits``.
        pos_weight: optional weight :math:`p_w` of the positive term, broadcast to the shape
            of ``logits`` (usually one per class, shape (C,); e.g. #negatives / #positives).
        reduction: "mean", "sum" or "none".

    Example:
        >>> round(float(binary_cross_entropy_with_logits([2.0, -1.0], [1.0, 0.0])), 4)
        0.2201
        >>> binary_cross_entropy_with_logits([1000.0, -1000.0], [0.0, 1.0], reduction="none").tolist()
        [1000.0, 1000.0]
    """
    z, t, w, pw = _bce_logits_inputs(logits, target, weight, pos_weight, reduction)
    if pw is None and w is None:
        return reduce_elementwise(_bce_logits_values, (z, t), reduction, check=_TARGET_CHECK)
    sp = _softplus_neg(z)
    if pw is None:
        values = (1.0 - t) * z + sp
    else:
        values = (1.0 - t) * z + (1.0 + (pw - 1.0) * t) * sp
    if w is not None:
        values = values * w
    return reduce(values, reduction)


def _bce_logits_values(z, t):
    return (1.0 - t) * z + _softplus_neg(z)


def binary_cross_entropy_with_logits_grad(logits, target, *, weight=None, pos_weight=None,
                                          reduction="mean"):
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    .. math::
        \frac{\partial \ell}{\partial z} = w\,\big[(1 + (p_w - 1)\,y)\,\sigma(z) - p_w\, y\big]
        \quad (= w\,(\sigma(z) - y) \text{ without pos\_weight})

    Example:
        >>> binary_cross_entropy_with_logits_grad([0.0, 0.0], [1.0, 0.0], reduction="sum").tolist()
        [-0.5, 0.5]
    """
    z, t, w, pw = _bce_logits_inputs(logits, target, weight, pos_weight, reduction)
    if pw is None and w is None:
        return grad_elementwise(lambda z, t: _sigmoid(z) - t, (z, t), reduction, check=_TARGET_CHECK)
    s = sigmoid(z)
    grad = s - t if pw is None else (1.0 + (pw - 1.0) * t) * s - pw * t
    if w is not None:
        grad = grad * w
    return reduce_grad(np.asarray(grad, dtype=np.float64), reduction)


def sigmoid_focal_loss(logits, target, *, alpha=0.25, gamma=2.0, reduction="mean"):
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

    Example:
        >>> round(float(sigmoid_focal_loss([2.0, -1.0], [1.0, 0.0])), 5)
        0.00872
    """
    alpha = _real(alpha, "alpha")
    if alpha > 1:
        raise ValueError(f"alpha must be in [0, 1] (or negative to switch it off), got {alpha!r}")
    gamma = _real(gamma, "gamma")
    if not (0 <= gamma < np.inf):
        raise ValueError(f"gamma must be a finite number >= 0, got {gamma!r}")
    z, t, _, _ = _bce_logits_inputs(logits, target, None, None, reduction)

    def values(z, t):
        ce = _bce_logits_values(z, t)
        p = _sigmoid(z)
        p_t = p * t + (1.0 - p) * (1.0 - t)
        out = ce * (1.0 - p_t) ** gamma
        if alpha >= 0:
            out = (alpha * t + (1.0 - alpha) * (1.0 - t)) * out
        return out

    return reduce_elementwise(values, (z, t), reduction, check=_TARGET_CHECK)


def _real(value, name):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or np.isnan(value):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------------------------
# KL divergence
# --------------------------------------------------------------------------------------------

_KL_REDUCTIONS = ("batchmean", "sum", "mean", "none")


def kl_div(log_pred, target, *, reduction="batchmean", log_target=False):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(\text{target} \,\|\, \text{pred})`, point-wise.

    .. math::
        \ell = y\,(\log y - \log \hat p) \quad (0 \log 0 = 0), \qquad
        \text{or } e^{y}\,(y - \log \hat p) \text{ if log\_target (target given as } \log y)

    Same as ``torch.nn.functional.kl_div``: the *first* argument is the log of the model's
    distribution. "batchmean" (the default here, the true KL per sample) divides the sum by
    the first dimension; "mean" divides by the number of elements (rarely what you want).
    Like torch, only the :math:`y \log y` term uses :math:`0 \log 0 = 0`: a zero target where
    ``log_pred`` is ``-inf``, or a ``log_target`` of ``-inf``, gives NaN (``0 * -inf``).

    Args:
        log_pred: log-probabilities of the model, e.g. ``log_softmax(z)``.
        target: probabilities in [0, 1] (or log-probabilities if ``log_target``), same shape.
        reduction: "batchmean", "sum", "mean" or "none".
        log_target: whether ``target`` is given as log-probabilities.

    Example:
        >>> import numpy as np
        >>> round(float(kl_div(np.log([[0.5, 0.5]]), [[0.9, 0.1]])), 4)
        0.3681
    """
    check_reduction(reduction, _KL_REDUCTIONS)
    if not isinstance(log_target, (bool, np.bool_)):
        raise ValueError(f"log_target must be True or False, got {log_target!r}")
    x = as_float_array(log_pred, "log_pred")
    t = as_float_array(target, "target")
    check_same_shape(x, t, "log_pred", "target")
    check = None if log_target else _TARGET_CHECK

    def values(x, t):
        if log_target:
            with np.errstate(invalid="ignore"):  # t = -inf gives 0 * -inf = NaN, as in torch
                return np.exp(t) * (t - x)
        with np.errstate(divide="ignore", invalid="ignore"):
            # xlogy: 0 * log 0 is taken as 0 (the limit), as torch.xlogy does
            ylogy = np.where(t == 0, 0.0, t * np.log(t))
            return ylogy - t * x  # t = 0 with log_pred = -inf: 0 * -inf = NaN, as in torch

    if reduction == "batchmean":
        total = reduce_elementwise(values, (x, t), "sum", check=check)
        if x.ndim == 0:
            return np.asarray(total, dtype=np.float64)  # torch: a 0-d input is not divided
        n = x.shape[0]
        return np.asarray(total / n if n else np.nan, dtype=np.float64)
    return reduce_elementwise(values, (x, t), reduction, check=check)


__all__ = [
    "softmax", "log_softmax", "sigmoid", "cross_entropy", "cross_entropy_grad", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad", "sigmoid_focal_loss", "kl_div",
]
