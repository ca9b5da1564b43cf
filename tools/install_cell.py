"""Give every chapter the same first code cell: install lossutils where it is missing (Colab).

    python tools/install_cell.py            # insert or refresh the cell in chapters/*.ipynb
    python tools/install_cell.py --check    # exit 1 if a chapter lacks the current cell

The repository URL is read from _config.yml (repository.url), so a move is one edit there. Locally and
in CI the import succeeds and the cell does nothing; on Colab it pip-installs the package from the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARK = "# lossutils-install-cell"


def cell_source() -> str:
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    return (
        f"{MARK}: on Colab (or wherever the course package is missing) install it first.\n"
        "try:\n"
        "    import lossutils\n"
        "except ImportError:\n"
        f'    %pip install --quiet "lossutils[course] @ git+{url}"\n'
    )


def apply(path: Path, check: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    src = cell_source()
    idx = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith(MARK)), None)
    if idx is not None and nb.cells[idx].source == src:
        return True
    if check:
        return False
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = ["remove-cell"]  # kept for Colab, not shown on the site
    if idx is None:
        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        nb.cells.insert(first_code, cell)
    else:
        nb.cells[idx].source = src
    nbformat.write(nb, path)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    ok = True
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        good = apply(path, args.check)
        ok &= good
        if args.check and not good:
            print(f"{path.name}: install cell missing or stale; run python tools/install_cell.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
