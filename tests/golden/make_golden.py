"""Write the golden files: PyTorch's answers for the layer-level convolutions and pooling.

Run it from the repository root with the separate PyTorch environment (PyTorch is not a
dependency of the project, and the tests only read the files this writes)::

    /work/torchenv/bin/python tests/golden/make_golden.py

Inputs come from a numpy Generator with a fixed seed, so they do not depend on the torch
version; torch runs single-threaded in float64 (a few cases in float32).  Every file
records ``torch_version`` and ``numpy_version``, and the script prints them.

Files and key layout
--------------------
All four files are compressed ``.npz`` archives readable with ``np.load`` (no pickle):

* ``torch_version``, ``numpy_version``: 0-d string arrays.
* ``case_names``: 1-D string array, the cases in order.
* ``<case>/params``: 0-d string array holding a JSON object with the keyword arguments
  to pass to the numpy function under test (lists stand for pairs), plus
  ``"dtype"`` ("float64" or "float32"), ``"description"`` (one line) and
  ``"torch_call"`` (the call that made the expected arrays).
* ``<case>/<array>``: the arrays named below.

``conv2d.npz``
    params: ``stride``, ``padding`` (int, list, "same" or "valid"), ``dilation``,
    ``groups``, ``bias`` (bool).  Arrays: ``x`` (N, C_in, H, W), ``w``
    (C_out, C_in // groups, kH, kW), ``b`` (C_out,) only when ``bias`` is true,
    ``out`` = ``F.conv2d(x, w, b, ...)``, ``dout`` (a random upstream gradient shaped like
    ``out``), and autograd's ``dx``, ``dw``, ``db`` (``db`` is present even without bias:
    ``dout`` summed over N, H, W).
``conv_transpose2d.npz``
    params: ``stride``, ``padding``, ``output_padding``, ``groups``, ``dilation``,
    ``bias``.  Arrays: ``x``, ``w`` (C_in, C_out // groups, kH, kW), ``b`` when
    ``bias``, ``out``.
``unfold_fold.npz``
    params: ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``output_size``
    (H, W).  Arrays: ``x`` (N, C, H, W), ``cols`` = ``F.unfold(x, ...)``
    (N, C * kH * kW, L), ``fold_in`` (random, shaped like ``cols``) and ``fold_out`` =
    ``F.fold(fold_in, output_size, ...)`` (N, C, H, W).
``pool2d.npz``
    params: ``kernel_size``, ``stride`` (null = the kernel size), ``padding``, ``mode``
    ("max", "avg" or "l2"), i.e. exactly the keyword arguments of
    ``pool2d(x, kernel_size, stride=None, padding=0, mode=...)``.  Arrays: ``x``,
    ``out``, ``dout`` (random upstream gradient shaped like ``out``) and ``dx``
    (autograd's gradient, the expected ``pool2d_backward(dout, x, ...)``).
    Conventions recorded from torch:

    - ``max``: ``F.max_pool2d``; padding counts as -inf (never the maximum), and with
      tied maxima the whole gradient of a window goes to the first maximum in
      row-major order.  The ``max_ties*`` cases use small integer inputs to force ties.
    - ``avg``: ``F.avg_pool2d`` with ``count_include_pad=True`` (the default): padded
      zeros count in the divisor, which is always kH * kW.
    - ``l2``: ``F.lp_pool2d(x, norm_type=2, ...)``, no padding.  In torch 2.13 it is
      ``avg_pool2d(x**2) * (kH * kW)`` passed through ``sign(.) * relu(|.|)`` and
      raised to the power 1/2, i.e. ``sqrt(sum of x**2 over the window)`` (not a
      mean).  Where a window is all zeros the output is 0 and, because of the relu,
      so is the gradient (case ``l2_zero_window``), rather than the NaN of a naive
      ``x / sqrt(0)``.  The top-level key ``l2_definition`` repeats this.

Stride that does not divide: torch rounds the output size down (the last rows/columns
are never visited and get zero gradient); those cases say "nodiv" in their name.
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20240613

L2_DEFINITION = (
    "F.lp_pool2d(x, 2, kernel_size, stride) = (sign(s) * relu(|s|)) ** 0.5 with "
    "s = avg_pool2d(x ** 2, kernel_size, stride, padding=0) * kH * kW, i.e. "
    "sqrt(sum over the window of x ** 2); gradient 0 where s == 0.")


def _t(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, requires_grad=grad)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().copy()


def _pair(v):
    """JSON form of an int-or-pair argument (tuples become lists)."""
    return list(v) if isinstance(v, tuple) else v


class Archive:
    """Collects cases for one .npz file."""

    def __init__(self, name: str):
        self.name = name
        self.arrays: dict[str, np.ndarray] = {}
        self.cases: list[str] = []

    def add(self, case: str, params: dict, **arrays: np.ndarray) -> None:
        if case in self.cases:
            raise ValueError(f"duplicate case {case!r} in {self.name}")
        self.cases.append(case)
        self.arrays[f"{case}/params"] = np.array(json.dumps(params))
        for key, value in arrays.items():
            self.arrays[f"{case}/{key}"] = np.asarray(value)

    def save(self, **extra: np.ndarray) -> pathlib.Path:
        path = HERE / self.name
        np.savez_compressed(
            path,
            torch_version=np.array(torch.__version__),
            numpy_version=np.array(np.__version__),
            case_names=np.array(self.cases),
            **extra,
            **self.arrays,
        )
        print(f"{path.name}: {len(self.cases)} cases, {path.stat().st_size / 1024:.1f} KiB")
        return path


# ---------------------------------------------------------------------------------------
# conv2d: forward and backward
# ---------------------------------------------------------------------------------------

# (name, description, x shape, w shape, settings); w is (C_out, C_in // groups, kH, kW)
CONV2D_CASES = [
    ("basic", "3x3 kernel, no padding, stride 1", (2, 3, 7, 7), (4, 3, 3, 3), {}),
    ("pad1", "3x3 kernel, padding 1", (2, 3, 6, 6), (4, 3, 3, 3), {"padding": 1}),
    ("pad0_explicit", "padding=0 given explicitly, 2x2 kernel", (2, 2, 5, 5), (3, 2, 2, 2),
     {"padding": 0}),
    ("pad_pair", "padding (2, 0) on a non-square input", (2, 2, 5, 7), (3, 2, 3, 3),
     {"padding": (2, 0)}),
    ("valid", 'padding="valid"', (2, 2, 6, 5), (3, 2, 3, 2), {"padding": "valid"}),
    ("same_odd", 'padding="same" with a 3x3 kernel', (2, 3, 6, 5), (4, 3, 3, 3),
     {"padding": "same"}),
    ("same_even", 'padding="same" with a 4x4 kernel: the extra row/column goes bottom/right',
     (2, 2, 6, 7), (3, 2, 4, 4), {"padding": "same"}),
    ("same_even_nonsquare", 'padding="same" with a 2x3 kernel', (1, 2, 5, 6), (3, 2, 2, 3),
     {"padding": "same"}),
    ("same_dilated", 'padding="same", 2x2 kernel, dilation (3, 2)', (2, 2, 8, 7),
     (2, 2, 2, 2), {"padding": "same", "dilation": (3, 2)}),
    ("stride2", "stride 2 that divides: (9 - 3) / 2", (2, 2, 9, 9), (3, 2, 3, 3),
     {"stride": 2}),
    ("stride2_nodiv", "stride 2 that does not divide: input 10, kernel 3", (2, 2, 10, 10),
     (3, 2, 3, 3), {"stride": 2}),
    ("stride_pair_nodiv", "stride (3, 2), non-square input 11x8, neither divides",
     (2, 2, 11, 8), (3, 2, 3, 3), {"stride": (3, 2)}),
    ("stride2_pad1_nodiv", "stride 2, padding 1, input 8, kernel 3", (2, 2, 8, 8),
     (3, 2, 3, 3), {"stride": 2, "padding": 1}),
    ("dilation2", "3x3 kernel with dilation 2", (2, 2, 9, 9), (3, 2, 3, 3), {"dilation": 2}),
    ("dilation_pair", "dilation (2, 3), padding 1", (2, 2, 9, 10), (3, 2, 3, 3),
     {"dilation": (2, 3), "padding": 1}),
    ("groups2", "groups 2: C_in 4, C_out 6", (2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2}),
    ("depthwise", "depthwise: groups = C_in = C_out = 3", (2, 3, 6, 6), (3, 1, 3, 3),
     {"groups": 3, "padding": 1}),
    ("depthwise_mult2", "groups 3 with 2 filters per group", (2, 3, 5, 6), (6, 1, 2, 2),
     {"groups": 3}),
    ("kernel_nonsquare", "2x3 kernel", (2, 2, 6, 7), (3, 2, 2, 3), {}),
    ("kernel_even2", "2x2 kernel", (2, 3, 5, 5), (2, 3, 2, 2), {}),
    ("kernel_even4_pad", "4x4 kernel, padding 1", (2, 2, 6, 6), (2, 2, 4, 4), {"padding": 1}),
    ("kernel_1x1", "1x1 kernel (a per-pixel channel mix)", (2, 5, 4, 6), (3, 5, 1, 1), {}),
    ("kernel_1x1_stride2", "1x1 kernel, stride 2", (2, 3, 5, 6), (4, 3, 1, 1), {"stride": 2}),
    ("kernel_1x1_pad1", "1x1 kernel, padding 1", (1, 2, 3, 4), (3, 2, 1, 1), {"padding": 1}),
    ("kernel_1x1_groups", "1x1 kernel, groups 2", (2, 4, 3, 3), (6, 2, 1, 1), {"groups": 2}),
    ("kernel_equals_input", "kernel as large as the input: 1x1 output", (2, 3, 5, 5),
     (4, 3, 5, 5), {}),
    ("kernel_equals_padded", "kernel as large as the padded input (4 + 2 = 6)",
     (2, 2, 4, 4), (3, 2, 6, 6), {"padding": 1}),
    ("n1_c1", "N = 1, C_in = 1, C_out = 1", (1, 1, 6, 5), (1, 1, 3, 3), {}),
    ("n1_c1_stride_nodiv", "N = 1, C = 1, stride 2 not dividing", (1, 1, 7, 8),
     (1, 1, 2, 2), {"stride": 2}),
    ("everything", "stride (2, 3), padding (1, 2), dilation (2, 1), groups 2, 3x2 kernel",
     (2, 4, 11, 10), (4, 2, 3, 2), {"stride": (2, 3), "padding": (1, 2), "dilation": (2, 1),
                                    "groups": 2}),
    ("no_bias", "no bias", (2, 3, 5, 5), (2, 3, 3, 3), {"bias": False}),
    ("f32_basic", "float32, padding 1", (2, 3, 8, 8), (4, 3, 3, 3),
     {"padding": 1, "dtype": "float32"}),
    ("f32_everything", "float32, stride 2 not dividing, dilation 2, groups 2",
     (2, 4, 10, 9), (4, 2, 3, 3), {"stride": 2, "dilation": 2, "groups": 2,
                                   "dtype": "float32"}),
    ("f32_1x1", "float32, 1x1 kernel", (2, 8, 4, 4), (4, 8, 1, 1), {"dtype": "float32"}),
]


def make_conv2d(rng: np.random.Generator) -> None:
    arc = Archive("conv2d.npz")
    for name, description, x_shape, w_shape, settings in CONV2D_CASES:
        settings = dict(settings)
        dtype = settings.pop("dtype", "float64")
        bias = settings.pop("bias", True)
        kwargs = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, **settings}
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
        xt, wt = _t(x, True), _t(w, True)
        bt = _t(b, True) if bias else None
        out = F.conv2d(xt, wt, bt, **kwargs)
        dout = rng.standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(_t(dout))
        db = _np(bt.grad) if bias else dout.sum(axis=(0, 2, 3))
        params = {key: _pair(value) for key, value in kwargs.items()}
        params.update(bias=bias, dtype=dtype, description=description,
                      torch_call=f"F.conv2d(x, w, {'b' if bias else 'None'}, **{kwargs})")
        arrays = dict(x=x, w=w, out=_np(out), dout=dout, dx=_np(xt.grad), dw=_np(wt.grad), db=db)
        if bias:
            arrays["b"] = b
        arc.add(name, params, **arrays)
    arc.save()


# ---------------------------------------------------------------------------------------
# conv_transpose2d
# ---------------------------------------------------------------------------------------

# w is (C_in, C_out // groups, kH, kW)
TRANSPOSE_CASES = [
    ("basic", "3x3 kernel, stride 1", (2, 3, 4, 4), (3, 2, 3, 3), {}),
    ("stride2", "stride 2 (upsampling by 2)", (2, 2, 3, 4), (2, 3, 3, 3), {"stride": 2}),
    ("stride2_outpad1", "stride 2, output_padding 1", (2, 2, 3, 3), (2, 2, 3, 3),
     {"stride": 2, "output_padding": 1}),
    ("stride2_k2", "stride 2 with a 2x2 kernel: no overlap", (1, 2, 3, 3), (2, 2, 2, 2),
     {"stride": 2}),
    ("padding1", "padding 1 crops the full output", (2, 2, 4, 5), (2, 3, 3, 3),
     {"padding": 1}),
    ("stride_pad_pair", "stride (2, 3), padding (1, 0), output_padding (1, 2)",
     (2, 2, 3, 4), (2, 2, 3, 3), {"stride": (2, 3), "padding": (1, 0),
                                  "output_padding": (1, 2)}),
    ("dilation2", "dilation 2", (2, 2, 4, 4), (2, 2, 3, 3), {"dilation": 2}),
    ("dilation_outpad", "stride 1, dilation 2, output_padding 1 (allowed: < dilation)",
     (1, 2, 3, 4), (2, 2, 2, 2), {"dilation": 2, "output_padding": 1}),
    ("groups2", "groups 2: C_in 4, C_out 6", (2, 4, 3, 3), (4, 3, 3, 3),
     {"groups": 2, "stride": 2}),
    ("kernel_1x1", "1x1 kernel", (2, 3, 3, 4), (3, 2, 1, 1), {}),
    ("kernel_nonsquare", "2x3 kernel, stride 2", (2, 2, 3, 3), (2, 2, 2, 3), {"stride": 2}),
    ("n1_c1", "N = 1, C = 1", (1, 1, 3, 3), (1, 1, 3, 3), {"stride": 2, "padding": 1}),
    ("no_bias", "no bias", (2, 2, 3, 3), (2, 2, 3, 3), {"bias": False, "stride": 2}),
    ("f32", "float32, stride 2, padding 1, output_padding 1", (2, 3, 4, 4), (3, 2, 3, 3),
     {"stride": 2, "padding": 1, "output_padding": 1, "dtype": "float32"}),
]


def make_conv_transpose2d(rng: np.random.Generator) -> None:
    arc = Archive("conv_transpose2d.npz")
    for name, description, x_shape, w_shape, settings in TRANSPOSE_CASES:
        settings = dict(settings)
        dtype = settings.pop("dtype", "float64")
        bias = settings.pop("bias", True)
        kwargs = {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1,
                  **settings}
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        c_out = w_shape[1] * kwargs["groups"]
        b = rng.standard_normal(c_out).astype(dtype) if bias else None
        out = F.conv_transpose2d(_t(x), _t(w), _t(b) if bias else None, **kwargs)
        params = {key: _pair(value) for key, value in kwargs.items()}
        params.update(bias=bias, dtype=dtype, description=description,
                      torch_call=f"F.conv_transpose2d(x, w, {'b' if bias else 'None'}, "
                                 f"**{kwargs})")
        arrays = dict(x=x, w=w, out=_np(out))
        if bias:
            arrays["b"] = b
        arc.add(name, params, **arrays)
    arc.save()


# ---------------------------------------------------------------------------------------
# unfold / fold
# ---------------------------------------------------------------------------------------

UNFOLD_CASES = [
    ("basic", "3x3 windows, stride 1", (2, 2, 5, 5), {"kernel_size": 3}),
    ("stride2", "2x2 windows, stride 2", (2, 3, 6, 6), {"kernel_size": 2, "stride": 2}),
    ("stride2_nodiv", "3x3 windows, stride 2 not dividing (input 8)", (1, 2, 8, 8),
     {"kernel_size": 3, "stride": 2}),
    ("padding", "3x3 windows, padding 1 (overlaps sum in fold)", (2, 2, 4, 5),
     {"kernel_size": 3, "padding": 1}),
    ("dilation", "2x2 windows with dilation 2", (2, 2, 6, 6), {"kernel_size": 2, "dilation": 2}),
    ("nonsquare", "2x3 windows, stride (1, 2), padding (0, 1), non-square input",
     (2, 2, 5, 7), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (0, 1)}),
    ("kernel_1x1", "1x1 windows", (2, 3, 3, 4), {"kernel_size": 1}),
    ("kernel_equals_input", "one window covering the whole input", (2, 2, 4, 3),
     {"kernel_size": (4, 3)}),
    ("n1_c1", "N = 1, C = 1, stride 3 not dividing", (1, 1, 7, 6),
     {"kernel_size": 2, "stride": 3}),
    ("f32", "float32, 3x3, stride 2, padding 1, dilation 2", (2, 2, 7, 7),
     {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "dtype": "float32"}),
]


def make_unfold_fold(rng: np.random.Generator) -> None:
    arc = Archive("unfold_fold.npz")
    for name, description, x_shape, settings in UNFOLD_CASES:
        settings = dict(settings)
        dtype = settings.pop("dtype", "float64")
        kwargs = {"stride": 1, "padding": 0, "dilation": 1, **settings}
        x = rng.standard_normal(x_shape).astype(dtype)
        cols = F.unfold(_t(x), **kwargs)
        fold_in = rng.standard_normal(tuple(cols.shape)).astype(dtype)
        fold_out = F.fold(_t(fold_in), output_size=x_shape[2:], **kwargs)
        params = {key: _pair(value) for key, value in kwargs.items()}
        params.update(output_size=list(x_shape[2:]), dtype=dtype, description=description,
                      torch_call=f"F.unfold(x, **{kwargs}); F.fold(fold_in, "
                                 f"output_size={x_shape[2:]}, **{kwargs})")
        arc.add(name, params, x=x, cols=_np(cols), fold_in=fold_in, fold_out=_np(fold_out))
    arc.save()


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------

# settings are pool2d's keyword arguments; "ties" asks for small integer inputs
POOL_CASES = [
    ("max_k2s2", "max, 2x2 window, stride 2", "max", (2, 3, 6, 6),
     {"kernel_size": 2, "stride": 2}),
    ("max_default_stride", "max, 3x3 window, stride None (= kernel size)", "max",
     (2, 2, 9, 6), {"kernel_size": 3}),
    ("max_k3s1_overlap", "max, 3x3 window, stride 1 (windows overlap)", "max", (2, 2, 6, 5),
     {"kernel_size": 3, "stride": 1}),
    ("max_pad1", "max, 3x3 window, stride 2, padding 1 (padding is -inf)", "max",
     (2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pad_negative", "max, padding 1 on all-negative inputs: padding never wins", "max",
     (1, 2, 4, 5), {"kernel_size": 2, "stride": 1, "padding": 1, "negative": True}),
    ("max_nonsquare", "max, 2x3 window, stride (1, 2), padding (1, 1)", "max", (2, 2, 5, 8),
     {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1)}),
    ("max_nodiv", "max, 2x2 window, stride 2 not dividing (input 7x5)", "max", (2, 2, 7, 5),
     {"kernel_size": 2, "stride": 2}),
    ("max_ties_k2s2", "max with ties: integer inputs 0..2, 2x2 window, stride 2", "max",
     (2, 2, 6, 6), {"kernel_size": 2, "stride": 2, "ties": True}),
    ("max_ties_overlap", "max with ties: integer inputs 0..2, 3x3 window, stride 1", "max",
     (2, 2, 6, 7), {"kernel_size": 3, "stride": 1, "ties": True}),
    ("max_ties_pad", "max with ties: integer inputs 0..1, 2x2 window, stride 1, padding 1",
     "max", (1, 2, 4, 4), {"kernel_size": 2, "stride": 1, "padding": 1, "ties": True}),
    ("max_n1_c1", "max, N = 1, C = 1, window as large as the input", "max", (1, 1, 4, 5),
     {"kernel_size": (4, 5)}),
    ("avg_k2s2", "avg, 2x2 window, stride 2", "avg", (2, 3, 6, 6),
     {"kernel_size": 2, "stride": 2}),
    ("avg_default_stride", "avg, 3x3 window, stride None", "avg", (2, 2, 6, 9),
     {"kernel_size": 3}),
    ("avg_pad1", "avg, 3x3, stride 1, padding 1: zeros counted (count_include_pad=True)",
     "avg", (2, 2, 5, 5), {"kernel_size": 3, "stride": 1, "padding": 1}),
    ("avg_nonsquare", "avg, 3x2 window, stride (2, 1), padding (1, 0)", "avg", (2, 2, 7, 5),
     {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}),
    ("avg_nodiv", "avg, 3x3 window, stride 2 not dividing (input 8)", "avg", (1, 2, 8, 8),
     {"kernel_size": 3, "stride": 2}),
    ("avg_n1_c1_1x1", "avg, N = 1, C = 1, 1x1 window (identity)", "avg", (1, 1, 3, 4),
     {"kernel_size": 1}),
    ("l2_k2s2", "l2, 2x2 window, stride 2", "l2", (2, 3, 6, 6), {"kernel_size": 2, "stride": 2}),
    ("l2_default_stride", "l2, 3x3 window, stride None", "l2", (2, 2, 6, 9), {"kernel_size": 3}),
    ("l2_overlap", "l2, 3x3 window, stride 1", "l2", (2, 2, 5, 6),
     {"kernel_size": 3, "stride": 1}),
    ("l2_nonsquare", "l2, 2x3 window, stride (1, 2)", "l2", (2, 2, 5, 7),
     {"kernel_size": (2, 3), "stride": (1, 2)}),
    ("l2_nodiv", "l2, 2x2 window, stride 2 not dividing (input 7x5)", "l2", (1, 2, 7, 5),
     {"kernel_size": 2, "stride": 2}),
    ("l2_zero_window", "l2 where the top-left 2x2 window is all zeros: output 0, gradient 0",
     "l2", (1, 1, 4, 4), {"kernel_size": 2, "stride": 2, "zero_window": True}),
    ("f32_max", "float32 max, 3x3, stride 2, padding 1", "max", (2, 3, 7, 7),
     {"kernel_size": 3, "stride": 2, "padding": 1, "dtype": "float32"}),
    ("f32_avg", "float32 avg, 2x2, stride 2, padding 1", "avg", (2, 3, 6, 6),
     {"kernel_size": 2, "stride": 2, "padding": 1, "dtype": "float32"}),
    ("f32_l2", "float32 l2, 2x2, stride 1", "l2", (2, 3, 5, 5),
     {"kernel_size": 2, "stride": 1, "dtype": "float32"}),
]


def _torch_pool(xt: torch.Tensor, mode: str, kernel_size, stride, padding) -> torch.Tensor:
    if mode == "max":
        return F.max_pool2d(xt, kernel_size, stride, padding)
    if mode == "avg":
        return F.avg_pool2d(xt, kernel_size, stride, padding)  # count_include_pad=True
    if padding not in (0, (0, 0)):
        raise ValueError("lp_pool2d has no padding")
    return F.lp_pool2d(xt, 2, kernel_size, stride)


def make_pool2d(rng: np.random.Generator) -> None:
    arc = Archive("pool2d.npz")
    for name, description, mode, x_shape, settings in POOL_CASES:
        settings = dict(settings)
        dtype = settings.pop("dtype", "float64")
        ties = settings.pop("ties", False)
        negative = settings.pop("negative", False)
        zero_window = settings.pop("zero_window", False)
        kwargs = {"stride": None, "padding": 0, **settings}
        if ties:
            high = 2 if kwargs["padding"] else 3
            x = rng.integers(0, high, size=x_shape).astype(dtype)
        else:
            x = rng.standard_normal(x_shape).astype(dtype)
        if negative:
            x = -np.abs(x) - 0.5
        if zero_window:
            x[..., :2, :2] = 0.0
        xt = _t(x, True)
        out = _torch_pool(xt, mode, kwargs["kernel_size"], kwargs["stride"], kwargs["padding"])
        dout = rng.standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(_t(dout))
        params = {key: _pair(value) for key, value in kwargs.items()}
        params.update(mode=mode, dtype=dtype, description=description,
                      torch_call={"max": "F.max_pool2d", "avg": "F.avg_pool2d",
                                  "l2": "F.lp_pool2d(x, 2, ...)"}[mode] + f" **{kwargs}")
        arc.add(name, params, x=x, out=_np(out), dout=dout, dx=_np(xt.grad))
    arc.save(l2_definition=np.array(L2_DEFINITION))


def main() -> None:
    torch.set_num_threads(1)  # one thread: the same summation order on every machine
    # torch warns that "same" with an even kernel pads a copy of the input: expected here
    warnings.filterwarnings("ignore", message="Using padding='same'")
    print(f"torch {torch.__version__}, numpy {np.__version__}, seed {SEED}")
    rng = np.random.default_rng(SEED)
    make_conv2d(rng)
    make_conv_transpose2d(rng)
    make_unfold_fold(rng)
    make_pool2d(rng)


if __name__ == "__main__":
    main()
