"""`make bench`: what a user of the course waits for, against the budgets of issue 9.

    python benchmarks/run.py                   # losses, notebooks + widgets, rebuild + page weight (~5 min)
    python benchmarks/run.py --full            # + fresh clone -> built site and `make test` (~15 min more)
    python benchmarks/run.py --only losses     # one section (losses, notebooks, book, full); the others
                                               # are kept from the previous results.json, with their dates
    python benchmarks/run.py --page-only       # rewrite results.md and the plot from results.json

Writes ``benchmarks/results.json`` (every number, with the date and the machine), the plot
``benchmarks/loss_ratios.png`` and the book's appendix page ``benchmarks/results.md``. Budgets
are checked and reported (PASS / MISS); a miss does not make the command fail, because timings
depend on the machine and on what else runs on it. Every figure is a median of several runs;
every ratio compares two medians taken in the same run, calls alternated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

RESULTS = HERE / "results.json"
PAGE = HERE / "results.md"
PLOT = HERE / "loss_ratios.png"
SECTIONS = ("losses", "notebooks", "book", "full")  # "full" only on request (--full or --only full)

BUDGETS = {
    "fresh_clone": 6 * 60,      # s, fresh clone -> built site (make book, including installs)
    "rebuild": 20.0,            # s, rebuild after editing one prose cell
    "notebooks_total": 60.0,    # s, executing all notebooks
    "notebook_each": 15.0,      # s, any one notebook
    "make_test": 10 * 60,       # s (goal 5 min)
    "make_test_goal": 5 * 60,
    "widget_median": 50.0,      # ms, median live update per widget
    "forward": 1.0,             # lossutils / torch, forward
    "gradient": 1.5,            # lossutils gradient / torch autograd
    "bandwidth": 3.0,           # lossutils / memory-bandwidth limit, element-wise losses at 1e7
    "page_weight": 1.5e6,       # bytes per chapter page
}


def machine() -> dict:
    info = {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["memory_GB"] = round(int(Path("/proc/meminfo").read_text().split()[1]) / 2**20, 1)
    except OSError:
        pass
    import numpy
    import torch
    info.update(numpy=numpy.__version__, torch=torch.__version__)
    return info


def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M")


def log(msg: str) -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------------
# Budgets
# ------------------------------------------------------------------------------------------------

def _status(ok) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def budgets(res: dict) -> list[dict]:
    """The PASS/MISS table: one row per budget of issue 9."""
    rows = []

    def add(measure, budget, measured, ok, when=None):
        rows.append({"measure": measure, "budget": budget, "measured": measured, "status": _status(ok),
                     "date": when})

    full = res.get("full") or {}
    if full:
        add("fresh clone → built site (make book, with installs)", "≤ 6 min",
            f"{full['fresh_clone_book_s'] / 60:.1f} min (exit {full['fresh_clone_book_rc']})",
            full["fresh_clone_book_s"] <= BUDGETS["fresh_clone"] and full["fresh_clone_book_rc"] == 0, full["date"])
    else:
        add("fresh clone → built site (make book, with installs)", "≤ 6 min", "not measured (--full)", None)
    book = res.get("book") or {}
    if book.get("rebuild_s") is not None:
        add("rebuild after editing one prose cell", "≤ 20 s", f"{book['rebuild_s']:.1f} s",
            book["rebuild_s"] <= BUDGETS["rebuild"] and book.get("rebuild_rc") == 0, book.get("date"))
    nbs = res.get("notebooks") or {}
    if nbs.get("rows"):
        total = sum(r["seconds"] for r in nbs["rows"])
        worst = max(nbs["rows"], key=lambda r: r["seconds"])
        add("executing all notebooks, total", "≤ 60 s", f"{total:.1f} s ({len(nbs['rows'])} notebooks)",
            total <= BUDGETS["notebooks_total"], nbs.get("date"))
        add("executing all notebooks, slowest one", "≤ 15 s",
            f"{worst['seconds']:.1f} s ({Path(worst['notebook']).stem})",
            worst["seconds"] <= BUDGETS["notebook_each"], nbs.get("date"))
    if full:
        add("make test", "≤ 10 min (goal 5)",
            f"{full['make_test_s'] / 60:.1f} min (exit {full['make_test_rc']})",
            full["make_test_s"] <= BUDGETS["make_test"] and full["make_test_rc"] == 0, full["date"])
    else:
        add("make test", "≤ 10 min (goal 5)", "not measured (--full)", None)
    widgets = [w for r in nbs.get("rows", []) for w in r["widgets"] if w.get("moves")]
    if widgets:
        worst = max(widgets, key=lambda w: w["median_ms"])
        n_ok = sum(w["median_ms"] <= BUDGETS["widget_median"] for w in widgets)
        add("widget update in a kernel, median per widget", "≤ 50 ms",
            f"worst {worst['median_ms']:.1f} ms; {n_ok} of {len(widgets)} widgets within",
            n_ok == len(widgets), nbs.get("date"))
    losses = res.get("losses") or {}
    for kind, label, key in (("forward", "lossutils vs torch, forward (1e3 … 1e7)", "forward"),
                             ("gradient", "lossutils vs torch autograd, gradient (1e3 … 1e7)", "gradient")):
        lr = [r for r in losses.get("rows", []) if r["kind"] == kind]
        if lr:
            n_ok = sum(r["ratio"] <= BUDGETS[key] for r in lr)
            add(label, f"≤ {BUDGETS[key]:.1f}× torch",
                f"{n_ok} of {len(lr)} (loss, size) pairs within; median ratio "
                f"{sorted(r['ratio'] for r in lr)[len(lr) // 2]:.2f}×", n_ok == len(lr), losses.get("date"))
    bw = losses.get("bandwidth") or []
    if bw:
        n_ok = sum(r["multiple"] <= BUDGETS["bandwidth"] for r in bw)
        worst = max(bw, key=lambda r: r["multiple"])
        add("element-wise losses at 1e7 vs memory-bandwidth limit", "≤ 3× the limit",
            f"{n_ok} of {len(bw)} within; worst {worst['multiple']:.1f}× ({worst['loss']})",
            n_ok == len(bw), losses.get("date"))
    pages = book.get("pages") or []
    if pages:
        worst = max(pages, key=lambda p: p["gzip_bytes"])
        add("chapter page weight (transferred, gzip)", "≤ 1.5 MB",
            f"heaviest {worst['gzip_bytes'] / 1e6:.2f} MB ({Path(worst['page']).stem}; "
            f"{worst['bytes'] / 1e6:.2f} MB uncompressed)",
            all(p["gzip_bytes"] <= BUDGETS["page_weight"] for p in pages), book.get("date"))
    return rows


# ------------------------------------------------------------------------------------------------
# Sections
# ------------------------------------------------------------------------------------------------

def run_losses(quick: bool) -> dict:
    import bench_losses
    sizes = (10**3, 10**5, 10**7) if quick else bench_losses.SIZES
    log(f"== lossutils vs torch, float64, sizes {', '.join(f'{n:.0e}' for n in sizes)}")
    res = bench_losses.run(sizes, log=log)
    res["date"] = now()
    return res


def run_notebooks(repeats: int) -> dict:
    import bench_notebooks
    log("== notebooks (fresh kernel each) and the live update of every widget they show")
    rows = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        r = bench_notebooks.run_notebook(path, repeats)
        log(f"  {r['notebook']}: {r['seconds']:.1f} s (kernel start {r['kernel_start_s']:.1f} s), "
            f"{len(r['widgets'])} widget(s)")
        for w in r["widgets"]:
            if w.get("moves"):
                log(f"      {w['widget'][:58]:58s} median {w['median_ms']:6.2f} ms, p95 {w['p95_ms']:6.2f} ms")
        rows.append(r)
    return {"date": now(), "rows": rows, "repeats": repeats}


def run_book() -> dict:
    import bench_book
    log("== book: cold build of a copy, rebuild after one prose edit, page weight")
    res = bench_book.run(log=log)
    res["date"] = now()
    return res


def run_full() -> dict:
    import shutil
    import tempfile

    import bench_book
    log("== fresh clone -> make book (with installs), then make test in the clone (takes a while)")
    work = Path(tempfile.mkdtemp(prefix="lossbench-full-"))
    try:
        return bench_book.run_full(work, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true",
                    help="also measure a fresh clone's `make book` (with installs) and `make test` (long)")
    ap.add_argument("--only", default="", help=f"comma-separated sections of {', '.join(SECTIONS)}")
    ap.add_argument("--quick", action="store_true", help="fewer loss sizes (1e3, 1e5, 1e7)")
    ap.add_argument("--repeats", type=int, default=60, help="live updates timed per widget")
    ap.add_argument("--page-only", action="store_true", help="only rewrite results.md and the plot")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    res = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    fresh = {}  # what this run measures
    if not args.page_only:
        t0 = time.perf_counter()
        todo = only or [s for s in SECTIONS if s != "full" or args.full]
        fresh["machine"] = machine()
        fresh["load_start"] = load()
        log(f"bench on {fresh['machine'].get('cpu', '?')}, {os.cpu_count()} cores, load average "
            f"{fresh['load_start']} (1, 5, 15 min); sections: {', '.join(todo)}")
        runners = {"losses": lambda: run_losses(args.quick), "notebooks": lambda: run_notebooks(args.repeats),
                   "book": run_book, "full": run_full}
        for section in todo:
            before = load()
            fresh[section] = runners[section]()
            fresh[section]["load"] = {"start": before, "end": load()}
        fresh["load_end"] = load()
        fresh["date"] = now()
        fresh["bench_seconds"] = round(time.perf_counter() - t0, 1)
        fresh["sections"] = todo
        if todo == ["full"]:  # a --only full run keeps the machine notes of the last main run
            fresh = {"full": fresh["full"]}
        # merge into the file as it is now (another run may have written other sections meanwhile)
        res = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        res.update(fresh)
    res["budgets"] = budgets(res)
    RESULTS.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    import report
    report.write_plot(res, PLOT)
    PAGE.write_text(report.page(res, PLOT.name))
    log("")
    for b in res["budgets"]:
        log(f"  {b['status']:4s}  {b['measure']:55s} {b['budget']:>20s}   {b['measured']}")
    log(f"\nwrote {RESULTS.relative_to(ROOT)}, {PAGE.relative_to(ROOT)}, {PLOT.relative_to(ROOT)}"
        + (f" in {fresh['bench_seconds']:.0f} s" if "bench_seconds" in fresh else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
