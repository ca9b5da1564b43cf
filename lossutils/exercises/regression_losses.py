"""Self-checks and quiz of chapter 2, "Regression losses" (slug ``regression-losses``).

Every expected value is computed by lossutils when the check runs.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import huber_loss, mse_loss, quantile_loss
from lossutils.checks import Choice, Function, Numeric, exercise
from lossutils.course.regression_losses import closest_huber_delta

# ex1: Huber with delta = 2 by hand, on the chapter's example with the last prediction set to 10
EX1_PRED, EX1_TARGET, EX1_DELTA = [2.5, 0.0, 2.0, 10.0], [3.0, -0.5, 2.0, 7.0], 2.0
exercise("regression-losses-ex1",
         Numeric(lambda: huber_loss(EX1_PRED, EX1_TARGET, delta=EX1_DELTA), n=4))


# ex2: implement the pinball loss (mean over the elements), called as f(pred, target, q=0.9)
def _ex2_inputs(rng):
    n = int(rng.integers(3, 9))
    return rng.normal(size=n) * 3, rng.normal(size=n) * 3


exercise("regression-losses-ex2",
         Function(reference=quantile_loss, make_inputs=_ex2_inputs, kwargs={"q": 0.9}))

# ex3: which q for deliveries where being late costs three times as much as being early
exercise("regression-losses-ex3", Choice("c", feedback={
    "a": "q = 0.25 charges 3 times more for over-prediction, i.e. for the parcel arriving before "
         "the promised time. Late means the actual time is above the prediction: which side of the "
         "pinball loss is that?",
    "b": "q = 0.5 is the median: both sides cost the same, but here being late costs 3 times more.",
    "d": "q = 0.9 charges 9 times more for under-prediction than for over-prediction; the costs "
         "here are in the ratio 3 : 1. Solve q / (1 - q) = 3.",
}))

# ex4: with the widget, the largest delta on the slider that keeps the Huber slope near the truth
EX4_OUTLIER, EX4_TOL = 25.0, 0.1
exercise("regression-losses-ex4", Numeric(lambda: closest_huber_delta(EX4_OUTLIER, tol=EX4_TOL)))

# ex5: units: predictions and targets in thousands of dollars; RMSE in dollars
EX5_PRED_K, EX5_TARGET_K = [250.0, 310.0, 180.0], [240.0, 330.0, 175.0]


def _ex5_rmse_dollars():
    pred, target = np.multiply(EX5_PRED_K, 1000.0), np.multiply(EX5_TARGET_K, 1000.0)
    return math.sqrt(float(mse_loss(pred, target)))


exercise("regression-losses-ex5", Numeric(_ex5_rmse_dollars, rtol=1e-3))


QUIZ = [
    {
        "question": "With δ = 1, how does the mean Huber loss compare with the MAE on the same "
                    "residuals?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "It always lies between the MAE and the MSE", "correct": False,
             "feedback": "That is the claim the chapter disproves: with δ = 1 each Huber term is "
                         "at most |r|, so the mean cannot exceed the MAE."},
            {"answer": "It is never larger than the MAE", "correct": True,
             "feedback": "Right: ½r² ≤ |r| when |r| ≤ 1, and |r| − ½ < |r| beyond, so every term "
                         "is at most |r|."},
            {"answer": "It is never smaller than the MAE", "correct": False,
             "feedback": "Compare term by term: for |r| > 1 Huber is |r| − ½, which is below |r|."},
            {"answer": "It depends on whether there are outliers", "correct": False,
             "feedback": "The bound huber(r) ≤ |r| holds for every r, outlier or not."},
        ],
    },
    {
        "question": "How are torch's smooth_l1_loss (β) and huber_loss (δ = β) related?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "smooth_l1 = β · huber", "correct": False,
             "feedback": "The other way round: Smooth L1 is Huber divided by β."},
            {"answer": "They are identical for every β", "correct": False,
             "feedback": "Only for β = δ = 1; otherwise they differ by the factor β."},
            {"answer": "huber = β · smooth_l1", "correct": True,
             "feedback": "Right: the same shape, rescaled so Smooth L1's tails always have slope 1"
                         " while Huber's have slope δ."},
            {"answer": "They are unrelated losses", "correct": False,
             "feedback": "Compute both for β = 2 and divide: the ratio is the same everywhere."},
        ],
    },
    {
        "question": "Over a constant prediction c, which value minimises the mean absolute error "
                    "of a sample?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "The median", "correct": True,
             "feedback": "Right: the MAE's gradient counts points above minus points below, which "
                         "is zero at the median."},
            {"answer": "The mean", "correct": False,
             "feedback": "The mean minimises the MSE; on a skewed sample it differs from the MAE's"
                         " minimiser."},
            {"answer": "The mode", "correct": False,
             "feedback": "The mode maximises the density; no loss of this chapter targets it."},
            {"answer": "The midpoint of the smallest and largest value", "correct": False,
             "feedback": "That minimises the largest absolute error (the L∞ loss), not the mean "
                         "one."},
        ],
    },
    {
        "question": "Targets are converted from metres to centimetres (×100). What happens to the "
                    "MSE of the same predictions?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "It grows by a factor of 100", "correct": False,
             "feedback": "That is the RMSE (and the MAE); the MSE squares the residuals."},
            {"answer": "It does not change", "correct": False,
             "feedback": "Residuals are in the target's units; squaring them gives squared units."},
            {"answer": "It grows by a factor of 10", "correct": False,
             "feedback": "Each residual grows by 100, and the MSE squares it."},
            {"answer": "It grows by a factor of 10 000", "correct": True,
             "feedback": "Right: MSE is in squared units, so it scales with 100²; RMSE and MAE "
                         "scale by 100."},
        ],
    },
    {
        "question": "Which of these losses has a gradient that jumps at r = 0?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Huber", "correct": False,
             "feedback": "Huber's gradient is continuous; only its curvature jumps, at ±δ."},
            {"answer": "MAE (and pinball)", "correct": True,
             "feedback": "Right: the slope jumps from −1 to +1 (pinball: from −q to 1 − q)."},
            {"answer": "log-cosh", "correct": False,
             "feedback": "log-cosh is smooth everywhere: its gradient is tanh(r)."},
            {"answer": "MSE", "correct": False,
             "feedback": "MSE's gradient 2r is a straight line through zero."},
        ],
    },
]
