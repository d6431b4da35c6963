"""Start one sandboxed process: the privileged half of :mod:`autograder.sandbox`.

This file is a self-contained script (standard library only; it never imports
:mod:`autograder`).  :class:`autograder.sandbox.Sandbox` starts it as::

    python -I -S _launch.py SETTINGS_JSON STATUS_FD LIFELINE_FD

and the process it starts is the one the caller sees as a :class:`subprocess.Popen`.
What it does, in order (each step only when the settings ask for it):

1. Joins the launch's memory and pids cgroups, so its whole process tree is counted.
   Enters new mount, PID, network and IPC namespaces (``unshare``), makes every mount
   private, so nothing done here is seen outside, and brings up the loopback interface
   of the new network namespace (a Jupyter kernel talks to its client over TCP on it).
2. Builds the file-system view: an empty tmpfs over each covered directory (the scratch
   areas, the hidden paths, and every ancestor of the interpreter that the sandbox user
   could not traverse), the needed paths bound back into them, an unreadable empty file
   over each hidden file; then every mount read-only, except the working directory.
3. Forks.  With a PID namespace the child is PID 1 there: it mounts a fresh ``/proc``,
   forks the target and reaps orphans until the target exits, then exits itself, and the
   kernel kills whatever is left in the namespace, ``setsid`` daemons included.
4. The target: a new session (no controlling terminal), resource limits, an unprivileged
   uid and gid with no supplementary groups, ``PR_SET_NO_NEW_PRIVS``, the working
   directory, and ``execvpe`` with the scrubbed environment.
5. Meanwhile this process forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
   to its child, kills the child when the grader dies (end of file on the lifeline pipe,
   whose write end only the grader holds), and finally ends the way the target ended:
   the same exit code, or killed by the same signal.

Messages to the grader go through the status pipe, one JSON object a line: ``{"steps":
{...}}`` says which steps worked (in ``best_effort`` mode a failed step is recorded as its
error text and skipped), ``{"error": ..., "errno": ..., "filename": ...}`` says why the
launch was abandoned.  The pipe is close-on-exec, so end of file with no error means the
target is running.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import signal
import struct
import sys

# <sched.h>, <sys/mount.h>, <linux/mount.h>, <sys/prctl.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 0x2
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
SYS_MOUNT_SETATTR = 442  # the same number on every architecture since Linux 5.12
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
             signal.SIGUSR1, signal.SIGUSR2)
RLIMITS = {
    "cpu_limit": "RLIMIT_CPU",
    "memory_limit": "RLIMIT_AS",
    "process_limit": "RLIMIT_NPROC",
    "file_size_limit": "RLIMIT_FSIZE",
    "open_files_limit": "RLIMIT_NOFILE",
    "no_core_dumps": "RLIMIT_CORE",
}

_libc = ctypes.CDLL(None, use_errno=True)
if sys.platform.startswith("linux"):
    _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                            ctypes.c_ulong, ctypes.c_char_p]
    _libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    _libc.unshare.argtypes = [ctypes.c_int]
    _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                            ctypes.c_ulong]
    _libc.syscall.restype = ctypes.c_long


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(result, what, filename=None):
    """Raise OSError with errno when a libc call returned -1."""
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}", filename)
    return result


def _b(path):
    return None if path is None else os.fsencode(path)


def mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)),
           f"mount {fstype or source} on {target}", target)


def unshare(flags, what):
    _check(_libc.unshare(flags), f"unshare({what})")


def prctl(option, arg):
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def mount_setattr(path, attr_set, attr_clr, recursive):
    """Change per-mount flags of ``path`` (and its submounts); never the file system's."""
    attr = _MountAttr(attr_set, attr_clr, 0, 0)
    flags = AT_RECURSIVE if recursive else 0
    result = _libc.syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD),
                           ctypes.c_char_p(os.fsencode(path)), ctypes.c_uint(flags),
                           ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
    _check(result, f"mount_setattr {path}", path)


def _mount_points():
    """Mount points of this namespace, deepest last, from /proc/self/mountinfo."""
    points = []
    with open("/proc/self/mountinfo", "rb") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].decode()
            # mountinfo escapes space, tab, newline and backslash as octal
            for code in ("\\040", "\\011", "\\012", "\\134"):
                point = point.replace(code, chr(int(code[1:], 8)))
            options = fields[5].decode().split(",")
            points.append((point, options))
    return points


_OPTION_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}


def make_read_only(path, recursive):
    """Make the mount at ``path`` (and every mount below it) read-only and nosuid.

    ``mount_setattr`` does it in one call; on kernels older than 5.12 each mount is
    remounted.  ``MS_REMOUNT`` is always paired with ``MS_BIND``, which changes the
    mount's own flags: without it the whole file system would become read-only, for
    every process on the machine.
    """
    try:
        mount_setattr(path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, recursive)
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL):
            raise
    base = path.rstrip("/") + "/"
    for point, options in _mount_points():
        if point == path or (recursive and (path == "/" or point.startswith(base))):
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
            for option in options:
                flags |= _OPTION_FLAGS.get(option, 0)
            mount(None, point, None, flags)


def make_writable(path):
    """Clear the read-only flag of the single mount at ``path``."""
    try:
        mount_setattr(path, 0, MOUNT_ATTR_RDONLY, False)
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL):
            raise
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)


def loopback_up():
    """Bring up ``lo`` in a fresh network namespace (it starts down)."""
    import fcntl
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _inside(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


class View:
    """Build the sandbox's file-system view inside the private mount namespace.

    ``covers`` are directories and files to replace with something empty (a tmpfs for a
    directory, an unreadable empty file for anything else); ``needed`` are paths that
    must stay visible, bound back from the originals, which are opened before any cover
    hides them.  Covers are processed shallow first; a cover that is no longer visible
    (it lies in a region an earlier cover emptied) is skipped.  Every directory this
    creates lives in a tmpfs made here: nothing is created on a real file system, which
    is read-only by then anyway.
    """

    def __init__(self, needed, covers, staging):
        self.needed = sorted(set(needed))
        # the staging tmpfs sits on the working directory's original path: a recursive
        # bind of the working directory would copy it along and hide the directory
        self.flat = {staging}
        self.covers = sorted(set(covers), key=lambda p: (p.count("/"), p))
        # O_PATH descriptors keep the originals reachable after they are covered
        self.fds = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in self.needed}
        self.staging = staging
        self.empty_fd = None

    def _tmpfs(self, target, mode):
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
              f"size=1m,nr_inodes=4096,mode={mode:o}")

    def _empty_file(self):
        """An empty root-owned mode-000 file to bind over hidden files.

        It lives in a small tmpfs mounted on the working directory's path, which the
        working directory itself is bound over at the end, so it is never visible.
        """
        if self.empty_fd is None:
            self._tmpfs(self.staging, 0o700)
            path = os.path.join(self.staging, "empty")
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0))
            self.empty_fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        return f"/proc/self/fd/{self.empty_fd}"

    def _bind_back(self, cover, path):
        """Bind the original ``path`` into the tmpfs at ``cover``."""
        current = cover
        for part in os.path.relpath(path, cover).split("/")[:-1]:
            current = os.path.join(current, part)
            if not os.path.lexists(current):
                os.mkdir(current, 0o711)
        source = f"/proc/self/fd/{self.fds[path]}"
        if not os.path.lexists(path):
            if os.path.isdir(source):
                os.mkdir(path, 0o711)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o400))
        mount(source, path, None, MS_BIND | (0 if path in self.flat else MS_REC))

    def build(self):
        if any(os.path.lexists(c) and not os.path.isdir(c) for c in self.covers):
            self._empty_file()
        for cover in self.covers:
            if not os.path.lexists(cover):
                continue  # already invisible, or never existed
            if not os.path.isdir(cover):
                mount(self._empty_file(), cover, None, MS_BIND)
                continue
            if cover in self.fds:
                continue  # asked to stay readable: that wins over a default cover
            inner = [p for p in self.needed if p != cover and _inside(p, cover)]
            # a needed path inside another needed path comes with it
            inner = [p for p in inner if not any(q != p and _inside(p, q) for q in inner)]
            self._tmpfs(cover, 0o711 if inner else 0o000)
            for path in inner:
                self._bind_back(cover, path)

    def bind_writable(self, path):
        """Bind the original ``path`` over whatever is there now, and make it writable."""
        mount(f"/proc/self/fd/{self.fds[path]}", path, None,
              MS_BIND | (0 if path in self.flat else MS_REC))
        make_writable(path)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        if self.empty_fd is not None:
            os.close(self.empty_fd)


def main():
    settings = json.loads(sys.argv[1])
    status_fd = int(sys.argv[2])
    lifeline_fd = int(sys.argv[3])
    want = set(settings["want"])
    best_effort = settings["best_effort"]
    steps = {}

    def report(obj):
        os.write(status_fd, (json.dumps(obj) + "\n").encode())

    def abandon(exc, stage):
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if getattr(exc, "filename", None):
            text += f" ({exc.filename})"
        report({"error": f"{stage}: {text}",
                "errno": getattr(exc, "errno", None),
                "filename": getattr(exc, "filename", None)})
        os._exit(125)

    def step(name, action, *args):
        """Run one step; in strict mode a failure abandons the launch."""
        if name not in want:
            return False
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001 - reported to the grader either way
            if not best_effort:
                abandon(exc, name)
            steps[name] = f"{type(exc).__name__}: {exc}"
            return False
        steps[name] = True
        return True

    def join_cgroup(procs_file):
        with open(procs_file, "w") as fh:
            fh.write(str(os.getpid()))

    # first, so that every process started from here on is counted
    for name, procs_file in sorted(settings.get("cgroups", {}).items()):
        step(name, join_cgroup, procs_file)

    mount_ns = step("mount_namespace", lambda: (
        unshare(CLONE_NEWNS, "CLONE_NEWNS"),
        mount(None, "/", None, MS_REC | MS_PRIVATE)))
    pid_ns = step("pid_namespace", unshare, CLONE_NEWPID, "CLONE_NEWPID")
    step("ipc_namespace", unshare, CLONE_NEWIPC, "CLONE_NEWIPC")
    step("network_namespace", lambda: (unshare(CLONE_NEWNET, "CLONE_NEWNET"), loopback_up()))

    workdir = settings["workdir"]
    if mount_ns:
        view_settings = settings["view"]

        def build_view():
            # read-only first, so a mistake below cannot write to a real file system
            make_read_only("/", True)
            view = View(view_settings["needed"] + [workdir], view_settings["covers"],
                        staging=workdir)
            view.build()
            make_read_only("/", True)
            view.bind_writable(workdir)
            view.close()

        step("read_only_root", build_view)

    # Without a PID namespace this process adopts whatever the target's processes
    # orphan, setsid daemons included, so it can find and kill them at the end.
    subreaper = not pid_ns and step("launcher_subreaper", prctl, PR_SET_CHILD_SUBREAPER, 1)

    # the status pipe and the exit pipe are the only descriptors the children need
    exit_r, exit_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(exit_r)
        os.close(lifeline_fd)
        if pid_ns:
            _init(settings, want, best_effort, steps, status_fd, exit_w, report, step,
                  abandon)
        else:
            os.close(exit_w)
            _target(settings, want, best_effort, steps, status_fd, report, step, abandon,
                    parent_death=True)
    os.close(exit_w)
    os.close(status_fd)
    _supervise(child, exit_r, lifeline_fd, pid_ns, subreaper)


def _target(settings, want, best_effort, steps, status_fd, report, step, abandon,
            parent_death):
    """Become the sandboxed program (never returns)."""
    limits = settings["rlimits"]
    step("no_controlling_terminal", os.setsid)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, *FORWARDED):
        signal.signal(sig, signal.SIG_DFL)
    for name, rname in RLIMITS.items():
        if name in limits:
            value = limits[name]
            if name == "process_limit" and settings.get("process_limit_adds_own"):
                value += _tasks_of_uid(os.getuid())
            which = getattr(resource, rname)
            hard = limits.get(name + "_hard", value)
            current = resource.getrlimit(which)[1]
            if current != resource.RLIM_INFINITY:
                # an unprivileged process cannot raise its hard limit
                hard = min(hard, current)
                value = min(value, hard)
            step(name, resource.setrlimit, which, (value, hard))
    uid = settings.get("uid")
    if uid is not None:
        gid = settings["gid"]
        step("unprivileged_uid", lambda: (os.setgroups([]), os.setresgid(gid, gid, gid),
                                          os.setresuid(uid, uid, uid)))
    if parent_death:
        # after setuid: a change of credentials clears it
        step("kill_on_parent_death", prctl, PR_SET_PDEATHSIG, signal.SIGKILL)
    step("no_new_privileges", prctl, PR_SET_NO_NEW_PRIVS, 1)
    os.umask(0o022)
    argv = settings["argv"]
    try:
        os.chdir(settings["workdir"])
    except OSError as exc:
        abandon(exc, "enter the working directory")
    try:
        if best_effort:
            steps["interpreter_usable"] = os.access(argv[0], os.X_OK)
            report({"steps": steps})
        os.closerange(3, status_fd)
        os.closerange(status_fd + 1, _max_fd())
        os.set_inheritable(status_fd, False)
        os.execvpe(argv[0], argv, settings["env"])
    except OSError as exc:
        report({"error": f"cannot run {argv[0]}: {exc.strerror}", "errno": exc.errno,
                "filename": argv[0]})
        os._exit(127)


def _max_fd():
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _tasks_of_uid(uid):
    """Threads and processes of ``uid`` (what RLIMIT_NPROC counts)."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                text = fh.read()
        except OSError:
            continue
        fields = dict(line.split(b":", 1) for line in text.splitlines() if b":" in line)
        if int(fields.get(b"Uid", b"-1").split()[0]) == uid:
            count += int(fields.get(b"Threads", b"1"))
    return count


def _init(settings, want, best_effort, steps, status_fd, exit_w, report, step, abandon):
    """PID 1 of the new PID namespace: start the target, reap, exit when it does."""
    # if the launcher is killed (wall-time limit), the namespace dies with this process
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    step("private_proc", mount, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
         "hidepid=2")
    target = os.fork()
    if target == 0:
        os.close(exit_w)
        _target(settings, want, best_effort, steps, status_fd, report, step, abandon,
                parent_death=False)
    os.close(status_fd)

    def forward(signum, frame):
        try:
            os.kill(target, signum)
        except ProcessLookupError:
            pass

    for sig in FORWARDED:
        signal.signal(sig, forward)
    status = 0
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == target:
            break
    os.write(exit_w, struct.pack("i", status))
    # returning from PID 1 makes the kernel kill everything left in the namespace
    os._exit(0)


def _kill_descendants():
    """SIGKILL every descendant of this process and reap them (this is their subreaper).

    Stopped first, then killed, scan after scan, so a fork bomb cannot outrun it.
    """
    me = os.getpid()
    while True:
        parents = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat", "rb") as fh:
                        fields = fh.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue
                if fields[0] not in (b"Z", b"X"):
                    parents[int(name)] = int(fields[1])
        tree, todo = set(), [me]
        while todo:
            parent = todo.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in tree:
                    tree.add(pid)
                    todo.append(pid)
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in tree:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        _reap_all()
        if not tree:
            return


def _reap_all():
    """Collect every child that has exited; the statuses are of no interest."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _supervise(child, exit_r, lifeline_fd, pid_ns, subreaper):
    """Forward signals, watch the grader, and end the way the target ended.

    No thread: after ``unshare(CLONE_NEWPID)`` this process cannot create one.  A
    ``select`` on the lifeline and on a self-pipe woken by SIGCHLD does the waiting.  As
    a subreaper it also reaps the orphans it adopts, and kills whatever is left when the
    target exits.
    """
    import select

    def forward(signum, frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for sig in FORWARDED:
        signal.signal(sig, forward)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    status = None
    while status is None:
        while True:
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
            if pid == child:
                status = code
        if status is not None:
            break
        ready, _, _ = select.select([lifeline_fd, wake_r], [], [])
        if lifeline_fd in ready and not os.read(lifeline_fd, 64):
            # the grader is gone: nobody will read the result or clean up after us
            os.kill(child, signal.SIGKILL)
            if subreaper:
                _kill_descendants()
            os._exit(137)
        if wake_r in ready:
            os.read(wake_r, 512)
    if subreaper:
        _kill_descendants()
    if pid_ns:
        data = os.read(exit_r, 4)
        if len(data) == 4:
            status = struct.unpack("i", data)[0]
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        # die of the same signal, without a core dump of this process
        try:
            prctl(4, 0)  # PR_SET_DUMPABLE
        except (OSError, AttributeError):
            pass
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.set_wakeup_fd(-1)
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum])
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main()
