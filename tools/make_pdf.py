"""The whole book as one PDF, built offline: Sphinx's single-page HTML printed by headless chromium.

    python tools/make_pdf.py [--out _build/pdf/loss-functions-hands-on.pdf] [--singlehtml _build/singlehtml]

``make pdf`` runs ``jupyter-book build . --builder custom --custom-builder singlehtml`` first (the same
sources, stored outputs and extensions as the website), then this script. The page is printed as a
reader's browser would print it: maths is KaTeX HTML rendered at build time (fonts served locally),
figures are the stored images, and every widget shows its default frame (the static SVG the page
ships). Nothing is fetched from another host (requests elsewhere are blocked).

The website links the PDF (``_ext/lossbook_assets.py`` adds the link and copies the file into the
site when ``_build/pdf/<name>.pdf`` exists at build time), so ``make pdf`` rebuilds the site after.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "loss-functions-hands-on.pdf"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
  .bd-footer-article, .prev-next-area, #pst-back-to-top, .search-button-field, .headerlink { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
  .lossutils-explorer, figure, .cell_output img, .lq-q, table { break-inside: avoid; }
  .lossutils-explorer .lx-fig { display: grid !important; overflow: visible !important; }
  h1 { break-before: page; }
  details.hide.above-input { display: none !important; }
}
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_pdf(singlehtml: Path, out: Path) -> Path:
    from playwright.sync_api import sync_playwright

    # Jupyter Book writes the book to <root>.html (intro.html) and index.html as a redirect to it
    pages = [p for p in singlehtml.glob("*.html") if p.stat().st_size > 2000]
    index = max(pages, key=lambda p: p.stat().st_size) if pages else singlehtml / "index.html"
    if not index.is_file():
        raise SystemExit(f"{index} is missing: build the single-page HTML first (make pdf does)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(singlehtml)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1" else r.abort())
            page.goto(f"{base}/{index.name}", wait_until="load", timeout=180_000)
            page.add_style_tag(content=PRINT_CSS)
            page.evaluate("document.fonts.ready.then(() => true)")
            page.emulate_media(media="print", color_scheme="light")
            page.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                     margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.0f} s")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--singlehtml", type=Path, default=ROOT / "_build" / "singlehtml")
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / PDF_NAME)
    args = ap.parse_args(argv)
    print_pdf(args.singlehtml, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
