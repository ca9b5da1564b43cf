"""Every practice self-check accepts the reference solution and rejects typical wrong answers.

The reference solution of an exercise is its solution code cell in the chapter (tagged ``solution``,
calling ``check("<label>", answer)`` with the right answer). Its stored output must show ✓; nbval
(``make test``) re-executes the chapters and fails if a stored output no longer matches, so the
stored ✓ is current. A chapter module may also expose ``SOLUTIONS = {label: callable returning the
answer}``, which is checked directly.

Wrong answers are built from what the check compares with (the ``expected`` value, the
``reference`` function, the ``correct`` option): None, twice and half the value, the sign flipped,
a sum instead of a mean, the wrong shape, a function that returns None or raises, every wrong option.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lossutils import checks
from lossutils.checks import Choice, Function, Numeric
from lossutils.course.exercises import check, check_result, labels
from tools.grade.grader import find_check_calls

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
LABELS = labels()
NOT_ANSWERED = "not answered yet"


def _checker(label):
    return checks._REGISTRY[label]


def _chapter_of(label: str) -> Path | None:
    slug = label.rsplit("-ex", 1)[0]
    return next((p for p in CHAPTERS if p.stem.split("_", 1)[1].replace("_", "-") == slug), None)


def _assert_rejected(label, answer, *hints):
    result = check_result(label, answer)
    assert not result.passed, f"{label} accepted a wrong answer: {answer!r}"
    if hints:
        assert any(h in result.message for h in hints), f"{label}: {result.message!r} lacks {hints}"
    return result


# ------------------------------------------------------------------------------------------------
# The reference solution


@pytest.mark.parametrize("label", LABELS)
def test_check_accepts_what_it_compares_with(label):
    checker = _checker(label)
    answer = {Numeric: lambda c: c.value(), Function: lambda c: c.reference,
              Choice: lambda c: c.correct}[type(checker)](checker)
    assert check_result(label, answer).passed


@pytest.mark.parametrize("label", LABELS)
def test_reference_solution_in_the_chapter_passes(label):
    module = importlib.import_module(f"lossutils.course.exercises.{label.rsplit('-ex', 1)[0].replace('-', '_')}")
    solutions = getattr(module, "SOLUTIONS", {})
    if label in solutions:
        assert check_result(label, solutions[label]()).passed
    chapter = _chapter_of(label)
    assert chapter is not None, f"{label}: no chapter notebook for this slug in chapters/"
    nb = nbformat.read(chapter, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])
             and label in [lab for lab, _ in find_check_calls(c.source)]]
    if not cells and label in solutions:
        return
    assert cells, (f"{label}: {chapter.name} has no solution code cell (tagged 'solution') calling "
                   f'check("{label}", answer) with the reference answer, and the module has no SOLUTIONS entry')
    for cell in cells:
        shown = "".join(str(o.get("text", "")) + "".join(str(v) for k, v in o.get("data", {}).items()
                                                         if k.startswith("text/"))
                        for o in cell.outputs)
        assert "✓" in shown and label in shown and "✗" not in shown, (
            f"{label}: the stored output of the solution cell in {chapter.name} does not show ✓ "
            f"(got {shown[:200]!r}); run `make notebooks` and look at the cell")


# ------------------------------------------------------------------------------------------------
# Wrong answers


@pytest.mark.parametrize("label", LABELS)
def test_unanswered_is_reported_as_such(label):
    for empty in (None, ...):
        result = check_result(label, empty)
        assert result.message.startswith(NOT_ANSWERED) and result.passed is None


def test_unanswered_shows_a_neutral_marker_with_words():
    result = check("loss-basics-ex3", None)
    for text in (result._repr_markdown_(), repr(result)):
        assert text.startswith("○") and "not answered yet" in text
        assert "✗" not in text and "color" not in text and "<span" not in text
    assert not result  # still falsy: `assert check(...)` fails on an unanswered exercise
    assert repr(check("loss-basics-ex3", "b")).startswith("✓ loss-basics-ex3: correct")
    wrong = check("loss-basics-ex3", "a")
    assert repr(wrong).startswith("✗ loss-basics-ex3: not yet — ") and repr(wrong).endswith(wrong.message)
    assert wrong._repr_markdown_().startswith("✗ **loss-basics-ex3**: not yet — ")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_untouched_exercise_cells_say_not_answered_yet(chapter):
    """Under every exercise, before a reader writes anything, the stored check says ○ "not answered
    yet", never ✗: a reader who has not started gets no hint about a mistake they did not make."""
    nb = nbformat.read(chapter, as_version=4)
    shown = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "solution" in cell.metadata.get("tags", []):
            continue
        for label, _ in find_check_calls(cell.source):
            shown[label] = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
    assert shown, f"{chapter.name}: no exercise cell with a check call"
    wrong = {label: text[:120] for label, text in shown.items() if not text.startswith("○")}
    assert wrong == {}, f"{chapter.name}: untouched exercise cells that do not say 'not answered yet': {wrong}"


def _numeric_labels():
    return [label for label in LABELS if isinstance(_checker(label), Numeric)]


@pytest.mark.parametrize("label", _numeric_labels())
def test_numeric_check_rejects_typical_slips(label):
    checker = _checker(label)
    want = np.asarray(checker.value(), dtype=np.float64)
    _assert_rejected(label, "not a number", "expected a number")
    _assert_rejected(label, lambda: 0, "expected a number")
    if want.ndim == 0:
        _assert_rejected(label, np.full(3, want), "single number", "shape")
    else:
        _assert_rejected(label, np.append(want.ravel(), 1.0), "shape")
    if np.all(np.abs(want) > 1e-6):  # a zero has no factor of 2 or sign to get wrong
        _assert_rejected(label, 2 * want, "factor of 2")
        _assert_rejected(label, want / 2, "factor of 2")
        _assert_rejected(label, -want, "sign")
        n = checker.params.get(checker.n) if isinstance(checker.n, str) else checker.n
        if n and n > 2 and not any(np.allclose(wrong(want), want * n) for wrong, _ in checker.slips):
            _assert_rejected(label, want * n, "sum instead of")
        if 0 < 3 * checker.rtol < 1e-2 and np.all(2 * checker.rtol * np.abs(want) > checker.atol):
            _assert_rejected(label, want * (1 + 3 * checker.rtol), "close, but")
        for value in np.atleast_1d(want)[:1]:  # the hint never gives the solution away
            shown = f"{float(value):.4g}"
            if len(shown) >= 4:
                assert all(shown not in check_result(label, w).message for w in (2 * want, -want, want / 2))
    nan = np.full(want.shape, np.nan)
    _assert_rejected(label, nan, "NaN")


def _function_labels():
    return [label for label in LABELS if isinstance(_checker(label), Function)]


@pytest.mark.parametrize("label", _function_labels())
def test_function_check_rejects_typical_slips(label):
    ref = _checker(label).reference

    def out(*a, **k):
        return np.asarray(ref(*a, **k), dtype=np.float64)

    _assert_rejected(label, 0.5, "expected a function")
    _assert_rejected(label, lambda *a, **k: 2 * out(*a, **k), "factor of 2")
    _assert_rejected(label, lambda *a, **k: -out(*a, **k), "sign")
    _assert_rejected(label, lambda *a, **k: np.stack([out(*a, **k)] * 2), "shape")
    _assert_rejected(label, lambda *a, **k: None, "returned None")
    raised = _assert_rejected(label, lambda *a, **k: 1 / 0, "raised ZeroDivisionError")
    assert "on test input 1 (argument 1 = " in raised.message  # the failing test input is shown
    _assert_rejected(label, lambda *a, **k: out(*a, **k) + 1.0)
    try:
        reduction = inspect.signature(ref).parameters.get("reduction")
    except (TypeError, ValueError):
        reduction = None
    if reduction is not None and reduction.default == "mean":
        _assert_rejected(label, lambda *a, **k: ref(*a, **{**k, "reduction": "sum"}), "times too large")


def _choice_labels():
    return [label for label in LABELS if isinstance(_checker(label), Choice)]


@pytest.mark.parametrize("label", _choice_labels())
def test_choice_check_explains_every_wrong_option(label):
    checker = _checker(label)
    for form in (f"  {checker.correct.upper()} ", f"({checker.correct})", f"{checker.correct})", f"{checker.correct}."):
        assert check_result(label, form).passed, form
    for option, feedback in checker.feedback.items():
        if option.lower() != checker.correct.lower():
            assert check_result(label, option).message == feedback
    _assert_rejected(label, "zz", "answer with one of")


def test_checks_know_the_usual_slips():
    """The hints themselves, on a check built here (independent of the chapters)."""
    from lossutils import mse_loss

    num = Numeric(lambda: mse_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]), n=4)
    msg = {answer: num("t", answer).message for answer in (0.375, 0.75, -0.375, 1.5, 0.3751)}
    assert msg[0.375] == "correct."
    assert "factor of 2" in msg[0.75] and "sign is flipped" in msg[-0.375]
    assert msg[1.5].startswith("4 times too large") and msg[0.3751].startswith("close, but")
    assert num("t", [0.375]).message.startswith("right numbers? The shape is (1,)")
    assert "NaN" in num("t", float("nan")).message
    fun = Function(reference=mse_loss, make_inputs=lambda rng: (rng.normal(size=(3, 2)), rng.normal(size=(3, 2))))
    assert fun("t", lambda p, t: None).message.startswith("your function returned None on test input 1 (argument 1 = [[")
    assert fun("t", lambda p, t: None).message.endswith("(shape (3, 2))): did you forget `return`?")
    assert "6 times too large" in fun("t", lambda p, t: mse_loss(p, t, reduction="sum")).message
    assert "3 times too large" in fun("t", lambda p, t: 3 * mse_loss(p, t)).message  # a mean over rows only
    torch = pytest.importorskip("torch")
    assert num("t", torch.tensor(0.375, requires_grad=True)).passed
    assert fun("t", lambda p, t: torch.mean((torch.tensor(p, requires_grad=True) - torch.tensor(t)) ** 2)).passed


def test_hints_say_what_the_exercise_is_about():
    """The hints that misled (issue 16): units and roots, ½ on widget readings, NLL on Huber and RMSE."""
    rmse = checks._REGISTRY["regression-losses-ex5"].value()
    msg = {w: check_result("regression-losses-ex5", w(rmse)).message for w in (
        lambda v: v / 1000, lambda v: v**2, lambda v: (v / 1000) ** 2, lambda v: v**2 / 1000, lambda v: v * 1000)}
    hints = list(msg.values())
    assert "thousands of dollars" in hints[0] and "square root" in hints[1] and "(k$)²" in hints[2]
    assert "1000²" in hints[3] and "once" in hints[4]
    for label in ("loss-basics-ex4", "regression-losses-ex4", "cross-entropy-ex4", "margin-and-contrastive-ex5"):
        want = checks._REGISTRY[label].value()
        message = check_result(label, 2 * want).message
        assert "factor of 2" in message and "½" not in message and "formula" not in message, (label, message)
    for label in ("regression-losses-ex1", "regression-losses-ex5"):
        message = check_result(label, -checks._REGISTRY[label].value()).message
        assert "sign is flipped" in message and "likelihood" not in message
    assert "negative* log-likelihood" in check_result("cross-entropy-ex1", -checks._REGISTRY["cross-entropy-ex1"].value()).message
    assert "Weston–Watkins sum" in check_result("margin-and-contrastive-ex2", 1.5).message


def test_choice_accepts_the_usual_ways_of_writing_a_letter():
    choice = Choice("c", feedback={"a": "no", "b": "no", "d": "no"})
    for answer in ("c", "C", " (c) ", "c)", "(C)", "c.", "c:"):
        assert choice("t", answer).passed, answer
    for answer in ("cc", "(c", "d", "3"):
        assert not choice("t", answer).passed, answer


def test_practice_values_are_the_chapter_values():
    """The registrations were moved; the practice answers are the ones the chapters' solutions give."""
    values = {label: checks._REGISTRY[label].value() for label in LABELS if isinstance(checks._REGISTRY[label], Numeric)}
    assert np.allclose(values["loss-basics-ex1"], [2 / 3, -2.0, -4 / 3])
    assert values["loss-basics-ex5"] == pytest.approx(0.01)
    assert values["regression-losses-ex5"] == pytest.approx(13_228.76, rel=1e-5)
    assert values["cross-entropy-ex1"] == pytest.approx(np.log(5.0))
    assert values["binary-cross-entropy-ex4"] == pytest.approx(-np.log(2.0))
    assert values["margin-and-contrastive-ex2"] == pytest.approx(0.5)
    assert values["choosing-a-loss-ex1"] == pytest.approx(0.04)


def test_the_library_does_not_import_the_course():
    import subprocess
    import sys

    code = "import sys, lossutils, lossutils.checks; print(any(m.startswith('lossutils.course') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
