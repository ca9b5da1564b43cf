"""What a lossutils call costs: against the same formula as a plain numpy one-liner, and against torch.

    python benchmarks/bench_losses.py [--sizes 1e3,1e5,1e6] [--only huber_loss,cross_entropy]

For each loss and input size (elements: ``N`` for element-wise losses, ``N * C`` with C = 10 for
class scores, ``N * D`` for embeddings), three things are timed, in alternation, on the same
float64 inputs:

* **lossutils**: the public call (validation, formula, reduction);
* **one-liner**: the same formula written as one plain numpy expression, no checks, as a reader
  would type it in a notebook; lossutils ÷ one-liner is the price of validation and of the
  package's stable forms. Budget: ≤ 2× at 1e3 elements, ≤ 1.3× from 1e5 up;
* **torch**: the torch function (or the torch expression where torch has none) on one thread,
  float64; for gradients, forward + ``backward``. For information only: lossutils is a teaching
  package and makes no promise against torch.

The three are timed in turn, several calls per sample, 15 samples each; each time is the fastest
sample (on a shared machine the slower ones measure the other processes), a ratio compares two
such times. Timings depend on the
machine and on what else runs on it: compare ratios from one run, not numbers across machines.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread for all
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lossutils as lu  # noqa: E402

torch.set_num_threads(1)

SIZES = (10**3, 10**5, 10**6)
BUDGET = {10**3: 2.0}  # lossutils / one-liner at this size; 1.3 from 1e5 elements up
BUDGET_LARGE = 1.3
C = 10  # classes per sample
D_PAIR = 16  # features per embedding (pair and triplet losses)
D_BATCH = 1000  # features per embedding (in-batch losses: N = 1, 100, 1000, and an N x N matrix)


def budget(n: int) -> float:
    return BUDGET.get(n, BUDGET_LARGE)


def _tt(*arrays):
    return [torch.from_numpy(a) for a in arrays]


def _grad(fn, x, *rest):
    """torch: forward and backward of the (reduced) loss w.r.t. x, as autograd computes a gradient."""
    x = torch.from_numpy(x).requires_grad_(True)
    fn(x, *_tt(*rest)).backward()
    return x.grad


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# Input makers: n elements -> the arguments of the call
def reg(n, rng):
    return rng.normal(size=n) * 3, rng.normal(size=n)


def pm1(n, rng):
    return rng.normal(size=n), np.where(rng.random(n) < 0.5, -1.0, 1.0)


def probs(n, rng):
    return rng.uniform(0.001, 0.999, n), (rng.random(n) < 0.3).astype(float)


def logits01(n, rng):
    return rng.normal(size=n) * 3, (rng.random(n) < 0.3).astype(float)


def classes(n, rng):
    return rng.normal(size=(max(n // C, 1), C)) * 3, rng.integers(0, C, max(n // C, 1))


def pairs(n, rng, d=D_PAIR):
    m = max(n // d, 1)
    return rng.normal(size=(m, d)), rng.normal(size=(m, d))


ROWS = lambda a: np.arange(len(a))  # noqa: E731

# name -> (inputs, lossutils call, numpy one-liner, torch call)
CASES = {
    "mse_loss": (reg, lambda p, t: lu.mse_loss(p, t), lambda p, t: ((p - t) ** 2).mean(),
                 lambda p, t: F.mse_loss(*_tt(p, t))),
    "mse_loss_grad": (reg, lambda p, t: lu.mse_loss_grad(p, t), lambda p, t: 2.0 * (p - t) / p.size,
                      lambda p, t: _grad(F.mse_loss, p, t)),
    "l1_loss": (reg, lambda p, t: lu.l1_loss(p, t), lambda p, t: np.abs(p - t).mean(),
                lambda p, t: F.l1_loss(*_tt(p, t))),
    "huber_loss": (reg, lambda p, t: lu.huber_loss(p, t),
                   lambda p, t: np.where((a := np.abs(p - t)) <= 1.0, 0.5 * a**2, 1.0 * (a - 0.5)).mean(),
                   lambda p, t: F.huber_loss(*_tt(p, t))),
    "huber_loss_grad": (reg, lambda p, t: lu.huber_loss_grad(p, t), lambda p, t: np.clip(p - t, -1.0, 1.0) / p.size,
                        lambda p, t: _grad(F.huber_loss, p, t)),
    "smooth_l1_loss": (reg, lambda p, t: lu.smooth_l1_loss(p, t, beta=0.5),
                       lambda p, t: np.where((a := np.abs(p - t)) < 0.5, 0.5 * a**2 / 0.5, a - 0.25).mean(),
                       lambda p, t: F.smooth_l1_loss(*_tt(p, t), beta=0.5)),
    "log_cosh_loss": (reg, lambda p, t: lu.log_cosh_loss(p, t),
                      lambda p, t: (np.logaddexp(r := p - t, -r) - np.log(2.0)).mean(),
                      lambda p, t: (torch.logaddexp(r := torch.from_numpy(p - t), -r) - np.log(2.0)).mean()),
    "log_cosh_loss_grad": (reg, lambda p, t: lu.log_cosh_loss_grad(p, t), lambda p, t: np.tanh(p - t) / p.size,
                           lambda p, t: _grad(lambda x, y: (torch.logaddexp(x - y, y - x) - np.log(2.0)).mean(), p, t)),
    "quantile_loss": (reg, lambda p, t: lu.quantile_loss(p, t, q=0.9),
                      lambda p, t: np.maximum(0.9 * (r := t - p), (0.9 - 1.0) * r).mean(),
                      lambda p, t: torch.maximum(0.9 * (r := torch.from_numpy(t - p)), -0.1 * r).mean()),
    "gaussian_nll_loss": (lambda n, rng: (*reg(n, rng), rng.exponential(size=n)),
                          lambda p, t, v: lu.gaussian_nll_loss(p, t, v),
                          lambda p, t, v: (0.5 * (np.log(w := np.maximum(v, 1e-6)) + (p - t) ** 2 / w)).mean(),
                          lambda p, t, v: F.gaussian_nll_loss(*_tt(p, t, v))),
    "poisson_nll_loss": (lambda n, rng: (rng.normal(size=n), rng.poisson(2.0, n).astype(float)),
                         lambda p, t: lu.poisson_nll_loss(p, t), lambda p, t: (np.exp(p) - t * p).mean(),
                         lambda p, t: F.poisson_nll_loss(*_tt(p, t))),
    "sigmoid": (lambda n, rng: (rng.normal(size=n) * 3,), lambda z: lu.sigmoid(z),
                lambda z: np.where(z >= 0, 1.0, e := np.exp(-np.abs(z))) / (1.0 + e),
                lambda z: torch.sigmoid(torch.from_numpy(z))),
    "log_softmax": (lambda n, rng: classes(n, rng)[:1], lambda z: lu.log_softmax(z),
                    lambda z: (s := z - z.max(axis=-1, keepdims=True)) - np.log(np.exp(s).sum(axis=-1, keepdims=True)),
                    lambda z: torch.log_softmax(torch.from_numpy(z), dim=-1)),
    "cross_entropy": (classes, lambda z, y: lu.cross_entropy(z, y),
                      lambda z, y: -((s := z - z.max(axis=1, keepdims=True))[ROWS(z), y]
                                     - np.log(np.exp(s).sum(axis=1))).mean(),
                      lambda z, y: F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y))),
    "cross_entropy_grad": (classes, lambda z, y: lu.cross_entropy_grad(z, y),
                           lambda z, y: ((e := np.exp(z - z.max(axis=1, keepdims=True))) / e.sum(axis=1, keepdims=True)
                                         - np.eye(z.shape[1])[y]) / len(z),
                           lambda z, y: _grad(lambda x, t: F.cross_entropy(x, t), z, y)),
    "nll_loss": (lambda n, rng: (lu.log_softmax(classes(n, rng)[0]), classes(n, rng)[1]),
                 lambda lp, y: lu.nll_loss(lp, y), lambda lp, y: -lp[ROWS(lp), y].mean(),
                 lambda lp, y: F.nll_loss(torch.from_numpy(lp), torch.from_numpy(y))),
    "binary_cross_entropy": (probs, lambda p, t: lu.binary_cross_entropy(p, t),
                             lambda p, t: -(t * np.maximum(np.log(p), -100.0)
                                            + (1.0 - t) * np.maximum(np.log1p(-p), -100.0)).mean(),
                             lambda p, t: F.binary_cross_entropy(*_tt(p, t))),
    "binary_cross_entropy_with_logits": (logits01, lambda z, t: lu.binary_cross_entropy_with_logits(z, t),
                                         lambda z, t: ((1.0 - t) * z + np.logaddexp(0.0, -z)).mean(),
                                         lambda z, t: F.binary_cross_entropy_with_logits(*_tt(z, t))),
    "binary_cross_entropy_with_logits_grad": (
        logits01, lambda z, t: lu.binary_cross_entropy_with_logits_grad(z, t),
        lambda z, t: (np.where(z >= 0, 1.0, e := np.exp(-np.abs(z))) / (1.0 + e) - t) / z.size,
        lambda z, t: _grad(F.binary_cross_entropy_with_logits, z, t)),
    "sigmoid_focal_loss": (
        logits01, lambda z, t: lu.sigmoid_focal_loss(z, t),
        lambda z, t: ((0.25 * t + 0.75 * (1.0 - t)) * ((1.0 - t) * z + np.logaddexp(0.0, -z))
                      * (1.0 - ((p := np.where(z >= 0, 1.0, e := np.exp(-np.abs(z))) / (1.0 + e)) * t
                                + (1.0 - p) * (1.0 - t))) ** 2).mean(),
        lambda z, t: ((0.25 * (y := torch.from_numpy(t)) + 0.75 * (1 - y))
                      * F.binary_cross_entropy_with_logits(x := torch.from_numpy(z), y, reduction="none")
                      * (1 - ((p := torch.sigmoid(x)) * y + (1 - p) * (1 - y))) ** 2).mean()),
    "kl_div": (lambda n, rng: (lu.log_softmax(classes(n, rng)[0]), lu.softmax(classes(n, rng)[0])),
               lambda x, t: lu.kl_div(x, t),
               lambda x, t: (np.where(t == 0, 0.0, t * np.log(t)) - t * x).sum() / len(x),
               lambda x, t: F.kl_div(*_tt(x, t), reduction="batchmean")),
    "hinge_loss": (pm1, lambda s, y: lu.hinge_loss(s, y), lambda s, y: np.maximum(0.0, 1.0 - y * s).mean(),
                   lambda s, y: torch.clamp(1.0 - torch.from_numpy(y) * torch.from_numpy(s), min=0).mean()),
    "hinge_loss_grad": (pm1, lambda s, y: lu.hinge_loss_grad(s, y),
                        lambda s, y: np.where(1.0 - y * s > 0, -y, 0.0) / s.size,
                        lambda s, y: _grad(lambda x, t: torch.relu(1.0 - t * x).mean(), s, y)),
    "squared_hinge_loss": (pm1, lambda s, y: lu.squared_hinge_loss(s, y),
                           lambda s, y: (np.maximum(0.0, 1.0 - y * s) ** 2).mean(),
                           lambda s, y: (torch.clamp(1.0 - torch.from_numpy(y) * torch.from_numpy(s), min=0) ** 2).mean()),
    "multi_margin_loss": (classes, lambda x, y: lu.multi_margin_loss(x, y),
                          lambda x, y: ((np.maximum(0.0, 1.0 - x[ROWS(x), y][:, None] + x).sum(axis=1) - 1.0)
                                        / x.shape[1]).mean(),
                          lambda x, y: F.multi_margin_loss(torch.from_numpy(x), torch.from_numpy(y))),
    "margin_ranking_loss": (lambda n, rng: (*reg(n, rng), pm1(n, rng)[1]),
                            lambda a, b, y: lu.margin_ranking_loss(a, b, y, margin=0.5),
                            lambda a, b, y: np.maximum(0.0, 0.5 - y * (a - b)).mean(),
                            lambda a, b, y: F.margin_ranking_loss(*_tt(a, b, y), margin=0.5)),
    "contrastive_loss": (lambda n, rng: (*pairs(n, rng), (rng.random(max(n // D_PAIR, 1)) < 0.5).astype(float)),
                         lambda a, b, s: lu.contrastive_loss(a, b, s),
                         lambda a, b, s: np.where(s == 1, 0.5 * (d2 := ((a - b) ** 2).sum(axis=1)),
                                                  0.5 * np.maximum(0.0, 1.0 - np.sqrt(d2)) ** 2).mean(),
                         lambda a, b, s: (0.5 * (w := torch.from_numpy(s)) * (d := (torch.from_numpy(a) - torch.from_numpy(b)).norm(dim=1)) ** 2
                                          + 0.5 * (1 - w) * torch.clamp(1.0 - d, min=0) ** 2).mean()),
    "triplet_margin_loss": (lambda n, rng: (*pairs(n, rng), pairs(n, rng)[0]),
                            lambda a, p, q: lu.triplet_margin_loss(a, p, q),
                            lambda a, p, q: np.maximum(0.0, np.sqrt(((a - p + 1e-6) ** 2).sum(axis=1))
                                                       - np.sqrt(((a - q + 1e-6) ** 2).sum(axis=1)) + 1.0).mean(),
                            lambda a, p, q: F.triplet_margin_loss(*_tt(a, p, q))),
    "info_nce_loss": (lambda n, rng: pairs(n, rng, D_BATCH), lambda q, k: lu.info_nce_loss(q, k),
                      lambda q, k: -((s := (z := _unit(q) @ _unit(k).T / 0.1) - z.max(axis=1, keepdims=True))[ROWS(q), ROWS(q)]
                                     - np.log(np.exp(s).sum(axis=1))).mean(),
                      lambda q, k: F.cross_entropy(F.normalize(torch.from_numpy(q), dim=1)
                                                   @ F.normalize(torch.from_numpy(k), dim=1).T / 0.1,
                                                   torch.arange(len(q)))),
    "siglip_loss": (lambda n, rng: pairs(n, rng, D_BATCH), lambda x, y: lu.siglip_loss(x, y),
                    lambda x, y: np.logaddexp(0.0, -(2.0 * np.eye(len(x)) - 1.0) * (10.0 * _unit(x) @ _unit(y).T - 10.0)).sum()
                    / len(x),
                    lambda x, y: -F.logsigmoid((2 * torch.eye(len(x), dtype=torch.float64) - 1)
                                               * (10.0 * F.normalize(torch.from_numpy(x), dim=1)
                                                  @ F.normalize(torch.from_numpy(y), dim=1).T - 10.0)).sum() / len(x)),
}


def _time(fn, args, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return (time.perf_counter() - t0) / calls


def measure(name: str, n: int, samples: int = 15, seed: int = 0) -> dict:
    """Seconds per call of lossutils, the one-liner and torch, timed in alternation. Each is the
    fastest of its samples (as ``timeit`` advises: slower samples measure other processes), and
    a ratio compares two such minima."""
    make, ours, plain, torch_fn = CASES[name]
    args = make(n, np.random.default_rng(seed))
    elements = args[0].size
    ref, got = plain(*args), ours(*args)
    if not np.allclose(got, ref, rtol=1e-9, atol=1e-12, equal_nan=True):  # the same formula?
        raise AssertionError(f"{name}: lossutils and the one-liner disagree at n = {n}")
    calls = max(1, int(3e5 // max(elements, 1)))  # a sample lasts about a millisecond or more
    times = {"lossutils": [], "oneliner": [], "torch": []}
    for fn in (ours, plain, torch_fn):
        fn(*args)  # warm up
    for _ in range(samples):
        for key, fn in (("lossutils", ours), ("oneliner", plain), ("torch", torch_fn)):
            times[key].append(_time(fn, args, calls))
    best = {k: min(v) for k, v in times.items()}
    return {"loss": name, "n": n, "elements": int(elements), "lossutils_s": best["lossutils"],
            "vs_oneliner": best["lossutils"] / best["oneliner"], "vs_torch": best["lossutils"] / best["torch"],
            "budget": budget(n)}


def run(sizes=SIZES, only=None, log=print) -> list[dict]:
    rows = []
    log(f"{'loss':40s} {'elements':>9s} {'lossutils':>10s} {'÷ 1-liner':>10s} {'budget':>7s} {'÷ torch':>8s}")
    for name in only or CASES:
        for n in sizes:
            r = measure(name, n)
            rows.append(r)
            ok = "ok" if r["vs_oneliner"] <= r["budget"] else "MISS"
            log(f"{name:40s} {r['elements']:9.0e} {r['lossutils_s'] * 1e6:8.1f}µs {r['vs_oneliner']:9.2f}× "
                f"{'≤' + format(r['budget'], 'g') + '×':>7s} {r['vs_torch']:7.2f}×  {ok}")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e3,1e5,1e6")
    ap.add_argument("--only", default="", help="comma-separated loss names")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(CASES)
    if unknown:
        ap.error(f"unknown loss(es) {sorted(unknown)}")
    run(tuple(int(float(s)) for s in args.sizes.split(",")), only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
