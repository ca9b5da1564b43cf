"""Tests of lossutils.course.loss_basics: chapter 1's data and widget compute (nbval guards what the chapter prints)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossutils.course import loss_basics as d
from lossutils.course.data import poly_features, ridge_fit
from lossutils.widgets import Panel, Slider, explore


def test_line_loss_and_grad_matches_torch_autograd():
    rng = np.random.default_rng(0)
    for _ in range(10):
        x, y = rng.normal(size=7) * 5, rng.normal(size=7) * 5
        w, b = rng.normal(size=2) * 3
        loss, gw, gb = d.line_loss_and_grad(w, b, x, y)
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        F.mse_loss(wt * torch.tensor(x) + bt, torch.tensor(y)).backward()
        lt = F.mse_loss(wt * torch.tensor(x) + bt, torch.tensor(y)).item()
        assert (loss, gw, gb) == pytest.approx((lt, wt.grad.item(), bt.grad.item()), rel=1e-10, abs=1e-12)


def test_line_data_is_seeded_and_follows_the_line():
    x1, y1 = d.line_data(2000)
    x2, y2 = d.line_data(2000)
    np.testing.assert_array_equal(y1, y2)
    assert np.polyfit(x1, y1, 1) == pytest.approx([d.TRUE_W, d.TRUE_B], abs=0.1)
    with pytest.raises(ValueError, match="positive integer"):
        d.line_data(0)


def test_best_grid_fit_is_the_grid_minimum_and_near_least_squares():
    w, b, loss = d.best_grid_fit()
    losses = [d.line_loss_and_grad(wi, bi, d.LINE_X, d.LINE_Y)[0]
              for wi in d.grid_values(d.W_GRID) for bi in d.grid_values(d.B_GRID)]
    assert loss == min(losses)
    w_ls, b_ls = np.polyfit(d.LINE_X, d.LINE_Y, 1)
    assert abs(w - w_ls) <= 0.25 and abs(b - b_ls) <= 0.25
    assert loss >= d.line_loss_and_grad(w_ls, b_ls, d.LINE_X, d.LINE_Y)[0]


def test_line_fit_widget_responds():
    ex = explore(d.line_fit, {"w": Slider(*d.W_GRID, value=0.0, label="slope w"),
                              "b": Slider(*d.B_GRID, value=0.0, label="intercept b")},
                 panels={"fit": Panel(), "slice": Panel(), "grad": Panel()})
    ex.controls["w"].value = 2.0
    ex.controls["b"].value = 1.0
    x, yline = ex.data("fit", "model ŷ = w·x + b")
    np.testing.assert_allclose(yline, 2.0 * x + 1.0)
    loss, gw, gb = d.line_loss_and_grad(2.0, 1.0, d.LINE_X, d.LINE_Y)
    np.testing.assert_allclose(ex.data("grad", "value")[1], [loss, gw, gb])
    assert f"MSE = {loss:.3f}" in ex.text and ex.error == ""
    tx, ty = ex.data("slice", "tangent: slope ∂L/∂w")  # through the current point, slope dL/dw
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(gw)
    assert np.interp(2.0, tx, ty) == pytest.approx(loss)
    rx, ry = ex.data("fit", "residual ŷ − y")  # one segment per point, NaN gaps between
    assert rx.size == 3 * d.LINE_X.size and np.isnan(ry[2::3]).all()


def test_ridge_explorer_widget_responds():
    ex = explore(d.ridge_explorer, {"log_lam": Slider(*d.LOG_LAMBDA_GRID, value=-4.0)},
                 panels={"fit": Panel(ylim=(-2.2, 2.2)), "loss": Panel(logy=True)})
    ex.controls["log_lam"].value = -1.5
    xt, yt, xv, yv = d.poly_data()
    w, b = ridge_fit(poly_features(xt, d.POLY_DEGREE), yt, lam=10 ** -1.5)
    gx, gy = ex.data("fit", "fit")
    np.testing.assert_allclose(gy, poly_features(gx, d.POLY_DEGREE) @ w + b, rtol=1e-9, atol=1e-12)
    assert ex.data("loss", "current λ")[0].tolist() == [-1.5]
    va = float(np.mean((poly_features(xv, d.POLY_DEGREE) @ w + b - yv) ** 2))
    assert f"validation MSE = {va:.4f}" in ex.text
    # training MSE rises with λ (the penalty trades fit for small weights)
    _, train = ex.data("loss", "training MSE")
    assert np.all(np.diff(train) > 0)


def test_nan_propagates():
    loss, gw, gb = d.line_loss_and_grad(1.0, 0.0, [1.0, np.nan], [1.0, 2.0])
    assert math.isnan(loss) and math.isnan(gw) and math.isnan(gb)
