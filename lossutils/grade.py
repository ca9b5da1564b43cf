"""Grade submitted notebooks into a CSV: ``python -m lossutils.grade SUBMISSIONS --out grades.csv``.

A submission is ``SUBMISSIONS/<student>.ipynb`` or a folder ``SUBMISSIONS/<student>/`` with one or
more ``.ipynb`` files. Each notebook is executed cell by cell in its own kernel, in a fresh
temporary directory holding only a clean copy of that notebook (its sources; stored outputs are
ignored), with a scrubbed environment and limits on time, memory, CPU time and file size. Where
Linux Landlock is available the kernel can read only the Python installation, system files and the
``lossutils`` package (not the instructor notebooks, the other submissions or the CSV), write only
its temporary directory, open no TCP connection and signal no process outside its sandbox.

After each exercise cell (a cell calling ``check("<label>", <answer>)``), the answer is fetched from
the kernel as data and judged here, in the grader's process, with :mod:`lossutils.checks`; a
function answer is called in the kernel on the check's test inputs and its outputs are compared
here. Printed "✅" and redefined ``check`` functions therefore change nothing.

The CSV has the columns ``student, exercise, passed, message``: one row per exercise of every
chapter found in the notebook (``passed`` is 1 or 0; ``message`` is the self-check's hint or why
the exercise was not graded), plus rows with exercise ``*`` for problems with the notebook itself
(empty, not JSON, not a notebook, a cell that raised, time limit, kernel died). The file is
replaced atomically once every notebook is graded; an interrupted run leaves the previous file.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _grade_worker as worker
from . import checks

__all__ = ["Row", "grade", "find_check_calls", "write_csv", "summary", "main"]

MAX_NOTEBOOK_BYTES = 50 << 20
MAX_EVENTS_BYTES = 64 << 20
STARTUP_TIMEOUT = 60  # seconds for the kernel to start (not counted in --timeout)
HEADER = ("student", "exercise", "passed", "message")


@dataclass(frozen=True)
class Row:
    """One line of the CSV."""

    student: str
    exercise: str
    passed: bool
    message: str


@dataclass(frozen=True)
class _Submission:
    student: str
    path: Path
    prefix: str  # "homework.ipynb: " for notebooks in a student's folder, else ""


@dataclass
class _Call:
    cell: int
    number: int
    label: str
    expr: str | None


# ------------------------------------------------------------------------------------------------
# Finding the submissions and the exercises in them


def _natural_key(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _discover(root: Path, skip: set[Path]) -> tuple[list[_Submission], list[Row]]:
    subs, rows = [], []
    for entry in sorted(root.iterdir(), key=lambda p: _natural_key(p.name)):
        if entry.name.startswith(".") or entry.resolve() in skip:
            continue
        if entry.is_dir():
            notebooks = sorted((p for p in entry.rglob("*.ipynb")
                                if ".ipynb_checkpoints" not in p.parts and p.is_file()),
                               key=lambda p: _natural_key(str(p.relative_to(entry))))
            if not notebooks:
                rows.append(Row(entry.name, "*", False, "no .ipynb file in this folder."))
            subs += [_Submission(entry.name, p, f"{p.relative_to(entry)}: ") for p in notebooks]
        elif entry.suffix == ".ipynb":
            subs.append(_Submission(entry.stem, entry, ""))
        elif entry.is_file():
            rows.append(Row(entry.stem, "*", False, f"not a notebook: {entry.name} is not a .ipynb file "
                                                     "(in Jupyter: File > Download, .ipynb)."))
    return subs, rows


def _load(path: Path):
    """The notebook's cells as a clean nbformat v4 notebook, or (None, reason)."""
    import nbformat

    try:
        size = path.stat().st_size
        if size == 0:
            return None, "the file is empty (0 bytes)."
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"the file is too large to grade ({size / 2**20:.0f} MB; the limit is 50 MB)."
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"could not read the file: {worker._short(exc)}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not text (UTF-8); it may be a zip, PDF or image."
    if not text.strip():
        return None, "the file is empty (only whitespace)."
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (f"not valid JSON (error at line {exc.lineno}, column {exc.colno}): the file is "
                      "damaged or was not saved as a notebook.")
    except RecursionError:
        return None, "not valid JSON: nested too deeply."
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return None, "not a Jupyter notebook: valid JSON, but without a list of cells."
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = []
        for cell in nb.cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            kind = cell.get("cell_type")
            if kind == "code":
                cells.append(nbformat.v4.new_code_cell(source))
            elif kind == "markdown":
                cells.append(nbformat.v4.new_markdown_cell(source))
            else:
                cells.append(nbformat.v4.new_raw_cell(source))
    except Exception as exc:  # nbformat raises many kinds of errors on odd files
        return None, f"not a Jupyter notebook: {worker._short(exc)}"
    clean = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    return clean, None


_CHECK_NAMES = {"check", "check_result"}
# Two threads in ast.parse at once can fail in CPython 3.11 with "SystemError: AST constructor
# recursion depth mismatch" (python/cpython#106905; seen once in our CI while grade() read two
# submissions in parallel). Parsing a cell is quick: one thread at a time.
_PARSE_LOCK = threading.Lock()
_CHECK_RE = re.compile(r"""\bcheck(?:_result)?\(\s*(?:label\s*=\s*)?(['"])([\w.-]+)\1""")


def find_check_calls(source: str) -> list[tuple[str, str | None]]:
    """The ``check("<label>", <answer>)`` calls in a code cell: (label, answer expression) in order.

    The expression is ``None`` when it cannot be read (no answer argument, or a cell that is not
    valid Python: the label is then found with a regular expression).

    >>> find_check_calls('answer = 2 * x\\ncheck("loss-basics-ex1", answer)')
    [('loss-basics-ex1', 'answer')]
    """
    with _PARSE_LOCK:  # grade() reads submissions on several threads; see _PARSE_LOCK
        try:
            from IPython.core.inputtransformer2 import TransformerManager

            code = TransformerManager().transform_cell(source)  # %magics and !shell lines to Python
        except Exception:
            code = source
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
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
        found.append((node.lineno, node.col_offset, label.value, expr or None))
    return [(label, expr) for _, _, label, expr in sorted(found)]


_DIRECTIVE_RE = re.compile(r"\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?[ \t]*:label:[ \t]*([\w.-]+)")


def _chapter(label: str) -> str:
    return label.rsplit("-ex", 1)[0]


def _plan(nb) -> tuple[list[_Call], list[str]]:
    """The check calls of a notebook and the exercise labels it is graded on."""
    registered = set(checks.labels())
    calls, mentioned = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for number, (label, expr) in enumerate(find_check_calls(cell.source)):
                # parenthesised, so that an expression spanning lines evaluates on its own
                calls.append(_Call(index, number, label, f"({expr})" if expr else None))
                mentioned.add(label)
        elif cell.cell_type == "markdown":
            mentioned |= {m for m in _DIRECTIVE_RE.findall(cell.source) if m in registered}
    chapters = {_chapter(label) for label in mentioned}
    labels = mentioned | {label for label in registered if _chapter(label) in chapters}
    return calls, sorted(labels, key=_natural_key)


_INPUTS_CACHE: dict[str, list] = {}


def _function_inputs(label: str) -> list:
    """The encoded (args, kwargs) on which a Function check calls the answer (same seed as the check)."""
    if label not in _INPUTS_CACHE:
        checker = checks._REGISTRY[label]
        rng = np.random.default_rng(0)
        inputs = []
        for _ in range(checker.trials):
            args = tuple(checker.make_inputs(rng))
            inputs.append([worker.encode(args), worker.encode(dict(checker.kwargs))])
        _INPUTS_CACHE[label] = inputs
    return _INPUTS_CACHE[label]


# ------------------------------------------------------------------------------------------------
# Running one notebook in the worker


def _scrubbed_env(sandbox: Path) -> dict[str, str]:
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(sandbox), "TMPDIR": str(sandbox), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(sandbox / ".matplotlib"),
        "IPYTHONDIR": str(sandbox / ".ipython"), "JUPYTER_RUNTIME_DIR": str(sandbox / ".jupyter" / "runtime"),
        "JUPYTER_CONFIG_DIR": str(sandbox / ".jupyter"), "JUPYTER_DATA_DIR": str(sandbox / ".jupyter" / "data"),
        "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    try:
        from importlib.metadata import distribution

        distribution("lossutils")  # installed (also editable): importable without PYTHONPATH
    except Exception:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def _kill_group(pid) -> None:
    try:
        if pid:
            os.killpg(int(pid), signal.SIGKILL)
    except (OSError, ValueError):
        pass


_RUNNING: set[subprocess.Popen] = set()


def _run_notebook(nb, calls: list[_Call], timeout: float, memory_mb: int) -> tuple[list[dict], str | None, str]:
    """Execute ``nb`` in a worker; return (events, problem if the worker failed, tail of its stderr)."""
    import nbformat

    sandbox = Path(tempfile.mkdtemp(prefix="lossgrade-"))
    private = Path(tempfile.mkdtemp(prefix="lossgrade-private-"))
    try:
        nbformat.write(nb, sandbox / "submission.ipynb")
        plan_calls: dict[str, list] = {}
        for call in calls:
            entry = {"expr": call.expr, "mode": "value"}
            checker = checks._REGISTRY.get(call.label)
            if checker is None:
                entry["expr"] = None  # unknown label: nothing to judge
            elif isinstance(checker, checks.Function):
                entry.update(mode="function", inputs=_function_inputs(call.label))
            plan_calls.setdefault(str(call.cell), []).append(entry)
        plan = {"sandbox": str(sandbox), "private": str(private), "notebook": "submission.ipynb",
                "timeout": timeout, "startup_timeout": STARTUP_TIMEOUT, "memory_mb": memory_mb,
                "cpu_s": int(timeout * (os.cpu_count() or 1) + STARTUP_TIMEOUT + 30), "calls": plan_calls}
        read_fd, write_fd = os.pipe()
        stderr_path = private / "stderr.log"
        with open(stderr_path, "wb") as stderr:
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "lossutils._grade_worker", "run", "--result-fd", str(write_fd)],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr, cwd=sandbox,
                    env=_scrubbed_env(sandbox), pass_fds=(write_fd,), start_new_session=True)
            except BaseException:
                os.close(read_fd)
                raise
            finally:
                os.close(write_fd)
        _RUNNING.add(proc)
        events: list[dict] = []
        reader = threading.Thread(target=_read_events, args=(read_fd, events), daemon=True)
        reader.start()
        problem = None
        try:
            proc.stdin.write(json.dumps(plan).encode())
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=timeout + STARTUP_TIMEOUT + 30)
        except subprocess.TimeoutExpired:
            problem = (f"stopped: grading this notebook took longer than {timeout + STARTUP_TIMEOUT + 30:g} s "
                       "in total (the time limit plus kernel start-up); the exercises not reported were not graded.")
        finally:
            _kill_group(proc.pid)
            for event in list(events):
                if event.get("event") == "kernel":
                    _kill_group(event.get("pid"))
            proc.wait()
            _RUNNING.discard(proc)
        reader.join(timeout=10)
        tail = ""
        try:
            with open(stderr_path, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
                lines = [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
            tail = worker._short(lines[-1]) if lines else ""
        except OSError:
            pass
        if problem is None and not any(e.get("event") in ("done", "stopped", "worker_error") for e in events):
            problem = (f"internal grader error: the worker stopped unexpectedly (exit code {proc.returncode})"
                       + (f": {tail}" if tail else "."))
        return events, problem, tail
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def _read_events(fd: int, events: list) -> None:
    total = 0
    with os.fdopen(fd, "rb") as pipe:
        for line in pipe:
            total += len(line)
            if total > MAX_EVENTS_BYTES:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)


# ------------------------------------------------------------------------------------------------
# Judging (in this process)


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
        if i >= len(self.outputs) or json.dumps([worker.encode(tuple(args)), worker.encode(kwargs)]) != expected:
            raise _InputsDiffer()
        out = self.outputs[i]
        if not isinstance(out, dict):
            raise _InputsDiffer()
        if "raised" in out:
            name = str(out["raised"]) if str(out["raised"]).isidentifier() else "Exception"
            raise type(name, (Exception,), {})(str(out.get("message", "")))
        if out.get("none"):
            return None
        shape, data = out.get("shape"), out.get("data")
        return np.array(data, dtype=np.float64).reshape(shape)


def _judge(label: str, payload) -> tuple[bool, str]:
    try:
        data = json.loads(payload)
        if "error" in data:
            name, message = (list(data["error"]) + ["", ""])[:2]
            return False, (f"could not read your answer: evaluating it after the cell raised "
                           f"{worker._short(name)}: {worker._short(message)}")
        if "function" in data and isinstance(checks._REGISTRY[label], checks.Function):
            answer = _Replay(data["function"], _function_inputs(label))
        else:
            value = data["value"]
            if isinstance(value, dict) and value.get("t") == "big":
                return False, (f"your answer is an array of shape {tuple(value.get('shape', []))}, too large "
                               "for any exercise here: check what you assigned.")
            answer = worker.decode_answer(value)
        result = checks.check_result(label, answer)
        return bool(result.passed), str(result.message)
    except _InputsDiffer:
        return False, "internal grader error: the check's test inputs changed between runs."
    except Exception as exc:
        return False, f"internal grader error while judging: {type(exc).__name__}: {worker._short(exc)}"


def _cell_name(nb, index: int) -> str:
    first = worker._short(next((ln for ln in nb.cells[index].source.splitlines() if ln.strip()), ""))
    first = first if len(first) <= 40 else first[:39] + "…"
    return f"cell {index + 1} (`{first}`)" if first else f"cell {index + 1}"


def _rows_for(sub: _Submission, nb, calls: list[_Call], labels: list[str], events: list[dict],
              problem: str | None, tail: str, timeout: float, memory_mb: int) -> list[Row]:
    star: list[str] = []
    outcome: dict[tuple[int, int], tuple[bool, str]] = {}
    by_cell: dict[int, list[_Call]] = {}
    for call in calls:
        by_cell.setdefault(call.cell, []).append(call)
    cell_errors: list[tuple[int, str]] = []
    stopped = None
    for event in events:
        kind = event.get("event")
        cell = event.get("cell")
        if kind == "cell_error" and isinstance(cell, int) and 0 <= cell < len(nb.cells):
            error = f"{worker._short(event.get('ename', ''))}: {worker._short(event.get('evalue', ''))}"
            if event.get("ename") == "MemoryError":
                error += f" (the memory limit is {memory_mb} MB)"
            if cell in by_cell:
                for call in by_cell[cell]:
                    outcome[(call.cell, call.number)] = (False, f"{_cell_name(nb, cell)} raised {error}; "
                                                                "the answer was not read.")
            else:
                cell_errors.append((cell, error))
        elif kind == "answer" and isinstance(cell, int) and cell in by_cell:
            number = event.get("call")
            call = next((c for c in by_cell[cell] if c.number == number), None)
            if call is None:
                continue
            if event.get("payload") is None:
                outcome[(cell, number)] = (False, "could not read your answer after the cell: "
                                                  + worker._short(event.get("detail", "")))
            else:
                outcome[(cell, number)] = _judge(call.label, event["payload"])
        elif kind == "stopped" and stopped is None:
            stopped = event
        elif kind == "worker_error":
            star.append(f"internal grader error: {worker._short(event.get('detail', ''))}")
    if cell_errors:
        first_cell, first_error = cell_errors[0]
        if len(cell_errors) == 1:
            star.append(f"{_cell_name(nb, first_cell)} raised {first_error}; the cells after it still ran.")
        else:
            where = ", ".join(str(c + 1) for c, _ in cell_errors)
            star.append(f"{len(cell_errors)} cells raised an error (cells {where}); the first, "
                        f"{_cell_name(nb, first_cell)}, raised {first_error}; the cells after them still ran.")
    not_reached = "not graded: the notebook stopped before this exercise ran"
    if stopped is not None:
        reason, cell = stopped.get("reason"), stopped.get("cell")
        where = _cell_name(nb, cell) if isinstance(cell, int) and 0 <= cell < len(nb.cells) else "a cell"
        if reason == "timeout":
            star.append(f"stopped at the time limit ({timeout:g} s) while running {where}: an endless loop, "
                        "or too slow; the exercises after it were not graded.")
            not_reached += " (time limit)."
        elif reason == "dead":
            star.append(f"the kernel died while running {where} (killed: memory above the {memory_mb} MB "
                        "limit, a crash, or an exit call); the exercises after it were not graded.")
            not_reached += " (the kernel died)."
        else:
            detail = worker._short(stopped.get("detail", ""))
            star.append(f"could not start a Python kernel: {detail}" + (f" [{tail}]" if tail else ""))
            not_reached += " (no kernel)."
    else:
        not_reached += "."
    if problem:
        star.append(problem)

    rows = [Row(sub.student, "*", False, sub.prefix + message) for message in star]
    for label in labels:
        mine = [c for c in calls if c.label == label]
        results = [outcome[(c.cell, c.number)] for c in mine if (c.cell, c.number) in outcome]
        if label not in checks._REGISTRY:
            passed, message = False, "unknown exercise label: no self-check is registered under this name."
        elif not mine:
            passed, message = False, f'no check("{label}", ...) call in the notebook: was the exercise cell deleted?'
        elif results:
            passed, message = results[-1]  # the last check call that ran: the notebook's final state
        elif any(c.expr is None for c in mine):
            passed, message = False, "the check call has no answer the grader can read (is the cell valid Python?)."
        else:
            passed, message = False, not_reached
        rows.append(Row(sub.student, label, passed, message))
    return rows


# ------------------------------------------------------------------------------------------------
# The whole run


def _grade_one(sub: _Submission, timeout: float, memory_mb: int):
    nb, reason = _load(sub.path)
    if nb is None:
        return sub, nb, [], [], [], reason, ""
    calls, labels = _plan(nb)
    events, problem, tail = _run_notebook(nb, calls, timeout, memory_mb)
    return sub, nb, calls, labels, events, problem, tail


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


def _sandbox_note() -> str:
    abi = worker.landlock_abi()
    if abi <= 0:
        return ("WARNING: Linux Landlock is not available here: submissions run with your user's file "
                "permissions (only the time and memory limits apply). Grade untrusted submissions in a "
                "container or a virtual machine.")
    parts = ["files"] + (["network"] if abi >= 4 else []) + (["signals"] if abi >= 6 else [])
    return f"sandbox: Landlock ABI {abi} ({', '.join(parts)})"


def grade(submissions, *, timeout: float = 120, memory_mb: int = 2048, jobs: int = 1,
          skip=(), progress=None) -> list[Row]:
    """Grade every submission in the folder ``submissions``; return the rows of the CSV (sorted)."""
    root = Path(submissions)
    subs, rows = _discover(root, {Path(p).resolve() for p in skip})
    total = len(subs)
    per_student: dict[str, list[list[Row]]] = {}
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(_grade_one, sub, timeout, memory_mb): sub for sub in subs}
        for done, future in enumerate(as_completed(futures), 1):
            sub = futures[future]
            try:
                sub, nb, calls, labels, events, problem, tail = future.result()
                if nb is None:
                    result = [Row(sub.student, "*", False, sub.prefix + problem)]
                else:
                    result = _rows_for(sub, nb, calls, labels, events, problem, tail, timeout, memory_mb)
            except Exception as exc:  # never lose the other rows
                result = [Row(sub.student, "*", False,
                              f"{sub.prefix}internal grader error: {type(exc).__name__}: {worker._short(exc)}")]
            per_student.setdefault(sub.student, []).append(result)
            _progress(progress, done, total, str(sub.path.relative_to(root)), time.monotonic() - started)
    except BaseException:  # Ctrl-C: stop every kernel now instead of waiting for them
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list(_RUNNING):
            _kill_group(proc.pid)
        raise
    pool.shutdown()
    for student, results in per_student.items():
        rows += _merge(student, results)
    return sorted(rows, key=lambda r: (_natural_key(r.student), r.exercise != "*", _natural_key(r.exercise)))


def _merge(student: str, results: list[list[Row]]) -> list[Row]:
    """Rows of a student's notebooks: every '*' row; per exercise, a passing row if any, else the first."""
    merged: dict[str, Row] = {}
    stars = []
    for rows in results:
        for row in rows:
            if row.exercise == "*":
                stars.append(row)
            elif row.exercise not in merged or (row.passed and not merged[row.exercise].passed):
                merged[row.exercise] = row
    return stars + list(merged.values())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a student-controlled cell as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: list[Row], out) -> None:
    """Write the rows to ``out`` atomically: a temporary file in the same folder, then os.replace."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            for row in rows:
                writer.writerow([_cell(row.student), row.exercise, int(row.passed), _cell(row.message)])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def summary(rows: list[Row]) -> str:
    """A plain-text table: each student's passed/total exercises and number of problems ('*' rows)."""
    stats: dict[str, list[int]] = {}
    for row in rows:
        s = stats.setdefault(row.student, [0, 0, 0])
        if row.exercise == "*":
            s[2] += 1
        else:
            s[0] += row.passed
            s[1] += 1
    width = max([len("student")] + [len(name) for name in stats])
    lines = [f"{'student':<{width}}  passed  problems", f"{'-' * width}  ------  --------"]
    for name in sorted(stats, key=_natural_key):
        passed, total, problems = stats[name]
        lines.append(f"{name:<{width}}  {f'{passed}/{total}':>6}  {problems if problems else '':>8}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lossutils.grade",
                                 description="Grade submitted notebooks into a CSV (student, exercise, passed, message).")
    ap.add_argument("submissions", type=Path, help="folder with <student>.ipynb files or <student>/ folders")
    ap.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write (default: grades.csv)")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds each notebook may run, all cells together (default: 120)")
    ap.add_argument("--memory-mb", type=int, default=2048, help="memory limit of each kernel in MB (default: 2048)")
    ap.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (default: 1)")
    args = ap.parse_args(argv)
    if not args.submissions.is_dir():
        ap.error(f"{args.submissions} is not a folder: pass the folder that holds the submitted notebooks")
    if args.timeout <= 0 or args.memory_mb < 256 or args.jobs < 1:
        ap.error("--timeout must be > 0, --memory-mb at least 256 and --jobs at least 1")
    print(f"{_sandbox_note()}; limits per notebook: {args.timeout:g} s, {args.memory_mb} MB", file=sys.stderr)
    try:
        rows = grade(args.submissions, timeout=args.timeout, memory_mb=args.memory_mb, jobs=args.jobs,
                     skip=[args.out], progress=sys.stderr)
    except KeyboardInterrupt:
        print(f"interrupted: {args.out} was not changed", file=sys.stderr)
        return 130
    write_csv(rows, args.out)
    print(summary(rows))
    print(f"wrote {args.out} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
