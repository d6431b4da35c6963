"""Tests for autograder.mistakes.fast: the named wrong versions of im2col and conv2d_im2col."""

from __future__ import annotations

import ast
import inspect
import json
import pathlib

import numpy as np
import pytest
import scipy.signal

import autograder.mistakes.fast as fast
from autograder.checks.core import cases
from autograder.checks.fast import check_conv2d_im2col, check_im2col
from autograder.mistakes import MISTAKES, TASKS, identify

GOLDEN = np.load(pathlib.Path(__file__).parent / "golden" / "unfold_fold.npz")


def _int_settings(name) -> bool:
    """Golden cases the assignment's signature covers: no dilation, int stride and padding."""
    params = json.loads(str(GOLDEN[f"{name}/params"]))
    return params["dilation"] == 1 and all(isinstance(params[k], int) for k in ("stride", "padding"))


GOLDEN_CASES = [str(n) for n in GOLDEN["case_names"] if _int_settings(str(n))]
SIGNATURES = {"im2col": ["x", "kernel_size", "stride", "padding"],
              "conv2d_im2col": ["x", "w", "b", "stride", "padding"]}
CHECKS = {"im2col": check_im2col, "conv2d_im2col": check_conv2d_im2col}
ALL = [m for task in SIGNATURES for m in MISTAKES[task]]


def _id(m):
    return f"{m.task}-{m.fn.__name__}"


def correlate_layer(x, w, b=None, stride=1, padding=0):
    """The oracle: scipy.signal.correlate2d per (image, filter, channel), summed, then strided."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.array([[sum(scipy.signal.correlate2d(xp[n, c], w[o, c], mode="valid")
                         for c in range(x.shape[1])) for o in range(w.shape[0])]
                    for n in range(x.shape[0])])
    out = out[:, :, ::stride, ::stride]
    return out if b is None else out + b[:, None, None]


def test_both_tasks_are_registered_with_variants():
    """im2col and conv2d_im2col are tasks of the library, each with at least eight variants."""
    assert {"im2col", "conv2d_im2col"} <= set(TASKS)
    assert len(MISTAKES["im2col"]) >= 8 and len(MISTAKES["conv2d_im2col"]) >= 8


@pytest.mark.parametrize("mistake", ALL, ids=_id)
def test_variants_have_the_students_signature(mistake):
    """Every variant takes the arguments the student's function takes, with the same defaults."""
    params = list(inspect.signature(mistake.fn).parameters.values())
    assert [p.name for p in params] == SIGNATURES[mistake.task]
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    assert {k: v for k, v in defaults.items() if k in ("stride", "padding")} == \
        {"stride": 1, "padding": 0}


@pytest.mark.parametrize("mistake", ALL, ids=_id)
def test_every_variant_fails_its_check_naming_itself(mistake):
    """The check rejects each variant and names exactly that mistake in its message."""
    with pytest.raises(AssertionError) as info:
        CHECKS[mistake.task](mistake.fn)
    assert f"Likely mistake: {mistake.name}. Hint: {mistake.hint}" in str(info.value)


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_the_variants_shared_im2col_is_pytorchs_unfold(name):
    """The correct core the variants bend is torch's unfold (golden file), so each variant is one mistake away."""
    params = json.loads(str(GOLDEN[f"{name}/params"]))
    kernel = params["kernel_size"]
    kernel = tuple(kernel) if isinstance(kernel, list) else kernel
    got = fast._im2col(GOLDEN[f"{name}/x"], kernel, params["stride"], params["padding"])
    np.testing.assert_array_equal(got, GOLDEN[f"{name}/cols"])


@pytest.mark.parametrize("index", range(19))
def test_the_variants_shared_conv_matches_scipy(index):
    """The correct layer the conv variants bend equals the scipy oracle on every check case."""
    case = cases("conv2d_im2col")[index]
    got = fast._conv(*case.args, **case.kwargs)
    want = correlate_layer(*case.args, **case.kwargs)
    tol = 1e-4 if case.args[0].dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_variants_never_import_the_reference():
    """The module imports nothing from autograder.reference (the forbidden-call guard would flag it)."""
    tree = ast.parse(inspect.getsource(fast))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not any(name and name.startswith("autograder.reference") for name in imported)


@pytest.mark.parametrize("mistake", ALL, ids=_id)
def test_identify_names_a_variant_from_its_own_outputs(mistake):
    """Given a variant's outcomes on every case of its check, identify returns that variant."""
    observations = []
    for case in cases(mistake.task):
        try:
            outcome = mistake.fn(*case.args, **case.kwargs)
        except Exception as exc:  # an exception is an outcome like any other
            outcome = exc
        observations.append((case.args, case.kwargs, outcome))
    assert identify(mistake.task, observations).name == mistake.name
