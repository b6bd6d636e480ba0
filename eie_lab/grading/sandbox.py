"""A sandbox per submission: private folder, limits, no network, nothing left running.

:func:`run_sandboxed` runs :mod:`eie_lab.grading.sandbox_runner` on one prepared box (a fresh
temporary folder holding the job, the grader-chosen inputs and a private HOME) at the strongest
level this machine offers (:func:`sandbox_level`), recorded in the gradebook:

``bwrap``
    bubblewrap (Debian ``bubblewrap``) with new PID, network, IPC and UTS namespaces. The
    sandbox sees a read-only system (``/usr``, ``/etc``, the Python installation and the
    ``eie_lab`` package folder *without* ``grading/checks``) and one writable folder, its own
    box: not the course folder, ``solutions/``, the gradebook, the feedback, the grading secret
    or other submissions. The student's code runs as a user id of its own (not the grader's),
    with the rlimits below; when the runner ends, the PID namespace ends and takes every process
    with it.
``uid``
    No bubblewrap, but the grader is root: the runner runs as an unprivileged user id of its own
    with the rlimits below, in its own session. It cannot write or signal anything of the
    grader's, but it can read every world-readable file (e.g. ``solutions/``), and the network
    is open.
``rlimits``
    Neither: the runner runs as the grader's own user with rlimits, in its own process group.
    This stops runaway loops and memory, not a deliberate cheat; use it for self-study only.

Limits at every level: CPU seconds, address space, file size, no core files and (with a user id
of its own) a process count. After the run every process of the box is killed: its process
group, and every process still owned by its user id (checked by reading ``/proc``).

Examples
--------
>>> from eie_lab.grading.sandbox import Limits, sandbox_level
>>> Limits().memory_bytes // 2**30
4
>>> sandbox_level() in ("bwrap", "uid", "rlimits")
True
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import eie_lab

__all__ = ["Limits", "SandboxRun", "sandbox_level", "run_sandboxed", "prepare_box", "box_uid",
           "bwrap_command", "LEVELS", "FORK_LOCK"]

#: Held while a sandbox process is forked, and by the grader while it computes references.
#: Forking while another thread is inside a multi-threaded BLAS call deadlocks: OpenBLAS's fork
#: handler waits for its worker threads, which wait for the call that cannot finish (a class run
#: with --jobs 2 hung this way). Grading threads therefore never fork during numpy work.
FORK_LOCK = threading.Lock()

LEVELS = ("bwrap", "uid", "rlimits")
_PACKAGE_DIR = Path(eie_lab.__file__).resolve().parent
_UID_BASE = 61000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission.

    Attributes
    ----------
    cell_timeout : float
        Seconds one cell may run before it is interrupted.
    n_cells : int
        Code cells to run (sets the wall-clock and CPU budget of the whole run).
    memory_bytes : int
        Address-space limit (default 4 GiB).
    processes : int
        Most processes of the box at once (with a user id of its own).
    file_bytes : int
        Largest file the box may write.

    Examples
    --------
    >>> Limits(cell_timeout=10, n_cells=5).wall_seconds
    115.0
    """

    cell_timeout: float = 30.0
    n_cells: int = 20
    memory_bytes: int = 4 * 2**30
    processes: int = 64
    file_bytes: int = 256 * 2**20

    @property
    def grace(self) -> float:
        """Seconds a cell gets after its interrupt before the box is killed."""
        return float(min(5.0, max(2.0, self.cell_timeout)))

    @property
    def wall_seconds(self) -> float:
        """Wall-clock budget of the whole run: start-up plus every cell at its limit."""
        return 60.0 + self.n_cells * (self.cell_timeout + 1.0)

    @property
    def cpu_seconds(self) -> int:
        """CPU-time budget (rlimit) of every process of the box."""
        return int(self.wall_seconds) + 1


@dataclass
class SandboxRun:
    """How a sandboxed run ended.

    Attributes
    ----------
    level : str
        The sandbox level used (see the module docstring).
    returncode : int or None
        The runner's exit status (negative: killed by that signal).
    killed : str
        Why the grader killed the box ("" when it ended on its own).
    leftovers : int
        Processes still alive after the runner ended (all killed).
    stuck_cell : int or None
        The cell running when the box was killed for not answering.
    seconds : float
        Wall-clock time.
    cpu_seconds : float
        User + system CPU time of the box's processes: the largest of what the grader saw in
        ``/proc`` while they ran, what the wait for the runner reported, and the runner's own
        report at its end (untrusted, so used for statistics only).

    Examples
    --------
    >>> SandboxRun("rlimits", 0).ok
    True
    """

    level: str
    returncode: int | None
    killed: str = ""
    leftovers: int = 0
    stuck_cell: int | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    events: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the runner finished every cell."""
        return self.returncode == 0 and not self.killed


def _python() -> str:
    return sys.executable


def _system_binds() -> list[str]:
    roots = []
    for p in ("/usr", "/etc", "/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.lexists(p):
            roots.append(p)
    return roots


def _python_binds() -> list[str]:
    """The Python installation and its site-packages; the eie_lab folder alone, not the
    checkout around it (an editable install puts the checkout on ``sys.path``)."""
    prefixes = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), sys.prefix}
    paths = set(prefixes)
    for entry in sys.path:  # site-packages only: never the current folder (a course folder)
        if (entry and os.path.isdir(entry) and not _covered(os.path.realpath(entry), sorted(prefixes))
                and os.path.basename(entry) in ("site-packages", "dist-packages")):
            paths.add(entry)
    paths.add(str(_PACKAGE_DIR))
    exe = Path(sys.executable)
    paths.add(str(exe.parent))
    if exe.is_symlink():
        paths.add(str(Path(os.path.realpath(exe)).parent))
    return sorted(paths)


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def bwrap_command(box: Path, uid: int, hide: list[Path]) -> list[str]:
    """The ``bwrap`` command line that runs the runner on ``box`` as ``uid``.

    Parameters
    ----------
    box : Path
        The box folder (bound read-write at ``/box``).
    uid : int
        User and group id the runner switches to (with ``setpriv``).
    hide : list of Path
        Grader folders to mask with an empty tmpfs if they fall under a read-only bind.

    Examples
    --------
    >>> cmd = bwrap_command(Path("/tmp/box"), 61001, [])
    >>> cmd[0], "--unshare-net" in cmd, cmd[cmd.index("--bind") + 2]
    ('bwrap', True, '/box')
    """
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    binds: list[str] = []
    for root in _system_binds():
        if os.path.islink(root):
            cmd += ["--symlink", os.readlink(root), root]
        else:
            binds.append(root)
    for p in _python_binds():
        if not _covered(p, binds):
            binds.append(p)
    # The box and its /tmp first: a bind made later would shadow every read-only bind below
    # /tmp (a checkout or virtual environment under /tmp would vanish inside the box).
    cmd += ["--bind", str(box), "/box", "--bind", str(box / "tmp"), "/tmp"]
    made: set[str] = {"/tmp"}
    for target in sorted(binds, key=lambda p: (p.count("/"), p)):
        for parent in reversed(Path(target).parents):
            s = str(parent)
            if s != "/" and s not in made and not _covered(s, binds):
                cmd += ["--perms", "0755", "--dir", s]
                made.add(s)
    for target in sorted(binds, key=lambda p: (p.count("/"), p)):
        cmd += ["--ro-bind", target, target]
    cmd += ["--tmpfs", str(_PACKAGE_DIR / "grading" / "checks")]
    for h in hide:
        h = Path(os.path.realpath(h))
        if h.is_dir() and _covered(str(h), binds):
            cmd += ["--tmpfs", str(h)]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/box/work", "--clearenv"]
    for key, value in _env("/box").items():
        cmd += ["--setenv", key, value]
    cmd += ["--", shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}",
            f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            _python(), "-m", "eie_lab.grading.sandbox_runner", "/box"]
    return cmd


def _env(box: str) -> dict[str, str]:
    return {"HOME": f"{box}/home", "IPYTHONDIR": f"{box}/home/.ipython",
            "MPLCONFIGDIR": f"{box}/home/.matplotlib", "TMPDIR": "/tmp" if box == "/box"
            else f"{box}/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
            "EIE_LAB_PROGRESS": "0", "NBGRADER_EXECUTION": "autograde",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _probe(cmd: list[str], preexec) -> bool:
    try:
        with FORK_LOCK:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=60, preexec_fn=preexec)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.cache
def _works(level: str) -> bool:
    """Whether ``level`` can start Python with the packages the runner needs (probed once)."""
    root = os.geteuid() == 0
    probe = [_python(), "-c", "import numpy, IPython, eie_lab.grading.sandbox_runner"]
    if level == "bwrap":
        if not (root and shutil.which("bwrap") and shutil.which("setpriv")):
            return False
        with tempfile.TemporaryDirectory(prefix="eie-lab-probe-") as tmp:
            box = Path(tmp)
            for sub in ("home", "tmp", "work", "out"):
                (box / sub).mkdir()
            cmd = bwrap_command(box, _UID_BASE, [])
            return _probe(cmd[:cmd.index("-m")] + probe[1:], None)
    if level == "uid":
        return root and _probe(probe, functools.partial(_drop_to, _UID_BASE))
    return True


def sandbox_level() -> str:
    """The strongest sandbox level that works here. ``EIE_LAB_SANDBOX`` may ask for a weaker
    one (e.g. to test the fallbacks); a level that does not work falls back to the next.

    Examples
    --------
    See the module docstring.
    """
    wanted = os.environ.get("EIE_LAB_SANDBOX", "")
    start = LEVELS.index(wanted) if wanted in LEVELS else 0
    return next(level for level in LEVELS[start:] if _works(level))


def _drop_to(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _set_limits(limits: Limits, own_uid: bool) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if own_uid:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def _die_with_grader() -> None:
    """Ask the kernel to SIGKILL this process when the grader thread that started it ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the watchdog and the uid sweep remain
        pass


def _preexec(limits: Limits, level: str, uid: int) -> None:
    os.umask(0o022)
    _die_with_grader()
    _set_limits(limits, own_uid=level != "rlimits")
    if level == "uid":
        _drop_to(uid)


def _pids_of_uid(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _reap(proc: subprocess.Popen, run: SandboxRun, block: bool) -> bool:
    """Wait for the runner with ``wait4`` (to read its CPU time); True once it has ended."""
    if proc.returncode is not None:
        return True
    try:
        pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        proc.returncode = proc.returncode if proc.returncode is not None else -9
        return True
    if pid == 0:
        return False
    proc.returncode = os.waitstatus_to_exitcode(status)
    run.cpu_seconds = usage.ru_utime + usage.ru_stime
    return True


def _kill_all(proc: subprocess.Popen, run: SandboxRun, level: str, uid: int) -> int:
    """Kill the box's process group and every process of its uid; the count left behind."""
    left = 0
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _reap(proc, run, block=True)
    if level != "rlimits":
        for _ in range(100):
            pids = _pids_of_uid(uid)
            if not pids:
                break
            left = max(left, len(pids))
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
    try:  # the group must be empty now (a process that setsid()'d itself is caught above)
        os.killpg(proc.pid, 0)
        left = max(left, 1)
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return left


_TICK = os.sysconf("SC_CLK_TCK")


def _box_cpu(uid: int | None, pgid: int) -> float:
    """CPU seconds of the box's live processes (with the reaped children they waited for)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if uid is not None:
                if os.stat(f"/proc/{entry}").st_uid != uid:
                    continue
            elif int(fields[2]) != pgid:
                continue
            total += sum(int(x) for x in fields[11:15])
        except (OSError, ValueError, IndexError):
            continue
    return total / _TICK


def _read_events(path: Path) -> list[dict]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(4 * 2**20)
    except OSError:
        return []
    events = []
    for line in raw.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if isinstance(ev, dict):
            events.append(ev)
    return events


def _current_cell(events: list[dict]) -> tuple[int | None, float | None]:
    index = started = None
    for ev in events:
        if ev.get("event") == "start":
            index, started = ev.get("index"), ev.get("t")
        elif ev.get("event") == "end" and ev.get("index") == index:
            index = started = None
    return (index if isinstance(index, int) else None,
            started if isinstance(started, (int, float)) else None)


def box_uid(slot: int) -> int:
    """The user id of sandbox ``slot`` of this grader process (one per concurrent box).

    Examples
    --------
    >>> box_uid(0) != box_uid(1)
    True
    """
    return _UID_BASE + (os.getpid() % 60) * 64 + slot % 64


def prepare_box(box: Path, uid: int, level: str) -> None:
    """Create the box's sub-folders and hand them to ``uid`` (when the grader may).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     prepare_box(Path(tmp), 61001, "rlimits")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['home', 'inputs', 'out', 'tmp', 'work']
    """
    for sub in ("home", "tmp", "work", "out", "inputs"):
        (box / sub).mkdir(exist_ok=True)
    (box / "out" / "answers").mkdir(exist_ok=True)
    os.chmod(box, 0o700)  # no other user id (another box) may look inside
    if level != "rlimits" and os.geteuid() == 0:
        for folder, dirs, files in os.walk(box):
            for name in [".", *dirs, *files]:
                os.chown(os.path.join(folder, name), uid, uid)


def run_sandboxed(box: Path, limits: Limits, *, slot: int = 0, level: str | None = None,
                  hide: list[Path] | None = None) -> SandboxRun:
    """Run the runner on ``box`` (see :func:`prepare_box`) and clean up after it.

    Parameters
    ----------
    box : Path
        The prepared box (``job.json``, ``inputs/``).
    limits : Limits
        Time, memory and process limits.
    slot : int
        Which of the concurrent boxes this is (0 .. 63): picks its user id.
    level : str, optional
        Default :func:`sandbox_level`.
    hide : list of Path
        Grader folders the box must not see (masked when they lie under a system bind).

    Returns
    -------
    SandboxRun
        Never raises for anything the student's code does.

    Examples
    --------
    See :func:`eie_lab.grading.autograde.autograde`.
    """
    level = level or sandbox_level()
    uid = box_uid(slot)
    if level == "bwrap":
        cmd = bwrap_command(box, uid, list(hide or []))
        env = None
        cwd = None
    else:
        cmd = [_python(), "-m", "eie_lab.grading.sandbox_runner", str(box)]
        env = _env(str(box))
        cwd = str(box / "work")
    started = time.monotonic()
    run = SandboxRun(level, None)
    try:
        with FORK_LOCK:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, cwd=cwd,
                                    start_new_session=True,
                                    preexec_fn=functools.partial(_preexec, limits, level, uid))
    except OSError as exc:
        run.killed = f"the sandbox could not start ({type(exc).__name__})"
        return run
    progress = box / "out" / "progress.jsonl"
    owner = None if level == "rlimits" else uid
    seen_cpu = 0.0
    polls = 0
    try:
        while not _reap(proc, run, block=False):
            time.sleep(0.02)
            polls += 1
            if polls % 5 == 0:
                seen_cpu = max(seen_cpu, _box_cpu(owner, proc.pid))
            elapsed = time.monotonic() - started
            if elapsed > limits.wall_seconds:
                run.killed = f"the whole run took longer than {limits.wall_seconds:g} s"
                break
            events = _read_events(progress)
            index, cell_started = _current_cell(events)
            if cell_started is not None and (
                    time.time() - cell_started > limits.cell_timeout + limits.grace):
                run.killed, run.stuck_cell = "stopped answering", index
                break
    finally:
        run.leftovers = _kill_all(proc, run, level, uid)
    run.returncode = proc.returncode
    run.seconds = time.monotonic() - started
    run.events = _read_events(progress)
    reported = next((ev.get("cpu") for ev in run.events if ev.get("event") == "done"), 0.0)
    reported = float(reported) if isinstance(reported, (int, float)) else 0.0
    run.cpu_seconds = max(run.cpu_seconds, seen_cpu, min(reported, run.seconds * 64))
    if run.killed == "stopped answering" and run.stuck_cell is None:
        run.stuck_cell = _current_cell(run.events)[0]
    return run
