r"""Chapter 2, "Regression losses": its synthetic data and the compute behind its three widgets.

The chapter itself writes out the six losses and their gradients, the best constant prediction,
the noise models and the line fits (least squares, IRLS for Huber, exact L1); this module only
holds what a reader need not study:

- seeded data: :func:`skewed_sample` (waiting times), :func:`outlier_line_data` (a line with three
  outliers), :func:`heteroscedastic_data`, :func:`count_data`;
- widget compute: :func:`threshold_curves` (Huber δ against Smooth L1 β), :func:`quantile_fit`
  (pinball q) and :func:`outlier_fit` (outlier size and δ against the fitted lines), with compact
  copies of the chapter's three line fits (:func:`line_fits`), which the widget redraws for every
  setting.
"""

from __future__ import annotations

import numpy as np

from lossutils import huber_loss, huber_loss_grad, quantile_loss, smooth_l1_loss, smooth_l1_loss_grad

__all__ = [
    "skewed_sample", "TRUE_INTERCEPT", "TRUE_SLOPE", "outlier_line_data", "line_fits", "DELTAS",
    "outlier_fit", "closest_huber_delta", "threshold_curves", "quantile_fit",
    "heteroscedastic_data", "count_data",
]


def skewed_sample(n: int = 101, seed: int = 0) -> np.ndarray:
    """A right-skewed sample (log-normal waiting times, minutes) whose mean, median and upper
    quantiles are far apart.

    >>> w = skewed_sample()
    >>> w.size, bool(w.mean() > np.median(w))
    (101, True)
    """
    return np.exp(np.random.default_rng(seed).normal(1.5, 0.6, size=int(n)))


TRUE_INTERCEPT, TRUE_SLOPE = 1.0, 0.5
_RNG = np.random.default_rng(2)
_X = np.sort(_RNG.uniform(0.0, 10.0, size=20))
_Y = TRUE_INTERCEPT + TRUE_SLOPE * _X + _RNG.normal(0.0, 0.5, size=20)
_OUTLIERS = np.array([15, 17, 19])  # three points on the right: high leverage


def outlier_line_data(outlier: float = 10.0):
    r"""Twenty seeded points near the line :math:`y = 1 + 0.5x` (noise sd 0.5), of which three on
    the right are pushed up by ``outlier``. Returns ``(x, y, is_outlier)``.

    >>> x, y, out = outlier_line_data(15.0)
    >>> x.size, int(out.sum())
    (20, 3)
    """
    y = _Y.copy()
    y[_OUTLIERS] += float(outlier)
    mask = np.zeros(_X.size, dtype=bool)
    mask[_OUTLIERS] = True
    return _X.copy(), y, mask


def line_fits(x, y, *, delta: float = 1.0) -> dict:
    """``{"MSE": (a, b), "Huber": (a, b), "MAE": (a, b)}``: intercept and slope of the exact minimisers.

    Least squares; Huber by iteratively reweighted least squares (IRLS) from the L1 line; the L1
    line as the best line through two data points. The chapter writes each of them out.

    >>> fits = line_fits([0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 10.0])
    >>> [round(v, 6) for v in fits["MAE"]]
    [1.0, 1.0]
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    A = np.column_stack([np.ones_like(x), x])
    mse = np.linalg.lstsq(A, y, rcond=None)[0]
    i, j = np.triu_indices(x.size, 1)
    i, j = i[x[i] != x[j]], j[x[i] != x[j]]
    slope = (y[j] - y[i]) / (x[j] - x[i])
    inter = y[i] - slope * x[i]
    k = int(np.argmin(np.abs(inter[:, None] + slope[:, None] * x - y).sum(axis=1)))
    theta = mae = np.array([inter[k], slope[k]])
    for _ in range(500):
        r = np.abs(A @ theta - y)
        wt = np.minimum(1.0, delta / np.maximum(r, 1e-300))
        new = np.linalg.solve(A.T @ (wt[:, None] * A), A.T @ (wt * y))
        done = np.max(np.abs(new - theta)) < 1e-12 * max(1.0, np.max(np.abs(new)))
        theta = new
        if done:
            break
    return {name: (float(v[0]), float(v[1])) for name, v in (("MSE", mse), ("Huber", theta), ("MAE", mae))}


DELTAS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


def outlier_fit(outlier: float = 10.0, delta: float = 1.0) -> dict:
    """Widget compute: the data of :func:`outlier_line_data` and the lines fitted under MSE,
    Huber(δ) and MAE, plus a bar chart of the fitted slopes against the true one."""
    from lossutils.widgets import Bars, Line, Points

    x, y, mask = outlier_line_data(outlier)
    fits = line_fits(x, y, delta=delta)
    xs = np.array([0.0, 10.0])
    style = {"MSE": ("blue", "solid"), "Huber": ("orange", "dashed"), "MAE": ("green", "solid")}
    return {
        "fit": [
            Points(x[~mask], y[~mask], label="data", color="grey"),
            Points(x[mask], y[mask], label="outliers", color="vermillion"),
            Line(xs, TRUE_INTERCEPT + TRUE_SLOPE * xs, label="true line", color="black", style="dotted"),
            *(Line(xs, a + b * xs, label=f"{name} fit", color=style[name][0], style=style[name][1])
              for name, (a, b) in fits.items()),
        ],
        "slopes": [Bars(["true", "MSE", "Huber", "MAE"],
                        [TRUE_SLOPE] + [fits[k][1] for k in ("MSE", "Huber", "MAE")], label="fitted slope")],
        "text": (f"slope: true {TRUE_SLOPE:.3f} | MSE {fits['MSE'][1]:.3f} | "
                 f"Huber(δ={delta:g}) {fits['Huber'][1]:.3f} | MAE {fits['MAE'][1]:.3f}"),
    }


def closest_huber_delta(outlier: float, *, tol: float = 0.1) -> float:
    """The largest δ in :data:`DELTAS` whose Huber slope is within ``tol`` of the true slope.

    >>> closest_huber_delta(25.0)
    0.5
    """
    x, y, _ = outlier_line_data(outlier)
    return max(d for d in DELTAS if abs(line_fits(x, y, delta=d)["Huber"][1] - TRUE_SLOPE) <= tol)


_R = np.linspace(-4.0, 4.0, 161)
_ZERO = np.zeros_like(_R)


def threshold_curves(threshold: float = 1.0) -> dict:
    """Widget compute: Huber with δ = ``threshold`` and Smooth L1 with β = ``threshold`` beside
    |r| and ½r², loss and gradient."""
    from lossutils.widgets import Line

    t = float(threshold)
    hub = huber_loss(_R, _ZERO, delta=t, reduction="none")
    sl1 = smooth_l1_loss(_R, _ZERO, beta=t, reduction="none")
    ref = [("½ r²", 0.5 * _R**2, _R, "grey"), ("MAE |r|", np.abs(_R), np.sign(_R), "black")]
    ours = [("Huber (δ)", hub, huber_loss_grad(_R, _ZERO, delta=t, reduction="none"), "green", "solid"),
            ("Smooth L1 (β)", sl1, smooth_l1_loss_grad(_R, _ZERO, beta=t, reduction="none"),
             "vermillion", "dashed")]
    panels = {}
    for key, k in (("loss", 1), ("grad", 2)):
        panels[key] = ([Line(_R, c[k], label=c[0], color=c[3], style="dotted") for c in ref]
                       + [Line(_R, c[k], label=c[0], color=c[3], style=c[4]) for c in ours])
    gap = float(np.max(np.abs(hub - t * sl1)))
    panels["text"] = (f"δ = β = {t:g}: Huber tail slope {t:g}, Smooth L1 tail slope 1; "
                      f"max |Huber − β·SmoothL1| = {gap:.1e}")
    return panels


_SAMPLE = skewed_sample()
_CS = np.linspace(0.0, 20.0, 401)


def quantile_fit(q: float = 0.5) -> dict:
    """Widget compute: the pinball loss and its gradient for ``q`` (left), and the mean pinball
    loss of a constant prediction on :func:`skewed_sample` (right), with its grid minimiser and the
    sample's q-quantile."""
    from lossutils.widgets import Line, VLine

    q = float(q)
    loss = np.maximum(-q * _R, (1 - q) * _R)  # residual r = ŷ − y, so y − ŷ = −r
    grad = np.where(_R < 0, -q, 1 - q)
    curve = quantile_loss(np.broadcast_to(_CS[:, None], (_CS.size, _SAMPLE.size)),
                          np.broadcast_to(_SAMPLE, (_CS.size, _SAMPLE.size)), q=q, reduction="none").mean(axis=1)
    best = float(_CS[np.argmin(curve)])
    quant = float(np.quantile(_SAMPLE, q, method="inverted_cdf"))
    return {
        "curve": [Line(_R, loss, label="pinball loss"), Line(_R, grad, label="gradient", style="dashed")],
        "fit": [Line(_CS, curve, label="mean pinball loss of constant c"),
                VLine(best, label="minimiser (grid)"),
                VLine(quant, label="q-quantile of the data", style="dashed")],
        "text": (f"q = {q:.2f}: best constant {best:.2f} min, q-quantile {quant:.2f} min; "
                 f"under-prediction costs {q:.2f}/min, over-prediction {1 - q:.2f}/min"),
    }


def heteroscedastic_data(n: int = 200, seed: int = 0):
    r"""``(x, y)``: :math:`y = 2x + \varepsilon` with noise sd :math:`0.1 e^{1.5x}` growing in
    :math:`x \in [0, 2]`."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 2.0, size=n))
    return x, 2.0 * x + 0.1 * np.exp(1.5 * x) * rng.normal(size=n)


def count_data(n: int = 200, seed: int = 0):
    r"""``(x, y)``: counts :math:`y \sim \mathrm{Poisson}(e^{0.5 + 0.8x})` for :math:`x \in [0, 3]`."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 3.0, size=n))
    return x, rng.poisson(np.exp(0.5 + 0.8 * x)).astype(np.float64)
