"""Tests of lossutils.course.data: the one fraud data set, the polynomial features and the ridge solver."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossutils.course.data import FRAUD_SHIFT, fraud_data, poly_features, ridge_fit


def test_fraud_data_shape_count_and_shift():
    X, y = fraud_data()
    assert X.shape == (20_000, 4) and int(y.sum()) == 40
    X2, y2 = fraud_data()
    np.testing.assert_array_equal(X, X2)  # seeded
    np.testing.assert_array_equal(y, y2)
    # fraud is moved by FRAUD_SHIFT feature by feature; column 0 (chapter 1's risk score) the most
    np.testing.assert_allclose(X[y == 1].mean(0) - X[y == 0].mean(0), FRAUD_SHIFT, atol=0.4)
    assert np.argmax(FRAUD_SHIFT) == 0
    Xs, ys = fraud_data(1_000, rate=0.01, seed=3)
    assert Xs.shape == (1_000, 4) and int(ys.sum()) == 10


def test_fraud_data_rejects_bad_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        fraud_data(0)
    with pytest.raises(ValueError, match="positive integer"):
        fraud_data(10.5)
    with pytest.raises(ValueError, match="rate must be in"):
        fraud_data(100, rate=1.5)


def test_poly_features_are_legendre_without_constant():
    x = np.linspace(-1, 1, 7)
    P = poly_features(x, 3)
    np.testing.assert_allclose(P, np.column_stack([x, (3 * x**2 - 1) / 2, (5 * x**3 - 3 * x) / 2]), atol=1e-15)
    with pytest.raises(ValueError, match="positive integer"):
        poly_features(x, 0)


@pytest.mark.parametrize("lam", [1e-6, 1e-2, 1.0])
def test_ridge_fit_zeroes_the_gradient_of_the_objective_in_torch(lam):
    rng = np.random.default_rng(1)
    X, y = poly_features(rng.uniform(-1, 1, 15), 6), rng.normal(size=15)
    w, b = ridge_fit(X, y, lam=lam)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (F.mse_loss(torch.tensor(X) @ wt + bt, torch.tensor(y)) + lam * (wt**2).sum()).backward()
    assert wt.grad.abs().max().item() < 1e-12 and abs(bt.grad.item()) < 1e-12


def test_ridge_fit_with_zero_penalty_is_least_squares_and_rejects_bad_input():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=10), rng.normal(size=10)
    w, b = ridge_fit(x[:, None], y, lam=0.0)
    np.testing.assert_allclose([w[0], b], np.polyfit(x, y, 1), rtol=1e-10)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        ridge_fit(x[:, None], y, lam=-1.0)
    with pytest.raises(ValueError, match="matrix"):
        ridge_fit(x, y, lam=0.1)
