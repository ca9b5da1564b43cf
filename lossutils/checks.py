"""Practice self-checks for the exercises: ``check("<slug>-ex<n>", answer)``.

A check says whether an answer is right and, when it is not, what is off (wrong shape, off by a
factor of 2, forgot the mean, sign flipped, ...) without printing the solution. Answers still set to
``None`` are reported as "not answered yet" (a neutral marker, not a failure), so a student notebook
runs top to bottom unanswered. The markers are ✓ (correct), ✗ (not yet) and ○ (not answered yet),
and the words say the same. They are plain symbols that common fonts have: emoji would show as empty
boxes on a computer without a colour-emoji font.

This module holds the machinery; the chapters' exercises are registered by the course package
(``lossutils/course/exercises/<module>.py``) with :func:`exercise`:

    exercise("loss-basics-ex1", Numeric(lambda: mse_loss([2.5, 0.0], [3.0, -0.5]), n=2))
    exercise("loss-basics-ex2", Function(reference=mse_loss, make_inputs=lambda rng: (rng.normal(size=5),
                                                                                     rng.normal(size=5))))
    exercise("loss-basics-ex3", Choice("b", feedback={"a": "Accuracy is piecewise constant ..."}))

These are *practice* checks: their values are public (they ship with the package). Graded work is
judged against an instructor-held key with other values (``tools/grade``, see the instructor guide).
The expected values are computed by ``lossutils`` when the check runs; nothing is hard-coded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["check", "check_result", "exercise", "labels", "Numeric", "Function", "Choice", "Result"]

_REGISTRY: dict[str, Any] = {}
NOT_ANSWERED = "not answered yet: replace `None` with your answer and run the cell again."


@dataclass
class Result:
    """What a check found: ``passed`` (True, False, or None when there is nothing to judge yet) and a
    one-line ``message`` (never the solution)."""

    label: str
    passed: bool | None
    message: str

    def __bool__(self) -> bool:  # so `assert check(...)` and `if check(...)` read naturally
        return bool(self.passed)

    @property
    def marker(self) -> str:
        return {True: "✓", False: "✗"}.get(self.passed, "○")

    @property
    def verdict(self) -> str:
        """The message as shown, saying in words what the marker says: a hint begins "not yet"."""
        return f"not yet — {self.message}" if self.passed is False else self.message

    def _repr_markdown_(self) -> str:
        return f"{self.marker} **{self.label}**: {self.verdict}"

    def __repr__(self) -> str:
        return f"{self.marker} {self.label}: {self.verdict}"


def _to_numpy(value: Any) -> Any:
    """A torch tensor (even one that requires grad, or on a GPU) as numpy; anything else unchanged.

    Duck-typed, so that checks never import torch.
    """
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


# What the factor-of-2 and sign hints say depends on what the exercise is (see Numeric.kind).
_FACTOR2 = {
    "formula": "off by a factor of 2: check the ½ in the formula (or the 2 in the derivative).",
    "likelihood": "off by a factor of 2: check the ½ in the formula (or the 2 in the derivative).",
    "reading": "off by a factor of 2: is it the quantity the exercise asks for, read at the setting it asks for?",
}
_SIGN = {
    "formula": "the sign is flipped: look for a minus sign that is missing or extra (or a subtraction in the wrong order).",
    "likelihood": "the sign is flipped (a loss is the *negative* log-likelihood).",
    "reading": "the sign is flipped: check the sign of the value you read.",
}


def _diagnose(got: np.ndarray, want: np.ndarray, rtol: float, atol: float, n, kind: str = "formula",
              slips=()) -> str:
    """Name the usual slips by comparing the answer with the expected value.

    ``n`` is the batch size (or a tuple of candidate sizes) used to recognise "sum instead of mean";
    ``slips`` are the exercise's own ``(wrong value from the expected one, hint)`` pairs, tried first.
    """
    if got.shape != want.shape:
        if got.size == want.size:
            return f"right numbers? The shape is {got.shape} but should be {want.shape}: reshape your answer."
        if want.ndim == 0 and got.ndim >= 1:
            return (f"expected a single number but got an array of shape {got.shape}: "
                    "did you forget to reduce (take the mean)?")
        return f"expected shape {want.shape}, got {got.shape}."
    if np.any(np.isnan(got)) and not np.any(np.isnan(want)):
        return "your answer contains NaN: look for log(0), 0/0 or an overflow (try a stable form)."

    def close(a):
        return np.allclose(a, want, rtol=rtol, atol=atol)

    for wrong, hint in slips:
        with np.errstate(all="ignore"):
            if np.allclose(got, np.asarray(wrong(want), dtype=np.float64), rtol=rtol, atol=atol):
                return hint
    if close(-got):
        return _SIGN.get(kind, _SIGN["formula"])
    if close(got / 2.0) or close(got * 2.0):
        return _FACTOR2.get(kind, _FACTOR2["formula"])
    for n in dict.fromkeys(n if isinstance(n, tuple) else (n,)):
        if not n or n <= 1:
            continue
        if close(got / n):
            return f"{n} times too large: did you sum instead of taking the mean over the {n} samples?"
        if close(got * n):
            return f"{n} times too small: did you divide by {n} twice, or take a mean where a sum was asked?"
    if np.all(want != 0) and np.allclose(got, want, rtol=1e-2):
        return "close, but not within tolerance: keep more decimals, or check rounding in intermediate steps."
    return "not the expected value yet: recheck the formula step by step."


@dataclass
class Numeric:
    """An answer that is a number or an array, computed by ``expected`` with lossutils.

    ``params`` (optional) are the exercise's values, passed to ``expected(**params)``; ``vary(rng)``
    draws other values of the same kind for a graded key (tools/grade), and ``show`` names them for
    the student (``{"pred": "predictions ŷ"}``). ``kind`` selects the hints: "formula" (computed by
    hand), "likelihood" (a negative log-likelihood: a flipped sign means a missing minus), "reading"
    (read off a widget: no "½ in the formula"). ``slips`` are extra ``(wrong(want), hint)`` pairs.
    """

    expected: Callable[..., Any]
    rtol: float = 1e-4
    atol: float = 1e-8
    n: int | str | None = None  # batch size (or the name of the param holding it): "sum instead of mean"
    params: dict | None = None
    vary: Callable[[np.random.Generator], dict] | None = None
    show: dict = field(default_factory=dict)
    kind: str = "formula"
    slips: tuple = ()

    def value(self):
        return self.expected(**self.params) if self.params is not None else self.expected()

    def __call__(self, label: str, answer: Any) -> Result:
        try:
            got = np.asarray(_to_numpy(answer), dtype=np.float64)
        except (TypeError, ValueError, RuntimeError):
            return Result(label, False, f"expected a number or an array of numbers, got {type(answer).__name__}.")
        want = np.asarray(self.value(), dtype=np.float64)
        if got.shape == want.shape and np.allclose(got, want, rtol=self.rtol, atol=self.atol, equal_nan=True):
            return Result(label, True, "correct.")
        n = self.params.get(self.n) if isinstance(self.n, str) and self.params else self.n
        return Result(label, False, _diagnose(got, want, self.rtol, self.atol, n, self.kind, self.slips))


def _show_inputs(args, kwargs) -> str:
    """The test input of a failing function check, short enough for one line."""
    parts = []
    for value in (*args, *kwargs.values()):
        arr = np.asarray(_to_numpy(value))
        if arr.dtype.kind not in "biuf":
            text = repr(value)
        elif arr.ndim == 0:
            text = f"{arr.item():.4g}"
        elif arr.ndim == 1 and arr.size <= 12:
            text = "[" + ", ".join(f"{v:.4g}" for v in arr.tolist()) + "]"
        else:
            text = " ".join(np.array2string(arr, precision=3, threshold=12, separator=", ").split())
            text += f" (shape {arr.shape})"
        parts.append(text)
    names = [f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
    text = "; ".join(f"{n} = {t}" for n, t in zip(names, parts))
    return text if len(text) <= 400 else text[:399] + "…"


@dataclass
class Function:
    """An answer that is a function: compared with ``reference`` on inputs from ``make_inputs(rng)``.

    The inputs come from ``numpy.random.default_rng(seed)``; a graded key uses another seed.
    """

    reference: Callable
    make_inputs: Callable[[np.random.Generator], tuple]
    trials: int = 5
    rtol: float = 1e-6
    atol: float = 1e-9
    kwargs: dict = field(default_factory=dict)
    seed: int = 0
    kind: str = "formula"

    def inputs(self) -> list[tuple]:
        rng = np.random.default_rng(self.seed)
        return [tuple(self.make_inputs(rng)) for _ in range(self.trials)]

    def __call__(self, label: str, answer: Any) -> Result:
        if not callable(answer):
            return Result(label, False, f"expected a function, got {type(answer).__name__}.")
        for trial, args in enumerate(self.inputs(), 1):
            want = np.asarray(self.reference(*args, **self.kwargs), dtype=np.float64)
            where = f"test input {trial} ({_show_inputs(args, self.kwargs)})"
            try:
                out = answer(*args, **self.kwargs)
                if out is None:
                    return Result(label, False, f"your function returned None on {where}: did you forget `return`?")
                got = np.asarray(_to_numpy(out), dtype=np.float64)
            except Exception as exc:  # the student's code: report, never crash the notebook
                return Result(label, False, f"your function raised {type(exc).__name__}: {exc} on {where}")
            if got.shape == want.shape and np.allclose(got, want, rtol=self.rtol, atol=self.atol, equal_nan=True):
                continue
            first = np.asarray(args[0]) if args else None
            n = (int(first.size), int(first.shape[0])) if first is not None and first.ndim else None
            return Result(label, False, f"differs from lossutils on {where}: "
                                        + _diagnose(got, want, self.rtol, self.atol, n, self.kind))
        return Result(label, True, f"correct: matches lossutils on {self.trials} random inputs.")


_LETTER = re.compile(r"\(\s*([a-z])\s*\)|([a-z])\s*[).:]?")


@dataclass
class Choice:
    """A multiple-choice answer (a letter); ``feedback`` explains the wrong options.

    ``"c"``, ``"C"``, ``"(c)"``, ``"c)"`` and ``"c."`` are the same answer.
    """

    correct: str
    feedback: dict[str, str] = field(default_factory=dict)

    def options(self) -> list[str]:
        return sorted({o.lower() for o in self.feedback} | {self.correct.lower()})

    def __call__(self, label: str, answer: Any) -> Result:
        text = str(answer).strip().lower()
        match = _LETTER.fullmatch(text)
        key = (match.group(1) or match.group(2)) if match else text
        if key == self.correct.lower():
            return Result(label, True, "correct.")
        options = self.options()
        if key not in options:
            return Result(label, False, f"answer with one of {', '.join(repr(o) for o in options)}.")
        return Result(label, False, self.feedback.get(key, "not this one: reread the question."))


def exercise(label: str, checker) -> None:
    """Register the practice check of exercise ``label`` (called by lossutils/course/exercises/<module>.py)."""
    if label in _REGISTRY:
        raise ValueError(f"exercise {label!r} is registered twice")
    _REGISTRY[label] = checker


def labels() -> list[str]:
    """Every exercise label registered so far (the course registers its own on import of
    :mod:`lossutils.course.exercises`)."""
    return sorted(_REGISTRY)


def judge(checker, label: str, answer: Any) -> Result:
    """Judge ``answer`` with ``checker`` (a Numeric, Function or Choice); never raises on a bad answer."""
    if answer is None or answer is Ellipsis:
        return Result(label, None, NOT_ANSWERED)
    return checker(label, answer)


def check_result(label: str, answer: Any) -> Result:
    """Check ``answer`` for exercise ``label`` and return a :class:`Result` (never raises on a bad answer)."""
    if label not in _REGISTRY:
        known = ", ".join(labels()) or "none"
        raise ValueError(f"no exercise is labelled {label!r}; known labels: {known} (the chapters' exercises "
                         "come with `from lossutils.course import check`)")
    return judge(_REGISTRY[label], label, answer)


def check(label: str, answer: Any) -> Result:
    """Check your answer to exercise ``label``; shows ✓, or ✗ "not yet" with a hint (never the
    solution), or ○ while it is not answered yet.

    >>> from lossutils.checks import Choice, exercise
    >>> exercise("doctest-ex1", Choice("b", feedback={"a": "that is the sum, not the mean."}))
    >>> check("doctest-ex1", None)
    ○ doctest-ex1: not answered yet: replace `None` with your answer and run the cell again.
    >>> check("doctest-ex1", "a")
    ✗ doctest-ex1: not yet — that is the sum, not the mean.
    >>> check("doctest-ex1", "(b)")
    ✓ doctest-ex1: correct.
    >>> _ = _REGISTRY.pop("doctest-ex1")
    """
    return check_result(label, answer)
