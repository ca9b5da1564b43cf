"""The course's look for static matplotlib figures: ``use_course_style()`` in a chapter's first cell.

Same palette as the widgets (:data:`lossutils.widgets.PALETTE`, Okabe-Ito, colour-blind safe),
white background (readable in dark mode too), light grid, legible sizes at the book's page width.
The layout engine is left alone (use ``layout="constrained"`` or ``fig.tight_layout()`` per figure);
saved and inline figures are cropped tight.

>>> import matplotlib as mpl
>>> with mpl.rc_context():   # a chapter simply calls use_course_style()
...     use_course_style()
...     mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
'#0072B2'
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

from .widgets import PALETTE

__all__ = ["use_course_style", "COURSE_RC", "PALETTE"]

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
