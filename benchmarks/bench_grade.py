"""Grading throughput: notebooks graded per minute (in the sandbox), and how it scales with --jobs.

    python benchmarks/bench_grade.py                          # 8 small submissions, --jobs 1, 2, 3
    python benchmarks/bench_grade.py --notebook chapters/02_regression_losses.ipynb --copies 4
    python benchmarks/bench_grade.py --jobs 1,2 --copies 12

Each run grades ``--copies`` copies of one notebook, as a class would hand it in, with the grader of
tools/grade (bubblewrap sandbox, one cgroup per notebook, the practice key), and prints the wall time
and notebooks per minute for each ``--jobs``. The default notebook is the grader's test submission
(three exercises, all right: kernel start-up dominates); ``--notebook`` takes a chapter notebook (its
solution cells answer every exercise: the whole chapter runs, as a student's would). Not a test:
timings depend on the machine and on what else runs on it; the load average is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"


def _labels(path: Path) -> list[str]:
    from tools.grade import grader

    nb, reason = grader.load(path)
    if nb is None:
        raise SystemExit(f"{path}: {reason}")
    calls, others = grader.plan(nb, [])
    return sorted(others)


def measure(notebook: Path, copies: int, jobs_list: list[int], timeout: float) -> list[str]:
    """Rows of a markdown table: jobs, wall time, notebooks per minute, passed exercises."""
    from tools.grade import grader, key as keys, sandbox

    if notebook == FIXTURES / "submissions" / "alice.ipynb":
        spec = importlib.util.spec_from_file_location("gradetest_exercises", FIXTURES / "gradetest_exercises.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        keys.registry()
        module.register()
    labels = [label for label in _labels(notebook) if label in keys.registry()]
    limits = sandbox.Limits(timeout=timeout)
    version, why = sandbox.probe(limits)
    if version is None:
        raise SystemExit(f"no sandbox: {why}")
    rows = ["| jobs | notebooks | wall time (s) | notebooks per minute | exercises passed |", "|---|---|---|---|---|"]
    for jobs in jobs_list:
        folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
        try:
            for i in range(copies):
                shutil.copyfile(notebook, folder / f"student{i:03d}.ipynb")
            started = time.perf_counter()
            results, _ = grader.grade(folder, labels, keys.practice_key(), limits=limits, jobs=jobs)
            seconds = time.perf_counter() - started
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        passed = sum(row.passed for r in results.values() for row in r.rows)
        total = sum(len(r.rows) for r in results.values())
        rows.append(f"| {jobs} | {copies} | {seconds:.1f} | {60 * copies / seconds:.1f} | {passed}/{total} |")
        print(rows[-1], flush=True)
    return rows


def section(copies: int = 8, jobs_list=(1, 2, 3)) -> list[str]:
    """For benchmarks/run.py: a heading, the conditions and the table."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = ["## Grading throughput", "",
             f"{copies} copies of the grader's test submission (three exercises; kernel start-up dominates), "
             f"graded in the bubblewrap sandbox on {os.cpu_count()} cores, load average {load} before the run "
             "(`python benchmarks/bench_grade.py`; `--notebook chapters/NN_x.ipynb` for whole chapters).", ""]
    return lines + measure(FIXTURES / "submissions" / "alice.ipynb", copies, list(jobs_list), 120)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notebook", type=Path, default=FIXTURES / "submissions" / "alice.ipynb")
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--jobs", default="1,2,3", help="comma-separated values of --jobs to try")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per notebook")
    args = ap.parse_args(argv)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"grading {args.copies} copies of {args.notebook} on {os.cpu_count()} cores (load average {load})")
    measure(args.notebook.resolve(), args.copies, [int(j) for j in args.jobs.split(",")], args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
