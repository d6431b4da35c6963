"""Fay: adds the bias along the last axis of the (N, C_out, L) product."""

# %% conv2d_im2col
def conv2d_im2col(x, w, b=None, stride=1, padding=0):
    """Convolution layer (cross-correlation) as one matrix product on the im2col columns.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    w : numpy.ndarray, shape (C_out, C, kH, kW)
    b : numpy.ndarray, shape (C_out,), optional
    stride, padding : int

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
    """
    x, w = np.asarray(x), np.asarray(w)
    N, C, H, W = x.shape
    c_out, _, kh, kw = w.shape
    ho = (H + 2 * padding - kh) // stride + 1
    wo = (W + 2 * padding - kw) // stride + 1
    cols = im2col(x, (kh, kw), stride, padding)           # (N, C * kH * kW, L)
    out = w.reshape(c_out, -1) @ cols                     # (N, C_out, L): one product per image
    if b is not None:
        out = out + np.asarray(b)
    return out.reshape(N, c_out, ho, wo)
