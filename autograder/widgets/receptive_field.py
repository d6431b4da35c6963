"""The receptive-field explorer of lecture 04: stack layers, pick an output unit, see what it sees.

:class:`ReceptiveFieldExplorer` builds a stack of identical convolution layers (kernel
size, stride, dilation, padding), optionally with a 2x2 max pool after each, on a square
input.  For the chosen unit of the last map it draws every map with the cells that reach
the unit (:func:`autograder.viz.connectivity.show_receptive_field`) and reports the
receptive field's size, next to what :func:`autograder.reference.receptive_field`
computes from the layers' settings.
"""

from __future__ import annotations

import ipywidgets

from autograder._validation import as_int, check_choice
from autograder.reference.structure import receptive_field
from autograder.viz.connectivity import show_receptive_field, trace_receptive_field
from autograder.widgets import Explorer

__all__ = ["build_stack", "ReceptiveFieldExplorer"]

#: The padding choices: no padding, or enough to keep the size at stride 1 (odd kernels).
PADDINGS = ("valid", "same")


def build_stack(layers, kernel_size, stride=1, dilation=1, padding="valid", pooling=False):
    """The layers of a stack of identical convolutions, optionally each followed by a pool.

    Parameters
    ----------
    layers : int
        Number of convolution layers, at least 1.
    kernel_size, stride, dilation : int
        Every convolution's settings, each at least 1 (``dilation=1`` means none).
    padding : {"valid", "same"}, default "valid"
        ``"valid"`` adds no zeros; ``"same"`` adds ``dilation * (kernel_size - 1) // 2``
        on each side, which keeps the size at stride 1 for an odd kernel.
    pooling : bool, default False
        Put a 2x2 max pool with stride 2 after every convolution.

    Returns
    -------
    specs : list of dict
        The layers, input to output, as dicts with ``kernel_size``, ``stride``,
        ``dilation`` and ``padding``, as :func:`autograder.reference.receptive_field`
        and :func:`~autograder.viz.connectivity.trace_receptive_field` take them.
    names : list of str
        A short name for each layer, such as ``"conv 3×3"`` or ``"max pool 2×2"``.

    Raises
    ------
    TypeError
        If a count is not an int or ``pooling`` not a bool.
    ValueError
        If a count is below 1 or ``padding`` is not one of :data:`PADDINGS`.

    See Also
    --------
    torch.nn.Sequential : How such a stack is written in PyTorch.

    Notes
    -----
    A "same" convolution of kernel :math:`k` and dilation :math:`d` pads
    :math:`p = \\lfloor d (k - 1) / 2 \\rfloor`, so its output has
    :math:`\\lfloor (n + 2p - d(k - 1) - 1) / s \\rfloor + 1` rows.

    Examples
    --------
    >>> specs, names = build_stack(2, 3, padding="same", pooling=True)
    >>> names
    ['conv 3×3', 'max pool 2×2', 'conv 3×3', 'max pool 2×2']
    >>> specs[0]
    {'kernel_size': 3, 'stride': 1, 'dilation': 1, 'padding': 1}
    """
    depth = as_int(layers, "layers", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    d = as_int(dilation, "dilation", minimum=1)
    check_choice(padding, "padding", PADDINGS)
    if not isinstance(pooling, bool):
        raise TypeError(f"pooling must be True or False, got {pooling!r}")
    conv = dict(kernel_size=k, stride=s, dilation=d,
                padding=d * (k - 1) // 2 if padding == "same" else 0)
    name = f"conv {k}×{k}" + (f", stride {s}" if s > 1 else "") + (
        f", dilation {d}" if d > 1 else "")
    specs, names = [], []
    for _ in range(depth):
        specs.append(dict(conv))
        names.append(name)
        if pooling:
            specs.append(dict(kernel_size=2, stride=2, dilation=1, padding=0))
            names.append("max pool 2×2")
    return specs, names


class ReceptiveFieldExplorer(Explorer):
    """Stack convolution layers, pick a unit of the last map, and see its receptive field.

    Parameters
    ----------
    input_size : int, default 16
        Side of the square input, 4 to 32.
    layers : int, default 2
        Number of convolution layers, 1 to 4.
    kernel_size : int, default 3
        Every convolution's kernel side, 1 to 7.
    stride, dilation : int, default 1
        Every convolution's stride and dilation, 1 to 3 (``dilation=1`` means none).
    padding : {"valid", "same"}, default "same"
        See :func:`build_stack`.
    pooling : bool, default False
        A 2x2 max pool with stride 2 after every convolution.
    row, col : int, default 7
        The unit of the last map, 0 to 31; a unit outside the map is reported, not drawn.

    Attributes
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        ``input_size``, ``layers``, ``kernel_size``, ``stride``, ``dilation``,
        ``padding``, ``pooling``, ``row``, ``col``.
    figure, text, ok, widget
        As in :class:`autograder.widgets.Explorer`.

    Raises
    ------
    traitlets.TraitError
        If an initial value is outside its control's range or choices.

    See Also
    --------
    autograder.viz.connectivity.show_receptive_field : The figure.
    autograder.reference.receptive_field : The size from the formula, quoted in the text.

    Notes
    -----
    The text gives the field's rows and columns in the input, found by following the
    unit back through every layer, and the size and jump that
    :math:`r_l = r_{l-1} + d_l (k_l - 1) j_{l-1},\\ j_l = j_{l-1} s_l` give: the two
    always agree.

    Examples
    --------
    >>> ex = ReceptiveFieldExplorer(input_size=9, layers=3, padding="valid", row=1, col=1)
    >>> print(ex.text)
    Unit (1, 1) of the last map (3×3) sees input rows 1–7, columns 1–7: a 7×7 receptive field. receptive_field(layers) gives size 7, jump 1.
    >>> print(ex.set(row=5).text)
    Cannot draw this: unit must lie in the last map, which is 3x3, got (5, 1)
    >>> ex.set(layers=1, pooling=True, row=2, col=0).text.split(". ")[0]
    'Unit (2, 0) of the last map (3×3) sees input rows 4–7, columns 0–3: a 4×4 receptive field'

    """

    def __init__(self, input_size=16, layers=2, kernel_size=3, stride=1, dilation=1,
                 padding="same", pooling=False, row=7, col=7):
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        super().__init__({
            "input_size": ipywidgets.IntSlider(value=input_size, min=4, max=32,
                                               description="input side", **slider),
            "layers": ipywidgets.IntSlider(value=layers, min=1, max=4,
                                           description="conv layers", **slider),
            "kernel_size": ipywidgets.IntSlider(value=kernel_size, min=1, max=7,
                                                description="kernel", **slider),
            "stride": ipywidgets.IntSlider(value=stride, min=1, max=3,
                                           description="stride", **slider),
            "dilation": ipywidgets.IntSlider(value=dilation, min=1, max=3,
                                             description="dilation", **slider),
            "padding": ipywidgets.Dropdown(
                options=[("none (valid)", "valid"), ("keep size (same)", "same")],
                value=padding, description="padding"),
            "pooling": ipywidgets.Checkbox(value=pooling, description="2×2 max pool after each"),
            "row": ipywidgets.IntSlider(value=row, min=0, max=31, description="unit row",
                                        **slider),
            "col": ipywidgets.IntSlider(value=col, min=0, max=31, description="unit col",
                                        **slider),
        })

    def draw(self, input_size, layers, kernel_size, stride, dilation, padding, pooling, row,
             col):
        """Draw the maps of the stack and say how large the chosen unit's field is."""
        specs, names = build_stack(layers, kernel_size, stride, dilation, padding, pooling)
        trace = trace_receptive_field(specs, input_size, (row, col))
        figure = show_receptive_field(specs, input_size, (row, col), names=names)
        (r0, r1), (c0, c1) = trace.rows, trace.cols
        oh, ow = trace.masks[-1].shape
        size, jump = receptive_field(specs)
        text = (f"Unit ({row}, {col}) of the last map ({oh}×{ow}) sees input rows {r0}–{r1}, "
                f"columns {c0}–{c1}: a {r1 - r0 + 1}×{c1 - c0 + 1} receptive field. "
                f"receptive_field(layers) gives size {size}, jump {jump}.")
        seen = trace.masks[0]
        clipped = seen[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1]
        reasons = []
        if r0 < 0 or c0 < 0 or r1 >= seen.shape[0] or c1 >= seen.shape[1]:
            reasons.append("part of the field lies on the padding")
        if not clipped.all():
            reasons.append("dilation leaves gaps in it")
        if reasons:
            text += f" Only {int(seen.sum())} input pixels reach the unit: {' and '.join(reasons)}."
        return figure, text
