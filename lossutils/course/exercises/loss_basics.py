"""Practice self-checks of chapter 1, "What a loss is" (slug ``loss-basics``)."""

from __future__ import annotations

import numpy as np

from lossutils import l1_loss, mse_loss
from lossutils.checks import Choice, Function, Numeric, exercise

from . import helper


# ex1: by hand, the MSE of the line w*x + b on three points and its gradient [mse, dL/dw, dL/db]
def _line_loss_and_grad(x, y, w, b):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = w * x + b - y
    return [float(mse_loss(w * x + b, y)), float(2 * np.mean(r * x)), float(2 * np.mean(r))]


def _ex1_vary(rng):
    return {"x": [0.0, 1.0, 2.0], "y": [float(v) for v in rng.integers(0, 6, size=3)],
            "w": float(rng.choice([0.5, 1.5, 2.0, -1.0])), "b": float(rng.choice([0.0, 0.5, 2.0]))}


exercise("loss-basics-ex1", Numeric(_line_loss_and_grad, n=3, vary=_ex1_vary,
                                    params={"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 4.0], "w": 1.0, "b": 1.0}))


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
exercise("loss-basics-ex4", Numeric(lambda: helper("loss_basics", "best_grid_fit")()[2], rtol=0.0, atol=6e-4,
                                    kind="reading"))

# ex5: the torch.optim.SGD weight_decay that equals adding lam * ||w||^2 to the loss: the gradient of
# lam * ||w||^2 is 2 lam w, and SGD adds weight_decay * w
exercise("loss-basics-ex5", Numeric(lambda lam: 2.0 * lam, rtol=1e-9, params={"lam": 0.005}, show={"lam": "λ"},
                                    vary=lambda rng: {"lam": float(rng.choice([0.001, 0.002, 0.01, 0.02, 0.05]))},
                                    slips=((lambda want: want / 2, "off by a factor of 2: that is λ itself; what does SGD add to the "
                                                                   "gradient, and what is the gradient of λ‖w‖²?"),)))

EX5_LAM = 0.005  # the practice value of ex5 (chapter tests use it)
