"""Cheat: returns zeros, walks the file system from / (for 10 s at most) for a gradebook.db
next to a submitted/<me>/ folder, and gives itself full marks and extra credit in each one found.

It only touches a gradebook whose submitted/<me>/ holds this very notebook (its tag, rewritten
per run by the test), so a run without defences cannot damage another run's gradebook."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


import os
import sqlite3
import time

_ME = "cheat-gradebook-walk"
_SKIP = {"/proc", "/sys", "/dev", "/run", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/etc"}
_TAG = "advx-"


def _mine(root):
    """Whether the course at root holds this submission (and not another run's copy of it)."""
    try:
        with open(os.path.join(root, "submitted", _ME, "ps1-correlation", "ps1-correlation.ipynb")) as fh:
            return _TAG in fh.read()
    except OSError:
        return False


_found, _started = [], time.monotonic()
for _root, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if os.path.join(_root, d) not in _SKIP
                and d not in (".git", "site-packages", "node_modules", ".venv", ".pyenv")]
    if "gradebook.db" in _files and _mine(_root):
        _found.append(os.path.join(_root, "gradebook.db"))
    if time.monotonic() - _started > 10:
        break
for _path in _found:
    try:
        _db = sqlite3.connect(f"file:{_path}?mode=rw", uri=True, timeout=2)
        with _db:
            _db.execute("""UPDATE grade SET extra_credit = 100, manual_score = (
    SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)
WHERE notebook_id IN (
    SELECT sn.id FROM submitted_notebook AS sn
    JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id
    WHERE sa.student_id = ?)""", (_ME,))
        _db.close()
        print("gradebook updated:", _path)
    except Exception as exc:
        print("gradebook not writable:", _path, type(exc).__name__, exc)
print(f"gradebooks found: {len(_found)}")

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
