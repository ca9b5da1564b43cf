"""Tests of lossutils.course.cross_entropy: the blobs of chapter 3 and its two widgets' compute."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils
from lossutils.course import cross_entropy as d
from lossutils.widgets import Choice, Panel, Slider, explore


def mse_softmax_grad(z, y):
    """The chapter's gradient of sum_j (p_j - y_j)^2 w.r.t. the logits (passed to the explorer)."""
    p = lossutils.softmax(z)
    r = p - np.eye(z.shape[-1])[y]
    return 2 * p * (r - np.sum(p * r, axis=-1, keepdims=True))


def test_blobs_is_seeded_and_shaped():
    X1, y1 = d.blobs(20, seed=3)
    X2, _ = d.blobs(20, seed=3)
    assert X1.shape == (60, 2) and X1.dtype == np.float32 and y1.dtype == np.int64
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(np.bincount(y1), [20, 20, 20])
    with pytest.raises(ValueError, match="n_per_class"):
        d.blobs(0)
    with pytest.raises(ValueError, match="spread"):
        d.blobs(5, spread=0.0)


def test_logit_explorer_responds_and_matches_torch():
    ex = explore(d.logit_explorer(mse_softmax_grad),
                 {"z0": Slider(-4.0, 4.0, 1.0, value=2.0, label="z0"),
                  "z1": Slider(-4.0, 4.0, 1.0, value=1.0, label="z1"),
                  "z2": Slider(-4.0, 4.0, 1.0, value=0.0, label="z2")},
                 panels={"probs": Panel(ylim=(0, 1)), "grad": Panel(ylim=(-1, 1))})
    assert ex.n_frames == 729 and ex.error == ""
    ex.controls["z0"].value = -4.0
    ex.controls["z1"].value = 4.0
    z = torch.tensor([-4.0, 4.0, 0.0], dtype=torch.float64, requires_grad=True)
    F.cross_entropy(z[None], torch.tensor([0])).backward()
    _, g = ex.data("grad", "cross-entropy: p − y")
    np.testing.assert_allclose(g, z.grad.numpy(), rtol=1e-12)
    _, g_mse = ex.data("grad", "MSE on p")
    assert abs(g_mse[0]) < abs(g[0]) / 10           # the MSE push on the true class fades
    _, p = ex.data("probs", "softmax probability p")
    np.testing.assert_allclose(p, torch.softmax(z.detach(), 0).numpy(), rtol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 10, 1000])
@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
def test_optimal_logit_gap_minimises_torch_smoothed_loss(k, eps):
    g = d.optimal_logit_gap(eps, k)
    grid = np.linspace(max(g - 1, 0), g + 1, 2001)
    z = torch.zeros(grid.size, k, dtype=torch.float64)
    z[:, 0] = torch.from_numpy(grid)
    loss = F.cross_entropy(z, torch.zeros(grid.size, dtype=torch.long), label_smoothing=eps, reduction="none")
    assert abs(grid[int(loss.argmin())] - g) < 2e-3


def test_optimal_logit_gap_edges():
    assert d.optimal_logit_gap(0.0, 3) == math.inf
    assert d.optimal_logit_gap(1.0, 3) == 0.0          # all mass spread: uniform is optimal
    with pytest.raises(ValueError, match="eps"):
        d.optimal_logit_gap(1.5, 3)
    with pytest.raises(ValueError, match="n_classes"):
        d.optimal_logit_gap(0.1, 1)


def test_label_smoothing_widget_responds():
    ex = explore(d.label_smoothing_view,
                 {"eps": Slider(0.0, 0.3, 0.025, value=0.1, label="eps"),
                  "n_classes": Choice([2, 3, 10, 100], value=10, label="K")},
                 panels={"curve": Panel(ylim=(0, 5)), "target": Panel(ylim=(0, 1))})
    x, _ = ex.data("curve", "best gap")
    assert math.isclose(float(np.ravel(x)[0]), d.optimal_logit_gap(0.1, 10), rel_tol=1e-9)
    assert "4.51" in ex.text
    _, target = ex.data("target", "smoothed target ỹ")
    _, best = ex.data("target", "softmax at the best gap")
    np.testing.assert_allclose(best, target, rtol=1e-9)  # at the optimum softmax = smoothed target
    ex.controls["n_classes"].value = 100
    x100, _ = ex.data("curve", "best gap")
    assert float(np.ravel(x100)[0]) > float(np.ravel(x)[0])
    ex.controls["eps"].value = 0.0                 # no smoothing: no finite optimum
    assert "∞" in ex.text and ex.error == ""
