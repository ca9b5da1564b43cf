"""Write the student edition of the chapter notebooks.

    python tools/make_student.py [--out student] [chapters/*.ipynb]

Uses nbconvert's own preprocessors: cells tagged ``solution`` are removed (TagRemovePreprocessor),
outputs cleared (ClearOutputPreprocessor), and notebook/cell metadata dropped except the kernel spec
and language info (ClearMetadataPreprocessor), which also drops saved widget state. Exercise cells
stay, each with ``answer = None  # your answer here`` and its ``check(...)`` call.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parent.parent


def student_notebook(nb):
    resources = {}
    for pre in (
        TagRemovePreprocessor(remove_cell_tags={"solution"}, enabled=True),
        ClearOutputPreprocessor(enabled=True),
        ClearMetadataPreprocessor(enabled=True, preserve_nb_metadata_mask={("kernelspec",), ("language_info",)},
                                  preserve_cell_metadata_mask={"tags"}),
    ):
        nb, resources = pre.preprocess(nb, resources)
    # tags other than bookkeeping ones are kept; the solution tag can no longer occur
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write the student edition (no solutions, no outputs).")
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "student")
    args = ap.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        nb = student_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(nb)
        dest = args.out / path.name
        nbformat.write(nb, dest)
        print(f"{dest}  ({len(nb.cells)} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
