"""Tests of lossutils.demos.regression_losses (chapter 2 helpers and widget compute)."""

import math

import numpy as np
import pytest
import torch

import lossutils
from lossutils.demos import regression_losses as d

REDUCTIONS = ("none", "mean", "sum")


# The gradients of smooth L1, log-cosh and quantile moved to lossutils.regression; their tests
# are in tests/test_regression.py.


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="b must be a positive"):
        d.laplace_nll([1.0], [0.0], b=-1.0)
    with pytest.raises(ValueError, match="sigma must be a positive"):
        d.gaussian_fixed_var_nll([1.0], [0.0], sigma=0.0)
    with pytest.raises(ValueError, match="they must match"):
        d.laplace_nll([1.0, 2.0], [0.0])
    with pytest.raises(ValueError, match="reduction must be one of"):
        d.laplace_nll([1.0], [0.0], reduction="avg")
    with pytest.raises(ValueError, match="at least two points with different x"):
        d.fit_line_mse([1.0, 1.0], [0.0, 2.0])
    with pytest.raises(ValueError, match="outlier must be a finite number"):
        d.outlier_line_data(float("nan"))
    with pytest.raises(ValueError, match="n must be at least 1"):
        d.skewed_sample(0)
    with pytest.raises(ValueError, match="y is empty"):
        d.constant_fit([], [0.0, 1.0])


# ----------------------------------------------------------------------------- likelihoods

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_likelihoods_match_torch_distributions(reduction):
    rng = np.random.default_rng(1)
    pred, target = rng.normal(size=9), rng.normal(size=9) * 2
    red = {"none": lambda v: v, "mean": torch.mean, "sum": torch.sum}[reduction]
    want = red(-torch.distributions.Laplace(torch.tensor(pred), 0.7).log_prob(torch.tensor(target)))
    np.testing.assert_allclose(d.laplace_nll(pred, target, b=0.7, reduction=reduction), want.numpy(), rtol=1e-12)
    want = red(-torch.distributions.Normal(torch.tensor(pred), 1.3).log_prob(torch.tensor(target)))
    np.testing.assert_allclose(d.gaussian_fixed_var_nll(pred, target, sigma=1.3, reduction=reduction),
                               want.numpy(), rtol=1e-12)


def test_likelihoods_are_rescaled_mse_and_mae():
    rng = np.random.default_rng(2)
    pred, target = rng.normal(size=11), rng.normal(size=11)
    s, b = 0.8, 1.7
    mse, mae = float(lossutils.mse_loss(pred, target)), float(lossutils.l1_loss(pred, target))
    assert math.isclose(float(d.gaussian_fixed_var_nll(pred, target, sigma=s)),
                        mse / (2 * s * s) + math.log(s) + 0.5 * math.log(2 * math.pi), rel_tol=1e-12)
    assert math.isclose(float(d.laplace_nll(pred, target, b=b)), mae / b + math.log(2 * b), rel_tol=1e-12)


# ---------------------------------------------------------------------------------- curves

def test_loss_gallery_matches_lossutils_and_huber_smooth_l1_relation():
    r = np.linspace(-5, 5, 101)
    g = d.loss_gallery(r, delta=2.0, beta=2.0, q=0.3)
    assert set(g) == set(d.LOSS_NAMES)
    np.testing.assert_allclose(g["MSE"][0], r**2)
    np.testing.assert_allclose(g["MAE"][0], np.abs(r))
    np.testing.assert_allclose(g["Huber"][0], 2.0 * g["Smooth L1"][0], rtol=1e-14)
    np.testing.assert_allclose(g["Huber"][1], 2.0 * g["Smooth L1"][1], rtol=1e-14)
    np.testing.assert_allclose(g["pinball"][0], np.where(r < 0, -0.3 * r, 0.7 * r))
    t = torch.tensor(r)
    np.testing.assert_allclose(g["Huber"][0], torch.nn.functional.huber_loss(
        t, torch.zeros_like(t), delta=2.0, reduction="none").numpy())


def test_kink_report_finds_the_kinks():
    rows = {name: (where, jg, jc) for name, where, jg, jc in d.kink_report(delta=1.5, beta=0.5, q=0.3)}
    assert rows["MAE"][1] == pytest.approx(2.0)
    assert rows["pinball"][1] == pytest.approx(1.0)
    assert abs(rows["MSE"][1]) < 1e-4 and abs(rows["log-cosh"][1]) < 1e-4
    assert rows["Huber"][0] == 1.5 and rows["Huber"][2] == pytest.approx(-1.0, rel=1e-3)
    assert rows["Smooth L1"][0] == 0.5 and rows["Smooth L1"][2] == pytest.approx(-2.0, rel=1e-3)
    assert abs(rows["MSE"][2]) < 1e-3 and abs(rows["log-cosh"][2]) < 1e-3


# ----------------------------------------------------------------------- best constants

@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_constant_fit_finds_mean_median_quantile(q):
    y = d.skewed_sample(101, seed=3)
    cs = np.linspace(0, 25, 2501)
    f = d.constant_fit(y, cs, q=q)
    step = cs[1] - cs[0]
    for k in ("MSE", "MAE", "pinball"):
        assert abs(f["argmin"][k] - f["theory"][k]) <= step
    assert f["theory"]["MSE"] > f["theory"]["MAE"]  # right skew: mean above median
    # the q-quantile is an exact minimiser: no data point does better
    at = lambda c: float(lossutils.quantile_loss(np.full_like(y, c), y, q=q))
    best = at(f["theory"]["pinball"])
    assert all(best <= at(c) + 1e-12 for c in y)


# ------------------------------------------------------------------------------ line fits

def _objective(x, y, a, b, kind, delta=1.0):
    p = a + b * x
    if kind == "MSE":
        return float(lossutils.mse_loss(p, y))
    if kind == "MAE":
        return float(lossutils.l1_loss(p, y))
    return float(lossutils.huber_loss(p, y, delta=delta))


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
    # Huber is differentiable: its gradient vanishes at the minimum
    a, b = fits["Huber"]
    g = lossutils.huber_loss_grad(a + b * x, y, delta=delta, reduction="sum")
    assert abs(g.sum()) < 1e-8 and abs((g * x).sum()) < 1e-8


def test_line_fits_agree_with_torch_training():
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
        want = (model.bias.item(), model.weight.item())
        np.testing.assert_allclose(d.line_fits(x, y, delta=1.0)[kind], want, atol=1e-5)


def test_outliers_pull_mse_but_not_mae_or_small_delta_huber():
    slopes = {s: d.line_fits(*d.outlier_line_data(s)[:2], delta=1.0) for s in d.OUTLIER_SIZES}
    mse = [slopes[s]["MSE"][1] for s in d.OUTLIER_SIZES]
    assert all(b > a for a, b in zip(mse, mse[1:]))  # MSE slope grows with the outlier
    assert abs(slopes[25.0]["MAE"][1] - d.TRUE_SLOPE) < 0.1
    assert abs(slopes[25.0]["Huber"][1] - d.TRUE_SLOPE) < 0.15 < abs(slopes[25.0]["MSE"][1] - d.TRUE_SLOPE)
    # a huge delta makes Huber the MSE fit (all residuals in the quadratic zone)
    x, y, _ = d.outlier_line_data(25.0)
    np.testing.assert_allclose(d.fit_line_huber(x, y, delta=1e3), d.fit_line_mse(x, y), rtol=1e-9)
    assert d.closest_huber_delta(25.0) in d.DELTAS
    with pytest.raises(ValueError, match="no δ"):
        d.closest_huber_delta(25.0, tol=1e-9)


# --------------------------------------------------------------------------------- extension

def test_extension_data_is_seeded_and_sane():
    x1, y1 = d.heteroscedastic_data(50, seed=4)
    x2, y2 = d.heteroscedastic_data(50, seed=4)
    np.testing.assert_array_equal(y1, y2)
    assert np.all(np.diff(x1) >= 0) and x1.min() >= 0 and x1.max() <= 2
    xc, yc = d.count_data(300, seed=1)
    assert np.all(yc >= 0) and np.all(yc == np.round(yc))
    assert yc[xc > 2].mean() > yc[xc < 1].mean()


# ---------------------------------------------------------------------------------- widgets

def _outlier_explorer():
    from lossutils.widgets import Choice, Panel, Slider, explore
    return explore(
        d.outlier_fit,
        {"outlier": Slider(0.0, 25.0, 5.0, value=10.0, label="outlier size"),
         "delta": Choice([(f"{v:g}", v) for v in d.DELTAS], value=1.0, label="Huber δ")},
        panels={"fit": Panel(title="fit"), "slopes": Panel(title="slopes")},
    )


def test_outlier_widget_follows_its_controls():
    ex = _outlier_explorer()
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
    from lossutils.widgets import Panel, Slider, explore
    ex = explore(d.threshold_curves, {"threshold": Slider(0.25, 3.0, 0.25, value=1.0, label="δ = β")},
                 panels={"loss": Panel(), "grad": Panel()})
    ex.controls["threshold"].value = 2.0
    r, g_huber = ex.data("grad", "Huber (δ)")
    _, g_smooth = ex.data("grad", "Smooth L1 (β)")
    assert g_huber.max() == pytest.approx(2.0) and g_smooth.max() == pytest.approx(1.0)
    np.testing.assert_allclose(ex.data("loss", "Huber (δ)")[1], 2.0 * ex.data("loss", "Smooth L1 (β)")[1])
    assert "tail slope 2" in ex.text
    assert np.allclose(d.THRESHOLDS, Slider(0.25, 3.0, 0.25, value=1.0).values)

    ex = explore(d.quantile_fit, {"q": Slider(0.05, 0.95, 0.05, value=0.5, label="q")},
                 panels={"curve": Panel(), "fit": Panel()})
    for q in (0.1, 0.9):
        ex.controls["q"].value = q
        best = ex.data("fit", "minimiser (grid)")[0]
        quant = ex.data("fit", "q-quantile of the data")[0]
        assert abs(float(np.ravel(best)[0]) - float(np.ravel(quant)[0])) <= 0.05 + 1e-12
        _, grad = ex.data("curve", "gradient")
        assert grad.min() == pytest.approx(-q) and grad.max() == pytest.approx(1 - q)
