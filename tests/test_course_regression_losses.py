"""Tests of lossutils.course.regression_losses: chapter 2's data and widget compute (nbval guards what the chapter prints)."""

import numpy as np
import pytest
import torch

import lossutils
from lossutils.course import regression_losses as d
from lossutils.widgets import Choice, Panel, Slider, explore


def _objective(x, y, a, b, kind, delta):
    p = a + b * x
    fn = {"MSE": lossutils.mse_loss, "MAE": lossutils.l1_loss}.get(kind)
    return float(fn(p, y)) if fn else float(lossutils.huber_loss(p, y, delta=delta))


@pytest.mark.parametrize("outlier", [0.0, 10.0, 25.0])
@pytest.mark.parametrize("delta", [0.25, 1.0, 5.0])
def test_line_fits_are_minimisers(outlier, delta):
    x, y, mask = d.outlier_line_data(outlier)
    assert mask.sum() == 3 and x.shape == y.shape == (20,)
    fits = d.line_fits(x, y, delta=delta)
    np.testing.assert_allclose(fits["MSE"][::-1], np.polyfit(x, y, 1), rtol=1e-10)
    rng = np.random.default_rng(0)
    for kind, (a, b) in fits.items():
        best = _objective(x, y, a, b, kind, delta)
        for da, db in rng.normal(scale=[0.05, 0.01], size=(200, 2)):
            assert best <= _objective(x, y, a + da, b + db, kind, delta) + 1e-12
    a, b = fits["Huber"]  # Huber is differentiable: its gradient vanishes at the minimum
    g = lossutils.huber_loss_grad(a + b * x, y, delta=delta, reduction="sum")
    assert abs(g.sum()) < 1e-8 and abs((g * x).sum()) < 1e-8


def test_line_fits_agree_with_torch_lbfgs():
    x, y, _ = d.outlier_line_data(15.0)
    xt, yt = torch.tensor(x)[:, None], torch.tensor(y)[:, None]
    for kind, loss_fn in (("Huber", torch.nn.HuberLoss(delta=1.0)), ("MSE", torch.nn.MSELoss())):
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1, dtype=torch.float64)
        opt = torch.optim.LBFGS(model.parameters(), max_iter=200, tolerance_grad=1e-12,
                                tolerance_change=1e-14, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = loss_fn(model(xt), yt)
            loss.backward()
            return loss

        for _ in range(5):
            opt.step(closure)
        np.testing.assert_allclose(d.line_fits(x, y)[kind], (model.bias.item(), model.weight.item()), atol=1e-5)


def test_outliers_pull_mse_but_not_mae_or_small_delta_huber():
    fits = {s: d.line_fits(*d.outlier_line_data(s)[:2]) for s in (0.0, 5.0, 10.0, 25.0)}
    mse = [f["MSE"][1] for f in fits.values()]
    assert all(b > a for a, b in zip(mse, mse[1:]))  # MSE slope grows with the outlier
    assert abs(fits[25.0]["MAE"][1] - d.TRUE_SLOPE) < 0.1
    assert abs(fits[25.0]["Huber"][1] - d.TRUE_SLOPE) < 0.15 < abs(fits[25.0]["MSE"][1] - d.TRUE_SLOPE)
    x, y, _ = d.outlier_line_data(25.0)  # a huge δ makes Huber the least-squares fit
    np.testing.assert_allclose(d.line_fits(x, y, delta=1e3)["Huber"], d.line_fits(x, y)["MSE"], rtol=1e-9)
    assert d.closest_huber_delta(25.0) in d.DELTAS


def test_data_is_seeded_and_sane():
    np.testing.assert_array_equal(d.skewed_sample(), d.skewed_sample())
    x1, y1 = d.heteroscedastic_data(50, seed=4)
    np.testing.assert_array_equal(y1, d.heteroscedastic_data(50, seed=4)[1])
    assert np.all(np.diff(x1) >= 0) and x1.min() >= 0 and x1.max() <= 2
    xc, yc = d.count_data(300, seed=1)
    assert np.all(yc >= 0) and np.all(yc == np.round(yc)) and yc[xc > 2].mean() > yc[xc < 1].mean()


def test_outlier_widget_follows_its_controls():
    ex = explore(d.outlier_fit,
                 {"outlier": Slider(0.0, 25.0, 5.0, value=10.0, label="outlier size"),
                  "delta": Choice([(f"{v:g}", v) for v in d.DELTAS], value=1.0, label="Huber δ")},
                 panels={"fit": Panel(title="fit"), "slopes": Panel(title="slopes")})
    ex.controls["outlier"].value = 25.0
    ex.controls["delta"].value = 10.0
    x, y = ex.data("fit", "outliers")
    assert x.size == 3 and np.all(y > 20)
    cats, slopes = ex.data("slopes", "fitted slope")
    assert list(cats) == ["true", "MSE", "Huber", "MAE"]
    want = d.line_fits(*d.outlier_line_data(25.0)[:2], delta=10.0)
    np.testing.assert_allclose(slopes, [d.TRUE_SLOPE, want["MSE"][1], want["Huber"][1], want["MAE"][1]])
    xs, ys = ex.data("fit", "Huber fit")
    np.testing.assert_allclose(ys, want["Huber"][0] + want["Huber"][1] * xs)
    assert "Huber(δ=10)" in ex.text and ex.error == ""
    ex.controls["delta"].value = 0.25
    assert ex.data("slopes", "fitted slope")[1][2] < slopes[2]  # smaller δ: closer to MAE


def test_threshold_and_quantile_widgets():
    ex = explore(d.threshold_curves, {"threshold": Slider(0.25, 3.0, 0.25, value=1.0, label="δ = β")},
                 panels={"loss": Panel(), "grad": Panel()})
    ex.controls["threshold"].value = 2.0
    assert ex.data("grad", "Huber (δ)")[1].max() == pytest.approx(2.0)
    assert ex.data("grad", "Smooth L1 (β)")[1].max() == pytest.approx(1.0)
    np.testing.assert_allclose(ex.data("loss", "Huber (δ)")[1], 2.0 * ex.data("loss", "Smooth L1 (β)")[1])
    assert "tail slope 2" in ex.text and ex.error == ""

    ex = explore(d.quantile_fit, {"q": Slider(0.05, 0.95, 0.05, value=0.5, label="q")},
                 panels={"curve": Panel(), "fit": Panel()})
    for q in (0.1, 0.9):
        ex.controls["q"].value = q
        best = float(np.ravel(ex.data("fit", "minimiser (grid)")[0])[0])
        quant = float(np.ravel(ex.data("fit", "q-quantile of the data")[0])[0])
        assert abs(best - quant) <= 0.05 + 1e-12
        r, loss = ex.data("curve", "pinball loss")
        np.testing.assert_allclose(loss, lossutils.quantile_loss(r, np.zeros_like(r), q=q, reduction="none"))
        _, grad = ex.data("curve", "gradient")
        assert grad.min() == pytest.approx(-q) and grad.max() == pytest.approx(1 - q)
