"""Tests for autograder.mistakes.structure: the known-wrong variants of assignment 3's tasks."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograder.checks.structure  # noqa: F401  (registers the tasks whose cases are used here)
import autograder.reference as reference
from autograder.checks.core import call_guarded, cases
from autograder.mistakes import MISTAKES, TASKS
from autograder.mistakes import structure as variants

# The code under test is the library of mistakes; the reference package is the oracle.
SIGNATURES = {
    "conv_matrix": ["w", "input_shape", "stride", "padding"],
    "conv_input_grad_via_matrix": ["w", "input_shape", "dout", "stride", "padding"],
    "conv_params": ["in_channels", "out_channels", "kernel_size", "bias", "groups"],
    "conv_flops": ["input_shape", "out_channels", "kernel_size", "stride", "padding", "groups",
                   "bias"],
    "fc_params": ["in_features", "out_features", "bias"],
    "fc_flops": ["in_features", "out_features", "bias"],
    "conv1x1": ["x", "w", "b"],
    "fc_to_conv": ["W", "b", "input_shape"],
    "depthwise_separable_conv2d": ["x", "w_depthwise", "w_pointwise", "b", "stride", "padding"],
    "separable_savings": ["C_in", "C_out", "k"],
}
ALL = [m for task in SIGNATURES for m in MISTAKES[task]]


def _ids(m) -> str:
    return f"{m.task}-{m.fn.__name__}"


def _call(fn, case):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
    try:
        return fn(*args, **kwargs), args, kwargs
    except Exception as exc:  # an exception is an outcome like any other
        return exc, args, kwargs


def _equal(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.allclose(a, b, rtol=1e-5, atol=1e-6)
    if isinstance(a, (np.ndarray, tuple, BaseException)) or isinstance(
            b, (np.ndarray, tuple, BaseException)):
        return False
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a == pytest.approx(b, rel=1e-12)


def test_every_task_of_the_assignment_is_registered():
    """The ten tasks of assignment 3 are in TASKS, each with at least three variants."""
    assert set(SIGNATURES) <= set(TASKS)
    for task in SIGNATURES:
        assert len(MISTAKES[task]) >= 3, task
        assert all(m.fn.__module__ == variants.__name__ for m in MISTAKES[task])


@pytest.mark.parametrize("task", sorted(SIGNATURES))
def test_names_are_unique_and_hints_are_sentences(task):
    """Within a task no two variants share a name, and every hint is a sentence that says what to change."""
    names = [m.name for m in MISTAKES[task]]
    assert len(names) == len(set(names))
    for m in MISTAKES[task]:
        assert m.hint.endswith(".") and len(m.hint) > 30, m.name


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_variant_has_the_student_signature(mistake):
    """Each variant takes exactly the parameters of the function students write, in order."""
    assert list(inspect.signature(mistake.fn).parameters) == SIGNATURES[mistake.task]


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_variant_is_wrong_on_some_case_and_leaves_its_arguments_alone(mistake):
    """Each variant differs from the expected outcome on at least one case, and never changes its inputs."""
    from autograder.checks.structure import REFERENCES
    wrong = 0
    for case in cases(mistake.task):
        got, args, _ = _call(mistake.fn, case)
        want = REFERENCES[mistake.task](*case.args, **case.kwargs)
        if isinstance(want, tuple) and isinstance(got, list):
            got = tuple(got)
        wrong += not _equal(want, got)
        for before, after in zip(case.args, args):
            if isinstance(before, np.ndarray):
                np.testing.assert_array_equal(before, after)
    assert wrong, "the variant is right on every case: it is not a mistake the check can see"


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_variant_does_not_call_the_reference(mistake):
    """Run under the checks' guard, no variant calls autograder.reference or another forbidden module."""
    for case in cases(mistake.task)[:3]:
        _, culprit = call_guarded(mistake.fn, case.args, case.kwargs)
        assert culprit is None, culprit


# --- each variant does what its name says ------------------------------------------------

def _w(rng, *shape):
    return rng.standard_normal(shape)


def test_conv_matrix_variants_are_the_named_rearrangements(rng):
    """Transposed, flipped, no stride, no padding and column-major are exactly those changes of the true matrix."""
    w, shape = _w(rng, 2, 3, 2, 3), (3, 5, 6)
    M = reference.conv_matrix(w, shape, stride=2, padding=1)
    np.testing.assert_allclose(variants.conv_matrix_transposed(w, shape, 2, 1), M.T)
    np.testing.assert_allclose(variants.conv_matrix_flipped(w, shape, 2, 1),
                               reference.conv_matrix(w[:, :, ::-1, ::-1], shape, 2, 1))
    np.testing.assert_allclose(variants.conv_matrix_no_stride(w, shape, 2, 1),
                               reference.conv_matrix(w, shape, 1, 1))
    np.testing.assert_allclose(variants.conv_matrix_no_padding(w, shape, 2, 1),
                               reference.conv_matrix(w, shape, 2, 0))
    oh, ow = reference.conv_output_size(shape[1:], (2, 3), 2, 1, allow_remainder=True)
    six = M.reshape(2, oh, ow, *shape)
    fortran = six.transpose(2, 1, 0, 5, 4, 3).reshape(M.shape)  # every index read backwards
    np.testing.assert_allclose(variants.conv_matrix_fortran_order(w, shape, 2, 1), fortran)
    rows_last = six.transpose(1, 2, 0, 3, 4, 5).reshape(M.shape)
    np.testing.assert_allclose(variants.conv_matrix_rows_channels_last(w, shape, 2, 1), rows_last)


def test_conv_input_grad_variants(rng):
    """The flat and padded variants hold the true gradient (flattened; inside the border)."""
    w, shape = _w(rng, 2, 2, 3, 3), (2, 4, 5)
    dout = _w(rng, 2, 2, 3)
    dx = reference.conv2d_backward(dout[None], np.zeros((1, *shape)), w, stride=1, padding=0)[0][0]
    dout1 = _w(rng, 2, 4, 5)
    dx1 = reference.conv2d_backward(dout1[None], np.zeros((1, *shape)), w, padding=1)[0][0]
    np.testing.assert_allclose(variants.conv_input_grad_flat(w, shape, dout), dx.ravel())
    padded = variants.conv_input_grad_padded(w, shape, dout1, padding=1)
    assert padded.shape == (2, 6, 7)
    np.testing.assert_allclose(padded[:, 1:-1, 1:-1], dx1)


@pytest.mark.parametrize("fn, args, kwargs, expected", [
    (variants.conv_params_no_bias, (3, 96, 11), {}, 34_944 - 96),
    (variants.conv_params_bias_always, (3, 96, 11), {"bias": False}, 34_944),
    (variants.conv_params_bias_per_input_channel, (3, 96, 11), {}, 34_848 + 3),
    (variants.conv_params_no_input_channels, (3, 96, 11), {}, 96 * 121 + 96),
    (variants.conv_params_groups_ignored, (32, 32, 3), {"groups": 32}, 32 * 32 * 9 + 32),
    (variants.conv_params_groups_twice, (8, 12, 3), {"groups": 2}, 6 * 4 * 9 + 12),
    (variants.conv_params_square_kernel, (1, 1, (1, 3)), {"bias": False}, 1),
    (variants.fc_params_no_bias, (25_088, 4096), {}, 102_760_448),
    (variants.fc_params_bias_per_input, (10, 3), {}, 40),
    (variants.conv_flops_flops_are_macs, ((3, 227, 227), 96, 11), {"stride": 4},
     (105_415_200, 105_415_200)),
    (variants.conv_flops_bias_twice, ((3, 227, 227), 96, 11), {"stride": 4},
     (105_415_200, 210_830_400 + 290_400)),
    (variants.conv_flops_bias_never, ((3, 227, 227), 96, 11), {"stride": 4},
     (105_415_200, 210_540_000)),
    (variants.conv_flops_input_positions, ((1, 6, 6), 1, 3), {}, (36 * 9, 72 * 9)),
    (variants.fc_flops_bias_twice, (4096, 1000), {}, (4_096_000, 8_193_000)),
    (variants.separable_savings_inverted, (64, 128, 3), {}, 1 / (1 / 128 + 1 / 9)),
    (variants.separable_savings_c_in, (32, 64, 3), {}, 1 / 32 + 1 / 9),
    (variants.separable_savings_k_not_squared, (32, 64, 3), {}, 1 / 64 + 1 / 3),
    (variants.separable_savings_integer_division, (32, 64, 3), {}, 0),
])
def test_counting_variants_give_the_named_wrong_count(fn, args, kwargs, expected):
    """Each counting variant returns the number its name predicts on a worked example."""
    assert fn(*args, **kwargs) == pytest.approx(expected, rel=1e-12)


def test_layer_variants_do_what_their_names_say(rng):
    """fc_to_conv reads W in the named wrong order; depthwise and 1x1 variants change only the named step."""
    W, b = _w(rng, 3, 2 * 3 * 4), _w(rng, 3)
    np.testing.assert_allclose(variants.fc_to_conv_channels_last(W, b, (2, 3, 4))[0],
                               W.reshape(3, 3, 4, 2).transpose(0, 3, 1, 2))
    np.testing.assert_allclose(variants.fc_to_conv_weight_transposed(W, b, (2, 3, 4))[0],
                               W.T.reshape(3, 2, 3, 4))
    assert variants.fc_to_conv_bias_dropped(W, b, (2, 3, 4))[1] is None

    x, wd, wp, bias = _w(rng, 2, 3, 6, 6), _w(rng, 3, 1, 3, 3), _w(rng, 4, 3, 1, 1), _w(rng, 4)
    right = reference.conv2d(reference.conv2d(x, wd, stride=1, padding=1, groups=3), wp, bias)
    # with stride 1 applying it twice changes nothing; without a bias ignoring it changes nothing
    np.testing.assert_allclose(variants.depthwise_stride_twice(x, wd, wp, bias, 1, 1), right)
    np.testing.assert_allclose(variants.depthwise_no_bias(x, wd, wp, bias, 1, 1), right - bias[:, None, None])
    with pytest.raises(ValueError):
        variants.depthwise_pointwise_first(x, wd, wp, bias, 1, 1)  # 4 channels, 3 kernels
    w1 = _w(rng, 4, 3, 1, 1)
    np.testing.assert_allclose(variants.conv1x1_no_bias(x, w1, bias),
                               reference.conv2d(x, w1))
    assert variants.conv1x1_always_float64(x.astype(np.float32), w1.astype(np.float32)).dtype == np.float64
