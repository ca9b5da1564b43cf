"""Every chapter follows the site conventions (tools/apply_site_conventions.py, CONTRACT.md): gated
solutions, the install cell removed from the site, plumbing cells with their input hidden; and the
converter itself does what it says, idempotently, on a small notebook."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conv = _load("apply_site_conventions")
student_config = _load("student_config")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_follows_the_site_conventions(chapter):
    nb = nbformat.read(chapter, as_version=4)
    found = conv.problems(nb)
    assert found == [], (f"{chapter.name} does not follow the site conventions "
                         f"(run python tools/apply_site_conventions.py {chapter.relative_to(ROOT)}):\n  "
                         + "\n  ".join(found))


def _toy():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# 9. Toy"),
        code(conv.INSTALL_MARK + ": old text\n"),
        code("x = 1"),
        code('explore(\n    f,\n    {"a": Slider(0, 1, 1)},\n)'),
        code("fig, ax = plt.subplots()\nax.plot(x)\nax.set_xlabel('x')\nax.set_ylabel('y')\n"
             "ax.set_title('t')\nax.legend()\nplt.show()"),
        md(":::{exercise}\n:label: toy-ex1\nDo it.\n:::"),
        code('answer = None\ncheck("toy-ex1", answer)'),
        md(":::{solution} toy-ex1\n:class: dropdown\nThe *method*, in words.\n:::"),
        code('answer = 2\ncheck("toy-ex1", answer)'),
        code("print(answer)"),
        md("## Quiz"),
    ]
    cells[1].metadata["tags"] = ["remove-output"]
    cells[7].metadata["tags"] = ["solution"]
    cells[8].metadata["tags"] = ["solution"]
    return nbformat.v4.new_notebook(cells=cells)


def test_converter_gates_solutions_and_tags_cells():
    nb = _toy()
    assert conv.problems(nb)  # not converted yet
    conv.apply(nb)
    assert conv.problems(nb) == []
    src = [c.source for c in nb.cells]
    start = next(i for i, s in enumerate(src) if "{solution-start} toy-ex1" in s)
    assert src[start].splitlines()[:3] == [":::{solution-start} toy-ex1", ":class: dropdown", ":::"]
    assert "The *method*, in words." in src[start]
    # both code cells of the solution (the second was not tagged) are inside the gate, then the end
    assert src[start + 1].startswith("answer = 2") and src[start + 2] == "print(answer)"
    assert src[start + 3] == ":::{solution-end}\n:::"
    assert all("solution" in nb.cells[i].metadata["tags"] for i in range(start, start + 4))
    tags = {c.source.splitlines()[0]: c.metadata.get("tags", []) for c in nb.cells if c.source}
    assert tags["x = 1"] == []
    assert "hide-input" in tags["explore("] and "hide-input" in tags["fig, ax = plt.subplots()"]
    install = next(c for c in nb.cells if c.source.startswith(conv.INSTALL_MARK))
    assert install.metadata["tags"] == ["remove-cell"] and install.source == conv.install_source()


def test_converter_is_idempotent():
    nb = _toy()
    conv.apply(nb)
    once = nbformat.writes(nb)
    conv.apply(nb)
    assert nbformat.writes(nb) == once


def test_problems_catch_a_leaking_gated_solution():
    nb = _toy()
    conv.apply(nb)
    i = next(i for i, c in enumerate(nb.cells) if c.source.startswith("print(answer)"))
    nb.cells[i].metadata["tags"] = []
    assert any("not tagged 'solution'" in p for p in conv.problems(nb))


def test_student_site_drops_every_solution_cell():
    nb = _toy()
    conv.apply(nb)
    text = student_config.drop_solution_cells_from_json(nbformat.writes(nb))
    left = json.loads(text)["cells"]
    assert not any("solution" in "".join(c["source"]) for c in left if c["cell_type"] == "markdown"
                   and "{solution" in "".join(c["source"]))
    assert not any("answer = 2" in "".join(c["source"]) for c in left)
    assert len(left) == len(nb.cells) - 4
    assert student_config.drop_solution_cells_from_json("# not json") == "# not json"


HAND_NUMBER = re.compile(r"^#{2,6}\s+\d+(\.\d+)+\.?\s")
TITLE = re.compile(r"^#\s+(\d+)\.\s+\S")


def test_sections_numbered_the_same_way_in_every_chapter():
    """Chapter titles carry their number ("# 3. Cross-entropy ..."), in table-of-contents order;
    section headings carry none (one chapter numbered "## 3.1 ...", the others did not). Refer to a
    section by its title or a label ({ref}), not by a number."""
    problems = []
    for chapter in CHAPTERS:
        n = int(chapter.name[:2])
        nb = nbformat.read(chapter, as_version=4)
        lines = [ln for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines()]
        titles = [ln for ln in lines if ln.startswith("# ")]
        m = TITLE.match(titles[0]) if titles else None
        if not m or int(m[1]) != n:
            problems.append(f"{chapter.name}: title {titles[:1]} should start with '# {n}. '")
        problems += [f"{chapter.name}: hand-numbered heading {ln!r}" for ln in lines if HAND_NUMBER.match(ln)]
    assert problems == [], "\n  ".join(["sections are not numbered the same way:"] + problems)


set_repository = _load("set_repository")


def test_repository_url_is_set_in_one_place(tmp_path):
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    old, branch = set_repository.current(tmp_path / "_config.yml")
    (tmp_path / "README.md").write_text(f"git clone {old}\n", encoding="utf-8")
    set_repository.set_repository("https://github.com/someone/fork", "dev", root=tmp_path, notebooks=False)
    assert set_repository.current(tmp_path / "_config.yml") == ("https://github.com/someone/fork", "dev")
    assert (tmp_path / "README.md").read_text() == "git clone https://github.com/someone/fork\n"
    # everything else in the config is unchanged
    rest = (tmp_path / "_config.yml").read_text().replace("https://github.com/someone/fork", old)
    assert rest.replace("branch: dev", f"branch: {branch}") == config
    # the install cell of every chapter is written from the config's URL
    assert old in conv.install_source()
