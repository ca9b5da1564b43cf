"""Axes of one panel: limits, ticks, geometry, quantisation and the static SVG frame."""

from __future__ import annotations

import html
import math

import numpy as np

from .controls import Panel
from .primitives import _COMPONENTS

_GAP = 65535               # quantised value that marks a missing point (NaN, inf)
_QMAX = 65534
_BAND = 4.0                # quantised range: the plot area +- 4 plot widths/heights
_FONT = 13                 # SVG text size in viewBox units (~px at the book's page width)
_CHAR = 7.2                # estimated width of one character of tick text at _FONT
_TEXT = "#1a1a1a"
_AXIS = "#555555"
_GRID = "#e4e4e4"


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
