"""The instructor's grader: ``python -m tools.grade COMMAND ...`` (see instructor_guide.md).

    python -m tools.grade make-key --term 2026F --out key-2026F.json
    python -m tools.grade make-assignment student/ --assignment hw1.toml --key key-2026F.json --out hw1/
    python -m tools.grade grade submissions/ --assignment hw1.toml --key key-2026F.json \\
        --roster roster.csv [--timestamps submitted.csv] --out grades-hw1/
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import gradebook, grader, key as keys, sandbox


def _grade(args) -> int:
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder: pass the folder that holds the submitted notebooks",
              file=sys.stderr)
        return 2
    assignment = gradebook.load_assignment(args.assignment)
    key = keys.practice_key() if args.practice_key else keys.load_key(args.key)
    roster = gradebook.load_roster(args.roster) if args.roster else None
    stamps = gradebook.load_timestamps(args.timestamps) if args.timestamps else None
    limits = sandbox.Limits(timeout=args.timeout, memory_mb=args.memory_mb, pids=args.max_processes,
                            cpus=args.cpus)
    if args.unsafe:
        version, why = None, None
    else:
        version, why = sandbox.probe(limits)
        if version is None:
            print(f"refusing to run untrusted notebooks: {why}\n(--unsafe runs them without a sandbox: only for "
                  "notebooks you trust, e.g. your own)", file=sys.stderr)
            return 3
    log = sandbox.describe(limits, version) + f"; key: {key.get('term', '?')}"
    print(log, file=sys.stderr)
    try:
        results, notes = grader.grade(args.submissions, assignment.exercises, key, limits=limits, jobs=args.jobs,
                                      unsafe=args.unsafe, per_student=assignment.per_student, skip=[args.out],
                                      roster_id=gradebook.roster_id(roster), progress=sys.stderr)
    except KeyboardInterrupt:
        print(f"interrupted: nothing in {args.out} was changed", file=sys.stderr)
        return 130
    lines = gradebook.write_all(args.out, assignment, results, notes, roster, stamps, log)
    print(gradebook.summary(assignment, lines))
    print(f"wrote {args.out}/: grades.csv, gradebook.csv, canvas.csv, moodle.csv, files.csv, run.txt, "
          f"feedback/ ({len(lines)} files)")
    return 0


def _make_key(args) -> int:
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; pass --force to replace it (students graded with the old key would "
              "then be graded differently)", file=sys.stderr)
        return 2
    key = keys.make_key(args.term, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    try:
        args.out.chmod(0o600)
    except OSError:
        pass
    same = sorted(label for label, e in key["exercises"].items() if e.get("same_as_practice"))
    print(f"wrote {args.out} ({len(key['exercises'])} exercises, term {args.term}); keep it private.")
    if same:
        print(f"these exercises have no other values and keep their (public) practice answer: {', '.join(same)}")
    return 0


def _make_assignment(args) -> int:
    from . import assign

    assignment = gradebook.load_assignment(args.assignment)
    key = keys.load_key(args.key)
    if assignment.per_student:
        if not args.roster:
            print("error: the assignment says per_student = true: pass --roster roster.csv", file=sys.stderr)
            return 2
        problems = []
        for sid in gradebook.load_roster(args.roster):
            folder = args.out / gradebook.safe_name(sid)
            problems += assign.write_assignment(args.notebooks, assignment, keys.for_student(key, sid), folder)
        problems = list(dict.fromkeys(problems))
    else:
        problems = assign.write_assignment(args.notebooks, assignment, key, args.out)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade a folder of submissions into a gradebook folder")
    g.add_argument("submissions", type=Path, help="folder with <student_id>.ipynb files or <student_id>/ folders")
    g.add_argument("--assignment", type=Path, required=True, help="assignment file (TOML): exercises, points, due")
    g.add_argument("--key", type=Path, help="the term's key (make-key)")
    g.add_argument("--practice-key", action="store_true", help="grade with the public practice values instead "
                                                               "of a key (self-study, tests)")
    g.add_argument("--roster", type=Path, help="CSV with a student_id column (missing students are listed)")
    g.add_argument("--timestamps", type=Path, help="CSV student_id,submitted_at (late submissions are flagged)")
    g.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades/)")
    g.add_argument("--timeout", type=float, default=120, help="seconds per notebook, all cells (default: 120)")
    g.add_argument("--memory-mb", type=int, default=2048, help="memory of each sandbox in MB (default: 2048)")
    g.add_argument("--max-processes", type=int, default=256, help="processes+threads per sandbox (default: 256)")
    g.add_argument("--cpus", type=float, default=1.0, help="CPU quota per sandbox (default: 1)")
    g.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (default: 1)")
    g.add_argument("--unsafe", action="store_true", help="no sandbox: ONLY for notebooks you trust")
    g.set_defaults(run=_grade)

    k = sub.add_parser("make-key", help="generate the graded key of a term")
    k.add_argument("--term", required=True)
    k.add_argument("--out", type=Path, required=True)
    k.add_argument("--seed", type=int, help="reproducible key (default: a random one)")
    k.add_argument("--force", action="store_true")
    k.set_defaults(run=_make_key)

    a = sub.add_parser("make-assignment", help="write the assignment notebooks with the key's values")
    a.add_argument("notebooks", type=Path, help="the student edition (make student): a folder of notebooks")
    a.add_argument("--assignment", type=Path, required=True)
    a.add_argument("--key", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--roster", type=Path, help="with per_student = true: one folder of notebooks per student")
    a.set_defaults(run=_make_assignment)

    args = ap.parse_args(argv)
    if args.command == "grade":
        if bool(args.key) == bool(args.practice_key):
            ap.error("pass either --key KEY.json or --practice-key")
        if args.timeout <= 0 or args.memory_mb < 256 or args.jobs < 1 or args.max_processes < 32 or args.cpus <= 0:
            ap.error("--timeout and --cpus must be > 0, --memory-mb at least 256, --max-processes at least 32, "
                     "--jobs at least 1")
    try:
        return args.run(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
