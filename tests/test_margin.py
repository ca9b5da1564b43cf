"""Tests of lossutils.margin: hinge, squared hinge, multi_margin, margin ranking (torch is the reference)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from lossutils import (
    hinge_loss, hinge_loss_grad, margin_ranking_loss, multi_margin_loss, squared_hinge_loss,
)
from _helpers import REDUCTIONS, T, assert_reduced, torch_reduce

SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 5)]


def torch_hinge(s, y, margin=1.0, reduction="mean"):
    # torch has no binary hinge function; this is the torch expression
    return torch_reduce(torch.clamp(margin - T(y) * T(s), min=0), reduction).numpy()


def torch_squared_hinge(s, y, margin=1.0, reduction="mean"):
    return torch_reduce(torch.clamp(margin - T(y) * T(s), min=0) ** 2, reduction).numpy()


def random_pm1(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


# ----------------------------------------------------------------------------- hinge

def test_hinge_worked_examples_from_syllabus():
    # s = 2.5 -> 0 (beyond the margin), 0.5 -> 0.5 (inside it), -1.0 -> 2.0 (wrong side)
    out = hinge_loss([2.5, 0.5, -1.0], [1, 1, 1], reduction="none")
    np.testing.assert_array_equal(out, [0.0, 0.5, 2.0])
    assert out.dtype == np.float64
    # the same margins with the label flipped and the score negated
    np.testing.assert_array_equal(
        hinge_loss([-2.5, -0.5, 1.0], [-1, -1, -1], reduction="none"), [0.0, 0.5, 2.0]
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_every_reduction(reduction):
    s, y = [2.5, 0.5, -1.0, 0.2], [1, 1, 1, -1]
    per = np.array([0.0, 0.5, 2.0, 1.2])
    expected = {"none": per, "mean": per.mean(), "sum": per.sum()}[reduction]
    out = hinge_loss(s, y, reduction=reduction)
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    if reduction != "none":
        assert_reduced(out)


def test_hinge_default_reduction_is_mean():
    assert float(hinge_loss([2.5, 0.5, -1.0], [1, 1, 1])) == pytest.approx(2.5 / 3, rel=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3, 2.5])
def test_hinge_and_squared_hinge_match_torch(shape, reduction, margin):
    rng = np.random.default_rng(0)
    s, y = rng.normal(scale=2.0, size=shape), random_pm1(rng, shape)
    out = hinge_loss(s, y, margin=margin, reduction=reduction)
    np.testing.assert_allclose(out, torch_hinge(s, y, margin, reduction), rtol=1e-13, atol=0)
    assert np.shape(out) == (shape if reduction == "none" else ())
    out = squared_hinge_loss(s, y, margin=margin, reduction=reduction)
    np.testing.assert_allclose(out, torch_squared_hinge(s, y, margin, reduction), rtol=1e-13)


@given(
    s=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                 elements=st.floats(-1e3, 1e3)),
    margin=st.floats(0.01, 10.0),
    data=st.data(),
)
def test_hinge_matches_torch_hypothesis(s, margin, data):
    y = data.draw(hnp.arrays(np.float64, s.shape, elements=st.sampled_from([-1.0, 1.0])))
    np.testing.assert_allclose(
        hinge_loss(s, y, margin=margin, reduction="none"), torch_hinge(s, y, margin, "none"),
        rtol=1e-13, atol=1e-13,
    )
    np.testing.assert_allclose(
        squared_hinge_loss(s, y, margin=margin, reduction="sum"),
        torch_squared_hinge(s, y, margin, "sum"), rtol=1e-12,
    )


def test_hinge_extreme_scores_are_finite_and_match_torch():
    s = np.array([1000.0, -1000.0, 1000.0, -1000.0, 1e300, -1e300])
    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
    out = hinge_loss(s, y, reduction="none")
    np.testing.assert_array_equal(out, [0.0, 1001.0, 1001.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(out, torch_hinge(s, y, reduction="none"))
    sq = squared_hinge_loss(s[:4], y[:4], reduction="none")
    assert np.all(np.isfinite(sq))
    np.testing.assert_array_equal(sq, torch_squared_hinge(s[:4], y[:4], reduction="none"))


def test_squared_hinge_worked_values():
    np.testing.assert_array_equal(
        squared_hinge_loss([2.5, 0.5, -1.0], [1, 1, 1], reduction="none"), [0.0, 0.25, 4.0]
    )
    assert float(squared_hinge_loss([2.5, 0.5, -1.0], [1, 1, 1], reduction="sum")) == 4.25


def test_hinge_is_not_torch_hinge_embedding_loss():
    # HingeEmbeddingLoss takes distances: loss = x for y=1, max(0, margin - x) for y=-1
    s, y = np.array([2.5, 0.5, -1.0]), np.array([1.0, 1.0, 1.0])
    emb = F.hinge_embedding_loss(T(s), T(y), reduction="none").numpy()
    np.testing.assert_array_equal(emb, s)  # it just returns x for y = +1
    assert not np.allclose(emb, hinge_loss(s, y, reduction="none"))


def test_hinge_accepts_array_likes_and_ints():
    a = hinge_loss(np.array([2, 0, -1]), (1, -1, 1), reduction="none")
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    assert a.dtype == np.float64


def test_hinge_nan_propagates():
    out = hinge_loss([np.nan, 0.5], [1, np.nan], reduction="none")
    assert np.isnan(out).all()
    assert np.isnan(hinge_loss([np.nan, 0.5], [1, 1]))
    g = hinge_loss_grad([np.nan, 0.5, 3.0], [1, 1, 1], reduction="none")
    assert np.isnan(g[0]) and g[1] == -1.0 and g[2] == 0.0


def test_hinge_empty_follows_reduction_policy():
    assert hinge_loss([], [], reduction="none").shape == (0,)
    assert np.isnan(hinge_loss([], []))
    assert float(hinge_loss([], [], reduction="sum")) == 0.0
    assert hinge_loss_grad([], [], reduction="mean").shape == (0,)
    assert np.isnan(torch_hinge(np.zeros(0), np.zeros(0)))  # torch agrees


# ------------------------------------------------------------------------ hinge grad

def torch_hinge_grad(s, y, margin, reduction):
    st_ = T(s).requires_grad_(True)
    loss = torch.relu(margin - T(y) * st_)  # relu: subgradient 0 at the kink, like ours
    (loss.sum() if reduction in ("none", "sum") else loss.mean()).backward()
    return st_.grad.numpy()


@pytest.mark.parametrize("shape", [(1,), (9,), (3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_grad_matches_torch_autograd(shape, reduction):
    rng = np.random.default_rng(1)
    s, y = rng.normal(scale=2.0, size=shape), random_pm1(rng, shape)
    g = hinge_loss_grad(s, y, margin=0.7, reduction=reduction)
    assert g.shape == s.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, torch_hinge_grad(s, y, 0.7, reduction), rtol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_hinge_grad_matches_finite_differences_away_from_kinks(reduction):
    rng = np.random.default_rng(2)
    s, y = rng.normal(scale=2.0, size=12), random_pm1(rng, 12)
    margin, h = 1.0, 1e-6
    assert np.min(np.abs(margin - y * s)) > 10 * h  # no kink within the stencil
    num = np.empty_like(s)
    for i in range(s.size):
        e = np.zeros_like(s)
        e[i] = h
        num[i] = (float(hinge_loss(s + e, y, reduction=reduction))
                  - float(hinge_loss(s - e, y, reduction=reduction))) / (2 * h)
    np.testing.assert_allclose(hinge_loss_grad(s, y, reduction=reduction), num, atol=1e-8)
    assert np.any(num != 0) and np.any(num == 0)  # both regimes are exercised


def test_hinge_grad_at_kink_is_zero_subgradient():
    # y*s == margin exactly: we return 0, as torch.relu does (torch.clamp would give -y)
    s, y = np.array([1.0, -2.0]), np.array([1.0, -1.0])
    np.testing.assert_array_equal(hinge_loss_grad(s, y, margin=1.0, reduction="none")[0], 0.0)
    np.testing.assert_array_equal(hinge_loss_grad(s, y, margin=2.0, reduction="none")[1], 0.0)
    np.testing.assert_array_equal(hinge_loss_grad(s, y, reduction="none"),
                                  torch_hinge_grad(s, y, 1.0, "none"))
    g = hinge_loss_grad([1.0, 5.0, -5.0], [1.0, 1.0, -1.0], reduction="none")
    assert g.tolist() == [0.0, 0.0, 0.0] and not np.any(np.signbit(g))  # +0.0, as torch gives


def test_hinge_grad_extreme_scores():
    g = hinge_loss_grad([1000.0, -1000.0], [1, 1], reduction="sum")
    np.testing.assert_array_equal(g, [0.0, -1.0])


# ---------------------------------------------------------------- hinge validation

@pytest.mark.parametrize("fn", [hinge_loss, hinge_loss_grad, squared_hinge_loss])
class TestHingeValidation:
    def test_zero_one_labels_suggest_conversion(self, fn):
        with pytest.raises(ValueError, match=r"^target must hold only -1 or \+1, found 0\.0; for 0/1 labels pass 2\*y - 1$"):
            fn([0.5, 1.0], [0, 1])

    def test_other_bad_label(self, fn):
        with pytest.raises(ValueError, match=r"target must hold only -1 or \+1, found 2\.0"):
            fn([0.5, 1.0], [2, 1])

    def test_broadcastable_shapes_rejected(self, fn):
        with pytest.raises(ValueError, match=r"scores has shape \(4,\) but target has shape \(4, 1\)"):
            fn(np.zeros(4), np.ones((4, 1)))

    def test_mismatched_lengths(self, fn):
        with pytest.raises(ValueError, match="they must match"):
            fn([1.0, 2.0, 3.0], [1, 1])

    def test_unknown_reduction(self, fn):
        with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'avg'"):
            fn([1.0], [1], reduction="avg")

    @pytest.mark.parametrize("margin", [0.0, -1.0, float("nan"), float("inf")])
    def test_margin_must_be_positive(self, fn, margin):
        with pytest.raises(ValueError, match="margin must be a positive"):
            fn([1.0], [1], margin=margin)

    def test_non_numeric_scores(self, fn):
        with pytest.raises(ValueError, match="scores must hold real numbers, got strings"):
            fn(["a"], [1])

    def test_hyperparameters_are_keyword_only(self, fn):
        with pytest.raises(TypeError):
            fn([1.0], [1], 1.0)


# --------------------------------------------------------------------- multi margin

def torch_multi_margin(x, y, margin=1.0, reduction="mean"):
    return F.multi_margin_loss(T(x), torch.as_tensor(np.asarray(y), dtype=torch.long),
                               p=1, margin=margin, reduction=reduction).numpy()


def test_multi_margin_worked_value():
    # only class 2 is within the margin of the true class 1: (1 - 2.0 + 1.5) / 3 classes
    x, y = [[0.5, 2.0, 1.5]], [1]
    assert float(multi_margin_loss(x, y)) == pytest.approx(0.5 / 3, rel=1e-15)
    # a wrong prediction: true class 0 scores lowest
    x2 = [[0.0, 1.0, 3.0]]
    assert float(multi_margin_loss(x2, [0])) == pytest.approx(((1 + 1) + (1 + 3)) / 3, rel=1e-15)


@pytest.mark.parametrize("shape", [(1, 2), (5, 3), (8, 10), (3, 1)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.25, 3.0])
def test_multi_margin_matches_torch(shape, reduction, margin):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    y = rng.integers(0, shape[1], size=shape[0])
    out = multi_margin_loss(x, y, margin=margin, reduction=reduction)
    np.testing.assert_allclose(out, torch_multi_margin(x, y, margin, reduction), rtol=1e-13)
    assert out.shape == ((shape[0],) if reduction == "none" else ())
    assert out.dtype == np.float64


@given(n=st.integers(1, 6), c=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([1e-3, 1.0, 1e3]), margin=st.floats(0.01, 5.0))
def test_multi_margin_matches_torch_hypothesis(n, c, seed, scale, margin):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(scale=scale, size=(n, c)), rng.integers(0, c, size=n)
    np.testing.assert_allclose(multi_margin_loss(x, y, margin=margin, reduction="none"),
                               torch_multi_margin(x, y, margin, "none"), rtol=1e-12, atol=1e-14)


def test_multi_margin_single_sample_scalar_target():
    x = np.array([1.0, 2.0, 3.0])
    for reduction in REDUCTIONS:
        out = multi_margin_loss(x, 1, reduction=reduction)
        assert out.shape == ()
        np.testing.assert_allclose(out, torch_multi_margin(x, 1, 1.0, reduction), rtol=1e-15)
    assert float(multi_margin_loss(x, 1)) == pytest.approx(2 / 3)


def test_multi_margin_extreme_scores_finite_and_match_torch():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.5]])
    y = np.array([1, 2])
    out = multi_margin_loss(x, y, reduction="none")
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, torch_multi_margin(x, y, reduction="none"), rtol=1e-15)
    # row 0: true -1000, others 1000 and 0; row 1: true 999.5, only class 1 (1000) is within
    np.testing.assert_allclose(out, [(2001 + 1001) / 3, (0 + 1.5) / 3], rtol=1e-15)


def test_multi_margin_accepts_integral_float_targets_and_lists():
    np.testing.assert_array_equal(multi_margin_loss([[0.0, 1.0]], [1.0], reduction="none"),
                                  multi_margin_loss([[0.0, 1.0]], [1], reduction="none"))


def test_multi_margin_nan_propagates_to_its_row_only():
    x = np.array([[np.nan, 1.0], [0.0, 1.0]])
    out = multi_margin_loss(x, [1, 1], reduction="none")
    assert np.isnan(out[0]) and np.isfinite(out[1])


def test_multi_margin_empty_batch():
    # torch 2.13 returns uninitialised memory here; we follow the reduction policy
    x, y = np.zeros((0, 3)), np.zeros(0, dtype=int)
    assert multi_margin_loss(x, y, reduction="none").shape == (0,)
    assert np.isnan(multi_margin_loss(x, y))
    assert float(multi_margin_loss(x, y, reduction="sum")) == 0.0


class TestMultiMarginValidation:
    @pytest.mark.parametrize("bad", [3, -1, 10])
    def test_class_index_out_of_range(self, bad):
        with pytest.raises(ValueError, match=rf"class index {bad}, out of range for 3 classes; class indices must be in \[0, 2\]$"):
            multi_margin_loss(np.zeros((2, 3)), [0, bad])

    def test_scalar_target_out_of_range(self):
        with pytest.raises(ValueError, match="out of range"):
            multi_margin_loss(np.zeros(3), 3)

    def test_non_integer_target(self):
        with pytest.raises(ValueError, match="integer class indices"):
            multi_margin_loss(np.zeros((2, 3)), [0.5, 1])

    def test_one_hot_target_rejected(self):
        with pytest.raises(ValueError, match=r"target must have shape \(2,\).*got shape \(2, 3\)"):
            multi_margin_loss(np.zeros((2, 3)), np.eye(3)[[0, 1]].astype(int))

    def test_target_column_vector_rejected(self):
        with pytest.raises(ValueError, match=r"target must have shape \(4,\).*got shape \(4, 1\)"):
            multi_margin_loss(np.zeros((4, 3)), np.zeros((4, 1), dtype=int))

    def test_target_wrong_length(self):
        with pytest.raises(ValueError, match=r"target must have shape \(4,\).*got shape \(3,\)"):
            multi_margin_loss(np.zeros((4, 3)), [0, 1, 2])

    def test_single_sample_needs_scalar_target(self):
        with pytest.raises(ValueError, match="target must be a scalar class index"):
            multi_margin_loss(np.zeros(3), [1])

    @pytest.mark.parametrize("shape", [(), (2, 3, 4)])
    def test_wrong_ndim(self, shape):
        with pytest.raises(ValueError, match=r"scores must be a 1-D or 2-D array of shape \(N, C\)"):
            multi_margin_loss(np.zeros(shape), 0)

    def test_zero_classes(self):
        with pytest.raises(ValueError, match="0 classes"):
            multi_margin_loss(np.zeros((2, 0)), [0, 0])

    @pytest.mark.parametrize("margin", [0.0, -0.5])
    def test_margin_must_be_positive(self, margin):
        with pytest.raises(ValueError, match="margin must be a positive"):
            multi_margin_loss(np.zeros((2, 3)), [0, 1], margin=margin)

    def test_unknown_reduction(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            multi_margin_loss(np.zeros((2, 3)), [0, 1], reduction="batchmean")

    def test_boolean_target(self):
        with pytest.raises(ValueError, match="booleans"):
            multi_margin_loss(np.zeros((2, 3)), [True, False])


# ------------------------------------------------------------------- margin ranking

def torch_ranking(a, b, y, margin=0.0, reduction="mean"):
    return F.margin_ranking_loss(T(a), T(b), T(y), margin=margin, reduction=reduction).numpy()


def test_margin_ranking_worked_values_and_torch_default_margin():
    # a should beat b by 1: gaps 2.0, 0.5, -1.0 cost 0, 0.5 and 2
    out = margin_ranking_loss([2.0, 0.5, -1.0], [0.0, 0.0, 0.0], [1, 1, 1], margin=1.0, reduction="none")
    np.testing.assert_array_equal(out, [0.0, 0.5, 2.0])
    # torch's default margin is 0: only a wrong order costs, a tie costs 0
    out = margin_ranking_loss([2.0, 0.5, 0.0], [1.0, 1.5, 0.0], [1, 1, -1], reduction="none")
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(out, torch_ranking([2.0, 0.5, 0.0], [1.0, 1.5, 0.0], [1, 1, -1], reduction="none"))
    assert_reduced(margin_ranking_loss([1.0], [0.0], [1]))


def test_margin_ranking_is_the_hinge_on_the_score_gap():
    rng = np.random.default_rng(40)
    a, b, y = rng.normal(size=20), rng.normal(size=20), random_pm1(rng, 20)
    np.testing.assert_array_equal(margin_ranking_loss(a, b, y, margin=0.7, reduction="none"),
                                  hinge_loss(a - b, y, margin=0.7, reduction="none"))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 1.0, 0.3, -0.5])
def test_margin_ranking_matches_torch(shape, reduction, margin):
    rng = np.random.default_rng(41)
    a, b, y = rng.normal(size=shape), rng.normal(size=shape), random_pm1(rng, shape)
    out = margin_ranking_loss(a, b, y, margin=margin, reduction=reduction)
    np.testing.assert_allclose(out, torch_ranking(a, b, y, margin, reduction), rtol=1e-15, atol=0)
    assert out.dtype == np.float64


@given(n=st.integers(1, 50), seed=st.integers(0, 2**32 - 1), margin=st.floats(-2.0, 5.0),
       reduction=st.sampled_from(REDUCTIONS))
def test_margin_ranking_matches_torch_hypothesis(n, seed, margin, reduction):
    rng = np.random.default_rng(seed)
    a, b, y = 3 * rng.normal(size=n), 3 * rng.normal(size=n), random_pm1(rng, n)
    np.testing.assert_allclose(margin_ranking_loss(a, b, y, margin=margin, reduction=reduction),
                               torch_ranking(a, b, y, margin, reduction), rtol=1e-13, atol=1e-15)


def test_margin_ranking_extreme_scores_and_large_input():
    a = np.array([1e300, -1e300, 1e8, -1e8])
    b = np.zeros(4)
    y = np.array([1.0, 1.0, -1.0, -1.0])
    out = margin_ranking_loss(a, b, y, margin=1.0, reduction="none")
    np.testing.assert_array_equal(out, torch_ranking(a, b, y, 1.0, "none"))
    np.testing.assert_array_equal(out, [0.0, 1e300 + 1.0, 1e8 + 1.0, 0.0])
    # a large input, and a bad target far into it
    rng = np.random.default_rng(42)
    a, b, y = rng.normal(size=100_003), rng.normal(size=100_003), random_pm1(rng, 100_003)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(margin_ranking_loss(a, b, y, margin=0.5, reduction=reduction),
                                   torch_ranking(a, b, y, 0.5, reduction), rtol=1e-12)
    y[70_000] = 0.0
    with pytest.raises(ValueError, match="target must hold only -1 or \\+1, found 0.0"):
        margin_ranking_loss(a, b, y)


def test_margin_ranking_nan_propagates_and_empty():
    out = margin_ranking_loss([np.nan, 1.0, 1.0], [0.0, np.nan, 0.0], [1, 1, np.nan], reduction="none")
    assert np.all(np.isnan(out))
    out = margin_ranking_loss([np.nan, 1.0], [0.0, 0.0], [1, 1], reduction="none")
    assert np.isnan(out[0]) and out[1] == 0.0
    e = np.zeros(0)
    assert margin_ranking_loss(e, e, e, reduction="none").shape == (0,)
    assert np.isnan(margin_ranking_loss(e, e, e))
    assert float(margin_ranking_loss(e, e, e, reduction="sum")) == 0.0


class TestMarginRankingValidation:
    def test_zero_one_targets_suggest_conversion(self):
        with pytest.raises(ValueError, match=r"target must hold only -1 or \+1, found 0\.0; \+1 where x1 "
                                             r"should rank higher, -1 where x2 should; for 0/1 labels pass 2\*y - 1"):
            margin_ranking_loss([1.0, 2.0], [0.0, 0.0], [0, 1])

    def test_shapes_must_match(self):
        with pytest.raises(ValueError, match=r"x1 has shape \(2,\) but x2 has shape \(1,\)"):
            margin_ranking_loss([1.0, 2.0], [1.0], [1, 1])
        with pytest.raises(ValueError, match=r"x1 has shape \(4,\) but target has shape \(4, 1\)"):
            margin_ranking_loss(np.zeros(4), np.zeros(4), np.ones((4, 1)))

    @pytest.mark.parametrize("margin", [float("nan"), float("inf"), "1", True, None])
    def test_margin_must_be_a_finite_number(self, margin):
        with pytest.raises(ValueError, match="margin must be a finite number"):
            margin_ranking_loss([1.0], [0.0], [1], margin=margin)

    def test_unknown_reduction_and_non_numeric(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            margin_ranking_loss([1.0], [0.0], [1], reduction="avg")
        with pytest.raises(ValueError, match="x2 must hold real numbers, got strings"):
            margin_ranking_loss([1.0], ["a"], [1])

    def test_hyperparameters_are_keyword_only(self):
        with pytest.raises(TypeError):
            margin_ranking_loss([1.0], [0.0], [1], 1.0)
