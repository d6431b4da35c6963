"""Known-wrong variants for the backpropagation assignment (ps4-backprop).

Tasks and their student signatures (settings are ints, ``stride=None`` means
``kernel_size``):

* ``pool2d(x, kernel_size, stride=None, mode="max")``: the forward pass; this module adds
  the mistakes of ``mode="l2"`` to the task registered by :mod:`autograder.mistakes`.
* ``pool2d_backward(dout, x, kernel_size, stride=None, mode="max")``: ``dx``; with tied
  maxima the whole gradient goes to the first maximum in row-major order.
* ``conv2d_backward(dout, x, w, stride=1, padding=0)``: ``(dx, dw, db)`` of the
  cross-correlation layer ``conv2d(x, w, b, stride, padding)``.
* ``numerical_gradient(f, x, h=1e-5)``: the gradient of a scalar ``f`` at ``x`` by central
  differences, float64, without changing ``x``.

Every variant is written the way a student would write the function, with plain loops
over output positions, and is deliberately wrong in one way (or, for "mutated the input",
right but writing into its argument).

Examples
--------
>>> x = np.array([[4., 4.], [1., 2.]]).reshape(1, 1, 2, 2)
>>> pool2d_backward_every_tie(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
array([[1., 1.],
       [0., 0.]])
>>> numerical_gradient_forward_difference(lambda v: float(np.sum(v ** 2)),
...                                       np.array([1.0]), h=0.5)
array([2.5])
"""

from __future__ import annotations

import numpy as np

from autograder.mistakes import _mistake, register_task

__all__: list[str] = []

POOL2D_BACKWARD = register_task("pool2d_backward")
CONV2D_BACKWARD = register_task("conv2d_backward")
NUMERICAL_GRADIENT = register_task("numerical_gradient")


# ---------------------------------------------------------------------------------------
# pooling, the way a student loops over output positions
# ---------------------------------------------------------------------------------------

def _out_size(size, k, s):
    return (size - k) // s + 1


def _pool(x, k, s, mode, *, l2="norm"):
    """Forward pooling by a loop over output positions; ``l2`` picks an L2 formula."""
    x = np.asarray(x)
    N, C, H, W = x.shape
    Ho, Wo = _out_size(H, k, s), _out_size(W, k, s)
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k]
            if mode == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            elif mode == "avg" or l2 == "avg":
                out[:, :, i, j] = window.mean(axis=(2, 3))
            elif l2 == "norm":
                out[:, :, i, j] = np.sqrt((window ** 2).sum(axis=(2, 3)))
            elif l2 == "squares":
                out[:, :, i, j] = (window ** 2).sum(axis=(2, 3))
            elif l2 == "rms":
                out[:, :, i, j] = np.sqrt((window ** 2).mean(axis=(2, 3)))
            elif l2 == "abs-sum":
                out[:, :, i, j] = np.sqrt(window.sum(axis=(2, 3)) ** 2)
    return out


@_mistake("pool2d", "L2 pooling without the square root",
          "L2 pooling is the 2-norm of the window, sqrt(sum(window ** 2)): take the square "
          "root of the sum of squares.")
def pool2d_l2_no_sqrt(x, kernel_size, stride=None, mode="max"):
    """Returns the sum of squares of each window for mode='l2'."""
    stride = kernel_size if stride is None else stride
    return _pool(x, kernel_size, stride, mode, l2="squares")


@_mistake("pool2d", "L2 pooling as a root mean square (divided by k * k)",
          "L2 pooling sums the squares, it does not average them: sqrt(sum(window ** 2)), "
          "as in torch.nn.functional.lp_pool2d with norm_type=2.")
def pool2d_l2_rms(x, kernel_size, stride=None, mode="max"):
    """Returns sqrt(mean(window ** 2)) for mode='l2'."""
    stride = kernel_size if stride is None else stride
    return _pool(x, kernel_size, stride, mode, l2="rms")


@_mistake("pool2d", "squared the sum instead of summing the squares",
          "Square every value first, then add them up: sqrt(sum(window ** 2)); "
          "sqrt(sum(window) ** 2) is just |sum(window)|.")
def pool2d_l2_square_of_sum(x, kernel_size, stride=None, mode="max"):
    """Returns sqrt(sum(window) ** 2) for mode='l2'."""
    stride = kernel_size if stride is None else stride
    return _pool(x, kernel_size, stride, mode, l2="abs-sum")


@_mistake("pool2d", "mode 'l2' computed as the average",
          "Give mode='l2' its own branch: `else: mean` also catches 'l2', which is "
          "sqrt(sum(window ** 2)).")
def pool2d_l2_is_avg(x, kernel_size, stride=None, mode="max"):
    """Has only an 'if mode == "max"' branch; everything else is averaged."""
    stride = kernel_size if stride is None else stride
    return _pool(x, kernel_size, stride, mode, l2="avg")


def _pool_backward(dout, x, k, s, mode, *, ties="first", overwrite=False, avg_divisor=None,
                   l2="ratio"):
    """Backward pooling by a loop over output positions, with one switch per mistake."""
    dout, x = np.asarray(dout), np.asarray(x)
    N, C, H, W = x.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    flat = np.arange(k * k)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k]
            g = dout[:, :, i, j][:, :, None, None]
            kh, kw = window.shape[2], window.shape[3]  # smaller at the edge if stride ignored
            if mode == "max":
                peak = window.max(axis=(2, 3), keepdims=True)
                tied = window == peak
                if ties == "first":
                    first = tied.reshape(N, C, -1).argmax(axis=2)
                    mask = (flat[:kh * kw] == first[:, :, None]).reshape(window.shape)
                elif ties == "last":
                    rev = tied.reshape(N, C, -1)[:, :, ::-1].argmax(axis=2)
                    mask = (flat[:kh * kw] == kh * kw - 1 - rev[:, :, None]).reshape(window.shape)
                elif ties == "split":
                    mask = tied / tied.sum(axis=(2, 3), keepdims=True)
                elif ties == "all":
                    mask = tied
                else:  # "window": every cell of the window
                    mask = np.ones(window.shape)
                part = g * mask
            elif mode == "avg":
                divisor = k * k if avg_divisor is None else avg_divisor
                part = np.broadcast_to(g / divisor, window.shape)
            else:
                norm = np.sqrt((window ** 2).sum(axis=(2, 3), keepdims=True))
                if l2 == "ratio":
                    safe = np.where(norm == 0, 1, norm)
                    part = np.where(norm == 0, 0, g * window / safe)
                elif l2 == "no-norm":
                    part = g * window
                else:  # "squares": the derivative of the sum of squares, sqrt forgotten
                    part = g * 2 * window
            target = dx[:, :, i * s:i * s + kh, j * s:j * s + kw]
            if overwrite:
                target[...] = part
            else:
                target += part
    return dx


@_mistake("pool2d_backward", "max gradient to every tied maximum",
          "When several cells tie for the maximum, give the whole gradient to the first "
          "of them in row-major order (as PyTorch does), not to each of them.")
def pool2d_backward_every_tie(dout, x, kernel_size, stride=None, mode="max"):
    """Marks every cell equal to the window's maximum (window == window.max())."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, ties="all")


@_mistake("pool2d_backward", "max gradient split between tied maxima",
          "The convention is to give the whole gradient to the first maximum in row-major "
          "order; splitting it between tied cells is what a central difference sees, not "
          "what the layer does.")
def pool2d_backward_split_ties(dout, x, kernel_size, stride=None, mode="max"):
    """Divides the gradient equally between the cells that tie for the maximum."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, ties="split")


@_mistake("pool2d_backward", "max gradient to the last maximum",
          "On a tie the gradient goes to the FIRST maximum in row-major order: np.argmax "
          "returns the first, while a `>=` comparison in a loop keeps the last.")
def pool2d_backward_last_tie(dout, x, kernel_size, stride=None, mode="max"):
    """Scans the window with `>=`, so the last of the tied maxima wins."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, ties="last")


@_mistake("pool2d_backward", "max gradient to the whole window",
          "Only the cell holding the window's maximum influenced the output: it alone "
          "receives dout, every other cell gets 0.")
def pool2d_backward_whole_window(dout, x, kernel_size, stride=None, mode="max"):
    """Adds dout to every cell of the window in max mode."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, ties="window")


@_mistake("pool2d_backward", "avg gradient not divided by k * k",
          "Each of the k * k cells contributes 1 / (k * k) of the average: every cell "
          "receives dout / (k * k).")
def pool2d_backward_avg_undivided(dout, x, kernel_size, stride=None, mode="max"):
    """Spreads dout itself, not dout / k**2, over the window."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, avg_divisor=1)


@_mistake("pool2d_backward", "avg gradient divided by k instead of k * k",
          "A k x k window holds k * k cells: every cell receives dout / (k * k).")
def pool2d_backward_avg_by_k(dout, x, kernel_size, stride=None, mode="max"):
    """Spreads dout / k over the window."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, avg_divisor=kernel_size)


@_mistake("pool2d_backward", "l2 gradient not divided by the norm",
          "The derivative of sqrt(sum(x ** 2)) with respect to x_p is x_p / y, where y is "
          "the window's output: divide by it (and use 0 where y == 0).")
def pool2d_backward_l2_no_norm(dout, x, kernel_size, stride=None, mode="max"):
    """Sends dout * x to each cell of an L2 window."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, l2="no-norm")


@_mistake("pool2d_backward", "l2 gradient of the sum of squares (square root forgotten)",
          "y = sqrt(s) with s = sum(x ** 2): the chain rule gives dy/dx_p = (1 / (2 y)) * "
          "2 x_p = x_p / y, not 2 x_p.")
def pool2d_backward_l2_squares(dout, x, kernel_size, stride=None, mode="max"):
    """Sends dout * 2 x to each cell of an L2 window."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, l2="squares")


@_mistake("pool2d_backward", "overlapping windows overwrite (= instead of +=)",
          "A cell in several windows receives gradient from each of them: add with "
          "dx[...] += ..., never assign with dx[...] = ....")
def pool2d_backward_overwrites(dout, x, kernel_size, stride=None, mode="max"):
    """Assigns each window's gradient into dx, so a later window erases an earlier one."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, mode, overwrite=True)


@_mistake("pool2d_backward", "pool stride defaults to 1 instead of kernel_size",
          "stride=None means stride = kernel_size, as in the forward pass: start with "
          "`if stride is None: stride = kernel_size`.")
def pool2d_backward_stride_one(dout, x, kernel_size, stride=1, mode="max"):
    """Declares stride=1 as the default."""
    return _pool_backward(dout, x, kernel_size, stride, mode)


@_mistake("pool2d_backward", "stride ignored",
          "Output (i, j) read the window starting at row i * stride and column j * stride; "
          "send its gradient back there.")
def pool2d_backward_no_stride(dout, x, kernel_size, stride=None, mode="max"):
    """Always steps by kernel_size."""
    return _pool_backward(dout, x, kernel_size, kernel_size, mode)


@_mistake("pool2d_backward", "mode ignored (always max)",
          "Use mode: max sends dout to the window's maximum, avg spreads dout / (k * k), "
          "l2 sends dout * x / y.")
def pool2d_backward_always_max(dout, x, kernel_size, stride=None, mode="max"):
    """Backpropagates max pooling whatever mode says."""
    stride = kernel_size if stride is None else stride
    return _pool_backward(dout, x, kernel_size, stride, "max")


# ---------------------------------------------------------------------------------------
# conv2d_backward, a loop over output positions
# ---------------------------------------------------------------------------------------

def _conv_backward(dout, x, w, stride, padding, *, flip=False, batch="sum", filters="sum",
                   step=None, crop="slice", db="sum"):
    """dx, dw, db of the cross-correlation layer; each keyword switches one mistake on."""
    dout, x, w = np.asarray(dout), np.asarray(x), np.asarray(w)
    s, p = stride, padding
    step = s if step is None else step
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    dtype = np.result_type(dout, x, w)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dtype)
    xp[:, :, p:p + H, p:p + W] = x
    dxp = np.zeros(xp.shape, dtype=dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    w_dx = w[:, :, ::-1, ::-1] if flip else w
    Ho, Wo = dout.shape[2], dout.shape[3]
    for i in range(Ho):
        for j in range(Wo):
            r, c = i * step, j * step
            window = xp[:, :, r:r + kh, c:c + kw]
            if window.shape[2:] != (kh, kw):
                continue  # a window past the edge (stride ignored): skipped by the student
            g = dout[:, :, i, j]  # (N, O)
            if filters == "sum":
                dxp[:, :, r:r + kh, c:c + kw] += np.einsum("no,ochw->nchw", g, w_dx)
            else:  # only the last filter: `=` inside a loop over o
                dxp[:, :, r:r + kh, c:c + kw] += g[:, -1, None, None, None] * w_dx[-1]
            if batch == "sum":
                dw += np.einsum("no,nchw->ochw", g, window)
            else:  # only the last image: `=` inside a loop over n
                dw += np.einsum("o,chw->ochw", g[-1], window[-1])
    if crop == "slice":
        dx = dxp[:, :, p:p + H, p:p + W]
    elif crop == "negative":
        dx = dxp[:, :, p:-p, p:-p]
    else:
        dx = dxp
    if db == "sum":
        bias = dout.sum(axis=(0, 2, 3))
    elif db == "batch-only":
        bias = dout.sum(axis=0)
    else:
        bias = dout.mean(axis=(0, 2, 3))
    return dx, dw, bias.astype(dtype, copy=False)


@_mistake("conv2d_backward", "x[p:-p] with p = 0",
          "dx_pad[:, :, p:-p, p:-p] is empty when p == 0 (-0 is 0); crop with "
          "dx_pad[:, :, p:p + H, p:p + W].")
def conv2d_backward_negative_crop(dout, x, w, stride=1, padding=0):
    """Crops the padded gradient with p:-p."""
    return _conv_backward(dout, x, w, stride, padding, crop="negative")


@_mistake("conv2d_backward", "padding not cropped from dx",
          "The gradient of the padded input has the padding's rows and columns too; they "
          "are constants, not inputs: return dx_pad[:, :, p:p + H, p:p + W].")
def conv2d_backward_uncropped(dout, x, w, stride=1, padding=0):
    """Returns the gradient of the padded input."""
    return _conv_backward(dout, x, w, stride, padding, crop="none")


@_mistake("conv2d_backward", "db not summed over H and W",
          "b[o] is added at every position of every image: db[o] = dout[:, o].sum() over "
          "N, H and W, so db has shape (C_out,).")
def conv2d_backward_db_batch_only(dout, x, w, stride=1, padding=0):
    """Sums dout over the batch only: db = dout.sum(axis=0)."""
    return _conv_backward(dout, x, w, stride, padding, db="batch-only")


@_mistake("conv2d_backward", "db averaged instead of summed",
          "Every use of b[o] adds its own contribution: db = dout.sum(axis=(0, 2, 3)), "
          "not the mean.")
def conv2d_backward_db_mean(dout, x, w, stride=1, padding=0):
    """Uses dout.mean(axis=(0, 2, 3)) as db."""
    return _conv_backward(dout, x, w, stride, padding, db="mean")


@_mistake("conv2d_backward", "dx with the kernel not flipped",
          "dx is the full cross-correlation of dout with the kernel turned by 180 degrees, "
          "w[:, :, ::-1, ::-1]; or add dout[n, o, i, j] * w[o] back into the window "
          "output (i, j) read.")
def conv2d_backward_dx_unflipped(dout, x, w, stride=1, padding=0):
    """Computes dx as the full cross-correlation of dout with w as it is."""
    return _conv_backward(dout, x, w, stride, padding, flip=True)


@_mistake("conv2d_backward", "dw not summed over the batch",
          "The same weights are used for every image: add the contribution of each image "
          "to dw (dw += ...), so dw sums over n.")
def conv2d_backward_dw_last_image(dout, x, w, stride=1, padding=0):
    """Keeps only the last image's contribution to dw (dw = ... inside the loop over n)."""
    return _conv_backward(dout, x, w, stride, padding, batch="last")


@_mistake("conv2d_backward", "dx not summed over the filters",
          "Every filter o read input channel c: dx[n, c] adds the contributions of all "
          "C_out filters, sum over o of dout[n, o] times w[o, c].")
def conv2d_backward_dx_last_filter(dout, x, w, stride=1, padding=0):
    """Keeps only the last filter's contribution to dx."""
    return _conv_backward(dout, x, w, stride, padding, filters="last")


@_mistake("conv2d_backward", "stride ignored",
          "Output (i, j) read the window starting at row i * stride and column j * stride "
          "of the padded input: send its gradient there (equivalently, dilate dout with "
          "stride - 1 zeros).")
def conv2d_backward_no_stride(dout, x, w, stride=1, padding=0):
    """Places the window of output (i, j) at (i, j), as if the stride were 1."""
    return _conv_backward(dout, x, w, stride, padding, step=1)


# ---------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------

def _central(f, x, h, *, forward=False, divisor=2.0, restore=True, float_copy=True):
    """A central (or forward) difference, one element at a time."""
    if float_copy:
        x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        if forward:
            flat[i] = old
            minus = f(x)
        else:
            flat[i] = old - h
            minus = f(x)
        if restore:
            flat[i] = old
        gflat[i] = (plus - minus) / (h if forward else divisor * h)
    return grad


@_mistake("numerical_gradient", "mutated the input",
          "Nudge a copy of x (x = np.array(x, dtype=float)), or put each element back "
          "after evaluating f: the caller's x must not change.")
def numerical_gradient_mutates(f, x, h=1e-5):
    """Nudges the caller's array in place and leaves each element at x - h."""
    grad = np.zeros(np.shape(x))
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        flat[i] += h
        plus = f(x)
        flat[i] -= 2 * h
        minus = f(x)
        gflat[i] = (plus - minus) / (2 * h)
    return grad


@_mistake("numerical_gradient", "forward difference instead of central",
          "(f(x + h) - f(x)) / h has an error of order h; the central difference "
          "(f(x + h) - f(x - h)) / (2h) is accurate to order h ** 2.")
def numerical_gradient_forward_difference(f, x, h=1e-5):
    """Uses (f(x + h e_i) - f(x)) / h."""
    return _central(f, x, h, forward=True)


@_mistake("numerical_gradient", "divided by h instead of 2h",
          "x + h and x - h are 2h apart: divide f(x + h) - f(x - h) by 2 * h.")
def numerical_gradient_by_h(f, x, h=1e-5):
    """Divides the central difference by h, doubling the gradient."""
    return _central(f, x, h, divisor=1.0)


@_mistake("numerical_gradient", "h ignored (fixed step)",
          "Use the step h the caller passes; a fixed 1e-5 inside the function ignores it.")
def numerical_gradient_fixed_step(f, x, h=1e-5):
    """Always steps by 1e-5."""
    return _central(f, x, 1e-5)


@_mistake("numerical_gradient", "integer x not converted to float",
          "Work on a float64 copy, x = np.array(x, dtype=float): adding h to an integer "
          "array rounds it away, and the gradient must be float64.")
def numerical_gradient_keeps_int(f, x, h=1e-5):
    """Nudges a copy of x in x's own dtype (np.copy(x)); integers lose the step."""
    return _central(f, np.copy(x), h, float_copy=False)


@_mistake("numerical_gradient", "nudged every element at once",
          "Nudge one element at a time: element i of the gradient is (f(x + h e_i) - "
          "f(x - h e_i)) / (2h), with e_i zero except a 1 at i.")
def numerical_gradient_all_at_once(f, x, h=1e-5):
    """Computes one difference with x + h and x - h and copies it to every element."""
    x = np.array(x, dtype=np.float64)
    slope = (f(x + h) - f(x - h)) / (2 * h)
    return np.full(x.shape, slope, dtype=np.float64)
