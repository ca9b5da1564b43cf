r"""Data, compute and figure helpers of chapter 6, "Choosing a loss".

The decision table of the chapter is *data*: :data:`RECIPES`, one :class:`Recipe` per task. The
chapter renders it (:func:`decision_table_html`), draws the flowchart from it
(:func:`draw_flowchart`) and cross-checks every row against torch (:func:`parity`); the tests
check that every ``torch.nn`` class and ``lossutils`` function it names exists and gives the same
number, so the table cannot rot silently.

The widget compute functions (:func:`loss_chooser`, :func:`sgd_reduction`,
:func:`outlier_locations`) are pure: numbers in, plot primitives out. Nothing here imports torch
or matplotlib at module level (torch is imported inside :func:`parity`, matplotlib inside
:func:`draw_flowchart`).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import lossutils
from lossutils import (
    binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, cross_entropy,
    gaussian_nll_loss, hinge_loss, huber_loss, l1_loss, log_softmax, mse_loss, mse_loss_grad,
    poisson_nll_loss, quantile_loss, sigmoid, softmax,
)
from lossutils._validation import (
    as_float_array, check_closed_unit, check_ndim, check_not_empty, check_positive,
    check_reduction,
)
from lossutils.demos import _data

__all__ = [
    "Recipe", "RECIPES", "CHAPTER_FILES", "FLOW", "recipe", "parity", "decision_table_html",
    "DecisionTable", "show_decision_table", "draw_flowchart",
    "CHOOSER_TASKS", "loss_chooser_curves", "loss_chooser",
    "sgd_reduction_paths", "sgd_reduction", "largest_stable_batch",
    "huber_location", "location_estimates", "outlier_locations",
    "logistic_slice", "logistic_hessians", "fraud_data", "fit_logistic",
    "binary_metrics", "ridge_closed_form", "gaussian_posterior_mean", "ridge_lambda",
    "noisy_sine", "poly_features", "regularisation_path", "house_prices",
]

# --------------------------------------------------------------------------------------------
# The decision table
# --------------------------------------------------------------------------------------------

CHAPTER_FILES = {
    1: "01_loss_basics", 2: "02_regression_losses", 3: "03_cross_entropy",
    4: "04_binary_cross_entropy", 5: "05_margin_and_contrastive", 6: "06_choosing_a_loss",
}


@dataclass(frozen=True)
class Recipe:
    """One row of the decision table: a task and what to use for it.

    ``torch`` names classes of ``torch.nn`` (empty when torch has none; then ``torch_note`` gives
    the torch expression); ``lossutils`` names functions of :mod:`lossutils`, the first being the
    one :func:`parity` checks against the first torch class.
    """

    key: str
    task: str
    case: str
    output: str
    loss: str
    torch: tuple[str, ...]
    lossutils: tuple[str, ...]
    target: str
    chapter: int
    torch_note: str = ""


RECIPES: tuple[Recipe, ...] = (
    Recipe("plain", "Regression", "plain (noise roughly Gaussian)",
           "linear: one unit per target", "MSE",
           ("MSELoss",), ("mse_loss",), "float, same shape as pred", 2),
    Recipe("outliers", "Regression", "with outliers (heavy tails)",
           "linear", "Huber (δ ≈ noise scale) or MAE",
           ("HuberLoss", "SmoothL1Loss", "L1Loss"), ("huber_loss", "smooth_l1_loss", "l1_loss"),
           "float, same shape as pred", 2),
    Recipe("uncertainty", "Regression", "with uncertainty (an error bar per sample)",
           "two heads: mean (linear) and variance (softplus)", "Gaussian NLL",
           ("GaussianNLLLoss",), ("gaussian_nll_loss",), "float, same shape as the mean", 2),
    Recipe("counts", "Regression", "counts (0, 1, 2, …)",
           "linear log-rate (rate = exp)", "Poisson NLL",
           ("PoissonNLLLoss",), ("poisson_nll_loss",), "counts ≥ 0 as float", 2,
           "log_input=True"),
    Recipe("quantiles", "Regression", "quantiles / prediction intervals",
           "linear: one unit per quantile q", "pinball (quantile)",
           (), ("quantile_loss",), "float, same shape as pred", 2,
           "no class: torch.maximum(q*r, (q-1)*r).mean(), r = y - ŷ"),
    Recipe("binary", "Classification", "binary (two classes)",
           "one logit, no sigmoid in the model", "binary cross-entropy (log loss)",
           ("BCEWithLogitsLoss",), ("binary_cross_entropy_with_logits",),
           "float 0./1., shape (N,)", 4),
    Recipe("multiclass", "Classification", "multi-class (exactly one of K)",
           "K logits, no softmax in the model", "cross-entropy",
           ("CrossEntropyLoss",), ("cross_entropy",),
           "int64 class index in 0…K−1, shape (N,)", 3),
    Recipe("multilabel", "Classification", "multi-label (any subset of K)",
           "K logits, a sigmoid each (inside the loss)", "BCE per label",
           ("BCEWithLogitsLoss",), ("binary_cross_entropy_with_logits",),
           "float 0./1., shape (N, K)", 4),
    Recipe("imbalanced", "Classification", "imbalanced (rare positives)",
           "as binary / multi-class", "weighted BCE or CE; focal loss",
           ("BCEWithLogitsLoss", "CrossEntropyLoss"),
           ("binary_cross_entropy_with_logits", "cross_entropy", "sigmoid_focal_loss"),
           "as above; pos_weight = #neg/#pos", 4,
           "pos_weight= / weight=; focal: torchvision.ops.sigmoid_focal_loss"),
    Recipe("distillation", "Classification", "soft targets (a teacher's probabilities)",
           "K logits → log_softmax", "KL divergence (or CE with probabilities)",
           ("KLDivLoss",), ("kl_div", "log_softmax"), "float probabilities, shape (N, K)", 3,
           "reduction='batchmean'"),
    Recipe("max-margin", "Classification", "max-margin (SVM-style)",
           "K raw scores", "multiclass hinge",
           ("MultiMarginLoss",), ("multi_margin_loss", "hinge_loss"),
           "int64 class index (binary hinge: ±1)", 5),
    Recipe("ranking", "Ranking", "pairs: a should rank above b",
           "one score per item", "margin ranking (hinge on s_a − s_b)",
           ("MarginRankingLoss",), ("margin_ranking_loss", "hinge_loss"), "float ±1, shape (N,)", 5),
    Recipe("retrieval", "Retrieval", "find the match in a batch (CLIP, SimCLR)",
           "L2-normalised embeddings", "InfoNCE (softmax over similarities / τ)",
           ("CrossEntropyLoss",), ("info_nce_loss",), "none: the positives are the diagonal", 5,
           "on the similarity matrix, targets arange(N)"),
    Recipe("metric", "Metric learning", "an embedding where distance means similarity",
           "embeddings", "triplet or contrastive",
           ("TripletMarginLoss",), ("triplet_margin_loss", "contrastive_loss"),
           "triplets (a, p, n) or pairs + 0/1", 5, "contrastive: no class"),
)

_BY_KEY = {r.key: r for r in RECIPES}


def recipe(key: str) -> Recipe:
    """The row of the decision table with this ``key`` (e.g. "outliers")."""
    if key not in _BY_KEY:
        raise ValueError(f"no recipe {key!r}; choose one of {', '.join(_BY_KEY)}")
    return _BY_KEY[key]


# Each parity function computes the recipe's loss on a small fixed input twice: with the first
# lossutils function named in the table and with the first torch.nn class named (looked up by
# name, so a renamed class or function fails here).

def _t(torch, x):
    return torch.tensor(np.asarray(x), dtype=torch.float64)


def _parity_regression(r, torch, rng):
    pred, target = rng.normal(size=8), rng.normal(size=8)
    if r.key == "outliers":
        target[0] += 30.0
    ours = getattr(lossutils, r.lossutils[0])(pred, target)
    theirs = getattr(torch.nn, r.torch[0])()(_t(torch, pred), _t(torch, target))
    return ours, theirs


def _parity_uncertainty(r, torch, rng):
    mean, target, var = rng.normal(size=8), rng.normal(size=8), np.exp(rng.normal(size=8))
    ours = getattr(lossutils, r.lossutils[0])(mean, target, var)
    theirs = getattr(torch.nn, r.torch[0])()(_t(torch, mean), _t(torch, target), _t(torch, var))
    return ours, theirs


def _parity_counts(r, torch, rng):
    log_rate, counts = rng.normal(size=8), rng.poisson(3.0, size=8).astype(float)
    ours = getattr(lossutils, r.lossutils[0])(log_rate, counts)
    theirs = getattr(torch.nn, r.torch[0])(log_input=True)(_t(torch, log_rate), _t(torch, counts))
    return ours, theirs


def _parity_quantiles(r, torch, rng):
    pred, target, q = rng.normal(size=8), rng.normal(size=8), 0.9
    ours = getattr(lossutils, r.lossutils[0])(pred, target, q=q)
    res = _t(torch, target) - _t(torch, pred)
    return ours, torch.maximum(q * res, (q - 1) * res).mean()


def _parity_binary(r, torch, rng):
    shape = (8, 5) if r.key == "multilabel" else (40,)
    logits = rng.normal(size=shape) * 2
    y = (rng.random(shape) < 0.3).astype(float)
    kwargs, tkwargs = {}, {}
    if r.key == "imbalanced":
        y[:] = 0.0
        y[:4] = 1.0
        pos_weight = (y == 0).sum() / (y == 1).sum()  # #negatives / #positives
        kwargs, tkwargs = {"pos_weight": pos_weight}, {"pos_weight": _t(torch, pos_weight)}
    ours = getattr(lossutils, r.lossutils[0])(logits, y, **kwargs)
    theirs = getattr(torch.nn, r.torch[0])(**tkwargs)(_t(torch, logits), _t(torch, y))
    return ours, theirs


def _parity_multiclass(r, torch, rng):
    logits, y = rng.normal(size=(8, 4)) * 2, rng.integers(0, 4, size=8)
    ours = getattr(lossutils, r.lossutils[0])(logits, y)
    theirs = getattr(torch.nn, r.torch[0])()(_t(torch, logits), torch.tensor(y))
    return ours, theirs


def _parity_distillation(r, torch, rng):
    teacher = softmax(rng.normal(size=(8, 4)) * 2)
    log_student = log_softmax(rng.normal(size=(8, 4)))
    ours = getattr(lossutils, r.lossutils[0])(log_student, teacher)
    theirs = getattr(torch.nn, r.torch[0])(reduction="batchmean")(_t(torch, log_student),
                                                                  _t(torch, teacher))
    return ours, theirs


def _parity_max_margin(r, torch, rng):
    scores, y = rng.normal(size=(8, 4)), rng.integers(0, 4, size=8)
    ours = getattr(lossutils, r.lossutils[0])(scores, y)
    theirs = getattr(torch.nn, r.torch[0])()(_t(torch, scores), torch.tensor(y))
    return ours, theirs


def _parity_ranking(r, torch, rng):
    s_a, s_b = rng.normal(size=8), rng.normal(size=8)
    y = rng.choice([-1.0, 1.0], size=8)  # +1: a should rank above b
    ours = getattr(lossutils, r.lossutils[0])(s_a, s_b, y, margin=1.0)
    theirs = getattr(torch.nn, r.torch[0])(margin=1.0)(_t(torch, s_a), _t(torch, s_b), _t(torch, y))
    return ours, theirs


def _parity_retrieval(r, torch, rng):
    q, k, tau = rng.normal(size=(8, 4)), rng.normal(size=(8, 4)), 0.1
    ours = getattr(lossutils, r.lossutils[0])(q, k, temperature=tau)
    qn = torch.nn.functional.normalize(_t(torch, q), dim=1)
    kn = torch.nn.functional.normalize(_t(torch, k), dim=1)
    theirs = getattr(torch.nn, r.torch[0])()(qn @ kn.T / tau, torch.arange(8))
    return ours, theirs


def _parity_metric(r, torch, rng):
    a, p, n = (rng.normal(size=(8, 3)) for _ in range(3))
    ours = getattr(lossutils, r.lossutils[0])(a, p, n, margin=1.0)
    theirs = getattr(torch.nn, r.torch[0])(margin=1.0)(_t(torch, a), _t(torch, p), _t(torch, n))
    return ours, theirs


_PARITY = {
    "plain": _parity_regression, "outliers": _parity_regression,
    "uncertainty": _parity_uncertainty, "counts": _parity_counts, "quantiles": _parity_quantiles,
    "binary": _parity_binary, "multilabel": _parity_binary, "imbalanced": _parity_binary,
    "multiclass": _parity_multiclass, "distillation": _parity_distillation,
    "max-margin": _parity_max_margin, "ranking": _parity_ranking, "retrieval": _parity_retrieval,
    "metric": _parity_metric,
}


def parity(key: str, seed: int = 6) -> tuple[float, float]:
    """The recipe's loss on a small fixed input, computed by lossutils and by torch (float64).

    Uses the first ``lossutils`` function and the first ``torch.nn`` class of the row (or the
    torch expression of ``torch_note`` when torch has no class).

    >>> ours, theirs = parity("plain")
    >>> abs(ours - theirs) < 1e-12
    True
    """
    import torch  # only here: the module itself does not need torch

    r = recipe(key)
    ours, theirs = _PARITY[key](r, torch, np.random.default_rng(seed))
    return float(ours), float(theirs)


def _code(names, prefix=""):
    # <wbr> after each underscore and dot: long names wrap there instead of widening the table
    def breakable(name):
        return html.escape(name).replace("_", "_<wbr>").replace(".", ".<wbr>")
    return "<br>".join(f"<code>{breakable(prefix + n)}</code>" for n in names)


def decision_table_html(recipes=RECIPES) -> str:
    """The decision table as a self-contained HTML table (deterministic: same string every call).

    Five columns fit the book's page width: the target format torch expects sits under the torch
    class, the chapter under the task.
    """
    head = ("Task", "Output layer", "Loss", "torch (and target format)", "lossutils")
    rows = []
    for r in recipes:
        torch_cell = _code(r.torch, "nn.")
        if r.torch_note:
            note = f"<small>{html.escape(r.torch_note)}</small>"
            torch_cell = f"{torch_cell}<br>{note}" if torch_cell else note
        torch_cell += f"<br><small><i>target:</i> {html.escape(r.target)}</small>"
        cells = (
            f"<b>{html.escape(r.task)}</b><br>{html.escape(r.case)} <small>(ch. {r.chapter})</small>",
            html.escape(r.output), html.escape(r.loss), torch_cell, _code(r.lossutils),
        )
        rows.append("<tr>" + "".join(f'<td style="vertical-align: top; padding: 4px 6px;">{c}</td>'
                                     for c in cells) + "</tr>")
    return (
        '<div style="overflow-x: auto;"><table class="lossbook-decision-table" '
        'style="font-size: 0.85em; border-collapse: collapse; width: 100%;">'
        "<thead><tr>" + "".join(f'<th style="text-align: left; padding: 4px 6px;">{h}</th>' for h in head)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _decision_table_markdown(recipes=RECIPES) -> str:
    head = "| Task | Output layer | Loss | torch | lossutils | Target format | Ch. |"
    lines = [head, "|" + "---|" * 7]
    for r in recipes:
        torch_cell = ", ".join(f"`nn.{n}`" for n in r.torch) + (f" ({r.torch_note})" if r.torch_note else "")
        lines.append(f"| **{r.task}**: {r.case} | {r.output} | {r.loss} | {torch_cell} | "
                     + ", ".join(f"`{n}`" for n in r.lossutils) + f" | {r.target} | {r.chapter} |")
    return "\n".join(lines)


class DecisionTable:
    """Displays the decision table (HTML in Jupyter and on the website, markdown elsewhere)."""

    def __init__(self, recipes=RECIPES):
        self.recipes = tuple(recipes)

    def _repr_html_(self) -> str:
        return decision_table_html(self.recipes)

    def _repr_markdown_(self) -> str:
        return _decision_table_markdown(self.recipes)

    def __repr__(self) -> str:
        return f"DecisionTable({len(self.recipes)} rows)"


def show_decision_table(recipes=RECIPES) -> DecisionTable:
    """The decision table as a displayable object (make it the last expression of a cell)."""
    return DecisionTable(recipes)


# --------------------------------------------------------------------------------------------
# The flowchart
# --------------------------------------------------------------------------------------------

#: question -> (condition, recipe key) leaves; drawn by :func:`draw_flowchart`.
FLOW: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("a number\n(regression)", (
        ("errors roughly Gaussian", "plain"),
        ("a few wild outliers", "outliers"),
        ("an error bar per sample", "uncertainty"),
        ("counts 0, 1, 2, …", "counts"),
        ("an interval / a quantile", "quantiles"),
    )),
    ("a class\n(classification)", (
        ("two classes", "binary"),
        ("exactly one of K", "multiclass"),
        ("any subset of K labels", "multilabel"),
        ("rare positives", "imbalanced"),
        ("a teacher's probabilities", "distillation"),
        ("a margin, SVM-style", "max-margin"),
    )),
    ("a relation\nbetween samples", (
        ("which item ranks higher", "ranking"),
        ("the match in a batch", "retrieval"),
        ("a distance = similarity", "metric"),
    )),
)

_SHORT_LOSS = {
    "plain": "MSE", "outliers": "Huber or MAE", "uncertainty": "Gaussian NLL",
    "counts": "Poisson NLL", "quantiles": "pinball loss", "binary": "BCE with logits",
    "multiclass": "cross-entropy", "multilabel": "BCE per label", "imbalanced": "weighted BCE / focal",
    "distillation": "KL divergence", "max-margin": "multiclass hinge", "ranking": "margin ranking",
    "retrieval": "InfoNCE", "metric": "triplet / contrastive",
}


def _torch_label(r: Recipe) -> str:
    if r.key == "quantiles":
        return "no torch class"
    if r.key == "retrieval":
        return "nn.CrossEntropyLoss on sims"
    if r.key == "imbalanced":
        return "nn.BCEWithLogitsLoss(pos_weight)"
    return f"nn.{r.torch[0]}"


def draw_flowchart(figsize=(9.0, 7.4)):
    """Draw the loss-choosing flowchart (from :data:`FLOW` and :data:`RECIPES`); return the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from lossutils.widgets import COLORS

    # one course colour per family (Okabe-Ito); the text stays black for contrast
    colors = (COLORS["blue"], COLORS["vermillion"], COLORS["green"])
    n_leaves = sum(len(leaves) for _, leaves in FLOW)
    fig, ax = plt.subplots(figsize=figsize, dpi=100, layout="constrained")
    ax.set_xlim(-0.005, 1.005)
    ax.set_ylim(-0.55, n_leaves - 0.45)
    ax.axis("off")
    # rounded corners look round only if the y rounding is scaled by the axes' aspect
    aspect = (n_leaves / (figsize[1] * 0.9)) / (1.01 / (figsize[0] * 0.95))

    def box(x0, x1, y, text, face, edge, size=10.5, weight="normal", h=0.8):
        ax.add_patch(FancyBboxPatch((x0, y - h / 2), x1 - x0, h, boxstyle="round,pad=0,rounding_size=0.008",
                                    facecolor=face, edgecolor=edge, linewidth=1.2, mutation_aspect=aspect))
        ax.text((x0 + x1) / 2, y, text, ha="center", va="center", fontsize=size, weight=weight,
                linespacing=1.15)

    def arrow(x0, y0, x1, y1, color):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.1, shrinkA=0, shrinkB=0))

    top = n_leaves - 1
    root_y = top / 2
    box(0.0, 0.15, root_y, "What does\nthe model\npredict for\neach sample?", "#f2f2f2", "#444444",
        size=11, weight="bold", h=2.8)
    row = top
    for (question, leaves), color in zip(FLOW, colors):
        ys = [row - i for i in range(len(leaves))]
        mid_y = (ys[0] + ys[-1]) / 2
        arrow(0.15, root_y, 0.185, mid_y, "#444444")
        box(0.19, 0.365, mid_y, question, "white", color, size=10.5, weight="bold", h=1.6)
        for (condition, key), y in zip(leaves, ys):
            r = recipe(key)
            arrow(0.365, mid_y, 0.39, y, color)
            ax.text(0.395, y, condition, ha="left", va="center", fontsize=10.5)
            arrow(0.615, y, 0.636, y, color)
            box(0.64, 1.0, y, f"{_SHORT_LOSS[key]}\n{_torch_label(r)}", "white", color,
                size=10)
        row -= len(leaves)
    ax.set_title("Start from what the model predicts; the leaf names the loss and its torch class",
                 fontsize=12)
    return fig


# --------------------------------------------------------------------------------------------
# Widget 1: the loss chooser
# --------------------------------------------------------------------------------------------

#: (label, recipe key) options of the loss chooser widget.
CHOOSER_TASKS = (
    ("regression, Gaussian noise", "plain"),
    ("regression with outliers", "outliers"),
    ("regression with an error bar", "uncertainty"),
    ("counts", "counts"),
    ("90 % quantile", "quantiles"),
    ("binary classification", "binary"),
    ("multi-class (K = 3)", "multiclass"),
    ("multi-label (2 of 3 labels on)", "multilabel"),
    ("imbalanced binary (rare positive)", "imbalanced"),
    ("ranking a pair", "ranking"),
)

_CHOOSER_X = np.linspace(-5.0, 5.0, 201)


def _num_grad(f, x, h=1e-5):
    """Central difference of a vectorised scalar function (for plotting only)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def _chooser_functions(key):
    """(recommended, alternative, x meaning, recommended name, alternative name, why) for ``key``.

    Each function maps the model's raw output for ONE sample (an array of candidate values) to
    that sample's loss; the target is fixed.
    """
    def per_point(fn):
        return lambda x: np.array([float(fn(v)) for v in np.atleast_1d(x)])

    if key == "plain":
        rec = lambda x: mse_loss(x, np.zeros_like(x), reduction="none")
        alt = lambda x: l1_loss(x, np.zeros_like(x), reduction="none")
        return (rec, alt, "prediction ŷ (target y = 0)", "MSE", "MAE",
                "MSE is the Gaussian likelihood: the fit estimates the mean. MAE is fine too, but "
                "estimates the median and its gradient does not shrink near the target.")
    if key == "outliers":
        rec = lambda x: huber_loss(x, np.zeros_like(x), delta=1.0, reduction="none")
        alt = lambda x: mse_loss(x, np.zeros_like(x), reduction="none")
        return (rec, alt, "prediction ŷ (target y = 0)", "Huber (δ = 1)", "MSE",
                "Huber's gradient is capped at ±δ, so one wild target cannot dominate; MSE's grows "
                "without bound.")
    if key == "uncertainty":
        rec = lambda x: gaussian_nll_loss(x, np.zeros_like(x), np.full_like(x, 4.0), reduction="none")
        alt = lambda x: mse_loss(x, np.zeros_like(x), reduction="none")
        return (rec, alt, "predicted mean (target 0, predicted variance σ² = 4)", "Gaussian NLL",
                "MSE",
                "With a predicted variance of 4 the Gaussian NLL charges a quarter of the squared "
                "error (plus ½ log σ²): the model may say 'this sample is noisy'. MSE cannot.")
    if key == "counts":
        rec = lambda x: poisson_nll_loss(x, np.full_like(x, 2.0), reduction="none")
        alt = lambda x: mse_loss(np.exp(x), np.full_like(x, 2.0), reduction="none")
        return (rec, alt, "predicted log-rate (observed count 2)", "Poisson NLL", "MSE on the rate",
                "Poisson NLL (e^s − 2s) is minimised at the log of the count and stays gentle; MSE "
                "on the rate e^s explodes for large log-rates and is flat for small ones.")
    if key == "quantiles":
        rec = lambda x: quantile_loss(x, np.zeros_like(x), q=0.9, reduction="none")
        alt = lambda x: mse_loss(x, np.zeros_like(x), reduction="none")
        return (rec, alt, "prediction ŷ (target y = 0)", "pinball, q = 0.9", "MSE",
                "The pinball loss charges under-prediction 9× more than over-prediction, so its "
                "minimiser over many targets is the 90 % quantile; MSE's is the mean.")
    if key == "binary":
        rec = lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="none")
        alt = lambda x: mse_loss(sigmoid(x), np.ones_like(x), reduction="none")
        return (rec, alt, "logit z (true label y = 1)", "BCE with logits", "MSE through a sigmoid",
                "For a confident mistake (z ≪ 0) BCE's gradient is σ(z) − 1 ≈ −1; MSE through the "
                "sigmoid has gradient 2(p − 1)p(1 − p), which vanishes.")
    if key == "multiclass":
        def logits(v):
            return np.array([v, 0.0, 0.0])
        rec = per_point(lambda v: cross_entropy(logits(v), 0))
        alt = per_point(lambda v: mse_loss(softmax(logits(v)), [1.0, 0.0, 0.0], reduction="sum"))
        return (rec, alt, "logit of the true class (the other two at 0)", "cross-entropy",
                "MSE through a softmax",
                "Cross-entropy's gradient is p − y, large for a confident mistake; MSE through the "
                "softmax flattens out as the true class's probability goes to 0.")
    if key == "multilabel":
        target = np.array([1.0, 1.0, 0.0])

        def logits(v):
            return np.array([v, 2.0, -2.0])
        rec = per_point(lambda v: binary_cross_entropy_with_logits(logits(v), target, reduction="sum"))
        alt = per_point(lambda v: cross_entropy(logits(v), target / target.sum()))
        return (rec, alt, "logit of label A (label B on at logit 2, C off)", "BCE per label",
                "softmax CE on the label set",
                "With a sigmoid per label, making label A more confident never hurts label B. "
                "With one softmax the labels compete: past a point, raising A's logit increases "
                "the loss because it takes probability from B.")
    if key == "imbalanced":
        rec = lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), pos_weight=np.full_like(x, 10.0),
                                                         reduction="none")
        alt = lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="none")
        return (rec, alt, "logit z of a rare positive (y = 1)", "BCE, pos_weight = 10", "plain BCE",
                "pos_weight = #neg/#pos multiplies the loss and gradient of each positive, so the "
                "few positives count as much in total as the many negatives.")
    if key == "ranking":
        rec = lambda x: hinge_loss(x, np.ones_like(x), reduction="none")
        alt = lambda x: (np.asarray(x) < 0).astype(float)  # a step: gradient 0 wherever defined
        return (rec, alt, "score gap s_a − s_b (a should rank higher)", "margin ranking (hinge)",
                "wrong-order indicator (the metric)",
                "The metric, 'is the pair in the wrong order', is a step: zero gradient almost "
                "everywhere. The margin ranking loss pushes until a leads b by the margin 1.")
    raise ValueError(f"the loss chooser has no task {key!r}; choose one of "
                     f"{', '.join(k for _, k in CHOOSER_TASKS)}")


def loss_chooser_curves(key: str) -> dict:
    """The numbers the loss chooser draws for task ``key`` (a recipe key in :data:`CHOOSER_TASKS`).

    Returns ``x``, the recommended and the alternative loss (``rec``, ``alt``) and their
    gradients w.r.t. the model output (``rec_grad``, ``alt_grad``, central differences), and
    descriptions.
    """
    rec_f, alt_f, xlabel, rec_name, alt_name, why = _chooser_functions(key)
    x = _CHOOSER_X
    # the wrong-order indicator is a step: its gradient is 0 wherever it exists (autograd gives 0
    # too); a central difference would report a spike at the jump
    alt_grad = np.zeros_like(x) if key == "ranking" else _num_grad(alt_f, x)
    return {
        "x": x, "rec": rec_f(x), "alt": alt_f(x),
        "rec_grad": _num_grad(rec_f, x), "alt_grad": alt_grad,
        "xlabel": xlabel, "rec_name": rec_name, "alt_name": alt_name, "why": why,
    }


def loss_chooser(task: str = "plain") -> dict:
    """Widget compute: recommended vs tempting loss (and gradients) for one sample of ``task``.

    The widget's panels have fixed axes, so steep curves leave the plot (the figure clips them);
    the readout names the loss, its torch class and lossutils function.
    """
    from lossutils.widgets import HLine, Line

    c = loss_chooser_curves(task)
    r = recipe(task)
    x = c["x"]
    torch_name = ", ".join(f"nn.{n}" for n in r.torch) or r.torch_note
    text = (f"{r.task}, {r.case}. x axis: {c['xlabel']}. Use {c['rec_name']} "
            f"(torch: {torch_name}; lossutils: {', '.join(r.lossutils)}). "
            f"Dashed: {c['alt_name']}. {c['why']}")
    return {
        "loss": [Line(x, c["rec"], label="recommended loss"),
                 Line(x, c["alt"], label="tempting alternative", style="dashed")],
        "grad": [Line(x, c["rec_grad"], label="recommended loss"),
                 Line(x, c["alt_grad"], label="tempting alternative", style="dashed"),
                 HLine(0.0, label="zero gradient", style="dotted")],
        "text": text,
    }


# --------------------------------------------------------------------------------------------
# Widget 2: reduction and batch size vs the effective step
# --------------------------------------------------------------------------------------------

_SGD_DATA = np.random.default_rng(20).normal(3.0, 1.0, size=256)


def sgd_reduction_paths(batch_size: int, lr: float, *, steps: int = 25, w0: float = 0.0) -> dict:
    r"""Gradient descent on the loss of a constant prediction ``w`` over a batch of ``batch_size`` targets.

    The loss is MSE with ``reduction="mean"`` or ``"sum"`` (gradients by
    :func:`lossutils.mse_loss_grad`): with "sum" each step is ``batch_size`` times larger, so the
    same ``lr`` acts like ``lr * batch_size`` with "mean". Returns the two parameter paths, the
    batch mean (the minimiser) and the effective learning rates.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or not 1 <= batch_size <= _SGD_DATA.size:
        raise ValueError(f"batch_size must be an integer in 1 .. {_SGD_DATA.size}, got {batch_size!r}")
    lr = check_positive(lr, "lr")
    y = _SGD_DATA[:batch_size]
    paths = {}
    for reduction in ("mean", "sum"):
        w = float(w0)
        path = [w]
        for _ in range(steps):
            grad = float(np.sum(mse_loss_grad(np.full_like(y, w), y, reduction=reduction)))  # d/dw
            w = w - lr * grad
            path.append(w)
        paths[reduction] = np.array(path)
    return {"steps": np.arange(steps + 1), "mean": paths["mean"], "sum": paths["sum"],
            "minimum": float(y.mean()), "lr_mean": lr, "lr_sum": lr * batch_size}


def _verdict(path, minimum):
    start, end = abs(path[0] - minimum), abs(path[-1] - minimum)
    if not np.isfinite(end) or end > start:
        return "diverges"
    return "converges" if end < 1e-3 * start else "converges slowly"


def sgd_reduction(batch_size: int = 8, lr: float = 0.03) -> dict:
    """Widget compute: the two paths of :func:`sgd_reduction_paths` and the minimum."""
    from lossutils.widgets import HLine, Line

    d = sgd_reduction_paths(batch_size, lr)
    text = (f"batch of {batch_size}: with reduction='sum' the gradient is {batch_size}× larger, so "
            f"lr = {lr:g} acts like lr = {d['lr_sum']:g} with 'mean'. "
            f"mean: {_verdict(d['mean'], d['minimum'])}; sum: {_verdict(d['sum'], d['minimum'])} "
            f"(here 'sum' converges iff lr × N < 1, 'mean' iff lr < 1).")
    return {
        "path": [Line(d["steps"], d["mean"], label="reduction='mean'"),
                 Line(d["steps"], d["sum"], label="reduction='sum'", style="dashed"),
                 HLine(d["minimum"], label="minimum (batch mean)", style="dotted")],
        "text": text,
    }


def largest_stable_batch(lr: float, sizes=(1, 2, 4, 8, 16, 32, 64), *, reduction: str = "sum") -> int:
    """The largest batch size in ``sizes`` whose gradient-descent path does not diverge (0 if none)."""
    check_reduction(reduction, ("mean", "sum"))
    ok = [n for n in sizes if _verdict(sgd_reduction_paths(n, lr)[reduction],
                                       sgd_reduction_paths(n, lr)["minimum"]) != "diverges"]
    return max(ok) if ok else 0


# --------------------------------------------------------------------------------------------
# Widget 3: outliers vs the location estimate of MSE, MAE and Huber
# --------------------------------------------------------------------------------------------

def huber_location(x, *, delta: float = 1.0) -> float:
    r"""The constant ``c`` that minimises :math:`\sum_i \mathrm{huber}(c - x_i; \delta)`.

    The derivative :math:`\sum_i \operatorname{clip}(c - x_i, -\delta, \delta)` is increasing in
    ``c``, so bisection between min(x) and max(x) finds the minimiser to machine precision.

    >>> round(huber_location([0.0, 1.0, 2.0, 100.0], delta=1.0), 6)
    1.5
    """
    delta = check_positive(delta, "delta")
    x = as_float_array(x, "x").ravel()
    check_not_empty(x, "x")
    if np.any(np.isnan(x)):
        return float("nan")
    lo, hi = float(x.min()), float(x.max())
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.clip(mid - x, -delta, delta).sum() > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-13 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


_INLIERS = np.random.default_rng(3).normal(0.0, 1.0, size=40)
_OUTLIER_JITTER = np.random.default_rng(4).normal(0.0, 1.0, size=40)
OUTLIER_FRACTIONS = np.round(np.arange(0.0, 0.451, 0.05), 2)


def location_estimates(fraction: float, outlier: float, delta: float = 1.0) -> dict:
    """Mean (argmin MSE), median (argmin MAE) and Huber location of 40 standard-normal samples
    of which a ``fraction`` is replaced by values near ``outlier``; the true centre is 0."""
    fraction = check_closed_unit(fraction, "fraction")
    outlier = float(outlier)
    x = _INLIERS.copy()
    k = int(round(fraction * x.size))
    x[:k] = outlier + _OUTLIER_JITTER[:k]
    return {"data": x, "n_outliers": k, "mean": float(x.mean()), "median": float(np.median(x)),
            "huber": huber_location(x, delta=delta)}


@lru_cache(maxsize=64)
def _estimate_curves(outlier: float, delta: float):
    est = [location_estimates(float(f), outlier, delta) for f in OUTLIER_FRACTIONS]
    return tuple(np.array([e[k] for e in est]) for k in ("mean", "median", "huber"))


def outlier_locations(fraction: float = 0.1, outlier: float = 20.0, delta: float = 1.0) -> dict:
    """Widget compute: how far each estimate is pulled toward the outliers, for every fraction.

    The y axis is the estimate divided by the outlier value (0 = the true centre, 1 = at the
    outliers), so every outlier value shares the axes.
    """
    from lossutils.widgets import Line, VLine

    mean, median, hub = _estimate_curves(float(outlier), float(delta))
    e = location_estimates(fraction, outlier, delta)
    fr = OUTLIER_FRACTIONS
    text = (f"{e['n_outliers']} of 40 samples near {outlier:g}: mean (MSE) = {e['mean']:.2f}, "
            f"median (MAE) = {e['median']:.2f}, Huber (δ = {delta:g}) = {e['huber']:.2f}; "
            "the true centre is 0.")
    return {
        "pull": [Line(fr, mean / outlier, label="mean (MSE)"),
                 Line(fr, median / outlier, label="median (MAE)", style="dashed"),
                 Line(fr, hub / outlier, label="Huber location", style="dotted"),
                 VLine(fraction, label="current fraction")],
        "text": text,
    }


# --------------------------------------------------------------------------------------------
# What goes wrong, loss vs metric
# --------------------------------------------------------------------------------------------

def logistic_slice(b_grid, *, w: float = 2.0, n: int = 30, seed: int = 1) -> dict:
    """Accuracy and BCE of the logistic model p = σ(w·x + b) along a grid of biases ``b``.

    Data: ``n`` points x ~ N(0, 1), label 1 with probability σ(2x). Moving ``b`` slides the
    decision threshold x = -b/w across the points: accuracy changes only when it crosses one
    (a staircase), BCE changes smoothly. ``bce_grad`` is d(mean BCE)/db = mean(σ(z) - y).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < sigmoid(2.0 * x)).astype(float)
    b = as_float_array(b_grid, "b_grid")
    check_ndim(b, 1, "b_grid", "(G,)")
    z = w * x[None, :] + b[:, None]
    yy = np.broadcast_to(y, z.shape)
    acc = ((z > 0) == (yy == 1)).mean(axis=1)
    bce = binary_cross_entropy_with_logits(z, yy, reduction="none").mean(axis=1)
    bce_grad = binary_cross_entropy_with_logits_grad(z, yy, reduction="none").mean(axis=1)
    return {"x": x, "y": y, "w": w, "b": b, "accuracy": acc, "bce": bce, "bce_grad": bce_grad}


def logistic_hessians(w, X, y):
    r"""Hessians (in the weights) of mean BCE and of mean MSE-through-sigmoid for p = σ(Xw).

    BCE: :math:`X^\top \operatorname{diag}(p(1-p)) X / N`, positive semi-definite everywhere
    (convex). MSE through a sigmoid: the per-sample curvature in z is
    :math:`2[p(1-p)]^2 + 2(p-y)p(1-p)(1-2p)`, which is negative for some z (not convex).
    """
    w = as_float_array(w, "w")
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    check_ndim(X, 2, "X", "(N, D)")
    p = sigmoid(X @ w)
    s = p * (1 - p)
    h_bce = s
    h_mse = 2 * s * s + 2 * (p - y) * s * (1 - 2 * p)
    return (X.T * h_bce) @ X / len(y), (X.T * h_mse) @ X / len(y)


def fraud_data(n: int = 20000, rate: float = 0.002, shift: float = 3.0, seed: int = 0):
    """Synthetic fraud-like data: 2 features, positives (rate ≈ ``rate``) shifted by ``shift``."""
    return _data.fraud_data(n, rate=rate, shift=shift, n_features=2, seed=seed)


def fit_logistic(X, y, *, l2: float = 1e-6, iters: int = 30):
    """Logistic regression (with an intercept) fitted by Newton's method on mean BCE + l2·‖w‖²/2.

    Returns the weights with the intercept last. Converges in a few iterations: the loss is convex.
    """
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    A = np.c_[X, np.ones(len(X))]
    w = np.zeros(A.shape[1])
    for _ in range(iters):
        p = sigmoid(A @ w)
        g = A.T @ (p - y) / len(y) + l2 * w
        H = (A.T * (p * (1 - p))) @ A / len(y) + l2 * np.eye(len(w))
        w = w - np.linalg.solve(H, g)
    return w


def binary_metrics(probs, y, *, threshold: float = 0.5) -> dict:
    """Log loss (mean BCE), accuracy, precision and recall of probabilities ``probs`` at ``threshold``.

    Precision is NaN when nothing is predicted positive (it is undefined), recall NaN without positives.
    """
    p = as_float_array(probs, "probs")
    t = as_float_array(y, "y")
    pred = p > threshold
    pos = t == 1
    tp = int(np.sum(pred & pos))
    return {
        "log loss": float(lossutils.binary_cross_entropy(p, t)),
        "accuracy": float(np.mean(pred == pos)),
        "precision": tp / int(pred.sum()) if pred.sum() else float("nan"),
        "recall": tp / int(pos.sum()) if pos.sum() else float("nan"),
        "caught": tp, "positives": int(pos.sum()),
    }


# --------------------------------------------------------------------------------------------
# Regularisation: ridge = MAP with a Gaussian prior
# --------------------------------------------------------------------------------------------

def ridge_lambda(sigma: float, tau: float, n: int | None = None) -> float:
    r"""The ridge strength that makes ridge regression the MAP estimate.

    Noise :math:`y \sim \mathcal N(Xw, \sigma^2)`, prior :math:`w \sim \mathcal N(0, \tau^2 I)`:
    minimising :math:`\sum_i (y_i - x_i^\top w)^2 + \lambda \lVert w\rVert^2` needs
    :math:`\lambda = \sigma^2/\tau^2`; with the *mean* squared error (``n`` samples) it is
    :math:`\sigma^2 / (n\tau^2)`.

    >>> ridge_lambda(1.0, 0.5)
    4.0
    >>> ridge_lambda(1.0, 0.5, n=100)
    0.04
    """
    sigma = check_positive(sigma, "sigma")
    tau = check_positive(tau, "tau")
    lam = sigma**2 / tau**2
    if n is None:
        return lam
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer (the number of samples), got {n!r}")
    return lam / n


def ridge_closed_form(X, y, lam: float):
    r"""Ridge regression: :math:`\arg\min_w \lVert y - Xw\rVert^2 + \lambda\lVert w\rVert^2 = (X^\top X + \lambda I)^{-1}X^\top y`."""
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    check_ndim(X, 2, "X", "(N, D)")
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)


def gaussian_posterior_mean(X, y, sigma: float, tau: float):
    r"""Mean of the Bayesian posterior of ``w`` (Gaussian noise σ, prior N(0, τ²I)).

    .. math:: \mu = \Big(\tfrac{1}{\sigma^2} X^\top X + \tfrac{1}{\tau^2} I\Big)^{-1} \tfrac{1}{\sigma^2} X^\top y

    For a Gaussian posterior the mean is also the mode (the MAP estimate).
    """
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    sigma = check_positive(sigma, "sigma")
    tau = check_positive(tau, "tau")
    precision = X.T @ X / sigma**2 + np.eye(X.shape[1]) / tau**2
    return np.linalg.solve(precision, X.T @ y / sigma**2)


def noisy_sine(n: int, *, noise: float = 0.3, seed: int = 0):
    """``n`` points x in [0, 1], y = sin(2πx) + Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n)
    return x, np.sin(2 * np.pi * x) + noise * rng.normal(size=n)


def poly_features(x, degree: int):
    """Columns x^1 .. x^degree of ``x`` rescaled to [-1, 1] (no constant column)."""
    x = as_float_array(x, "x")
    u = 2.0 * x - 1.0
    return np.stack([u**k for k in range(1, degree + 1)], axis=1)


def regularisation_path(lams, *, degree: int = 9, n_train: int = 15, n_val: int = 200, seed: int = 0):
    """Train and validation MSE of a degree-``degree`` polynomial fitted with ridge for each λ.

    The intercept is not penalised (targets are centred with the training mean).
    """
    x_tr, y_tr = noisy_sine(n_train, seed=seed)
    x_va, y_va = noisy_sine(n_val, seed=seed + 1)
    X_tr, X_va = poly_features(x_tr, degree), poly_features(x_va, degree)
    mx, my = X_tr.mean(axis=0), y_tr.mean()
    train, val = [], []
    for lam in lams:
        w = ridge_closed_form(X_tr - mx, y_tr - my, float(lam))
        train.append(float(mse_loss((X_tr - mx) @ w + my, y_tr)))
        val.append(float(mse_loss((X_va - mx) @ w + my, y_va)))
    return np.array(train), np.array(val)


def house_prices(n: int = 200, seed: int = 0):
    """Floor area (m², 40 .. 200) and price (currency units, about 3000 per m² + noise)."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 200.0, size=n)
    price = 3000.0 * area + 50000.0 + 30000.0 * rng.normal(size=n)
    return area, price
