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

from ._reduction import grad_elementwise, reduce, reduce_elementwise
from ._numerics import log1p_unit
from ._validation import (
    as_float_array, check_open_unit, check_positive, check_reduction, check_same_shape, first_below,
)

_LOG2 = math.log(2.0)


def _pair(pred, target, reduction):
    """Validate the common ``pred, target, reduction`` triple; return float64 arrays."""
    check_reduction(reduction)
    p = as_float_array(pred, "pred")
    t = as_float_array(target, "target")
    check_same_shape(p, t, "pred", "target")
    return p, t


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# Element-wise formulas, shared by several losses. Each takes blocks of pred and target (see
# reduce_elementwise: large inputs are evaluated a cache-sized block at a time).

def _squared_error(p, t):
    d = p - t
    return d * d  # the same bits as d ** 2 (numpy computes a square as d * d)


def _abs_error(p, t):
    return np.abs(p - t)


def _huber(a, delta):
    """Huber of the absolute residual ``a``: ``a*a/2`` up to ``delta``, ``delta*(a - delta/2)`` beyond.

    Written with ``m = min(a, delta)`` as ``m * (a - m/2)``, which is each branch exactly
    (``a - a/2`` is ``a/2`` without rounding), instead of ``np.where(a <= delta, ...)``: np.where
    computes both branches and, on residuals that fall on either side at random, costs three
    times as much (the CPU mispredicts its choice for every other element).
    """
    m = np.minimum(a, delta)  # NaN stays NaN
    return m * (a - 0.5 * m)


# --------------------------------------------------------------------------------------------
# MSE and L1
# --------------------------------------------------------------------------------------------

def mse_loss(pred, target, *, reduction="mean"):
    r"""Mean squared error.

    .. math::
        \ell(\hat y, y) = (\hat y - y)^2

    Same as ``torch.nn.functional.mse_loss``.

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Example:
        >>> float(mse_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.375
    """
    p, t = _pair(pred, target, reduction)
    return reduce_elementwise(_squared_error, (p, t), reduction)


def mse_loss_grad(pred, target, *, reduction="mean"):
    r"""Gradient of :func:`mse_loss` with respect to ``pred``: :math:`2(\hat y - y)`, scaled.

    For ``reduction="none"`` this is the gradient of ``loss.sum()``; for "mean" it is divided
    by the number of elements (as torch's autograd gives).

    Example:
        >>> mse_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]).tolist()
        [-0.25, 0.25, 0.0, 0.5]
    """
    p, t = _pair(pred, target, reduction)
    return grad_elementwise(lambda p, t: 2.0 * (p - t), (p, t), reduction)


def l1_loss(pred, target, *, reduction="mean"):
    r"""Mean absolute error (L1 loss).

    .. math::
        \ell(\hat y, y) = |\hat y - y|

    Same as ``torch.nn.functional.l1_loss``.

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Example:
        >>> float(l1_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.5
    """
    p, t = _pair(pred, target, reduction)
    return reduce_elementwise(_abs_error, (p, t), reduction)


def l1_loss_grad(pred, target, *, reduction="mean"):
    r"""Gradient of :func:`l1_loss` w.r.t. ``pred``: :math:`\operatorname{sign}(\hat y - y)`, scaled.

    At the kink :math:`\hat y = y` the subgradient 0 is returned, as torch does.

    Example:
        >>> l1_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], reduction="sum").tolist()
        [-1.0, 1.0, 0.0, 1.0]
    """
    p, t = _pair(pred, target, reduction)
    return grad_elementwise(lambda p, t: np.sign(p - t), (p, t), reduction)


# --------------------------------------------------------------------------------------------
# Huber and Smooth L1
# --------------------------------------------------------------------------------------------

def huber_loss(pred, target, *, delta=1.0, reduction="mean"):
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

    Example:
        >>> float(huber_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
        0.1875
    """
    delta = check_positive(delta, "delta")
    p, t = _pair(pred, target, reduction)

    def values(p, t):
        return _huber(_abs_error(p, t), delta)

    return reduce_elementwise(values, (p, t), reduction)


def huber_loss_grad(pred, target, *, delta=1.0, reduction="mean"):
    r"""Gradient of :func:`huber_loss` w.r.t. ``pred``: :math:`\operatorname{clip}(r, -\delta, \delta)`.

    Example:
        >>> huber_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], reduction="sum").tolist()
        [-0.5, 0.5, 0.0, 1.0]
    """
    delta = check_positive(delta, "delta")
    p, t = _pair(pred, target, reduction)
    return grad_elementwise(lambda p, t: np.clip(p - t, -delta, delta), (p, t), reduction)  # clip keeps NaN


def smooth_l1_loss(pred, target, *, beta=1.0, reduction="mean"):
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

    Example:
        >>> float(smooth_l1_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], beta=0.5))
        0.3125
    """
    beta = check_positive(beta, "beta")
    p, t = _pair(pred, target, reduction)

    def values(p, t):
        return _huber(_abs_error(p, t), beta) / beta

    return reduce_elementwise(values, (p, t), reduction)


def smooth_l1_loss_grad(pred, target, *, beta=1.0, reduction="mean"):
    r"""Gradient of :func:`smooth_l1_loss` w.r.t. ``pred``: :math:`\operatorname{clip}(r / \beta, -1, 1)`.

    Equal to ``huber_loss_grad(delta=beta) / beta``: slope 1 in the tails whatever ``beta``.

    Example:
        >>> smooth_l1_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], beta=0.5,
        ...                     reduction="sum").tolist()
        [-1.0, 1.0, 0.0, 1.0]
    """
    beta = check_positive(beta, "beta")
    p, t = _pair(pred, target, reduction)
    # r / beta may overflow to +-inf for a tiny beta; clip maps that to +-1 (and keeps NaN)
    return grad_elementwise(lambda p, t: np.clip((p - t) / beta, -1.0, 1.0), (p, t), reduction)


# --------------------------------------------------------------------------------------------
# log-cosh and quantile
# --------------------------------------------------------------------------------------------

def log_cosh_loss(pred, target, *, reduction="mean"):
    r"""Log-cosh loss: like :math:`\tfrac12 r^2` near zero and like :math:`|r| - \log 2` far out.

    .. math::
        \ell(r) = \log\cosh(r) = |r| + \log\!\left(1 + e^{-2|r|}\right) - \log 2,
        \qquad r = \hat y - y

    torch has no twin; the torch expression is ``torch.log(torch.cosh(r))`` (which overflows
    to ``inf`` for :math:`|r| \gtrsim 710`; the form used here stays finite).

    Args:
        pred, target: arrays of the same shape.
        reduction: "mean", "sum" or "none".

    Example:
        >>> round(float(log_cosh_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])), 6)
        0.168502
    """
    p, t = _pair(pred, target, reduction)

    def values(p, t):
        a = _abs_error(p, t)
        # cosh(r) overflows for |r| > ~710; exp(-2|r|) <= 1 never does, and log1p keeps small terms
        return a + log1p_unit(np.exp(-2.0 * a)) - _LOG2

    return reduce_elementwise(values, (p, t), reduction)


def log_cosh_loss_grad(pred, target, *, reduction="mean"):
    r"""Gradient of :func:`log_cosh_loss` w.r.t. ``pred``: :math:`\tanh(r)`, :math:`r = \hat y - y`.

    Like :math:`r` near zero and :math:`\pm 1` far out: log-cosh behaves like MSE for small
    residuals and like L1 for large ones. ``tanh`` never overflows (torch's autograd of
    ``torch.log(torch.cosh(r))`` gives NaN for :math:`|r| \gtrsim 710`; this gives :math:`\pm 1`).

    Example:
        >>> [round(g, 6) for g in log_cosh_loss_grad([1.0, 0.0, 50.0], [0.0, 0.0, 0.0],
        ...                                           reduction="none").tolist()]
        [0.761594, 0.0, 1.0]
    """
    p, t = _pair(pred, target, reduction)
    return grad_elementwise(lambda p, t: np.tanh(p - t), (p, t), reduction)


def quantile_loss(pred, target, *, q=0.5, reduction="mean"):
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

    Example:
        >>> float(quantile_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], q=0.9))
        0.15
    """
    q = check_open_unit(q, "q")
    p, t = _pair(pred, target, reduction)

    def values(p, t):
        r = t - p
        return np.maximum(q * r, (q - 1.0) * r)  # np.maximum propagates NaN

    return reduce_elementwise(values, (p, t), reduction)


def quantile_loss_grad(pred, target, *, q=0.5, reduction="mean"):
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

    Example:
        >>> quantile_loss_grad([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], q=0.75,
        ...                    reduction="sum").tolist()
        [-0.75, 0.25, 0.0, 0.25]
    """
    q = check_open_unit(q, "q")
    p, t = _pair(pred, target, reduction)

    def grad(p, t):
        d = p - t
        # masks times constants rather than nested np.where: -q, 1 - q and 0 come out exactly
        g = (d > 0) * (1.0 - q) - (d < 0) * q
        return np.where(np.isnan(d), np.nan, g)  # NaN policy: NaN in, NaN out

    return grad_elementwise(grad, (p, t), reduction)


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


def gaussian_nll_loss(pred, target, var, *, full=False, eps=1e-6, reduction="mean"):
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

    Example:
        >>> float(gaussian_nll_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0], 1.0))
        0.1875
    """
    full = _check_flag(full, "full")
    eps = check_positive(eps, "eps")
    p, t = _pair(pred, target, reduction)
    v = _gaussian_var(var, p.shape)

    def check(p, t, v):
        negative = first_below(v, 0.0)  # NaN is not below 0: it propagates instead
        if negative is not None:
            raise ValueError(
                f"var must be >= 0 (it is a variance), found {negative!r}; "
                "predict log-variance and exponentiate, or use softplus, to keep it positive"
            )

    def values(p, t, v):
        v = np.maximum(v, eps)  # clamp, as torch does (no gradient through the clamp in torch)
        out = 0.5 * (np.log(v) + _squared_error(p, t) / v)
        if full:
            out = out + 0.5 * math.log(2.0 * math.pi)
        return out

    if v.shape == p.shape:  # one variance per element, checked block by block while computing
        return reduce_elementwise(values, (p, t, v), reduction, check=(lambda p, t, v: v.min() >= 0, check))
    check(p, t, v)
    if v.ndim == 0:  # one variance for all
        return reduce_elementwise(lambda p, t: values(p, t, v), (p, t), reduction)
    return reduce(np.broadcast_to(values(p, t, v), p.shape), reduction)


def poisson_nll_loss(pred, target, *, log_input=True, full=False, eps=1e-8, reduction="mean"):
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

    Example:
        >>> round(float(poisson_nll_loss([0.0, 1.0], [1.0, 2.0])), 6)
        0.859141
    """
    log_input = _check_flag(log_input, "log_input")
    full = _check_flag(full, "full")
    eps = check_positive(eps, "eps")
    p, t = _pair(pred, target, reduction)

    def check(p, t):
        negative = first_below(t, 0.0)
        if negative is not None:
            raise ValueError(f"target must hold counts >= 0, found {negative!r}")
        if not log_input:
            negative = first_below(p, 0.0)
            if negative is not None:
                raise ValueError(
                    f"pred must be a rate >= 0 when log_input=False, found {negative!r}; "
                    "pass log-rates with log_input=True instead"
                )

    def ok(p, t):  # fast test for a block (NaN fails it; check() then lets NaN through)
        return t.min() >= 0 and (log_input or p.min() >= 0)

    def values(p, t):
        if log_input:
            with np.errstate(over="ignore"):  # exp(710) -> inf, as in torch
                out = np.exp(p) - t * p
        else:
            out = p - t * np.log(p + eps)
        if full:
            safe = np.where(t > 1, t, 2.0)  # evaluate the term only where it is used: no log(0)
            stirling = safe * np.log(safe) - safe + 0.5 * np.log(2.0 * math.pi * safe)
            out = out + np.where(t > 1, stirling, 0.0)  # a NaN target is NaN already
        return out

    return reduce_elementwise(values, (p, t), reduction, check=(ok, check))


__all__ = [
    "mse_loss", "mse_loss_grad", "l1_loss", "l1_loss_grad", "huber_loss", "huber_loss_grad",
    "smooth_l1_loss", "smooth_l1_loss_grad", "log_cosh_loss", "log_cosh_loss_grad",
    "quantile_loss", "quantile_loss_grad", "gaussian_nll_loss", "poisson_nll_loss",
]
