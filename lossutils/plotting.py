"""The course's look for static matplotlib figures: ``use_course_style()`` in a chapter's first cell.

Same palette as the widgets (:data:`lossutils.widgets.PALETTE`, Okabe-Ito, colour-blind safe),
white background (readable in dark mode too), light grid, legible sizes at the book's page width.
The layout engine is left alone (use ``layout="constrained"`` or ``fig.tight_layout()`` per figure);
saved and inline figures are cropped tight. In a notebook, figures are shown as palette PNGs
(:func:`compact_png`): a third of the bytes, the same picture.

Figures are stored as SVG where that is the lighter page (line plots: about a tenth of the PNG once
gzipped by the web host), else as PNG at twice their size in pixels (``SCALE``); either way with their
size in CSS pixels in the output's metadata: sharp on high-density screens (phones, most laptops)
and the same size on the page as before.

>>> import matplotlib as mpl
>>> with mpl.rc_context():   # a chapter simply calls use_course_style()
...     use_course_style()
...     mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
'#0072B2'
"""

from __future__ import annotations

import io
import struct

import matplotlib as mpl
from cycler import cycler

from .widgets import PALETTE

__all__ = ["use_course_style", "compact_png", "png_2x", "figure_image", "COURSE_RC", "PALETTE", "SCALE"]

SCALE = 2  # pixels per CSS pixel of a stored figure

COURSE_RC = {
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "figure.figsize": (7.0, 3.5),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#1a1a1a",
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.8,
    "font.size": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "xtick.color": "#1a1a1a",
    "ytick.color": "#1a1a1a",
    "legend.fontsize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "image.cmap": "viridis",
    "svg.hashsalt": "lossutils",  # the same SVG on every run (ids of clip paths)
}


def use_course_style() -> None:
    """Set matplotlib's rcParams to the course style (palette, white background, grid, sizes).

    In an IPython kernel, figures are also displayed as SVG or compact 2x PNG images, whichever makes
    the lighter page (:func:`figure_image`).
    """
    _display_compact_pngs()  # first: loading the inline backend sets rcParams of its own
    mpl.rcParams.update(COURSE_RC)


def compact_png(png: bytes, colors: int = 256) -> bytes:
    """``png`` as a PNG with a palette of at most ``colors`` colours, if that is smaller.

    A course figure (white background, a few line colours and their anti-aliased edges) fits in
    256 colours without a visible change, and the palette PNG is about three times smaller than
    matplotlib's RGBA one, which keeps the notebooks and the website's pages light. Images with
    transparency are returned unchanged (the palette would drop it), as is anything Pillow
    cannot read.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2)); _ = ax.plot([0, 1], [0, 1])
    >>> buf = io.BytesIO(); fig.savefig(buf, format="png"); plt.close(fig)
    >>> small = compact_png(buf.getvalue())
    >>> len(small) < len(buf.getvalue()) and small[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(png))
        image.load()
        if image.mode == "RGBA" and image.getextrema()[3][0] < 255:
            return png  # transparent pixels: keep the original
        palette = image.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
        out = io.BytesIO()
        palette.save(out, format="PNG", optimize=True)
    except Exception:  # noqa: BLE001 -- an image we cannot shrink is shown as it is
        return png
    return out.getvalue() if out.tell() < len(png) else png


def _display_compact_pngs() -> None:
    """Make IPython display matplotlib figures as :func:`figure_image` does (no-op outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    # Load the inline backend now: it registers IPython's own PNG formatter when it is first
    # imported (at the first figure otherwise), which would replace ours.
    if mpl.get_backend() in ("inline", "module://matplotlib_inline.backend_inline"):
        import matplotlib_inline.backend_inline  # noqa: F401

    # IPython asks the SVG formatter, then the PNG one; the figure is drawn once and only the chosen
    # format answers (the other returns None, so the output carries one image)
    chosen: dict[int, tuple[str, object, dict]] = {}

    def answer(fig, fmt):
        key = id(fig)
        if key not in chosen:
            chosen[key] = figure_image(fig)
        kind, data, meta = chosen[key]
        if fmt == "png":
            chosen.pop(key, None)
        return (data, meta) if kind == fmt and data is not None else None

    shell.display_formatter.formatters["image/svg+xml"].for_type(Figure, lambda fig: answer(fig, "svg"))
    shell.display_formatter.formatters["image/png"].for_type(Figure, lambda fig: answer(fig, "png"))


def figure_image(fig) -> tuple[str, object, dict]:
    """How a figure is stored: ``("svg", text, size)`` if the SVG is the lighter page (gzipped, as a
    host sends it, smaller than the 2x palette PNG, and at most twice the PNG's bytes on disk, which
    keeps notebooks small), else ``("png", bytes, size)``; ``size`` is the display size in CSS px.

    Line plots are usually SVG (a tenth of the PNG on the wire, sharp at any zoom); images and
    scatter plots of thousands of points stay PNG.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2)); _ = ax.plot([0, 1], [0, 1])
    >>> kind, data, size = figure_image(fig); plt.close(fig)
    >>> kind, 250 < size["width"] < 300
    ('svg', True)
    """
    import gzip

    canvas_png = io.BytesIO()
    fig.savefig(canvas_png, format="png", bbox_inches="tight", dpi=SCALE * fig.dpi)
    png, png_size = png_2x(canvas_png.getvalue())
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    if len(gzip.compress(svg, 6)) < len(png) and len(svg) <= 2 * len(png):
        return "svg", svg.decode("utf-8"), _svg_size(svg)
    return "png", png, png_size


def _svg_size(svg: bytes) -> dict:
    """Display size in CSS px of a matplotlib SVG (its width and height are in pt: 1 pt = 4/3 px)."""
    import re

    m = re.search(rb'<svg[^>]*?width="([0-9.]+)pt"[^>]*?height="([0-9.]+)pt"', svg)
    return {"width": round(float(m[1]) * 4 / 3), "height": round(float(m[2]) * 4 / 3)} if m else {}


def png_2x(png: bytes, scale: int = None) -> tuple[bytes, dict]:
    """A PNG drawn at ``scale`` times the figure's size -> (compact PNG, display metadata).

    The metadata gives the size in CSS pixels (IPython's "retina" convention), which notebook
    frontends and the book use as the image's width and height.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2), dpi=100); _ = ax.plot([0, 1], [0, 1])
    >>> buf = io.BytesIO(); fig.savefig(buf, format="png", dpi=200, bbox_inches=None); plt.close(fig)
    >>> data, meta = png_2x(buf.getvalue())
    >>> meta
    {'width': 300, 'height': 200}
    """
    scale = scale or SCALE
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk of every PNG
    return compact_png(png), {"width": round(width / scale), "height": round(height / scale)}
