"""The sandboxed half of the grader (see :mod:`lossutils.grade`); not part of the public API.

Three roles, three trust levels:

* ``python -m lossutils._grade_worker run --result-fd N`` -- the *worker*, started by the grader for
  one notebook, in a fresh temporary directory, with a scrubbed environment. It reads its plan (JSON)
  on stdin, starts a kernel, executes the notebook cell by cell and, after each exercise cell,
  fetches the student's answer from the kernel as plain data (JSON numbers, arrays, strings; for a
  function: its outputs on the test inputs the grader sent). It reports events as JSON lines on the
  pipe ``N``, which the kernel does not inherit. It never judges an answer: the grader does that in
  its own process with :mod:`lossutils.checks`.
* ``python -m lossutils._grade_worker kernel -f CONNECTION_FILE`` -- the kernel launcher: it drops
  root's capabilities, applies the resource limits (memory, CPU time, file size) and, where Linux
  Landlock is available, a filesystem sandbox (read: the Python installation, system libraries and
  the ``lossutils`` package; write: only the temporary directory), a network sandbox (TCP: bind
  only the kernel's own ports, connect nowhere) and signal scoping (cannot signal the worker or the
  grader); then it becomes ``ipykernel``. Student code runs only in that process.
* :func:`kernel_evaluate` -- runs *inside* the kernel, called by the hidden cells the worker sends;
  it publishes the answer as data under the MIME type ``application/x-lossgrade``.

Whatever the kernel publishes is only ever treated as the student's answer data: a submission that
forges it can at most choose its own answer, which it could do anyway.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import sys
import time
from pathlib import Path

from .checks import _to_numpy

MIME = "application/x-lossgrade"
MAX_ELEMENTS = 100_000  # answers larger than this are not shipped (no exercise expects one)
MAX_TEXT = 300  # characters kept from student-controlled strings (exception messages, ...)

# ------------------------------------------------------------------------------------------------
# Data encoding shared by the grader, the worker and the kernel. JSON only: NaN and ±inf are
# written as NaN / Infinity, which Python's json reads back.


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


def _short(text) -> str:
    """One line, at most MAX_TEXT characters (for student-controlled text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def encode_answer(value) -> dict:
    """The answer as data the grader can judge: a number/array, a string, or just its type name."""
    import numpy as np

    if value is None or value is Ellipsis:
        return {"t": "none"}
    if isinstance(value, str):
        return {"t": "str", "v": value[:10_000]}
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
        return data["v"]
    if kind == "int" and isinstance(data.get("v"), int):
        return data["v"]
    if kind == "float" and isinstance(data.get("v"), (int, float)):
        return float(data["v"])
    if kind == "array":
        shape, values = data.get("shape"), data.get("data")
        if (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)
                and isinstance(values, list) and len(values) == math.prod(shape) <= MAX_ELEMENTS
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
            return np.array(values, dtype=np.float64).reshape(shape)
    if kind == "other":
        return _Opaque.of(data.get("type"))
    raise ValueError("malformed answer data")


class _Opaque:
    """Stands for an answer that is not data (a list of strings, a dict, ...): only its type name
    reaches the grader, so that the check's message ("got dict") is the one the student saw."""

    @classmethod
    def of(cls, name) -> "_Opaque":
        name = str(name) if isinstance(name, str) and name.isidentifier() else "object"
        return type(name, (cls,), {})()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


# ------------------------------------------------------------------------------------------------
# Runs inside the kernel (called by the hidden cells the worker sends).


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
                    outputs.append({"raised": type(exc).__name__, "message": _short(exc)})
            payload = {"function": outputs}
        else:
            payload = {"value": encode_answer(value)}
    except Exception as exc:
        payload = {"error": [type(exc).__name__, _short(exc)]}
    publish_display_data({MIME: json.dumps(payload)})


# ------------------------------------------------------------------------------------------------
# Landlock (Linux >= 5.13), through the raw system calls; numbers are the same on every architecture.

_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 38, 24, 47, 4
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _NetPortAttr(ctypes.Structure):
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version of the running kernel (0: not available)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        libc = _libc()
        libc.syscall.restype = ctypes.c_long
        abi = libc.syscall(ctypes.c_long(_SYS_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def _fs_mask(abi: int) -> int:
    mask = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        mask |= _FS_REFER
    if abi >= 3:
        mask |= _FS_TRUNCATE
    return mask


def apply_landlock(read_dirs, list_dirs, write_dirs, rw_files, bind_ports) -> int:
    """Restrict this process and its children for good; returns the ABI used (0: not available).

    Raises OSError if Landlock is available but could not be applied (the caller fails closed).
    """
    abi = landlock_abi()
    if abi <= 0:
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    fs = _fs_mask(abi)
    attr = _RulesetAttr(fs, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(ctypes.c_long(_SYS_CREATE), ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        def add_path(path, access):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return  # missing paths are simply not granted
            try:
                if not os.path.isdir(path):
                    access &= _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
                rule = _PathBeneathAttr(access & fs, fd)
                if libc.syscall(ctypes.c_long(_SYS_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(1),
                                ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)

        for path in read_dirs:
            add_path(path, _FS_READ)
        for path in list_dirs:
            add_path(path, _FS_READ_DIR)
        for path in write_dirs:
            add_path(path, fs)
        for path in rw_files:
            add_path(path, _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE)
        if abi >= 4:
            # the kernel's own ports, and port 0 (an ephemeral port: ipykernel's pipe for the output
            # of subprocesses); no rule allows connecting anywhere
            for port in {*bind_ports, 0}:
                rule = _NetPortAttr(_NET_BIND_TCP, int(port))
                if libc.syscall(ctypes.c_long(_SYS_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(2),
                                ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for port {port}")
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(ctypes.c_long(_SYS_RESTRICT), ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def _drop_root_capabilities() -> None:
    """As root, empty the capability bounding set, so the kernel we exec has no capabilities."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    libc = _libc()
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        last = 40
    for cap in range(last + 1):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)


def _readable_roots() -> tuple[list[str], list[str]]:
    """Directories the kernel may read (the Python installation, system files, lossutils) and
    directories it may only list (a source checkout on PYTHONPATH, whose other files stay hidden)."""
    import importlib.util
    import sysconfig

    spec = importlib.util.find_spec("lossutils")
    package = [os.path.realpath(p) for p in (spec.submodule_search_locations or [])] if spec else []
    hidden = {os.path.dirname(p) for p in package}  # e.g. the repository: chapters/ must stay unreadable
    roots = ["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev",
             sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
             *sysconfig.get_paths().values(), *package]
    for entry in sys.path:
        if entry and os.path.isabs(entry) and os.path.realpath(entry) not in hidden:
            roots.append(entry)
    read = sorted({os.path.realpath(r) for r in roots if os.path.exists(r)})
    return read, sorted(hidden)


def _set_limits(memory_mb: int, cpu_s: int, fsize_mb: int = 256) -> None:
    import resource

    # RLIMIT_DATA (heap and private writable mappings: what numpy and torch allocate) rather than
    # RLIMIT_AS: torch's thread stacks and malloc arenas reserve address space they never use (a
    # chapter's kernel reserves ~1.6 GB of address space for ~0.5 GB of data on 2 cores, more with more cores)
    memory = getattr(resource, "RLIMIT_DATA", None) or getattr(resource, "RLIMIT_AS", None)
    limits = [(memory, memory_mb << 20), (resource.RLIMIT_CPU, cpu_s),
              (resource.RLIMIT_FSIZE, fsize_mb << 20), (resource.RLIMIT_CORE, 0)]
    for which, value in limits:
        if which is None:
            continue
        try:
            _soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass  # e.g. RLIMIT_AS on macOS: the wall-clock limit still applies


def kernel_main(argv: list[str]) -> None:
    """Sandbox this process, then become ipykernel (``argv`` goes to ipykernel_launcher)."""
    sandbox = os.environ.pop("LOSSGRADE_SANDBOX")
    memory_mb = int(os.environ.pop("LOSSGRADE_MEMORY_MB"))
    cpu_s = int(os.environ.pop("LOSSGRADE_CPU_S"))
    connection = argv[argv.index("-f") + 1]
    ports = [v for k, v in json.loads(Path(connection).read_text()).items() if k.endswith("_port")]
    read, listable = _readable_roots()
    _drop_root_capabilities()
    try:
        apply_landlock(read, listable, [sandbox], ["/dev/null"], ports)
    except OSError as exc:
        sys.stderr.write(f"lossgrade: could not set up the sandbox: {exc}\n")
        sys.exit(70)  # fail closed: never run a submission without the sandbox the system offers
    _set_limits(memory_mb, cpu_s)
    os.chdir(sandbox)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


# ------------------------------------------------------------------------------------------------
# The worker.


def _hidden_source(expr: str, mode: str, inputs: list) -> str:
    return ("import lossutils._grade_worker as _lossgrade_w\n"
            f"_lossgrade_w.kernel_evaluate(get_ipython().user_ns, {expr!r}, {mode!r}, "
            f"{json.dumps(inputs)!r})\n"
            "del _lossgrade_w\n")


def worker_main(result_fd: int) -> int:
    os.set_inheritable(result_fd, False)  # the kernel must not get the channel to the grader
    out = os.fdopen(result_fd, "w", buffering=1, encoding="utf-8")

    started = time.monotonic()

    def emit(**event):
        event["t"] = round(time.monotonic() - started, 2)  # seconds since the worker started
        out.write(json.dumps(event) + "\n")
        out.flush()

    try:
        plan = json.loads(sys.stdin.read())
        return _run(plan, emit)
    except Exception as exc:  # a bug in the worker: report it, the grader turns it into a row
        emit(event="worker_error", detail=f"{type(exc).__name__}: {_short(exc)}")
        return 1
    finally:
        out.close()


def _run(plan: dict, emit) -> int:
    import nbformat
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    sandbox = Path(plan["sandbox"])
    nb = nbformat.read(sandbox / plan["notebook"], as_version=4)
    specs = Path(plan["private"]) / "kernels"
    (specs / "lossgrade").mkdir(parents=True, exist_ok=True)
    (specs / "lossgrade" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "lossutils._grade_worker", "kernel", "-f", "{connection_file}",
                 "--HistoryManager.hist_file=:memory:"],
        "display_name": "lossgrade sandbox", "language": "python"}))
    os.environ.update(LOSSGRADE_SANDBOX=str(sandbox), LOSSGRADE_MEMORY_MB=str(plan["memory_mb"]),
                      LOSSGRADE_CPU_S=str(int(plan["cpu_s"])))

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            # keep only what the grader needs: errors, and the answer data of hidden cells
            kind = msg["msg_type"]
            if kind == "error" or (kind == "display_data" and MIME in msg["content"].get("data", {})):
                return super().output(outs, msg, display_id, cell_index)
            return None

    km = AsyncKernelManager(kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
                       kernel_name="lossgrade")
    client = Client(nb, km=km, allow_errors=True, interrupt_on_timeout=False, record_timing=False,
                    startup_timeout=plan["startup_timeout"], shutdown_kernel="immediate",
                    resources={"metadata": {"path": str(sandbox)}})
    calls = {int(k): v for k, v in plan["calls"].items()}
    kernel_pid = None
    try:
        try:
            ctx = client.setup_kernel(cleanup_kc=True)
            ctx.__enter__()
        except Exception as exc:
            emit(event="stopped", reason="startup", cell=None, detail=f"{type(exc).__name__}: {_short(exc)}")
            return 0
        try:
            kernel_pid = getattr(km.provisioner, "pid", None)
            emit(event="kernel", pid=kernel_pid)
            deadline = time.monotonic() + plan["timeout"]

            def execute(cell, index, store_history=True) -> bool:
                """Run one cell within the notebook's time budget; False if grading must stop."""
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    emit(event="stopped", reason="timeout", cell=index)
                    return False
                client.timeout_func = lambda _cell: remaining  # the trait `timeout` takes only ints
                try:
                    client.execute_cell(cell, index, store_history=store_history)
                except CellTimeoutError:
                    emit(event="stopped", reason="timeout", cell=index)
                    return False
                except DeadKernelError:
                    emit(event="stopped", reason="dead", cell=index)
                    return False
                return True

            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if not execute(cell, index):
                    break
                errors = [o for o in cell.outputs if o.output_type == "error"]
                if errors:
                    emit(event="cell_error", cell=index, ename=_short(errors[0].ename),
                         evalue=_short(errors[0].evalue))
                    continue  # later cells still run; this cell's answers are not read
                stop = False
                for number, call in enumerate(calls.get(index, [])):
                    if call.get("expr") is None:
                        continue
                    hidden = nbformat.v4.new_code_cell(_hidden_source(call["expr"], call["mode"],
                                                                      call.get("inputs", [])))
                    if not execute(hidden, index, store_history=False):
                        stop = True
                        break
                    payloads = [o.data[MIME] for o in hidden.outputs
                                if o.output_type == "display_data" and MIME in o.get("data", {})]
                    errors = [o for o in hidden.outputs if o.output_type == "error"]
                    if payloads:
                        emit(event="answer", cell=index, call=number, payload=payloads[-1])
                    else:
                        detail = (f"{_short(errors[0].ename)}: {_short(errors[0].evalue)}" if errors
                                  else "no answer data came back")
                        emit(event="answer", cell=index, call=number, payload=None, detail=detail)
                if stop:
                    break
            emit(event="done")
        finally:
            try:
                ctx.__exit__(None, None, None)
            except Exception:
                pass
    finally:
        if kernel_pid:
            try:
                os.killpg(kernel_pid, 9)  # whatever the submission forked in the kernel's group
            except OSError:
                pass
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["kernel"]:
        kernel_main(argv[1:])
        return 0
    if argv[:1] == ["run"] and len(argv) == 3 and argv[1] == "--result-fd":
        return worker_main(int(argv[2]))
    sys.stderr.write("internal module of lossutils.grade; run `python -m lossutils.grade --help`\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
