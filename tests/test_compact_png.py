"""Figures in a notebook are displayed as compact palette PNGs that look the same."""

from __future__ import annotations

import base64
import io

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from lossutils.plotting import compact_png


def _figure_png() -> bytes:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from lossutils.plotting import use_course_style
    with matplotlib.rc_context():
        use_course_style()
        fig, ax = plt.subplots()
        r = np.linspace(-4, 4, 400)
        ax.plot(r, r**2 / 2, label="squared")
        ax.plot(r, np.abs(r), "--", label="absolute")
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()


def test_compact_png_is_smaller_and_looks_the_same():
    png = _figure_png()
    small = compact_png(png)
    assert len(small) < 0.6 * len(png)
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(small)).convert("RGB"), dtype=float)
    assert a.shape == b.shape
    assert np.abs(a - b).mean() < 1.0  # on a 0..255 scale: no visible change
    assert np.percentile(np.abs(a - b).max(axis=2), 99.9) < 40


def test_compact_png_keeps_what_it_cannot_improve():
    transparent = Image.new("RGBA", (20, 10), (255, 0, 0, 0))
    buf = io.BytesIO()
    transparent.save(buf, format="PNG")
    assert compact_png(buf.getvalue()) == buf.getvalue()
    assert compact_png(b"not a png") == b"not a png"


def test_kernel_displays_figures_as_svg_or_2x_compact_png(tmp_path):
    """A line plot is shown as SVG (the lighter page); a dense scatter as a 2x palette PNG; each once,
    with its display size in the output's metadata."""
    nb = nbformat.v4.new_notebook()
    common = "import matplotlib.pyplot as plt, numpy as np\nfrom lossutils.plotting import use_course_style\nuse_course_style()\n"
    nb.cells = [
        nbformat.v4.new_code_cell(common + "fig, ax = plt.subplots()\nax.plot([0, 1, 2], [0, 1, 4])\nplt.show()"),
        nbformat.v4.new_code_cell(common + "fig, ax = plt.subplots()\n"
                                  "xy = np.random.default_rng(0).normal(size=(2, 20000))\n"
                                  "ax.scatter(*xy, s=2)\nplt.show()"),
    ]
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    line, image = ([o for o in cell.outputs if o.get("output_type") == "display_data"] for cell in nb.cells)
    assert len(line) == 1 and "image/svg+xml" in line[0]["data"] and "image/png" not in line[0]["data"]
    assert line[0]["metadata"]["image/svg+xml"]["width"] > 0
    assert len(image) == 1 and "image/png" in image[0]["data"] and "image/svg+xml" not in image[0]["data"]
    png = Image.open(io.BytesIO(base64.b64decode(image[0]["data"]["image/png"])))
    assert png.mode == "P"  # a palette image, as compact_png writes
    assert png.size[0] == 2 * image[0]["metadata"]["image/png"]["width"]  # drawn at 2x its display size
