"""Tests of lossutils.regression (torch is the reference)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from lossutils.regression import (
    gaussian_nll_loss, huber_loss, huber_loss_grad, l1_loss, l1_loss_grad, log_cosh_loss,
    log_cosh_loss_grad, mse_loss, mse_loss_grad, poisson_nll_loss, quantile_loss,
    quantile_loss_grad, smooth_l1_loss, smooth_l1_loss_grad,
)
from _helpers import REDUCTIONS, T, assert_reduced, central_diff, no_warnings, torch_reduce

PRED = [2.5, 0.0, 2.0, 8.0]
TARGET = [3.0, -0.5, 2.0, 7.0]


def torch_log_cosh(p, t, reduction):
    # torch has no log-cosh loss; log cosh r = logaddexp(r, -r) - log 2 (stable in torch too)
    r = T(p) - T(t)
    return torch_reduce(torch.logaddexp(r, -r) - math.log(2.0), reduction)


def torch_quantile(p, t, reduction, q=0.5):
    r = T(t) - T(p)
    return torch_reduce(torch.maximum(q * r, (q - 1) * r), reduction)


# name -> (lossutils function, torch reference taking numpy arrays, kwargs)
ELEMENTWISE = {
    "mse": (mse_loss, lambda p, t, reduction: F.mse_loss(T(p), T(t), reduction=reduction), {}),
    "l1": (l1_loss, lambda p, t, reduction: F.l1_loss(T(p), T(t), reduction=reduction), {}),
    "huber": (huber_loss, lambda p, t, reduction, delta: F.huber_loss(
        T(p), T(t), delta=delta, reduction=reduction), {"delta": 0.7}),
    "smooth_l1": (smooth_l1_loss, lambda p, t, reduction, beta: F.smooth_l1_loss(
        T(p), T(t), beta=beta, reduction=reduction), {"beta": 1.3}),
    "log_cosh": (log_cosh_loss, torch_log_cosh, {}),
    "quantile": (quantile_loss, torch_quantile, {"q": 0.8}),
}

def torch_log_cosh_t(p, t, reduction):
    """log-cosh on tensors (for autograd): the stable form, whose gradient is tanh(r) everywhere."""
    r = p - t
    return torch_reduce(torch.logaddexp(r, -r) - math.log(2.0), reduction)


def torch_quantile_t(p, t, reduction, q):
    r = t - p
    return torch_reduce(torch.maximum(q * r, (q - 1) * r), reduction)


# name -> (gradient, torch loss on tensors for autograd, kwargs); names as in ELEMENTWISE
GRADS = {
    "mse": (mse_loss_grad, F.mse_loss, {}),
    "l1": (l1_loss_grad, F.l1_loss, {}),
    "huber": (huber_loss_grad, F.huber_loss, {"delta": 0.7}),
    "smooth_l1": (smooth_l1_loss_grad, F.smooth_l1_loss, {"beta": 1.3}),
    "log_cosh": (log_cosh_loss_grad, torch_log_cosh_t, {}),
    "quantile": (quantile_loss_grad, torch_quantile_t, {"q": 0.8}),
}
ALL_GRADS = [g for g, _, _ in GRADS.values()]


def torch_grad(torch_fn, p, t, reduction, **kw):
    pt = T(p).requires_grad_(True)
    loss = torch_fn(pt, T(t), reduction=reduction, **kw)
    (loss.sum() if reduction == "none" else loss).backward()
    return pt.grad.numpy()


# ----------------------------------------------------------------------------- worked values

def test_worked_example_from_syllabus():
    assert float(mse_loss(PRED, TARGET)) == 0.375
    assert float(l1_loss(PRED, TARGET)) == 0.5
    assert float(huber_loss(PRED, TARGET)) == 0.1875
    assert float(smooth_l1_loss(PRED, TARGET)) == 0.1875  # beta = delta = 1: the same loss


def test_outlier_example_huber_does_not_exceed_mae():
    pred = [2.5, 0.0, 2.0, 50.0]
    # residuals -0.5, 0.5, 0, 43
    assert float(mse_loss(pred, TARGET)) == (0.25 + 0.25 + 0 + 43**2) / 4  # 462.375
    assert float(l1_loss(pred, TARGET)) == 11.0
    assert float(huber_loss(pred, TARGET)) == (0.125 + 0.125 + 0 + 42.5) / 4  # 10.6875
    # with delta = 1 Huber is below MAE for every residual, never between MSE and MAE
    assert float(huber_loss(pred, TARGET)) <= float(l1_loss(pred, TARGET))
    for name in ("mse", "l1", "huber"):
        ours, ref, kw = ELEMENTWISE[name]
        np.testing.assert_allclose(ours(pred, TARGET, **kw), ref(pred, TARGET, "mean", **kw), rtol=1e-15)


def test_huber_is_delta_times_smooth_l1():
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=20) * 3, rng.normal(size=20)
    for b in (0.3, 1.0, 2.5):
        np.testing.assert_allclose(
            huber_loss(p, t, delta=b, reduction="none"),
            b * smooth_l1_loss(p, t, beta=b, reduction="none"), rtol=1e-14, atol=1e-15)


def test_log_cosh_small_and_large_residuals():
    # ~ r^2 / 2 near zero, ~ |r| - log 2 far out
    np.testing.assert_allclose(log_cosh_loss([1e-4], [0.0]), 0.5e-8, rtol=1e-7)
    np.testing.assert_allclose(log_cosh_loss([-40.0], [0.0]), 40 - math.log(2), rtol=1e-15)
    np.testing.assert_allclose(log_cosh_loss([1.0], [0.0]), math.log(math.cosh(1.0)), rtol=1e-15)


def test_quantile_worked_values():
    # r = target - pred = [0.5, -0.5, 0, -1]; q = 0.9 -> 0.45, 0.05, 0, 0.1
    np.testing.assert_allclose(
        quantile_loss(PRED, TARGET, q=0.9, reduction="none"), [0.45, 0.05, 0.0, 0.1], rtol=1e-15)
    # q = 0.5 is half the L1 loss
    np.testing.assert_allclose(quantile_loss(PRED, TARGET), 0.5 * l1_loss(PRED, TARGET), rtol=1e-15)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile_loss_is_minimised_by_the_q_quantile(q):
    y = np.random.default_rng(1).exponential(size=2001)
    grid = np.linspace(0, 5, 5001)
    losses = [float(quantile_loss(np.full_like(y, c), y, q=q)) for c in grid]
    best = grid[int(np.argmin(losses))]
    assert abs(best - np.quantile(y, q)) < 0.01


def test_mse_minimised_by_mean_and_l1_by_median():
    y = np.random.default_rng(2).exponential(size=501)
    grid = np.linspace(0, 3, 3001)
    mse = [float(mse_loss(np.full_like(y, c), y)) for c in grid]
    mae = [float(l1_loss(np.full_like(y, c), y)) for c in grid]
    assert abs(grid[int(np.argmin(mse))] - y.mean()) < 2e-3
    assert abs(grid[int(np.argmin(mae))] - np.median(y)) < 2e-3


def test_gaussian_nll_worked_value_and_mse_link():
    # var = 1: 0.5 * r^2 -> half the MSE
    assert float(gaussian_nll_loss(PRED, TARGET, 1.0)) == 0.1875
    full = gaussian_nll_loss(PRED, TARGET, 1.0, full=True)
    np.testing.assert_allclose(full, 0.1875 + 0.5 * math.log(2 * math.pi), rtol=1e-15)


def test_poisson_nll_worked_value():
    # exp(0) - 1*0 = 1 and e - 2*1; mean
    np.testing.assert_allclose(poisson_nll_loss([0.0, 1.0], [1.0, 2.0]), (1 + math.e - 2) / 2,
                               rtol=1e-15)


# ----------------------------------------------------------------------------- reductions, types

@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_reduction_matches_torch(name, reduction):
    ours, ref, kw = ELEMENTWISE[name]
    out = ours(PRED, TARGET, **kw, reduction=reduction)
    np.testing.assert_allclose(out, ref(PRED, TARGET, reduction, **kw).numpy(), rtol=1e-14, atol=1e-15)
    if reduction == "none":
        assert out.shape == (4,) and out.dtype == np.float64
        np.testing.assert_allclose(ours(PRED, TARGET, **kw, reduction="mean"), out.mean(), rtol=1e-15)
        np.testing.assert_allclose(ours(PRED, TARGET, **kw, reduction="sum"), out.sum(), rtol=1e-15)
    else:
        assert_reduced(out)


def test_default_reduction_is_mean_and_array_likes_accepted():
    assert_reduced(mse_loss([1, 2, 3], (1, 2, 5)))  # ints, tuple
    np.testing.assert_allclose(mse_loss([1, 2, 3], (1, 2, 5)), 4 / 3, rtol=1e-15)
    np.testing.assert_allclose(mse_loss(2, 1, reduction="none"), 1.0)
    assert mse_loss(np.float32(2), 1, reduction="none").dtype == np.float64


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE) + ["gaussian", "poisson"])
def test_empty_input_follows_torch(name, reduction):
    # policy: "none" -> empty, "sum" -> 0, "mean" -> NaN, as torch; and no numpy warning
    e = np.zeros(0)
    with no_warnings():
        if name == "gaussian":
            out = gaussian_nll_loss(e, e, e, reduction=reduction)
        elif name == "poisson":
            out = poisson_nll_loss(e, e, reduction=reduction)
        else:
            ours, _, kw = ELEMENTWISE[name]
            out = ours(e, e, **kw, reduction=reduction)
    expected = {"none": np.zeros(0), "sum": 0.0, "mean": np.nan}[reduction]
    np.testing.assert_array_equal(out, expected)


# ----------------------------------------------------------------------------- parity (random)

@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       name=st.sampled_from(sorted(ELEMENTWISE)))
def test_parity_with_torch_random(shape, seed, reduction, name):
    rng = np.random.default_rng(seed)
    p, t = rng.normal(scale=3, size=shape), rng.normal(scale=3, size=shape)
    ours, ref, kw = ELEMENTWISE[name]
    np.testing.assert_allclose(ours(p, t, **kw, reduction=reduction),
                               ref(p, t, reduction, **kw).numpy(), rtol=1e-13, atol=1e-14)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       var_kind=st.sampled_from(["same", "short", "last1", "first1", "scalar"]),
       full=st.booleans())
def test_gaussian_nll_parity_with_torch(shape, seed, reduction, var_kind, full):
    rng = np.random.default_rng(seed)
    p, t = rng.normal(size=shape), rng.normal(size=shape)
    var_shape = {"same": shape, "short": shape[:-1], "last1": shape[:-1] + (1,),
                 "first1": (1,) + shape[1:], "scalar": ()}[var_kind]
    v = rng.exponential(size=var_shape)
    if v.size:
        v.flat[0] = 0.0  # exercises the clamp at eps
    ours = gaussian_nll_loss(p, t, v, full=full, eps=1e-6, reduction=reduction)
    tv = float(v) if var_kind == "scalar" else T(v)
    ref = F.gaussian_nll_loss(T(p), T(t), tv, full=full, eps=1e-6, reduction=reduction)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-13)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       log_input=st.booleans(), full=st.booleans())
def test_poisson_nll_parity_with_torch(shape, seed, reduction, log_input, full):
    rng = np.random.default_rng(seed)
    t = rng.poisson(3.0, size=shape).astype(float)
    p = rng.normal(size=shape) if log_input else rng.exponential(3.0, size=shape)
    ours = poisson_nll_loss(p, t, log_input=log_input, full=full, reduction=reduction)
    ref = F.poisson_nll_loss(T(p), T(t), log_input=log_input, full=full, reduction=reduction)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-13, atol=1e-14)


# ----------------------------------------------------------------------------- extremes

@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_residual_1e8_is_finite_and_matches_torch(name):
    p, t = np.array([1e8, -1e8, 0.5, 3e7]), np.array([0.0, 0.0, 1e8, -1e8])
    ours, ref, kw = ELEMENTWISE[name]
    out = ours(p, t, **kw, reduction="none")
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref(p, t, "none", **kw).numpy(), rtol=1e-15)


def test_log_cosh_does_not_overflow_where_the_naive_torch_form_does():
    r = T([1e8])
    assert torch.isinf(torch.log(torch.cosh(r))).all()  # the naive form overflows
    np.testing.assert_allclose(log_cosh_loss([1e8], [0.0]), 1e8 - math.log(2), rtol=1e-15)


def test_poisson_log_input_overflows_like_torch():
    with no_warnings():
        out = poisson_nll_loss([1000.0], [1.0], reduction="none")
    assert np.isinf(out).all()
    assert torch.isinf(F.poisson_nll_loss(T([1000.0]), T([1.0]), reduction="none")).all()


def test_gaussian_nll_zero_variance_is_clamped():
    out = gaussian_nll_loss([1.0], [0.0], [0.0], eps=1e-6, reduction="none")
    np.testing.assert_allclose(out, 0.5 * (math.log(1e-6) + 1 / 1e-6), rtol=1e-15)


# ----------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("name", sorted(GRADS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (6,), (3, 4)])
def test_gradient_matches_torch_autograd_and_finite_differences(name, reduction, shape):
    grad_fn, torch_fn, kw = GRADS[name]
    loss_fn = ELEMENTWISE[name][0]
    rng = np.random.default_rng(3)
    t = rng.normal(size=shape)
    r = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1, 1], size=shape)  # away from the kink
    p = t + r
    g = grad_fn(p, t, **kw, reduction=reduction)
    assert g.shape == np.shape(p) and g.dtype == np.float64
    np.testing.assert_allclose(g, torch_grad(torch_fn, p, t, reduction, **kw), rtol=1e-14, atol=1e-16)
    fd = central_diff(lambda x: float(np.sum(loss_fn(x, t, **kw, reduction=reduction))), p)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       name=st.sampled_from(sorted(GRADS)))
def test_gradient_parity_random(shape, seed, reduction, name):
    rng = np.random.default_rng(seed)
    p, t = rng.normal(size=shape) * 2, rng.normal(size=shape)
    grad_fn, torch_fn, kw = GRADS[name]
    np.testing.assert_allclose(grad_fn(p, t, **kw, reduction=reduction),
                               torch_grad(torch_fn, p, t, reduction, **kw), rtol=1e-14, atol=1e-16)


def test_l1_grad_is_zero_at_zero_like_torch():
    p = t = [1.0, 2.0]
    np.testing.assert_array_equal(l1_loss_grad(p, t, reduction="sum"), [0.0, 0.0])
    np.testing.assert_array_equal(torch_grad(F.l1_loss, p, t, "sum"), [0.0, 0.0])


def test_huber_grad_at_boundary_and_extremes_matches_torch():
    t = np.zeros(5)
    p = np.array([1.0, -1.0, 1e8, -1e8, 0.3])  # |r| = delta exactly, then the tails
    np.testing.assert_allclose(huber_loss_grad(p, t, reduction="sum"),
                               torch_grad(F.huber_loss, p, t, "sum"), rtol=0)
    np.testing.assert_array_equal(huber_loss_grad(p, t, reduction="sum"), [1, -1, 1, -1, 0.3])


def test_smooth_l1_log_cosh_quantile_grads_worked_values():
    # smooth L1 with beta 0.5: residuals -0.5, 0.5, 0, 1 are all at or past the kink but the tie
    np.testing.assert_array_equal(smooth_l1_loss_grad(PRED, TARGET, beta=0.5, reduction="none"),
                                  [-1.0, 1.0, 0.0, 1.0])
    # the slope of the quadratic part is r / beta
    np.testing.assert_array_equal(smooth_l1_loss_grad([0.25], [0.0], beta=0.5, reduction="sum"), [0.5])
    np.testing.assert_allclose(log_cosh_loss_grad(PRED, TARGET, reduction="none"),
                               np.tanh(np.subtract(PRED, TARGET)), rtol=0)
    np.testing.assert_array_equal(quantile_loss_grad(PRED, TARGET, q=0.75, reduction="none"),
                                  [-0.75, 0.25, 0.0, 0.25])
    # mean divides by the number of elements
    np.testing.assert_array_equal(quantile_loss_grad(PRED, TARGET, q=0.75),
                                  [-0.75 / 4, 0.25 / 4, 0.0, 0.25 / 4])


def test_smooth_l1_and_huber_grads_are_related_by_beta():
    rng = np.random.default_rng(7)
    p, t = rng.normal(size=50) * 3, rng.normal(size=50)
    np.testing.assert_allclose(smooth_l1_loss_grad(p, t, beta=0.6),
                               huber_loss_grad(p, t, delta=0.6) / 0.6, rtol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_new_grads_at_residual_1e8_and_at_the_kinks_match_torch(reduction):
    t = np.zeros(6)
    p = np.array([1e8, -1e8, 1.3, -1.3, 800.0, 0.4])  # tails, |r| = beta exactly, past cosh overflow
    for name in ("smooth_l1", "log_cosh", "quantile"):
        grad_fn, torch_fn, kw = GRADS[name]
        g = grad_fn(p, t, **kw, reduction=reduction)
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, torch_grad(torch_fn, p, t, reduction, **kw), rtol=1e-15, atol=0)
    scale = {"none": 1, "sum": 1, "mean": 6}[reduction]
    np.testing.assert_array_equal(log_cosh_loss_grad(p[:2], t[:2], reduction="sum"), [1.0, -1.0])
    np.testing.assert_array_equal(smooth_l1_loss_grad(p, t, beta=1.3, reduction=reduction)[:4] * scale,
                                  [1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(quantile_loss_grad(p, t, q=0.25, reduction=reduction)[:2] * scale,
                                  [0.75, -0.25])


def test_log_cosh_grad_finite_where_torch_autograd_of_log_cosh_is_nan():
    p, t = np.array([800.0, -1e8]), np.zeros(2)
    naive = torch_grad(lambda a, b, reduction: torch.log(torch.cosh(a - b)), p, t, "none")
    assert np.all(np.isnan(naive))  # cosh overflows to inf, and inf / inf in its backward
    np.testing.assert_array_equal(log_cosh_loss_grad(p, t, reduction="none"), [1.0, -1.0])


@pytest.mark.parametrize("q", [0.2, 0.5, 0.9])
def test_quantile_grad_at_the_kink_is_the_subgradient_zero(q):
    p = t = np.array([1.0, -2.0])
    np.testing.assert_array_equal(quantile_loss_grad(p, t, q=q, reduction="sum"), [0.0, 0.0])
    # torch's autograd of maximum splits a tie: 1/2 - q, which is 0 only for q = 0.5 (documented)
    np.testing.assert_allclose(torch_grad(torch_quantile_t, p, t, "sum", q=q), [0.5 - q] * 2, rtol=1e-15)


def test_gradient_reductions_scale_the_summed_gradient():
    rng = np.random.default_rng(11)
    p, t = rng.normal(size=1000) * 3, rng.normal(size=1000)
    for name in ("smooth_l1", "log_cosh", "quantile"):
        grad_fn, _, kw = GRADS[name]
        whole = grad_fn(p, t, **kw, reduction="none")
        for reduction, scale in (("none", 1.0), ("sum", 1.0), ("mean", p.size)):
            np.testing.assert_array_equal(grad_fn(p, t, **kw, reduction=reduction), whole / scale)


def test_empty_gradients():
    e = np.zeros(0)
    for f in ALL_GRADS:
        for red in REDUCTIONS:
            assert f(e, e, reduction=red).shape == (0,)


# ----------------------------------------------------------------------------- NaN policy

@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_nan_propagates(name):
    ours, ref, kw = ELEMENTWISE[name]
    p, t = [1.0, np.nan, 3.0], [0.5, 0.5, 0.5]
    per = ours(p, t, **kw, reduction="none")
    assert np.isnan(per[1]) and np.all(np.isfinite(per[[0, 2]]))
    assert np.isnan(ours(p, t, **kw))
    np.testing.assert_allclose(per, ref(p, t, "none", **kw).numpy(), rtol=1e-15)


def test_nan_propagates_through_gradients_and_likelihoods():
    p, t = [1.0, np.nan], [0.0, 0.0]
    for f in ALL_GRADS:
        g = f(p, t, reduction="none")
        assert np.isnan(g[1]) and np.isfinite(g[0])
        g = f(t, p, reduction="none")  # NaN in the target
        assert np.isnan(g[1]) and np.isfinite(g[0])
        g = f(p, t)  # mean: NaN only where the input is NaN
        assert np.isnan(g[1]) and np.isfinite(g[0])
    g = gaussian_nll_loss([1.0, 1.0], [0.0, 0.0], [1.0, np.nan], reduction="none")
    assert np.isnan(g[1]) and np.isfinite(g[0])
    for full in (False, True):
        out = poisson_nll_loss([1.0, np.nan], [3.0, 3.0], full=full, reduction="none")
        assert np.isnan(out[1]) and np.isfinite(out[0])
        out = poisson_nll_loss([1.0, 1.0], [3.0, np.nan], full=full, reduction="none")
        assert np.isnan(out[1]) and np.isfinite(out[0])


# ----------------------------------------------------------------------------- bad input

ALL_LOSSES = [mse_loss, l1_loss, huber_loss, smooth_l1_loss, log_cosh_loss, quantile_loss,
              poisson_nll_loss] + ALL_GRADS


@pytest.mark.parametrize("f", ALL_LOSSES, ids=lambda f: f.__name__)
def test_shape_mismatch_even_when_numpy_would_broadcast(f):
    with pytest.raises(ValueError, match=r"pred has shape \(4,\) but target has shape \(4, 1\)"):
        f(np.ones(4), np.ones((4, 1)))
    with pytest.raises(ValueError, match="they must match"):
        f(np.ones(3), np.ones(4))


@pytest.mark.parametrize("f", ALL_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", ["avg", "batchmean", None, "Mean"])
def test_unknown_reduction(f, bad):
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum'"):
        f([1.0], [1.0], reduction=bad)


@pytest.mark.parametrize("f", ALL_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [["a", "b"], [1.0, None], [1 + 2j, 1.0], "1.5"])
def test_non_numeric_input(f, bad):
    with pytest.raises(ValueError, match="pred (must|contains)"):
        f(bad, [1.0, 2.0])
    with pytest.raises(ValueError, match="target (must|contains)"):
        f([1.0, 2.0], bad)


@pytest.mark.parametrize("f,param", [(huber_loss, "delta"), (huber_loss_grad, "delta"),
                                     (smooth_l1_loss, "beta"), (smooth_l1_loss_grad, "beta")])
@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, "1", True])
def test_delta_and_beta_must_be_positive(f, param, bad):
    with pytest.raises(ValueError, match=f"{param} must be a positive"):
        f([1.0], [2.0], **{param: bad})


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, np.nan, "0.5"])
def test_quantile_q_must_be_in_open_unit_interval(bad):
    for f in (quantile_loss, quantile_loss_grad):
        with pytest.raises(ValueError, match="q must be strictly between 0 and 1"):
            f([1.0], [2.0], q=bad)


def test_gaussian_nll_bad_var():
    with pytest.raises(ValueError, match="var must be >= 0"):
        gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], [1.0, -0.1])
    with pytest.raises(ValueError, match="var must be >= 0"):
        gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], -1.0)
    with pytest.raises(ValueError, match=r"var has shape \(3,\), which does not fit pred of shape \(2,\)"):
        gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="does not fit pred of shape"):
        gaussian_nll_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((1, 1)))  # two dims mismatch
    with pytest.raises(ValueError, match="var must hold real numbers"):
        gaussian_nll_loss([1.0], [1.0], ["x"])
    with pytest.raises(ValueError, match="eps must be a positive"):
        gaussian_nll_loss([1.0], [1.0], [1.0], eps=0.0)
    with pytest.raises(ValueError, match="full must be True or False"):
        gaussian_nll_loss([1.0], [1.0], [1.0], full="yes")
    with pytest.raises(ValueError, match="pred has shape"):
        gaussian_nll_loss(np.ones(4), np.ones((4, 1)), 1.0)


def test_torch_rejects_the_var_shapes_we_reject():
    with pytest.raises(ValueError):
        F.gaussian_nll_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(1, 1))
    with pytest.raises(ValueError):
        F.gaussian_nll_loss(torch.ones(2), torch.ones(2), torch.tensor([1.0, -0.1]))


def test_poisson_nll_bad_input():
    with pytest.raises(ValueError, match="target must hold counts >= 0"):
        poisson_nll_loss([0.0], [-1.0])
    with pytest.raises(ValueError, match="pred must be a rate >= 0 when log_input=False"):
        poisson_nll_loss([-0.5], [1.0], log_input=False)
    with pytest.raises(ValueError, match="log_input must be True or False"):
        poisson_nll_loss([0.5], [1.0], log_input=1)
    with pytest.raises(ValueError, match="eps must be a positive"):
        poisson_nll_loss([0.5], [1.0], eps=-1e-8)


def test_hyperparameters_are_keyword_only():
    with pytest.raises(TypeError):
        huber_loss([1.0], [2.0], 1.0)
    with pytest.raises(TypeError):
        mse_loss([1.0], [2.0], "sum")
