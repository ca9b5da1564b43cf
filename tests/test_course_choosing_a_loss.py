"""Tests of lossutils.demos.choosing_a_loss and the chapter 6 exercises (torch is the reference)."""

import html
import html.parser
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import lossutils
from lossutils import huber_loss, l1_loss, mse_loss, sigmoid
from lossutils.checks import check_result, labels
from lossutils.demos import choosing_a_loss as demo
from lossutils.quiz import questions

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)


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


@pytest.mark.parametrize("key", [r.key for r in demo.RECIPES])
def test_every_row_gives_the_same_number_in_lossutils_and_torch(key):
    ours, theirs = demo.parity(key)
    assert np.isfinite(ours) and ours > 0
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)


def test_parity_uses_the_names_in_the_table(monkeypatch):
    # rename the class the "plain" row names: parity must fail, so the table's names are really used
    monkeypatch.setattr(demo, "_BY_KEY", {**demo._BY_KEY, "plain": demo.Recipe(
        "plain", "Regression", "plain", "linear", "MSE", ("NoSuchLoss",), ("mse_loss",), "", 2)})
    with pytest.raises(AttributeError):
        demo.parity("plain")


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

def test_flowchart_leaves_are_the_recipes_each_once():
    leaves = [key for _, branch in demo.FLOW for _, key in branch]
    assert sorted(leaves) == sorted(r.key for r in demo.RECIPES)


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
    with pytest.raises(ValueError, match="lr must be a positive"):
        demo.sgd_reduction_paths(4, -0.1)


# --------------------------------------------------------------------------------------------
# Widget 3: outliers vs location estimates
# --------------------------------------------------------------------------------------------

@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 9), elements=st.floats(-50, 50)),
       st.sampled_from([0.3, 1.0, 3.0]))
def test_huber_location_minimises_the_huber_loss(x, delta):
    c = demo.huber_location(x, delta=delta)
    grid = np.linspace(x.min(), x.max(), 2001)
    losses = [float(huber_loss(np.full_like(x, g), x, delta=delta)) for g in grid]
    best = float(huber_loss(np.full_like(x, c), x, delta=delta))
    assert best <= min(losses) + 1e-9


def test_huber_location_limits_mean_and_median():
    x = np.array([0.0, 1.0, 2.0, 10.0, 100.0])
    assert demo.huber_location(x, delta=1e6) == pytest.approx(x.mean())
    assert demo.huber_location(x, delta=1e-6) == pytest.approx(np.median(x), abs=1e-5)
    assert math.isnan(demo.huber_location([1.0, float("nan")]))
    with pytest.raises(ValueError, match="x is empty"):
        demo.huber_location([])
    with pytest.raises(ValueError, match="delta must be a positive"):
        demo.huber_location([1.0], delta=0)


def test_location_estimates_are_the_minimisers_of_mse_and_mae():
    e = demo.location_estimates(0.2, 20.0)
    x = e["data"]
    assert e["n_outliers"] == 8
    grid = np.linspace(-2, 10, 4801)
    mse = [float(mse_loss(np.full_like(x, g), x)) for g in grid]
    mae = [float(l1_loss(np.full_like(x, g), x)) for g in grid]
    assert e["mean"] == pytest.approx(grid[np.argmin(mse)], abs=3e-3)
    assert float(l1_loss(np.full_like(x, e["median"]), x)) <= min(mae) + 1e-12
    # the finding: the mean is dragged toward the outliers, the median and Huber barely move
    assert e["mean"] > 3 and abs(e["median"]) < 0.5 and abs(e["huber"]) < 0.5


# --------------------------------------------------------------------------------------------
# Widgets wired through lossutils.widgets.explore
# --------------------------------------------------------------------------------------------

def _explorers():
    from lossutils.widgets import Choice, Panel, Slider, explore

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
    outl = explore(
        demo.outlier_locations,
        {"fraction": Slider(0.0, 0.45, 0.05, value=0.1, label="fraction"),
         "outlier": Choice([5.0, 10.0, 20.0, 50.0], value=20.0, label="outlier"),
         "delta": Slider(0.5, 3.0, 0.5, value=1.0, label="delta")},
        panels={"pull": Panel(ylim=(-0.05, 0.5))},
    )
    return chooser, sgd, outl


def test_widgets_respond_to_their_controls():
    pytest.importorskip("lossutils.widgets")
    chooser, sgd, outl = _explorers()
    chooser.controls["task"].value = "binary"
    x, y = chooser.data("grad", "tempting alternative")
    c = demo.loss_chooser_curves("binary")
    np.testing.assert_allclose(y, c["alt_grad"])
    assert "BCEWithLogitsLoss" in chooser.text and chooser.error == ""

    sgd.controls["batch_size"].value = 64
    _, path = sgd.data("path", "reduction='sum'")
    assert abs(path[-1]) > 1e3  # diverged
    assert "diverges" in sgd.text

    outl.controls["fraction"].value = 0.2
    fx, _ = outl.data("pull", "current fraction")
    assert np.allclose(fx, 0.2)
    assert "8 of 40" in outl.text


def test_every_chooser_frame_has_the_same_structure():
    pytest.importorskip("lossutils.widgets")
    shapes = set()
    for _, key in demo.CHOOSER_TASKS:
        out = demo.loss_chooser(key)
        shapes.add(tuple((p, tuple((type(q).__name__, q.label) for q in out[p])) for p in ("loss", "grad")))
        for prim in out["loss"]:
            assert np.all(np.isfinite(prim.y))
    assert len(shapes) == 1


# --------------------------------------------------------------------------------------------
# What goes wrong, loss vs metric, regularisation
# --------------------------------------------------------------------------------------------

def test_logistic_slice_accuracy_is_a_step_function():
    b = np.linspace(-3, 3, 601)
    d = demo.logistic_slice(b)
    steps = np.diff(d["accuracy"])
    assert np.mean(steps == 0) > 0.9  # flat almost everywhere: zero gradient
    assert np.sum(steps != 0) >= 10  # ... with many steps (a staircase, not one jump)
    assert np.all(np.abs(d["bce_grad"]) > 0)
    np.testing.assert_allclose(np.gradient(d["bce"], b)[1:-1], d["bce_grad"][1:-1], atol=1e-3)
    bt = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(
        2.0 * torch.tensor(d["x"]) + bt, torch.tensor(d["y"])).backward()
    assert demo.logistic_slice(np.array([0.3]))["bce_grad"][0] == pytest.approx(bt.grad.item())


def test_logistic_hessians_match_torch_and_convexity():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = (rng.random(20) < 0.5).astype(float)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def bce(w):
        return torch.nn.functional.binary_cross_entropy_with_logits(Xt @ w, yt)

    def mse(w):
        return torch.mean((torch.sigmoid(Xt @ w) - yt) ** 2)

    min_bce, min_mse = np.inf, np.inf
    for _ in range(50):
        w = rng.normal(size=2) * 3
        h_bce, h_mse = demo.logistic_hessians(w, X, y)
        wt = torch.tensor(w)
        np.testing.assert_allclose(h_bce, torch.autograd.functional.hessian(bce, wt).numpy(), atol=1e-10)
        np.testing.assert_allclose(h_mse, torch.autograd.functional.hessian(mse, wt).numpy(), atol=1e-10)
        min_bce = min(min_bce, np.linalg.eigvalsh(h_bce).min())
        min_mse = min(min_mse, np.linalg.eigvalsh(h_mse).min())
    assert min_bce >= -1e-12 and min_mse < 0


def test_fit_logistic_reaches_the_minimum_and_metrics():
    X, y = demo.fraud_data(n=4000, rate=0.01)
    w = demo.fit_logistic(X, y)
    A = np.c_[X, np.ones(len(X))]
    torch_w = torch.tensor(w, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(A) @ torch_w, torch.tensor(y)) \
        + 0.5e-6 * (torch_w ** 2).sum()
    loss.backward()
    assert np.abs(torch_w.grad.numpy()).max() < 1e-8
    m = demo.binary_metrics(sigmoid(A @ w), y)
    never = demo.binary_metrics(np.full(len(y), 1e-6), y)
    assert never["recall"] == 0 and math.isnan(never["precision"])
    assert m["log loss"] < never["log loss"] and m["recall"] > 0.5


def test_binary_metrics_by_hand():
    m = demo.binary_metrics([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1])
    assert m["accuracy"] == 0.5 and m["precision"] == 0.5 and m["recall"] == 0.5
    assert m["log loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.4])))


def test_ridge_is_map_with_a_gaussian_prior():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    sigma, tau = 0.7, 0.4
    y = X @ rng.normal(0, tau, size=4) + sigma * rng.normal(size=30)
    lam = demo.ridge_lambda(sigma, tau)
    assert lam == pytest.approx(sigma**2 / tau**2)
    w_ridge = demo.ridge_closed_form(X, y, lam)
    np.testing.assert_allclose(w_ridge, demo.gaussian_posterior_mean(X, y, sigma, tau), rtol=1e-10)
    # mean-reduced MSE: the stationary point of mean((Xw - y)^2) + lam_n ||w||^2 is the same w
    lam_n = demo.ridge_lambda(sigma, tau, n=30)
    grad = 2 * X.T @ (X @ w_ridge - y) / 30 + 2 * lam_n * w_ridge
    assert np.abs(grad).max() < 1e-10
    with pytest.raises(ValueError, match="n must be a positive integer"):
        demo.ridge_lambda(1.0, 1.0, n=0)
    with pytest.raises(ValueError, match="tau must be a positive"):
        demo.ridge_lambda(1.0, 0.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        demo.ridge_closed_form(X, y, -1.0)


def test_regularisation_path_shape_of_the_finding():
    lams = np.logspace(-8, 2, 21)
    train, val = demo.regularisation_path(lams)
    assert np.all(np.diff(train) >= -1e-12)  # more penalty, worse fit of the training set
    assert val.min() < val[0] / 2  # some regularisation helps validation a lot
    assert val[0] > 3 * train[0]  # without it train and validation diverge (overfitting)


def test_house_prices_scale():
    area, price = demo.house_prices()
    assert area.min() >= 40 and area.max() <= 200 and price.mean() > 1e5


# --------------------------------------------------------------------------------------------
# Exercises and quiz
# --------------------------------------------------------------------------------------------

def test_exercises_are_registered_and_accept_the_reference():
    from lossutils.exercises import choosing_a_loss as ex

    mine = [lab for lab in labels() if lab.startswith("choosing-a-loss-")]
    assert mine == [f"choosing-a-loss-ex{i}" for i in range(1, 6)]
    assert check_result("choosing-a-loss-ex1", 1.0**2 / (100 * 0.5**2))
    assert check_result("choosing-a-loss-ex2", lambda a, b: np.mean(np.maximum(0, 1 - (a - b))))
    assert check_result("choosing-a-loss-ex3", "b")
    assert check_result("choosing-a-loss-ex4", 32)
    per = lossutils.cross_entropy(ex.EX5_LOGITS, ex.EX5_TARGET, reduction="none")
    w = ex.EX5_WEIGHT[ex.EX5_TARGET]
    assert check_result("choosing-a-loss-ex5", round(float((w * per).sum() / w.sum()), 4))


def test_exercises_reject_the_usual_mistakes():
    from lossutils.exercises import choosing_a_loss as ex

    r = check_result("choosing-a-loss-ex1", 4.0)  # forgot to divide by N
    assert not r and "100 times too large" in r.message
    assert not check_result("choosing-a-loss-ex2", lambda a, b: np.mean(np.maximum(0, 1 - (b - a))))
    r = check_result("choosing-a-loss-ex3", "a")
    assert not r and "compete" in r.message
    assert not check_result("choosing-a-loss-ex4", 64)
    per = lossutils.cross_entropy(ex.EX5_LOGITS, ex.EX5_TARGET, reduction="none")
    w = ex.EX5_WEIGHT[ex.EX5_TARGET]
    assert not check_result("choosing-a-loss-ex5", float(np.mean(w * per)))  # plain mean: wrong
    assert not check_result("choosing-a-loss-ex5", float(np.mean(per)))
    assert not check_result("choosing-a-loss-ex1", None)


def test_quiz_has_one_right_answer_and_feedback_everywhere():
    qs = questions("choosing-a-loss")
    assert 3 <= len(qs) <= 5
    text = " ".join(q["question"] for q in qs).lower()
    for topic in ("cross-entropy", "log loss", "convex", "validation"):
        assert topic in text
    for q in qs:
        assert q["type"] == "multiple_choice"
        assert sum(a["correct"] for a in q["answers"]) == 1
        assert all(a["feedback"] for a in q["answers"])
    assert f"{math.log(2):.3f}" in qs[1]["answers"][0]["answer"]
