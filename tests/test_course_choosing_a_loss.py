"""Tests of lossutils.course.choosing_a_loss: the decision table, the flowchart and the widgets
of chapter 7 (torch is the reference)."""

import html
import html.parser

import numpy as np
import pytest
import torch

import lossutils
from lossutils.course import choosing_a_loss as demo


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
    student, teacher = rng.normal(size=(8, 4)), rng.normal(size=(8, 4)) * 2
    target = rng.integers(0, 4, size=8)
    ours = getattr(lossutils, r.lossutils[0])(student, teacher, target, temperature=2.0, alpha=0.5)
    s, t = _t(torch, student), _t(torch, teacher)
    soft = getattr(torch.nn, r.torch[0])(reduction="batchmean")(
        torch.log_softmax(s / 2.0, dim=1), torch.softmax(t / 2.0, dim=1))
    theirs = 0.5 * 4.0 * soft + 0.5 * torch.nn.functional.cross_entropy(s, torch.as_tensor(target))
    return ours, theirs


def _parity_language_model(r, torch, rng):
    logits = rng.normal(size=(12, 7))
    target = rng.integers(0, 7, size=12)
    target[[2, 9]] = -100  # padding
    ours = getattr(lossutils, r.lossutils[0])(logits, target)
    theirs = getattr(torch.nn, r.torch[0])(ignore_index=-100)(_t(torch, logits), torch.as_tensor(target))
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


# One function per row of the decision table (by key): the row's loss on a small fixed input,
# computed with the first lossutils function and the first torch.nn class named in the row (looked
# up by name, so a renamed class or function fails here). A new row may add its own.
PARITY = {
    "plain": _parity_regression, "outliers": _parity_regression,
    "uncertainty": _parity_uncertainty, "counts": _parity_counts, "quantiles": _parity_quantiles,
    "binary": _parity_binary, "multilabel": _parity_binary, "imbalanced": _parity_binary,
    "multiclass": _parity_multiclass, "distillation": _parity_distillation,
    "language-model": _parity_language_model,
    "max-margin": _parity_max_margin, "ranking": _parity_ranking, "retrieval": _parity_retrieval,
    "metric": _parity_metric,
}


# --------------------------------------------------------------------------------------------
# The decision table cannot rot
# --------------------------------------------------------------------------------------------

ALL_TORCH = sorted({name for r in demo.RECIPES for name in r.torch})
ALL_LOSSUTILS = sorted({name for r in demo.RECIPES for name in r.lossutils})


@pytest.mark.parametrize("name", ALL_LOSSUTILS)
def test_every_lossutils_function_in_the_table_exists(name):
    assert name in lossutils.__all__, f"{name} is not exported by lossutils"
    assert callable(getattr(lossutils, name))


@pytest.mark.parametrize("name", ALL_TORCH)
def test_every_torch_class_in_the_table_exists_in_torch_nn(name):
    cls = getattr(torch.nn, name)
    assert isinstance(cls, type) and issubclass(cls, torch.nn.Module)


def parity(key, seed=6):
    r = demo.recipe(key)
    ours, theirs = PARITY[key](r, torch, np.random.default_rng(seed))
    return float(ours), float(theirs)


@pytest.mark.parametrize("key", [r.key for r in demo.RECIPES])
def test_every_row_gives_the_same_number_in_lossutils_and_torch(key):
    if key not in PARITY:
        pytest.skip(f"row {key!r} has no parity function in PARITY yet")
    ours, theirs = parity(key)
    assert np.isfinite(ours) and ours > 0
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)


def test_parity_uses_the_names_in_the_table(monkeypatch):
    # rename the class the "plain" row names: parity must fail, so the table's names are really used
    monkeypatch.setattr(demo, "_BY_KEY", {**demo._BY_KEY, "plain": demo.Recipe(
        "plain", "Regression", "plain", "linear", "MSE", ("NoSuchLoss",), ("mse_loss",), "", 2)})
    with pytest.raises(AttributeError):
        parity("plain")


def test_table_covers_every_task_of_the_syllabus():
    keys = {r.key for r in demo.RECIPES}
    required = {"plain", "outliers", "uncertainty", "counts", "quantiles", "binary", "multiclass",
                "multilabel", "imbalanced", "ranking", "retrieval", "metric"}
    assert required <= keys
    assert len(keys) == len(demo.RECIPES), "recipe keys must be unique"
    for r in demo.RECIPES:
        assert r.lossutils, f"{r.key} names no lossutils function"
        assert r.torch or r.torch_note, f"{r.key} names neither a torch class nor a torch expression"
        assert r.chapter in demo.CHAPTER_FILES


class _TableParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.rows, self.cells = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "wbr"):
            self.stack.append(tag)
        if tag == "tr":
            self.rows += 1
            self.cells.append(0)
        if tag in ("td", "th"):
            self.cells[-1] += 1

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()


def test_decision_table_html_is_deterministic_well_formed_and_complete():
    out = demo.decision_table_html()
    assert out == demo.decision_table_html() == demo.show_decision_table()._repr_html_()
    parser = _TableParser()
    parser.feed(out)
    assert parser.stack == []
    assert parser.rows == len(demo.RECIPES) + 1  # header + one row per recipe
    assert set(parser.cells) == {5}
    text = out.replace("<wbr>", "")
    for name in ALL_TORCH:
        assert f"<code>nn.{name}</code>" in text
    for name in ALL_LOSSUTILS:
        assert f"<code>{name}</code>" in text
    for r in demo.RECIPES:
        assert html.escape(r.target) in text and f"(ch. {r.chapter})" in text
    md = demo.show_decision_table()._repr_markdown_()
    assert md.count("\n") == len(demo.RECIPES) + 1


def test_recipe_lookup_errors():
    assert demo.recipe("binary").torch == ("BCEWithLogitsLoss",)
    with pytest.raises(ValueError, match="no recipe 'regression'; choose one of"):
        demo.recipe("regression")


# --------------------------------------------------------------------------------------------
# The flowchart agrees with the table
# --------------------------------------------------------------------------------------------

def test_flowchart_leaves_are_recipes_each_once():
    leaves = [key for _, branch in demo.FLOW for _, key in branch]
    assert len(leaves) == len(set(leaves)) and set(leaves) <= {r.key for r in demo.RECIPES}
    assert {r.key for r in demo.RECIPES if r.chapter != 6} <= set(leaves)  # chapters 2-5: all drawn


def test_flowchart_draws_every_leaf():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = demo.draw_flowchart()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for _, branch in demo.FLOW:
        for condition, key in branch:
            assert condition in texts
            assert demo._SHORT_LOSS[key] in texts
    # every box stays inside the axes (nothing cut off at page width)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bbox = fig.bbox
    conditions = {c for _, branch in demo.FLOW for c, _ in branch}
    ax = fig.axes[0]
    for t in ax.texts:
        tb = t.get_window_extent(renderer)
        assert bbox.x0 - 1 <= tb.x0 and tb.x1 <= bbox.x1 + 1, t.get_text()
        if t.get_text() in conditions:  # a condition must end before the arrow to its leaf starts
            assert tb.transformed(ax.transData.inverted()).x1 < 0.615, t.get_text()
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Widget 1: the loss chooser
# --------------------------------------------------------------------------------------------

def _autograd(fn, x):
    z = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(z).sum().backward()
    return z.grad.numpy()


def test_chooser_binary_gradients_match_torch_autograd():
    c = demo.loss_chooser_curves("binary")
    x = c["x"]
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    want_rec = _autograd(lambda z: bce(z, torch.ones_like(z), reduction="none"), x)
    want_alt = _autograd(lambda z: (torch.sigmoid(z) - 1) ** 2, x)
    np.testing.assert_allclose(c["rec_grad"], want_rec, atol=1e-7)
    np.testing.assert_allclose(c["alt_grad"], want_alt, atol=1e-7)
    # the finding the widget shows: at z = -4 MSE-through-sigmoid pushes ~30x less than BCE
    i = np.argmin(np.abs(x + 4))
    assert abs(c["alt_grad"][i]) < abs(c["rec_grad"][i]) / 25


def test_chooser_multiclass_gradient_matches_torch():
    c = demo.loss_chooser_curves("multiclass")
    x = c["x"]

    def ce(z):
        logits = torch.stack([z, torch.zeros_like(z), torch.zeros_like(z)], dim=1)
        return torch.nn.functional.cross_entropy(logits, torch.zeros(len(z), dtype=torch.long),
                                                 reduction="none")
    np.testing.assert_allclose(c["rec_grad"], _autograd(ce, x), atol=1e-7)


def test_chooser_findings():
    out = demo.loss_chooser_curves("outliers")
    assert np.all(np.abs(out["rec_grad"]) <= 1 + 1e-6)  # Huber's gradient is capped at delta
    assert np.abs(out["alt_grad"]).max() > 7  # MSE's is not
    ml = demo.loss_chooser_curves("multilabel")
    assert np.all(ml["rec_grad"] <= 1e-9)  # BCE per label: raising a positive label never hurts
    assert ml["alt_grad"].max() > 0.1  # one softmax: the labels compete
    rk = demo.loss_chooser_curves("ranking")
    assert np.all(rk["alt_grad"] == 0) and rk["rec_grad"].min() < -0.9
    q = demo.loss_chooser_curves("quantiles")
    below, above = q["rec"][q["x"] < 0], q["rec"][q["x"] > 0]
    assert below[0] == pytest.approx(9 * above[-1])  # q = 0.9: under-prediction costs 9x


def test_chooser_rejects_unknown_task():
    with pytest.raises(ValueError, match="loss chooser has no task 'retrieval'"):
        demo.loss_chooser_curves("retrieval")


# --------------------------------------------------------------------------------------------
# Widget 2: reduction vs effective step
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 4, 32])
def test_sum_is_mean_with_lr_times_batch(n):
    lr = 0.004
    d_sum = demo.sgd_reduction_paths(n, lr)
    d_mean = demo.sgd_reduction_paths(n, lr * n)
    np.testing.assert_allclose(d_sum["sum"], d_mean["mean"], rtol=1e-12, atol=1e-12)
    assert d_sum["lr_sum"] == pytest.approx(lr * n)


def test_sgd_path_matches_torch_sgd():
    n, lr, steps = 8, 0.03, 10
    d = demo.sgd_reduction_paths(n, lr, steps=steps)
    y = torch.tensor(demo._SGD_DATA[:n])
    for reduction in ("mean", "sum"):
        w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.mse_loss(w.expand(n), y, reduction=reduction).backward()
            opt.step()
        assert float(w.detach()) == pytest.approx(d[reduction][-1], rel=1e-10)


@pytest.mark.parametrize("lr", [0.003, 0.01, 0.03, 0.1, 0.3])
def test_largest_stable_batch_matches_theory(lr):
    sizes = (1, 2, 4, 8, 16, 32, 64)
    want = max([n for n in sizes if lr * n < 1], default=0)  # |1 - 2 lr N| < 1
    assert demo.largest_stable_batch(lr, sizes) == want


def test_sgd_reduction_errors():
    with pytest.raises(ValueError, match="batch_size must be an integer in 1 .. 256"):
        demo.sgd_reduction_paths(0, 0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        demo.sgd_reduction_paths(4, -0.1)


def _explorers():
    from lossutils.widgets import Choice, Panel, explore

    chooser = explore(
        demo.loss_chooser,
        {"task": Choice(list(demo.CHOOSER_TASKS), value="plain", label="task")},
        panels={"loss": Panel(ylim=(0, 6)), "grad": Panel(ylim=(-3, 3))},
    )
    sgd = explore(
        demo.sgd_reduction,
        {"batch_size": Choice([1, 2, 4, 8, 16, 32, 64], value=8, label="batch"),
         "lr": Choice([0.003, 0.01, 0.03, 0.1, 0.3], value=0.03, label="lr")},
        panels={"path": Panel(ylim=(-4, 10))},
    )
    return chooser, sgd


def test_widgets_respond_to_their_controls():
    pytest.importorskip("lossutils.widgets")
    chooser, sgd = _explorers()
    chooser.controls["task"].value = "binary"
    x, y = chooser.data("grad", "tempting alternative")
    c = demo.loss_chooser_curves("binary")
    np.testing.assert_allclose(y, c["alt_grad"])
    assert "BCEWithLogitsLoss" in chooser.text and chooser.error == ""

    sgd.controls["batch_size"].value = 64
    _, path = sgd.data("path", "reduction='sum'")
    assert abs(path[-1]) > 1e3  # diverged
    assert "diverges" in sgd.text


def test_every_chooser_frame_has_the_same_structure():
    pytest.importorskip("lossutils.widgets")
    shapes = set()
    for _, key in demo.CHOOSER_TASKS:
        out = demo.loss_chooser(key)
        shapes.add(tuple((p, tuple((type(q).__name__, q.label) for q in out[p])) for p in ("loss", "grad")))
        for prim in out["loss"]:
            assert np.all(np.isfinite(prim.y))
    assert len(shapes) == 1


def test_house_prices_scale():
    area, price = demo.house_prices()
    assert area.min() >= 40 and area.max() <= 200 and price.mean() > 1e5


def test_ridge_lambda():
    assert demo.ridge_lambda(1.0, 0.5) == 4.0 and demo.ridge_lambda(1.0, 0.5, n=100) == 0.04
