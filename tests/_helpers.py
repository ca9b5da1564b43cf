"""Helpers shared by the loss tests (imported as ``from _helpers import ...``; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import numpy as np


def assert_reduced(out):
    """A reduced loss is a 0-d float64 array, as the package's reduction policy says."""
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64


def central_diff(f, x, h=1e-6):
    """Central finite differences of the scalar function f at x (float64 array)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad
