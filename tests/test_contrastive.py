"""Tests of lossutils.contrastive: contrastive pair, triplet, InfoNCE and NT-Xent losses vs torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st

from lossutils import (
    clip_loss, contrastive_loss, info_nce_loss, nt_xent_loss, siglip_loss, triplet_margin_loss,
)
from _helpers import REDUCTIONS, T, assert_reduced, central_diff, no_warnings, torch_reduce

SHAPES = [(1, 1), (5, 3), (16, 8)]


# ------------------------------------------------------------------------ contrastive

def torch_contrastive(x1, x2, same, margin=1.0, reduction="mean", grad=False):
    a, b, s = T(x1, grad), T(x2), T(same)
    d = (a - b).norm(dim=1)
    loss = torch_reduce(0.5 * s * d**2 + 0.5 * (1 - s) * torch.clamp(margin - d, min=0) ** 2,
                        reduction)
    return (loss, a) if grad else loss.detach().numpy()


def test_contrastive_worked_values():
    # similar pair at distance 5: 0.5 * 25; dissimilar at distance 1 with margin 2: 0.5 * 1^2;
    # dissimilar at distance 5 > margin: 0
    x1 = np.zeros((3, 2))
    x2 = np.array([[3.0, 4.0], [0.6, 0.8], [3.0, 4.0]])
    out = contrastive_loss(x1, x2, [1, 0, 0], margin=2.0, reduction="none")
    np.testing.assert_allclose(out, [12.5, 0.5, 0.0], rtol=1e-15)
    assert out.dtype == np.float64


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_contrastive_every_reduction(reduction):
    x1, x2 = np.zeros((3, 2)), np.array([[3.0, 4.0], [0.6, 0.8], [3.0, 4.0]])
    per = np.array([12.5, 0.5, 0.0])
    out = contrastive_loss(x1, x2, [1, 0, 0], margin=2.0, reduction=reduction)
    np.testing.assert_allclose(out, {"none": per, "mean": per.mean(), "sum": per.sum()}[reduction],
                               rtol=1e-15)
    if reduction != "none":
        assert_reduced(out)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, 4.0])
def test_contrastive_matches_torch_expression(shape, reduction, margin):
    rng = np.random.default_rng(10)
    x1, x2 = rng.normal(size=shape), rng.normal(size=shape)
    same = rng.integers(0, 2, size=shape[0])
    np.testing.assert_allclose(contrastive_loss(x1, x2, same, margin=margin, reduction=reduction),
                               torch_contrastive(x1, x2, same, margin, reduction), rtol=1e-13)


def test_contrastive_accepts_boolean_labels():
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    same = np.array([True, False, True, False])
    np.testing.assert_array_equal(contrastive_loss(x1, x2, same, reduction="none"),
                                  contrastive_loss(x1, x2, same.astype(int), reduction="none"))


def test_contrastive_gradient_torch_autograd_vs_finite_differences():
    # our loss, differentiated numerically, against torch's autograd of the same expression
    rng = np.random.default_rng(12)
    x1, x2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    same = np.array([1, 0, 1, 0, 0, 1])
    margin = 3.0  # every dissimilar pair is inside the margin: both branches have gradient
    d = np.linalg.norm(x1 - x2, axis=1)
    assert np.all(np.abs(d - margin) > 1e-3) and np.all(d[same == 0] < margin)
    loss, a = torch_contrastive(x1, x2, same, margin, "mean", grad=True)
    loss.backward()
    num = central_diff(lambda z: contrastive_loss(z, x2, same, margin=margin), x1)
    np.testing.assert_allclose(num, a.grad.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("scale", [1e8, 1e-8])
def test_contrastive_extreme_scales_finite_and_match_torch(scale):
    rng = np.random.default_rng(13)
    x1, x2 = scale * rng.normal(size=(6, 4)), scale * rng.normal(size=(6, 4))
    same = np.array([1, 0, 1, 0, 1, 0])
    margin = 2.0 * scale  # keep the dissimilar branch active at both scales
    out = contrastive_loss(x1, x2, same, margin=margin, reduction="none")
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, torch_contrastive(x1, x2, same, margin, "none"), rtol=1e-12)


def test_contrastive_far_dissimilar_pair_costs_zero_not_nan():
    # d overflows to inf: 0 * inf would be NaN in the textbook formula; the limit is 0
    out = contrastive_loss([[1e200, 0.0]], [[-1e200, 0.0]], [0], reduction="none")
    np.testing.assert_array_equal(out, [0.0])


def test_contrastive_nan_propagates_to_its_pair():
    x1, x2 = np.zeros((3, 2)), np.ones((3, 2))
    x1[0, 0] = np.nan
    out = contrastive_loss(x1, x2, [1, np.nan, 0], reduction="none")
    assert np.isnan(out[0]) and np.isnan(out[1]) and np.isfinite(out[2])


def test_contrastive_empty_batch():
    x = np.zeros((0, 3))
    assert contrastive_loss(x, x, [], reduction="none").shape == (0,)
    assert np.isnan(contrastive_loss(x, x, []))
    assert float(contrastive_loss(x, x, [], reduction="sum")) == 0.0


class TestContrastiveValidation:
    def test_same_must_be_zero_or_one(self):
        with pytest.raises(ValueError, match=r"same must hold only 0 or 1, found -1\.0.*1 for a similar"):
            contrastive_loss(np.zeros((2, 3)), np.ones((2, 3)), [1, -1])

    def test_same_column_vector_rejected(self):
        with pytest.raises(ValueError, match=r"same must have shape \(4,\).*got shape \(4, 1\)"):
            contrastive_loss(np.zeros((4, 3)), np.ones((4, 3)), np.ones((4, 1)))

    def test_x1_x2_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"x1 has shape \(4, 3\) but x2 has shape \(4, 2\)"):
            contrastive_loss(np.zeros((4, 3)), np.ones((4, 2)), np.ones(4))

    def test_broadcastable_rows_rejected(self):
        with pytest.raises(ValueError, match=r"x1 has shape \(4, 3\) but x2 has shape \(1, 3\)"):
            contrastive_loss(np.zeros((4, 3)), np.ones((1, 3)), np.ones(4))

    @pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
    def test_wrong_ndim(self, shape):
        with pytest.raises(ValueError, match=r"x1 must be a 2-D array of shape \(N, D\).*reshape\(1, -1\)"):
            contrastive_loss(np.zeros(shape), np.zeros(shape), [1])

    def test_zero_features(self):
        with pytest.raises(ValueError, match="0 features per row"):
            contrastive_loss(np.zeros((2, 0)), np.zeros((2, 0)), [1, 0])

    @pytest.mark.parametrize("margin", [0.0, -1.0])
    def test_margin_must_be_positive(self, margin):
        with pytest.raises(ValueError, match="margin must be a positive"):
            contrastive_loss(np.zeros((2, 3)), np.ones((2, 3)), [1, 0], margin=margin)

    def test_unknown_reduction(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            contrastive_loss(np.zeros((2, 3)), np.ones((2, 3)), [1, 0], reduction="max")


# --------------------------------------------------------------------------- triplet

def torch_triplet(a, p, n, margin=1.0, reduction="mean"):
    return F.triplet_margin_loss(T(a), T(p), T(n), margin=margin, reduction=reduction).numpy()


def test_triplet_worked_value_and_eps():
    # positive at distance ~5, negative at ~5.5: loss ~ 5 - 5.5 + 1 = 0.5 (eps shifts it by ~1e-6)
    out = float(triplet_margin_loss([[0.0, 0.0]], [[3.0, 4.0]], [[0.0, 5.5]]))
    assert out == pytest.approx(0.5, abs=1e-5)
    # the eps is added to the difference, as in torch: d(u, u) = sqrt(D) * 1e-6, not 0
    u = np.ones((1, 4))
    far = np.full((1, 4), 10.0)
    expected = max(0.0, 2e-6 - np.linalg.norm(u - far + 1e-6) + 1.0)
    assert float(triplet_margin_loss(u, u, far, margin=1.0)) == 0.0 == expected
    got = triplet_margin_loss(u, u, u + 0.25, margin=1.0, reduction="sum")
    np.testing.assert_allclose(got, 2e-6 - np.linalg.norm(np.full(4, -0.25 + 1e-6)) + 1.0, rtol=1e-15)
    np.testing.assert_allclose(got, torch_triplet(u, u, u + 0.25, 1.0, "sum"), rtol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.2, 5.0])
def test_triplet_matches_torch(shape, reduction, margin):
    rng = np.random.default_rng(20)
    a, p, n = (rng.normal(size=shape) for _ in range(3))
    out = triplet_margin_loss(a, p, n, margin=margin, reduction=reduction)
    np.testing.assert_allclose(out, torch_triplet(a, p, n, margin, reduction), rtol=1e-13, atol=1e-15)
    assert out.shape == ((shape[0],) if reduction == "none" else ())


@given(n=st.integers(1, 8), d=st.integers(1, 8), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([1e-8, 1e-3, 1.0, 1e3, 1e8]), margin=st.floats(0.01, 10.0))
def test_triplet_matches_torch_hypothesis(n, d, seed, scale, margin):
    rng = np.random.default_rng(seed)
    a, p, q = (scale * rng.normal(size=(n, d)) for _ in range(3))
    m = margin * scale
    np.testing.assert_allclose(triplet_margin_loss(a, p, q, margin=m, reduction="none"),
                               torch_triplet(a, p, q, m, "none"), rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("scale", [1e8, 1e-8])
def test_triplet_extreme_scales_finite_and_match_torch(scale):
    rng = np.random.default_rng(21)
    a, p, n = (scale * rng.normal(size=(8, 5)) for _ in range(3))
    out = triplet_margin_loss(a, p, n, margin=scale, reduction="none")
    assert np.all(np.isfinite(out)) and np.any(out > 0)
    np.testing.assert_allclose(out, torch_triplet(a, p, n, scale, "none"), rtol=1e-9, atol=0)


def test_triplet_gradient_torch_autograd_vs_finite_differences():
    rng = np.random.default_rng(22)
    a, p, n = (rng.normal(size=(5, 3)) for _ in range(3))
    margin = 2.0
    inner = (np.linalg.norm(a - p + 1e-6, axis=1) - np.linalg.norm(a - n + 1e-6, axis=1) + margin)
    assert np.min(np.abs(inner)) > 1e-3  # no triplet sits on the hinge's kink
    assert np.any(inner > 0) and np.any(inner < 0)  # both regimes are exercised
    ta = T(a, grad=True)
    F.triplet_margin_loss(ta, T(p), T(n), margin=margin).backward()
    num = central_diff(lambda z: triplet_margin_loss(z, p, n, margin=margin), a)
    np.testing.assert_allclose(num, ta.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_triplet_nan_propagates_and_empty_batch():
    a = np.zeros((2, 2))
    a[1, 0] = np.nan
    out = triplet_margin_loss(a, np.ones((2, 2)), -np.ones((2, 2)), reduction="none")
    assert np.isfinite(out[0]) and np.isnan(out[1])
    e = np.zeros((0, 3))
    assert triplet_margin_loss(e, e, e, reduction="none").shape == (0,)
    assert np.isnan(triplet_margin_loss(e, e, e))
    assert np.isnan(torch_triplet(e, e, e))  # torch agrees
    assert float(triplet_margin_loss(e, e, e, reduction="sum")) == 0.0


class TestTripletValidation:
    def test_shape_mismatch_names_the_culprit(self):
        with pytest.raises(ValueError, match=r"anchor has shape \(4, 3\) but negative has shape \(4, 2\)"):
            triplet_margin_loss(np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((4, 2)))

    def test_broadcastable_shapes_rejected(self):
        with pytest.raises(ValueError, match=r"anchor has shape \(4, 3\) but positive has shape \(1, 3\)"):
            triplet_margin_loss(np.zeros((4, 3)), np.zeros((1, 3)), np.zeros((4, 3)))

    @pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
    def test_wrong_ndim(self, shape):
        with pytest.raises(ValueError, match=r"anchor must be a 2-D array of shape \(N, D\)"):
            triplet_margin_loss(np.zeros(shape), np.zeros(shape), np.zeros(shape))

    def test_zero_features(self):
        with pytest.raises(ValueError, match="0 features per row"):
            triplet_margin_loss(np.zeros((2, 0)), np.zeros((2, 0)), np.zeros((2, 0)))

    @pytest.mark.parametrize("margin", [0.0, -1.0, float("nan")])
    def test_margin_must_be_positive(self, margin):
        with pytest.raises(ValueError, match="margin must be a positive"):
            triplet_margin_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), margin=margin)

    def test_unknown_reduction(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            triplet_margin_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), reduction=None)


# -------------------------------------------------------------------------- InfoNCE

def torch_info_nce(q, k, temperature=0.1, reduction="mean", grad=False):
    tq, tk = T(q, grad), T(k)
    logits = F.normalize(tq, dim=1) @ F.normalize(tk, dim=1).T / temperature
    loss = F.cross_entropy(logits, torch.arange(len(q)), reduction=reduction)
    return (loss, tq) if grad else loss.detach().numpy()


def test_info_nce_worked_value():
    # q_i = k_i, orthogonal pairs, tau = 1: each loss is log(e^1 + e^0) - 1 = log(1 + e^-1)
    eye = np.eye(2)
    out = info_nce_loss(eye, eye, temperature=1.0, reduction="none")
    np.testing.assert_allclose(out, np.full(2, np.log1p(np.exp(-1.0))), rtol=1e-15)
    # unnormalised inputs give the same number: rows are normalised first
    np.testing.assert_allclose(info_nce_loss(3 * eye, [[0.5, 0], [0, 7]], temperature=1.0,
                                             reduction="none"), out, rtol=1e-15)
    # a lower temperature sharpens: log(1 + e^-10); log1p keeps all digits of this small loss
    # (torch's log-sum-exp gets only ~11 of them: rtol 2e-11)
    np.testing.assert_allclose(info_nce_loss(eye, eye, temperature=0.1, reduction="none"),
                               np.full(2, np.log1p(np.exp(-10.0))), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_info_nce_every_reduction(reduction):
    rng = np.random.default_rng(30)
    q, k = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    per = info_nce_loss(q, k, reduction="none")
    out = info_nce_loss(q, k, reduction=reduction)
    np.testing.assert_allclose(out, {"none": per, "mean": per.mean(), "sum": per.sum()}[reduction],
                               rtol=1e-15)
    if reduction != "none":
        assert_reduced(out)




@pytest.mark.parametrize("scale", [1e8, 1e-8])
def test_info_nce_extreme_inputs_low_temperature(scale):
    rng = np.random.default_rng(32)
    q = scale * rng.normal(size=(6, 4))
    k = scale * rng.normal(size=(6, 4))
    k[0] = -q[0]  # a positive pointing the wrong way: logit -100 at tau = 0.01
    out = info_nce_loss(q, k, temperature=0.01, reduction="none")
    assert np.all(np.isfinite(out)) and out[0] > 100
    np.testing.assert_allclose(out, torch_info_nce(q, k, 0.01, "none"), rtol=1e-9)


def test_info_nce_is_scale_invariant_even_where_torch_underflows():
    # rows are divided by their largest entry before the norm, so 1e-200 and 1e200 work
    rng = np.random.default_rng(33)
    q, k = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    ref = info_nce_loss(q, k, reduction="none")
    for scale in (1e-200, 1e200):
        np.testing.assert_allclose(info_nce_loss(scale * q, scale * k, reduction="none"), ref,
                                   rtol=1e-13)


def test_info_nce_single_pair_costs_zero():
    # with no negatives the positive takes all the probability
    assert float(info_nce_loss([[1.0, 2.0]], [[-3.0, 0.5]])) == 0.0


def test_info_nce_nan_propagates_and_empty_batch():
    q, k = np.eye(3), np.eye(3)
    q[1, 1] = np.nan
    out = info_nce_loss(q, k, reduction="none")
    assert np.isnan(out[1]) and np.isfinite(out[0]) and np.isfinite(out[2])
    e = np.zeros((0, 3))
    assert info_nce_loss(e, e, reduction="none").shape == (0,)
    assert np.isnan(info_nce_loss(e, e))
    assert float(info_nce_loss(e, e, reduction="sum")) == 0.0


# InfoNCE and NT-Xent validate their two embedding batches the same way
SIMILARITY_LOSSES = [(info_nce_loss, ("queries", "keys")), (nt_xent_loss, ("z1", "z2"))]


@pytest.mark.parametrize("fn,names", SIMILARITY_LOSSES, ids=["info_nce", "nt_xent"])
@pytest.mark.parametrize("which", [0, 1])
def test_similarity_losses_reject_a_zero_norm_row(fn, names, which):
    pair = [np.ones((3, 2)), np.ones((3, 2))]
    pair[which][2] = 0.0
    with pytest.raises(ValueError, match=rf"row 2 of {names[which]} has zero norm"):
        fn(*pair)


@pytest.mark.parametrize("fn,names", SIMILARITY_LOSSES, ids=["info_nce", "nt_xent"])
@pytest.mark.parametrize("temperature", [0.0, -0.1, float("inf"), "0.1"])
def test_similarity_losses_temperature_must_be_positive(fn, names, temperature):
    with pytest.raises(ValueError, match="temperature must be a positive"):
        fn(np.eye(2), np.eye(2), temperature=temperature)


class TestInfoNCEValidation:
    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"queries has shape \(4, 3\) but keys has shape \(5, 3\)"):
            info_nce_loss(np.ones((4, 3)), np.ones((5, 3)))

    def test_broadcastable_shapes_rejected(self):
        with pytest.raises(ValueError, match=r"queries has shape \(4, 3\) but keys has shape \(1, 3\)"):
            info_nce_loss(np.ones((4, 3)), np.ones((1, 3)))

    @pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
    def test_wrong_ndim(self, shape):
        with pytest.raises(ValueError, match=r"queries must be a 2-D array of shape \(N, D\)"):
            info_nce_loss(np.ones(shape), np.ones(shape))

    def test_zero_features(self):
        with pytest.raises(ValueError, match="0 features per row"):
            info_nce_loss(np.ones((2, 0)), np.ones((2, 0)))

    def test_unknown_reduction(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            info_nce_loss(np.eye(2), np.eye(2), reduction="Mean")

    def test_temperature_is_keyword_only(self):
        with pytest.raises(TypeError):
            info_nce_loss(np.eye(2), np.eye(2), 0.1)


# -------------------------------------------------------------------------- NT-Xent

def torch_nt_xent(z1, z2, temperature=0.5, reduction="mean", grad=False):
    """The torch expression of the docstring (SimCLR's 2N-view form)."""
    t1, t2 = T(z1, grad), T(z2)
    n = len(z1)
    z = F.normalize(torch.cat([t1, t2]), dim=1)
    logits = z @ z.T / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    loss = F.cross_entropy(logits, target, reduction=reduction)
    return (loss, t1) if grad else loss.detach().numpy()


def test_nt_xent_worked_value():
    # two samples, views equal, orthogonal: each view scores its partner 1, the other two 0
    eye = np.eye(2)
    out = nt_xent_loss(eye, eye, temperature=1.0, reduction="none")
    np.testing.assert_allclose(out, np.full(4, np.log1p(2 * np.exp(-1.0))), rtol=1e-15)
    # it is not InfoNCE: the views of the same side are negatives too
    assert float(nt_xent_loss(eye, eye, temperature=1.0)) > float(info_nce_loss(eye, eye, temperature=1.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nt_xent_every_reduction(reduction):
    rng = np.random.default_rng(50)
    z1, z2 = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    per = nt_xent_loss(z1, z2, reduction="none")
    assert per.shape == (10,)
    out = nt_xent_loss(z1, z2, reduction=reduction)
    np.testing.assert_allclose(out, {"none": per, "mean": per.mean(), "sum": per.sum()}[reduction],
                               rtol=1e-15)
    if reduction != "none":
        assert_reduced(out)




def test_nt_xent_extreme_inputs_low_temperature_and_scale():
    rng = np.random.default_rng(52)
    z1 = 1e8 * rng.normal(size=(6, 4))
    z2 = 1e8 * rng.normal(size=(6, 4))
    z2[0] = -z1[0]  # a partner pointing the wrong way: logit -100 at tau = 0.01
    out = nt_xent_loss(z1, z2, temperature=0.01, reduction="none")
    assert np.all(np.isfinite(out)) and out[0] > 100 and out[6] > 100
    np.testing.assert_allclose(out, torch_nt_xent(z1, z2, 0.01, "none"), rtol=1e-9)
    ref = nt_xent_loss(z1, z2, reduction="none")
    for scale in (1e-200, 1e200):  # torch's F.normalize under/overflows here; rows are rescaled first
        np.testing.assert_allclose(nt_xent_loss(scale * z1, scale * z2, reduction="none"), ref, rtol=1e-13)


def test_nt_xent_single_pair_costs_zero_and_empty_batch():
    # one sample: each view's only candidate is its partner
    np.testing.assert_array_equal(nt_xent_loss([[1.0, 2.0]], [[-3.0, 0.5]], reduction="none"), [0.0, 0.0])
    e = np.zeros((0, 3))
    assert nt_xent_loss(e, e, reduction="none").shape == (0,)
    assert np.isnan(nt_xent_loss(e, e))
    assert float(nt_xent_loss(e, e, reduction="sum")) == 0.0


def test_nt_xent_nan_propagates():
    rng = np.random.default_rng(54)
    z1, z2 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    z1[1, 0] = np.nan
    out = nt_xent_loss(z1, z2, reduction="none")
    # a NaN view is a candidate of every other view: every loss is NaN, as in torch
    assert np.all(np.isnan(out)) and np.all(np.isnan(torch_nt_xent(z1, z2, 0.5, "none")))


class TestNTXentValidation:  # zero rows and temperature: with InfoNCE above
    def test_shapes(self):
        with pytest.raises(ValueError, match=r"z1 has shape \(4, 3\) but z2 has shape \(5, 3\)"):
            nt_xent_loss(np.ones((4, 3)), np.ones((5, 3)))
        with pytest.raises(ValueError, match=r"z1 must be a 2-D array of shape \(N, D\)"):
            nt_xent_loss(np.ones(3), np.ones(3))
        with pytest.raises(ValueError, match="0 features per row"):
            nt_xent_loss(np.ones((2, 0)), np.ones((2, 0)))

    def test_unknown_reduction_and_keyword_only(self):
        with pytest.raises(ValueError, match="reduction must be one of"):
            nt_xent_loss(np.eye(2), np.eye(2), reduction="Mean")
        with pytest.raises(TypeError):
            nt_xent_loss(np.eye(2), np.eye(2), 0.5)


# InfoNCE and NT-Xent against their torch expressions: (ours, torch's) for each
_BATCH_LOSSES = {"info_nce": (info_nce_loss, torch_info_nce), "nt_xent": (nt_xent_loss, torch_nt_xent)}


@pytest.mark.parametrize("name", sorted(_BATCH_LOSSES))
@pytest.mark.parametrize("shape", [(1, 3), (2, 2), (8, 5), (32, 16)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("temperature", [2.0, 1.0, 0.1, 0.05])
def test_batch_losses_match_torch(name, shape, reduction, temperature):
    ours, theirs = _BATCH_LOSSES[name]
    rng = np.random.default_rng(31)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    out = ours(a, b, temperature=temperature, reduction=reduction)
    np.testing.assert_allclose(out, theirs(a, b, temperature, reduction), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(_BATCH_LOSSES))
@given(n=st.integers(1, 8), d=st.integers(1, 8), seed=st.integers(0, 2**32 - 1),
       temperature=st.floats(0.01, 10.0), scale=st.sampled_from([1e-8, 1.0, 1e8]))
def test_batch_losses_match_torch_hypothesis(name, n, d, seed, temperature, scale):
    ours, theirs = _BATCH_LOSSES[name]
    rng = np.random.default_rng(seed)
    a, b = scale * rng.normal(size=(n, d)), scale * rng.normal(size=(n, d))
    np.testing.assert_allclose(ours(a, b, temperature=temperature, reduction="none"),
                               theirs(a, b, temperature, "none"), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name, seed", [("info_nce", 34), ("nt_xent", 53)])
def test_batch_losses_torch_autograd_vs_finite_differences(name, seed):
    ours, theirs = _BATCH_LOSSES[name]
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, ta = theirs(a, b, 0.5, "mean", grad=True)
    loss.backward()
    num = central_diff(lambda z: ours(z, b, temperature=0.5), a)
    np.testing.assert_allclose(num, ta.grad.numpy(), rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------- CLIP and SigLIP

def torch_clip(images, texts, scale=10.0, reduction="mean", grad=False):
    x, y = T(images, grad), T(texts)
    z = scale * F.normalize(x, dim=1) @ F.normalize(y, dim=1).T
    target = torch.arange(len(z))
    per = 0.5 * (F.cross_entropy(z, target, reduction="none") + F.cross_entropy(z.T, target, reduction="none"))
    loss = torch_reduce(per, reduction)
    return (loss, x) if grad else loss.detach().numpy()


def torch_siglip(images, texts, scale=10.0, bias=-10.0, reduction="mean", grad=False):
    x, y = T(images, grad), T(texts)
    z = scale * F.normalize(x, dim=1) @ F.normalize(y, dim=1).T + bias
    labels = 2 * torch.eye(len(z), dtype=torch.float64) - 1
    pairs = -F.logsigmoid(labels * z)
    loss = {"none": pairs, "sum": pairs.sum(), "mean": pairs.sum() / len(z)}[reduction]
    return (loss, x) if grad else loss.detach().numpy()


def test_clip_and_siglip_worked_values():
    eye = np.eye(2)
    # CLIP with s = 1: every row and column is a softmax over (1, 0): log(1 + e^-1)
    np.testing.assert_allclose(clip_loss(eye, eye, scale=1.0, reduction="none"),
                               np.full(2, np.log1p(np.exp(-1.0))), rtol=1e-15)
    # SigLIP with s = 1, b = 0: diagonal softplus(-1), off-diagonal softplus(0) = log 2; / N
    pairs = siglip_loss(eye, eye, scale=1.0, bias=0.0, reduction="none")
    np.testing.assert_allclose(pairs, [[np.log1p(np.exp(-1.0)), np.log(2)], [np.log(2), np.log1p(np.exp(-1.0))]],
                               rtol=1e-15)
    assert float(siglip_loss(eye, eye, scale=1.0, bias=0.0)) == pytest.approx(pairs.sum() / 2, rel=1e-15)


def test_clip_is_the_symmetric_info_nce():
    rng = np.random.default_rng(60)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    expected = 0.5 * (info_nce_loss(x, y, temperature=0.1, reduction="none")
                      + info_nce_loss(y, x, temperature=0.1, reduction="none"))
    np.testing.assert_allclose(clip_loss(x, y, scale=10.0, reduction="none"), expected, rtol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n=st.integers(1, 7), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([1.0, 10.0, 100.0]), bias=st.sampled_from([-10.0, 0.0, 3.0]),
       size=st.sampled_from([1e-8, 1.0, 1e8]))
def test_clip_and_siglip_match_torch(reduction, n, d, seed, scale, bias, size):
    rng = np.random.default_rng(seed)
    x, y = size * rng.normal(size=(n, d)), size * rng.normal(size=(n, d))
    with no_warnings():
        ours_clip = clip_loss(x, y, scale=scale, reduction=reduction)
        ours_siglip = siglip_loss(x, y, scale=scale, bias=bias, reduction=reduction)
    np.testing.assert_allclose(ours_clip, torch_clip(x, y, scale, reduction), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours_siglip, torch_siglip(x, y, scale, bias, reduction), rtol=1e-12, atol=1e-13)
    if reduction != "none":
        assert_reduced(ours_clip)
        assert_reduced(ours_siglip)


def test_clip_and_siglip_torch_autograd_vs_finite_differences():
    rng = np.random.default_rng(61)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for ours, theirs in ((lambda a: clip_loss(a, y, scale=5.0), lambda: torch_clip(x, y, 5.0, grad=True)),
                         (lambda a: siglip_loss(a, y, scale=5.0, bias=-2.0),
                          lambda: torch_siglip(x, y, 5.0, -2.0, grad=True))):
        loss, tx = theirs()
        loss.backward()
        np.testing.assert_allclose(central_diff(lambda a: float(ours(a)), x), tx.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_clip_and_siglip_extreme_logits_stay_finite():
    rng = np.random.default_rng(62)
    x = rng.normal(size=(5, 3))
    y = -x  # every matching pair points the wrong way
    with no_warnings():
        out = siglip_loss(x, y, scale=1000.0, bias=0.0, reduction="none")
        assert np.all(np.isfinite(out)) and np.all(np.diag(out) > 900)
        np.testing.assert_allclose(out, torch_siglip(x, y, 1000.0, 0.0, "none"), rtol=1e-12)
        assert np.isfinite(clip_loss(x, y, scale=1000.0))
        np.testing.assert_allclose(clip_loss(x, y, scale=1000.0), torch_clip(x, y, 1000.0), rtol=1e-12)


def test_clip_and_siglip_bad_input():
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"images has shape \(3, 2\) but texts has shape \(2, 2\)"):
        siglip_loss(x, x[:2])
    with pytest.raises(ValueError, match="row 1 of texts has zero norm"):
        clip_loss(x, [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="images must be a 2-D array"):
        clip_loss(np.ones(3), x)
    with pytest.raises(ValueError, match="scale must be a positive"):
        clip_loss(x, x, scale=0.0)
    for bad in (np.inf, np.nan, "1"):
        with pytest.raises(ValueError, match="bias must be a finite number"):
            siglip_loss(x, x, bias=bad)
    with pytest.raises(ValueError, match="reduction must be one of"):
        siglip_loss(x, x, reduction="batchmean")
