r"""Regression losses: MSE, L1, Huber, Smooth L1, log-cosh, quantile, Gaussian and Poisson NLL.

Every loss takes ``pred, target`` of the same shape (shapes numpy would broadcast, such as
(4,) against (4, 1), are rejected), returns float64, and reduces with ``reduction`` =
"mean" (default), "sum" or "none". Reduced results are 0-d float64 arrays.

Residual convention: :math:`r = \hat y - y` (pred minus target), except for the quantile loss,
which follows the usual pinball convention :math:`r = y - \hat y`.

Empty input follows the package reduction policy (as torch does): "none" gives an empty array,
"sum" 0 and "mean" NaN. NaN in an input propagates to the loss and gradient (no error).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import Reduction, reduce, reduce_grad
from ._validation import as_float_array, check_flag, check_open_unit, check_pair, check_positive


# --------------------------------------------------------------------------------------------
# MSE and L1
# --------------------------------------------------------------------------------------------

def mse_loss(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Mean squared error.

    .. math::
        \ell(\hat y, y) = (\hat y - y)^2

    Same as ``torch.nn.functional.mse_loss``.

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(mse_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.375
    """
    p, t = check_pair(pred, target)
    return reduce((p - t) ** 2, reduction)


def mse_loss_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mse_loss` with respect to ``pred``: :math:`2(\hat y - y)`, scaled.

    For ``reduction="none"`` this is the gradient of ``loss.sum()``; for "mean" it is divided
    by the number of elements (as torch's autograd gives).

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> mse_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]).tolist()
        [-0.25, 0.25, 0.0, 0.5]
    """
    p, t = check_pair(pred, target)
    return reduce_grad(2.0 * (p - t), reduction)


def l1_loss(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Mean absolute error (L1 loss).

    .. math::
        \ell(\hat y, y) = |\hat y - y|

    Same as ``torch.nn.functional.l1_loss``.

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(l1_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.5
    """
    p, t = check_pair(pred, target)
    return reduce(np.abs(p - t), reduction)


def l1_loss_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`l1_loss` w.r.t. ``pred``: :math:`\operatorname{sign}(\hat y - y)`, scaled.

    At the kink :math:`\hat y = y` the subgradient 0 is returned, as torch does.

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> l1_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], reduction="sum").tolist()
        [-1.0, 1.0, 0.0, 1.0]
    """
    p, t = check_pair(pred, target)
    return reduce_grad(np.sign(p - t), reduction)


# --------------------------------------------------------------------------------------------
# Huber and Smooth L1
# --------------------------------------------------------------------------------------------

def huber_loss(pred: ArrayLike, target: ArrayLike, *, delta: float = 1.0,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Huber loss: quadratic near zero, linear in the tails.

    .. math::
        \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
                                \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases},
        \qquad r = \hat y - y

    Same as ``torch.nn.functional.huber_loss``. With ``delta=1`` it equals
    :func:`smooth_l1_loss` with ``beta=1``, and it never exceeds the L1 loss:
    :math:`\ell(r) \le \delta |r|`.

    Args:
        pred, target: arrays of the same shape.
        delta: where the quadratic part ends; must be > 0.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(huber_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.1875
    """
    delta = check_positive(delta, "delta")
    p, t = check_pair(pred, target)
    a = np.abs(p - t)
    return reduce(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)), reduction)


def huber_loss_grad(pred: ArrayLike, target: ArrayLike, *, delta: float = 1.0,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`huber_loss` w.r.t. ``pred``: :math:`\operatorname{clip}(r, -\delta, \delta)`.

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> huber_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], reduction="sum").tolist()
        [-0.5, 0.5, 0.0, 1.0]
    """
    delta = check_positive(delta, "delta")
    p, t = check_pair(pred, target)
    return reduce_grad(np.clip(p - t, -delta, delta), reduction)  # clip keeps NaN


def smooth_l1_loss(pred: ArrayLike, target: ArrayLike, *, beta: float = 1.0,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Smooth L1 loss: Huber divided by ``beta``, so the tails have slope 1 whatever ``beta``.

    .. math::
        \ell(r) = \begin{cases} \tfrac{1}{2\beta} r^2 & |r| < \beta \\
                                |r| - \tfrac12\beta & |r| \ge \beta \end{cases},
        \qquad r = \hat y - y

    Same as ``torch.nn.functional.smooth_l1_loss``; ``huber_loss(delta=b) == b *
    smooth_l1_loss(beta=b)``. torch also accepts ``beta=0`` (plain L1); here ``beta`` must be
    > 0: use :func:`l1_loss` for that case.

    Args:
        pred, target: arrays of the same shape.
        beta: where the quadratic part ends; must be > 0.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(smooth_l1_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], beta=0.5))
        0.3125
    """
    beta = check_positive(beta, "beta")
    p, t = check_pair(pred, target)
    a = np.abs(p - t)
    return reduce(np.where(a < beta, 0.5 * a**2 / beta, a - 0.5 * beta), reduction)


def smooth_l1_loss_grad(pred: ArrayLike, target: ArrayLike, *, beta: float = 1.0,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`smooth_l1_loss` w.r.t. ``pred``: :math:`\operatorname{clip}(r / \beta, -1, 1)`.

    Equal to ``huber_loss_grad(delta=beta) / beta``: slope 1 in the tails whatever ``beta``.

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> smooth_l1_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], beta=0.5,
        ...                     reduction="sum").tolist()
        [-1.0, 1.0, 0.0, 1.0]
    """
    beta = check_positive(beta, "beta")
    p, t = check_pair(pred, target)
    # r / beta may overflow to +-inf for a tiny beta; clip maps that to +-1 (and keeps NaN)
    return reduce_grad(np.clip((p - t) / beta, -1.0, 1.0), reduction)


# --------------------------------------------------------------------------------------------
# log-cosh and quantile
# --------------------------------------------------------------------------------------------

def log_cosh_loss(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Log-cosh loss: like :math:`\tfrac12 r^2` near zero and like :math:`|r| - \log 2` far out.

    .. math::
        \ell(r) = \log\cosh(r) = |r| + \log\!\left(1 + e^{-2|r|}\right) - \log 2,
        \qquad r = \hat y - y

    torch has no twin; the torch expression is ``torch.log(torch.cosh(r))`` (which overflows
    to ``inf`` for :math:`|r| \gtrsim 710`; the form used here stays finite).

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> round(float(log_cosh_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])), 6)
        0.168502
    """
    p, t = check_pair(pred, target)
    r = p - t
    # log cosh r = log((e^r + e^-r) / 2): logaddexp never overflows (cosh does for |r| > ~710)
    with np.errstate(invalid="ignore"):  # a NaN residual gives NaN, silently
        return reduce(np.logaddexp(r, -r) - math.log(2.0), reduction)


def log_cosh_loss_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`log_cosh_loss` w.r.t. ``pred``: :math:`\tanh(r)`, :math:`r = \hat y - y`.

    Like :math:`r` near zero and :math:`\pm 1` far out: log-cosh behaves like MSE for small
    residuals and like L1 for large ones. ``tanh`` never overflows (torch's autograd of
    ``torch.log(torch.cosh(r))`` gives NaN for :math:`|r| \gtrsim 710`; this gives :math:`\pm 1`).

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> [round(g, 6) for g in log_cosh_loss_grad([1.0, 0.0, 50.0], [0.0, 0.0, 0.0],
        ...                                           reduction="none").tolist()]
        [0.761594, 0.0, 1.0]
    """
    p, t = check_pair(pred, target)
    return reduce_grad(np.tanh(p - t), reduction)


def quantile_loss(pred: ArrayLike, target: ArrayLike, *, q: float = 0.5,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Quantile (pinball) loss; minimised by the ``q``-quantile of the target.

    .. math::
        \ell(r) = \max\big(q\,r,\ (q - 1)\,r\big), \qquad r = y - \hat y

    Under-prediction (:math:`r > 0`) costs :math:`q` per unit, over-prediction :math:`1 - q`.
    ``q=0.5`` gives half the L1 loss. torch has no twin; the torch expression is
    ``torch.maximum(q * r, (q - 1) * r)``.

    Args:
        pred, target: arrays of the same shape.
        q: the quantile, strictly between 0 and 1.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(quantile_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], q=0.9))
        0.15
    """
    q = check_open_unit(q, "q")
    p, t = check_pair(pred, target)
    r = t - p
    return reduce(np.maximum(q * r, (q - 1.0) * r), reduction)  # np.maximum propagates NaN


def quantile_loss_grad(pred: ArrayLike, target: ArrayLike, *, q: float = 0.5,
               reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`quantile_loss` w.r.t. ``pred``.

    .. math::
        \frac{\partial \ell}{\partial \hat y} = \begin{cases} -q & \hat y < y \\
                                                        1 - q & \hat y > y \\
                                                        0 & \hat y = y \end{cases}

    Under-prediction pulls the prediction up with weight :math:`q`, over-prediction pushes it
    down with weight :math:`1 - q`. At the kink :math:`\hat y = y` the loss has no derivative;
    the subgradient 0 is returned (any value in :math:`[-q, 1 - q]` is one). torch's autograd of
    the torch expression ``torch.maximum(q * r, (q - 1) * r)`` splits a tie between the two
    arguments and gives :math:`\tfrac12 - q` there (0 only for ``q = 0.5``). NaN propagates.

    Returns:
        An array of the shape of ``pred`` (for "none", the gradient of the summed loss).

    Example:
        >>> quantile_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], q=0.75,
        ...                    reduction="sum").tolist()
        [-0.75, 0.25, 0.0, 0.25]
    """
    q = check_open_unit(q, "q")
    p, t = check_pair(pred, target)
    d = p - t
    # -q below the target, 1 - q above it, the subgradient 0 on it; NaN stays NaN
    return reduce_grad(np.select([d > 0, d < 0, d == 0], [1.0 - q, -q, 0.0], np.nan), reduction)


# --------------------------------------------------------------------------------------------
# Likelihood losses
# --------------------------------------------------------------------------------------------

def _gaussian_var(var, shape):
    """Return ``var`` as an array broadcastable to ``shape`` under torch's rules."""
    v = as_float_array(var, "var")
    if v.ndim == 0 or v.shape == shape:  # one variance for all, or one per element
        return v
    if v.shape == shape[:-1]:  # one per row: torch unsqueezes the last dimension
        return v[..., None]
    mismatched = [(s, vs) for s, vs in zip(shape, v.shape) if s != vs]
    if v.ndim == len(shape) and len(mismatched) == 1 and mismatched[0][1] == 1:
        return v  # one dimension of size 1, e.g. (N, 1) for pred (N, D)
    raise ValueError(
        f"var has shape {v.shape}, which does not fit pred of shape {shape}; pass a scalar, "
        f"an array of shape {shape}, of shape {shape[:-1]}, or of shape {shape} with one "
        "dimension set to 1"
    )


def gaussian_nll_loss(pred: ArrayLike, target: ArrayLike, var: ArrayLike, *, full: bool = False,
                      eps: float = 1e-6, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gaussian negative log-likelihood with a predicted variance.

    .. math::
        \ell(\hat y, y, \sigma^2) = \tfrac12\left(\log \max(\sigma^2, \epsilon)
            + \frac{(\hat y - y)^2}{\max(\sigma^2, \epsilon)}\right)
            \ [+\ \tfrac12 \log 2\pi \text{ if full}]

    Same as ``torch.nn.functional.gaussian_nll_loss``. With a fixed variance it is MSE up to
    a scale and a constant.

    Args:
        pred: predicted means.
        target: observed values, same shape as ``pred``.
        var: predicted variances, >= 0 (NaN propagates): a scalar, the shape of ``pred``,
            ``pred.shape[:-1]`` (one variance per row), or the shape of ``pred`` with one
            dimension set to 1 (torch's broadcasting rules).
        full: add the constant :math:`\tfrac12\log 2\pi`.
        eps: lower clamp for ``var`` (stability); must be > 0.
        reduction: "mean", "sum" or "none".

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> float(gaussian_nll_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], 1.0))
        0.1875
    """
    full = check_flag(full, "full")
    eps = check_positive(eps, "eps")
    p, t = check_pair(pred, target)
    v = _gaussian_var(var, p.shape)
    if np.any(v < 0):  # NaN is not below 0: it propagates instead
        raise ValueError(
            f"var must be >= 0 (it is a variance), found {float(v[v < 0].flat[0])!r}; "
            "predict log-variance and exponentiate, or use softplus, to keep it positive"
        )
    v = np.maximum(v, eps)  # clamp, as torch does
    loss = 0.5 * (np.log(v) + (p - t) ** 2 / v) + (0.5 * math.log(2.0 * math.pi) if full else 0.0)
    return reduce(np.broadcast_to(loss, p.shape), reduction)


def poisson_nll_loss(pred: ArrayLike, target: ArrayLike, *, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: Reduction = "mean") -> np.ndarray:
    r"""Poisson negative log-likelihood for count targets.

    .. math::
        \ell(\hat y, y) = \begin{cases}
            e^{\hat y} - y\,\hat y & \text{if log\_input } (\hat y = \log\lambda) \\
            \hat y - y \log(\hat y + \epsilon) & \text{otherwise } (\hat y = \lambda)
        \end{cases}

    With ``full=True`` the Stirling term :math:`y\log y - y + \tfrac12\log(2\pi y)` is added
    where :math:`y > 1` (as torch does). Same as ``torch.nn.functional.poisson_nll_loss``.

    Args:
        pred: log-rates (``log_input=True``) or rates (``log_input=False``, must be >= 0).
        target: counts, >= 0, same shape as ``pred``.
        log_input: whether ``pred`` is the log of the rate.
        full: add the Stirling approximation of :math:`\log y!`.
        eps: added inside the log when ``log_input=False``; must be > 0.
        reduction: "mean", "sum" or "none".

    Like torch, ``exp(pred)`` overflows to ``inf`` for log-rates above ~709.

    Returns:
        The reduced loss (0-d), or with "none" an array of the shape of ``pred``.

    Example:
        >>> round(float(poisson_nll_loss([0.0, 1.0], [1.0, 2.0])), 6)
        0.859141
    """
    log_input = check_flag(log_input, "log_input")
    full = check_flag(full, "full")
    eps = check_positive(eps, "eps")
    p, t = check_pair(pred, target)
    if np.any(t < 0):  # NaN is not below 0: it propagates
        raise ValueError(f"target must hold counts >= 0, found {float(t[t < 0].flat[0])!r}")
    if not log_input and np.any(p < 0):
        raise ValueError(
            f"pred must be a rate >= 0 when log_input=False, found {float(p[p < 0].flat[0])!r}; "
            "pass log-rates with log_input=True instead"
        )
    if log_input:
        with np.errstate(over="ignore"):  # exp(710) -> inf, as in torch
            loss = np.exp(p) - t * p
    else:
        loss = p - t * np.log(p + eps)
    if full:  # Stirling's log y!, where y > 1 (torch's choice); y = 2 stands in elsewhere: no log 0
        y = np.where(t > 1, t, 2.0)
        loss = loss + np.where(t > 1, y * np.log(y) - y + 0.5 * np.log(2.0 * math.pi * y), 0.0)
    return reduce(loss, reduction)


__all__ = [
    "mse_loss", "mse_loss_grad", "l1_loss", "l1_loss_grad", "huber_loss", "huber_loss_grad",
    "smooth_l1_loss", "smooth_l1_loss_grad", "log_cosh_loss", "log_cosh_loss_grad",
    "quantile_loss", "quantile_loss_grad", "gaussian_nll_loss", "poisson_nll_loss",
]
