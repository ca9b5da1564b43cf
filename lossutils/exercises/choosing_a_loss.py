"""Self-checks and quiz of chapter 6, "Choosing a loss".

Expected values are computed by lossutils when a check runs; nothing is hard-coded.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import cross_entropy, margin_ranking_loss
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils.course.choosing_a_loss import largest_stable_batch, ridge_lambda

# Exercise 5: three samples, two classes, class weights [1, 4] (the rare class 1 counts 4 times).
EX5_LOGITS = np.array([[2.0, 0.0], [0.5, 1.0], [1.0, -1.0]])
EX5_TARGET = np.array([0, 1, 1])
EX5_WEIGHT = np.array([1.0, 4.0])

# 1. By hand: the ridge strength that makes ridge = MAP, with the *mean* squared error.
exercise("choosing-a-loss-ex1", Numeric(lambda: ridge_lambda(1.0, 0.5, n=100), n=100))

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
exercise("choosing-a-loss-ex4", Numeric(lambda: largest_stable_batch(0.03)))

# 5. By hand: torch's weighted mean of cross-entropy.
exercise("choosing-a-loss-ex5", Numeric(
    lambda: cross_entropy(EX5_LOGITS, EX5_TARGET, weight=EX5_WEIGHT), rtol=1e-3, n=3))


_LN2 = math.log(2.0)

QUIZ = [
    {
        "question": "Why do we train classifiers with cross-entropy rather than with MSE on the "
                    "predicted probabilities?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Through a sigmoid or softmax, MSE's gradient with respect to the logits "
                       "vanishes for confident mistakes; cross-entropy's gradient is p − y, largest "
                       "exactly there. Cross-entropy is also the likelihood of the labels.",
             "correct": True,
             "feedback": "Right: for a sigmoid the MSE gradient is 2(p − y)·p(1 − p), which goes to 0 "
                         "as p goes to 0 or 1, even when the prediction is completely wrong."},
            {"answer": "MSE cannot be computed on probabilities.",
             "correct": False,
             "feedback": "It can: (p − y)² is perfectly well defined. The problem is its gradient "
                         "with respect to the logits, not its value."},
            {"answer": "Cross-entropy values are smaller, so the steps are smaller and safer.",
             "correct": False,
             "feedback": "The size of the loss value does not matter to the optimiser; its gradient "
                         "does. And for confident mistakes cross-entropy is the larger of the two."},
            {"answer": "MSE is not differentiable at p = y.",
             "correct": False,
             "feedback": "MSE is smooth everywhere. You may be thinking of MAE, which has a kink at 0."},
        ],
    },
    {
        "question": "Log loss is the mean binary cross-entropy of predicted probabilities, "
                    "−mean[y log p + (1 − y) log(1 − p)]. What does a classifier score that "
                    "always predicts p = 0.5?",
        "type": "multiple_choice",
        "answers": [
            {"answer": f"ln 2 ≈ {_LN2:.3f}, whatever the labels",
             "correct": True,
             "feedback": f"Right: every sample costs −ln 0.5 = ln 2 ≈ {_LN2:.3f} (for K classes, the "
                         f"uniform prediction costs ln K). A useful model must beat it, and on "
                         f"imbalanced data it must also beat predicting the base rate."},
            {"answer": "0.5",
             "correct": False,
             "feedback": "That is the predicted probability, not the loss: the loss is −ln 0.5."},
            {"answer": "0, because the prediction is never confidently wrong",
             "correct": False,
             "feedback": "Log loss is 0 only for p = 1 on every positive and p = 0 on every negative; "
                         "a hedge of 0.5 costs ln 2 per sample."},
            {"answer": "1.0",
             "correct": False,
             "feedback": "1.0 is the average log loss of probabilities drawn uniformly at random "
                         "(the mean of −ln U): random guessing is worse than the constant 0.5."},
        ],
    },
    {
        "question": "Why is the loss of logistic regression (BCE of σ(w·x + b)) convex in the weights?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "BCE is a convex function of the logit z (softplus), and z is linear in the "
                       "weights; a convex function of a linear map is convex.",
             "correct": True,
             "feedback": "Right: its Hessian is Xᵀ diag(p(1 − p)) X / N, positive semi-definite for "
                         "every w. Convex does not mean a unique minimum: on separable data the loss "
                         "only approaches 0 as the weights grow, which L2 regularisation fixes."},
            {"answer": "Because the sigmoid is convex.",
             "correct": False,
             "feedback": "The sigmoid is not convex (it is convex for z < 0 and concave for z > 0). "
                         "MSE through the sigmoid is not convex either."},
            {"answer": "Because every loss that is bounded below is convex.",
             "correct": False,
             "feedback": "MSE through a sigmoid is bounded below by 0 and not convex: it has flat "
                         "plateaus where its curvature is negative."},
            {"answer": "Only when the classes are linearly separable.",
             "correct": False,
             "feedback": "Convexity holds for any data. On separable data the minimum is not even "
                         "attained (the weights grow without bound)."},
        ],
    },
    {
        "question": "The training loss keeps falling, but from epoch 10 on the validation loss "
                    "rises. What is happening?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Overfitting: the model is fitting noise of the training set. Stop early, "
                       "regularise (e.g. an L2 term), or get more data.",
             "correct": True,
             "feedback": "Right: the gap between the two losses is the signature of overfitting."},
            {"answer": "The learning rate is too high.",
             "correct": False,
             "feedback": "A too-high learning rate makes the *training* loss jump or diverge; here "
                         "it falls smoothly."},
            {"answer": "Underfitting: the model is too small.",
             "correct": False,
             "feedback": "An underfitting model has a high training loss too; this one keeps "
                         "improving on the training set."},
            {"answer": "A bug in the loss: train and validation losses must move together.",
             "correct": False,
             "feedback": "They need not: the model is optimised on the training set only."},
        ],
    },
    {
        "question": "Which inputs does torch's nn.CrossEntropyLoss expect for a 10-class problem?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Raw logits of shape (N, 10) and int64 class indices of shape (N,) (or "
                       "class probabilities of shape (N, 10))",
             "correct": True,
             "feedback": "Right: it applies log-softmax itself, so the model ends in a plain Linear "
                         "layer."},
            {"answer": "Softmax probabilities of shape (N, 10) and int64 class indices",
             "correct": False,
             "feedback": "That is the double-softmax bug: the loss applies softmax again, the "
                         "probabilities get squashed and the gradient shrinks. No error is raised."},
            {"answer": "Raw logits and float class indices such as 3.0",
             "correct": False,
             "feedback": "Class indices must be int64 (torch raises 'expected target dtype to be "
                         "Long'); call .long() on labels loaded as floats."},
            {"answer": "Raw logits and class labels numbered 1 .. 10",
             "correct": False,
             "feedback": "Labels must be 0 .. 9; label 10 raises 'Target 10 is out of bounds'."},
        ],
    },
]
