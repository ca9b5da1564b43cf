"""Plot primitives (``Line``, ``Points``, ``Bars``, ``VLine``, ``HLine``), their colours and styles."""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array
from .controls import _is_int

# Okabe & Ito's colour-blind-safe palette, in the order the course cycles through it. Their
# yellow (#F0E442) is too light for lines on white, so it is only available by name.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
COLORS = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "red": "#D55E00", "purple": "#CC79A7", "sky": "#56B4E9", "black": "#000000",
    "yellow": "#F0E442", "grey": "#6E6E6E", "gray": "#6E6E6E",
}
STYLES = {"solid": None, "dashed": "6 4", "dotted": "1.5 3.5"}


def _vector(v, what: str) -> np.ndarray:
    arr = as_float_array(v, what)
    if arr.ndim > 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {arr.shape}; pass arr.ravel()")
    return np.atleast_1d(arr)


def _color(color, label):
    if color is None:
        return None
    if _is_int(color):
        return PALETTE[int(color) % len(PALETTE)]
    if isinstance(color, str):
        if color.lower() in COLORS:
            return COLORS[color.lower()]
        c = color.strip()
        if c.startswith("#") and len(c) in (4, 7) and all(ch in "0123456789abcdefABCDEF" for ch in c[1:]):
            return c
    raise ValueError(f"{label!r}: color must be a palette name {sorted(COLORS)}, an index into PALETTE "
                     f"or '#rrggbb', got {color!r}")


class _Primitive:
    kind = ""
    x: np.ndarray | None = None
    y: np.ndarray | None = None

    def _common(self, label, color, style):
        if not isinstance(label, str):
            raise ValueError(f"label must be a string, got {label!r}")
        if style not in STYLES:
            raise ValueError(f"{label!r}: style must be one of {list(STYLES)}, got {style!r}")
        self.label, self.color, self.style = label, _color(color, label), style

    def _xy(self, x, y):
        x, y = _vector(x, f"{type(self).__name__} {self.label!r} x"), _vector(y, f"{type(self).__name__} {self.label!r} y")
        if x.shape != y.shape:
            raise ValueError(f"{type(self).__name__} {self.label!r}: x has {x.size} values but y has {y.size}; "
                             "they must match")
        return x, y

    def __repr__(self):
        return f"{type(self).__name__}(label={self.label!r})"


class Line(_Primitive):
    """A polyline through ``(x, y)``; NaN values leave a gap."""
    kind = "line"

    def __init__(self, x, y, *, label: str, color=None, style: str = "solid"):
        self._common(label, color, style)
        self.x, self.y = self._xy(x, y)


class Points(_Primitive):
    """Markers at ``(x, y)``; NaN points are not drawn. (``style`` is accepted and ignored.)"""
    kind = "points"

    def __init__(self, x, y, *, label: str, color=None, style: str = "solid"):
        self._common(label, color, style)
        self.x, self.y = self._xy(x, y)


class Bars(_Primitive):
    """One bar per category; several ``Bars`` in a panel are drawn side by side.
    ``x`` holds the categories, ``y`` the heights. (``style`` is accepted and ignored.)"""
    kind = "bars"

    def __init__(self, categories, heights, *, label: str, color=None, style: str = "solid"):
        self._common(label, color, style)
        if isinstance(categories, str) or not hasattr(categories, "__iter__"):
            raise ValueError(f"Bars {label!r}: categories must be a list of names, got {categories!r}")
        self.categories = tuple(str(c) for c in categories)
        self.y = _vector(heights, f"Bars {label!r} heights")
        if self.y.size != len(self.categories):
            raise ValueError(f"Bars {label!r}: {len(self.categories)} categories but {self.y.size} heights; "
                             "give one height per category")
        self.x = np.array(self.categories, dtype=object)

    @property
    def heights(self):
        return self.y


class VLine(_Primitive):
    """Vertical line(s) across the panel at ``x`` (a number or an array)."""
    kind = "vline"

    def __init__(self, x, *, label: str, color=None, style: str = "solid"):
        self._common(label, color, style)
        self.x = _vector(x, f"VLine {label!r} x")


class HLine(_Primitive):
    """Horizontal line(s) across the panel at ``y`` (a number or an array)."""
    kind = "hline"

    def __init__(self, y, *, label: str, color=None, style: str = "solid"):
        self._common(label, color, style)
        self.y = _vector(y, f"HLine {label!r} y")


_COMPONENTS = {"line": ("x", "y"), "points": ("x", "y"), "bars": ("y",), "vline": ("x",), "hline": ("y",)}
