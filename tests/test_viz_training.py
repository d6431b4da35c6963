"""autograder.viz.training: each figure draws the arrays it is given, where it says, and refuses bad arguments.

The arrays are checked against what the figure holds (image data, line data, texts),
and the expected values are computed here independently: the confusion counts with
scikit-learn, the misclassified indices with a plain loop.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import sklearn.metrics
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from autograder.viz import PALETTE
from autograder.viz.training import (show_confusion_matrix, show_feature_maps, show_filters,
                                     show_misclassified, show_training_curves)


@pytest.mark.parametrize("shape", [(8, 1, 3, 3), (4, 3, 2, 2), (1, 1, 1, 1), (3, 2, 3, 5)],
                         ids=["first layer", "three input channels, even kernel", "1x1, C=1",
                              "non-square kernel"])
def test_show_filters_draws_every_kernel_on_one_symmetric_scale(shape, rng):
    """Axes (c, o) shows weight[o, c] exactly, every image uses the colour limits +-max|w|, and the first row names the filters."""
    w = rng.standard_normal(shape)
    fig = show_filters(w)
    C_out, C_in = shape[:2]
    image_axes = [ax for ax in fig.axes if ax.images]
    assert len(image_axes) == C_out * C_in
    top = np.abs(w).max()
    for k, ax in enumerate(image_axes):
        c, o = divmod(k, C_out)
        np.testing.assert_array_equal(ax.images[0].get_array(), w[o, c])
        assert ax.images[0].get_clim() == pytest.approx((-top, top))
    assert [ax.get_title() for ax in image_axes[:C_out]] == [f"filter {o}" for o in range(C_out)]
    assert "orange positive, purple negative" in fig.get_supxlabel()


@pytest.mark.parametrize("C, columns", [(8, 8), (16, 8), (3, 2), (1, 8)],
                         ids=["one row", "two rows", "wrap 3 over 2", "one map"])
def test_show_feature_maps_puts_each_kernel_above_its_map(C, columns, rng):
    """Each map and its kernel are drawn in order, the kernel directly above its map, and maps share one grey scale."""
    image = rng.random((8, 8))
    maps = rng.random((C, 4, 4))
    filters = rng.standard_normal((C, 3, 3))
    fig = show_feature_maps(image, maps, filters=filters, max_columns=columns)
    axes = fig.axes
    assert len(axes) == 1 + 2 * C
    assert axes[0].get_title() == "input"
    np.testing.assert_array_equal(axes[0].images[0].get_array(), image)
    for o in range(C):
        kernel_ax, map_ax = axes[1 + 2 * o], axes[2 + 2 * o]
        assert (kernel_ax.get_title(), map_ax.get_title()) == (f"filter {o}", f"map {o}")
        np.testing.assert_array_equal(kernel_ax.images[0].get_array(), filters[o])
        np.testing.assert_array_equal(map_ax.images[0].get_array(), maps[o])
        assert map_ax.images[0].get_clim() == pytest.approx((maps.min(), maps.max()))
        k_spec, m_spec = kernel_ax.get_subplotspec(), map_ax.get_subplotspec()
        assert k_spec.colspan == m_spec.colspan and k_spec.rowspan.stop == m_spec.rowspan.start
        assert k_spec.colspan.start == o % columns + 1
    assert to_hex(axes[1].title.get_color()) == PALETTE["kernel"].lower()
    assert to_hex(axes[2].title.get_color()) == PALETTE["output"].lower()


def test_show_feature_maps_without_filters():
    """Without kernels the figure is the input and one axes per map."""
    fig = show_feature_maps(np.eye(8), np.ones((16, 2, 2)))
    assert [ax.get_title() for ax in fig.axes] == ["input"] + [f"map {o}" for o in range(16)]


def test_show_training_curves_plots_the_history_and_the_reference_band(rng):
    """Loss and accuracy lines carry the history's values per epoch, and the reference band spans each epoch's minimum to maximum, with the mean dashed."""
    history = {"epoch": [0, 1, 2, 3], "train_loss": [2.3, 1.0, 0.5, 0.3],
               "train_accuracy": [0.1, 0.7, 0.9, 0.95], "test_loss": [2.3, 1.1, 0.6, 0.4],
               "test_accuracy": [0.1, 0.6, 0.85, 0.9]}
    reference = rng.uniform(0.5, 1.0, size=(5, 3))
    fig = show_training_curves(history, reference=reference, reference_label="PyTorch, 5 seeds")
    ax_loss, ax_acc = fig.axes
    assert [line.get_label() for line in ax_loss.lines] == ["train", "test"]
    for ax, what in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        for line, split in zip(ax.lines, ("train", "test")):
            np.testing.assert_array_equal(line.get_xdata(), history["epoch"])
            np.testing.assert_array_equal(line.get_ydata(), history[f"{split}_{what}"])
    band = [c for c in ax_acc.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1
    ys = band[0].get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(reference.min(axis=0).min())
    assert ys.max() == pytest.approx(reference.max(axis=0).max())
    mean_line = ax_acc.lines[-1]
    assert mean_line.get_linestyle() == "--"
    np.testing.assert_array_equal(mean_line.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(mean_line.get_ydata(), reference.mean(axis=0))
    labels = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert "PyTorch, 5 seeds" in labels


def test_show_confusion_matrix_writes_the_counts_and_the_accuracy(rng):
    """Each nonzero count of scikit-learn's confusion matrix is written in its cell (row = true, column = predicted) and the title gives the accuracy."""
    t, p = rng.integers(0, 5, 80), rng.integers(0, 5, 80)
    counts = sklearn.metrics.confusion_matrix(t, p, labels=range(5))
    fig = show_confusion_matrix(counts, title="test")
    ax = fig.axes[0]
    written = {(round(txt.get_position()[1]), round(txt.get_position()[0])): int(txt.get_text())
               for txt in ax.texts}
    expected = {(i, j): int(counts[i, j]) for i in range(5) for j in range(5) if counts[i, j]}
    assert written == expected
    right = int(np.sum(t == p))
    assert ax.get_title() == f"test: {right} of 80 right ({100 * right / 80:.1f}%)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")


def test_show_misclassified_shows_the_first_mistakes_in_order(rng):
    """The panels are the first max_count indices where prediction and label differ, titled with both, and the title counts all mistakes."""
    images = rng.random((30, 1, 8, 8))
    t, p = rng.integers(0, 3, 30), rng.integers(0, 3, 30)
    wrong = [n for n in range(30) if t[n] != p[n]]
    fig = show_misclassified(images, t, p, max_count=4)
    assert [ax.get_title() for ax in fig.axes] == [f"true {t[n]}, said {p[n]}" for n in wrong[:4]]
    for ax, n in zip(fig.axes, wrong):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[n, 0])
    assert fig.get_suptitle() == f"{len(wrong)} of 30 misclassified"


def test_show_misclassified_with_no_mistakes():
    """With every prediction right, the figure says so instead of drawing nothing."""
    fig = show_misclassified(np.zeros((2, 8, 8)), [1, 2], [1, 2])
    assert fig.get_suptitle() == "0 of 2 misclassified"
    assert [t.get_text() for t in fig.axes[0].texts] == ["no mistakes"]


def test_figures_stay_out_of_pyplot_and_render_headless(rng):
    """Every figure is a plain Figure, unknown to pyplot, and renders to PNG."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figures = [
        show_filters(rng.standard_normal((2, 1, 3, 3))),
        show_feature_maps(np.eye(4), np.ones((2, 4, 4)), filters=np.ones((2, 3, 3))),
        show_training_curves({"epoch": [0, 1], "train_loss": [1, 0.5],
                              "train_accuracy": [0.5, 0.9]}),
        show_confusion_matrix(np.eye(3, dtype=int)),
        show_misclassified(np.zeros((2, 1, 8, 8)), [0, 1], [1, 1]),
    ]
    assert plt.get_fignums() == before
    for fig in figures:
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png")


BAD = {
    "filters 3-D": (lambda: show_filters(np.zeros((2, 3, 3))), ValueError, "weight"),
    "filters title": (lambda: show_filters(np.zeros((1, 1, 3, 3)), title=3), TypeError, "title"),
    "maps 2-D": (lambda: show_feature_maps(np.eye(4), np.eye(4)), ValueError, "maps"),
    "filters count": (lambda: show_feature_maps(np.eye(4), np.ones((2, 4, 4)),
                                                filters=np.ones((3, 3, 3))), ValueError,
                      "filters"),
    "max_columns 0": (lambda: show_feature_maps(np.eye(4), np.ones((2, 4, 4)), max_columns=0),
                      ValueError, "max_columns"),
    "history not a dict": (lambda: show_training_curves([1, 2]), TypeError, "history"),
    "history key missing": (lambda: show_training_curves({"epoch": [0]}), ValueError,
                            "train_loss"),
    "history lengths": (lambda: show_training_curves({"epoch": [0, 1], "train_loss": [1.0],
                                                      "train_accuracy": [0.1, 0.2]}),
                        ValueError, "train_loss"),
    "reference 1-D": (lambda: show_training_curves({"epoch": [0], "train_loss": [1.0],
                                                    "train_accuracy": [0.1]},
                                                   reference=[0.9]), ValueError, "reference"),
    "counts not square": (lambda: show_confusion_matrix(np.zeros((2, 3), int)), ValueError,
                          "square"),
    "counts float": (lambda: show_confusion_matrix(np.zeros((2, 2))), TypeError, "counts"),
    "counts negative": (lambda: show_confusion_matrix(-np.eye(2, dtype=int)), ValueError,
                        "negative"),
    "misclassified lengths": (lambda: show_misclassified(np.zeros((2, 8, 8)), [0], [0, 1]),
                              ValueError, "same length"),
    "misclassified channels": (lambda: show_misclassified(np.zeros((2, 3, 8, 8)), [0, 1], [0, 1]),
                               ValueError, "one channel"),
    "misclassified max_count": (lambda: show_misclassified(np.zeros((2, 8, 8)), [0, 1], [0, 1],
                                                           max_count=0), ValueError, "max_count"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_arguments_raise_naming_the_parameter(case):
    """Each bad argument raises the documented exception, naming the parameter or the rule broken."""
    call, exc, word = BAD[case]
    with pytest.raises(exc, match=word):
        call()
