"""The grader (tools/grade) on a class of fixture submissions and hostile ones, and its parts alone.

One grading run (module fixture ``graded``) takes the fixture class of tests/fixtures/submissions/
(written by tests/fixtures/make_submissions.py: right, wrong, raising, endless, broken and odd
files) plus hostile submissions written here, because they need this test's paths and ports:
a sandbox breaker (files, sockets, signals, privileges), a process hog (detached CPU burners and a
fork bomb), a shared-memory hog, a flooder (huge exception message, forged events, answer data),
a 0.5 MB pathological markdown cell, symbolic links (to the instructor's solutions, a loop), a
formula as a file name. Every hostile submission is local and small; the honest students' grades
must come out exactly as in a class without them. The run takes ~60 s on two busy cores.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lossutils import checks, mse_loss
from tools.grade import assign, gradebook, grader, inside, key as keys, sandbox
from tools.grade.__main__ import main

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TIMEOUT = 10  # seconds per notebook: the endless loop costs this much; the others need 1-3 s
ASSIGNMENT = 'title = "Grader test"\ndue = 2026-10-15T23:59:00Z\n[points]\n"gradetest-ex1" = 2\n"gradetest-ex2" = 3\n"gradetest-ex3" = 1\n'
HONEST = {  # the gradebook rows of the fixture class: the same with or without hostile neighbours
    "alice": "alice,2,3,1,6,6,graded,,",
    "bob": "bob,0,0,0,0,6,graded,late by 2 h 31 min,",
    "carol": "carol,2,0,0,2,6,graded,,cell 2 (`x = undefined_helper(3)`) raised NameError: name "
             "'undefined_helper' is not defined; the cells after it still ran.",
    "dave": 'dave,2,0,0,2,6,graded,,"stopped at the time limit (10 s) while running cell 4 (`while True:`): '
            'an endless loop, or too slow; the exercises after it were not graded."',
    "erin": 'erin,0,0,0,0,6,graded,,"not valid JSON (error at line 10, column 5): the file is damaged or was '
            'not saved as a notebook."',
    "frank": "frank,0,0,0,0,6,graded,,the file is empty (0 bytes).",
    "grace": "grace,0,0,1,1,6,graded,,",
    "heidi": 'heidi,0,0,0,0,6,graded,,"not a Jupyter notebook: valid JSON, but without a list of cells."',
    "ivan": 'ivan,0,0,0,0,6,graded,,"not a notebook: ivan.py is not a .ipynb file (in Jupyter: File > '
            'Download, .ipynb)."',
    "mallory": "mallory,0,0,0,0,6,graded,,",
    "olivia": "olivia,2,0,0,2,6,graded,,",  # her right answers to other chapters' exercises add nothing
    "pat": "pat,0,0,0,0,6,graded,,no exercises: the notebook has no check(...) call and no exercise of this "
           "assignment (was the wrong file handed in?).",
    "quinn": 'quinn,0,0,0,0,6,graded,,"wrong notebook: it has exercises of loss-basics, but none of this '
             'assignment (gradetest)."',
    "rita": 'rita,0,0,0,0,6,graded,,"the file is not UTF-8: byte 0xE9 at position 1687 is not valid UTF-8. '
            "It looks like a notebook saved in another encoding (Latin-1 / Windows-1252) by an editor other "
            'than Jupyter: open it in Jupyter and save it again, or ask for the original file."',
    "zoe": "zoe,0,0,0,0,6,missing,,",
}


def _register_gradetest():
    spec = importlib.util.spec_from_file_location("gradetest_exercises", FIXTURES / "gradetest_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.register()


@pytest.fixture(scope="module")
def gradetest():
    """The three test-only exercises, registered next to the course's (removed afterwards)."""
    keys.registry()  # the course's exercises first
    saved = dict(checks._REGISTRY)
    _register_gradetest()
    yield
    checks._REGISTRY.clear()
    checks._REGISTRY.update(saved)


@pytest.fixture(scope="module")
def sandbox_ready():
    version, why = sandbox.probe(sandbox.Limits())
    if version is None:
        if os.geteuid() == 0 and os.uname().sysname == "Linux":
            pytest.fail(f"the grading sandbox cannot be set up on this machine: {why}")
        pytest.skip(f"no grading sandbox here: {why}")
    return version


def _notebook(*sources) -> nbformat.NotebookNode:
    setup = (FIXTURES / "gradetest_exercises.py").read_text() + "\nregister()\nfrom lossutils.checks import check"
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (setup, *sources)])


EX = ('check("gradetest-ex1", 0.375)',
      'import numpy as np\ndef f(p, t):\n    return np.mean((np.asarray(p) - np.asarray(t)) ** 2)\ncheck("gradetest-ex2", f)')


def _hostile(subs: Path, host: dict) -> None:
    """Write the hostile submissions (they need the test's paths, ports and pid)."""
    breach = f"""
import os, socket
breaches = []
def attempt(name, action):
    try:
        action()
        breaches.append(name)
    except Exception:
        pass
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"breach", ("127.0.0.1", {host['udp']}))
udp_sent = True
try:
    udp()  # reaches the sandbox's own loopback at most: the host's listener must get nothing
except OSError:
    udp_sent = False
pkg = "/opt/lossgrade/lib/lossutils/__init__.py"
attempt("read /etc/shadow", lambda: open("/etc/shadow").read())
attempt("read the solutions", lambda: open({str(host['solutions'])!r}).read())
attempt("read another submission", lambda: open({str(host['other'])!r}).read())
attempt("read the repository", lambda: os.listdir({str(Path(__file__).resolve().parents[1] / "chapters")!r}))
attempt("write the victim", lambda: open({str(host['victim'])!r}, "a").write("x"))
attempt("chmod setuid", lambda: os.chmod({str(host['victim'])!r}, 0o4755))
attempt("utime", lambda: os.utime({str(host['victim'])!r}, (0, 0)))
attempt("setxattr", lambda: os.setxattr({str(host['victim'])!r}, "user.evil", b"1"))
attempt("chmod the package", lambda: os.chmod(pkg, 0o4777))
attempt("utime the package", lambda: os.utime(pkg, (0, 0)))
attempt("setxattr the package", lambda: os.setxattr(pkg, "user.evil", b"1"))
attempt("write the package", lambda: open(pkg, "a").write("x"))
attempt("tcp to the host", lambda: socket.create_connection(("127.0.0.1", {host['tcp']}), timeout=1).close())
attempt("unix socket by path", lambda: socket.socket(socket.AF_UNIX).connect({str(host['unix'])!r}))
attempt("abstract unix socket", lambda: socket.socket(socket.AF_UNIX).connect("\\0" + {host['abstract']!r}))
attempt("signal the grader", lambda: os.kill({os.getpid()}, 0))
attempt("become root", lambda: os.setuid(0))
if os.getuid() != 65534:
    breaches.append("uid %d" % os.getuid())
maps = [line.split() for line in open("/proc/self/uid_map")]
if {os.geteuid() == 0} and ["65534", "65534", "1"] not in maps:
    breaches.append("uid 65534 is not uid 65534 on the host: %s" % maps)
if breaches:
    raise RuntimeError("breaches: " + ", ".join(breaches))
"""
    fork_bomb = """
import os, time
forked = 0
try:
    for _ in range(3000):  # a fork bomb: the process cap must stop it
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        forked += 1
except OSError:
    pass
answer = "b" if forked < 3000 else "a"
"""
    burners = f"""
import subprocess, sys, time
for _ in range(6):  # CPU burners detached from the kernel: they must die with the notebook
    subprocess.Popen(["/bin/sh", "-c", "nohup {{}} -c 'while True: pass  # {host['marker']}' >/dev/null 2>&1 &".format(sys.executable)])
time.sleep(2)  # burning while the others are graded (the sandbox's CPU quota holds them to one CPU)
"""
    nbformat.write(_notebook(fork_bomb, 'check("gradetest-ex3", answer)', *EX, burners), subs / "hugo.ipynb")
    shm = """
import subprocess, sys, time
import numpy as np
with open("/dev/shm/fill", "wb") as f:  # 240 MB of shared memory (tmpfs)
    for _ in range(15):
        f.write(b"\\1" * (16 << 20))
child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(200 << 20); print(1, flush=True); time.sleep(60)"],
                         stdout=subprocess.PIPE)
child.stdout.readline()  # a second process holding 200 MB
big = np.ones(25_000_000)  # and 200 MB here: 640 MB in all, under a 512 MB limit for the sandbox
survived = child.poll() is None
"""
    nbformat.write(_notebook(shm, *EX, 'check("gradetest-ex3", "a" if survived else "b")'), subs / "mia.ipynb")
    flood = """
import os
from IPython.display import publish_display_data
forged = b'{"event": "answer", "cell": 3, "call": 0, "payload": "{\\\\"value\\\\": {\\\\"t\\\\": \\\\"str\\\\", \\\\"v\\\\": \\\\"b\\\\"}}"}\\n'
try:
    os.write(3, forged * 10000)  # the result channel of the worker, if it were inherited
    wrote = True
except OSError:
    wrote = False
for _ in range(200):
    publish_display_data({"application/x-lossgrade": "y" * 100_000})
print("z" * 5_000_000)
"""
    # one notebook for the breaches, the floods and a 0.5 MB pathological markdown cell (kernels are slow
    # to start on a busy machine), in a folder with a link back up
    nb = _notebook(breach, 'raise ValueError("x" * 1_000_000)', flood, *EX, 'check("gradetest-ex3", "a" if wrote else "b")')
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(":::{exercise}\n" + ":x: y\n" * 90_000))
    (subs / "sam").mkdir()
    nbformat.write(nb, subs / "sam" / "hw.ipynb")
    os.symlink("..", subs / "sam" / "up")
    (subs / '=HYPERLINK("x.example").txt').write_text("a formula as a student name")
    os.symlink(host["solutions"], subs / "eve.ipynb")  # a link to the instructor's solutions
    os.symlink("loop.ipynb", subs / "loop.ipynb")  # a link to itself


def _leftovers(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def graded(gradetest, sandbox_ready, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    shutil.copytree(SUBMISSIONS, subs)
    (root / "instructor").mkdir()
    solutions = root / "instructor" / "solutions.ipynb"
    nbformat.write(_notebook(*EX, 'check("gradetest-ex3", "b")'), solutions)
    victim = root / "victim.txt"
    victim.write_text("unchanged\n")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(root / "grader.sock"))
    unix.listen()
    abstract_name = f"lossgrade-test-{uuid.uuid4().hex}"
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0" + abstract_name)
    abstract.listen()
    marker = f"lossgrade-hog-{uuid.uuid4().hex}"
    host = {"udp": udp.getsockname()[1], "tcp": tcp.getsockname()[1], "unix": root / "grader.sock",
            "abstract": abstract_name, "solutions": solutions, "other": subs / "alice.ipynb", "victim": victim,
            "marker": marker}
    _hostile(subs, host)
    before = {p: (os.stat(p).st_mode, os.stat(p).st_mtime_ns) for p in (victim, Path(grader.__file__))}
    (root / "hw.toml").write_text(ASSIGNMENT)
    students = [*HONEST, "sam", "hugo", "mia", "eve"]
    (root / "roster.csv").write_text("student_id,name,email\n" + "".join(f"{s},{s.title()},{s}@example.org\n"
                                                                        for s in students))
    (root / "stamps.csv").write_text("student_id,submitted_at\n" + "".join(
        f"{s},2026-10-15T20:00:00Z\n" for s in students if s not in ("bob", "zoe")) + "bob,2026-10-16T02:30:00+00:00\n")
    out = root / "grades"
    started = time.monotonic()
    import contextlib

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = main(["grade", str(subs), "--assignment", str(root / "hw.toml"), "--practice-key",
                   "--roster", str(root / "roster.csv"), "--timestamps", str(root / "stamps.csv"), "--out", str(out),
                   "--timeout", str(TIMEOUT), "--memory-mb", "512", "--max-processes", "128", "--jobs", "3"])
    seconds = time.monotonic() - started
    observed = {"udp": None, "tcp": None, "unix": None, "abstract": None}
    udp.setblocking(False)
    try:
        observed["udp"] = udp.recv(100)
    except BlockingIOError:
        pass
    for name, sock in (("tcp", tcp), ("unix", unix), ("abstract", abstract)):
        sock.setblocking(False)
        try:
            observed[name] = sock.accept()
        except BlockingIOError:
            pass
        sock.close()
    udp.close()
    after = {p: (os.stat(p).st_mode, os.stat(p).st_mtime_ns) for p in before}
    yield {"rc": rc, "out": out, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "seconds": seconds,
           "observed": observed, "before": before, "after": after, "victim": victim, "marker": marker,
           "root": root}


def _read(out: Path, name: str) -> list[list[str]]:
    with open(out / name, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _gradebook(graded) -> dict[str, str]:
    lines = (graded["out"] / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    return {line.split(",", 1)[0]: line for line in lines[1:]}


# ------------------------------------------------------------------------------------------------
# The class, with hostile neighbours


def test_honest_students_get_exactly_their_grades(graded):
    assert graded["rc"] == 0, graded["stderr"][-2000:]
    rows = _gradebook(graded)
    assert (graded["out"] / "gradebook.csv").read_text().splitlines()[0] == (
        "student_id,gradetest-ex1,gradetest-ex2,gradetest-ex3,total,max_points,status,late,problems")
    for student, line in HONEST.items():
        assert rows[student] == line
    assert graded["seconds"] < 120, f"grading took {graded['seconds']:.0f} s"


def test_the_sandbox_holds(graded):
    sam = next(row for row in _read(graded["out"], "gradebook.csv") if row[0] == "sam")
    # every breach attempt failed inside (else cell 3 raises and names it), and nothing reached the host
    assert sam[:8] == ["sam", "2", "3", "1", "6", "6", "graded", ""]
    assert "breaches" not in sam[8]
    assert graded["observed"] == {"udp": None, "tcp": None, "unix": None, "abstract": None}
    assert graded["before"] == graded["after"]
    assert graded["victim"].read_text() == "unchanged\n"
    assert os.listxattr(graded["victim"]) == []
    assert "sandbox: bubblewrap" in (graded["out"] / "run.txt").read_text()


def test_background_processes_and_fork_bombs_end_with_their_notebook(graded):
    hugo = next(row for row in _read(graded["out"], "gradebook.csv") if row[0] == "hugo")
    assert hugo[:5] == ["hugo", "2", "3", "1", "6"]  # the fork bomb hit the process cap
    assert _leftovers(graded["marker"]) == []  # no CPU burner outlived grading
    mounts = sandbox._mounts()
    for controller in ("memory", "pids"):
        if controller in mounts:
            base = Path(mounts[controller]) / sandbox._own_path(controller).lstrip("/")
            assert not list(base.glob(f"lossgrade-{os.getpid()}-*")), "a cgroup was left behind"


def test_one_memory_limit_counts_shared_memory(graded):
    mia = next(row for row in _read(graded["out"], "gradebook.csv") if row[0] == "mia")
    # shared memory, a child process and the kernel together went over the limit: a process was killed
    # (the kernel: the notebook stops; or the child: the notebook sees it and answers "b")
    assert mia[3] == "1" or "killed at" in mia[8], mia
    assert "memory limit" in mia[8], mia


def test_floods_and_huge_messages_are_capped(graded):
    sam = next(row for row in _read(graded["out"], "gradebook.csv") if row[0] == "sam")
    assert sam[:8] == ["sam", "2", "3", "1", "6", "6", "graded", ""]  # forged events changed nothing
    assert sam[8].startswith('hw.ipynb: cell 4 (`raise ValueError("x" * 1_000_000)`) raised ValueError: xxx')
    assert len(sam[8]) < 500
    for name in ("grades.csv", "gradebook.csv", "canvas.csv", "moodle.csv", "files.csv"):
        table = _read(graded["out"], name)  # Python's csv reads every file back
        assert all(len(row) == len(table[0]) for row in table[1:] if name != "canvas.csv")
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for cell in row)


def test_trusted_side_files(graded):
    eve = next(row for row in _read(graded["out"], "gradebook.csv") if row[0] == "eve")
    assert eve == ["eve", "0", "0", "0", "0", "6", "graded", "", "eve.ipynb is a symbolic link, which the grader "
                   "does not follow: hand in the file itself."]
    files = {row[0]: row[2] for row in _read(graded["out"], "files.csv")[1:]}
    assert files["eve.ipynb"] == files["loop.ipynb"] == "ignored: a symbolic link (the grader follows no links)"
    assert files["sam/up"] == "ignored: a symbolic link (the grader follows no links)"
    assert files["sam/hw.ipynb"] == "graded"  # with its 0.5 MB pathological markdown cell
    assert files[".DS_Store"].startswith("ignored: a hidden file")
    assert files["grace/data.csv"] == "not graded: not a .ipynb file"
    names = {row[0] for row in _read(graded["out"], "gradebook.csv")[1:]}
    assert "'=HYPERLINK(\"x.example\")" in names  # escaped, still listed
    assert "=HYPERLINK" not in (graded["out"] / "canvas.csv").read_text().replace("'=HYPERLINK", "")


def test_gradebook_files_import_layouts(graded):
    out = graded["out"]
    canvas = _read(out, "canvas.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Grader test"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "6"]
    assert ["Alice", "", "alice", "", "", "6"] in canvas and ["Zoe", "", "zoe", "", "", ""] in canvas
    moodle = _read(out, "moodle.csv")
    assert moodle[0] == ["ID number", "Email address", "Grader test", "Feedback"]
    assert ["bob", "bob@example.org", "0", "0/3 exercises passed; late by 2 h 31 min"] in moodle
    assert ["zoe", "zoe@example.org", "", "no submission"] in moodle
    run = (out / "run.txt").read_text()
    assert "missing (on the roster, no submission): 1: zoe" in run and "late: 1: bob" in run
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "Total: 0 / 6 points." in feedback and "4 times too large" in feedback
    assert "| gradetest-ex2 | 0 / 3 | differs from lossutils on test input 1 (argument 1 = [" in feedback
    assert (out / "feedback" / "zoe.md").read_text().endswith("No submission was found.\n")
    long = _read(out, "grades.csv")
    assert long[0] == ["student_id", "exercise", "points", "max_points", "passed", "message"]
    assert ["alice", "gradetest-ex2", "3", "3", "1", "correct: matches lossutils on 5 random inputs."] in long


def test_practice_answers_read_from_the_package_score_nothing(gradetest, sandbox_ready, tmp_path):
    """The leak of issue 16: a notebook hands in what lossutils' practice checks compare with."""
    leak = """
from lossutils.course import check
from lossutils.course.exercises import labels
from lossutils.checks import _REGISTRY
labels()
by_hand = _REGISTRY["regression-losses-ex1"].value()
letter = _REGISTRY["regression-losses-ex3"].correct
units = _REGISTRY["regression-losses-ex5"].value()
"""
    cells = [leak, 'check("regression-losses-ex1", by_hand)', 'check("regression-losses-ex3", letter)',
             'check("regression-losses-ex5", units)']
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    (tmp_path / "subs").mkdir()
    nbformat.write(nb, tmp_path / "subs" / "leo.ipynb")
    wanted = ["regression-losses-ex1", "regression-losses-ex3", "regression-losses-ex5"]
    for key, expected in ((keys.practice_key(), [True, True, True]), (keys.make_key("2026F", seed=11), [False] * 3)):
        results, _ = grader.grade(tmp_path / "subs", wanted, key, limits=sandbox.Limits(timeout=60))
        assert [row.passed for row in results["leo"].rows] == expected, results["leo"]


def test_unsafe_runs_trusted_notebooks_without_a_sandbox(gradetest, tmp_path):
    shutil.copyfile(SUBMISSIONS / "alice.ipynb", tmp_path / "alice.ipynb")
    results, _ = grader.grade(tmp_path, ["gradetest-ex1", "gradetest-ex2", "gradetest-ex3"], keys.practice_key(),
                              limits=sandbox.Limits(timeout=60), unsafe=True)
    assert [row.passed for row in results["alice"].rows] == [True, True, True]
    assert sandbox.describe(sandbox.Limits(), None).startswith("UNSAFE: no sandbox")


def test_refuses_without_a_sandbox(gradetest, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "ensure_bwrap", lambda: None)
    (tmp_path / "hw.toml").write_text(ASSIGNMENT)
    (tmp_path / "subs").mkdir()
    rc = main(["grade", str(tmp_path / "subs"), "--assignment", str(tmp_path / "hw.toml"), "--practice-key",
               "--out", str(tmp_path / "out")])
    assert rc == 3
    assert "refusing to run untrusted notebooks: bubblewrap is not installed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------
# Keys: graded values differ from the practice ones


def test_a_new_key_changes_what_the_practice_checks_give_away(gradetest):
    key = keys.make_key("2026F", seed=1)
    registry = keys.registry()
    course = [label for label in key["exercises"] if not label.startswith("gradetest")]
    letters = {}
    for label in course:
        practice, graded = registry[label], keys.graded_checker(key, label)
        entry = key["exercises"][label]
        if isinstance(practice, checks.Choice):
            assert graded.correct != practice.correct  # the leaked `.correct` is now wrong
            assert not checks.judge(graded, label, practice.correct).passed
            assert checks.judge(graded, label, f"({graded.correct})").passed
            letters[graded.correct] = letters.get(graded.correct, 0) + 1
        elif isinstance(practice, checks.Numeric) and not entry.get("same_as_practice"):
            assert not checks.judge(graded, label, practice.value()).passed, label  # the leaked `.value()`
            assert checks.judge(graded, label, graded.value()).passed
        elif isinstance(practice, checks.Function):
            assert entry["seed"] != 0
            assert not np.array_equal(graded.inputs()[0][0], practice.inputs()[0][0])  # hidden test inputs
    assert max(letters.values()) - min(letters.get(x, 0) for x in "abcd") <= 1  # balanced over a/b/c/d
    same = [label for label in course if key["exercises"][label].get("same_as_practice")]
    assert same == ["loss-basics-ex4"]  # the best fit on the sliders has no other setting


def test_judging_uses_the_key_not_the_practice_values(gradetest):
    key = keys.make_key("2026F", seed=2)
    label = "regression-losses-ex1"
    graded, practice = keys.graded_checker(key, label), keys.registry()[label]
    payload = lambda v: json.dumps({"value": inside.encode_answer(v)})  # noqa: E731
    assert grader.judge_payload(label, graded, payload(practice.value()))[0] is False
    assert grader.judge_payload(label, graded, payload(graded.value())) == (True, "correct.")


def test_make_assignment_reorders_options_and_gives_graded_values(gradetest, tmp_path):
    chapters = sorted((Path(__file__).parents[1] / "chapters").glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        pytest.skip("no chapters")
    key = keys.make_key("2026F", seed=3)
    labels = [label for label in key["exercises"] if not label.startswith("gradetest")]
    (tmp_path / "hw.toml").write_text("title = 'All'\n[points]\n" + "".join(f'"{x}" = 1\n' for x in labels))
    assignment = gradebook.load_assignment(tmp_path / "hw.toml")
    problems = assign.write_assignment(chapters[0].parent, assignment, key, tmp_path / "out")
    missing = [p for p in problems if "no notebook" in p]  # exercises of chapters not written yet
    assert [p for p in problems if p not in missing] == []
    for path in sorted((tmp_path / "out").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        original = nbformat.read(chapters[0].parent / path.name, as_version=4)
        setup = [c for c in nb.cells if "graded_assignment(" in c.source]
        assert len(setup) == 1
        for label in nb.metadata["lossgrade"]["exercises"]:
            entry = key["exercises"][label]
            text = next(c.source for c in nb.cells if label in grader.exercise_labels(c.source))
            before = next(c.source for c in original.cells if label in grader.exercise_labels(c.source))
            if entry["kind"] == "numeric" and entry["params"] is not None:
                notes = [c.source for c in nb.cells if c.source.startswith("**Graded version (2026F).**")]
                assert any(keys.describe_values(keys.registry()[label], entry["params"]) in n for n in notes)
            if entry["kind"] == "choice":  # the right option moved to the key's letter
                assert text == assign.swap_options(before, *entry["swap"]) != before


def test_an_assignment_notebook_records_answers_without_judging():
    from lossutils.course import exercises

    saved = dict(exercises._GRADED)
    try:
        exercises.graded_assignment("2026F", ["loss-basics-ex3"])
        result = exercises.check("loss-basics-ex3", "b")
        assert result.passed is None and result.marker == "○" and "recorded for grading" in result.message
        assert exercises.check("loss-basics-ex2", 1).passed is False  # not graded here: judged as before
    finally:
        exercises._GRADED.clear()
        exercises._GRADED.update(saved)


@pytest.mark.parametrize("text, old, new, expected", [
    ("(a) one, (b) two, (c) three, (d) four.\n\nPut the letter", "b", "d",
     "(a) one, (b) four, (c) three, (d) two.\n\nPut the letter"),
    ("- (a) one.\n- (b) two.\n- (c) three.\n\nPut", "a", "c", "- (a) three.\n- (b) two.\n- (c) one.\n\nPut"),
    ("- **a.** one\n  more.\n- **b.** two.\n", "a", "b", "- **a.** two.\n- **b.** one\n  more.\n"),
    ("- **a**: one\n- **b**: two\n- **c**: three\n\nx", "c", "a", "- **a**: three\n- **b**: two\n- **c**: one\n\nx"),
    ("(a) one (c) two", "a", "c", None),  # not a, b, c in order: left alone
])
def test_swap_options(text, old, new, expected):
    assert assign.swap_options(text, old, new) == expected


# ------------------------------------------------------------------------------------------------
# The trusted side's parts, without kernels


def test_cell_parser_is_linear():
    for size in (500_000, 5_000_000):
        md = "{exercise}\n" + ":x: y\n" * (size // 6) + ":label: gradetest-ex1\n"
        code = 'check("gradetest-ex1", ' + "(" * 50_000 + "1" + ")" * 50_000 + ")\n" + "x = 1\n" * (size // 6)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(md), nbformat.v4.new_code_cell(code)])
        started = time.monotonic()
        calls, others = grader.plan(nb, ["gradetest-ex1"])
        assert time.monotonic() - started < 3
        assert [(c.label, c.expr) for c in calls] == [("gradetest-ex1", None)]


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
    assert grader.find_check_calls(source) == expected


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty (0 bytes)."),
    (b"  \n\t", "the file is empty (only whitespace)."),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe", "not a notebook: the file is a zip archive (or a .docx/.xlsx), not a .ipynb file."),
    (b"%PDF-1.7\n\xe2\xe3\xcf\xd3", "not a notebook: the file is a PDF, not a .ipynb file."),
    (b"\x00\x01\xff\xfe binary", "not a notebook: the file is not UTF-8 text (byte 0xFF at position 2); it is binary data or text in another encoding."),
    (b'{"cells": [', "not valid JSON (error at line 1, column 12): the file is damaged or was not saved as a notebook."),
    (b"[1, 2, 3]", "not a Jupyter notebook: valid JSON, but without a list of cells."),
    (b'{"cells": "none"}', "not a Jupyter notebook: valid JSON, but without a list of cells."),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deeply."),
])
def test_load_gives_a_true_reason(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    assert grader.load(path) == (None, reason)


def test_load_keeps_only_the_sources_and_follows_no_link(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1")])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ forged")]
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python"}
    nbformat.write(nb, tmp_path / "x.ipynb")
    clean, reason = grader.load(tmp_path / "x.ipynb")
    assert reason is None
    assert [(c.cell_type, c.source) for c in clean.cells] == [("markdown", "# T"), ("code", "x = 1")]
    assert clean.cells[1].outputs == [] and clean.cells[1].metadata == {}
    assert clean.metadata.kernelspec.name == "python3"
    os.symlink(tmp_path / "x.ipynb", tmp_path / "link.ipynb")
    assert grader.load(tmp_path / "link.ipynb")[0] is None
    monkeypatch.setattr(grader, "MAX_NOTEBOOK_BYTES", 10)
    assert grader.load(tmp_path / "x.ipynb")[1].startswith("the file is too large to grade")


@pytest.mark.parametrize("payload", [
    "not json", "[]", "{}", '{"value": 3}', '{"value": {"t": "array", "shape": [2], "data": [1]}}',
    '{"value": {"t": "array", "shape": [-1], "data": []}}', '{"value": {"t": "array", "shape": [1], "data": ["x"]}}',
    '{"value": {"t": "int", "v": "3"}}', '{"function": "x"}', '{"function": [null]}', '{"function": [{}]}',
    '{"error": 5}', '{"value": {"t": "big", "shape": "x"}}', '{"value": {"t": "array", "shape": [1e9], "data": []}}',
])
def test_judge_never_crashes_on_malformed_answer_data(gradetest, payload):
    key = keys.practice_key()
    for label in ("gradetest-ex1", "gradetest-ex2", "gradetest-ex3"):
        passed, message = grader.judge_payload(label, keys.graded_checker(key, label), payload)
        assert passed is False and isinstance(message, str) and message


def test_judge_replays_a_function_on_the_inputs_sent(gradetest):
    checker = keys.graded_checker(keys.practice_key(), "gradetest-ex2")
    inputs = grader.function_inputs(checker)
    assert len(inputs) == 5
    outputs = []
    for args, kwargs in inputs:
        value = np.asarray(mse_loss(*inside.decode(args), **inside.decode(kwargs)))
        outputs.append({"shape": list(value.shape), "data": value.ravel().tolist(), "none": False})
    judge = lambda data: grader.judge_payload("gradetest-ex2", checker, json.dumps({"function": data}))  # noqa: E731
    assert judge(outputs) == (True, "correct: matches lossutils on 5 random inputs.")
    assert judge([{"raised": "KeyError", "message": "'x'"}] * 5)[1].startswith("your function raised KeyError: 'x' on test input 1 (argument 1 = [")
    assert judge(outputs[:2]) == (False, "internal grader error: the check's test inputs changed between runs.")


def test_encode_decode_round_trip():
    value = (np.arange(6.0).reshape(2, 3), np.int64(3), 2.5, 7, "s", None, True, [1, (2.0,)], {"q": 0.9},
             np.array([np.nan, np.inf]))
    back = inside.decode(json.loads(json.dumps(inside.encode(value))))
    assert json.dumps(inside.encode(back)) == json.dumps(inside.encode(value))
    with pytest.raises(TypeError):
        inside.encode(object())


def test_csv_cells_defuse_formulas():
    assert [gradebook.cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", 2.5, True)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "ok", "2.5", "1"]


def test_discover_accounts_for_every_entry(tmp_path):
    (tmp_path / "b.ipynb").write_text("{}")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "hw2.ipynb").write_text("{}")
    (tmp_path / "a" / "hw10.ipynb").write_text("{}")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "hw2-checkpoint.ipynb").write_text("{}")
    (tmp_path / "c").mkdir()
    (tmp_path / ".hidden.ipynb").write_text("{}")
    (tmp_path / "grades").mkdir()
    os.mkfifo(tmp_path / "pipe")
    subs, notes, problems = grader.discover(tmp_path, [tmp_path / "grades"])
    assert [(s.student, s.path.name, s.prefix) for s in subs] == [
        ("a", "hw2.ipynb", "hw2.ipynb: "), ("a", "hw10.ipynb", "hw10.ipynb: "), ("b", "b.ipynb", "")]
    assert {n.path: n.status for n in notes} == {
        ".hidden.ipynb": "ignored: a hidden file or folder (its name starts with '.')",
        "a/.ipynb_checkpoints": "ignored: a hidden file or folder", "a/hw2.ipynb": "graded",
        "a/hw10.ipynb": "graded", "b.ipynb": "graded", "grades": "ignored: an output of this grader",
        "pipe": "ignored: not a regular file"}
    assert problems == {"c": ["no .ipynb file in this folder."]}


def test_make_key_command(gradetest, tmp_path, capsys):
    out = tmp_path / "key.json"
    assert main(["make-key", "--term", "2026F", "--out", str(out), "--seed", "7"]) == 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert json.loads(out.read_text())["term"] == "2026F"
    assert main(["make-key", "--term", "2026F", "--out", str(out)]) == 2  # never overwritten silently
    assert "pass --force" in capsys.readouterr().err


def test_usage_errors(tmp_path, capsys):
    (tmp_path / "hw.toml").write_text(ASSIGNMENT)
    assert main(["grade", str(tmp_path / "missing"), "--assignment", str(tmp_path / "hw.toml"),
                 "--practice-key"]) == 2
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path), "--assignment", str(tmp_path / "hw.toml")])  # no key


def test_doctests_of_the_grader():
    import doctest

    for module in (assign, gradebook, grader):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_the_student_wheel_holds_no_grader_and_no_key(tmp_path):
    """What `pip install lossutils` gives a student: the library and the practice checks only."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    src = tmp_path / "src"
    shutil.copytree(root / "lossutils", src / "lossutils", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(root / name, src / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path / "wheel"), str(src)], capture_output=True, text=True)
    if out.returncode != 0 and "No module named" in out.stderr:
        pytest.skip(f"cannot build a wheel here: {out.stderr.strip().splitlines()[-1]}")
    assert out.returncode == 0, out.stderr[-2000:]
    names = zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))).namelist()
    assert "lossutils/checks.py" in names and "lossutils/course/exercises/regression_losses.py" in names
    assert "lossutils/widgets/explorer.js" in names  # package data: the widgets' page script
    assert not [n for n in names if n.startswith("tools/") or "grade" in n or "bwrap" in n]


def test_gradebook_matches_roster_ids_ignoring_case(tmp_path):
    (tmp_path / "hw.toml").write_text(ASSIGNMENT)
    assignment = gradebook.load_assignment(tmp_path / "hw.toml")
    rows = [grader.Row("Ada", label, True, "correct.") for label in assignment.exercises]
    results = {"Ada": grader.Result("Ada", rows), "bo": grader.Result("bo", [])}
    roster = {"ada": gradebook.Student("ada"), "cy": gradebook.Student("cy")}
    lines = gradebook.build(assignment, results, roster, None)
    assert [(line.student_id, line.total, line.status) for line in lines] == [
        ("ada", 6.0, "graded"), ("cy", 0.0, "missing"), ("bo", 0.0, "not on the roster")]


def test_per_student_values_differ_between_students_and_stay_the_same_for_one(gradetest, tmp_path):
    key = keys.make_key("2026F", seed=4)
    ada, bo = keys.for_student(key, "ada"), keys.for_student(key, "bo")
    assert keys.for_student(dict(key), "ada")["exercises"] == ada["exercises"]  # derived, not stored
    label = "regression-losses-ex1"
    mine, theirs = keys.graded_checker(ada, label), keys.graded_checker(bo, label)
    assert ada["exercises"][label] != bo["exercises"][label]
    assert checks.judge(mine, label, mine.value()).passed and not checks.judge(theirs, label, mine.value()).passed
    for student in (ada, bo):  # each student's letters are spread over a/b/c/d too
        letters = [e["correct"] for lab, e in student["exercises"].items()
                   if e["kind"] == "choice" and not lab.startswith("gradetest")]
        assert max(map(letters.count, "abcd")) - min(map(letters.count, "abcd")) <= 1
    # make-assignment writes one folder per roster student, with that student's values
    chapters = Path(__file__).parents[1] / "chapters"
    if not list(chapters.glob("0*_regression_losses.ipynb")):
        pytest.skip("no chapter 2")
    (tmp_path / "hw.toml").write_text('title = "HW"\nper_student = true\n[points]\n"regression-losses-ex1" = 2\n')
    (tmp_path / "key.json").write_text(json.dumps(key))
    (tmp_path / "roster.csv").write_text("student_id\nada\nbo\n")
    assert main(["make-assignment", str(chapters), "--assignment", str(tmp_path / "hw.toml"), "--key",
                 str(tmp_path / "key.json"), "--roster", str(tmp_path / "roster.csv"), "--out", str(tmp_path / "hw")]) == 0
    for student, own in (("ada", ada), ("bo", bo)):
        nb = nbformat.read(next((tmp_path / "hw" / student).glob("*.ipynb")), as_version=4)
        assert nb.metadata["lossgrade"]["student"] == student
        values = keys.describe_values(keys.registry()[label], own["exercises"][label]["params"])
        assert any(values in c.source for c in nb.cells if c.source.startswith("**Graded version"))


def test_per_student_grading_uses_each_students_values(gradetest, sandbox_ready, tmp_path):
    key = keys.make_key("2026F", seed=6)
    label = "regression-losses-ex1"
    ada_value = float(keys.graded_checker(keys.for_student(key, "ada"), label).value())
    (tmp_path / "subs").mkdir()
    for name in ("Ada", "bo"):  # bo hands in ada's answer; Ada's file name differs from the roster in case
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            f"from lossutils.course import check\ncheck({label!r}, {ada_value!r})")])
        nbformat.write(nb, tmp_path / "subs" / f"{name}.ipynb")
    roster = {"ada": gradebook.Student("ada"), "bo": gradebook.Student("bo")}
    results, _ = grader.grade(tmp_path / "subs", [label], key, limits=sandbox.Limits(timeout=60), per_student=True,
                              roster_id=gradebook.roster_id(roster))
    assert [results["Ada"].rows[0].passed, results["bo"].rows[0].passed] == [True, False]
