"""Assignments, rosters, the gradebook CSVs (long, per student, Canvas, Moodle) and feedback files.

Every text cell written to a CSV goes through :func:`cell`, which defuses spreadsheet formulas: a
value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE = re.compile(r"[^\w.-]")


def cell(value) -> str:
    """A CSV cell that no spreadsheet program runs as a formula (numbers we computed stay numbers)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass
class Assignment:
    """Which exercises, how many points each, and when it is due."""

    title: str
    points: dict[str, float]  # label -> points, in the order of the file
    due: dt.datetime | None = None
    per_student: bool = False  # every student gets values of their own (from the key's secret)

    @property
    def exercises(self) -> list[str]:
        return list(self.points)

    @property
    def max_points(self) -> float:
        return float(sum(self.points.values()))


def load_assignment(path) -> Assignment:
    """Read an assignment file (TOML): ``title``, optional ``due`` and a ``[points]`` table.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "hw.toml"
    >>> _ = p.write_text('title = "HW 1"\\ndue = 2026-10-15T23:59:00Z\\n[points]\\n"loss-basics-ex1" = 2\\n')
    >>> a = load_assignment(p); (a.title, a.points, a.due.isoformat())
    ('HW 1', {'loss-basics-ex1': 2.0}, '2026-10-15T23:59:00+00:00')
    """
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    points = data.get("points")
    if not isinstance(points, dict) or not points:
        raise ValueError(f"{path}: needs a [points] table: \"<label>\" = <points> for each exercise")
    clean = {}
    for label, value in points.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"{path}: points of {label!r} must be a number > 0, got {value!r}")
        clean[str(label)] = float(value)
    due = data.get("due")
    if isinstance(due, dt.date) and not isinstance(due, dt.datetime):
        due = dt.datetime.combine(due, dt.time(23, 59, 59))
    if due is not None and not isinstance(due, dt.datetime):
        raise ValueError(f"{path}: due must be a TOML date-time such as 2026-10-15T23:59:00Z")
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=dt.timezone.utc)
    per_student = data.get("per_student", False)
    if not isinstance(per_student, bool):
        raise ValueError(f"{path}: per_student must be true or false")
    return Assignment(str(data.get("title") or Path(path).stem), clean, due, per_student)


@dataclass
class Student:
    student_id: str
    fields: dict[str, str] = field(default_factory=dict)  # name, email, canvas_id, sis_user_id, ...


def load_roster(path) -> dict[str, Student]:
    """A CSV with a ``student_id`` column (the name of each submission) and optional ``name``, ``email``,
    ``canvas_id``, ``sis_user_id``, ``sis_login_id``, ``section`` columns."""
    text = Path(path).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "student_id" not in [f.strip() for f in reader.fieldnames]:
        raise ValueError(f"{path}: the first line must name the columns, one of them student_id")
    roster = {}
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        sid = row.pop("student_id", "")
        if sid:
            roster[sid] = Student(sid, row)
    return roster


def load_timestamps(path) -> dict[str, dt.datetime]:
    """A CSV ``student_id,submitted_at`` (ISO 8601; without a time zone, UTC is assumed)."""
    stamps = {}
    for row in csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))):
        sid, when = (row.get("student_id") or "").strip(), (row.get("submitted_at") or "").strip()
        if not sid or not when:
            continue
        try:
            moment = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{path}: {when!r} ({sid}) is not an ISO 8601 date-time") from None
        stamps[sid] = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return stamps


def _late(when: dt.datetime | None, due: dt.datetime | None, have_stamps: bool) -> str:
    if due is None or not have_stamps:
        return ""
    if when is None:
        return "unknown (no timestamp)"
    if when <= due:
        return ""
    minutes = int((when - due).total_seconds() // 60)
    days = f"{minutes // 1440} d " if minutes >= 1440 else ""
    return f"late by {days}{minutes % 1440 // 60} h {minutes % 60} min"


@dataclass
class Line:
    """One student's line of the gradebook."""

    student_id: str
    points: dict[str, float]
    total: float
    status: str  # graded, missing, not on the roster
    late: str
    problems: list[str]
    messages: dict[str, str]


def roster_id(roster: dict | None):
    """A function: a submission's name -> the roster's ID for it (the same ID ignoring case, if only
    one matches), or the name itself."""
    folded: dict[str, list[str]] = {}
    for sid in roster or {}:
        folded.setdefault(sid.casefold(), []).append(sid)

    def find(name: str) -> str:
        if roster and name in roster:
            return name
        match = folded.get(name.casefold(), [])
        return match[0] if len(match) == 1 else name

    return find


def safe_name(student_id: str) -> str:
    """A file or folder name for a student ID (no path separators, no leading dot)."""
    return _SAFE.sub("_", student_id)[:100].lstrip(".") or "_"


def match_roster(results: dict, roster: dict | None) -> dict:
    """``results`` with each student named as on the roster: a file Ada.ipynb belongs to the roster's
    "ada" when that is the only roster ID equal to it ignoring case."""
    if not roster:
        return results
    folded: dict[str, list[str]] = {}
    for sid in roster:
        folded.setdefault(sid.casefold(), []).append(sid)
    renamed = {}
    for name, result in results.items():
        match = folded.get(name.casefold(), [])
        renamed[match[0] if name not in roster and len(match) == 1 and match[0] not in results else name] = result
    return renamed


def build(assignment: Assignment, results: dict, roster: dict[str, Student] | None,
          stamps: dict[str, dt.datetime] | None) -> list[Line]:
    """One Line per roster student (missing ones too) and per graded student not on the roster."""
    lines = []
    results = match_roster(results, roster)
    ids = list(roster) if roster else []
    ids += [s for s in results if not roster or s not in roster]
    for sid in ids:
        result = results.get(sid)
        if result is None:
            lines.append(Line(sid, {label: 0.0 for label in assignment.exercises}, 0.0, "missing", "", [], {}))
            continue
        points = {row.exercise: (assignment.points[row.exercise] if row.passed else 0.0) for row in result.rows}
        status = "graded" if (roster is None or sid in roster) else "not on the roster"
        late = _late((stamps or {}).get(sid), assignment.due, stamps is not None)
        lines.append(Line(sid, points, float(sum(points.values())), status, late, list(result.problems),
                          {row.exercise: row.message for row in result.rows}))
    return lines


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def long_csv(assignment: Assignment, results: dict) -> str:
    """grades.csv: one row per student and exercise (``*`` rows: problems with the notebook)."""
    rows = [("student_id", "exercise", "points", "max_points", "passed", "message")]
    for sid, result in results.items():
        rows += [(sid, "*", 0, 0, 0, message) for message in result.problems]
        for row in result.rows:
            pts = assignment.points[row.exercise]
            rows.append((sid, row.exercise, pts if row.passed else 0, pts, int(row.passed), row.message))
    return _csv(rows)


def gradebook_csv(assignment: Assignment, lines: list[Line]) -> str:
    """gradebook.csv: one row per student, the points of each exercise and the total."""
    header = ["student_id", *assignment.exercises, "total", "max_points", "status", "late", "problems"]
    rows = [header]
    for line in lines:
        rows.append([line.student_id, *[line.points.get(label, 0.0) for label in assignment.exercises],
                     line.total, assignment.max_points, line.status, line.late, " | ".join(line.problems)])
    return _csv(rows)


def canvas_csv(assignment: Assignment, lines: list[Line], roster: dict[str, Student] | None) -> str:
    """canvas.csv: Canvas's gradebook import layout (Student, ID, SIS User ID, SIS Login ID, Section,
    then one column per assignment; the second row gives the points possible). Students who did not
    hand anything in get an empty cell, which Canvas leaves unchanged."""
    title = assignment.title
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
            ["Points Possible", "", "", "", "", assignment.max_points]]
    for line in lines:
        info = roster[line.student_id].fields if roster and line.student_id in roster else {}
        score = "" if line.status == "missing" else line.total
        rows.append([info.get("name", line.student_id), info.get("canvas_id", ""),
                     info.get("sis_user_id", line.student_id), info.get("sis_login_id", ""),
                     info.get("section", ""), score])
    return _csv(rows)


def moodle_csv(assignment: Assignment, lines: list[Line], roster: dict[str, Student] | None) -> str:
    """moodle.csv: for Moodle's "Import grades > CSV file": a user column to map to "ID number"
    (or "Email address"), the grade and a feedback text to map to the grade item and its feedback."""
    rows = [["ID number", "Email address", assignment.title, "Feedback"]]
    for line in lines:
        info = roster[line.student_id].fields if roster and line.student_id in roster else {}
        if line.status == "missing":
            rows.append([line.student_id, info.get("email", ""), "", "no submission"])
            continue
        passed = sum(1 for label in assignment.exercises if line.points.get(label))
        note = f"{passed}/{len(assignment.exercises)} exercises passed"
        note += f"; {line.late}" if line.late else ""
        note += f"; {len(line.problems)} problem(s) with the notebook" if line.problems else ""
        rows.append([line.student_id, info.get("email", ""), line.total, note])
    return _csv(rows)


def feedback_md(assignment: Assignment, line: Line) -> str:
    """The feedback file of one student: points and hint per exercise, problems, lateness."""
    out = [f"# {assignment.title}: feedback for {line.student_id}", ""]
    if line.status == "missing":
        return "\n".join(out + ["No submission was found.", ""])
    out.append(f"Total: {line.total:g} / {assignment.max_points:g} points.")
    if line.late:
        out.append(f"Submission: {line.late} (due {assignment.due.isoformat()}).")
    out += ["", "| Exercise | Points | Feedback |", "|---|---|---|"]
    for label in assignment.exercises:
        message = line.messages.get(label, "").replace("|", "\\|").replace("\n", " ")
        out.append(f"| {label} | {line.points.get(label, 0):g} / {assignment.points[label]:g} | {message} |")
    if line.problems:
        out += ["", "Problems with the notebook:", ""] + [f"- {p}" for p in line.problems]
    return "\n".join(out) + "\n"


def write_all(out: Path, assignment: Assignment, results: dict, notes: list, roster, stamps, log: str) -> list[Line]:
    """Write every output into the folder ``out`` (each file atomically); returns the gradebook lines."""
    results = match_roster(results, roster)
    lines = build(assignment, results, roster, stamps)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "grades.csv", long_csv(assignment, results))
    _atomic_write(out / "gradebook.csv", gradebook_csv(assignment, lines))
    _atomic_write(out / "canvas.csv", canvas_csv(assignment, lines, roster))
    _atomic_write(out / "moodle.csv", moodle_csv(assignment, lines, roster))
    _atomic_write(out / "files.csv", _csv([("path", "student_id", "status")]
                                          + [(n.path, n.student, n.status) for n in notes]))
    for line in lines:
        _atomic_write(out / "feedback" / f"{safe_name(line.student_id)}.md", feedback_md(assignment, line))
    missing = [line.student_id for line in lines if line.status == "missing"]
    unknown = [line.student_id for line in lines if line.status == "not on the roster"]
    late = [f"{line.student_id} ({line.late})" for line in lines if line.late.startswith("late")]
    unstamped = [line.student_id for line in lines if line.late.startswith("unknown")]
    report = [log, "", f"assignment: {assignment.title} ({len(assignment.exercises)} exercises, "
                       f"{assignment.max_points:g} points)" + (f", due {assignment.due.isoformat()}" if assignment.due else ""),
              f"graded: {len(results)} students; missing (on the roster, no submission): {len(missing)}"
              + (f": {', '.join(missing)}" if missing else ""),
              f"not on the roster: {len(unknown)}" + (f": {', '.join(unknown)}" if unknown else ""),
              f"late: {len(late)}" + (f": {'; '.join(late)}" if late else ""),
              f"no timestamp: {len(unstamped)}" + (f": {', '.join(unstamped)}" if unstamped else ""),
              f"files not graded: {sum(1 for n in notes if n.status != 'graded')} (see files.csv)"]
    _atomic_write(out / "run.txt", "\n".join(report) + "\n")
    return lines


def summary(assignment: Assignment, lines: list[Line]) -> str:
    """A plain-text table for the terminal."""
    width = max([len("student")] + [len(line.student_id) for line in lines])
    out = [f"{'student':<{width}}  {'points':>9}  status", f"{'-' * width}  {'-' * 9}  ------"]
    for line in lines:
        extra = [line.status] + ([line.late] if line.late else []) + (
            [f"{len(line.problems)} problem(s)"] if line.problems else [])
        out.append(f"{line.student_id:<{width}}  {f'{line.total:g}/{assignment.max_points:g}':>9}  {', '.join(extra)}")
    return "\n".join(out)
