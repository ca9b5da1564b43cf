"""Where the built site is and which pages its table of contents lists (shared by the browser tests)."""

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
