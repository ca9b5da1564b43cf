"""The instructor's answer key: graded checks with other values than the practice self-checks.

``python -m tools.grade make-key --term 2026F --out key-2026F.json`` writes one entry per exercise:

* a function exercise gets a secret seed: the graded check calls the student's function on hidden
  test inputs drawn with it (the practice check uses seed 0, which every student can read);
* a numeric exercise whose check declares ``vary`` gets new values (other predictions and another δ;
  for a widget reading, another setting the widget offers); the assignment notebook
  (``make-assignment``) tells students these values under the exercise. An exercise without
  ``vary`` keeps its practice value (``"same_as_practice": true``): its graded answer is public, so
  weigh it accordingly (the guide says so);
* a multiple-choice exercise gets a new correct letter: two options trade places in the assignment
  notebook, and the new letters are spread evenly over a/b/c/d across the exercises.

With ``per_student = true`` in the assignment file, every student gets values of their own, derived
from the key's secret and the student ID (:func:`for_student`); ``make-assignment --roster`` then
writes one folder of notebooks per student.

The key is a secret like an exam: keep it out of the repository and off the student website.
``practice_key()`` is the key with the practice values (for self-study runs and the tests).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from pathlib import Path

import numpy as np

from lossutils.checks import Choice, Function, Numeric, _REGISTRY


def registry() -> dict:
    """Every practice check: the course's exercises (and any registered by a test)."""
    from lossutils.course.exercises import labels

    labels()
    return _REGISTRY


def _jsonable(value):
    return json.loads(json.dumps(value))


def _choice_entries(choices: dict[str, Choice], rng) -> dict:
    """New correct letters, spread as evenly over a/b/c/d as the options allow, each different from the
    practice letter: the most even of 200 random greedy assignments."""
    candidates = {label: [o for o in c.options() if o != c.correct.lower()] or [c.correct.lower()]
                  for label, c in choices.items()}
    best, best_spread = {}, None
    for _ in range(200):
        counts = {letter: 0 for letter in "abcd"}
        chosen = {}
        for label in rng.permutation(sorted(choices)):
            least = min(counts.get(o, 0) for o in candidates[label])
            chosen[str(label)] = str(rng.choice([o for o in candidates[label] if counts.get(o, 0) == least]))
            counts[chosen[str(label)]] = counts.get(chosen[str(label)], 0) + 1
        spread = max(counts.values()) - min(counts.values())
        if best_spread is None or spread < best_spread:
            best, best_spread = chosen, spread
        if spread <= 1:
            break
    return {label: {"kind": "choice", "correct": new,
                    "swap": [choices[label].correct.lower(), new] if new != choices[label].correct.lower() else None}
            for label, new in sorted(best.items())}


def _entries(rng) -> dict:
    """Graded values for every registered exercise, drawn with ``rng``."""
    entries, choices = {}, {}
    for label, checker in sorted(registry().items()):
        if isinstance(checker, Function):
            entries[label] = {"kind": "function", "seed": int(rng.integers(1, 2**62))}
        elif isinstance(checker, Numeric):
            if checker.vary is None or checker.params is None:
                entries[label] = {"kind": "numeric", "params": None, "same_as_practice": True}
                continue
            practice = np.asarray(checker.value(), dtype=float)
            for _ in range(50):  # values with an answer, and one that differs from the practice answer
                params = _jsonable(checker.vary(rng))
                try:
                    graded = np.asarray(dataclasses.replace(checker, params=params).value(), dtype=float)
                except (TypeError, ValueError):  # e.g. no slider setting answers the question
                    continue
                if np.all(np.isfinite(graded)) and (graded.shape != practice.shape or not np.allclose(
                        graded, practice, rtol=max(10 * checker.rtol, 1e-6), atol=checker.atol)):
                    entries[label] = {"kind": "numeric", "params": params}
                    break
            else:
                entries[label] = {"kind": "numeric", "params": None, "same_as_practice": True}
        elif isinstance(checker, Choice):
            choices[label] = checker
    entries.update(_choice_entries(choices, rng))
    return dict(sorted(entries.items()))


def make_key(term: str, seed: int | None = None) -> dict:
    """A new graded key for ``term`` (random unless ``seed`` is given).

    Its ``exercises`` hold the term's values; its ``secret`` derives each student's own values when
    an assignment says ``per_student = true`` (see :func:`for_student`).
    """
    seed = secrets.randbits(63) if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    secret = f"{int(rng.integers(0, 2**63)):016x}{int(rng.integers(0, 2**63)):016x}"
    return {"term": str(term), "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "secret": secret, "exercises": _entries(rng)}


_STUDENT_KEYS: dict[tuple[str, str], dict] = {}


def for_student(key: dict, student: str) -> dict:
    """The key of one student: values derived from the key's secret and the student ID (the same
    every time, different for every student), so classmates cannot share graded answers."""
    if not key.get("secret"):
        raise ValueError("this key has no secret for per-student values: make a new key")
    cache = (key["secret"], student)
    if cache not in _STUDENT_KEYS:
        digest = hashlib.sha256(f"{key['secret']}/{student}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:16], "big"))
        _STUDENT_KEYS[cache] = {**key, "student": student, "exercises": _entries(rng)}
    return _STUDENT_KEYS[cache]


def practice_key() -> dict:
    """The key that grades with the practice values (public: for self-study and tests only)."""
    entries = {}
    for label, checker in sorted(registry().items()):
        if isinstance(checker, Function):
            entries[label] = {"kind": "function", "seed": checker.seed}
        elif isinstance(checker, Numeric):
            entries[label] = {"kind": "numeric", "params": None, "same_as_practice": True}
        elif isinstance(checker, Choice):
            entries[label] = {"kind": "choice", "correct": checker.correct.lower(), "swap": None}
    return {"term": "practice", "created": "", "exercises": entries}


def load_key(path) -> dict:
    key = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(key, dict) or not isinstance(key.get("exercises"), dict):
        raise ValueError(f"{path} is not a key made by `python -m tools.grade make-key`")
    return key


def graded_checker(key: dict, label: str):
    """The check that grades ``label`` under ``key`` (None if the key has no such exercise)."""
    checker, entry = registry().get(label), key["exercises"].get(label)
    if checker is None or entry is None:
        return None
    if isinstance(checker, Function) and entry.get("kind") == "function":
        return dataclasses.replace(checker, seed=int(entry["seed"]))
    if isinstance(checker, Numeric) and entry.get("kind") == "numeric":
        return dataclasses.replace(checker, params=entry["params"]) if entry.get("params") is not None else checker
    if isinstance(checker, Choice) and entry.get("kind") == "choice":
        swap = entry.get("swap")
        rename = {swap[0]: swap[1], swap[1]: swap[0]} if swap else {}
        feedback = {rename.get(k.lower(), k.lower()): v for k, v in checker.feedback.items()}
        return Choice(entry["correct"], feedback=feedback)
    raise ValueError(f"the key's entry for {label} ({entry.get('kind')}) does not fit its check "
                     f"({type(checker).__name__}): make a new key")


def describe_values(checker: Numeric, params: dict) -> str:
    """The graded values of a numeric exercise, for the note in the assignment notebook."""
    parts = []
    for name, value in params.items():
        if (checker.params or {}).get(name) == value:
            continue  # unchanged: the text already says it
        shown = checker.show.get(name, name)
        if isinstance(value, list):
            text = "[" + ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in value) + "]"
        else:
            text = f"{value:g}" if isinstance(value, (int, float)) else str(value)
        parts.append(f"{shown} = {text}")
    return "; ".join(parts)
