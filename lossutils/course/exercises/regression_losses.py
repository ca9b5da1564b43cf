"""Practice self-checks of chapter 2, "Regression losses" (slug ``regression-losses``)."""

from __future__ import annotations

import math

import numpy as np

from lossutils import huber_loss, mse_loss, quantile_loss
from lossutils.checks import Choice, Function, Numeric, exercise

from . import helper

# ex1: Huber with delta = 2 by hand, on the chapter's example with the last prediction set to 10
exercise("regression-losses-ex1", Numeric(
    lambda pred, target, delta: huber_loss(pred, target, delta=delta), n=4,
    params={"pred": [2.5, 0.0, 2.0, 10.0], "target": [3.0, -0.5, 2.0, 7.0], "delta": 2.0},
    show={"pred": "predictions", "target": "targets", "delta": "δ"},
    vary=lambda rng: {"pred": [2.5, 0.0, 2.0, float(rng.choice([9.0, 11.0, 12.0]))], "target": [3.0, -0.5, 2.0, 7.0],
                      "delta": float(rng.choice([1.0, 1.5, 3.0]))}))


# ex2: implement the pinball loss (mean over the elements), called as f(pred, target, q=0.9)
def _ex2_inputs(rng):
    n = int(rng.integers(3, 9))
    return rng.normal(size=n) * 3, rng.normal(size=n) * 3


exercise("regression-losses-ex2", Function(reference=quantile_loss, make_inputs=_ex2_inputs, kwargs={"q": 0.9}))

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
exercise("regression-losses-ex4", Numeric(
    lambda outlier, tol: helper("regression_losses", "closest_huber_delta")(outlier, tol=tol), kind="reading",
    params={"outlier": 25.0, "tol": 0.1}, show={"outlier": "outlier size", "tol": "tolerance on the slope"},
    vary=lambda rng: {"outlier": float(rng.choice([15.0, 20.0, 25.0])), "tol": float(rng.choice([0.05, 0.2, 0.3]))}))


# ex5: units: predictions and targets in thousands of dollars; the RMSE in dollars
def _rmse_dollars(pred_k, target_k):
    return math.sqrt(float(mse_loss(np.multiply(pred_k, 1000.0), np.multiply(target_k, 1000.0))))


exercise("regression-losses-ex5", Numeric(
    _rmse_dollars, rtol=1e-3, params={"pred_k": [250.0, 310.0, 180.0], "target_k": [240.0, 330.0, 175.0]},
    show={"pred_k": "predictions (k$)", "target_k": "targets (k$)"},
    vary=lambda rng: {"pred_k": [float(v) for v in rng.integers(15, 40, size=3) * 10],
                      "target_k": [float(v) for v in rng.integers(15, 40, size=3) * 10 + rng.choice([-5, 5], size=3)]},
    slips=((lambda want: want / 1000, "that is the RMSE in thousands of dollars: the question asks for dollars "
                                      "(how does each step change when every value is multiplied by 1000?)."),
           (lambda want: want**2, "that is the MSE in dollars²: the RMSE is its square root."),
           (lambda want: (want / 1000) ** 2, "that is the MSE in (k$)²: take the square root, then convert to dollars."),
           (lambda want: want**2 / 1000, "that is the MSE in (k$)² times 1000: the MSE is in squared units, so it "
                                         "scales by 1000², not 1000; or take the root first, then multiply by 1000."),
           (lambda want: want / math.sqrt(1000), "you multiplied the MSE in (k$)² by 1000 before the root: squared "
                                                 "units scale by 1000²; take the root first, then multiply by 1000."),
           (lambda want: want * 1000, "1000 times too large: convert from k$ to $ once."))))
