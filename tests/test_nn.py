"""autograder.nn: every backward pass against numerical gradients, the optimizers against their published formulas, and training that works.

Oracles: ``autograder.reference.gradcheck.numerical_gradient`` (central differences) for
every gradient; scipy.signal.correlate2d, scipy.special and scikit-learn's metrics for the
forward values; the update rules of PyTorch's SGD and Adam documentation, written out step
by step in the tests; and the PyTorch accuracy recorded in autograder/data/capstone_torch.json.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import scipy.special
import sklearn.metrics
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.datasets import capstone_reference, digits
from autograder.nn import (SGD, Adam, Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d,
                           Module, Parameter, ReLU, Sequential, accuracy, confusion_matrix,
                           count_parameters, default_init, evaluate, fit, minibatches, predict,
                           softmax, summary)
from autograder.reference.gradcheck import numerical_gradient

F64 = np.float64
TOL = dict(rtol=1e-6, atol=1e-8)


def _param_grad(layer_or_net, param, forward, dout):
    """Numerical gradient of sum(forward() * dout) with respect to ``param.data``."""
    def f(values):
        param.data = values
        return forward()
    original = param.data.copy()
    grad = numerical_gradient(f, original, dout)
    param.data = original
    return grad


def _conv_oracle(x, w, b, stride, padding):
    """Conv layer from scipy.signal.correlate2d: pad, correlate each channel, subsample."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.array([[sum(scipy.signal.correlate2d(xp[n, c], w[o, c], mode="valid")
                         for c in range(x.shape[1]))[::sh, ::sw] + b[o]
                     for o in range(w.shape[0])] for n in range(x.shape[0])])
    return out


# name: (x shape, C_out, kernel, stride, padding)
CONV_CASES = {
    "3x3, padding 1 (the capstone's)": ((2, 2, 5, 5), 3, 3, 1, 1),
    "1x1 kernel": ((2, 3, 3, 4), 2, 1, 1, 0),
    "kernel as large as the input": ((2, 1, 3, 4), 2, (3, 4), 1, 0),
    "even kernel": ((1, 2, 4, 4), 2, 2, 1, 0),
    "non-square input": ((2, 1, 3, 6), 2, (2, 3), 1, 0),
    "stride that does not divide": ((1, 1, 6, 6), 2, 3, 2, 0),
    "padding 0": ((2, 2, 4, 4), 2, 3, 1, 0),
    "N=1, C=1": ((1, 1, 4, 4), 1, 3, 1, 1),
}


@pytest.mark.parametrize("case", CONV_CASES, ids=list(CONV_CASES))
def test_conv2d_forward_matches_scipy_and_backward_matches_numerical_gradients(case, rng):
    """Conv2d's output equals scipy's per-channel cross-correlation, and dx, dw, db equal central differences."""
    xs, c_out, k, s, p = CONV_CASES[case]
    conv = Conv2d(xs[1], c_out, k, stride=s, padding=p, rng=rng, dtype=F64)
    x = rng.standard_normal(xs)
    out = conv(x)
    oracle = _conv_oracle(x, conv.weight.data, conv.bias.data, conv.stride, conv.padding)
    np.testing.assert_allclose(out, oracle, **TOL)
    dout = rng.standard_normal(out.shape)
    dx = conv.backward(dout)
    np.testing.assert_allclose(dx, numerical_gradient(conv.forward, x, dout), **TOL)
    for param in conv.parameters():
        np.testing.assert_allclose(param.grad, _param_grad(conv, param, lambda: conv(x), dout),
                                   **TOL)


@settings(max_examples=15)
@given(data=st.data())
def test_conv2d_input_gradient_over_random_shapes(data):
    """Over random shapes, strides and paddings, Conv2d.backward's dx equals the numerical gradient."""
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    k, s, p = (data.draw(st.integers(1, 3), label=n) for n in ("kernel", "stride", "padding"))
    p = min(p, k - 1)
    smallest = max(1, k - 2 * p)   # the kernel must fit in the padded input
    h, w = (data.draw(st.integers(smallest, 5), label=n) for n in ("h", "w"))
    c_in, c_out, n = (data.draw(st.integers(1, 2), label=n) for n in ("c_in", "c_out", "n"))
    conv = Conv2d(c_in, c_out, k, stride=s, padding=p, rng=rng, dtype=F64)
    x = rng.standard_normal((n, c_in, h, w))
    dout = rng.standard_normal(conv(x).shape)
    np.testing.assert_allclose(conv.backward(dout), numerical_gradient(conv.forward, x, dout),
                               **TOL)


# name: (x shape, kernel, stride, padding)
POOL_CASES = {
    "2x2 tiles (the capstone's)": ((2, 3, 4, 4), 2, None, 0),
    "size that does not divide": ((1, 2, 5, 5), 2, None, 0),
    "overlapping 3x3, stride 1": ((1, 1, 4, 5), 3, 1, 0),
    "padding 1": ((1, 2, 4, 4), 3, 2, 1),
    "window as large as the input": ((2, 1, 3, 3), 3, None, 0),
}


@pytest.mark.parametrize("case", POOL_CASES, ids=list(POOL_CASES))
def test_maxpool2d_backward_matches_numerical_gradient(case, rng):
    """MaxPool2d's forward is the window maximum and its backward equals central differences (no ties in random data)."""
    xs, k, s, p = POOL_CASES[case]
    pool = MaxPool2d(k, stride=s, padding=p)
    x = rng.standard_normal(xs)
    out = pool(x)
    stride = k if s is None else s
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            np.testing.assert_array_equal(out[:, :, i, j], window.max(axis=(2, 3)))
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(pool.backward(dout), numerical_gradient(pool.forward, x, dout),
                               **TOL)


def test_relu_and_flatten_backward_match_numerical_gradients(rng):
    """ReLU's and Flatten's backward passes equal central differences, and their forwards are max(x, 0) and a row-major reshape."""
    x = rng.standard_normal((2, 3, 4, 4))
    relu, flat = ReLU(), Flatten()
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0))
    dout = rng.standard_normal(x.shape)
    np.testing.assert_allclose(relu.backward(dout), numerical_gradient(relu.forward, x, dout),
                               **TOL)
    np.testing.assert_array_equal(flat(x)[1, 4 * 4 + 2 * 4 + 3], x[1, 1, 2, 3])
    dflat = rng.standard_normal((2, 48))
    np.testing.assert_allclose(flat.backward(dflat), numerical_gradient(flat.forward, x, dflat),
                               **TOL)


def test_relu_passes_no_gradient_at_zero():
    """At x = 0 exactly, ReLU's gradient is 0, PyTorch's convention."""
    relu = ReLU()
    relu(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(relu.backward(np.array([7.0, 7.0])), [0.0, 7.0])


def test_linear_forward_and_backward(rng):
    """Linear computes x W^T + b, and its dx, dW, db equal central differences."""
    fc = Linear(5, 3, rng=rng, dtype=F64)
    x = rng.standard_normal((4, 5))
    out = fc(x)
    expected = np.array([[sum(x[n, i] * fc.weight.data[o, i] for i in range(5)) + fc.bias.data[o]
                          for o in range(3)] for n in range(4)])
    np.testing.assert_allclose(out, expected, **TOL)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(fc.backward(dout), numerical_gradient(fc.forward, x, dout), **TOL)
    for param in fc.parameters():
        np.testing.assert_allclose(param.grad, _param_grad(fc, param, lambda: fc(x), dout), **TOL)


def test_cross_entropy_value_and_gradient(rng):
    """The loss equals scipy's logsumexp minus the right logit, averaged; its gradient equals central differences."""
    z = 3 * rng.standard_normal((6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])
    loss = CrossEntropyLoss()
    expected = np.mean(scipy.special.logsumexp(z, axis=1) - z[np.arange(6), t])
    assert loss(z, t) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.backward(), numerical_gradient(lambda v: loss(v, t), z),
                               **TOL)
    np.testing.assert_allclose(softmax(z), scipy.special.softmax(z, axis=1), rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    """Logits of 1e4 give a finite loss and gradient, as the shifted log-sum-exp promises."""
    loss = CrossEntropyLoss()
    value = loss(np.array([[1e4, 0.0], [0.0, 1e4]]), np.array([1, 1]))
    assert value == pytest.approx(1e4 / 2)
    assert np.isfinite(loss.backward()).all()


def _tiny_net(rng):
    return Sequential(Conv2d(2, 3, 3, padding=1, rng=rng, dtype=F64), ReLU(), MaxPool2d(2),
                      Conv2d(3, 2, 2, rng=rng, dtype=F64), ReLU(), Flatten(),
                      Linear(2 * 1 * 1, 3, rng=rng, dtype=F64))


def test_whole_network_gradients_match_numerical_gradients(rng):
    """Backpropagation through conv, ReLU, pool, conv, ReLU, flatten and linear into the loss gives every parameter's and the input's numerical gradient."""
    net = _tiny_net(rng)
    x = rng.standard_normal((3, 2, 4, 4))
    y = np.array([0, 2, 1])
    loss = CrossEntropyLoss()
    loss(net(x), y)
    dx = net.backward(loss.backward())
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(net(v), y), x), **TOL)
    for param in net.parameters():
        numeric = _param_grad(net, param, lambda: loss(net(x), y), None)
        np.testing.assert_allclose(param.grad, numeric, **TOL)


def test_gradients_accumulate_until_zero_grad(rng):
    """Two backward passes add their gradients, as in PyTorch, and zero_grad resets them."""
    fc = Linear(3, 2, rng=rng, dtype=F64)
    x = rng.standard_normal((4, 3))
    fc(x)
    fc.backward(np.ones((4, 2)))
    once = fc.weight.grad.copy()
    fc.backward(np.ones((4, 2)))
    np.testing.assert_allclose(fc.weight.grad, 2 * once)
    SGD(fc.parameters(), lr=0.1).zero_grad()
    assert not fc.weight.grad.any() and not fc.bias.grad.any()


# ----------------------------------------------------------------------------- optimizers

def _run(opt_cls, grads, **kwargs):
    """Values of one parameter (start 1.0, -2.0) after each step with the given gradients."""
    p = Parameter(np.array([1.0, -2.0]))
    opt = opt_cls([p], **kwargs)
    values = []
    for g in grads:
        opt.zero_grad()
        p.grad += g
        opt.step()
        values.append(p.data.copy())
    return values


GRADS = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1])]


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_follows_pytorchs_update_rule(nesterov):
    """SGD with momentum and weight decay reproduces PyTorch's documented rule, b = mu b + g, theta -= lr (g + mu b or b), computed by hand."""
    lr, mu, wd = 0.1, 0.9, 0.01
    got = _run(SGD, GRADS, lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov)
    theta, b = np.array([1.0, -2.0]), None
    for g, value in zip(GRADS, got):
        g = g + wd * theta
        b = g if b is None else mu * b + g
        theta = theta - lr * (g + mu * b if nesterov else b)
        np.testing.assert_allclose(value, theta, rtol=1e-12)


def test_plain_sgd_is_gradient_descent():
    """Without momentum, each step is theta -= lr * g."""
    got = _run(SGD, GRADS, lr=0.5)
    np.testing.assert_allclose(got[-1], np.array([1.0, -2.0]) - 0.5 * sum(GRADS), rtol=1e-12)


def test_adam_follows_pytorchs_update_rule():
    """Adam reproduces Kingma & Ba's bias-corrected update as PyTorch documents it, with weight decay added to the gradient, computed by hand."""
    lr, b1, b2, eps, wd = 0.01, 0.8, 0.99, 1e-6, 0.05
    got = _run(Adam, GRADS, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    theta, m, v = np.array([1.0, -2.0]), 0.0, 0.0
    for t, (g, value) in enumerate(zip(GRADS, got), start=1):
        g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(value, theta, rtol=1e-12)


def test_adams_first_step_is_the_learning_rate():
    """Whatever the gradient's size, Adam's first step moves each parameter by lr against its sign (up to eps)."""
    got = _run(Adam, [np.array([1e3, -1e-3])], lr=0.01)
    np.testing.assert_allclose(got[0], [1.0 - 0.01, -2.0 + 0.01], rtol=1e-5)


def test_float32_parameters_stay_float32(rng):
    """Optimizers update float32 parameters in place without changing their dtype."""
    net = Sequential(Flatten(), Linear(4, 2, rng=rng))
    for opt in (SGD(net.parameters(), lr=0.1, momentum=0.9), Adam(net.parameters())):
        net(np.ones((3, 1, 2, 2), np.float32))
        net.backward(np.ones((3, 2), np.float32))
        opt.step()
        assert all(p.data.dtype == np.float32 for p in net.parameters())


# ----------------------------------------------------------------------------- init

def test_default_init_is_uniform_on_one_over_sqrt_fan_in():
    """Weights and biases of Conv2d and Linear lie in +-1/sqrt(fan_in), and fill it like a uniform distribution (variance bound**2 / 3)."""
    rng = np.random.default_rng(0)
    conv = Conv2d(8, 64, 3, rng=rng)
    bound = 1 / np.sqrt(8 * 9)
    w = conv.weight.data.astype(F64)
    assert np.abs(w).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert w.max() > 0.99 * bound and w.min() < -0.99 * bound
    assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.05)
    assert abs(w.mean()) < 0.02 * bound
    fc = Linear(64, 10, rng=rng)
    assert np.abs(fc.weight.data).max() <= 1 / 8 and np.abs(fc.bias.data).max() <= 1 / 8


def test_the_same_seed_builds_the_same_network():
    """Two networks built from generators with the same seed have identical parameters."""
    a, b = (_tiny_net(np.random.default_rng(5)) for _ in range(2))
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


# ----------------------------------------------------------------------------- containers

def test_sequential_indexing_slicing_and_parameters(rng):
    """Indexing gives a layer, slicing a Sequential that computes the first layers, and parameters come in layer order."""
    net = _tiny_net(rng)
    x = rng.standard_normal((1, 2, 4, 4))
    assert isinstance(net[2], MaxPool2d) and len(net) == 7
    np.testing.assert_array_equal(net[:3](x), net[2](net[1](net[0](x))))
    names = [p.name for p in net.parameters()]
    assert names == ["weight", "bias"] * 3
    assert count_parameters(net) == (3 * 2 * 9 + 3) + (2 * 3 * 4 + 2) + (2 * 3 + 3)


def test_summary_lists_each_layers_output_shape_and_parameters(rng):
    """The capstone network's summary gives the output shapes worked out by hand and 80 + 1168 + 650 parameters."""
    net = Sequential(Conv2d(1, 8, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
                     Conv2d(8, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
                     Linear(64, 10, rng=rng))
    lines = summary(net, (2, 1, 8, 8)).splitlines()
    shapes = ["(2, 1, 8, 8)", "(2, 8, 8, 8)", "(2, 8, 8, 8)", "(2, 8, 4, 4)", "(2, 16, 4, 4)",
              "(2, 16, 4, 4)", "(2, 16, 2, 2)", "(2, 64)", "(2, 10)"]
    counts = [0, 80, 0, 0, 1168, 0, 0, 0, 650]
    for line, shape, count in zip(lines[1:], shapes, counts):
        assert shape in line and line.split()[-1] == str(count)
    assert lines[-1].split() == ["total", "1898"]


# ----------------------------------------------------------------------------- training

def test_minibatches_cover_every_index_once(rng):
    """Shuffled batches hold every index exactly once, in batches of the given size with a smaller last one."""
    batches = list(minibatches(10, 4, rng))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    again = list(minibatches(10, 4, np.random.default_rng(3)))
    same = list(minibatches(10, 4, np.random.default_rng(3)))
    assert all(np.array_equal(a, b) for a, b in zip(again, same))
    assert [b.tolist() for b in minibatches(3, 5, shuffle=False)] == [[0, 1, 2]]


def _bars(rng, n):
    """Vertical bars (class 0) and horizontal bars (class 1) on 5x5 images, with noise."""
    x = 0.1 * rng.standard_normal((n, 1, 5, 5))
    y = rng.integers(0, 2, n)
    where = rng.integers(0, 5, n)
    for k in range(n):
        if y[k] == 0:
            x[k, 0, :, where[k]] += 1
        else:
            x[k, 0, where[k], :] += 1
    return x, y


def test_a_tiny_separable_dataset_is_learned_perfectly():
    """A small CNN trained with SGD and momentum classifies bar orientations 100% right on the training and a held-out set."""
    rng = np.random.default_rng(1)
    x, y = _bars(rng, 64)
    x_test, y_test = _bars(rng, 32)
    net = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng, dtype=F64), ReLU(), MaxPool2d(5),
                     Flatten(), Linear(4, 2, rng=rng, dtype=F64))
    hist = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1, momentum=0.9), x, y,
               epochs=30, batch_size=16, rng=rng, x_test=x_test, y_test=y_test)
    assert hist["train_accuracy"][-1] == 1.0 and hist["test_accuracy"][-1] == 1.0
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert accuracy(y_test, predict(net, x_test)) == 1.0


def test_capstone_training_reaches_pytorchs_recorded_accuracy():
    """The capstone network trained in numpy with the recorded settings (another seed than the lecture's) lands in PyTorch's accuracy range or within 1.5 points of its mean."""
    ref = capstone_reference()
    hp = ref["hyperparameters"]
    data = digits(hp["test_fraction"], hp["split_seed"])
    rng = np.random.default_rng(1)
    net = Sequential(Conv2d(1, 8, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
                     Conv2d(8, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
                     Linear(64, 10, rng=rng))
    opt = Adam(net.parameters(), lr=hp["lr"], betas=tuple(hp["betas"]), eps=hp["eps"])
    hist = fit(net, CrossEntropyLoss(), opt, data.x_train, data.y_train, epochs=hp["epochs"],
               batch_size=hp["batch_size"], rng=rng)
    acc = accuracy(data.y_test, predict(net, data.x_test))
    assert ref["min"] <= acc <= ref["max"] or abs(acc - ref["mean"]) <= 0.015, (acc, ref["mean"])
    assert len(hist["epoch"]) == hp["epochs"] + 1 and "test_accuracy" not in hist


def test_evaluate_matches_the_loss_and_accuracy_over_the_whole_set(rng):
    """evaluate's batched loss and accuracy equal one pass over all examples, for a batch size that does not divide N."""
    net = _tiny_net(rng)
    x, y = rng.standard_normal((7, 2, 4, 4)), rng.integers(0, 3, 7)
    loss = CrossEntropyLoss()
    whole = net(x)
    got = evaluate(net, loss, x, y, batch_size=3)
    assert got[0] == pytest.approx(float(loss(whole, y)))
    assert got[1] == pytest.approx(sklearn.metrics.accuracy_score(y, whole.argmax(axis=1)))


def test_confusion_matrix_and_accuracy_match_scikit_learn(rng):
    """confusion_matrix and accuracy agree with sklearn.metrics on random labels, absent classes included."""
    t, p = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    np.testing.assert_array_equal(confusion_matrix(t, p, 6),
                                  sklearn.metrics.confusion_matrix(t, p, labels=range(6)))
    assert accuracy(t, p) == pytest.approx(sklearn.metrics.accuracy_score(t, p))


# ----------------------------------------------------------------------------- bad arguments

_RNG = np.random.default_rng(0)
BAD = {
    "conv channels 0": (lambda: Conv2d(0, 2, 3, rng=_RNG), ValueError, "in_channels"),
    "conv kernel float": (lambda: Conv2d(1, 2, 2.5, rng=_RNG), TypeError, "kernel_size"),
    "conv no generator": (lambda: Conv2d(1, 2, 3, rng=0), TypeError, "rng"),
    "conv int dtype": (lambda: Conv2d(1, 2, 3, rng=_RNG, dtype=np.int32), TypeError, "dtype"),
    "conv wrong channels": (lambda: Conv2d(2, 2, 3, rng=_RNG)(np.zeros((1, 3, 4, 4))),
                            ValueError, "in_channels"),
    "conv 3-D input": (lambda: Conv2d(1, 2, 3, rng=_RNG)(np.zeros((1, 4, 4))), ValueError, "x"),
    "linear wrong width": (lambda: Linear(3, 2, rng=_RNG)(np.zeros((1, 4))), ValueError,
                           "in_features"),
    "pool negative padding": (lambda: MaxPool2d(2, padding=-1), ValueError, "padding"),
    "sequential non-layer": (lambda: Sequential(ReLU(), "relu"), TypeError, "layers[1]"),
    "loss label out of range": (lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3])),
                                ValueError, "target"),
    "loss float labels": (lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0])),
                          TypeError, "target"),
    "loss length mismatch": (lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.array([0])),
                             ValueError, "target"),
    "sgd negative lr": (lambda: SGD([Parameter([1.0])], lr=-0.1), ValueError, "lr"),
    "sgd momentum 1": (lambda: SGD([Parameter([1.0])], lr=0.1, momentum=1.0), ValueError,
                       "momentum"),
    "sgd nesterov without momentum": (lambda: SGD([Parameter([1.0])], lr=0.1, nesterov=True),
                                      ValueError, "nesterov"),
    "adam empty params": (lambda: Adam([]), ValueError, "params"),
    "adam not a parameter": (lambda: Adam([np.zeros(2)]), TypeError, "params[0]"),
    "adam bad betas": (lambda: Adam([Parameter([1.0])], betas=0.9), TypeError, "betas"),
    "adam beta 1": (lambda: Adam([Parameter([1.0])], betas=(0.9, 1.0)), ValueError, "betas[1]"),
    "adam eps 0": (lambda: Adam([Parameter([1.0])], eps=0), ValueError, "eps"),
    "minibatch size 0": (lambda: list(minibatches(4, 0, _RNG)), ValueError, "batch_size"),
    "minibatch shuffle without rng": (lambda: list(minibatches(4, 2)), TypeError, "rng"),
    "fit epochs 0": (lambda: fit(Sequential(Flatten()), CrossEntropyLoss(),
                                 Adam([Parameter([1.0])]), np.zeros((2, 2)), np.array([0, 1]),
                                 epochs=0, batch_size=1, rng=_RNG), ValueError, "epochs"),
    "fit mismatched data": (lambda: fit(Sequential(Flatten()), CrossEntropyLoss(),
                                        Adam([Parameter([1.0])]), np.zeros((3, 2)),
                                        np.array([0, 1]), epochs=1, batch_size=1, rng=_RNG),
                            ValueError, "y"),
    "confusion label out of range": (lambda: confusion_matrix([0, 5], [0, 1], 3), ValueError,
                                     "y_true"),
    "init fan_in 0": (lambda: default_init(_RNG, (2,), 0), ValueError, "fan_in"),
    "summary of a layer": (lambda: summary(ReLU(), (1, 2)), TypeError, "Sequential"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_arguments_raise_naming_the_parameter(case):
    """Each bad argument raises the documented exception, and the message names the parameter."""
    call, exc, word = BAD[case]
    with pytest.raises(exc, match=word.replace("[", r"\[").replace("]", r"\]")):
        call()


@pytest.mark.parametrize("layer", [Conv2d(1, 1, 1, rng=_RNG), ReLU(), MaxPool2d(2), Flatten(),
                                   Linear(1, 1, rng=_RNG)], ids=lambda layer: type(layer).__name__)
def test_backward_before_forward_raises(layer):
    """Calling backward before forward is a RuntimeError that says so, not a crash deep inside numpy."""
    assert isinstance(layer, Module)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 1, 1, 1)))
