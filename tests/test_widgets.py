"""lossutils.widgets: wiring of the live view, errors, the static HTML version, budgets."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from lossutils import mse_loss
from lossutils.widgets import (
    MAX_FRAMES, PALETTE, WIDGET_VIEW, Bars, Choice, HLine, Line, Panel, Points, Slider, VLine, explore,
)
from lossutils.widgets.render import _path_d
from tools.notebook_outputs import strip_widget_views

pytest.importorskip("ipywidgets")

RNG = np.random.default_rng(0)
X = np.linspace(0.0, 4.0, 20)
Y = 1.5 * X - 0.5 + RNG.normal(0.0, 0.5, size=20)
XS = np.linspace(0.0, 4.0, 81)


def line_fit(w, b):
    pred = w * X + b
    m = float(mse_loss(pred, Y))
    gw, gb = float(np.mean(2 * (pred - Y) * X)), float(np.mean(2 * (pred - Y)))
    return {
        "fit": [Points(X, Y, label="data"), Line(XS, w * XS + b, label="model")],
        "loss": [Bars(["MSE", "dL/dw", "dL/db"], [m, gw, gb], label="value"), HLine(0.0, label="zero")],
        "text": f"MSE = {m:.3f}   dL/dw = {gw:+.3f}   dL/db = {gb:+.3f}",
    }


def make_line_fit(**kw):
    return explore(
        line_fit,
        {"w": Slider(-1.0, 3.0, 0.25, value=1.0, label="slope w"),
         "b": Slider(-2.0, 2.0, 0.5, value=0.0, label="intercept b")},
        panels={"fit": Panel(title="Residuals shrink as the line fits", xlabel="x", ylabel="y"),
                "loss": Panel(title="Loss and gradient", ylabel="value", ylim=(-5, 10))},
        title="Fit a line by hand", alt="Scatter of data with a line the reader moves.", **kw,
    )


R = np.linspace(-3.0, 3.0, 61)


def curve(loss, scale):
    if loss == "bad":
        raise ValueError("this loss is undefined here; pick another one")
    f = {"mse": R**2, "mae": np.abs(R)}[loss] * scale
    return {"c": [Line(R, f, label="loss"), VLine(scale, label="scale", style="dashed")], "text": f"{loss} x {scale}"}


def make_curve():
    return explore(curve, {"loss": Choice([("squared", "mse"), ("absolute", "mae"), ("broken", "bad")], value="mse",
                                          label="loss"),
                           "scale": Choice([1, 2, 3], value=1, label="scale")})


def d_strings(markup: str) -> list[str]:
    return re.findall(r'class="lx-d" d="([^"]*)"', markup)


def static_data(markup: str) -> dict:
    m = re.search(r"D=(\{.*?\}),Q,S,F,TI;\nfunction u", markup, re.S)
    return json.loads(m.group(1))


# ------------------------------------------------------------------------------------------------
# wiring
# ------------------------------------------------------------------------------------------------

def test_slider_moves_update_data_text_and_figure():
    ex = make_line_fit()
    before_html, before_text = ex.figure_html, ex.text
    assert ex.text == line_fit(1.0, 0.0)["text"]
    ex.controls["w"].value = 2.0
    want = line_fit(2.0, 0.0)
    x, y = ex.data("fit", "model")
    np.testing.assert_array_equal(x, XS)
    np.testing.assert_allclose(y, 2.0 * XS)
    np.testing.assert_allclose(ex.data("loss", "value")[1], want["loss"][0].y)
    assert list(ex.data("loss", "value")[0]) == ["MSE", "dL/dw", "dL/db"]
    assert ex.text == want["text"] != before_text
    assert ex.figure_html != before_html and want["text"] in ex.figure_html
    assert ex.values == {"w": 2.0, "b": 0.0} and ex.error == ""
    # the data paths changed, the static frame of the figure did not
    assert d_strings(ex.figure_html)[1] != d_strings(before_html)[1]
    frame = [re.sub(r'class="lx-d" d="[^"]*"', "", h.split("lx-readout")[0]) for h in (before_html, ex.figure_html)]
    assert frame[0] == frame[1]


def test_widget_values_are_the_slider_grid():
    ex = make_line_fit()
    w = ex.controls["w"]
    assert w.options[0] == ("-1.00", -1.0) and w.options[-1] == ("3.00", 3.0) and len(w.options) == 17
    w.value = 0.1 + 0.2 + 1.45  # float noise is snapped to the grid value 1.75
    assert ex.values["w"] == 1.75
    np.testing.assert_allclose(ex.data("fit", "model")[1], 1.75 * XS)
    traitlets = pytest.importorskip("traitlets")
    with pytest.raises(traitlets.TraitError):
        w.value = 1.3  # not on the grid


def test_choice_moves_and_set():
    ex = make_curve()
    ex.controls["loss"].value = "mae"
    np.testing.assert_allclose(ex.data("c", "loss")[1], np.abs(R))
    ex.set(scale=3)
    np.testing.assert_allclose(ex.data("c", "loss")[1], 3 * np.abs(R))
    assert ex.controls["scale"].value == 3
    np.testing.assert_allclose(ex.data("c", "scale")[0], [3.0])
    assert ex.data("c", "scale")[1] is None
    assert ex.text == "mae x 3"


def test_compute_error_is_shown_not_raised():
    ex = make_curve()
    good = ex.figure_html
    ex.controls["loss"].value = "bad"  # compute raises ValueError: no exception escapes
    assert ex.error == "this loss is undefined here; pick another one"
    assert ex.text == ""
    assert "this loss is undefined here" in ex.figure_html and "lx-err" in ex.figure_html
    assert "lx-stale" in ex.figure_html
    assert d_strings(ex.figure_html) == d_strings(good)  # last good curve stays, dimmed
    ex.controls["loss"].value = "mae"
    assert ex.error == "" and ex.text == "mae x 1" and "lx-err" not in ex.figure_html


def test_initial_value_may_fail():
    ex = explore(curve, {"loss": Choice(["bad", "mse"], value="bad", label="loss"), "scale": Choice([1], label="s")})
    assert ex.error.startswith("this loss") and ex.text == ""
    ex.set(loss="mse")
    assert ex.error == "" and ex.text == "mse x 1"


def test_bugs_in_compute_surface_at_explore():
    def broken(a):
        return {"p": [Line([0, 1], [0, a], label="l")], "text": undefined_name}  # noqa: F821

    with pytest.raises(NameError):
        explore(broken, {"a": Slider(0, 2, 1, label="a")})
    with pytest.raises(ValueError, match="compute failed for every combination"):
        explore(lambda a: (_ for _ in ()).throw(ValueError("nope")), {"a": Slider(0, 2, 1, label="a")})


# ------------------------------------------------------------------------------------------------
# static version: mimebundle, determinism, data, budget
# ------------------------------------------------------------------------------------------------

def test_mimebundle_has_live_view_and_deterministic_html():
    a, b = make_line_fit(), make_line_fit()
    ba, bb = a._repr_mimebundle_(), b._repr_mimebundle_()
    assert set(ba) == {"text/plain", "text/html", WIDGET_VIEW}
    assert ba[WIDGET_VIEW]["model_id"] == a._widgets["box"].model_id
    assert ba["text/html"] == bb["text/html"] and ba["text/plain"] == bb["text/plain"]
    assert ba[WIDGET_VIEW]["model_id"] != bb[WIDGET_VIEW]["model_id"]
    html = ba["text/html"]
    assert html.startswith('<div class="lossutils-explorer" data-lx="') and html.endswith("</div>")
    assert ' id="' not in html  # nothing needs an id, so nothing random
    for needle in ('type="range"', "<output", "lx-readout", "<svg", "<script>",
                   "document.currentScript", 'aria-label="Scatter of data', "slope w", "intercept b"):
        assert needle in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing loaded from the web
    # JupyterLab: arrow keys reach the inputs; an untrusted (sanitised) view explains the missing figure
    assert html.count('data-lm-suppress-shortcuts="true"') == 2
    assert 'class="lx-note"' in html and "lx-note" not in a.figure_html
    assert html.split(">", 1)[0].count("style=") == 1  # layout survives sanitising as inline styles
    # moving a control does not change the static version
    a.set(w=2.0)
    assert a._repr_mimebundle_()["text/html"] == html
    # other content, other html
    assert make_curve().html != html and "<select" in make_curve().html


def test_html_is_the_same_in_another_process():
    code = ("import hashlib, numpy as np\n"
            "from lossutils.widgets import explore, Slider, Choice, Line, Bars\n"
            "f = lambda a, k: {'p': [Line(np.linspace(0, 1, 50), np.sin(a * np.linspace(0, 1, 50)), label='s')],"
            " 'q': [Bars(['x', 'y'], [a, len(k)], label='b')], 'text': f'{a:.3f} {k}'}\n"
            "ex = explore(f, {'a': Slider(0.0, 2.0, 0.5, label='a'), 'k': Choice(['u', 'vv'], label='k')})\n"
            "print(hashlib.sha256(ex.html.encode()).hexdigest())\n")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and len(outs.pop().strip()) == 64


def test_static_frames_equal_live_rendering():
    """Decode the fragment's data as the page script does; every frame equals the live figure."""
    ex = make_curve()
    D = static_data(ex.html)
    Q = np.frombuffer(base64.b64decode(D["q"]), "<u2").tolist()
    S = np.frombuffer(base64.b64decode(D["s"]), "<u4").tolist()
    F = np.frombuffer(base64.b64decode(D["f"]), "<u2" if D["fw"] == 2 else "<u4").tolist()
    TI = np.frombuffer(base64.b64decode(D["ti"]), "<u2" if D["tw"] == 2 else "<u4").tolist()
    assert D["st"] == [3, 1]
    for li, loss in enumerate(["mse", "mae", "bad"]):
        for si, scale in enumerate([1, 2, 3]):
            f = li * 3 + si
            ex.set(loss=loss, scale=scale)
            if loss == "bad":
                assert D["e"][str(f)] == ex.error
                continue
            ds = []
            for spec in D["sl"]:
                qs = []
                for c in spec["c"]:
                    e = F[f * D["nc"] + c]
                    qs.append(Q[S[e]:S[e + 1]])
                ds.append(_path_d(spec, qs))
            assert ds == d_strings(ex.figure_html)
            assert D["tu"][TI[f]] == ex.text


def test_distinct_arrays_are_stored_once():
    ex = make_line_fit()
    D = static_data(ex.html)
    S = np.frombuffer(base64.b64decode(D["s"]), "<u4")
    # points x and y, model x, the zero line: one array each; model y and bar heights: one per frame
    assert len(S) - 1 == 1 + 1 + 1 + 1 + 17 * 9 + 17 * 9
    assert len(ex.html) < 150_000


def test_quantised_coordinates_are_accurate():
    ex = make_line_fit()
    ax = ex._axes["fit"]
    d = d_strings(ex.figure_html)[0]  # the Points: "M{x-35} {y}a..." in tenths of a pixel
    xy = np.array([[int(a), int(b)] for a, b in re.findall(r"M(-?\d+) (-?\d+)a", d)]) / 10
    assert xy.shape == (X.size, 2)
    np.testing.assert_allclose(xy[:, 0] + 3.5, ax.px(X), atol=0.1)
    np.testing.assert_allclose(xy[:, 1], ax.py(Y), atol=0.1)
    line = np.array(d_strings(ex.figure_html)[1][1:].split(), dtype=float).reshape(-1, 2) / 10
    np.testing.assert_allclose(line[:, 1], ax.py(1.0 * XS), atol=0.1)


def test_gaps_and_out_of_range_values():
    def f(k):
        y = np.array([0.0, 1.0, np.nan, 3.0, 1e9 * k, -np.inf])
        return {"p": [Line(np.arange(6.0), y, label="l")], "text": ""}

    ex = explore(f, {"k": Slider(0, 1, 1, label="k")}, panels={"p": Panel(ylim=(0, 4))})
    d = d_strings(ex.figure_html)[0]
    runs = [r.split() for r in d.split("M")[1:]]
    assert [len(r) for r in runs] == [4, 4]  # NaN and -inf break the line: (0, 0)-(1, 1), (3, 3)-(4, 0)
    ex.set(k=1)
    runs = [r.split() for r in d_strings(ex.figure_html)[0].split("M")[1:]]
    y_far = int(runs[1][-1]) / 10
    assert y_far < -3 * ex._axes["p"].ph  # far above the plot, clipped by the plot's viewport


def test_html_budget_raises_a_clear_error():
    xs = np.linspace(0, 1, 400)

    def heavy(a, b, c):
        return {"p": [Line(xs, np.sin(xs * a + b) * c, label="s")], "text": f"{a} {b} {c}"}

    with pytest.raises(ValueError, match=r"static web version .* KB, over the budget of 300 KB.*coarser step"):
        explore(heavy, {"a": Slider(1, 20, 1, label="a"), "b": Slider(0, 9, 1, label="b"),
                        "c": Slider(1, 4, 1, label="c")})
    with pytest.raises(ValueError, match=f"more than {MAX_FRAMES}.*coarser step"):
        explore(heavy, {"a": Slider(1, 100, 1, label="a"), "b": Slider(0, 99, 1, label="b"),
                        "c": Slider(1, 4, 1, label="c")})


def test_script_safe_text():
    ex = explore(lambda a: {"p": [Line([0, 1], [0, a], label="</script><b>")], "text": "</script> & <x>"},
                 {"a": Slider(0, 1, 1, label="a<")})
    body = ex.html.split("<script>", 1)[1]
    assert body.count("</script>") == 1 and "<b>" not in ex.html
    assert "&lt;/script&gt; &amp; &lt;x&gt;" in ex.html


# ------------------------------------------------------------------------------------------------
# axes
# ------------------------------------------------------------------------------------------------

def test_axis_limits_cover_every_frame():
    ex = make_line_fit()
    (xlo, xhi), (ylo, yhi) = ex.limits("fit")
    for w in ex.controls["w"].options:
        for b in ex.controls["b"].options:
            out = line_fit(w[1], b[1])
            for prim in out["fit"]:
                assert xlo <= prim.x.min() and prim.x.max() <= xhi
                assert ylo <= prim.y.min() and prim.y.max() <= yhi
    # the extremes are reached (with the 5% margin), so the axes are not needlessly wide
    assert yhi - ylo == pytest.approx(1.1 * (3.0 * 4 + 2.0 - (-1.0 * 4 - 2.0)), rel=0.05)
    assert ex.limits("loss")[1] == (-5.0, 10.0)  # given limits win


def test_bars_include_zero_and_log_axes():
    ex = explore(lambda s: {"b": [Bars(["a", "b"], [s, 2 * s], label="h")]}, {"s": Slider(1, 3, 1, label="s")})
    (_, _), (ylo, yhi) = ex.limits("b")
    assert ylo == 0.0 and yhi >= 6.0
    ex = explore(lambda s: {"p": [Line([1, 2, 3], [s, 10 * s, 0.0], label="l")]},
                 {"s": Choice([0.01, 1.0, 100.0], label="s")}, panels={"p": Panel(logy=True)})
    (_, _), (ylo, yhi) = ex.limits("p")
    assert ylo < 0.01 and yhi > 1000.0
    assert ">0.01</text>" in ex.html and ">100</text>" in ex.html


# ------------------------------------------------------------------------------------------------
# validation of the author's call
# ------------------------------------------------------------------------------------------------

def test_controls_validate():
    s = Slider(0.0, 0.45, 0.05, value=0.1, label="fraction")
    assert len(s.values) == 10 and s.values[3] == 0.15 and s.labels[3] == "0.15"
    assert Slider(1, 9, 2, value=5, label="k").values == [1, 3, 5, 7, 9]
    assert all(isinstance(v, int) for v in Slider(1, 9, 2, label="k").values)
    assert Slider(0.0, 1.0, 0.5, label="p", fmt="{:.0%}").labels == ["0%", "50%", "100%"]
    with pytest.raises(ValueError, match="not a multiple of step"):
        Slider(0.0, 1.0, 0.3, label="p")
    with pytest.raises(ValueError, match="not one of its values"):
        Slider(0.0, 1.0, 0.25, value=0.3, label="p")
    with pytest.raises(ValueError, match="step must be > 0"):
        Slider(0.0, 1.0, 0.0, label="p")
    c = Choice([1, 2, 4], value=4, label="batch")
    assert c.labels == ["1", "2", "4"] and c.index == 2
    with pytest.raises(ValueError, match="not one of its options"):
        Choice(["a", "b"], value="c", label="x")
    with pytest.raises(ValueError, match="appears twice"):
        Choice(["a", "a"], label="x")


def test_structure_must_not_change():
    def shifty(k):
        prims = [Line([0, 1], [0, k], label="l")] + ([Points([0], [0], label="p")] if k else [])
        return {"p": prims}

    with pytest.raises(ValueError, match="hide what is not needed with NaN"):
        explore(shifty, {"k": Slider(0, 1, 1, label="k")})
    with pytest.raises(ValueError, match="not in panels="):
        explore(curve, {"loss": Choice(["mse"], label="l"), "scale": Choice([1], label="s")},
                panels={"other": Panel()})
    with pytest.raises(ValueError, match="labelled"):
        explore(lambda k: {"p": [Line([0], [k], label="a"), Line([0], [k], label="a")]},
                {"k": Slider(0, 1, 1, label="k")})
    with pytest.raises(ValueError, match="Bars can hold only"):
        explore(lambda k: {"p": [Bars(["a"], [k], label="a"), Line([0], [k], label="b")]},
                {"k": Slider(0, 1, 1, label="k")})


def test_primitives_validate():
    with pytest.raises(ValueError, match="x has 2 values but y has 3"):
        Line([0, 1], [0, 1, 2], label="l")
    with pytest.raises(ValueError, match="2 categories but 3 heights"):
        Bars(["a", "b"], [1, 2, 3], label="b")
    with pytest.raises(ValueError, match="style must be one of"):
        Line([0], [0], label="l", style="wiggly")
    with pytest.raises(ValueError, match="color must be"):
        Line([0], [0], label="l", color="mauve")
    assert Line([0], [0], label="l", color="orange").color == PALETTE[1]
    assert Line([0], [0], label="l", color=2).color == PALETTE[2]


# ------------------------------------------------------------------------------------------------
# stored notebooks
# ------------------------------------------------------------------------------------------------

def test_strip_widget_views():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    both = nbformat.v4.new_output("display_data", data={"text/plain": "<Explorer>", "text/html": "<div>x</div>",
                                                        WIDGET_VIEW: {"model_id": "abc", "version_major": 2,
                                                                      "version_minor": 0}})
    only_widget = nbformat.v4.new_output("display_data", data={"text/plain": "VBox()", WIDGET_VIEW: {"model_id": "d"}})
    text = nbformat.v4.new_output("stream", name="stdout", text="hi\n")
    nb.cells = [nbformat.v4.new_code_cell("explore(...)", outputs=[both, only_widget, text]),
                nbformat.v4.new_markdown_cell("# md")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    before = copy.deepcopy(nb)
    out = strip_widget_views(nb)
    assert out is nb
    outs = nb.cells[0].outputs
    assert set(outs[0].data) == {"text/plain", "text/html"}
    assert outs[1].data == before.cells[0].outputs[1].data  # nothing to fall back on: left alone
    assert outs[2] == before.cells[0].outputs[2]
    assert "widgets" not in nb.metadata
    nbformat.validate(nb)
    assert strip_widget_views({"cells": [{"cell_type": "markdown", "source": ""}]})  # plain dicts work


# ------------------------------------------------------------------------------------------------
# imports: no ipywidgets needed to import, no matplotlib ever
# ------------------------------------------------------------------------------------------------

def test_imports_without_ipywidgets_and_without_matplotlib():
    code = (
        "import sys; sys.modules['ipywidgets'] = None\n"
        "import numpy as np\n"
        "from lossutils.widgets import explore, Slider, Line\n"
        "ex = explore(lambda a: {'p': [Line([0, 1], [0, a], label='l')], 'text': str(a)}, {'a': Slider(0, 2, 1, label='a')})\n"
        "b = ex._repr_mimebundle_()\n"
        "assert set(b) == {'text/plain', 'text/html'}, set(b)\n"
        "ex.set(a=2); assert ex.text == '2'\n"
        "assert 'matplotlib' not in sys.modules\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_use_course_style():
    mpl = pytest.importorskip("matplotlib")
    from lossutils.plotting import use_course_style

    with mpl.rc_context():
        use_course_style()
        rc = mpl.rcParams
        assert rc["axes.prop_cycle"].by_key()["color"] == list(PALETTE)
        assert tuple(rc["figure.figsize"]) == (7.0, 3.5) and rc["savefig.bbox"] == "tight"
        assert rc["axes.grid"] and mpl.colors.to_hex(rc["figure.facecolor"]) == "#ffffff"
