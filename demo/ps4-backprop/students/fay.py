"""Fay: L2 pooling forgets the square root: the forward pass returns the sum of squares and the
backward pass its derivative 2 x. The rest is correct."""

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
                out[:, :, i, j] = np.sum(window * window, axis=(2, 3))
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
                        dx[n, c, i * s + u, j * s + v] += g
                    elif mode == "avg":
                        dx[n, c, i * s:i * s + k, j * s:j * s + k] += g / (k * k)
                    else:
                        dx[n, c, i * s:i * s + k, j * s:j * s + k] += g * 2 * window
    return dx
