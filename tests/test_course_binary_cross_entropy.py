"""Tests of lossutils.demos.binary_cross_entropy (chapter 4 helpers and widget compute)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lossutils
from lossutils.demos import binary_cross_entropy as d

torch.set_default_dtype(torch.float64)
REDUCTIONS = ("none", "mean", "sum")


def _reduce_t(loss, reduction):
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


# ---------------------------------------------------------------------------------- formulas

def test_wrong_bce_ignores_the_labels_and_prefers_half():
    p = np.array([0.95, 0.9, 0.1, 0.05])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    assert float(d.wrong_bce(p, y)) == float(d.wrong_bce(p, 1 - y))   # labels do not matter
    assert float(d.wrong_bce(p, y)) == float(d.wrong_bce(1 - p, y))   # right == upside down
    assert float(d.wrong_bce(np.full(4, 0.5), y)) < float(d.wrong_bce(p, y))
    # the real BCE tells them apart
    assert float(lossutils.binary_cross_entropy(p, y)) < float(lossutils.binary_cross_entropy(1 - p, y))
    grid = np.linspace(0.01, 0.99, 99)
    values = d.wrong_bce(grid, np.ones_like(grid), reduction="none")
    assert grid[np.argmin(values)] == pytest.approx(0.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_wrong_bce_value(reduction):
    p, y = np.array([0.9, 0.2]), np.array([1.0, 1.0])
    want = -np.log(p) - np.log(1 - p)
    got = d.wrong_bce(p, y, reduction=reduction)
    np.testing.assert_allclose(got, want if reduction == "none" else getattr(want, reduction)())


def test_naive_bce_fails_where_the_stable_one_does_not():
    z = np.array([-1000.0, -1000.0, 3.0, 1000.0, 1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        naive = d.naive_bce_with_logits(z, y)
    stable = lossutils.binary_cross_entropy_with_logits(z, y, reduction="none")
    assert math.isnan(naive[0]) and math.isinf(naive[1]) and math.isinf(naive[3]) and math.isnan(naive[4])
    assert naive[2] == pytest.approx(stable[2], rel=1e-12)
    np.testing.assert_allclose(stable, [0.0, 1000.0, stable[2], 1000.0, 0.0])


def test_naive_bce_warns():
    with pytest.warns(RuntimeWarning):
        d.naive_bce_with_logits([-1000.0], [1.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_sigmoid_loss_and_grad_match_torch(reduction):
    rng = np.random.default_rng(1)
    z, y = 4 * rng.normal(size=(3, 5)), rng.random((3, 5))
    zt = torch.tensor(z, requires_grad=True)
    loss = _reduce_t(F.mse_loss(torch.sigmoid(zt), torch.tensor(y), reduction="none"), reduction)
    np.testing.assert_allclose(d.mse_sigmoid_loss(z, y, reduction=reduction), loss.detach().numpy(), rtol=1e-12)
    (loss.sum() if reduction == "none" else loss).backward()
    np.testing.assert_allclose(d.mse_sigmoid_grad(z, y, reduction=reduction), zt.grad.numpy(),
                               rtol=1e-10, atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, 6, elements=st.floats(-15, 15)), arrays(np.float64, 6, elements=st.floats(0, 1)))
def test_mse_sigmoid_grad_matches_finite_differences(z, y):
    h = 1e-6
    num = (d.mse_sigmoid_loss(z + h, y, reduction="none") - d.mse_sigmoid_loss(z - h, y, reduction="none")) / (2 * h)
    np.testing.assert_allclose(d.mse_sigmoid_grad(z, y, reduction="none"), num, atol=1e-8)


def test_mse_gradient_vanishes_for_confident_mistakes_but_bce_does_not():
    z, y = -12.0, 1.0
    assert abs(float(d.mse_sigmoid_grad(z, y))) < 1e-4
    assert float(lossutils.binary_cross_entropy_with_logits_grad(z, y)) < -0.999


def test_mse_sigmoid_grad_peak_is_minus_log_two():
    assert d.mse_sigmoid_grad_peak(1.0) == pytest.approx(-math.log(2), abs=1e-4)
    assert d.mse_sigmoid_grad_peak(0.0) == pytest.approx(math.log(2), abs=1e-4)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, 8, elements=st.floats(-60, 60)), arrays(np.int64, 8, elements=st.integers(0, 1)))
def test_bce_is_two_class_cross_entropy(z, y):
    bce = lossutils.binary_cross_entropy_with_logits(z, y.astype(float), reduction="none")
    ce = lossutils.cross_entropy(d.two_class_logits(z), y, reduction="none")
    np.testing.assert_allclose(bce, ce, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------- data

def test_data_are_seeded_and_shaped():
    for fn in (d.trap_data, d.separable_data, d.fraud_data, d.calibration_data):
        X1, y1 = fn(seed=3)
        X2, y2 = fn(seed=3)
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
        assert X1.shape == (len(y1), X1.shape[1]) and set(np.unique(y1)) <= {0.0, 1.0}
    X3, _ = d.fraud_data(seed=4)
    assert not np.array_equal(d.fraud_data(seed=3)[0], X3)


def test_separable_data_is_separable_with_a_margin():
    X, y = d.separable_data(gap=0.5)
    s = X.sum(axis=1)
    assert np.all((s > 0.5) == (y == 1)) and np.all(np.abs(s) > 0.5)


def test_fraud_data_rate():
    _, y = d.fraud_data(n=200_000, rate=0.002, seed=0)
    assert 0.0015 < y.mean() < 0.0025
    with pytest.raises(ValueError, match="rate"):
        d.fraud_data(rate=1.5)


# ---------------------------------------------------------------------------------- fitting

def test_fit_linear_recovers_logistic_regression():
    X, y = d.calibration_data(n=20_000, seed=0)
    w, b = d.fit_linear(X, y, F.binary_cross_entropy_with_logits)
    # at the optimum the gradient is zero: mean(p - y) = 0 and X^T (p - y) = 0
    p = lossutils.sigmoid(X @ w + b)
    assert abs(np.mean(p - y)) < 1e-8
    np.testing.assert_allclose(X.T @ (p - y) / len(y), 0.0, atol=1e-8)
    # and the data were drawn from this model
    np.testing.assert_allclose(w, d.CALIBRATION_WEIGHTS, atol=0.1)
    assert b == pytest.approx(d.CALIBRATION_BIAS, abs=0.1)


def test_fit_linear_pos_weight_raises_predictions():
    X, y = d.fraud_data(n=20_000, seed=0)
    pw = (1 - y).sum() / y.sum()
    w0, b0 = d.fit_linear(X, y, F.binary_cross_entropy_with_logits)
    w1, b1 = d.fit_linear(X, y, lambda z, t: F.binary_cross_entropy_with_logits(
        z, t, pos_weight=torch.tensor(pw)))
    assert lossutils.sigmoid(X @ w1 + b1).mean() > 5 * lossutils.sigmoid(X @ w0 + b0).mean()


def test_fit_linear_bad_input():
    with pytest.raises(ValueError, match="one label per row"):
        d.fit_linear(np.zeros((3, 2)), np.zeros(4), F.binary_cross_entropy_with_logits)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        d.fit_linear(np.zeros(3), np.zeros(3), F.binary_cross_entropy_with_logits)


# ---------------------------------------------------------------------------------- metrics

def _pr_brute(scores, y, thr):
    pred = scores >= thr
    tp = np.sum(pred & (y == 1))
    return tp / max(pred.sum(), 1), tp / (y == 1).sum()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_pr_curve_and_average_precision_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 30
    y = (rng.random(n) < 0.3).astype(float)
    y[0] = 1.0
    s = np.round(rng.random(n), 1)          # ties on purpose
    recall, precision = d.pr_curve(s, y)
    cuts = np.sort(np.unique(s[y == 1]))[::-1]
    for r, p, c in zip(recall, precision, cuts):
        bp, br = _pr_brute(s, y, c)
        assert p == pytest.approx(bp) and r == pytest.approx(br)
    ap = sum((r - r0) * p for r0, r, p in zip(np.concatenate([[0], recall[:-1]]), recall, precision))
    assert d.average_precision(s, y) == pytest.approx(ap)
    assert 0 < d.average_precision(s, y) <= 1


def test_average_precision_perfect_and_worst():
    y = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    assert d.average_precision([5, 4, 3, 2, 1], y) == 1.0
    assert d.average_precision([1, 2, 3, 4, 5], y) == pytest.approx((1 / 4 + 2 / 5) / 2)


def test_confusion_counts_and_precision_recall():
    p, y = [0.9, 0.6, 0.2, 0.1, 0.7], [1, 0, 1, 0, 1]
    c = d.confusion_counts(p, y, threshold=0.5)
    assert c == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}
    assert d.precision_recall(p, y, threshold=0.5) == pytest.approx((2 / 3, 2 / 3))
    prec, rec = d.precision_recall(p, y, threshold=0.95)
    assert math.isnan(prec) and rec == 0.0
    with pytest.raises(ValueError, match="0 .*or 1"):
        d.confusion_counts([0.5], [2.0])
    with pytest.raises(ValueError, match="no positive"):
        d.pr_curve([0.5, 0.2], [0.0, 0.0])


def test_reliability_curve_and_brier():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(p.size) < p).astype(float)      # calibrated by construction
    conf, freq, count = d.reliability_curve(p, y, n_bins=10)
    assert count.sum() == p.size and len(conf) == 10
    np.testing.assert_allclose(freq, conf, atol=0.01)
    assert d.brier_score(p, y) == pytest.approx(float(lossutils.mse_loss(p, y)))
    assert d.brier_score(p, y) == pytest.approx(F.mse_loss(torch.tensor(p), torch.tensor(y)).item())
    # p = 1 falls into the last bin, empty bins are dropped
    conf, freq, count = d.reliability_curve([1.0, 0.95], [1.0, 0.0], n_bins=10)
    assert count.tolist() == [2] and conf[0] == pytest.approx(0.975)
    with pytest.raises(ValueError, match="n_bins"):
        d.reliability_curve([0.5], [1.0], n_bins=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        d.brier_score([1.5], [1.0])


@pytest.mark.parametrize("q", [0.0, 0.1, 0.37, 0.5, 0.8, 1.0])
def test_log_and_brier_are_proper_absolute_is_not(q):
    r = np.linspace(0.0, 1.0, 1001)
    for rule in ("log", "brier"):
        scores = d.expected_score(q, r, rule=rule)
        assert r[np.argmin(scores)] == pytest.approx(q, abs=1e-3)
    absolute = d.expected_score(q, r, rule="absolute")
    if q != 0.5:
        assert r[np.argmin(absolute)] in (0.0, 1.0)
    # expected log loss = entropy + KL >= entropy, equality at r = q
    inner = r[(r > 0) & (r < 1)]
    log_scores = d.expected_score(q, inner, rule="log")
    assert np.all(log_scores >= d.expected_score(q, np.array([q]), rule="log")[0] - 1e-12)
    with pytest.raises(ValueError, match="rule"):
        d.expected_score(q, r, rule="hinge")


# ---------------------------------------------------------------------------------- convexity

def test_bce_slices_are_convex_and_mse_slices_are_not():
    X, y = d.trap_data()
    ts = np.linspace(-8, 8, 161)
    h2 = (ts[1] - ts[0]) ** 2
    rng = np.random.default_rng(0)
    for _ in range(5):
        direction = rng.normal(size=2)
        bce = d.loss_slice(X, y, direction, ts, loss="bce")
        assert np.diff(bce, 2).min() / h2 > -1e-9
    mse = d.loss_slice(X, y, d.TRAP_WEIGHTS / np.linalg.norm(d.TRAP_WEIGHTS), ts, loss="mse")
    assert np.diff(mse, 2).min() / h2 < -0.05
    with pytest.raises(ValueError, match="one entry per column"):
        d.loss_slice(X, y, [1.0, 2.0, 3.0], ts)
    with pytest.raises(ValueError, match="'bce' or 'mse'"):
        d.loss_slice(X, y, [1.0, 0.0], ts, loss="hinge")


# ---------------------------------------------------------------------------------- SigLIP / CLIP

def _torch_siglip(img, txt, s, b):
    x, t = F.normalize(torch.tensor(img), dim=1), F.normalize(torch.tensor(txt), dim=1)
    n = len(img)
    labels = 2 * torch.eye(n) - 1
    return -F.logsigmoid(labels * (s * x @ t.T + b)).sum() / n


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.floats(0.5, 30), st.floats(-15, 5))
def test_siglip_and_clip_match_torch(seed, n, s, b):
    rng = np.random.default_rng(seed)
    img, txt = rng.normal(size=(n, 5)), rng.normal(size=(n, 5))
    assert float(d.siglip_loss(img, txt, scale=s, bias=b)) == pytest.approx(
        _torch_siglip(img, txt, s, b).item(), rel=1e-10)
    x, t = F.normalize(torch.tensor(img), dim=1), F.normalize(torch.tensor(txt), dim=1)
    logits = s * x @ t.T
    clip = 0.5 * (F.cross_entropy(logits, torch.arange(n)) + F.cross_entropy(logits.T, torch.arange(n)))
    assert float(d.clip_loss(img, txt, scale=s)) == pytest.approx(clip.item(), rel=1e-10)


def test_siglip_reductions_and_pair_independence():
    rng = np.random.default_rng(0)
    img, txt = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    pairs = d.siglip_loss(img, txt, reduction="none")
    assert pairs.shape == (4, 4)
    assert float(d.siglip_loss(img, txt, reduction="sum")) == pytest.approx(pairs.sum())
    assert float(d.siglip_loss(img, txt)) == pytest.approx(pairs.sum() / 4)
    np.testing.assert_allclose(d.siglip_loss(img[:3], txt[:3], reduction="none"), pairs[:3, :3], rtol=1e-14)
    with pytest.raises(ValueError, match="row of zeros"):
        d.siglip_loss(np.zeros((2, 3)), txt[:2])
    with pytest.raises(ValueError, match="must match"):
        d.siglip_loss(img, txt[:3])


# ---------------------------------------------------------------------------------- widgets

def test_bce_vs_mse_widget():
    from lossutils.widgets import Choice, Slider, explore

    ex = explore(d.bce_vs_mse, {"z": Slider(-8.0, 8.0, 0.5, value=-6.0, label="z"),
                                "y": Choice([("y = 1", 1.0), ("y = 0", 0.0)], value=1.0, label="y")})
    x, grad = ex.data("grad", "MSE: 2(p − y)p(1 − p)")
    np.testing.assert_allclose(grad, d.mse_sigmoid_grad(x, np.ones_like(x), reduction="none"))
    assert "BCE's is 203× larger" in ex.text
    ex.controls["y"].value = 0.0
    x, bce = ex.data("loss", "BCE")
    np.testing.assert_allclose(bce, lossutils.binary_cross_entropy_with_logits(x, np.zeros_like(x), reduction="none"))
    ex.controls["z"].value = 2.0
    assert "z = +2.0, y = 0" in ex.text and ex.error == ""


def test_focal_widget():
    from lossutils.widgets import Choice, Slider, explore

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


def test_threshold_view():
    from lossutils.widgets import Choice, Slider, explore

    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.1).astype(float)
    probs = {"good": np.clip(0.6 * y + 0.4 * rng.random(500), 0, 1), "random": rng.random(500)}
    compute = d.threshold_view(probs, y)
    ex = explore(compute, {"threshold": Slider(0.05, 0.95, 0.05, value=0.5, label="t"),
                           "model": Choice(list(probs), value="good", label="model")})
    _, bars = ex.data("bars", "at this threshold")
    prec, rec = d.precision_recall(probs["good"], y, threshold=0.5)
    np.testing.assert_allclose(bars, [prec, rec])
    ex.controls["model"].value = "random"
    ex.controls["threshold"].value = 0.95
    c = d.confusion_counts(probs["random"], y, threshold=0.95)
    assert f"false alarms {c['fp']}" in ex.text and "random, threshold 0.95" in ex.text
    with pytest.raises(ValueError, match="empty"):
        d.threshold_view({}, y)
    with pytest.raises(ValueError, match="model must be one of"):
        compute(0.5, "missing")
