"""Execute chapter notebooks and store their outputs (what nbval later compares).

    python tools/run_notebooks.py chapters/01_loss_basics.ipynb [...]

Each notebook runs top to bottom in its own folder with the current interpreter's kernel. Before
saving, the live widget views are dropped from outputs that also carry the static HTML version, and
the saved widget state is removed (so a stored notebook opened without a kernel shows the static
widget, not "model not found"); matplotlib's ``<Figure size ...>`` text beside each figure's image
is dropped (noise in notebook viewers; nbval drops it from fresh outputs too, see conftest.py);
text printed in one go is one output however the kernel flushed it; per-cell execution timestamps
are dropped to keep diffs small.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from notebook_outputs import drop_figure_text, join_adjacent_streams, strip_widget_views


def run(path: Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    elapsed = time.perf_counter() - t0
    strip_widget_views(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = join_adjacent_streams(drop_figure_text(cell.outputs))
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = ap.parse_args(argv)
    for path in args.notebooks:
        elapsed = run(path, args.timeout)
        size = path.stat().st_size / 1024
        print(f"{path}: executed in {elapsed:.1f} s, {size:.0f} KB on disk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
