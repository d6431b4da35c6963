"""ps4-backprop: the model solution equals independent oracles, and the visible tests are right and catch mistakes.

Oracles: PyTorch's autograd through the golden files in tests/golden/ (made by
tests/golden/make_golden.py), numerical gradients from autograder.reference.gradcheck, and the
closed forms of the central difference for the known functions of the numerical_gradient check.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.reference as reference
from autograder.checks.backprop import known_functions
from autograder.mistakes import MISTAKES
from autograder.notebooks import grade_cells, grade_id, nbgrader_metadata, read_notebook, run_answer_cells, run_test_cells
from autograder.reference.gradcheck import numerical_gradient as oracle_gradient

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source_notebooks" / "ps4-backprop" / "ps4-backprop.ipynb"
RELEASE = ROOT / "release" / "ps4-backprop" / "ps4-backprop.ipynb"
GOLDEN = ROOT / "tests" / "golden"
TASKS = ("pool2d", "pool2d_backward", "conv2d_backward", "numerical_gradient")


@pytest.fixture(scope="module")
def model():
    """The model solutions of ps4-backprop."""
    return run_answer_cells(read_notebook(SOURCE))


def _visible_tests() -> dict:
    """The test cells as students see them (hidden tests removed), by grade id."""
    return {grade_id(c): c.source for c in grade_cells(read_notebook(RELEASE))
            if c.cell_type == "code"}


def _run_cells(cells: dict, functions: dict) -> dict:
    """Run each cell on a fresh namespace holding ``functions``; map grade id to error or None."""
    return {gid: None if error is None else f"{type(error).__name__}: {error}"
            for gid, error in run_test_cells(cells, functions).items()}


# ------------------------------------------------------------------------ golden files

def _golden(name):
    data = np.load(GOLDEN / f"{name}.npz")
    return data, [str(c) for c in data["case_names"]]


POOL, POOL_CASES = _golden("pool2d")
CONV, CONV_CASES = _golden("conv2d")


def _params(data, case):
    return json.loads(str(data[f"{case}/params"]))


def _int_or_none(value):
    return value is None or isinstance(value, int)


STUDENT_POOL = [c for c in POOL_CASES
                if isinstance(_params(POOL, c)["kernel_size"], int)
                and _int_or_none(_params(POOL, c)["stride"]) and _params(POOL, c)["padding"] == 0]
STUDENT_CONV = [c for c in CONV_CASES
                if isinstance(_params(CONV, c)["stride"], int)
                and isinstance(_params(CONV, c)["padding"], int)
                and _params(CONV, c)["dilation"] == 1 and _params(CONV, c)["groups"] == 1]


def _close(got, want, dtype):
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == "float32" else 1e-11
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))


def test_golden_cases_cover_the_student_signature():
    """Enough golden cases fit the students' int-only signatures: every mode, ties, no-divide strides, float32."""
    names = " ".join(STUDENT_POOL)
    for needle in ("max_ties", "avg", "l2_zero_window", "nodiv", "overlap", "f32"):
        assert needle in names
    assert {"basic", "pad1", "stride2_nodiv", "kernel_1x1", "kernel_equals_padded", "n1_c1",
            "f32_basic"} <= set(STUDENT_CONV)


@pytest.mark.parametrize("case", STUDENT_POOL)
def test_model_pooling_matches_pytorch(model, case):
    """The model pool2d and pool2d_backward give PyTorch's output and autograd gradient (ties to the first maximum)."""
    p = _params(POOL, case)
    x, dout = POOL[f"{case}/x"], POOL[f"{case}/dout"]
    kwargs = {"stride": p["stride"], "mode": p["mode"]}
    _close(model["pool2d"](x.copy(), p["kernel_size"], **kwargs), POOL[f"{case}/out"], p["dtype"])
    _close(model["pool2d_backward"](dout.copy(), x.copy(), p["kernel_size"], **kwargs),
           POOL[f"{case}/dx"], p["dtype"])


@pytest.mark.parametrize("case", STUDENT_CONV)
def test_model_conv2d_backward_matches_pytorch(model, case):
    """The model conv2d_backward gives autograd's dx, dw and db of torch.nn.functional.conv2d."""
    p = _params(CONV, case)
    dx, dw, db = model["conv2d_backward"](CONV[f"{case}/dout"], CONV[f"{case}/x"],
                                          CONV[f"{case}/w"], stride=p["stride"],
                                          padding=p["padding"])
    for got, key in ((dx, "dx"), (dw, "dw"), (db, "db")):
        _close(got, CONV[f"{case}/{key}"], p["dtype"])


# ------------------------------------------------------------------ numerical gradients

EDGE_CASES = {
    "1x1 kernel": ((2, 3, 4, 5), (2, 3, 1, 1), 1, 0),
    "kernel as large as the input": ((2, 2, 3, 4), (3, 2, 3, 4), 1, 0),
    "even kernel with padding": ((1, 2, 4, 4), (2, 2, 2, 2), 1, 1),
    "non-square input and kernel": ((2, 1, 3, 6), (2, 1, 2, 3), 1, 0),
    "stride that does not divide": ((1, 2, 6, 5), (2, 2, 3, 3), 2, 0),
    "stride and padding": ((2, 2, 5, 5), (2, 2, 3, 3), 2, 1),
    "padding=0, N=1, C=1": ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
    "stride larger than the kernel": ((1, 1, 7, 7), (1, 1, 2, 2), 3, 0),
}


def _conv_gradients_numerically(dout, x, w, stride, padding):
    def loss_x(v):
        return np.sum(reference.conv2d(v, w, stride=stride, padding=padding) * dout)

    def loss_w(v):
        return np.sum(reference.conv2d(x, v, stride=stride, padding=padding) * dout)

    return oracle_gradient(loss_x, x), oracle_gradient(loss_w, w), dout.sum(axis=(0, 2, 3))


@pytest.mark.parametrize("case", EDGE_CASES, ids=list(EDGE_CASES))
def test_model_conv2d_backward_matches_numerical_gradients(model, rng, case):
    """On each named edge case, dx and dw equal central differences of the forward layer, db the sum of dout."""
    x_shape, w_shape, stride, padding = EDGE_CASES[case]
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out_shape = reference.conv2d(x, w, stride=stride, padding=padding).shape
    dout = rng.standard_normal(out_shape)
    before = [a.copy() for a in (dout, x, w)]
    got = model["conv2d_backward"](dout, x, w, stride=stride, padding=padding)
    for g, want in zip(got, _conv_gradients_numerically(dout, x, w, stride, padding)):
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)
    for a, b in zip((dout, x, w), before):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_model_conv2d_backward_matches_numerical_gradients_on_random_shapes(model, data):
    """Over random shapes, strides and paddings, the model's dx and dw equal central differences."""
    n, c, o = (data.draw(st.integers(1, 2)) for _ in range(3))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    padding = data.draw(st.integers(0, 1))
    h = data.draw(st.integers(max(1, kh - 2 * padding), 6))
    wd = data.draw(st.integers(max(1, kw - 2 * padding), 6))
    stride = data.draw(st.integers(1, 3))
    seed = data.draw(st.integers(0, 2 ** 32 - 1))
    gen = np.random.default_rng(seed)
    x, w = gen.standard_normal((n, c, h, wd)), gen.standard_normal((o, c, kh, kw))
    dout = gen.standard_normal(reference.conv2d(x, w, stride=stride, padding=padding).shape)
    got = model["conv2d_backward"](dout, x, w, stride=stride, padding=padding)
    for g, want in zip(got, _conv_gradients_numerically(dout, x, w, stride, padding)):
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), mode=st.sampled_from(["max", "avg", "l2"]))
def test_model_pool2d_backward_matches_numerical_gradients(model, data, mode):
    """Without ties (continuous random inputs), pool2d_backward equals central differences of the model's pool2d."""
    k = data.draw(st.integers(1, 3))
    stride = data.draw(st.sampled_from([None, 1, 2, 3]))
    n, c = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    h, w = data.draw(st.integers(k, 6)), data.draw(st.integers(k, 6))
    gen = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    x = gen.standard_normal((n, c, h, w))
    dout = gen.standard_normal(model["pool2d"](x, k, stride, mode).shape)
    numeric = oracle_gradient(lambda v: np.sum(model["pool2d"](v, k, stride, mode) * dout), x,
                              h=1e-6)
    np.testing.assert_allclose(model["pool2d_backward"](dout, x, k, stride, mode), numeric,
                               rtol=1e-5, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(["square", "sin", "cube", "exp", "neighbours"]),
       shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       h=st.sampled_from([1e-5, 1e-3, 0.1, 0.3]), seed=st.integers(0, 2 ** 32 - 1))
def test_model_numerical_gradient_equals_the_closed_form(model, name, shape, h, seed):
    """For known functions, the model's gradient is the closed-form central difference, and x is left unchanged."""
    f = known_functions(np.random.default_rng(0))[name]
    if name == "neighbours":
        shape = shape[:1]
    x = np.random.default_rng(seed).standard_normal(shape)
    before = x.copy()
    got = model["numerical_gradient"](f, x, h=h)
    assert got.dtype == np.float64 and got.shape == x.shape
    np.testing.assert_allclose(got, f.central(x, h), rtol=1e-8, atol=1e-9 / h)
    np.testing.assert_array_equal(x, before)


def test_model_numerical_gradient_on_integers_and_the_default_step(model):
    """An integer x gives a float64 gradient, and the default step is 1e-5 (the cube's h ** 2 term is 1e-10)."""
    f = known_functions(np.random.default_rng(0))["cube"]
    x = np.array([[1, -2], [3, 0]])
    got = model["numerical_gradient"](f, x)
    assert got.dtype == np.float64 and x.dtype.kind == "i"
    np.testing.assert_allclose(got, 3.0 * x ** 2 + 1e-10, rtol=1e-9, atol=1e-7)


# ---------------------------------------------------------------------- visible tests

def _oracle_conv2d_backward(dout, x, w, stride=1, padding=0):
    return _conv_gradients_numerically(np.asarray(dout, float), np.asarray(x, float),
                                       np.asarray(w, float), stride, padding)


ORACLES = {
    "pool2d": lambda x, kernel_size, stride=None, mode="max":
        reference.pool2d(x, kernel_size, stride=stride, mode=mode),
    "pool2d_backward": lambda dout, x, kernel_size, stride=None, mode="max":
        reference.pool2d_backward(dout, x, kernel_size, stride=stride, mode=mode),
    "conv2d_backward": _oracle_conv2d_backward,
    "numerical_gradient": lambda f, x, h=1e-5: oracle_gradient(f, x, h=h),
}


def test_visible_tests_hold_no_hidden_parts_and_call_the_tasks():
    """The release's test cells have no hidden tests and each names the function it tests first."""
    cells = _visible_tests()
    assert len(cells) == 16
    for gid, source in cells.items():
        assert "HIDDEN" not in source and "autograder" not in source
        assert any(gid.startswith(task) for task in TASKS), gid


def test_visible_literal_arrays_are_right():
    """Every visible test passes when the four functions are replaced by independent oracles."""
    outcome = _run_cells(_visible_tests(), ORACLES)
    assert all(error is None for error in outcome.values()), outcome


def test_visible_tests_pass_with_the_model(model):
    """With the model solution, every visible test passes."""
    outcome = _run_cells(_visible_tests(), {t: model[t] for t in TASKS})
    assert all(error is None for error in outcome.values()), outcome


@pytest.mark.parametrize("mistake", [m for t in TASKS for m in MISTAKES[t]],
                         ids=lambda m: f"{m.task}-{m.fn.__name__}")
def test_visible_tests_catch_the_classic_mistakes(model, mistake):
    """With one function replaced by a known mistake, a visible test of that function fails, and no other."""
    functions = {t: model[t] for t in TASKS}
    functions[mistake.task] = mistake.fn
    cells = _visible_tests()
    outcome = _run_cells(cells, functions)
    failed = {gid for gid, error in outcome.items() if error is not None}
    assert all(gid.startswith(mistake.task) for gid in failed), failed
    mine = {gid for gid in cells if re.match(rf"{mistake.task}_[a-z]", gid)
            and not any(gid.startswith(f"{t}_") for t in TASKS if t.startswith(f"{mistake.task}_"))}
    assert failed & mine, f"no visible test of {mistake.task} catches {mistake.name!r}"


# ----------------------------------------------------------------------- the notebook

def test_points_add_up_to_the_announced_totals():
    """The points of the graded cells add up to each part's announced total (21 automatic, 4 by hand)."""
    nb = read_notebook(SOURCE)
    points: dict = {}
    for cell in grade_cells(nb):
        meta = nbgrader_metadata(cell)
        kind = "auto" if cell.cell_type == "code" else "manual"
        points[kind] = points.get(kind, 0) + meta["points"]
    assert points == {"auto": 21, "manual": 4}
    intro = nb.cells[0].source
    assert "Part A 5, Part B 6, Part C 6, Part D 4" in intro and "Part E 4" in intro
    by_task = {t: sum(nbgrader_metadata(c)["points"] for c in grade_cells(nb)
                      if c.cell_type == "code" and re.fullmatch(rf"{t}_[a-z0-9_]+", grade_id(c))
                      and not grade_id(c).startswith(f"{t}_backward"))
               for t in TASKS}
    assert by_task == {"pool2d": 5, "pool2d_backward": 6, "conv2d_backward": 6,
                       "numerical_gradient": 4}


def test_written_questions_are_graded_by_hand():
    """The two written answers are markdown solution cells worth 2 points each."""
    nb = read_notebook(SOURCE)
    written = {grade_id(c): nbgrader_metadata(c)["points"] for c in grade_cells(nb)
               if c.cell_type == "markdown"}
    assert written == {"backprop_max_relu": 2, "shared_weight_sum": 2}


def test_gradient_check_cell_reports_tiny_errors(model):
    """The ungraded cell that checks the model's layers with its numerical_gradient prints relative errors below 1e-8."""
    nb = read_notebook(SOURCE)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "rel_error" in c.source)
    assert not nbgrader_metadata(cell)
    scope = {t: model[t] for t in TASKS} | {"np": np}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell.source, "gradient check", "exec"), scope)
    errors = [float(e) for e in re.findall(r"relative error ([0-9.e+-]+)", out.getvalue())]
    assert len(errors) == 5 and max(errors) < 1e-8, out.getvalue()
