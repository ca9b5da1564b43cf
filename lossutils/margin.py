r"""Margin losses: binary hinge, squared hinge, the multiclass hinge of ``multi_margin_loss``
and the margin ranking loss.

A margin loss looks at the *margin* :math:`m = y\,s` (label times score): it is zero once the
sample is on the right side by at least ``margin``, and grows linearly (or quadratically) below.
Unlike cross-entropy it stops pushing as soon as the margin is reached.

Empty batches follow the package reduction policy (as torch does): "none" gives an empty array,
"mean" NaN, "sum" 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Reduction, reduce, reduce_grad
from ._validation import (
    as_float_array, as_index_array, check_class_index, check_ndim, check_pair, check_positive,
    check_same_shape, check_scalar, check_values_in,
)


def _hinge_inputs(scores, target, margin):
    """Validated margin, scores and targets (each -1 or +1)."""
    margin = check_positive(margin, "margin")
    s, y = check_pair(scores, target, ("scores", "target"))
    check_values_in(y, (-1.0, 1.0), "target", "for 0/1 labels pass 2*y - 1", choices="-1 or +1")
    return s, y, margin


def hinge_loss(scores: ArrayLike, target: ArrayLike, *, margin: float = 1.0,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Binary hinge loss of raw scores against labels in {-1, +1}.

    .. math::
        \ell(s, y) = \max(0,\ \text{margin} - y\,s), \qquad y \in \{-1, +1\}

    torch has no binary hinge function; the torch expression is
    ``torch.clamp(margin - y * s, min=0)`` (or ``torch.relu(margin - y * s)``).
    ``torch.nn.HingeEmbeddingLoss`` is a different loss: it takes *distances* ``x`` and gives
    ``x`` for ``y = 1`` and ``max(0, margin - x)`` for ``y = -1``.

    Args:
        scores: raw scores (any shape), positive means "class +1".
        target: labels of the same shape, each -1 or +1 (for 0/1 labels pass ``2*y - 1``).
        margin: the margin to reach; must be > 0.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``scores``.

    Example (scores 2.5, 0.5 and -1.0 for a positive sample):
        >>> hinge_loss([2.5, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.5, 2.0]
        >>> float(hinge_loss([2.5, 0.5, -1.0], [1, 1, 1]))
        0.8333333333333334
    """
    s, y, margin = _hinge_inputs(scores, target, margin)
    return reduce(np.maximum(0.0, margin - y * s), reduction)  # np.maximum propagates NaN


def hinge_loss_grad(scores: ArrayLike, target: ArrayLike, *, margin: float = 1.0,
                    reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`hinge_loss` with respect to ``scores``.

    .. math::
        \frac{\partial \ell}{\partial s} = -y \text{ if } y\,s < \text{margin}, \text{ else } 0

    At the kink :math:`y\,s = \text{margin}` the loss has no derivative; we return the
    subgradient 0 (any value between -y and 0 is a valid subgradient). That is what torch's
    autograd gives for ``torch.relu(margin - y*s)``; ``torch.clamp(..., min=0)`` gives -y there.
    A NaN score gives a NaN gradient. For "none" this is the gradient of the summed loss;
    for "mean" it is divided by the number of elements.

    Returns:
        An array of the shape of ``scores`` (for "none", the gradient of the summed loss).

    Example:
        >>> hinge_loss_grad([2.5, 0.5, -1.0], [1, 1, 1], reduction="sum").tolist()
        [0.0, -1.0, -1.0]
    """
    s, y, margin = _hinge_inputs(scores, target, margin)
    h = margin - y * s
    return reduce_grad(np.where(h > 0, -y, np.where(np.isnan(h), np.nan, 0.0)), reduction)


def squared_hinge_loss(scores: ArrayLike, target: ArrayLike, *, margin: float = 1.0,
                       reduction: Reduction = "mean") -> np.ndarray:
    r"""Squared hinge loss: the hinge, squared, so it is smooth at the margin.

    .. math::
        \ell(s, y) = \max(0,\ \text{margin} - y\,s)^2, \qquad y \in \{-1, +1\}

    torch expression: ``torch.clamp(margin - y * s, min=0) ** 2`` (no torch function).

    Args:
        scores, target, margin, reduction: as for :func:`hinge_loss`.

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``scores``.

    Example:
        >>> squared_hinge_loss([2.5, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.25, 4.0]
    """
    s, y, margin = _hinge_inputs(scores, target, margin)
    return reduce(np.maximum(0.0, margin - y * s) ** 2, reduction)


def multi_margin_loss(scores: ArrayLike, target: ArrayLike, *, margin: float = 1.0,
                      reduction: Reduction = "mean") -> np.ndarray:
    r"""Multiclass hinge loss (Weston--Watkins form, averaged over classes).

    .. math::
        \ell(x, y) = \frac{1}{C} \sum_{i \ne y} \max(0,\ \text{margin} - x_y + x_i)

    Same as ``torch.nn.functional.multi_margin_loss(x, y, p=1, margin=margin)`` (no weight).
    Note the division by the number of classes ``C``, which torch does too.

    Args:
        scores: raw class scores, shape (N, C), or (C,) for one sample.
        target: class indices in 0 .. C-1, shape (N,), or a scalar for (C,) scores.
        margin: required gap between the true class score and every other; must be > 0.
        reduction: "mean", "sum" or "none" (one value per sample; a 0-d array for (C,) scores).

    Returns:
        The reduced loss (0-d), or with "none" one value per sample, shape (N,) (0-d for one sample).

    Example:
        True class 1 beats class 0 by 1.5 but class 2 by only 0.5, so only class 2
        is inside the margin and costs (1 - 0.5) / 3:

        >>> float(multi_margin_loss([[0.5, 2.0, 1.5]], [1]))
        0.16666666666666666

    An empty batch (N = 0) follows the package reduction policy (mean NaN, sum 0); torch 2.13
    returns an uninitialised number there. C = 0 is an error, as in torch.
    """
    margin = check_positive(margin, "margin")
    x = as_float_array(scores, "scores")
    check_ndim(x, (1, 2), "scores", "(N, C) or (C,)")
    y = as_index_array(target, "target")
    if x.ndim == 1 and y.ndim != 0:
        raise ValueError(
            f"scores has shape {x.shape} (one sample) so target must be a scalar class index, "
            f"got shape {y.shape}; for a batch pass scores of shape (N, C)"
        )
    if x.ndim == 2 and y.shape != (x.shape[0],):
        raise ValueError(
            f"scores has shape {x.shape} so target must have shape ({x.shape[0]},), one class "
            f"index per row, got shape {y.shape}"
        )
    n_classes = x.shape[-1]
    if n_classes == 0:
        raise ValueError("scores has 0 classes (last dimension is 0); pass at least one class")
    check_class_index(y, n_classes)
    x2, y2 = x.reshape(-1, n_classes), y.reshape(-1)  # one sample (C,) as a batch of one
    rows = np.arange(len(y2))
    terms = np.maximum(0.0, margin - x2[rows, y2][:, None] + x2)
    terms[rows, y2] = 0.0  # the i == y term is left out (it would be `margin`)
    return reduce((terms.sum(axis=1) / n_classes).reshape(y.shape), reduction)


def margin_ranking_loss(x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, margin: float = 0.0,
                        reduction: Reduction = "mean") -> np.ndarray:
    r"""Margin ranking loss: for each pair, the item ``target`` says is better must score
    higher than the other by at least ``margin``.

    .. math::
        \ell(x_1, x_2, y) = \max\big(0,\ \text{margin} - y\,(x_1 - x_2)\big),
        \qquad y \in \{-1, +1\}

    The binary hinge on the score gap: ``hinge_loss(x1 - x2, y, margin=margin)`` for
    ``margin > 0``. Same as ``torch.nn.functional.margin_ranking_loss`` (and
    ``torch.nn.MarginRankingLoss``), including its default ``margin=0``: then only a wrong
    order costs anything, and a tie costs 0.

    Args:
        x1, x2: the scores of the two items of each pair, arrays of the same shape.
        target: same shape, +1 where ``x1`` should rank higher, -1 where ``x2`` should
            (for 0/1 labels pass ``2*y - 1``).
        margin: the required score gap; any finite number, as in torch (0 by default; a
            negative margin tolerates a wrong order up to ``-margin``).
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``x1``.

    Example (item a should beat item b by 1: gaps 2.0, 0.5 and -1.0):
        >>> margin_ranking_loss([2.0, 0.5, -1.0], [0.0, 0.0, 0.0], [1, 1, 1], margin=1.0,
        ...                     reduction="none").tolist()
        [0.0, 0.5, 2.0]
    """
    margin = check_scalar(margin, "margin", "a finite number", np.isfinite)
    a, b = check_pair(x1, x2, ("x1", "x2"))
    y = as_float_array(target, "target")
    check_same_shape(a, y, "x1", "target")
    check_values_in(y, (-1.0, 1.0), "target", "+1 where x1 should rank higher, -1 where x2 should; "
                    "for 0/1 labels pass 2*y - 1", choices="-1 or +1")
    return reduce(np.maximum(0.0, margin - y * (a - b)), reduction)  # np.maximum propagates NaN


__all__ = [
    "hinge_loss", "hinge_loss_grad", "squared_hinge_loss", "multi_margin_loss", "margin_ranking_loss",
]
