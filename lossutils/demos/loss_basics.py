r"""Data, compute and widget helpers of chapter 1, "What a loss is".

Pure numpy: numbers in, numbers (or widget plot primitives) out. Nothing here imports torch or
matplotlib; the widget primitives are imported inside the widget compute functions, so the numeric
helpers work without :mod:`lossutils.widgets`.

What is here:

- a line to fit: :func:`line_data` (seeded), :func:`line_loss_and_grad` (MSE of ``w*x + b`` and its
  gradient by the chain rule) and the widget :func:`line_fit` with its slider grids
  (:data:`W_GRID`, :data:`B_GRID`) and :func:`best_grid_fit`;
- the fraud story: :func:`fraud_data` (0.2 % positives), :func:`accuracy`,
  :func:`accuracy_along` and :func:`accuracy_and_log_loss` along one weight;
- over-capacity and L2: :func:`poly_data`, :func:`poly_features`, :func:`ridge_objective` (MSE +
  λ‖w‖², the bias not penalised) with :func:`ridge_objective_grad`, :func:`ridge_fit` (exact),
  :func:`ridge_path`, :func:`weight_decay_for`, and the widget :func:`ridge_explorer`;
- :func:`residual_segments`: vertical residual bars as one polyline with gaps.
"""

from __future__ import annotations

import numpy as np

from lossutils import binary_cross_entropy_with_logits, mse_loss, mse_loss_grad
from lossutils._validation import as_float_array, check_not_empty, check_same_shape
from lossutils.demos import _data

__all__ = [
    "TRUE_W", "TRUE_B", "line_data", "LINE_X", "LINE_Y", "line_loss_and_grad", "residual_segments",
    "W_GRID", "B_GRID", "grid_values", "line_fit", "best_grid_fit",
    "FRAUD_RATE", "fraud_data", "accuracy", "accuracy_along", "accuracy_and_log_loss",
    "poly_data", "poly_features", "POLY_DEGREE", "ridge_objective", "ridge_objective_grad", "ridge_fit",
    "ridge_path", "weight_decay_for", "LOG_LAMBDA_GRID", "ridge_explorer",
]


def _vec(x, name):
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}; pass a flat array (arr.ravel())")
    return arr


def _xy(x, y):
    x, y = _vec(x, "x"), _vec(y, "y")
    check_same_shape(x, y, "x", "y")
    check_not_empty(x, "x")
    return x, y


def _finite(value, name):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    return v


# --------------------------------------------------------------------------------------------
# A line to fit
# --------------------------------------------------------------------------------------------

TRUE_W, TRUE_B = 2.0, 1.0  # the line the data come from: y = 2x + 1 + noise


def line_data(n: int = 20, *, noise: float = 0.5, seed: int = 0):
    """``n`` points ``x`` uniform in [-1, 2] and ``y = 2x + 1 + N(0, noise²)``, seeded.

    >>> x, y = line_data(5)
    >>> x.shape, y.shape
    ((5,), (5,))
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 2.0, size=int(n))
    y = TRUE_W * x + TRUE_B + rng.normal(0.0, noise, size=int(n))
    return x, y


LINE_X, LINE_Y = line_data(20)  # the chapter's line data (the widget uses it)


def line_loss_and_grad(w, b, x, y):
    r"""MSE of the line ``w*x + b`` on ``(x, y)`` and its gradient with respect to ``w`` and ``b``.

    .. math::
        L = \frac1N\sum_i (w x_i + b - y_i)^2,\qquad
        \frac{\partial L}{\partial w} = \frac2N\sum_i r_i x_i,\qquad
        \frac{\partial L}{\partial b} = \frac2N\sum_i r_i

    computed by the chain rule from :func:`lossutils.mse_loss_grad` (the gradient with respect to
    the predictions). Returns three floats ``(loss, dL/dw, dL/db)``.

    >>> line_loss_and_grad(1.0, 1.0, [0.0, 1.0, 2.0], [1.0, 3.0, 4.0])
    (0.6666666666666666, -2.0, -1.3333333333333333)
    """
    x, y = _xy(x, y)
    w, b = _finite(w, "w"), _finite(b, "b")
    pred = w * x + b
    g = mse_loss_grad(pred, y)  # dL/dpred_i = 2 r_i / N
    return float(mse_loss(pred, y)), float(np.sum(g * x)), float(np.sum(g))


def residual_segments(x, y, pred):
    """Vertical segments from each ``(x_i, y_i)`` to ``(x_i, pred_i)`` as one polyline with NaN gaps.

    >>> xs, ys = residual_segments([0.0, 1.0], [1.0, 2.0], [1.5, 1.0])
    >>> xs.tolist()[:3], ys.tolist()[:2]
    ([0.0, 0.0, nan], [1.0, 1.5])
    """
    x, y = _xy(x, y)
    pred = _vec(pred, "pred")
    check_same_shape(pred, y, "pred", "y")
    nan = np.full_like(x, np.nan)
    return np.column_stack([x, x, nan]).ravel(), np.column_stack([y, pred, nan]).ravel()


# slider grids of the line widget: (min, max, step)
W_GRID = (-1.0, 4.0, 0.25)
B_GRID = (-1.0, 3.0, 0.25)


def grid_values(grid) -> np.ndarray:
    """The values ``min, min + step, ..., max`` of a slider grid ``(min, max, step)``.

    >>> grid_values((0.0, 1.0, 0.25)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    lo, hi, step = (float(v) for v in grid)
    if not step > 0 or not hi > lo:
        raise ValueError(f"grid must be (min, max, step) with max > min and step > 0, got {grid!r}")
    return np.round(lo + step * np.arange(int(round((hi - lo) / step)) + 1), 12)


_XS = np.array([-1.2, 2.2])            # the model line is drawn over this x range
_WS = np.linspace(W_GRID[0], W_GRID[1], 41)  # the loss slice is drawn over these slopes
_TANGENT_HALF = 1.0                    # half-width of the tangent segment, in units of w


def line_fit(w: float = 0.0, b: float = 0.0) -> dict:
    """Widget compute: the line ``w*x + b`` against :data:`LINE_X`, :data:`LINE_Y`.

    Panels: ``"fit"`` (data, model line, residuals), ``"slice"`` (the MSE as a function of ``w`` with
    ``b`` held, the current point and its tangent, whose slope is ∂L/∂w) and ``"grad"`` (bars of the
    MSE and both partial derivatives); ``"text"`` is a readout of the three numbers.
    """
    from lossutils.widgets import Bars, Line, Points

    x, y = LINE_X, LINE_Y
    loss, gw, gb = line_loss_and_grad(w, b, x, y)
    pred = w * x + b
    rx, ry = residual_segments(x, y, pred)
    # the MSE at every slope of the slice at once (same formula as line_loss_and_grad, vectorised)
    slice_loss = np.mean((_WS[:, None] * x[None, :] + b - y[None, :]) ** 2, axis=1)
    tw = np.clip([w - _TANGENT_HALF, w + _TANGENT_HALF], _WS[0], _WS[-1])  # stay inside the slice
    return {
        "fit": [
            Line(rx, ry, label="residual ŷ − y", color="vermillion", style="dotted"),
            Points(x, y, label="data", color="blue"),
            Line(_XS, w * _XS + b, label="model ŷ = w·x + b", color="orange"),
        ],
        "slice": [
            Line(_WS, slice_loss, label="MSE as w varies (b held)", color="blue"),
            Line(tw, loss + gw * (tw - w), label="tangent: slope ∂L/∂w", color="vermillion", style="dashed"),
            Points([w], [loss], label="current w", color="black"),
        ],
        "grad": [Bars(["MSE", "∂L/∂w", "∂L/∂b"], [loss, gw, gb], label="value", color="green")],
        "text": f"MSE = {loss:.3f}    ∂L/∂w = {gw:+.3f}    ∂L/∂b = {gb:+.3f}",
    }


def best_grid_fit(x=None, y=None) -> tuple[float, float, float]:
    """The slider setting ``(w, b)`` of :func:`line_fit` with the smallest MSE, and that MSE.

    >>> w, b, loss = best_grid_fit()
    >>> (w, b) in [(float(a), float(c)) for a in grid_values(W_GRID) for c in grid_values(B_GRID)]
    True
    """
    x = LINE_X if x is None else x
    y = LINE_Y if y is None else y
    best = min((line_loss_and_grad(w, b, x, y)[0], float(w), float(b))
               for w in grid_values(W_GRID) for b in grid_values(B_GRID))
    return best[1], best[2], best[0]


# --------------------------------------------------------------------------------------------
# The fraud story
# --------------------------------------------------------------------------------------------

FRAUD_RATE = 0.002


def fraud_data(n: int = 10_000, *, rate: float = FRAUD_RATE, shift: float = 3.0, seed: int = 0):
    """Synthetic transactions: one feature ``x`` (a risk score) and a label ``y`` (1 = fraud).

    Exactly ``round(rate * n)`` transactions are fraud; legitimate ones have ``x ~ N(0, 1)``, fraud
    ``x ~ N(shift, 1)``. Shuffled, seeded. (:func:`lossutils.demos._data.fraud_data` with
    ``exact_count=True``.)

    >>> x, y = fraud_data(10_000)
    >>> int(y.sum()), float(y.mean())
    (20, 0.002)
    """
    return _data.fraud_data(n, rate=rate, shift=shift, seed=seed, exact_count=True)


def accuracy(logits, target) -> float:
    """Fraction of examples whose predicted class (logit > 0 means 1) equals ``target`` (0/1).

    >>> accuracy([-2.0, 0.5, 3.0], [0, 0, 1])
    0.6666666666666666
    """
    z = as_float_array(logits, "logits")
    t = as_float_array(target, "target")
    check_same_shape(z, t, "logits", "target")
    check_not_empty(z, "logits")
    return float(np.mean((z > 0).astype(np.float64) == t))


def _chunks(ws, n):
    step = max(1, 2_000_000 // max(n, 1))  # about 16 MB of logits at a time
    return (slice(i, i + step) for i in range(0, ws.size, step))


def accuracy_along(ws, x, y, *, b: float) -> np.ndarray:
    """Accuracy of the model ``logit = w*x + b`` for each ``w`` in ``ws`` (same rule as :func:`accuracy`).

    >>> accuracy_along([-1.0, 1.0], [1.0, -1.0], [1.0, 0.0], b=0.0).tolist()
    [0.0, 1.0]
    """
    ws = _vec(ws, "ws")
    x, y = _xy(x, y)
    b = _finite(b, "b")
    acc = np.empty(ws.size)
    for sl in _chunks(ws, x.size):
        z = ws[sl, None] * x[None, :] + b
        acc[sl] = np.mean((z > 0).astype(np.float64) == y[None, :], axis=1)
    return acc


def accuracy_and_log_loss(ws, x, y, *, b: float):
    """Accuracy and mean log loss (BCE with logits) of the model ``logit = w*x + b`` for each ``w``.

    Returns two arrays of the shape of ``ws``; the log loss is
    :func:`lossutils.binary_cross_entropy_with_logits`, computed for many weights at once.

    >>> acc, ll = accuracy_and_log_loss([0.0], [1.0, -1.0], [1.0, 0.0], b=0.0)
    >>> float(acc[0]), round(float(ll[0]), 6)
    (0.5, 0.693147)
    """
    ws = _vec(ws, "ws")
    x, y = _xy(x, y)
    b = _finite(b, "b")
    ll = np.empty(ws.size)
    for sl in _chunks(ws, x.size):
        z = ws[sl, None] * x[None, :] + b
        ll[sl] = np.mean(binary_cross_entropy_with_logits(z, np.broadcast_to(y, z.shape), reduction="none"), axis=1)
    return accuracy_along(ws, x, y, b=b), ll


# --------------------------------------------------------------------------------------------
# Over-capacity and L2 regularisation
# --------------------------------------------------------------------------------------------

POLY_DEGREE = 11  # 11 weights + a bias for 12 training points: enough to interpolate them


def _truth(x):
    return np.sin(np.pi * x)


def poly_data(n_train: int = 12, n_val: int = 200, *, noise: float = 0.3, seed: int = 3):
    """Few noisy training points and many validation points of ``y = sin(πx) + noise``, x in [-1, 1].

    Returns ``x_train, y_train, x_val, y_val`` (training x sorted), seeded.

    >>> xt, yt, xv, yv = poly_data()
    >>> xt.shape, xv.shape
    ((12,), (200,))
    """
    for name, v in (("n_train", n_train), ("n_val", n_val)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    rng = np.random.default_rng(seed)
    xt = np.sort(rng.uniform(-1.0, 1.0, int(n_train)))
    yt = _truth(xt) + rng.normal(0.0, noise, int(n_train))
    xv = rng.uniform(-1.0, 1.0, int(n_val))
    yv = _truth(xv) + rng.normal(0.0, noise, int(n_val))
    return xt, yt, xv, yv


def poly_features(x, degree: int = POLY_DEGREE) -> np.ndarray:
    """Legendre polynomials ``P_1(x) .. P_degree(x)`` as columns (no constant column: that is the bias).

    Legendre rather than plain powers ``x, x², ...``: on [-1, 1] the columns are far less
    correlated, so gradient descent and the linear solves stay well conditioned.

    >>> poly_features([0.5], 2).round(3).tolist()
    [[0.5, -0.125]]
    """
    x = _vec(x, "x")
    if int(degree) != degree or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    return np.polynomial.legendre.legvander(x, int(degree))[:, 1:]


def _ridge_args(w, b, X, y, lam):
    w = _vec(w, "w")
    X = as_float_array(X, "X")
    y = _vec(y, "y")
    if X.ndim != 2:
        raise ValueError(f"X must be a matrix (N, D), got shape {X.shape}")
    if X.shape != (y.size, w.size):
        raise ValueError(f"X has shape {X.shape} but y has {y.size} values and w has {w.size}; "
                         f"X must be (len(y), len(w))")
    lam = _finite(lam, "lam")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0 (a penalty strength), got {lam!r}")
    return w, _finite(b, "b"), X, y, lam


def ridge_objective(w, b, X, y, *, lam: float) -> float:
    r"""The L2-regularised training loss of the linear model ``X @ w + b``.

    .. math::
        L(w, b) = \frac1N\sum_i (x_i^\top w + b - y_i)^2 + \lambda \lVert w\rVert^2

    The bias ``b`` is not penalised (it only shifts the curve up or down).

    >>> ridge_objective([1.0, 2.0], 0.5, [[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0], lam=0.1)
    0.75
    """
    w, b, X, y, lam = _ridge_args(w, b, X, y, lam)
    return float(mse_loss(X @ w + b, y)) + lam * float(w @ w)


def ridge_objective_grad(w, b, X, y, *, lam: float):
    r"""Gradient of :func:`ridge_objective`: ``(dL/dw, dL/db)``, with dL/dw = (2/N) Xᵀr + 2λw.

    >>> gw, gb = ridge_objective_grad([1.0, 2.0], 0.5, [[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0], lam=0.1)
    >>> gw.tolist(), gb
    ([0.7, 0.9], 1.0)
    """
    w, b, X, y, lam = _ridge_args(w, b, X, y, lam)
    g = mse_loss_grad(X @ w + b, y)
    return X.T @ g + 2.0 * lam * w, float(g.sum())


def ridge_fit(X, y, *, lam: float):
    r"""The exact minimiser ``(w, b)`` of :func:`ridge_objective`.

    Setting the gradient to zero gives the linear system
    :math:`\big(\tfrac1N A^\top A + \lambda\,\mathrm{diag}(1, \dots, 1, 0)\big)\,\theta = \tfrac1N A^\top y`
    with :math:`A = [X\ \mathbf 1]` and :math:`\theta = (w, b)`. ``lam = 0`` gives least squares
    (the minimum-norm solution if it is not unique).

    >>> w, b = ridge_fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], lam=0.0)
    >>> w.round(6).tolist(), round(b, 6)
    ([2.0], 1.0)
    """
    X = as_float_array(X, "X")
    y = _vec(y, "y")
    if X.ndim != 2 or X.shape[0] != y.size:
        raise ValueError(f"X must be a matrix (len(y), D) = ({y.size}, D), got shape {X.shape}")
    lam = _finite(lam, "lam")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0 (a penalty strength), got {lam!r}")
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    if lam == 0:
        theta = np.linalg.lstsq(A, y, rcond=None)[0]
    else:
        P = np.diag(np.r_[np.full(d, lam), 0.0])
        theta = np.linalg.solve(A.T @ A / n + P, A.T @ y / n)
    return theta[:d], float(theta[d])


def ridge_path(lams, x_train, y_train, x_val, y_val, *, degree: int = POLY_DEGREE) -> dict:
    """Fit the degree-``degree`` polynomial with each λ in ``lams``; report what changes.

    Returns a dict of arrays over ``lams``: ``"train"`` and ``"val"`` (plain MSE, no penalty),
    ``"objective"`` (the training objective MSE + λ‖w‖²) and ``"norm"`` (‖w‖).
    """
    lams = _vec(lams, "lams")
    Xt, Xv = poly_features(x_train, degree), poly_features(x_val, degree)
    out = {k: [] for k in ("train", "val", "objective", "norm")}
    for lam in lams:
        w, b = ridge_fit(Xt, y_train, lam=lam)
        out["train"].append(float(mse_loss(Xt @ w + b, as_float_array(y_train))))
        out["val"].append(float(mse_loss(Xv @ w + b, as_float_array(y_val))))
        out["objective"].append(ridge_objective(w, b, Xt, y_train, lam=lam))
        out["norm"].append(float(np.linalg.norm(w)))
    return {k: np.array(v) for k, v in out.items()}


def weight_decay_for(lam: float) -> float:
    """The ``weight_decay`` of ``torch.optim.SGD`` that equals adding ``lam * ‖w‖²`` to the loss.

    SGD's weight decay adds ``weight_decay * w`` to the gradient, and the gradient of ``λ‖w‖²`` is
    ``2λw``: so ``weight_decay = 2λ`` (a ``λ/2 ‖w‖²`` convention would give ``weight_decay = λ``).

    >>> weight_decay_for(0.01)
    0.02
    """
    lam = _finite(lam, "lam")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0 (a penalty strength), got {lam!r}")
    return 2.0 * lam


LOG_LAMBDA_GRID = (-8.0, 0.0, 0.5)  # slider over log10(λ) of the ridge widget
_POLY = poly_data()
_XGRID = np.linspace(-1.0, 1.0, 121)


def _ridge_curves():
    xt, yt, xv, yv = _POLY
    lams = 10.0 ** grid_values(LOG_LAMBDA_GRID)
    return grid_values(LOG_LAMBDA_GRID), ridge_path(lams, xt, yt, xv, yv)


_RIDGE_LOGLAM, _RIDGE_PATH = _ridge_curves()


def ridge_explorer(log_lam: float = -4.0) -> dict:
    """Widget compute: the degree-11 polynomial fitted with L2 penalty λ = 10**log_lam.

    Panels: ``"fit"`` (training and validation points, the true curve, the fit) and ``"loss"``
    (training and validation MSE over log10 λ, a marker at the current λ).
    """
    from lossutils.widgets import Line, Points, VLine

    xt, yt, xv, yv = _POLY
    lam = 10.0 ** float(log_lam)
    w, b = ridge_fit(poly_features(xt), yt, lam=lam)
    fit = poly_features(_XGRID) @ w + b
    tr = float(mse_loss(poly_features(xt) @ w + b, yt))
    va = float(mse_loss(poly_features(xv) @ w + b, yv))
    return {
        "fit": [
            Points(xv, yv, label="validation", color="sky"),
            Points(xt, yt, label="training", color="black"),
            Line(_XGRID, _truth(_XGRID), label="truth sin(πx)", color="grey", style="dashed"),
            Line(_XGRID, fit, label="fit", color="orange"),
        ],
        "loss": [
            Line(_RIDGE_LOGLAM, _RIDGE_PATH["train"], label="training MSE", color="black"),
            Line(_RIDGE_LOGLAM, _RIDGE_PATH["val"], label="validation MSE", color="blue"),
            VLine(float(log_lam), label="current λ", color="orange", style="dotted"),
        ],
        "text": f"λ = {lam:.0e}    training MSE = {tr:.4f}    validation MSE = {va:.4f}    ‖w‖ = {np.linalg.norm(w):.2f}",
    }
