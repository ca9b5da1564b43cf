"""Tests of lossutils.course.binary_cross_entropy: chapter 4's synthetic data and widget compute."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils
from lossutils.course import binary_cross_entropy as d
from lossutils.widgets import Choice, Slider, explore

torch.set_default_dtype(torch.float64)


def mse_sigmoid_grad(z, y):
    """The chapter's gradient of (σ(z) - y)² w.r.t. z (passed to the BCE-vs-MSE explorer)."""
    p = lossutils.sigmoid(z)
    return 2 * (p - y) * p * (1 - p)


def pr_curve(scores, y):
    """The chapter's precision-recall corners (passed to the threshold explorer)."""
    is_pos = y[np.argsort(-scores)] == 1
    caught, flagged = np.cumsum(is_pos), np.arange(1, len(y) + 1)
    return caught[is_pos] / is_pos.sum(), caught[is_pos] / flagged[is_pos]


# ---------------------------------------------------------------------------------- data

@pytest.mark.parametrize("fn", [d.trap_data, d.separable_data, d.calibration_data])
def test_data_are_seeded_and_shaped(fn):
    X1, y1 = fn(seed=3)
    X2, y2 = fn(seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape == (len(y1), 2) and set(np.unique(y1)) == {0.0, 1.0}
    assert not np.array_equal(fn(seed=4)[0], X1)


def test_separable_data_is_separable_with_a_margin():
    X, y = d.separable_data(gap=0.5)
    s = X.sum(axis=1)
    assert np.all((s > 0.5) == (y == 1)) and np.all(np.abs(s) > 0.5)


def test_calibration_labels_follow_the_true_model():
    X, y = d.calibration_data(200_000, seed=0)
    p = lossutils.sigmoid(X @ d.CALIBRATION_WEIGHTS + d.CALIBRATION_BIAS)
    assert abs(y.mean() - p.mean()) < 0.005                       # calibrated by construction
    high = p > 0.8
    assert abs(y[high].mean() - p[high].mean()) < 0.01


# ---------------------------------------------------------------------------------- widgets

def test_bce_vs_mse_widget_matches_torch_autograd():
    ex = explore(d.bce_vs_mse(mse_sigmoid_grad),
                 {"z": Slider(-8.0, 8.0, 0.5, value=-6.0, label="z"),
                  "y": Choice([("y = 1", 1.0), ("y = 0", 0.0)], value=1.0, label="y")})
    x, grad = ex.data("grad", "MSE: 2(p − y)p(1 − p)")
    zt = torch.tensor(x, requires_grad=True)
    F.mse_loss(torch.sigmoid(zt), torch.ones_like(zt), reduction="sum").backward()
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-10, atol=1e-15)
    assert "BCE's is 203× larger" in ex.text
    ex.controls["y"].value = 0.0
    x, bce = ex.data("loss", "BCE")
    want = F.binary_cross_entropy_with_logits(torch.tensor(x), torch.zeros(len(x)), reduction="none")
    np.testing.assert_allclose(bce, want.numpy(), rtol=1e-12)
    ex.controls["z"].value = 2.0
    assert "z = +2.0, y = 0" in ex.text and ex.error == ""


def test_focal_widget():
    ex = explore(d.focal_curves, {"gamma": Slider(0.0, 5.0, 0.5, value=2.0, label="γ"),
                                  "alpha": Choice(list(d.ALPHAS), value=0.25, label="α")})
    pt, factor = ex.data("factor", "negative: αₜ(1 − pₜ)^γ")
    np.testing.assert_allclose(factor, 0.75 * (1 - pt) ** 2, rtol=1e-6)
    ex.controls["gamma"].value = 0.0
    ex.controls["alpha"].value = -1.0
    pt, loss = ex.data("loss", "focal, positive (y = 1)")
    np.testing.assert_allclose(loss, -np.log(pt), rtol=1e-6)     # gamma 0, no alpha: plain BCE
    assert "weighs 1× as much" in ex.text
    ex.controls["gamma"].value = 2.0
    ex.controls["alpha"].value = 0.25
    # exactly: easy keeps 0.75 * 0.1**2, hard keeps 0.75 * 0.9**2, ratio 81
    assert "keeps 0.0075" in ex.text and "and 0.61 when hard" in ex.text and "81× as much" in ex.text


def test_threshold_view_counts():
    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.1).astype(float)
    probs = {"good": np.clip(0.6 * y + 0.4 * rng.random(500), 0, 1), "random": rng.random(500)}
    ex = explore(d.threshold_view(probs, y, pr_curve),
                 {"threshold": Slider(0.05, 0.95, 0.05, value=0.5, label="t"),
                  "model": Choice(list(probs), value="good", label="model")})
    flagged = probs["good"] >= 0.5
    tp = np.sum(flagged & (y == 1))
    _, bars = ex.data("bars", "at this threshold")
    np.testing.assert_allclose(bars, [tp / flagged.sum(), tp / y.sum()])
    ex.controls["model"].value = "random"
    ex.controls["threshold"].value = 0.95
    fp = np.sum((probs["random"] >= 0.95) & (y == 0))
    assert f"false alarms {fp}" in ex.text and "random, threshold 0.95" in ex.text
    recall, precision = ex.data("pr", "precision–recall curve")
    assert recall[-1] == 1.0 and precision[-1] == pytest.approx(y.mean(), abs=0.05)
