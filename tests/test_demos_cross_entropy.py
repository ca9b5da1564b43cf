"""Tests of lossutils.demos.cross_entropy (chapter 3 helpers and widget compute) and its exercises."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lossutils
from lossutils.checks import check_result
from lossutils.demos import cross_entropy as d
from lossutils.quiz import questions

torch.set_default_dtype(torch.float64)


# ---------------------------------------------------------------------------------- entropy

def test_entropy_matches_torch_and_limits():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=4)
    want = torch.distributions.Categorical(probs=torch.tensor(p)).entropy().numpy()
    np.testing.assert_allclose(d.entropy(p), want, rtol=1e-12)
    assert float(d.entropy([1.0, 0.0, 0.0])) == 0.0           # 0 log 0 = 0, no NaN
    assert math.isclose(float(d.entropy(np.full(7, 1 / 7))), math.log(7), rel_tol=1e-12)
    assert np.isnan(d.entropy([np.nan, 0.5]))                  # NaN propagates
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        d.entropy([1.5, -0.5])


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (2, 4), elements=st.floats(-20, 20)), st.integers(0, 10_000))
def test_cross_entropy_is_entropy_plus_kl(z, seed):
    q = np.random.default_rng(seed).dirichlet(np.ones(4), size=2)
    ce = lossutils.cross_entropy(z, q, reduction="none")
    kl = lossutils.kl_div(lossutils.log_softmax(z), q, reduction="none").sum(axis=1)
    np.testing.assert_allclose(ce, d.entropy(q) + kl, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------ MSE through softmax

def _torch_mse_softmax(z, y):
    zt = torch.tensor(z, requires_grad=True)
    c = zt.shape[-1]
    loss = ((torch.softmax(zt, -1) - F.one_hot(torch.as_tensor(y), c)) ** 2).sum(-1)
    loss.sum().backward()
    return loss.detach().numpy(), zt.grad.numpy()


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (3, 4), elements=st.floats(-30, 30)), st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_mse_through_softmax_matches_torch_autograd(z, y):
    y = np.array(y)
    want_loss, want_grad = _torch_mse_softmax(z, y)
    np.testing.assert_allclose(d.mse_through_softmax(z, y), want_loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.mse_through_softmax_grad(z, y), want_grad, rtol=1e-9, atol=1e-12)


def test_mse_through_softmax_unbatched_and_finite_differences():
    z, y, h = np.array([0.3, -1.2, 2.0]), 1, 1e-6
    g = d.mse_through_softmax_grad(z, y)
    assert g.shape == (3,) and np.ndim(d.mse_through_softmax(z, y)) == 0
    num = [(float(d.mse_through_softmax(z + h * e, y)) - float(d.mse_through_softmax(z - h * e, y))) / (2 * h)
           for e in np.eye(3)]
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_mse_gradient_vanishes_for_confident_mistakes_but_ce_does_not():
    z = [0.0, 10.0, 0.0]
    assert abs(d.mse_through_softmax_grad(z, 0)[0]) < 1e-3
    assert lossutils.cross_entropy_grad(z, 0)[0] < -0.999
    # stable at extreme logits: no overflow, no NaN
    assert np.all(np.isfinite(d.mse_through_softmax_grad([1000.0, -1000.0, 0.0], 1)))


def test_mse_through_softmax_rejects_bad_input():
    with pytest.raises(ValueError, match="class index 3"):
        d.mse_through_softmax([0.0, 1.0, 2.0], 3)
    with pytest.raises(ValueError, match="one class index per sample"):
        d.mse_through_softmax(np.zeros((2, 3)), [0])
    with pytest.raises(ValueError, match="shape"):
        d.mse_through_softmax_grad(np.zeros((2, 3, 4)), [0, 1])


# ---------------------------------------------------------------------- penalty vs confidence

def test_wrong_confidence_ratios():
    r = d.wrong_confidence_ratios(0.99, 0.6)
    assert math.isclose(r["loss_ratio"], math.log(0.01) / math.log(0.4))
    assert 4.5 < r["loss_ratio"] < 5.5                  # about 5x, not 100x
    assert r["grad_p_ratio"] > r["loss_ratio"]          # the gradient in p grows faster
    assert math.isclose(r["grad_p_ratio"], 40.0)
    assert math.isclose(r["grad_logit_ratio"], 0.99 / 0.6)
    # the logit gradient agrees with lossutils' cross-entropy gradient for 2 classes
    z = np.array([0.0, math.log(0.99 / 0.01)])         # p(wrong class) = 0.99
    assert math.isclose(float(lossutils.cross_entropy_grad(z, 0)[0]), r["grad_logit_high"], rel_tol=1e-9)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        d.wrong_confidence_ratios(1.0, 0.6)


# -------------------------------------------------------------------------------- baselines

def test_random_predictions_cost_more_than_uniform():
    rng = np.random.default_rng(1)
    for k in (2, 3, 10):
        cost = d.random_prediction_cost(k, 40_000, rng)
        harmonic = sum(1.0 / j for j in range(1, k))   # E[-ln p] for p ~ Beta(1, K-1)
        assert abs(cost.mean() - harmonic) < 0.03
        assert cost.mean() > math.log(k)
        logit_cost = d.random_prediction_cost(k, 40_000, rng, kind="logits")
        assert logit_cost.mean() > math.log(k)


def test_random_prediction_cost_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n_classes"):
        d.random_prediction_cost(1, 10, rng)
    with pytest.raises(ValueError, match="n_samples"):
        d.random_prediction_cost(3, 0, rng)
    with pytest.raises(ValueError, match="kind"):
        d.random_prediction_cost(3, 10, rng, kind="gaussian")


# --------------------------------------------------------------------------- label smoothing

@pytest.mark.parametrize("k", [2, 3, 10, 1000])
@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
def test_optimal_logit_gap_minimises_smoothed_loss(k, eps):
    g = d.optimal_logit_gap(eps, k)
    grid = np.linspace(max(g - 1, 0), g + 1, 2001)
    brute = grid[np.argmin(d.loss_vs_logit_gap(grid, k, eps))]
    assert abs(brute - g) < 2e-3
    # at the optimum the softmax equals the smoothed target
    p = lossutils.softmax(np.r_[g, np.zeros(k - 1)])
    np.testing.assert_allclose(p, d.smoothed_target(0, k, eps), rtol=1e-9)


def test_smoothed_loss_matches_torch_label_smoothing():
    gaps = np.array([0.0, 1.5, 7.0])
    z = np.zeros((3, 5))
    z[:, 0] = gaps
    want = F.cross_entropy(torch.tensor(z), torch.zeros(3, dtype=torch.long), label_smoothing=0.2,
                           reduction="none").numpy()
    np.testing.assert_allclose(d.loss_vs_logit_gap(gaps, 5, 0.2), want, rtol=1e-12)


def test_label_smoothing_edge_cases():
    assert d.optimal_logit_gap(0.0, 3) == math.inf
    assert d.optimal_logit_gap(1.0, 3) == 0.0          # all mass spread: uniform is optimal
    np.testing.assert_allclose(d.smoothed_target([0, 2], 3, 0.3).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        d.optimal_logit_gap(1.5, 3)
    with pytest.raises(ValueError, match="n_classes"):
        d.smoothed_target(0, 1, 0.1)
    with pytest.raises(ValueError, match="class indices"):
        d.smoothed_target(3, 3, 0.1)


# ----------------------------------------------------------------- scenarios and the wrong table

def test_scenarios_match_torch_and_not_the_copied_table():
    claimed = [0.04, 1.10, 4.56]
    for (name, z), wrong in zip(d.SCENARIOS.items(), claimed):
        ours = d.slip_candidates(z, 0)["correct"]
        want = F.cross_entropy(torch.tensor([z]), torch.tensor([0])).item()
        assert math.isclose(ours, want, rel_tol=1e-12), name
        assert round(ours, 2) != wrong, name


def test_slip_candidates_compute_what_they_say():
    z = [2.0, 1.0, 0.1]
    s = d.slip_candidates(z, 0)
    p = lossutils.softmax(z)
    assert math.isclose(s["correct"], 0.4170300, rel_tol=1e-6)
    assert math.isclose(s["log base 2"], s["correct"] / math.log(2))
    assert math.isclose(s["softmax applied twice"], float(lossutils.cross_entropy(p, 0)))
    bce = float(lossutils.binary_cross_entropy(p, np.eye(3)[0], reduction="sum"))
    assert math.isclose(s["one-vs-rest BCE (summed)"], bce, rel_tol=1e-12)
    with pytest.raises(ValueError, match="class index"):
        d.slip_candidates(z, 5)


def test_blobs_is_seeded_and_shaped():
    X1, y1 = d.blobs(20, seed=3)
    X2, y2 = d.blobs(20, seed=3)
    assert X1.shape == (60, 2) and X1.dtype == np.float32 and y1.dtype == np.int64
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(np.bincount(y1), [20, 20, 20])
    with pytest.raises(ValueError, match="n_per_class"):
        d.blobs(0)


# ------------------------------------------------------------------------------------ widgets

def test_logit_explorer_compute():
    out = d.logit_explorer(2.0, 1.0, 0.1)
    probs = dict((b.label, b) for b in out["probs"])
    np.testing.assert_allclose(probs["softmax probability p"].y, lossutils.softmax([2.0, 1.0, 0.1]))
    grads = dict((b.label, b) for b in out["grad"])
    np.testing.assert_allclose(grads["cross-entropy: p − y"].y, lossutils.cross_entropy_grad([2.0, 1.0, 0.1], 0))
    assert "0.417" in out["text"]


def test_logit_explorer_widget_responds():
    from lossutils.widgets import Panel, Slider, explore

    ex = explore(d.logit_explorer,
                 {"z0": Slider(-4.0, 4.0, 1.0, value=2.0, label="z0"),
                  "z1": Slider(-4.0, 4.0, 1.0, value=1.0, label="z1"),
                  "z2": Slider(-4.0, 4.0, 1.0, value=0.0, label="z2")},
                 panels={"probs": Panel(ylim=(0, 1)), "grad": Panel(ylim=(-1, 1))})
    assert ex.n_frames == 729
    ex.controls["z0"].value = -4.0
    ex.controls["z1"].value = 4.0
    _, g = ex.data("grad", "cross-entropy: p − y")
    np.testing.assert_allclose(g, lossutils.cross_entropy_grad([-4.0, 4.0, 0.0], 0))
    _, g_mse = ex.data("grad", "MSE on p")
    assert abs(g_mse[0]) < abs(g[0]) / 10           # the MSE push on the true class fades
    assert ex.error == ""


def test_label_smoothing_widget_responds():
    from lossutils.widgets import Choice, Panel, Slider, explore

    ex = explore(d.label_smoothing_view,
                 {"eps": Slider(0.0, 0.3, 0.025, value=0.1, label="eps"),
                  "n_classes": Choice([2, 3, 10, 100], value=10, label="K")},
                 panels={"curve": Panel(ylim=(0, 5)), "target": Panel(ylim=(0, 1))})
    x, _ = ex.data("curve", "best gap")
    assert math.isclose(float(np.ravel(x)[0]), d.optimal_logit_gap(0.1, 10), rel_tol=1e-9)
    assert "4.51" in ex.text
    ex.controls["n_classes"].value = 100
    x100, _ = ex.data("curve", "best gap")
    assert float(np.ravel(x100)[0]) > float(np.ravel(x)[0])
    ex.controls["eps"].value = 0.0                 # no smoothing: no finite optimum
    assert "∞" in ex.text and ex.error == ""


# ---------------------------------------------------------------------------------- exercises

def test_exercise_checks_accept_reference_and_reject_wrong():
    assert check_result("cross-entropy-ex1", math.log(5)).passed
    assert not check_result("cross-entropy-ex1", math.log(3)).passed

    def naive(z, y):
        z = np.asarray(z, dtype=float)
        with np.errstate(all="ignore"):
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            return -np.mean(np.log(p[np.arange(len(y)), y]))

    def stable(z, y):
        return float(lossutils.cross_entropy(z, y))

    assert check_result("cross-entropy-ex2", stable).passed
    assert not check_result("cross-entropy-ex2", naive).passed       # overflows at large logits
    assert check_result("cross-entropy-ex3", "b").passed
    assert not check_result("cross-entropy-ex3", "d").passed
    assert check_result("cross-entropy-ex4", 4.51).passed
    assert not check_result("cross-entropy-ex4", 3.33).passed
    assert check_result("cross-entropy-ex5", math.log(1 + 9 / math.e)).passed
    assert not check_result("cross-entropy-ex5", 0.0).passed


def test_quiz_well_formed():
    qs = questions("cross-entropy")
    assert 3 <= len(qs) <= 5
    for q in qs:
        assert sum(a["correct"] for a in q["answers"]) == 1
        assert all(a["feedback"] for a in q["answers"])
