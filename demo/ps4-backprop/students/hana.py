"""Hana: pool2d_backward assigns each window's gradient into dx (=) instead of adding it (+=),
so where windows overlap the later window erases the earlier one. The rest is correct."""

# %% pool2d
def pool2d(x, kernel_size, stride=None, mode="max"):
    """Pooling, one output position at a time."""
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - k) // s + 1, (W - k) // s + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k]
            if mode == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            elif mode == "avg":
                out[:, :, i, j] = window.mean(axis=(2, 3))
            elif mode == "l2":
                out[:, :, i, j] = np.sqrt(np.sum(window * window, axis=(2, 3)))
            else:
                raise ValueError(f"unknown mode {mode!r}")
    return out

# %% pool2d_backward
def pool2d_backward(dout, x, kernel_size, stride=None, mode="max"):
    """Each output sends its gradient back into its own window."""
    k = kernel_size
    s = k if stride is None else stride
    N, C = x.shape[:2]
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                    g = dout[n, c, i, j]
                    if mode == "max":
                        u, v = np.unravel_index(np.argmax(window), window.shape)  # first max
                        mask = np.zeros(window.shape)
                        mask[u, v] = g
                        dx[n, c, i * s:i * s + k, j * s:j * s + k] = mask
                    elif mode == "avg":
                        dx[n, c, i * s:i * s + k, j * s:j * s + k] = g / (k * k)
                    else:
                        norm = np.sqrt(np.sum(window ** 2))
                        if norm > 0:
                            dx[n, c, i * s:i * s + k, j * s:j * s + k] = g * window / norm
    return dx

# %% conv2d_backward
def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Loops over output positions; tensordot does the sums over images and filters."""
    s, p = stride, padding
    N, C, H, W = x.shape
    kH, kW = w.shape[2:]
    dtype = np.result_type(dout, x, w)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dtype)
    xp[:, :, p:p + H, p:p + W] = x
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape, dtype=dtype)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            g = dout[:, :, i, j]
            dxp[:, :, i * s:i * s + kH, j * s:j * s + kW] += np.tensordot(g, w, axes=(1, 0))
            dw += np.tensordot(g, xp[:, :, i * s:i * s + kH, j * s:j * s + kW], axes=(0, 0))
    db = dout.sum(axis=(0, 2, 3)).astype(dtype)
    return dxp[:, :, p:p + H, p:p + W], dw, db

# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    """Central differences on a float copy of x."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad

# %% backprop_max_relu
# ReLU lets the gradient through where its input was positive (slope 1) and stops it where
# the input was negative (slope 0). Max pooling gives the whole upstream gradient of a window
# to the cell that was the maximum, because only that cell changes the output when nudged;
# the other cells get 0. A cell that lost its window or had a negative input gets nothing.
# At z = 0 and for tied maxima there is no derivative: libraries use 0 and the first maximum.

# %% shared_weight_sum
# The kernel is one set of numbers used at every position and for every image, so the loss
# depends on each weight through all those outputs and the chain rule adds the paths up.
# Changing the weight changes all the outputs at once. If every position had its own copy
# updated with only its own part, the copies would drift apart and would not be shared any more.
