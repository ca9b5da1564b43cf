"""The course's look for static matplotlib figures: ``use_course_style()`` in a chapter's first cell.

Same palette as the widgets (:data:`lossutils.widgets.PALETTE`, Okabe-Ito, colour-blind safe),
white background (readable in dark mode too), light grid, legible sizes at the book's page width.
The layout engine is left alone (use ``layout="constrained"`` or ``fig.tight_layout()`` per figure);
saved and inline figures are cropped tight. In a notebook, figures are shown as palette PNGs
(:func:`compact_png`): a third of the bytes, the same picture.

:func:`drop_figure_text` removes matplotlib's ``<Figure size 700x350 with 1 Axes>`` text fallback from
executed outputs that carry the figure's image: ``tools/run_notebooks.py`` stores chapters without it,
and the nbval lane (``conftest.py``) drops it from the fresh outputs before comparing.

>>> import matplotlib as mpl
>>> with mpl.rc_context():   # a chapter simply calls use_course_style()
...     use_course_style()
...     mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
'#0072B2'
"""

from __future__ import annotations

import io
import re

import matplotlib as mpl
from cycler import cycler

from .widgets import PALETTE

__all__ = ["use_course_style", "drop_figure_text", "compact_png", "COURSE_RC", "PALETTE"]

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

    In an IPython kernel, figures are also displayed as :func:`compact_png` images.
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
        raw = print_figure(fig, "png", bbox_inches="tight")  # what IPython shows by default
        return None if raw is None else compact_png(raw)  # None: an empty figure, not shown

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


# repr(matplotlib.figure.Figure): "<Figure size 640x480 with 2 Axes>" (sizes formatted with :g)
FIGURE_TEXT = re.compile(r"<Figure size [0-9.e+]+x[0-9.e+]+ with [0-9]+ Axes>")


def drop_figure_text(outputs):
    """The outputs without matplotlib's ``<Figure size ...>`` text next to a figure's image.

    ``plt.show()`` in a kernel displays each figure as ``image/png`` plus a ``text/plain`` repr
    (``<Figure size 700x350 with 1 Axes>``) for frontends that cannot show images. Stored in a
    notebook that text is noise in notebook viewers. Only that repr is dropped, and only where an
    ``image/png`` is beside it; every other output is returned as it is. The outputs (nbformat
    nodes or plain dicts) are not modified: changed ones are shallow copies.

    >>> outs = [{"output_type": "display_data", "metadata": {},
    ...          "data": {"image/png": "iVBO...", "text/plain": "<Figure size 700x350 with 1 Axes>"}},
    ...         {"output_type": "execute_result", "metadata": {}, "execution_count": 3,
    ...          "data": {"text/plain": "<Figure size 700x350 with 1 Axes>"}}]
    >>> [sorted(o["data"]) for o in drop_figure_text(outs)]
    [['image/png'], ['text/plain']]
    >>> sorted(outs[0]["data"])   # the input is unchanged
    ['image/png', 'text/plain']
    """
    kept = []
    for out in outputs:
        data = out.get("data")
        text = data.get("text/plain") if data else None
        if isinstance(text, list):  # nbformat allows multiline strings as lists of lines
            text = "".join(text)
        if text is not None and "image/png" in data and FIGURE_TEXT.fullmatch(text.strip()):
            out = type(out)(out)
            out["data"] = type(data)({k: v for k, v in data.items() if k != "text/plain"})
        kept.append(out)
    return kept
