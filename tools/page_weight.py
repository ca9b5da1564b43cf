#!/usr/bin/env python3
"""Page weight of a built site: each page's HTML plus the local resources it makes a browser load.

    python tools/page_weight.py [SITE] [--page PAGE ...] [--detail] [--json] [--max-kb KB]

SITE defaults to ``_build/html``; without ``--page``, every content page of the site is measured.
For each page this reports:

* ``html``: the page itself;
* ``resources``: every local file it loads on a first visit: stylesheets (with their ``@import``
  and ``url()`` references, followed recursively), scripts, preloads, icons, images (``src`` and
  ``srcset``), media, frames and objects. Fonts: of each ``@font-face`` rule only the first
  source counts (a browser takes the first format it supports; ours list woff2 first). Every font
  a stylesheet declares counts, although a browser fetches only those the page uses: the figure is
  an upper bound; the browser tests measure what is actually loaded;
* ``raw``: the bytes on disk; ``transfer``: what a reader downloads from a static host that
  compresses text (GitHub Pages gzips HTML, CSS, JS, SVG, JSON; images and woff2 fonts are already
  compressed), estimated with gzip level 6.

Links (``<a href>``, ``<link rel="next">`` ...) are navigation, not weight. Requests to other hosts
and references to missing files are listed as problems (exit status 1), as is a page over
``--max-kb`` (transfer size). ``--json`` prints everything for other tools (the benchmarks).

Used by tests/browser/test_site.py and by the benchmark report.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

COMPRESSIBLE = {".html", ".htm", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".xml", ".map", ".ttf", ".otf", ".ico"}
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest"}
_BASE = "http://site.invalid/"  # resolve references as URLs, then map them back to files

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.I)
_CSS_FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}", re.I)
_CSS_SRC = re.compile(r"(?:^|;)\s*src\s*:([^;]*)", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""", re.I)


@dataclass
class PageWeight:
    page: str
    html_bytes: int
    html_transfer: int
    resources: dict[str, int] = field(default_factory=dict)  # site-relative path -> bytes on disk
    transfer: dict[str, int] = field(default_factory=dict)  # site-relative path -> bytes over the wire
    external: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def raw_total(self) -> int:
        return self.html_bytes + sum(self.resources.values())

    @property
    def transfer_total(self) -> int:
        return self.html_transfer + sum(self.transfer.values())

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(raw_total=self.raw_total, transfer_total=self.transfer_total)
        return d


class _References(HTMLParser):
    """The URLs an HTML document makes a browser fetch (not the ones it merely links to)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & LOADING_RELS and a.get("href"):
                self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        elif tag in ("img", "source", "audio", "video", "track", "embed", "iframe", "input"):
            if tag == "input" and a.get("type", "").lower() != "image":
                return
            for key in ("src", "poster"):
                if a.get(key):
                    self.urls.append(a[key])
            for candidate in a.get("srcset", "").split(","):
                if candidate.strip():
                    self.urls.append(candidate.split()[0])
        elif tag == "object" and a.get("data"):
            self.urls.append(a["data"])
        elif tag == "image":  # inline SVG
            href = a.get("href") or a.get("xlink:href")
            if href:
                self.urls.append(href)
        if a.get("style"):
            self.inline_css.append(a["style"])
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


def css_references(css: str) -> list[str]:
    """URLs a stylesheet makes a browser fetch: imports, url()s, the first source of each font."""
    css = _CSS_COMMENT.sub("", css)
    urls = list(_CSS_IMPORT.findall(css))
    for face in _CSS_FONT_FACE.findall(css):
        for src in _CSS_SRC.findall(face):
            first = _CSS_URL.search(src)
            if first:
                urls.append(first.group(1))
    rest = _CSS_FONT_FACE.sub("", css)
    rest = _CSS_IMPORT.sub("", rest)
    urls += _CSS_URL.findall(rest)
    return [u for u in urls if not u.startswith(("data:", "#"))]


@lru_cache(maxsize=4096)
def _sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    wire = len(gzip.compress(data, compresslevel=6, mtime=0)) if path.suffix.lower() in COMPRESSIBLE else len(data)
    return len(data), min(wire, len(data))


def file_sizes(path: Path) -> tuple[int, int]:
    """(bytes on disk, bytes transferred by a host that gzips text) of one file."""
    return _sizes(Path(path).resolve())


def url_to_file(site: Path, url: str) -> Path | None:
    """The file of the site an absolute URL on the site points to (``None`` for another host)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or parsed.netloc != urlparse(_BASE).netloc:
        return None
    rel = unquote(parsed.path).lstrip("/")
    path = site / rel
    if rel == "" or rel.endswith("/"):
        path = path / "index.html"
    return path


def page_weight(site: Path | str, page: str) -> PageWeight:
    """Weight of one page of ``site`` (``page`` relative to the site, e.g. ``chapters/x.html``)."""
    site = Path(site).resolve()
    html_path = site / page
    raw, wire = file_sizes(html_path)
    result = PageWeight(page=page, html_bytes=raw, html_transfer=wire)
    refs = _References()
    refs.feed(html_path.read_text(encoding="utf-8", errors="replace"))
    page_url = urljoin(_BASE, page)
    queue = [urljoin(page_url, u.strip()) for u in refs.urls if not u.strip().startswith(("data:", "#"))]
    queue += [urljoin(page_url, u) for css in refs.inline_css for u in css_references(css)]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0).split("#", 1)[0]
        if url in seen:
            continue
        seen.add(url)
        path = url_to_file(site, url)
        if path is None:
            if urlparse(url).scheme in ("http", "https", ""):
                result.external.append(url)
            continue
        rel = path.relative_to(site).as_posix() if path.is_relative_to(site) else str(path)
        if rel in result.resources or rel == page:
            continue
        if not path.is_file():
            result.missing.append(rel)
            continue
        result.resources[rel], result.transfer[rel] = file_sizes(path)
        if path.suffix.lower() == ".css":
            css = path.read_text(encoding="utf-8", errors="replace")
            base = urljoin(_BASE, rel)
            queue += [urljoin(base, u) for u in css_references(css)]
    return result


def content_pages(site: Path | str) -> list[str]:
    """Every content page of a built site (not Sphinx's own folders such as _static or _sources)."""
    site = Path(site).resolve()
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not any(part.startswith((".", "_")) for part in p.relative_to(site).parts[:-1]))


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default="_build/html", help="the built site (default: _build/html)")
    ap.add_argument("--page", action="append", help="a page relative to the site; repeat for several (default: all)")
    ap.add_argument("--detail", action="store_true", help="list each page's resources, largest first")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--max-kb", type=float, help="exit 1 if a page's transfer size is over this many KiB")
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"no built site at {site}: run `make book` first", file=sys.stderr)
        return 2
    weights = [page_weight(site, p) for p in (args.page or content_pages(site))]
    problems = []
    for w in weights:
        problems += [f"{w.page}: request to another host: {u}" for u in w.external]
        problems += [f"{w.page}: missing file: {m}" for m in w.missing]
        if args.max_kb is not None and w.transfer_total > args.max_kb * 1024:
            problems.append(f"{w.page}: {_kb(w.transfer_total)} KiB transferred, over the budget of {args.max_kb:g} KiB")
    if args.json:
        print(json.dumps({"site": str(site.resolve()), "unit": "bytes", "pages": [w.as_dict() for w in weights],
                          "problems": problems}, indent=1))
    else:
        print(f"{'page':<44} {'html KiB':>9} {'files':>6} {'raw KiB':>9} {'transfer KiB':>13}")
        for w in weights:
            print(f"{w.page:<44} {_kb(w.html_bytes):>9} {len(w.resources):>6} {_kb(w.raw_total):>9} {_kb(w.transfer_total):>13}")
            if args.detail:
                for rel, n in sorted(w.resources.items(), key=lambda kv: -kv[1]):
                    print(f"    {rel:<62} {_kb(n):>7} KiB raw {_kb(w.transfer[rel]):>7} KiB transfer")
        print("raw: bytes on disk; transfer: with the gzip a static host applies to text. Fonts: all a page's CSS "
              "declares (upper bound).")
        for p in problems:
            print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
