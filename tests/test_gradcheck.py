"""Tests for autograder.reference.gradcheck: numerical gradients of functions whose
gradient is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.reference.gradcheck import numerical_gradient


def test_sum_of_squares(rng):
    """The gradient of sum(x**2) is 2x, for an array of any shape."""
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 2), x), 2 * x,
                               rtol=1e-8, atol=1e-10)


def test_elementwise_function_with_dout(rng):
    """For y = sin(x) and upstream dout, the gradient is cos(x) * dout."""
    x, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(numerical_gradient(np.sin, x, dout), np.cos(x) * dout,
                               rtol=1e-7, atol=1e-9)


def test_linear_map_gives_transpose_times_dout(rng):
    """For y = A @ x (a different output shape), the gradient is A.T @ dout."""
    a, x, dout = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=3)
    np.testing.assert_allclose(numerical_gradient(lambda v: a @ v, x, dout), a.T @ dout,
                               rtol=1e-8, atol=1e-10)


def test_dout_omitted_means_ones(rng):
    """Without dout a non-scalar output is summed: the same as dout of ones."""
    x = rng.normal(size=(3, 2))
    f = np.exp
    np.testing.assert_allclose(numerical_gradient(f, x), numerical_gradient(f, x, np.ones((3, 2))),
                               rtol=0, atol=0)
    np.testing.assert_allclose(numerical_gradient(f, x), np.exp(x), rtol=1e-7)


def test_central_difference_error_is_h_squared():
    """For sum(x**3) central differences give exactly 3x^2 + h^2, not the 3xh of a one-sided one."""
    x = np.array([-1.0, 0.5, 2.0])
    h = 1e-2
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 3), x, h=h),
                               3 * x ** 2 + h ** 2, rtol=1e-9)


def test_caller_array_is_not_modified(rng):
    """x keeps its values and dtype, even if f writes into the array it is given."""
    x = rng.normal(size=(3, 3)).astype(np.float32)
    before = x.copy()

    def destructive(v):
        total = np.sum(v ** 2)
        v[...] = 0.0  # f may scribble on its argument
        return total

    grad = numerical_gradient(destructive, x)
    np.testing.assert_array_equal(x, before)
    assert x.dtype == np.float32
    np.testing.assert_allclose(grad, 2 * before.astype(np.float64), rtol=1e-6)


def test_result_is_float64_for_integer_and_float32_input():
    """The gradient is computed in float64 whatever the input dtype."""
    assert numerical_gradient(lambda v: np.sum(v), np.arange(3)).dtype == np.float64
    grad = numerical_gradient(lambda v: np.sum(v), np.ones(3, np.float32))
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, np.ones(3), rtol=1e-9)


def test_scalar_input():
    """A 0-d x gives a 0-d gradient."""
    grad = numerical_gradient(lambda v: v ** 2, np.float64(3.0))
    assert grad.shape == () and grad == pytest.approx(6.0)


@pytest.mark.parametrize("f, x, kwargs, error, words", [
    ("sin", np.ones(3), {}, TypeError, ["f", "callable"]),
    (np.sin, "x", {}, TypeError, ["x"]),
    (np.sin, np.ones(3, complex), {}, TypeError, ["x", "complex"]),
    (np.sin, np.ones(3), dict(h=0.0), ValueError, ["h", "positive"]),
    (np.sin, np.ones(3), dict(h=-1e-5), ValueError, ["h", "positive"]),
    (np.sin, np.ones(3), dict(dout=np.ones(4)), ValueError, ["dout", "(3,)", "(4,)"]),
    (np.sin, np.ones(3), dict(dout="ones"), TypeError, ["dout"]),
])
def test_bad_arguments(f, x, kwargs, error, words):
    """Bad arguments raise errors naming the parameter and what is allowed."""
    with pytest.raises(error) as info:
        numerical_gradient(f, x, **kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("h, error", [("1e-5", TypeError), (True, TypeError), (None, TypeError),
                                      (0.0, ValueError), (-1e-5, ValueError)])
def test_step_of_the_wrong_kind_or_sign_is_refused(h, error):
    """A step that is not a number raises TypeError and a non-positive one ValueError, naming h."""
    with pytest.raises(error, match="h must be"):
        numerical_gradient(lambda v: v, np.ones(2), h=h)
