"""autograder._worker: frames, the value codec, the import guard and the request server.

The server tests start the worker script directly (``python -I -S _worker.py``), without
the sandbox: what is tested here is the worker's own behaviour.  The sandboxed path is
tested in tests/test_trusted.py.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import _worker as wire

WORKER = Path(wire.__file__)
# How student code reaches os and sys despite the guard (the guard is not the boundary).
ESCAPE = "import numpy as np\nu = np.testing._private.utils\n"


class Marker:
    """Unpickling this creates a file: proof that something was unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def pickled_npy(path) -> bytes:
    """A .npy blob of dtype object whose loading with pickle would create ``path``."""
    array = np.empty(1, dtype=object)
    array[0] = Marker(str(path))
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


class Tagged(np.ndarray):
    """An ndarray subclass, as a student might return."""


class Client:
    """Talks to a worker started as a plain subprocess, killed after 60 s at the latest."""

    def __init__(self, folder: Path, max_frame: int = 1 << 22):
        lib = folder / "lib"
        lib.mkdir(exist_ok=True)
        if not (lib / "numpy").exists():
            os.symlink(Path(np.__file__).resolve().parent, lib / "numpy")
        self.max_frame = max_frame
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(WORKER), str(lib), str(max_frame)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=folder, env={"OPENBLAS_NUM_THREADS": "1", "PATH": os.environ["PATH"]})
        self.watchdog = threading.Timer(60, self.proc.kill)
        self.watchdog.start()
        self.hello, _ = self.receive()

    def send(self, header, blobs=()):
        self.send_raw(wire.pack_frame(header, blobs, 1 << 30))

    def send_raw(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def receive(self):
        return wire.read_frame(self.proc.stdout.read, 1 << 30)

    def request(self, header, blobs=()):
        self.send(header, blobs)
        return self.receive()

    def exec(self, source, cell="c", setup=False):
        reply, _ = self.request({"op": "exec", "cell": cell, "source": source, "setup": setup})
        return reply["error"]

    def call(self, name, *args, **kwargs):
        blobs, memo = [], {}
        header = {"op": "call", "name": name, "args": wire.encode(args, blobs, memo),
                  "kwargs": {k: wire.encode(v, blobs, memo) for k, v in kwargs.items()}}
        return self.request(header, blobs)

    def close(self):
        self.watchdog.cancel()
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def worker(tmp_path):
    client = Client(tmp_path)
    yield client
    client.close()


@pytest.fixture(scope="module")
def shared_worker(tmp_path_factory):
    """One worker for tests that only add cells and never depend on each other's state."""
    client = Client(tmp_path_factory.mktemp("worker"))
    client.exec("import numpy as np", cell="setup", setup=True)
    yield client
    client.close()


def values(reply_and_blobs, key="result"):
    reply, blobs = reply_and_blobs
    return wire.decode(reply[key], blobs, resolve=lambda node: node)


# ------------------------------------------------------------------------------- frames

@given(header=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=10),
                              max_size=4),
       blobs=st.lists(st.binary(max_size=50), max_size=4))
def test_frames_round_trip(header, blobs):
    """A frame read back gives the same header and blobs it was packed from."""
    stream = io.BytesIO(wire.pack_frame(header, blobs))
    assert wire.read_frame(stream.read) == (header, blobs)
    assert stream.read() == b""


def test_frame_lengths_are_checked_before_anything_large_is_read():
    """A prefix announcing a 4 GB header is refused after reading only the 12-byte prefix."""
    asked = []
    data = io.BytesIO(wire.MAGIC + (2 ** 32 - 1).to_bytes(4, "big") + (0).to_bytes(4, "big"))

    def read_exact(n):
        asked.append(n)
        return data.read(n)

    with pytest.raises(wire.ProtocolError, match="at most 1024 bytes"):
        wire.read_frame(read_exact, 1024)
    assert asked == [12]


@pytest.mark.parametrize("case", ["header", "blob table"])
def test_oversized_frames_are_refused_both_ways(case):
    """A frame over the limit can be neither packed nor read, whether its header or its blobs are large."""
    header, blobs = ({"x": "a" * 2000}, []) if case == "header" else ({}, [b"b" * 2000])
    with pytest.raises(wire.ProtocolError, match="at most 1000 bytes"):
        wire.pack_frame(header, blobs, 1000)
    frame = wire.pack_frame(header, blobs, 10_000)
    with pytest.raises(wire.ProtocolError, match="at most 1000 bytes"):
        wire.read_frame(io.BytesIO(frame).read, 1000)


@pytest.mark.parametrize("data, match", [
    (b"XXXX" + bytes(8), "must start with"),
    (wire.MAGIC + (2).to_bytes(4, "big") + bytes(4) + b"[]", "JSON object"),
    (wire.MAGIC + (2).to_bytes(4, "big") + bytes(4) + b"\xff\xfe", "must be JSON"),
])
def test_malformed_frames_are_refused(data, match):
    """Wrong magic, a header that is not a JSON object, or not JSON at all, are protocol errors."""
    with pytest.raises(wire.ProtocolError, match=match):
        wire.read_frame(io.BytesIO(data).read)


def test_truncated_frame_is_end_of_stream():
    """A stream that ends inside a frame raises EOFError, not a half-read frame."""
    frame = wire.pack_frame({"op": "list"}, [b"abcdef"])
    with pytest.raises(EOFError):
        wire.read_frame(io.BytesIO(frame[:-2]).read)


# ------------------------------------------------------------------------------- values

DTYPES = hnp.integer_dtypes(endianness="=") | hnp.unsigned_integer_dtypes(endianness="=") \
    | hnp.floating_dtypes(endianness="=") | hnp.complex_number_dtypes(endianness="=") \
    | hnp.boolean_dtypes() | hnp.floating_dtypes(endianness=">")


@given(array=hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                  max_side=4)),
       fortran=st.booleans())
def test_arrays_round_trip_exactly(array, fortran):
    """Any numeric array (0-d, empty, big-endian, Fortran order) comes back with equal shape, dtype and bytes."""
    array = np.asfortranarray(array) if fortran else array
    blobs = []
    back = wire.decode(wire.encode(array, blobs), blobs)
    assert back.shape == array.shape and back.dtype == array.dtype
    assert back.tobytes() == array.tobytes()


def test_scalars_and_containers_keep_their_types():
    """numpy scalars stay numpy scalars, Python scalars stay Python, tuples stay tuples and lists lists."""
    value = (np.int32(7), np.float32(1.5), np.bool_(True), 3, 2.5, True, None, "s", 1 + 2j,
             [np.uint8(200), (np.float64(0.25),)], np.str_("text"))
    blobs = []
    back = wire.decode(wire.encode(value, blobs), blobs)
    assert [type(v) for v in back] == [type(v) for v in value]
    assert back == value
    assert type(back[9][1]) is tuple and type(back[9][1][0]) is np.float64


def test_aliasing_is_kept_and_read_only_flag_travels():
    """The same array twice is sent once and comes back as one object; a read-only array comes back read-only."""
    a = np.arange(3)
    b = np.arange(2)
    b.flags.writeable = False
    blobs = []
    back = wire.decode(wire.encode([a, b, a], blobs), blobs)
    assert len(blobs) == 2
    assert back[0] is back[2]
    assert back[0].flags.writeable and not back[1].flags.writeable


@pytest.mark.parametrize("value, match", [
    ({"a": 1}, "a dict"),
    (np.array([1, "x"], dtype=object), "dtype object"),
    (lambda: 1, "a function"),
    ({1, 2}, "a set"),
    (b"bytes", "a bytes"),
])
def test_values_that_cannot_be_sent_are_refused_or_made_opaque(value, match):
    """Dicts, object arrays, functions, sets and bytes raise Unsendable, or become an opaque node when lenient."""
    blobs = []
    with pytest.raises(wire.Unsendable, match=match):
        wire.encode(value, blobs)
    node = wire.encode([1, value], blobs, lenient=True)
    assert node["items"][0] == 1
    assert node["items"][1]["$"] == "opaque" and match in node["items"][1]["why"]


def test_array_subclasses_travel_as_plain_arrays():
    """An ndarray subclass or masked array arrives as a plain ndarray holding its data."""
    blobs = []
    tagged = np.arange(1, 3).view(Tagged)
    back = wire.decode(wire.encode((tagged, np.ma.masked_array([[1, 2]])), blobs), blobs)
    assert [type(v) for v in back] == [np.ndarray, np.ndarray]
    assert back[0].tolist() == [1, 2] and back[1].tolist() == [[1, 2]]


def test_nesting_depth_is_bounded():
    """A list nested deeper than MAX_DEPTH is refused on both sides."""
    deep = []
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(wire.Unsendable, match="nested"):
        wire.encode(deep, [])
    node = None
    for _ in range(wire.MAX_DEPTH + 2):
        node = {"$": "list", "items": [node]}
    with pytest.raises(wire.ProtocolError, match="nested"):
        wire.decode(node, [])


@pytest.mark.parametrize("node", [
    {"$": "array", "i": 5}, {"$": "array", "i": "0"}, {"$": "eval", "code": "1"},
    {"$": "tuple", "items": "abc"}, {"$": "complex", "re": "1", "im": 0}, [1, 2],
    {"$": "same"},
])
def test_malformed_value_nodes_are_refused(node):
    """An unknown tag, a bad blob index, a raw JSON list or a reply-only tag without a resolver is a protocol error."""
    with pytest.raises(wire.ProtocolError):
        wire.decode(node, [wire.save_npy(np.zeros(1))])


def test_pickled_npy_is_never_unpickled(tmp_path):
    """An object-dtype .npy whose unpickling would create a folder is refused, and the folder never appears."""
    marker = tmp_path / "unpickled"
    with pytest.raises(wire.ProtocolError, match="dtype object"):
        wire.load_npy(pickled_npy(marker))
    with pytest.raises(wire.ProtocolError, match="not a valid .npy"):
        wire.load_npy(pickle.dumps(Marker(str(marker))))
    assert not marker.exists()


@pytest.mark.parametrize("cut", [-1, 1])
def test_npy_whose_length_does_not_match_its_header_is_refused(cut):
    """A .npy blob with missing or extra bytes after its header is refused before numpy allocates anything."""
    blob = wire.save_npy(np.arange(4.0))
    blob = blob[:cut] if cut < 0 else blob + b"\0" * cut
    with pytest.raises(wire.ProtocolError, match="must hold 32 bytes"):
        wire.load_npy(blob)


@pytest.mark.parametrize("name, allowed", [
    ("numpy", True), ("numpy.linalg", True), ("numpy.lib.stride_tricks", True),
    ("math", True), ("collections.abc", True), ("numpy.ctypeslib", False),
    ("numpy.f2py", False), ("os", False), ("os.path", False), ("sys", False),
    ("importlib", False), ("builtins", False), ("numpyx", False), ("scipy", False),
])
def test_import_allowlist(name, allowed):
    """Only numpy (without its C-library and compiler modules) and the listed pure standard modules are allowed."""
    assert wire.import_allowed(name) is allowed


# ------------------------------------------------------------------------------- the server

def test_worker_greets_and_keeps_protocol_off_fds(worker):
    """The first frame is a greeting naming numpy's version, sent before any request."""
    assert worker.hello["ready"] and worker.hello["numpy"] == np.__version__


@pytest.mark.parametrize("statement, name", [
    ("import os", "os"), ("import subprocess", "subprocess"), ("import sqlite3", "sqlite3"),
    ("import socket", "socket"), ("import ctypes", "ctypes"), ("import scipy.signal", "scipy.signal"),
    ("from scipy import signal", "scipy"), ("import torch", "torch"),
    ("import autograder.checks", "autograder.checks"), ("import importlib", "importlib"),
    ("import sys", "sys"), ("import builtins", "builtins"), ("from os import path", "os"),
    ("__import__('os')", "os"), ("from numpy import ctypeslib", "numpy.ctypeslib"),
    ("import numpy.f2py", "numpy.f2py"),
])
def test_forbidden_imports_fail_with_a_clear_message(shared_worker, statement, name):
    """Each refused import raises ImportError at its line, naming the module and what may be imported."""
    error = shared_worker.exec(f"x = 1\n{statement}\n")
    assert error["type"] == "ImportError" and error["line"] == 2
    assert error["message"].startswith(f"import of {name!r} is not allowed in graded code; "
                                       f"only numpy and the standard modules abc, bisect")


def test_modules_already_loaded_are_refused_too(shared_worker):
    """os is in the worker's sys.modules (numpy imported it), yet `import os` in student code is refused."""
    assert shared_worker.exec(ESCAPE + "loaded = 'os' in u.sys.modules") is None
    reply, blobs = shared_worker.request({"op": "get", "name": "loaded"})
    assert wire.decode(reply["value"], blobs) is True
    assert shared_worker.exec("import os")["type"] == "ImportError"


def test_deleting_builtins_does_not_unlock_imports(worker):
    """A cell that deletes or replaces __builtins__ does not give the next cell the real import."""
    assert worker.exec("del __builtins__", cell="a") is None
    assert worker.exec("import os", cell="b")["type"] == "ImportError"
    assert worker.exec("__builtins__ = {}", cell="c") is None
    assert worker.exec("import os", cell="d")["type"] == "ImportError"


@pytest.mark.parametrize("name", ["open", "input", "breakpoint", "exit", "quit", "help"])
def test_file_and_console_builtins_are_removed(shared_worker, name):
    """open, input, breakpoint, exit, quit and help do not exist for student code."""
    error = shared_worker.exec(f"{name}")
    assert error["type"] == "NameError" and name in error["message"]


NUMPY_USES = {
    "pad": 'np.pad(a, ((1, 1), (2, 2)), mode="reflect")',
    "windows": "np.lib.stride_tricks.sliding_window_view(a, (2, 2)).sum(axis=(2, 3))",
    "einsum": 'np.einsum("ij,kj->ik", a, a)',
    "fft": "np.abs(np.fft.ifft2(np.fft.fft2(a)))",
    "linalg": "np.linalg.svd(a, compute_uv=False)",
    "random": "np.random.default_rng(0).normal(size=a.shape)",
    "tensordot": "np.tensordot(a, a.T, 1)",
    "repr": "repr(a) + str(a)",
    "masked": "float(np.ma.masked_array(a, a > 5).sum())",
    "polynomial": "np.polynomial.Polynomial([1, 2])(a)",
    "testing": "np.testing.assert_allclose(a, a * (1 + 1e-12)) or 1",
}


@pytest.mark.parametrize("use", sorted(NUMPY_USES))
def test_common_numpy_works_under_the_guard(shared_worker, use):
    """np.pad, stride tricks, einsum, fft, linalg, random, printing, numpy.ma, polynomials and np.testing run under the guard and agree with numpy here."""
    source = NUMPY_USES[use]
    assert shared_worker.exec(f"def use_{use}(a):\n    return {source}\n") is None
    a = np.arange(12.0).reshape(3, 4)
    reply = shared_worker.call(f"use_{use}", a)
    assert "raised" not in reply[0], reply[0].get("raised")
    expected = eval(source, {"np": np, "a": a})  # the oracle: numpy in this process
    if isinstance(expected, str):
        assert values(reply) == expected
    else:
        np.testing.assert_allclose(values(reply), expected)


def test_allowed_standard_modules_import(shared_worker):
    """Every module of the standard allowlist imports in student code."""
    names = ", ".join(m for m in wire.STDLIB_ALLOWED if m != "__future__")
    assert shared_worker.exec(f"from __future__ import annotations\nimport {names}") is None


def test_prints_and_writes_to_fds_do_not_reach_the_protocol(worker):
    """Megabytes printed, and raw writes to fds 1 and 2 and sys.__stdout__, leave the next reply intact."""
    source = ESCAPE + (
        "def noisy(x):\n"
        "    for _ in range(2000):\n"
        "        print('spam' * 250)\n"
        "    u.os.write(1, b'AGW1' + b'\\xff' * 5000)\n"
        "    u.os.write(2, b'garbage' * 1000)\n"
        "    u.sys.__stdout__.write('more garbage')\n"
        "    u.sys.__stdout__.flush()\n"
        "    return x * 2\n")
    assert worker.exec(source) is None
    assert values(worker.call("noisy", np.arange(3))).tolist() == [0, 2, 4]
    assert values(worker.call("noisy", 5)) == 10


def test_call_reports_changed_arguments_and_results_that_are_arguments(worker):
    """An argument changed in place comes back; an untouched one is marked same; a returned argument is a reference to it."""
    assert worker.exec("def f(a, b, c, scale=None):\n    a[0] = 99\n    c.append(1)\n"
                       "    return b, [a, 3]\n") is None
    reply, blobs = worker.call("f", np.zeros(2), np.ones(2), [], scale=np.ones(1))
    items = reply["args"]["items"]
    assert wire.decode(items[0], blobs).tolist() == [99, 0]
    assert items[1] == {"$": "same"}
    assert items[2] == {"$": "list", "items": [1]}
    assert reply["kwargs"] == {"scale": {"$": "same"}}
    assert reply["result"]["items"][0] == {"$": "arg", "path": ["a", 1]}
    assert reply["result"]["items"][1]["items"][0] == {"$": "arg", "path": ["a", 0]}


def test_read_only_arguments_stay_read_only(worker):
    """Writing into an argument the caller marked read-only raises ValueError, as it would in-process."""
    assert worker.exec("def f(a):\n    a[0] = 1\n    return a\n") is None
    a = np.zeros(2)
    a.flags.writeable = False
    reply, _ = worker.call("f", a)
    assert reply["raised"]["type"] == "ValueError" and "read-only" in reply["raised"]["message"]


def test_exceptions_come_back_with_type_bases_and_line(worker):
    """A student's exception is described by its name, builtin bases, message and the student's line."""
    source = ("class ShapeError(ValueError):\n    pass\n\n"
              "def helper(x):\n    raise ShapeError(f'bad {x}')\n\n"
              "def f(x):\n    return helper(x)\n")
    assert worker.exec(source, cell="answer") is None
    reply, _ = worker.call("f", 3)
    raised = reply["raised"]
    assert raised["type"] == "ShapeError" and raised["message"] == "bad 3"
    assert raised["bases"][:2] == ["ValueError", "Exception"]
    assert (raised["cell"], raised["line"], raised["text"]) == ("answer", 5,
                                                               "raise ShapeError(f'bad {x}')")


@pytest.mark.parametrize("source, kind", [
    ("def f():\n    raise SystemExit(3)\n", "SystemExit"),
    ("def f():\n    return f()\n", "RecursionError"),
    ("def f():\n    raise KeyboardInterrupt\n", "KeyboardInterrupt"),
])
def test_base_exceptions_do_not_end_the_worker(worker, source, kind):
    """SystemExit, KeyboardInterrupt and runaway recursion in a call are reported, and the worker serves on."""
    assert worker.exec(source) is None
    assert worker.call("f")[0]["raised"]["type"] == kind
    assert worker.request({"op": "ping"})[0] == {"ok": True}


def test_cell_errors_are_recorded_and_later_cells_still_run(worker):
    """A syntax error and a runtime error are reported with their lines; the shared namespace keeps the rest."""
    syntax = worker.exec("def f(:\n    pass\n", cell="a")
    assert syntax["type"] == "SyntaxError" and syntax["line"] == 1 and syntax["cell"] == "a"
    runtime = worker.exec("y = 2\nz = 1 / 0\n", cell="b")
    assert runtime["type"] == "ZeroDivisionError" and runtime["line"] == 2
    assert worker.exec("w = y + 1", cell="c") is None


def test_list_offers_student_names_not_setup_or_modules(worker):
    """list skips modules, dunders and names the setup cells bound, unless the student rebound them."""
    worker.exec("import numpy as np\nlimit = 3\nkept = 'setup'", cell="setup", setup=True)
    worker.exec("import math\nlimit = 4\ndef f():\n    pass\nbig = {'a': 1}", cell="answer")
    reply, blobs = worker.request({"op": "list"})
    names = reply["names"]
    assert sorted(names) == ["big", "f", "limit"]
    assert names["f"] == {"kind": "callable"}
    assert wire.decode(names["limit"]["value"], blobs) == 4
    assert names["big"]["value"]["$"] == "opaque"


def test_pickle_bearing_npy_request_is_refused(worker, tmp_path):
    """A call whose argument is an object-dtype .npy is refused as a protocol error; nothing is unpickled."""
    marker = tmp_path / "unpickled"
    worker.exec("def f(a):\n    return 1\n")
    reply, _ = worker.request({"op": "call", "name": "f",
                               "args": {"$": "tuple", "items": [{"$": "array", "i": 0}]},
                               "kwargs": {}}, [pickled_npy(marker)])
    assert "refused an array of dtype object" in reply["protocol"]
    assert not marker.exists()
    assert worker.request({"op": "ping"})[0] == {"ok": True}


def test_oversized_request_ends_the_worker(tmp_path):
    """A request over the worker's frame limit is refused with a protocol error, and the worker exits."""
    client = Client(tmp_path, max_frame=1 << 16)
    try:
        frame = wire.pack_frame({"op": "exec", "cell": "c", "source": "x" * (1 << 17)}, (),
                                1 << 20)
        client.send_raw(frame[:12])  # the worker refuses on the lengths alone
        reply, _ = client.receive()
        assert "at most 65536 bytes" in reply["protocol"]
        assert client.proc.wait(timeout=10) == 2
    finally:
        client.close()


def test_oversized_result_is_reported_not_sent(tmp_path):
    """A result larger than the frame limit is replaced by a too_large reply; the worker serves on."""
    client = Client(tmp_path, max_frame=1 << 16)
    try:
        client.exec("import numpy as np\ndef f():\n    return np.zeros(100_000)\n")
        reply, blobs = client.call("f")
        assert reply["ok"] is False and "at most 65536 bytes" in reply["too_large"]
        assert client.request({"op": "ping"})[0] == {"ok": True}
    finally:
        client.close()
