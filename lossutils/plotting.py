"""The course's look for static matplotlib figures: ``use_course_style()`` in a chapter's first cell.

Same palette as the widgets (:data:`lossutils.widgets.PALETTE`, Okabe-Ito, colour-blind safe),
white background (readable in dark mode too), light grid, legible sizes at the book's page width.
The layout engine is left alone (use ``layout="constrained"`` or ``fig.tight_layout()`` per figure);
saved and inline figures are cropped tight. In a notebook, figures are shown as palette PNGs
(:func:`compact_png`): a third of the bytes, the same picture.

Figures are stored at twice their size in pixels (``SCALE``), with their size in CSS pixels in the
output's metadata: sharp on high-density screens (phones, most laptops), and the same size on the
page as before. The palette PNG keeps a 2x figure at about twice the bytes of a 1x one, not four times.

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

__all__ = ["use_course_style", "compact_png", "png_2x", "COURSE_RC", "PALETTE", "SCALE"]

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
}


def use_course_style() -> None:
    """Set matplotlib's rcParams to the course style (palette, white background, grid, sizes).

    In an IPython kernel, figures are also displayed as compact 2x PNG images (:func:`png_2x`).
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
    """Make IPython display matplotlib figures as compact PNGs (no-op outside IPython)."""
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

    from IPython.core.pylabtools import print_figure

    def png(fig):
        raw = print_figure(fig, "png", bbox_inches="tight", dpi=SCALE * fig.dpi)
        return None if raw is None else png_2x(raw)  # None: an empty figure, not shown

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


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
