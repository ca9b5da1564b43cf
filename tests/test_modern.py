"""Tests of lossutils.modern: worked values, reductions, torch references (autograd of torch
implementations written here, float64), gradients against autograd and finite differences,
extreme inputs and the ValueErrors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import REDUCTIONS, T, assert_reduced, central_diff, no_warnings, torch_reduce
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from lossutils import (
    bradley_terry_loss, bradley_terry_loss_grad, cross_entropy, dice_loss, dice_loss_grad,
    distillation_loss, distillation_loss_grad, dpo_loss, dpo_loss_grad, gaussian_kl_loss,
    gaussian_kl_loss_grad, perplexity,
)

def autograd(loss, *inputs):
    """Gradients of ``loss`` (of ``loss.sum()`` for "none") with respect to ``inputs``."""
    loss.sum().backward()
    return [x.grad.numpy() for x in inputs]


# --- torch references ----------------------------------------------------------------------

def torch_distillation(s, t, y, temperature, alpha, reduction):
    soft = F.kl_div(F.log_softmax(s / temperature, -1), F.log_softmax(t / temperature, -1),
                    reduction="none", log_target=True).sum(-1)
    hard = F.cross_entropy(s, y, reduction="none")
    return torch_reduce(alpha * temperature**2 * soft + (1 - alpha) * hard, reduction)


def torch_bradley_terry(rw, rl, reduction):
    return torch_reduce(-F.logsigmoid(rw - rl), reduction)


def torch_dpo(pc, pr, rc, rr, beta, reduction):
    return torch_reduce(-F.logsigmoid(beta * ((pc - rc) - (pr - rr))), reduction)


def torch_gaussian_kl(mu, logvar, reduction):
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch_reduce(torch.distributions.kl_divergence(q, prior).sum(-1), reduction)


def torch_dice(p, y, eps, reduction):
    axes = tuple(range(1, p.ndim))
    per = 1 - (2 * (p * y).sum(axes) + eps) / (p.sum(axes) + y.sum(axes) + eps)
    return torch_reduce(per, reduction)


rng = np.random.default_rng(17)


# --- perplexity ----------------------------------------------------------------------------

def test_perplexity_worked_value():
    # two tokens predicted with probabilities 1/2 and 1/8: PPL = exp((ln 2 + ln 8) / 2) = 4
    logits = np.log([[[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]]])
    out = perplexity(logits, [[0, 1]])
    assert_reduced(out)
    assert float(out) == pytest.approx(4.0, rel=1e-12)


def test_perplexity_uniform_is_vocabulary_size():
    for v in (2, 50, 1000):
        assert float(perplexity(np.zeros((2, 3, v)), np.zeros((2, 3), dtype=int))) == pytest.approx(v)


@pytest.mark.parametrize("shape", [(2, 5, 7), (5, 7), (2, 2, 3, 7)])
def test_perplexity_matches_torch_with_padding(shape):
    z = rng.normal(scale=3.0, size=shape)
    y = rng.integers(0, shape[-1], size=shape[:-1])
    y.reshape(-1)[::3] = -100  # padding positions
    zt, yt = torch.tensor(z), torch.tensor(y)
    want = torch.exp(F.cross_entropy(zt.reshape(-1, shape[-1]), yt.reshape(-1), ignore_index=-100))
    assert float(perplexity(z, y)) == pytest.approx(want.item(), rel=1e-12)


def test_perplexity_ignores_padding_and_custom_index():
    z = rng.normal(size=(1, 4, 6))
    y = np.array([[1, 2, 3, 4]])
    padded = np.array([[1, 2, 0, 0]])
    assert float(perplexity(z, np.array([[1, 2, -100, -100]]))) == pytest.approx(
        float(perplexity(z[:, :2], y[:, :2])))
    assert float(perplexity(z, padded, ignore_index=0)) == pytest.approx(
        float(perplexity(z[:, :2], y[:, :2])))


def test_perplexity_all_ignored_is_nan_and_extreme_logits_are_finite():
    assert np.isnan(perplexity(np.zeros((1, 2, 3)), [[-100, -100]]))
    z = np.array([[[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]]])
    with no_warnings():
        assert float(perplexity(z, [[0, 1]])) == 1.0
    assert float(perplexity(z, [[1, 1]])) == np.inf  # mean CE 1000: exp overflows, as in torch


def test_perplexity_errors():
    with pytest.raises(ValueError, match="target has shape"):
        perplexity(np.zeros((2, 3, 5)), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="logits must have shape"):
        perplexity(np.zeros(5), 1)
    with pytest.raises(ValueError, match="class index"):
        perplexity(np.zeros((1, 2, 5)), [[0, 5]])


# --- distillation --------------------------------------------------------------------------

def test_distillation_worked_value():
    s, t, temperature = np.array([1.0, 0.0, -1.0]), np.array([3.0, 0.0, -3.0]), 2.0
    p = np.exp(s / temperature) / np.exp(s / temperature).sum()
    q = np.exp(t / temperature) / np.exp(t / temperature).sum()
    kl = np.sum(q * np.log(q / p))
    ce = -np.log(np.exp(s[0]) / np.exp(s).sum())
    out = distillation_loss(s[None], t[None], [0], temperature=temperature, alpha=0.3)
    assert_reduced(out)
    assert float(out) == pytest.approx(0.3 * 4 * kl + 0.7 * ce, rel=1e-12)


def test_distillation_limits():
    s, t = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    y = rng.integers(0, 5, size=4)
    assert float(distillation_loss(s, t, y, alpha=0.0)) == pytest.approx(float(cross_entropy(s, y)))
    assert float(distillation_loss(s, s, y, alpha=1.0)) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("temperature,alpha", [(1.0, 0.5), (4.0, 0.9), (0.5, 0.0), (10.0, 1.0)])
def test_distillation_matches_torch_with_gradient(reduction, temperature, alpha):
    s, t = rng.normal(scale=2.0, size=(6, 4)), rng.normal(scale=2.0, size=(6, 4))
    y = rng.integers(0, 4, size=6)
    s_t = T(s, grad=True)
    want = torch_distillation(s_t, torch.tensor(t), torch.tensor(y), temperature, alpha, reduction)
    got = distillation_loss(s, t, y, temperature=temperature, alpha=alpha, reduction=reduction)
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12, atol=1e-14)
    (g_torch,) = autograd(want, s_t)
    g = distillation_loss_grad(s, t, y, temperature=temperature, alpha=alpha, reduction=reduction)
    np.testing.assert_allclose(g, g_torch, rtol=1e-10, atol=1e-14)


def test_distillation_reduced_mean_is_batchmean_kl_plus_mean_ce():
    s, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    y = rng.integers(0, 3, size=5)
    s_t, t_t = torch.tensor(s), torch.tensor(t)
    kl = F.kl_div(F.log_softmax(s_t / 3, -1), F.softmax(t_t / 3, -1), reduction="batchmean")
    want = 0.25 * 9 * kl + 0.75 * F.cross_entropy(s_t, torch.tensor(y))
    assert float(distillation_loss(s, t, y, temperature=3.0, alpha=0.25)) == pytest.approx(want.item(), rel=1e-12)


def test_distillation_gradient_finite_differences_and_soft_targets():
    s, t = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    y = rng.dirichlet(np.ones(4), size=3)  # probability targets go to cross_entropy as they are
    g = distillation_loss_grad(s, t, y, temperature=3.0, alpha=0.7)
    fd = central_diff(lambda x: float(distillation_loss(x, t, y, temperature=3.0, alpha=0.7)), s)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_distillation_kl_gradient_scales_as_one_over_t_squared():
    # Hinton et al.: without the T^2 factor the soft gradient is ~ (s - t) / (C T^2) for large T
    # (zero-mean logits); the relative error of that approximation shrinks like 1/T
    s = rng.normal(size=(1, 10))
    t = rng.normal(size=(1, 10))
    s, t = s - s.mean(), t - t.mean()
    for temperature in (10.0, 100.0, 1000.0):
        g = distillation_loss_grad(s, t, [0], temperature=temperature, alpha=1.0) / temperature**2
        approx = (s - t) / (10 * temperature**2)
        assert np.linalg.norm(g - approx) / np.linalg.norm(approx) < 1.0 / temperature
    scaled = [np.abs(distillation_loss_grad(s, t, [0], temperature=T, alpha=1.0)).sum() for T in (10.0, 100.0)]
    assert scaled[1] == pytest.approx(scaled[0], rel=0.05)  # with T^2: the same size at every T


def test_distillation_extreme_logits():
    s = np.array([[1000.0, -1000.0, 0.0]])
    t = np.array([[-1000.0, 1000.0, 0.0]])
    with no_warnings():
        got = distillation_loss(s, t, [0], temperature=2.0, alpha=0.5, reduction="none")
    want = torch_distillation(torch.tensor(s), torch.tensor(t), torch.tensor([0]), 2.0, 0.5, "none")
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-12)
    assert np.all(np.isfinite(distillation_loss_grad(s, t, [0])))


def test_distillation_unlabelled_samples_add_only_the_soft_term():
    s, t = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    per = distillation_loss(s, t, [1, -100, 2], temperature=2.0, alpha=0.3, reduction="none")
    soft_only = distillation_loss(s, t, [1, 0, 2], temperature=2.0, alpha=1.0, reduction="none")
    assert per[1] == pytest.approx(0.3 * soft_only[1], rel=1e-12)
    g = distillation_loss_grad(s, t, [1, -100, 2], temperature=2.0, alpha=0.3)
    fd = central_diff(lambda x: float(distillation_loss(x, t, [1, -100, 2], temperature=2.0, alpha=0.3)), s)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_distillation_unbatched():
    s, t = rng.normal(size=4), rng.normal(size=4)
    assert float(distillation_loss(s, t, 2)) == pytest.approx(float(distillation_loss(s[None], t[None], [2])))
    assert distillation_loss_grad(s, t, 2).shape == (4,)


def test_distillation_errors():
    s = np.zeros((2, 3))
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            distillation_loss(s, s, [0, 1], temperature=bad)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="alpha"):
            distillation_loss(s, s, [0, 1], alpha=bad)
    with pytest.raises(ValueError, match="student_logits has shape"):
        distillation_loss(s, np.zeros((2, 4)), [0, 1])
    with pytest.raises(ValueError, match="target"):
        distillation_loss(s, s, [0, 1, 2])
    with pytest.raises(ValueError, match="reduction"):
        distillation_loss(s, s, [0, 1], reduction="batchmean")


# --- Bradley-Terry -------------------------------------------------------------------------

def test_bradley_terry_worked_value():
    out = bradley_terry_loss([2.0, 0.5], [0.0, 0.5])
    assert_reduced(out)
    assert float(out) == pytest.approx((math.log1p(math.exp(-2.0)) + math.log(2.0)) / 2, rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bradley_terry_matches_torch_with_gradient(reduction):
    rw, rl = rng.normal(scale=3.0, size=7), rng.normal(scale=3.0, size=7)
    a, b = T(rw, grad=True), T(rl, grad=True)
    want = torch_bradley_terry(a, b, reduction)
    np.testing.assert_allclose(bradley_terry_loss(rw, rl, reduction=reduction), want.detach().numpy(), rtol=1e-12)
    ga, gb = autograd(want, a, b)
    gw, gl = bradley_terry_loss_grad(rw, rl, reduction=reduction)
    np.testing.assert_allclose(gw, ga, rtol=1e-12)
    np.testing.assert_allclose(gl, gb, rtol=1e-12)
    fd = central_diff(lambda x: float(bradley_terry_loss(x, rl, reduction="sum")), rw)
    np.testing.assert_allclose(bradley_terry_loss_grad(rw, rl, reduction="sum")[0], fd, rtol=1e-6, atol=1e-8)


def test_bradley_terry_is_bce_on_the_margin_and_extremes():
    rw, rl = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    bce = F.binary_cross_entropy_with_logits(torch.tensor(rw - rl), torch.ones(3, 2, dtype=torch.float64))
    assert float(bradley_terry_loss(rw, rl)) == pytest.approx(bce.item(), rel=1e-12)
    with no_warnings():
        out = bradley_terry_loss([1000.0, -1000.0], [0.0, 0.0], reduction="none")
    assert out.tolist() == [0.0, 1000.0]
    gw, _ = bradley_terry_loss_grad([1000.0, -1000.0], [0.0, 0.0], reduction="none")
    assert gw.tolist() == [-0.0, -1.0]


def test_bradley_terry_errors():
    with pytest.raises(ValueError, match="chosen_rewards has shape"):
        bradley_terry_loss([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="reduction"):
        bradley_terry_loss([1.0], [1.0], reduction="avg")
    with pytest.raises(ValueError, match="numeric|real"):
        bradley_terry_loss(["a"], [1.0])


# --- DPO -----------------------------------------------------------------------------------

def test_dpo_worked_value():
    # the policy raised log π(y_w) by 2 and lowered log π(y_l) by 1 against the reference:
    # logits = β (2 - (-1)) = 0.3 for β = 0.1
    out = dpo_loss([-8.0], [-13.0], [-10.0], [-12.0], beta=0.1)
    assert_reduced(out)
    assert float(out) == pytest.approx(math.log1p(math.exp(-0.3)), rel=1e-12)


def test_dpo_is_bradley_terry_on_implicit_rewards():
    pc, pr, rc, rr = (-rng.uniform(1, 30, size=5) for _ in range(4))
    beta = 0.5
    assert float(dpo_loss(pc, pr, rc, rr, beta=beta)) == pytest.approx(
        float(bradley_terry_loss(beta * (pc - rc), beta * (pr - rr))), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [0.01, 0.1, 1.0, 5.0])
def test_dpo_matches_torch_with_gradient(reduction, beta):
    pc, pr, rc, rr = (-rng.uniform(1, 40, size=6) for _ in range(4))
    a, b = T(pc, grad=True), T(pr, grad=True)
    want = torch_dpo(a, b, torch.tensor(rc), torch.tensor(rr), beta, reduction)
    got = dpo_loss(pc, pr, rc, rr, beta=beta, reduction=reduction)
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12)
    ga, gb = autograd(want, a, b)
    gc, gr = dpo_loss_grad(pc, pr, rc, rr, beta=beta, reduction=reduction)
    np.testing.assert_allclose(gc, ga, rtol=1e-12)
    np.testing.assert_allclose(gr, gb, rtol=1e-12)


def test_dpo_gradient_finite_differences():
    pc, pr, rc, rr = (-rng.uniform(1, 10, size=4) for _ in range(4))
    gc, gr = dpo_loss_grad(pc, pr, rc, rr, beta=0.7)
    np.testing.assert_allclose(gc, central_diff(lambda x: float(dpo_loss(x, pr, rc, rr, beta=0.7)), pc), rtol=1e-6)
    np.testing.assert_allclose(gr, central_diff(lambda x: float(dpo_loss(pc, x, rc, rr, beta=0.7)), pr), rtol=1e-6)


def test_dpo_extreme_margins():
    # β × margin = ±1000: loss 0 or 1000, no overflow, gradient 0 or ∓β
    with no_warnings():
        out = dpo_loss([-1.0, -1e4], [-1e4, -1.0], [-1.0, -1.0], [-1.0, -1.0], beta=0.1, reduction="none")
    np.testing.assert_allclose(out, [0.0, 999.9], rtol=1e-12)
    gc, gr = dpo_loss_grad([-1.0, -1e4], [-1e4, -1.0], [-1.0, -1.0], [-1.0, -1.0], beta=0.1, reduction="none")
    np.testing.assert_allclose(gc, [0.0, -0.1], atol=1e-300)
    np.testing.assert_allclose(gr, [0.0, 0.1], atol=1e-300)


def test_dpo_errors():
    ok = [-1.0]
    for bad in (0.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="beta"):
            dpo_loss(ok, ok, ok, ok, beta=bad)
    with pytest.raises(ValueError, match="ref_rejected_logps has shape"):
        dpo_loss(ok, ok, ok, [-1.0, -2.0])
    with pytest.raises(ValueError, match="policy_chosen_logps must hold log-probabilities"):
        dpo_loss([0.7], ok, ok, ok)
    with pytest.raises(ValueError, match="reduction"):
        dpo_loss(ok, ok, ok, ok, reduction=None)


# --- Gaussian KL ---------------------------------------------------------------------------

def test_gaussian_kl_worked_value():
    # μ = (1, 0), σ² = (1, 4): ½[(1 + 1 - 1 - 0) + (0 + 4 - 1 - ln 4)]
    out = gaussian_kl_loss([[1.0, 0.0]], [[0.0, math.log(4.0)]])
    assert_reduced(out)
    assert float(out) == pytest.approx(0.5 * (1 + 3 - math.log(4.0)), rel=1e-12)
    assert float(gaussian_kl_loss(np.zeros((3, 5)), np.zeros((3, 5)))) == 0.0  # the prior itself


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 5)])
def test_gaussian_kl_matches_torch_with_gradient(reduction, shape):
    mu, logvar = rng.normal(size=shape), rng.normal(size=shape)
    a, b = T(mu, grad=True), T(logvar, grad=True)
    want = torch_gaussian_kl(a, b, reduction)
    np.testing.assert_allclose(gaussian_kl_loss(mu, logvar, reduction=reduction), want.detach().numpy(), rtol=1e-12)
    ga, gb = autograd(want, a, b)
    gm, gl = gaussian_kl_loss_grad(mu, logvar, reduction=reduction)
    np.testing.assert_allclose(gm, ga, rtol=1e-12)
    np.testing.assert_allclose(gl, gb, rtol=1e-10, atol=1e-15)
    fd = central_diff(lambda x: float(gaussian_kl_loss(mu, x, reduction=reduction).sum()), logvar)
    np.testing.assert_allclose(gl, fd, rtol=1e-6, atol=1e-9)


def test_gaussian_kl_extremes():
    with no_warnings():
        out = gaussian_kl_loss([[0.0], [0.0], [1e3]], [[-50.0], [800.0], [0.0]], reduction="none")
    assert out[0] == pytest.approx(0.5 * (math.exp(-50) - 1 + 50))
    assert out[1] == np.inf  # σ² overflows: the KL is infinite, as in torch
    assert out[2] == pytest.approx(5e5)


def test_gaussian_kl_errors():
    with pytest.raises(ValueError, match="mu has shape"):
        gaussian_kl_loss(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="mu must have shape"):
        gaussian_kl_loss(0.0, 0.0)
    with pytest.raises(ValueError, match="reduction"):
        gaussian_kl_loss([0.0], [0.0], reduction="batchmean")


# --- Dice ----------------------------------------------------------------------------------

def test_dice_worked_value():
    out = dice_loss([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 0.0, 0.0]], eps=1.0)
    assert_reduced(out)
    assert float(out) == pytest.approx(1 - 3 / 4)
    # a perfect mask gives 0, an empty prediction of an empty mask gives 0 (thanks to eps)
    assert float(dice_loss([[0.0, 1.0]], [[0.0, 1.0]])) == 0.0
    assert float(dice_loss([[0.0, 0.0]], [[0.0, 0.0]])) == 0.0


def test_dice_does_not_depend_on_background_size():
    small = np.zeros((1, 10, 10))
    small[0, :2, :2] = 1.0
    pred = small * 0.7
    big_t, big_p = np.zeros((1, 100, 100)), np.zeros((1, 100, 100))
    big_t[0, :10, :10], big_p[0, :10, :10] = small[0], pred[0]
    assert float(dice_loss(pred, small)) == pytest.approx(float(dice_loss(big_p, big_t)), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3, 8), (2, 5, 6), (2, 2, 4, 4)])
def test_dice_matches_torch_with_gradient(reduction, shape):
    p = rng.uniform(size=shape)
    y = (rng.uniform(size=shape) < 0.3).astype(float)
    pt = T(p, grad=True)
    want = torch_dice(pt, torch.tensor(y), 0.5, reduction)
    np.testing.assert_allclose(dice_loss(p, y, eps=0.5, reduction=reduction), want.detach().numpy(), rtol=1e-12)
    (g_torch,) = autograd(want, pt)
    g = dice_loss_grad(p, y, eps=0.5, reduction=reduction)
    np.testing.assert_allclose(g, g_torch, rtol=1e-10, atol=1e-15)
    fd = central_diff(lambda x: float(dice_loss(np.clip(x, 0, 1), y, eps=0.5, reduction=reduction).sum()), p)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-9)


def test_dice_extremes():
    y = np.zeros((2, 1000))
    y[:, :10] = 1.0
    all_wrong = 1.0 - y
    with no_warnings():
        assert float(dice_loss(y, y, eps=1e-9)) == 0.0
    assert float(dice_loss(all_wrong, y, eps=1e-9)) == pytest.approx(1.0)
    assert np.all(np.isfinite(dice_loss_grad(all_wrong, y, eps=1e-9)))


def test_dice_errors():
    with pytest.raises(ValueError, match="probs must lie in"):
        dice_loss([[1.2, 0.0]], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="target must lie in"):
        dice_loss([[0.2, 0.0]], [[-1.0, 0.0]])
    with pytest.raises(ValueError, match="probs has shape"):
        dice_loss(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="add a batch axis"):
        dice_loss([0.5, 0.5], [1.0, 0.0])
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="eps"):
            dice_loss([[0.5]], [[1.0]], eps=bad)
    with pytest.raises(ValueError, match="reduction"):
        dice_loss([[0.5]], [[1.0]], reduction="max")


# --- random parity with torch (hypothesis) ---------------------------------------------------

@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       beta=st.floats(0.01, 10.0))
def test_pairwise_losses_parity_with_torch_random(shape, seed, reduction, beta):
    r = np.random.default_rng(seed)
    pc, pr, rc, rr = (-r.exponential(20.0, size=shape) for _ in range(4))
    want = torch_dpo(T(pc), T(pr), T(rc), T(rr), beta, reduction)
    np.testing.assert_allclose(dpo_loss(pc, pr, rc, rr, beta=beta, reduction=reduction), want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bradley_terry_loss(pc, pr, reduction=reduction),
                               torch_bradley_terry(T(pc), T(pr), reduction).numpy(), rtol=1e-12)


@given(shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       eps=st.floats(1e-6, 10.0))
def test_dice_and_gaussian_kl_parity_with_torch_random(shape, seed, reduction, eps):
    r = np.random.default_rng(seed)
    p, y = r.uniform(size=shape), (r.uniform(size=shape) < 0.2).astype(float)
    np.testing.assert_allclose(dice_loss(p, y, eps=eps, reduction=reduction),
                               torch_dice(T(p), T(y), eps, reduction).numpy(), rtol=1e-12, atol=1e-15)
    mu, logvar = r.normal(scale=2.0, size=shape), r.normal(scale=2.0, size=shape)
    np.testing.assert_allclose(gaussian_kl_loss(mu, logvar, reduction=reduction),
                               torch_gaussian_kl(T(mu), T(logvar), reduction).numpy(), rtol=1e-12)


@given(n=st.integers(1, 6), k=st.integers(2, 7), seed=st.integers(0, 2**32 - 1),
       reduction=st.sampled_from(REDUCTIONS), temperature=st.floats(0.1, 50.0), alpha=st.floats(0.0, 1.0))
def test_distillation_parity_with_torch_random(n, k, seed, reduction, temperature, alpha):
    r = np.random.default_rng(seed)
    s, t = r.normal(scale=5.0, size=(n, k)), r.normal(scale=5.0, size=(n, k))
    y = r.integers(0, k, size=n)
    want = torch_distillation(T(s), T(t), torch.tensor(y), temperature, alpha, reduction)
    np.testing.assert_allclose(distillation_loss(s, t, y, temperature=temperature, alpha=alpha, reduction=reduction),
                               want.numpy(), rtol=1e-11, atol=1e-13)
