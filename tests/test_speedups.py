"""The speed-ups of large inputs change no result: threads, malloc settings, fast log1p, Huber.

(How much faster they are is measured by ``make bench``, not here.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import lossutils as lu
from lossutils import _memory, _reduction
from lossutils._numerics import log1p_unit
from lossutils._reduction import BLOCK, grad_elementwise, reduce_elementwise

RNG = np.random.default_rng(31)
EPS = np.finfo(float).eps


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


@pytest.fixture
def threads(monkeypatch):
    """Run the body with a given number of lossutils threads (the pool is made anew)."""
    def use(k):
        monkeypatch.setattr(_reduction, "THREADS", k)
        monkeypatch.setattr(_reduction, "_pool", None)
    yield use
    if _reduction._pool is not None:
        _reduction._pool.shutdown()


@pytest.mark.parametrize("n", [4 * BLOCK, 4 * BLOCK + 3, 11 * BLOCK + 17, 40 * BLOCK - 8])
def test_threads_give_the_same_bits_as_one_thread(threads, n):
    p = RNG.standard_normal(n) * 10.0 ** RNG.uniform(-3, 3, n)
    t = RNG.standard_normal(n)
    p[n // 3] = np.nan
    calls = [(lu.mse_loss, {}), (lu.huber_loss, {"delta": 0.5}), (lu.log_cosh_loss, {}),
             (lu.binary_cross_entropy_with_logits, {}), (lu.huber_loss_grad, {})]
    t01 = (t > 0).astype(float)
    results = {}
    for k in (1, 2, 3, 4):
        threads(k)
        for fn, kw in calls:
            target = t01 if fn is lu.binary_cross_entropy_with_logits else t
            for reduction in ("none", "sum", "mean"):
                results.setdefault((fn.__name__, reduction), []).append(fn(p, target, reduction=reduction, **kw))
    for key, outs in results.items():
        assert all(same(outs[0], o) for o in outs[1:]), key
    # and the same bits as the whole array at once (numpy's own pairwise sum)
    d = p - t
    assert same(results[("mse_loss", "sum")][3], np.asarray((d * d).sum()))


def test_threads_carry_the_callers_errstate_and_errors(threads):
    threads(2)
    z = np.zeros(8 * BLOCK)
    z[-5] = 1000.0  # exp overflows in the last block, which a worker thread computes
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            reduce_elementwise(np.exp, (z,), "sum")
        with pytest.raises(FloatingPointError):
            grad_elementwise(np.exp, (z,), "mean")
    with np.errstate(over="ignore"):
        assert float(reduce_elementwise(np.exp, (z,), "sum")) == np.inf
    y = np.ones(8 * BLOCK)
    y[6 * BLOCK + 1] = 0.5  # a bad hinge target far into the array: the same error as the plain path
    with pytest.raises(ValueError, match=r"target must hold only -1 or \+1, found 0.5"):
        lu.hinge_loss(np.zeros_like(y), y)


def test_thread_count_setting(monkeypatch):
    monkeypatch.setenv("LOSSUTILS_NUM_THREADS", "1")
    assert _reduction._thread_count() == 1
    monkeypatch.setenv("LOSSUTILS_NUM_THREADS", "3")
    assert _reduction._thread_count() == 3
    monkeypatch.setenv("LOSSUTILS_NUM_THREADS", "many")
    assert _reduction._thread_count() >= 1


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


@pytest.mark.parametrize("rows", [(4 * BLOCK) // 10 + 1, 3 * BLOCK + 7])
def test_row_block_losses_on_threads_give_the_same_bits(threads, rows):
    z = RNG.standard_normal((rows, 10)) * 3
    z[rows // 2, 3] = np.nan
    y = RNG.integers(0, 10, rows)
    calls = [(lu.cross_entropy, {}), (lu.cross_entropy_grad, {}), (lu.multi_margin_loss, {"margin": 0.5})]
    outs = {}
    for k in (1, 2, 3):
        threads(k)
        for fn, kw in calls:
            for reduction in ("none", "mean"):
                outs.setdefault((fn.__name__, reduction), []).append(fn(z, y, reduction=reduction, **kw))
    for key, got in outs.items():
        assert all(same(got[0], g) for g in got[1:]), key


def test_info_nce_on_threads_gives_the_same_bits(threads):
    q = RNG.standard_normal((600, 8))
    k = RNG.standard_normal((600, 8))
    outs = []
    for t in (1, 2, 3):
        threads(t)
        outs.append(lu.info_nce_loss(q, k, temperature=0.05, reduction="none"))
    assert all(same(outs[0], o) for o in outs[1:])
    # and the per-row formula, written out
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    kn = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = qn @ kn.T / 0.05
    ref = -(np.diagonal(logits) - np.log(np.exp(logits).sum(axis=1)))
    np.testing.assert_allclose(outs[0], ref, rtol=1e-12)
