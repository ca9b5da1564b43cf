"""Execution time of every chapter notebook, and the live update latency of every widget it shows.

    python benchmarks/bench_notebooks.py [chapters/01_loss_basics.ipynb ...] [--repeats 60]

Each notebook runs top to bottom in a fresh kernel, as ``make notebooks`` runs it (nbclient, the
``python3`` kernel of this interpreter, the notebook's folder as working directory); nothing is
written back. The time is wall-clock from starting the kernel to the end of the last cell. Then,
in the same kernel, one extra cell finds every explorer the chapter displayed (IPython keeps each
cell's result in ``Out``) and times its live updates with
:func:`bench_widgets.bench_explorers`: the widgets are measured exactly as a reader's kernel runs
them, with the chapter's own data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
MARK = "@@bench-widgets@@"

WIDGET_CELL = """\
import json as _bench_json, sys as _bench_sys
_bench_sys.path.insert(0, {bench_dir!r})
from bench_widgets import bench_explorers as _bench_explorers
print({mark!r} + _bench_json.dumps(_bench_explorers(
    [Out[k] for k in sorted(Out)] + list(globals().values()), repeats={repeats})))
"""


def run_notebook(path: Path, repeats: int = 60, timeout: int = 300) -> dict:
    """Execute ``path`` in a fresh kernel; return its timing and its widgets' update latencies."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        client.wait_for_reply(client.kc.kernel_info())
        t_kernel = time.perf_counter()
        cell_times, imports_s = [], None
        for index, cell in enumerate(nb.cells):
            tc = time.perf_counter()
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            if cell.cell_type == "code" and cell.source.strip():
                cell_times.append((time.perf_counter() - tc, index, cell.source.strip().splitlines()[0][:70]))
                if imports_s is None and "install-cell" not in cell.source and any(
                        line.startswith(("import ", "from ")) for line in cell.source.splitlines()):
                    imports_s = cell_times[-1][0]  # the chapter's imports (torch, matplotlib, ...)
        t_done = time.perf_counter()
        cell = nbformat.v4.new_code_cell(WIDGET_CELL.format(
            bench_dir=str(Path(__file__).resolve().parent), mark=MARK, repeats=repeats))
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    widgets = json.loads(text.split(MARK, 1)[1]) if MARK in text else []
    return {"notebook": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            "seconds": t_done - t0, "kernel_start_s": t_kernel - t0, "cells_s": t_done - t_kernel,
            "code_cells": sum(c.cell_type == "code" for c in nb.cells) - 1,
            "imports_s": imports_s or 0.0,
            "slowest_cells": [{"cell": i, "seconds": s, "starts": first}
                              for s, i, first in sorted(cell_times, reverse=True)[:3]],
            "widgets": widgets}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--repeats", type=int, default=60, help="live updates per widget")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    for p in paths:
        r = run_notebook(p.resolve(), args.repeats)
        print(f"{r['notebook']}: {r['seconds']:.1f} s (kernel start {r['kernel_start_s']:.1f} s)")
        for w in r["widgets"]:
            print(f"    {w['widget'][:60]:60s} median {w['median_ms']:7.2f} ms  p95 {w['p95_ms']:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
