"""End-of-chapter quizzes: ``show_quiz(slug)`` shows the multiple-choice quiz of a chapter.

    from lossutils.course import show_quiz
    show_quiz("loss-basics")

The questions are data, one file per chapter: ``lossutils/course/quizzes/<slug>.json``::

    {"slug": "loss-basics",
     "questions": [{"question": "...", "answers": [{"answer": "...", "correct": true, "feedback": "..."}, ...]}]}

Answers are shown in the order of the file (shuffled once when the file was written, so the right
answer's position varies; the output is the same on every run, which nbval compares). Write answers
of similar length: ``tests/test_quiz.py`` checks that the right answer is not the strictly longest in
more than a third of the questions.

The quiz is plain HTML that works without a kernel: each question is a ``<fieldset>`` whose
``<legend>`` is the question, its answers native radio buttons (keyboard: Tab to the group, arrows to
choose), and a feedback line under it in an ``aria-live`` region, so a screen reader announces
"Correct." or "Not quite." with the explanation; the words carry the verdict, colour only repeats it.
A small script (:data:`QUIZ_JS`, one copy per page however many quizzes it has) shows the feedback.
In a notebook the script and style sheet travel inside the output; the website strips them from the
output and serves them once, as ``_static/lossquiz.js`` and ``_static/lossquiz.css``
(``_ext/lossbook_assets.py``).
"""

from __future__ import annotations

import html
import json
from importlib import resources

__all__ = ["show_quiz", "questions", "quiz_html", "QUIZ_JS", "QUIZ_CSS"]


def _quiz_file(slug: str):
    return resources.files("lossutils.course").joinpath("quizzes", f"{slug}.json")


def questions(slug: str) -> list[dict]:
    """The questions of chapter ``slug`` (e.g. "loss-basics"), validated."""
    path = _quiz_file(slug)
    if not path.is_file():
        raise ValueError(f"no quiz {slug!r}: expected a file lossutils/course/quizzes/{slug}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    qs = data.get("questions") if isinstance(data, dict) else None
    if not qs:
        raise ValueError(f"lossutils/course/quizzes/{slug}.json has no questions")
    for i, q in enumerate(qs, 1):
        answers = q.get("answers") or []
        if not q.get("question") or len(answers) < 2:
            raise ValueError(f"quiz {slug!r}, question {i}: needs a question and at least two answers")
        if sum(bool(a.get("correct")) for a in answers) != 1:
            raise ValueError(f"quiz {slug!r}, question {i}: exactly one answer must be correct")
        if any(not a.get("answer") for a in answers):
            raise ValueError(f"quiz {slug!r}, question {i}: an answer has no text")
    return qs


# Event delegation on the document: one listener serves every quiz of the page, also quizzes shown
# later (a notebook output); the guard keeps a second copy of the script from adding another.
QUIZ_JS = r"""(function(){if(window.__lossQuiz)return;window.__lossQuiz=1;
document.addEventListener('change',function(e){var t=e.target;
if(!t||!t.matches||!t.matches('.lq-quiz input[type=radio]'))return;
var q=t.closest('.lq-q'),f=q.querySelector('.lq-fb'),ok=t.getAttribute('data-c')==='1';
q.querySelectorAll('.lq-a').forEach(function(a){a.classList.remove('lq-picked','lq-right','lq-wrong');});
var a=t.closest('.lq-a');a.classList.add('lq-picked',ok?'lq-right':'lq-wrong');
f.className='lq-fb '+(ok?'lq-right':'lq-wrong');
f.textContent=(ok?'Correct. ':'Not quite. ')+(t.getAttribute('data-fb')||'');});})();"""

# Colours: at least 4.5:1 against the card in light and dark mode (axe checks both on the site)
QUIZ_CSS = (
    ".lq-quiz{--lq-bg:#fff;--lq-fg:#1a1a1a;--lq-line:#8c959f;--lq-ok:#116329;--lq-okbg:#dafbe1;"
    "--lq-no:#a40e26;--lq-nobg:#ffebe9;--lq-focus:#0550ae;"
    "background:var(--lq-bg);color:var(--lq-fg);max-width:46rem;margin:1rem 0;font-size:1rem;line-height:1.45}"
    "html[data-theme=dark] .lq-quiz{--lq-bg:#161b22;--lq-fg:#e6edf3;--lq-line:#6e7681;--lq-ok:#7ee787;"
    "--lq-okbg:#0f2d1a;--lq-no:#ffa198;--lq-nobg:#3a1418;--lq-focus:#79c0ff}"
    ".lq-quiz .lq-q{border:1px solid var(--lq-line);border-radius:6px;padding:.6rem 1rem .8rem;margin:0 0 1rem;min-width:0}"
    ".lq-quiz legend{font-weight:600;padding:0 .3rem;float:none;width:auto;font-size:1rem;margin:0}"
    ".lq-quiz .lq-a{display:flex;gap:.6rem;align-items:flex-start;padding:.35rem .5rem;margin:.2rem 0;"
    "border:1px solid transparent;border-radius:4px;cursor:pointer}"
    # 24 x 24 px: the size WCAG 2.2 asks of touch targets (2.5.8)
    ".lq-quiz .lq-a input{margin:0;flex:none;width:24px;height:24px;accent-color:var(--lq-focus)}"
    ".lq-quiz .lq-a:has(input:focus-visible){outline:3px solid var(--lq-focus);outline-offset:1px}"
    ".lq-quiz .lq-a input:focus-visible{outline:2px solid var(--lq-focus)}"
    ".lq-quiz .lq-a.lq-right{border-color:var(--lq-ok);background:var(--lq-okbg)}"
    ".lq-quiz .lq-a.lq-wrong{border-color:var(--lq-no);background:var(--lq-nobg)}"
    ".lq-quiz .lq-fb{min-height:1.45em;margin:.4rem .5rem 0;font-weight:600}"
    ".lq-quiz .lq-fb.lq-right{color:var(--lq-ok)}.lq-quiz .lq-fb.lq-wrong{color:var(--lq-no)}"
)


def quiz_html(slug: str, *, assets: bool = True) -> str:
    """The quiz of ``slug`` as an HTML fragment (with its style sheet and script if ``assets``)."""
    qs = questions(slug)
    esc = html.escape
    parts = [f'<div class="lq-quiz" data-lq="{esc(slug)}">']
    if assets:
        parts.append(f"<style data-lq-asset>{QUIZ_CSS}</style>")
    for i, q in enumerate(qs, 1):
        name = f"lq-{slug}-{i}"
        parts.append(f'<fieldset class="lq-q"><legend>Question {i} of {len(qs)}. {esc(q["question"])}</legend>')
        for a in q["answers"]:
            parts.append(f'<label class="lq-a"><input type="radio" name="{esc(name)}" '
                         f'data-c="{1 if a.get("correct") else 0}" data-fb="{esc(a.get("feedback", ""))}">'
                         f"<span>{esc(a['answer'])}</span></label>")
        parts.append('<div class="lq-fb" role="status" aria-live="polite"></div></fieldset>')
    if assets:
        parts.append(f"<script data-lq-asset>{QUIZ_JS}</script>")
    parts.append("</div>")
    return "".join(parts)


class Quiz:
    """What :func:`show_quiz` displays (HTML in a notebook and on the site, a text outline elsewhere)."""

    def __init__(self, slug: str):
        self.slug = slug
        self.questions = questions(slug)

    def _repr_html_(self) -> str:
        return quiz_html(self.slug)

    def __repr__(self) -> str:
        lines = [f"Quiz {self.slug} ({len(self.questions)} questions)"]
        for i, q in enumerate(self.questions, 1):
            lines.append(f"{i}. {q['question']}")
            lines += [f"   - {a['answer']}" for a in q["answers"]]
        return "\n".join(lines)


def show_quiz(slug: str) -> None:
    """Display the multiple-choice quiz of chapter ``slug``."""
    from IPython.display import display

    display(Quiz(slug))
