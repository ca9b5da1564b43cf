r"""Chapter 1, "What a loss is": its synthetic data and the compute behind its two widgets.

The chapter itself writes out what it teaches (the line-fit gradient, gradient descent, accuracy,
the ridge solve, weight decay); this module only holds what a reader need not study:

- the line to fit: :func:`line_data` (seeded) and the chapter's 20 points :data:`LINE_X`, :data:`LINE_Y`;
- the line widget :func:`line_fit` with its slider grids :data:`W_GRID`, :data:`B_GRID`, and
  :func:`best_grid_fit` (the best slider setting, which exercise 4 asks for);
- the over-capacity data :func:`poly_data` and the L2 widget :func:`ridge_explorer`.
"""

from __future__ import annotations

import numpy as np

from lossutils.course.data import poly_features, ridge_fit

__all__ = [
    "TRUE_W", "TRUE_B", "line_data", "LINE_X", "LINE_Y", "line_loss_and_grad",
    "W_GRID", "B_GRID", "grid_values", "line_fit", "best_grid_fit",
    "POLY_DEGREE", "poly_data", "LOG_LAMBDA_GRID", "ridge_explorer",
]

TRUE_W, TRUE_B = 2.0, 1.0  # the line the data come from: y = 2x + 1 + noise


def line_data(n: int = 20, *, noise: float = 0.5, seed: int = 0):
    """``n`` points ``x`` uniform in [-1, 2] and ``y = 2x + 1 + N(0, noise²)``, seeded.

    >>> x, y = line_data(5)
    >>> x.shape, y.shape
    ((5,), (5,))
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 2.0, size=int(n))
    return x, TRUE_W * x + TRUE_B + rng.normal(0.0, noise, size=int(n))


LINE_X, LINE_Y = line_data(20)  # the chapter's line data (the widget uses it)


def line_loss_and_grad(w, b, x, y):
    r"""``(MSE, dL/dw, dL/db)`` of the line ``w*x + b`` on ``(x, y)``: the formulas of the chapter.

    >>> line_loss_and_grad(1.0, 1.0, [0.0, 1.0, 2.0], [1.0, 3.0, 4.0])
    (0.6666666666666666, -2.0, -1.3333333333333333)
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    r = w * x + b - y
    return float(np.mean(r**2)), float(2 * np.mean(r * x)), float(2 * np.mean(r))


# slider grids of the line widget: (min, max, step)
W_GRID = (-1.0, 4.0, 0.25)
B_GRID = (-1.0, 3.0, 0.25)


def grid_values(grid) -> np.ndarray:
    """The values ``min, min + step, ..., max`` of a slider grid ``(min, max, step)``.

    >>> grid_values((0.0, 1.0, 0.25)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    lo, hi, step = (float(v) for v in grid)
    return np.round(lo + step * np.arange(int(round((hi - lo) / step)) + 1), 12)


_XS = np.array([-1.2, 2.2])                  # the model line is drawn over this x range
_WS = np.linspace(W_GRID[0], W_GRID[1], 41)  # the loss slice is drawn over these slopes


def line_fit(w: float = 0.0, b: float = 0.0) -> dict:
    """Widget compute: the line ``w*x + b`` against :data:`LINE_X`, :data:`LINE_Y`.

    Panels: ``"fit"`` (data, model line, residuals), ``"slice"`` (the MSE as ``w`` varies with ``b``
    held, the current point and its tangent, whose slope is ∂L/∂w) and ``"grad"`` (bars of the MSE
    and both partial derivatives); ``"text"`` is a readout of the three numbers.
    """
    from lossutils.widgets import Bars, Line, Points

    x, y = LINE_X, LINE_Y
    loss, gw, gb = line_loss_and_grad(w, b, x, y)
    nan = np.full_like(x, np.nan)  # residuals as one polyline with gaps
    rx = np.column_stack([x, x, nan]).ravel()
    ry = np.column_stack([y, w * x + b, nan]).ravel()
    slice_loss = np.mean((_WS[:, None] * x + b - y) ** 2, axis=1)
    tw = np.clip([w - 1.0, w + 1.0], _WS[0], _WS[-1])
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


def best_grid_fit() -> tuple[float, float, float]:
    """The slider setting ``(w, b)`` of :func:`line_fit` with the smallest MSE, and that MSE.

    >>> w, b, loss = best_grid_fit()
    >>> (w, b, round(loss, 3))
    (2.0, 1.0, 0.122)
    """
    best = min((line_loss_and_grad(w, b, LINE_X, LINE_Y)[0], float(w), float(b))
               for w in grid_values(W_GRID) for b in grid_values(B_GRID))
    return best[1], best[2], best[0]


POLY_DEGREE = 11  # 11 weights + a bias for 12 training points: enough to interpolate them


def poly_data(n_train: int = 12, n_val: int = 200, *, noise: float = 0.3, seed: int = 3):
    """Few noisy training points and many validation points of ``y = sin(πx) + noise``, x in [-1, 1].

    Returns ``x_train, y_train, x_val, y_val`` (training x sorted), seeded.

    >>> xt, yt, xv, yv = poly_data()
    >>> xt.shape, xv.shape
    ((12,), (200,))
    """
    rng = np.random.default_rng(seed)
    xt = np.sort(rng.uniform(-1.0, 1.0, int(n_train)))
    yt = np.sin(np.pi * xt) + rng.normal(0.0, noise, int(n_train))
    xv = rng.uniform(-1.0, 1.0, int(n_val))
    yv = np.sin(np.pi * xv) + rng.normal(0.0, noise, int(n_val))
    return xt, yt, xv, yv


LOG_LAMBDA_GRID = (-8.0, 0.0, 0.5)  # slider over log10(λ) of the ridge widget
_XT, _YT, _XV, _YV = poly_data()
_FT, _FV = poly_features(_XT, POLY_DEGREE), poly_features(_XV, POLY_DEGREE)
_XGRID = np.linspace(-1.0, 1.0, 121)
_FGRID = poly_features(_XGRID, POLY_DEGREE)


def _ridge_frame(log_lam: float):
    w, b = ridge_fit(_FT, _YT, lam=10.0 ** float(log_lam))
    return w, b, float(np.mean((_FT @ w + b - _YT) ** 2)), float(np.mean((_FV @ w + b - _YV) ** 2))


_LOGLAMS = grid_values(LOG_LAMBDA_GRID)
_CURVES = np.array([_ridge_frame(v)[2:] for v in _LOGLAMS])  # (training, validation) MSE per λ


def ridge_explorer(log_lam: float = -4.0) -> dict:
    """Widget compute: the degree-11 polynomial fitted with L2 penalty λ = 10**log_lam.

    Panels: ``"fit"`` (training and validation points, the true curve, the fit) and ``"loss"``
    (training and validation MSE over log10 λ, a marker at the current λ).

    >>> ridge_explorer(-2.0)["text"].startswith("λ = 1e-02")
    True
    """
    from lossutils.widgets import Line, Points, VLine

    w, b, tr, va = _ridge_frame(log_lam)
    return {
        "fit": [
            Points(_XV, _YV, label="validation", color="sky"),
            Points(_XT, _YT, label="training", color="black"),
            Line(_XGRID, np.sin(np.pi * _XGRID), label="truth sin(πx)", color="grey", style="dashed"),
            Line(_XGRID, _FGRID @ w + b, label="fit", color="orange"),
        ],
        "loss": [
            Line(_LOGLAMS, _CURVES[:, 0], label="training MSE", color="black"),
            Line(_LOGLAMS, _CURVES[:, 1], label="validation MSE", color="blue"),
            VLine(float(log_lam), label="current λ", color="orange", style="dotted"),
        ],
        "text": (f"λ = {10.0 ** float(log_lam):.0e}    training MSE = {tr:.4f}    "
                 f"validation MSE = {va:.4f}    ‖w‖ = {np.linalg.norm(w):.2f}"),
    }
