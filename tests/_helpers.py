"""Helpers shared by the loss tests (imported as ``from _helpers import ...``; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import torch

REDUCTIONS = ["none", "mean", "sum"]


def T(x, grad: bool = False) -> torch.Tensor:
    """A float64 torch tensor of ``x`` (the reference computations run in float64)."""
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def L(y) -> torch.Tensor:
    """Class indices as a torch long tensor."""
    return torch.tensor(np.asarray(y), dtype=torch.long)


def torch_reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"none": lambda v: v, "mean": torch.mean, "sum": torch.sum}[reduction](values)


@contextlib.contextmanager
def no_warnings():
    """Turn every warning (numpy overflow, divide by zero, invalid value) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


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
