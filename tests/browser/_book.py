"""Where the built site is, which pages its table of contents lists, and how to scroll to an element
(shared by the browser tests)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def site_dir() -> Path:
    """The built site: $LOSSBOOK_SITE, else this repository's _build/html."""
    return Path(os.environ.get("LOSSBOOK_SITE") or ROOT / "_build" / "html").resolve()


def source_dir() -> Path:
    """The book the site was built from: <book>/_build/html -> <book> (else this repository)."""
    candidate = site_dir().parent.parent
    return candidate if (candidate / "_toc.yml").is_file() else ROOT


def _toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                files.append(node[key])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                files += _toc_files(child)
    return files


def toc_pages() -> list[str]:
    """The HTML pages of every file in _toc.yml, in book order (e.g. "chapters/01_loss_basics.html")."""
    toc = yaml.safe_load((source_dir() / "_toc.yml").read_text(encoding="utf-8"))
    return [re.sub(r"\.(md|ipynb|rst)$", "", f) + ".html" for f in _toc_files(toc)]


def scroll_to(page, selector: str, nth: int = 0) -> None:
    """Scroll the ``nth`` match of ``selector`` to the top of the screen the way a link or a script
    on the page would (``Element.scrollIntoView``), wait until that frame is drawn, and check that
    the element is on the screen (a reader following a link to it would see it).

    Not Playwright's ``scroll_into_view_if_needed``: it scrolls to where the element was before the
    sections around it, skipped until then (``content-visibility: auto`` in _static/custom.css),
    were laid out, so on long chapters it landed thousands of pixels away and screenshots showed
    another part of the page, or nothing yet."""
    top, height = page.evaluate("""async ([sel, n]) => {
        const e = document.querySelectorAll(sel)[n];
        e.scrollIntoView({block: 'start'});
        for (let i = 0; i < 2; i++) await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
        return [e.getBoundingClientRect().top, innerHeight];
    }""", [selector, nth])
    assert 0 <= top < height, f"scrolled to {selector} (match {nth}), it is at {top:.0f} px, not on the {height} px screen"
