"""The course's look for static matplotlib figures: ``use_course_style()`` in a chapter's first cell.

Same palette as the widgets (:data:`lossutils.widgets.PALETTE`, Okabe-Ito, colour-blind safe),
white background (readable in dark mode too), light grid, legible sizes at the book's page width.
The layout engine is left alone (use ``layout="constrained"`` or ``fig.tight_layout()`` per figure);
saved and inline figures are cropped tight.

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

import re

import matplotlib as mpl
from cycler import cycler

from .widgets import PALETTE

__all__ = ["use_course_style", "drop_figure_text", "COURSE_RC", "PALETTE"]

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
    """Set matplotlib's rcParams to the course style (palette, white background, grid, sizes)."""
    mpl.rcParams.update(COURSE_RC)


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
