"""Self-checks and quiz of chapter 4, "Binary cross-entropy".

Expected values are computed by lossutils when a check runs; nothing is hard-coded.
"""

from __future__ import annotations

import numpy as np

from lossutils import binary_cross_entropy, binary_cross_entropy_with_logits
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils import mse_loss as brier_score  # the Brier score is the MSE of the probabilities
from lossutils.course.binary_cross_entropy import mse_sigmoid_grad_peak


def _extreme_logits(rng: np.random.Generator) -> tuple:
    """Eight logits, two of them at +-800 (where a sigmoid-then-log version breaks), and 0/1 labels."""
    z = 4.0 * rng.normal(size=8)
    z[rng.choice(8, size=2, replace=False)] = [800.0, -800.0]
    y = rng.integers(0, 2, size=8).astype(np.float64)
    return z, y


# 1. By hand: mean BCE of p = 0.8 (y = 1) and p = 0.3 (y = 0).
exercise("binary-cross-entropy-ex1", Numeric(
    lambda: binary_cross_entropy([0.8, 0.3], [1.0, 0.0]), n=2))

# 2. Implement BCE with logits (mean), stable at +-800.
exercise("binary-cross-entropy-ex2", Function(
    reference=binary_cross_entropy_with_logits, make_inputs=_extreme_logits))

# 3. Conceptual: what a probability from a pos_weight model means.
exercise("binary-cross-entropy-ex3", Choice("b", feedback={
    "a": "that would hold for a calibrated model trained with plain BCE. pos_weight multiplies the "
         "positive term of the loss, so the model learns the odds of a world with more fraud.",
    "c": "pos_weight changes the loss itself, not just the speed: its minimiser is a different "
         "model, with a larger intercept (see the mean predicted probabilities in the chapter).",
    "d": "precision at a threshold is a property of the whole set of scores and labels; it has to "
         "be measured on data, and one score of 0.9 says nothing about it.",
}))

# 4. With the BCE-vs-MSE widget: the logit where MSE-through-sigmoid's gradient peaks (y = 1).
exercise("binary-cross-entropy-ex4", Numeric(lambda: mse_sigmoid_grad_peak(1.0), rtol=1e-3))

# 5. By hand: Brier score of (0.9, 0.6, 0.2) against (1, 0, 0).
exercise("binary-cross-entropy-ex5", Numeric(
    lambda: brier_score([0.9, 0.6, 0.2], [1.0, 0.0, 0.0]), n=3))


QUIZ = [
    {
        "question": "Which formula is the binary cross-entropy of one prediction p = P(y = 1) "
                    "for a label y ∈ {0, 1}?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "−[y log p + (1 − y) log(1 − p)]",
             "correct": True,
             "feedback": "Right: the negative log of the Bernoulli likelihood p^y (1 − p)^(1 − y). "
                         "The label switches on the term that is paid."},
            {"answer": "−log p − log(1 − p)",
             "correct": False,
             "feedback": "This widely copied version drops the labels: it scores a prediction the "
                         "same whatever the label, and is smallest at p = 0.5 for every example."},
            {"answer": "−y log p",
             "correct": False,
             "feedback": "This only scores the positives: predicting p = 1 for everything gets zero "
                         "loss, negatives included."},
            {"answer": "(p − y)²",
             "correct": False,
             "feedback": "That is the Brier score (MSE on probabilities): a proper scoring rule, but "
                         "through a sigmoid its gradient 2(p − y)p(1 − p) vanishes for confident "
                         "mistakes."},
        ],
    },
    {
        "question": "A photo can carry any of 20 tags (several at once). Which output layer and loss?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "20 logits, a sigmoid on each, BCEWithLogitsLoss against a multi-hot target",
             "correct": True,
             "feedback": "Right: 20 independent yes/no questions, one BCE each."},
            {"answer": "20 logits, one softmax, CrossEntropyLoss",
             "correct": False,
             "feedback": "A softmax makes the tags compete: probabilities sum to 1, so two true tags "
                         "can get at most one half each. That is for mutually exclusive classes."},
            {"answer": "One logit and a sigmoid",
             "correct": False,
             "feedback": "One sigmoid answers one yes/no question; you have 20."},
            {"answer": "20 logits, one softmax, then BCELoss on the softmax outputs",
             "correct": False,
             "feedback": "The softmax still couples the tags, and BCELoss on probabilities clamps its "
                         "logs at −100; use independent sigmoids via BCEWithLogitsLoss."},
        ],
    },
    {
        "question": "Why is BCEWithLogitsLoss(z, y) preferred to BCELoss(sigmoid(z), y)?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "It computes the loss from the logit with log1p(exp(−|z|)), exact at any z; "
                       "the sigmoid route rounds p to exactly 0 or 1 for large |z| (early in "
                       "float32), so BCELoss hits its −100 clamp and the gradient is zero.",
             "correct": True,
             "feedback": "Right: same formula on paper, very different numerics."},
            {"answer": "They give different values even in exact arithmetic.",
             "correct": False,
             "feedback": "In exact arithmetic they are the same function of z; the difference is "
                         "floating-point rounding and the clamp."},
            {"answer": "BCELoss cannot take soft labels.",
             "correct": False,
             "feedback": "Both accept targets anywhere in [0, 1]."},
            {"answer": "It is only faster; the results are identical.",
             "correct": False,
             "feedback": "For confident mistakes the results differ completely: 100 (clamped) with "
                         "zero gradient against the true loss with gradient p − y."},
        ],
    },
    {
        "question": "From a very wrong start, a logistic regression trained with MSE on sigmoid "
                    "outputs crawls for hundreds of steps, while BCE recovers at once. Why?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "The MSE gradient w.r.t. the logit is 2(p − y)p(1 − p), and p(1 − p) ≈ 0 "
                       "when the model is confidently wrong; BCE's is p − y.",
             "correct": True,
             "feedback": "Right: the sigmoid's slope multiplies MSE's gradient, and BCE's log cancels it."},
            {"answer": "MSE is not differentiable at p = y.",
             "correct": False,
             "feedback": "MSE is smooth everywhere; the problem is how small its gradient gets, not "
                         "where it is undefined."},
            {"answer": "MSE's minimum is at the wrong place: it is not a proper scoring rule.",
             "correct": False,
             "feedback": "MSE on probabilities is the Brier score, which is proper; its minimiser is "
                         "fine. The trap is the path, not the destination."},
            {"answer": "The learning rate was too small for both; BCE was just lucky.",
             "correct": False,
             "feedback": "Same data, start and step size: the difference is the gradient's factor "
                         "p(1 − p), which no constant learning rate undoes for every point."},
        ],
    },
    {
        "question": "Your true belief that it rains tomorrow is 0.3. Which reported probability r "
                    "minimises your expected log loss?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "r = 0.3",
             "correct": True,
             "feedback": "Right: log loss is a strictly proper scoring rule; the expected loss is the "
                         "entropy of your belief plus KL(0.3 ‖ r), smallest at r = 0.3."},
            {"answer": "r = 0",
             "correct": False,
             "feedback": "Rounding to the likelier outcome is what the absolute error rewards (it is "
                         "not proper); under log loss r = 0 costs infinity the 30 % of the time it rains."},
            {"answer": "r = 0.5",
             "correct": False,
             "feedback": "Hedging at 0.5 costs log 2 whatever happens, more than the honest report on average."},
            {"answer": "Any r works equally well on average.",
             "correct": False,
             "feedback": "The expected loss −[0.3 log r + 0.7 log(1 − r)] clearly depends on r."},
        ],
    },
]
