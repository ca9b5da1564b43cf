"""Tests of lossutils.demos.loss_basics (chapter 1 helpers and widget compute)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossutils import binary_cross_entropy_with_logits, mse_loss
from lossutils.demos import loss_basics as d
from lossutils.widgets import Panel, Slider, explore

FLOATS = st.floats(-20, 20, allow_nan=False)


# ---------------------------------------------------------------------------------- line fit

@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, 7, elements=FLOATS), arrays(np.float64, 7, elements=FLOATS), FLOATS, FLOATS)
def test_line_loss_and_grad_matches_torch_autograd(x, y, w, b):
    loss, gw, gb = d.line_loss_and_grad(w, b, x, y)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    lt = F.mse_loss(wt * torch.tensor(x) + bt, torch.tensor(y))
    lt.backward()
    assert math.isclose(loss, lt.item(), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(gw, wt.grad.item(), rel_tol=1e-10, abs_tol=1e-10)
    assert math.isclose(gb, bt.grad.item(), rel_tol=1e-10, abs_tol=1e-10)


def test_line_loss_and_grad_worked_value_and_finite_differences():
    # by hand: residuals 0, -1, -1 -> MSE 2/3, dL/dw = 2/3 * (0 - 1 - 2), dL/db = 2/3 * (-2)
    loss, gw, gb = d.line_loss_and_grad(1.0, 1.0, [0.0, 1.0, 2.0], [1.0, 3.0, 4.0])
    assert (loss, gw, gb) == pytest.approx((2 / 3, -2.0, -4 / 3), rel=1e-12)
    x, y = d.LINE_X, d.LINE_Y
    h = 1e-6
    f = lambda w, b: d.line_loss_and_grad(w, b, x, y)[0]  # noqa: E731
    _, gw, gb = d.line_loss_and_grad(0.7, -0.3, x, y)
    assert gw == pytest.approx((f(0.7 + h, -0.3) - f(0.7 - h, -0.3)) / (2 * h), rel=1e-6)
    assert gb == pytest.approx((f(0.7, -0.3 + h) - f(0.7, -0.3 - h)) / (2 * h), rel=1e-6)


def test_line_data_is_seeded_and_follows_the_line():
    x1, y1 = d.line_data(50)
    x2, y2 = d.line_data(50)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(d.line_data(50, seed=1)[0], x1)
    x, y = d.line_data(20_000, seed=3)
    w, b = np.polyfit(x, y, 1)
    assert w == pytest.approx(d.TRUE_W, abs=0.05) and b == pytest.approx(d.TRUE_B, abs=0.05)
    assert x.min() >= -1 and x.max() <= 2
    x0, y0 = d.line_data(3, noise=0.0)
    np.testing.assert_allclose(y0, d.TRUE_W * x0 + d.TRUE_B)


def test_residual_segments_shape_and_gaps():
    xs, ys = d.residual_segments([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [1.5, 1.0, 3.0])
    assert xs.shape == ys.shape == (9,)
    assert np.isnan(xs[2::3]).all() and np.isnan(ys[2::3]).all()
    assert ys[0::3].tolist() == [1.0, 2.0, 3.0] and ys[1::3].tolist() == [1.5, 1.0, 3.0]


def test_grid_values():
    assert d.grid_values((0.0, 1.0, 0.25)).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert d.grid_values(d.W_GRID).tolist() == Slider(*d.W_GRID).values
    with pytest.raises(ValueError, match="max > min"):
        d.grid_values((1.0, 0.0, 0.1))


def test_best_grid_fit_is_the_grid_minimum_and_near_least_squares():
    w, b, loss = d.best_grid_fit()
    losses = [d.line_loss_and_grad(wi, bi, d.LINE_X, d.LINE_Y)[0]
              for wi in d.grid_values(d.W_GRID) for bi in d.grid_values(d.B_GRID)]
    assert loss == pytest.approx(min(losses), rel=0, abs=0)
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
    cats, heights = ex.data("grad", "value")
    np.testing.assert_allclose(heights, [loss, gw, gb])
    assert f"MSE = {loss:.3f}" in ex.text and ex.error == ""
    # the tangent passes through the current point with slope dL/dw
    tx, ty = ex.data("slice", "tangent: slope ∂L/∂w")
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(gw)
    assert np.interp(2.0, tx, ty) == pytest.approx(loss)
    # the slice is the MSE along w with b held
    sx, sy = ex.data("slice", "MSE as w varies (b held)")
    k = len(sx) // 3
    assert sy[k] == pytest.approx(d.line_loss_and_grad(sx[k], 1.0, d.LINE_X, d.LINE_Y)[0])


def test_line_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="same|match"):
        d.line_loss_and_grad(1.0, 0.0, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        d.line_loss_and_grad(1.0, 0.0, [[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="w must be a number"):
        d.line_loss_and_grad("a", 0.0, [1.0], [1.0])
    with pytest.raises(ValueError, match="positive integer"):
        d.line_data(0)
    with pytest.raises(ValueError, match="noise"):
        d.line_data(5, noise=-1.0)


# ---------------------------------------------------------------------------------- fraud

def test_fraud_data_has_the_stated_rate():
    x, y = d.fraud_data(10_000)
    assert int(y.sum()) == 20 and y.mean() == pytest.approx(0.002)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert x[y == 1].mean() > x[y == 0].mean() + 2  # fraud scores are higher on average
    # the "never fraud" model's accuracy is one minus the fraud rate
    assert d.accuracy(np.full_like(x, -1.0), y) == pytest.approx(1 - d.FRAUD_RATE)
    with pytest.raises(ValueError, match="rate"):
        d.fraud_data(100, rate=1.5)


def test_accuracy_and_log_loss_match_the_definitions():
    x, y = d.fraud_data(2_000, seed=4)
    b = math.log(d.FRAUD_RATE / (1 - d.FRAUD_RATE))
    ws = np.array([0.0, 0.5, 1.3, 2.9])
    acc, ll = d.accuracy_and_log_loss(ws, x, y, b=b)
    for w, a, l in zip(ws, acc, ll):
        z = w * x + b
        assert a == d.accuracy(z, y)
        assert a == np.mean((z > 0) == (y == 1))
        assert l == pytest.approx(float(binary_cross_entropy_with_logits(z, y)), rel=1e-12)
        assert l == pytest.approx(F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y)).item(),
                                  rel=1e-12)
    np.testing.assert_array_equal(d.accuracy_along(ws, x, y, b=b), acc)


def test_accuracy_is_piecewise_constant():
    """It only changes where some logit crosses 0, i.e. at w = -b / x_i."""
    x, y = d.fraud_data(1_000, seed=5)
    b = -3.0
    ws = np.linspace(0.01, 3.0, 3001)
    acc = d.accuracy_along(ws, x, y, b=b)
    jumps = ws[1:][np.diff(acc) != 0]
    crossings = -b / x[x > 0]
    assert jumps.size > 0
    # every jump has a crossing in the grid interval just before it
    step = ws[1] - ws[0]
    for wj in jumps:
        assert np.any((crossings > wj - step - 1e-12) & (crossings <= wj + 1e-12))


def test_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="same|match"):
        d.accuracy([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        d.accuracy([], [])


# ---------------------------------------------------------------------------------- ridge

def _ridge_problem(seed=0):
    xt, yt, xv, yv = d.poly_data(seed=seed)
    return d.poly_features(xt), yt


def test_poly_features_are_legendre_without_constant():
    F_ = d.poly_features(np.array([-1.0, 0.0, 0.5, 1.0]), 3)
    x = np.array([-1.0, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(F_[:, 0], x)
    np.testing.assert_allclose(F_[:, 1], (3 * x**2 - 1) / 2)
    np.testing.assert_allclose(F_[:, 2], (5 * x**3 - 3 * x) / 2)
    assert d.poly_features(x).shape == (4, d.POLY_DEGREE)
    with pytest.raises(ValueError, match="degree"):
        d.poly_features(x, 0)


@pytest.mark.parametrize("lam", [0.0, 1e-4, 0.3])
def test_ridge_objective_and_grad_match_torch(lam):
    X, y = _ridge_problem()
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=X.shape[1]), 0.4
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    obj = F.mse_loss(torch.tensor(X) @ wt + bt, torch.tensor(y)) + lam * (wt**2).sum()
    obj.backward()
    assert d.ridge_objective(w, b, X, y, lam=lam) == pytest.approx(obj.item(), rel=1e-12)
    gw, gb = d.ridge_objective_grad(w, b, X, y, lam=lam)
    np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gb == pytest.approx(bt.grad.item(), rel=1e-10)


@pytest.mark.parametrize("lam", [1e-6, 1e-2, 1.0])
def test_ridge_fit_is_the_minimiser(lam):
    X, y = _ridge_problem()
    w, b = d.ridge_fit(X, y, lam=lam)
    gw, gb = d.ridge_objective_grad(w, b, X, y, lam=lam)
    assert np.abs(gw).max() < 1e-9 and abs(gb) < 1e-9
    best = d.ridge_objective(w, b, X, y, lam=lam)
    rng = np.random.default_rng(2)
    for _ in range(5):  # any perturbation is worse
        assert d.ridge_objective(w + 1e-3 * rng.normal(size=w.size), b + 1e-3, X, y, lam=lam) > best


def test_ridge_fit_with_zero_penalty_is_least_squares():
    w, b = d.ridge_fit([[0.0], [1.0], [2.0], [3.0]], [1.0, 3.1, 4.9, 7.0], lam=0.0)
    w_ls, b_ls = np.polyfit([0.0, 1.0, 2.0, 3.0], [1.0, 3.1, 4.9, 7.0], 1)
    assert w[0] == pytest.approx(w_ls) and b == pytest.approx(b_ls)


def test_ridge_path_what_the_penalty_changes():
    xt, yt, xv, yv = d.poly_data()
    lams = np.logspace(-8, 0, 17)
    p = d.ridge_path(lams, xt, yt, xv, yv)
    # the training MSE rises and the weights shrink as lambda grows
    assert np.all(np.diff(p["train"]) >= -1e-12)
    assert np.all(np.diff(p["norm"]) <= 1e-12)
    # the validation MSE is U-shaped: its minimum is inside the range
    k = int(np.argmin(p["val"]))
    assert 0 < k < lams.size - 1 and p["val"][k] < p["val"][0] and p["val"][k] < p["val"][-1]
    # the objective includes the penalty
    np.testing.assert_allclose(p["objective"], p["train"] + lams * p["norm"] ** 2, rtol=1e-9)


def test_weight_decay_equals_l2_penalty_in_torch_sgd():
    X, y = _ridge_problem()
    Xt, yt = torch.tensor(X), torch.tensor(y)
    lam, lr = 0.01, 0.1
    w0 = torch.randn(X.shape[1], generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    wa = w0.clone().requires_grad_(True)
    (F.mse_loss(Xt @ wa, yt) + lam * (wa**2).sum()).backward()
    with torch.no_grad():
        wa -= lr * wa.grad
    wb = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([wb], lr=lr, weight_decay=d.weight_decay_for(lam))
    F.mse_loss(Xt @ wb, yt).backward()
    opt.step()
    torch.testing.assert_close(wa, wb, rtol=1e-12, atol=1e-14)
    assert d.weight_decay_for(lam) == 2 * lam


def test_ridge_explorer_widget_responds():
    ex = explore(d.ridge_explorer, {"log_lam": Slider(*d.LOG_LAMBDA_GRID, value=-4.0)},
                 panels={"fit": Panel(ylim=(-2.2, 2.2)), "loss": Panel(logy=True)})
    ex.controls["log_lam"].value = -1.5
    xt, yt, xv, yv = d.poly_data()
    w, b = d.ridge_fit(d.poly_features(xt), yt, lam=10 ** -1.5)
    gx, gy = ex.data("fit", "fit")
    np.testing.assert_allclose(gy, d.poly_features(gx) @ w + b, rtol=1e-9, atol=1e-12)
    vx, _ = ex.data("loss", "current λ")
    assert vx.tolist() == [-1.5]
    va = float(mse_loss(d.poly_features(xv) @ w + b, yv))
    assert f"validation MSE = {va:.4f}" in ex.text


def test_ridge_helpers_reject_bad_input():
    X, y = _ridge_problem()
    w = np.zeros(X.shape[1])
    with pytest.raises(ValueError, match="lam must be >= 0"):
        d.ridge_objective(w, 0.0, X, y, lam=-1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        d.ridge_fit(X, y, lam=-0.1)
    with pytest.raises(ValueError, match="X has shape"):
        d.ridge_objective(w[:-1], 0.0, X, y, lam=0.1)
    with pytest.raises(ValueError, match="matrix"):
        d.ridge_fit(X[:, 0], y, lam=0.1)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        d.weight_decay_for(-1.0)


def test_nan_propagates():
    loss, gw, gb = d.line_loss_and_grad(1.0, 0.0, [1.0, np.nan], [1.0, 2.0])
    assert math.isnan(loss) and math.isnan(gw) and math.isnan(gb)


# ---------------------------------------------------------------------------------- exercises and quiz

def test_exercise_checks_accept_the_solutions_and_reject_slips():
    from lossutils.checks import check_result
    from lossutils.exercises import loss_basics as ex

    assert check_result("loss-basics-ex1", [2 / 3, -2.0, -4 / 3])
    slip = check_result("loss-basics-ex1", [2.0, -6.0, -4.0])  # summed instead of averaged
    assert not slip and "sum" in slip.message
    assert check_result("loss-basics-ex2", lambda p, t: np.mean(np.abs(np.asarray(p) - np.asarray(t))))
    assert not check_result("loss-basics-ex2", lambda p, t: np.sum(np.abs(np.asarray(p) - np.asarray(t))))
    assert check_result("loss-basics-ex3", "b") and not check_result("loss-basics-ex3", "a")
    assert check_result("loss-basics-ex4", round(d.best_grid_fit()[2], 3))
    assert not check_result("loss-basics-ex4", d.best_grid_fit()[2] + 0.01)
    assert check_result("loss-basics-ex5", 2 * ex.EX5_LAM) and not check_result("loss-basics-ex5", ex.EX5_LAM)
    assert not check_result("loss-basics-ex1", None)


def test_quiz_is_well_formed():
    from lossutils.quiz import questions

    qs = questions("loss-basics")
    assert 3 <= len(qs) <= 5
    positions = set()
    for q in qs:
        assert q["type"] == "multiple_choice"
        correct = [i for i, a in enumerate(q["answers"]) if a["correct"]]
        assert len(correct) == 1
        positions.add(correct[0])
        assert all(a["feedback"] for a in q["answers"])
    assert len(positions) > 1  # the right answer is not always in the same place
