"""Small real data sets for the lectures, and the figures recorded for them.

* :func:`digits`: scikit-learn's handwritten digits (1797 greyscale images of 8x8 pixels,
  ten classes), split into a training and a test set, laid out for the layers.
* :func:`capstone_reference`: the test accuracies PyTorch reached on that split with the
  capstone's network (lecture 09), recorded in ``autograder/data/capstone_torch.json`` by
  ``tests/golden/make_capstone_reference.py``.
"""

from __future__ import annotations

import json
import numbers
from importlib import resources
from typing import NamedTuple

import numpy as np

from autograder._validation import as_int

__all__ = ["Split", "digits", "capstone_reference", "N_CLASSES"]

#: Classes in the digits data set: the digits 0 to 9.
N_CLASSES = 10

_MAX_VALUE = 16.0   # load_digits stores each pixel as a count 0..16 of a 4x4 block


class Split(NamedTuple):
    """A training set and a test set: images ``(N, 1, 8, 8)`` and labels ``(N,)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def digits(test_fraction=0.25, seed=0, *, dtype=np.float32):
    """scikit-learn's handwritten digits, as a seeded, stratified train/test split.

    Parameters
    ----------
    test_fraction : float, default 0.25
        Share of each class that goes to the test set, strictly between 0 and 1.
    seed : int, default 0
        Seeds the shuffle; the same seed gives the same split.
    dtype : numpy dtype, default np.float32
        float32 or float64, for the images.

    Returns
    -------
    Split
        ``(x_train, y_train, x_test, y_test)``: images of shape ``(N, 1, 8, 8)`` (NCHW,
        one channel) with values in [0, 1], and int64 labels 0..9.  Within each set the
        examples are in random order.

    Raises
    ------
    TypeError
        If ``seed`` is not an int, ``test_fraction`` not a float or ``dtype`` not a float dtype.
    ValueError
        If ``test_fraction`` is not strictly between 0 and 1.

    See Also
    --------
    sklearn.datasets.load_digits : Where the images come from.
    sklearn.model_selection.train_test_split : A split with ``stratify=y`` does the same job.

    Notes
    -----
    Each pixel of ``load_digits`` counts the ink in a 4x4 block of a 32x32 bitmap, from
    0 to 16; it is divided by 16.  The split is stratified: class :math:`c` with
    :math:`n_c` images puts :math:`\\operatorname{round}(f\\, n_c)` of them, chosen at
    random, in the test set, so both sets have the classes in the proportions of the
    whole data set.

    Examples
    --------
    >>> data = digits()
    >>> data.x_train.shape, data.x_test.shape, data.x_train.dtype
    ((1347, 1, 8, 8), (450, 1, 8, 8), dtype('float32'))
    >>> float(data.x_train.min()), float(data.x_train.max()), np.bincount(data.y_test).tolist()
    (0.0, 1.0, [44, 46, 44, 46, 45, 46, 45, 45, 44, 45])
    """
    from sklearn.datasets import load_digits   # imported here: only this function needs it

    if isinstance(test_fraction, (bool, np.bool_)) or not isinstance(test_fraction,
                                                                     numbers.Real):
        raise TypeError(f"test_fraction must be a float, got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    seed = as_int(seed, "seed", minimum=0)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}")

    bunch = load_digits()
    images = (bunch.images / _MAX_VALUE).astype(dtype)[:, None]   # (1797, 1, 8, 8)
    labels = bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in range(N_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    return Split(images[train], labels[train], images[test], labels[test])


def capstone_reference():
    """The PyTorch results recorded for lecture 09's network on :func:`digits`.

    Returns
    -------
    dict
        The contents of ``autograder/data/capstone_torch.json``: ``"accuracies"`` (one
        test accuracy per seed), ``"seeds"``, ``"mean"``, ``"min"``, ``"max"``,
        ``"architecture"``, ``"hyperparameters"`` and the ``"versions"`` of torch and
        numpy that produced them.

    See Also
    --------
    digits : The split the accuracies were measured on.

    Notes
    -----
    Written by ``tests/golden/make_capstone_reference.py`` (run with PyTorch installed),
    which trains the same architecture, with the same initialisation scheme, optimizer,
    hyperparameters, epochs and split, once per seed.

    Examples
    --------
    >>> ref = capstone_reference()
    >>> len(ref["accuracies"]) == len(ref["seeds"]), ref["min"] <= ref["mean"] <= ref["max"]
    (True, True)
    """
    text = resources.files("autograder").joinpath("data", "capstone_torch.json").read_text()
    return json.loads(text)
