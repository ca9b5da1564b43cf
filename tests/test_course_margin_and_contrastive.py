"""Tests of lossutils.demos.margin_and_contrastive and the chapter 5 exercises (torch is the reference)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from lossutils import info_nce_loss, multi_margin_loss, triplet_margin_loss
from lossutils.checks import check_result, labels
from lossutils.demos import margin_and_contrastive as demo
from lossutils.quiz import questions
from lossutils.widgets import Choice, Panel, Slider, explore

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)
finite = st.floats(-6.0, 6.0, allow_nan=False, allow_subnormal=False)


# --------------------------------------------------------------------------------------------
# Surrogates of the 0-1 loss
# --------------------------------------------------------------------------------------------

def test_surrogates_worked_values():
    v = demo.surrogate_losses([-1.0, 0.0, 0.5, 2.5])
    assert v["0-1"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert v["hinge"].tolist() == [2.0, 1.0, 0.5, 0.0]
    assert v["squared"].tolist() == [4.0, 1.0, 0.25, 2.25]
    assert v["logistic"][1] == pytest.approx(1.0, rel=1e-15)  # log2(1 + e^0) = 1
    assert v["exponential"][0] == pytest.approx(math.e)


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=finite))
def test_every_surrogate_is_an_upper_bound_of_the_0_1_loss(m):
    v = demo.surrogate_losses(m)
    for name in demo.SURROGATES[1:]:
        assert np.all(v[name] >= v["0-1"] - 1e-12), name


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 12), elements=finite),
       hnp.arrays(np.float64, st.integers(1, 12), elements=st.sampled_from([-1.0, 1.0])))
def test_surrogates_match_torch(s, y):
    n = min(s.size, y.size)
    s, y = s[:n], y[:n]
    v = demo.surrogate_losses(y * s)
    st_, yt = torch.tensor(s), torch.tensor(y)
    np.testing.assert_allclose(v["hinge"], torch.clamp(1 - yt * st_, min=0).numpy(), atol=1e-12)
    np.testing.assert_allclose(v["logistic"] * math.log(2),
                               F.soft_margin_loss(st_, yt, reduction="none").numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(v["squared"], F.mse_loss(st_, yt, reduction="none").numpy(), rtol=1e-12)
    np.testing.assert_allclose(v["exponential"], torch.exp(-yt * st_).numpy(), rtol=1e-12)


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 12), elements=finite.filter(lambda x: abs(x - 1.0) > 1e-6)))
def test_surrogate_grads_match_autograd(m):
    g = demo.surrogate_grads(m)
    mt = torch.tensor(m, requires_grad=True)
    forms = {
        "hinge": lambda t: torch.relu(1 - t),
        "squared hinge": lambda t: torch.relu(1 - t) ** 2,
        "logistic": lambda t: F.softplus(-t),
        "exponential": lambda t: torch.exp(-t),
    }
    for name, f in forms.items():
        (grad,) = torch.autograd.grad(f(mt).sum(), mt)
        np.testing.assert_allclose(g[name], grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_hinge_gradient_is_exactly_zero_past_the_margin_and_logistic_never():
    g = demo.surrogate_grads(np.array([1.0, 2.0, 10.0, 30.0]))
    assert np.all(g["hinge"] == 0)
    assert np.all(g["logistic"] < 0)


def test_surrogates_propagate_nan():
    v = demo.surrogate_losses([np.nan, 1.0])
    for name in demo.SURROGATES:
        assert np.isnan(v[name][0]) and not np.isnan(v[name][1])


def test_two_blobs_is_seeded_and_labelled():
    X, y = demo.two_blobs(30, seed=3)
    X2, y2 = demo.two_blobs(30, seed=3)
    assert X.shape == (60, 2) and np.array_equal(X, X2) and np.array_equal(y, y2)
    assert sorted(set(y.tolist())) == [-1.0, 1.0]
    assert not np.array_equal(X, demo.two_blobs(30, seed=4)[0])
    with pytest.raises(ValueError, match="n_per_class"):
        demo.two_blobs(0)
    with pytest.raises(ValueError, match="spread"):
        demo.two_blobs(5, spread=0.0)


# --------------------------------------------------------------------------------------------
# Multiclass hinge
# --------------------------------------------------------------------------------------------

def test_weston_watkins_worked_example_and_torch_divides_by_c():
    s, y = [[3.2, 5.1, -1.7]], [0]
    ww = float(demo.weston_watkins_loss(s, y))
    assert ww == pytest.approx(2.9)
    torch_value = F.multi_margin_loss(torch.tensor(s, dtype=torch.float64), torch.tensor(y)).item()
    assert torch_value == pytest.approx(ww / 3, rel=1e-12)


@SETTINGS
@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**31 - 1), st.sampled_from([0.5, 1.0, 2.0]))
def test_weston_watkins_is_c_times_torch_multi_margin(n, c, seed, margin):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, c)) * 2
    y = rng.integers(0, c, size=n)
    ours = demo.weston_watkins_loss(s, y, margin=margin, reduction="none")
    theirs = F.multi_margin_loss(torch.tensor(s), torch.tensor(y), margin=margin, reduction="none").numpy()
    np.testing.assert_allclose(ours, c * theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours, c * multi_margin_loss(s, y, margin=margin, reduction="none"), rtol=1e-12)


def test_weston_watkins_reductions_and_errors():
    s = np.array([[1.0, 2.0], [3.0, 0.0]])
    per = demo.weston_watkins_loss(s, [0, 0], reduction="none")
    assert per.tolist() == [2.0, 0.0]
    assert float(demo.weston_watkins_loss(s, [0, 0], reduction="sum")) == 2.0
    assert float(demo.weston_watkins_loss(s, [0, 0])) == 1.0
    with pytest.raises(ValueError, match="shape"):
        demo.weston_watkins_loss(s, [0])
    with pytest.raises(ValueError, match="class index"):
        demo.weston_watkins_loss(s, [0, 2])
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        demo.weston_watkins_loss([1.0, 2.0], [0])
    with pytest.raises(ValueError, match="margin"):
        demo.weston_watkins_loss(s, [0, 0], margin=0.0)


# --------------------------------------------------------------------------------------------
# Triplets
# --------------------------------------------------------------------------------------------

def test_triplet_kinds_and_their_losses():
    a, p = np.zeros((3, 2)), np.tile([1.0, 0.0], (3, 1))
    n = np.array([[0.0, 2.5], [0.0, 1.5], [0.0, 0.6]])
    d_an = np.linalg.norm(n, axis=1)
    kinds = demo.triplet_kind(np.ones(3), d_an, margin=1.0)
    assert kinds.tolist() == ["easy", "semi-hard", "hard"]
    loss = triplet_margin_loss(a, p, n, margin=1.0, reduction="none")
    assert loss[0] == 0 and 0 < loss[1] <= 1.0 and loss[2] > 1.0
    assert demo.triplet_kind(1.0, 1.0, margin=0.5) == "semi-hard"  # boundary: not closer than the positive
    assert demo.triplet_kind(1.0, 1.5, margin=0.5) == "easy"


@SETTINGS
@given(st.integers(0, 256), st.integers(0, 256), st.integers(1, 128))
def test_triplet_kind_agrees_with_the_loss(i_ap, i_an, i_margin):
    d_ap, d_an, margin = i_ap / 64, i_an / 64, i_margin / 64  # exact in binary: no rounding at the edges
    kind = demo.triplet_kind(d_ap, d_an, margin=margin)
    loss = max(0.0, d_ap - d_an + margin)
    assert (kind == "easy") == (loss == 0.0)
    assert (kind == "hard") == (loss > margin)
    assert (kind == "semi-hard") == (0.0 < loss <= margin)


def test_triplet_kind_counts_match_a_brute_force_count():
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(12, 2))
    lab = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    counts = demo.triplet_kind_counts(emb, lab, margin=0.5)
    brute = {"easy": 0, "semi-hard": 0, "hard": 0}
    for a in range(12):
        for p in range(12):
            for n in range(12):
                if p != a and lab[p] == lab[a] and lab[n] != lab[a]:
                    d_ap, d_an = np.linalg.norm(emb[a] - emb[p]), np.linalg.norm(emb[a] - emb[n])
                    brute[demo.triplet_kind(d_ap, d_an, margin=0.5)] += 1
    assert counts == brute
    assert sum(counts.values()) == 12 * 3 * 8
    with pytest.raises(ValueError, match="labels"):
        demo.triplet_kind_counts(emb, lab[:5])


# --------------------------------------------------------------------------------------------
# The InfoNCE bound (NT-Xent moved to lossutils.contrastive: tests/test_contrastive.py)
# --------------------------------------------------------------------------------------------

def test_info_nce_mi_bound_and_its_ceiling():
    assert demo.info_nce_mi_bound(0.0, 64) == pytest.approx(math.log(64))
    assert demo.info_nce_mi_bound(2.1, 256) == pytest.approx(math.log(256) - 2.1)
    with pytest.raises(ValueError, match="positive integer"):
        demo.info_nce_mi_bound(1.0, 0)
    with pytest.raises(ValueError, match="positive integer"):
        demo.info_nce_mi_bound(1.0, 2.5)


def test_gaussian_critic_is_the_log_density_ratio():
    rng = np.random.default_rng(0)
    rho, d = 0.7, 3
    x, y = rng.normal(size=(4, d)), rng.normal(size=(5, d))
    f = demo.gaussian_critic(x, y, rho)
    cond = torch.distributions.MultivariateNormal(torch.tensor(rho * x)[:, None, :],
                                                  (1 - rho**2) * torch.eye(d, dtype=torch.float64))
    marg = torch.distributions.MultivariateNormal(torch.zeros(d, dtype=torch.float64),
                                                  torch.eye(d, dtype=torch.float64))
    want = (cond.log_prob(torch.tensor(y)[None, :, :]) - marg.log_prob(torch.tensor(y))[None, :]).numpy()
    np.testing.assert_allclose(f, want, rtol=1e-10, atol=1e-10)


def test_mi_bound_curve_is_below_the_truth_and_log_n_and_saturates():
    sizes = [2, 8, 64, 512]
    low_mi, low = demo.mi_bound_curve(sizes, rho=0.8, dim=4, seed=0)
    high_mi, high = demo.mi_bound_curve(sizes, rho=0.99, dim=4, seed=0)
    assert low_mi == pytest.approx(-2 * math.log(1 - 0.64))
    ceiling = np.log(sizes)
    assert np.all(high <= ceiling + 1e-9) and np.all(low <= ceiling + 1e-9)
    assert np.all(high < high_mi)
    assert low[-1] == pytest.approx(low_mi, abs=0.15)      # enough negatives: close to the truth
    assert high[-1] > ceiling[-1] - 0.7                    # too few: stuck near log N
    assert np.all(np.diff(high) > 0)


def test_mi_bound_curve_uses_the_gaussian_critic():
    # one batch of N = queries pairs: the estimate equals log N - cross-entropy of gaussian_critic
    from lossutils import cross_entropy
    _, est = demo.mi_bound_curve([16], rho=0.9, dim=2, queries=16, seed=5)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 16, 2))[0]
    y = 0.9 * x + math.sqrt(1 - 0.81) * rng.normal(size=(1, 16, 2))[0]
    want = math.log(16) - float(cross_entropy(demo.gaussian_critic(x, y, 0.9), np.arange(16)))
    assert est[0] == pytest.approx(want, rel=1e-12)


# --------------------------------------------------------------------------------------------
# The torch demo helpers
# --------------------------------------------------------------------------------------------

def test_make_clusters_shapes_and_shared_centres():
    Xtr, ytr, Xte, yte = demo.make_clusters(20, n_test_per_class=10, n_classes=3, dim=8, seed=0)
    assert Xtr.shape == (60, 8) and Xte.shape == (30, 8)
    assert np.bincount(ytr).tolist() == [20] * 3 and np.bincount(yte).tolist() == [10] * 3
    # train and test come from the same clusters: class means are close
    mtr = np.stack([Xtr[ytr == c].mean(0) for c in range(3)])
    mte = np.stack([Xte[yte == c].mean(0) for c in range(3)])
    d = np.linalg.norm(mtr[:, None] - mte[None], axis=-1)
    assert d.argmin(axis=1).tolist() == [0, 1, 2]
    assert demo.nearest_centroid_accuracy(Xtr, ytr, Xte, yte) > 0.9


def test_random_triplets_are_valid_and_uniform():
    lab = np.array([2, 0, 1, 0, 2, 1, 1, 0])
    g = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(400):
        a, p, n = demo.random_triplets(lab, g)
        a, p, n = a.numpy(), p.numpy(), n.numpy()
        assert np.array_equal(a, np.arange(8))
        assert np.all(lab[p] == lab[a]) and np.all(p != a) and np.all(lab[n] != lab[a])
        seen.add((p[6], n[6]))
    # sample 6 (class 1) has positives {2, 5} and negatives {0, 1, 3, 4, 7}: all 10 pairs occur
    assert seen == {(pp, nn) for pp in (2, 5) for nn in (0, 1, 3, 4, 7)}
    with pytest.raises(ValueError, match="two samples"):
        demo.random_triplets(np.array([0, 0, 1]), g)


def test_random_triplets_are_seeded_by_the_torch_generator():
    lab = np.repeat(np.arange(3), 5)
    r1 = demo.random_triplets(lab, torch.Generator().manual_seed(7))
    r2 = demo.random_triplets(lab, torch.Generator().manual_seed(7))
    assert all(torch.equal(u, v) for u, v in zip(r1, r2))


def test_class_pair_batches():
    lab = np.repeat(np.arange(4), 6)
    q, k = demo.class_pair_batches(lab, 10, torch.Generator().manual_seed(0))
    assert q.shape == k.shape == (10, 4)
    assert np.all(lab[q.numpy()] == np.arange(4)) and np.all(lab[k.numpy()] == np.arange(4))
    assert torch.all(q != k)


def test_nearest_centroid_accuracy():
    tr = np.array([[0.0, 0.0], [0.2, 0.0], [5.0, 5.0], [5.2, 5.0]])
    ytr = np.array([0, 0, 1, 1])
    te = np.array([[0.1, 0.3], [4.0, 4.0], [1.0, 1.0]])
    assert demo.nearest_centroid_accuracy(tr, ytr, te, np.array([0, 1, 1])) == pytest.approx(2 / 3)


# --------------------------------------------------------------------------------------------
# Widgets: compute functions and the explorers as the chapter builds them
# --------------------------------------------------------------------------------------------

def test_info_nce_explorer_matches_lossutils_and_torch():
    out = demo.info_nce_explorer(0.1, pos_sim=0.7)
    (bars,) = out["weights"]
    sims = np.array([0.7, *demo.INFO_NCE_NEGATIVES])
    want = torch.softmax(torch.tensor(sims) / 0.1, dim=0).numpy()
    np.testing.assert_allclose(bars.heights, want, rtol=1e-12)
    (gbars,) = out["grad"]
    np.testing.assert_allclose(gbars.heights, want - np.eye(sims.size)[0], rtol=1e-12, atol=1e-15)
    # the loss is info_nce_loss of one query against its positive and the negatives
    loss_torch = F.cross_entropy(torch.tensor(sims)[None] / 0.1, torch.tensor([0])).item()
    assert f"loss = {loss_torch:.3f}" in out["text"]
    curve = out["curve"][0]
    assert curve.y[-1] < math.log(sims.size) and curve.y[0] < curve.y[-1]


def test_info_nce_widget_responds_to_its_controls():
    ex = explore(demo.info_nce_explorer,
                 {"temperature": Choice(list(demo.INFO_NCE_TEMPERATURES), value=0.1, label="τ"),
                  "pos_sim": Slider(-0.2, 1.0, 0.1, value=0.7, label="positive")},
                 panels={"weights": Panel(), "grad": Panel(), "curve": Panel()})
    w_cold = ex.data("weights", "softmax weight")[1].copy()
    ex.controls["temperature"].value = 2.0
    w_hot = ex.data("weights", "softmax weight")[1]
    assert w_cold[0] > w_hot[0]                       # lower temperature: more weight on the positive
    assert np.ptp(w_hot) < np.ptp(w_cold)             # higher temperature: flatter weights
    assert "τ = 2" in ex.text and ex.error == ""


def test_temperature_for_weight():
    t = demo.temperature_for_weight(0.9, pos_sim=0.7)
    assert t in demo.INFO_NCE_TEMPERATURES
    weight = lambda tau: torch.softmax(torch.tensor([0.7, *demo.INFO_NCE_NEGATIVES], dtype=torch.float64) / tau, 0)[0].item()
    assert weight(t) >= 0.9
    bigger = [u for u in demo.INFO_NCE_TEMPERATURES if u > t]
    assert all(weight(u) < 0.9 for u in bigger)
    assert demo.temperature_for_weight(0.999999, pos_sim=-0.2) is None


def test_triplet_explorer_geometry_and_loss():
    out = demo.triplet_explorer(1.5, margin=1.0)
    neg = next(p for p in out["geometry"] if p.label == "negative")
    assert math.hypot(neg.x[0], neg.y[0]) == pytest.approx(1.5)
    point = next(p for p in out["loss"] if p.label == "this triplet")
    a, pp, n = np.zeros((1, 2)), np.array([[1.0, 0.0]]), np.array([[neg.x[0], neg.y[0]]])
    want = F.triplet_margin_loss(torch.tensor(a), torch.tensor(pp), torch.tensor(n), margin=1.0).item()
    assert point.y[0] == pytest.approx(want, rel=1e-12)
    assert "semi-hard" in out["text"]
    assert "→ hard" in demo.triplet_explorer(0.5)["text"]
    assert "→ easy" in demo.triplet_explorer(2.5)["text"]
    with pytest.raises(ValueError, match="distance"):
        demo.triplet_explorer(-1.0)


def test_triplet_widget_moves_the_negative():
    ex = explore(demo.triplet_explorer,
                 {"neg_distance": Slider(0.0, 3.0, 0.1, value=1.5, label="d"),
                  "margin": Choice([0.2, 0.5, 1.0], value=1.0, label="margin")},
                 panels={"geometry": Panel(xlim=(-3.4, 3.4), ylim=(-2.8, 2.8)), "loss": Panel()})
    ex.controls["neg_distance"].value = 0.5
    x, y = ex.data("geometry", "negative")
    assert math.hypot(x[0], y[0]) == pytest.approx(0.5)
    assert "hard" in ex.text
    ex.controls["margin"].value = 0.2
    assert ex.data("loss", "this triplet")[1][0] == pytest.approx(0.7, abs=1e-5)


def test_hinge_explorer_values():
    out = demo.hinge_explorer(0.5, margin=1.0)
    (bars,) = out["grad"]
    assert bars.heights.tolist() == pytest.approx([-1.0, -1.0, -1 / (1 + math.exp(0.5))])
    now = {p.label: p.y[0] for p in out["loss"] if p.label.endswith("now")}
    assert now["hinge now"] == pytest.approx(0.5) and now["squared hinge now"] == pytest.approx(0.25)
    past = demo.hinge_explorer(2.0, margin=1.0)["grad"][0].heights
    assert past[0] == 0 and past[1] == 0 and past[2] < 0
    with pytest.raises(ValueError, match="label"):
        demo.hinge_explorer(0.5, label=0)


# --------------------------------------------------------------------------------------------
# Exercises and quiz
# --------------------------------------------------------------------------------------------

EXERCISES = [f"margin-and-contrastive-ex{i}" for i in range(1, 7)]


def test_every_exercise_is_registered():
    assert set(EXERCISES) <= set(labels())


def _reference_info_nce(queries, keys, temperature):
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    k = keys / np.linalg.norm(keys, axis=1, keepdims=True)
    logits = q @ k.T / temperature
    top = logits.max(axis=1, keepdims=True)
    return np.mean(top[:, 0] + np.log(np.exp(logits - top).sum(axis=1)) - np.diag(logits))


def test_checks_accept_the_reference_answers_and_reject_wrong_ones():
    ww = float(demo.weston_watkins_loss([[1.0, 2.5, 2.0]], [2]))
    right = {
        "margin-and-contrastive-ex1": np.mean(np.maximum(0, 1 - np.array([-1, -1, 1]) * np.array([0.3, -2.0, 1.5]))),
        "margin-and-contrastive-ex2": ww / 3,
        "margin-and-contrastive-ex3": _reference_info_nce,
        "margin-and-contrastive-ex4": "b",
        "margin-and-contrastive-ex5": demo.temperature_for_weight(0.5, pos_sim=0.7),
        "margin-and-contrastive-ex6": "a",
    }
    for label, answer in right.items():
        assert check_result(label, answer).passed, label
        assert not check_result(label, None).passed
    wrong = {
        "margin-and-contrastive-ex1": 1.3,                   # the sum, not the mean
        "margin-and-contrastive-ex2": ww,                    # the Weston-Watkins sum, not torch's value
        "margin-and-contrastive-ex3": lambda q, k, temperature: _reference_info_nce(q, k, 1.0),
        "margin-and-contrastive-ex4": "a",
        "margin-and-contrastive-ex5": 0.1,
        "margin-and-contrastive-ex6": "b",
    }
    for label, answer in wrong.items():
        assert not check_result(label, answer).passed, label
    assert "3 times too large" in check_result("margin-and-contrastive-ex2", ww).message


def test_quiz_is_well_formed():
    qs = questions("margin-and-contrastive")
    assert 3 <= len(qs) <= 5
    for q in qs:
        assert q["type"] == "multiple_choice"
        assert sum(a["correct"] for a in q["answers"]) == 1
        assert all(a["feedback"] for a in q["answers"])
