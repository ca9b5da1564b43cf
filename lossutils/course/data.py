r"""Synthetic data the chapters share: one fraud data set, one polynomial feature map, one ridge solver.

Everything is seeded, so every chapter prints the same numbers on every run.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FRAUD_RATE", "FRAUD_SHIFT", "fraud_data", "poly_features", "ridge_fit"]

FRAUD_RATE = 0.002
#: How far fraud is moved in each of the four features (the last one is pure noise).
FRAUD_SHIFT = np.array([3.0, 2.0, 1.5, 0.0])


def fraud_data(n: int = 20_000, *, rate: float = FRAUD_RATE, seed: int = 0):
    r"""``(X, y)``: ``n`` synthetic card transactions with four features, exactly ``round(rate * n)`` fraud.

    Honest transactions have standard normal features; fraud is shifted by :data:`FRAUD_SHIFT`.
    With equal covariances the true log-odds are linear in the features, so a logistic
    regression can be exactly right. Chapter 1 uses the first column alone as a risk score.

    Example:
        >>> X, y = fraud_data()
        >>> X.shape, int(y.sum()), float(y.mean())
        ((20000, 4), 40, 0.002)
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1] (a fraction of transactions), got {rate!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    y[: int(round(rate * n))] = 1.0
    y = rng.permutation(y)
    X = rng.normal(size=(n, FRAUD_SHIFT.size)) + y[:, None] * FRAUD_SHIFT
    return X, y


def poly_features(x, degree: int) -> np.ndarray:
    """Legendre polynomials ``P_1(x) .. P_degree(x)`` of ``x`` in [-1, 1] as columns (no constant column).

    Legendre rather than plain powers ``x, x², ...``: on [-1, 1] the columns are far less
    correlated, so gradient descent and the linear solves stay well conditioned.

    >>> poly_features([0.5], 2).round(3).tolist()
    [[0.5, -0.125]]
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if isinstance(degree, bool) or int(degree) != degree or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    return np.polynomial.legendre.legvander(x, int(degree))[:, 1:]


def ridge_fit(X, y, *, lam: float):
    r"""The minimiser ``(w, b)`` of the mean squared error plus ``lam * ‖w‖²`` (the bias is not penalised).

    Setting the gradient to zero gives the linear system
    :math:`\big(\tfrac1N A^\top A + \lambda\,\mathrm{diag}(1, \dots, 1, 0)\big)\,\theta = \tfrac1N A^\top y`
    with :math:`A = [X\ \mathbf 1]` and :math:`\theta = (w, b)`. ``lam = 0`` gives least squares.

    >>> w, b = ridge_fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], lam=0.0)
    >>> w.round(6).tolist(), round(b, 6)
    ([2.0], 1.0)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2 or X.shape[0] != y.size:
        raise ValueError(f"X must be a matrix (len(y), D) = ({y.size}, D), got shape {X.shape}")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0 (a penalty strength), got {lam!r}")
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    if lam == 0:
        theta = np.linalg.lstsq(A, y, rcond=None)[0]
    else:
        P = np.diag(np.r_[np.full(d, float(lam)), 0.0])
        theta = np.linalg.solve(A.T @ A / n + P, A.T @ y / n)
    return theta[:d], float(theta[d])
