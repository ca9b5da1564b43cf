r"""The decision table, flowchart, synthetic data and widget compute of chapter 7, "Choosing a loss".

The decision table is *data*: :data:`RECIPES`, one :class:`Recipe` per task. The chapter renders
it (:func:`show_decision_table`) and draws the flowchart from it (:func:`draw_flowchart`); the
tests check that every ``torch.nn`` class and ``lossutils`` function it names exists and, row by
row, that both compute the same number. Adding a row is a data-only change (see the marked place
in :data:`RECIPES`).

The widget compute functions (:func:`loss_chooser`, :func:`sgd_reduction`) are pure: numbers in,
plot primitives out. matplotlib is imported only inside :func:`draw_flowchart`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lossutils import (
    binary_cross_entropy_with_logits, cross_entropy, gaussian_nll_loss, hinge_loss, huber_loss,
    l1_loss, mse_loss, mse_loss_grad, poisson_nll_loss, quantile_loss, sigmoid, softmax,
)

__all__ = [
    "Recipe", "RECIPES", "CHAPTER_FILES", "FLOW", "recipe", "decision_table_html",
    "DecisionTable", "show_decision_table", "draw_flowchart",
    "CHOOSER_TASKS", "loss_chooser_curves", "loss_chooser",
    "sgd_reduction_paths", "sgd_reduction", "largest_stable_batch", "ridge_lambda", "house_prices",
]

CHAPTER_FILES = {
    1: "01_loss_basics", 2: "02_regression_losses", 3: "03_cross_entropy",
    4: "04_binary_cross_entropy", 5: "05_margin_and_contrastive", 6: "06_modern_losses",
    7: "07_choosing_a_loss",
}


@dataclass(frozen=True)
class Recipe:
    """One row of the decision table: a task and what to use for it.

    ``torch`` names classes of ``torch.nn`` (empty when torch has none; then ``torch_note`` gives
    the torch expression); ``lossutils`` names functions of :mod:`lossutils` (the tests compare
    the first with the first torch class); ``chapter`` is the chapter that derives the loss.
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
           ("KLDivLoss",), ("distillation_loss", "kl_div"), "teacher logits + class index", 6,
           "KLDivLoss(reduction='batchmean') × T² + CrossEntropyLoss"),
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
    Recipe("language-model", "Language modelling", "next token over a vocabulary of V",
           "V logits per position, flattened to (B·S, V)", "token cross-entropy; report perplexity",
           ("CrossEntropyLoss",), ("cross_entropy", "perplexity"), "int64 token ids, padding = -100", 6,
           "ignore_index=-100"),
    Recipe("preference", "Preference tuning", "pairs: chosen over rejected answer",
           "a reward (or log-probabilities of a policy)", "Bradley–Terry; DPO",
           (), ("bradley_terry_loss", "dpo_loss"), "float rewards or log-probs, shape (N,)", 6,
           "-F.logsigmoid(r_chosen - r_rejected).mean()"),
    Recipe("generative", "Generative models", "VAE / diffusion",
           "μ and log σ² (VAE); the predicted noise (diffusion)", "reconstruction + Gaussian KL; noise MSE",
           ("MSELoss",), ("mse_loss", "gaussian_kl_loss"), "the added noise ε, same shape as x", 6,
           "KL: -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(-1)"),
    Recipe("segmentation", "Dense prediction", "segmentation with a rare foreground",
           "one logit per pixel → sigmoid", "Dice (+ BCE or focal)",
           (), ("dice_loss", "sigmoid_focal_loss"), "float 0/1 mask, shape of the probabilities", 6,
           "1 - (2*(p*y).sum() + 1) / (p.sum() + y.sum() + 1) per sample"),
    # ---- Rows of chapter 6, "The losses of modern models" (06_modern_losses), (more go here). ----
    # A row is data only: Recipe(key, task, case, output, loss, torch classes, lossutils
    # functions, target format, 6, torch_note). The tests then check that its names exist in
    # torch.nn and lossutils; a parity check against torch is added in
    # tests/test_course_choosing_a_loss.py (PARITY) if the row has a torch class. A leaf in FLOW
    # (with a _SHORT_LOSS entry) puts it in the flowchart too; rows need not be in the flowchart.
)

_BY_KEY = {r.key: r for r in RECIPES}


def _positive(value, name):
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def recipe(key: str) -> Recipe:
    """The row of the decision table with this ``key`` (e.g. "outliers")."""
    if key not in _BY_KEY:
        raise ValueError(f"no recipe {key!r}; choose one of {', '.join(_BY_KEY)}")
    return _BY_KEY[key]


def _code(names, prefix=""):
    # <wbr> after each underscore and dot: long names wrap there instead of widening the table
    def breakable(name):
        return html.escape(name).replace("_", "_<wbr>").replace(".", ".<wbr>")
    return "<br>".join(f"<code>{breakable(prefix + n)}</code>" for n in names)


def decision_table_html(recipes=RECIPES) -> str:
    """The decision table as one HTML table of five columns (the target format under the torch
    class, the chapter under the task, to fit the page)."""
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


class _Comparison(NamedTuple):
    """One task of the loss chooser: the recommended and the tempting loss of ONE sample, as functions
    of the model's raw output (an array of candidate values; the target is fixed), and the texts."""

    rec: Callable[[np.ndarray], np.ndarray]
    alt: Callable[[np.ndarray], np.ndarray]
    xlabel: str
    rec_name: str
    alt_name: str
    why: str


def _per_point(fn):
    return lambda x: np.array([float(fn(v)) for v in np.atleast_1d(x)])


def _zero(x):
    return np.zeros_like(x)


_LABELS_AB = np.array([1.0, 1.0, 0.0])  # multi-label: labels A and B on, C off

_COMPARISONS = {
    "plain": _Comparison(
        lambda x: mse_loss(x, _zero(x), reduction="none"),
        lambda x: l1_loss(x, _zero(x), reduction="none"),
        "prediction ŷ (target y = 0)", "MSE", "MAE",
        "MSE is the Gaussian likelihood: the fit estimates the mean. MAE is fine too, but "
        "estimates the median and its gradient does not shrink near the target."),
    "outliers": _Comparison(
        lambda x: huber_loss(x, _zero(x), delta=1.0, reduction="none"),
        lambda x: mse_loss(x, _zero(x), reduction="none"),
        "prediction ŷ (target y = 0)", "Huber (δ = 1)", "MSE",
        "Huber's gradient is capped at ±δ, so one wild target cannot dominate; MSE's grows "
        "without bound."),
    "uncertainty": _Comparison(
        lambda x: gaussian_nll_loss(x, _zero(x), np.full_like(x, 4.0), reduction="none"),
        lambda x: mse_loss(x, _zero(x), reduction="none"),
        "predicted mean (target 0, predicted variance σ² = 4)", "Gaussian NLL", "MSE",
        "With a predicted variance of 4 the Gaussian NLL charges a quarter of the squared "
        "error (plus ½ log σ²): the model may say 'this sample is noisy'. MSE cannot."),
    "counts": _Comparison(
        lambda x: poisson_nll_loss(x, np.full_like(x, 2.0), reduction="none"),
        lambda x: mse_loss(np.exp(x), np.full_like(x, 2.0), reduction="none"),
        "predicted log-rate (observed count 2)", "Poisson NLL", "MSE on the rate",
        "Poisson NLL (e^s − 2s) is minimised at the log of the count and stays gentle; MSE "
        "on the rate e^s explodes for large log-rates and is flat for small ones."),
    "quantiles": _Comparison(
        lambda x: quantile_loss(x, _zero(x), q=0.9, reduction="none"),
        lambda x: mse_loss(x, _zero(x), reduction="none"),
        "prediction ŷ (target y = 0)", "pinball, q = 0.9", "MSE",
        "The pinball loss charges under-prediction 9× more than over-prediction, so its "
        "minimiser over many targets is the 90 % quantile; MSE's is the mean."),
    "binary": _Comparison(
        lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="none"),
        lambda x: mse_loss(sigmoid(x), np.ones_like(x), reduction="none"),
        "logit z (true label y = 1)", "BCE with logits", "MSE through a sigmoid",
        "For a confident mistake (z ≪ 0) BCE's gradient is σ(z) − 1 ≈ −1; MSE through the "
        "sigmoid has gradient 2(p − 1)p(1 − p), which vanishes."),
    "multiclass": _Comparison(  # logits (v, 0, 0), true class 0
        _per_point(lambda v: cross_entropy(np.array([v, 0.0, 0.0]), 0)),
        _per_point(lambda v: mse_loss(softmax(np.array([v, 0.0, 0.0])), [1.0, 0.0, 0.0], reduction="sum")),
        "logit of the true class (the other two at 0)", "cross-entropy", "MSE through a softmax",
        "Cross-entropy's gradient is p − y, large for a confident mistake; MSE through the "
        "softmax flattens out as the true class's probability goes to 0."),
    "multilabel": _Comparison(  # logits (v, 2, -2)
        _per_point(lambda v: binary_cross_entropy_with_logits(np.array([v, 2.0, -2.0]), _LABELS_AB, reduction="sum")),
        _per_point(lambda v: cross_entropy(np.array([v, 2.0, -2.0]), _LABELS_AB / _LABELS_AB.sum())),
        "logit of label A (label B on at logit 2, C off)", "BCE per label", "softmax CE on the label set",
        "With a sigmoid per label, making label A more confident never hurts label B. "
        "With one softmax the labels compete: past a point, raising A's logit increases "
        "the loss because it takes probability from B."),
    "imbalanced": _Comparison(
        lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), pos_weight=np.full_like(x, 10.0),
                                                   reduction="none"),
        lambda x: binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="none"),
        "logit z of a rare positive (y = 1)", "BCE, pos_weight = 10", "plain BCE",
        "pos_weight = #neg/#pos multiplies the loss and gradient of each positive, so the "
        "few positives count as much in total as the many negatives."),
    "ranking": _Comparison(
        lambda x: hinge_loss(x, np.ones_like(x), reduction="none"),
        lambda x: (np.asarray(x) < 0).astype(float),  # a step: gradient 0 wherever defined
        "score gap s_a − s_b (a should rank higher)", "margin ranking (hinge)",
        "wrong-order indicator (the metric)",
        "The metric, 'is the pair in the wrong order', is a step: zero gradient almost "
        "everywhere. The margin ranking loss pushes until a leads b by the margin 1."),
}


def _chooser_functions(key) -> _Comparison:
    """The loss chooser's comparison for task ``key``."""
    try:
        return _COMPARISONS[key]
    except (KeyError, TypeError):
        raise ValueError(f"the loss chooser has no task {key!r}; choose one of "
                         f"{', '.join(k for _, k in CHOOSER_TASKS)}") from None


def loss_chooser_curves(key: str) -> dict:
    """The loss chooser's numbers for task ``key``: ``x``, the recommended and the alternative loss
    (``rec``, ``alt``), their gradients by central differences (``rec_grad``, ``alt_grad``), texts."""
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
    """Widget compute: recommended vs tempting loss (and gradients) for one sample of ``task``."""
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


_SGD_DATA = np.random.default_rng(20).normal(3.0, 1.0, size=256)


def sgd_reduction_paths(batch_size: int, lr: float, *, steps: int = 25, w0: float = 0.0) -> dict:
    """Gradient descent paths of a constant prediction ``w`` fitted by MSE to ``batch_size`` targets,
    with reduction "mean" and "sum" (whose steps are ``batch_size`` times larger)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or not 1 <= batch_size <= _SGD_DATA.size:
        raise ValueError(f"batch_size must be an integer in 1 .. {_SGD_DATA.size}, got {batch_size!r}")
    lr = _positive(lr, "lr")
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
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    paths = {n: sgd_reduction_paths(n, lr) for n in sizes}
    return max([n for n, d in paths.items() if _verdict(d[reduction], d["minimum"]) != "diverges"], default=0)


def ridge_lambda(sigma: float, tau: float, n: int | None = None) -> float:
    """The ridge strength that makes ridge regression the MAP estimate: σ²/τ² (σ²/(nτ²) for a mean).

    >>> ridge_lambda(1.0, 0.5), ridge_lambda(1.0, 0.5, n=100)
    (4.0, 0.04)
    """
    lam = _positive(sigma, "sigma") ** 2 / _positive(tau, "tau") ** 2
    return lam if n is None else lam / int(n)


def house_prices(n: int = 200, seed: int = 0):
    """Floor area (m², 40 .. 200) and price (currency units, about 3000 per m² + noise)."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 200.0, size=n)
    price = 3000.0 * area + 50000.0 + 30000.0 * rng.normal(size=n)
    return area, price
