"""Write the student edition of the chapter notebooks.

    python tools/make_student.py [--out student] [chapters/*.ipynb]

Uses nbconvert's own preprocessors: cells tagged ``solution`` are removed (TagRemovePreprocessor): in
the gated form that is the ``solution-start`` and ``solution-end`` markdown cells and every code cell
between them,
outputs cleared (ClearOutputPreprocessor), and notebook/cell metadata dropped except the kernel spec
and language info (ClearMetadataPreprocessor), which also drops saved widget state. Exercise cells
stay, each with ``answer = None  # your answer here`` and its ``check(...)`` call.

Two mistakes stop it (exit code 1, nothing written for that notebook), because both would hand
students a broken or spoiled notebook: a cell with a ``{solution}`` directive that is not tagged
``solution`` (it would stay in the student edition), and an exercise whose ``check("<label>", ...)``
call is only in solution cells (students would have no cell to answer in).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tools.grade, when run as a script
    sys.path.insert(0, str(ROOT))


# a one-cell solution ({solution}) or either end of a gated one ({solution-start} ... {solution-end})
SOLUTION_DIRECTIVE = re.compile(r"^[ \t]*(?:`{3,}|:{3,})[ \t]*\{solution(?:-start|-end)?\}", re.MULTILINE)


def _tagged(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


def _problems(nb) -> list[str]:
    """Why this instructor notebook cannot be turned into a student notebook (empty list: it can)."""
    from tools.grade.grader import find_check_calls

    problems = [f"cell {i + 1} has a solution directive but is not tagged 'solution' "
                "(add the tag in the cell's metadata: \"tags\": [\"solution\"])"
                for i, cell in enumerate(nb.cells) if not _tagged(cell) and SOLUTION_DIRECTIVE.search(cell.source)]
    def labels(cells):
        return {label for c in cells if c.cell_type == "code" for label, _ in find_check_calls(c.source)}
    for label in sorted(labels(nb.cells) - labels(c for c in nb.cells if not _tagged(c))):
        problems.append(f'exercise {label} has its check("{label}", ...) call only in solution cells: add an '
                        "untagged exercise cell with `answer = None  # your answer here` and the check call")
    return problems


def student_notebook(nb):
    """The student version of an instructor notebook; ValueError if it would leak or lose something."""
    problems = _problems(nb)
    if problems:
        raise ValueError("; ".join(problems))
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
    failed = 0
    for path in notebooks:
        try:
            nb = student_notebook(nbformat.read(path, as_version=4))
        except ValueError as exc:
            print(f"{path}: not written: {exc}", file=sys.stderr)
            failed += 1
            continue
        nbformat.validate(nb)
        dest = args.out / path.name
        nbformat.write(nb, dest)
        print(f"{dest}  ({len(nb.cells)} cells)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
