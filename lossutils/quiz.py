"""End-of-chapter quizzes, shown with the kept library jupyterquiz.

    from lossutils.quiz import show_quiz
    show_quiz("loss-basics")

The questions live beside the chapter's self-checks, as ``QUIZ`` in ``lossutils/exercises/<module>.py``
(jupyterquiz's format: a list of ``{"question", "type": "multiple_choice", "answers": [{"answer",
"correct", "feedback"}]}``). The quiz gives feedback in the browser with no kernel, so it works on the
static website as in Jupyter. Answers are shuffled in the browser (not in Python) and the container id
is derived from the slug, so the stored output is the same on every run (nbval compares it).
"""

from __future__ import annotations

import importlib
import random

__all__ = ["show_quiz", "questions"]


def questions(slug: str) -> list[dict]:
    """The quiz questions of chapter ``slug`` (e.g. "loss-basics")."""
    module = slug.replace("-", "_")
    try:
        mod = importlib.import_module(f"lossutils.exercises.{module}")
    except ModuleNotFoundError:
        raise ValueError(f"no chapter {slug!r}: expected a module lossutils/exercises/{module}.py") from None
    quiz = getattr(mod, "QUIZ", None)
    if not quiz:
        raise ValueError(f"chapter {slug!r} defines no QUIZ in lossutils/exercises/{module}.py")
    return quiz


def show_quiz(slug: str) -> None:
    """Display the multiple-choice quiz of chapter ``slug``."""
    from jupyterquiz import display_quiz

    qs = questions(slug)
    state = random.getstate()
    random.seed(slug)  # jupyterquiz draws its container id from `random`: make it deterministic
    try:
        # answers are shuffled by the quiz script in the browser, so the stored output stays the same
        display_quiz(qs, shuffle_answers=True, colors="fdsp", max_width=720)
    finally:
        random.setstate(state)
