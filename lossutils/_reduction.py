"""The one place where per-element losses become the number the optimiser sees."""

from __future__ import annotations

import numpy as np

from ._validation import check_reduction


def reduce(values: np.ndarray, reduction: str = "mean"):
    """Apply ``reduction`` ("none", "mean" or "sum") to per-element loss ``values``.

    "mean" of an empty array is NaN, like torch; "sum" of an empty array is 0.
    Reduced results are returned as 0-d float64 arrays (``float(...)`` gives the number).
    """
    check_reduction(reduction)
    values = np.asarray(values, dtype=np.float64)
    if reduction == "none":
        return values
    if reduction == "sum":
        return np.asarray(values.sum(), dtype=np.float64)
    if values.size == 0:
        return np.asarray(np.nan)
    return np.asarray(values.mean(), dtype=np.float64)


def reduce_grad(grad: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """Scale an element-wise gradient of the summed loss for ``reduction``.

    For "none" the gradient is that of ``loss.sum()`` (what torch's ``backward`` on
    ``loss.sum()`` returns), so all three reductions give a gradient of the pred's shape.
    """
    check_reduction(reduction)
    if reduction == "mean" and grad.size:
        return grad / grad.size
    return grad
