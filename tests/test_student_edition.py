"""The student edition (tools/make_student.py): no solutions, no outputs, every exercise cell kept,
and every student notebook runs top to bottom with no exercise answered.

Each student notebook is executed by nbclient in a fresh kernel, one test per chapter (so
pytest-xdist can run two at a time). This takes 5-10 s per chapter here (kernel start, imports, the
chapter's own computations; figures are not drawn, see below).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import nbformat
import pytest

from lossutils.course import exercises as checks  # labels() loads every chapter's checks
from tools.grade.grader import find_check_calls

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
SOLUTION_DIRECTIVE = re.compile(r"(`{3,}|:{3,})\s*\{solution")
# what an untouched exercise cell may say: `answer = None`, or a stub function to complete
UNANSWERED = ("not answered yet", "your function returned None", "your function raised NotImplementedError")
EXERCISE_LABEL = re.compile(r"\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?[ \t]*:label:[ \t]*([\w.-]+)")


def _make_student():
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    assert _make_student().main(["--out", str(out)]) == 0
    return out


def _ids(paths):
    return [p.stem for p in paths]


def _tagged(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


def _check_labels(cells) -> list[str]:
    return [label for c in cells if c.cell_type == "code" for label, _ in find_check_calls(c.source)]


def _exercise_labels(cells) -> set[str]:
    return {m for c in cells if c.cell_type == "markdown" for m in EXERCISE_LABEL.findall(c.source)}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=_ids(CHAPTERS))
def test_student_notebook_has_no_solution_and_no_output(student, chapter):
    nb = nbformat.read(student / chapter.name, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        assert not _tagged(cell), f"cell {i + 1} is tagged solution"
        assert not SOLUTION_DIRECTIVE.search(cell.source), f"cell {i + 1} has a {{solution}} directive"
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i + 1} kept its output"
        assert set(cell.metadata) <= {"tags"}
    assert set(nb.metadata) <= {"kernelspec", "language_info"}  # no saved widget state
    instructor = nbformat.read(chapter, as_version=4)
    assert len(nb.cells) == sum(not _tagged(c) for c in instructor.cells)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=_ids(CHAPTERS))
def test_every_exercise_keeps_its_cell_and_check_call(student, chapter):
    instructor = nbformat.read(chapter, as_version=4)
    nb = nbformat.read(student / chapter.name, as_version=4)
    exercises = _exercise_labels(instructor.cells)
    assert exercises, f"{chapter.name} has no exercise directive"
    assert _exercise_labels(nb.cells) == exercises
    slug = chapter.stem.split("_", 1)[1].replace("_", "-")
    registered = {label for label in checks.labels() if label.rsplit("-ex", 1)[0] == slug}
    assert registered <= exercises, f"checks registered for exercises the chapter does not have: {registered - exercises}"
    assert set(_check_labels(instructor.cells)) == set(_check_labels(nb.cells)) == registered
    # one answer cell per checked exercise, starting unanswered
    for label in registered:
        cells = [c for c in nb.cells if c.cell_type == "code" and label in _check_labels([c])]
        assert len(cells) == 1, f"{label}: {len(cells)} exercise cells in the student notebook"
        assert "None" in cells[0].source


@pytest.mark.parametrize("chapter", CHAPTERS, ids=_ids(CHAPTERS))
def test_student_notebook_runs_top_to_bottom_unanswered(student, chapter):
    """No cell raises, and no exercise passes: each check says it is unanswered (None) or a stub."""
    from nbclient import NotebookClient

    nb = nbformat.read(student / chapter.name, as_version=4)
    # Figures are made but not drawn into images (matplotlib's non-interactive agg backend instead of
    # the notebook's inline one): drawing was over half of this run's time, and nbval draws every
    # figure of these same cells when it runs the instructor notebook.
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "chapters")}}).execute(
        env={**os.environ, "MPLBACKEND": "agg"})
    checked = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not find_check_calls(cell.source):
            continue
        checked += 1
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert any(u in text for u in UNANSWERED), f"{chapter.name}: {cell.source!r} says {text!r}"
    assert checked, f"{chapter.name}: no exercise check ran"


def test_make_student_refuses_to_leak_or_lose_an_exercise(tmp_path, capsys):
    def write(name, *cells):
        nb = nbformat.v4.new_notebook(cells=list(cells))
        nbformat.write(nb, tmp_path / name)
        return tmp_path / name

    solution = nbformat.v4.new_markdown_cell(":::{solution} x-ex1\n:class: dropdown\nThe answer is 42.\n:::")
    leaky = write("leaky.ipynb", nbformat.v4.new_code_cell('check("x-ex1", None)'), solution)
    answer_only_in_solution = nbformat.v4.new_code_cell('check("x-ex2", 42)')
    answer_only_in_solution.metadata["tags"] = ["solution"]
    lost = write("lost.ipynb", answer_only_in_solution)
    good_solution = nbformat.v4.new_markdown_cell(solution.source)
    good_solution.metadata["tags"] = ["solution"]
    good = write("good.ipynb", nbformat.v4.new_code_cell('check("x-ex1", None)'), good_solution)
    out = tmp_path / "out"
    assert _make_student().main([str(leaky), str(lost), str(good), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "leaky.ipynb: not written: cell 2 has a solution directive but is not tagged 'solution'" in err
    assert "lost.ipynb: not written: exercise x-ex2 has its check(\"x-ex2\", ...) call only in solution cells" in err
    assert sorted(p.name for p in out.iterdir()) == ["good.ipynb"]
