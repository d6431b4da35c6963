"""autograder.datasets: the digits split is a seeded, stratified partition of scikit-learn's data, and the recorded PyTorch figures are consistent.

The oracle for the split is sklearn.datasets.load_digits itself: every returned image is
looked up in it by its pixels (the 1797 images are all different), so the tests know
which original example each one is.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from autograder.datasets import N_CLASSES, Split, capstone_reference, digits

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def original():
    """load_digits, and a map from each image's pixels (as bytes of float64 / 16) to its index."""
    bunch = load_digits()
    index = {(im / 16.0).tobytes(): k for k, im in enumerate(bunch.images)}
    assert len(index) == len(bunch.images)   # all images differ, so the map is one-to-one
    return bunch, index


def _indices(images, index):
    return np.array([index[im[0].astype(np.float64).tobytes()] for im in images])


@pytest.mark.parametrize("fraction", [0.25, 0.1, 0.5], ids=["quarter", "tenth", "half"])
def test_split_is_a_stratified_partition_of_load_digits(original, fraction):
    """Train and test together hold every original image exactly once, with its own label, and each class puts round(fraction * n_c) images in the test set."""
    bunch, index = original
    data = digits(test_fraction=fraction, seed=3, dtype=np.float64)
    train, test = _indices(data.x_train, index), _indices(data.x_test, index)
    assert not set(train) & set(test)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(bunch.target)))
    np.testing.assert_array_equal(data.y_train, bunch.target[train])
    np.testing.assert_array_equal(data.y_test, bunch.target[test])
    per_class = np.bincount(bunch.target, minlength=N_CLASSES)
    expected = [int(round(fraction * n)) for n in per_class]
    assert np.bincount(data.y_test, minlength=N_CLASSES).tolist() == expected
    np.testing.assert_array_equal(np.bincount(data.y_train, minlength=N_CLASSES),
                                  per_class - np.array(expected))


def test_layout_dtype_and_range():
    """Images are (N, 1, 8, 8) in the requested float dtype with values in [0, 1] reaching both ends; labels are int64."""
    for dtype in (np.float32, np.float64):
        data = digits(dtype=dtype)
        assert isinstance(data, Split)
        assert data.x_train.shape == (1347, 1, 8, 8) and data.x_test.shape == (450, 1, 8, 8)
        assert data.x_train.dtype == dtype and data.y_train.dtype == np.int64
        both = np.concatenate([data.x_train, data.x_test])
        assert both.min() == 0.0 and both.max() == 1.0


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    """The split is a function of the seed: equal for equal seeds, different for different ones."""
    a, b, c = digits(seed=7), digits(seed=7), digits(seed=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.y_test, c.y_test)


def test_examples_are_shuffled_not_sorted_by_class():
    """Within each set the classes are mixed, so minibatches taken in order are not one digit each."""
    data = digits()
    assert len(set(data.y_train[:20].tolist())) > 3
    assert np.any(np.diff(data.y_test) < 0)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(test_fraction=0.0), ValueError, "test_fraction"),
    (dict(test_fraction=1.0), ValueError, "test_fraction"),
    (dict(test_fraction="a quarter"), TypeError, "test_fraction"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.5), TypeError, "seed"),
    (dict(dtype=np.int64), TypeError, "dtype"),
], ids=["fraction 0", "fraction 1", "fraction string", "negative seed", "float seed", "int dtype"])
def test_bad_arguments_raise_naming_the_parameter(kwargs, exc, word):
    """Each bad argument raises the documented exception naming the parameter."""
    with pytest.raises(exc, match=word):
        digits(**kwargs)


def _reference_script():
    """tests/golden/make_capstone_reference.py as a module (it imports torch only in main())."""
    path = ROOT / "tests" / "golden" / "make_capstone_reference.py"
    spec = importlib.util.spec_from_file_location("make_capstone_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recorded_pytorch_figures_are_consistent_with_the_script_and_the_split():
    """The packaged JSON holds one accuracy per seed of the script, its mean, min and max, whole test digits out of 450, and the script's settings and architecture."""
    ref = capstone_reference()
    script = _reference_script()
    assert ref == json.loads((ROOT / "autograder" / "data" / "capstone_torch.json").read_text())
    acc = np.array(ref["accuracies"])
    assert ref["seeds"] == script.SEEDS and len(acc) == len(script.SEEDS)
    assert ref["mean"] == pytest.approx(acc.mean()) and ref["min"] == acc.min() \
        and ref["max"] == acc.max()
    assert ref["n_test"] == len(digits().y_test) == 450 and ref["n_train"] == 1347
    np.testing.assert_allclose(acc * ref["n_test"], np.round(acc * ref["n_test"]), atol=1e-9)
    assert ref["hyperparameters"] == script.HYPERPARAMETERS
    assert ref["architecture"] == script.ARCHITECTURE
    for seed in ref["seeds"]:
        curve = ref["test_accuracy_per_epoch"][str(seed)]
        assert len(curve) == ref["hyperparameters"]["epochs"]
        assert curve[-1] == acc[ref["seeds"].index(seed)]
    assert ref["versions"]["torch"].startswith("2.") and "numpy" in ref["versions"]
    assert 0.9 < ref["min"] <= ref["max"] <= 1.0
