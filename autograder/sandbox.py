"""Run untrusted code (a student's notebook or answer cells) in an operating-system sandbox.

A :class:`Sandbox` owns an empty working directory and starts processes in it with
resource limits, a scrubbed environment and, where the machine allows it, a separate
unprivileged user in private mount, PID, network and IPC namespaces, where the file
system is read-only, chosen paths (the gradebook, the source notebooks, other students'
submissions) are covered by something empty, and nothing outlives the run.  Whatever it
cannot do on this machine it says, in :meth:`Sandbox.missing`, instead of pretending.

The privileged work happens in a small launcher script, :mod:`autograder._launch`, run
as ``python -I -S _launch.py``: the grader never forks without exec (it may be
multi-threaded) and never changes its own namespaces or credentials.

Linux only for the full set of defences.  As root: every defence, and memory and pids
cgroups for each launch where the grader's own cgroup allows it.  Not root (or when the
kernel refuses namespaces): resource limits, an empty working directory, a scrubbed
environment, wall-time and output caps and the clean-up of detached processes through
the launcher being their subreaper, each missing defence named in :meth:`Sandbox.missing`.
:func:`describe_defences` says which apply on this machine.
"""

from __future__ import annotations

import ctypes
import dataclasses
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

__all__ = ["Limits", "RunResult", "Sandbox", "SandboxError", "describe_defences"]

MiB = 1024 * 1024
GiB = 1024 * MiB

_LAUNCHER = str(Path(__file__).with_name("_launch.py"))
_LINUX = sys.platform.startswith("linux")
_POSIX = os.name == "posix"
# Dedicated uids, one per live sandbox: below systemd's dynamic-user range (61184-65519)
# and above the regular users' (login.defs UID_MAX is 60000).
_UID_BASE = 61000
_UID_SLOTS = 184
# Scratch areas every sandbox sees empty (the grader's own temporary files live there)
# and /run, whose sockets (databases, D-Bus) a network namespace does not cut off.
_DEFAULT_COVERS = ("/tmp", "/var/tmp", "/dev/shm", "/run")
_MARKER = "AUTOGRADER_SANDBOX"
_WORKDIR_PREFIX = "autograder-sandbox-"

_RLIMIT_DEFENCES = ("cpu_limit", "memory_limit", "process_limit", "file_size_limit",
                    "open_files_limit", "no_core_dumps")
_NAMESPACE_DEFENCES = ("mount_namespace", "read_only_root", "pid_namespace",
                       "private_proc", "network_namespace", "ipc_namespace")
_ALWAYS = ("empty_workdir", "scrubbed_environment", "wall_time_limit", "output_limit")


class SandboxError(RuntimeError):
    """The sandbox could not be set up as its defences require."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process.

    Parameters
    ----------
    cpu_seconds : int
        CPU time of each process (``RLIMIT_CPU``): SIGXCPU at the limit, SIGKILL one
        second later.
    wall_seconds : float
        Wall-clock time of :meth:`Sandbox.run`; the process tree is killed after it.
    memory_bytes : int
        Address space of each process (``RLIMIT_AS``): an allocation beyond it fails
        (``MemoryError`` in Python).  Where a memory cgroup is available it also bounds
        the memory of all the processes of one launch together: beyond it the kernel
        kills one of them.
    processes : int
        Processes and threads of the sandbox's user (``RLIMIT_NPROC``), and of one
        launch where a pids cgroup is available.
    file_bytes : int
        Largest file the process may write (``RLIMIT_FSIZE``); the working directory
        holds at most four times this much.
    open_files : int
        Open file descriptors of each process (``RLIMIT_NOFILE``).
    output_bytes : int
        Bytes of stdout and of stderr that :meth:`Sandbox.run` keeps; the rest is read
        and discarded.

    Raises
    ------
    TypeError
        If a field is not a number (an int for everything but ``wall_seconds``).
    ValueError
        If a field is not positive.

    See Also
    --------
    resource.setrlimit : the limits the first six fields become.

    Examples
    --------
    >>> Limits(cpu_seconds=5).memory_bytes == 2 * 1024 ** 3
    True
    >>> Limits(processes=0)
    Traceback (most recent call last):
    ...
    ValueError: processes must be >= 1, got 0
    """

    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_bytes: int = 2 * GiB
    processes: int = 64
    file_bytes: int = 16 * MiB
    open_files: int = 256
    output_bytes: int = 4 * MiB

    def __post_init__(self):
        from autograder._validation import as_int

        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "wall_seconds":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError(f"wall_seconds must be a number of seconds, got "
                                    f"{value!r} (type {type(value).__name__})")
                if not value > 0:
                    raise ValueError(f"wall_seconds must be > 0, got {value!r}")
            else:
                as_int(value, field.name, minimum=1)


@dataclasses.dataclass
class RunResult:
    """What :meth:`Sandbox.run` observed.

    Attributes
    ----------
    returncode : int
        The exit code, or ``-signal`` when the process was killed (as in
        :class:`subprocess.Popen`).
    stdout, stderr : bytes
        At most ``Limits.output_bytes`` of each.
    timed_out : bool
        True when the wall-time limit ended the run.
    output_truncated : bool
        True when stdout or stderr held more than ``Limits.output_bytes``.
    killed : list of str
        Why the sandbox killed the process, in words (empty for a normal exit).
    cpu_seconds : float
        CPU time used by the process and everything it waited for.
    """

    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_truncated: bool
    killed: list
    cpu_seconds: float = 0.0


# --------------------------------------------------------------------------- processes

def _status(pid):
    """``(ppid, real uid, effective uid, state)`` of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(b":")
        fields[key] = value.split()
    try:
        return (int(fields[b"PPid"][0]), int(fields[b"Uid"][0]), int(fields[b"Uid"][1]),
                fields[b"State"][0].decode())
    except (KeyError, IndexError, ValueError):
        return None


def _processes():
    """``{pid: (ppid, ruid, euid, state)}`` of every live (non-zombie) process."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _status(int(name))
            if info is not None and info[3] not in ("Z", "X"):
                table[int(name)] = info
    return table


def _descendants(table, roots):
    children = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [r for r in roots if r in table]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def _marked(pid, value):
    """True when the process's environment holds ``AUTOGRADER_SANDBOX=<value>...``."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            environ = fh.read()
    except OSError:
        return False
    needle = f"{_MARKER}={value}".encode()
    return any(entry.startswith(needle) for entry in environ.split(b"\0"))


def _kill_until_gone(select, deadline_seconds=10.0):
    """SIGSTOP then SIGKILL whatever ``select(table)`` names, until it names nothing.

    Stopping first keeps a fork bomb from refilling faster than it is killed.  Returns
    the pids killed.
    """
    killed = set()
    deadline = time.monotonic() + deadline_seconds
    while True:
        victims = select(_processes())
        if not victims:
            return killed
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in victims:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        killed |= victims
        if time.monotonic() > deadline:
            raise SandboxError(f"processes {sorted(victims)} survived SIGKILL for "
                               f"{deadline_seconds:g} s")
        time.sleep(0.002)


def _wait_gone(pid, timeout=10.0):
    """Wait until ``pid`` has exited (gone or a zombie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = _status(pid)
        if info is None or info[3] in ("Z", "X"):
            return
        time.sleep(0.002)


_lifeline_lock = threading.Lock()
_lifeline_fds = None


def _lifeline():
    """Read end of a pipe whose write end only this process holds.

    Every launcher watches it: end of file means the grader died, and the launcher kills
    what it started instead of leaving it running with nobody to clean up.
    """
    global _lifeline_fds
    with _lifeline_lock:
        if _lifeline_fds is None:
            _lifeline_fds = os.pipe()
        return _lifeline_fds[0]


# ------------------------------------------------------------------------------ probing

def _default_covers():
    """The scratch areas that exist here, and the temporary directory in use."""
    paths = {os.path.realpath(p) for p in (*_DEFAULT_COVERS, tempfile.gettempdir())}
    return {p for p in paths if os.path.isdir(p) and p != "/"}


def _interpreter_paths():
    """Directories the interpreter needs: its prefixes and the directory of its binary."""
    paths = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    return sorted({os.path.realpath(p) for p in paths if p and os.path.isdir(p)})


def _untraversable_ancestors(paths):
    """Ancestors of ``paths`` that a user outside their owner and group cannot enter."""
    found = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent != "/":
            try:
                if not os.stat(parent).st_mode & 0o001:
                    found.add(parent)
            except OSError:
                pass
            parent = os.path.dirname(parent)
    return found


def _read_status(fd, proc, timeout):
    """Messages from the launcher's status pipe, until end of file (the exec)."""
    import select

    data = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise SandboxError(f"the sandbox launcher did not start the program "
                                   f"within {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                data += chunk
    finally:
        os.close(fd)
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def _start_launcher(settings, env):
    """Start ``_launch.py``; return the Popen and the launcher's status messages."""
    status_r, status_w = os.pipe()
    lifeline = _lifeline()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", _LAUNCHER, json.dumps(settings), str(status_w),
             str(lifeline)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(status_w, lifeline), cwd="/", env=env, start_new_session=True)
    except BaseException:
        os.close(status_r)
        raise
    finally:
        os.close(status_w)
    return proc, _read_status(status_r, proc, timeout=30.0)


_probe_lock = threading.Lock()
_probe_cache = {}


def _probe(privileged, uid, gid, workdir):
    """Which defences the kernel grants here: one best-effort launch, cached.

    Returns ``(available, why)``: the set of launcher steps that worked, and for each one
    that did not, the reason.
    """
    with _probe_lock:
        if privileged in _probe_cache:
            return _probe_cache[privileged]
        want = ["no_controlling_terminal", "no_new_privileges", *_RLIMIT_DEFENCES]
        if _LINUX:
            want += ["kill_on_parent_death", "launcher_subreaper"]
        why = {}
        cgroups, cgroup_dirs = {}, []
        if privileged:
            want += [*_NAMESPACE_DEFENCES, "unprivileged_uid"]
            bases = _cgroup_bases()
            for controller in ("memory", "pids"):
                if controller not in bases:
                    why[f"{controller}_cgroup"] = f"no writable {controller} cgroup"
            try:
                cgroup_dirs, cgroups = _make_cgroups(
                    bases, f"{_WORKDIR_PREFIX}{os.getpid()}-probe", Limits())
            except OSError as exc:
                why["memory_cgroup"] = why["pids_cgroup"] = f"cannot create a cgroup: {exc}"
            want += sorted(cgroups)
        needed = _interpreter_paths()
        settings = {
            "want": want, "best_effort": True, "workdir": workdir,
            "view": {"needed": needed,
                     "covers": sorted(_untraversable_ancestors(needed + [workdir])
                                      | _default_covers())},
            "rlimits": _rlimits(Limits()),
            "process_limit_adds_own": not privileged and os.geteuid() != 0,
            "uid": uid if privileged else None, "gid": gid,
            "argv": [sys.executable, "-I", "-c", "pass"], "env": {"PATH": "/usr/bin:/bin"},
            "cgroups": cgroups,
        }
        try:
            steps = _probe_launch(settings, uid, why)
        finally:
            _remove_cgroups(cgroup_dirs)
        available = {name for name, ok in steps.items() if ok is True}
        available.discard("interpreter_usable")
        for name in want:
            if name not in available and name not in why:
                why[name] = steps.get(name) or "not attempted"
        _probe_cache[privileged] = (frozenset(available), why)
        return _probe_cache[privileged]


def _probe_launch(settings, uid, why):
    """Run the probe launch; without the uid change if the interpreter fails under it."""
    for attempt in range(2):
        proc, messages = _start_launcher(settings, {"LC_ALL": "C.UTF-8"})
        _, err = proc.communicate(timeout=30)
        steps, error = {}, None
        for message in messages:
            steps.update(message.get("steps", {}))
            error = message.get("error", error)
        if error is None and proc.returncode == 0:
            return steps
        if settings["uid"] is None or attempt:
            raise SandboxError(f"the sandbox cannot run {sys.executable}: "
                               f"{error or err.decode(errors='replace').strip()}")
        # the interpreter is unusable as the sandbox user: say so, and run as root
        why["unprivileged_uid"] = (f"{sys.executable} cannot run as uid {uid} here "
                                   f"({error or err.decode(errors='replace').strip()})")
        settings["uid"] = None
        settings["want"].remove("unprivileged_uid")


# ---------------------------------------------------------------------------- cgroups

def _unescape(field):
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def _cgroup_bases():
    """Where this process may nest cgroups: ``{"memory": (dir, version), "pids": ...}``.

    The directories are this process's own cgroups, so a sandbox's limits come on top of
    whatever limits the grader already lives under; nothing above them is changed.  A
    cgroup-v2 controller counts only when the grader's cgroup already delegates it
    (``cgroup.subtree_control``).
    """
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
        with open("/proc/self/mountinfo") as fh:
            mounts = [line.split() for line in fh]
    except OSError:
        return {}
    own = {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    found = {}
    for fields in mounts:
        sep = fields.index("-")
        fstype, options = fields[sep + 1], fields[sep + 3].split(",")
        root, point = fields[3], _unescape(fields[4])
        if fstype == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options and controller in own and controller not in found:
                    rel = os.path.relpath(own[controller], root)
                    if not rel.startswith(".."):
                        found[controller] = (os.path.normpath(os.path.join(point, rel)), 1)
        elif fstype == "cgroup2" and "" in own:
            rel = os.path.relpath(own[""], root)
            base = os.path.normpath(os.path.join(point, rel))
            try:
                with open(os.path.join(base, "cgroup.subtree_control")) as fh:
                    enabled = fh.read().split()
            except OSError:
                continue
            for controller in ("memory", "pids"):
                if controller in enabled and controller not in found:
                    found[controller] = (base, 2)
    return found


def _write(directory, name, value):
    with open(os.path.join(directory, name), "w") as fh:
        fh.write(str(value))


def _make_cgroups(bases, name, limits):
    """Create one launch's cgroups; return ``(directories, {step: cgroup.procs path})``."""
    made, procs = [], {}
    try:
        for controller, (base, version) in sorted(bases.items()):
            path = os.path.join(base, name)
            if path not in made:
                try:
                    os.mkdir(path, 0o755)
                except FileExistsError:  # left by a dead grader that had this pid
                    _remove_cgroups([path])
                    os.mkdir(path, 0o755)
                made.append(path)
            if controller == "memory":
                if version == 1:
                    _write(path, "memory.limit_in_bytes", limits.memory_bytes)
                    if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                        _write(path, "memory.memsw.limit_in_bytes", limits.memory_bytes)
                else:
                    _write(path, "memory.max", limits.memory_bytes)
                    if os.path.exists(os.path.join(path, "memory.swap.max")):
                        _write(path, "memory.swap.max", 0)
                procs["memory_cgroup"] = os.path.join(path, "cgroup.procs")
            else:
                _write(path, "pids.max", limits.processes)
                procs["pids_cgroup"] = os.path.join(path, "cgroup.procs")
    except OSError:
        _remove_cgroups(made)
        raise
    return made, procs


def _cgroup_pids(directories):
    pids = set()
    for directory in directories:
        try:
            with open(os.path.join(directory, "cgroup.procs")) as fh:
                pids.update(int(line) for line in fh if line.strip())
        except OSError:
            pass
    return pids


def _oom_kills(directories):
    """How many processes the kernel killed for the memory cgroup's limit."""
    count = 0
    for directory in directories:
        for name in ("memory.oom_control", "memory.events"):
            try:
                with open(os.path.join(directory, name)) as fh:
                    for line in fh:
                        key, _, value = line.partition(" ")
                        if key == "oom_kill":
                            count += int(value)
            except (OSError, ValueError):
                pass
    return count


def _remove_cgroups(directories):
    """Remove cgroups once their processes are gone (killing any that remain)."""
    for directory in reversed(directories):
        for _ in range(500):
            try:
                os.rmdir(directory)
                break
            except FileNotFoundError:
                break
            except OSError:
                for pid in _cgroup_pids([directory]):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.002)


def _remove_stale_cgroups(bases):
    """Remove cgroups left by graders that died before cleaning up."""
    for base, _version in set(bases.values()):
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in names:
            if name.startswith(_WORKDIR_PREFIX):
                try:
                    pid = int(name[len(_WORKDIR_PREFIX):].split("-")[0])
                    os.kill(pid, 0)
                    continue
                except ProcessLookupError:
                    _remove_cgroups([os.path.join(base, name)])
                except (ValueError, PermissionError):
                    continue


# ------------------------------------------------------------------------- uid slots

def _lock_dir():
    for base in ("/run/lock", tempfile.gettempdir()):
        path = os.path.join(base, f"autograder-sandbox-{os.geteuid()}")
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            if os.stat(path).st_uid == os.geteuid():
                return path
        except OSError:
            continue
    raise SandboxError("no directory for the sandbox's uid locks")


def _acquire_uid():
    """Lock a free uid from the sandbox range; return ``(uid, lock fd)``.

    A uid whose lock is free may still own processes left by a grader that crashed; they
    are killed before the uid is reused.  Uids that belong to an account are skipped.
    """
    import fcntl
    import grp
    import pwd

    directory = _lock_dir()
    for uid in range(_UID_BASE, _UID_BASE + _UID_SLOTS):
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        try:
            grp.getgrgid(uid)
            continue
        except KeyError:
            pass
        fd = os.open(os.path.join(directory, f"uid-{uid}.lock"),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            _kill_until_gone(lambda table: {p for p, i in table.items()
                                            if uid in (i[1], i[2])})
        except SandboxError:
            os.close(fd)
            continue
        return uid, fd
    raise SandboxError(f"all {_UID_SLOTS} sandbox uids from {_UID_BASE} are in use")


def _remove_stale_workdirs():
    """Remove working directories left by graders that died before cleaning up."""
    base = tempfile.gettempdir()
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        if not name.startswith(_WORKDIR_PREFIX):
            continue
        try:
            pid = int(name[len(_WORKDIR_PREFIX):].split("-")[0])
            os.kill(pid, 0)
            continue  # its grader is alive
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        _remove_workdir(os.path.join(base, name))


def _umount(path):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.umount2(os.fsencode(path), 2)  # MNT_DETACH
    except (OSError, AttributeError):
        pass


def _remove_workdir(path):
    if os.path.ismount(path):
        _umount(path)
    shutil.rmtree(path, ignore_errors=True)


def _mount_tmpfs(path, size, uid, gid):
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={size},nr_inodes=16384,mode=0700,uid={uid},gid={gid}"
    result = libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", 0x2 | 0x4,  # nosuid, nodev
                        options.encode())
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), path)


# ------------------------------------------------------------------------------ sandbox

def _user_name(uid):
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


@dataclasses.dataclass
class _Launch:
    proc: subprocess.Popen
    token: str
    run_owned: bool = False  # run() waits for it (with wait4) and cleans up after it
    cgroups: list = dataclasses.field(default_factory=list)


class _State:
    """Everything a sandbox must clean up; held apart so the finalizer can reach it."""

    def __init__(self, sandbox_id):
        self.lock = threading.RLock()
        self.id = sandbox_id
        self.launches = []
        self.workdir = None
        self.uid = None
        self.uid_fd = None
        self.pid_ns = False
        self.closed = False


def _signal_launcher(launch, reaped):
    """SIGKILL the launcher, unless it was reaped (its pid may belong to another now)."""
    if reaped:
        return
    try:
        if launch.run_owned:
            os.kill(launch.proc.pid, signal.SIGKILL)
        elif launch.proc.poll() is None:
            launch.proc.kill()
    except ProcessLookupError:
        pass


def _reap(pids):
    """Collect killed processes that are the grader's children, so no zombie stays."""
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass  # not ours: its own parent reaps it


def _kill_launch(state, launch, reaped=None):
    """Kill one launch and everything it started; ``reaped``: its launcher was waited for."""
    proc = launch.proc
    if reaped is None:
        reaped = proc.poll() is not None
    if state.pid_ns:
        if not reaped:
            # PID 1 of the namespace is the launcher's only child; when it dies the
            # kernel kills everything else in the namespace
            inits = [pid for pid, info in _processes().items() if info[0] == proc.pid]
            for pid in inits:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _signal_launcher(launch, reaped)
            for pid in inits:
                _wait_gone(pid)
    elif _LINUX:
        me = os.getpid()

        def select(table):
            # the tree first, while it still hangs together, then anything detached
            found = set() if reaped else _descendants(table, [proc.pid]) - {proc.pid}
            found |= _cgroup_pids(launch.cgroups) & set(table)
            found.discard(proc.pid)
            return found | {pid for pid in table if pid != me and _marked(pid, launch.token)}

        killed = _kill_until_gone(select)
        _signal_launcher(launch, reaped)
        _reap(killed)
    else:
        _signal_launcher(launch, reaped)
    if not launch.run_owned:
        proc.wait()
    if reaped or not launch.run_owned:
        _remove_cgroups(launch.cgroups)


def _kill_all(state):
    """Kill every launch of ``state`` except those a running run() is in charge of,
    then every process of the sandbox's uid (or carrying its marker)."""
    with state.lock:
        launches = [launch for launch in state.launches if not launch.run_owned]
    for launch in launches:
        _kill_launch(state, launch)
        with state.lock:
            if launch in state.launches:
                state.launches.remove(launch)
    if not _LINUX:
        return
    if state.uid is not None:
        uid = state.uid
        _kill_until_gone(lambda table: {p for p, i in table.items() if uid in (i[1], i[2])})
    else:
        me = os.getpid()
        prefix = state.id + "."
        _reap(_kill_until_gone(lambda table: {
            pid for pid in table if pid != me and _marked(pid, prefix)}))


def _close_state(state):
    """Kill everything, remove the working directory, free the uid (also the finalizer)."""
    with state.lock:
        if state.closed:
            return
        state.closed = True
    survivors = False
    try:
        _kill_all(state)
    except SandboxError:
        survivors = True
        raise
    finally:
        if state.workdir is not None:
            _remove_workdir(state.workdir)
        # a uid whose processes could not be killed stays locked until this process ends
        if state.uid_fd is not None and not survivors:
            os.close(state.uid_fd)
            state.uid_fd = None


class Sandbox:
    """An empty working directory and a way to run untrusted programs in it.

    Parameters
    ----------
    limits : Limits, optional
        Resource limits of every process started here.
    hide : iterable of str or os.PathLike, optional
        Files and directories that must be invisible inside (the course root's
        ``gradebook.db``, ``source_notebooks/``, ``submitted/``, ``autograded/``,
        ``feedback/``, ``nbgrader_config.py``, ``.git``): a directory is covered by an
        empty one the sandbox cannot list, a file by an empty one it cannot open.  A path
        that does not exist when a process starts is not covered.
    readable : iterable of str or os.PathLike, optional
        Paths that must stay visible even though they lie in a hidden or covered
        directory, or under a directory the sandbox user could not enter; their own
        permissions still apply.  The interpreter's directories are always readable.
    privileged : bool, optional
        None (the default) uses every defence this machine allows; False runs as if the
        grader were not root (no namespaces, no change of user), to see the degraded
        mode.  The environment variable ``AUTOGRADER_SANDBOX_PRIVILEGED=0`` does the same
        for every sandbox.

    Attributes
    ----------
    workdir : pathlib.Path
        An empty directory, writable by the sandboxed processes (and the grader), removed
        by :meth:`close`.  Inside the sandbox it has the same path and is ``HOME``,
        ``TMPDIR`` and the current directory; it is the only writable place there.
    uid : int or None
        The unprivileged user the processes run as, or None when they run as the grader.

    Raises
    ------
    TypeError
        If ``limits`` is not a :class:`Limits` or a path is not a string or path.
    ValueError
        If a path is both hidden and readable, or a readable path does not exist.
    SandboxError
        If the sandbox cannot run the interpreter at all.

    See Also
    --------
    subprocess.Popen, subprocess.run : what :meth:`popen` and :meth:`run` resemble.

    Notes
    -----
    As root on Linux each process is started by ``_launch.py`` in new mount, PID,
    network and IPC namespaces: ``/`` is read-only (``mount_setattr``), ``/tmp``,
    ``/var/tmp``, ``/dev/shm``, ``/run`` and the hidden paths are covered by empty
    tmpfs mounts, ancestors of the interpreter that other users cannot enter (``/root``)
    are replaced by tmpfs mounts holding only the needed child, ``/proc`` shows only the
    sandbox's processes, the only network interface is loopback, and the process runs as
    a uid of its own from ``61000 + slot`` (so ``RLIMIT_NPROC`` counts only its own
    processes) with no groups and ``PR_SET_NO_NEW_PRIVS``.  Each launch gets memory and
    pids cgroups nested in the grader's own.  When the main process exits, PID 1 of its
    namespace exits, and the kernel kills everything left in it.  The working directory
    is a tmpfs of ``4 * limits.file_bytes`` owned by that uid.  Files the grader puts
    there stay owned by the grader: readable, not writable, by the sandbox.

    A process inside may create a user namespace of its own, but the mounts it inherits
    from here are locked together: it cannot unmount a cover or make a mount writable.

    Examples
    --------
    >>> import sys
    >>> with Sandbox(Limits(cpu_seconds=5, wall_seconds=20)) as box:
    ...     result = box.run([sys.executable, "-c", "print(6 * 7)"])
    >>> result.returncode, result.stdout
    (0, b'42\\n')
    """

    _ids = itertools.count()

    def __init__(self, limits=None, *, hide=(), readable=(), privileged=None):
        if limits is None:
            limits = Limits()
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be an autograder.sandbox.Limits, got "
                            f"{limits!r} (type {type(limits).__name__})")
        self.limits = limits
        self._hide = _paths(hide, "hide")
        self._readable = _paths(readable, "readable")
        for path in self._readable:
            if not os.path.exists(path):
                raise ValueError(f"readable path {path!r} does not exist")
        if "/" in self._hide:
            raise ValueError("hide cannot name the root directory '/'; name the paths "
                             "to hide")
        both = sorted(set(self._hide) & set(self._readable))
        if both:
            raise ValueError(f"hide and readable both name {both[0]!r}; a path can be "
                             f"one or the other")
        if privileged is None:
            privileged = os.environ.get("AUTOGRADER_SANDBOX_PRIVILEGED", "1") != "0"
        elif not isinstance(privileged, bool):
            raise TypeError(f"privileged must be None, True or False, got {privileged!r}")
        self._root = _POSIX and os.geteuid() == 0
        self._privileged = bool(privileged and self._root and _LINUX)
        self._forced = privileged is False and self._root
        self._id = f"{os.getpid()}-{next(self._ids)}"
        self._counter = itertools.count()
        self._state = _State(self._id)
        self._finalizer = weakref.finalize(self, _close_state, self._state)
        self.uid = self.gid = None
        self._why = {}
        self._available = frozenset()
        self._tmpfs_workdir = False
        self._cgroups = {}
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- setting up
    def _setup(self):
        state = self._state
        _remove_stale_workdirs()
        state.workdir = tempfile.mkdtemp(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-")
        self.workdir = Path(state.workdir)
        if not _POSIX:
            return
        if self._privileged:
            uid, state.uid_fd = _acquire_uid()
            self.uid = self.gid = uid
            try:
                _mount_tmpfs(state.workdir, 4 * self.limits.file_bytes, uid, uid)
                self._tmpfs_workdir = True
            except OSError as exc:
                self._why["workdir_size_limit"] = str(exc)
                os.chown(state.workdir, uid, uid)
        self._available, why = _probe(self._privileged, self.uid or _UID_BASE,
                                      self.gid or _UID_BASE, state.workdir)
        self._why.update(why)
        if "unprivileged_uid" not in self._available:
            if self.uid is not None and not self._tmpfs_workdir:
                os.chown(state.workdir, os.geteuid(), os.getegid())
            self.uid = self.gid = None
        state.uid = self.uid
        state.pid_ns = "pid_namespace" in self._available
        if self._privileged:
            self._cgroups = {controller: base for controller, base in _cgroup_bases().items()
                             if f"{controller}_cgroup" in self._available}
            _remove_stale_cgroups(self._cgroups)

    # ------------------------------------------------------------------ defences
    @property
    def defences(self):
        """dict of str to bool: each defence and whether it is active here."""
        have = set(self._available)
        result = {name: True for name in _ALWAYS}
        result["unprivileged_uid"] = self.uid is not None
        for name in (*_NAMESPACE_DEFENCES, "no_controlling_terminal", "no_new_privileges",
                     *_RLIMIT_DEFENCES):
            result[name] = name in have
        result["hidden_paths"] = "read_only_root" in have
        result["private_tmp"] = "read_only_root" in have
        result["workdir_size_limit"] = self._tmpfs_workdir
        # RLIMIT_NPROC binds only a uid of its own: root is exempt, and a shared uid
        # counts the grader's processes too
        result["process_limit"] = ((result["process_limit"] and self.uid is not None)
                                   or "pids" in self._cgroups)
        result["total_memory_limit"] = "memory" in self._cgroups
        result["kill_detached"] = "pid_namespace" in have or "launcher_subreaper" in have
        return result

    def missing(self):
        """Plain sentences, one per defence that is not active on this machine.

        Returns
        -------
        list of str
            Empty when every defence is active.
        """
        d = self.defences
        me = _user_name(os.geteuid()) if _POSIX else "the grader's user"
        uid_text = f"{me} (uid {os.geteuid()})" if _POSIX else me
        sentences = []
        if not _LINUX:
            sentences.append(f"not Linux ({sys.platform}): no namespaces, no change of "
                             f"user and no kernel help to find detached processes")
        if not d["unprivileged_uid"]:
            if not self._root:
                sentences.append(
                    f"not running as root: the submission runs as {uid_text}, the "
                    f"grader's own user, and can read and write every file that user "
                    f"can, including the gradebook, the course files and other students' "
                    f"submissions, and send signals to the grader itself")
            elif self._forced:
                sentences.append(
                    f"privileges not used (privileged=False): the submission runs as "
                    f"{uid_text} and can read and write every file on this machine")
            else:
                sentences.append(
                    f"the submission runs as {uid_text}, not as an unprivileged user "
                    f"({self._why.get('unprivileged_uid', 'the change of user failed')}),"
                    f" and can read and write every file on this machine")
        runner = f"uid {self.uid}" if self.uid is not None else me
        if not d["mount_namespace"] or not d["read_only_root"]:
            sentences.append(
                f"no private read-only view of the file system"
                f"{self._reason('read_only_root', 'mount_namespace')}: the submission can "
                f"write wherever {runner} can, outside its working directory too")
            hidden = ", ".join(self._hide) or "the hidden paths"
            sentences.append(
                f"hidden paths are not hidden: the submission can read {hidden} wherever "
                f"their permissions let {runner} read them, and the other files in /tmp, "
                f"/var/tmp, /dev/shm and /run")
        if not d["pid_namespace"]:
            if self.uid is not None:
                sentences.append(
                    f"no PID namespace{self._reason('pid_namespace')}: detached processes "
                    f"are still found by their uid and killed, but the submission can see "
                    f"every process on the machine")
            elif d["kill_detached"]:
                sentences.append(
                    "no PID namespace: a process that detaches (setsid, double fork) is "
                    "still adopted and killed by the sandbox's launcher (a subreaper), "
                    "but the submission can see every process on the machine and signal "
                    "those of its user")
            else:
                sentences.append(
                    "no PID namespace and no subreaper: a process that detaches (setsid, "
                    "double fork) can outlive the run")
        elif not d["private_proc"]:
            sentences.append(f"/proc is not private{self._reason('private_proc')}: the "
                             f"submission can see every process on the machine")
        if not d["network_namespace"]:
            sentences.append(
                f"no network namespace{self._reason('network_namespace')}: the submission "
                f"can open network connections, including to other sandboxes' Jupyter "
                f"kernels on this machine")
        if not d["ipc_namespace"]:
            sentences.append(f"no IPC namespace{self._reason('ipc_namespace')}: the "
                             f"submission shares System V IPC and message queues with "
                             f"the machine")
        if not d["workdir_size_limit"]:
            sentences.append(
                f"the working directory is a plain directory, not a size-limited tmpfs"
                f"{self._reason('workdir_size_limit')}: the submission can fill the disk "
                f"with many files of up to {self.limits.file_bytes} bytes each")
        if not d["total_memory_limit"]:
            sentences.append(
                f"no memory cgroup{self._reason('memory_cgroup')}: memory is limited per "
                f"process only (RLIMIT_AS), so {self.limits.processes} processes can "
                f"together use {self.limits.processes} times {self.limits.memory_bytes} "
                f"bytes")
        if not d["process_limit"]:
            if "process_limit" not in self._available:
                sentences.append(f"no process limit{self._reason('process_limit')}")
            elif self._root:
                sentences.append("no process limit: RLIMIT_NPROC does not apply to root, "
                                 "so a fork bomb is stopped only by the memory limit")
            else:
                sentences.append(
                    f"the process limit is shared: RLIMIT_NPROC counts every process of "
                    f"{me}, so it is set to the number already running plus "
                    f"{self.limits.processes}")
        labels = {"cpu_limit": "no CPU time limit",
                  "memory_limit": "no memory limit",
                  "file_size_limit": "no file size limit",
                  "open_files_limit": "no limit on open files",
                  "no_core_dumps": "core dumps are not disabled",
                  "no_new_privileges": "PR_SET_NO_NEW_PRIVS is not set, so setuid "
                                       "programs can gain privileges",
                  "no_controlling_terminal": "no new session: the submission keeps the "
                                             "grader's controlling terminal"}
        for name, label in labels.items():
            if not d[name]:
                sentences.append(label + self._reason(name))
        return sentences

    def _reason(self, *names):
        for name in names:
            if name in self._why:
                return f" ({self._why[name]})"
        return ""

    # ------------------------------------------------------------------ running
    def _environment(self, token, env):
        work = self._state.workdir
        bindir = os.path.dirname(os.path.abspath(sys.executable))
        path = [bindir, os.path.join(sys.base_prefix, "bin"), "/usr/local/bin", "/usr/bin",
                "/bin"]
        result = {
            "PATH": os.pathsep.join(dict.fromkeys(path)),
            "HOME": work, "TMPDIR": work, "USER": "sandbox", "LOGNAME": "sandbox",
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "JUPYTER_RUNTIME_DIR": os.path.join(work, ".jupyter", "runtime"),
            "JUPYTER_CONFIG_DIR": os.path.join(work, ".jupyter"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "IPYTHONDIR": os.path.join(work, ".ipython"),
            "MPLCONFIGDIR": os.path.join(work, ".config", "matplotlib"),
            "XDG_CACHE_HOME": os.path.join(work, ".cache"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # BLAS threads count against the process limit and fight over the cores
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        result.update(env)
        result[_MARKER] = token
        return result

    def _settings(self, argv, env):
        limits = self.limits
        needed = sorted(set(_interpreter_paths()) | set(self._readable))
        covers = (_untraversable_ancestors(needed + [self._state.workdir])
                  | _default_covers()
                  | {p for p in self._hide if os.path.lexists(p)})
        rlimits = _rlimits(limits)
        want = set(self._available) - {"memory_cgroup", "pids_cgroup"}
        if "pid_namespace" in want:
            # PID 1 of the namespace has the first, and no orphan escapes it
            want -= {"kill_on_parent_death", "launcher_subreaper"}
        return {
            "want": sorted(want), "best_effort": False, "workdir": self._state.workdir,
            "view": {"needed": needed, "covers": sorted(covers)},
            "rlimits": rlimits, "uid": self.uid, "gid": self.gid,
            "process_limit_adds_own": self.uid is None and not self._root,
            "argv": argv, "env": env,
        }

    def popen(self, argv, *, env=None):
        """Start ``argv`` in the sandbox and return it as a :class:`subprocess.Popen`.

        Parameters
        ----------
        argv : sequence of str
            The program and its arguments; a bare program name is looked up on the
            sandbox's ``PATH`` (the interpreter's ``bin`` directory first).
        env : dict of str to str, optional
            Added to the scrubbed environment (``PATH``, ``HOME``, ``TMPDIR``, ``LANG``,
            Jupyter, IPython and Matplotlib directories under :attr:`workdir`).

        Returns
        -------
        subprocess.Popen
            With ``stdin``, ``stdout`` and ``stderr`` pipes.  No wall-time limit or
            output cap applies: the caller reads, times and kills (``kill()`` takes
            the whole process tree with it).  :meth:`kill_all` and :meth:`close` kill it.

        Raises
        ------
        TypeError
            If ``argv`` or ``env`` is not made of strings.
        ValueError
            If ``argv`` is empty or the sandbox is closed.
        OSError
            If the program cannot be executed (``FileNotFoundError`` when missing).
        SandboxError
            If a defence this sandbox reports as active could not be set up.
        """
        return self._popen(argv, env, run_owned=False)

    def _popen(self, argv, env, run_owned):
        argv = _argv(argv)
        env = _env(env)
        state = self._state
        with state.lock:
            if state.closed:
                raise ValueError("the sandbox is closed")
        token = f"{self._id}.{next(self._counter)}"
        full_env = self._environment(token, env)
        if not _POSIX:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=state.workdir, env=full_env)
        else:
            settings = self._settings(argv, full_env)
            cgroups, settings["cgroups"] = _make_cgroups(
                self._cgroups, f"{_WORKDIR_PREFIX}{token}", self.limits)
            settings["want"] = sorted(set(settings["want"]) | set(settings["cgroups"]))
            try:
                proc, messages = _start_launcher(settings, {"LC_ALL": "C.UTF-8"})
            except BaseException:
                _remove_cgroups(cgroups)
                raise
            errors = [m for m in messages if "error" in m]
            if errors:
                proc.communicate()
                _remove_cgroups(cgroups)
                error = errors[0]
                if error.get("filename") == argv[0] and error.get("errno"):
                    raise OSError(error["errno"], os.strerror(error["errno"]), argv[0])
                raise SandboxError(f"could not set up the sandbox: {error['error']}")
        with state.lock:
            state.launches.append(_Launch(proc, token, run_owned,
                                          cgroups if _POSIX else []))
        return proc

    def run(self, argv, *, input=None, env=None):
        """Run ``argv`` to completion in the sandbox, within the limits.

        Parameters
        ----------
        argv : sequence of str
            As for :meth:`popen`.
        input : bytes or str, optional
            Written to the process's stdin, which is then closed.
        env : dict of str to str, optional
            As for :meth:`popen`.

        Returns
        -------
        RunResult
            The exit status, the first ``output_bytes`` of stdout and of stderr, and
            why the process was killed, if it was.  Everything the process started is
            gone when this returns.

        Raises
        ------
        TypeError
            If an argument has the wrong type.
        OSError, SandboxError
            As for :meth:`popen`.
        """
        if input is not None and not isinstance(input, (bytes, str)):
            raise TypeError(f"input must be bytes, str or None, got "
                            f"{type(input).__name__}")
        if isinstance(input, str):
            input = input.encode()
        limits = self.limits
        start = time.monotonic()
        proc = self._popen(argv, env, run_owned=True)
        launch = self._launch_of(proc)
        kept = {"stdout": bytearray(), "stderr": bytearray()}
        truncated = []

        def read(name, stream):
            fd = stream.fileno()
            buf = kept[name]
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                room = limits.output_bytes - len(buf)
                if len(chunk) > room:
                    truncated.append(name)
                    chunk = chunk[:max(room, 0)]
                buf += chunk

        def write():
            try:
                if input:
                    proc.stdin.write(input)
                proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass

        waited = {}

        def wait():
            # wait4, not Popen.wait: the rusage says whether the CPU limit was hit
            if _POSIX:
                _, status, usage = os.wait4(proc.pid, 0)
                waited["code"] = os.waitstatus_to_exitcode(status)
                waited["cpu"] = usage.ru_utime + usage.ru_stime
            else:
                waited["code"], waited["cpu"] = proc.wait(), 0.0

        threads = [threading.Thread(target=read, args=("stdout", proc.stdout), daemon=True),
                   threading.Thread(target=read, args=("stderr", proc.stderr), daemon=True),
                   threading.Thread(target=write, daemon=True)]
        waiter = threading.Thread(target=wait, daemon=True)
        for thread in (*threads, waiter):
            thread.start()
        waiter.join(max(0.0, limits.wall_seconds - (time.monotonic() - start)))
        timed_out = waiter.is_alive()
        try:
            if timed_out:
                _kill_launch(self._state, launch, reaped=False)
                waiter.join(30.0)
                if waiter.is_alive():
                    raise SandboxError(f"process {proc.pid} did not die after SIGKILL")
            proc.returncode = waited["code"]
            oom = _oom_kills(launch.cgroups)
            # what the process left behind (nothing, with a PID namespace)
            _kill_launch(self._state, launch, reaped=True)
        finally:
            with self._state.lock:
                if launch in self._state.launches:
                    self._state.launches.remove(launch)
        for thread in threads:
            thread.join(5.0)
        # a reader still blocked (a detached process that escaped keeps the pipe open)
        # keeps its descriptor: closing it under the thread could let the number be
        # reused and read from an unrelated file
        if not any(thread.is_alive() for thread in threads):
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
        cpu = waited["cpu"]
        return RunResult(proc.returncode, bytes(kept["stdout"]), bytes(kept["stderr"]),
                         timed_out, bool(truncated),
                         self._kill_reasons(proc.returncode, timed_out, cpu, oom), cpu)

    def _kill_reasons(self, returncode, timed_out, cpu, oom=0):
        limits = self.limits
        sigkill = -getattr(signal, "SIGKILL", 9)
        if timed_out:
            return [f"wall time limit of {limits.wall_seconds:g} s exceeded"]
        if oom:
            return [f"memory limit of {limits.memory_bytes} bytes for all processes "
                    f"together exceeded: the kernel killed {oom} of them"]
        if returncode == -getattr(signal, "SIGXCPU", 0) or (returncode == sigkill
                                                           and cpu >= limits.cpu_seconds):
            return [f"CPU time limit of {limits.cpu_seconds} s exceeded"]
        if returncode == -getattr(signal, "SIGXFSZ", 0):
            return [f"file size limit of {limits.file_bytes} bytes exceeded"]
        if returncode == sigkill:
            return ["killed by SIGKILL, not by the sandbox (perhaps the kernel's "
                    "out-of-memory killer, or the program itself)"]
        return []

    def _launch_of(self, proc):
        with self._state.lock:
            for launch in self._state.launches:
                if launch.proc is proc:
                    return launch
        raise ValueError("not a process of this sandbox")

    def kill_all(self):
        """Kill every process started in this sandbox, detached daemons included.

        As root the processes are found by their PID namespaces and their uid, which no
        other sandbox shares; otherwise by the launcher's process tree (the launcher is
        the subreaper of everything the program starts) and the sandbox's environment
        marker.  Returns when they are all gone.
        """
        _kill_all(self._state)

    def close(self):
        """Kill everything, remove the working directory and free the uid.

        Safe to call twice; also runs when the sandbox is garbage-collected and at exit.
        """
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        who = f"uid {self.uid}" if self.uid is not None else "the grader's uid"
        return f"<Sandbox {self._state.workdir} as {who}, {len(self.missing())} missing>"


def _rlimits(limits):
    """The launcher's rlimit settings for ``limits``."""
    return {"cpu_limit": limits.cpu_seconds, "cpu_limit_hard": limits.cpu_seconds + 1,
            "memory_limit": limits.memory_bytes, "process_limit": limits.processes,
            "file_size_limit": limits.file_bytes, "open_files_limit": limits.open_files,
            "no_core_dumps": 0}


def _paths(values, name):
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of paths, got {values!r} (type "
                        f"{type(values).__name__})") from None
    result = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"{name} must hold str or os.PathLike paths, got {item!r} "
                            f"(type {type(item).__name__})")
        result.append(os.path.realpath(os.fspath(item)))
    return result


def _argv(argv):
    if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
        raise TypeError(f"argv must be a sequence of str, got {argv!r} (type "
                        f"{type(argv).__name__})")
    argv = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in argv]
    if not argv:
        raise ValueError("argv must name a program, got an empty sequence")
    for arg in argv:
        if not isinstance(arg, str):
            raise TypeError(f"argv must hold only str, got {arg!r} (type "
                            f"{type(arg).__name__})")
    return argv


def _env(env):
    if env is None:
        return {}
    if not isinstance(env, dict):
        raise TypeError(f"env must be a dict of str to str or None, got {env!r} (type "
                        f"{type(env).__name__})")
    for key, value in env.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"env must map str to str, got {key!r}: {value!r}")
    return dict(env)


def describe_defences(privileged=None):
    """Say which sandbox defences this machine gives, for ``make demo`` and logs.

    Parameters
    ----------
    privileged : bool, optional
        As for :class:`Sandbox`.

    Returns
    -------
    str
        A few lines: who runs the submissions, the active defences, and one sentence
        per missing defence.

    Examples
    --------
    >>> describe_defences().startswith("Sandbox:")
    True
    """
    with Sandbox(privileged=privileged) as box:
        active = [name for name, on in box.defences.items() if on]
        missing = box.missing()
        who = (f"submissions run as uid {box.uid}" if box.uid is not None
               else "submissions run as the grader's user")
    lines = [f"Sandbox: {who}; {len(active)} defences active: {', '.join(active)}."]
    if missing:
        lines.append("Missing defences:")
        lines += [f"  - {sentence}" for sentence in missing]
    else:
        lines.append("No defence is missing.")
    return "\n".join(lines)
