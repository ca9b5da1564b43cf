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


def check_pair(a, b, names=("pred", "target")) -> tuple[np.ndarray, np.ndarray]:
    """The usual first line of a loss: two float64 arrays of the same shape."""
    a, b = as_float_array(a, names[0]), as_float_array(b, names[1])
    check_same_shape(a, b, *names)
    return a, b


def check_scalar(value, name: str, must: str, ok) -> float:
    """The one check of a scalar hyperparameter: a real number (not a bool) for which ``ok`` holds.

    A 0-d numeric array (``np.array(0.5)``) counts as a number. Otherwise raises
    ``ValueError: {name} must be {must}, got {value!r}``. Returns the value as a float.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
        raise ValueError(f"{name} must be {must}, got {value!r}")
    return float(value)


def check_positive(value, name: str) -> float:
    return check_scalar(value, name, "a positive finite number (> 0)", lambda v: 0 < v < np.inf)


def check_open_unit(value, name: str) -> float:
    return check_scalar(value, name, "strictly between 0 and 1", lambda v: 0 < v < 1)


def check_closed_unit(value, name: str) -> float:
    return check_scalar(value, name, "between 0 and 1 (inclusive)", lambda v: 0 <= v <= 1)


def check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_probabilities(p: np.ndarray, name: str = "probs") -> None:
    """Every (non-NaN) entry in [0, 1]."""
    bad = (p < 0) | (p > 1)  # False for NaN
    if np.any(bad):
        worst = float(p[bad].flat[0])  # float(): numpy 2 reprs scalars as np.float64(...)
        raise ValueError(
            f"{name} must lie in [0, 1], found {worst!r}. If these are logits (raw scores), "
            "apply sigmoid/softmax first or use the *_with_logits / cross_entropy variant."
        )


def check_class_index(y: np.ndarray, n_classes: int, ignore_index=None, name: str = "target") -> None:
    """Every class index in [0, C-1] (``ignore_index``, if given, is allowed too)."""
    bad = (y < 0) | (y >= n_classes)
    if ignore_index is not None:
        bad &= y != ignore_index
    if np.any(bad):
        raise ValueError(
            f"{name} holds class index {int(y[bad].flat[0])}, out of range for {n_classes} "
            f"classes; class indices must be in [0, {n_classes - 1}]"
            + ("" if ignore_index is None else f" (or equal ignore_index={ignore_index})")
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
    ok = a == allowed[0]
    for value in allowed[1:]:
        ok |= a == value
    if ok.all():  # the usual case, and the cheaper test
        return
    bad = ~ok & ~np.isnan(a)  # NaN propagates (see the policy)
    if np.any(bad):
        worst = float(a[bad].flat[0])
        choices = choices or " or ".join(f"{v:g}" for v in allowed)
        raise ValueError(
            f"{name} must hold only {choices}, found {worst!r}" + (f"; {hint}" if hint else "")
        )


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
