"""The half of the grader that runs *inside* the sandbox, next to the student's code.

Nothing here is trusted by the grader: whatever this process or the kernel sends back is only ever
read as the student's answer data, with size caps, and judged outside the sandbox (tools/grade/grader.py).
The file is bound read-only into the sandbox as ``lossgrade_inside.py``; it needs only the standard
library, numpy, jupyter_client and ipykernel, never ``lossutils`` (so a submission that breaks
``lossutils`` in its kernel cannot break the worker).

* ``python lossgrade_inside.py`` -- the *worker*: reads its plan (JSON, with the notebook) on stdin,
  starts an ipykernel, executes the notebook cell by cell and, after each exercise cell, fetches the
  answer as plain data (for a function: its outputs on the test inputs the grader sent). It writes
  events as JSON lines to the pipe it got as stdout, which it moves to a descriptor the kernel does
  not inherit (the kernel's stdout is /dev/null).
* :func:`kernel_evaluate` -- runs inside the kernel, called by the hidden cell the worker sends.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

MIME = "application/x-lossgrade"
MAX_ELEMENTS = 100_000  # answers larger than this are not shipped (no exercise expects one)
MAX_TEXT = 300  # characters kept from student-controlled strings (exception messages, ...)


def short(text) -> str:
    """One line, at most MAX_TEXT characters (for student-controlled text). Linear time."""
    text = str(text)[: 4 * MAX_TEXT]
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _to_numpy(value):
    """A torch tensor as numpy (duck-typed, so nothing here imports torch); anything else unchanged."""
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


# ------------------------------------------------------------------------------------------------
# Wire format (JSON only; NaN and ±inf are written as NaN / Infinity, which Python's json reads back)


def encode(obj):
    """Encode test inputs (arrays, numbers, strings, tuples, lists, dicts) as JSON-able data."""
    import numpy as np

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return {"t": "int", "v": int(obj)}
    if isinstance(obj, float):
        return {"t": "float", "v": obj}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot send an array of dtype {arr.dtype} to the kernel")
        return {"t": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape), "data": arr.ravel().tolist(),
                "scalar": isinstance(obj, np.generic)}
    if isinstance(obj, (tuple, list)):
        return {"t": type(obj).__name__, "items": [encode(x) for x in obj]}
    if isinstance(obj, dict):
        return {"t": "dict", "items": [[str(k), encode(v)] for k, v in obj.items()]}
    raise TypeError(f"cannot send a {type(obj).__name__} to the kernel")


def decode(data):
    """Inverse of :func:`encode`."""
    import numpy as np

    if data is None or isinstance(data, (bool, str)):
        return data
    kind = data["t"]
    if kind == "int":
        return int(data["v"])
    if kind == "float":
        return float(data["v"])
    if kind == "nd":
        arr = np.array(data["data"], dtype=np.dtype(data["dtype"])).reshape(data["shape"])
        return arr[()] if data.get("scalar") else arr
    if kind in ("tuple", "list"):
        items = [decode(x) for x in data["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v) for k, v in data["items"]}
    raise ValueError(f"unknown encoded kind {kind!r}")


def encode_answer(value) -> dict:
    """The answer as data the grader can judge: a number/array, a string, or just its type name."""
    import numpy as np

    if value is None or value is Ellipsis:
        return {"t": "none"}
    if isinstance(value, str):
        return {"t": "str", "v": value[:1000]}
    value = _to_numpy(value)
    if isinstance(value, (bool, np.bool_)):
        return {"t": "array", "shape": [], "data": [float(value)]}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": int(value)} if abs(int(value)) < 2**53 else {"t": "float", "v": float(value)}
    if isinstance(value, (float, np.floating, np.ndarray, list, tuple)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return {"t": "other", "type": type(value).__name__}
        if arr.size > MAX_ELEMENTS:
            return {"t": "big", "shape": list(arr.shape)}
        return {"t": "array", "shape": list(arr.shape), "data": arr.ravel().tolist()}
    return {"t": "other", "type": type(value).__name__}


def decode_answer(data):
    """Inverse of :func:`encode_answer`, in the grader (untrusted input: validate everything)."""
    import numpy as np

    kind = data.get("t") if isinstance(data, dict) else None
    if kind == "none":
        return None
    if kind == "str" and isinstance(data.get("v"), str):
        return data["v"][:1000]
    if kind == "int" and isinstance(data.get("v"), int) and not isinstance(data.get("v"), bool):
        return data["v"]
    if kind == "float" and isinstance(data.get("v"), (int, float)) and not isinstance(data.get("v"), bool):
        return float(data["v"])
    if kind == "array":
        shape, values = data.get("shape"), data.get("data")
        if (isinstance(shape, list) and len(shape) <= 8 and all(type(s) is int and s >= 0 for s in shape)
                and isinstance(values, list) and len(values) == math.prod(shape) <= MAX_ELEMENTS
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
            return np.array(values, dtype=np.float64).reshape(shape)
    if kind == "other":
        return Opaque.of(data.get("type"))
    raise ValueError("malformed answer data")


class Opaque:
    """Stands for an answer that is not data (a dict, a list of strings, ...): only its type name
    reaches the grader, so that the check's message ("got dict") is the one the student saw."""

    @classmethod
    def of(cls, name) -> "Opaque":
        name = str(name)[:40] if isinstance(name, str) and name[:40].isidentifier() else "object"
        return type(name, (cls,), {})()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


# ------------------------------------------------------------------------------------------------
# Runs inside the kernel (called by the hidden cells the worker sends)


def kernel_evaluate(namespace: dict, expr: str, mode: str, inputs: str = "[]") -> None:
    """Evaluate the answer expression ``expr`` in the student's namespace and publish it as data.

    ``mode`` is "value" (numbers, arrays, strings) or "function" (call the answer on every encoded
    ``(args, kwargs)`` of ``inputs`` and publish the outputs, or the exception each call raised).
    """
    from IPython.display import publish_display_data

    try:
        value = eval(compile(expr, "<answer>", "eval"), namespace)  # noqa: S307 - student code, in its kernel
        if mode == "function" and callable(value):
            import numpy as np

            outputs = []
            for args, kwargs in json.loads(inputs):
                try:
                    out = value(*decode(args), **decode(kwargs))
                    arr = np.asarray(_to_numpy(out), dtype=np.float64)
                    if arr.size > MAX_ELEMENTS:
                        raise ValueError(f"returned an array with {arr.size} elements")
                    outputs.append({"shape": list(arr.shape), "data": arr.ravel().tolist(),
                                    "none": out is None})
                except Exception as exc:  # the student's function: report what it raised
                    outputs.append({"raised": type(exc).__name__, "message": short(exc)})
            payload = {"function": outputs}
        else:
            payload = {"value": encode_answer(value)}
    except Exception as exc:
        payload = {"error": [type(exc).__name__, short(exc)]}
    publish_display_data({MIME: json.dumps(payload)})


def _hidden_source(expr: str, mode: str, inputs: list) -> str:
    return ("import lossgrade_inside as _lossgrade_w\n"
            f"_lossgrade_w.kernel_evaluate(get_ipython().user_ns, {expr!r}, {mode!r}, "
            f"{json.dumps(inputs)!r})\n"
            "del _lossgrade_w\n")


# ------------------------------------------------------------------------------------------------
# The worker


def worker_main() -> int:
    fd = os.dup(1)  # the channel to the grader: not inherited by the kernel
    os.set_inheritable(fd, False)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")
    out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
    plan = json.loads(sys.stdin.buffer.read())
    started = time.monotonic()

    def emit(**event):
        event["t"] = round(time.monotonic() - started, 2)  # seconds since the worker started
        out.write(json.dumps(event) + "\n")
        out.flush()

    try:
        return _run(plan, emit)
    except Exception as exc:  # a bug in the worker: report it, the grader turns it into a row
        emit(event="worker_error", detail=f"{type(exc).__name__}: {short(exc)}")
        return 1
    finally:
        out.close()


def _run(plan: dict, emit) -> int:
    """Run the plan's cells in a fresh kernel (jupyter_client only: nbformat's and nbclient's imports
    cost seconds per notebook)."""
    import queue
    import tempfile

    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    specs = tempfile.mkdtemp(prefix="kernels-")
    os.makedirs(os.path.join(specs, "lossgrade"))
    with open(os.path.join(specs, "lossgrade", "kernel.json"), "w") as f:
        json.dump({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                            "--HistoryManager.hist_file=:memory:"],
                   "display_name": "lossgrade sandbox", "language": "python"}, f)
    km = KernelManager(kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]), kernel_name="lossgrade")
    try:
        km.start_kernel(cwd=os.getcwd(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=plan["startup_timeout"])
    except Exception as exc:
        emit(event="stopped", reason="startup", cell=None, detail=f"{type(exc).__name__}: {short(exc)}")
        return 0
    emit(event="kernel")
    deadline = time.monotonic() + plan["timeout"]

    def execute(source: str, index: int, store_history: bool = True):
        """Run one cell within the notebook's time budget: (error or None, answer payloads), or None
        (after emitting why) if grading must stop."""
        msg_id = kc.execute(source, store_history=store_history, allow_stdin=False)
        error, payloads = None, []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                emit(event="stopped", reason="timeout", cell=index)
                return None
            try:
                msg = kc.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not km.is_alive():
                    emit(event="stopped", reason="dead", cell=index)
                    return None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error" and error is None:
                error = (short(content.get("ename", "")), short(content.get("evalue", "")))
            elif kind in ("display_data", "execute_result") and MIME in content.get("data", {}):
                payloads = (payloads + [content["data"][MIME]])[-2:]
            elif kind == "status" and content.get("execution_state") == "idle":
                return error, payloads

    calls = {int(k): v for k, v in plan["calls"].items()}
    try:
        for index, cell in enumerate(plan["cells"]):
            if cell.get("type") != "code" or not cell.get("source", "").strip():
                continue
            ran = execute(cell["source"], index)
            if ran is None:
                break
            if ran[0] is not None:
                emit(event="cell_error", cell=index, ename=ran[0][0], evalue=ran[0][1])
                continue  # later cells still run; this cell's answers are not read
            stop = False
            for number, call in enumerate(calls.get(index, [])):
                if call.get("expr") is None:
                    continue
                ran = execute(_hidden_source(call["expr"], call["mode"], call.get("inputs", [])), index, False)
                if ran is None:
                    stop = True
                    break
                error, payloads = ran
                if payloads and isinstance(payloads[-1], str):
                    emit(event="answer", cell=index, call=number, payload=payloads[-1][: 4 << 20])
                else:
                    detail = f"{error[0]}: {error[1]}" if error else "no answer data came back"
                    emit(event="answer", cell=index, call=number, payload=None, detail=detail)
            if stop:
                break
        else:
            emit(event="done")
    finally:
        try:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(worker_main())
