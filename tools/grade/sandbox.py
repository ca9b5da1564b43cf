"""Run one submission's worker and kernel in a bubblewrap sandbox with cgroup limits.

What a submission gets (see instructor_guide.md, "Limits and isolation"):

* Debian's ``bwrap`` (bubblewrap) puts it in new user, pid, ipc, network, uts and mount namespaces,
  as uid/gid 65534 (nobody) with no capabilities and ``no_new_privs``; ``--die-with-parent`` and
  the pid namespace end every process it started when the worker ends.
* The file system holds only: ``/usr`` and the Python installation (read-only), the ``lossutils``
  package and ``lossgrade_inside.py`` (read-only, in ``/opt/lossgrade/lib``), fresh ``/proc`` and
  ``/dev``, and small tmpfs (``/tmp``, ``/dev/shm`` and the working directory ``/home/student``). No ``/etc``,
  no ``/run``, no home folders, no other submission, no sockets of the host.
* One cgroup per notebook holds every process of the sandbox (the worker, the kernel and whatever
  it starts): a memory limit that counts shared memory and tmpfs files, a process cap, a CPU quota.
  cgroup v1 controllers are used where they are mounted (this machine), else cgroup v2. At the end
  the cgroup is frozen, every process in it is killed, and it is removed.

As root, the user namespace maps uid 65534 inside to uid 65534 outside (not to root): bwrap sets up
the mounts as root of that namespace, then ``setpriv`` drops to 65534 and clears every capability
before the worker starts. As another user, ``bwrap --unshare-user --uid 65534`` maps it to that user.
If bwrap or the cgroups are missing, :func:`probe` says why and the grader refuses to run (unless
``--unsafe``, for trusted notebooks only).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

INSIDE = Path(__file__).with_name("inside.py")
LIB = "/opt/lossgrade/lib"  # where the package and lossgrade_inside.py appear in the sandbox
WORKDIR = "/home/student"
NOBODY = 65534
MAX_LINE = 1 << 20  # bytes per event line from the worker
MAX_EVENTS = 16 << 20  # bytes of events in total
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class Limits:
    timeout: float = 120.0  # seconds of cell execution per notebook
    memory_mb: int = 2048  # every process of the sandbox together, shared memory and tmpfs included
    pids: int = 256  # processes and threads (a kernel with torch uses ~40 threads)
    cpus: float = 1.0  # CPU quota of the sandbox
    startup: float = 60.0  # seconds for the kernel to start (not counted in ``timeout``)
    tmpfs_mb: int = 256  # size of /tmp and of the working directory (counted in memory_mb too)


# ------------------------------------------------------------------------------------------------
# bubblewrap


def ensure_bwrap() -> str | None:
    """The path of bwrap; as root on Debian/Ubuntu, install the package first if it is missing."""
    found = shutil.which("bwrap")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-qq", "bubblewrap"], ["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "bubblewrap"]):
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0 \
                and shutil.which("bwrap"):
            break
    return shutil.which("bwrap")


def _python_roots() -> list[str]:
    """Directories of the Python installation the sandbox must see (read-only), outside /usr."""
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(r for r in roots if not (r == "/usr" or r.startswith("/usr/")))


def sandbox_python() -> str:
    """The interpreter path used inside the sandbox (the venv's, so that its site-packages is used)."""
    return os.path.join(os.path.realpath(sys.prefix), "bin", "python")


def _package_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("lossutils")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the lossutils package is not importable here")
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _dirs_for(paths, made: set[str]) -> list[str]:
    """``--perms 0755 --dir`` for every parent of ``paths`` (bwrap would create them 0700)."""
    args = []
    for path in paths:
        parts = Path(path).parts[1:-1]
        for i in range(len(parts)):
            d = "/" + "/".join(parts[: i + 1])
            if d not in made:
                made.add(d)
                args += ["--perms", "0755", "--dir", d]
    return args


def bwrap_args(bwrap: str, limits: Limits, userns_fd: int | None) -> list[str]:
    """The bwrap command line (without the command to run)."""
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "lossgrade"]
    if userns_fd is not None:
        args += ["--userns", str(userns_fd), "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                 "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL"]
    made: set[str] = set()
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    # tmpfs first, then the read-only binds on top (a Python installed under /tmp stays visible)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmpfs_mb << 20), "--perms", "1777", "--tmpfs", "/dev/shm",
             "--size", str(limits.tmpfs_mb << 20), "--perms", "1777", "--tmpfs", "/tmp"]
    roots = _python_roots()
    made |= {"/tmp", "/dev", "/dev/shm", "/proc"}  # mounted above: keep their modes
    args += _dirs_for(roots + [f"{LIB}/x", f"{WORKDIR}/x"], made)
    args += ["--size", str(limits.tmpfs_mb << 20), "--perms", "0777", "--tmpfs", WORKDIR]
    for root in roots:
        args += ["--ro-bind", root, root]
    args += ["--ro-bind", _package_dir(), f"{LIB}/lossutils",
             "--ro-bind", str(INSIDE), f"{LIB}/lossgrade_inside.py",
             "--chdir", WORKDIR, "--clearenv"]
    env = {
        "PATH": f"{os.path.dirname(sandbox_python())}:/usr/local/bin:/usr/bin:/bin", "HOME": WORKDIR,
        "TMPDIR": "/tmp", "PYTHONPATH": LIB, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{WORKDIR}/.matplotlib", "IPYTHONDIR": f"{WORKDIR}/.ipython",
        "JUPYTER_RUNTIME_DIR": f"{WORKDIR}/.jupyter/runtime", "JUPYTER_CONFIG_DIR": f"{WORKDIR}/.jupyter",
        "JUPYTER_DATA_DIR": f"{WORKDIR}/.jupyter/data", "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1", "OMP_NUM_THREADS": str(max(1, int(limits.cpus))),
    }
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def _drop_to_nobody() -> list[str]:
    """The command prefix that leaves root of the sandbox's user namespace for uid 65534, no capabilities."""
    return ["/usr/bin/setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]


def _userns_fd() -> int:
    """As root: a new user namespace mapping uid/gid 0 and 65534 to themselves; returns an fd on it.

    bwrap joins it (``--userns``) to set up the mounts; setpriv then drops to 65534, which is
    uid 65534 on the host too. A helper process creates the namespace; the fd keeps it alive.
    """
    mine = os.readlink("/proc/self/ns/user")
    helper = subprocess.Popen(["unshare", "--user", "--", "sleep", "30"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(2000):
            try:
                if os.readlink(f"/proc/{helper.pid}/ns/user") != mine:
                    break
            except OSError:
                pass
            time.sleep(0.002)
        else:
            raise RuntimeError("unshare --user did not create a user namespace")
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{helper.pid}/{name}", "w") as f:
                f.write(f"0 0 1\n{NOBODY} {NOBODY} 1\n")
        return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.kill()
        helper.wait()


# ------------------------------------------------------------------------------------------------
# cgroups


def _mounts() -> dict[str, str]:
    """Mount points of cgroup v1 controllers ({"memory": "/sys/fs/cgroup/memory", ...}) and of v2 ("")."""
    found = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or not rest:
            continue
        if rest[0] == "cgroup2":
            found.setdefault("", fields[4])
        elif rest[0] == "cgroup" and len(rest) >= 3:
            for option in rest[2].split(","):
                if option in ("memory", "pids", "cpu", "freezer"):
                    found[option] = fields[4]
    return found


def _own_path(controller: str) -> str:
    """This process's cgroup path for ``controller`` ("" for v2)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if (controller == "" and names == "") or controller in names.split(","):
            return path
    return "/"


@dataclass
class Cgroup:
    """One cgroup (v1: one directory per controller; v2: one directory) holding a sandbox."""

    version: int
    dirs: dict[str, Path] = field(default_factory=dict)

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in dict.fromkeys(self.dirs.values())]

    def pids(self) -> set[int]:
        found = set()
        for f in self.procs_files():
            try:
                found |= {int(x) for x in Path(f).read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def oom_killed(self) -> bool:
        d = self.dirs.get("memory")
        try:
            name = "memory.oom_control" if self.version == 1 else "memory.events"
            counters = dict(line.split()[:2] for line in (d / name).read_text().splitlines() if line.strip())
            return int(counters.get("oom_kill", 0)) > 0
        except (OSError, ValueError, TypeError):
            return False

    def kill(self) -> None:
        """Kill every process in the cgroup (frozen first, so none can fork meanwhile) and remove it."""
        if self.version == 2:
            _write(self.dirs["memory"] / "cgroup.kill", "1")
        freezer = self.dirs.get("freezer")
        for _ in range(200):
            if freezer:
                _write(freezer / "freezer.state", "FROZEN")
            pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if freezer:
                _write(freezer / "freezer.state", "THAWED")
            if not pids:
                break
            time.sleep(0.02)
        for d in dict.fromkeys(self.dirs.values()):
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def make_cgroup(limits: Limits) -> Cgroup:
    """A new cgroup with the limits; raises RuntimeError with the reason if none can be made."""
    mounts = _mounts()
    name = f"lossgrade-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    if "memory" in mounts and "pids" in mounts:  # cgroup v1 (this machine; also hybrid hosts)
        group = Cgroup(1)
        try:
            for controller in ("memory", "pids", "cpu", "freezer"):
                if controller not in mounts:
                    continue
                base = Path(mounts[controller]) / _own_path(controller).lstrip("/")
                if base in group.dirs.values():
                    group.dirs[controller] = base / name
                    continue
                (base / name).mkdir()
                group.dirs[controller] = base / name
            mem = group.dirs["memory"]
            limit = str(limits.memory_mb << 20)
            if not _write(mem / "memory.limit_in_bytes", limit):
                raise RuntimeError(f"cannot set {mem}/memory.limit_in_bytes")
            _write(mem / "memory.swappiness", "0")
            if (mem / "memory.memsw.limit_in_bytes").exists():
                _write(mem / "memory.memsw.limit_in_bytes", limit)
            if not _write(group.dirs["pids"] / "pids.max", str(limits.pids)):
                raise RuntimeError("cannot set pids.max")
            if "cpu" in group.dirs:
                _write(group.dirs["cpu"] / "cpu.cfs_period_us", "100000")
                _write(group.dirs["cpu"] / "cpu.cfs_quota_us", str(int(limits.cpus * 100000)))
            return group
        except (OSError, RuntimeError) as exc:
            group.kill()
            raise RuntimeError(f"cgroup v1: {exc}") from None
    if "" in mounts:  # cgroup v2
        base = Path(mounts[""]) / _own_path("").lstrip("/")
        available = set((base / "cgroup.controllers").read_text().split()) if (base / "cgroup.controllers").exists() else set()
        if not {"memory", "pids"} <= available:
            raise RuntimeError(f"cgroup v2 at {base} offers no memory and pids controllers "
                               f"(available: {' '.join(sorted(available)) or 'none'})")
        _write(base / "cgroup.subtree_control", "+memory +pids" + (" +cpu" if "cpu" in available else ""))
        group = Cgroup(2)
        try:
            (base / name).mkdir()
            d = base / name
            group.dirs = {"memory": d, "pids": d, "cpu": d}
            if not (_write(d / "memory.max", str(limits.memory_mb << 20)) and _write(d / "pids.max", str(limits.pids))):
                raise RuntimeError(f"cannot set memory.max/pids.max in {d} (is the subtree delegated to this user?)")
            _write(d / "memory.swap.max", "0")
            _write(d / "cpu.max", f"{int(limits.cpus * 100000)} 100000")
            return group
        except OSError as exc:
            group.kill()
            raise RuntimeError(f"cgroup v2: {exc}") from None
    raise RuntimeError("no cgroup file system is mounted (/sys/fs/cgroup)")


# ------------------------------------------------------------------------------------------------
# Running


@dataclass
class Outcome:
    events: list[dict]
    problem: str | None  # why the worker did not finish, in words for the CSV
    oom: bool = False


def describe(limits: Limits, cgroup_version: int | None) -> str:
    """The limits in force, for the log and the run summary."""
    if cgroup_version is None:
        return ("UNSAFE: no sandbox (--unsafe): submissions run with the grader's permissions; "
                f"only the time limit ({limits.timeout:g} s) applies")
    who = "uid 65534 (also on the host)" if os.geteuid() == 0 else f"uid 65534 (host uid {os.geteuid()})"
    return (f"sandbox: bubblewrap, {who}, no capabilities, new user/pid/ipc/net/uts/mount namespaces, "
            f"read-only /usr + Python + lossutils, tmpfs /tmp, /dev/shm and {WORKDIR} ({limits.tmpfs_mb} MB each); "
            f"cgroup v{cgroup_version}: memory {limits.memory_mb} MB for all processes (shared memory and "
            f"tmpfs included, no swap), at most {limits.pids} processes/threads, {limits.cpus:g} CPU; "
            f"time {limits.timeout:g} s per notebook (+ {limits.startup:g} s kernel start)")


def probe(limits: Limits) -> tuple[int | None, str | None]:
    """(cgroup version, None) if a sandbox can be set up here, else (None, the reason)."""
    if not sys.platform.startswith("linux"):
        return None, "the sandbox needs Linux (bubblewrap and cgroups)"
    bwrap = ensure_bwrap()
    if not bwrap:
        return None, ("bubblewrap is not installed: `sudo apt-get install bubblewrap` (Debian/Ubuntu) "
                      "or your distribution's bubblewrap package")
    try:
        group = make_cgroup(limits)
    except (RuntimeError, OSError) as exc:
        return None, f"no cgroup for the memory and process limits: {exc} (run the grader as root, or " \
                     "on cgroup v2 in a delegated subtree, e.g. `systemd-run --user --scope -p Delegate=yes`)"
    version = group.version
    group.kill()
    try:
        # a quick start (the imports of a real kernel are checked with each notebook)
        out = run_command(["-c", "import os; print(os.getuid()) if os.path.isdir('/opt/lossgrade/lib/lossutils') "
                                 "and not os.path.exists('/etc') else None"], limits, timeout=60)
    except Exception as exc:  # noqa: BLE001 - any failure means: no sandbox
        return None, f"bubblewrap failed: {type(exc).__name__}: {exc}"
    if out.returncode != 0 or out.stdout.strip() != str(NOBODY).encode():
        tail = out.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {out.returncode}"]
        return None, f"bubblewrap could not start Python in the sandbox: {tail[0][:300]}"
    return version, None


def _launch(args: list[str], limits: Limits, *, stdin=None, stdout=None, stderr=None):
    """Start ``python ARGS`` in a new sandbox and cgroup; returns (process, cgroup)."""
    bwrap = shutil.which("bwrap")
    group = make_cgroup(limits)
    userns = _userns_fd() if os.geteuid() == 0 else None
    try:
        cmd = bwrap_args(bwrap, limits, userns)
        if userns is not None:
            cmd += _drop_to_nobody()
        cmd += [sandbox_python(), *args]
        # join the cgroup before exec-ing bwrap, so that every process of the sandbox is in it
        join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
        proc = subprocess.Popen(["/bin/sh", "-c", join, "sh", *group.procs_files(), "--", *cmd],
                                stdin=stdin, stdout=stdout, stderr=stderr, env={"PATH": "/usr/bin:/bin"},
                                pass_fds=(userns,) if userns is not None else (), start_new_session=True)
    except BaseException:
        group.kill()
        raise
    finally:
        if userns is not None:
            os.close(userns)
    return proc, group


def run_command(args: list[str], limits: Limits, timeout: float) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` in a sandbox and wait (used by :func:`probe` and the tests)."""
    proc, group = _launch(args, limits, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    finally:
        group.kill()
    return subprocess.CompletedProcess(args, proc.returncode, out[:MAX_EVENTS], err[-4096:])


def run_worker(plan: dict, limits: Limits, *, unsafe: bool = False, running: set | None = None) -> Outcome:
    """Execute the plan's notebook in a sandboxed worker; return what it reported (bounded)."""
    read_fd, write_fd = os.pipe()
    plan = {**plan, "timeout": limits.timeout, "startup_timeout": limits.startup}
    group, scratch = None, []
    try:
        if unsafe:
            import tempfile

            work, lib = tempfile.mkdtemp(prefix="lossgrade-unsafe-"), tempfile.mkdtemp(prefix="lossgrade-lib-")
            scratch += [work, lib]
            os.symlink(INSIDE, os.path.join(lib, "lossgrade_inside.py"))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "MPLBACKEND": "Agg",
                   "PYTHONPATH": os.pathsep.join([lib, str(Path(_package_dir()).parent)]),
                   "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
            proc = subprocess.Popen([sys.executable, str(INSIDE)], stdin=subprocess.PIPE, stdout=write_fd,
                                    stderr=subprocess.PIPE, cwd=work, env=env, start_new_session=True)
        else:
            # the worker's stdout is the result channel; it moves it away from fd 1 before the kernel starts
            proc, group = _launch([f"{LIB}/lossgrade_inside.py"], limits, stdin=subprocess.PIPE, stdout=write_fd,
                                  stderr=subprocess.PIPE)
    finally:
        os.close(write_fd)
    if running is not None:
        running.add(proc)
    events: list[dict] = []
    flags: dict[str, bool] = {}
    reader = threading.Thread(target=_read_events, args=(read_fd, events, flags, proc), daemon=True)
    reader.start()
    feeder = threading.Thread(target=_feed, args=(proc, json.dumps(plan).encode()), daemon=True)
    feeder.start()
    tail: list[bytes] = []
    drain = threading.Thread(target=_tail, args=(proc.stderr, tail), daemon=True)
    drain.start()
    problem = None
    budget = limits.timeout + limits.startup + 30
    try:
        proc.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        problem = (f"stopped: grading this notebook took longer than {budget:g} s in total (the time limit "
                   "plus kernel start-up); the exercises not reported were not graded.")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        oom = group.oom_killed() if group else False
        if group:
            group.kill()
        proc.wait()
        for folder in scratch:
            shutil.rmtree(folder, ignore_errors=True)
        if running is not None:
            running.discard(proc)
    reader.join(timeout=10)
    drain.join(timeout=5)
    last = [line for line in b"".join(tail).decode(errors="replace").splitlines() if line.strip()][-1:]
    if flags.get("flood"):
        problem = ("stopped: the notebook sent more than 16 MB of answer data to the grader; "
                   "the exercises not reported were not graded.")
    finished = any(e.get("event") in ("done", "stopped", "worker_error") for e in events)
    if oom and finished:
        problem = (f"the sandbox hit its memory limit ({limits.memory_mb} MB for all its processes together, "
                   "shared memory included) and a process was killed.")
    if problem is None and not finished:
        if oom:
            problem = (f"the sandbox was killed at its memory limit ({limits.memory_mb} MB for all its processes "
                       "together, shared memory included); the exercises not reported were not graded.")
        else:
            problem = (f"internal grader error: the worker stopped unexpectedly (exit code {proc.returncode})"
                       + (f": {last[0][:300]}" if last else "."))
    return Outcome(events, problem, oom)


def _tail(stream, keep: list, limit: int = 4096) -> None:
    """Read ``stream`` to its end, keeping only its last ``limit`` bytes (in ``keep``)."""
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        data = (b"".join(keep) + chunk)[-limit:]
        keep[:] = [data]


def _feed(proc, data: bytes) -> None:
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except (OSError, ValueError):
        pass


def _read_events(fd: int, events: list, flags: dict, proc) -> None:
    """Read JSON lines from the worker: lines above MAX_LINE are skipped, MAX_EVENTS bytes in total."""
    total = 0
    with os.fdopen(fd, "rb") as f:
        while True:
            line = f.readline(MAX_LINE + 1)
            if not line:
                return
            total += len(line)
            if total > MAX_EVENTS:
                flags["flood"] = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                return
            if len(line) > MAX_LINE:  # skip the rest of an oversized line
                while line and not line.endswith(b"\n"):
                    line = f.readline(MAX_LINE + 1)
                    total += len(line)
                    if total > MAX_EVENTS:
                        flags["flood"] = True
                        return
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
