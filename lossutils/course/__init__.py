"""Course-only code: synthetic data, each chapter's widget compute and exercise registration, quizzes.

Not part of the loss library. It imports only the public API of ``lossutils`` (``from lossutils import
...``, ``lossutils.widgets``, ``lossutils.checks``); nothing in the library imports it. An
import-linter contract in ``pyproject.toml`` enforces both directions.
"""

from __future__ import annotations

__all__ = ["check", "show_quiz"]


def check(label: str, answer):
    """Check an exercise's answer: ``check("<slug>-ex<n>", answer)`` (see :mod:`lossutils.course.exercises`)."""
    from .exercises import check as _check

    return _check(label, answer)


def show_quiz(slug: str) -> None:
    """Show the end-of-chapter quiz of chapter ``slug`` (see :mod:`lossutils.course.quiz`)."""
    from .quiz import show_quiz as _show_quiz

    return _show_quiz(slug)
