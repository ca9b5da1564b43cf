"""The controls of an explorer (``Slider``, ``Choice``) and its panels (``Panel``)."""

from __future__ import annotations

import builtins
import math
import numbers
from typing import Mapping


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _same(a, b) -> bool:
    """Equality of control values; real numbers compare with a tiny tolerance (0.1 * 3 == 0.3)."""
    if _is_real(a) and _is_real(b):
        a, b = float(a), float(b)
        return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - objects whose == is not a bool
        return False


def _format_value(v, fmt) -> str:
    if fmt is None:
        if isinstance(v, str):
            return v
        if _is_int(v):
            return str(int(v))
        if _is_real(v):
            return f"{float(v):g}"
        return str(v)
    if callable(fmt):
        return str(fmt(v))
    if "{" in fmt:
        return fmt.format(v)
    return format(v, fmt)


class Slider:
    """A slider over the grid ``min, min + step, ..., max`` (both ends included).

    If ``min``, ``max`` and ``step`` are all integers, compute receives ints. ``fmt`` formats the
    value shown next to the slider: a format spec (``".2f"``), a template (``"{:.0%}"``) or a
    callable; by default as many decimals as ``step`` has.

    >>> Slider(0.0, 0.3, 0.1, value=0.1, label="p").values
    [0.0, 0.1, 0.2, 0.3]
    """

    def __init__(self, min, max, step, *, value=None, label: str = "", fmt=None):
        for name, v in (("min", min), ("max", max), ("step", step)):
            if not _is_real(v) or not math.isfinite(float(v)):
                raise ValueError(f"Slider {label!r}: {name} must be a finite number, got {v!r}")
        if not step > 0:
            raise ValueError(f"Slider {label!r}: step must be > 0, got {step!r}")
        if not max > min:
            raise ValueError(f"Slider {label!r}: max ({max!r}) must be greater than min ({min!r})")
        n = (max - min) / step
        k = round(n)
        if abs(n - k) > 1e-6 * builtins.max(1.0, abs(n)):
            lo_max, hi_max = min + math.floor(n) * step, min + math.ceil(n) * step
            raise ValueError(
                f"Slider {label!r}: max - min = {max - min!r} is not a multiple of step {step!r}; "
                f"use max = {lo_max:g} or {hi_max:g}, or another step"
            )
        self.is_int = _is_int(min) and _is_int(max) and _is_int(step)
        if self.is_int:
            self.values = [int(min) + i * int(step) for i in range(k + 1)]
        else:
            self.values = [round(float(min) + i * float(step), 12) + 0.0 for i in range(k + 1)]
        self.min, self.max, self.step = min, max, step
        self.label = label
        if fmt is None and not self.is_int:
            decimals = next((d for d in range(11) if all(
                abs(round(float(v) * 10**d) - float(v) * 10**d) < 1e-6 for v in (step, min))), 10)
            fmt = f".{decimals}f"
        self.fmt = fmt
        self.labels = [_format_value(v, fmt) for v in self.values]
        self.index = 0 if value is None else self.index_of(value)

    def index_of(self, value) -> int:
        if _is_real(value) and math.isfinite(float(value)):
            i = round((float(value) - float(self.min)) / float(self.step))
            if 0 <= i < len(self.values) and _same(self.values[i], value):
                return i
        raise ValueError(
            f"Slider {self.label!r}: {value!r} is not one of its values "
            f"{self.values[0]!r}, {self.values[1] if len(self.values) > 1 else ''!r}, ... {self.values[-1]!r} "
            f"(min + k * step); pick a value on that grid"
        )

    def __repr__(self):
        return (f"Slider({self.min!r}, {self.max!r}, {self.step!r}, value={self.values[self.index]!r}, "
                f"label={self.label!r})")


class Choice:
    """A drop-down menu. ``options``: a list of values (shown with ``str``/``:g``) or of
    ``(label, value)`` pairs.

    >>> Choice([("squared error", "mse"), ("absolute error", "mae")], value="mae", label="loss").index
    1
    """

    def __init__(self, options, *, value=None, label: str = ""):
        if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
            raise ValueError(f"Choice {label!r}: options must be a list of values or (label, value) pairs, "
                             f"got {options!r}")
        if isinstance(options, Mapping):
            pairs = [(str(k), v) for k, v in options.items()]
        else:
            pairs = []
            for opt in options:
                if isinstance(opt, (tuple, list)) and len(opt) == 2 and isinstance(opt[0], str):
                    pairs.append((opt[0], opt[1]))
                else:
                    pairs.append((_format_value(opt, None), opt))
        if not pairs:
            raise ValueError(f"Choice {label!r}: options is empty; give at least one option")
        self.labels = [p[0] for p in pairs]
        self.values = [p[1] for p in pairs]
        for i, v in enumerate(self.values):
            if any(_same(v, w) for w in self.values[:i]):
                raise ValueError(f"Choice {label!r}: the value {v!r} appears twice in options; values must differ")
        self.label = label
        self.index = 0 if value is None else self.index_of(value)

    def index_of(self, value) -> int:
        for i, v in enumerate(self.values):
            if _same(v, value):
                return i
        raise ValueError(f"Choice {self.label!r}: {value!r} is not one of its options {self.values!r}")

    def __repr__(self):
        return f"Choice({list(zip(self.labels, self.values))!r}, value={self.values[self.index]!r}, label={self.label!r})"


# ------------------------------------------------------------------------------------------------
# Panels
# ------------------------------------------------------------------------------------------------

class Panel:
    """One set of axes. Limits not given are computed once from every frame, with a 5% margin."""

    def __init__(self, title: str = "", xlabel: str = "", ylabel: str = "", xlim=None, ylim=None,
                 logy: bool = False):
        self.title, self.xlabel, self.ylabel = str(title), str(xlabel), str(ylabel)
        self.xlim = self._lim(xlim, "xlim")
        self.ylim = self._lim(ylim, "ylim")
        self.logy = bool(logy)
        if self.logy and self.ylim is not None and self.ylim[0] <= 0:
            raise ValueError(f"Panel {title!r}: with logy=True, ylim must be positive, got {ylim!r}")

    @staticmethod
    def _lim(lim, name):
        if lim is None:
            return None
        try:
            lo, hi = (float(v) for v in lim)
        except (TypeError, ValueError):
            raise ValueError(f"Panel: {name} must be a pair (low, high) of numbers, got {lim!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"Panel: {name} must be finite with low < high, got {lim!r}")
        return lo, hi

    def __repr__(self):
        return f"Panel(title={self.title!r})"

