"""The fast paths for large inputs give the same bits as the plain numpy formulas.

Large inputs are evaluated a block at a time (lossutils._reduction.reduce_elementwise and
grad_elementwise, the cross-entropy and multi-margin row blocks) and range checks take a fast path
first. None of that may change a result: these tests compare every fast path with the plain
computation, exactly (``np.array_equal``), on sizes around the block boundaries.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossutils as lu
from lossutils._reduction import BLOCK, grad_elementwise, reduce, reduce_elementwise, reduce_grad
from lossutils._validation import check_probabilities, check_values_in, first_below
from lossutils.classification import _pairwise_sum

SIZES = [1, 7, BLOCK, BLOCK + 1, 3 * BLOCK + 17, 8 * BLOCK + 5]
RNG = np.random.default_rng(20)


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def strided(x):
    """The same values in a non-contiguous array: the loss functions take the plain path on it."""
    base = np.empty(x.shape + (2,))
    base[..., 0] = x
    out = base[..., 0]
    assert not out.flags.c_contiguous and np.array_equal(out, x, equal_nan=True)
    return out


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_reduce_elementwise_is_bitwise_the_plain_reduction(n, reduction):
    p = RNG.standard_normal(n) * 10.0 ** RNG.uniform(-4, 4, n)
    t = RNG.standard_normal(n)

    def fn(p, t):
        return np.log1p(np.abs(p - t)) * (p - t)

    assert same(reduce_elementwise(fn, (p, t), reduction), reduce(fn(p, t), reduction))
    assert same(grad_elementwise(fn, (p, t), reduction), reduce_grad(fn(p, t), reduction))


def test_reduce_elementwise_on_2d_and_mixed_layouts():
    p = RNG.standard_normal((3 * BLOCK // 7 + 3, 7))
    t = RNG.standard_normal(p.shape)
    for reduction in ("none", "sum", "mean"):
        assert same(reduce_elementwise(np.subtract, (p, t), reduction), reduce(p - t, reduction))
        # a Fortran-ordered or broadcast input takes the plain path and still agrees
        assert same(reduce_elementwise(np.subtract, (p, np.asfortranarray(t)), reduction), reduce(p - t, reduction))


@pytest.mark.parametrize("n", [3 * BLOCK + 17])
def test_every_elementwise_loss_matches_its_plain_path(n):
    p = RNG.standard_normal(n) * 3
    t = RNG.standard_normal(n) * 3
    p[[5, 77, 1000]] = [np.nan, 1e8, -1e3]
    counts = RNG.poisson(2.0, n).astype(float)
    pm1 = np.where(RNG.random(n) < 0.5, -1.0, 1.0)
    probs = RNG.random(n)
    probs[:2] = [0.0, 1.0]
    y01 = (RNG.random(n) < 0.3).astype(float)
    var = RNG.random(n) + 1e-9
    calls = [
        (lu.mse_loss, (p, t), {}), (lu.mse_loss_grad, (p, t), {}), (lu.l1_loss, (p, t), {}),
        (lu.l1_loss_grad, (p, t), {}), (lu.huber_loss, (p, t), {"delta": 0.7}),
        (lu.huber_loss_grad, (p, t), {"delta": 0.7}), (lu.smooth_l1_loss, (p, t), {"beta": 2.0}),
        (lu.log_cosh_loss, (p, t), {}), (lu.quantile_loss, (p, t), {"q": 0.9}),
        (lu.gaussian_nll_loss, (p, t, var), {"full": True}), (lu.gaussian_nll_loss, (p, t, 0.5), {}),
        (lu.poisson_nll_loss, (p, counts), {"full": True}),
        (lu.poisson_nll_loss, (np.abs(p), counts), {"log_input": False}),
        (lu.binary_cross_entropy, (probs, y01), {}), (lu.binary_cross_entropy_with_logits, (p, probs), {}),
        (lu.binary_cross_entropy_with_logits_grad, (p, y01), {}), (lu.sigmoid_focal_loss, (p, y01), {}),
        (lu.kl_div, (-np.abs(p), probs), {}), (lu.kl_div, (p, t), {"log_target": True}),
        (lu.hinge_loss, (p, pm1), {}), (lu.hinge_loss_grad, (p, pm1), {"margin": 0.5}),
        (lu.squared_hinge_loss, (p, pm1), {}),
    ]
    for fn, args, kwargs in calls:
        reductions = ("batchmean", "sum", "mean", "none") if fn is lu.kl_div else ("none", "sum", "mean")
        for reduction in reductions:
            fast = fn(*args, **kwargs, reduction=reduction)
            plain = fn(*[strided(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs,
                       reduction=reduction)
            assert same(fast, plain), (fn.__name__, kwargs, reduction)
    assert same(lu.sigmoid(p), lu.sigmoid(strided(p)))


@pytest.mark.parametrize("n_classes", [1, 2, 3, 10, 32, 33])
def test_cross_entropy_fast_path_equals_the_weighted_path(n_classes):
    # weight = ones takes the general path; its arithmetic gives the same bits
    n = 3 * BLOCK // n_classes + 5
    z = RNG.standard_normal((n, n_classes)) * 5
    z[3] = [np.nan] + [0.0] * (n_classes - 1)
    z[4, 0] = 800.0
    z[5, -1] = -np.inf
    y = RNG.integers(0, n_classes, n)
    ones = np.ones(n_classes)
    for reduction in ("none", "sum", "mean"):
        assert same(lu.cross_entropy(z, y, reduction=reduction),
                    lu.cross_entropy(z, y, weight=ones, reduction=reduction))
        assert same(lu.cross_entropy_grad(z, y, reduction=reduction),
                    lu.cross_entropy_grad(z, y, weight=ones, reduction=reduction))
        assert same(lu.nll_loss(z, y, reduction=reduction), lu.nll_loss(z, y, weight=ones, reduction=reduction))


@pytest.mark.parametrize("n_classes", [1, 2, 7, 8, 9, 16, 17, 130, 300])
def test_pairwise_sum_adds_in_numpys_order(n_classes):
    e = np.exp(RNG.standard_normal((50, n_classes)) * 8)
    assert np.array_equal(_pairwise_sum(e.T.copy()), e.sum(axis=1))


def test_multi_margin_row_blocks_match_the_plain_formula():
    n, c = 3 * BLOCK // 10 + 7, 10
    x = RNG.standard_normal((n, c))
    x[2, 1] = np.nan
    y = RNG.integers(0, c, n)
    true = x[np.arange(n), y][:, None]
    terms = np.where(np.arange(c) == y[:, None], 0.0, np.maximum(0.0, 1.0 - true + x))
    assert same(lu.multi_margin_loss(x, y, reduction="none"), terms.sum(axis=1) / c)


def test_fast_range_checks_report_the_first_bad_value_and_ignore_nan():
    big = np.zeros(3 * BLOCK)
    big[[10, 2 * BLOCK + 1]] = [np.nan, -2.0]
    big[BLOCK + 3] = -1.0
    assert first_below(big, 0.0) == -1.0
    assert first_below(np.array([np.nan, 1.0]), 0.0) is None
    assert first_below(np.zeros(0), 0.0) is None
    check_probabilities(np.array([np.nan, 0.0, 1.0]))  # NaN propagates: no error
    with pytest.raises(ValueError, match="found 1.5"):
        check_probabilities(np.r_[np.full(2 * BLOCK, 0.5), np.nan, 1.5, -3.0])
    check_values_in(np.r_[np.ones(2 * BLOCK), np.nan, -1.0], (-1.0, 1.0), "target")
    with pytest.raises(ValueError, match="found 0.5"):
        check_values_in(np.r_[np.ones(2 * BLOCK), np.nan, 0.5, 2.0], (-1.0, 1.0), "target")


def _errors(fn, *args, **kwargs):
    """The ValueError message of fn(*args) on contiguous arrays and on strided ones (plain path)."""
    messages = []
    for variant in (args, [strided(a) if isinstance(a, np.ndarray) else a for a in args]):
        with pytest.raises(ValueError) as info:
            fn(*variant, **kwargs)
        messages.append(str(info.value))
    return messages


def test_checks_done_block_by_block_raise_the_plain_paths_error():
    # the range checks run on each block while computing; a NaN early (allowed: it propagates)
    # and a bad value late must still give the error of the whole-array check
    n = 3 * BLOCK + 11
    ones, half = np.ones(n), np.full(n, 0.5)

    def bad(base, **where):
        a = base.copy()
        for i, v in where.items():
            a[int(i[1:])] = v
        return a

    cases = [
        (lu.binary_cross_entropy, (bad(half, i5=np.nan, i70000=1.5), bad(ones * 0, i3=2.0)), {}, "probs must lie"),
        (lu.binary_cross_entropy_with_logits, (half, bad(ones, i3=np.nan, i90000=-1.0)), {}, "found -1.0"),
        (lu.binary_cross_entropy_with_logits_grad, (half, bad(ones, i50000=7.0)), {}, "found 7.0"),
        (lu.sigmoid_focal_loss, (half, bad(ones, i40000=1.5)), {}, "found 1.5"),
        (lu.kl_div, (-half, bad(half, i100=np.nan, i98000=-0.1)), {}, "found -0.1"),
        (lu.hinge_loss, (half, bad(ones, i2=np.nan, i80000=0.0)), {}, "found 0.0"),
        (lu.hinge_loss_grad, (half, bad(-ones, i80000=3.0)), {}, "found 3.0"),
        (lu.squared_hinge_loss, (half, bad(-ones, i80000=3.0)), {}, "found 3.0"),
        (lu.poisson_nll_loss, (half, bad(ones, i2=np.nan, i80000=-3.0)), {}, "counts >= 0, found -3.0"),
        (lu.poisson_nll_loss, (bad(half, i70000=-1.0), bad(ones, i90000=-2.0)), {"log_input": False}, "found -2.0"),
        (lu.gaussian_nll_loss, (half, ones, bad(ones, i2=np.nan, i80000=-3.0)), {}, "found -3.0"),
    ]
    for fn, args, kwargs, expected in cases:
        fast, plain = _errors(fn, *args, **kwargs)
        assert fast == plain and expected in fast, (fn.__name__, fast, plain)
    # NaN alone is no error: it propagates, on both paths alike
    with_nan = bad(ones, i7=np.nan)
    assert np.isnan(lu.hinge_loss(half, with_nan)) and np.isnan(lu.binary_cross_entropy(half, with_nan))
