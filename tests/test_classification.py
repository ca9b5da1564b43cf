"""Tests of lossutils.classification (torch is the reference)."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from lossutils.classification import (
    binary_cross_entropy, binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad,
    cross_entropy, cross_entropy_grad, kl_div, log_softmax, nll_loss, nll_loss_grad, sigmoid,
    sigmoid_focal_loss, softmax,
)
from _helpers import L, REDUCTIONS, T, assert_reduced, central_diff, no_warnings, torch_reduce

SMOOTHING = [0.0, 0.1, 0.5, 1.0]


def random_ce_case(rng, n, c, kind, weighted, scale=2.0):
    z = rng.normal(scale=scale, size=(n, c))
    if kind == "index":
        t = rng.integers(0, c, size=n)
        tt = L(t)
    else:
        t = rng.dirichlet(np.ones(c), size=n)
        tt = T(t)
    w = rng.uniform(0.2, 3.0, size=c) if weighted else None
    return z, t, tt, w


def torch_ce(z, tt, w, eps, reduction):
    return F.cross_entropy(T(z), tt, weight=None if w is None else T(w),
                           label_smoothing=eps, reduction=reduction)


def torch_ce_grad(z, tt, w, eps, reduction):
    zt = T(z).requires_grad_(True)
    loss = F.cross_entropy(zt, tt, weight=None if w is None else T(w),
                           label_smoothing=eps, reduction=reduction)
    (loss.sum() if reduction == "none" else loss).backward()
    return zt.grad.numpy()


def torch_focal(z, y, alpha, gamma, reduction):
    # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not installed)
    z, y = T(z), T(y)
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return torch_reduce(loss, reduction)


# ============================================================================ softmax & co

def test_softmax_worked_value():
    np.testing.assert_allclose(softmax([2.0, 1.0, 0.1]),
                               np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum(), rtol=1e-15)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 30.0, 1000.0]),
       data=st.data())
def test_softmax_log_softmax_parity_with_torch(shape, seed, scale, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(scale=scale, size=shape)
    with no_warnings():
        s, ls = softmax(x, axis=axis), log_softmax(x, axis=axis)
    np.testing.assert_allclose(s, torch.softmax(T(x), dim=axis).numpy(), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(ls, torch.log_softmax(T(x), dim=axis).numpy(), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-14)
    assert np.all(np.isfinite(ls))


def test_softmax_extremes_finite_and_naive_form_overflows():
    x = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    with no_warnings():
        s, ls = softmax(x), log_softmax(x)
    np.testing.assert_allclose(s, torch.softmax(T(x), -1).numpy(), rtol=1e-15)
    np.testing.assert_array_equal(ls, torch.log_softmax(T(x), -1).numpy())
    assert ls[0, 2] == -2000.0 and np.all(np.isfinite(ls))
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x[0]) / np.exp(x[0]).sum()
    assert np.isnan(naive[0])  # inf / inf: the naive softmax breaks at 1000


def test_softmax_nan_and_inf_follow_torch():
    x = np.array([[np.nan, 0.0], [np.inf, 0.0], [-np.inf, -np.inf], [-np.inf, 0.0]])
    with no_warnings():
        s, ls = softmax(x), log_softmax(x)
    np.testing.assert_array_equal(s, torch.softmax(T(x), -1).numpy())
    np.testing.assert_array_equal(ls, torch.log_softmax(T(x), -1).numpy())


def test_softmax_empty_and_axis_errors():
    assert softmax(np.zeros((0, 3))).shape == (0, 3)
    assert log_softmax(np.zeros((2, 0)), axis=0).shape == (2, 0)
    with pytest.raises(ValueError, match=r"axis=2 is out of range .* use a value in \[-2, 1\]"):
        softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="axis=-3 is out of range"):
        log_softmax(np.zeros((2, 3)), axis=-3)
    with pytest.raises(ValueError, match="axis must be an integer"):
        softmax([1.0, 2.0], axis=0.5)
    with pytest.raises(ValueError, match="scalar"):
        softmax(1.0)
    with pytest.raises(ValueError, match="x must hold real numbers"):
        softmax(["a", "b"])


def test_sigmoid_parity_and_extremes():
    x = np.concatenate([np.random.default_rng(0).normal(scale=5, size=50),
                        [0.0, 1000.0, -1000.0, 745.0, -745.0, 40.0, -40.0, np.nan, np.inf, -np.inf]])
    with no_warnings():
        s = sigmoid(x)
    # atol: at -745 exp underflows to the smallest subnormal; torch returns 0 there
    np.testing.assert_allclose(s, torch.sigmoid(T(x)).numpy(), rtol=1e-15, atol=1e-300)
    assert sigmoid(1000.0) == 1.0 and sigmoid(-1000.0) == 0.0 and sigmoid(0) == 0.5
    assert s.dtype == np.float64
    with pytest.raises(ValueError, match="x contains None"):
        sigmoid([None])


# ============================================================================ cross-entropy

def test_cross_entropy_worked_values_from_syllabus():
    assert round(float(cross_entropy([[2.0, 1.0, 0.1]], [0])), 3) == 0.417
    np.testing.assert_allclose(cross_entropy([[2.0, 1.0, 0.1]], [0]),
                               -math.log(math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1))),
                               rtol=1e-15)
    # logits [2, 5, 1] with true class 1, and the reversed, confidently wrong case
    right = float(cross_entropy([[2.0, 5.0, 1.0]], [1]))
    wrong = float(cross_entropy([[5.0, 2.0, 1.0]], [1]))
    np.testing.assert_allclose(right, math.log(math.exp(2 - 5) + 1 + math.exp(1 - 5)), rtol=1e-15)
    assert wrong > 3 > 0.1 > right
    # the three confidence scenarios with true class 0: not the widely copied 0.04 / 1.10 / 4.56
    z = np.array([[5, 0.5, 0.5], [1.2, 1, 0.8], [0.5, 0.5, 5]])
    out = cross_entropy(z, [0, 0, 0], reduction="none")
    np.testing.assert_allclose(out, F.cross_entropy(T(z), L([0, 0, 0]), reduction="none").numpy(),
                               rtol=1e-15)
    assert not np.allclose(out, [0.04, 1.10, 4.56], atol=0.005)


def test_cross_entropy_uniform_baseline_is_log_k():
    for k in (2, 3, 10):
        np.testing.assert_allclose(cross_entropy(np.zeros((4, k)), [0, 1, 0, 1]), math.log(k),
                                   rtol=1e-15)


def test_one_hot_and_index_targets_give_the_same_number():
    rng = np.random.default_rng(4)
    z, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    onehot = np.eye(4)[y]
    for eps in SMOOTHING:
        for red in REDUCTIONS:
            np.testing.assert_allclose(cross_entropy(z, y, label_smoothing=eps, reduction=red),
                                       cross_entropy(z, onehot, label_smoothing=eps, reduction=red),
                                       rtol=1e-14)
    # integer one-hot arrays are read as probabilities too
    np.testing.assert_allclose(cross_entropy(z, onehot.astype(int)), cross_entropy(z, y), rtol=1e-15)


def test_cross_entropy_equals_nll_of_log_softmax():
    rng = np.random.default_rng(5)
    z, y, w = rng.normal(size=(7, 3)), rng.integers(0, 3, size=7), rng.uniform(0.5, 2, size=3)
    for red in REDUCTIONS:
        np.testing.assert_allclose(cross_entropy(z, y, weight=w, reduction=red),
                                   nll_loss(log_softmax(z), y, weight=w, reduction=red), rtol=1e-14)


def test_weighted_mean_divides_by_the_summed_true_class_weights():
    z = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    y, w = np.array([0, 1, 1]), np.array([1.0, 3.0])
    per = cross_entropy(z, y, reduction="none")
    np.testing.assert_allclose(cross_entropy(z, y, weight=w), (per * w[y]).sum() / w[y].sum(),
                               rtol=1e-15)
    np.testing.assert_allclose(cross_entropy(z, y, weight=w, reduction="none"), per * w[y],
                               rtol=1e-15)


def test_label_smoothing_formula():
    z, y, eps = np.array([[2.0, 1.0, 0.1]]), np.array([0]), 0.1
    ls = log_softmax(z)[0]
    expected = -((1 - eps) * ls[0] + eps / 3 * ls.sum())
    np.testing.assert_allclose(cross_entropy(z, y, label_smoothing=eps), expected, rtol=1e-15)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(1, 5),
       kind=st.sampled_from(["index", "probs"]), weighted=st.booleans(),
       eps=st.sampled_from(SMOOTHING), reduction=st.sampled_from(REDUCTIONS),
       scale=st.sampled_from([1.0, 5.0, 1000.0]))
def test_cross_entropy_parity_and_gradient_with_torch(seed, n, c, kind, weighted, eps, reduction, scale):
    rng = np.random.default_rng(seed)
    z, t, tt, w = random_ce_case(rng, n, c, kind, weighted, scale)
    with no_warnings():
        out = cross_entropy(z, t, weight=w, label_smoothing=eps, reduction=reduction)
        g = cross_entropy_grad(z, t, weight=w, label_smoothing=eps, reduction=reduction)
    ref = torch_ce(z, tt, w, eps, reduction).numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    assert g.shape == z.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, torch_ce_grad(z, tt, w, eps, reduction), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["index", "probs"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_grad_matches_finite_differences(kind, weighted, eps, reduction):
    rng = np.random.default_rng(6)
    z, t, _, w = random_ce_case(rng, 4, 3, kind, weighted)
    g = cross_entropy_grad(z, t, weight=w, label_smoothing=eps, reduction=reduction)
    fd = central_diff(lambda x: float(np.sum(cross_entropy(x, t, weight=w, label_smoothing=eps,
                                                           reduction=reduction))), z)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_cross_entropy_grad_is_softmax_minus_smoothed_one_hot():
    z, y, eps = np.array([[2.0, 5.0, 1.0], [0.0, 0.0, 3.0]]), np.array([1, 0]), 0.1
    y_smooth = (1 - eps) * np.eye(3)[y] + eps / 3
    np.testing.assert_allclose(cross_entropy_grad(z, y, label_smoothing=eps, reduction="sum"),
                               softmax(z) - y_smooth, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["index", "probs"])
def test_cross_entropy_unbatched_sample(reduction, kind):
    z = np.array([2.0, 1.0, 0.1])
    t, tt = (1, L(1)) if kind == "index" else ([0.2, 0.5, 0.3], T([0.2, 0.5, 0.3]))
    w = np.array([1.0, 2.0, 0.5])
    out = cross_entropy(z, t, weight=w, label_smoothing=0.1, reduction=reduction)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    np.testing.assert_allclose(out, torch_ce(z, tt, w, 0.1, reduction).numpy(), rtol=1e-14)
    g = cross_entropy_grad(z, t, weight=w, label_smoothing=0.1, reduction=reduction)
    assert g.shape == (3,)
    np.testing.assert_allclose(g, torch_ce_grad(z, tt, w, 0.1, reduction), rtol=1e-14, atol=1e-16)
    if kind == "index":
        np.testing.assert_allclose(nll_loss(log_softmax(z), t, weight=w, reduction=reduction),
                                   F.nll_loss(torch.log_softmax(T(z), -1), tt, weight=T(w),
                                              reduction=reduction).numpy(), rtol=1e-14)


def test_cross_entropy_extreme_logits_finite_and_equal_to_torch():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [1000.0, 1000.0, -1000.0]])
    y = np.array([1, 1, 2])
    for eps in (0.0, 0.1):
        for red in REDUCTIONS:
            with no_warnings():
                out = cross_entropy(z, y, label_smoothing=eps, reduction=red)
                g = cross_entropy_grad(z, y, label_smoothing=eps, reduction=red)
            assert np.all(np.isfinite(out)) and np.all(np.isfinite(g))
            np.testing.assert_allclose(out, torch_ce(z, L(y), None, eps, red).numpy(), rtol=1e-15)
            np.testing.assert_allclose(g, torch_ce_grad(z, L(y), None, eps, red), rtol=1e-13,
                                       atol=1e-16)
    assert float(cross_entropy(z, y, reduction="none")[0]) == 2000.0


def test_cross_entropy_empty_batch_follows_torch():
    z = np.zeros((0, 3))
    for t, tt in ((np.zeros(0, dtype=int), L(np.zeros(0, dtype=int))), (np.zeros((0, 3)), T(np.zeros((0, 3))))):
        with no_warnings():
            for red in REDUCTIONS:
                out = cross_entropy(z, t, weight=np.ones(3), reduction=red)
                np.testing.assert_array_equal(out, torch_ce(z, tt, np.ones(3), 0.0, red).numpy())
                assert cross_entropy_grad(z, t, reduction=red).shape == (0, 3)
            assert np.isnan(cross_entropy(z, t)) and float(cross_entropy(z, t, reduction="sum")) == 0.0
            assert np.isnan(nll_loss(z, np.zeros(0, dtype=int)))


def test_cross_entropy_nan_propagates():
    z = np.array([[np.nan, 1.0, 0.0], [1.0, 2.0, 3.0]])
    per = cross_entropy(z, [0, 2], reduction="none")
    assert np.isnan(per[0]) and np.isfinite(per[1])
    assert np.isnan(cross_entropy(z, [0, 2]))
    g = cross_entropy_grad(z, [0, 2], reduction="none")
    assert np.all(np.isnan(g[0])) and np.all(np.isfinite(g[1]))
    per = cross_entropy([[1.0, 0.0], [1.0, 0.0]], [[np.nan, 0.5], [0.5, 0.5]], reduction="none")
    assert np.isnan(per[0]) and np.isfinite(per[1])


# ---------------------------------------------------------------------------- nll_loss

@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(1, 5),
       weighted=st.booleans(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_parity_with_torch(seed, n, c, weighted, reduction):
    rng = np.random.default_rng(seed)
    lp = log_softmax(rng.normal(size=(n, c)))
    y = rng.integers(0, c, size=n)
    w = rng.uniform(0.2, 3, size=c) if weighted else None
    ref = F.nll_loss(T(lp), L(y), weight=None if w is None else T(w), reduction=reduction)
    np.testing.assert_allclose(nll_loss(lp, y, weight=w, reduction=reduction), ref.numpy(), rtol=1e-14)


@pytest.mark.parametrize("n_classes", [1, 2, 3, 10, 33])
def test_unit_weights_change_nothing(n_classes):
    rng = np.random.default_rng(20)
    z = rng.standard_normal((40, n_classes)) * 5
    z[3] = [np.nan] + [0.0] * (n_classes - 1)
    z[4, 0] = 800.0
    z[5, -1] = -np.inf  # a class that is never chosen; row 5's target must be another one
    y = rng.integers(0, n_classes, 40)
    y[5] = 0
    ones = np.ones(n_classes)
    for reduction in REDUCTIONS:
        for f in (cross_entropy, cross_entropy_grad, nll_loss, nll_loss_grad):
            x = z if f in (cross_entropy, cross_entropy_grad) else log_softmax(z)
            np.testing.assert_array_equal(f(x, y, reduction=reduction), f(x, y, weight=ones, reduction=reduction))


# ------------------------------------------------------------------------- ignore_index

@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(1, 5),
       weighted=st.booleans(), eps=st.sampled_from([0.0, 0.3]),
       reduction=st.sampled_from(REDUCTIONS), ignore_index=st.sampled_from([-100, -1, 0]))
def test_ignore_index_parity_and_gradient_with_torch(seed, n, c, weighted, eps, reduction, ignore_index):
    rng = np.random.default_rng(seed)
    z, y, _, w = random_ce_case(rng, n, c, "index", weighted)
    y = np.where(rng.random(n) < 0.4, ignore_index, y)
    y[0] = 0 if ignore_index != 0 else c - 1  # at least one sample counts (all ignored: below)
    kwargs = dict(weight=w, ignore_index=ignore_index, reduction=reduction)
    wt = None if w is None else T(w)
    zt = T(z).requires_grad_(True)
    ref = F.cross_entropy(zt, L(y), weight=wt, ignore_index=ignore_index, label_smoothing=eps,
                          reduction=reduction)
    (ref.sum() if reduction == "none" else ref).backward()
    with no_warnings():
        out = cross_entropy(z, y, label_smoothing=eps, **kwargs)
        g = cross_entropy_grad(z, y, label_smoothing=eps, **kwargs)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    # nll_loss on log-probabilities, and its gradient
    lpt = F.log_softmax(T(z), dim=1).requires_grad_(True)
    ref = F.nll_loss(lpt, L(y), weight=wt, ignore_index=ignore_index, reduction=reduction)
    (ref.sum() if reduction == "none" else ref).backward()
    lp = lpt.detach().numpy()
    np.testing.assert_allclose(nll_loss(lp, y, **kwargs), ref.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nll_loss_grad(lp, y, **kwargs), lpt.grad.numpy(), rtol=1e-15)


def test_ignore_index_worked_value_and_every_sample_ignored():
    z = np.array([[2.0, 1.0, 0.1], [0.0, 5.0, 0.0], [1.0, 1.0, 1.0]])
    per = cross_entropy(z, [0, -100, 2], reduction="none")
    assert per[1] == 0.0
    np.testing.assert_allclose(float(cross_entropy(z, [0, -100, 2])), (per[0] + per[2]) / 2, rtol=1e-15)
    np.testing.assert_allclose(float(cross_entropy(z, [0, 7, 2], ignore_index=7)), (per[0] + per[2]) / 2,
                               rtol=1e-15)
    assert cross_entropy_grad(z, [0, -100, 2])[1].tolist() == [0.0, 0.0, 0.0]
    everything = np.full(3, -100)
    zt = T(z).requires_grad_(True)
    ref = F.cross_entropy(zt, L(everything))
    ref.backward()
    with no_warnings():  # all ignored: "mean" is 0/0 = NaN and the gradient 0, as torch
        assert np.isnan(cross_entropy(z, everything)) and np.isnan(ref.item())
        np.testing.assert_array_equal(cross_entropy_grad(z, everything), zt.grad.numpy())
        assert np.isnan(nll_loss(z, everything)) and float(nll_loss(z, everything, reduction="sum")) == 0.0
        assert float(cross_entropy(z[0], -100, reduction="none")) == 0.0  # one sample


def test_ignore_index_leaves_probability_targets_alone_and_is_checked():
    z, probs = np.zeros((2, 3)), np.full((2, 3), 1 / 3)
    assert float(cross_entropy(z, probs, ignore_index=0)) == pytest.approx(np.log(3), rel=1e-15)
    with pytest.raises(ValueError, match=r"class index -1, out of range for 3 classes.*ignore_index=-100"):
        cross_entropy(z, [0, -1])
    for bad in (0.5, "a", None, float("nan")):
        with pytest.raises(ValueError, match="ignore_index must be an integer"):
            cross_entropy(z, [0, 1], ignore_index=bad)
        with pytest.raises(ValueError, match="ignore_index must be an integer"):
            nll_loss(z, [0, 1], ignore_index=bad)


# ---------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad, nll_loss],
                         ids=lambda f: f.__name__)
def test_multiclass_bad_input(f):
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"class index 3, out of range for 3 classes; class indices must be in \[0, 2\]"):
        f(z, [0, 3])
    with pytest.raises(ValueError, match=r"class index -1.*must be in \[0, 2\]"):
        f(z, [-1, 0])
    with pytest.raises(ValueError, match=r"class index 5.*must be in \[0, 2\]"):
        f([1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError, match=r"must be a 1-D or 2-D array of shape \(N, C\).*move the class axis"):
        f(np.zeros((2, 3, 4)), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match=r"1-D or 2-D array .* got shape \(\)"):
        f(1.0, 0)
    with pytest.raises(ValueError, match=r"zero classes"):
        f(np.zeros((2, 0)), [0, 0])
    with pytest.raises(ValueError, match=r"target has shape \(3,\), which does not fit scores of shape"):
        f(z, [0, 1, 2])
    with pytest.raises(ValueError, match=r"weight has shape \(2,\) but there are 3 classes; .* shape \(3,\)"):
        f(z, [0, 1], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="non-integer values"):
        f(z, [0.5, 1.0])
    with pytest.raises(ValueError, match="booleans"):
        f(z, [True, False])
    with pytest.raises(ValueError, match="must hold integer class indices"):
        f(z, ["a", "b"])
    with pytest.raises(ValueError, match="must hold real numbers"):
        f([["a", "b", "c"]], [0])
    with pytest.raises(ValueError, match="reduction must be one of"):
        f(z, [0, 1], reduction="batchmean")


@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad], ids=lambda f: f.__name__)
def test_cross_entropy_bad_smoothing_and_probabilities(f):
    z = np.zeros((2, 3))
    for bad in (-0.1, 1.5, np.nan, "0.1"):
        with pytest.raises(ValueError, match="label_smoothing must be between 0 and 1"):
            f(z, [0, 1], label_smoothing=bad)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], found 1.5"):
        f(z, [[1.5, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], found -0.2"):
        f(z, [[-0.2, 0.6, 0.6], [0, 1, 0]])
    with pytest.raises(ValueError, match="target has shape"):
        f(z, np.zeros((2, 4)))


def test_nll_loss_rejects_probability_targets():
    with pytest.raises(ValueError, match=r"pass class indices of shape \(2,\)"):
        nll_loss(np.zeros((2, 3)), np.zeros((2, 3)))


# ============================================================================ binary

def test_bce_worked_values_and_clamp():
    np.testing.assert_allclose(binary_cross_entropy([0.9, 0.2], [1.0, 0.0]),
                               -(math.log(0.9) + math.log(0.8)) / 2, rtol=1e-15)
    # p exactly 0 or 1: log clamped at -100, like torch
    p, y = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with no_warnings():
        out = binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(out, [100.0, 100.0, 0.0, 0.0, math.log(2)], rtol=1e-15)
    np.testing.assert_allclose(out, F.binary_cross_entropy(T(p), T(y), reduction="none").numpy(),
                               rtol=1e-15)


def test_bce_is_two_class_cross_entropy():
    rng = np.random.default_rng(7)
    z, y = rng.normal(size=8), rng.integers(0, 2, size=8)
    two_class = np.stack([np.zeros(8), z], axis=1)  # sigmoid(z) = softmax([0, z])[1]
    np.testing.assert_allclose(binary_cross_entropy(sigmoid(z), y.astype(float)),
                               cross_entropy(two_class, y), rtol=1e-13)
    np.testing.assert_allclose(binary_cross_entropy_with_logits(z, y), cross_entropy(two_class, y),
                               rtol=1e-13)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       weight_kind=st.sampled_from([None, "same", "last", "scalar"]), soft=st.booleans())
def test_bce_parity_with_torch(shape, seed, reduction, weight_kind, soft):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=shape)
    if p.size > 2:
        p.flat[0], p.flat[1] = 0.0, 1.0  # exact ends
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    w = None if weight_kind is None else rng.uniform(0.1, 2.0, size={
        "same": shape, "last": shape[-1:], "scalar": ()}[weight_kind])
    with no_warnings():
        out = binary_cross_entropy(p, y, weight=w, reduction=reduction)
    ref = F.binary_cross_entropy(T(p), T(y), weight=None if w is None else T(w), reduction=reduction)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-13, atol=1e-14)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       weighted=st.booleans(), pos_weighted=st.booleans(), soft=st.booleans(),
       scale=st.sampled_from([1.0, 10.0, 1000.0]))
def test_bce_with_logits_parity_and_gradient_with_torch(shape, seed, reduction, weighted,
                                                        pos_weighted, soft, scale):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=scale, size=shape)
    y = rng.uniform(size=shape) if soft else rng.integers(0, 2, size=shape).astype(float)
    w = rng.uniform(0.1, 2.0, size=shape) if weighted else None
    pw = rng.uniform(0.5, 5.0, size=shape[-1:]) if pos_weighted else None
    kw = dict(weight=w, pos_weight=pw, reduction=reduction)
    tkw = dict(weight=None if w is None else T(w), pos_weight=None if pw is None else T(pw),
               reduction=reduction)
    with no_warnings():
        out = binary_cross_entropy_with_logits(z, y, **kw)
        g = binary_cross_entropy_with_logits_grad(z, y, **kw)
    zt = T(z).requires_grad_(True)
    ref = F.binary_cross_entropy_with_logits(zt, T(y), **tkw)
    (ref.sum() if reduction == "none" else ref).backward()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert g.shape == z.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("pos_weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_grad_matches_finite_differences(pos_weighted, reduction):
    rng = np.random.default_rng(8)
    z, y = rng.normal(size=(3, 4)) * 2, rng.uniform(size=(3, 4))
    w, pw = rng.uniform(0.5, 2, size=(3, 4)), (rng.uniform(1, 4, size=4) if pos_weighted else None)
    kw = dict(weight=w, pos_weight=pw, reduction=reduction)
    fd = central_diff(lambda x: float(np.sum(binary_cross_entropy_with_logits(x, y, **kw))), z)
    np.testing.assert_allclose(binary_cross_entropy_with_logits_grad(z, y, **kw), fd, rtol=1e-6, atol=1e-9)


def test_bce_with_logits_extremes_and_naive_form():
    z, y = np.array([1000.0, -1000.0, 1000.0, -1000.0]), np.array([1.0, 0.0, 0.0, 1.0])
    with no_warnings():
        out = binary_cross_entropy_with_logits(z, y, reduction="none")
        g = binary_cross_entropy_with_logits_grad(z, y, reduction="none")
    np.testing.assert_array_equal(out, [0.0, 0.0, 1000.0, 1000.0])
    np.testing.assert_array_equal(out, F.binary_cross_entropy_with_logits(T(z), T(y), reduction="none").numpy())
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, -1.0])
    # the naive form through probabilities saturates at the clamp instead of growing with z
    assert float(binary_cross_entropy(sigmoid([1000.0]), [0.0])) == 100.0


def test_pos_weight_scales_the_positive_term():
    z, y = np.array([0.3, -0.2]), np.array([1.0, 0.0])
    base = binary_cross_entropy_with_logits(z, y, reduction="none")
    out = binary_cross_entropy_with_logits(z, y, pos_weight=3.0, reduction="none")
    np.testing.assert_allclose(out, [3 * base[0], base[1]], rtol=1e-15)


def test_binary_nan_propagates():
    out = binary_cross_entropy([0.5, np.nan], [1.0, 1.0], reduction="none")
    assert np.isfinite(out[0]) and np.isnan(out[1])
    out = binary_cross_entropy_with_logits([0.5, np.nan], [1.0, np.nan], reduction="none")
    assert np.isfinite(out[0]) and np.isnan(out[1])
    g = binary_cross_entropy_with_logits_grad([0.5, np.nan], [1.0, 1.0], reduction="none")
    assert np.isfinite(g[0]) and np.isnan(g[1])
    assert np.isnan(sigmoid_focal_loss([0.5, np.nan], [1.0, 1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_empty_input(reduction):
    e = np.zeros(0)
    expected = {"none": np.zeros(0), "sum": 0.0, "mean": np.nan}[reduction]
    with no_warnings():
        for f in (binary_cross_entropy, binary_cross_entropy_with_logits, sigmoid_focal_loss):
            np.testing.assert_array_equal(f(e, e, reduction=reduction), expected)
        assert binary_cross_entropy_with_logits_grad(e, e, reduction=reduction).shape == (0,)


@pytest.mark.parametrize("f", [binary_cross_entropy, binary_cross_entropy_with_logits,
                               binary_cross_entropy_with_logits_grad, sigmoid_focal_loss],
                         ids=lambda f: f.__name__)
def test_binary_bad_input(f):
    first = "probs" if f is binary_cross_entropy else "logits"
    with pytest.raises(ValueError, match=rf"{first} has shape \(4,\) but target has shape \(4, 1\)"):
        f(np.full(4, 0.5), np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], found 2.0"):
        f([0.5, 0.5], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], found -1.0"):
        f([0.5, 0.5], [-1.0, 1.0])
    with pytest.raises(ValueError, match="reduction must be one of"):
        f([0.5], [1.0], reduction="avg")
    with pytest.raises(ValueError, match=f"{first} must hold real numbers"):
        f(["0.5"], [1.0])
    if f is not sigmoid_focal_loss:
        with pytest.raises(ValueError, match=r"weight has shape \(3,\), which does not broadcast .* \(2, 4\)"):
            f(np.full((2, 4), 0.5), np.ones((2, 4)), weight=np.ones(3))


def test_bce_probs_outside_unit_interval():
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\].*logits"):
            binary_cross_entropy([0.5, bad], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"pos_weight has shape \(3,\), which does not broadcast"):
        binary_cross_entropy_with_logits(np.zeros((2, 4)), np.ones((2, 4)), pos_weight=np.ones(3))


# ---------------------------------------------------------------------------- focal loss

@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS),
       alpha=st.sampled_from([0.25, -1.0, 0.0, 1.0, 0.6]), gamma=st.sampled_from([0.0, 0.5, 2.0, 5.0]),
       scale=st.sampled_from([1.0, 10.0, 1000.0]))
def test_focal_parity_with_torchvision_formula(shape, seed, reduction, alpha, gamma, scale):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(scale=scale, size=shape), rng.integers(0, 2, size=shape).astype(float)
    with no_warnings():
        out = sigmoid_focal_loss(z, y, alpha=alpha, gamma=gamma, reduction=reduction)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, torch_focal(z, y, alpha, gamma, reduction).numpy(),
                               rtol=1e-12, atol=1e-14)


def test_focal_special_cases():
    rng = np.random.default_rng(9)
    z, y = rng.normal(size=10), rng.integers(0, 2, size=10).astype(float)
    # gamma = 0 and no alpha: plain BCE with logits
    np.testing.assert_allclose(sigmoid_focal_loss(z, y, alpha=-1, gamma=0),
                               binary_cross_entropy_with_logits(z, y), rtol=1e-15)
    # focusing: an easy example is down-weighted far more than a hard one
    easy = float(sigmoid_focal_loss([4.0], [1.0], alpha=-1) / binary_cross_entropy_with_logits([4.0], [1.0]))
    hard = float(sigmoid_focal_loss([-4.0], [1.0], alpha=-1) / binary_cross_entropy_with_logits([-4.0], [1.0]))
    assert easy < 1e-3 < 0.9 < hard
    assert_reduced(sigmoid_focal_loss(z, y))  # default reduction "mean"


def test_focal_bad_hyperparameters():
    for bad in (-1.0, np.inf, np.nan, "2"):
        with pytest.raises(ValueError, match="gamma must be"):
            sigmoid_focal_loss([0.5], [1.0], gamma=bad)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        sigmoid_focal_loss([0.5], [1.0], alpha=1.5)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        sigmoid_focal_loss([0.5], [1.0], alpha=None)


# ============================================================================ KL divergence

KL_REDUCTIONS = ["batchmean", "sum", "mean", "none"]


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(KL_REDUCTIONS),
       log_target=st.booleans(), zeros=st.booleans())
def test_kl_div_parity_with_torch(shape, seed, reduction, log_target, zeros):
    rng = np.random.default_rng(seed)
    x = np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])) if shape else np.log(rng.uniform())
    t = rng.uniform(size=shape)
    if zeros:
        t = np.where(rng.uniform(size=shape) < 0.3, 0.0, t)  # 0 log 0 = 0
    with np.errstate(divide="ignore"):
        t_in = np.log(t) if log_target else t
    with no_warnings():
        out = kl_div(x, t_in, reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about reduction="mean"
        ref = F.kl_div(T(x), T(t_in), reduction=reduction, log_target=log_target)
    if not (zeros and log_target):  # log target -inf: 0 * -inf = NaN in torch and here
        assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12, atol=1e-14)


def test_kl_div_worked_value_and_identities():
    p, q = np.array([[0.9, 0.1]]), np.array([[0.5, 0.5]])
    kl = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    np.testing.assert_allclose(kl_div(np.log(q), p), kl, rtol=1e-15)  # default: batchmean
    # cross-entropy = entropy + KL
    z = np.log(q)
    ce = float(cross_entropy(z, p))
    entropy = -(p * np.log(p)).sum()
    np.testing.assert_allclose(ce, entropy + kl, rtol=1e-14)
    # KL of a distribution with itself is 0; a zero target costs nothing (0 log 0 = 0)
    r = np.array([[0.2, 0.1, 0.7]])
    assert float(kl_div(np.log(r), r)) == 0.0
    with no_warnings():
        out = kl_div(np.log(r), [[0.0, 0.3, 0.7]], reduction="none")
    np.testing.assert_allclose(out[0], [0.0, 0.3 * math.log(3), 0.0], rtol=1e-15, atol=1e-300)
    # like torch, a zero target against log_pred = -inf is 0 * -inf = NaN
    with np.errstate(divide="ignore"):
        lp = np.log([[0.0, 0.3, 0.7]])
    assert np.isnan(kl_div(lp, [[0.0, 0.3, 0.7]], reduction="none")[0, 0])
    assert torch.isnan(F.kl_div(T(lp), T([[0.0, 0.3, 0.7]]), reduction="none")[0, 0])


def test_kl_div_empty_and_nan():
    with no_warnings():
        assert np.isnan(kl_div(np.zeros((0, 3)), np.zeros((0, 3))))
        assert float(kl_div(np.zeros((0, 3)), np.zeros((0, 3)), reduction="sum")) == 0.0
    assert torch.isnan(F.kl_div(T(np.zeros((0, 3))), T(np.zeros((0, 3))), reduction="batchmean"))
    out = kl_div(np.log([[0.5, 0.5]]), [[np.nan, 0.5]], reduction="none")
    assert np.isnan(out[0, 0]) and np.isfinite(out[0, 1])


def test_kl_div_bad_input():
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
        kl_div(np.log([[0.5, 0.5]]), [[1.5, -0.5]])
    with pytest.raises(ValueError, match="reduction must be one of 'batchmean', 'sum', 'mean', 'none'"):
        kl_div(np.log([[0.5, 0.5]]), [[0.5, 0.5]], reduction="avg")
    with pytest.raises(ValueError, match=r"log_pred has shape \(2,\) but target has shape \(2, 1\)"):
        kl_div(np.log([0.5, 0.5]), [[0.5], [0.5]])
    with pytest.raises(ValueError, match="log_target must be True or False"):
        kl_div([0.0], [1.0], log_target="no")
    with pytest.raises(ValueError, match="log_pred must hold real numbers"):
        kl_div(["x"], [1.0])
