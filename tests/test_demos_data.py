"""Tests of lossutils.demos._data: the fraud data shared by chapters 1, 4 and 6.

Each chapter's ``fraud_data`` once had its own implementation. The fingerprints below are the
SHA-256 of the arrays those implementations returned (computed at commit a35d21d, before they were
replaced by the shared one): each chapter must still get exactly the same bits, or its printed
numbers would change.
"""

import hashlib

import numpy as np
import pytest

from lossutils.demos import _data
from lossutils.demos import binary_cross_entropy as ch4
from lossutils.demos import choosing_a_loss as ch6
from lossutils.demos import loss_basics as ch1


def fingerprint(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(str((a.dtype, a.shape)).encode())
    return h.hexdigest()


# (chapter wrapper, kwargs of a call the chapter or its tests make) -> fingerprint of the old arrays
OLD = [
    (ch1.fraud_data, {"n": 10_000}, "36df24038499de6881aeb1bc75888eea2206ac9a4b9aaec36332eb5f584b5cbb"),
    (ch1.fraud_data, {"n": 2_000, "seed": 4}, "288b1d28f0cb5998a92ce2928d036a48212c0fd1c6b2c027e7b1d9f021a02996"),
    (ch1.fraud_data, {"n": 1_000, "seed": 5}, "ed27962941fea890cef45fd7f2944432f405ae96114a845fb04ac2453b6a509f"),
    (ch4.fraud_data, {"seed": 0}, "ee1e9d49b23ac6aa745f66916b9a7a58e32be376e2db10736fd2ed18f9868d20"),
    (ch4.fraud_data, {"seed": 1}, "0f46340e0ba5e77606a72adfe5d3c83e462fa5bcb355b97613e3a1458ffd9774"),
    (ch4.fraud_data, {"n": 20_000, "seed": 0}, "2ff7322f9ed751d26aad63c1b8cc11077af5167e602ba5e9a7e2a7572603a549"),
    (ch6.fraud_data, {}, "73b9ba994fc849075989ab1dedd52cd66b7368e4649acb752dbbdca2ae5a4e5d"),
    (ch6.fraud_data, {"n": 4000, "rate": 0.01}, "d8e676ad2a9b43be82e06d0ae0a85846751b7f4b2a60e8dd29e386ffa58df0b9"),
]


@pytest.mark.parametrize("fn,kwargs,want", OLD, ids=lambda v: getattr(v, "__module__", None) or str(v)[:12])
def test_each_chapter_gets_the_arrays_it_always_had(fn, kwargs, want):
    assert fingerprint(*fn(**kwargs)) == want


def test_shapes_and_rates():
    x, y = _data.fraud_data(10_000, rate=0.002, shift=3.0, exact_count=True)
    assert x.shape == y.shape == (10_000,) and int(y.sum()) == 20
    X, y = _data.fraud_data(200_000, rate=0.002, shift=[2.5, 2.0, 1.5, 0.0], seed=0)
    assert X.shape == (200_000, 4) and 0.0015 < y.mean() < 0.0025
    # fraud is shifted by `shift`, feature by feature (the last one is pure noise)
    np.testing.assert_allclose(X[y == 1].mean(0) - X[y == 0].mean(0), [2.5, 2.0, 1.5, 0.0], atol=0.2)
    X, y = _data.fraud_data(1_000, rate=0.01, shift=3.0, n_features=2, seed=0)
    assert X.shape == (1_000, 2) and set(np.unique(y)) <= {0.0, 1.0}
    # honest rows are the plain normal draws: the shift leaves them bit for bit unchanged
    X0, _ = _data.fraud_data(1_000, rate=0.01, shift=0.0, n_features=2, seed=0)
    np.testing.assert_array_equal(X[y == 0], X0[y == 0])
    np.testing.assert_array_equal(X[y == 1], X0[y == 1] + 3.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        _data.fraud_data(100, rate=1.5, shift=3.0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        _data.fraud_data(0, rate=0.1, shift=3.0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        _data.fraud_data(10.5, rate=0.1, shift=3.0)
    with pytest.raises(ValueError, match="shift has 3 entries but n_features is 2"):
        _data.fraud_data(10, rate=0.1, shift=[1.0, 2.0, 3.0], n_features=2)
    with pytest.raises(ValueError, match="exact_count=True makes one feature"):
        _data.fraud_data(10, rate=0.1, shift=[1.0, 2.0], exact_count=True)
