"""Input checks shared by every loss. One place, so every message reads the same.

Each helper raises ``ValueError`` with a message that says what is wrong and how to fix it.

NaN policy (the same for every loss): NaN in an input is *propagated*, as torch does: the loss
is NaN wherever an input is NaN, and no error is raised. Infinite inputs are allowed and follow
IEEE arithmetic. Range checks (probabilities in [0, 1], hinge targets in {-1, +1}, class indices)
ignore NaN entries, so a NaN is never reported as "out of range".
"""

from __future__ import annotations

import numbers

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def as_float_array(x, name: str = "input") -> np.ndarray:
    """Return ``x`` as a float64 numpy array; reject what cannot be one."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be numeric (a number, list or numpy array of numbers), "
            f"got {type(x).__name__}: {exc}"
        ) from None
    return arr


def as_index_array(x, name: str = "target") -> np.ndarray:
    """Return ``x`` as an int64 array of class indices; reject non-integers."""
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "b":
        raise ValueError(f"{name} holds booleans; pass class indices as integers (0 .. C-1)")
    try:
        farr = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold integer class indices, got dtype {arr.dtype}") from None
    if not np.all(np.isfinite(farr)) or not np.all(farr == np.round(farr)):
        raise ValueError(
            f"{name} must hold integer class indices (0 .. C-1); it has non-integer values. "
            "For class probabilities pass an array of shape (N, C) instead."
        )
    return farr.astype(np.int64)


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str = "pred", name_b: str = "target") -> None:
    """Shapes must match exactly: numpy would silently broadcast (4,) against (4, 1)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match "
            f"(reshape one of them, e.g. {name_b}.reshape({name_a}.shape), if that is what you mean)"
        )


def check_reduction(reduction, allowed=REDUCTIONS) -> str:
    if reduction not in allowed:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in allowed)}, got {reduction!r}"
        )
    return reduction


def check_positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (value > 0) or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number (> 0), got {value!r}")
    return float(value)


def check_open_unit(value, name: str) -> float:
    """``0 < value < 1``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 < value < 1.0):
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return float(value)


def check_closed_unit(value, name: str) -> float:
    """``0 <= value <= 1``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be between 0 and 1 (inclusive), got {value!r}")
    return float(value)


def check_probabilities(p: np.ndarray, name: str = "probs") -> None:
    """Every (non-NaN) entry in [0, 1]."""
    bad = (p < 0) | (p > 1)
    if np.any(bad):
        worst = p[bad].flat[0]
        raise ValueError(
            f"{name} must lie in [0, 1], found {worst!r}. If these are logits (raw scores), "
            "apply sigmoid/softmax first or use the *_with_logits / cross_entropy variant."
        )


def check_not_empty(a: np.ndarray, name: str = "input") -> None:
    if a.size == 0:
        raise ValueError(f"{name} is empty; pass at least one element")


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {axis!r}")
    if ndim == 0:
        raise ValueError("input is a scalar (0-d); pass an array with at least one dimension")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}={axis} is out of range for an input with {ndim} dimension(s); "
            f"use a value in [{-ndim}, {ndim - 1}]"
        )
    return int(axis) % ndim
