"""Practice self-checks of chapter 6, "The losses of modern models" (slug ``modern-losses``).

Expected values are computed by lossutils when a check runs; nothing is hard-coded.
"""

from __future__ import annotations

import numpy as np

from lossutils import dice_loss, dpo_loss, gaussian_kl_loss, perplexity
from lossutils.checks import Function, Numeric, exercise

from . import helper


def _token_perplexity(probs):
    """Perplexity of real tokens predicted with ``probs``, followed by two padding positions."""
    p = np.asarray(probs, dtype=np.float64)
    logits = np.log(np.stack([p, 1.0 - p], axis=1))[None]          # (1, S, 2): the true token is 0
    logits = np.concatenate([logits, np.zeros((1, 2, 2))], axis=1)   # two padded positions
    return perplexity(logits, [[0] * p.size + [-100, -100]])


def _dpo_inputs(rng: np.random.Generator) -> tuple:
    """Six preference pairs: sequence log-probabilities, two pairs with huge margins (where a
    sigmoid-then-log version gives inf or NaN)."""
    pc, pr, rc, rr = (-rng.uniform(5.0, 60.0, size=6) for _ in range(4))
    pc[0], pr[0] = -1.0, -5000.0   # the policy prefers the chosen answer by far
    pc[1], pr[1] = -5000.0, -1.0   # ... or the rejected one
    return pc, pr, rc, rr


def _first_step_below(snr: float) -> int:
    """The first DDPM step t (linear schedule) whose signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) < snr."""
    alpha_bar = np.cumprod(1.0 - helper("modern_losses", "linear_betas")())  # alpha_bar[t - 1] is ᾱ_t
    return int(np.argmax(alpha_bar / (1.0 - alpha_bar) < snr)) + 1


def _dice_of_constant(p, n_fg, n_pixels):
    """Dice loss (eps = 1) of the same probability p on every pixel of a mask with n_fg foreground pixels."""
    target = np.zeros((1, n_pixels))
    target[0, :n_fg] = 1.0
    return dice_loss(np.full((1, n_pixels), p), target, eps=1.0)


# ex1: by hand, the perplexity of four real tokens (two padding positions do not count)
exercise("modern-losses-ex1", Numeric(
    _token_perplexity, params={"probs": [0.5, 0.25, 0.125, 0.5]},
    show={"probs": "probabilities the model gives the real tokens"},
    vary=lambda rng: {"probs": [float(v) for v in rng.choice([0.8, 0.5, 0.25, 0.2, 0.125, 0.1], size=4)]}))

# ex2: implement the DPO loss (mean over pairs), stable for huge margins
exercise("modern-losses-ex2", Function(reference=dpo_loss, make_inputs=_dpo_inputs, kwargs={"beta": 0.5},
                                       kind="likelihood"))

# ex3: distillation without the factor T²: by the 1/T² rule, how much weaker the soft term's gradient gets
exercise("modern-losses-ex3", Numeric(
    lambda T1, T2: (T2 / T1) ** 2, rtol=0.05, params={"T1": 2.0, "T2": 8.0},
    show={"T1": "the old temperature", "T2": "the new temperature"},
    vary=lambda rng: {"T1": float(rng.choice([2.0, 3.0, 4.0])), "T2": float(rng.choice([10.0, 12.0, 16.0]))}))

# ex4: read off the diffusion explorer: the first step whose signal-to-noise ratio is below 1
exercise("modern-losses-ex4", Numeric(
    _first_step_below, rtol=0.0, atol=20.0, kind="reading", params={"snr": 1.0},
    show={"snr": "signal-to-noise ratio"}, vary=lambda rng: {"snr": float(rng.choice([0.1, 0.25, 0.5, 2.0, 4.0]))}))

# ex5: by hand, the KL term of a VAE for mu = (0.5, -1), log-variance = (0, ln 0.25)
exercise("modern-losses-ex5", Numeric(
    lambda mu, logvar: gaussian_kl_loss(mu, logvar),
    params={"mu": [0.5, -1.0], "logvar": [0.0, float(np.log(0.25))]}, show={"mu": "μ", "logvar": "log σ²"},
    vary=lambda rng: {"mu": [float(v) for v in rng.choice([-1.5, -1.0, -0.5, 0.5, 1.0, 2.0], size=2)],
                      "logvar": [float(np.log(v)) for v in rng.choice([0.25, 0.5, 2.0, 4.0], size=2)]}))

# ex6: by hand, the Dice loss of p = 0.02 everywhere on a 100 x 100 image with 100 foreground pixels
exercise("modern-losses-ex6", Numeric(
    _dice_of_constant, params={"p": 0.02, "n_fg": 100, "n_pixels": 10_000},
    show={"p": "probability on every pixel", "n_fg": "foreground pixels", "n_pixels": "pixels"},
    vary=lambda rng: {"p": float(rng.choice([0.01, 0.05, 0.1])), "n_fg": int(rng.choice([50, 200, 400])),
                      "n_pixels": 10_000}))
