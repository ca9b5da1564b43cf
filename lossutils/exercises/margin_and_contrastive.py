"""Self-checks and quiz of chapter 5, "Hinge and contrastive losses".

Expected values are computed by lossutils when a check runs; nothing is hard-coded.
"""

from __future__ import annotations

from lossutils import hinge_loss, info_nce_loss, multi_margin_loss
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils.course.margin_and_contrastive import temperature_for_weight

# 1. By hand: the mean binary hinge of three samples.
exercise("margin-and-contrastive-ex1", Numeric(
    lambda: hinge_loss([0.3, -2.0, 1.5], [-1, -1, 1]), n=3))

# 2. By hand: torch's multi_margin_loss (the Weston-Watkins sum divided by C = 3).
exercise("margin-and-contrastive-ex2", Numeric(
    lambda: multi_margin_loss([[1.0, 2.5, 2.0]], [2]), n=3))

# 3. Implement InfoNCE with in-batch negatives, checked against lossutils at temperature 0.1.
exercise("margin-and-contrastive-ex3", Function(
    reference=lambda queries, keys, temperature: info_nce_loss(queries, keys, temperature=temperature),
    make_inputs=lambda rng: (rng.normal(size=(6, 4)), rng.normal(size=(6, 4))),
    kwargs={"temperature": 0.1},
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
exercise("margin-and-contrastive-ex5", Numeric(lambda: temperature_for_weight(0.5, pos_sim=0.7)))

# 6. Conceptual: the SVM solution depends only on the support vectors.
exercise("margin-and-contrastive-ex6", Choice("a", feedback={
    "b": "the deleted samples had zero loss and zero gradient around the solution: they were not "
         "holding anything back, so removing them changes neither the objective near the solution "
         "nor its minimum.",
    "c": "a linear model in 2-D has 3 parameters, and the support vectors are a few dozen samples "
         "that include both classes; and the objective is the same near the solution anyway.",
}))


_QUIZ = [
    {
        "question": "A sample is classified correctly with margin y·s = 3. Which loss gives it a "
                    "gradient of exactly zero?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "the hinge loss max(0, 1 − y·s)", "correct": True,
             "feedback": "Right: past the margin 1 the hinge is flat, so the sample no longer "
                         "influences training."},
            {"answer": "the logistic loss (binary cross-entropy)", "correct": False,
             "feedback": "Its slope is −σ(−m): small at m = 3, but never zero. Cross-entropy keeps "
                         "pushing every sample."},
            {"answer": "the exponential loss e^(−y·s)", "correct": False,
             "feedback": "Its slope −e^(−m) decays but never reaches zero."},
            {"answer": "the squared loss (1 − y·s)²", "correct": False,
             "feedback": "Worse than nonzero: at m = 3 its slope is positive, so it pushes the "
                         "confident, correct sample back towards m = 1."},
        ],
    },
    {
        "question": "For scores of shape (N, C), how does torch.nn.functional.multi_margin_loss "
                    "(p = 1, no weights) relate to the Weston–Watkins multiclass hinge "
                    "(the sum over the wrong classes i of max(0, 1 − s[y] + s[i]))?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "it is the Weston–Watkins sum divided by the number of classes C "
                       "(then averaged over the batch)", "correct": True,
             "feedback": "Right: torch divides each sample's sum by C, so its values are C times "
                         "smaller than the textbook loss."},
            {"answer": "it is exactly the Weston–Watkins sum", "correct": False,
             "feedback": "Compute one: scores (3.2, 5.1, −1.7), true class 0 give a sum of 2.9 but "
                         "torch returns a third of it."},
            {"answer": "it keeps only the worst wrong class (Crammer–Singer)", "correct": False,
             "feedback": "That is a different multiclass hinge; torch sums over all wrong classes."},
            {"answer": "it is the binary hinge applied to the softmax probabilities", "correct": False,
             "feedback": "multi_margin_loss works on raw scores; no softmax is involved."},
        ],
    },
    {
        "question": "Anchor–positive distance 1.0, anchor–negative distance 1.3, margin 0.5. "
                    "What kind of triplet is this?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "semi-hard", "correct": True,
             "feedback": "Right: the negative is farther than the positive, but by less than the "
                         "margin, so the loss is positive but below the margin."},
            {"answer": "easy", "correct": False,
             "feedback": "Easy needs d(a,n) ≥ d(a,p) + margin, i.e. at least 1.5 here."},
            {"answer": "hard", "correct": False,
             "feedback": "Hard means the negative is closer than the positive, d(a,n) < d(a,p)."},
        ],
    },
    {
        "question": "In InfoNCE, what does lowering the temperature τ do?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "it sharpens the softmax over the candidates, so the gradient concentrates "
                       "on the hardest negatives (those most similar to the query)", "correct": True,
             "feedback": "Right: each negative is pushed in proportion to its softmax weight, and a "
                         "low temperature gives the most similar negatives almost all the weight."},
            {"answer": "it spreads the gradient evenly over all negatives", "correct": False,
             "feedback": "That is what a high temperature does; as τ grows, the loss tends to log N "
                         "whatever the embeddings."},
            {"answer": "nothing: the temperature only rescales the loss value", "correct": False,
             "feedback": "It rescales the logits before the softmax, which changes the weights, not "
                         "just the scale of the loss."},
        ],
    },
    {
        "question": "With a batch of N = 256 pairs and in-batch negatives, what is the most mutual "
                    "information (in nats) that the InfoNCE bound log N − L can certify?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "log 256: the loss is never negative, so the bound saturates at log N",
             "correct": True,
             "feedback": "Right: to certify I nats you need more than e^I candidates per query."},
            {"answer": "log 255, the log of the number of negatives", "correct": False,
             "feedback": "N counts the positive too: 255 negatives + 1 positive = 256 candidates."},
            {"answer": "there is no limit: a lower loss always certifies more information",
             "correct": False,
             "feedback": "The loss cannot go below 0, so log N − L cannot exceed log N."},
        ],
    },
]


def _place_correct(question, position):
    """Move the correct answer to ``position`` (answers are not shuffled when shown)."""
    answers = list(question["answers"])
    correct = next(a for a in answers if a["correct"])
    answers.remove(correct)
    answers.insert(position, correct)
    return {**question, "answers": answers}


QUIZ = [_place_correct(q, pos) for q, pos in zip(_QUIZ, (2, 0, 1, 2, 1))]
