"""lossutils against torch on the CPU, float64: forward and gradient of every loss, 1e3 .. 1e7 elements.

    python benchmarks/bench_losses.py [--sizes 1e3,1e5] [--only mse,huber] [--budget 0.1]

Each measurement alternates lossutils and torch calls on the same inputs (numpy arrays and
``torch.from_numpy`` views of them, so no copies are timed) and reports the median of each;
the ratio lossutils / torch therefore comes from one run under the same machine load.

* forward: the loss with ``reduction="mean"`` (``"batchmean"`` for KL).
* gradient: lossutils' ``*_grad`` function (it returns the gradient only) against
  ``torch.autograd.grad(loss, x)`` (torch has to run the forward pass to get a gradient).
  Losses without a ``*_grad`` function in lossutils have no gradient row.
* torch runs with ``torch.set_num_threads(os.cpu_count())``; numpy's element-wise ufuncs use one
  thread. From 1e5 elements on torch is also timed with one thread, to separate the two effects.
* "elements" is the size of the first input (pred, logits, scores, x1); for InfoNCE and NT-Xent it
  is the number of entries of the N x N query-key similarity matrix (N = sqrt(elements), D = 32;
  NT-Xent's matrix over all 2N views is 2N x 2N).
* memory bandwidth: at 1e7 elements, for element-wise losses, the bytes the loss must read (its
  input arrays) divided by the copy bandwidth (``np.copyto`` of an 80 MB array, read + written
  bytes per second, the STREAM convention), timed in alternation with that loss, gives the time
  limit; the loss's median forward time (from the same alternation) is reported as a multiple of it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lossutils as lu  # noqa: E402
from lossutils._numerics import log1p_unit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)
FORWARD_BUDGET = 1.0   # lossutils forward time / torch forward time
GRAD_BUDGET = 1.5      # lossutils gradient time / torch autograd (forward + backward) time
BANDWIDTH_BUDGET = 3.0  # lossutils forward time / (bytes read / copy bandwidth), at 1e7 elements
C = 10                 # classes of the multi-class losses
D = 16                 # embedding size of the pair/triplet losses
D_NCE = 32             # embedding size of InfoNCE
ONE_THREAD_FROM = 10**5  # torch is also timed on one thread from this size (it splits work above 32768)


@dataclass
class Case:
    """One loss: how to make inputs of ``n`` elements and how each library evaluates it."""
    name: str
    family: str
    elementwise: bool
    make: Callable[[int, np.random.Generator], dict]
    lu_fwd: Callable[[dict], object]
    torch_fwd: Callable[[dict], object]
    lu_grad: Callable[[dict], object] | None = None
    torch_expr: str = ""            # what the torch side computes, for the results page
    grad_of: str = "x"              # which input the gradient is taken with respect to
    heavy: tuple = ()               # costly numpy steps of the lossutils forward (see primitives())
    note: str = ""                  # what else the lossutils forward spends its time on, for the page
    passes: int = 0                 # numpy passes over the data of a forward without costly functions


def _normal(n, rng):
    return rng.standard_normal(n)


def _pair(n, rng):
    return {"x": _normal(n, rng), "t": _normal(n, rng)}


def _scores(n, rng):
    rows = max(n // C, 1)
    return {"x": rng.standard_normal((rows, C)) * 2.0, "y": rng.integers(0, C, rows)}


def _binary(n, rng):
    return {"x": rng.standard_normal(n) * 2.0, "t": (rng.random(n) < 0.3).astype(np.float64)}


def _pm1(n, rng):
    return {"x": rng.standard_normal(n), "t": np.where(rng.random(n) < 0.5, -1.0, 1.0)}


def _embeddings(k, n, rng, d=D):
    rows = max(n // d, 1)
    return {name: rng.standard_normal((rows, d)) for name in ("x", "b", "c")[:k]}


def _kl(n, rng):
    rows = max(n // C, 1)
    logits = rng.standard_normal((rows, C))
    target = np.exp(logits[::-1] - logits[::-1].max(1, keepdims=True))
    return {"x": lu.log_softmax(logits), "t": target / target.sum(1, keepdims=True)}


def _nce(n, rng):
    rows = max(int(round(math.sqrt(n))), 2)
    return {"x": rng.standard_normal((rows, D_NCE)), "b": rng.standard_normal((rows, D_NCE))}


_HUBER_NOTE = ("no costly function, but seven numpy passes over the data (subtract, abs, minimum, "
               "multiply, subtract, multiply, sum) where torch's kernel makes one")
_PM1_NOTE = ("no costly function, but six numpy operations per element: three to check that every "
             "target is -1 or +1, three (or four) for the formula")


def _focal_torch(z, t, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(z)  # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not installed)
    ce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t) ** gamma)
    return ((alpha * t + (1 - alpha) * (1 - t)) * loss).mean()


def _contrastive_torch(a, b, s, margin=1.0):
    d = (a - b).norm(dim=1)
    return (0.5 * s * d**2 + 0.5 * (1 - s) * torch.clamp(margin - d, min=0) ** 2).mean()


def _nce_torch(q, k, temperature=0.1):
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / temperature
    return F.cross_entropy(logits, torch.arange(len(q)))


def cases() -> list[Case]:
    """Every loss of lossutils with its torch twin (a function, or the documented expression)."""
    return [
        # ---- regression (element-wise)
        Case("mse_loss", "regression", True, _pair,
             lambda a: lu.mse_loss(a["x"], a["t"]), lambda a: F.mse_loss(a["x"], a["t"]),
             lambda a: lu.mse_loss_grad(a["x"], a["t"]), "F.mse_loss", passes=3),
        Case("l1_loss", "regression", True, _pair,
             lambda a: lu.l1_loss(a["x"], a["t"]), lambda a: F.l1_loss(a["x"], a["t"]),
             lambda a: lu.l1_loss_grad(a["x"], a["t"]), "F.l1_loss", passes=3),
        Case("huber_loss", "regression", True, _pair,
             lambda a: lu.huber_loss(a["x"], a["t"]), lambda a: F.huber_loss(a["x"], a["t"]),
             lambda a: lu.huber_loss_grad(a["x"], a["t"]), "F.huber_loss", note=_HUBER_NOTE, passes=7),
        Case("smooth_l1_loss", "regression", True, _pair,
             lambda a: lu.smooth_l1_loss(a["x"], a["t"]), lambda a: F.smooth_l1_loss(a["x"], a["t"]),
             lambda a: lu.smooth_l1_loss_grad(a["x"], a["t"]),
             torch_expr="F.smooth_l1_loss", note=_HUBER_NOTE + " and a division", passes=8),
        Case("log_cosh_loss", "regression", True, _pair,
             lambda a: lu.log_cosh_loss(a["x"], a["t"]),
             lambda a: torch.log(torch.cosh(a["x"] - a["t"])).mean(),
             lambda a: lu.log_cosh_loss_grad(a["x"], a["t"]),
             torch_expr="torch.log(torch.cosh(x - t)).mean()", heavy=("exp", "log")),
        Case("quantile_loss", "regression", True, _pair,
             lambda a: lu.quantile_loss(a["x"], a["t"], q=0.9),
             lambda a: torch.maximum(0.9 * (a["t"] - a["x"]), -0.1 * (a["t"] - a["x"])).mean(),
             lambda a: lu.quantile_loss_grad(a["x"], a["t"], q=0.9),
             torch_expr="torch.maximum(q * r, (q - 1) * r).mean(), r = t - x", passes=5),
        Case("gaussian_nll_loss", "regression", True,
             lambda n, rng: {**_pair(n, rng), "v": rng.random(n) + 0.1},
             lambda a: lu.gaussian_nll_loss(a["x"], a["t"], a["v"]),
             lambda a: F.gaussian_nll_loss(a["x"], a["t"], a["v"]), torch_expr="F.gaussian_nll_loss",
             heavy=("log", "divide")),
        Case("poisson_nll_loss", "regression", True,
             lambda n, rng: {"x": rng.standard_normal(n), "t": rng.poisson(2.0, n).astype(np.float64)},
             lambda a: lu.poisson_nll_loss(a["x"], a["t"]),
             lambda a: F.poisson_nll_loss(a["x"], a["t"]), torch_expr="F.poisson_nll_loss", heavy=("exp",)),
        # ---- classification
        Case("cross_entropy", "classification", False, _scores,
             lambda a: lu.cross_entropy(a["x"], a["y"]), lambda a: F.cross_entropy(a["x"], a["y"]),
             lambda a: lu.cross_entropy_grad(a["x"], a["y"]), f"F.cross_entropy, logits (N, {C})"),
        Case("nll_loss", "classification", False,
             lambda n, rng: {**_scores(n, rng), "x": lu.log_softmax(_scores(n, rng)["x"])},
             lambda a: lu.nll_loss(a["x"], a["y"]), lambda a: F.nll_loss(a["x"], a["y"]),
             torch_expr=f"F.nll_loss, log-probabilities (N, {C})"),
        Case("binary_cross_entropy", "classification", True,
             lambda n, rng: {"x": rng.uniform(0.01, 0.99, n), "t": (rng.random(n) < 0.3).astype(np.float64)},
             lambda a: lu.binary_cross_entropy(a["x"], a["t"]),
             lambda a: F.binary_cross_entropy(a["x"], a["t"]), torch_expr="F.binary_cross_entropy",
             heavy=("log", "log1p")),
        Case("binary_cross_entropy_with_logits", "classification", True, _binary,
             lambda a: lu.binary_cross_entropy_with_logits(a["x"], a["t"]),
             lambda a: F.binary_cross_entropy_with_logits(a["x"], a["t"]),
             lambda a: lu.binary_cross_entropy_with_logits_grad(a["x"], a["t"]),
             "F.binary_cross_entropy_with_logits", heavy=("exp", "log")),
        Case("sigmoid_focal_loss", "classification", True, _binary,
             lambda a: lu.sigmoid_focal_loss(a["x"], a["t"]), lambda a: _focal_torch(a["x"], a["t"]),
             torch_expr="torchvision's sigmoid_focal_loss formula, .mean()",
             heavy=("exp", "exp", "log", "divide", "divide")),
        Case("kl_div", "classification", True, _kl,
             lambda a: lu.kl_div(a["x"], a["t"]), lambda a: F.kl_div(a["x"], a["t"], reduction="batchmean"),
             torch_expr=f"F.kl_div(reduction='batchmean'), (N, {C})", heavy=("log", "where")),
        # ---- margin
        Case("hinge_loss", "margin", True, _pm1,
             lambda a: lu.hinge_loss(a["x"], a["t"]), lambda a: torch.relu(1.0 - a["t"] * a["x"]).mean(),
             lambda a: lu.hinge_loss_grad(a["x"], a["t"]), "torch.relu(1 - y * s).mean()",
             note=_PM1_NOTE, passes=8),
        Case("squared_hinge_loss", "margin", True, _pm1,
             lambda a: lu.squared_hinge_loss(a["x"], a["t"]),
             lambda a: (torch.relu(1.0 - a["t"] * a["x"]) ** 2).mean(),
             torch_expr="(torch.relu(1 - y * s) ** 2).mean()", note=_PM1_NOTE, passes=9),
        Case("multi_margin_loss", "margin", False, _scores,
             lambda a: lu.multi_margin_loss(a["x"], a["y"]), lambda a: F.multi_margin_loss(a["x"], a["y"]),
             torch_expr=f"F.multi_margin_loss, scores (N, {C})"),
        Case("margin_ranking_loss", "margin", True,
             lambda n, rng: {**_pm1(n, rng), "b": rng.standard_normal(n)},
             lambda a: lu.margin_ranking_loss(a["x"], a["b"], a["t"]),
             lambda a: F.margin_ranking_loss(a["x"], a["b"], a["t"]),
             torch_expr="F.margin_ranking_loss", note=_PM1_NOTE, passes=9),
        # ---- embeddings
        Case("contrastive_loss", "contrastive", False,
             lambda n, rng: {**_embeddings(2, n, rng), "s": (rng.random(max(n // D, 1)) < 0.5).astype(np.float64)},
             lambda a: lu.contrastive_loss(a["x"], a["b"], a["s"]),
             lambda a: _contrastive_torch(a["x"], a["b"], a["s"]),
             torch_expr=f"the docstring's torch expression, (N, {D})"),
        Case("triplet_margin_loss", "contrastive", False, lambda n, rng: _embeddings(3, n, rng),
             lambda a: lu.triplet_margin_loss(a["x"], a["b"], a["c"]),
             lambda a: F.triplet_margin_loss(a["x"], a["b"], a["c"]),
             torch_expr=f"F.triplet_margin_loss, (N, {D})"),
        Case("info_nce_loss", "contrastive", False, _nce,
             lambda a: lu.info_nce_loss(a["x"], a["b"]), lambda a: _nce_torch(a["x"], a["b"]),
             torch_expr=f"normalize, q @ k.T / tau, F.cross_entropy; (N, {D_NCE}), N = sqrt(elements)"),
        Case("nt_xent_loss", "contrastive", False, _nce,
             lambda a: lu.nt_xent_loss(a["x"], a["b"]),
             lambda a: (lambda z, n: F.cross_entropy(  # the docstring's torch expression, tau = 0.5
                 (z @ z.T / 0.5).fill_diagonal_(float("-inf")),
                 torch.cat([torch.arange(n, 2 * n), torch.arange(n)])))(
                 F.normalize(torch.cat([a["x"], a["b"]]), dim=1), len(a["x"])),
             torch_expr=f"normalize(cat(z1, z2)), z @ z.T / tau, -inf diagonal, F.cross_entropy; "
                        f"(N, {D_NCE}) each, N = sqrt(elements)"),
    ]


# ------------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------------

def _once(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def paired_medians(fa, fb, budget: float = 0.1, min_runs: int = 5, max_runs: int = 300) -> tuple[float, float, int]:
    """Median seconds of ``fa`` and of ``fb``, calls alternated (a, b, a, b, ...) after a warm-up.

    The number of runs is what fits into about ``budget`` seconds per function, within
    [min_runs, max_runs]; calls slower than a quarter of a second get 3 runs (10 million
    elements on a busy machine), so the default bench stays within a few minutes.
    """
    est = max(_once(fa), _once(fb), 1e-7)  # warm-up (first calls allocate and load code)
    if est < 0.05:
        est = max(min(_once(fa), _once(fb)), 1e-7)  # a second warm-up where it is cheap
    floor = 3 if est > 0.25 else min_runs
    runs = int(min(max(budget / est, floor), max_runs))
    ta, tb = [], []
    for _ in range(runs):
        ta.append(_once(fa))
        tb.append(_once(fb))
    return statistics.median(ta), statistics.median(tb), runs


def copier(n: int = 10**7):
    """A function that copies an n-element float64 array (``np.copyto``), and the bytes it moves
    (read + written, the STREAM convention)."""
    src = np.random.default_rng(1).standard_normal(n)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch both arrays once: no page faults in the timed copies
    return (lambda: np.copyto(dst, src)), 2 * src.nbytes


def copy_bandwidth(n: int = 10**7, runs: int = 9) -> float:
    """Bytes per second of ``np.copyto`` on an n-element float64 array (read + written, as STREAM)."""
    copy, nbytes = copier(n)
    times = [_once(copy) for _ in range(runs)]
    return nbytes / statistics.median(times)


def primitives(threads: int, n: int = 1 << 15) -> dict:
    """Per-element and per-call costs of the building blocks, numpy against torch (for the page).

    ns per element of exp, log1p, log, a subtraction, a division and np.where/torch.where on ``n``
    float64 elements that stay in the CPU cache (the size of lossutils' blocks; torch uses one
    thread at this size whatever its setting), and microseconds per call on 8 elements (the fixed
    cost every numpy or torch operation pays, whatever its size).
    """
    rng = np.random.default_rng(2)
    x = rng.random(n) + 0.5
    y = rng.random(n)
    cond = y < 0.5
    tx, ty, tc = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(cond)
    ops = {
        "exp": (lambda: np.exp(x), lambda: torch.exp(tx)),
        "log1p": (lambda: np.log1p(y), lambda: torch.log1p(ty)),
        "log1p_unit": (lambda: log1p_unit(y), lambda: torch.log1p(ty)),
        "log": (lambda: np.log(x), lambda: torch.log(tx)),
        "subtract": (lambda: x - y, lambda: tx - ty),
        "where": (lambda: np.where(cond, x, y), lambda: torch.where(tc, tx, ty)),
        "divide": (lambda: x / y, lambda: tx / ty),
    }
    out = {"n": n, "ns_per_element": {}}
    torch.set_num_threads(1)
    for name, (f_np, f_th) in ops.items():
        a, b, _ = paired_medians(f_np, f_th, 0.1, 20, 2000)
        out["ns_per_element"][name] = {"numpy": a / n * 1e9, "torch_1thread": b / n * 1e9}
    torch.set_num_threads(threads)
    s8, t8 = x[:8], tx[:8]
    a, b, _ = paired_medians(lambda: np.subtract(s8, s8), lambda: torch.sub(t8, t8), 0.05, 50, 20000)
    out["us_per_call"] = {"numpy": a * 1e6, "torch": b * 1e6}
    z = rng.standard_normal((n // 10, 10))
    tz = torch.from_numpy(z)
    a, b, _ = paired_medians(lambda: np.max(z, axis=1), lambda: torch.amax(tz, dim=1), 0.1, 20, 2000)
    out["row_max_ns_per_element"] = {"numpy": a / z.size * 1e9, "torch": b / z.size * 1e9}
    return out


@contextlib.contextmanager
def one_thread():
    """torch on one thread, as lossutils (numpy's element-wise operations use one thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def thread_scaling(n: int = 1 << 20, runs: int = 15) -> dict:
    """Does a second thread make exp faster on this machine? Median ms for exp of ``n`` float64
    elements: numpy on one thread, numpy split over two Python threads (numpy releases the GIL
    inside the loop), torch with one and with two threads."""
    x = np.random.default_rng(4).random(n)
    out = np.empty_like(x)
    half = n // 2

    def numpy_two():
        t = threading.Thread(target=np.exp, args=(x[:half],), kwargs={"out": out[:half]})
        t.start()
        np.exp(x[half:], out=out[half:])
        t.join()

    tx, tout = torch.from_numpy(x), torch.from_numpy(out)
    threads = torch.get_num_threads()

    def torch_with(k):
        def f():
            torch.set_num_threads(k)
            torch.exp(tx, out=tout)
        return f

    fns = {"numpy_1": lambda: np.exp(x, out=out), "numpy_2": numpy_two,
           "torch_1": torch_with(1), "torch_2": torch_with(2)}
    times = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up
    for _ in range(runs):  # alternated, as elsewhere
        for k, f in fns.items():
            times[k].append(_once(f))
    torch.set_num_threads(threads)
    return {"n": n, **{k: statistics.median(v) * 1e3 for k, v in times.items()}}


_MALLOC_PROBE = """
import time, numpy as np, lossutils
from lossutils import _memory
p, t = np.random.default_rng(3).standard_normal((2, 32768))
times = []
for _ in range(400):
    t0 = time.perf_counter(); np.abs(p - t); times.append(time.perf_counter() - t0)
times.sort()
print(_memory.MALLOC_TUNED, times[len(times) // 2])
"""


def malloc_effect() -> dict:
    """``np.abs(p - t)`` on one block (32768 elements) in a fresh Python, with lossutils' malloc
    settings (``lossutils._memory``) and without (``LOSSUTILS_MALLOC_TUNING=0``): median us."""
    out = {}
    for setting in ("1", "0"):
        env = dict(os.environ, LOSSUTILS_MALLOC_TUNING=setting, PYTHONPATH=str(ROOT))
        try:
            res = subprocess.run([sys.executable, "-c", _MALLOC_PROBE], env=env, capture_output=True,
                                 text=True, timeout=120, check=True)
            tuned, secs = res.stdout.split()
            out["tuned" if setting == "1" else "default"] = {"applied": tuned == "True", "us": float(secs) * 1e6}
        except (subprocess.SubprocessError, ValueError) as exc:
            out["error"] = str(exc)
    return out


def _tensors(arrays: dict, grad_of: str | None = None) -> dict:
    out = {}
    for k, v in arrays.items():
        t = torch.from_numpy(v)  # a view: no copy
        if k == grad_of:
            t = t.detach().requires_grad_(True)
        out[k] = t
    return out


def run(sizes=SIZES, only=None, budget: float = 0.1, threads: int | None = None, log=print) -> dict:
    """Measure every case at every size; return a JSON-ready dict."""
    threads = threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    rows = []
    bandwidth = []
    selected = [c for c in cases() if not only or c.name in only or any(c.name.startswith(o) for o in only)]
    t_start = time.perf_counter()
    bw = None
    copy = None
    for n in sizes:
        if n == max(SIZES):
            bw = copy_bandwidth(n)
            copy = copier(n)
            log(f"  copy bandwidth at {n:.0e} float64 elements: {bw / 1e9:.1f} GB/s (read + write)")
        for case in selected:
            arrays = case.make(n, rng)
            tens = _tensors(arrays)
            np_out = np.asarray(case.lu_fwd(arrays), dtype=np.float64)
            th_out = case.torch_fwd(tens)
            agree = bool(np.allclose(float(np_out), float(th_out), rtol=1e-9, atol=1e-12))
            lu_s, th_s, runs = paired_medians(lambda: case.lu_fwd(arrays), lambda: case.torch_fwd(tens), budget)
            row = {"loss": case.name, "family": case.family, "elementwise": case.elementwise,
                   "heavy": bool(case.heavy), "elements": n, "kind": "forward",
                   "lossutils_s": lu_s, "torch_s": th_s, "ratio": lu_s / th_s, "runs": runs,
                   "budget": FORWARD_BUDGET, "agree": agree}
            if n >= ONE_THREAD_FROM:
                with one_thread():
                    _, th1, _ = paired_medians(lambda: None, lambda: case.torch_fwd(tens), budget / 2, 3, 50)
                row.update(torch_1thread_s=th1, ratio_1thread=lu_s / th1)
            rows.append(row)
            if case.elementwise and n == max(SIZES) and copy:
                # the loss and the copy timed in alternation, so that both see the same memory
                # system (this machine's copy bandwidth varies by half from minute to minute)
                lu_b, copy_s, _ = paired_medians(lambda: case.lu_fwd(arrays), copy[0], budget, 5, 50)
                nbytes = sum(v.nbytes for v in arrays.values())
                limit = nbytes * copy_s / copy[1]
                bandwidth.append({"loss": case.name, "elements": n, "bytes_read": nbytes,
                                  "copy_GBps": copy[1] / copy_s / 1e9,
                                  "limit_s": limit, "lossutils_s": lu_b, "torch_s": th_s,
                                  "multiple": lu_b / limit, "torch_multiple": th_s / limit,
                                  "budget": BANDWIDTH_BUDGET})
            msg = f"  {case.name:34s} {n:>9.0e} forward  {lu_s * 1e3:9.3f} ms vs torch {th_s * 1e3:9.3f} ms  x{lu_s / th_s:5.2f}"
            if case.lu_grad is not None:
                gt = _tensors(arrays, grad_of=case.grad_of)
                x = gt[case.grad_of]
                g_np = case.lu_grad(arrays)
                (g_th,) = torch.autograd.grad(case.torch_fwd(gt), x)
                g_agree = bool(np.allclose(g_np, g_th.numpy(), rtol=1e-9, atol=1e-15))

                def torch_grad():
                    return torch.autograd.grad(case.torch_fwd(gt), x)

                lg, tg, runs = paired_medians(lambda: case.lu_grad(arrays), torch_grad, budget)
                row = {"loss": case.name, "family": case.family, "elementwise": case.elementwise,
                       "heavy": bool(case.heavy), "elements": n, "kind": "gradient",
                       "lossutils_s": lg, "torch_s": tg, "ratio": lg / tg, "runs": runs,
                       "budget": GRAD_BUDGET, "agree": g_agree}
                if n >= ONE_THREAD_FROM:
                    with one_thread():
                        _, tg1, _ = paired_medians(lambda: None, torch_grad, budget / 2, 3, 50)
                    row.update(torch_1thread_s=tg1, ratio_1thread=lg / tg1)
                rows.append(row)
                msg += f" | grad {lg * 1e3:9.3f} vs {tg * 1e3:9.3f} ms x{lg / tg:5.2f}"
            log(msg)
            del arrays, tens
    prims = primitives(threads)
    prims["malloc"] = malloc_effect()
    prims["threads"] = thread_scaling()
    return {
        "primitives": prims,
        "torch_threads": threads,
        "cpu_count": os.cpu_count(),
        "copy_bandwidth_GBps": bw / 1e9 if bw else None,
        "rows": rows,
        "bandwidth": bandwidth,
        "torch_expressions": {c.name: c.torch_expr for c in selected},
        "heavy_steps": {c.name: list(c.heavy) for c in selected},
        "notes": {c.name: c.note for c in selected if c.note},
        "passes": {c.name: c.passes for c in selected if c.passes},
        "seconds": time.perf_counter() - t_start,
    }


def _parse_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(float(s)) for s in text.split(","))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=_parse_sizes, default=SIZES, help="comma-separated, e.g. 1e3,1e5")
    ap.add_argument("--only", default="", help="comma-separated loss names (prefixes)")
    ap.add_argument("--budget", type=float, default=0.1, help="seconds of timing per function and size")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    res = run(args.sizes, only, args.budget)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
