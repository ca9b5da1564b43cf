r"""The losses of modern models, built from the old ones: perplexity of a language model,
knowledge distillation, the Bradley-Terry reward-model loss, DPO, the Gaussian KL term of a VAE
and the Dice loss of segmentation.

Same conventions as the other families: float64, torch's argument names (TRL's for DPO),
keyword-only hyperparameters, ``reduction`` last, reduced results as 0-d arrays, gradients
beside the losses as ``<name>_grad``. The gradients of the pairwise losses return a pair: the
gradient with respect to the chosen and to the rejected input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Reduction, reduce, reduce_grad
from ._validation import (
    as_float_array, check_closed_unit, check_ndim, check_pair, check_positive, check_probabilities,
    check_same_shape,
)
from .classification import cross_entropy, cross_entropy_grad, kl_div, log_softmax, sigmoid, softmax

__all__ = [
    "perplexity", "distillation_loss", "distillation_loss_grad", "bradley_terry_loss",
    "bradley_terry_loss_grad", "dpo_loss", "dpo_loss_grad", "gaussian_kl_loss",
    "gaussian_kl_loss_grad", "dice_loss", "dice_loss_grad",
]


# --------------------------------------------------------------------------------------------
# Language models
# --------------------------------------------------------------------------------------------

def perplexity(logits: ArrayLike, target: ArrayLike, *, ignore_index: int = -100) -> np.ndarray:
    r"""Perplexity of a language model: the exponential of its mean token cross-entropy.

    .. math::
        \mathrm{PPL} = \exp\Big(\frac{1}{|M|} \sum_{(b, s) \in M} -\log \operatorname{softmax}(z_{bs})_{y_{bs}}\Big),
        \quad M = \{(b, s) : y_{bs} \ne \text{ignore\_index}\}

    The logits of shape (B, S, V) are flattened to (B·S, V), as for
    ``torch.nn.functional.cross_entropy``; padding positions (target ``ignore_index``) are left
    out of the mean. A model that spreads its probability uniformly over V tokens has
    cross-entropy ln V and perplexity V; a perfect one has perplexity 1. No torch twin:
    ``torch.exp(F.cross_entropy(logits.view(-1, V), target.view(-1)))``.

    Args:
        logits: raw scores of shape (..., V), e.g. (B, S, V) or (S, V).
        target: integer token indices of shape (...), e.g. (B, S); each in [0, V-1] or equal
            to ``ignore_index``.
        ignore_index: the target value of positions that do not count (padding).

    Returns:
        The perplexity, a 0-d array (NaN if every position is ignored, as torch's mean is).

    Example:
        >>> import numpy as np
        >>> round(float(perplexity(np.zeros((1, 3, 50)), [[4, 7, -100]])), 6)  # uniform over 50 tokens
        50.0
    """
    z = as_float_array(logits, "logits")
    if z.ndim < 2:
        raise ValueError(f"logits must have shape (..., V), e.g. (B, S, V), got shape {z.shape}; "
                         "for one sequence pass (S, V)")
    y = np.asarray(target)
    if y.shape != z.shape[:-1]:
        raise ValueError(
            f"target has shape {y.shape} but logits have shape {z.shape}; target must have the "
            f"shape of logits without the vocabulary axis, {z.shape[:-1]}"
        )
    # (B, S, V) -> (B·S, V): every position is one classification over the vocabulary
    mean_ce = cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1), ignore_index=ignore_index)
    with np.errstate(over="ignore"):  # a mean cross-entropy above ~709 nats: inf, as torch
        return np.asarray(np.exp(mean_ce))


# --------------------------------------------------------------------------------------------
# Knowledge distillation
# --------------------------------------------------------------------------------------------

def _distillation_inputs(student_logits, teacher_logits, temperature, alpha):
    t = check_positive(temperature, "temperature")
    a = check_closed_unit(alpha, "alpha")
    s, q = check_pair(student_logits, teacher_logits, ("student_logits", "teacher_logits"))
    check_ndim(s, (1, 2), "student_logits", "(N, C), or (C,) for one sample")
    return s, q, t, a


def distillation_loss(student_logits: ArrayLike, teacher_logits: ArrayLike, target: ArrayLike, *,
                      temperature: float = 2.0, alpha: float = 0.5,
                      reduction: Reduction = "mean") -> np.ndarray:
    r"""Knowledge distillation (Hinton et al., 2015): match the teacher's softened probabilities
    and the hard labels.

    .. math::
        \ell_i = \alpha\, T^2\, \mathrm{KL}\big(\operatorname{softmax}(t_i / T) \,\|\,
                 \operatorname{softmax}(s_i / T)\big)
                 + (1 - \alpha)\, \mathrm{CE}(s_i, y_i)

    with student logits :math:`s`, teacher logits :math:`t` and temperature :math:`T`. The
    gradient of the KL term with respect to :math:`s` shrinks like :math:`1/T^2` (see
    :func:`distillation_loss_grad`); the factor :math:`T^2` undoes that, so changing T does
    not change the weight of the soft term against the hard one. "mean" is the KL with
    torch's "batchmean" plus the mean cross-entropy. No torch twin (the tests build it from
    ``F.kl_div`` and ``F.cross_entropy``).

    Args:
        student_logits, teacher_logits: raw scores of the same shape, (N, C) or (C,).
        target: the hard labels: class indices (N,) in [0, C-1], or class probabilities (N, C).
            A sample whose target is -100 (torch's ``ignore_index``) has no hard label and adds
            only its soft term (distillation on unlabelled samples); "mean" still counts it.
        temperature: T > 0; T = 1 is the plain softmax, larger T softens both distributions.
        alpha: weight of the soft (teacher) term, in [0, 1].
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" one value per sample, shape (N,).

    Example:
        >>> s, t = [[1.0, 0.0, -1.0]], [[3.0, 0.0, -3.0]]
        >>> round(float(distillation_loss(s, t, [0], temperature=2.0, alpha=1.0)), 4)
        0.7418
    """
    s, q, t, a = _distillation_inputs(student_logits, teacher_logits, temperature, alpha)
    # KL(teacher || student) of the softened distributions, summed over the classes
    soft = kl_div(log_softmax(s / t), log_softmax(q / t), reduction="none", log_target=True).sum(axis=-1)
    hard = cross_entropy(s, target, reduction="none")
    return reduce(a * t**2 * soft + (1.0 - a) * hard, reduction)


def distillation_loss_grad(student_logits: ArrayLike, teacher_logits: ArrayLike, target: ArrayLike, *,
                           temperature: float = 2.0, alpha: float = 0.5,
                           reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`distillation_loss` with respect to the student logits.

    .. math::
        \frac{\partial \ell_i}{\partial s_i} = \alpha\, T\, (p_i^T - q_i^T)
        + (1 - \alpha)\,(\operatorname{softmax}(s_i) - y_i),
        \quad p^T = \operatorname{softmax}(s / T),\ q^T = \operatorname{softmax}(t / T)

    The KL term alone has gradient :math:`(p^T - q^T)/T`, which for large T is about
    :math:`(s - t)/(C\,T^2)` (zero-mean logits): hence the factor :math:`T^2`.

    Example:
        >>> distillation_loss_grad([[0.0, 0.0]], [[0.0, 0.0]], [0], alpha=0.0).tolist()
        [[-0.5, 0.5]]
    """
    s, q, t, a = _distillation_inputs(student_logits, teacher_logits, temperature, alpha)
    soft = t * (softmax(s / t) - softmax(q / t))  # T^2 * (p - q) / T
    hard = cross_entropy_grad(s, target, reduction="none")
    n = 1 if s.ndim == 1 else s.shape[0]
    return reduce_grad(a * soft + (1.0 - a) * hard, reduction, denom=n)


# --------------------------------------------------------------------------------------------
# Preference learning: reward models and DPO
# --------------------------------------------------------------------------------------------

def bradley_terry_loss(chosen_rewards: ArrayLike, rejected_rewards: ArrayLike, *,
                       reduction: Reduction = "mean") -> np.ndarray:
    r"""Reward-model loss of the Bradley-Terry model: the logistic loss on the reward margin.

    .. math::
        \ell = -\log \sigma(r_w - r_l) = \log\big(1 + e^{-(r_w - r_l)}\big)

    :math:`P(\text{chosen} \succ \text{rejected}) = \sigma(r_w - r_l)`, so this is the negative
    log-likelihood of the human's choice: binary cross-entropy with logit :math:`r_w - r_l` and
    label 1, the logistic loss on a margin of chapter 5. Same as
    ``-F.logsigmoid(chosen_rewards - rejected_rewards).mean()`` (TRL's ``RewardTrainer``).

    Args:
        chosen_rewards, rejected_rewards: scalar rewards of the preferred and the rejected
            response of each pair, same shape.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" one value per pair.

    Example:
        >>> round(float(bradley_terry_loss([2.0, 0.5], [0.0, 0.5])), 4)
        0.41
    """
    r_w, r_l = check_pair(chosen_rewards, rejected_rewards, ("chosen_rewards", "rejected_rewards"))
    margin = r_w - r_l
    return reduce(np.logaddexp(0.0, -margin), reduction)  # log(1 + e^-m): softplus, never overflows


def bradley_terry_loss_grad(chosen_rewards: ArrayLike, rejected_rewards: ArrayLike, *,
                            reduction: Reduction = "mean") -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`bradley_terry_loss`: the pair (∂/∂chosen, ∂/∂rejected).

    .. math::
        \frac{\partial \ell}{\partial r_w} = -\sigma(r_l - r_w) = -\frac{\partial \ell}{\partial r_l}

    A pair the model already ranks by a wide margin gets almost no push.

    Example:
        >>> [g.tolist() for g in bradley_terry_loss_grad([0.0], [0.0])]
        [[-0.5], [0.5]]
    """
    r_w, r_l = check_pair(chosen_rewards, rejected_rewards, ("chosen_rewards", "rejected_rewards"))
    g = reduce_grad(-sigmoid(r_l - r_w), reduction)
    return g, -g


def _dpo_inputs(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    beta = check_positive(beta, "beta")
    names = ("policy_chosen_logps", "policy_rejected_logps", "ref_chosen_logps", "ref_rejected_logps")
    arrays = [as_float_array(x, name) for x, name in
              zip((policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps), names)]
    for x, name in zip(arrays[1:], names[1:]):
        check_same_shape(arrays[0], x, names[0], name)
    for x, name in zip(arrays, names):
        if np.any(x > 0):
            raise ValueError(
                f"{name} must hold log-probabilities (<= 0), found {float(x[x > 0].flat[0])!r}; "
                "pass the summed log-probabilities of each response, not probabilities or logits"
            )
    return beta, arrays


def dpo_loss(policy_chosen_logps: ArrayLike, policy_rejected_logps: ArrayLike,
             ref_chosen_logps: ArrayLike, ref_rejected_logps: ArrayLike, *,
             beta: float = 0.1, reduction: Reduction = "mean") -> np.ndarray:
    r"""Direct Preference Optimization (Rafailov et al., 2023): Bradley-Terry on implicit rewards.

    .. math::
        \ell = -\log \sigma\Big(\beta\big[(\log \pi_\theta(y_w) - \log \pi_\text{ref}(y_w))
               - (\log \pi_\theta(y_l) - \log \pi_\text{ref}(y_l))\big]\Big)

    The implicit reward of a response is :math:`\beta \log(\pi_\theta / \pi_\text{ref})`; the
    loss is :func:`bradley_terry_loss` of the implicit rewards of the chosen and the rejected
    response. A larger :math:`\beta` keeps the policy closer to the reference. Same as TRL's
    ``DPOTrainer`` with ``loss_type="sigmoid"`` (and no label smoothing).

    Args:
        policy_chosen_logps, policy_rejected_logps: log-probabilities of the chosen and the
            rejected response under the policy (summed over their tokens), one per pair.
        ref_chosen_logps, ref_rejected_logps: the same under the frozen reference model.
        beta: :math:`\beta > 0`, the strength of the pull towards the reference.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" one value per pair.

    Example:
        >>> float(dpo_loss([-10.0], [-12.0], [-10.0], [-12.0]))  # policy = reference: ln 2
        0.6931471805599453
    """
    beta, (pc, pr, rc, rr) = _dpo_inputs(policy_chosen_logps, policy_rejected_logps,
                                         ref_chosen_logps, ref_rejected_logps, beta)
    logits = beta * ((pc - rc) - (pr - rr))  # implicit reward of the chosen minus the rejected
    return reduce(np.logaddexp(0.0, -logits), reduction)  # -log σ(logits), never overflows


def dpo_loss_grad(policy_chosen_logps: ArrayLike, policy_rejected_logps: ArrayLike,
                  ref_chosen_logps: ArrayLike, ref_rejected_logps: ArrayLike, *,
                  beta: float = 0.1, reduction: Reduction = "mean") -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`dpo_loss` with respect to the policy's log-probabilities: the pair
    (∂/∂policy_chosen_logps, ∂/∂policy_rejected_logps). The reference is frozen.

    .. math::
        \frac{\partial \ell}{\partial \log \pi_\theta(y_w)} = -\beta\,\sigma(\hat r_l - \hat r_w)
        = -\frac{\partial \ell}{\partial \log \pi_\theta(y_l)}

    with implicit rewards :math:`\hat r`: pairs whose implicit rewards are ranked wrongly get
    the largest weight (Rafailov et al., section 4).

    Example:
        >>> [g.tolist() for g in dpo_loss_grad([-1.0], [-1.0], [-1.0], [-1.0], beta=0.1)]
        [[-0.05], [0.05]]
    """
    beta, (pc, pr, rc, rr) = _dpo_inputs(policy_chosen_logps, policy_rejected_logps,
                                         ref_chosen_logps, ref_rejected_logps, beta)
    logits = beta * ((pc - rc) - (pr - rr))
    g = reduce_grad(-beta * sigmoid(-logits), reduction)
    return g, -g


# --------------------------------------------------------------------------------------------
# Generative models: the KL term of a VAE
# --------------------------------------------------------------------------------------------

def _gaussian_inputs(mu, logvar):
    m, lv = check_pair(mu, logvar, ("mu", "logvar"))
    if m.ndim < 1:
        raise ValueError("mu must have shape (N, D), or (D,) for one sample, got a scalar")
    return m, lv


def gaussian_kl_loss(mu: ArrayLike, logvar: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""KL divergence of a diagonal Gaussian from the standard normal, the regulariser of a VAE.

    .. math::
        \ell = \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag} \sigma^2) \,\|\, \mathcal N(0, I)\big)
             = \tfrac12 \sum_{d=1}^{D} \big(\mu_d^2 + \sigma_d^2 - 1 - \log \sigma_d^2\big),
        \quad \sigma^2 = e^{\text{logvar}}

    summed over the last axis (the latent dimensions), one value per sample. The negative ELBO
    of a VAE is a reconstruction loss plus this term. Same as
    ``torch.distributions.kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0, 1)).sum(-1)``.

    Args:
        mu, logvar: mean and log-variance of the encoder's Gaussian, same shape (N, D) or (D,).
        reduction: "mean", "sum" or "none" (over the samples).

    Returns:
        The reduced loss (0-d), or with "none" one value per sample, shape (N,).

    Example:
        >>> float(gaussian_kl_loss([[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]], reduction="sum"))
        0.5
    """
    m, lv = _gaussian_inputs(mu, logvar)
    with np.errstate(over="ignore"):  # logvar > 709: sigma^2 = inf, and so is the KL (as torch)
        per = 0.5 * np.sum(m**2 + np.exp(lv) - 1.0 - lv, axis=-1)
    return reduce(per, reduction)


def gaussian_kl_loss_grad(mu: ArrayLike, logvar: ArrayLike, *,
                          reduction: Reduction = "mean") -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`gaussian_kl_loss`: the pair (∂/∂mu, ∂/∂logvar).

    .. math::
        \frac{\partial \ell}{\partial \mu_d} = \mu_d, \qquad
        \frac{\partial \ell}{\partial\, \text{logvar}_d} = \tfrac12\big(\sigma_d^2 - 1\big)

    Both vanish at the prior, :math:`\mu = 0,\ \sigma = 1`.

    Example:
        >>> [g.tolist() for g in gaussian_kl_loss_grad([[1.0]], [[0.0]])]
        [[[1.0]], [[0.0]]]
    """
    m, lv = _gaussian_inputs(mu, logvar)
    n = m.size // m.shape[-1] if m.shape[-1] else 0  # number of samples, what "mean" divides by
    with np.errstate(over="ignore"):
        g_lv = 0.5 * (np.exp(lv) - 1.0)
    return reduce_grad(m, reduction, denom=n), reduce_grad(g_lv, reduction, denom=n)


# --------------------------------------------------------------------------------------------
# Dense prediction: the Dice loss
# --------------------------------------------------------------------------------------------

def _dice_inputs(probs, target, eps):
    eps = check_positive(eps, "eps")
    p, y = check_pair(probs, target, ("probs", "target"))
    if p.ndim < 2:
        raise ValueError(f"probs must have shape (N, ...), e.g. (N, H, W) masks, got shape {p.shape}; "
                         "for one mask add a batch axis, e.g. probs[None]")
    check_probabilities(p, "probs")
    check_probabilities(y, "target")
    return p, y, eps, tuple(range(1, p.ndim))


def dice_loss(probs: ArrayLike, target: ArrayLike, *, eps: float = 1.0,
              reduction: Reduction = "mean") -> np.ndarray:
    r"""Soft Dice loss of segmentation masks: one minus the overlap of prediction and target.

    .. math::
        \ell_i = 1 - \frac{2 \sum_j p_{ij}\, y_{ij} + \varepsilon}{\sum_j p_{ij} + \sum_j y_{ij} + \varepsilon}

    per sample :math:`i`, the sums running over all non-batch axes (pixels, voxels, channels).
    Background pixels (:math:`p = y = 0`) add nothing to any sum, so unlike the mean BCE the
    value does not depend on how much background there is. :math:`\varepsilon` keeps an empty
    target with an empty prediction at loss 0. Like MONAI's ``DiceLoss`` with
    ``smooth_nr = smooth_dr = eps`` on one channel; torch itself has no Dice loss.

    Args:
        probs: predicted foreground probabilities in [0, 1], shape (N, ...).
        target: target mask in [0, 1] (0/1 or soft), same shape.
        eps: smoothing :math:`\varepsilon > 0`.
        reduction: "mean", "sum" or "none" (over the samples).

    Returns:
        The reduced loss (0-d), or with "none" one value per sample, shape (N,).

    Example:
        >>> float(dice_loss([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 0.0, 0.0]], eps=1.0))
        0.25
    """
    p, y, eps, axes = _dice_inputs(probs, target, eps)
    overlap = np.sum(p * y, axis=axes)
    size = np.sum(p, axis=axes) + np.sum(y, axis=axes)
    return reduce(1.0 - (2.0 * overlap + eps) / (size + eps), reduction)


def dice_loss_grad(probs: ArrayLike, target: ArrayLike, *, eps: float = 1.0,
                   reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`dice_loss` with respect to the probabilities.

    .. math::
        \frac{\partial \ell_i}{\partial p_{ij}} = \frac{A_i - 2\, y_{ij} S_i}{S_i^2},
        \quad A_i = 2 \sum_j p_{ij} y_{ij} + \varepsilon,\ S_i = \sum_j p_{ij} + \sum_j y_{ij} + \varepsilon

    Every background pixel gets the same push :math:`A_i / S_i^2`, every foreground pixel the
    same pull; the totals depend on the mask's size, not on the image's.

    Example:
        >>> dice_loss_grad([[0.5, 0.5]], [[1.0, 0.0]], eps=1.0).round(4).tolist()
        [[-0.4444, 0.2222]]
    """
    p, y, eps, axes = _dice_inputs(probs, target, eps)
    shape = (-1,) + (1,) * len(axes)  # per-sample sums, broadcast back over the pixels
    a = (2.0 * np.sum(p * y, axis=axes) + eps).reshape(shape)
    s = (np.sum(p, axis=axes) + np.sum(y, axis=axes) + eps).reshape(shape)
    return reduce_grad((a - 2.0 * y * s) / s**2, reduction, denom=p.shape[0])
