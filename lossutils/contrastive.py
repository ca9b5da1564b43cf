r"""Losses on embeddings: the contrastive pair loss, the triplet loss, InfoNCE, NT-Xent, and the
image-text losses of CLIP and SigLIP.

All of them take batches of embeddings as 2-D arrays of shape (N, D), one row per sample; for a
single sample reshape to (1, D). Empty batches (N = 0) follow the package reduction policy
("none" gives an empty array, "mean" NaN, "sum" 0); embeddings with no features (D = 0) are
an error.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Reduction, reduce
from ._validation import (
    as_float_array, check_ndim, check_positive, check_same_shape, check_scalar, check_values_in,
)


def _embeddings(arrays, names):
    """Validate embedding batches: float64, 2-D (N, D), D > 0, all of the same shape."""
    out = []
    for a, name in zip(arrays, names):
        a = as_float_array(a, name)
        check_ndim(a, 2, name, "(N, D)", f"for a single embedding use {name}.reshape(1, -1)")
        if a.shape[1] == 0:
            raise ValueError(f"{name} has shape {a.shape}: 0 features per row; pass D >= 1")
        out.append(a)
    for a, name in zip(out[1:], names[1:]):
        check_same_shape(out[0], a, names[0], name)
    return out


def contrastive_loss(x1: ArrayLike, x2: ArrayLike, same: ArrayLike, *, margin: float = 1.0,
                     reduction: Reduction = "mean") -> np.ndarray:
    r"""Contrastive loss for pairs of embeddings (Hadsell, Chopra & LeCun, 2006).

    .. math::
        \ell = \tfrac12\, s\, d^2 + \tfrac12\,(1 - s)\,\max(0,\ \text{margin} - d)^2,
        \qquad d = \lVert x_1 - x_2 \rVert_2,\ s \in \{0, 1\}

    Similar pairs (``same = 1``) are pulled together; dissimilar pairs (``same = 0``) are
    pushed apart until they are ``margin`` away, then ignored.

    torch has no function for it; the torch expression is::

        d = (x1 - x2).norm(dim=1)
        0.5 * same * d**2 + 0.5 * (1 - same) * torch.clamp(margin - d, min=0) ** 2

    (``torch.nn.CosineEmbeddingLoss`` and ``HingeEmbeddingLoss`` are related but different.)

    Args:
        x1, x2: embeddings of shape (N, D).
        same: shape (N,), 1 (or True) for a similar pair, 0 (or False) for a dissimilar one.
        margin: distance beyond which dissimilar pairs cost nothing; must be > 0.
        reduction: "mean", "sum" or "none" (one value per pair).

    Returns:
        The reduced loss (0-d), or with "none" one value per pair, shape (N,).

    Example (a similar pair at distance 5, a dissimilar pair at distance 1, margin 2):
        >>> contrastive_loss([[0, 0], [0, 0]], [[3, 4], [0.6, 0.8]], [1, 0],
        ...                  margin=2.0, reduction="none").tolist()
        [12.5, 0.5]
    """
    margin = check_positive(margin, "margin")
    a, b = _embeddings((x1, x2), ("x1", "x2"))
    s = as_float_array(same, "same")
    if s.shape != (a.shape[0],):
        raise ValueError(
            f"x1 has shape {a.shape} so same must have shape ({a.shape[0]},), one label per "
            f"pair, got shape {s.shape}"
        )
    check_values_in(s, (0.0, 1.0), "same", "use 1 for a similar pair and 0 for a dissimilar one")
    with np.errstate(over="ignore"):  # d = inf is the right limit of both terms below
        d2 = ((a - b) ** 2).sum(axis=1)  # squared distance
    d = np.sqrt(d2)
    # np.where, not s*pos + (1-s)*neg: 0 * inf would turn a far dissimilar pair into NaN
    loss = np.where(s == 1.0, 0.5 * d2, 0.5 * np.maximum(0.0, margin - d) ** 2)
    return reduce(np.where(np.isnan(s), np.nan, loss), reduction)  # a NaN label: a NaN loss


def triplet_margin_loss(anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, *,
                        margin: float = 1.0, reduction: Reduction = "mean") -> np.ndarray:
    r"""Triplet loss (FaceNet, Schroff et al., 2015): the positive must be closer than the
    negative by ``margin``.

    .. math::
        \ell = \max(0,\ d(a, p) - d(a, n) + \text{margin}),
        \qquad d(u, v) = \lVert u - v + \varepsilon \rVert_2,\ \varepsilon = 10^{-6}

    Same as ``torch.nn.functional.triplet_margin_loss(a, p, n, margin=margin)`` with its
    defaults ``p=2, eps=1e-6, swap=False``. Like torch's ``pairwise_distance``, the
    :math:`\varepsilon` is added to every component of the *difference* (it keeps the gradient
    of the norm finite when ``u == v``), so ``d(u, u) = sqrt(D) * 1e-6``, not 0.

    Args:
        anchor, positive, negative: embeddings of shape (N, D).
        margin: required gap between the two distances; must be > 0 (as in torch).
        reduction: "mean", "sum" or "none" (one value per triplet).

    Returns:
        The reduced loss (0-d), or with "none" one value per triplet, shape (N,).

    Example (positive at distance 5, negative at 5.5: the gap 0.5 is short of margin 1):
        >>> round(float(triplet_margin_loss([[0, 0]], [[3, 4]], [[0, 5.5]])), 5)
        0.5
    """
    margin = check_positive(margin, "margin")
    a, p, n = _embeddings((anchor, positive, negative), ("anchor", "positive", "negative"))
    d_ap = np.sqrt(((a - p + 1e-6) ** 2).sum(axis=1))  # torch's pairwise_distance, eps = 1e-6
    d_an = np.sqrt(((a - n + 1e-6) ** 2).sum(axis=1))
    return reduce(np.maximum(0.0, d_ap - d_an + margin), reduction)


def _unit_rows(x, name):
    """Rows scaled to unit L2 norm; a row of zeros is an error (it has no direction)."""
    scale = np.max(np.abs(x), axis=1)  # NaN if the row has a NaN: propagates
    zero = scale == 0
    if np.any(zero):
        i = int(np.flatnonzero(zero)[0])
        raise ValueError(
            f"row {i} of {name} has zero norm, so it has no direction to normalise; "
            "drop that row or give it a non-zero embedding"
        )
    # divide by the largest |entry| first: the sum of squares then neither overflows (1e200)
    # nor underflows (1e-200) -- torch's F.normalize does at those scales
    xs = x / scale[:, None]
    return xs / np.sqrt((xs**2).sum(axis=1, keepdims=True))


def info_nce_loss(queries: ArrayLike, keys: ArrayLike, *, temperature: float = 0.1,
                  reduction: Reduction = "mean") -> np.ndarray:
    r"""InfoNCE (van den Oord et al., 2018; the NT-Xent of SimCLR) with in-batch negatives.

    Rows are L2-normalised, so the similarities are cosines. Row ``i``'s positive is key ``i``;
    the other ``N - 1`` keys of the batch are its negatives:

    .. math::
        \ell_i = -\log \frac{\exp(q_i \cdot k_i / \tau)}{\sum_{j=1}^{N} \exp(q_i \cdot k_j / \tau)}
        \quad \text{with } q_i, k_j \text{ of unit norm}

    i.e. cross-entropy over the similarity logits with the diagonal as targets. torch twin::

        logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / temperature
        F.cross_entropy(logits, torch.arange(len(q)), reduction=reduction)

    CLIP averages this with the same loss for ``keys`` against ``queries`` (``logits.T``).

    Args:
        queries, keys: embeddings of shape (N, D); they need not be normalised, but no row may
            be all zeros (ValueError: a zero vector has no direction; torch's F.normalize would
            silently map it to zeros).
        temperature: :math:`\tau > 0`; small values sharpen the softmax.
        reduction: "mean", "sum" or "none" (one value per query).

    Returns:
        The reduced loss (0-d), or with "none" one value per query, shape (N,).

    Example:
        Two orthogonal pairs, each query equal to its key; with tau = 1 every loss is
        log(1 + e^-1):

        >>> eye = [[1.0, 0.0], [0.0, 1.0]]
        >>> round(float(info_nce_loss(eye, eye, temperature=1.0)), 6)
        0.313262
    """
    temperature = check_positive(temperature, "temperature")
    q, k = _embeddings((queries, keys), ("queries", "keys"))
    logits = (_unit_rows(q, "queries") @ _unit_rows(k, "keys").T) / temperature
    # cross-entropy with the diagonal as targets, stable for any temperature (see the helper)
    return reduce(_softmax_cross_entropy(logits, np.arange(logits.shape[0])), reduction)


def _softmax_cross_entropy(logits, target):
    r"""Per-row :math:`-\log \operatorname{softmax}(z_i)_{t_i}` of (M, C) ``logits``.

    Log-sum-exp around the row maximum :math:`m_i` (no exp overflows, even for tau = 1e-6),
    written :math:`(m_i - z_{i t_i}) + \log(1 + \sum_{j \ne \arg\max} e^{z_{ij} - m_i})`: log1p
    keeps the digits of the small loss of a confident row (log(1 + 4.5e-5) would lose five).
    A -inf entry (a masked candidate) adds exp(-inf) = 0.
    """
    rows = np.arange(logits.shape[0])
    top = np.argmax(logits, axis=1) if logits.size else np.zeros(0, dtype=np.int64)
    m = logits[rows, top]  # NaN if the row has a NaN (argmax picks it): propagates
    e = np.exp(logits - m[:, None])
    e[rows, top] = 0.0
    return (m - logits[rows, target]) + np.log1p(e.sum(axis=1))


def nt_xent_loss(z1: ArrayLike, z2: ArrayLike, *, temperature: float = 0.5,
                 reduction: Reduction = "mean") -> np.ndarray:
    r"""NT-Xent, the loss of SimCLR (Chen et al., 2020): InfoNCE over the 2N views of a batch.

    ``z1[i]`` and ``z2[i]`` are two views of sample ``i`` (a positive pair). Each of the 2N
    views is a query whose candidates are the *other* 2N - 1 views (its similarity with itself
    is masked out): its partner is the positive, the remaining 2N - 2 views are negatives.
    Rows are L2-normalised, so the similarities are cosines:

    .. math::
        \ell_i = -\log \frac{\exp(\cos(z_i, z_{i^+}) / \tau)}
                            {\sum_{j \ne i} \exp(\cos(z_i, z_j) / \tau)},
        \qquad i^+ = i \pm N

    averaged over all 2N views. Unlike :func:`info_nce_loss` (N queries against N keys), the
    other views of the *same* side are negatives too. torch has no function for it; the torch
    expression is::

        z = F.normalize(torch.cat([z1, z2]), dim=1)
        logits = z @ z.T / temperature
        logits.fill_diagonal_(float("-inf"))
        target = torch.cat([torch.arange(N, 2 * N), torch.arange(N)])
        F.cross_entropy(logits, target, reduction=reduction)

    Args:
        z1, z2: the two views' embeddings, shape (N, D); they need not be normalised, but no
            row may be all zeros (ValueError, as for :func:`info_nce_loss`).
        temperature: :math:`\tau > 0`; SimCLR uses 0.1 to 0.5.
        reduction: "mean", "sum" or "none" (2N values: first the ``z1`` views, then ``z2``).

    Returns:
        The reduced loss (0-d), or with "none" one value per view, shape (2N,).

    Example:
        Two samples whose views coincide, orthogonal to each other; with tau = 1 each view
        scores its partner 1 and the two others 0 (and itself is masked), so every loss is
        log(1 + 2/e):

        >>> eye = [[1.0, 0.0], [0.0, 1.0]]
        >>> round(float(nt_xent_loss(eye, eye, temperature=1.0)), 6)
        0.551445
    """
    temperature = check_positive(temperature, "temperature")
    a, b = _embeddings((z1, z2), ("z1", "z2"))
    n = a.shape[0]
    z = np.concatenate([_unit_rows(a, "z1"), _unit_rows(b, "z2")])
    logits = z @ z.T / temperature
    np.fill_diagonal(logits, -np.inf)  # a view is not its own candidate
    target = np.concatenate([np.arange(n, 2 * n), np.arange(n)])  # the partner of view i: i +- N
    return reduce(_softmax_cross_entropy(logits, target), reduction)


def clip_loss(images: ArrayLike, texts: ArrayLike, *, scale: float = 10.0,
              reduction: Reduction = "mean") -> np.ndarray:
    r"""CLIP's symmetric loss (Radford et al., 2021): InfoNCE of images against texts and of
    texts against images, averaged.

    .. math::
        \ell_i = \tfrac12\big(-\log \operatorname{softmax}_j(z_{ij})_i
                           - \log \operatorname{softmax}_j(z_{ji})_i\big),
        \qquad z_{ij} = s\, \hat x_i \cdot \hat y_j

    with unit-norm rows :math:`\hat x_i, \hat y_j`: row ``i`` of the similarity matrix is a
    softmax over the batch's texts, column ``i`` one over its images, and the matching pair is
    the target of both. ``clip_loss(x, y, scale=s)`` is
    ``(info_nce_loss(x, y, temperature=1/s) + info_nce_loss(y, x, temperature=1/s)) / 2``.
    torch has no function for it; the torch expression is::

        z = scale * F.normalize(images, dim=1) @ F.normalize(texts, dim=1).T
        target = torch.arange(len(z))
        (F.cross_entropy(z, target) + F.cross_entropy(z.T, target)) / 2

    Args:
        images, texts: embeddings of shape (N, D) (normalised here; no row may be all zeros).
        scale: :math:`s > 0`, the inverse temperature (CLIP learns it, starting at 1/0.07).
        reduction: "mean", "sum" or "none" (one value per image-text pair).

    Returns:
        The reduced loss (0-d), or with "none" one value per pair, shape (N,).

    Example:
        >>> eye = [[1.0, 0.0], [0.0, 1.0]]
        >>> round(float(clip_loss(eye, eye, scale=1.0)), 6)
        0.313262
    """
    scale = check_positive(scale, "scale")
    x, y = _embeddings((images, texts), ("images", "texts"))
    z = scale * (_unit_rows(x, "images") @ _unit_rows(y, "texts").T)
    target = np.arange(len(z))
    return reduce(0.5 * (_softmax_cross_entropy(z, target) + _softmax_cross_entropy(z.T, target)), reduction)


def siglip_loss(images: ArrayLike, texts: ArrayLike, *, scale: float = 10.0, bias: float = -10.0,
                reduction: Reduction = "mean") -> np.ndarray:
    r"""SigLIP's sigmoid loss (Zhai et al., 2023): every image-text pair of the batch is its own
    binary problem, "match" for the N pairs on the diagonal and "no match" for the others.

    .. math::
        \ell_{ij} = \operatorname{softplus}(-y_{ij} z_{ij}) = \log(1 + e^{-y_{ij} z_{ij}}),
        \qquad z_{ij} = s\, \hat x_i \cdot \hat y_j + b,\quad y_{ij} = 2[i = j] - 1

    with unit-norm rows :math:`\hat x_i, \hat y_j`; that is binary cross-entropy with logits
    against the identity matrix. "mean" is :math:`\frac1N \sum_{i,j} \ell_{ij}`: the paper
    divides by the batch size, not by :math:`N^2`. No softmax over the batch. torch has no
    function for it; the torch expression is::

        z = scale * F.normalize(images, dim=1) @ F.normalize(texts, dim=1).T + bias
        labels = 2 * torch.eye(len(z)) - 1
        -F.logsigmoid(labels * z).sum() / len(z)

    The paper starts at :math:`s = 10` and :math:`b = -10`: the negative bias starts every pair
    at a low probability, since only :math:`N` of the :math:`N^2` pairs match.

    Args:
        images, texts: embeddings of shape (N, D) (normalised here; no row may be all zeros).
        scale, bias: :math:`s` and :math:`b`, finite numbers.
        reduction: "mean" (sum / N, as the paper), "sum" or "none" (the (N, N) matrix).

    Returns:
        The reduced loss (0-d), or with "none" the (N, N) matrix of pair losses.

    Example:
        >>> eye = [[1.0, 0.0], [0.0, 1.0]]
        >>> round(float(siglip_loss(eye, eye, scale=1.0, bias=0.0)), 4)  # (2 softplus(-1) + 2 log 2) / 2
        1.0064
    """
    scale = check_scalar(scale, "scale", "a finite number", np.isfinite)
    bias = check_scalar(bias, "bias", "a finite number", np.isfinite)
    x, y = _embeddings((images, texts), ("images", "texts"))
    z = scale * (_unit_rows(x, "images") @ _unit_rows(y, "texts").T) + bias
    labels = 2.0 * np.eye(len(z)) - 1.0
    with np.errstate(invalid="ignore"):  # a NaN embedding gives NaN, silently
        loss = np.logaddexp(0.0, -labels * z)  # softplus(-y z), never overflows
    return reduce(loss, reduction, denom=len(z))


__all__ = [
    "contrastive_loss", "triplet_margin_loss", "info_nce_loss", "nt_xent_loss", "clip_loss",
    "siglip_loss",
]
