"""Stored figures carry no ``<Figure size ...>`` text: the image is the output.

``plt.show()`` in a kernel displays a figure as ``image/png`` plus matplotlib's text repr
(``<Figure size 700x350 with 1 Axes>``), which notebook viewers (GitHub, Colab, nbviewer) may show
as noise. tools/run_notebooks.py stores chapters without it; the nbval lane drops it from the
freshly executed outputs too (conftest.py), or nbval would report "Unexpected output fields".
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.notebook_outputs import drop_figure_text

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
FIGURE_REPR = re.compile(r"<Figure size")


def test_there_are_chapters():
    assert len(CHAPTERS) >= 6


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_figures_have_no_figure_text(path):
    nb = nbformat.read(path, as_version=4)
    offending = [i + 1 for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                 for out in cell.outputs
                 if FIGURE_REPR.search(json.dumps(out.get("data", {}).get("text/plain", "")))]
    assert not offending, (f"{path.name}: cells {offending} store matplotlib's '<Figure size ...>' text; "
                           "re-execute with `make notebooks` (tools/run_notebooks.py drops it)")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_printed_text_is_stored_as_one_output(path):
    """Text a cell prints in one go shows as one box on the site, not as two because of how the
    kernel flushed it (tools/notebook_outputs.join_adjacent_streams)."""
    nb = nbformat.read(path, as_version=4)
    split = [i + 1 for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             for a, b in zip(cell.outputs, cell.outputs[1:])
             if a.output_type == b.output_type == "stream" and a.name == b.name]
    assert not split, f"{path.name}: cells {split} store one printout as two outputs; re-execute with `make notebooks`"


def _output(data, output_type="display_data"):
    out = {"output_type": output_type, "metadata": {}, "data": data}
    if output_type == "execute_result":
        out["execution_count"] = 1
    return nbformat.from_dict(out)


def test_drop_figure_text_only_drops_a_figure_repr_beside_its_image():
    figure = _output({"image/png": "iVBO", "text/plain": ["<Figure size 700x350 ", "with 2 Axes>"]})
    no_image = _output({"text/plain": "<Figure size 700x350 with 1 Axes>"}, "execute_result")
    other_text = _output({"image/png": "iVBO", "text/plain": "<PIL.Image.Image image mode=RGB size=4x4>"})
    stream = nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": "<Figure size 1x1 with 1 Axes>\n"})
    kept = drop_figure_text([figure, no_image, other_text, stream])
    assert dict(kept[0]["data"]) == {"image/png": "iVBO"}
    assert kept[1:] == [no_image, other_text, stream]
    assert "text/plain" in figure["data"]  # the input is left alone


FIGURE = {"output_type": "display_data", "metadata": {},
          "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 700x350 with 1 Axes>"}}
SOURCE = "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()"


def _run_notebooks():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_notebooks_stores_figures_without_their_text(tmp_path, monkeypatch):
    class Client:  # stands in for nbclient's kernel: the cell displays a figure as a kernel does
        def __init__(self, nb, **kwargs):
            self.nb = nb

        def execute(self):
            self.nb.cells[0].outputs = [nbformat.from_dict(FIGURE)]
            self.nb.cells[0].execution_count = 1

    run_notebooks = _run_notebooks()
    monkeypatch.setattr(run_notebooks, "NotebookClient", Client)
    path = tmp_path / "figure.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOURCE)]), path)
    run_notebooks.run(path)
    [out] = nbformat.read(path, as_version=4).cells[0].outputs
    assert dict(out.data) == {"image/png": FIGURE["data"]["image/png"]}


def test_nbval_passes_on_a_figure_stored_without_its_text(tmp_path):
    """A real kernel still emits the text; conftest.py makes nbval compare without it.

    (Without conftest.py, ``--noconftest``, this run fails with "Unexpected output fields from
    running code: {'text/plain'}".)
    """
    stored = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}
    cell = nbformat.v4.new_code_cell(SOURCE, execution_count=1, outputs=[nbformat.from_dict(stored)])
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "figure.ipynb")
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval", "figure.ipynb", "--nbval-current-env",
           "-p", "no:cacheprovider"]
    # conftest.py imports tools.notebook_outputs from the project root
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr


ALT_PARAGRAPH = re.compile(r"^\s*(\*\*|\*|_)?alt(ernative)? text\b", re.IGNORECASE | re.MULTILINE)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_alt_text_is_in_the_image_not_in_the_prose(path):
    """A figure's description goes into its <img alt> (cell metadata mystnb.image.alt), which screen
    readers read; a visible "Alt text:" paragraph only repeats it to everyone else."""
    nb = nbformat.read(path, as_version=4)
    visible = [i + 1 for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown" and ALT_PARAGRAPH.search(cell.source)]
    assert not visible, f"{path.name}: cells {visible} show an 'Alt text:' paragraph; put it in the figure's alt"
    no_alt = [i + 1 for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              and any("image/png" in out.get("data", {}) for out in cell.outputs)
              and not str(cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")).strip()]
    assert not no_alt, f"{path.name}: figure cells {no_alt} have no alt text (cell metadata mystnb.image.alt)"


MAX_NOTEBOOK_BYTES = 1_500_000


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_figures_are_2x_and_notebooks_small(path):
    """Every stored figure is SVG or a PNG drawn at twice its display size (sharp on high-density
    screens) and says its display size in the output's metadata; the notebook stays under 1.5 MB."""
    import base64
    import struct

    from lossutils.plotting import SCALE

    assert path.stat().st_size < MAX_NOTEBOOK_BYTES, f"{path.name}: {path.stat().st_size / 1e6:.2f} MB"
    nb = nbformat.read(path, as_version=4)
    wrong = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/svg+xml" in data:
                if not out.get("metadata", {}).get("image/svg+xml", {}).get("width"):
                    wrong.append(f"cell {i + 1}: an SVG figure without its display size")
                continue
            png = data.get("image/png")
            if not png:
                continue
            width, height = struct.unpack(">II", base64.b64decode(png)[16:24])
            meta = out.get("metadata", {}).get("image/png", {})
            if meta.get("width") != round(width / SCALE) or meta.get("height") != round(height / SCALE):
                wrong.append(f"cell {i + 1}: {width}x{height} px stored, display size {meta or 'not given'}")
    assert wrong == [], (f"{path.name}: figures not stored at {SCALE}x (re-execute with tools/run_notebooks.py):\n  "
                         + "\n  ".join(wrong))
