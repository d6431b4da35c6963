"""ps2-conv-layer: the model solution equals independent oracles, the worked examples are right, the tests catch the classic mistakes.

Oracles: ``np.pad`` for ``pad2d``; counting window starts one by one for ``conv_output_size``;
``scipy.signal.correlate2d`` summed over channels (with the kernel spread out for dilation and the
output subsampled for stride) and the PyTorch golden file ``tests/golden/conv2d.npz`` for
``conv2d``.  None of them is the code under test or the course's reference package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from autograder.mistakes import MISTAKES
from autograder.notebooks import grade_id, graded_sources, read_notebook, run_answer_cells, run_test_cells

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source_notebooks" / "ps2-conv-layer" / "ps2-conv-layer.ipynb"
RELEASE = ROOT / "release" / "ps2-conv-layer" / "ps2-conv-layer.ipynb"
GOLDEN = ROOT / "tests" / "golden" / "conv2d.npz"


@pytest.fixture(scope="module")
def model():
    """The model solutions of ps2-conv-layer."""
    return run_answer_cells(read_notebook(SOURCE))


# ----------------------------------------------------------------------------- oracles

def oracle_pad2d(x, padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def oracle_conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Count the window starts one by one; refuse when none fits or the last rows are left over."""
    padded = input_size + 2 * padding
    span = dilation * (kernel_size - 1) + 1
    starts = [s for s in range(0, padded, stride) if s + span <= padded]
    if not starts or starts[-1] + span != padded:
        raise ValueError("does not fit")
    return len(starts)


def oracle_conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Per image and filter: scipy's valid cross-correlation summed over channels, then strided."""
    x, w = np.asarray(x), np.asarray(w)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    C_out, C_in, kh, kw = w.shape
    spread = np.zeros((C_out, C_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1), w.dtype)
    spread[:, :, ::dilation, ::dilation] = w
    maps = [[sum(scipy.signal.correlate2d(xp[n, c], spread[o, c], mode="valid")
                 for c in range(C_in))[::stride, ::stride] for o in range(C_out)]
            for n in range(x.shape[0])]
    out = np.array(maps, dtype=np.result_type(x, w)).reshape(x.shape[0], C_out, *np.shape(maps[0][0]))
    if b is not None:
        out = out + np.asarray(b, dtype=out.dtype)[None, :, None, None]
    return out


ORACLES = {"pad2d": oracle_pad2d, "conv_output_size": oracle_conv_output_size,
           "conv2d": oracle_conv2d}


def _assert_close(got, want):
    assert (got.shape, got.dtype) == (want.shape, want.dtype)
    tol = 1e-4 if want.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- model vs oracles

PAD_CASES = {
    "padding=1": ((2, 3, 4, 5), 1),
    "pair (1, 2) on a non-square image": ((1, 2, 3, 6), (1, 2)),
    "padding=0": ((2, 2, 3, 4), 0),
    "pair (0, 3): width only": ((1, 1, 4, 2), (0, 3)),
    "N=1, C=1, 1x1 image": ((1, 1, 1, 1), 2),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
@pytest.mark.parametrize("case", PAD_CASES, ids=list(PAD_CASES))
def test_model_pad2d_matches_np_pad(model, rng, case, dtype):
    """The model pad2d returns np.pad's array, zeros on H and W only, in the input's dtype, without changing x."""
    shape, padding = PAD_CASES[case]
    x = (rng.random(shape) * 200).astype(dtype)
    before = x.copy()
    got = model["pad2d"](x, padding)
    np.testing.assert_array_equal(got, oracle_pad2d(x, padding))
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(x, before)


@given(I=st.integers(1, 30), K=st.integers(1, 7), S=st.integers(1, 4), P=st.integers(0, 3),
       D=st.integers(1, 3))
def test_model_conv_output_size_counts_the_windows(model, I, K, S, P, D):
    """Over the whole setting space, the model returns the number of window starts as an int, or raises ValueError exactly where no whole number of windows fits."""
    try:
        want = oracle_conv_output_size(I, K, stride=S, padding=P, dilation=D)
    except ValueError:
        with pytest.raises(ValueError):
            model["conv_output_size"](I, K, stride=S, padding=P, dilation=D)
    else:
        got = model["conv_output_size"](I, K, stride=S, padding=P, dilation=D)
        assert type(got) is int and got == want


CONV_CASES = {
    "3x3, padding 0, bias": ((2, 3, 6, 7), (4, 3, 3, 3), {"padding": 0}),
    "padding 1": ((2, 2, 5, 5), (3, 2, 3, 3), {"padding": 1}),
    "stride 2 that does not divide, non-square": ((1, 2, 8, 7), (2, 2, 3, 3), {"stride": 2}),
    "dilation 2": ((2, 1, 7, 8), (2, 1, 3, 3), {"dilation": 2}),
    "1x1 kernel": ((2, 4, 5, 3), (3, 4, 1, 1), {}),
    "1x1 kernel, stride 2": ((1, 3, 5, 6), (2, 3, 1, 1), {"stride": 2}),
    "even 2x2 kernel": ((2, 2, 5, 6), (3, 2, 2, 2), {}),
    "kernel as large as the input": ((2, 3, 4, 5), (2, 3, 4, 5), {}),
    "kernel as large as the padded input": ((1, 2, 3, 4), (2, 2, 5, 6), {"padding": 1}),
    "N=1, C=1": ((1, 1, 6, 6), (1, 1, 3, 3), {}),
    "everything at once": ((2, 2, 9, 7), (3, 2, 3, 2), {"stride": 2, "padding": 2, "dilation": 2}),
}


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no bias"])
@pytest.mark.parametrize("case", CONV_CASES, ids=list(CONV_CASES))
def test_model_conv2d_matches_scipy_on_edge_cases(model, rng, case, bias):
    """On each named edge case the model conv2d equals the channel sum of scipy's cross-correlations, and leaves its inputs alone."""
    x_shape, w_shape, settings = CONV_CASES[case]
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if bias else None
    copies = (x.copy(), w.copy())
    _assert_close(model["conv2d"](x, w, b, **settings), oracle_conv2d(x, w, b, **settings))
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(w, copies[1])


@given(data=st.data())
def test_model_conv2d_matches_scipy_on_random_layers(model, data):
    """Over random batch, channel, filter and kernel sizes, strides, paddings and dilations, the model equals the scipy oracle, in float32 and float64."""
    N, C_in, C_out = (data.draw(st.integers(1, 3)) for _ in range(3))
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    stride, padding, dilation = (data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2)),
                                 data.draw(st.integers(1, 2)))
    H = data.draw(st.integers(max(1, dilation * (kh - 1) + 1 - 2 * padding), 9))
    W = data.draw(st.integers(max(1, dilation * (kw - 1) + 1 - 2 * padding), 9))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    gen = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = gen.standard_normal((N, C_in, H, W)).astype(dtype)
    w = gen.standard_normal((C_out, C_in, kh, kw)).astype(dtype)
    b = gen.standard_normal(C_out).astype(dtype)
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    _assert_close(model["conv2d"](x, w, b, **settings), oracle_conv2d(x, w, b, **settings))


def _golden_cases():
    """The PyTorch cases the student signature covers: one int per setting, no groups."""
    import json
    with np.load(GOLDEN) as data:
        for name in data["case_names"]:
            params = json.loads(str(data[f"{name}/params"]))
            settings = {key: params[key] for key in ("stride", "padding", "dilation")}
            if params["groups"] != 1 or isinstance(settings["padding"], str):
                continue
            pairs = {k: list(v) if isinstance(v, list) else [v, v] for k, v in settings.items()}
            if any(v[0] != v[1] for v in pairs.values()):
                continue
            yield pytest.param(str(name), {k: v[0] for k, v in pairs.items()}, id=str(name))


@pytest.mark.parametrize("name, settings", list(_golden_cases()))
def test_model_conv2d_matches_pytorch(model, name, settings):
    """The model conv2d reproduces torch.nn.functional.conv2d's output from the golden file, dtype included."""
    with np.load(GOLDEN) as data:
        x, w, out = data[f"{name}/x"], data[f"{name}/w"], data[f"{name}/out"]
        b = data[f"{name}/b"] if f"{name}/b" in data.files else None
    _assert_close(model["conv2d"](x, w, b, **settings), out)


def test_golden_file_covers_the_named_edge_cases():
    """The PyTorch cases used above include padding 0, a stride that does not divide, dilation, 1x1, kernel as large as the (padded) input, N=1 and C=1, no bias and float32."""
    names = {p.values[0] for p in _golden_cases()}
    for needed in ("pad0_explicit", "stride2_nodiv", "dilation2", "kernel_1x1", "kernel_1x1_stride2",
                   "kernel_equals_input", "kernel_equals_padded", "n1_c1", "no_bias", "f32_basic"):
        assert needed in names


# ----------------------------------------------------------------------------- the test cells

def test_worked_examples_agree_with_the_oracles():
    """Every visible test of the release passes when the oracles play the student, so the literal arrays and sizes are right."""
    outcome = run_test_cells(graded_sources(read_notebook(RELEASE)), ORACLES)
    assert len(outcome) == 12 and all(error is None for error in outcome.values()), outcome


def test_worked_example_in_the_text_is_right():
    """The values the text of Part C computes by hand (out[0, 0] = 4, out[1, 2] = 6, all-ones maps 5 and -1) are the oracle's."""
    nb = read_notebook(SOURCE)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    tests = graded_sources(nb)
    scope = dict(ORACLES, np=np)
    exec(tests["conv2d_one_channel"], scope)
    out = oracle_conv2d(scope["x"], scope["w"])
    assert (out[0, 0, 0, 0], out[0, 0, 1, 2]) == (4, 6)
    assert "= 4$" in text and "= 6$" in text
    exec(tests["conv2d_channels_bias"], scope)
    ones = oracle_conv2d(np.ones((1, 2, 3, 4)), scope["w"], scope["b"])
    assert set(ones[0, 0].ravel()) == {5} and set(ones[0, 1].ravel()) == {-1}
    assert "$4 + 1 = 5$" in text and "$1 - 2 = -1$" in text


def test_model_answers_count_the_parameters_right():
    """The model answer to question 1 gives the shapes and 2432 parameters, and the fully connected count, as computed here."""
    answer = next(c.source for c in read_notebook(SOURCE).cells if grade_id(c) == "parameter_count")
    assert "(32, 3, 5, 5)" in answer and "(32,)" in answer and "(N, 32, 64, 64)" in answer
    assert str(32 * (3 * 5 * 5) + 32) in answer
    fc = (3 * 64 * 64) * (32 * 64 * 64)
    assert "1.6 \\times 10^9" in answer and round(fc / 1e9, 1) == 1.6


def _mistake(task, name):
    return next(m.fn for m in MISTAKES[task] if m.name == name)


@pytest.mark.parametrize("task, mistake, caught_by", [
    ("pad2d", "x[p:-p] with p = 0", "pad2d_batch"),
    ("pad2d", "image copied to the top-left corner", "pad2d_examples"),
    ("pad2d", "H and W swapped", "pad2d_examples"),
    ("pad2d", "padding on the wrong axis (only H)", "pad2d_examples"),
    ("pad2d", "padding on the wrong axis (only W)", "pad2d_examples"),
    ("pad2d", "channels-last (treats x as NHWC)", "pad2d_batch"),
    ("pad2d", "padded every axis (also N and C)", "pad2d_batch"),
    ("pad2d", "output dtype always float64", "pad2d_batch"),
    ("conv_output_size", "true division (returns a float)", "conv_output_size_examples"),
    ("conv_output_size", "missing + 1", "conv_output_size_examples"),
    ("conv_output_size", "padding ignored", "conv_output_size_examples"),
    ("conv_output_size", "padding counted once", "conv_output_size_examples"),
    ("conv_output_size", "stride ignored", "conv_output_size_examples"),
    ("conv_output_size", "dilation ignored", "conv_output_size_examples"),
    ("conv_output_size", "dilated kernel spans d * k", "conv_output_size_examples"),
    ("conv_output_size", "dilation counted as gaps (dilation=0 means none)", "conv_output_size_examples"),
    ("conv_output_size", "floor instead of an error (stride does not divide)", "conv_output_size_refuses"),
    ("conv_output_size", "ceil instead of an error (stride does not divide)", "conv_output_size_refuses"),
    ("conv_output_size", "no error when the kernel does not fit", "conv_output_size_refuses"),
    ("conv2d", "flipped the kernel", "conv2d_one_channel"),
    ("conv2d", "x[p:-p] with p = 0", "conv2d_one_channel"),
    ("conv2d", "bias ignored", "conv2d_channels_bias"),
    ("conv2d", "channels-last (treats x as NHWC)", "conv2d_channels_bias"),
    ("conv2d", "output dtype always float64", "conv2d_channels_bias"),
    ("conv2d", "padding ignored", "conv2d_padding"),
    ("conv2d", "padding on the wrong axis (only H)", "conv2d_padding"),
    ("conv2d", "padding on the wrong axis (only W)", "conv2d_padding"),
    ("conv2d", "stride ignored", "conv2d_stride"),
    ("conv2d", "H and W swapped", "conv2d_stride"),
    ("conv2d", "dilation ignored", "conv2d_dilation"),
])
def test_visible_tests_catch_the_classic_mistakes(task, mistake, caught_by):
    """Each classic mistake fails the visible test written for it, while the oracle passes that test."""
    tests = graded_sources(read_notebook(RELEASE))
    wrong = dict(ORACLES, **{task: _mistake(task, mistake)})
    assert run_test_cells({caught_by: tests[caught_by]}, ORACLES)[caught_by] is None
    assert run_test_cells({caught_by: tests[caught_by]}, wrong)[caught_by] is not None


def test_every_library_mistake_is_caught_by_a_visible_test():
    """No known mistake of the three tasks passes all the visible tests: a student sees every one before grading."""
    tests = graded_sources(read_notebook(RELEASE))
    for task in ORACLES:
        for mistake in MISTAKES[task]:
            outcome = run_test_cells(tests, dict(ORACLES, **{task: mistake.fn}))
            assert any(error is not None for error in outcome.values()), (task, mistake.name)


def _wrong_only_when(shape_test):
    """A numpy-only conv2d (the checks forbid scipy) that returns zeros where ``shape_test(x, w)`` holds."""
    def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
        xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        kh, kw = w.shape[2:]
        ho = (xp.shape[2] - dilation * (kh - 1) - 1) // stride + 1
        wo = (xp.shape[3] - dilation * (kw - 1) - 1) // stride + 1
        out = np.zeros((x.shape[0], w.shape[0], ho, wo), dtype=np.result_type(x, w))
        for i in range(ho):
            for j in range(wo):
                window = xp[:, :, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                            j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
                out[:, :, i, j] = np.einsum("nchw,ochw->no", window, w)
        if b is not None:
            out += b[None, :, None, None]
        return np.zeros_like(out) if shape_test(x, w) else out
    return conv2d


def test_hidden_tests_grade_a_kernel_as_large_as_the_padded_input():
    """A conv2d wrong only on a kernel larger than the unpadded input fails the hidden cell, naming that case and how to rebuild it."""
    source = graded_sources(read_notebook(SOURCE))["conv2d_thorough"]
    student = _wrong_only_when(lambda x, w: w.shape[2] > x.shape[2])
    error = run_test_cells({"conv2d_thorough": source}, {"conv2d": student})["conv2d_thorough"]
    assert isinstance(error, AssertionError)
    message = str(error)
    assert "kernel as large as the padded input" in message and "of 22" in message
    assert "autograder.checks.cases('conv2d')[" in message


def test_hidden_output_size_tests_include_the_assignments_example():
    """The hidden cell of conv_output_size grades the issue's configuration (input 10, kernel 3, stride 2) as one that must raise."""
    source = graded_sources(read_notebook(SOURCE))["conv_output_size_thorough"]

    def floors_only_at_ten(input_size, kernel_size, stride=1, padding=0, dilation=1):
        if (input_size, kernel_size, stride, padding) == (10, 3, 2, 0):
            return 4
        return oracle_conv_output_size(input_size, kernel_size, stride, padding, dilation)

    error = run_test_cells({"g": source}, {"conv_output_size": floors_only_at_ten})["g"]
    assert isinstance(error, AssertionError) and "input 10, kernel 3, stride 2" in str(error)
