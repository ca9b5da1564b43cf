"""Self-checks and quiz of chapter 1, "What a loss is" (slug ``loss-basics``).

Every expected value is computed by lossutils when the check runs.
"""

from __future__ import annotations

from lossutils import l1_loss
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils.course.loss_basics import best_grid_fit, line_loss_and_grad, weight_decay_for

# ex1: by hand, the MSE of the line w*x + b on three points and its gradient (loss, dL/dw, dL/db)
EX1_X, EX1_Y, EX1_W, EX1_B = [0.0, 1.0, 2.0], [1.0, 3.0, 4.0], 1.0, 1.0
exercise("loss-basics-ex1", Numeric(lambda: line_loss_and_grad(EX1_W, EX1_B, EX1_X, EX1_Y), n=3))


# ex2: implement the mean absolute error, called as f(pred, target)
def _ex2_inputs(rng):
    n = int(rng.integers(3, 9))
    pred = rng.normal(size=n) * 3
    target = pred.copy() if rng.random() < 0.2 else rng.normal(size=n) * 3  # sometimes a perfect fit
    return pred, target


exercise("loss-basics-ex2", Function(reference=l1_loss, make_inputs=_ex2_inputs))

# ex3: switching from batch 32 to batch 256 with reduction="sum" and the same learning rate
exercise("loss-basics-ex3", Choice("b", feedback={
    "a": "With reduction='sum' the loss is a sum of 256 terms instead of 32, and so is its gradient. "
         "Does the step lr * gradient stay the same?",
    "c": "The mean would keep the gradient's scale; the sum adds up 8 times as many terms. Which way "
         "does that move the gradient?",
    "d": "The noise of the gradient scales like the square root of N, but its size (the sum of N "
         "terms of the same average) scales like N itself.",
}))

# ex4: with the line widget, the smallest MSE reachable on the slider grid (the readout has 3 decimals)
exercise("loss-basics-ex4", Numeric(lambda: best_grid_fit()[2], rtol=0.0, atol=6e-4))

# ex5: the torch.optim.SGD weight_decay that equals adding lam * ||w||^2 to the loss
EX5_LAM = 0.005
exercise("loss-basics-ex5", Numeric(lambda: weight_decay_for(EX5_LAM), rtol=1e-9))


QUIZ = [
    {
        "question": "Why do losses average over the batch (reduction='mean') rather than sum?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "So the loss and its gradient keep the same scale whatever the batch size",
             "correct": True,
             "feedback": "Right: every batch then estimates the same expected loss, and one learning "
                         "rate works for any batch size."},
            {"answer": "Because the mean has a smaller minimum than the sum", "correct": False,
             "feedback": "Both have their minimum at the same parameters; only the scale differs "
                         "(by the factor N)."},
            {"answer": "Because a sum cannot be differentiated", "correct": False,
             "feedback": "A sum is as differentiable as a mean: its gradient is just N times larger."},
            {"answer": "Because the mean is always bounded below and the sum is not", "correct": False,
             "feedback": "A sum of non-negative terms is bounded below by 0 too."},
        ],
    },
    {
        "question": "Why can't gradient descent train a classifier on accuracy directly?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Accuracy can be larger than 1", "correct": False,
             "feedback": "Accuracy is a fraction between 0 and 1; the problem is its shape, not its range."},
            {"answer": "Accuracy is too expensive to compute", "correct": False,
             "feedback": "It is as cheap as the loss; the trouble is that its gradient carries no information."},
            {"answer": "Accuracy is piecewise constant in the weights, so its gradient is 0 almost everywhere",
             "correct": True,
             "feedback": "Right: it only changes when a prediction flips, at isolated points; everywhere "
                         "else there is no slope to follow."},
            {"answer": "Accuracy has to be maximised, and gradient descent only minimises", "correct": False,
             "feedback": "Minimising 1 − accuracy would fix the direction; the gradient would still be 0."},
        ],
    },
    {
        "question": "Which of these is a subgradient of f(x) = |x| at x = 0?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Only 0", "correct": False,
             "feedback": "0 is the one torch picks, but any slope g with |y| ≥ g·y for all y qualifies."},
            {"answer": "Any number in [−1, 1]", "correct": True,
             "feedback": "Right: every line through the origin with a slope in [−1, 1] stays below |x|."},
            {"answer": "Only −1 and +1", "correct": False,
             "feedback": "Those are the one-sided derivatives; everything between them works as well."},
            {"answer": "None: |x| has no derivative at 0, so it cannot be used as a loss", "correct": False,
             "feedback": "A kink at isolated points is fine: subgradients stand in for the derivative there."},
        ],
    },
    {
        "question": "During training, the training loss keeps falling while the validation loss starts to rise. What is happening?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "The learning rate is too large", "correct": False,
             "feedback": "A too-large learning rate makes the *training* loss oscillate or explode."},
            {"answer": "The model has too little capacity", "correct": False,
             "feedback": "Too little capacity keeps both losses high (underfitting)."},
            {"answer": "The validation set is too large", "correct": False,
             "feedback": "A larger validation set only makes its loss a more precise estimate."},
            {"answer": "The model is overfitting: it learns the noise of the training set", "correct": True,
             "feedback": "Right: the divergence of the two curves is the signature of overfitting; stop "
                         "at the validation minimum or regularise."},
        ],
    },
    {
        "question": "You increase the L2 penalty λ. What happens to the fitted model?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Its training MSE goes down", "correct": False,
             "feedback": "The unpenalised fit already has the lowest training MSE; any penalty moves away from it."},
            {"answer": "Nothing: the penalty does not depend on the data", "correct": False,
             "feedback": "The penalty depends on the weights, so the minimiser of the total loss moves."},
            {"answer": "Its weights shrink and its training MSE goes up", "correct": True,
             "feedback": "Right: the optimiser trades training fit for smaller weights; the validation "
                         "MSE first improves, then worsens when λ is too large."},
            {"answer": "The bias grows to compensate", "correct": False,
             "feedback": "The bias is usually not penalised and has no reason to grow; the weights shrink."},
        ],
    },
]

__all__ = ["QUIZ", "EX1_X", "EX1_Y", "EX1_W", "EX1_B", "EX5_LAM"]
