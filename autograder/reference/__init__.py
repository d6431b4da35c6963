"""Reference implementations of every convolution the course teaches.

Two levels, two conventions:

* The **signal level** (:mod:`autograder.reference.signal`) mirrors ``scipy.signal``:
  ``correlate``/``convolve`` in 1-D and ``correlate2d``/``convolve2d`` in 2-D take the
  same arguments and return the same arrays as scipy, so tests can call scipy with the
  arguments they pass here.
* The **layer level** mirrors PyTorch: inputs are ``(N, C_in, H, W)``, weights
  ``(C_out, C_in // groups, kH, kW)``, biases ``(C_out,)``; ``stride``, ``padding`` and
  ``dilation`` take an int or a pair, and ``dilation=1`` means no dilation.

What deep-learning libraries call a "convolution" layer computes a cross-correlation:
the kernel is not flipped.  This package keeps both words exact: ``correlate*`` and
``conv2d`` slide the kernel as it is, ``convolve*`` flips it first.

Names are loaded on first use, so importing the package is cheap.
"""

from __future__ import annotations

import importlib

# Public name -> the submodule defining it.  No submodule may share a public name:
# once imported, the submodule would shadow the function on the package.
_WHERE = {
    # signal level, scipy.signal's meaning
    "correlate": "signal",
    "convolve": "signal",
    "correlate2d": "signal",
    "convolve2d": "signal",
    # layer level, PyTorch's layout
    "pad2d": "layers",
    "conv_output_size": "layers",
    "conv2d": "layers",
    "conv2d_loops": "layers",
    "conv2d_backward": "layers",
    "conv2d_backward_loops": "layers",
    "conv_transpose2d": "layers",
    "im2col": "unfold",
    "col2im": "unfold",
    "pool2d": "pooling",
    "pool2d_loops": "pooling",
    "pool2d_backward": "pooling",
    "pool2d_backward_loops": "pooling",
    # structure of a conv layer
    "conv_matrix": "structure",
    "receptive_field": "structure",
    "conv_params": "structure",
    "conv_flops": "structure",
    "fc_to_conv": "structure",
    # gradient checking
    "numerical_gradient": "gradcheck",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
