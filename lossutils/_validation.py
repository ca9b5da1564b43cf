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

# Elements per block where large arrays are processed a block at a time (range checks here, loss
# formulas in _reduction.py): a block's temporaries (256 KB each) stay in the CPU cache.
BLOCK = 1 << 15


def as_float_array(x, name: str = "input") -> np.ndarray:
    """Return ``x`` as a float64 numpy array; reject what cannot be one.

    Booleans become 0.0/1.0. Strings, ``None`` and complex numbers are rejected (a plain
    ``np.asarray(x, dtype=float)`` would silently parse ``"1.5"``, turn ``None`` into NaN and
    warn-and-drop imaginary parts).
    """
    if type(x) is np.ndarray and x.dtype == np.float64:  # exact type: np.matrix has a different `*`
        return x
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(
            f"{name} must be numeric (a number, list or numpy array of numbers), "
            f"got {type(x).__name__}: {exc}"
        ) from None
    kind = raw.dtype.kind
    if kind == "O" and any(v is None for v in raw.flat):
        raise ValueError(f"{name} contains None; use float('nan') for a missing value")
    if kind not in "biufO":
        what = {"c": "complex numbers", "U": "strings", "S": "bytes"}.get(kind, f"dtype {raw.dtype}")
        raise ValueError(f"{name} must hold real numbers, got {what}; convert it to floats first")
    try:
        arr = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be numeric (a number, list or numpy array of numbers), "
            f"got {type(x).__name__}: {exc}"
        ) from None
    return np.asarray(arr)  # drop ndarray subclasses such as np.matrix


def as_index_array(x, name: str = "target") -> np.ndarray:
    """Return ``x`` as an int64 array of class indices; reject non-integers."""
    arr = np.asarray(x)
    if arr.dtype.kind == "i":
        return np.asarray(arr.astype(np.int64, copy=False))
    if arr.dtype.kind == "u":
        if arr.size and arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name} holds a class index too large for int64: {int(arr.max())}")
        return np.asarray(arr.astype(np.int64))
    if arr.dtype.kind == "b":
        raise ValueError(f"{name} holds booleans; pass class indices as integers (0 .. C-1)")
    if arr.dtype.kind not in "fO":  # strings would otherwise be parsed: "1" -> 1
        raise ValueError(f"{name} must hold integer class indices, got dtype {arr.dtype}")
    try:
        farr = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold integer class indices, got dtype {arr.dtype}") from None
    if not np.all(np.isfinite(farr)) or not np.all(farr == np.round(farr)):
        raise ValueError(
            f"{name} must hold integer class indices (0 .. C-1); it has non-integer values. "
            "For class probabilities pass an array of shape (N, C) instead."
        )
    if farr.size and np.abs(farr).max() > 2.0**62:  # astype(int64) would wrap around silently
        raise ValueError(f"{name} holds a class index far out of range: {np.abs(farr).max()!r}")
    return np.asarray(farr.astype(np.int64))


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str = "pred", name_b: str = "target") -> None:
    """Shapes must match exactly: numpy would silently broadcast (4,) against (4, 1)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match "
            f"(reshape one of them, e.g. {name_b}.reshape({name_a}.shape), if that is what you mean)"
        )


def check_reduction(reduction, allowed=REDUCTIONS) -> str:
    # isinstance first: `array in tuple` compares element-wise and raises a confusing error
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in allowed)}, got {reduction!r}"
        )
    return reduction


def _scalar(value):
    """Unwrap a 0-d numeric numpy array (``np.array(0.5)``) to a Python number."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return value.item()
    return value


def check_positive(value, name: str) -> float:
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (value > 0) or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number (> 0), got {value!r}")
    return float(value)


def check_open_unit(value, name: str) -> float:
    """``0 < value < 1``."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 < value < 1.0):
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return float(value)


def check_closed_unit(value, name: str) -> float:
    """``0 <= value <= 1``."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be between 0 and 1 (inclusive), got {value!r}")
    return float(value)


def first_below(a: np.ndarray, bound: float):
    """The first (non-NaN) entry of ``a`` below ``bound`` as a float, or None if there is none."""
    if a.size == 0 or np.min(a) >= bound:  # fast path: one pass, no temporary (NaN fails it)
        return None
    bad = a < bound
    return float(a[bad].flat[0]) if np.any(bad) else None


def in_unit_interval(a: np.ndarray) -> bool:
    """Fast test: every entry in [0, 1] (two passes, no temporaries; False if there is a NaN)."""
    return a.size == 0 or bool(np.min(a) >= 0 and np.max(a) <= 1)


def check_probabilities(p: np.ndarray, name: str = "probs") -> None:
    """Every (non-NaN) entry in [0, 1]."""
    if in_unit_interval(p):  # fast path; only an array with a bad (or NaN) entry goes on
        return
    bad = (p < 0) | (p > 1)
    if np.any(bad):
        worst = float(p[bad].flat[0])  # float(): numpy 2 reprs scalars as np.float64(...)
        raise ValueError(
            f"{name} must lie in [0, 1], found {worst!r}. If these are logits (raw scores), "
            "apply sigmoid/softmax first or use the *_with_logits / cross_entropy variant."
        )


def check_not_empty(a: np.ndarray, name: str = "input") -> None:
    if a.size == 0:
        raise ValueError(f"{name} is empty; pass at least one element")


def check_ndim(a: np.ndarray, ndims, name: str, layout: str, hint: str = "") -> None:
    """``a.ndim`` must be one of ``ndims``; ``layout`` names the expected shape, e.g. "(N, D)"."""
    ndims = (ndims,) if isinstance(ndims, int) else tuple(ndims)
    if a.ndim not in ndims:
        dims = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(
            f"{name} must be a {dims} array of shape {layout}, got shape {a.shape}"
            + (f"; {hint}" if hint else "")
        )


def check_values_in(a: np.ndarray, allowed, name: str, hint: str = "", choices: str = "") -> None:
    """Every non-NaN entry of ``a`` must be one of ``allowed`` (NaN propagates, see the policy).

    ``choices`` spells the allowed values in the message (default: "0 or 1" style).
    """
    if all_in(a, allowed):  # fast path; only an array with a bad (or NaN) entry takes the next line
        return
    bad = ~np.isin(a, allowed) & ~np.isnan(a)
    if np.any(bad):
        worst = float(a[bad].flat[0])
        choices = choices or " or ".join(f"{v:g}" for v in allowed)
        raise ValueError(
            f"{name} must hold only {choices}, found {worst!r}" + (f"; {hint}" if hint else "")
        )


def all_in(a: np.ndarray, allowed) -> bool:
    """Fast test: every entry of ``a`` equals one of the few ``allowed`` values (NaN does not)."""
    if a.size <= BLOCK:  # one block: no reshaping or slicing (this is most calls)
        hit = a == allowed[0]
        for value in allowed[1:]:
            hit |= a == value
        return bool(hit.all())
    flat = a.reshape(-1)
    for lo in range(0, flat.size, BLOCK):  # a block at a time: the boolean temporaries stay small
        block = flat[lo:lo + BLOCK]
        hit = block == allowed[0]
        for value in allowed[1:]:
            hit |= block == value
        if not hit.all():
            return False
    return True


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
