"""The practice self-checks of the chapters: one module per chapter registers its exercises.

Chapters call ``from lossutils.course import check`` and then ``check("<slug>-ex<n>", answer)``.
These checks use the exercise's *public* values (the numbers in the chapter text, the practice
letter of a multiple-choice question, test inputs from seed 0): they are for practice. Graded work
is judged by the instructor's grader (``tools/grade``) against a key generated per term, with other
values; a generated assignment notebook calls :func:`graded_assignment` so that its exercise cells
record the answer without judging it against the practice values.
"""

from __future__ import annotations

import importlib
import pkgutil

from lossutils.checks import Result, check_result as _check_result, labels as _labels

__all__ = ["check", "check_result", "labels", "graded_assignment"]

_LOADED = False
_GRADED: dict[str, str] = {}  # label -> term, set by graded_assignment()


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _LOADED = True


def helper(module: str, name: str):
    """A chapter helper (widget compute) from ``lossutils.course.<module>``, looked up when a check
    runs, so that registering the checks imports no chapter code."""
    try:
        return getattr(importlib.import_module(f"lossutils.course.{module}"), name)
    except (ImportError, AttributeError):
        raise ImportError(f"no helper {name} in lossutils.course.{module}") from None


def labels() -> list[str]:
    """Every exercise label of the chapters that has a practice self-check."""
    _load_all()
    return _labels()


def check_result(label: str, answer) -> Result:
    """Check ``answer`` for exercise ``label`` and return a :class:`~lossutils.checks.Result`."""
    _load_all()
    if label in _GRADED and answer is not None and answer is not Ellipsis:
        return Result(label, None, f"answer recorded for grading ({_GRADED[label]}): your instructor's key "
                                   "checks it; this notebook's values differ from the practice ones.")
    return _check_result(label, answer)


def check(label: str, answer) -> Result:
    """Check your answer to exercise ``label``: ✓, or ✗ "not yet" with a hint (never the solution), or
    ○ while it is not answered yet."""
    return check_result(label, answer)


def graded_assignment(term: str, graded: list[str]) -> None:
    """Called by the first cell of a generated assignment notebook: the checks of ``graded`` record
    the answer (○) instead of judging it against the practice values."""
    _GRADED.update({label: str(term) for label in graded})
