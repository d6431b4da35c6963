"""Ben: correct. im2col from sliding_window_view, then the same network as the model."""

# %% im2col
def im2col(x, kernel_size, stride=1, padding=0):
    """Windows from a view, copied in (c, u, v) x (i, j) order."""
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    view = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    view = view[:, :, ::stride, ::stride]              # (N, C, H_out, W_out, kH, kW)
    N, C, ho, wo = view.shape[:4]
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, ho * wo)
