"""Small numerical helpers shared by the losses."""

from __future__ import annotations

import numpy as np


def log1p_unit(x):
    r""":math:`\log(1 + x)` for :math:`0 \le x \le 1`, nearly as accurate as ``np.log1p`` and faster.

    numpy's float64 ``log1p`` has no vectorised loop and costs about twice as much as its ``log``
    (``make bench`` measures both, and this function). With :math:`u = 1 + x` rounded,
    :math:`\log(1 + x) = \log u + \log\frac{1 + x}{u} \approx \log u - ((u - 1) - x) / u`: the correction is the rounding error of
    :math:`u`, computed exactly (``u - 1`` and ``(u - 1) - x`` have no rounding for
    :math:`u \in [1, 2]`), so small ``x`` keep their digits (``x = 1e-20`` gives ``1e-20``, where
    ``np.log(1 + x)`` gives 0). Used where ``x = exp(-|z|)``: softplus, log-cosh.

    Example:
        >>> float(log1p_unit(np.array(1e-20)))
        1e-20
    """
    u = 1.0 + x
    return np.log(u) - ((u - 1.0) - x) / u
