"""Eli: a correct conv2d_im2col written as a loop over output positions: right, but slow."""

# %% conv2d_im2col
def conv2d_im2col(x, w, b=None, stride=1, padding=0):
    """Right, but one window at a time: a loop over output positions."""
    N, C, H, W = x.shape
    c_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (H + 2 * padding - kh) // stride + 1
    wo = (W + 2 * padding - kw) // stride + 1
    out = np.zeros((N, c_out, ho, wo), dtype=np.result_type(x, w))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b[:, None, None]
    return out
