"""The graded code's side of trusted grading: run answer cells, serve calls over a pipe.

This file is a self-contained script.  :mod:`autograder.trusted` copies it into an empty
sandbox directory and starts it as ``python -I -S _worker.py <libdir> <max_frame_bytes>``,
where ``<libdir>`` holds only a link to numpy.  It imports the standard library and numpy,
never :mod:`autograder` (the package is hidden from the sandbox), and
:mod:`autograder.trusted` imports it only for the frame and value codec below.

What it does, in order:

1. Imports numpy and the modules student code may use (see :data:`STDLIB_ALLOWED`), and
   the numpy submodules that would otherwise be loaded lazily.
2. Moves the protocol to private file descriptors and points fds 0, 1 and 2 at
   ``/dev/null``; ``sys.stdout`` and ``sys.stderr`` become sinks that count and discard, so
   ``print`` and ``os.write(1, ...)`` in student code cannot reach the grader.
3. Installs an import guard on ``sys.meta_path`` and runs student code with its own
   ``__builtins__`` (guarded ``__import__``, no ``open``/``input``/``breakpoint``): only
   numpy and the allowed standard modules can be imported, even when a refused module is
   already in ``sys.modules``.
4. Answers requests, one at a time: ``exec`` (run a cell in the shared namespace),
   ``list`` (the names the answer cells defined), ``get`` (a value) and ``call``
   (call a function; the reply holds the result or the exception, and the arguments as
   they are after the call, so the grader can copy in-place changes back).

The import guard and the builtins keep honest mistakes out and make a refused import fail
with a clear message; they are not a security boundary.  Python cannot be confined from
inside: numpy's own modules hold ``os`` and ``sys`` in their globals.  The boundary is the
operating-system sandbox the process runs in (:mod:`autograder.sandbox`): an empty working
directory, a separate unprivileged user, hidden course files and packages, resource limits.

Protocol
--------
Every message is one frame::

    b"AGW1" | uint32 json_len | uint32 n_blobs | n_blobs x uint64 blob_len | json | blobs

(big-endian).  The JSON header describes the message; arrays and numpy scalars travel as
``.npy`` blobs written with ``np.save(..., allow_pickle=False)`` and read back, after their
header has been checked, with ``np.load(..., allow_pickle=False)``: object arrays are
refused and nothing is ever unpickled.  A frame larger than the agreed maximum is refused
in both directions.

Values in a header are JSON: ``null``, booleans, numbers and strings stand for
themselves; everything else is an object with a ``"$"`` tag: ``array``/``scalar``
(``"i"``: blob index; the same index twice means the same array), ``tuple``/``list``
(``"items"``), ``complex``, and in replies ``same`` (an argument the call left
unchanged), ``arg`` (the result *is* one of the arguments, ``"path"`` says which) and
``opaque`` (a value that cannot be sent: its type and why).
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and len(sys.argv) > 1:  # -S -I: numpy is found through <libdir>
    sys.path.insert(0, sys.argv[1])

import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402

import numpy as np  # noqa: E402

__all__ = [
    "MAGIC",
    "STDLIB_ALLOWED",
    "ProtocolError",
    "Unsendable",
    "pack_frame",
    "read_frame",
    "encode",
    "decode",
    "save_npy",
    "load_npy",
    "import_allowed",
    "refusal_message",
]

MAGIC = b"AGW1"
_PREFIX = struct.Struct(">4sII")
_LENGTH = struct.Struct(">Q")
#: Most blobs (arrays and numpy scalars) one frame may carry.
MAX_BLOBS = 100_000
#: Deepest nesting of tuples and lists a value may have.
MAX_DEPTH = 32
#: Longest exception message or line of code sent back.
MAX_TEXT = 4000

#: Standard modules student code may import, besides numpy (pure computation, no I/O).
STDLIB_ALLOWED = (
    "__future__", "abc", "bisect", "cmath", "collections", "copy", "dataclasses", "decimal",
    "enum", "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator",
    "random", "re", "statistics", "string", "time", "typing", "warnings",
)
#: numpy submodules that load C libraries, build extensions or start compilers.
NUMPY_REFUSED = ("numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy._pyinstaller",
                 "numpy.testing._private.extbuild")
#: numpy submodules imported before student code runs, so their lazy imports need nothing new.
NUMPY_PRELOAD = ("numpy.fft", "numpy.linalg", "numpy.random", "numpy.lib.stride_tricks",
                 "numpy.polynomial", "numpy.ma", "numpy.testing")
#: Prefix of the file name every answer cell is compiled with.
CELL_PREFIX = "<answer cell "


class ProtocolError(Exception):
    """A frame or value that breaks the protocol: wrong magic, too large, malformed."""


class Unsendable(TypeError):
    """A value that cannot be sent (a dict, an object array, a function, ...)."""


# ---------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------

def pack_frame(header: dict, blobs=(), max_bytes: int = 1 << 26) -> bytes:
    """One frame: the JSON ``header`` and the byte strings ``blobs``.

    Raises
    ------
    ProtocolError
        If the frame would be larger than ``max_bytes`` or carry too many blobs.

    Examples
    --------
    >>> frame = pack_frame({"op": "list"})
    >>> frame[:4], len(frame)
    (b'AGW1', 25)
    """
    text = json.dumps(header, separators=(",", ":"), allow_nan=True).encode("utf-8")
    blobs = list(blobs)
    if len(blobs) > MAX_BLOBS:
        raise ProtocolError(f"a frame may carry at most {MAX_BLOBS} arrays, got {len(blobs)}")
    size = _PREFIX.size + _LENGTH.size * len(blobs) + len(text) + sum(len(b) for b in blobs)
    if size > max_bytes:
        raise ProtocolError(f"a frame may be at most {max_bytes} bytes, this one is {size}")
    parts = [_PREFIX.pack(MAGIC, len(text), len(blobs))]
    parts += [_LENGTH.pack(len(b)) for b in blobs]
    parts.append(text)
    parts += blobs
    return b"".join(parts)


def read_frame(read_exact, max_bytes: int = 1 << 26):
    """Read one frame with ``read_exact(n) -> bytes``; return ``(header, blobs)``.

    Lengths are checked against ``max_bytes`` before anything that large is read.

    Raises
    ------
    ProtocolError
        If the magic is wrong, the frame is too large or the header is not a JSON object.
    EOFError
        If ``read_exact`` reports the end of the stream (it raises EOFError itself).

    Examples
    --------
    >>> stream = io.BytesIO(pack_frame({"op": "get", "name": "x"}, [b"abc"]))
    >>> read_frame(stream.read)
    ({'op': 'get', 'name': 'x'}, [b'abc'])
    """
    magic, json_len, n_blobs = _PREFIX.unpack(_read(read_exact, _PREFIX.size))
    if magic != MAGIC:
        raise ProtocolError(f"a frame must start with {MAGIC!r}, got {magic!r}")
    if n_blobs > MAX_BLOBS:
        raise ProtocolError(f"a frame may carry at most {MAX_BLOBS} arrays, got {n_blobs}")
    size = _PREFIX.size + _LENGTH.size * n_blobs + json_len
    if size > max_bytes:
        raise ProtocolError(f"a frame may be at most {max_bytes} bytes, got {size}+")
    lengths = []
    if n_blobs:
        table = _read(read_exact, _LENGTH.size * n_blobs)
        lengths = [_LENGTH.unpack_from(table, i * _LENGTH.size)[0] for i in range(n_blobs)]
        size += sum(lengths)
        if size > max_bytes:
            raise ProtocolError(f"a frame may be at most {max_bytes} bytes, got {size}")
    try:
        header = json.loads(_read(read_exact, json_len).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"a frame header must be JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError(f"a frame header must be a JSON object, got {type(header).__name__}")
    return header, [_read(read_exact, n) for n in lengths]


def _read(read_exact, n: int) -> bytes:
    data = read_exact(n) if n else b""
    if len(data) != n:
        raise EOFError(f"the stream ended after {len(data)} of {n} bytes")
    return data


# ---------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------

def save_npy(array) -> bytes:
    """The ``.npy`` bytes of ``array``, never pickled.

    Raises
    ------
    Unsendable
        If the array holds Python objects (they would need pickle).
    """
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise Unsendable("an array of dtype object (it holds Python objects)")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def load_npy(blob: bytes) -> np.ndarray:
    """The array in ``blob``, after checking its header; pickled data is refused.

    Raises
    ------
    ProtocolError
        If ``blob`` is not a ``.npy`` file of versions 1 or 2, its dtype holds objects,
        or its length does not match the shape and dtype in its header.

    Examples
    --------
    >>> load_npy(save_npy(np.arange(3, dtype=np.int16)))
    array([0, 1, 2], dtype=int16)
    """
    stream = io.BytesIO(blob)
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise ProtocolError(f"an array must be a .npy file of version 1.0 or 2.0, "
                                f"got {version}")
    except ProtocolError:
        raise
    except Exception as exc:  # numpy raises ValueError or others on a bad header
        raise ProtocolError(f"not a valid .npy array: {exc}") from None
    if dtype.hasobject:
        raise ProtocolError("refused an array of dtype object: loading it would need pickle")
    count = 1
    for n in shape:
        count *= int(n)
    if count * dtype.itemsize != len(blob) - stream.tell():
        raise ProtocolError(f"a .npy array of shape {shape} and dtype {dtype} must hold "
                            f"{count * dtype.itemsize} bytes, got {len(blob) - stream.tell()}")
    stream.seek(0)
    try:
        return np.load(stream, allow_pickle=False)
    except Exception as exc:
        raise ProtocolError(f"not a valid .npy array: {exc}") from None


def encode(value, blobs: list, memo: dict | None = None, refs: dict | None = None,
           depth: int = 0, *, lenient: bool = False):
    """The JSON node for ``value``; arrays are appended to ``blobs`` as ``.npy`` bytes.

    Parameters
    ----------
    value : object
        None, bool, int, float, complex, str, ndarray, numpy scalar, or a tuple or list
        of these (nested at most :data:`MAX_DEPTH` deep).
    blobs : list of bytes
        Receives one entry per distinct array or numpy scalar.
    memo : dict, optional
        ``id(array) -> node``: an array seen before is sent once, so aliasing survives.
    refs : dict, optional
        ``id(array) -> node`` to send instead of the array (an argument's path).
    lenient : bool
        Send a value that cannot be sent as an ``opaque`` node (its type and why)
        instead of raising; used for what student code returns.

    Raises
    ------
    Unsendable
        Unless ``lenient``: for any other type, an object array, or nesting that is
        too deep.

    Examples
    --------
    >>> blobs = []
    >>> encode((1, [2.5, None], "s"), blobs)
    {'$': 'tuple', 'items': [1, {'$': 'list', 'items': [2.5, None]}, 's']}
    >>> a = np.zeros(2)
    >>> encode([a, a], blobs), len(blobs)
    ({'$': 'list', 'items': [{'$': 'array', 'i': 0}, {'$': 'array', 'i': 0}]}, 1)
    """
    memo = {} if memo is None else memo
    try:
        return _encode(value, blobs, memo, refs, depth, lenient)
    except Unsendable as exc:
        if not lenient:
            raise
        return _opaque(value, f"it is {exc}")
    except Exception as exc:  # a student's object whose conversion fails
        if not lenient:
            raise Unsendable(f"a {type(value).__name__} that cannot be read "
                             f"({type(exc).__name__})") from None
        return _opaque(value, f"reading it raised {type(exc).__name__}")


def _encode(value, blobs, memo, refs, depth, lenient):
    if depth > MAX_DEPTH:
        raise Unsendable(f"tuples or lists nested more than {MAX_DEPTH} deep")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is complex:
        return {"$": "complex", "re": value.real, "im": value.imag}
    if isinstance(value, (np.ndarray, np.generic)):
        if refs and id(value) in refs:
            return refs[id(value)]
        if id(value) in memo:
            return memo[id(value)]
        blobs.append(save_npy(value))
        node = {"$": "array" if isinstance(value, np.ndarray) else "scalar",
                "i": len(blobs) - 1}
        if isinstance(value, np.ndarray) and not value.flags.writeable:
            node["w"] = False
        memo[id(value)] = node
        return node
    if isinstance(value, (tuple, list)) and type(value) in (tuple, list):
        items = [encode(v, blobs, memo, refs, depth + 1, lenient=lenient) for v in value]
        return {"$": type(value).__name__, "items": items}
    raise Unsendable(f"a {type(value).__name__}")


def decode(node, blobs, cache: dict | None = None, *, resolve=None, depth: int = 0):
    """The value a JSON ``node`` stands for (the inverse of :func:`encode`).

    Parameters
    ----------
    node : object
        A node from a frame header.
    blobs : list of bytes
        The frame's blobs.
    cache : dict, optional
        ``blob index -> array``, so an index used twice gives the same object.
    resolve : callable, optional
        Called with a node tagged ``same``, ``arg`` or ``opaque``; without it such a node
        is a protocol error.

    Raises
    ------
    ProtocolError
        For a malformed node or blob.

    Examples
    --------
    >>> blobs = []
    >>> node = encode((np.int32(7), [np.ones(2)]), blobs)
    >>> decode(node, blobs)
    (np.int32(7), [array([1., 1.])])
    """
    cache = {} if cache is None else cache
    if depth > MAX_DEPTH:
        raise ProtocolError(f"values may be nested at most {MAX_DEPTH} deep")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if not isinstance(node, dict):
        raise ProtocolError(f"a value node must be null, a number, a string or a tagged "
                            f"object, got {type(node).__name__}")
    tag = node.get("$")
    if tag in ("array", "scalar"):
        index = node.get("i")
        if type(index) is not int or not 0 <= index < len(blobs):
            raise ProtocolError(f"an array node must name one of the {len(blobs)} blobs, "
                                f"got {index!r}")
        if index not in cache:
            array = load_npy(blobs[index])
            if node.get("w") is False:
                array.flags.writeable = False
            cache[index] = array[()] if tag == "scalar" else array
        return cache[index]
    if tag in ("tuple", "list"):
        items = node.get("items")
        if not isinstance(items, list):
            raise ProtocolError(f"a {tag} node must hold a list of items")
        values = [decode(v, blobs, cache, resolve=resolve, depth=depth + 1) for v in items]
        return tuple(values) if tag == "tuple" else values
    if tag == "complex":
        re_, im = node.get("re"), node.get("im")
        if type(re_) not in (int, float) or type(im) not in (int, float):
            raise ProtocolError("a complex node must hold two numbers")
        return complex(re_, im)
    if tag in ("same", "arg", "opaque", "callback") and resolve is not None:
        return resolve(node)
    raise ProtocolError(f"unknown value tag {tag!r}")


# ---------------------------------------------------------------------------------------
# what student code may import
# ---------------------------------------------------------------------------------------

def import_allowed(name: str) -> bool:
    """Whether student code may import module ``name``.

    Examples
    --------
    >>> import_allowed("numpy.linalg"), import_allowed("numpy.ctypeslib"), import_allowed("os")
    (True, False, False)
    """
    top = name.partition(".")[0]
    if top == "numpy":
        return not any(name == r or name.startswith(r + ".") for r in NUMPY_REFUSED)
    return top in STDLIB_ALLOWED


def refusal_message(name: str) -> str:
    """The ImportError message for a refused module.

    Examples
    --------
    >>> refusal_message("os")[:59]
    "import of 'os' is not allowed in graded code; only numpy an"
    """
    return (f"import of {name!r} is not allowed in graded code; only numpy and the standard "
            f"modules {', '.join(m for m in STDLIB_ALLOWED if m != '__future__')} "
            f"may be imported")


class _ImportGuard:
    """A ``sys.meta_path`` finder that refuses to load any module student code may not use.

    Modules loaded before it is installed stay loaded; it only stops new ones.
    """

    def find_spec(self, fullname, path=None, target=None):
        if import_allowed(fullname):
            return None  # let the normal finders load it
        raise ImportError(refusal_message(fullname), name=fullname)


def _student_builtins(real_import):
    """The ``__builtins__`` of the student namespace: guarded import, no file access."""
    import builtins

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            raise ImportError("relative imports are not allowed in graded code")
        if isinstance(name, str):
            if not import_allowed(name):
                raise ImportError(refusal_message(name), name=name)
            for item in fromlist or ():
                full = f"{name}.{item}"
                if isinstance(item, str) and item != "*" and not import_allowed(full):
                    raise ImportError(refusal_message(full), name=full)
        return real_import(name, globals, locals, fromlist, level)

    table = dict(vars(builtins))
    for name in ("open", "input", "breakpoint", "help", "exit", "quit"):
        table.pop(name, None)
    table["__import__"] = guarded_import
    return table


class _Sink(io.TextIOBase):
    """A text stream that counts what is written and keeps nothing."""

    def __init__(self):
        super().__init__()
        self.chars = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.chars += len(text)
        return len(text)


# ---------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------

def _text(value, limit: int = MAX_TEXT) -> str:
    try:
        text = str(value)
    except BaseException:  # a student's __str__ may raise anything
        text = "<message could not be shown>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Worker:
    """The namespace of the answer cells and the handlers of the requests."""

    def __init__(self, max_frame: int):
        self.max_frame = max_frame
        self.sources: dict[str, list[str]] = {}  # cell file name -> source lines
        self.namespace: dict = {}
        self.setup_values: dict = {}  # name -> object bound by a setup cell
        self.builtins: dict = {}

    def start(self, builtins_table) -> None:
        self.builtins = builtins_table
        self.namespace = {"__name__": "__main__", "__builtins__": builtins_table}

    # -- exceptions -----------------------------------------------------------------

    def _where(self, exc):
        """``(cell, line number, line text)`` of the last student line that ran, or Nones."""
        if isinstance(exc, SyntaxError) and exc.filename in self.sources:
            return exc.filename, exc.lineno, (exc.text or "").strip()
        found = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename in self.sources:
                found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        if found is None:
            return None, None, None
        filename, lineno = found
        lines = self.sources[filename]
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        return filename, lineno, text

    def describe(self, exc) -> dict:
        """An exception as JSON: its type and builtin bases, message, args and location."""
        try:
            return self._describe(exc)
        except BaseException:  # an exception class built to resist description
            return {"type": "Exception", "module": "", "bases": [], "args": None,
                    "message": "<an exception that could not be described>", "cell": None,
                    "line": None, "text": None}

    def _describe(self, exc) -> dict:
        kind = type(exc)
        filename, lineno, text = self._where(exc)
        args = None
        try:
            if all(a is None or type(a) in (bool, int, float, str) for a in exc.args):
                args = [a if type(a) is not str else _text(a) for a in exc.args]
        except BaseException:
            args = None
        return {
            "type": _text(getattr(kind, "__name__", "Exception"), 200),
            "module": _text(getattr(kind, "__module__", ""), 200),
            "bases": [c.__name__ for c in kind.__mro__ if c.__module__ == "builtins"],
            "message": _text(exc),
            "args": args,
            "cell": filename[len(CELL_PREFIX):-1] if filename else None,
            "line": lineno,
            "text": _text(text, 300) if text else None,
        }

    # -- requests -------------------------------------------------------------------

    def handle(self, header: dict, blobs: list):
        op = header.get("op")
        if op == "exec":
            return self.do_exec(header), []
        if op == "list":
            return self.do_list()
        if op == "get":
            return self.do_get(header)
        if op == "call":
            return self.do_call(header, blobs)
        if op == "ping":
            return {"ok": True}, []
        raise ProtocolError(f"unknown request {op!r}")

    def do_exec(self, header):
        cell, source = header.get("cell"), header.get("source")
        if not isinstance(cell, str) or not isinstance(source, str):
            raise ProtocolError("exec needs the strings 'cell' and 'source'")
        filename = f"{CELL_PREFIX}{cell}>"
        self.sources[filename] = source.splitlines()
        error = None
        # a cell may have deleted or replaced it; exec would then supply the real builtins
        self.namespace["__builtins__"] = self.builtins
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
            exec(code, self.namespace)
        except BaseException as exc:  # a failing cell is recorded; the others still run
            error = self.describe(exc)
        if header.get("setup"):
            self.setup_values.update(
                (k, v) for k, v in self.namespace.items() if not k.startswith("__"))
        return {"ok": True, "error": error}

    def _student_names(self):
        for name, value in list(self.namespace.items()):
            if name.startswith("__") or type(value) is type(sys):
                continue
            if name in self.setup_values and self.setup_values[name] is value:
                continue
            yield name, value

    def _value_node(self, value, blobs, budget):
        """A value's node; parts that cannot be sent, or do not fit, become opaque."""
        mark = len(blobs)
        node = encode(value, blobs, {}, lenient=True)
        if sum(len(b) for b in blobs) > budget:
            del blobs[mark:]
            return _opaque(value, "it is too large to send")
        return node

    def do_list(self):
        names, blobs = {}, []
        for name, value in self._student_names():
            try:
                is_callable = callable(value)
            except BaseException:
                is_callable = False
            if is_callable:
                names[name] = {"kind": "callable"}
            else:
                names[name] = {"kind": "value",
                               "value": self._value_node(value, blobs, self.max_frame // 2)}
        return {"ok": True, "names": names}, blobs

    def do_get(self, header):
        name = header.get("name")
        if not isinstance(name, str) or name not in self.namespace:
            return {"ok": False, "missing": _text(name, 200)}, []
        blobs = []
        node = self._value_node(self.namespace[name], blobs, self.max_frame // 2)
        return {"ok": True, "value": node}, blobs

    def do_call(self, header, blobs):
        name = header.get("name")
        fn = self.namespace.get(name) if isinstance(name, str) else None
        if fn is None or not callable(fn):
            return {"ok": False, "missing": _text(name, 200)}, []
        cache = {}
        args = decode(header.get("args", {"$": "tuple", "items": []}), blobs, cache,
                      resolve=self._callback)
        kwargs_node = header.get("kwargs", {})
        if not isinstance(args, tuple) or not isinstance(kwargs_node, dict):
            raise ProtocolError("call needs a tuple of args and an object of kwargs")
        kwargs = {str(k): decode(v, blobs, cache, resolve=self._callback)
                  for k, v in kwargs_node.items()}
        before = (_snapshot(args), {k: _snapshot(v) for k, v in kwargs.items()})
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # SystemExit too: the student's function ended badly
            outcome = {"raised": self.describe(exc)}
            result = None
        else:
            outcome = {}
        out_blobs, memo, refs = [], {}, {}
        reply = {"ok": True,
                 "args": _encode_after(args, before[0], out_blobs, memo, refs, ["a"]),
                 "kwargs": {k: _encode_after(v, before[1][k], out_blobs, memo, refs, ["k", k])
                            for k, v in kwargs.items()}}
        if "raised" in outcome:
            reply["raised"] = outcome["raised"]
        else:
            reply["result"] = encode(result, out_blobs, memo, refs, lenient=True)
        return reply, out_blobs


    def _callback(self, node):
        """A stand-in for a function of the grader's: calling it sends the arguments up
        the pipe and waits for the grader to run the function and send the result back."""
        if node.get("$") != "callback" or type(node.get("id")) is not int:
            raise ProtocolError(f"unexpected value tag {node.get('$')!r}")
        ident = node["id"]

        def grader_function(*args, **kwargs):
            blobs = []
            try:
                header = {"op": "callback", "id": ident, "args": encode(tuple(args), blobs),
                          "kwargs": {str(k): encode(v, blobs) for k, v in kwargs.items()}}
            except Unsendable as exc:
                raise TypeError(f"cannot pass {exc} to the function you were given: only "
                                f"arrays, numbers, strings, None and tuples or lists of "
                                f"these") from None
            self.send(header, blobs)
            reply, reply_blobs = self.receive()
            if reply.get("ok"):
                return decode(reply.get("result"), reply_blobs, {})
            raised = reply.get("raised") or {}
            kind = _CALLBACK_ERRORS.get(str(raised.get("type")), RuntimeError)
            raise kind(_text(raised.get("message", "the function you were given failed")))

        grader_function.__name__ = grader_function.__qualname__ = "f"
        return grader_function


#: Exceptions from a callback that reach student code as their own type; others as RuntimeError.
_CALLBACK_ERRORS = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, ArithmeticError,
    FloatingPointError, OverflowError, RuntimeError)}


def _opaque(value, why: str) -> dict:
    return {"$": "opaque", "type": _text(type(value).__name__, 100), "why": _text(why, 300)}


def _snapshot(value):
    """Copies of the arrays in ``value`` (an argument), to see later what a call changed."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return [_snapshot(v) for v in value]
    return None


def _encode_after(value, before, blobs, memo, refs, path):
    """An argument as it is after the call: ``same`` for an untouched array.

    Every array argument is entered in ``refs`` under its path, so a result that is an
    argument is sent as a reference to it.
    """
    if isinstance(value, np.ndarray):
        refs_node = {"$": "arg", "path": path}
        if (isinstance(before, np.ndarray) and before.shape == value.shape
                and before.dtype == value.dtype and before.tobytes() == value.tobytes()):
            node = {"$": "same"}
        else:
            node = encode(value, blobs, memo)
        refs[id(value)] = refs_node
        return node
    if isinstance(value, (tuple, list)) and isinstance(before, list) \
            and len(before) == len(value):
        items = [_encode_after(v, b, blobs, memo, refs, path + [i])
                 for i, (v, b) in enumerate(zip(value, before))]
        return {"$": type(value).__name__ if type(value) in (tuple, list) else "list",
                "items": items}
    return encode(value, blobs, memo, lenient=True)


def _preload() -> None:
    """Import what student code may use now, before the guard stops new imports."""
    import importlib

    for name in NUMPY_PRELOAD + STDLIB_ALLOWED:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional piece missing on this machine
            pass


def main(argv=None) -> int:
    """Serve requests on stdin/stdout until the grader closes the pipe."""
    import builtins

    argv = sys.argv[1:] if argv is None else argv
    max_frame = int(argv[1]) if len(argv) > 1 else 1 << 26
    _preload()

    # The protocol moves to private descriptors; 0, 1 and 2 lead nowhere from now on.
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdin = io.StringIO("")
    sys.stdout, sys.stderr = _Sink(), _Sink()

    def read_exact(n):
        chunks, got = [], 0
        while got < n:
            chunk = os.read(fd_in, min(n - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def send(header, blobs=()):
        try:
            frame = pack_frame(header, blobs, max_frame)
        except ProtocolError as exc:
            frame = pack_frame({"ok": False, "too_large": str(exc)}, (), max_frame)
        view = memoryview(frame)
        while view:
            view = view[os.write(fd_out, view):]

    worker = _Worker(max_frame)
    worker.send = send
    worker.receive = lambda: read_frame(read_exact, max_frame)
    sys.meta_path.insert(0, _ImportGuard())
    worker.start(_student_builtins(builtins.__import__))
    send({"ok": True, "ready": True, "pid": os.getpid(), "numpy": np.__version__})
    while True:
        try:
            header, blobs = read_frame(read_exact, max_frame)
        except EOFError:
            return 0
        except ProtocolError as exc:
            send({"ok": False, "protocol": str(exc)})
            return 2
        try:
            reply, out_blobs = worker.handle(header, blobs)
        except ProtocolError as exc:
            reply, out_blobs = {"ok": False, "protocol": str(exc)}, []
        except Exception as exc:  # MemoryError while decoding, and the like
            reply, out_blobs = {"ok": False, "protocol": f"the worker failed: "
                                                         f"{type(exc).__name__}: {_text(exc)}"}, []
        send(reply, out_blobs)


if __name__ == "__main__":
    sys.exit(main())
