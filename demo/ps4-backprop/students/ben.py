"""Ben: correct and vectorised. Windows come from sliding_window_view, scatters use np.add.at,
and the sums over images and filters are written with einsum."""

# %% pool2d
def _windows(x, k, s):
    """View of every k x k window: shape (N, C, H_out, W_out, k, k)."""
    view = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    return view[:, :, ::s, ::s]


def pool2d(x, kernel_size, stride=None, mode="max"):
    """Reduces the window view over its last two axes."""
    s = kernel_size if stride is None else stride
    win = _windows(np.asarray(x), kernel_size, s)
    if mode == "max":
        return win.max(axis=(4, 5))
    if mode == "avg":
        return win.mean(axis=(4, 5))
    if mode == "l2":
        return np.sqrt((win ** 2).sum(axis=(4, 5)))
    raise ValueError(f"mode must be 'max', 'avg' or 'l2', got {mode!r}")

# %% pool2d_backward
def pool2d_backward(dout, x, kernel_size, stride=None, mode="max"):
    """Builds the gradient of every window position, then scatters with np.add.at."""
    k = kernel_size
    s = k if stride is None else stride
    x = np.asarray(x)
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    N, C, Ho, Wo = dout.shape
    g = dout[..., None, None]
    if mode == "max":
        flat = win.reshape(N, C, Ho, Wo, k * k)
        first = flat.argmax(axis=-1)
        share = g * (np.arange(k * k) == first[..., None]).reshape(N, C, Ho, Wo, k, k)
    elif mode == "avg":
        share = np.broadcast_to(g / (k * k), win.shape)
    else:
        norm = np.sqrt((win ** 2).sum(axis=(4, 5), keepdims=True))
        share = g * np.divide(win, norm, out=np.zeros(win.shape), where=norm > 0)
    rows = (np.arange(Ho) * s)[:, None, None, None] + np.arange(k)[None, None, :, None]
    cols = (np.arange(Wo) * s)[None, :, None, None] + np.arange(k)[None, None, None, :]
    rows, cols = np.broadcast_arrays(rows, cols)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            np.add.at(dx[n, c], (rows, cols), share[n, c])
    return dx

# %% conv2d_backward
def conv2d_backward(dout, x, w, stride=1, padding=0):
    """dw and db with einsum over the window view; dx by scattering every tap's share."""
    s, p = stride, padding
    N, C, H, W = x.shape
    O, _, kH, kW = w.shape
    dtype = np.result_type(dout, x, w)
    xp = np.pad(x.astype(dtype), ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = dout.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(xp, (kH, kW), axis=(2, 3))
    win = win[:, :, ::s, ::s][:, :, :Ho, :Wo]
    dw = np.einsum("noij,ncijuv->ocuv", dout, win).astype(dtype)
    db = dout.sum(axis=(0, 2, 3)).astype(dtype)
    dxp = np.zeros(xp.shape, dtype=dtype)
    for u in range(kH):
        for v in range(kW):
            dxp[:, :, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s] += np.einsum(
                "noij,oc->ncij", dout, w[:, :, u, v])
    return dxp[:, :, p:p + H, p:p + W], dw, db

# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    """Central differences; the nudged arrays are fresh copies."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    for index in np.ndindex(*x.shape):
        step = np.zeros(x.shape)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad

# %% backprop_max_relu
# Both layers only decide where the gradient goes. ReLU passes dout where z > 0 and blocks it
# where z < 0 (its slope is 1 or 0). Max pooling sends each dout to the cell that won its
# window, since the output follows that cell and ignores the others, which get 0. Ties and
# z = 0 are kinks without a derivative; the convention is the first maximum and slope 0.

# %% shared_weight_sum
# One weight takes part in every output of its filter, for every image. The loss changes
# through each of those outputs, and the chain rule sums over all paths, so dw is the sum of
# the contributions. Separate copies updated with their own contributions would stop being
# equal after one step: the layer would no longer be convolutional.
