"""Tests of lossutils.course.margin_and_contrastive: data, samplers, the embedding score and the
widgets of chapter 5 (torch is the reference). The chapter's formulas are guarded by nbval."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossutils.course import margin_and_contrastive as demo
from lossutils.widgets import Choice, Panel, Slider, explore


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
                    kind = "hard" if d_an < d_ap else "semi-hard" if d_an < d_ap + 0.5 else "easy"
                    brute[kind] += 1
    assert counts == brute
    assert sum(counts.values()) == 12 * 3 * 8
    with pytest.raises(ValueError, match="labels"):
        demo.triplet_kind_counts(emb, lab[:5])


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
