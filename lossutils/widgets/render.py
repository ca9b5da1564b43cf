"""Rendering shared by the static fragment and the live view: the path builder (the Python twin of
the page script ``explorer.js``), the page script itself, the style sheet and inline styles, and
the encoding of the frame data."""

from __future__ import annotations

import base64
import json
from importlib import resources

import numpy as np

from .axes import _GAP

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


# The page script of the static fragment (``%DATA%`` is replaced by the frame data). It is inlined in
# every fragment, so its text is part of the stored notebook outputs: the file's final newline is
# not part of the script.
_JS = resources.files(__package__).joinpath("explorer.js").read_text(encoding="utf-8").removesuffix("\n")

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


# Shown only where the SVG was stripped: an untrusted notebook in JupyterLab sanitises HTML output
# and removes <svg> and <script>. The panels' font-size is 0 so the stray SVG text is hidden too.
_NOTE = (f'<div class="lx-note" style="{_ST["note"]}">Run this cell (or trust the notebook) to see the figure: '
         "this viewer hides pictures and scripts of untrusted outputs.</div>")
