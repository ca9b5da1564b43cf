"""Practice self-checks of chapter 5, "Hinge and contrastive losses" (slug ``margin-and-contrastive``)."""

from __future__ import annotations

import numpy as np

from lossutils import hinge_loss, info_nce_loss, multi_margin_loss
from lossutils.checks import Choice, Function, Numeric, exercise

from . import helper

# 1. By hand: the mean binary hinge of three samples.
exercise("margin-and-contrastive-ex1", Numeric(
    lambda s, y: hinge_loss(s, y), n=3, params={"s": [0.3, -2.0, 1.5], "y": [-1.0, -1.0, 1.0]},
    show={"s": "scores s", "y": "labels y"},
    vary=lambda rng: {"s": [float(v) for v in np.round(rng.uniform(-2.5, 2.5, size=3), 1)],
                      "y": [float(v) for v in rng.choice([-1.0, 1.0], size=3)]}))

# 2. By hand: torch's multi_margin_loss (the Weston-Watkins sum divided by C = 3).
exercise("margin-and-contrastive-ex2", Numeric(
    lambda s, target: multi_margin_loss([s], [target]), params={"s": [1.0, 2.5, 2.0], "target": 2},
    show={"s": "scores s", "target": "true class"},
    vary=lambda rng: {"s": [float(v) for v in np.round(rng.uniform(-1.0, 3.0, size=3), 1)],
                      "target": int(rng.integers(0, 3))},
    slips=((lambda want: 3 * want, "3 times too large: that is the Weston–Watkins sum; torch divides it by the "
                                   "number of classes C = 3."),)))

# 3. Implement InfoNCE with in-batch negatives, checked against lossutils at temperature 0.1.
exercise("margin-and-contrastive-ex3", Function(
    reference=lambda queries, keys, temperature: info_nce_loss(queries, keys, temperature=temperature),
    make_inputs=lambda rng: (rng.normal(size=(6, 4)), rng.normal(size=(6, 4))),
    kwargs={"temperature": 0.1}, kind="likelihood",
))

# 4. Conceptual: what an InfoNCE value says about mutual information.
exercise("margin-and-contrastive-ex4", Choice("b", feedback={
    "a": "log N − L is a lower bound, not an estimate: the information can be far larger. With a "
         "loss near 0 the bound is at its ceiling log N and says nothing about how much more there is.",
    "c": "N counts every candidate a query scores, the positive included: 63 negatives + 1 positive "
         "= 64, so the bound is log 64 − L.",
    "d": "log N caps the *bound*, not the information: the two views may share far more than log 64 "
         "nats; InfoNCE with this batch size just cannot show it.",
}))

# 5. With the temperature widget: the largest temperature giving the positive half the weight.
#    Graded keys use other (share, similarity) pairs offered by the widget whose answer is not 0.2.
exercise("margin-and-contrastive-ex5", Numeric(
    lambda share, pos_sim: helper("margin_and_contrastive", "temperature_for_weight")(share, pos_sim=pos_sim),
    kind="reading", params={"share": 0.5, "pos_sim": 0.7},
    show={"share": "the positive's share of the softmax weight (at least)", "pos_sim": "the positive's similarity"},
    vary=lambda rng: dict(zip(("share", "pos_sim"), [(0.3, 0.7), (0.7, 0.7), (0.8, 0.8), (0.9, 0.9)][rng.integers(4)]))))

# 6. Conceptual: the SVM solution depends only on the support vectors.
exercise("margin-and-contrastive-ex6", Choice("a", feedback={
    "b": "the deleted samples had zero loss and zero gradient around the solution: they were not "
         "holding anything back, so removing them changes neither the objective near the solution "
         "nor its minimum.",
    "c": "a linear model in 2-D has 3 parameters, and the support vectors are a few dozen samples "
         "that include both classes; and the objective is the same near the solution anyway.",
}))
