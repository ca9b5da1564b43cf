"""The grader (lossutils.grade) on fixture submissions, and its parts on their own.

tests/fixtures/submissions/ is written by tests/fixtures/make_submissions.py: one submission per
case the grader must handle (all right, partly wrong, a raising cell, an endless loop, malformed
JSON, an empty file, a folder, JSON that is not a notebook, a script, a forger). They use three
test-only exercises (tests/fixtures/gradetest_exercises.py), so these tests do not depend on the
chapters' text. Kernels take 1-3 s to start; the two kernel tests take about 20-30 s together.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import socket
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lossutils import _grade_worker as worker
from lossutils import checks, grade

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TIMEOUT = 20  # seconds per notebook: the endless loop costs this much; the others need 1-3 s (more on a busy machine)

EXPECTED_CSV = """\
student,exercise,passed,message
alice,gradetest-ex1,1,correct.
alice,gradetest-ex2,1,correct: matches lossutils on 5 random inputs.
alice,gradetest-ex3,1,correct.
bob,gradetest-ex1,0,4 times too large: did you sum instead of taking the mean over the 4 samples?
bob,gradetest-ex2,0,differs from lossutils on test input 1: off by a factor of 2: check the ½ in the formula (or the 2 in the derivative).
bob,gradetest-ex3,0,accuracy is piecewise constant: its gradient is zero almost everywhere.
carol,*,0,cell 2 (`x = undefined_helper(3)`) raised NameError: name 'undefined_helper' is not defined; the cells after it still ran.
carol,gradetest-ex1,1,correct.
carol,gradetest-ex2,0,cell 6 (`scale = 1 / 0`) raised ZeroDivisionError: division by zero; the answer was not read.
carol,gradetest-ex3,0,not answered yet: replace `None` with your answer and run the cell again.
dave,*,0,"stopped at the time limit (20 s) while running cell 4 (`while True:`): an endless loop, or too slow; the exercises after it were not graded."
dave,gradetest-ex1,1,correct.
dave,gradetest-ex2,0,not graded: the notebook stopped before this exercise ran (time limit).
dave,gradetest-ex3,0,not graded: the notebook stopped before this exercise ran (time limit).
erin,*,0,"not valid JSON (error at line 10, column 5): the file is damaged or was not saved as a notebook."
frank,*,0,the file is empty (0 bytes).
grace,gradetest-ex1,0,not answered yet: replace `None` with your answer and run the cell again.
grace,gradetest-ex2,0,"expected a function, got int."
grace,gradetest-ex3,1,correct.
heidi,*,0,"not a Jupyter notebook: valid JSON, but without a list of cells."
ivan,*,0,"not a notebook: ivan.py is not a .ipynb file (in Jupyter: File > Download, .ipynb)."
mallory,gradetest-ex1,0,not the expected value yet: recheck the formula step by step.
mallory,gradetest-ex2,0,differs from lossutils on test input 1: not the expected value yet: recheck the formula step by step.
mallory,gradetest-ex3,0,accuracy is piecewise constant: its gradient is zero almost everywhere.
""".replace("\n", "\r\n")  # the csv module ends rows with \r\n, as RFC 4180 says


@pytest.fixture
def gradetest(monkeypatch):
    """Register the three test-only exercises in a copy of the registry (undone after the test)."""
    checks.labels()  # load the chapters' exercises first
    monkeypatch.setattr(checks, "_REGISTRY", dict(checks._REGISTRY))
    monkeypatch.setattr(grade, "_INPUTS_CACHE", {})
    spec = importlib.util.spec_from_file_location("gradetest_exercises", FIXTURES / "gradetest_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.register()


def _notebook(*sources) -> nbformat.NotebookNode:
    setup = (FIXTURES / "gradetest_exercises.py").read_text() + "\nregister()\nfrom lossutils.checks import check"
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (setup, *sources)])


# ------------------------------------------------------------------------------------------------
# The whole grader, with kernels


def test_fixture_submissions_give_exactly_the_expected_csv(gradetest, tmp_path, capsys):
    out = tmp_path / "grades.csv"
    rc = grade.main([str(SUBMISSIONS), "--out", str(out), "--timeout", str(TIMEOUT), "--jobs", "2"])
    assert rc == 0
    assert out.read_bytes().decode("utf-8") == EXPECTED_CSV
    assert not Path("/tmp/lossgrade-forged.txt").exists() or worker.landlock_abi() == 0
    captured = capsys.readouterr()
    # the summary table: passed/total per student, and how many '*' rows (problems)
    lines = {line.split()[0]: line.split()[1:] for line in captured.out.splitlines() if line.strip()}
    assert lines["alice"] == ["3/3"] and lines["bob"] == ["0/3"] and lines["carol"] == ["1/3", "1"]
    assert lines["frank"] == ["0/0", "1"] and lines["mallory"] == ["0/3"]
    assert f"wrote {out} (24 rows)" in captured.out
    # a plain-text progress bar (no tty here): one line per notebook, the last one full
    progress = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert len(progress) == 9
    assert progress[-1].startswith("[" + "#" * 24 + "] 9/9")


@pytest.mark.skipif(worker.landlock_abi() < 1, reason="Linux Landlock is not available: no file sandbox")
def test_a_submission_cannot_read_solutions_write_files_connect_or_signal(gradetest, tmp_path):
    solutions = tmp_path / "instructor" / "chapter.ipynb"  # stands for an instructor notebook
    solutions.parent.mkdir()
    solutions.write_text("b")
    previous = tmp_path / "grades.csv"
    previous.write_text("the previous grades\n")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    other = submissions / "zed.ipynb"
    nbformat.write(_notebook('check("gradetest-ex3", "b")'), other)
    other_text = other.read_text()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    abi = worker.landlock_abi()
    attack = f"""
import os, socket
breaches = []
try:
    breaches.append("read " + open({str(solutions)!r}).read())
except OSError:
    pass
for path in ({str(previous)!r}, {str(other)!r}, {str(tmp_path / "new.txt")!r}):
    try:
        with open(path, "a") as f:
            f.write("forged")
        breaches.append("wrote " + path)
    except OSError:
        pass
if {abi >= 4}:
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        breaches.append("connected")
    except OSError:
        pass
if {abi >= 6}:
    for pid in (os.getppid(), {os.getpid()}):
        try:
            os.kill(pid, 0)  # signal 0: only asks whether signalling is allowed
            breaches.append(f"may signal {{pid}}")
        except OSError:
            pass
answer = "b" if not breaches else "a"
"""
    nbformat.write(_notebook(attack, 'check("gradetest-ex3", answer)'), submissions / "mallory.ipynb")
    rows = grade.grade(submissions, timeout=60, jobs=2)
    assert [r for r in rows if r.student == "mallory"] == [
        grade.Row("mallory", "gradetest-ex1", False, 'no check("gradetest-ex1", ...) call in the notebook: '
                                                     "was the exercise cell deleted?"),
        grade.Row("mallory", "gradetest-ex2", False, 'no check("gradetest-ex2", ...) call in the notebook: '
                                                     "was the exercise cell deleted?"),
        grade.Row("mallory", "gradetest-ex3", True, "correct."),  # "b" only if every breach failed
    ]
    assert previous.read_text() == "the previous grades\n"
    assert other.read_text() == other_text
    assert not (tmp_path / "new.txt").exists()
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()
    # and the sandbox does not get in the way of an honest notebook
    assert [r for r in rows if r.student == "zed" and r.exercise == "gradetest-ex3"][0].passed


def test_memory_limit(gradetest, tmp_path):
    nbformat.write(_notebook("import numpy as np\nbig = np.ones(200_000_000)  # 1.6 GB",
                             'check("gradetest-ex3", "b")'), tmp_path / "hog.ipynb")
    rows = grade.grade(tmp_path, timeout=60, memory_mb=768)
    assert rows[0].exercise == "*" and rows[0].message.startswith(
        "cell 2 (`import numpy as np`) raised MemoryError: Unable to allocate 1.49 GiB")
    assert rows[0].message.endswith("(the memory limit is 768 MB); the cells after it still ran.")
    assert rows[-1] == grade.Row("hog", "gradetest-ex3", True, "correct.")  # the kernel survived


# ------------------------------------------------------------------------------------------------
# The parts, without kernels


@pytest.mark.parametrize("source, expected", [
    ('check("a-ex1", answer)', [("a-ex1", "answer")]),
    ('check(label="a-ex1", answer=x + 1)', [("a-ex1", "x + 1")]),
    ('import lossutils.checks as c\nc.check("a-ex2", f)\ncheck_result("a-ex3", [1,\n 2])',
     [("a-ex2", "f"), ("a-ex3", "[1,\n 2]")]),
    ('check(name, answer)\ncheck("a-ex1")', [("a-ex1", None)]),  # a label in a variable is not found
    ('%time y = 1\n!ls\ncheck("a-ex1", y)', [("a-ex1", "y")]),  # IPython magics are fine
    ('check("a-ex1", answer\n', [("a-ex1", None)]),  # not valid Python: the label is still found
    ('print("no exercise here")', []),
])
def test_find_check_calls(source, expected):
    assert grade.find_check_calls(source) == expected


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty (0 bytes)."),
    (b"  \n\t", "the file is empty (only whitespace)."),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe", "not a notebook: the file is not text (UTF-8); it may be a zip, PDF or image."),
    (b'{"cells": [', "not valid JSON (error at line 1, column 12): the file is damaged or was not saved as a notebook."),
    (b"[1, 2, 3]", "not a Jupyter notebook: valid JSON, but without a list of cells."),
    (b'{"cells": "none"}', "not a Jupyter notebook: valid JSON, but without a list of cells."),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deeply."),
])
def test_load_rejects_what_is_not_a_notebook(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    assert grade._load(path) == (None, reason)


def test_load_keeps_only_the_sources(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1")])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✅ forged")]
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    clean, reason = grade._load(path)
    assert reason is None
    assert [(c.cell_type, c.source) for c in clean.cells] == [("markdown", "# T"), ("code", "x = 1")]
    assert clean.cells[1].outputs == [] and clean.cells[1].metadata == {}
    assert clean.metadata.kernelspec.name == "python3"


def test_load_refuses_huge_files(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "MAX_NOTEBOOK_BYTES", 10)
    path = tmp_path / "x.ipynb"
    path.write_text("{" + " " * 20 + "}")
    assert grade._load(path)[1].startswith("the file is too large to grade")


def test_plan_adds_every_exercise_of_the_chapters_found(gradetest):
    nb = _notebook('check("gradetest-ex2", f)', 'check("nochapter-ex1", 1)')
    nb.cells.append(nbformat.v4.new_markdown_cell(":::{exercise}\n:label: gradetest-ex3\n:::"))
    calls, labels = grade._plan(nb)
    assert [(c.cell, c.label, c.expr) for c in calls] == [(1, "gradetest-ex2", "(f)"), (2, "nochapter-ex1", "(1)")]
    assert labels == ["gradetest-ex1", "gradetest-ex2", "gradetest-ex3", "nochapter-ex1"]


@pytest.mark.parametrize("payload", [
    "not json", "[]", "{}", '{"value": 3}', '{"value": {"t": "array", "shape": [2], "data": [1]}}',
    '{"value": {"t": "array", "shape": [-1], "data": []}}', '{"value": {"t": "array", "shape": [1], "data": ["x"]}}',
    '{"value": {"t": "int", "v": "3"}}', '{"function": "x"}', '{"function": [null]}', '{"function": [{}]}',
    '{"error": 5}', '{"value": {"t": "big", "shape": "x"}}',
])
def test_judge_never_crashes_on_malformed_answer_data(gradetest, payload):
    for label in ("gradetest-ex1", "gradetest-ex2", "gradetest-ex3"):
        passed, message = grade._judge(label, payload)
        assert passed is False and isinstance(message, str) and message


def test_judge_replays_a_function_on_the_inputs_sent(gradetest):
    inputs = grade._function_inputs("gradetest-ex2")
    assert len(inputs) == 5
    from lossutils import mse_loss

    outputs = []
    for args, kwargs in inputs:
        value = np.asarray(mse_loss(*worker.decode(args), **worker.decode(kwargs)))
        outputs.append({"shape": list(value.shape), "data": value.ravel().tolist(), "none": False})
    assert grade._judge("gradetest-ex2", json.dumps({"function": outputs})) == (
        True, "correct: matches lossutils on 5 random inputs.")
    raised = [{"raised": "KeyError", "message": "'x'"}] * 5
    assert grade._judge("gradetest-ex2", json.dumps({"function": raised})) == (
        False, "your function raised KeyError: 'x'")
    assert grade._judge("gradetest-ex2", json.dumps({"function": outputs[:2]})) == (
        False, "internal grader error: the check's test inputs changed between runs.")


def test_encode_decode_round_trip():
    value = (np.arange(6.0).reshape(2, 3), np.int64(3), 2.5, 7, "s", None, True, [1, (2.0,)], {"q": 0.9},
             np.array([np.nan, np.inf]))
    back = worker.decode(json.loads(json.dumps(worker.encode(value))))
    assert json.dumps(worker.encode(back)) == json.dumps(worker.encode(value))
    with pytest.raises(TypeError):
        worker.encode(object())


def test_write_csv_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "grades.csv"
    out.write_text("previous\n")
    rows = [grade.Row("a", "x-ex1", True, "correct."), grade.Row("=cmd", "*", False, "-1+1")]

    class Crash(Exception):
        pass

    real_writer = csv.writer

    def crashing_writer(f):
        w = real_writer(f)

        class W:
            def writerow(self, row):
                if row[0] == "'=cmd":
                    raise Crash()
                return w.writerow(row)
        return W()

    monkeypatch.setattr(csv, "writer", crashing_writer)
    with pytest.raises(Crash):
        grade.write_csv(rows, out)
    assert out.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["grades.csv"]  # no temporary file left behind
    monkeypatch.setattr(csv, "writer", real_writer)
    grade.write_csv(rows, out)
    # spreadsheet formulas in student-controlled text are neutralised
    assert out.read_bytes().decode() == "student,exercise,passed,message\r\na,x-ex1,1,correct.\r\n'=cmd,*,0,'-1+1\r\n"


def test_discover_submissions(tmp_path):
    (tmp_path / "b.ipynb").write_text("{}")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "hw2.ipynb").write_text("{}")
    (tmp_path / "a" / "hw10.ipynb").write_text("{}")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "hw2-checkpoint.ipynb").write_text("{}")
    (tmp_path / "c").mkdir()
    (tmp_path / ".hidden.ipynb").write_text("{}")
    (tmp_path / "grades.csv").write_text("")
    subs, rows = grade._discover(tmp_path, {(tmp_path / "grades.csv").resolve()})
    assert [(s.student, s.path.name, s.prefix) for s in subs] == [
        ("a", "hw2.ipynb", "hw2.ipynb: "), ("a", "hw10.ipynb", "hw10.ipynb: "), ("b", "b.ipynb", "")]
    assert rows == [grade.Row("c", "*", False, "no .ipynb file in this folder.")]


def test_merge_keeps_a_pass_from_any_notebook_and_every_problem():
    first = [grade.Row("s", "*", False, "hw1.ipynb: boom"), grade.Row("s", "x-ex1", False, "no"),
             grade.Row("s", "x-ex2", True, "correct.")]
    second = [grade.Row("s", "x-ex1", True, "correct."), grade.Row("s", "x-ex2", False, "no")]
    assert grade._merge("s", [first, second]) == [
        grade.Row("s", "*", False, "hw1.ipynb: boom"), grade.Row("s", "x-ex1", True, "correct."),
        grade.Row("s", "x-ex2", True, "correct.")]


def test_summary_table():
    rows = [grade.Row("ann", "x-ex1", True, ""), grade.Row("ann", "x-ex2", False, ""),
            grade.Row("bo", "*", False, "")]
    assert grade.summary(rows).splitlines() == [
        "student  passed  problems", "-------  ------  --------", "ann         1/2          ",
        "bo          0/0         1"]


def test_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        grade.main([str(tmp_path / "missing")])
    assert exc.value.code == 2
    assert "is not a folder" in capsys.readouterr().err
