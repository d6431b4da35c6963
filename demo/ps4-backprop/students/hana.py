"""Hana: pool2d_backward assigns each window's gradient into dx (=) instead of adding it (+=),
so where windows overlap the later window erases the earlier one. The rest is correct."""

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
