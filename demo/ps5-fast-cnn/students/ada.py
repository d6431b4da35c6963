"""Ada: correct. im2col by one strided slice per kernel offset, the layer as one matmul, Adam."""

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
    return taps.reshape(N, C * kh * kw, ho * wo)

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
        out = out + np.asarray(b)[:, None]                # b[o] on every column of row o
    return out.reshape(N, c_out, ho, wo)

# %% cnn_layers
def col2im(cols, output_size, kernel_size, stride=1, padding=0):
    """Add the columns back into images (the adjoint of im2col), summing where windows overlap.

    cols : (N, C * kH * kW, L); output_size : (H, W) without padding. Returns (N, C, H, W).
    """
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    H, W = output_size
    p, s = padding, stride
    N, rows, _ = cols.shape
    C = rows // (kh * kw)
    ho = (H + 2 * p - kh) // s + 1
    wo = (W + 2 * p - kw) // s + 1
    taps = cols.reshape(N, C, kh, kw, ho, wo)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            xp[:, :, u:u + s * (ho - 1) + 1:s, v:v + s * (wo - 1) + 1:s] += taps[:, :, u, v]
    return xp[:, :, p:p + H, p:p + W]


def conv_backward(dout, x, w, stride=1, padding=0):
    """Gradients (dx, dw, db) of conv2d_im2col(x, w, b, stride, padding), given dout = dL/dout."""
    N, c_out = dout.shape[:2]
    kh, kw = w.shape[2:]
    cols = im2col(x, (kh, kw), stride, padding)                   # (N, K, L)
    d = dout.reshape(N, c_out, -1)                                # (N, C_out, L)
    dw = np.einsum("nol,nkl->ok", d, cols).reshape(w.shape)
    db = d.sum(axis=(0, 2))
    dcols = w.reshape(c_out, -1).T @ d                            # (N, K, L)
    dx = col2im(dcols, x.shape[2:], (kh, kw), stride, padding)
    return dx, dw, db


def maxpool2x2(x):
    """2x2 max pooling with stride 2 of (N, C, H, W), H and W even: (N, C, H / 2, W / 2)."""
    N, C, H, W = x.shape
    return x.reshape(N, C, H // 2, 2, W // 2, 2).max(axis=(3, 5))


def maxpool2x2_backward(dout, x):
    """Gradient of maxpool2x2 at x: each output's gradient goes to the maximum of its window."""
    N, C, H, W = x.shape
    blocks = x.reshape(N, C, H // 2, 2, W // 2, 2)
    winner = blocks == blocks.max(axis=(3, 5), keepdims=True)
    # On a tie, share the gradient among the maxima so that it is still added up once.
    winner = winner / winner.sum(axis=(3, 5), keepdims=True)
    return (winner * dout[:, :, :, None, :, None]).reshape(N, C, H, W)


def softmax_cross_entropy(scores, y):
    """Mean cross-entropy of scores (B, 10) against labels y (B,), and its gradient dL/dscores."""
    shifted = scores - scores.max(axis=1, keepdims=True)    # no overflow in exp
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y].mean()
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1
    return loss, dscores / len(y)

# %% train_cnn
def cnn_forward(params, x):
    """Scores (B, 10) of the CNN for images x (B, 1, 8, 8), and what the backward pass needs."""
    w1, b1, w2, b2 = params
    a1 = conv2d_im2col(x, w1, b1, padding=1)          # (B, 8, 8, 8)
    r1 = np.maximum(a1, 0)
    p1 = maxpool2x2(r1)                               # (B, 8, 4, 4)
    flat = p1.reshape(len(x), -1)                     # (B, 128)
    scores = flat @ w2 + b2                           # (B, 10)
    return scores, (a1, r1, flat)


def train_cnn(x_train, y_train, seed=0, epochs=10, batch_size=32, lr=0.01, verbose=False):
    """Train the CNN from random weights; return its parameters as a list of arrays."""
    x_train = np.asarray(x_train, dtype=np.float64)
    y_train = np.asarray(y_train)
    rng = np.random.default_rng(seed)
    n_images = len(x_train)
    filters, fan_conv, fan_linear = 8, 1 * 3 * 3, 8 * 4 * 4
    # PyTorch's default initialisation: uniform in +-1/sqrt(fan_in)
    params = [rng.uniform(-1, 1, (filters, 1, 3, 3)) / np.sqrt(fan_conv),
              rng.uniform(-1, 1, filters) / np.sqrt(fan_conv),
              rng.uniform(-1, 1, (fan_linear, 10)) / np.sqrt(fan_linear),
              rng.uniform(-1, 1, 10) / np.sqrt(fan_linear)]
    moment1 = [np.zeros_like(p) for p in params]
    moment2 = [np.zeros_like(p) for p in params]
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    for epoch in range(epochs):
        order = rng.permutation(n_images)
        total = 0.0
        for start in range(0, n_images, batch_size):
            batch = order[start:start + batch_size]
            xb, yb = x_train[batch], y_train[batch]
            w1, b1, w2, b2 = params
            scores, (a1, r1, flat) = cnn_forward(params, xb)
            loss, dscores = softmax_cross_entropy(scores, yb)
            total += loss * len(batch)
            dw2, db2 = flat.T @ dscores, dscores.sum(axis=0)
            dp1 = (dscores @ w2.T).reshape(len(xb), filters, 4, 4)
            da1 = maxpool2x2_backward(dp1, r1) * (a1 > 0)
            _, dw1, db1 = conv_backward(da1, xb, w1, padding=1)
            step += 1
            for p, g, m, v in zip(params, [dw1, db1, dw2, db2], moment1, moment2):
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                p -= lr * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
        if verbose:
            right = np.mean(predict_cnn(params, x_train) == y_train)
            print(f"epoch {epoch + 1:2d}: loss {total / n_images:.4f}, training accuracy {right:.3f}")
    return params


def predict_cnn(params, x):
    """The predicted digit of every image of x (N, 1, 8, 8): an int array of shape (N,)."""
    scores, _ = cnn_forward([np.asarray(p) for p in params], np.asarray(x, dtype=np.float64))
    return scores.argmax(axis=1)
