"""Chen: im2col stacks the rows as (u, v, c), kernel-major; the rest is correct."""

# %% im2col
def im2col(x, kernel_size, stride=1, padding=0):
    """Copy every window of a batch into the columns of a matrix.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The batch.
    kernel_size : int or (int, int)
        (kH, kW); an int means a square kernel.
    stride : int
        Step between window starts, on both axes.
    padding : int
        Zeros added on each side of H and W first.

    Returns
    -------
    numpy.ndarray, shape (N, C * kH * kW, H_out * W_out)
        cols[n, (c * kH + u) * kW + v, i * W_out + j] = x_pad[n, c, i * stride + u, j * stride + v];
        same dtype as x.
    """
    x = np.asarray(x)
    if np.ndim(kernel_size) == 0:
        kh = kw = int(kernel_size)
    else:
        kh, kw = (int(k) for k in kernel_size)
    p, s = padding, stride
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=x.dtype)
    xp[:, :, p:p + H, p:p + W] = x          # p:p + H, not p:-p, which is empty for p = 0
    ho = (H + 2 * p - kh) // s + 1
    wo = (W + 2 * p - kw) // s + 1
    # One strided slice per kernel offset (u, v): kH * kW copies instead of a loop per window.
    taps = np.empty((N, C, kh, kw, ho, wo), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            taps[:, :, u, v] = xp[:, :, u:u + s * (ho - 1) + 1:s, v:v + s * (wo - 1) + 1:s]
    # Axes (c, u, v) become the rows and (i, j) the columns, both in row-major order.
    return taps.transpose(0, 2, 3, 1, 4, 5).reshape(N, C * kh * kw, ho * wo)
