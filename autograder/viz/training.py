"""Figures of a trained CNN: its filters, its feature maps, its training, its mistakes.

Made for lecture 09 (the capstone), usable for any :mod:`autograder.nn` model.  As in
:mod:`autograder.viz`, every function builds a :class:`matplotlib.figure.Figure` itself
(never through pyplot) and returns it; the roles keep their colours from
:data:`autograder.viz.PALETTE` (input blue, kernel orange, output green), used for the
titles of the panels and the lines of the curves.  Signed arrays (weights) are drawn
with a diverging colour map centred on zero, as in :func:`autograder.viz.show_images`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from autograder._validation import as_array, as_int
from autograder.viz import PALETTE

__all__ = ["show_filters", "show_feature_maps", "show_training_curves",
           "show_confusion_matrix", "show_misclassified"]

_SIGNED_CMAP = "PuOr_r"   # the diverging map of viz.show_images: orange positive, purple negative
_MAP_CMAP = "gray"        # images and feature maps: dark is 0, light is large
_COUNT_CMAP = "cividis"   # counts: perceptually uniform and colour-blind safe


def _check_title(title, name="title"):
    if not isinstance(title, str):
        raise TypeError(f"{name} must be a string, got {title!r}")
    return title


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def show_filters(weight, *, title="learned filters"):
    """Draw the kernels of a convolutional layer as small signed images.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in, kH, kW)
        The layer's weights, e.g. ``conv.weight.data``.
    title : str, default "learned filters"
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        A grid of ``C_in`` rows and ``C_out`` columns, axes in row-major order: the axes
        in row ``c``, column ``o`` shows ``weight[o, c]``, titled ``"filter o"`` on the
        first row.  All kernels share one colour scale, centred on zero, with one colour
        bar (an extra axes at the end).

    Raises
    ------
    TypeError
        If ``weight`` is not numeric or ``title`` not a string.
    ValueError
        If ``weight`` is not 4-D.

    See Also
    --------
    show_feature_maps : What each filter makes of one image.

    Notes
    -----
    The colour scale runs from :math:`-m` to :math:`m` with :math:`m = \\max |w|`, so a
    weight's colour says its sign and size compared with every other weight shown.

    Examples
    --------
    >>> w = np.arange(18.0).reshape(2, 1, 3, 3) - 9
    >>> fig = show_filters(w)
    >>> [ax.get_title() for ax in fig.axes[:2]], fig.axes[0].images[0].get_clim()
    (['filter 0', 'filter 1'], (-9.0, 9.0))
    """
    w = as_array(weight, "weight", ndim=4, shape_hint="(C_out, C_in, kH, kW)")
    title = _check_title(title)
    C_out, C_in = w.shape[:2]
    top = float(np.abs(w).max()) or 1.0
    fig = Figure(figsize=(max(4.0, 0.75 * C_out + 1.2), 0.75 * C_in + 1.3),
                 layout="constrained")
    axes = fig.subplots(C_in, C_out, squeeze=False)
    for c in range(C_in):
        for o in range(C_out):
            ax = axes[c, o]
            shown = ax.imshow(w[o, c], cmap=_SIGNED_CMAP, vmin=-top, vmax=top)
            _bare(ax)
            if c == 0:
                ax.set_title(f"filter {o}", fontsize=8, color=PALETTE["kernel"])
            if o == 0 and C_in > 1:
                ax.set_ylabel(f"in {c}", fontsize=8)
    fig.colorbar(shown, ax=axes, shrink=0.8, label="weight")
    fig.suptitle(title, fontsize=10)
    fig.supxlabel(f"kernels w[o, c] of shape {w.shape[2]}x{w.shape[3]}: "
                  "orange positive, purple negative", fontsize=9)
    return fig


def show_feature_maps(image, maps, *, filters=None, title="feature maps", max_columns=8):
    """Draw one input image, the kernels of a layer, and the map each kernel makes of it.

    Parameters
    ----------
    image : array_like, shape (H, W)
        The input, e.g. one digit.
    maps : array_like, shape (C, H', W')
        The layer's output for that image, one map per filter (after the activation,
        if you like: say so in ``title``).
    filters : array_like, shape (C, kH, kW), optional
        The kernel that made each map (one input channel); drawn above its map.
    title : str, default "feature maps"
        The figure's title.
    max_columns : int, default 8
        Maps per row, >= 1; more maps wrap onto further rows.

    Returns
    -------
    matplotlib.figure.Figure
        Axes in order: the input image, then for each map ``o`` its kernel (if
        ``filters`` is given) and the map.  Titles: ``"input"``, ``"filter o"``,
        ``"map o"``.  Every map uses the same grey scale, from the smallest to the
        largest value over all maps; the kernels share one signed scale.

    Raises
    ------
    TypeError
        If an array is not numeric, ``title`` is not a string or ``max_columns`` not an int.
    ValueError
        If an array has the wrong number of dimensions, ``filters`` has another count
        than ``maps``, or ``max_columns`` < 1.

    See Also
    --------
    show_filters : All the kernels of a layer.

    Notes
    -----
    One kernel gives one map: :math:`\\text{map}_o = b_o + x \\star w_o`, where
    :math:`\\star` is the cross-correlation, so a layer with :math:`C` kernels gives
    :math:`C` maps.

    Examples
    --------
    >>> fig = show_feature_maps(np.eye(4), np.ones((2, 4, 4)), filters=np.ones((2, 3, 3)))
    >>> [ax.get_title() for ax in fig.axes]
    ['input', 'filter 0', 'map 0', 'filter 1', 'map 1']
    >>> len(show_feature_maps(np.eye(4), np.ones((16, 2, 2)), max_columns=8).axes)
    17
    """
    image = as_array(image, "image", ndim=2, shape_hint="(H, W)")
    maps = as_array(maps, "maps", ndim=3, shape_hint="(C, H', W')")
    title = _check_title(title)
    max_columns = as_int(max_columns, "max_columns", minimum=1)
    C = maps.shape[0]
    if filters is not None:
        filters = as_array(filters, "filters", ndim=3, shape_hint="(C, kH, kW)")
        if filters.shape[0] != C:
            raise ValueError(f"filters must hold one kernel per map ({C}), got shape "
                             f"{filters.shape}")
    per_block = 2 if filters is not None else 1     # a row of kernels above a row of maps
    columns = min(C, max_columns)
    blocks = -(-C // columns)
    rows = per_block * blocks
    fig = Figure(figsize=(1.15 * (columns + 1) + 0.6, 1.25 * rows + 1.0), layout="constrained")
    grid = fig.add_gridspec(rows, columns + 1)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(image, cmap=_MAP_CMAP)
    ax.set_title("input", fontsize=9, color=PALETTE["input"])
    _bare(ax)
    low, high = float(maps.min()), float(maps.max())
    if high == low:
        high = low + 1.0
    top = 1.0
    if filters is not None:
        top = float(np.abs(filters).max()) or 1.0
    for o in range(C):
        row, col = per_block * (o // columns), o % columns + 1
        if filters is not None:
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(filters[o], cmap=_SIGNED_CMAP, vmin=-top, vmax=top)
            ax.set_title(f"filter {o}", fontsize=9, color=PALETTE["kernel"])
            _bare(ax)
        ax = fig.add_subplot(grid[row + per_block - 1, col])
        ax.imshow(maps[o], cmap=_MAP_CMAP, vmin=low, vmax=high)
        ax.set_title(f"map {o}", fontsize=9, color=PALETTE["output"])
        _bare(ax)
    fig.suptitle(title, fontsize=10)
    if filters is not None:
        caption = ("left: the input image; top: each kernel (orange positive, purple negative); "
                   "below it: the output map it makes (bright = strong response)")
    else:
        caption = "left: the input image; then one output map per kernel (bright = strong response)"
    fig.supxlabel(caption, fontsize=9)
    return fig


def show_training_curves(history, *, reference=None, reference_label="PyTorch, range over seeds"):
    """Plot loss and accuracy per epoch, on the training and the test set.

    Parameters
    ----------
    history : dict of list
        As returned by :func:`autograder.nn.fit`: ``"epoch"``, ``"train_loss"``,
        ``"train_accuracy"`` and optionally ``"test_loss"``, ``"test_accuracy"``.
    reference : array_like, shape (S, E), optional
        Test accuracy after epochs 1..E of ``S`` other runs (e.g. PyTorch's, one row per
        seed); drawn on the accuracy axes as a band from their minimum to their
        maximum, with their mean as a dashed line.
    reference_label : str, default "PyTorch, range over seeds"
        The band's legend entry.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: loss (left) and accuracy (right) against the epoch, each with a legend.
        Lines are labelled ``"train"`` and ``"test"``.

    Raises
    ------
    TypeError
        If ``history`` is not a dict or a label is not a string.
    ValueError
        If a key is missing, the lists' lengths differ from ``"epoch"``'s, or
        ``reference`` is not 2-D.

    See Also
    --------
    autograder.nn.fit : Makes ``history``.

    Notes
    -----
    Accuracy is the fraction of examples whose largest score is at the right class; the
    loss is the mean cross-entropy.

    Examples
    --------
    >>> hist = {"epoch": [0, 1, 2], "train_loss": [2.3, 0.5, 0.2],
    ...         "train_accuracy": [0.1, 0.8, 0.9]}
    >>> fig = show_training_curves(hist)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> fig.axes[1].lines[0].get_ydata().tolist()
    [0.1, 0.8, 0.9]
    """
    if not isinstance(history, dict):
        raise TypeError(f"history must be a dict as returned by fit, got {history!r}")
    _check_title(reference_label, "reference_label")
    required = ("epoch", "train_loss", "train_accuracy")
    missing = [k for k in required if k not in history]
    if missing:
        raise ValueError(f"history must have the keys {required}, missing {missing}")
    epochs = np.asarray(history["epoch"], dtype=float)
    splits = [s for s in ("train", "test") if f"{s}_loss" in history]
    for s in splits:
        for what in ("loss", "accuracy"):
            if len(history[f"{s}_{what}"]) != len(epochs):
                raise ValueError(f"history['{s}_{what}'] must have one value per epoch "
                                 f"({len(epochs)}), got {len(history[f'{s}_{what}'])}")
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    style = {"train": dict(color=PALETTE["input"], linestyle="-", marker="o"),
             "test": dict(color=PALETTE["output"], linestyle="-", marker="s")}
    for s in splits:
        ax_loss.plot(epochs, history[f"{s}_loss"], label=s, markersize=3, **style[s])
        ax_acc.plot(epochs, history[f"{s}_accuracy"], label=s, markersize=3, **style[s])
    if reference is not None:
        ref = as_array(reference, "reference", ndim=2, kinds="f",
                       shape_hint="(seeds, epochs)")
        ref_epochs = np.arange(1, ref.shape[1] + 1)
        ax_acc.fill_between(ref_epochs, ref.min(axis=0), ref.max(axis=0), alpha=0.3,
                            color=PALETTE["kernel"], label=reference_label, linewidth=0)
        ax_acc.plot(ref_epochs, ref.mean(axis=0), color=PALETTE["kernel"], linestyle="--",
                    label=reference_label.split(",")[0] + ", mean")
    ax_loss.set_title("loss")
    ax_loss.set_ylabel("mean cross-entropy")
    ax_acc.set_title("accuracy")
    ax_acc.set_ylabel("fraction correct")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def show_confusion_matrix(counts, *, title="confusion matrix"):
    """Draw a confusion matrix with its counts written in the cells.

    Parameters
    ----------
    counts : array_like of int, shape (K, K)
        ``counts[i, j]``: examples of true class ``i`` predicted as ``j``, e.g. from
        :func:`autograder.nn.confusion_matrix`.
    title : str, default "confusion matrix"

    Returns
    -------
    matplotlib.figure.Figure
        One axes (plus its colour bar) with rows = true class, columns = predicted class;
        one text per nonzero cell.  The title adds the accuracy, the trace over the total.

    Raises
    ------
    TypeError
        If ``counts`` is not an integer array or ``title`` is not a string.
    ValueError
        If ``counts`` is not square or has a negative entry.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : scikit-learn's picture of the same table.

    Notes
    -----
    Accuracy :math:`= \\sum_i c_{ii} / \\sum_{ij} c_{ij}`; every off-diagonal count is a
    mistake.

    Examples
    --------
    >>> fig = show_confusion_matrix([[5, 1], [0, 4]])
    >>> fig.axes[0].get_title()
    'confusion matrix: 9 of 10 right (90.0%)'
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['5', '1', '4']
    """
    c = as_array(counts, "counts", ndim=2, kinds="iu", shape_hint="(K, K)")
    title = _check_title(title)
    if c.shape[0] != c.shape[1]:
        raise ValueError(f"counts must be square (K, K), got shape {c.shape}")
    if c.size and c.min() < 0:
        raise ValueError("counts must not be negative")
    K = c.shape[0]
    total, right = int(c.sum()), int(np.trace(c))
    fig = Figure(figsize=(0.45 * K + 2.2, 0.45 * K + 1.2), layout="constrained")
    ax = fig.add_subplot()
    shown = ax.imshow(c, cmap=_COUNT_CMAP)
    fig.colorbar(shown, ax=ax, shrink=0.8, label="examples")
    middle = (c.max() + c.min()) / 2
    for i in range(K):
        for j in range(K):
            if c[i, j]:
                ax.text(j, i, str(c[i, j]), ha="center", va="center", fontsize=8,
                        color="black" if c[i, j] > middle else "white")
    ax.set_xticks(range(K))
    ax.set_yticks(range(K))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    share = f"{100 * right / total:.1f}%" if total else "no examples"
    ax.set_title(f"{title}: {right} of {total} right ({share})", fontsize=10)
    return fig


def show_misclassified(images, y_true, y_pred, *, max_count=10):
    """Show the first few images a model got wrong, with the true and the predicted label.

    Parameters
    ----------
    images : array_like, shape (N, 1, H, W) or (N, H, W)
        The examples, e.g. the test set.
    y_true, y_pred : array_like of int, shape (N,)
        Labels and predictions.
    max_count : int, default 10
        Most images shown (the first mistakes in order), >= 1.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per mistake shown, titled ``"true t, said p"``; with no mistake, one
        empty axes saying so.  The figure title gives the number of mistakes.

    Raises
    ------
    TypeError
        If an array is not numeric or ``max_count`` is not an int.
    ValueError
        If the lengths differ or ``images`` has the wrong number of dimensions.

    See Also
    --------
    show_confusion_matrix : All the mistakes, counted by class.

    Notes
    -----
    A mistake is an index :math:`n` with :math:`\\hat y_n \\ne y_n`.

    Examples
    --------
    >>> fig = show_misclassified(np.zeros((3, 1, 8, 8)), [1, 2, 3], [1, 5, 3])
    >>> [ax.get_title() for ax in fig.axes], fig.get_suptitle()
    (['true 2, said 5'], '1 of 3 misclassified')
    """
    x = as_array(images, "images", ndim=(3, 4), shape_hint="(N, 1, H, W) or (N, H, W)")
    if x.ndim == 4:
        if x.shape[1] != 1:
            raise ValueError(f"images must have one channel, got shape {x.shape}")
        x = x[:, 0]
    t = as_array(y_true, "y_true", ndim=1, kinds="iu")
    p = as_array(y_pred, "y_pred", ndim=1, kinds="iu")
    if not len(t) == len(p) == len(x):
        raise ValueError(f"images, y_true and y_pred must have the same length, got "
                         f"{len(x)}, {len(t)} and {len(p)}")
    max_count = as_int(max_count, "max_count", minimum=1)
    wrong = np.flatnonzero(t != p)
    shown = wrong[:max_count]
    fig = Figure(figsize=(max(3.0, 1.2 * len(shown) + 0.4), 1.9), layout="constrained")
    if len(shown) == 0:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        ax.set_axis_off()
    else:
        for k, n in enumerate(shown):
            ax = fig.add_subplot(1, len(shown), k + 1)
            ax.imshow(x[n], cmap=_MAP_CMAP)
            ax.set_title(f"true {t[n]}, said {p[n]}", fontsize=8)
            _bare(ax)
    fig.suptitle(f"{len(wrong)} of {len(t)} misclassified", fontsize=10)
    return fig
