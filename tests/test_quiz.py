"""The quizzes (lossutils.course.quiz): data files that load, HTML that is deterministic and
accessible in structure, right answers not given away by their length."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lossutils.course import quiz

ROOT = Path(__file__).resolve().parents[1]
SLUGS = sorted(p.stem for p in (ROOT / "lossutils" / "course" / "quizzes").glob("*.json"))


def test_every_chapter_slug_has_a_quiz():
    for slug in ["loss-basics", "regression-losses", "cross-entropy", "binary-cross-entropy",
                 "margin-and-contrastive", "choosing-a-loss"]:
        assert slug in SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_html_structure(slug):
    qs = quiz.questions(slug)
    html = quiz.quiz_html(slug)
    assert html == quiz.quiz_html(slug)  # deterministic: nbval compares it
    assert html.count("<fieldset") == html.count("<legend>") == len(qs)
    assert html.count('aria-live="polite"') == len(qs)
    assert html.count('type="radio"') == sum(len(q["answers"]) for q in qs)
    names = re.findall(r'name="([^"]+)"', html)
    assert len(set(names)) == len(qs)  # one radio group per question
    assert "<script data-lq-asset>" in html and "<script" not in quiz.quiz_html(slug, assets=False)


def test_bad_slug_is_a_clear_error():
    with pytest.raises(ValueError, match="no quiz 'nope'"):
        quiz.questions("nope")


def test_quiz_answers_not_given_away_by_length():
    longest = total = 0
    for slug in SLUGS:
        for q in quiz.questions(slug):
            lengths = [len(a["answer"]) for a in q["answers"]]
            right = next(i for i, a in enumerate(q["answers"]) if a["correct"])
            total += 1
            longest += all(lengths[right] > n for i, n in enumerate(lengths) if i != right)
    assert total and longest <= total / 3, f"the right answer is the longest in {longest} of {total} questions"
