"""The one place where per-element losses become the number the optimiser sees."""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import _memory  # noqa: F401  (keeps freed block temporaries mapped; see there)
from ._validation import BLOCK, check_reduction


def reduce(values: np.ndarray, reduction: str = "mean"):
    """Apply ``reduction`` ("none", "mean" or "sum") to per-element loss ``values``.

    "mean" of an empty array is NaN, like torch; "sum" of an empty array is 0.
    Reduced results are returned as 0-d float64 arrays (``float(...)`` gives the number).
    """
    check_reduction(reduction)
    values = np.asarray(values, dtype=np.float64)
    if reduction == "none":
        return values
    # np.add.reduce over all axes is what ndarray.sum and ndarray.mean compute (numpy/_core/_methods.py),
    # the same bits, without their Python-level argument handling (a few microseconds a call)
    total = np.add.reduce(values, axis=None)
    if reduction == "sum":
        return np.asarray(total, dtype=np.float64)
    if values.size == 0:
        return np.asarray(np.nan)
    return np.asarray(total / values.size, dtype=np.float64)


def reduce_grad(grad: np.ndarray, reduction: str = "mean", *, n_losses: int | None = None) -> np.ndarray:
    """Scale an element-wise gradient of the summed loss for ``reduction``.

    For "none" the gradient is that of ``loss.sum()`` (what torch's ``backward`` on
    ``loss.sum()`` returns), so all three reductions give a gradient of the pred's shape.

    ``n_losses`` is how many per-sample loss values "mean" averages over. It defaults to
    ``grad.size``, which is right for element-wise losses; pass it when the loss has fewer
    values than its input has elements (cross-entropy: logits (N, C) but N losses, so the
    mean gradient is divided by N, not N*C).
    """
    check_reduction(reduction)
    grad = np.asarray(grad, dtype=np.float64)
    count = grad.size if n_losses is None else int(n_losses)
    if reduction == "mean" and count:
        return grad / count
    return grad


# ------------------------------------------------------------------------------------------------
# Blocked evaluation of element-wise formulas (speed and memory only: the results are the same bits)
# ------------------------------------------------------------------------------------------------
#
# ``reduce(f(p, t), "mean")`` on 10 million elements makes numpy write and re-read an 80 MB
# temporary for every operation in ``f``. Evaluated block by block, the temporaries stay in the
# cache. Element-wise results do not depend on the blocking. Sums do depend on the order of the
# additions, so ``_blocked_sum`` splits the range exactly where numpy's pairwise summation splits
# it (numpy/_core/src/umath/loops_utils.h.src, ``pairwise_sum``: halve, rounded down to a multiple
# of 8, until a piece is small) and lets numpy sum each small piece: the total is bit-for-bit the
# ``values.sum()`` of the unblocked array (tests/test_blocked.py checks this against numpy).


def _blockable(arrays) -> bool:
    a0 = arrays[0]
    return a0.size > BLOCK and all(
        a.shape == a0.shape and a.dtype == np.float64 and a.flags.c_contiguous for a in arrays
    )


def _checked(fn, check, arrays):
    """``fn`` that first runs the fast test ``check[0]`` on its blocks (see reduce_elementwise)."""
    if check is None:
        return fn
    ok, full = check
    done = []

    def run(*blocks):
        if not done and not ok(*blocks):
            full(*arrays)  # raises the error the plain path raises, for the first bad entry of all
            done.append(True)  # it did not raise (NaN entries, which propagate): checked once for all
        return fn(*blocks)

    return run


def _blocked_sum(fn, flats, lo: int, n: int):
    if n <= BLOCK:
        return np.add.reduce(np.asarray(fn(*(f[lo:lo + n] for f in flats)), dtype=np.float64))
    half = n // 2
    half -= half % 8
    return _blocked_sum(fn, flats, lo, half) + _blocked_sum(fn, flats, lo + half, n - half)


def _blocked_fill(fn, arrays, scale=None) -> np.ndarray:
    flats = [a.reshape(-1) for a in arrays]
    out = np.empty(arrays[0].shape)
    flat_out = out.reshape(-1)
    for lo in range(0, flat_out.size, BLOCK):
        block = fn(*(f[lo:lo + BLOCK] for f in flats))
        if scale is not None:
            block = block / scale
        flat_out[lo:lo + BLOCK] = block
    return out


def reduce_elementwise(fn: Callable[..., np.ndarray], arrays, reduction: str = "mean", *, check=None):
    """``reduce(fn(*arrays), reduction)``, computed block by block for large inputs.

    ``fn`` must be element-wise: output element ``i`` depends only on element ``i`` of each
    array (no broadcasting inside, no reductions). Small inputs, inputs of different shapes and
    non-contiguous inputs take the plain path. The result is bit-for-bit the plain path's.

    ``check``, optional, is the input validation as a pair ``(ok, full)``: ``full(*arrays)`` raises
    ValueError for bad inputs; ``ok(*blocks)`` tells quickly that blocks of the arrays pass. The plain
    path calls ``full`` first. The blocked path calls ``ok`` on each block as it computes it, so the
    data is read once rather than once to check and once to compute; if a block fails, ``full``
    runs on the whole arrays, so the errors are exactly those of ``full``.
    """
    check_reduction(reduction)
    if not _blockable(arrays):
        if check is not None:
            check[1](*arrays)
        return reduce(fn(*arrays), reduction)
    fn = _checked(fn, check, arrays)
    if reduction == "none":
        return _blocked_fill(fn, arrays)
    total = _blocked_sum(fn, [a.reshape(-1) for a in arrays], 0, arrays[0].size)
    if reduction == "sum":
        return np.asarray(total, dtype=np.float64)
    return np.asarray(total / arrays[0].size, dtype=np.float64)  # what ndarray.mean computes


def grad_elementwise(fn: Callable[..., np.ndarray], arrays, reduction: str = "mean", *, check=None) -> np.ndarray:
    """``reduce_grad(fn(*arrays), reduction)`` for an element-wise ``fn``, block by block when large.

    ``check`` as for :func:`reduce_elementwise`.
    """
    check_reduction(reduction)
    if not _blockable(arrays):
        if check is not None:
            check[1](*arrays)
        return reduce_grad(fn(*arrays), reduction)
    return _blocked_fill(_checked(fn, check, arrays), arrays, arrays[0].size if reduction == "mean" else None)
