"""im2col and col2im: a convolution as one matrix product.

:func:`im2col` copies every window a kernel visits into one column of a matrix, so a
convolution layer becomes ``w.reshape(C_out, -1) @ cols``.  :func:`col2im` does the
reverse bookkeeping: it adds each column back where its window came from, summing the
overlaps.  It is the adjoint (transpose) of :func:`im2col`, which is why the backward
pass of a convolution uses it.  The layouts are those of PyTorch's
``torch.nn.functional.unfold`` and ``fold``.
"""

from __future__ import annotations

import numpy as np

from autograder._validation import as_array, as_pair
from autograder.reference.layers import (
    _AXES,
    _output_length,
    _scatter_add_windows,
    _window_view,
    pad2d,
)

__all__ = ["im2col", "col2im"]


def _settings(kernel_size, stride, padding, dilation):
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    stride = as_pair(stride, "stride", minimum=1)
    if isinstance(padding, str):
        raise TypeError(f"padding must be an int or a pair of ints, got {padding!r}")
    padding = as_pair(padding, "padding", minimum=0)
    dilation = as_pair(dilation, "dilation", minimum=1)
    return kernel, stride, padding, dilation


def _blocks(size, kernel, stride, padding, dilation):
    """Number of windows along each axis, PyTorch's rounding down included."""
    return tuple(_output_length(n, k, s, (p, p), d, True, axis)
                 for n, k, s, p, d, axis in zip(size, kernel, stride, padding, dilation, _AXES))


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Copy every window of a batch of images into the columns of a matrix.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input batch.
    kernel_size : int or pair of int
        ``(kH, kW)``, the window before dilation.
    stride : int or pair of int, default 1
    padding : int or pair of int, default 0
        Zeros added on each side before taking windows.
    dilation : int or pair of int, default 1
        Spacing between the elements of a window; 1 means none.

    Returns
    -------
    numpy.ndarray, shape (N, C * kH * kW, L)
        ``L = H_out * W_out`` windows in row-major order of their top-left corner; row
        ``(c * kH + u) * kW + v`` holds channel ``c``, kernel offset ``(u, v)``.
        Same dtype as ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or a setting is not an int / pair.
    ValueError
        If ``x`` is not 4-D, a setting is out of range, or the window (dilated) is
        larger than the padded input.

    See Also
    --------
    col2im : The adjoint: adds columns back into an image.
    torch.nn.functional.unfold : PyTorch's equivalent (same layout).

    Notes
    -----
    .. math:: \\mathrm{cols}[n, (c k_H + u) k_W + v, i W_{out} + j] =
              x_{\\mathrm{pad}}[n, c, i S_h + u D_h, j S_w + v D_w]

    so that ``conv2d(x, w) == (w.reshape(C_out, -1) @ cols).reshape(N, C_out, H_out,
    W_out)``.  Windows that would start past the last full window are dropped (the
    output size rounds down, as in PyTorch).

    Examples
    --------
    >>> x = np.arange(9).reshape(1, 1, 3, 3)
    >>> im2col(x, 2)
    array([[[0, 1, 3, 4],
            [1, 2, 4, 5],
            [3, 4, 6, 7],
            [4, 5, 7, 8]]])
    >>> im2col(np.ones((2, 3, 8, 8)), 3, stride=2, padding=1).shape
    (2, 27, 16)
    """
    x = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C, H, W)")
    kernel, stride, padding, dilation = _settings(kernel_size, stride, padding, dilation)
    N, C, H, W = x.shape
    out_hw = _blocks((H, W), kernel, stride, padding, dilation)
    xp = pad2d(x, padding)
    view = _window_view(xp, kernel, stride, dilation, out_hw)  # (N, C, kH, kW, H_out, W_out)
    return np.ascontiguousarray(view).reshape(N, C * kernel[0] * kernel[1], out_hw[0] * out_hw[1])


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Add the columns of a window matrix back into images, summing where windows overlap.

    Parameters
    ----------
    cols : array_like, shape (N, C * kH * kW, L)
        One column per window, laid out as :func:`im2col` returns them.
    output_size : int or pair of int
        ``(H, W)`` of the images (without padding).
    kernel_size : int or pair of int
    stride : int or pair of int, default 1
    padding : int or pair of int, default 0
        Padding that the windows were taken with; it is cut off the result.
    dilation : int or pair of int, default 1

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        Same dtype as ``cols``.

    Raises
    ------
    TypeError
        If ``cols`` is not numeric or a setting is not an int / pair.
    ValueError
        If ``cols`` is not 3-D, its second axis is not a multiple of ``kH * kW``, or its
        number of columns ``L`` is not the number of windows these settings give.

    See Also
    --------
    im2col : The operation this is the adjoint of.
    torch.nn.functional.fold : PyTorch's equivalent (same layout).

    Notes
    -----
    .. math:: x_{\\mathrm{pad}}[n, c, i S_h + u D_h, j S_w + v D_w] \\mathrel{+}=
              \\mathrm{cols}[n, (c k_H + u) k_W + v, i W_{out} + j]

    for every window :math:`(i, j)` and offset :math:`(u, v)`, then the padding is cut
    off.  Hence :math:`\\langle \\mathrm{im2col}(x), y \\rangle =
    \\langle x, \\mathrm{col2im}(y) \\rangle`; ``col2im(im2col(x))`` is ``x`` times how
    many windows cover each pixel, not ``x``.

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), (3, 3), 2)
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    cols = as_array(cols, "cols", ndim=3, kinds="iuf", shape_hint="(N, C * kH * kW, L)")
    size = as_pair(output_size, "output_size", minimum=1)
    kernel, stride, padding, dilation = _settings(kernel_size, stride, padding, dilation)
    N, rows, L = cols.shape
    kh, kw = kernel
    if rows % (kh * kw):
        raise ValueError(f"cols.shape[1] must be C * kH * kW, a multiple of {kh} * {kw} = "
                         f"{kh * kw}, got cols.shape = {cols.shape}")
    out_hw = _blocks(size, kernel, stride, padding, dilation)
    if L != out_hw[0] * out_hw[1]:
        raise ValueError(
            f"cols must have L = {out_hw[0]} * {out_hw[1]} = {out_hw[0] * out_hw[1]} columns "
            f"(the windows of a {size} image with these settings), got cols.shape = {cols.shape}")
    C = rows // (kh * kw)
    (pt, pl), (H, W) = padding, size
    xp = np.zeros((N, C, H + 2 * pt, W + 2 * pl), dtype=cols.dtype)
    _scatter_add_windows(xp, cols.reshape(N, C, kh, kw, *out_hw), stride, dilation)
    return np.ascontiguousarray(xp[:, :, pt:pt + H, pl:pl + W])
