"""Bring chapter notebooks to the site conventions of the course (idempotent, in place).

    python tools/apply_site_conventions.py chapters/*.ipynb          # convert
    python tools/apply_site_conventions.py --check chapters/*.ipynb  # exit 1 if one is not converted

What it does to each notebook (nothing else; outputs are kept, so no re-execution is needed):

1. **Gated solutions.** A solution written as one ``{solution}`` directive in a markdown cell followed
   by its code cells becomes the gated form, so that the code cells *and their outputs* sit inside
   the solution's dropdown on the website::

       [markdown, tag solution]  :::{solution-start} <label>
                                 :class: dropdown
                                 :::
                                 <the explanation prose>
       [code, tag solution]      ... the solution's code cells (all consecutive solution-tagged cells)
       [markdown, tag solution]  :::{solution-end}
                                 :::

   The code cells that belong to a solution are the code cells right after it, up to the next
   markdown cell; each gets the tag ``solution``.
2. **The install cell** (first line ``# lossutils-install-cell``) gets the tag ``remove-cell`` (it stays
   in the notebook for Colab, the site does not show it) and its source is rewritten from the
   repository URL of ``_config.yml`` (tools/install_cell.py).
3. The quiz is imported from its home, ``lossutils.course`` (``from lossutils.quiz import show_quiz``,
   the module before issue 15, is rewritten).
4. **Plumbing cells** get ``hide-input`` (the site shows their output and a "show code" toggle):
   cells that build a widget (``explore(``) and long plotting cells (at least
   :data:`PLOT_MIN_LINES` matplotlib lines, and at least :data:`PLOT_SHARE` of the cell's lines;
   a cell that defines a function is teaching code and stays visible).
   Tags an author set are never removed.

``--check`` (and tests/test_site_conventions.py) verifies the same conventions without writing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from install_cell import MARK as INSTALL_MARK  # noqa: E402
from install_cell import cell_source as install_source  # noqa: E402

SOLUTION = "solution"
OLD_QUIZ_IMPORT = "from lossutils.quiz import show_quiz"
PLOT_MIN_LINES = 6
PLOT_SHARE = 0.7

_FENCE = r"(?P<fence>:{3,}|`{3,})"
PLAIN_SOLUTION = re.compile(r"^[ \t]*" + _FENCE + r"[ \t]*\{solution\}[ \t]*(?P<label>\S+)[ \t]*\n(?P<body>.*)$", re.S)
GATED_START = re.compile(r"^[ \t]*(:{3,}|`{3,})[ \t]*\{solution-start\}[ \t]*(?P<label>\S+)", re.M)
GATED_END = re.compile(r"^[ \t]*(:{3,}|`{3,})[ \t]*\{solution-end\}", re.M)
EXERCISE_LABEL = re.compile(r"\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?[ \t]*:label:[ \t]*(?P<label>\S+)")
PLOT_LINE = re.compile(r"\b(plt|ax\d?|axes|axs|fig)\b\s*[.\[]|\.set_\w+\(|\.plot\(|\.legend\(")


def tags(cell) -> list[str]:
    return cell.metadata.setdefault("tags", [])


def add_tag(cell, tag: str) -> None:
    if tag not in tags(cell):
        tags(cell).append(tag)


def _split_plain_solution(source: str):
    """(label, options lines, prose) of a one-cell ``{solution}`` directive, or None."""
    m = PLAIN_SOLUTION.match(source)
    if not m:
        return None
    fence, body = m["fence"], m["body"].rstrip()
    if body.endswith(fence):  # the closing fence of the directive
        body = body[: -len(fence)].rstrip()
    lines = body.split("\n")
    options = []
    while lines and re.match(r"^[ \t]*:[\w-]+:", lines[0]):
        options.append(lines.pop(0).strip())
    return m["label"], options, "\n".join(lines).strip()


def gate_solutions(nb) -> int:
    """Rewrite one-cell solutions into the gated form; returns how many were rewritten."""
    cells, out, changed, i = nb.cells, [], 0, 0
    while i < len(cells):
        cell = cells[i]
        parsed = _split_plain_solution(cell.source) if cell.cell_type == "markdown" else None
        if parsed is None:
            out.append(cell)
            i += 1
            continue
        label, options, prose = parsed
        if not any(o.startswith(":class:") for o in options):
            options.insert(0, ":class: dropdown")
        start = cell
        start.source = "\n".join([f":::{{solution-start}} {label}", *options, ":::", *( [prose] if prose else [])])
        add_tag(start, SOLUTION)
        out.append(start)
        i += 1
        while i < len(cells) and cells[i].cell_type == "code":
            add_tag(cells[i], SOLUTION)
            out.append(cells[i])
            i += 1
        end = nbformat.v4.new_markdown_cell(":::{solution-end}\n:::")
        end.id = (start.get("id") or label)[:60] + "-end"  # deterministic: reruns give the same notebook
        end.metadata["tags"] = [SOLUTION]
        out.append(end)
        changed += 1
    nb.cells = out
    return changed


def is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(INSTALL_MARK)


def is_plumbing(cell) -> bool:
    if cell.cell_type != "code" or is_install_cell(cell) or SOLUTION in cell.metadata.get("tags", []):
        return False
    if re.search(r"^\s*(\w+\s*=\s*)?explore\(", cell.source, re.M):
        return True
    if re.search(r"^\s*def ", cell.source, re.M):
        return False
    lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    plot = [ln for ln in lines if PLOT_LINE.search(ln)]
    return len(plot) >= PLOT_MIN_LINES and len(plot) >= PLOT_SHARE * len(lines)


def apply(nb) -> dict:
    """Convert ``nb`` in place; returns counts of what changed."""
    done = {"solutions": gate_solutions(nb), "install": 0, "hidden": 0}
    for cell in nb.cells:
        if cell.cell_type == "code" and OLD_QUIZ_IMPORT in cell.source:
            cell.source = cell.source.replace(OLD_QUIZ_IMPORT, "from lossutils.course import show_quiz")
        if is_install_cell(cell):
            src = install_source()
            if cell.source != src or "remove-cell" not in tags(cell):
                done["install"] += 1
            cell.source = src
            cell.metadata["tags"] = ["remove-cell"] + [t for t in tags(cell) if t not in ("remove-output", "remove-cell")]
            cell.outputs = []
        elif is_plumbing(cell) and "hide-input" not in tags(cell):
            add_tag(cell, "hide-input")
            done["hidden"] += 1
    for cell in nb.cells:  # no empty tag lists left behind
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return done


def problems(nb) -> list[str]:
    """Where ``nb`` breaks the conventions (empty: it follows them)."""
    out = []
    cells = nb.cells
    exercises = [m["label"] for c in cells if c.cell_type == "markdown" for m in EXERCISE_LABEL.finditer(c.source)]
    gated = set()
    i = 0
    while i < len(cells):
        c = cells[i]
        t = c.metadata.get("tags", [])
        if c.cell_type == "markdown" and PLAIN_SOLUTION.match(c.source):
            out.append(f"cell {i + 1}: a one-cell {{solution}} directive; use the gated form (solution-start/-end)")
        m = GATED_START.search(c.source) if c.cell_type == "markdown" else None
        if m:
            label = m["label"]
            gated.add(label)
            if SOLUTION not in t:
                out.append(f"cell {i + 1}: solution-start of {label} is not tagged 'solution'")
            j = i + 1
            while j < len(cells) and not (cells[j].cell_type == "markdown" and GATED_END.search(cells[j].source)):
                if GATED_START.search(cells[j].source):
                    break
                if SOLUTION not in cells[j].metadata.get("tags", []):
                    out.append(f"cell {j + 1}: inside the solution of {label} but not tagged 'solution'")
                j += 1
            if j == len(cells) or not GATED_END.search(cells[j].source):
                out.append(f"cell {i + 1}: solution of {label} has no solution-end")
            elif SOLUTION not in cells[j].metadata.get("tags", []):
                out.append(f"cell {j + 1}: solution-end of {label} is not tagged 'solution'")
            i = j + 1
            continue
        if c.cell_type == "code" and SOLUTION in t:
            out.append(f"cell {i + 1}: a solution code cell outside a solution-start/solution-end pair")
        if is_install_cell(c):
            if "remove-cell" not in t:
                out.append(f"cell {i + 1}: the install cell is not tagged 'remove-cell'")
            if c.source != install_source():
                out.append(f"cell {i + 1}: the install cell does not use the repository URL of _config.yml")
        elif c.cell_type == "code" and OLD_QUIZ_IMPORT in c.source:
            out.append(f"cell {i + 1}: imports the quiz from lossutils.quiz (gone): from lossutils.course import show_quiz")
        elif is_plumbing(c) and not {"hide-input", "remove-input", "hide-cell", "remove-cell"} & set(t):
            out.append(f"cell {i + 1}: a plumbing cell (widget construction or long plotting code) without 'hide-input'")
        i += 1
    if not any(is_install_cell(c) for c in cells):
        out.append("no install cell (# lossutils-install-cell ...): run python tools/install_cell.py")
    for label in exercises:
        if label not in gated:
            out.append(f"exercise {label} has no gated solution")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="report, do not write; exit 1 on a problem")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    bad = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if args.check:
            found = problems(nb)
            for p in found:
                print(f"{path}: {p}")
            bad += bool(found)
            continue
        before = nbformat.writes(nb)
        done = apply(nb)
        if nbformat.writes(nb) != before:
            nbformat.validate(nb)
            nbformat.write(nb, path)
        print(f"{path}: {done['solutions']} solutions gated, install cell {'updated' if done['install'] else 'ok'}, "
              f"{done['hidden']} cells hidden")
        left = problems(nb)
        for p in left:
            print(f"{path}: still: {p}")
        bad += bool(left)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
