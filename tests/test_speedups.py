"""The speed-ups change no result: malloc settings, a faster log1p, Huber, sigmoid and hinge without np.where.

(How much faster they are is measured by ``make bench``, not here.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import lossutils as lu
from lossutils import _memory
from lossutils._numerics import log1p_unit

RNG = np.random.default_rng(31)
EPS = np.finfo(float).eps


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_malloc_settings_are_applied_and_can_be_switched_off():
    import ctypes
    try:
        ctypes.CDLL(None).gnu_get_libc_version
    except AttributeError:
        pytest.skip("not glibc")
    assert _memory.MALLOC_TUNED
    code = "import lossutils._memory as m; print(m.MALLOC_TUNED)"
    env = dict(os.environ, LOSSUTILS_MALLOC_TUNING="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_log1p_unit_is_as_accurate_as_numpy():
    x = np.concatenate([10.0 ** RNG.uniform(-320, 0, 200_000), RNG.random(200_000),
                        [0.0, 1.0, 5e-324, 2.0**-53, 2.0**-52, 0.5, np.nextafter(1.0, 0)]])
    ours, ref = log1p_unit(x), np.log1p(x)
    # within 2 units in the last place of numpy's (0.6 ulp accurate) log1p, tiny values included
    assert np.all(np.abs(ours - ref) <= 2 * EPS * np.abs(ref) + 5e-324)
    assert log1p_unit(np.array(1e-20)) == 1e-20 and np.isnan(log1p_unit(np.array(np.nan)))


def test_huber_without_where_is_each_branch_exactly():
    a = np.abs(RNG.standard_normal(10_000)) * 3
    for delta in (0.1, 1.0, 2.5):
        expected = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
        got = lu.huber_loss(a, np.zeros_like(a), delta=delta, reduction="none")
        assert np.array_equal(got, expected)



def test_sigmoid_and_hinge_gradient_without_where():
    z = np.concatenate([RNG.standard_normal(5000) * 5, [0.0, -0.0, 1000.0, -1000.0, np.inf, -np.inf, np.nan]])
    s = lu.sigmoid(z)
    e = np.exp(-np.abs(z))
    ref = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # the textbook stable form
    assert np.allclose(s, ref, rtol=2 * EPS, atol=0, equal_nan=True)
    assert s[-7:-1].tolist() == [0.5, 0.5, 1.0, 0.0, 1.0, 0.0] and np.isnan(s[-1])
    y = np.where(RNG.random(z.size) < 0.5, -1.0, 1.0)
    g = lu.hinge_loss_grad(z, y, reduction="sum")
    expected = np.where(np.isnan(z), np.nan, np.where(1.0 - y * z > 0, -y, 0.0))
    assert np.array_equal(g, expected, equal_nan=True)
    assert not np.any(np.signbit(g[g == 0]))  # zeros are +0.0, as torch gives


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (1000,), (33, 17), (3, 4, 5)])
def test_reduce_is_bitwise_ndarray_sum_and_mean(shape):
    from lossutils._reduction import reduce
    x = RNG.standard_normal(shape) * 10.0 ** RNG.uniform(-5, 5, shape)
    for arr in (x, x.T, x[::-1]):  # C order, transposed and reversed views
        assert same(reduce(arr, "sum"), np.asarray(arr.sum()))
        expected = np.asarray(np.nan) if arr.size == 0 else np.asarray(arr.mean())
        assert same(reduce(arr, "mean"), expected)


def test_all_in_small_and_blocked_paths_agree():
    from lossutils._validation import BLOCK, all_in
    for n in (0, 1, 5, BLOCK, BLOCK + 1, 3 * BLOCK):
        y = np.where(RNG.random(n) < 0.5, -1.0, 1.0)
        assert all_in(y, (-1.0, 1.0))
        if n:
            for bad in (0.0, np.nan, 2.0):
                z = y.copy()
                z[n - 1] = bad
                assert not all_in(z, (-1.0, 1.0))
                assert not all_in(z.reshape(1, -1), (-1.0, 1.0))
