"""Grade a folder of submitted notebooks against an assignment and a key (the trusted side).

Every entry of the folder is accounted for (:func:`discover`): a notebook ``<student>.ipynb`` or a
folder ``<student>/`` with notebooks is a submission; everything else (hidden files, symbolic links,
which are never followed, other files) is listed with the reason it was not graded. Each notebook
is read with a size cap, parsed in linear time, and executed in its own sandbox
(tools/grade/sandbox.py); after each exercise cell the answer comes back as data and is judged here,
with the key's graded check. A problem with one file never stops the run.
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossutils.checks import Function, judge

from . import inside, key as keys, sandbox

MAX_NOTEBOOK_BYTES = 20 << 20  # a chapter notebook without outputs is ~100 KB
MAX_CELLS = 2000
MAX_PARSED_CELL = 100_000  # characters; longer cells are only scanned for check calls (linear)
MAX_DIR_ENTRIES = 200  # files looked at inside one student's folder
MAX_DEPTH = 4
short = inside.short


@dataclass(frozen=True)
class Row:
    """One exercise of one student: passed, and the check's message (or why it was not graded)."""

    student: str
    exercise: str
    passed: bool
    message: str


@dataclass
class Submission:
    student: str
    path: Path
    prefix: str  # "homework.ipynb: " for notebooks in a student's folder, else ""


@dataclass
class FileNote:
    """What the grader did with one entry of the submissions folder."""

    path: str
    student: str
    status: str


@dataclass
class Result:
    """Everything graded for one student."""

    student: str
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # problems with the notebook itself
    notebooks: int = 0


@dataclass
class _Call:
    cell: int
    number: int
    label: str
    expr: str | None


# ------------------------------------------------------------------------------------------------
# Finding the submissions (no symbolic link is followed)


def _natural_key(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _student_name(name: str) -> str:
    return name[:-6] if name.endswith(".ipynb") else name.rsplit(".", 1)[0] if "." in name[1:] else name


def discover(root: Path, skip=()) -> tuple[list[Submission], list[FileNote], dict[str, list[str]]]:
    """(submissions, a note for every entry, problems of students whose entry is not a notebook)."""
    subs, notes, problems = [], [], {}
    skip = {os.path.realpath(p) for p in skip}
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: _natural_key(e.name))
    for entry in entries:
        name, student = entry.name, _student_name(entry.name)
        if os.path.realpath(entry.path) in skip:
            notes.append(FileNote(name, "", "ignored: an output of this grader"))
        elif entry.is_symlink():
            notes.append(FileNote(name, student, "ignored: a symbolic link (the grader follows no links)"))
            problems.setdefault(student, []).append(f"{name} is a symbolic link, which the grader does not "
                                                    "follow: hand in the file itself.")
        elif name.startswith("."):
            notes.append(FileNote(name, "", "ignored: a hidden file or folder (its name starts with '.')"))
        elif entry.is_dir(follow_symlinks=False):
            found = _walk(Path(entry.path), student, name, subs, notes)
            if not found:
                problems.setdefault(student, []).append("no .ipynb file in this folder.")
        elif entry.is_file(follow_symlinks=False):
            if name.endswith(".ipynb"):
                subs.append(Submission(student, Path(entry.path), ""))
                notes.append(FileNote(name, student, "graded"))
            else:
                notes.append(FileNote(name, student, "not graded: not a .ipynb file"))
                problems.setdefault(student, []).append(
                    f"not a notebook: {name} is not a .ipynb file (in Jupyter: File > Download, .ipynb).")
        else:
            notes.append(FileNote(name, "", "ignored: not a regular file"))
    return subs, notes, problems


def _walk(folder: Path, student: str, rel: str, subs: list, notes: list) -> int:
    """The notebooks in a student's folder (breadth first, no links, at most MAX_DIR_ENTRIES entries)."""
    found, seen, queue = 0, 0, [(folder, rel, 0)]
    while queue:
        path, prefix, depth = queue.pop(0)
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: _natural_key(e.name))
        except OSError as exc:
            notes.append(FileNote(prefix, student, f"not graded: cannot list the folder ({short(exc)})"))
            continue
        for entry in entries:
            seen += 1
            here = f"{prefix}/{entry.name}"
            if seen > MAX_DIR_ENTRIES:
                notes.append(FileNote(prefix, student, f"not graded: more than {MAX_DIR_ENTRIES} entries; "
                                                       "the rest of this folder was not looked at"))
                return found
            if entry.is_symlink():
                notes.append(FileNote(here, student, "ignored: a symbolic link (the grader follows no links)"))
            elif entry.name.startswith("."):
                notes.append(FileNote(here, student, "ignored: a hidden file or folder"))
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 < MAX_DEPTH:
                    queue.append((Path(entry.path), here, depth + 1))
                else:
                    notes.append(FileNote(here, student, f"not graded: nested deeper than {MAX_DEPTH} folders"))
            elif entry.is_file(follow_symlinks=False) and entry.name.endswith(".ipynb"):
                subs.append(Submission(student, Path(entry.path), here.split("/", 1)[1] + ": "))
                notes.append(FileNote(here, student, "graded"))
                found += 1
            else:
                notes.append(FileNote(here, student, "not graded: not a .ipynb file"))
    return found


# ------------------------------------------------------------------------------------------------
# Reading one notebook (size-capped, no links, a true message for every kind of bad file)

_MAGIC = ((b"PK\x03\x04", "a zip archive (or a .docx/.xlsx)"), (b"%PDF", "a PDF"), (b"\x89PNG", "a PNG image"),
          (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\x7fELF", "a program"))


def read_capped(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes; refuses links, non-regular files and files above ``limit`` (OSError/ValueError)."""
    limit = MAX_NOTEBOOK_BYTES if limit is None else limit
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"the file is too large to grade (the limit is {limit / 2**20:.3g} MB)")
    return data


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return f"not a notebook: the file is {what}, not a .ipynb file."
    byte = raw[exc.start]
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if text.lstrip().startswith("{") and '"cells"' in text[:2_000_000]:
        return (f"the file is not UTF-8: byte 0x{byte:02X} at position {exc.start} is not valid UTF-8. It looks "
                "like a notebook saved in another encoding (Latin-1 / Windows-1252) by an editor other than "
                "Jupyter: open it in Jupyter and save it again, or ask for the original file.")
    return (f"not a notebook: the file is not UTF-8 text (byte 0x{byte:02X} at position {exc.start}); "
            "it is binary data or text in another encoding.")


def load(path: Path):
    """The notebook's cells as a clean nbformat v4 notebook (sources only), or (None, reason)."""
    import nbformat

    try:
        raw = read_capped(path)
    except (OSError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"could not read the file: {short(exc)}"
        return None, reason if reason.endswith(".") else reason + "."
    if not raw:
        return None, "the file is empty (0 bytes)."
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, _not_utf8(raw, exc)
    if not text.strip():
        return None, "the file is empty (only whitespace)."
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (f"not valid JSON (error at line {exc.lineno}, column {exc.colno}): the file is "
                      "damaged or was not saved as a notebook.")
    except RecursionError:
        return None, "not valid JSON: nested too deeply."
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None, "not a Jupyter notebook: valid JSON, but without a list of cells."
    if len(cells) > MAX_CELLS:
        return None, f"not graded: the notebook has {len(cells)} cells (the limit is {MAX_CELLS})."
    clean = []
    for cell in cells:
        if not isinstance(cell, dict):
            return None, "not a Jupyter notebook: a cell is not a JSON object."
        source = cell.get("source", "")
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        kind = cell.get("cell_type")
        make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
            kind, nbformat.v4.new_raw_cell)
        clean.append(make(source))
    nb = nbformat.v4.new_notebook(cells=clean, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    return nb, None


# ------------------------------------------------------------------------------------------------
# Finding the exercises in a notebook (linear time)

_CHECK_NAMES = {"check", "check_result"}
# CPython 3.11's ast.parse can fail with "AST constructor recursion depth mismatch" when two threads
# parse at once (python/cpython#106905): one thread at a time.
_PARSE_LOCK = threading.Lock()
# linear: no nested quantifiers; [^'"\n] stops at the first quote
_CHECK_RE = re.compile(r"""\bcheck(?:_result)?\(\s{0,20}(?:label\s{0,5}=\s{0,5})?(['"])([\w.-]{1,100})\1""")


def find_check_calls(source: str) -> list[tuple[str, str | None]]:
    """The ``check("<label>", <answer>)`` calls in a code cell: (label, answer expression) in order.

    The expression is ``None`` when it cannot be read (no answer argument, a cell that is not valid
    Python, or one longer than MAX_PARSED_CELL characters: the label is then found by a linear scan).

    >>> find_check_calls('answer = 2 * x\\ncheck("loss-basics-ex1", answer)')
    [('loss-basics-ex1', 'answer')]
    """
    if len(source) > MAX_PARSED_CELL:
        return [(m.group(2), None) for m in _CHECK_RE.finditer(source)]
    with _PARSE_LOCK:
        try:
            from IPython.core.inputtransformer2 import TransformerManager

            code = TransformerManager().transform_cell(source)  # %magics and !shell lines to Python
        except Exception:
            code = source
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return [(m.group(2), None) for m in _CHECK_RE.finditer(source)]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in _CHECK_NAMES:
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        label = node.args[0] if node.args else keywords.get("label")
        if not (isinstance(label, ast.Constant) and isinstance(label.value, str)):
            continue
        answer = node.args[1] if len(node.args) > 1 else keywords.get("answer")
        expr = ast.get_source_segment(code, answer) if answer is not None else None
        found.append((node.lineno, node.col_offset, label.value[:100], expr or None))
    return [(label, expr) for _, _, label, expr in sorted(found)]


def exercise_labels(markdown: str) -> list[str]:
    """Labels of the ``{exercise}`` directives in a markdown cell: one pass over its lines."""
    if "{exercise}" not in markdown:
        return []
    found = []
    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith(":label:"):
            label = line[len(":label:"):].strip()
            if label and len(label) <= 100 and re.fullmatch(r"[\w.-]+", label):
                found.append(label)
    return found


def chapter_of(label: str) -> str:
    return label.rsplit("-ex", 1)[0]


def plan(nb, wanted: list[str]) -> tuple[list[_Call], set[str]]:
    """The check calls of the assignment's exercises, and every other exercise label the notebook has."""
    calls, others = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for number, (label, expr) in enumerate(find_check_calls(cell.source)):
                if label in wanted:
                    # parenthesised, so that an expression spanning lines evaluates on its own
                    calls.append(_Call(index, number, label, f"({expr})" if expr else None))
                else:
                    others.add(label)
        elif cell.cell_type == "markdown":
            others |= {label for label in exercise_labels(cell.source) if label not in wanted}
    return calls, others


# ------------------------------------------------------------------------------------------------
# Judging (in this process, with the key's check)


class _InputsDiffer(BaseException):
    """The check asked for other inputs than the ones sent to the kernel (not a student error)."""


class _Replay:
    """Stands for the student's function: returns what it returned in the kernel on the same inputs."""

    def __init__(self, outputs: list, sent: list):
        self.outputs, self.sent, self.calls = outputs, sent, 0

    def __call__(self, *args, **kwargs):
        i = self.calls
        self.calls += 1
        expected = json.dumps(self.sent[i]) if i < len(self.sent) else None
        if i >= len(self.outputs) or json.dumps([inside.encode(tuple(args)), inside.encode(kwargs)]) != expected:
            raise _InputsDiffer()
        out = self.outputs[i]
        if not isinstance(out, dict):
            raise _InputsDiffer()
        if "raised" in out:
            name = str(out["raised"])[:60]
            name = name if name.isidentifier() else "Exception"
            raise type(name, (Exception,), {})(short(out.get("message", "")))
        if out.get("none"):
            return None
        shape, data = out.get("shape"), out.get("data")
        if not (isinstance(shape, list) and isinstance(data, list) and len(data) <= inside.MAX_ELEMENTS):
            raise ValueError("malformed function output")
        return np.array(data, dtype=np.float64).reshape(shape)


def function_inputs(checker: Function) -> list:
    """The encoded (args, kwargs) on which the graded Function check calls the answer."""
    return [[inside.encode(tuple(args)), inside.encode(dict(checker.kwargs))] for args in checker.inputs()]


def judge_payload(label: str, checker, payload) -> tuple[bool, str]:
    try:
        data = json.loads(payload)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        if "error" in data:
            name, message = (list(data["error"]) + ["", ""])[:2]
            return False, (f"could not read your answer: evaluating it after the cell raised "
                           f"{short(name)}: {short(message)}")
        if "function" in data and isinstance(checker, Function):
            if not isinstance(data["function"], list):
                raise ValueError("malformed function outputs")
            answer = _Replay(data["function"], function_inputs(checker))
        else:
            value = data["value"]
            if isinstance(value, dict) and value.get("t") == "big":
                return False, ("your answer is an array too large for any exercise here "
                               f"(shape {short(value.get('shape', []))}): check what you assigned.")
            answer = inside.decode_answer(value)
        result = judge(checker, label, answer)
        return bool(result.passed), short(result.message) if len(result.message) > 600 else result.message
    except _InputsDiffer:
        return False, "internal grader error: the check's test inputs changed between runs."
    except Exception as exc:
        return False, f"could not judge the answer data: {type(exc).__name__}: {short(exc)}"


# ------------------------------------------------------------------------------------------------
# One notebook


def _cell_name(nb, index: int) -> str:
    first = short(next((ln for ln in nb.cells[index].source[:2000].splitlines() if ln.strip()), ""))
    first = first if len(first) <= 40 else first[:39] + "…"
    return f"cell {index + 1} (`{first}`)" if first else f"cell {index + 1}"


def grade_notebook(sub: Submission, wanted: list[str], checkers: dict, limits: sandbox.Limits, unsafe: bool,
                   running: set) -> tuple[list[Row], list[str]]:
    """Rows for the assignment's exercises and problems ('*' messages) of one notebook."""
    nb, reason = load(sub.path)
    if nb is None:
        return [], [sub.prefix + reason]
    calls, others = plan(nb, wanted)
    if not calls:
        if others:
            chapters = sorted({chapter_of(label) for label in others})
            return [], [sub.prefix + f"wrong notebook: it has exercises of {', '.join(chapters)}, but none "
                                     f"of this assignment ({', '.join(sorted({chapter_of(w) for w in wanted}))})."]
        return [], [sub.prefix + "no exercises: the notebook has no check(...) call and no exercise of this "
                                 "assignment (was the wrong file handed in?)."]
    plan_calls: dict[str, list] = {}
    for call in calls:
        checker = checkers[call.label]
        entry = {"expr": call.expr, "mode": "value"}
        if isinstance(checker, Function):
            entry.update(mode="function", inputs=function_inputs(checker))
        plan_calls.setdefault(str(call.cell), []).append(entry)
    cells = [{"type": c.cell_type, "source": c.source} for c in nb.cells]
    outcome = sandbox.run_worker({"cells": cells, "calls": plan_calls}, limits, unsafe=unsafe, running=running)
    return _rows_for(sub, nb, calls, wanted, checkers, outcome, limits)


def _rows_for(sub, nb, calls, wanted, checkers, outcome, limits) -> tuple[list[Row], list[str]]:
    star: list[str] = []
    results: dict[tuple[int, int], tuple[bool, str]] = {}
    by_cell: dict[int, list[_Call]] = {}
    for call in calls:
        by_cell.setdefault(call.cell, []).append(call)
    cell_errors: list[tuple[int, str]] = []
    stopped = None
    for event in outcome.events:
        kind, cell = event.get("event"), event.get("cell")
        if kind == "cell_error" and isinstance(cell, int) and 0 <= cell < len(nb.cells):
            error = f"{short(event.get('ename', ''))}: {short(event.get('evalue', ''))}"
            if event.get("ename") == "MemoryError":
                error += f" (the memory limit is {limits.memory_mb} MB)"
            if cell in by_cell:
                for call in by_cell[cell]:
                    results[(call.cell, call.number)] = (False, f"{_cell_name(nb, cell)} raised {error}; "
                                                                "the answer was not read.")
            else:
                cell_errors.append((cell, error))
        elif kind == "answer" and isinstance(cell, int) and cell in by_cell:
            call = next((c for c in by_cell[cell] if c.number == event.get("call")), None)
            if call is None:
                continue
            if not isinstance(event.get("payload"), str):
                results[(cell, call.number)] = (False, "could not read your answer after the cell: "
                                                       + short(event.get("detail", "")))
            else:
                results[(cell, call.number)] = judge_payload(call.label, checkers[call.label], event["payload"])
        elif kind == "stopped" and stopped is None:
            stopped = event
        elif kind == "worker_error":
            star.append(f"internal grader error: {short(event.get('detail', ''))}")
    if cell_errors:
        first_cell, first_error = cell_errors[0]
        if len(cell_errors) == 1:
            star.append(f"{_cell_name(nb, first_cell)} raised {first_error}; the cells after it still ran.")
        else:
            where = ", ".join(str(c + 1) for c, _ in cell_errors[:20])
            star.append(f"{len(cell_errors)} cells raised an error (cells {where}); the first, "
                        f"{_cell_name(nb, first_cell)}, raised {first_error}; the cells after them still ran.")
    not_reached = "not graded: the notebook stopped before this exercise ran"
    if stopped is not None:
        reason, cell = stopped.get("reason"), stopped.get("cell")
        where = _cell_name(nb, cell) if isinstance(cell, int) and 0 <= cell < len(nb.cells) else "a cell"
        if reason == "timeout":
            star.append(f"stopped at the time limit ({limits.timeout:g} s) while running {where}: an endless "
                        "loop, or too slow; the exercises after it were not graded.")
            not_reached += " (time limit)."
        elif reason == "dead":
            star.append(f"the kernel died while running {where} (killed: memory above the {limits.memory_mb} MB "
                        "limit, a crash, or an exit call); the exercises after it were not graded.")
            if outcome.oom:
                star[-1] = (f"the kernel was killed at the memory limit while running {where} ({limits.memory_mb} MB "
                            "for all processes of the sandbox together, shared memory included); the exercises "
                            "after it were not graded.")
                outcome.problem = None  # said here: the memory limit killed it
            not_reached += " (the kernel died)."
        else:
            star.append(f"could not start a Python kernel: {short(stopped.get('detail', ''))}")
            not_reached += " (no kernel)."
    else:
        not_reached += "."
    if outcome.problem:
        star.append(outcome.problem)
    rows = []
    for label in wanted:
        mine = [c for c in calls if c.label == label]
        done = [results[(c.cell, c.number)] for c in mine if (c.cell, c.number) in results]
        if not mine:
            passed, message = False, f'no check("{label}", ...) call in the notebook: was the exercise cell deleted?'
        elif done:
            passed, message = done[-1]  # the last check call that ran: the notebook's final state
        elif any(c.expr is None for c in mine):
            passed, message = False, "the check call has no answer the grader can read (is the cell valid Python?)."
        else:
            passed, message = False, not_reached
        rows.append(Row(sub.student, label, passed, message))
    return rows, [sub.prefix + m for m in star]


# ------------------------------------------------------------------------------------------------
# The whole run


def _merge(student: str, graded: list[tuple[list[Row], list[str]]], wanted: list[str]) -> Result:
    """A student's notebooks together: every problem; per exercise, a pass from any notebook, else
    the first notebook's row that has the exercise."""
    result = Result(student, notebooks=len(graded))
    best: dict[str, Row] = {}
    for rows, problems in graded:
        result.problems += problems
        for row in rows:
            if row.exercise not in best or (row.passed and not best[row.exercise].passed) or (
                    best[row.exercise].message.startswith("no check(") and not row.message.startswith("no check(")):
                best[row.exercise] = row
    result.rows = [best.get(label, Row(student, label, False, "not graded: no notebook of this student has "
                                                              "this exercise.")) for label in wanted]
    return result


def grade(submissions, wanted: list[str], key: dict, *, limits: sandbox.Limits | None = None, jobs: int = 1,
          unsafe: bool = False, per_student: bool = False, roster_id=None, skip=(), progress=None
          ) -> tuple[dict[str, Result], list[FileNote]]:
    """Grade every submission in the folder on the exercises ``wanted`` with ``key`` (each student's
    own values from it if ``per_student``; ``roster_id`` maps a submission's name to the roster ID the
    values were made for).

    Returns ({student: Result}, a note for every entry of the folder). Students whose entry is not a
    notebook get a Result with problems and no exercise passed.
    """
    limits = limits or sandbox.Limits()

    def checkers_for(student: str | None) -> dict:
        if per_student and student is not None:
            chosen = keys.for_student(key, roster_id(student) if roster_id else student)
        else:
            chosen = key
        found = {}
        for label in wanted:
            found[label] = keys.graded_checker(chosen, label)
            if found[label] is None:
                raise ValueError(f"the key has no exercise {label!r} (or no practice check is registered for it)")
        return found

    checkers_for(None)  # a key that does not fit fails here, before any notebook runs
    root = Path(submissions)
    subs, notes, problems = discover(root, skip)
    graded: dict[str, list] = {}
    running: set = set()
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(grade_notebook, sub, wanted, checkers_for(sub.student), limits, unsafe, running): sub
                   for sub in subs}
        for done, future in enumerate(as_completed(futures), 1):
            sub = futures[future]
            try:
                graded.setdefault(sub.student, []).append(future.result())
            except Exception as exc:  # never lose the other students
                graded.setdefault(sub.student, []).append(
                    ([], [f"{sub.prefix}internal grader error: {type(exc).__name__}: {short(exc)}"]))
            _progress(progress, done, len(subs), str(sub.path.relative_to(root)), time.monotonic() - started)
    except BaseException:  # Ctrl-C: stop every sandbox now instead of waiting for them
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list(running):
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
        raise
    pool.shutdown()
    results = {student: _merge(student, parts, wanted) for student, parts in graded.items()}
    for student, messages in problems.items():
        result = results.setdefault(student, _merge(student, [], wanted))
        result.problems += messages
    return dict(sorted(results.items(), key=lambda kv: _natural_key(kv[0]))), notes


def _progress(stream, done: int, total: int, name: str, seconds: float) -> None:
    if stream is None:
        return
    width = 24
    filled = int(width * done / total) if total else width
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {name}  ({seconds:.1f} s)"
    if getattr(stream, "isatty", lambda: False)():
        stream.write("\r\033[K" + line + ("\n" if done == total else ""))
    else:
        stream.write(line + "\n")
    stream.flush()
