"""The one place where per-sample losses become the number the optimiser sees."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._validation import check_reduction

Reduction = Literal["none", "mean", "sum"]


def reduce(values, reduction: Reduction = "mean", *, denom=None) -> np.ndarray:
    """Apply ``reduction`` ("none", "mean" or "sum") to per-sample loss ``values``.

    "mean" divides the sum by ``denom``, by default the number of values (a weighted loss
    passes its summed weights). Like torch, "mean" of an empty array is NaN, "sum" of one is 0,
    and a zero ``denom`` gives NaN (0/0) rather than an error. Reduced results are 0-d float64
    arrays (``float(...)`` gives the number).
    """
    check_reduction(reduction)
    values = np.asarray(values, dtype=np.float64)
    if reduction == "none":
        return values
    total = values.sum()
    if reduction == "sum":
        return np.asarray(total)
    if values.size == 0:
        return np.asarray(np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):  # denom 0 (all weights 0): NaN as torch
        return np.asarray(total / (values.size if denom is None else denom))


def reduce_grad(grad, reduction: Reduction = "mean", *, denom=None) -> np.ndarray:
    """Scale the gradient of the summed loss for ``reduction``, the companion of :func:`reduce`.

    For "sum" and "none" it is returned unchanged ("none": the gradient of ``loss.sum()``, what
    torch's ``backward`` on ``loss.sum()`` gives). For "mean" it is divided by the same
    ``denom`` as the loss: by default ``grad.size``, right for element-wise losses; a loss with
    fewer values than its input has elements (cross-entropy: logits (N, C) but N losses)
    passes its own. A zero ``denom`` (empty input, every target ignored) leaves the gradient
    as it is, all zeros, as torch's autograd gives.
    """
    check_reduction(reduction)
    grad = np.asarray(grad, dtype=np.float64)
    denom = grad.size if denom is None else denom
    return grad / denom if reduction == "mean" and denom != 0 else grad
