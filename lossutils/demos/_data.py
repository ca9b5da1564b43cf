r"""Synthetic data shared by several chapters.

The fraud story runs through chapters 1, 4 and 6, each with its own view of the same kind of data
(one risk score; four features; two features). :func:`fraud_data` makes all of them; each chapter's
demo module keeps a ``fraud_data`` with that chapter's defaults, which calls this one, so every
chapter gets the arrays it always had (tests/test_demos_data.py checks them bit for bit).
"""

from __future__ import annotations

import numbers

import numpy as np

from lossutils._validation import check_closed_unit

__all__ = ["fraud_data"]


def fraud_data(n: int, *, rate: float, shift, n_features: int | None = None, seed: int = 0,
               exact_count: bool = False):
    r"""``(X, y)``: synthetic card transactions, a fraction ``rate`` of them fraud (``y = 1``).

    Honest transactions have standard normal features; fraud is shifted by ``shift``. With equal
    covariances the true log-odds are linear in the features, so a logistic regression can be
    exactly right.

    Args:
        n: number of transactions, a positive integer.
        rate: fraction of fraud, in [0, 1].
        shift: how far fraud is moved: a number (every feature), or one number per feature.
        n_features: number of features; ``None`` gives ``X`` of shape (n,) for a scalar ``shift``
            (one risk score per transaction) and shape (n, len(shift)) for a vector ``shift``.
        seed: seed of the generator.
        exact_count: if False, each transaction is fraud with probability ``rate``
            (independently); if True, exactly ``round(rate * n)`` transactions are fraud, drawn
            as two separate normal samples and shuffled together (the chapter 1 story, whose
            printed rate must be exactly 0.2 %).

    Example:
        >>> X, y = fraud_data(10_000, rate=0.002, shift=3.0, exact_count=True)
        >>> X.shape, int(y.sum())
        ((10000,), 20)
        >>> X, y = fraud_data(1_000, rate=0.01, shift=[2.5, 2.0, 1.5, 0.0])
        >>> X.shape
        (1000, 4)
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    rate = check_closed_unit(rate, "rate")
    shift = np.asarray(shift, dtype=np.float64)
    if shift.ndim > 1:
        raise ValueError(f"shift must be a number or one number per feature, got shape {shift.shape}")
    if n_features is None:
        shape = (n,) if shift.ndim == 0 else (n, shift.size)
    elif shift.ndim == 1 and shift.size != n_features:
        raise ValueError(f"shift has {shift.size} entries but n_features is {n_features}; they must match")
    else:
        shape = (n, int(n_features))
    rng = np.random.default_rng(seed)
    if exact_count:
        if len(shape) != 1 or shift.ndim != 0:
            raise ValueError("exact_count=True makes one feature: pass a scalar shift and no n_features")
        y = np.zeros(n)
        y[: int(round(rate * n))] = 1.0
        # fraud and honest scores come from two separate draws, then one shuffle
        x = np.where(y == 1, rng.normal(float(shift), 1.0, n), rng.normal(0.0, 1.0, n))
        perm = rng.permutation(n)
        return x[perm], y[perm]
    y = (rng.random(n) < rate).astype(np.float64)
    X = rng.normal(size=shape)
    # honest rows get + 0.0 (unchanged), fraud rows + shift
    return X + (y if X.ndim == 1 else y[:, None]) * shift, y
