"""Self-checks for the exercises: ``check("<slug>-ex<n>", answer)``.

A check says whether an answer is right and, when it is not, what is off (wrong shape, off by a
factor of 2, forgot the mean, sign flipped, ...) without printing the solution. Answers still set to
``None`` are reported as "not answered yet", so a student notebook runs top to bottom unanswered.

Each chapter registers its exercises in ``lossutils/exercises/<slug>.py`` with :func:`exercise`:

    exercise("loss-basics-ex1", Numeric(lambda: mse_loss([2.5, 0.0], [3.0, -0.5]), n=2))
    exercise("loss-basics-ex2", Function(reference=mse_loss, make_inputs=lambda rng: (rng.normal(size=5),
                                                                                     rng.normal(size=5))))
    exercise("loss-basics-ex3", Choice("b", feedback={"a": "Accuracy is piecewise constant ..."}))

The expected values are computed by ``lossutils`` when the check runs; nothing is hard-coded.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["check", "check_result", "exercise", "labels", "Numeric", "Function", "Choice", "Result"]

_REGISTRY: dict[str, Any] = {}
_LOADED = False


@dataclass
class Result:
    """What a check found: ``passed`` and a one-line ``message`` (never the solution)."""

    label: str
    passed: bool
    message: str

    def __bool__(self) -> bool:  # so `assert check(...)` and `if check(...)` read naturally
        return self.passed

    def _repr_markdown_(self) -> str:
        return f"{'✅' if self.passed else '❌'} **{self.label}**: {self.message}"

    def __repr__(self) -> str:
        return f"{'✅' if self.passed else '❌'} {self.label}: {self.message}"


def _to_numpy(value: Any) -> Any:
    """A torch tensor (even one that requires grad, or on a GPU) as numpy; anything else unchanged.

    Duck-typed, so that checks never import torch.
    """
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


def _diagnose(got: np.ndarray, want: np.ndarray, rtol: float, atol: float, n) -> str:
    """Name the usual slips by comparing the answer with the expected value.

    ``n`` is the batch size (or a tuple of candidate sizes) used to recognise "sum instead of mean".
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

    if close(-got):
        return "the sign is flipped (a loss is usually the *negative* log-likelihood)."
    for factor, hint in ((2.0, "off by a factor of 2: check the ½ in the formula (or the 2 in the derivative)."),
                         (0.5, "off by a factor of 2: check the ½ in the formula (or the 2 in the derivative).")):
        if close(got / factor):
            return hint
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
    """An answer that is a number or an array. ``expected`` is a function computing it with lossutils."""

    expected: Callable[[], Any]
    rtol: float = 1e-4
    atol: float = 1e-8
    n: int | None = None  # batch size, to recognise "sum instead of mean"

    def __call__(self, label: str, answer: Any) -> Result:
        try:
            got = np.asarray(_to_numpy(answer), dtype=np.float64)
        except (TypeError, ValueError, RuntimeError):
            return Result(label, False, f"expected a number or an array of numbers, got {type(answer).__name__}.")
        want = np.asarray(self.expected(), dtype=np.float64)
        if got.shape == want.shape and np.allclose(got, want, rtol=self.rtol, atol=self.atol, equal_nan=True):
            return Result(label, True, "correct.")
        return Result(label, False, _diagnose(got, want, self.rtol, self.atol, self.n))


@dataclass
class Function:
    """An answer that is a function: compared with ``reference`` on inputs from ``make_inputs(rng)``."""

    reference: Callable
    make_inputs: Callable[[np.random.Generator], tuple]
    trials: int = 5
    rtol: float = 1e-6
    atol: float = 1e-9
    kwargs: dict = field(default_factory=dict)

    def __call__(self, label: str, answer: Any) -> Result:
        if not callable(answer):
            return Result(label, False, f"expected a function, got {type(answer).__name__}.")
        rng = np.random.default_rng(0)
        for trial in range(self.trials):
            args = self.make_inputs(rng)
            want = np.asarray(self.reference(*args, **self.kwargs), dtype=np.float64)
            try:
                out = answer(*args, **self.kwargs)
                if out is None:
                    return Result(label, False, f"your function returned None on test input {trial + 1}: "
                                                "did you forget `return`?")
                got = np.asarray(_to_numpy(out), dtype=np.float64)
            except Exception as exc:  # the student's code: report, never crash the notebook
                return Result(label, False, f"your function raised {type(exc).__name__}: {exc}")
            if got.shape == want.shape and np.allclose(got, want, rtol=self.rtol, atol=self.atol, equal_nan=True):
                continue
            first = np.asarray(args[0]) if args else None
            n = (int(first.size), int(first.shape[0])) if first is not None and first.ndim else None
            return Result(label, False, f"differs from lossutils on test input {trial + 1}: "
                                        + _diagnose(got, want, self.rtol, self.atol, n))
        return Result(label, True, f"correct: matches lossutils on {self.trials} random inputs.")


@dataclass
class Choice:
    """A multiple-choice answer (a letter or option key); ``feedback`` explains wrong options."""

    correct: str
    feedback: dict[str, str] = field(default_factory=dict)

    def __call__(self, label: str, answer: Any) -> Result:
        key = str(answer).strip().lower()
        if key == self.correct.lower():
            return Result(label, True, "correct.")
        options = sorted(set(self.feedback) | {self.correct})
        if key not in {o.lower() for o in options}:
            return Result(label, False, f"answer with one of {', '.join(repr(o) for o in options)}.")
        return Result(label, False, self.feedback.get(key, "not this one: reread the question."))


def exercise(label: str, checker) -> None:
    """Register the checker of exercise ``label`` (called by lossutils/exercises/<slug>.py)."""
    if label in _REGISTRY:
        raise ValueError(f"exercise {label!r} is registered twice")
    _REGISTRY[label] = checker


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    from . import exercises

    for mod in pkgutil.iter_modules(exercises.__path__):
        importlib.import_module(f"{exercises.__name__}.{mod.name}")
    _LOADED = True


def labels() -> list[str]:
    """Every exercise label that has a self-check."""
    _load_all()
    return sorted(_REGISTRY)


def check_result(label: str, answer: Any) -> Result:
    """Check ``answer`` for exercise ``label`` and return a :class:`Result` (never raises on a bad answer)."""
    _load_all()
    if label not in _REGISTRY:
        known = ", ".join(labels()) or "none"
        raise ValueError(f"no exercise is labelled {label!r}; known labels: {known}")
    if answer is None or answer is Ellipsis:
        return Result(label, False, "not answered yet: replace `None` with your answer and run the cell again.")
    return _REGISTRY[label](label, answer)


def check(label: str, answer: Any) -> Result:
    """Check your answer to exercise ``label``; shows ✅ or ❌ with a hint (never the solution).

    >>> check("loss-basics-ex1", None).passed
    False
    """
    return check_result(label, answer)
