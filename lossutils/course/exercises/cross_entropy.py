"""Practice self-checks of chapter 3, "Cross-entropy from maximum likelihood" (slug ``cross-entropy``)."""

from __future__ import annotations

import math

import numpy as np

from lossutils import cross_entropy
from lossutils.checks import Choice, Function, Numeric, exercise

from . import helper

# ex1: cross-entropy by hand for logits [0, ln a, 0] and true class 0 (a = 3: the answer is ln 5)
exercise("cross-entropy-ex1", Numeric(
    lambda a, target: cross_entropy([0.0, math.log(a), 0.0], target), rtol=1e-3, kind="likelihood",
    params={"a": 3.0, "target": 0}, show={"a": "a in the logits [0, ln a, 0]", "target": "true class"},
    vary=lambda rng: {"a": float(rng.choice([2.0, 4.0, 5.0, 7.0])), "target": int(rng.choice([0, 1]))}))


# ex2: implement a stable mean cross-entropy f(logits (N, C), labels (N,)); the logits reach the
# hundreds, so exp without the max shift overflows
def _ex2_inputs(rng):
    n, c = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    scale = float(rng.choice([1.0, 30.0, 800.0]))
    return rng.normal(size=(n, c)) * scale, rng.integers(0, c, size=n)


exercise("cross-entropy-ex2", Function(reference=cross_entropy, make_inputs=_ex2_inputs, trials=8,
                                       rtol=1e-6, atol=1e-8, kind="likelihood"))

# ex3: softmax before CrossEntropyLoss: why the loss has a floor
exercise("cross-entropy-ex3", Choice("b", feedback={
    "a": "A learning rate that is too high makes the loss jump around, but then it would also dip low "
         "at times. Here it never gets below a fixed level: look at what the loss does to its input.",
    "c": "Imbalance changes which classes dominate the mean, but a model can still drive the loss of "
         "every training example towards zero. Look at what CrossEntropyLoss does to its input.",
    "d": "With hard labels cross-entropy approaches 0 as the logit gap grows; it is label smoothing "
         "that creates a minimum above zero, not the other way round.",
}))

# ex4: read the optimal logit gap for K = 10, eps = 0.1 from the label-smoothing widget (its slider and choices)
exercise("cross-entropy-ex4", Numeric(
    lambda eps, K: helper("cross_entropy", "optimal_logit_gap")(eps, K), rtol=5e-3, kind="reading",
    params={"eps": 0.1, "K": 10}, show={"eps": "ε", "K": "K"},
    vary=lambda rng: {"eps": float(rng.choice([0.05, 0.2, 0.3])), "K": int(rng.choice([3, 10, 100]))}))

# ex5: the floor of the double-softmax loss with K classes: the best "probabilities" are one-hot
exercise("cross-entropy-ex5", Numeric(lambda K: cross_entropy(np.eye(K)[0], 0), rtol=1e-3, kind="likelihood",
                                      params={"K": 10}, show={"K": "number of classes K"},
                                      vary=lambda rng: {"K": int(rng.choice([4, 5, 20, 100]))}))
