r"""Course helpers of the chapter "The losses of modern models".

Only what a reader need not study: seeded synthetic data (a toy corpus and its count models, the
logits of a teacher and a student, a preference setting, a 1-D signal, a segmentation mask), the
compute functions of the chapter's four widgets. The losses the chapter teaches are written in
the chapter and taken from ``lossutils``; its self-checks are in ``lossutils/course/exercises``.
"""

from __future__ import annotations

import numpy as np

from lossutils import (
    binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, dice_loss, dice_loss_grad,
    distillation_loss_grad, dpo_loss, sigmoid, sigmoid_focal_loss, softmax,
)

__all__ = [
    "VOCAB", "toy_corpus", "next_token_batch", "count_model_logits", "CLASSES",
    "teacher_student_logits", "distillation_view",
    "RESPONSES", "preference_setting", "dpo_beta_view",
    "linear_betas", "toy_signal", "diffusion_view",
    "rare_mask", "per_pixel_grad", "FRACTIONS", "foreground_shares", "segmentation_view",
]

# --------------------------------------------------------------------------------------------
# Language models: a toy corpus and two count models
# --------------------------------------------------------------------------------------------

VOCAB = ["<s>", "the", "a", "cat", "dog", "bird", "sees", "likes", "chases", "quietly", "today", "."]


def _transition_matrix(rng: np.random.Generator) -> np.ndarray:
    """A sparse, peaked next-word distribution for each word (rows sum to 1)."""
    v = len(VOCAB)
    weights = rng.gamma(0.3, size=(v, v))
    weights[:, 0] = 0.0  # "<s>" only starts a sentence
    return weights / weights.sum(axis=1, keepdims=True)


def toy_corpus(n_sentences: int = 200, *, seed: int = 0) -> list[np.ndarray]:
    """``n_sentences`` token sequences of different lengths (4 to 12 tokens) drawn from a
    seeded Markov chain over :data:`VOCAB`; each starts with token 0, "<s>".

    >>> [len(s) for s in toy_corpus(3)]
    [9, 12, 7]
    """
    rng = np.random.default_rng(seed)
    trans = _transition_matrix(rng)
    sentences = []
    for _ in range(n_sentences):
        length = int(rng.integers(4, 13))
        seq = [0]
        for _ in range(length - 1):
            seq.append(int(rng.choice(len(VOCAB), p=trans[seq[-1]])))
        sentences.append(np.array(seq))
    return sentences


def next_token_batch(sentences, *, pad: int = -100) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-token targets of a padded batch, both of shape (B, S).

    Target ``[b, s]`` is token ``s + 1`` of sentence ``b``; positions past a sentence's end hold
    ``pad`` in the targets and token 0 in the inputs (their logits are ignored anyway).

    >>> x, y = next_token_batch([np.array([0, 3, 6]), np.array([0, 4])])
    >>> x.tolist(), y.tolist()
    ([[0, 3], [0, 0]], [[3, 6], [4, -100]])
    """
    s = max(len(t) for t in sentences) - 1
    inputs = np.zeros((len(sentences), s), dtype=np.int64)
    targets = np.full((len(sentences), s), pad, dtype=np.int64)
    for b, tokens in enumerate(sentences):
        inputs[b, :len(tokens) - 1] = tokens[:-1]
        targets[b, :len(tokens) - 1] = tokens[1:]
    return inputs, targets


def count_model_logits(sentences, *, context: bool, smoothing: float = 0.5) -> np.ndarray:
    """Logits of a count model fitted to ``sentences``: log of add-``smoothing`` counts.

    With ``context`` a bigram model, shape (V, V): row ``a`` holds the logits of the word after
    ``a``. Without, a unigram model, shape (V,): the same logits whatever came before.
    """
    v = len(VOCAB)
    counts = np.full((v, v), smoothing)
    for tokens in sentences:
        np.add.at(counts, (tokens[:-1], tokens[1:]), 1.0)
    return np.log(counts) if context else np.log(counts.sum(axis=0))


# --------------------------------------------------------------------------------------------
# Distillation: a confident teacher and an untrained student
# --------------------------------------------------------------------------------------------

CLASSES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def teacher_student_logits(n: int = 8, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Teacher logits, student logits (both (n, 10)) and the labels (n,).

    The teacher is confident and right, and its runner-up classes are the similar ones (cat and
    dog, car and truck, ...): the "dark knowledge" the soft targets carry. The student's logits
    are small and noisy, as early in training.
    """
    rng = np.random.default_rng(seed)
    similar = {0: [2, 8], 1: [9], 2: [0], 3: [5, 4], 4: [7, 5], 5: [3], 6: [2], 7: [4], 8: [0], 9: [1]}
    labels = rng.integers(0, 10, size=n)
    teacher = rng.normal(scale=0.5, size=(n, 10))
    for i, y in enumerate(labels):
        teacher[i, y] += 8.0
        teacher[i, similar[int(y)]] += 4.0
    student = rng.normal(scale=1.0, size=(n, 10))
    return teacher, student, labels


def distillation_view(teacher: np.ndarray, student: np.ndarray, labels: np.ndarray):
    """Widget compute ``f(T)``: the softened teacher and student of sample 0, and the size of the
    soft term's gradient against T, without and with the factor T²."""
    temps = np.round(np.arange(0.5, 20.01, 0.5), 10)

    def soft_grad_norm(t):  # the soft term alone (alpha = 1), with its factor T^2
        return np.abs(distillation_loss_grad(student, teacher, labels, temperature=t, alpha=1.0)).sum()

    with_t2 = np.array([soft_grad_norm(t) for t in temps])
    without_t2 = with_t2 / temps**2

    def compute(T: float = 4.0) -> dict:
        from lossutils.widgets import Bars, Line, VLine

        q, p = softmax(teacher[0] / T), softmax(student[0] / T)
        i = int(np.argmin(np.abs(temps - T)))
        return {
            "probs": [Bars(CLASSES, q, label="teacher softmax(t / T)"),
                      Bars(CLASSES, p, label="student softmax(s / T)")],
            "grad": [Line(temps, without_t2, label="KL term alone"),
                     Line(temps, with_t2, label="T² × KL term", style="dashed"),
                     VLine(T, label="this T", color="grey", style="dotted")],
            "text": (f"T = {T:g}: teacher's top class {q.max():.3f}, runner-up {np.sort(q)[-2]:.3f};   "
                     f"gradient size: KL alone {without_t2[i]:.2e}, with T² {with_t2[i]:.3f}"),
        }

    return compute


# --------------------------------------------------------------------------------------------
# Preference learning: six answers to one prompt
# --------------------------------------------------------------------------------------------

RESPONSES = ["A", "B", "C", "D", "E", "F"]


def preference_setting() -> tuple[np.ndarray, np.ndarray]:
    """Log-probabilities of six responses under the reference model (a distribution) and their
    true rewards (the preference of the labellers, Bradley-Terry style). The reference likes
    B and C best; the labellers prefer E."""
    ref = np.array([0.10, 0.30, 0.25, 0.15, 0.12, 0.08])
    rewards = np.array([-1.0, -0.5, 0.0, 0.5, 2.0, -2.0])
    return np.log(ref), rewards


def dpo_beta_view(optimal_policy, ref_logp: np.ndarray, rewards: np.ndarray):
    """Widget compute ``f(log10_beta)`` given the chapter's ``optimal_policy(ref_logp, rewards,
    beta)``: the reference and the DPO-optimal policy, and the KL from the reference against beta."""
    grid = np.round(np.arange(-2.0, 1.01, 0.1), 10)
    ref = np.exp(ref_logp)

    def kl_from_ref(beta):
        pi = optimal_policy(ref_logp, rewards, beta)
        return float(np.sum(pi * (np.log(pi) - ref_logp)))

    kls = np.array([kl_from_ref(10.0**g) for g in grid])
    best, worst = int(np.argmax(rewards)), int(np.argmin(rewards))

    def compute(log10_beta: float = -0.5) -> dict:
        from lossutils.widgets import Bars, Line, VLine

        beta = 10.0**log10_beta
        pi = optimal_policy(ref_logp, rewards, beta)
        implicit = beta * (np.log(pi) - ref_logp)
        loss = dpo_loss(np.log(pi[[best]]), np.log(pi[[worst]]), ref_logp[[best]], ref_logp[[worst]], beta=beta)
        return {
            "policy": [Bars(RESPONSES, ref, label="reference π_ref"),
                       Bars(RESPONSES, pi, label="DPO optimum π*")],
            "kl": [Line(grid, kls, label="KL(π* ‖ π_ref)"),
                   VLine(log10_beta, label="this β", color="grey", style="dotted")],
            "text": (f"β = {beta:.3g}: π*({RESPONSES[best]}) = {pi[best]:.3f}, KL(π* ‖ π_ref) = "
                     f"{kls[int(np.argmin(np.abs(grid - log10_beta)))]:.3f} nats;   implicit reward margin "
                     f"{RESPONSES[best]} − {RESPONSES[worst]} = {implicit[best] - implicit[worst]:.3f} "
                     f"(true {rewards[best] - rewards[worst]:.1f});   DPO loss of that pair {float(loss):.3f}"),
        }

    return compute


# --------------------------------------------------------------------------------------------
# Diffusion: DDPM's noise schedule and a 1-D signal
# --------------------------------------------------------------------------------------------

def linear_betas(n_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """DDPM's linear variance schedule (Ho et al., 2020): beta_1 ... beta_T, shape (T,)."""
    return np.linspace(beta_start, beta_end, n_steps)


def toy_signal(n: int = 128) -> np.ndarray:
    """A fixed 1-D "image": a step and a bump, values in [-1, 1], shape (n,)."""
    x = np.linspace(0.0, 1.0, n)
    return np.where(x < 0.4, -0.6, 0.6) + 0.4 * np.exp(-((x - 0.75) / 0.06) ** 2) - 0.2 * (x > 0.9)


def diffusion_view(x0: np.ndarray, alpha_bar: np.ndarray, eps: np.ndarray):
    """Widget compute ``f(t)``: the signal and its noised version x_t, and the schedule.

    ``alpha_bar[t]`` for t = 0 ... T (``alpha_bar[0] = 1``: no noise), ``eps`` a fixed draw of the
    noise of the signal's shape.
    """
    steps = np.arange(alpha_bar.size)
    pos = np.arange(x0.size)

    def compute(t: int = 300) -> dict:
        from lossutils.widgets import Line, VLine

        a = alpha_bar[t]
        x_t = np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps
        snr = a / (1.0 - a) if a < 1 else np.inf
        return {
            "signal": [Line(pos, x0, label="x₀ (clean)", style="dashed"),
                       Line(pos, x_t, label="x_t (noised)")],
            "schedule": [Line(steps, np.sqrt(alpha_bar), label="√ᾱ_t (signal)"),
                         Line(steps, np.sqrt(1.0 - alpha_bar), label="√(1 − ᾱ_t) (noise)", style="dashed"),
                         VLine(t, label="this t", color="grey", style="dotted")],
            "text": f"t = {t}: ᾱ_t = {a:.4f}, signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) = {snr:.3g}",
        }

    return compute


# --------------------------------------------------------------------------------------------
# Dense prediction: a mask with a rare foreground
# --------------------------------------------------------------------------------------------

def rare_mask(size: int = 100, radius: float = 5.6, centre=(62, 35)) -> np.ndarray:
    """A size × size binary mask holding one small disk (about 1 % foreground at the defaults)."""
    rows, cols = np.mgrid[:size, :size]
    return (((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) <= radius**2).astype(np.float64)


def per_pixel_grad(loss, logits: np.ndarray, target: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Derivative of a per-pixel loss ``loss(logits, target, reduction="none")`` with respect to
    each logit, by central differences (each pixel's loss depends on its own logit only)."""
    return (loss(logits + h, target, reduction="none") - loss(logits - h, target, reduction="none")) / (2 * h)


FRACTIONS = (0.001, 0.003, 0.01, 0.03, 0.1)


def foreground_shares(n_pixels, fraction, p_fg, p_bg):
    """Share of the summed |gradient| w.r.t. the logits that lands on foreground pixels, and the
    three loss values (BCE, focal with alpha = 0.25 and gamma = 2, Dice), for a mask of ``n_pixels``
    with the given foreground ``fraction``."""
    n_fg = max(int(round(fraction * n_pixels)), 1)
    y = np.zeros((1, n_pixels))
    y[0, :n_fg] = 1.0
    z = np.where(y == 1, np.log(p_fg / (1 - p_fg)), np.log(p_bg / (1 - p_bg)))
    p = sigmoid(z)
    grads = {
        "BCE": binary_cross_entropy_with_logits_grad(z, y),
        "focal": per_pixel_grad(sigmoid_focal_loss, z, y),
        "Dice": dice_loss_grad(p, y) * p * (1 - p),  # chain rule through the sigmoid
    }
    shares = {k: np.abs(g[y == 1]).sum() / np.abs(g).sum() for k, g in grads.items()}
    losses = {"BCE": float(binary_cross_entropy_with_logits(z, y)),
              "focal": float(sigmoid_focal_loss(z, y)),
              "Dice": float(dice_loss(p, y))}
    return shares, losses


def segmentation_view(n_pixels: int = 10_000, p_fg: float = 0.3):
    """Widget compute ``f(p_bg, fraction)``: the share of the gradient that reaches the rare
    foreground under BCE, focal loss and Dice, when the model gives ``p_fg`` to every foreground
    pixel and ``p_bg`` to every background pixel; and that share against the foreground's size."""
    curves: dict[float, list[dict]] = {}  # p_bg -> shares at each of FRACTIONS (computed once)
    log_fractions = np.log10(FRACTIONS)

    def compute(p_bg: float = 0.05, fraction: float = 0.01) -> dict:
        from lossutils.widgets import Bars, HLine, Line, VLine

        if p_bg not in curves:
            curves[p_bg] = [foreground_shares(n_pixels, f, p_fg, p_bg)[0] for f in FRACTIONS]
        shares, losses = foreground_shares(n_pixels, fraction, p_fg, p_bg)
        styles = {"BCE": "solid", "focal": "dashed", "Dice": "dotted"}
        return {
            "share": [Bars(list(shares), list(shares.values()), label="share of |gradient| on foreground"),
                      HLine(fraction, label="foreground share of pixels", color="grey", style="dotted")],
            "curve": [Line(log_fractions, [c[k] for c in curves[p_bg]], label=k, color=i, style=styles[k])
                      for i, k in enumerate(styles)]
                     + [VLine(np.log10(fraction), label="this share", color="grey", style="dotted")],
            "text": (f"foreground {fraction:.1%} of {n_pixels} pixels, p = {p_fg} on it, {p_bg:.2f} on the "
                     "background;   loss: " + ", ".join(f"{k} {v:.4f}" for k, v in losses.items())),
        }

    return compute
