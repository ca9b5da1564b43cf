"""Unit tests of the shared helpers in lossutils._validation and lossutils._reduction."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lossutils as lu
from _helpers import no_warnings
from lossutils._reduction import reduce, reduce_grad
from lossutils._validation import (
    as_float_array, as_index_array, check_axis, check_closed_unit, check_ndim, check_not_empty,
    check_open_unit, check_positive, check_probabilities, check_reduction, check_same_shape,
    check_values_in,
)

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------- as_float_array

@pytest.mark.parametrize("x, expected", [
    (1, np.array(1.0)),
    ([1, 2, 3], np.array([1.0, 2.0, 3.0])),
    ((0.5, -2), np.array([0.5, -2.0])),
    (np.array([1, 2], dtype=np.int32), np.array([1.0, 2.0])),
    (np.array([0.5], dtype=np.float32), np.array([0.5])),
    ([True, False], np.array([1.0, 0.0])),
    ([[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]])),
    ([], np.zeros(0)),
])
def test_as_float_array_converts_to_float64(x, expected):
    out = as_float_array(x)
    assert type(out) is np.ndarray and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


def test_as_float_array_keeps_float64_arrays_without_copy():
    a = np.arange(3.0)
    assert as_float_array(a) is a


def test_as_float_array_keeps_nan_and_inf():
    out = as_float_array([np.nan, np.inf, -np.inf])
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == -np.inf


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_as_float_array_drops_matrix_subclass():
    # np.matrix overloads * as matrix product: a loss must never see one
    out = as_float_array(np.matrix([[1.0, 2.0]]))
    assert type(out) is np.ndarray


def test_as_float_array_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    out = as_float_array(torch.tensor([1.0, 2.0], dtype=torch.float32))
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("x, match", [
    (None, "input contains None; use float\\('nan'\\)"),
    ([1.0, None], "input contains None"),
    ("1.5", "input must hold real numbers, got strings"),
    (["1", "2"], "got strings"),
    ([1 + 2j], "got complex numbers"),
    (np.array([1 + 0j]), "got complex numbers"),
    ([[1, 2], [3]], "input must be numeric"),
    ({"a": 1}, "input must be numeric"),
    (np.array(["2024-01-01"], dtype="datetime64[D]"), "must hold real numbers, got dtype datetime64"),
])
def test_as_float_array_rejects_non_numbers(x, match):
    with pytest.raises(ValueError, match=match):
        as_float_array(x)


def test_as_float_array_names_the_argument():
    with pytest.raises(ValueError, match="^scores must hold real numbers"):
        as_float_array(["a"], "scores")


# ----------------------------------------------------------------------- as_index_array

@pytest.mark.parametrize("x", [[0, 2, 1], np.array([0, 2, 1], dtype=np.uint8), [0.0, 2.0, 1.0]])
def test_as_index_array_accepts_integers_and_integral_floats(x):
    out = as_index_array(x)
    assert out.dtype == np.int64 and out.tolist() == [0, 2, 1]


def test_as_index_array_scalar():
    out = as_index_array(3)
    assert out.shape == () and int(out) == 3


@pytest.mark.parametrize("x, match", [
    ([0.5, 1.0], "integer class indices.*non-integer"),
    ([np.nan, 1.0], "non-integer"),
    ([np.inf], "non-integer"),
    ([True, False], "booleans"),
    (["1", "2"], "integer class indices, got dtype <U1"),
    ([1e30], "far out of range"),
    (np.array([2**64 - 1], dtype=np.uint64), "too large for int64"),
])
def test_as_index_array_rejects(x, match):
    with pytest.raises(ValueError, match=match):
        as_index_array(x)


# --------------------------------------------------------------------- shape and ndim

def test_check_same_shape_accepts_equal_shapes():
    check_same_shape(np.zeros((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("a, b", [((4,), (4, 1)), ((4, 1), (4,)), ((3,), (4,)), ((), (1,))])
def test_check_same_shape_rejects_broadcastable_and_different(a, b):
    with pytest.raises(ValueError, match=rf"pred has shape {a!r}.*target has shape {b!r}.*must match".replace("(", r"\(").replace(")", r"\)")):
        check_same_shape(np.zeros(a), np.zeros(b))


def test_check_same_shape_uses_given_names():
    with pytest.raises(ValueError, match=r"^x1 has shape \(2,\) but x2 has shape \(3,\).*x2\.reshape\(x1\.shape\)"):
        check_same_shape(np.zeros(2), np.zeros(3), "x1", "x2")


def test_check_ndim():
    check_ndim(np.zeros((2, 3)), 2, "x", "(N, D)")
    check_ndim(np.zeros(3), (1, 2), "x", "(N, C) or (C,)")
    with pytest.raises(ValueError, match=r"^x must be a 2-D array of shape \(N, D\), got shape \(3,\); hint$"):
        check_ndim(np.zeros(3), 2, "x", "(N, D)", "hint")
    with pytest.raises(ValueError, match=r"1-D or 2-D array.*got shape \(\)"):
        check_ndim(np.zeros(()), (1, 2), "x", "(N, C) or (C,)")


def test_check_not_empty():
    check_not_empty(np.zeros(1))
    with pytest.raises(ValueError, match="logits is empty"):
        check_not_empty(np.zeros((0, 3)), "logits")


# ---------------------------------------------------------------------- value ranges

def test_check_values_in_ignores_nan():
    check_values_in(np.array([-1.0, 1.0, np.nan]), (-1.0, 1.0), "target")


def test_check_values_in_custom_choices():
    with pytest.raises(ValueError, match=r"^y must hold only -1 or \+1, found 0\.0$"):
        check_values_in(np.array([0.0]), (-1.0, 1.0), "y", choices="-1 or +1")


def test_check_values_in_reports_first_bad_value_and_hint():
    with pytest.raises(ValueError, match=r"^target must hold only -1 or 1, found 0\.5; fix it$"):
        check_values_in(np.array([1.0, 0.5, 3.0]), (-1.0, 1.0), "target", "fix it")


def test_check_probabilities():
    check_probabilities(np.array([0.0, 0.5, 1.0, np.nan]))
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match=rf"probs must lie in \[0, 1\], found {bad}\. If these are logits"):
            check_probabilities(np.array([0.5, bad]))


def test_check_probabilities_message_has_plain_number():
    with pytest.raises(ValueError) as info:
        check_probabilities(np.array([2.0]))
    assert "np.float64" not in str(info.value)


# ------------------------------------------------------------------------ scalars

@pytest.mark.parametrize("value", [1, 0.5, 1e-12, np.float32(2.0), np.int64(3), np.array(0.25)])
def test_check_positive_accepts(value):
    out = check_positive(value, "margin")
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", [0, -1, 0.0, float("nan"), float("inf"), True, "1", None, [1.0]])
def test_check_positive_rejects(value):
    with pytest.raises(ValueError, match="^margin must be a positive"):
        check_positive(value, "margin")


@pytest.mark.parametrize("value, ok", [
    (0.5, True), (1e-9, True), (0.0, False), (1.0, False), (float("nan"), False), (True, False),
])
def test_check_open_unit(value, ok):
    if ok:
        assert check_open_unit(value, "alpha") == value
    else:
        with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1"):
            check_open_unit(value, "alpha")


@pytest.mark.parametrize("value, ok", [
    (0.0, True), (1.0, True), (np.array(0.3), True), (-0.01, False), (1.01, False),
    (float("nan"), False), ("0.5", False),
])
def test_check_closed_unit(value, ok):
    if ok:
        assert check_closed_unit(value, "q") == float(value)
    else:
        with pytest.raises(ValueError, match=r"q must be between 0 and 1 \(inclusive\)"):
            check_closed_unit(value, "q")


@pytest.mark.parametrize("axis, ndim, expected", [(0, 1, 0), (-1, 2, 1), (1, 3, 1), (-3, 3, 0)])
def test_check_axis_normalises(axis, ndim, expected):
    assert check_axis(axis, ndim) == expected


@pytest.mark.parametrize("axis, ndim, match", [
    (2, 2, r"axis=2 is out of range for an input with 2 dimension\(s\); use a value in \[-2, 1\]"),
    (-3, 2, "out of range"),
    (True, 2, "axis must be an integer"),
    (0.0, 2, "axis must be an integer"),
    (0, 0, "scalar"),
])
def test_check_axis_rejects(axis, ndim, match):
    with pytest.raises(ValueError, match=match):
        check_axis(axis, ndim)


# ---------------------------------------------------------------------- reduction

@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_check_reduction_accepts(reduction):
    assert check_reduction(reduction) == reduction


@pytest.mark.parametrize("reduction", ["avg", "Mean", "", None, 1, np.array(["mean", "sum"])])
def test_check_reduction_rejects(reduction):
    with pytest.raises(ValueError, match=r"^reduction must be one of 'none', 'mean', 'sum', got "):
        check_reduction(reduction)


def test_check_reduction_custom_allowed():
    assert check_reduction("batchmean", ("none", "batchmean")) == "batchmean"
    with pytest.raises(ValueError, match="one of 'none', 'batchmean'"):
        check_reduction("mean", ("none", "batchmean"))


def test_reduce_values():
    v = np.array([1.0, 2.0, 6.0])
    np.testing.assert_array_equal(reduce(v, "none"), v)
    for reduction, expected in (("mean", 3.0), ("sum", 9.0)):
        out = reduce(v, reduction)
        assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
        assert float(out) == expected
    assert float(reduce(v)) == 3.0  # default is mean


def test_reduce_keeps_shape_for_none_and_reduces_all_axes():
    v = np.arange(6.0).reshape(2, 3)
    assert reduce(v, "none").shape == (2, 3)
    assert float(reduce(v, "sum")) == 15.0


def test_reduce_empty_like_torch_without_warning():
    with no_warnings():
        assert np.isnan(reduce(np.zeros(0), "mean"))
        assert float(reduce(np.zeros(0), "sum")) == 0.0
        assert reduce(np.zeros(0), "none").shape == (0,)
        assert reduce(np.zeros(0), "mean").shape == ()


def test_reduce_propagates_nan():
    assert np.isnan(reduce([1.0, np.nan], "mean")) and np.isnan(reduce([1.0, np.nan], "sum"))


def test_reduce_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        reduce(np.ones(2), "avg")


def test_reduce_grad_elementwise():
    g = np.array([1.0, -2.0, 4.0, 0.5])
    np.testing.assert_array_equal(reduce_grad(g, "none"), g)
    np.testing.assert_array_equal(reduce_grad(g, "sum"), g)
    np.testing.assert_array_equal(reduce_grad(g, "mean"), g / 4)
    np.testing.assert_array_equal(reduce_grad(g), g / 4)


def test_reduce_grad_mean_divides_by_number_of_losses_not_elements():
    # cross-entropy: logits (N, C) give N losses, so the mean gradient is divided by N = 2
    g = np.ones((2, 3))
    np.testing.assert_array_equal(reduce_grad(g, "mean", denom=2), g / 2)
    np.testing.assert_array_equal(reduce_grad(g, "mean"), g / 6)  # default: element-wise loss
    np.testing.assert_array_equal(reduce_grad(g, "sum", denom=2), g)


def test_reduce_grad_matches_torch_for_a_row_loss():
    torch = pytest.importorskip("torch")
    x = torch.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x ** 2).sum(dim=1).mean().backward()  # 2 losses from 6 elements
    np.testing.assert_allclose(reduce_grad(2 * x.detach().numpy(), "mean", denom=2),
                               x.grad.numpy(), rtol=1e-15)


def test_reduce_grad_empty_and_bad_reduction():
    assert reduce_grad(np.zeros(0), "mean").shape == (0,)
    with pytest.raises(ValueError, match="reduction must be one of"):
        reduce_grad(np.ones(2), "avg")


# ------------------------------------------------------------------ the package as a whole

def test_importing_lossutils_changes_nothing_outside_it():
    # a fresh interpreter: the only new modules are lossutils' own (no ctypes, no malloc
    # tuning), and the environment, numpy's error state and print options are untouched
    code = """
import json, os, sys
import numpy as np, numpy.typing
before = (set(sys.modules), dict(os.environ), np.geterr(), np.get_printoptions())
import lossutils
after = (set(sys.modules), dict(os.environ), np.geterr(), np.get_printoptions())
print(json.dumps({"new": sorted(after[0] - before[0]), "same": after[1:] == before[1:]}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    result = json.loads(out.stdout)
    assert result["same"]
    ours = [m for m in result["new"] if m == "lossutils" or m.startswith("lossutils.")]
    # __future__ is the standard library's compile-time flag module (no side effects)
    assert sorted(set(result["new"]) - set(ours)) in ([], ["__future__"]), result["new"]
    assert "ctypes" not in result["new"]


def test_all_lists_every_public_loss_once():
    import lossutils
    assert len(lossutils.__all__) == len(set(lossutils.__all__))
    for name in lossutils.__all__:
        assert callable(getattr(lossutils, name)) and getattr(lossutils, name).__doc__
    for module in (lossutils.regression, lossutils.classification, lossutils.margin, lossutils.contrastive):
        public = {n for n, f in vars(module).items()
                  if callable(f) and not n.startswith("_") and getattr(f, "__module__", "") == module.__name__}
        assert public == set(module.__all__), module.__name__
    assert {"clip_loss", "siglip_loss", "nll_loss_grad"} <= set(lossutils.__all__)


HALF, ONES = np.full(50, 0.5), np.ones(50)


@pytest.mark.parametrize("fn, args, which, bad, kwargs, expected", [
    (lu.binary_cross_entropy, (HALF, HALF), 0, 1.5, {}, "probs must lie in \\[0, 1\\], found 1.5"),
    (lu.binary_cross_entropy, (HALF, HALF), 1, -0.5, {}, "target must lie in \\[0, 1\\], found -0.5"),
    (lu.binary_cross_entropy_with_logits, (HALF, HALF), 1, -1.0, {}, "found -1.0"),
    (lu.binary_cross_entropy_with_logits_grad, (HALF, HALF), 1, 7.0, {}, "found 7.0"),
    (lu.sigmoid_focal_loss, (HALF, HALF), 1, 1.5, {}, "found 1.5"),
    (lu.kl_div, (-HALF, HALF), 1, -0.1, {}, "found -0.1"),
    (lu.hinge_loss, (HALF, ONES), 1, 0.0, {}, "found 0.0"),
    (lu.hinge_loss_grad, (HALF, -ONES), 1, 3.0, {}, "found 3.0"),
    (lu.squared_hinge_loss, (HALF, -ONES), 1, 3.0, {}, "found 3.0"),
    (lu.margin_ranking_loss, (HALF, HALF, ONES), 2, 2.0, {}, "found 2.0"),
    (lu.poisson_nll_loss, (HALF, ONES), 1, -3.0, {}, "counts >= 0, found -3.0"),
    (lu.poisson_nll_loss, (HALF, ONES), 0, -1.0, {"log_input": False}, "rate >= 0 .*found -1.0"),
    (lu.gaussian_nll_loss, (HALF, HALF, ONES), 2, -3.0, {}, "var must be >= 0.*found -3.0"),
])
def test_range_checks_report_the_bad_value_and_let_nan_through(fn, args, which, bad, kwargs, expected):
    # NaN is no error (it propagates to the loss); an earlier NaN must not hide a bad value
    args = [a.copy() for a in args]
    args[which][[1, 40]] = np.nan, bad
    with pytest.raises(ValueError, match=expected):
        fn(*args, **kwargs)
    args[which][40] = np.nan
    with no_warnings():
        assert np.isnan(fn(*args, **kwargs)).any()
