"""Practice self-checks of chapter 4, "Binary cross-entropy" (slug ``binary-cross-entropy``)."""

from __future__ import annotations

import math

import numpy as np

from lossutils import binary_cross_entropy, binary_cross_entropy_with_logits
from lossutils.checks import Choice, Function, Numeric, exercise


def _extreme_logits(rng: np.random.Generator) -> tuple:
    """Eight logits, two of them at +-800 (where a sigmoid-then-log version breaks), and 0/1 labels."""
    z = 4.0 * rng.normal(size=8)
    z[rng.choice(8, size=2, replace=False)] = [800.0, -800.0]
    y = rng.integers(0, 2, size=8).astype(np.float64)
    return z, y


def _probs_and_labels(rng, n):
    return {"p": [float(v) for v in np.round(rng.uniform(0.05, 0.95, size=n), 2)],
            "y": [float(v) for v in rng.integers(0, 2, size=n)]}


# 1. By hand: mean BCE of p = 0.8 (y = 1) and p = 0.3 (y = 0).
exercise("binary-cross-entropy-ex1", Numeric(
    lambda p, y: binary_cross_entropy(p, y), n=2, kind="likelihood",
    params={"p": [0.8, 0.3], "y": [1.0, 0.0]}, show={"p": "predicted probabilities p", "y": "labels y"},
    vary=lambda rng: _probs_and_labels(rng, 2)))

# 2. Implement BCE with logits (mean), stable at +-800.
exercise("binary-cross-entropy-ex2", Function(
    reference=binary_cross_entropy_with_logits, make_inputs=_extreme_logits, kind="likelihood"))

# 3. Conceptual: what a probability from a pos_weight model means.
exercise("binary-cross-entropy-ex3", Choice("b", feedback={
    "a": "that would hold for a calibrated model trained with plain BCE. pos_weight multiplies the "
         "positive term of the loss, so the model learns the odds of a world with more fraud.",
    "c": "pos_weight changes the loss itself, not just the speed: its minimiser is a different "
         "model, with a larger intercept (see the mean predicted probabilities in the chapter).",
    "d": "precision at a threshold is a property of the whole set of scores and labels; it has to "
         "be measured on data, and one score of 0.9 says nothing about it.",
}))

# 4. The logit where the gradient of MSE through a sigmoid peaks: |2(p - y) p (1 - p)| is largest at
#    p = 1/3 for y = 1 (z = -ln 2) and at p = 2/3 for y = 0 (z = +ln 2).
exercise("binary-cross-entropy-ex4", Numeric(
    lambda y: -math.log(2.0) if y == 1 else math.log(2.0), rtol=1e-3, params={"y": 1.0}, show={"y": "label y"},
    vary=lambda rng: {"y": 0.0}))

# 5. By hand: Brier score of (0.9, 0.6, 0.2) against (1, 0, 0).
exercise("binary-cross-entropy-ex5", Numeric(
    lambda p, y: float(np.mean((np.asarray(p) - np.asarray(y)) ** 2)), n=3,
    params={"p": [0.9, 0.6, 0.2], "y": [1.0, 0.0, 0.0]}, show={"p": "predicted probabilities p", "y": "labels y"},
    vary=lambda rng: _probs_and_labels(rng, 3)))
