"""A small neural-network toolkit in numpy, shaped like ``torch.nn``: enough for a CNN.

Every layer is an object with ``forward(x)`` (also reachable as ``layer(x)``) and
``backward(dout)``.  ``forward`` keeps what the backward pass needs; ``backward`` takes
the gradient of the loss with respect to the layer's output, **adds** the gradients of
the layer's own parameters to their ``.grad`` (as PyTorch accumulates them), and returns
the gradient with respect to the layer's input.  The arithmetic of the convolution and
pooling layers is :mod:`autograder.reference`'s (:func:`~autograder.reference.conv2d`,
:func:`~autograder.reference.conv2d_backward`, :func:`~autograder.reference.pool2d`,
:func:`~autograder.reference.pool2d_backward`); this module only wires it together.

* Layers: :class:`Conv2d`, :class:`ReLU`, :class:`MaxPool2d`, :class:`Flatten`,
  :class:`Linear`, chained by :class:`Sequential`.
* Loss: :class:`CrossEntropyLoss` (softmax and negative log-likelihood in one).
* Optimizers: :class:`SGD` (with momentum) and :class:`Adam`, with PyTorch's update rules.
* Initialisation: :func:`default_init`, PyTorch's default for ``Conv2d`` and ``Linear``.
* Training: :func:`minibatches`, :func:`fit`, :func:`evaluate`, :func:`predict`, and the
  measures :func:`accuracy`, :func:`confusion_matrix`, :func:`count_parameters`,
  :func:`summary`.

Layouts follow PyTorch: images are ``(N, C, H, W)``, a convolution's weight is
``(C_out, C_in, kH, kW)``, a linear layer's weight is ``(out_features, in_features)``.
The layers compute in the dtype of their parameters, float32 by default as in PyTorch;
pass ``dtype=np.float64`` for gradient checks.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograder._validation import as_array, as_int, as_pair
from autograder.reference.layers import conv2d, conv2d_backward
from autograder.reference.pooling import pool2d, pool2d_backward

__all__ = [
    "Parameter",
    "Module",
    "Conv2d",
    "ReLU",
    "MaxPool2d",
    "Flatten",
    "Linear",
    "Sequential",
    "CrossEntropyLoss",
    "softmax",
    "SGD",
    "Adam",
    "default_init",
    "minibatches",
    "fit",
    "evaluate",
    "predict",
    "accuracy",
    "confusion_matrix",
    "count_parameters",
    "summary",
]


# ----------------------------------------------------------------------------- helpers

def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {rng!r} (type {type(rng).__name__})")
    return rng


def _check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating dtype such as np.float32, got {dtype!r}") \
            from None
    if dt.kind != "f" or dt.itemsize < 4:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
    return dt


def _positive_float(value, name, *, allow_zero=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float, got {value!r} (type {type(value).__name__})")
    value = float(value)
    if not (value >= 0 if allow_zero else value > 0) or not np.isfinite(value):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite float {bound}, got {value!r}")
    return value


def _fraction(value, name):
    value = _positive_float(value, name, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def _saved(layer, attr):
    value = getattr(layer, attr, None)
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward was called before forward")
    return value


def default_init(rng, shape, fan_in, *, dtype=np.float32):
    """Random initial values as PyTorch's default for ``Conv2d`` and ``Linear``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness (seed it for a reproducible network).
    shape : tuple of int
        Shape of the array to make, e.g. ``(C_out, C_in, kH, kW)`` or ``(C_out,)``.
    fan_in : int
        Inputs that each output sums over: ``C_in * kH * kW`` for a convolution,
        ``in_features`` for a linear layer.
    dtype : numpy dtype, default np.float32
        float32 or float64.

    Returns
    -------
    numpy.ndarray, shape ``shape``
        Uniform on :math:`[-1/\\sqrt{\\text{fan\\_in}},\\ 1/\\sqrt{\\text{fan\\_in}}]`.

    Raises
    ------
    TypeError
        If ``rng`` is not a Generator, ``fan_in`` not an int or ``dtype`` not a float dtype.
    ValueError
        If ``fan_in`` < 1.

    See Also
    --------
    torch.nn.init.kaiming_uniform_ : What PyTorch calls for the weights.

    Notes
    -----
    PyTorch's ``Conv2d`` and ``Linear`` draw their weights with
    ``kaiming_uniform_(w, a=sqrt(5))``: uniform on :math:`[-B, B]` with
    :math:`B = \\text{gain} \\sqrt{3 / \\text{fan\\_in}}` and the leaky-ReLU gain
    :math:`\\sqrt{2 / (1 + a^2)} = \\sqrt{1/3}`, so :math:`B = 1/\\sqrt{\\text{fan\\_in}}`.
    Their biases are uniform on the same interval.  One function therefore serves both.
    It is Kaiming's uniform scheme with a smaller gain than the :math:`\\sqrt 2` Kaiming
    recommends for ReLU networks; it is used here because it is what PyTorch does.

    Examples
    --------
    >>> w = default_init(np.random.default_rng(0), (8, 1, 3, 3), fan_in=9)
    >>> w.shape, w.dtype, bool(np.abs(w).max() <= 1 / 3)
    ((8, 1, 3, 3), dtype('float32'), True)
    """
    rng = _check_rng(rng)
    fan_in = as_int(fan_in, "fan_in", minimum=1)
    dtype = _check_dtype(dtype)
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=tuple(shape)).astype(dtype)


# ----------------------------------------------------------------------------- parameters

class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    data : array_like of float
        The values; stored as a float array (float64 for integer input).
    name : str, default "param"
        A label for printing.

    Attributes
    ----------
    data : numpy.ndarray
        The values, updated in place by the optimizers.
    grad : numpy.ndarray
        Same shape and dtype as ``data``; starts at zero, layers add to it in
        ``backward`` and optimizers' ``zero_grad`` resets it.

    See Also
    --------
    torch.nn.Parameter : PyTorch's equivalent.

    Examples
    --------
    >>> p = Parameter(np.ones((2, 3)), "w")
    >>> p
    Parameter('w', shape=(2, 3), dtype=float64)
    >>> float(p.grad.sum()), p.size
    (0.0, 6)
    """

    def __init__(self, data, name="param"):
        data = as_array(data, "data", kinds="biuf")
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self.data = np.array(data)   # a copy: the optimizer changes it in place
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self):
        """The shape of ``data``."""
        return self.data.shape

    @property
    def size(self):
        """The number of values in ``data``."""
        return int(self.data.size)

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of the layers: ``layer(x)`` calls ``layer.forward(x)``.

    A subclass defines ``forward(x)`` and ``backward(dout)``, and lists its
    :class:`Parameter` objects in ``parameters()`` (none by default).

    See Also
    --------
    torch.nn.Module : PyTorch's equivalent.

    Examples
    --------
    >>> ReLU()(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """The layer's learnable parameters, in a fixed order (none by default)."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"


# ----------------------------------------------------------------------------- layers

class Conv2d(Module):
    """A convolutional layer (a cross-correlation) with learnable weights and biases.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``, each >= 1.
    kernel_size : int or pair of int
        ``(kH, kW)``.
    stride : int or pair of int, default 1
    padding : int or pair of int, default 0
        Zeros added on each side.
    rng : numpy.random.Generator
        Draws the initial weights and biases (:func:`default_init`, weights first).
    dtype : numpy dtype, default np.float32

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in, kH, kW)
    bias : Parameter, shape (C_out,)

    Raises
    ------
    TypeError, ValueError
        For a bad argument; ``forward`` raises ``ValueError`` for an input whose channel
        count is not ``in_channels``.

    See Also
    --------
    torch.nn.Conv2d : PyTorch's equivalent (with ``dilation=1, groups=1``).
    autograder.reference.conv2d, autograder.reference.conv2d_backward : The arithmetic.

    Notes
    -----
    Forward, for input ``x`` of shape ``(N, C_in, H, W)`` zero-padded to
    :math:`x_\\text{pad}`:

    .. math:: \\text{out}[n, o, i, j] = b[o] + \\sum_{c, u, v}
              x_\\text{pad}[n, c, i S_h + u, j S_w + v]\\, w[o, c, u, v],

    of shape ``(N, C_out, H_out, W_out)`` with
    :math:`H_\\text{out} = \\lfloor (H + 2P_h - k_H) / S_h \\rfloor + 1`.  Backward adds
    :math:`\\partial L/\\partial w` and :math:`\\partial L/\\partial b` to the
    parameters' ``grad`` and returns :math:`\\partial L/\\partial x`, shaped like ``x``.

    Examples
    --------
    >>> conv = Conv2d(1, 8, 3, padding=1, rng=np.random.default_rng(0))
    >>> conv
    Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> out = conv(np.zeros((2, 1, 8, 8), np.float32))
    >>> out.shape, bool(np.allclose(out[0, :, 0, 0], conv.bias.data))
    ((2, 8, 8, 8), True)
    >>> conv.backward(np.ones_like(out)).shape, float(conv.bias.grad[0])   # 2 images x 64 positions
    ((2, 1, 8, 8), 128.0)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *, rng,
                 dtype=np.float32):
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        rng = _check_rng(rng)
        dtype = _check_dtype(dtype)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(default_init(rng, shape, fan_in, dtype=dtype), "weight")
        self.bias = Parameter(default_init(rng, (self.out_channels,), fan_in, dtype=dtype),
                              "bias")
        self._x = None

    def forward(self, x):
        """Apply the layer to ``x`` of shape (N, C_in, H, W); keep ``x`` for backward."""
        x = as_array(x, "x", ndim=4, shape_hint="(N, C_in, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have in_channels = {self.in_channels} channels on "
                             f"axis 1, got shape {x.shape}")
        self._x = x
        return conv2d(x, self.weight.data, self.bias.data, self.stride, self.padding)

    def backward(self, dout):
        """Add dL/dw, dL/db to the parameters' grad; return dL/dx, shaped like the input."""
        x = _saved(self, "_x")
        dx, dw, db = conv2d_backward(dout, x, self.weight.data, self.stride, self.padding)
        self.weight.grad += dw
        self.bias.grad += db
        return dx

    def parameters(self):
        """``[weight, bias]``."""
        return [self.weight, self.bias]

    def __repr__(self):
        return (f"Conv2d({self.in_channels}, {self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})")


class ReLU(Module):
    """Rectified linear unit, ``max(x, 0)`` elementwise, any shape.

    See Also
    --------
    torch.nn.ReLU : PyTorch's equivalent.

    Notes
    -----
    :math:`y = \\max(x, 0)`; :math:`\\partial L/\\partial x = \\partial L/\\partial y`
    where :math:`x > 0` and 0 elsewhere (at :math:`x = 0` too, as in PyTorch).

    Examples
    --------
    >>> relu = ReLU()
    >>> relu(np.array([[-2.0, 0.0, 3.0]]))
    array([[0., 0., 3.]])
    >>> relu.backward(np.array([[5.0, 5.0, 5.0]]))
    array([[0., 0., 5.]])
    """

    def __init__(self):
        self._mask = None

    def forward(self, x):
        """``max(x, 0)``; keep where ``x > 0`` for backward."""
        x = as_array(x, "x", kinds="f")
        self._mask = x > 0
        return np.where(self._mask, x, x.dtype.type(0))

    def backward(self, dout):
        """The upstream gradient where the input was positive, 0 elsewhere."""
        mask = _saved(self, "_mask")
        dout = as_array(dout, "dout", kinds="f")
        if dout.shape != mask.shape:
            raise ValueError(f"dout must have the output's shape {mask.shape}, got {dout.shape}")
        return np.where(mask, dout, dout.dtype.type(0))


class MaxPool2d(Module):
    """Max pooling over each channel, ``(N, C, H, W) -> (N, C, H_out, W_out)``.

    Parameters
    ----------
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Default: ``kernel_size`` (the windows tile the input), as in PyTorch.
    padding : int or pair of int, default 0

    See Also
    --------
    torch.nn.MaxPool2d : PyTorch's equivalent.
    autograder.reference.pool2d, autograder.reference.pool2d_backward : The arithmetic.

    Notes
    -----
    :math:`y[n, c, i, j] = \\max_{u, v} x[n, c, i S_h + u, j S_w + v]`; backward sends
    each output's gradient to its window's maximum (the first one on a tie) and
    nothing to the other positions.

    Examples
    --------
    >>> pool = MaxPool2d(2)
    >>> x = np.array([[1.0, 2.0], [4.0, 3.0]]).reshape(1, 1, 2, 2)
    >>> pool(x).ravel()
    array([4.])
    >>> pool.backward(np.ones((1, 1, 1, 1)))[0, 0]
    array([[0., 0.],
           [1., 0.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride",
                                                                      minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self._x = None

    def forward(self, x):
        """Pool ``x`` of shape (N, C, H, W); keep it for backward."""
        out = pool2d(x, self.kernel_size, self.stride, self.padding, mode="max")
        self._x = np.asarray(x)
        return out

    def backward(self, dout):
        """Route each output's gradient to the maximum of its window."""
        x = _saved(self, "_x")
        return pool2d_backward(dout, x, self.kernel_size, self.stride, self.padding, mode="max")

    def __repr__(self):
        return (f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")


class Flatten(Module):
    """Flatten every axis but the first: ``(N, C, H, W) -> (N, C * H * W)``.

    See Also
    --------
    torch.nn.Flatten : PyTorch's equivalent (``start_dim=1``).

    Notes
    -----
    Row-major order, as ``numpy.reshape`` and PyTorch: feature
    :math:`c H W + i W + j` is :math:`x[n, c, i, j]`.  Backward reshapes back.

    Examples
    --------
    >>> flat = Flatten()
    >>> flat(np.zeros((2, 16, 2, 2))).shape
    (2, 64)
    >>> flat.backward(np.zeros((2, 64))).shape
    (2, 16, 2, 2)
    """

    def __init__(self):
        self._shape = None

    def forward(self, x):
        """Reshape ``x`` of shape (N, ...) to (N, features)."""
        x = as_array(x, "x", kinds="f")
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        """Reshape ``dout`` of shape (N, features) back to the input's shape."""
        shape = _saved(self, "_shape")
        return as_array(dout, "dout", kinds="f").reshape(shape)


class Linear(Module):
    """Fully connected layer, ``y = x W^T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Each >= 1.
    rng : numpy.random.Generator
        Draws the initial weights and biases (:func:`default_init`, weights first).
    dtype : numpy dtype, default np.float32

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
    bias : Parameter, shape (out_features,)

    See Also
    --------
    torch.nn.Linear : PyTorch's equivalent.

    Notes
    -----
    For ``x`` of shape ``(N, in_features)``: :math:`y = x W^T + b`, and backward
    :math:`\\partial L/\\partial W = \\delta^T x`, :math:`\\partial L/\\partial b =
    \\sum_n \\delta_n`, :math:`\\partial L/\\partial x = \\delta W` with
    :math:`\\delta = \\partial L/\\partial y`.

    Examples
    --------
    >>> fc = Linear(64, 10, rng=np.random.default_rng(0))
    >>> fc
    Linear(in_features=64, out_features=10)
    >>> y = fc(np.ones((5, 64), np.float32))
    >>> y.shape, fc.backward(np.ones_like(y)).shape, float(fc.bias.grad[0])
    ((5, 10), (5, 64), 5.0)
    """

    def __init__(self, in_features, out_features, *, rng, dtype=np.float32):
        self.in_features = as_int(in_features, "in_features", minimum=1)
        self.out_features = as_int(out_features, "out_features", minimum=1)
        rng = _check_rng(rng)
        dtype = _check_dtype(dtype)
        self.weight = Parameter(default_init(rng, (self.out_features, self.in_features),
                                             self.in_features, dtype=dtype), "weight")
        self.bias = Parameter(default_init(rng, (self.out_features,), self.in_features,
                                           dtype=dtype), "bias")
        self._x = None

    def forward(self, x):
        """``x @ W.T + b`` for ``x`` of shape (N, in_features); keep ``x`` for backward."""
        x = as_array(x, "x", ndim=2, shape_hint="(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"x must have in_features = {self.in_features} columns, "
                             f"got shape {x.shape}")
        self._x = x
        return x @ self.weight.data.T + self.bias.data

    def backward(self, dout):
        """Add dL/dW, dL/db to the parameters' grad; return dL/dx of shape (N, in_features)."""
        x = _saved(self, "_x")
        dout = as_array(dout, "dout", ndim=2, shape_hint="(N, out_features)")
        if dout.shape != (x.shape[0], self.out_features):
            raise ValueError(f"dout must have shape {(x.shape[0], self.out_features)}, "
                             f"got {dout.shape}")
        self.weight.grad += dout.T @ x
        self.bias.grad += dout.sum(axis=0)
        return dout @ self.weight.data

    def parameters(self):
        """``[weight, bias]``."""
        return [self.weight, self.bias]

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


class Sequential(Module):
    """Layers applied one after the other; backward runs them in reverse.

    Parameters
    ----------
    *layers : Module
        The layers, from input to output.

    Raises
    ------
    TypeError
        If a layer is not a :class:`Module`.

    See Also
    --------
    torch.nn.Sequential : PyTorch's equivalent (indexing and slicing included).

    Notes
    -----
    For :math:`f = f_L \\circ \\dots \\circ f_1`, backward is the chain rule:
    :math:`\\delta_{L} = \\partial\\ell/\\partial y`, then
    :math:`\\delta_{k-1} = f_k\\text{.backward}(\\delta_k)` down to the input.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = Sequential(Flatten(), Linear(4, 3, rng=rng), ReLU())
    >>> len(net), net[1], len(net[:2])
    (3, Linear(in_features=4, out_features=3), 2)
    >>> y = net(np.ones((2, 1, 2, 2), np.float32))
    >>> y.shape, net.backward(np.ones_like(y)).shape
    ((2, 3), (2, 1, 2, 2))
    >>> [p.shape for p in net.parameters()]
    [(3, 4), (3,)]
    """

    def __init__(self, *layers):
        for k, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers[{k}] must be a Module (Conv2d, ReLU, ...), "
                                f"got {layer!r}")
        self.layers = list(layers)

    def forward(self, x):
        """Each layer's forward, first to last."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """Each layer's backward, last to first; returns dL/d(input)."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        """Every layer's parameters, in layer order."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __repr__(self):
        inner = "".join(f"\n  ({k}): {layer!r}" for k, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


# ----------------------------------------------------------------------------- loss

def softmax(logits):
    """Softmax over the last axis, computed stably.

    Parameters
    ----------
    logits : array_like, shape (N, K)

    Returns
    -------
    numpy.ndarray, shape (N, K)
        Rows of positive numbers summing to 1.

    See Also
    --------
    torch.softmax : PyTorch's equivalent (``dim=-1``).
    scipy.special.softmax : scipy's.

    Notes
    -----
    :math:`p_k = e^{z_k - m} / \\sum_j e^{z_j - m}` with :math:`m = \\max_j z_j`, which
    is the same value and never overflows.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]]))
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    z = as_array(logits, "logits", kinds="f")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class CrossEntropyLoss:
    """Mean cross-entropy of a softmax over class scores, and its gradient.

    ``loss = CrossEntropyLoss(); value = loss(logits, target); dlogits = loss.backward()``.

    See Also
    --------
    torch.nn.CrossEntropyLoss : PyTorch's equivalent (``reduction="mean"``).

    Notes
    -----
    For logits :math:`z` of shape ``(N, K)`` and labels :math:`t_n \\in \\{0..K-1\\}`:

    .. math:: L = \\frac{1}{N} \\sum_n \\Big(\\log \\sum_k e^{z_{nk}} - z_{n t_n}\\Big),
              \\qquad
              \\frac{\\partial L}{\\partial z_{nk}} = \\frac{p_{nk} - [k = t_n]}{N},

    with :math:`p = \\mathrm{softmax}(z)`.

    Examples
    --------
    >>> loss = CrossEntropyLoss()
    >>> float(loss(np.zeros((2, 4)), np.array([1, 3])))   # uniform guess: log 4
    1.3862943611198906
    >>> loss.backward()
    array([[ 0.125, -0.375,  0.125,  0.125],
           [ 0.125,  0.125,  0.125, -0.375]])
    """

    def __init__(self):
        self._p = None
        self._t = None

    def __call__(self, logits, target):
        return self.forward(logits, target)

    def forward(self, logits, target):
        """The mean loss (a float) of ``logits`` (N, K) against integer ``target`` (N,)."""
        z = as_array(logits, "logits", ndim=2, kinds="f", shape_hint="(N, K)")
        t = as_array(target, "target", ndim=1, kinds="iu", shape_hint="(N,)")
        N, K = z.shape
        if t.shape[0] != N:
            raise ValueError(f"target must have one label per row of logits ({N}), "
                             f"got {t.shape[0]}")
        if N == 0:
            raise ValueError("logits must have at least one row")
        if t.size and (t.min() < 0 or t.max() >= K):
            raise ValueError(f"target must hold class indices 0..{K - 1}, got values from "
                             f"{t.min()} to {t.max()}")
        shifted = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        self._p = np.exp(shifted - log_norm[:, None])
        self._t = t
        return (log_norm - shifted[np.arange(N), t]).mean()

    def backward(self):
        """dL/dlogits, shape (N, K), for the last forward call."""
        p = _saved(self, "_p")
        grad = p.copy()
        grad[np.arange(p.shape[0]), self._t] -= 1
        return grad / p.shape[0]

    def __repr__(self):
        return "CrossEntropyLoss()"


# ----------------------------------------------------------------------------- optimizers

class _Optimizer:
    def __init__(self, params, lr):
        params = list(params)
        if not params:
            raise ValueError("params must hold at least one Parameter, got an empty list")
        for k, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(f"params[{k}] must be a Parameter, got {p!r}")
        self.params = params
        self.lr = _positive_float(lr, "lr")

    def zero_grad(self):
        """Set every parameter's ``grad`` to zero (call it before each backward pass)."""
        for p in self.params:
            p.grad[...] = 0


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum, PyTorch's update rule.

    Parameters
    ----------
    params : sequence of Parameter
        What to update, e.g. ``model.parameters()``.
    lr : float
        Learning rate, > 0.
    momentum : float, default 0.0
        In [0, 1).
    weight_decay : float, default 0.0
        L2 penalty added to the gradient, >= 0.
    nesterov : bool, default False

    Raises
    ------
    TypeError, ValueError
        For a bad argument.

    See Also
    --------
    torch.optim.SGD : PyTorch's equivalent (``dampening=0``).

    Notes
    -----
    For each parameter :math:`\\theta` with gradient :math:`g`, on step :math:`t`:

    .. math::
        g &\\leftarrow g + \\lambda\\theta \\\\
        b_t &= \\mu b_{t-1} + g \\quad (b_1 = g) \\\\
        \\theta &\\leftarrow \\theta - \\eta\\, (g + \\mu b_t \\text{ if nesterov else } b_t)

    Without momentum this is :math:`\\theta \\leftarrow \\theta - \\eta g`.  Note PyTorch's
    form: the learning rate multiplies the velocity, not the gradient inside it.

    Examples
    --------
    >>> p = Parameter(np.array([1.0]))
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); p.grad += 2.0; opt.step()
    >>> p.data   # 1 - 0.1 * 2 - 0.1 * (0.9 * 2 + 2)
    array([0.42])
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "momentum")
        self.weight_decay = _positive_float(weight_decay, "weight_decay", allow_zero=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0")
        self.nesterov = bool(nesterov)
        self._velocity = [None] * len(self.params)

    def step(self):
        """Update every parameter once from its ``grad``."""
        for k, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                b = self._velocity[k]
                b = g.copy() if b is None else self.momentum * b + g
                self._velocity[k] = b
                g = g + self.momentum * b if self.nesterov else b
            p.data -= (self.lr * g).astype(p.data.dtype, copy=False)

    def __repr__(self):
        return (f"SGD(lr={self.lr}, momentum={self.momentum}, "
                f"weight_decay={self.weight_decay}, nesterov={self.nesterov})")


class Adam(_Optimizer):
    """Adam, PyTorch's update rule.

    Parameters
    ----------
    params : sequence of Parameter
        What to update, e.g. ``model.parameters()``.
    lr : float, default 1e-3
        Learning rate, > 0.
    betas : pair of float, default (0.9, 0.999)
        Decay rates of the running mean of the gradient and of its square, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator, > 0.
    weight_decay : float, default 0.0
        L2 penalty added to the gradient (not AdamW's decoupled decay), >= 0.

    Raises
    ------
    TypeError, ValueError
        For a bad argument.

    See Also
    --------
    torch.optim.Adam : PyTorch's equivalent.

    Notes
    -----
    Kingma & Ba (2015), as PyTorch computes it; on step :math:`t = 1, 2, \\dots`:

    .. math::
        g &\\leftarrow g + \\lambda\\theta \\\\
        m_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) g, \\qquad
        v_t = \\beta_2 v_{t-1} + (1 - \\beta_2) g^2 \\quad (m_0 = v_0 = 0) \\\\
        \\theta &\\leftarrow \\theta - \\eta\\, \\frac{m_t / (1 - \\beta_1^t)}
                 {\\sqrt{v_t / (1 - \\beta_2^t)} + \\epsilon}

    On the first step :math:`m_1/(1-\\beta_1) = g` and :math:`\\sqrt{v_1/(1-\\beta_2)} = |g|`,
    so every parameter moves by almost exactly :math:`\\eta` against the sign of its
    gradient, however large or small the gradient is.

    Examples
    --------
    >>> p = Parameter(np.array([1.0, 1.0]))
    >>> opt = Adam([p], lr=0.01)
    >>> p.grad += np.array([3.0, -1e-4]); opt.step()
    >>> np.round(p.data, 4)
    array([0.99, 1.01])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of floats (beta1, beta2), got {betas!r}")
        self.betas = (_fraction(betas[0], "betas[0]"), _fraction(betas[1], "betas[1]"))
        self.eps = _positive_float(eps, "eps")
        self.weight_decay = _positive_float(weight_decay, "weight_decay", allow_zero=True)
        self.t = 0
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        """Update every parameter once from its ``grad``."""
        self.t += 1
        b1, b2 = self.betas
        correction1 = 1 - b1 ** self.t
        root_correction2 = np.sqrt(1 - b2 ** self.t)
        for p, m, v in zip(self.params, self._m, self._v):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            denom = np.sqrt(v) / root_correction2 + self.eps
            p.data -= ((self.lr / correction1) * m / denom).astype(p.data.dtype, copy=False)

    def __repr__(self):
        return (f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, "
                f"weight_decay={self.weight_decay})")


# ----------------------------------------------------------------------------- training

def minibatches(n, batch_size, rng=None, *, shuffle=True):
    """Split ``range(n)`` into minibatches of indices, shuffled once per call.

    Parameters
    ----------
    n : int
        Number of examples, >= 1.
    batch_size : int
        Examples per batch, >= 1; the last batch holds what is left (it may be smaller).
    rng : numpy.random.Generator, optional
        Required when ``shuffle`` is True: it draws the order.
    shuffle : bool, default True
        False keeps the order 0, 1, ..., n - 1.

    Yields
    ------
    numpy.ndarray of int, shape (B,)
        Indices of one batch; together the batches hold every index once.

    Raises
    ------
    TypeError
        If ``n`` or ``batch_size`` is not an int, or ``shuffle`` is True without a Generator.
    ValueError
        If ``n`` or ``batch_size`` is below 1.

    See Also
    --------
    torch.utils.data.DataLoader : PyTorch's equivalent (``drop_last=False``).

    Notes
    -----
    There are :math:`\\lceil n / B \\rceil` batches.

    Examples
    --------
    >>> [b.tolist() for b in minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> sorted(np.concatenate(list(minibatches(5, 2, np.random.default_rng(0)))).tolist())
    [0, 1, 2, 3, 4]
    """
    n = as_int(n, "n", minimum=1)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    order = _check_rng(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _check_data(x, y, name_x="x", name_y="y"):
    x = as_array(x, name_x, kinds="f")
    y = as_array(y, name_y, ndim=1, kinds="iu", shape_hint="(N,)")
    if x.ndim < 2 or x.shape[0] != y.shape[0] or y.shape[0] == 0:
        raise ValueError(f"{name_x} must be (N, ...) with N = len({name_y}) >= 1, got "
                         f"{name_x}.shape {x.shape} and {name_y}.shape {y.shape}")
    return x, y


def predict(model, x, batch_size=256):
    """The class with the largest score, for each example.

    Parameters
    ----------
    model : Module
        Maps ``(B, ...)`` to scores ``(B, K)``.
    x : array_like of float, shape (N, ...)
    batch_size : int, default 256
        Examples per forward pass (bounds memory).

    Returns
    -------
    numpy.ndarray of int, shape (N,)

    See Also
    --------
    torch.argmax : ``model(x).argmax(dim=1)`` in PyTorch.

    Examples
    --------
    >>> net = Sequential(Flatten())
    >>> predict(net, np.array([[[0.0, 2.0, 1.0]]]))
    array([1])
    """
    x = as_array(x, "x", kinds="f")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    return np.concatenate([model(x[s:s + batch_size]).argmax(axis=1)
                           for s in range(0, x.shape[0], batch_size)])


def evaluate(model, loss_fn, x, y, batch_size=256):
    """Mean loss and accuracy of ``model`` on a data set (no parameter changes).

    Parameters
    ----------
    model : Module
    loss_fn : CrossEntropyLoss
    x : array_like of float, shape (N, ...)
    y : array_like of int, shape (N,)
    batch_size : int, default 256

    Returns
    -------
    loss : float
        The mean loss over all ``N`` examples.
    accuracy : float
        Fraction of examples whose largest score is at the right class.

    See Also
    --------
    accuracy

    Examples
    --------
    >>> net = Sequential(Flatten())
    >>> evaluate(net, CrossEntropyLoss(), np.zeros((4, 1, 2)), np.array([0, 1, 0, 0]))
    (0.6931471805599453, 0.75)
    """
    x, y = _check_data(x, y)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    total, correct = 0.0, 0
    for s in range(0, x.shape[0], batch_size):
        scores = model(x[s:s + batch_size])
        total += float(loss_fn(scores, y[s:s + batch_size])) * len(scores)
        correct += int((scores.argmax(axis=1) == y[s:s + batch_size]).sum())
    return total / x.shape[0], correct / x.shape[0]


def fit(model, loss_fn, optimizer, x, y, *, epochs, batch_size, rng, x_test=None,
        y_test=None):
    """Train ``model`` with minibatches; record loss and accuracy after every epoch.

    Parameters
    ----------
    model : Module
        Its parameters are updated in place.
    loss_fn : CrossEntropyLoss
    optimizer : SGD or Adam
        Built on ``model.parameters()``.
    x : array_like of float, shape (N, ...)
    y : array_like of int, shape (N,)
    epochs : int
        Passes over the training set, >= 1.
    batch_size : int
        Examples per update, >= 1 (the last batch of an epoch may be smaller).
    rng : numpy.random.Generator
        Shuffles the training set at the start of every epoch.
    x_test, y_test : array_like, optional
        A held-out set, evaluated after every epoch too.

    Returns
    -------
    dict of list
        ``"epoch"`` (0, 1, ..., epochs), ``"train_loss"``, ``"train_accuracy"`` and, with a
        test set, ``"test_loss"``, ``"test_accuracy"``: each measured by :func:`evaluate`
        on the whole set with the parameters at the end of that epoch (epoch 0: the
        initial parameters).

    Raises
    ------
    TypeError, ValueError
        For a bad argument or mismatched data.

    See Also
    --------
    minibatches, evaluate

    Notes
    -----
    One update: ``optimizer.zero_grad()``, ``loss_fn(model(xb), yb)``,
    ``model.backward(loss_fn.backward())``, ``optimizer.step()`` — the same four lines as
    a PyTorch training loop.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.array([[[-1.0]], [[1.0]]] * 4)           # (8, 1, 1): the sign is the class
    >>> y = np.array([0, 1] * 4)
    >>> net = Sequential(Flatten(), Linear(1, 2, rng=rng, dtype=np.float64))
    >>> opt = SGD(net.parameters(), lr=0.5)
    >>> hist = fit(net, CrossEntropyLoss(), opt, x, y, epochs=5, batch_size=4, rng=rng)
    >>> hist["epoch"], hist["train_accuracy"][-1]
    ([0, 1, 2, 3, 4, 5], 1.0)
    """
    x, y = _check_data(x, y)
    with_test = x_test is not None or y_test is not None
    if with_test:
        x_test, y_test = _check_data(x_test, y_test, "x_test", "y_test")
    epochs = as_int(epochs, "epochs", minimum=1)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    rng = _check_rng(rng)
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "zero_grad"):
        raise TypeError(f"optimizer must be an SGD or Adam, got {optimizer!r}")

    history = {"epoch": [], "train_loss": [], "train_accuracy": []}
    if with_test:
        history.update(test_loss=[], test_accuracy=[])

    def record(epoch):
        history["epoch"].append(epoch)
        for split, (xs, ys) in (("train", (x, y)), ("test", (x_test, y_test))):
            if split == "train" or with_test:
                loss, acc = evaluate(model, loss_fn, xs, ys)
                history[f"{split}_loss"].append(loss)
                history[f"{split}_accuracy"].append(acc)

    record(0)
    for epoch in range(1, epochs + 1):
        for batch in minibatches(x.shape[0], batch_size, rng):
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch])
            model.backward(loss_fn.backward())
            optimizer.step()
        record(epoch)
    return history


# ----------------------------------------------------------------------------- measures

def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the labels.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)

    Returns
    -------
    float

    See Also
    --------
    sklearn.metrics.accuracy_score : scikit-learn's equivalent.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    t = as_array(y_true, "y_true", ndim=1, kinds="iu")
    p = as_array(y_pred, "y_pred", ndim=1, kinds="iu")
    if t.shape != p.shape or t.size == 0:
        raise ValueError(f"y_true and y_pred must have the same nonzero length, got "
                         f"{t.shape} and {p.shape}")
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes):
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        Labels in ``0 .. n_classes - 1``.
    n_classes : int

    Returns
    -------
    numpy.ndarray of int, shape (n_classes, n_classes)
        Entry ``[i, j]``: examples of class ``i`` predicted as ``j``; the diagonal holds
        the right answers.

    Raises
    ------
    ValueError
        If the lengths differ or a label is out of range.

    See Also
    --------
    sklearn.metrics.confusion_matrix : scikit-learn's equivalent (same orientation).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    n_classes = as_int(n_classes, "n_classes", minimum=1)
    t = as_array(y_true, "y_true", ndim=1, kinds="iu")
    p = as_array(y_pred, "y_pred", ndim=1, kinds="iu")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {t.shape} "
                         f"and {p.shape}")
    for name, v in (("y_true", t), ("y_pred", p)):
        if v.size and (v.min() < 0 or v.max() >= n_classes):
            raise ValueError(f"{name} must hold labels 0..{n_classes - 1}, got values from "
                             f"{v.min()} to {v.max()}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (t, p), 1)
    return counts


def count_parameters(model):
    """Number of learnable values in a model.

    Parameters
    ----------
    model : Module

    Returns
    -------
    int
        The sum of the sizes of ``model.parameters()``.

    See Also
    --------
    autograder.reference.conv_params : The count for one convolution layer, by formula.

    Examples
    --------
    >>> count_parameters(Linear(64, 10, rng=np.random.default_rng(0)))
    650
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a Module, got {model!r}")
    return sum(p.size for p in model.parameters())


def summary(model, input_shape):
    """A table of each layer's output shape and parameter count.

    Parameters
    ----------
    model : Sequential
    input_shape : tuple of int
        Shape of one input batch, e.g. ``(1, 1, 8, 8)``; a zero batch of this shape is
        passed through the model.

    Returns
    -------
    str
        One line per layer, then the total number of parameters.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`Sequential`.

    See Also
    --------
    torchinfo.summary : A similar table for PyTorch models.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> print(summary(Sequential(Linear(4, 3, rng=rng), ReLU()), (2, 4)))
    layer                                    output shape     parameters
    input                                    (2, 4)                    0
    Linear(in_features=4, out_features=3)    (2, 3)                   15
    ReLU()                                   (2, 3)                    0
    total                                                             15
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential, got {model!r}")
    shape = tuple(as_int(s, "input_shape", minimum=1) for s in input_shape)
    dtype = model.parameters()[0].data.dtype if model.parameters() else np.float64
    x = np.zeros(shape, dtype=dtype)
    rows = [("input", shape, 0)]
    for layer in model:
        x = layer(x)
        rows.append((repr(layer), x.shape, sum(p.size for p in layer.parameters())))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'layer':<{width}}  {'output shape':<16} parameters"]
    lines += [f"{name:<{width}}  {str(s):<16} {n:>10}" for name, s, n in rows]
    lines.append(f"{'total':<{width}}  {'':<16} {count_parameters(model):>10}")
    return "\n".join(lines)
