"""The book's build times and page weight, measured on a copy of the project in /tmp.

    python benchmarks/bench_book.py            # warm build + one-prose-cell rebuild + page weight
    python benchmarks/bench_book.py --full     # also: fresh clone -> built site, and `make test`

* **rebuild after editing one prose cell**: the working tree (without .git, .venv, _build) is
  copied to a temporary folder and built once with the project's command (``jupyter-book build .
  --builder html -W -n --keep-going``; this first, cold build executes every notebook into the
  jupyter-cache). Then one markdown cell of a chapter gets one more sentence and the same command
  runs again: that second build is what an author waits for after fixing a typo.
* **page weight** of every chapter page of that build, with the project's tool
  ``tools/page_weight.py``: the HTML and every local file it makes a browser load (stylesheets and
  what they import, scripts, images, the fonts the stylesheets declare: an upper bound), on disk
  and as transferred by a host that gzips text (GitHub Pages).
* **--full**: ``git clone`` of the repository (committed files only) into a temporary folder, then
  ``make book`` there (creates the virtual environment, installs every pinned package and the
  KaTeX assets, executes and builds everything: a new contributor's first build), then ``make
  test`` in the same clone. Both take minutes, so they only run on request (``run.py`` does not
  run them).

Nothing here touches the repository itself: every build happens under /tmp.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
BUILD_CMD = ["jupyter-book", "build", ".", "--builder", "html", "-W", "-n", "--keep-going"]
SKIP = {".git", ".venv", "_build", "build", "node_modules", "student", "__pycache__", ".pytest_cache",
        ".hypothesis", ".ipynb_checkpoints", ".jupyter_cache"}
EDIT_CHAPTER = "chapters/02_regression_losses.ipynb"
EDIT_TEXT = " (This sentence was added by the rebuild benchmark.)"


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONHASHSEED", "0")
    env["MPLBACKEND"] = "Agg"
    return env


def _timed(cmd, cwd: Path, log_path: Path, env=None) -> tuple[float, int]:
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        rc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env or _env()).returncode
    return time.perf_counter() - t0, rc


def copy_tree(dest: Path) -> Path:
    """Copy the working tree (what an author has on disk) to ``dest``."""
    shutil.copytree(ROOT, dest, ignore=lambda d, names: [n for n in names if n in SKIP], symlinks=True)
    toc = (dest / "_toc.yml").read_text()
    if "benchmarks/results" in toc and not (dest / "benchmarks" / "results.md").exists():
        # an older _toc.yml still lists the benchmarks page that benchmarks/README.md replaced
        (dest / "benchmarks" / "results.md").write_text("# Benchmarks\n\nSee benchmarks/README.md.\n")
    return dest


def edit_one_prose_cell(book: Path) -> str:
    """Append one sentence to the first markdown cell after the title of EDIT_CHAPTER."""
    path = book / EDIT_CHAPTER
    nb = nbformat.read(path, as_version=4)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    cell = md[1] if len(md) > 1 else md[0]
    cell.source = cell.source.rstrip() + EDIT_TEXT
    nbformat.write(nb, path)
    return EDIT_CHAPTER


def page_weights(site: Path) -> list[dict]:
    """Weight of every chapter page, measured by tools/page_weight.py (the project's page-weight tool).

    ``bytes``: the page and every local file it makes a browser load, on disk; ``gzip_bytes``: what a
    host that gzips text (GitHub Pages) transfers. Fonts count as every font the stylesheets declare
    (an upper bound; see the tool's docstring).
    """
    sys.path.insert(0, str(ROOT / "tools"))
    from page_weight import page_weight

    rows = []
    for page in sorted((site / "chapters").glob("*.html")):
        w = page_weight(site, page.relative_to(site).as_posix())
        by_kind: dict[str, int] = {"html": w.html_bytes}
        for rel, size in w.resources.items():
            suffix = Path(rel.split("?")[0]).suffix.lower()
            kind = {".css": "css", ".js": "js", ".woff2": "fonts", ".woff": "fonts"}.get(suffix, "images/other")
            by_kind[kind] = by_kind.get(kind, 0) + size
        biggest = sorted(w.resources.items(), key=lambda kv: -kv[1])[:3]
        rows.append({"page": w.page, "bytes": w.raw_total, "gzip_bytes": w.transfer_total, "by_kind": by_kind,
                     "requests": 1 + len(w.resources), "external": w.external, "missing": w.missing,
                     "largest_files": [{"file": f, "bytes": s} for f, s in biggest],
                     "method": "tools/page_weight.py"})
    return rows


def run(keep: bool = False, log=print) -> dict:
    work = Path(tempfile.mkdtemp(prefix="lossbench-"))
    out: dict = {"workdir": str(work)}
    try:
        book = copy_tree(work / "book")
        log(f"  cold build of a copy in {book} (executes every notebook) ...")
        cold, rc1 = _timed(BUILD_CMD, book, work / "build-cold.log")
        out["cold_build_s"], out["cold_build_rc"] = cold, rc1
        log(f"  cold build {cold:.1f} s (exit {rc1})")
        edited = edit_one_prose_cell(book)
        warm, rc2 = _timed(BUILD_CMD, book, work / "build-warm.log")
        log_text = (work / "build-warm.log").read_text(errors="replace")
        executed = len(re.findall(r"Executing notebook|Executing: ", log_text))
        out.update({"rebuild_s": warm, "rebuild_rc": rc2, "edited": edited, "rebuild_executed_notebooks": executed})
        log(f"  rebuild after editing one prose cell of {edited}: {warm:.1f} s (exit {rc2}, "
            f"{executed} notebook(s) re-executed)")
        site = book / "_build" / "html"
        out["pages"] = page_weights(site) if site.is_dir() else []
        for p in out["pages"]:
            log(f"  {p['page']:45s} {p['bytes'] / 1e6:6.2f} MB")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def run_full(work: Path, log=print) -> dict:
    """Fresh clone -> `make book` (with installs), then `make test` in that clone."""
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                            text=True).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    log(f"  fresh clone of {commit} in {clone}: make book (installs everything) ...")
    book_s, book_rc = _timed(["make", "book"], clone, work / "make-book.log", env)
    log(f"  make book {book_s:.0f} s (exit {book_rc})")
    test_s, test_rc = _timed(["make", "test"], clone, work / "make-test.log", env)
    log(f"  make test {test_s:.0f} s (exit {test_rc})")
    tail = (work / "make-test.log").read_text(errors="replace").splitlines()[-12:]
    book_log = (work / "make-book.log").read_text(errors="replace")
    warnings = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in book_log.splitlines()
                if ("WARNING" in line or "ERROR" in line) and "is ignored: it is neither" not in line
                and "without encryption" not in line]
    return {"commit": commit, "date": time.strftime("%Y-%m-%d %H:%M"), "book_warnings": warnings[:8],
            "chapters_in_clone": len(list((clone / "chapters").glob("*.ipynb"))),
            "fresh_clone_book_s": book_s, "fresh_clone_book_rc": book_rc,
            "make_test_s": test_s, "make_test_rc": test_rc, "make_test_summary": tail}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also time a fresh clone's `make book` and `make test`")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (build logs)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    res = run(args.keep)
    if args.full:
        res["full"] = run_full(Path(tempfile.mkdtemp(prefix="lossbench-full-")), print)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
