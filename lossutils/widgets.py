r"""Explorers: a pure compute function and a few controls become a figure that responds, both in a
live kernel and on the static website.

A chapter writes a *pure* compute function (numbers in, plot primitives out) and declares its
controls and panels; everything else lives here::

    from lossutils.widgets import explore, Slider, Choice, Panel, Line, Points, Bars

    def line_fit(w, b):
        return {"fit": [Points(X, Y, label="data"), Line(XS, w * XS + b, label="model")],
                "text": f"MSE = {mse_loss(w * X + b, Y):.3f}"}

    explore(line_fit,
            {"w": Slider(-1.0, 3.0, 0.25, value=1.0, label="slope w"),
             "b": Slider(-2.0, 2.0, 0.25, value=0.0, label="intercept b")},
            panels={"fit": Panel(title="Residuals shrink as the line fits", xlabel="x", ylabel="y")},
            title="Fit a line by hand", alt="Scatter of data with a line the reader moves.")

How it works, and why
---------------------
Every control has a finite set of values, so :func:`explore` calls ``compute`` once for every
combination (at most :data:`MAX_FRAMES`). That fixes the axes (limits from all frames: nothing
jumps while a slider moves) and gives the static version its data.

The figure is SVG, not matplotlib: Python draws the static frame once (axes, ticks, labels,
legend) and, per update, only the ``d`` attribute of one ``<path>`` per primitive changes. Every
primitive is a path — a polyline, circles drawn as two arcs, rectangles — so an update is a
string swap:

* **Live kernel** (JupyterLab, Notebook, VS Code, Colab): ipywidgets controls (a
  ``SelectionSlider`` on exactly the slider's grid, a ``Dropdown``); moving one calls ``compute``
  for the new value and swaps the figure's HTML in an ``ipywidgets.HTML`` — well under a
  millisecond of Python, where a matplotlib inline redraw costs 70-110 ms
  (``benchmarks/bench_widgets.py`` measures it; ``make bench`` times every chapter's explorers).
* **Static website** (no kernel): the ``text/html`` part of the output is a self-contained
  fragment — native ``<input type=range>``/``<select>`` with labels, the same SVG, the data of
  every frame and ~40 lines of inline script (no library, no CDN) that rebuilds the paths
  from the data. The page shows the frame Python drew; the script decodes the data and redraws only
  when a control moves, so a page with several widgets loads as fast as one without. Coordinates are stored quantised to uint16 in the figure's own pixel space
  (steps of about 1/10 px over the plot area and four plot sizes either side of it, which the
  plot's viewport clips; 65535 marks a gap), each distinct array once, base64-encoded. Paths are
  written in integer tenths of a pixel; the Python and JavaScript path builders use the same
  arithmetic, so both draw identical ``d`` strings. The fragment is deterministic (no random ids; nothing
  needs an id at all: the script finds its container via ``document.currentScript``), so nbval
  can compare it.

``Explorer._repr_mimebundle_`` returns both the live widget view and the fragment; a live
frontend renders the widget, the book (``nb_mime_priority_overrides``) renders the fragment, and
:func:`tools.notebook_outputs.strip_widget_views` removes the widget view from stored notebooks so a notebook opened
without a kernel shows the fragment rather than "model not found". Opened in JupyterLab, a
*trusted* notebook runs the fragment's script (arrow keys work: the inputs carry
``data-lm-suppress-shortcuts``); an untrusted one is sanitised (no ``<svg>``, ``<style>`` or
``<script>``), so layout is in inline styles and a note there says to run the cell or trust the
notebook.

ipywidgets is imported only when a live view is built, so this module imports without it; it
never imports matplotlib.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import html
import json
import math
import numbers
from typing import Any, Callable, Mapping

import numpy as np

from ._validation import as_float_array

__all__ = [
    "explore", "Explorer", "Slider", "Choice", "Panel",
    "Line", "Points", "Bars", "VLine", "HLine",
    "PALETTE", "COLORS", "MAX_HTML_BYTES", "MAX_FRAMES", "WIDGET_VIEW",
]

# Okabe & Ito's colour-blind-safe palette, in the order the course cycles through it. Their
# yellow (#F0E442) is too light for lines on white, so it is only available by name.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
COLORS = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "red": "#D55E00", "purple": "#CC79A7", "sky": "#56B4E9", "black": "#000000",
    "yellow": "#F0E442", "grey": "#6E6E6E", "gray": "#6E6E6E",
}
STYLES = {"solid": None, "dashed": "6 4", "dotted": "1.5 3.5"}

MAX_HTML_BYTES = 300_000   # static version of one widget, html text included
MAX_FRAMES = 5000          # parameter combinations of one widget

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_GAP = 65535               # quantised value that marks a missing point (NaN, inf)
_QMAX = 65534
_BAND = 4.0                # quantised range: the plot area +- 4 plot widths/heights
_FONT = 13                 # SVG text size in viewBox units (~px at the book's page width)
_CHAR = 7.2                # estimated width of one character of tick text at _FONT
_TEXT = "#1a1a1a"
_AXIS = "#555555"
_GRID = "#e4e4e4"


# ------------------------------------------------------------------------------------------------
# Controls
# ------------------------------------------------------------------------------------------------

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
# Panels and plot primitives
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


# ------------------------------------------------------------------------------------------------
# Axes: limits, ticks, geometry, quantisation
# ------------------------------------------------------------------------------------------------

def _minus(s: str) -> str:
    return s.replace("-", "\u2212")


def _nice_ticks(lo: float, hi: float, target: int) -> tuple[list[float], float]:
    """Ticks at multiples of 1, 2, 2.5 or 5 x 10^k inside [lo, hi]: the finest step giving at most
    ``target`` ticks."""
    span = hi - lo
    mag = 10.0 ** math.floor(math.log10(span / max(target, 2)))
    for step in (m * mag for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100)):
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first + 1 <= target:
            break
    return [k * step for k in range(first, last + 1)], step


def _tick_labels(ticks: list[float], step: float) -> list[str]:
    big = max((abs(t) for t in ticks), default=0.0)
    if big >= 1e5 or step < 1e-4:
        out = [f"{t:.3g}" for t in ticks]
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        if abs(round(step * 10**decimals) - step * 10**decimals) > 1e-6:
            decimals += 1
        out = [f"{t:.{decimals}f}" for t in ticks]
    return [_minus("0" if float(s) == 0 else s) for s in out]


_SUP = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _log_ticks(lo: float, hi: float, target: int) -> tuple[list[float], list[str]]:
    """Ticks (in log10 units) and labels for a log axis spanning 10**lo .. 10**hi."""
    decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
    if len(decades) >= 2:
        every = max(1, math.ceil(len(decades) / target))
        ticks = [d for d in decades if d % every == 0] or decades[::every]
        if all(-3 <= d <= 4 for d in ticks):
            labels = [f"{10.0**d:g}" for d in ticks]
        else:
            labels = ["10" + str(d).translate(_SUP) for d in ticks]
        return [float(t) for t in ticks], labels
    vals = []
    for d in range(math.floor(lo) - 1, math.ceil(hi) + 1):
        for m in (1, 2, 5):
            v = math.log10(m) + d
            if lo - 1e-9 <= v <= hi + 1e-9:
                vals.append(v)
    return vals, [f"{10.0**v:.3g}" for v in vals]


def _auto_limits(arrays: list[np.ndarray], include_zero: bool = False, log: bool = False) -> tuple[float, float, bool, bool]:
    """(lo, hi, sticky_lo, sticky_hi) in axis units (log10 units if ``log``) from all arrays."""
    lo, hi = math.inf, -math.inf
    for a in arrays:
        a = a[np.isfinite(a)]
        if log:
            a = np.log10(a[a > 0])
        if a.size:
            lo, hi = min(lo, float(a.min())), max(hi, float(a.max()))
    sticky_lo = sticky_hi = False
    if include_zero and not log:
        if lo >= 0 or lo == math.inf:
            lo, sticky_lo = 0.0, True
        if hi <= 0 or hi == -math.inf:
            hi, sticky_hi = 0.0, True
    if lo == math.inf:
        return (0.0, 1.0, False, False)
    if hi - lo <= 1e-12 * max(1.0, abs(lo)):
        pad = 0.5 if lo == 0 else 0.1 * abs(lo)
        return (lo - (0 if sticky_lo else pad), hi + (0 if sticky_hi else pad), sticky_lo, sticky_hi)
    return lo, hi, sticky_lo, sticky_hi


def _n(v: float) -> str:
    """A coordinate of the static frame with one decimal, no trailing ".0"."""
    t = math.floor(v * 10 + 0.5)
    a = abs(t)
    s = ("-" if t < 0 else "") + str(a // 10)
    r = a % 10
    return f"{s}.{r}" if r else s


class _Axes:
    """Geometry and data-to-pixel mapping of one panel (pixels local to its plot area)."""

    def __init__(self, panel: Panel, slots: list[dict], uniq: list[list[np.ndarray]], width: float, height: float):
        self.panel = panel
        self.W, self.H = width, height
        kinds = {s["kind"] for s in slots}
        self.bars = "bars" in kinds
        if self.bars and kinds - {"bars", "hline"}:
            raise ValueError(f"Panel {panel.title!r}: a panel with Bars can hold only Bars and HLine, "
                             f"not {sorted(kinds - {'bars', 'hline'})}; put the other primitives in their own panel")
        self.logy = panel.logy
        ys = [a for s in slots for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]) if comp == "y" for a in uniq[c]]
        xs = [a for s in slots for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]) if comp == "x" for a in uniq[c]]
        # y limits (log10 units when logy)
        if panel.ylim is not None:
            self.ylo, self.yhi = (math.log10(v) for v in panel.ylim) if self.logy else panel.ylim
        else:
            lo, hi, slo, shi = _auto_limits(ys, include_zero=self.bars, log=self.logy)
            m = 0.05 * (hi - lo)
            self.ylo, self.yhi = lo - (0 if slo else m), hi + (0 if shi else m)
        # x limits
        cats = {s["cats"] for s in slots if s["kind"] == "bars"}
        if len(cats) > 1:
            raise ValueError(f"Panel {panel.title!r}: its Bars have different categories {sorted(cats)}; "
                             "bars drawn side by side need the same categories")
        self.cats = cats.pop() if self.bars else None
        if self.bars:
            self.xlo, self.xhi = 0.0, float(len(self.cats))
        elif panel.xlim is not None:
            self.xlo, self.xhi = panel.xlim
        else:
            lo, hi, _, _ = _auto_limits(xs)
            m = 0.05 * (hi - lo)
            self.xlo, self.xhi = lo - m, hi + m
        self._layout()

    def _layout(self):
        p = self.panel
        ph_guess = self.H - 60
        if self.logy:
            self.yticks, self.ylabels = _log_ticks(self.ylo, self.yhi, max(4, int(ph_guess / 40)))
        else:
            self.yticks, ystep = _nice_ticks(self.ylo, self.yhi, max(4, int(ph_guess / 40)))
            self.ylabels = _tick_labels(self.yticks, ystep)
        left = 10 + max((len(s) for s in self.ylabels), default=1) * _CHAR + 8 + (22 if p.ylabel else 0)
        right, top = 14, 8
        bottom = 8 + 4 + _FONT + (22 if p.xlabel else 2)
        self.rotate = False
        if self.bars:
            slot_w = (self.W - left - right) / max(1, len(self.cats))
            widest = max(len(c) for c in self.cats) * _CHAR
            if widest > 0.95 * slot_w:
                self.rotate = True
                bottom += min(widest, 120) * 0.6
        self.x0, self.y0 = left, top
        self.pw, self.ph = self.W - left - right, self.H - top - bottom
        if not self.bars:
            self.xticks, xstep = _nice_ticks(self.xlo, self.xhi, max(4, int(self.pw / 55)))
            self.xlabels = _tick_labels(self.xticks, xstep)
        # quantisation: px = o + q * s over the plot area +- _BAND plot sizes
        self.ox, self.sx = -_BAND * self.pw, (1 + 2 * _BAND) * self.pw / _QMAX
        self.oy, self.sy = -_BAND * self.ph, (1 + 2 * _BAND) * self.ph / _QMAX

    # -- mapping -------------------------------------------------------------------------------
    def px(self, x: np.ndarray) -> np.ndarray:
        return (x - self.xlo) * (self.pw / (self.xhi - self.xlo))

    def py(self, y: np.ndarray) -> np.ndarray:
        if self.logy:
            with np.errstate(all="ignore"):
                y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
        return self.ph - (y - self.ylo) * (self.ph / (self.yhi - self.ylo))

    def quantise(self, arr: np.ndarray, comp: str) -> np.ndarray:
        ok = np.isfinite(arr)
        with np.errstate(all="ignore"):
            if comp == "x":
                q = (self.px(np.where(ok, arr, 0.0)) - self.ox) / self.sx
            else:
                q = (self.py(np.where(ok, arr, 1.0)) - self.oy) / self.sy
            ok &= np.isfinite(q)  # log of a non-positive value
            q = np.clip(np.where(ok, q, 0.0), 0, _QMAX)
        return np.where(ok, np.rint(q), _GAP).astype("<u2")

    def bar_geometry(self, n_bars: int, j: int) -> tuple[list[str], str]:
        slot = self.pw / len(self.cats)
        total = 0.8 * slot
        bw = total / n_bars
        return ([math.floor((i * slot + 0.1 * slot + j * bw) * 10 + 0.5) for i in range(len(self.cats))],
                math.floor(bw * 10 + 0.5))

    def baseline(self) -> float:
        if self.logy:
            return self.ph
        return float(min(max(self.py(np.array([0.0]))[0], 0.0), self.ph))

    # -- static markup ---------------------------------------------------------------------------
    def frame_svg(self) -> tuple[str, str]:
        """SVG before and after the data paths (which go inside the clipped plot area)."""
        p, esc = self.panel, html.escape
        x0, y0, pw, ph = self.x0, self.y0, self.pw, self.ph
        out = [f'<svg class="lx-svg" viewBox="0 0 {_n(self.W)} {_n(self.H)}" font-size="{_FONT}" '
               f'fill="{_TEXT}"><title>{esc(p.title or p.ylabel or "plot")}</title>',
               f'<rect width="{_n(self.W)}" height="{_n(self.H)}" fill="#fff"/>']
        grid, ticks, text = [], [], []
        ypix = self.ph - (np.array(self.yticks, dtype=float) - self.ylo) * (ph / (self.yhi - self.ylo))
        for t, lab in zip(ypix, self.ylabels):
            y = y0 + t
            grid.append(f"M{_n(x0)} {_n(y)}H{_n(x0 + pw)}")
            ticks.append(f"M{_n(x0 - 5)} {_n(y)}H{_n(x0)}")
            text.append(f'<text x="{_n(x0 - 8)}" y="{_n(y)}" text-anchor="end" dominant-baseline="central">{esc(lab)}</text>')
        if self.bars:
            slot = pw / len(self.cats)
            for i, c in enumerate(self.cats):
                x = x0 + (i + 0.5) * slot
                ticks.append(f"M{_n(x)} {_n(y0 + ph)}v5")
                if self.rotate:
                    text.append(f'<text transform="translate({_n(x)} {_n(y0 + ph + 10)}) rotate(-35)" '
                                f'text-anchor="end" dominant-baseline="central">{esc(c)}</text>')
                else:
                    text.append(f'<text x="{_n(x)}" y="{_n(y0 + ph + 8)}" text-anchor="middle" '
                                f'dominant-baseline="hanging">{esc(c)}</text>')
        else:
            for t, lab in zip(self.px(np.array(self.xticks, dtype=float)), self.xlabels):
                x = x0 + t
                grid.append(f"M{_n(x)} {_n(y0)}V{_n(y0 + ph)}")
                ticks.append(f"M{_n(x)} {_n(y0 + ph)}v5")
                text.append(f'<text x="{_n(x)}" y="{_n(y0 + ph + 8)}" text-anchor="middle" '
                            f'dominant-baseline="hanging">{esc(lab)}</text>')
        out.append(f'<path d="{"".join(grid)}" stroke="{_GRID}" fill="none"/>')
        out.append(f'<path d="{"".join(ticks)}M{_n(x0)} {_n(y0)}V{_n(y0 + ph)}H{_n(x0 + pw)}" '
                   f'stroke="{_AXIS}" fill="none"/>')
        if self.bars and 0 < self.baseline() < ph:
            out.append(f'<path d="M{_n(x0)} {_n(y0 + self.baseline())}H{_n(x0 + pw)}" stroke="{_AXIS}"/>')
        out.extend(text)
        if p.xlabel:
            out.append(f'<text x="{_n(x0 + pw / 2)}" y="{_n(self.H - 6)}" text-anchor="middle">{esc(p.xlabel)}</text>')
        if p.ylabel:
            out.append(f'<text transform="translate(14 {_n(y0 + ph / 2)}) rotate(-90)" text-anchor="middle" '
                       f'dominant-baseline="central">{esc(p.ylabel)}</text>')
        out.append(f'<svg x="{_n(x0)}" y="{_n(y0)}" width="{_n(pw)}" height="{_n(ph)}" overflow="hidden">'
                   '<g transform="scale(0.1)">')  # data paths are in tenths of a pixel
        return "".join(out), "</g></svg></svg>"


# ------------------------------------------------------------------------------------------------
# Paths: the Python twin of the page script's `d` function
# ------------------------------------------------------------------------------------------------

_DOT = "a35 35 0 1 0 70 0a35 35 0 1 0 -70 0"   # a Points marker: two arcs of radius 3.5 px


def _tenths(o: float, s: float, q: np.ndarray) -> np.ndarray:
    """Pixel coordinate ``o + q * s`` in integer tenths, rounded half up: JS ``Math.floor(v*10+0.5)``."""
    return np.floor((o + q * s) * 10 + 0.5).astype(np.int64)


def _path_d(spec: dict, qs) -> str:
    """``d`` of one data path from its quantised arrays. Coordinates are integer tenths of a pixel
    (the data group is drawn with ``scale(0.1)``), so formatting is ``str(int)``; a polyline is
    ``M x0 y0 x1 y1 ...`` (pairs after a moveto are linetos), one ``M`` per run between gaps."""
    k = spec["k"]
    if k in ("line", "points"):
        qx, qy = (np.asarray(a, dtype=np.int64) for a in qs[:2])
        m = min(qx.size, qy.size)
        qx, qy = qx[:m], qy[:m]
        idx = np.flatnonzero((qx != _GAP) & (qy != _GAP))
        if not idx.size:
            return ""
        (ox, sx), (oy, sy) = spec["x"], spec["y"]
        tx, ty = _tenths(ox, sx, qx[idx].astype(np.float64)), _tenths(oy, sy, qy[idx].astype(np.float64))
        if k == "points":
            return "".join(f"M{x - 35} {y}{_DOT}" for x, y in zip(tx.tolist(), ty.tolist()))
        xy = np.empty(2 * idx.size, dtype=np.int64)
        xy[0::2], xy[1::2] = tx, ty
        cuts = (np.flatnonzero(np.diff(idx) != 1) + 1) * 2
        return "".join("M" + " ".join(map(str, run)) for run in np.split(xy, cuts) for run in [run.tolist()])
    q = np.asarray(qs[0], dtype=np.int64)
    if k == "bars":
        q = q[:len(spec["bx"])]
        ok = np.flatnonzero(q != _GAP)
        ty = _tenths(*spec["y"], q[ok].astype(np.float64)).tolist()
        b0, bw = spec["b0"], spec["bw"]
        return "".join(f"M{spec['bx'][i]} {b0}V{y}h{bw}V{b0}Z" for i, y in zip(ok.tolist(), ty))
    q = q[q != _GAP].astype(np.float64)
    if k == "vline":
        return "".join(f"M{x} 0V{spec['h']}" for x in _tenths(*spec["x"], q).tolist())
    return "".join(f"M0 {y}H{spec['w']}" for y in _tenths(*spec["y"], q).tolist())


_JS = r"""(function(){
var R=document.currentScript.parentNode,D=%DATA%,Q,S,F,TI;
function u(s,T){var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return new T(a.buffer);}
function init(){if(Q)return;Q=u(D.q,Uint16Array);S=u(D.s,Uint32Array);F=u(D.f,D.fw==2?Uint16Array:Uint32Array);TI=u(D.ti,D.tw==2?Uint16Array:Uint32Array);}
var C=R.querySelectorAll('.lx-ctl input,.lx-ctl select'),P=R.querySelectorAll('path.lx-d'),G=R.querySelector('.lx-fig'),O=R.querySelector('.lx-readout');
function t(v){return Math.floor(v*10+0.5);}
function E(c,f){var e=F[f*D.nc+c];return [S[e],S[e+1]];}
function d(L,f){var k=L.k,s='',i,q,x,y,a,b,m,p=0;
if(k=='line'||k=='points'){a=E(L.c[0],f);b=E(L.c[1],f);m=Math.min(a[1]-a[0],b[1]-b[0]);
for(i=0;i<m;i++){x=Q[a[0]+i];y=Q[b[0]+i];if(x==65535||y==65535){p=0;continue;}
x=t(L.x[0]+x*L.x[1]);y=t(L.y[0]+y*L.y[1]);
if(k=='line'){s+=(p?' ':'M')+x+' '+y;p=1;}else s+='M'+(x-35)+' '+y+'a35 35 0 1 0 70 0a35 35 0 1 0 -70 0';}}
else{a=E(L.c[0],f);for(i=a[0];i<a[1];i++){q=Q[i];if(q==65535)continue;
if(k=='bars'){if(i-a[0]<L.bx.length)s+='M'+L.bx[i-a[0]]+' '+L.b0+'V'+t(L.y[0]+q*L.y[1])+'h'+L.bw+'V'+L.b0+'Z';}
else if(k=='vline')s+='M'+t(L.x[0]+q*L.x[1])+' 0V'+L.h;
else s+='M0 '+t(L.y[0]+q*L.y[1])+'H'+L.w;}}
return s;}
function upd(){init();var f=0,k,c,v,o,e;
for(k=0;k<C.length;k++){c=C[k];v=+c.value;f+=v*D.st[k];
if(D.v[k]){c.setAttribute('aria-valuetext',D.v[k][v]);o=c.parentNode.querySelector('output');if(o)o.textContent=D.v[k][v];}}
e=D.e[f];
if(e!=null){O.textContent='\u26a0 '+e;O.classList.add('lx-err');G.classList.add('lx-stale');return;}
O.textContent=D.tu[TI[f]];O.classList.remove('lx-err');G.classList.remove('lx-stale');
for(k=0;k<P.length;k++)P[k].setAttribute('d',d(D.sl[k],f));}
for(var k=0;k<C.length;k++){C[k].addEventListener('input',upd);C[k].addEventListener('change',upd);}
R.querySelectorAll('.lx-note').forEach(function(e){e.remove();});
})();"""

# Layout and colours are inline styles: an untrusted notebook in JupyterLab sanitises HTML output,
# dropping <style>, <svg> and <script> but keeping (checked) inline styles, so the fragment still
# reads as a card there. The style sheet holds only what needs selectors.
_ST = {
    "root": "background:#fff;color:#1a1a1a;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;"
            "margin:8px 0;max-width:820px;box-sizing:border-box;line-height:1.35;font-size:14px;"
            # its own layer and layout/paint containment: a redraw repaints the widget, not the page
            "will-change:transform;contain:content;"
            "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif",
    "title": "font-weight:600;font-size:16px;margin:0 0 6px",
    "controls": "display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 8px",
    "ctl": "display:flex;align-items:center;gap:8px;margin:0;font-weight:normal",
    "fig": "display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:6px 18px",
    # font-size 0: where the SVG is stripped, its stray text disappears with it
    "panel": "min-width:0;display:flex;flex-direction:column;font-size:0",
    "ptitle": "font-weight:600;font-size:14px;margin:0 0 2px",
    "legend": "display:flex;flex-wrap:wrap;gap:0 14px;font-size:13px;margin:0 0 2px",
    "key": "display:inline-flex;align-items:center;gap:5px",
    # the height is fixed per explorer (Explorer._readout_lines): no layout jump while a control moves
    "readout": "white-space:pre-wrap;margin-top:6px;font-size:14px;overflow-y:auto",
    "note": "grid-column:1/-1;font-style:italic;color:#555555;font-size:14px",
}
_CSS = (
    ".lossutils-explorer .lx-ctl>span{min-width:6em}"
    ".lossutils-explorer .lx-ctl input[type=range]{width:200px;max-width:60vw;margin:0;accent-color:#0072B2}"
    ".lossutils-explorer .lx-ctl output{min-width:3.2em;font-variant-numeric:tabular-nums}"
    ".lossutils-explorer .lx-ctl select{font:inherit;color:#1a1a1a;background:#fff;border:1px solid #8c959f;"
    "border-radius:4px;padding:2px 4px}"
    ".lossutils-explorer svg.lx-svg{display:block;width:100%;height:auto;max-width:none;margin-top:auto}"
    ".lossutils-explorer .lx-fig:has(svg)>.lx-note{display:none}"
    ".lossutils-explorer .lx-stale .lx-d{opacity:.25}"
    ".lossutils-explorer .lx-readout{font-variant-numeric:tabular-nums}"
    ".lossutils-explorer .lx-readout.lx-err{color:#b3261e;font-weight:600}"
    ".lx-live-title{font-weight:600;font-size:16px;margin:4px 0}"
    ".lossutils-explorer .lx-ctl{flex-wrap:wrap;max-width:100%}"
    ".lossutils-explorer .lx-ctl select{max-width:100%;min-width:0}"
    ".lossutils-explorer .lx-fig:focus-visible{outline:3px solid #0550ae;outline-offset:2px}"
    # a phone: several panels side by side, swiped (scroll snap), so one panel and the controls fit the screen
    "@media (max-width:600px){.lossutils-explorer .lx-fig{display:flex!important;overflow-x:auto;"
    "scroll-snap-type:x mandatory;gap:12px!important;padding-bottom:4px}"
    ".lossutils-explorer .lx-fig>.lx-panel{flex:0 0 92%;scroll-snap-align:start}"
    ".lossutils-explorer .lx-fig>.lx-panel:only-of-type{flex-basis:100%}"
    ".lossutils-explorer .lx-ctl input[type=range]{width:150px}}"
    # dark mode of the book's theme: a dark card; the plots keep their white canvas, like figures
    "html[data-theme=dark] .lossutils-explorer{background:#161b22!important;color:#e6edf3!important;"
    "border-color:#3d444d!important}"
    "html[data-theme=dark] .lossutils-explorer svg.lx-svg{border-radius:4px}"
    "html[data-theme=dark] .lossutils-explorer .lx-ctl select{background:#0d1117;color:#e6edf3;border-color:#6e7681}"
    "html[data-theme=dark] .lossutils-explorer .lx-ctl input[type=range]{accent-color:#58a6ff}"
    "html[data-theme=dark] .lossutils-explorer .lx-readout.lx-err{color:#ff9492}"
    "html[data-theme=dark] .lossutils-explorer .lx-fig:focus-visible{outline-color:#79c0ff}"
)


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _js_json(obj) -> str:
    """JSON that is safe inside a <script> element."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_CATCH = (ValueError, ArithmeticError)

# Shown only where the SVG was stripped: an untrusted notebook in JupyterLab sanitises HTML output
# and removes <svg> and <script>. The panels' font-size is 0 so the stray SVG text is hidden too.
_NOTE = (f'<div class="lx-note" style="{_ST["note"]}">Run this cell (or trust the notebook) to see the figure: '
         "this viewer hides pictures and scripts of untrusted outputs.</div>")


# ------------------------------------------------------------------------------------------------
# The explorer
# ------------------------------------------------------------------------------------------------

class Explorer:
    """What :func:`explore` returns: displays itself (live widget and static HTML).

    For tests and authors:

    * ``controls``: name -> the ipywidgets control (setting ``.value`` updates the figure);
    * ``data(panel, label)``: the ``(x, y)`` arrays currently drawn (for ``Bars``: categories and
      heights; for ``VLine``: ``(x, None)``; for ``HLine``: ``(None, y)``);
    * ``text``: the readout currently shown ("" while an error is shown); ``error``: "" or the
      message shown;
    * ``values``: the current parameters; ``set(**values)`` moves controls by name;
    * ``html``: the static fragment; ``figure_html``: the live figure; ``limits(panel)``.
    """

    def __init__(self, compute: Callable[..., dict], controls: Mapping[str, Slider | Choice], *,
                 panels: Mapping[str, Panel] | None = None, title: str = "", alt: str = ""):
        if not callable(compute):
            raise ValueError(f"explore: compute must be a function, got {compute!r}")
        if not isinstance(controls, Mapping) or not controls:
            raise ValueError("explore: controls must be a non-empty dict name -> Slider(...) or Choice(...)")
        for name, c in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"explore: control names must be compute's argument names, got {name!r}")
            if not isinstance(c, (Slider, Choice)):
                raise ValueError(f"explore: control {name!r} must be a Slider or Choice, got {c!r}")
        if panels is not None and (not isinstance(panels, Mapping)
                                   or not all(isinstance(p, Panel) for p in panels.values())):
            raise ValueError("explore: panels must be a dict name -> Panel(...)")
        self.compute = compute
        self._specs = dict(controls)
        self.title, self.alt = str(title), str(alt)
        self._names = list(self._specs)
        sizes = [len(c.values) for c in self._specs.values()]
        self.n_frames = math.prod(sizes)
        if self.n_frames > MAX_FRAMES:
            raise ValueError(
                f"explore: {' x '.join(map(str, sizes))} = {self.n_frames} combinations of control values "
                f"is more than {MAX_FRAMES}; use a coarser step or fewer options"
            )
        self._strides = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
        self._index = {n: c.index for n, c in self._specs.items()}
        self._widgets = None
        self._precompute(panels)
        self.html = self._static_html()
        # current state (live)
        self._ds = list(self._initial_ds)
        self._frame = None
        self.text = ""
        self.error = ""
        self._update()

    # -- precompute every frame ----------------------------------------------------------------
    def _params_of(self, frame: int) -> dict:
        return {n: self._specs[n].values[(frame // s) % len(self._specs[n].values)]
                for n, s in zip(self._names, self._strides)}

    def _describe(self, params: dict) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in params.items())

    def _call(self, params: dict):
        with np.errstate(all="ignore"):
            return self.compute(**params)

    def _normalise(self, out, params) -> tuple[dict, str]:
        if not isinstance(out, Mapping):
            raise ValueError(f"explore: compute must return a dict panel name -> list of primitives (plus an "
                            f"optional 'text'), got {type(out).__name__} for {self._describe(params)}")
        text = out.get("text", "")
        if not isinstance(text, str):
            raise ValueError(f"explore: compute's 'text' must be a string, got {type(text).__name__}")
        panels = {}
        for key, prims in out.items():
            if key == "text":
                continue
            if isinstance(prims, _Primitive):
                prims = [prims]
            if not isinstance(prims, (list, tuple)) or not all(isinstance(p, _Primitive) for p in prims):
                raise ValueError(f"explore: compute's {key!r} must be a list of Line/Points/Bars/VLine/HLine, "
                                f"got {prims!r}")
            panels[key] = list(prims)
        return panels, text

    @staticmethod
    def _signature(panels: dict) -> tuple:
        return tuple((key, tuple((p.kind, p.label, p.color, p.style, getattr(p, "categories", None))
                                 for p in prims)) for key, prims in panels.items())

    def _check_structure(self, panels: dict, params: dict):
        sig = self._signature(panels)
        if sig != self._sig:
            want = {k: [f"{kind} {lab!r}" for kind, lab, *_ in v] for k, v in self._sig}
            got = {k: [f"{kind} {lab!r}" for kind, lab, *_ in v] for k, v in sig}
            raise ValueError(
                f"explore: for {self._describe(params)} compute returned {got}, but for other values {want} "
                "(same kinds, labels, colours, styles and bar categories are needed for every value). "
                "Keep the structure fixed and hide what is not needed with NaN data."
            )

    def _precompute(self, panels_arg):
        frames: list[Any] = [None] * self.n_frames
        errors: dict[int, str] = {}
        initial = sum(self._index[n] * s for n, s in zip(self._names, self._strides))
        order = [initial] + [f for f in range(self.n_frames) if f != initial]
        self._sig = None
        for f in order:
            params = self._params_of(f)
            try:
                out = self._call(params)
            except _CATCH as exc:
                errors[f] = str(exc) or type(exc).__name__
                continue
            panels, text = self._normalise(out, params)
            if self._sig is None:
                self._sig = self._signature(panels)
                for key, prims in panels.items():
                    labels = [p.label for p in prims if p.label]
                    dup = {lab for lab in labels if labels.count(lab) > 1}
                    if dup:
                        raise ValueError(f"explore: panel {key!r} has two primitives labelled {sorted(dup)}; "
                                         "labels within a panel must differ")
                self._ref = panels
            else:
                self._check_structure(panels, params)
            frames[f] = (panels, text)
        if self._sig is None:
            first = errors[order[0]]
            raise ValueError(f"explore: compute failed for every combination of control values, e.g. "
                             f"{self._describe(self._params_of(order[0]))}: {first}")
        # panels
        keys = [k for k, _ in self._sig]
        if panels_arg is None:
            self.panels = {k: Panel() for k in keys}
        else:
            extra, missing = [k for k in keys if k not in panels_arg], [k for k in panels_arg if k not in keys]
            if extra:
                raise ValueError(f"explore: compute returns panel(s) {extra} that are not in panels= "
                                 f"{list(panels_arg)}; add a Panel(...) for each")
            if missing:
                raise ValueError(f"explore: panels= has {missing} but compute returns only {keys}; "
                                 "remove them or return primitives for them")
            self.panels = dict(panels_arg)
        # slots: one per primitive, in panel order then primitive order; components x/y per slot
        self._slots: list[dict] = []
        n_comp = 0
        for key in self.panels:
            for i, p in enumerate(self._ref[key]):
                comps = list(range(n_comp, n_comp + len(_COMPONENTS[p.kind])))
                n_comp += len(comps)
                color = p.color or PALETTE[i % len(PALETTE)]
                self._slots.append({"panel": key, "i": i, "kind": p.kind, "label": p.label, "color": color,
                                    "style": p.style, "comps": comps, "cats": getattr(p, "categories", None)})
        # distinct arrays per component, frame -> index
        uniq: list[list[np.ndarray]] = [[] for _ in range(n_comp)]
        seen: list[dict] = [{} for _ in range(n_comp)]
        refs = np.zeros((self.n_frames, max(n_comp, 1)), dtype=np.int64)
        for f, fr in enumerate(frames):
            if fr is None:
                continue
            panels, _ = fr
            for s in self._slots:
                prim = panels[s["panel"]][s["i"]]
                for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]):
                    arr = np.ascontiguousarray(getattr(prim, comp), dtype=np.float64)
                    key = arr.tobytes()
                    j = seen[c].get(key)
                    if j is None:
                        j = seen[c][key] = len(uniq[c])
                        uniq[c].append(arr)
                    refs[f, c] = j
        # axes per panel
        n_pan = len(self.panels)
        width, height = (640.0, 280.0) if n_pan == 1 else (360.0, 270.0)
        self._axes = {}
        for key, panel in self.panels.items():
            slots = [s for s in self._slots if s["panel"] == key]
            self._axes[key] = _Axes(panel, slots, uniq, width, height)
        # quantise every distinct array once; global entry table
        blobs, starts, base = [], [0], []
        for s in self._slots:
            ax = self._axes[s["panel"]]
            for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]):
                base.append(len(starts) - 1)
                for arr in uniq[c]:
                    q = ax.quantise(arr, comp)
                    blobs.append(q)
                    starts.append(starts[-1] + q.size)
        n_entries = len(starts) - 1
        self._q = np.concatenate(blobs) if blobs else np.zeros(0, "<u2")
        self._starts = np.asarray(starts, dtype="<u4")
        self._fw = 2 if n_entries < 65536 else 4
        self._refs = (refs + np.asarray(base or [0], dtype=np.int64)[None, :]).astype("<u2" if self._fw == 2 else "<u4")
        # texts and errors
        texts = ["" if fr is None else fr[1] for fr in frames]
        tu: dict[str, int] = {}
        self._ti = np.array([tu.setdefault(t, len(tu)) for t in texts], dtype=np.int64)
        self._tu = list(tu)
        self._readout_em = round(1.35 * self._readout_lines(self._tu + ["\u26a0 " + e for e in errors.values()]), 2)
        self._tw = 2 if len(tu) < 65536 else 4
        self._errors = errors
        # path specs (shared by Python and the page script)
        self._pspecs = []
        bar_counts = {k: sum(1 for s in self._slots if s["panel"] == k and s["kind"] == "bars") for k in self.panels}
        bars_seen = {k: 0 for k in self.panels}
        for s in self._slots:
            ax = self._axes[s["panel"]]
            spec: dict[str, Any] = {"k": s["kind"], "c": s["comps"], "x": [ax.ox, ax.sx], "y": [ax.oy, ax.sy]}
            if s["kind"] == "bars":
                spec["bx"], spec["bw"] = ax.bar_geometry(bar_counts[s["panel"]], bars_seen[s["panel"]])
                bars_seen[s["panel"]] += 1
                spec["b0"] = math.floor(ax.baseline() * 10 + 0.5)
            spec["h"], spec["w"] = math.floor(ax.ph * 10 + 0.5), math.floor(ax.pw * 10 + 0.5)
            self._pspecs.append(spec)
        self._template = self._figure_template()
        self._initial = initial
        self._initial_ds = self._frame_ds_from_table(initial) if initial not in errors else [""] * len(self._slots)

    READOUT_CHARS = 44  # characters per line of the readout on a 390 px phone (14 px text)

    @classmethod
    def _readout_lines(cls, texts) -> int:
        """Lines the tallest readout takes on a phone: the readout's fixed height, so that the page
        does not move while a control moves.

        >>> Explorer._readout_lines(["one line", "two\\nlines", "x" * 50])
        2
        """
        def lines(text: str) -> int:
            return sum(max(1, math.ceil(len(line) / cls.READOUT_CHARS)) for line in text.split("\n"))
        return max([1] + [lines(t) for t in texts if t])

    def _frame_ds_from_table(self, f: int) -> list[str]:
        out = []
        for spec in self._pspecs:
            qs = []
            for c in spec["c"]:
                e = int(self._refs[f, c])
                qs.append(self._q[self._starts[e]:self._starts[e + 1]])
            out.append(_path_d(spec, qs))
        return out

    # -- markup --------------------------------------------------------------------------------
    def _legend(self, s: dict) -> str:
        c, k = s["color"], s["kind"]
        if k == "points":
            mark = f'<circle cx="11" cy="7" r="4" fill="{c}"/>'
        elif k == "bars":
            mark = f'<rect x="5" y="1" width="12" height="12" fill="{c}"/>'
        else:
            dash = STYLES[s["style"]]
            mark = (f'<path d="M1 7H21" stroke="{c}" stroke-width="2.5"'
                    + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        return (f'<span class="lx-key" style="{_ST["key"]}"><svg width="22" height="14" style="flex:none" '
                f'aria-hidden="true">{mark}</svg>'
                f"{html.escape(s['label'])}</span>")

    def _data_path(self, s: dict) -> tuple[str, str]:
        c, k = s["color"], s["kind"]
        if k == "points":
            attrs = f'fill="{c}" fill-opacity="0.85" stroke="#fff" stroke-width="8"'
        elif k == "bars":
            attrs = f'fill="{c}"'
        else:  # widths in tenths of a pixel, like the coordinates
            width = "22" if k == "line" else "16"
            dash = STYLES[s["style"]]
            dash = " ".join(str(round(float(v) * 10)) for v in dash.split()) if dash else None
            attrs = (f'fill="none" stroke="{c}" stroke-width="{width}" stroke-linejoin="round" stroke-linecap="round"'
                     + (f' stroke-dasharray="{dash}"' if dash else ""))
        return '<path class="lx-d" ', f" {attrs}/>"

    def _figure_template(self) -> list[str]:
        """Pieces around the ``d="..."`` of every data path: len(slots) + 1 strings."""
        pieces, cur = [], []
        for key, panel in self.panels.items():
            ax = self._axes[key]
            slots = [s for s in self._slots if s["panel"] == key]
            cur.append(f'<div class="lx-panel" style="{_ST["panel"]}">')
            if panel.title:
                cur.append(f'<div class="lx-ptitle" style="{_ST["ptitle"]}">{html.escape(panel.title)}</div>')
            keys = [self._legend(s) for s in slots if s["label"]]
            if keys:
                cur.append(f'<div class="lx-legend" style="{_ST["legend"]}">{"".join(keys)}</div>')
            before, after = ax.frame_svg()
            cur.append(before)
            for s in slots:
                head, tail = self._data_path(s)
                cur.append(head + 'd="')
                pieces.append("".join(cur))
                cur = ['"' + tail]
            cur.append(after + "</div>")
        pieces.append("".join(cur))
        return pieces

    def _alt(self) -> str:
        if self.alt:
            return self.alt
        titles = "; ".join(p.title for p in self.panels.values() if p.title)
        return f"Interactive figure{': ' + self.title if self.title else ''}{' — ' + titles if titles else ''}"

    def _figure(self, ds: list[str], text: str, error: str, note: str = "") -> str:
        body = [note, self._template[0]]
        for d, piece in zip(ds, self._template[1:]):
            body.append(d)
            body.append(piece)
        stale = " lx-stale" if error else ""
        readout = ("\u26a0 " + error) if error else text
        # several panels scroll sideways on a phone (CSS): focusable, so the keyboard can scroll them too
        focus = ' tabindex="0"' if len(self.panels) > 1 else ""
        return (f'<div class="lx-fig{stale}" style="{_ST["fig"]}" role="img"{focus} aria-label="{html.escape(self._alt())}">'
                f'{"".join(body)}</div><div class="lx-readout{" lx-err" if error else ""}" '
                f'style="{_ST["readout"]};height:{self._readout_em}em" '
                f'aria-live="polite">{html.escape(readout)}</div>')

    def _static_controls(self) -> str:
        # data-lm-suppress-shortcuts on each input: in JupyterLab (trusted notebook) the arrow keys
        # then move the control instead of being taken by the notebook's keyboard shortcuts
        out = []
        for name in self._names:
            c = self._specs[name]
            lab = html.escape(c.label or name)
            i = c.index
            if isinstance(c, Slider):
                out.append(f'<label class="lx-ctl" style="{_ST["ctl"]}"><span>{lab}</span><input type="range" min="0" '
                           f'max="{len(c.values) - 1}" step="1" value="{i}" autocomplete="off" data-lm-suppress-shortcuts="true" '
                           f'aria-valuetext="{html.escape(c.labels[i])}"><output aria-hidden="true">'
                           f"{html.escape(c.labels[i])}</output></label>")
            else:
                opts = "".join(f'<option value="{j}"{" selected" if j == i else ""}>{html.escape(t)}</option>'
                               for j, t in enumerate(c.labels))
                out.append(f'<label class="lx-ctl" style="{_ST["ctl"]}"><span>{lab}</span>'
                           f'<select autocomplete="off" data-lm-suppress-shortcuts="true">{opts}</select></label>')
        return f'<div class="lx-controls" style="{_ST["controls"]}">{"".join(out)}</div>'

    def _static_html(self) -> str:
        data = {
            "q": _b64(self._q), "s": _b64(self._starts), "f": _b64(self._refs), "fw": self._fw,
            "nc": int(self._refs.shape[1]), "st": self._strides,
            "v": [c.labels if isinstance(c, Slider) else None for c in self._specs.values()],
            "sl": self._pspecs, "tu": self._tu, "tw": self._tw,
            "ti": _b64(self._ti.astype("<u2" if self._tw == 2 else "<u4")),
            "e": {str(k): v for k, v in sorted(self._errors.items())},
        }
        init_err = self._errors.get(self._initial, "")
        init_text = "" if init_err else self._tu[int(self._ti[self._initial])]
        inner = "".join([
            f"<style>{_CSS}</style>",
            f'<div class="lx-title" style="{_ST["title"]}">{html.escape(self.title)}</div>' if self.title else "",
            self._static_controls(),
            self._figure(self._initial_ds, init_text, init_err, _NOTE),
            "<script>", _JS.replace("%DATA%", _js_json(data)), "</script>",
        ])
        digest = hashlib.sha1(inner.encode("utf-8")).hexdigest()[:12]
        out = f'<div class="lossutils-explorer" data-lx="{digest}" style="{_ST["root"]}">{inner}</div>'
        size = len(out.encode("utf-8"))
        if size > MAX_HTML_BYTES:
            raise ValueError(
                f"explore: the static web version of this widget{' (' + self.title + ')' if self.title else ''} "
                f"is {size / 1000:.0f} KB, over the budget of {MAX_HTML_BYTES / 1000:.0f} KB "
                f"({self.n_frames} frames; plot data {len(data['q']) / 1000:.0f} KB, readouts "
                f"{sum(len(t.encode()) for t in self._tu) / 1000:.0f} KB). Use a coarser step or fewer options "
                "for a control, or fewer points per Line (e.g. 100 instead of 400)."
            )
        return out

    # -- live state ----------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        return {n: self._specs[n].values[i] for n, i in self._index.items()}

    def _update(self):
        params = self.values
        try:
            out = self._call(params)
            panels, text = self._normalise(out, params)
            self._check_structure(panels, params)
        except _CATCH as exc:
            self.error, self.text = str(exc) or type(exc).__name__, ""
        else:
            self._frame, self.text, self.error = panels, text, ""
            ds = []
            for s, spec in zip(self._slots, self._pspecs):
                ax, prim = self._axes[s["panel"]], panels[s["panel"]][s["i"]]
                qs = [ax.quantise(np.asarray(getattr(prim, comp), dtype=np.float64), comp)
                      for comp in _COMPONENTS[s["kind"]]]
                ds.append(_path_d(spec, qs))
            self._ds = ds
        self.figure_html = self._figure(self._ds, self.text, self.error)
        if self._widgets is not None:
            self._widgets["figure"].value = self._live_card()

    def _live_card(self) -> str:
        return f'<div class="lossutils-explorer lx-live" style="{_ST["root"]}">{self.figure_html}</div>'

    def set(self, **values):
        """Move controls by name, e.g. ``ex.set(w=2.0)`` (same as setting ``controls[name].value``)."""
        for name, v in values.items():
            if name not in self._specs:
                raise ValueError(f"unknown control {name!r}; controls are {self._names}")
            i = self._specs[name].index_of(v)
            if self._widgets is not None:
                self._widgets["controls"][name].value = self._specs[name].values[i]
            self._index[name] = i
        self._update()

    def data(self, panel: str, label: str | int):
        """``(x, y)`` of the primitive labelled ``label`` (or at that position) in ``panel``, as drawn now."""
        if panel not in self.panels:
            raise ValueError(f"unknown panel {panel!r}; panels are {list(self.panels)}")
        prims = (self._frame or self._ref)[panel]
        if isinstance(label, int):
            prim = prims[label]
        else:
            found = [p for p in prims if p.label == label]
            if not found:
                raise ValueError(f"panel {panel!r} has no primitive labelled {label!r}; "
                                 f"labels are {[p.label for p in prims]}")
            prim = found[0]
        if prim.kind == "bars":
            return np.array(prim.categories), prim.y
        return prim.x, prim.y

    def limits(self, panel: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """The fixed ``(xlim, ylim)`` of ``panel`` in data units (bars: category index range)."""
        ax = self._axes[panel]
        ylim = (10.0**ax.ylo, 10.0**ax.yhi) if ax.logy else (ax.ylo, ax.yhi)
        return (ax.xlo, ax.xhi), ylim

    # -- live widgets --------------------------------------------------------------------------
    @property
    def controls(self) -> dict:
        """name -> ipywidgets control (built on first use)."""
        return self._build_widgets()["controls"]

    def _build_widgets(self) -> dict:
        if self._widgets is not None:
            return self._widgets
        import ipywidgets as W  # only the live view needs ipywidgets

        ctrls = {}
        for name in self._names:
            c = self._specs[name]
            options = list(zip(c.labels, c.values))
            common = dict(description=c.label or name, style={"description_width": "initial"})
            if isinstance(c, Slider):
                w = W.SelectionSlider(options=options, value=c.values[self._index[name]], continuous_update=True,
                                      layout=W.Layout(width="440px", max_width="100%"), **common)
            else:
                w = W.Dropdown(options=options, value=c.values[self._index[name]],
                               layout=W.Layout(width="max-content", max_width="100%"), **common)
            w.equals = _same
            w.observe(self._on_control(name), names="value")
            ctrls[name] = w
        head = f"<style>{_CSS}</style>" + (f'<div class="lx-live-title">{html.escape(self.title)}</div>'
                                           if self.title else "")
        figure = W.HTML(value=self._live_card())
        box = W.VBox([W.HTML(value=head), *ctrls.values(), figure], layout=W.Layout(max_width="840px"))
        self._widgets = {"controls": ctrls, "figure": figure, "box": box}
        return self._widgets

    def _on_control(self, name: str):
        def handler(change):
            self._index[name] = self._specs[name].index_of(change["new"])
            self._update()
        return handler

    # -- display -------------------------------------------------------------------------------
    def __repr__(self):
        what = self.title or getattr(self.compute, "__name__", "compute")
        return f"<Explorer {what!r}: {len(self._names)} control(s), {self.n_frames} frames>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.html}
        try:
            box = self._build_widgets()["box"]
        except ImportError:
            return bundle
        bundle[WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": box.model_id}
        return bundle


def explore(compute: Callable[..., dict], controls: Mapping[str, Slider | Choice], *,
            panels: Mapping[str, Panel] | None = None, title: str = "", alt: str = "") -> Explorer:
    """Build an :class:`Explorer` for ``compute(**{name: value})`` over every control value.

    ``compute`` returns ``{panel: [primitives], "text": readout}``; the kinds and labels of the
    primitives must not change with the parameters. A ``ValueError`` (or arithmetic error) from
    ``compute`` is shown in the readout instead of a traceback. Raises ``ValueError`` if there are
    more than :data:`MAX_FRAMES` combinations or the static version exceeds
    :data:`MAX_HTML_BYTES`.
    """
    return Explorer(compute, controls, panels=panels, title=title, alt=alt)
