"""Practice self-checks of the chapter "Choosing a loss" (slug ``choosing-a-loss``)."""

from __future__ import annotations

import numpy as np

from lossutils import cross_entropy, margin_ranking_loss
from lossutils.checks import Choice, Function, Numeric, exercise

from . import helper

# 1. By hand: the ridge strength that makes ridge = MAP with the *mean* squared error:
#    lambda = sigma^2 / (N tau^2).
exercise("choosing-a-loss-ex1", Numeric(
    lambda sigma, tau, N: sigma**2 / (N * tau**2), n="N", params={"sigma": 1.0, "tau": 0.5, "N": 100},
    show={"sigma": "noise σ", "tau": "prior standard deviation τ", "N": "samples N"},
    vary=lambda rng: {"sigma": float(rng.choice([0.5, 2.0])), "tau": float(rng.choice([0.25, 1.0, 2.0])),
                      "N": int(rng.choice([50, 200, 400]))}))

# 2. Implement the margin ranking loss (mean over pairs, a should rank above b, margin 1),
#    checked against lossutils.margin_ranking_loss with target +1.
exercise("choosing-a-loss-ex2", Function(
    reference=lambda s_a, s_b: margin_ranking_loss(s_a, s_b, np.ones(np.shape(s_a)), margin=1.0),
    make_inputs=lambda rng: (2.0 * rng.normal(size=6), 2.0 * rng.normal(size=6)),
))

# 3. Conceptual: which loss for multi-label tagging?
exercise("choosing-a-loss-ex3", Choice("b", feedback={
    "a": "one softmax over the 20 tags makes them compete: the probabilities sum to 1, so a second "
         "correct tag can only gain probability by taking it from the first.",
    "c": "MSE through a sigmoid trains, but its gradient vanishes for confident mistakes "
         "(chapter 4); BCE's does not.",
    "d": "multi_margin_loss is a multi-class loss: it assumes exactly one correct class per sample.",
}))

# 4. With the reduction widget: the largest batch that still converges with reduction='sum'.
exercise("choosing-a-loss-ex4", Numeric(lambda lr: helper("choosing_a_loss", "largest_stable_batch")(lr),
                                        kind="reading", params={"lr": 0.03}, show={"lr": "learning rate"},
                                        vary=lambda rng: {"lr": float(rng.choice([0.1, 0.3]))}))

# 5. By hand: torch's weighted mean of cross-entropy (three samples, class weights [1, w]).
EX5_LOGITS = np.array([[2.0, 0.0], [0.5, 1.0], [1.0, -1.0]])
EX5_TARGET = np.array([0, 1, 1])
EX5_WEIGHT = np.array([1.0, 4.0])  # the practice weights (graded keys change the 4)
exercise("choosing-a-loss-ex5", Numeric(
    lambda weight: cross_entropy(EX5_LOGITS, EX5_TARGET, weight=np.array(weight)),
    rtol=1e-3, n=3, kind="likelihood", params={"weight": [1.0, 4.0]}, show={"weight": "class weights"},
    vary=lambda rng: {"weight": [1.0, float(rng.choice([2.0, 3.0, 5.0, 8.0]))]}))
