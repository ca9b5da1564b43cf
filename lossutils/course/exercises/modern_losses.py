"""Self-checks of the chapter "The losses of modern models" (slug modern-losses).

Expected values are computed by lossutils when a check runs; nothing is hard-coded.
"""

from __future__ import annotations

import numpy as np

from lossutils import dice_loss, dpo_loss, gaussian_kl_loss, perplexity
from lossutils.checks import Choice, Function, Numeric, exercise


def _dpo_inputs(rng: np.random.Generator) -> tuple:
    """Six preference pairs: sequence log-probabilities, two pairs with huge margins (where a
    sigmoid-then-log version gives inf or NaN)."""
    pc, pr, rc, rr = (-rng.uniform(5.0, 60.0, size=6) for _ in range(4))
    pc[0], pr[0] = -1.0, -5000.0   # the policy prefers the chosen answer by far
    pc[1], pr[1] = -5000.0, -1.0   # ... or the rejected one
    return pc, pr, rc, rr


def _first_step_below_unit_snr() -> int:
    """The first DDPM step t (linear schedule) whose signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) < 1."""
    from lossutils.course.modern_losses import linear_betas

    alpha_bar = np.cumprod(1.0 - linear_betas())  # alpha_bar[t - 1] is ᾱ_t
    return int(np.argmax(alpha_bar / (1.0 - alpha_bar) < 1.0)) + 1


# 1. By hand: perplexity of four real tokens with probabilities 1/2, 1/4, 1/8, 1/2 (two padding positions).
exercise("modern-losses-ex1", Numeric(
    lambda: perplexity(np.log([[[0.5, 0.5], [0.25, 0.75], [0.125, 0.875], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]]),
                       [[0, 0, 0, 0, -100, -100]])))

# 2. Implement the DPO loss (mean over pairs), stable for huge margins.
exercise("modern-losses-ex2", Function(reference=dpo_loss, make_inputs=_dpo_inputs, kwargs={"beta": 0.5}))

# 3. Conceptual: distillation at a higher temperature without the T² factor.
exercise("modern-losses-ex3", Choice("c", feedback={
    "a": "the soft term's value changes too, but look at its gradient: (p − q)/T shrinks like 1/T², so "
         "at T = 8 it is about 16 times weaker than at T = 2, not the same.",
    "b": "a higher temperature softens both distributions; it does not sharpen the teacher. And the "
         "gradient of the soft term shrinks, it does not grow.",
    "d": "T only enters the soft term; the hard-label cross-entropy is computed at T = 1 and is "
         "unchanged. What changes is the balance between the two.",
}))

# 4. With the diffusion explorer: the first step whose signal-to-noise ratio is below 1.
exercise("modern-losses-ex4", Numeric(_first_step_below_unit_snr, rtol=0.0, atol=20.0))

# 5. By hand: the KL term of a VAE for mu = (0.5, -1), log-variance = (0, ln 0.25).
exercise("modern-losses-ex5", Numeric(lambda: gaussian_kl_loss([0.5, -1.0], [0.0, np.log(0.25)])))

# 6. By hand: Dice loss of p = 0.02 everywhere on a 100 x 100 image with 100 foreground pixels.
exercise("modern-losses-ex6", Numeric(
    lambda: dice_loss(np.full((1, 10_000), 0.02), np.r_[np.ones(100), np.zeros(9_900)][None], eps=1.0)))
