"""Self-checks and quiz of chapter 3, "Cross-entropy from maximum likelihood" (slug ``cross-entropy``).

Every expected value is computed by lossutils when the check runs.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import cross_entropy
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils.course.cross_entropy import optimal_logit_gap

# ex1: cross-entropy by hand for logits [0, ln 3, 0] and true class 0 (= ln 5)
EX1_LOGITS, EX1_TARGET = [0.0, math.log(3.0), 0.0], 0
exercise("cross-entropy-ex1", Numeric(lambda: cross_entropy(EX1_LOGITS, EX1_TARGET), rtol=1e-3))


# ex2: implement a stable mean cross-entropy f(logits (N, C), labels (N,)); the logits reach the
# hundreds, so exp without the max shift overflows
def _ex2_inputs(rng):
    n, c = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    scale = float(rng.choice([1.0, 30.0, 800.0]))
    return rng.normal(size=(n, c)) * scale, rng.integers(0, c, size=n)


exercise("cross-entropy-ex2", Function(reference=cross_entropy, make_inputs=_ex2_inputs, trials=8,
                                       rtol=1e-6, atol=1e-8))

# ex3: softmax before CrossEntropyLoss: why the loss has a floor
exercise("cross-entropy-ex3", Choice("b", feedback={
    "a": "A learning rate that is too high makes the loss jump around, but then it would also dip low "
         "at times. Here it never gets below a fixed level: look at what the loss does to its input.",
    "c": "Imbalance changes which classes dominate the mean, but a model can still drive the loss of "
         "every training example towards zero. Look at what CrossEntropyLoss does to its input.",
    "d": "With hard labels cross-entropy approaches 0 as the logit gap grows; it is label smoothing "
         "that creates a minimum above zero, not the other way round.",
}))

# ex4: read the optimal logit gap for K = 10, eps = 0.1 from the label-smoothing widget
EX4_EPS, EX4_K = 0.1, 10
exercise("cross-entropy-ex4", Numeric(lambda: optimal_logit_gap(EX4_EPS, EX4_K), rtol=5e-3))

# ex5: the floor of the double-softmax loss with K = 10 classes
EX5_K = 10
exercise("cross-entropy-ex5", Numeric(lambda: cross_entropy(np.eye(EX5_K)[0], 0), rtol=1e-3))


_LN4 = math.log(4.0)
_F32_EXP_MAX = math.log(float(np.finfo(np.float32).max))  # exp overflows above this

QUIZ = [
    {
        "question": "What is the gradient of softmax cross-entropy with respect to the logits z, for "
                    "predicted probabilities p and one-hot target y?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "p − y", "correct": True,
             "feedback": "Right: the derivative of logsumexp(z) is p, and that of −z_y is −y."},
            {"answer": "y − p", "correct": False,
             "feedback": "That is the direction of steepest *descent* (the negative gradient), not the gradient."},
            {"answer": "−1/p_y", "correct": False,
             "feedback": "That is the derivative with respect to the probability p_y, not the logits: the "
                         "softmax's Jacobian turns it into p − y."},
            {"answer": "(p − y) · p(1 − p)", "correct": False,
             "feedback": "A factor like p(1 − p) appears with squared error through a sigmoid; with "
                         "cross-entropy it cancels."},
        ],
    },
    {
        "question": "A 4-class classifier outputs the uniform distribution for every input. What is its "
                    "cross-entropy?",
        "type": "multiple_choice",
        "answers": [
            {"answer": f"ln 4 ≈ {_LN4:.3f}", "correct": True,
             "feedback": "Right: every true class gets probability 1/4, and −ln(1/4) = ln 4."},
            {"answer": "0.25", "correct": False,
             "feedback": "0.25 is the probability of the true class, not the loss: take −ln of it."},
            {"answer": "0", "correct": False,
             "feedback": "Zero loss needs probability 1 on the true class."},
            {"answer": "It depends on the class frequencies in the data", "correct": False,
             "feedback": "Every true class gets the same 1/4, so the loss is ln 4 whatever the labels."},
        ],
    },
    {
        "question": "What does label smoothing with ε > 0 change about the optimum of the loss?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "The best logit gap becomes finite, so confidence is capped at 1 − ε + ε/K", "correct": True,
             "feedback": "Right: the loss is minimal where softmax(z) equals the smoothed target."},
            {"answer": "The loss can now reach exactly 0", "correct": False,
             "feedback": "The opposite: the minimum is now the entropy of the smoothed target, above 0."},
            {"answer": "Nothing; it only speeds up training", "correct": False,
             "feedback": "It moves the optimum: without smoothing the best logit gap is infinite."},
            {"answer": "The gradient becomes p(1 − p) instead of p − y", "correct": False,
             "feedback": "The gradient is still p − target, with the smoothed target in place of the one-hot."},
        ],
    },
    {
        "question": "Your logits reach 1000 and np.log(np.exp(z) / np.exp(z).sum()) returns nan. What is the fix?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Subtract max(z) before exponentiating (log-sum-exp), e.g. log_softmax", "correct": True,
             "feedback": "Right: the shift changes nothing mathematically and keeps every exp ≤ 1."},
            {"answer": "Clip the logits to [−10, 10]", "correct": False,
             "feedback": "That changes the model's predictions and its gradients; the shift fixes the "
                         "numerics without changing any value."},
            {"answer": "Use float32 instead of float64", "correct": False,
             "feedback": f"float32 overflows even earlier (exp above about {_F32_EXP_MAX:.0f})."},
            {"answer": "Add a small epsilon inside the log", "correct": False,
             "feedback": "The nan comes from inf / inf before the log; an epsilon does not prevent the overflow."},
        ],
    },
    {
        "question": "With one-hot (hard) labels, cross-entropy equals which quantity?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "KL(y ‖ p), the KL divergence from the target to the prediction", "correct": True,
             "feedback": "Right: CE = H(y) + KL(y ‖ p), and a one-hot y has zero entropy."},
            {"answer": "The entropy of the prediction, H(p)", "correct": False,
             "feedback": "The prediction's entropy does not appear in CE = H(y) + KL(y ‖ p)."},
            {"answer": "KL(p ‖ y)", "correct": False,
             "feedback": "The order matters: KL(p ‖ y) is infinite whenever p puts mass where y is 0."},
            {"answer": "The squared error between p and y", "correct": False,
             "feedback": "That is the Brier score, a different loss with a much weaker gradient for confident "
                         "mistakes."},
        ],
    },
]
