"""Tests of autograder.sandbox: each defence is attacked the way a submission would.

The oracle is the operating system: a file the sandboxed process printed, a process that
is (or is not) in /proc, an errno.  Limits are small so the file runs in seconds.  Tests
that need root and Linux (namespaces, a separate uid) are skipped elsewhere; CI runs as
root.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import Limits, RunResult, Sandbox, SandboxError, describe_defences

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the tests read /proc")
ROOT = os.name == "posix" and os.geteuid() == 0 and sys.platform.startswith("linux")
needs_root = pytest.mark.skipif(not ROOT, reason="needs root on Linux")
PY = sys.executable
SMALL = Limits(cpu_seconds=5, wall_seconds=20, memory_bytes=1024 ** 3, processes=32,
               file_bytes=4 * 1024 ** 2, output_bytes=1024 ** 2)


def script(text):
    """argv running ``text`` with the grader's interpreter."""
    return [PY, "-c", textwrap.dedent(text)]


# Runs in the sandbox: try each action, print {name: "ok" or the errno's name}.
ATTEMPT = """
import errno, json, os, sys
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "ok"
    except OSError as exc:
        results[name] = errno.errorcode.get(exc.errno, str(exc.errno))
"""


def attempts(box, body, *args):
    result = box.run([PY, "-c", ATTEMPT + textwrap.dedent(body) +
                      "\nprint(json.dumps(results))", *args])
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def carriers(token):
    """Pids of live processes whose environment carries the sandbox marker ``token``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                environ = fh.read().split(b"\0")
            with open(f"/proc/{name}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in (b"Z", b"X") and f"AUTOGRADER_SANDBOX={token}".encode() in environ:
            found.append(int(name))
    return found


def processes_of(uid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status", "rb") as fh:
                    lines = dict(line.split(b":", 1) for line in fh.read().splitlines())
            except (OSError, ValueError):
                continue
            if int(lines[b"Uid"].split()[0]) == uid and lines[b"State"].split()[0] != b"Z":
                found.append(int(name))
    return found


@pytest.fixture
def course(tmp_path):
    """A fake course root: public files, and the files a submission must never see."""
    root = tmp_path / "course"
    (root / "release" / "ps1").mkdir(parents=True)
    (root / "release" / "ps1" / "ps1.ipynb").write_text("public notebook")
    (root / "source_notebooks" / "ps1").mkdir(parents=True)
    (root / "source_notebooks" / "ps1" / "ps1.ipynb").write_text("hidden tests")
    (root / "gradebook.db").write_text("grades")
    (root / "nbgrader_config.py").write_text("c = get_config()")
    return root


def hide_of(course):
    return [course / "gradebook.db", course / "source_notebooks", course / "nbgrader_config.py"]


# ---------------------------------------------------------------- what it can do

def test_runs_the_venv_python_with_numpy():
    """The sandboxed process runs the project's interpreter and can import numpy."""
    with Sandbox(SMALL) as box:
        result = box.run(script("import numpy, sys; print(numpy.arange(4).sum(), sys.prefix)"))
    assert result.returncode == 0, result.stderr.decode()
    total, prefix = result.stdout.decode().split()
    assert (total, prefix) == ("6", sys.prefix)
    assert not result.killed and not result.timed_out


@needs_root
def test_uid_inside_is_not_root():
    """As root, the submission runs as the sandbox's own unprivileged uid, with no groups."""
    with Sandbox(SMALL) as box:
        result = box.run(script("import os; print(os.getuid(), os.geteuid(), os.getgroups())"))
        assert result.stdout.decode().split() == [str(box.uid), str(box.uid), "[]"]
    assert box.uid != 0


def test_environment_is_scrubbed_and_workdir_empty(monkeypatch):
    """Only the scrubbed environment reaches the process, and it starts in an empty HOME."""
    monkeypatch.setenv("GRADER_SECRET", "do-not-leak")
    with Sandbox(SMALL) as box:
        assert list(box.workdir.iterdir()) == []
        result = box.run(script("""
            import json, os
            print(json.dumps([dict(os.environ), os.getcwd(), os.listdir('.')]))
        """), env={"EXTRA": "given"})
        env, cwd, listing = json.loads(result.stdout)
        assert "GRADER_SECRET" not in env
        assert env["EXTRA"] == "given"
        assert env["HOME"] == env["TMPDIR"] == cwd == str(box.workdir)
        assert env["PATH"].split(os.pathsep)[0] == os.path.dirname(PY)
        assert listing == []
        workdir = box.workdir
    assert not workdir.exists()


def test_os_exit_is_a_normal_exit():
    """os._exit(0) is reported as exit code 0 with nothing killed; other codes pass through."""
    with Sandbox(SMALL) as box:
        zero = box.run(script("import os; print('bye', flush=True); os._exit(0)"))
        three = box.run(script("import os; os._exit(3)"))
    assert (zero.returncode, zero.stdout, zero.killed, zero.timed_out) == (0, b"bye\n", [], False)
    assert (three.returncode, three.killed) == (3, [])


def test_input_reaches_stdin():
    """run(input=...) feeds stdin and closes it."""
    with Sandbox(SMALL) as box:
        result = box.run(script("import sys; print(sys.stdin.read()[::-1])"), input="abc")
    assert result.stdout == b"cba\n"


def test_jupyter_kernel_runs_inside():
    """nbclient in the sandbox starts a kernel (loopback TCP, writable runtime dir) and
    executes a notebook that the grader then reads back."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nprint(np.arange(5).sum())")]
    with Sandbox(Limits(cpu_seconds=30, wall_seconds=60, processes=64)) as box:
        nbformat.write(nb, box.workdir / "in.ipynb")
        result = box.run(script("""
            import nbclient, nbformat
            nb = nbformat.read('in.ipynb', 4)
            nbclient.NotebookClient(nb, timeout=30, kernel_name='python3').execute()
            nbformat.write(nb, 'out.ipynb')
        """))
        assert result.returncode == 0, result.stderr.decode()
        out = nbformat.read(box.workdir / "out.ipynb", 4)
    assert out.cells[0].outputs[0]["text"] == "10\n"


# ------------------------------------------------------------ what it cannot see

@needs_root
def test_hidden_paths_cannot_be_read_or_listed(course):
    """The gradebook, the source notebooks and the config are unreadable inside, while the
    rest of the course root stays readable."""
    with Sandbox(SMALL, hide=hide_of(course), readable=[course]) as box:
        results = attempts(box, """
            c = sys.argv[1]
            attempt("public", lambda: open(c + "/release/ps1/ps1.ipynb").read())
            attempt("gradebook", lambda: open(c + "/gradebook.db").read())
            attempt("config", lambda: open(c + "/nbgrader_config.py").read())
            attempt("list_sources", lambda: os.listdir(c + "/source_notebooks"))
            attempt("read_source",
                    lambda: open(c + "/source_notebooks/ps1/ps1.ipynb").read())
            attempt("list_root_home", lambda: os.listdir("/root"))
            attempt("list_tmp", lambda: os.listdir("/tmp"))
        """, str(course))
    assert results == {"public": "ok", "gradebook": "EACCES", "config": "EACCES",
                       "list_sources": "EACCES", "read_source": "EACCES",
                       "list_root_home": "EACCES", "list_tmp": "EACCES"}
    # nothing outside changed
    assert (course / "gradebook.db").read_text() == "grades"
    assert (course / "source_notebooks" / "ps1" / "ps1.ipynb").read_text() == "hidden tests"


@needs_root
def test_hiding_the_project_keeps_the_interpreter():
    """Hiding the directory that holds the virtual environment hides its other files but
    keeps the interpreter and numpy working."""
    project = Path(sys.prefix).parent
    readme = next(p for p in sorted(project.iterdir())
                  if p.is_file() and p.stat().st_mode & 0o004)
    with Sandbox(SMALL, hide=[project]) as box:
        results = attempts(box, """
            import numpy
            attempt("other_file", lambda: open(sys.argv[1]).read())
            attempt("list", lambda: os.listdir(os.path.dirname(sys.argv[1])))
        """, str(readme))
    assert results == {"other_file": "ENOENT", "list": "EACCES"}


def test_no_descriptor_leaks_into_the_sandbox():
    """The sandboxed process holds only stdin, stdout and stderr: no pipe of the grader's."""
    with Sandbox(SMALL) as box:
        result = box.run(script("import os; print(sorted(map(int, os.listdir('/proc/self/fd'))))"))
    # the fourth is the directory listing itself
    assert result.stdout.decode().strip() == "[0, 1, 2, 3]"


@needs_root
def test_writes_only_in_workdir(course):
    """The submission can write in its HOME and nowhere else: not the course root, /tmp,
    /var/tmp, /dev/shm or the project directory."""
    elsewhere = Path(sys.prefix) / "sandbox-write-probe"
    try:
        with Sandbox(SMALL, hide=hide_of(course), readable=[course]) as box:
            results = attempts(box, """
                def write(path):
                    with open(path, "w") as fh:
                        fh.write("x")
                c, elsewhere = sys.argv[1:3]
                attempt("home", lambda: write(os.path.expanduser("~/ok.txt")))
                attempt("course", lambda: write(c + "/release/ps1/new.txt"))
                attempt("gradebook", lambda: write(c + "/gradebook.db"))
                attempt("tmp", lambda: write("/tmp/x"))
                attempt("var_tmp", lambda: write("/var/tmp/x"))
                attempt("dev_shm", lambda: write("/dev/shm/x"))
                attempt("project", lambda: write(elsewhere))
                attempt("mkdir_course", lambda: os.mkdir(c + "/submitted"))
            """, str(course), str(elsewhere))
            assert (box.workdir / "ok.txt").read_text() == "x"
    finally:
        if elsewhere.exists():
            elsewhere.unlink()
    assert results.pop("home") == "ok"
    assert set(results.values()) <= {"EROFS", "EACCES"}, results
    assert not (course / "release" / "ps1" / "new.txt").exists()
    assert not (course / "submitted").exists()
    assert (course / "gradebook.db").read_text() == "grades"


@needs_root
def test_network_is_loopback_only():
    """A socket listening on the grader's loopback is unreachable from inside."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with Sandbox(SMALL) as box:
            results = attempts(box, """
                import socket
                attempt("grader", lambda: socket.create_connection(("127.0.0.1",
                                                                    int(sys.argv[1])), 2))
            """, str(port))
    assert results["grader"] == "ECONNREFUSED"


# ----------------------------------------------------------------------- limits

def test_cpu_limit_kills():
    """A busy loop is killed at the CPU-time limit and the reason is reported."""
    with Sandbox(Limits(cpu_seconds=1, wall_seconds=20)) as box:
        result = box.run(script("while True: pass"))
    assert result.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    assert result.killed == ["CPU time limit of 1 s exceeded"]
    assert not result.timed_out


@pytest.mark.parametrize("privileged", [None, False], ids=["full", "degraded"])
def test_cpu_hard_limit_kills_a_process_ignoring_sigxcpu(privileged):
    """A busy loop that ignores SIGXCPU is killed with SIGKILL one second later, and the
    exit status says so."""
    with Sandbox(Limits(cpu_seconds=1, wall_seconds=20), privileged=privileged) as box:
        result = box.run(script("""
            import signal
            signal.signal(signal.SIGXCPU, signal.SIG_IGN)
            while True:
                pass
        """))
    assert result.returncode == -signal.SIGKILL
    assert result.killed == ["CPU time limit of 1 s exceeded"]
    assert result.stderr == b""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV, signal.SIGTERM],
                         ids=["SIGKILL", "SIGSEGV", "SIGTERM"])
def test_death_by_signal_is_reported_as_by_popen(sig):
    """A process that dies of a signal has returncode -signal, as with subprocess."""
    with Sandbox(SMALL) as box:
        result = box.run(script(f"import os, signal; os.kill(os.getpid(), {int(sig)})"))
    assert result.returncode == -sig
    assert result.stderr == b""


def test_wall_limit_kills_a_sleeper():
    """A process that sleeps is killed at the wall-time limit."""
    with Sandbox(Limits(wall_seconds=1)) as box:
        result = box.run(script("import time; print('start', flush=True); time.sleep(60)"))
    assert result.timed_out
    assert result.returncode == -signal.SIGKILL
    assert result.killed == ["wall time limit of 1 s exceeded"]
    assert result.stdout == b"start\n"


def test_ignoring_sigint_and_sigterm_does_not_help():
    """A process ignoring SIGINT and SIGTERM is still killed, and nothing of it remains."""
    with Sandbox(Limits(wall_seconds=1)) as box:
        result = box.run(script("""
            import os, signal, time
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print(os.environ["AUTOGRADER_SANDBOX"], flush=True)
            while True:
                time.sleep(0.01)
        """))
        assert result.timed_out and result.returncode == -signal.SIGKILL
        assert carriers(result.stdout.decode().strip()) == []


@needs_root
def test_fork_bomb_is_contained():
    """RLIMIT_NPROC stops a fork bomb (bounded at 100 forks, harmless even without the
    limit): fork fails with EAGAIN below the limit and every child is gone afterwards."""
    with Sandbox(Limits(processes=16, wall_seconds=20)) as box:
        result = box.run(script("""
            import errno, os, time
            made, error = 0, None
            for _ in range(100):
                try:
                    pid = os.fork()
                except OSError as exc:
                    error = errno.errorcode[exc.errno]
                    break
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                made += 1
            print(made, error, os.environ["AUTOGRADER_SANDBOX"])
        """))
        made, error, token = result.stdout.decode().split()
        assert int(made) < 16 and error == "EAGAIN"
        assert carriers(token) == []
        assert processes_of(box.uid) == []


def test_memory_hog_fails_at_the_limit():
    """Allocating more than memory_bytes fails with MemoryError; a smaller block works."""
    with Sandbox(Limits(memory_bytes=256 * 1024 ** 2, wall_seconds=20)) as box:
        result = box.run(script("""
            small = bytearray(32 * 1024 ** 2)
            try:
                big = bytearray(512 * 1024 ** 2)
                print("allocated")
            except MemoryError:
                print("MemoryError")
        """))
    assert result.stdout == b"MemoryError\n"


@needs_root
def test_memory_limit_holds_for_all_processes_together():
    """Four processes of 100 MB each do not fit in a 256 MiB sandbox, although each is
    under the per-process limit: the kernel kills some, and run() says why."""
    with Sandbox(Limits(memory_bytes=256 * 1024 ** 2, wall_seconds=20)) as box:
        if not box.defences["total_memory_limit"]:
            pytest.skip("no memory cgroup on this machine")
        result = box.run(script("""
            import os, time
            children = []
            for _ in range(4):
                pid = os.fork()
                if pid == 0:
                    block = b"x" * (100 * 1024 ** 2)  # written, so really resident
                    time.sleep(1)
                    os._exit(0)
                children.append(pid)
            killed = sum(os.WIFSIGNALED(os.waitpid(pid, 0)[1]) for pid in children)
            print(killed)
        """))
    assert int(result.stdout) >= 1
    assert result.killed and result.killed[0].startswith(
        f"memory limit of {256 * 1024 ** 2} bytes for all processes together exceeded")


def test_file_size_limit():
    """A file cannot grow beyond file_bytes: the write fails with EFBIG."""
    limit = 1024 ** 2
    with Sandbox(Limits(file_bytes=limit, wall_seconds=20)) as box:
        results = attempts(box, """
            def write(size):
                with open("big.bin", "wb") as fh:
                    fh.write(b"x" * size)
            attempt("half", lambda: write(%d // 2))
            attempt("double", lambda: write(2 * %d))
        """ % (limit, limit))
        size = (box.workdir / "big.bin").stat().st_size
    assert results == {"half": "ok", "double": "EFBIG"}
    assert size <= limit


def test_huge_output_is_capped():
    """Output beyond output_bytes is discarded and flagged; the process still finishes."""
    cap = 64 * 1024
    with Sandbox(Limits(output_bytes=cap, wall_seconds=20)) as box:
        result = box.run(script("""
            import sys
            for _ in range(200):
                sys.stdout.write("y" * 50_000)
                sys.stderr.write("z" * 50_000)
            print("done", file=sys.stderr)
        """))
    assert result.returncode == 0
    assert result.output_truncated
    assert result.stdout == b"y" * cap and result.stderr == b"z" * cap


def test_small_output_is_not_flagged():
    """Output within the cap is kept whole and not flagged."""
    with Sandbox(SMALL) as box:
        result = box.run(script("import sys; print('out'); print('err', file=sys.stderr)"))
    assert (result.stdout, result.stderr, result.output_truncated) == (b"out\n", b"err\n", False)


# ---------------------------------------------------------- nothing left behind

DAEMON = """
import os, sys, time
tag = sys.argv[1]
ready_r, ready_w = os.pipe()
middle = os.fork()
if middle == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(ready_w, b"x")
        # a new program with an empty environment: no marker left to find it by
        os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)",
                                   tag], {})
    os._exit(0)
os.waitpid(middle, 0)
os.read(ready_r, 1)
time.sleep(0.2)
"""


def tagged(tag):
    """Pids of live processes whose command line holds ``tag``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    if tag.encode() in fh.read().split(b"\0"):
                        found.append(int(name))
            except OSError:
                pass
    return found


@pytest.mark.parametrize("privileged", [None, False], ids=["full", "degraded"])
def test_setsid_daemon_is_gone_after_the_run(privileged, request):
    """A double-forked setsid daemon that wipes its environment does not outlive run(),
    with or without namespaces."""
    tag = f"daemon-{os.getpid()}-{request.node.callspec.id}"
    with Sandbox(SMALL, privileged=privileged) as box:
        proc = box.popen(script(DAEMON) + [tag])
        deadline = time.monotonic() + 10
        while not tagged(tag) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tagged(tag), "the daemon never started"
        assert proc.wait() == 0
        assert tagged(tag) == []  # gone as soon as the main process has ended
        result = box.run(script(DAEMON) + [tag])
        assert result.returncode == 0, result.stderr.decode()
        assert tagged(tag) == []


@pytest.mark.parametrize("privileged", [None, False], ids=["full", "degraded"])
def test_terminate_reaches_the_program(privileged):
    """Popen.terminate() on a popen'd process delivers SIGTERM to the program itself,
    which can handle it and exit normally."""
    with Sandbox(SMALL, privileged=privileged) as box:
        proc = box.popen(script("""
            import signal, sys, time
            signal.signal(signal.SIGTERM, lambda *a: (print("got SIGTERM"), sys.exit(4)))
            print("ready", flush=True)
            time.sleep(60)
        """))
        assert proc.stdout.readline() == b"ready\n"
        proc.terminate()
        assert proc.wait(timeout=20) == 4
        assert proc.stdout.read() == b"got SIGTERM\n"


@pytest.mark.parametrize("privileged", [None, False], ids=["full", "degraded"])
def test_kill_all_takes_popen_trees(privileged):
    """kill_all() kills a popen'd process that ignores SIGTERM, its children and a daemon
    it detached."""
    with Sandbox(SMALL, privileged=privileged) as box:
        proc = box.popen(script("""
            import os, signal, subprocess, sys, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            ready_r, ready_w = os.pipe()
            middle = os.fork()
            if middle == 0:
                os.setsid()
                if os.fork() == 0:
                    os.write(ready_w, b"x")
                    time.sleep(60)
                os._exit(0)
            os.waitpid(middle, 0)
            os.read(ready_r, 1)
            print(os.environ["AUTOGRADER_SANDBOX"], flush=True)
            time.sleep(60)
        """))
        token = proc.stdout.readline().decode().strip()
        assert len(carriers(token)) == 3  # main, child, daemon
        proc.terminate()
        box.kill_all()
        assert proc.returncode is not None
        assert carriers(token) == []


def test_grader_death_kills_the_sandbox():
    """When the grader dies without cleaning up, its sandboxed processes die too and the
    next sandbox removes the working directory it left."""
    grader = subprocess.Popen(script(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from autograder.sandbox import Sandbox, Limits
        box = Sandbox(Limits(wall_seconds=100))
        proc = box.popen([sys.executable, "-c", "import os, time; "
                          "print(os.environ['AUTOGRADER_SANDBOX'], flush=True); "
                          "time.sleep(60)"])
        print(proc.stdout.readline().decode().strip(), box.workdir, flush=True)
        time.sleep(60)
    """), stdout=subprocess.PIPE)
    token, workdir = grader.stdout.readline().decode().split()
    assert carriers(token)
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 10
    while carriers(token) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert carriers(token) == []
    with Sandbox(SMALL):
        assert not Path(workdir).exists()


# -------------------------------------------------------------------- defences

@needs_root
def test_nothing_missing_as_root():
    """As root on this kind of machine every defence is active and missing() is empty."""
    with Sandbox(SMALL) as box:
        assert box.missing() == []
        assert all(box.defences.values()), box.defences
    text = describe_defences()
    assert "No defence is missing." in text


def test_degraded_mode_says_what_is_missing(course):
    """Without privileges the sandbox still limits and cleans up, and says in plain words
    which defences are missing; and what it says is true (the gradebook is readable)."""
    with Sandbox(Limits(cpu_seconds=1, wall_seconds=20), hide=hide_of(course),
                 privileged=False) as box:
        defences = box.defences
        missing = box.missing()
        results = attempts(box, """
            attempt("gradebook", lambda: open(sys.argv[1] + "/gradebook.db").read())
        """, str(course))
        cpu = box.run(script("while True: pass"))
    for name in ("unprivileged_uid", "mount_namespace", "read_only_root", "hidden_paths",
                 "pid_namespace", "network_namespace", "process_limit"):
        assert defences[name] is False, name
    for name in ("cpu_limit", "memory_limit", "file_size_limit", "wall_time_limit",
                 "output_limit", "scrubbed_environment", "empty_workdir", "kill_detached"):
        assert defences[name] is True, name
    text = "\n".join(missing)
    if ROOT:
        assert "privileges not used (privileged=False): the submission runs as root" in text
    else:
        assert "not running as root: the submission runs as" in text
    assert f"hidden paths are not hidden: the submission can read {course}/gradebook.db" in text
    assert "no PID namespace" in text and "no network namespace" in text
    assert "no private read-only view of the file system" in text
    assert len(missing) == len(set(missing)) >= 5
    assert results == {"gradebook": "ok"}
    assert cpu.killed == ["CPU time limit of 1 s exceeded"]


def test_environment_variable_forces_degraded_mode(monkeypatch):
    """AUTOGRADER_SANDBOX_PRIVILEGED=0 turns the privileged defences off for every sandbox."""
    monkeypatch.setenv("AUTOGRADER_SANDBOX_PRIVILEGED", "0")
    with Sandbox(SMALL) as box:
        assert box.uid is None
        assert box.defences["mount_namespace"] is False
        assert box.missing()


# ------------------------------------------------------------------ bad arguments

@pytest.mark.parametrize("kwargs, error, message", [
    ({"cpu_seconds": 0}, ValueError, "cpu_seconds must be >= 1, got 0"),
    ({"processes": 2.5}, TypeError, "processes must be an int"),
    ({"memory_bytes": True}, TypeError, "memory_bytes must be an int"),
    ({"wall_seconds": -1}, ValueError, "wall_seconds must be > 0, got -1"),
    ({"wall_seconds": "10"}, TypeError, "wall_seconds must be a number of seconds"),
], ids=["zero-cpu", "float-processes", "bool-memory", "negative-wall", "str-wall"])
def test_bad_limits(kwargs, error, message):
    """Bad limits are refused with the field, the value and what is allowed."""
    with pytest.raises(error, match=message):
        Limits(**kwargs)


def test_bad_sandbox_arguments(tmp_path):
    """Bad constructor and run arguments raise TypeError/ValueError naming the parameter."""
    with pytest.raises(TypeError, match="limits must be an autograder.sandbox.Limits"):
        Sandbox({"cpu_seconds": 1})
    with pytest.raises(TypeError, match="hide must hold str or os.PathLike paths"):
        Sandbox(SMALL, hide=[3])
    with pytest.raises(ValueError, match="does not exist"):
        Sandbox(SMALL, readable=[tmp_path / "nope"])
    with pytest.raises(ValueError, match="hide and readable both name"):
        Sandbox(SMALL, hide=[tmp_path], readable=[tmp_path])
    with pytest.raises(ValueError, match="hide cannot name the root directory"):
        Sandbox(SMALL, hide=["/"])
    with pytest.raises(TypeError, match="privileged must be None, True or False"):
        Sandbox(SMALL, privileged="yes")
    with Sandbox(SMALL) as box:
        with pytest.raises(TypeError, match="argv must be a sequence of str"):
            box.run("python -c pass")
        with pytest.raises(ValueError, match="argv must name a program"):
            box.run([])
        with pytest.raises(TypeError, match="env must map str to str"):
            box.run([PY, "-c", "pass"], env={"A": 1})
        with pytest.raises(TypeError, match="input must be bytes, str or None"):
            box.run([PY, "-c", "pass"], input=5)
        with pytest.raises(FileNotFoundError):
            box.run(["no-such-program-anywhere"])
    with pytest.raises(ValueError, match="the sandbox is closed"):
        box.popen([PY, "-c", "pass"])


def test_run_result_fields():
    """RunResult has the fields other modules rely on, in order."""
    names = [f for f in RunResult.__dataclass_fields__]
    assert names[:6] == ["returncode", "stdout", "stderr", "timed_out", "output_truncated",
                         "killed"]
    assert issubclass(SandboxError, RuntimeError)
