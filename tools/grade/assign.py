"""Assignment notebooks: the student edition with the key's values (``make-assignment``).

For each exercise of the assignment, in the notebook that has it:

* multiple choice: the option that is correct in the practice version and the option the key makes
  correct trade places in the exercise text (``(a) ...``, ``- (a) ...``, ``- **a.** ...`` and
  ``- **a**: ...`` option styles);
* numeric with graded values: a markdown cell under the exercise gives the values to use;
* function: nothing changes (the graded check uses hidden test inputs).

A code cell near the top calls ``graded_assignment(term, labels)``, so the check cells of these
exercises say "answer recorded" instead of judging against the practice values.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from lossutils.checks import Numeric

from . import grader, key as keys

_MARK = re.compile(r"\(([a-f])\)|\*\*([a-f])[.:)]?\*\*:?")
_SENTENCE_END = re.compile(r"\.\s+[A-Z]|\n")


def swap_options(text: str, old: str, new: str) -> str | None:
    """``text`` with the bodies of options ``old`` and ``new`` exchanged (None if the options cannot be
    found: each letter from a on exactly once, in order).

    >>> swap_options("Pick one: (a) 0.25 (b) 0.5 (c) 0.75 (d) 0.9. Answer with the letter.", "c", "a")
    'Pick one: (a) 0.75 (b) 0.5 (c) 0.25 (d) 0.9. Answer with the letter.'
    """
    marks = [(m.start(), m.end(), m.group(1) or m.group(2)) for m in _MARK.finditer(text)]
    letters = [letter for _, _, letter in marks]
    if len(letters) < 2 or letters != list("abcdef"[: len(letters)]) or old not in letters or new not in letters:
        return None

    def line_start(pos):
        return text.rfind("\n", 0, pos) + 1

    listed = all(text[line_start(s):s].strip() in ("-", "*") for s, _, _ in marks)
    spans = {}
    for i, (_, end, letter) in enumerate(marks):
        if i + 1 < len(marks):
            stop = line_start(marks[i + 1][0]) if listed else marks[i + 1][0]
        elif listed:
            blank = text.find("\n\n", end)
            stop = blank if blank >= 0 else len(text)
        else:
            m = _SENTENCE_END.search(text, end)
            stop = m.start() if m else len(text)
        body = text[end:stop]
        lead = len(body) - len(body.lstrip())
        core = body.rstrip()
        if not listed:
            core = core.rstrip(" ,;")
            if i + 1 == len(marks) and core.endswith("."):
                core = core[:-1]
        spans[letter] = (end + lead, end + len(core))
    (a0, a1), (b0, b1) = sorted([spans[old], spans[new]])
    return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]


def _setup_index(nb) -> int:
    """Where the graded_assignment cell goes: after the cell importing the course's check."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i in code:
        if "lossutils.course" in nb.cells[i].source and "check" in nb.cells[i].source:
            return i + 1
    return (code[0] + 1) if code else 0


def assignment_notebook(nb, assignment, key) -> tuple[list[str], list[str]]:
    """Apply the key to ``nb`` in place; returns (labels done here, problems)."""
    term = key.get("term", "?")
    done, problems, notes = [], [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for label in grader.exercise_labels(cell.source):
            if label not in assignment.points:
                continue
            entry, checker = key["exercises"].get(label), keys.registry().get(label)
            if entry is None or checker is None:
                problems.append(f"{label}: not in the key (make a new key)")
                continue
            if entry.get("kind") == "choice" and entry.get("swap"):
                swapped = swap_options(cell.source, *entry["swap"])
                if swapped is None:
                    problems.append(f"{label}: cannot find the options (a), (b), ... in the exercise text, so "
                                    "they cannot be reordered; take it out of the assignment or fix the text")
                    continue
                cell.source = swapped
            elif entry.get("kind") == "numeric" and entry.get("params") is not None and isinstance(checker, Numeric):
                values = keys.describe_values(checker, entry["params"])
                notes.append((index, nbformat.v4.new_markdown_cell(
                    f"**Graded version ({term}).** For this assignment, use these values instead of the ones "
                    f"above: {values}. The check below records your answer; your instructor grades it.")))
            done.append(label)
    for index, note in sorted(notes, key=lambda n: -n[0]):
        nb.cells.insert(index + 1, note)
    if done:
        setup = nbformat.v4.new_code_cell(
            f"# Graded assignment {assignment.title!r} ({term}): the checks of its exercises record your\n"
            "# answer (○) instead of judging it; your instructor grades the notebook you hand in.\n"
            "from lossutils.course.exercises import graded_assignment\n\n"
            f"graded_assignment({term!r}, {done!r})")
        nb.cells.insert(_setup_index(nb), setup)
        nb.metadata["lossgrade"] = {"term": term, "assignment": assignment.title, "exercises": done,
                                    **({"student": key["student"]} if key.get("student") else {})}
    return done, problems


def write_assignment(notebooks: Path, assignment, key, out: Path) -> list[str]:
    """Write the assignment notebooks of the folder ``notebooks`` into ``out``; returns the problems."""
    problems, found = [], set()
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(notebooks).glob("*.ipynb")):
        if path.is_symlink():
            continue
        nb = nbformat.read(path, as_version=4)
        done, trouble = assignment_notebook(nb, assignment, key)
        problems += [f"{path.name}: {t}" for t in trouble]
        if done:
            found |= set(done)
            nbformat.write(nb, out / path.name)
            print(f"wrote {out / path.name}: {', '.join(done)}")
    for label in assignment.exercises:
        if label not in found and not any(p.split(": ", 1)[-1].startswith(label) for p in problems):
            problems.append(f"{label}: no notebook in {notebooks} has this exercise")
    return problems
