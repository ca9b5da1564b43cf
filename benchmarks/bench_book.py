"""The book's build times and page weight, measured on a copy of the project in /tmp.

    python benchmarks/bench_book.py            # warm build + one-prose-cell rebuild + page weight
    python benchmarks/bench_book.py --full     # also: fresh clone -> built site, and `make test`

* **rebuild after editing one prose cell**: the working tree (without .git, .venv, _build) is
  copied to a temporary folder and built once with the project's command (``jupyter-book build .
  --builder html -W -n --keep-going``; this first, cold build executes every notebook into the
  jupyter-cache). Then one markdown cell of a chapter gets one more sentence and the same command
  runs again: that second build is what an author waits for after fixing a typo.
* **page weight** of every chapter page of that build: what headless chromium downloads to show
  the page from a local server with an empty cache (every response body until the load event plus
  half a second), as served and gzip-compressed (what GitHub Pages sends). Without chromium, a static
  estimate: the HTML, every stylesheet, script and image it references, and the woff2 fonts those
  stylesheets reference (an upper bound: a browser fetches only the fonts a page uses).
* **--full**: ``git clone`` of the repository (committed files only) into a temporary folder, then
  ``make book`` there (creates the virtual environment, installs every pinned package and the
  KaTeX assets, executes and builds everything: a new contributor's first build), then ``make
  test`` in the same clone. Both take minutes, so they only run on request; ``run.py`` keeps the
  latest measured values, with their date, in results.json.

Nothing here touches the repository itself: every build happens under /tmp.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
    results = dest / "benchmarks" / "results.md"
    if not results.exists():  # first run ever: the page is written at the end of run.py
        results.write_text("# Benchmarks\n\nNot measured yet.\n")
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


_TAG = re.compile(r"<(?:link|script|img|source)\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(href|src|rel)=["']([^"']*)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def _local(base: Path, ref: str, site: Path) -> Path | None:
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or ref.startswith(("data:", "#")):
        return None
    path = (base / unquote(parts.path)).resolve()
    return path if path.is_file() and site.resolve() in path.parents else None


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def page_weight(page: Path, site: Path) -> dict:
    """Bytes of ``page`` and of the local files it pulls in (see the module docstring).

    ``bytes`` is the size on disk; ``gzip_bytes`` what a server that compresses text
    (GitHub Pages does) sends: each file gzip-compressed at level 6, fonts and images as they are.
    """
    raw = page.read_bytes()
    html = raw.decode("utf-8", errors="replace")
    files = {}
    for tag in _TAG.findall(html):
        attrs = {k.lower(): v for k, v in _ATTR.findall(tag)}
        ref = attrs.get("src") or attrs.get("href")
        if not ref:
            continue
        if tag[:5].lower() == "<link" and attrs.get("rel", "").lower() not in ("stylesheet", "preload", "modulepreload"):
            continue  # icons, next/prev links, search page: not loaded with the page
        p = _local(page.parent, ref, site)
        if p:
            files[p] = p.stat().st_size
    fonts = {}
    for css in [p for p in files if p.suffix == ".css"]:
        for ref in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if ref.split("?")[0].endswith(".woff2"):
                p = _local(css.parent, ref, site)
                if p:
                    fonts[p] = p.stat().st_size
    by_kind: dict[str, int] = {"html": len(raw)}
    gz_kind: dict[str, int] = {"html": _gzip_size(raw)}
    biggest = sorted(files.items(), key=lambda kv: -kv[1])[:3]
    for p, size in list(files.items()) + list(fonts.items()):
        kind = {".css": "css", ".js": "js", ".woff2": "fonts"}.get(p.suffix, "images/other")
        by_kind[kind] = by_kind.get(kind, 0) + size
        gz = _gzip_size(p.read_bytes()) if p.suffix in (".css", ".js", ".svg", ".json") else size
        gz_kind[kind] = gz_kind.get(kind, 0) + gz
    return {"page": str(page.relative_to(site)), "bytes": sum(by_kind.values()), "by_kind": by_kind,
            "gzip_bytes": sum(gz_kind.values()), "gzip_by_kind": gz_kind,
            "largest_files": [{"file": str(p.relative_to(site)), "bytes": s} for p, s in biggest]}


CHROMIUM = "/usr/bin/chromium"
TEXT_TYPES = ("text/", "javascript", "json", "svg", "xml")


def browser_weights(site: Path, pages: list[Path]) -> dict[str, dict] | None:
    """What a browser really downloads to show each page: every response body, summed.

    Each page loads in a fresh browser context (empty cache) from a local HTTP server, and every
    request is recorded until the page's load event plus half a second (lazy scripts, fonts the page
    uses). ``bytes`` are the bodies as served (uncompressed); ``gzip_bytes`` the same with text
    responses gzip-compressed (level 6), what a compressing server such as GitHub Pages sends.
    Returns None without chromium or playwright.
    """
    if not os.access(CHROMIUM, os.X_OK):
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    out = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            for page_path in pages:
                rel = page_path.relative_to(site).as_posix()
                context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
                page = context.new_page()
                responses, external = [], []
                page.route("**/*", lambda r: (external.append(r.request.url), r.abort())
                           if not r.request.url.startswith(base) else r.continue_())
                page.on("response", lambda resp: responses.append(resp))
                page.goto(f"{base}/{rel}", wait_until="load")
                page.wait_for_timeout(500)
                total = gz = 0
                kinds: dict[str, int] = {}
                for resp in responses:
                    try:
                        body = resp.body()
                    except Exception:  # redirects and aborted requests have no body
                        continue
                    ctype = resp.headers.get("content-type", "")
                    size = len(body)
                    total += size
                    gz += len(gzip.compress(body, 6)) if any(t in ctype for t in TEXT_TYPES) else size
                    kind = ("html" if "html" in ctype else "js" if "javascript" in ctype else "css" if "css" in ctype
                            else "fonts" if "font" in ctype or resp.url.split("?")[0].endswith((".woff2", ".woff"))
                            else "images/other")
                    kinds[kind] = kinds.get(kind, 0) + size
                out[rel] = {"bytes": total, "gzip_bytes": gz, "by_kind": kinds, "requests": len(responses),
                            "external_requests_blocked": len(external)}
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def _page_weights(site: Path) -> list[dict]:
    pages = sorted((site / "chapters").glob("*.html"))
    rows = [page_weight(p, site) for p in pages]
    measured = browser_weights(site, pages)
    for row in rows:
        static = {k: row.pop(k) for k in ("bytes", "by_kind", "gzip_bytes", "gzip_by_kind")}
        row["static_estimate"] = static
        if measured and row["page"] in measured:
            row.update(measured[row["page"]], method="chromium")
        else:
            row.update(static, method="static estimate")
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
        out["pages"] = _page_weights(site) if site.is_dir() else []
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
