"""Data, samplers and widget compute of chapter 5, "Hinge and contrastive losses".

What the chapter teaches is written out in the chapter; this keeps what a reader need not study.
torch is imported only inside the two samplers.
"""

from __future__ import annotations

import math

import numpy as np

from lossutils import (
    binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, cross_entropy,
    cross_entropy_grad, hinge_loss, hinge_loss_grad, softmax, squared_hinge_loss,
    triplet_margin_loss,
)
from lossutils.widgets import Bars, HLine, Line, Points, VLine

__all__ = [
    "two_blobs", "triplet_kind_counts", "make_clusters", "random_triplets",
    "class_pair_batches", "nearest_centroid_accuracy", "hinge_explorer", "triplet_explorer",
    "TRIPLET_POSITIVE", "info_nce_explorer", "INFO_NCE_NEGATIVES", "INFO_NCE_TEMPERATURES",
    "temperature_for_weight",
]


def _positive(value, name):
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def two_blobs(n_per_class=100, *, distance=3.0, spread=1.0, seed=0):
    """``X`` (2n, 2) and ``y`` (2n,): two overlapping Gaussian blobs labelled −1 then +1."""
    if int(n_per_class) < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    distance, spread = _positive(distance, "distance"), _positive(spread, "spread")
    rng = np.random.default_rng(seed)
    n = int(n_per_class)
    centre = np.array([distance / 2.0, distance / 4.0])
    X = np.concatenate([rng.normal(-centre, spread, size=(n, 2)), rng.normal(centre, spread, size=(n, 2))])
    y = np.concatenate([-np.ones(n), np.ones(n)])
    return X, y


def triplet_kind_counts(emb, labels, *, margin=1.0):
    """Counts of easy, semi-hard and hard triplets among all (anchor, positive, negative) triplets
    of labelled embeddings (Euclidean distances), as a dict in that order."""
    margin = _positive(margin, "margin")
    e, lab = np.asarray(emb, dtype=np.float64), np.asarray(labels)
    if e.ndim != 2 or lab.shape != (e.shape[0],):
        raise ValueError(f"emb (N, D) and labels (N,) do not fit: shapes {e.shape} and {lab.shape}")
    d = np.sqrt(np.maximum(0.0, ((e[:, None, :] - e[None, :, :]) ** 2).sum(-1)))
    same = lab[:, None] == lab[None, :]
    valid = (same & ~np.eye(len(lab), dtype=bool))[:, :, None] & ~same[:, None, :]  # [a, p, n]
    gap = d[:, None, :] - d[:, :, None]  # gap[a, p, n] = d(a, n) - d(a, p)
    hard, easy = valid & (gap < 0), valid & (gap >= margin)
    semi = valid & ~hard & ~easy
    return {"easy": int(easy.sum()), "semi-hard": int(semi.sum()), "hard": int(hard.sum())}


def make_clusters(n_per_class=60, *, n_test_per_class=40, n_classes=5, dim=8, spread=1.0, seed=0):
    """``X_train, y_train, X_test, y_test``: Gaussian clusters in ``dim`` dimensions, one per class
    (centres ~ N(0, 1) per coordinate, spread 0.5·``spread``), class-major order."""
    if int(n_per_class) < 2 or int(n_classes) < 2 or int(n_test_per_class) < 1:
        raise ValueError("make_clusters needs at least 2 classes, 2 training and 1 test sample per class")
    spread = _positive(spread, "spread")
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, size=(int(n_classes), int(dim)))

    def draw(n):
        labels = np.repeat(np.arange(int(n_classes)), int(n))
        X = centres[labels] + rng.normal(0.0, 0.5 * spread, size=(labels.size, int(dim)))
        return X, labels

    return (*draw(n_per_class), *draw(n_test_per_class))


def random_triplets(labels, generator):
    """One random triplet per sample (anchor = the sample, positive = another sample of its class,
    negative = a sample of another class), drawn with torch's ``generator``: three index tensors."""
    import torch

    lab = np.asarray(labels)
    order = np.argsort(lab, kind="stable")  # sample indices grouped by class
    classes, start, count = np.unique(lab[order], return_index=True, return_counts=True)
    if np.any(count < 2) or classes.size < 2:
        raise ValueError("random_triplets needs at least two classes and two samples in every class")
    c = np.searchsorted(classes, lab)  # class number of every sample
    rank = np.empty(lab.size, dtype=np.int64)
    rank[order] = np.arange(lab.size) - start[c[order]]  # position of each sample within its class
    u = torch.rand((2, lab.size), generator=generator, dtype=torch.float64).numpy()
    # positive: skip 1 .. count-1 places ahead (cyclically) within the class, never the anchor itself
    shift = 1 + np.minimum((u[0] * (count[c] - 1)).astype(np.int64), count[c] - 2)
    pos = order[start[c] + (rank + shift) % count[c]]
    # negative: a position among the samples of the other classes, then step over the anchor's class
    j = np.minimum((u[1] * (lab.size - count[c])).astype(np.int64), lab.size - count[c] - 1)
    j = np.where(j >= start[c], j + count[c], j)
    neg = order[j]
    return (torch.arange(lab.size), torch.as_tensor(pos), torch.as_tensor(neg))


def class_pair_batches(labels, n_groups, generator):
    """Query and key indices, each (n_groups, n_classes): per group one pair of two different
    samples per class, so every in-batch negative is of another class."""
    import torch

    lab = np.asarray(labels)
    classes = np.unique(lab)
    members = [torch.as_tensor(np.flatnonzero(lab == c)) for c in classes]
    q = torch.empty((int(n_groups), classes.size), dtype=torch.int64)
    k = torch.empty_like(q)
    for c, idx in enumerate(members):
        pick = torch.rand((int(n_groups), idx.numel()), generator=generator).argsort(1)[:, :2]
        q[:, c] = idx[pick[:, 0]]
        k[:, c] = idx[pick[:, 1]]
    return q, k


def nearest_centroid_accuracy(train_emb, train_labels, test_emb, test_labels, *, normalise=False):
    """Share of test embeddings whose nearest training-class centroid is their class (rows scaled to
    unit norm first with ``normalise=True``)."""
    tr = np.asarray(train_emb, dtype=np.float64)
    te = np.asarray(test_emb, dtype=np.float64)
    if normalise:
        tr, te = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in (tr, te))
    trl, tel = np.asarray(train_labels), np.asarray(test_labels)
    classes = np.unique(trl)
    centroids = np.stack([tr[trl == c].mean(0) for c in classes])
    d = ((te[:, None, :] - centroids[None]) ** 2).sum(-1)
    return float(np.mean(classes[d.argmin(1)] == tel))


_MARGIN_GRID = np.linspace(-2.0, 3.0, 101)


def hinge_explorer(score, margin=1.0, label=1):
    """Widget compute: one sample (score, label ±1) under the hinge, squared hinge and logistic
    losses. Panels "loss" (curves against the score, the sample as points), "grad" (slopes)."""
    margin = _positive(margin, "margin")
    if label not in (1, -1):
        raise ValueError(f"label must be +1 or -1, got {label}")
    s = _MARGIN_GRID
    y = np.full_like(s, float(label))
    y01 = (y + 1.0) / 2.0
    curves = {
        "hinge": hinge_loss(s, y, margin=margin, reduction="none"),
        "squared hinge": squared_hinge_loss(s, y, margin=margin, reduction="none"),
        "logistic": binary_cross_entropy_with_logits(s, y01, reduction="none"),
    }
    s0, y0 = np.array([float(score)]), np.array([float(label)])
    now = {"hinge": float(hinge_loss(s0, y0, margin=margin)),
           "squared hinge": float(squared_hinge_loss(s0, y0, margin=margin)),
           "logistic": float(binary_cross_entropy_with_logits(s0, (y0 + 1) / 2))}
    grads = [
        float(hinge_loss_grad(s0, y0, margin=margin)[0]),
        float(-2.0 * y0[0] * max(0.0, margin - y0[0] * s0[0])),
        float(binary_cross_entropy_with_logits_grad(s0, (y0 + 1) / 2)[0]),
    ]
    colors = {"hinge": 0, "squared hinge": 1, "logistic": 2}
    loss_panel = [Line(s, c, label=k, color=colors[k]) for k, c in curves.items()]
    loss_panel += [Points([score], [v], label=f"{k} now", color=colors[k]) for k, v in now.items()]
    loss_panel.append(VLine(label * margin, label="margin reached", style="dotted"))
    return {
        "loss": loss_panel,
        "grad": [Bars(list(curves), grads, label="∂ℓ/∂s")],
        "text": (f"y·s = {label * score:+.2f}   hinge {now['hinge']:.3f}   squared hinge "
                 f"{now['squared hinge']:.3f}   logistic {now['logistic']:.3f}"),
    }


#: Anchor at the origin, positive at distance 1 (the triplet widget's fixed points).
TRIPLET_POSITIVE = (1.0, 0.0)
_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 73)
_NEG_ANGLE = np.deg2rad(120.0)


def triplet_explorer(neg_distance, margin=1.0):
    """Widget compute: anchor (0, 0), positive (1, 0), negative at ``neg_distance`` (at 120°).
    Panels "geometry" (points; circles of radius d(a,p): inside is hard, and d(a,p) + margin:
    outside is easy) and "loss" (the triplet loss against d(a,n), the current triplet marked)."""
    margin = _positive(margin, "margin")
    d_an = float(neg_distance)
    if d_an < 0:
        raise ValueError(f"neg_distance is a distance and must be >= 0, got {d_an}")
    a = np.zeros((1, 2))
    p = np.array([TRIPLET_POSITIVE])
    n = d_an * np.array([[np.cos(_NEG_ANGLE), np.sin(_NEG_ANGLE)]])
    loss = float(triplet_margin_loss(a, p, n, margin=margin))
    d_ap = float(np.linalg.norm(p - a))
    kind = "hard" if d_an < d_ap else "semi-hard" if d_an < d_ap + margin else "easy"
    grid = np.linspace(0.0, 3.0, 61)
    curve = np.maximum(0.0, d_ap - grid + margin)
    return {
        "geometry": [
            Line(d_ap * np.cos(_CIRCLE), d_ap * np.sin(_CIRCLE), label="d(a,n) = d(a,p): inside is hard",
                 color=3, style="dashed"),
            Line((d_ap + margin) * np.cos(_CIRCLE), (d_ap + margin) * np.sin(_CIRCLE),
                 label="d(a,n) = d(a,p) + margin: outside is easy", color=2, style="dotted"),
            Points([0.0], [0.0], label="anchor", color="grey"),
            Points(p[:, 0], p[:, 1], label="positive", color=0),
            Points(n[:, 0], n[:, 1], label="negative", color=1),
        ],
        "loss": [
            Line(grid, curve, label="triplet loss vs d(a,n)", color=0),
            Points([d_an], [loss], label="this triplet", color=1),
        ],
        "text": f"d(a,p) = {d_ap:.2f}   d(a,n) = {d_an:.2f}   loss = {loss:.2f}   → {kind}",
    }


#: The negatives' cosine similarities in the temperature widget (one positive plus these).
INFO_NCE_NEGATIVES = (0.6, 0.4, 0.2, 0.0, -0.2, -0.4, -0.6)
#: Temperatures the widget offers (log-spaced, as used in practice: SimCLR 0.1-0.5, CLIP ~0.01).
INFO_NCE_TEMPERATURES = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def _info_nce_row(pos_sim, temperature):
    sims = np.array([float(pos_sim), *INFO_NCE_NEGATIVES])
    logits = sims[None, :] / temperature
    weights = softmax(logits)[0]
    loss = float(cross_entropy(logits, [0]))
    # d loss / d logit_j = softmax_j - [j = positive]; d loss / d sim_j is that divided by tau
    grad_logits = cross_entropy_grad(logits, [0])[0]
    return sims, weights, loss, grad_logits


def info_nce_explorer(temperature, pos_sim=0.7):
    """Widget compute: one InfoNCE row (positive with cosine ``pos_sim``, the fixed negatives) at
    ``temperature``. Panels "weights" (softmax), "grad" (∂L/∂logit = weight − [positive]) and
    "curve" (the loss against log10 τ)."""
    t = _positive(temperature, "temperature")
    sims, weights, loss, grad = _info_nce_row(pos_sim, t)
    names = ["pos"] + [f"{s:+.1f}" for s in INFO_NCE_NEGATIVES]  # fixed: same bars in every frame
    ts = np.geomspace(0.01, 3.0, 61)
    curve = cross_entropy(sims[None, :] / ts[:, None], np.zeros(ts.size, dtype=np.int64), reduction="none")
    n = sims.size
    return {
        "weights": [Bars(names, weights, label="softmax weight", color=0)],
        "grad": [Bars(names, grad, label="∂L/∂logit = weight − [positive]", color=3)],
        "curve": [Line(np.log10(ts), curve, label="loss vs temperature", color=0),
                  HLine(math.log(n), label=f"log N = log {n}: all weights equal", color="grey", style="dashed"),
                  Points([math.log10(t)], [loss], label="current temperature", color=1)],
        "text": (f"τ = {t:g}   loss = {loss:.3f} nats   weight on the positive = {weights[0]:.3f}   "
                 f"on the hardest negative = {weights[1]:.3f}   ∂L/∂sim = ∂L/∂logit / τ"),
    }


def temperature_for_weight(target_weight, pos_sim=0.7):
    """The largest temperature of :data:`INFO_NCE_TEMPERATURES` at which the positive gets at least
    ``target_weight`` of the softmax weight (None if none does)."""
    ok = [t for t in INFO_NCE_TEMPERATURES if _info_nce_row(pos_sim, t)[1][0] >= target_weight]
    return max(ok) if ok else None
