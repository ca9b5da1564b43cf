"""Latency of a live explorer update: set a control's value -> the new figure (SVG) string is ready.

    python benchmarks/bench_widgets.py [--repeats 300]

Measures the whole Python side of a move in a kernel: the ipywidgets observer, the chapter's
compute function, quantising its data and rebuilding the paths, and assigning the new HTML to the
figure widget (which a kernel would then send to the browser). Run as a script it prints median and
p95 in ms for two synthetic widgets and exits 1 if a median is 50 ms or more (the course's budget
for a smooth update). ``benchmarks/run.py`` uses :func:`bench_explorers` inside each chapter's
kernel, after the chapter has run, to time every explorer the chapter displays. Not a test:
timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossutils import huber_loss, l1_loss, mse_loss  # noqa: E402
from lossutils.widgets import Bars, Choice, HLine, Line, Panel, Points, Slider, VLine, explore  # noqa: E402

BUDGET_MS = 50.0

RNG = np.random.default_rng(0)
X = np.linspace(0.0, 4.0, 40)
Y = 1.5 * X - 0.5 + RNG.normal(0.0, 0.5, size=X.size)
XS = np.linspace(0.0, 4.0, 201)
R = np.linspace(-4.0, 4.0, 241)


def line_fit(w, b):
    """Two panels: scatter + fitted line, bars of the loss and its gradient (chapter 1 style)."""
    pred = w * X + b
    m = float(mse_loss(pred, Y))
    gw, gb = float(np.mean(2 * (pred - Y) * X)), float(np.mean(2 * (pred - Y)))
    return {
        "fit": [Points(X, Y, label="data"), Line(XS, w * XS + b, label="model ŷ = w·x + b")],
        "loss": [Bars(["MSE", "∂L/∂w", "∂L/∂b"], [m, gw, gb], label="value"), HLine(0.0, label="zero")],
        "text": f"MSE = {m:.3f}   ∂L/∂w = {gw:+.3f}   ∂L/∂b = {gb:+.3f}",
    }


def robust_losses(delta, scale):
    """Two panels of four 241-point curves each: losses and their gradients."""
    r = R * scale
    z = np.zeros_like(r)
    curves = {"MSE": mse_loss(r, z, reduction="none"), "MAE": l1_loss(r, z, reduction="none"),
              "Huber": huber_loss(r, z, delta=delta, reduction="none"), "½r²": 0.5 * r**2}
    grads = {k: np.gradient(v, R) for k, v in curves.items()}
    return {
        "loss": [Line(R, v, label=k) for k, v in curves.items()] + [VLine([-delta, delta], label="±δ", style="dotted")],
        "grad": [Line(R, v, label=k) for k, v in grads.items()],
        "text": f"δ = {delta:.2f}, scale {scale}: Huber at r = 4 is {float(curves['Huber'][-1]):.3f}",
    }


def bench(ex, name, values, repeats):
    """Median and p95 (ms) of ``repeats`` moves of control ``name`` through ``values``."""
    ctrl = ex.controls[name]
    times = []
    for i in range(repeats):
        v = values[i % len(values)]
        if ctrl.value == v:
            v = values[(i + 1) % len(values)]
        before = ex.figure_html
        t0 = time.perf_counter()
        ctrl.value = v
        html = ex._widgets["figure"].value
        t1 = time.perf_counter()
        assert ex.figure_html != before and html.endswith("</div></div>")
        times.append((t1 - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def _moves(ex, repeats: int):
    """A user's drags: each control in turn walks its values up and down (one step per move)."""
    moves = []
    names = list(ex.controls)
    per = max(repeats // len(names), 2)
    for name in names:
        values = [v for _, v in ex.controls[name].options]
        if len(values) < 2:
            continue
        walk = values + values[-2:0:-1]  # up, then back down
        start = walk.index(ex.controls[name].value) if ex.controls[name].value in walk else 0
        moves += [(name, walk[(start + 1 + i) % len(walk)]) for i in range(per)]
    return moves


def bench_explorer(ex, repeats: int = 60) -> dict:
    """Time ``repeats`` live updates of one explorer (set a control's value -> new figure HTML assigned).

    Every control gets its share of the moves. Returns ms statistics, the number of moves and how
    many of them changed the figure. The explorer's controls are left where they started.
    """
    start = dict(ex.values)
    times, changed = [], 0
    figure = ex._build_widgets()["figure"]
    for name, value in _moves(ex, repeats):
        before = figure.value
        t0 = time.perf_counter()
        ex.controls[name].value = value
        html = figure.value
        t1 = time.perf_counter()
        changed += html != before
        times.append((t1 - t0) * 1000)
    ex.set(**start)
    times.sort()
    if not times:
        return {"moves": 0}
    return {"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))],
            "max_ms": times[-1], "moves": len(times), "changed": changed,
            "controls": len(ex.controls), "frames": ex.n_frames}


def bench_explorers(objects, repeats: int = 60) -> list[dict]:
    """:func:`bench_explorer` for every distinct Explorer among ``objects`` (e.g. IPython's ``Out``)."""
    from lossutils.widgets import Explorer

    seen, rows = set(), []
    for obj in objects:
        if isinstance(obj, Explorer) and id(obj) not in seen:
            seen.add(id(obj))
            title = obj.title or getattr(obj.compute, "__name__", "explorer")
            rows.append({"widget": title, "compute": getattr(obj.compute, "__qualname__", "?"),
                         **bench_explorer(obj, repeats)})
    return rows


def run(repeats: int = 300) -> list[dict]:
    """Build the two synthetic explorers and time ``repeats`` moves of one control of each."""
    t0 = time.perf_counter()
    fit = explore(line_fit, {"w": Slider(-1.0, 3.0, 0.25, value=1.0, label="slope w"),
                             "b": Slider(-2.0, 2.0, 0.25, value=0.0, label="intercept b")},
                  panels={"fit": Panel(title="fit", xlabel="x", ylabel="y"),
                          "loss": Panel(title="loss", ylim=(-10, 20))})
    t1 = time.perf_counter()
    rob = explore(robust_losses, {"delta": Slider(0.25, 3.0, 0.25, value=1.0, label="δ"),
                                  "scale": Choice([1, 2, 3], label="scale")},
                  panels={"loss": Panel(title="loss", ylim=(0, 8)), "grad": Panel(title="gradient", ylim=(-4, 4))})
    t2 = time.perf_counter()
    rows = []
    for label, ex, name, build in (("line fit (2 panels, 201-pt line, 40 points, bars)", fit, "w", t1 - t0),
                                   ("robust losses (8 curves x 241 pts)", rob, "delta", t2 - t1)):
        med, p95 = bench(ex, name, [v for _, v in ex.controls[name].options], repeats)
        rows.append({"widget": label, "median_ms": med, "p95_ms": p95, "build_s": build,
                     "html_kB": len(ex.html) / 1000})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    args = ap.parse_args(argv)
    rows = run(args.repeats)
    print(f"{'widget':52s} {'median ms':>9s} {'p95 ms':>7s} {'build s':>8s} {'html KB':>8s}")
    for r in rows:
        print(f"{r['widget']:52s} {r['median_ms']:9.2f} {r['p95_ms']:7.2f} {r['build_s']:8.2f} {r['html_kB']:8.0f}")
    worst = max(r["median_ms"] for r in rows)
    ok = worst < BUDGET_MS
    print(f"{'PASS' if ok else 'FAIL'}: worst median {worst:.2f} ms (budget {BUDGET_MS:.0f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
