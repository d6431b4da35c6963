"""Assignment ps5-fast-cnn: the model solution against independent oracles, the visible tests' arrays, the shipped data.

Oracles: PyTorch's unfold/fold and conv2d gradients (tests/golden/*.npz, made by
tests/golden/make_golden.py), scipy.signal.correlate2d, numerical gradients and
autograder.datasets.digits for the shipped data file.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from autograder.checks.fast import check_train_cnn
from autograder.datasets import digits
from autograder.mistakes import MISTAKES
from autograder.notebooks import grade_cells, grade_id, nbgrader_metadata, read_notebook, run_answer_cells
from autograder.reference.gradcheck import numerical_gradient

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source_notebooks" / "ps5-fast-cnn" / "ps5-fast-cnn.ipynb"
RELEASE = ROOT / "release" / "ps5-fast-cnn" / "ps5-fast-cnn.ipynb"
GOLDEN = ROOT / "tests" / "golden"
UNFOLD = np.load(GOLDEN / "unfold_fold.npz")
CONV = np.load(GOLDEN / "conv2d.npz")


def _int_settings(archive, name, extra=()):
    params = json.loads(str(archive[f"{name}/params"]))
    return (params["dilation"] == 1 and params.get("groups", 1) == 1
            and all(isinstance(params[k], int) for k in ("stride", "padding")))


UNFOLD_CASES = [str(n) for n in UNFOLD["case_names"] if _int_settings(UNFOLD, str(n))]
CONV_CASES = [str(n) for n in CONV["case_names"] if _int_settings(CONV, str(n))]


@pytest.fixture(scope="module")
def model():
    """The setup and answer cells of the source notebook, run: the model solution's namespace."""
    return run_answer_cells(read_notebook(SOURCE))


def oracle_im2col(x, kernel_size, stride=1, padding=0):
    """im2col from a window view, in the layout the golden unfold files fix (tested below)."""
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    view = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, ho, wo = view.shape[:4]
    return np.ascontiguousarray(view.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, ho * wo)


def oracle_conv(x, w, b=None, stride=1, padding=0):
    """The layer from scipy.signal.correlate2d, channel by channel, then strided."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.array([[sum(scipy.signal.correlate2d(xp[n, c], w[o, c], mode="valid")
                         for c in range(x.shape[1])) for o in range(w.shape[0])]
                    for n in range(x.shape[0])])[:, :, ::stride, ::stride]
    return out if b is None else out + b[:, None, None]


def _kernel(params):
    k = params["kernel_size"]
    return tuple(k) if isinstance(k, list) else k


@pytest.mark.parametrize("name", UNFOLD_CASES)
def test_model_im2col_and_the_test_oracle_are_pytorchs_unfold(model, name):
    """The model's im2col and this file's oracle both give torch's unfold exactly, dtype included."""
    params = json.loads(str(UNFOLD[f"{name}/params"]))
    x, expected = UNFOLD[f"{name}/x"], UNFOLD[f"{name}/cols"]
    for fn in (model["im2col"], oracle_im2col):
        got = fn(x, _kernel(params), params["stride"], params["padding"])
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", UNFOLD_CASES)
def test_model_col2im_is_pytorchs_fold(model, name):
    """The model's col2im (Part C) adds the columns back as torch's fold does."""
    params = json.loads(str(UNFOLD[f"{name}/params"]))
    got = model["col2im"](UNFOLD[f"{name}/fold_in"], tuple(params["output_size"]), _kernel(params),
                          params["stride"], params["padding"])
    np.testing.assert_allclose(got, UNFOLD[f"{name}/fold_out"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", CONV_CASES)
def test_model_conv_and_its_backward_are_pytorchs(model, name):
    """conv2d_im2col's output and conv_backward's dx, dw, db equal PyTorch's on the golden cases."""
    params = json.loads(str(CONV[f"{name}/params"]))
    x, w = CONV[f"{name}/x"], CONV[f"{name}/w"]
    b = CONV[f"{name}/b"] if params["bias"] else None
    tol = dict(rtol=1e-4, atol=1e-4) if params["dtype"] == "float32" else dict(rtol=1e-10, atol=1e-10)
    out = model["conv2d_im2col"](x, w, b, params["stride"], params["padding"])
    assert out.dtype == CONV[f"{name}/out"].dtype
    np.testing.assert_allclose(out, CONV[f"{name}/out"], **tol)
    dx, dw, db = model["conv_backward"](CONV[f"{name}/dout"], x, w, params["stride"],
                                        params["padding"])
    np.testing.assert_allclose(dx, CONV[f"{name}/dx"], **tol)
    np.testing.assert_allclose(dw, CONV[f"{name}/dw"], **tol)
    if params["bias"]:
        np.testing.assert_allclose(db, CONV[f"{name}/db"], **tol)


@given(data=st.data())
def test_model_conv_matches_scipy_over_the_shape_space(model, data):
    """Over random N, C, sizes, kernels, strides and paddings, conv2d_im2col equals the scipy oracle."""
    N, C, O = (data.draw(st.integers(1, 3)) for _ in range(3))
    H, W = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
    padding = data.draw(st.integers(0, 2))
    kh = data.draw(st.integers(1, H + 2 * padding))
    kw = data.draw(st.integers(1, W + 2 * padding))
    stride = data.draw(st.integers(1, 3))
    gen = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x, w, b = gen.standard_normal((N, C, H, W)), gen.standard_normal((O, C, kh, kw)), gen.standard_normal(O)
    got = model["conv2d_im2col"](x, w, b, stride, padding)
    np.testing.assert_allclose(got, oracle_conv(x, w, b, stride, padding), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(model["im2col"](x, (kh, kw), stride, padding),
                                  oracle_im2col(x, (kh, kw), stride, padding))


def test_model_pool_and_loss_gradients_are_numerical_gradients(model, rng):
    """maxpool2x2_backward and softmax_cross_entropy's gradient equal central differences."""
    x = rng.standard_normal((2, 3, 4, 6))
    dout = rng.standard_normal((2, 3, 2, 3))
    expected = numerical_gradient(lambda a: np.sum(model["maxpool2x2"](a) * dout), x.copy())
    np.testing.assert_allclose(model["maxpool2x2_backward"](dout, x), expected, atol=1e-7)
    scores, labels = rng.standard_normal((6, 10)), np.array([0, 3, 9, 3, 5, 1])
    expected = numerical_gradient(lambda s: model["softmax_cross_entropy"](s, labels)[0], scores.copy())
    np.testing.assert_allclose(model["softmax_cross_entropy"](scores, labels)[1], expected, atol=1e-7)


def test_model_solution_passes_the_hidden_training_test(model, capsys):
    """Trained by the hidden test's check on another digits split, the model gets at least 90% right."""
    check_train_cnn(model["train_cnn"], model["predict_cnn"])
    assert "test images right" in capsys.readouterr().out


def test_shipped_digits_are_the_lecture_split():
    """digits.npz holds autograder.datasets.digits(seed=0) as pixel counts 0..16, in both folders."""
    split = digits(test_fraction=0.25, seed=0, dtype=np.float64)
    for folder in (SOURCE.parent, RELEASE.parent):
        with np.load(folder / "digits.npz") as shipped:
            assert sorted(shipped.files) == ["x_test", "x_train", "y_test", "y_train"]
            for key in ("x_train", "x_test"):
                assert shipped[key].dtype == np.uint8
                np.testing.assert_array_equal(shipped[key] / 16, getattr(split, key))
            for key in ("y_train", "y_test"):
                np.testing.assert_array_equal(shipped[key], getattr(split, key))


# ----------------------------------------------------------------------------- visible tests

def _visible_tests():
    return {grade_id(c): c.source for c in grade_cells(read_notebook(RELEASE)) if c.cell_type == "code"}


def _run(source, namespace):
    """Run one test cell; the exception it raised, or None."""
    try:
        exec(compile(source, "test", "exec"), dict(namespace, np=np))
    except Exception as exc:  # a failed test cell: AssertionError or the student's exception
        return exc
    return None


ORACLE = {"im2col": oracle_im2col, "conv2d_im2col": oracle_conv}
FAST_CELLS = ["im2col_example", "im2col_stride_padding", "im2col_thorough",
              "conv2d_im2col_example", "conv2d_im2col_thorough", "conv2d_im2col_speed"]


@pytest.mark.parametrize("gid", FAST_CELLS)
def test_visible_worked_examples_agree_with_the_oracles(gid):
    """Every visible test of Parts A and B passes when the oracles play the student: the literal arrays are right."""
    assert _run(_visible_tests()[gid], ORACLE) is None


def _variant(task, name):
    return next(m.fn for m in MISTAKES[task] if m.name == name)


@pytest.mark.parametrize("task, mistake, caught_by", [
    ("im2col", "windows in column-major order", "im2col_example"),
    ("im2col", "rows in kernel-major order (offset before channel)", "im2col_example"),
    ("im2col", "each window read column by column", "im2col_example"),
    ("im2col", "stride ignored", "im2col_stride_padding"),
    ("im2col", "padding ignored", "im2col_stride_padding"),
    ("im2col", "x[p:-p] with p = 0", "im2col_example"),
    ("im2col", "output dtype always float64", "im2col_thorough"),
    ("conv2d_im2col", "flipped the kernel", "conv2d_im2col_example"),
    ("conv2d_im2col", "bias added per column", "conv2d_im2col_example"),
    ("conv2d_im2col", "N and C_out swapped in the reshape", "conv2d_im2col_thorough"),
    ("conv2d_im2col", "stride ignored", "conv2d_im2col_thorough"),
])
def test_visible_tests_catch_the_classic_mistakes(task, mistake, caught_by):
    """Each classic mistake fails the visible test written for it, which the oracle passes."""
    source = _visible_tests()[caught_by]
    assert _run(source, ORACLE) is None
    assert _run(source, dict(ORACLE, **{task: _variant(task, mistake)})) is not None


def test_visible_training_tests_pass_with_the_model(model):
    """The two visible training tests pass with the model solution (bars, and what train_cnn returns)."""
    tests = _visible_tests()
    for gid in ("train_cnn_bars", "train_cnn_digits"):
        assert _run(tests[gid], model) is None, gid


def test_visible_training_tests_refuse_a_dict_of_parameters(model):
    """Parameters returned as a dict (which cannot reach the sandboxed grader) fail the visible test."""
    def train_dict(x, y, seed=0):
        return dict(enumerate(model["train_cnn"](x, y, seed=seed)))
    namespace = dict(model, train_cnn=train_dict,
                     predict_cnn=lambda params, x: model["predict_cnn"](list(params.values()), x))
    assert isinstance(_run(_visible_tests()["train_cnn_digits"], namespace), AssertionError)


def test_release_keeps_no_function_body():
    """The release's answer cells keep only signatures and docstrings: every function raises NotImplementedError."""
    release = read_notebook(RELEASE)
    namespace: dict = {"np": np}
    for cell in release.cells:
        if cell.cell_type == "code" and nbgrader_metadata(cell).get("solution"):
            exec(compile(cell.source, grade_id(cell), "exec"), namespace)
    for name in ("im2col", "conv2d_im2col", "col2im", "conv_backward", "maxpool2x2",
                 "softmax_cross_entropy", "train_cnn", "predict_cnn"):
        required = [p for p in inspect.signature(namespace[name]).parameters.values()
                    if p.default is inspect.Parameter.empty]
        with pytest.raises(NotImplementedError):
            namespace[name](*[np.zeros((1, 1, 2, 2))] * len(required))
