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


def reduce_grad(grad: np.ndarray, reduction: str = "mean", *, n_losses: int | None = None) -> np.ndarray:
    """Scale an element-wise gradient of the summed loss for ``reduction``.

    For "none" the gradient is that of ``loss.sum()`` (what torch's ``backward`` on
    ``loss.sum()`` returns), so all three reductions give a gradient of the pred's shape.

    ``n_losses`` is how many per-sample loss values "mean" averages over. It defaults to
    ``grad.size``, which is right for element-wise losses; pass it when the loss has fewer
    values than its input has elements (cross-entropy: logits (N, C) but N losses, so the
    mean gradient is divided by N, not N*C).
    """
    check_reduction(reduction)
    grad = np.asarray(grad, dtype=np.float64)
    count = grad.size if n_losses is None else int(n_losses)
    if reduction == "mean" and count:
        return grad / count
    return grad
