"""The convolution-arithmetic explorer: sliders for the settings, every window, the output size.

:class:`ArithmeticExplorer` takes a student's own output-size function if given one, reports
the size it returns, and compares it with the number of window positions counted on the
grid, saying plainly when the two disagree or when the function raises.
"""

from __future__ import annotations

import numbers

import ipywidgets

from autograder.viz import MAX_GRID_SIDE
from autograder.viz.arithmetic import _unread_text, conv_arithmetic, show_coverage
from autograder.widgets import Explorer

__all__ = ["ArithmeticExplorer"]

# slider ranges: a direct convolution's padded input stays within MAX_GRID_SIDE
_RANGES = {"input_size": (1, 12), "kernel_size": (1, 5), "padding": (0, 4), "stride": (1, 3),
           "dilation": (1, 3)}
_LABELS = {"input_size": "input I", "kernel_size": "kernel K", "padding": "padding P",
           "stride": "stride S", "dilation": "dilation D"}


def _describe_call(input_size, kernel_size, stride, padding, dilation):
    return (f"output_size({input_size}, {kernel_size}, stride={stride}, padding={padding}, "
            f"dilation={dilation})")


class ArithmeticExplorer(Explorer):
    """Sliders for input size, kernel size, padding, stride and dilation; every window drawn.

    The text always starts with ``"output size: N"`` (an int), followed by how ``N`` was
    found and, for a configuration that does not fit, which rows and columns are never
    read.  The figure is :func:`autograder.viz.arithmetic.show_coverage`: how many
    windows read each input cell, where each window starts, and the output grid.

    Parameters
    ----------
    input_size, kernel_size, padding, stride, dilation : int
        Initial slider values (square input and kernel; ``dilation=1`` means none).
    transposed : bool, default False
        Initial state of the "transposed" checkbox: show a transposed convolution as the
        direct convolution on the zero-inserted, padded input.
    output_size : callable, optional
        A student's function ``output_size(input_size, kernel_size, stride, padding,
        dilation) -> int`` (the argument order of
        :func:`autograder.reference.conv_output_size`).  When given, the reported size is
        what it returns, and the text says whether it matches the count of window
        positions, or what it raised.  It is not used for transposed convolutions.

    Attributes
    ----------
    counted : int or None
        Window positions along one side, counted on the grid (None if the kernel does
        not fit).
    output_size : int or None
        The size reported after ``"output size:"``.
    agrees : bool or None
        Whether the student's function returned ``counted``; None without a function or
        in transposed mode.

    Raises
    ------
    TypeError
        If ``output_size`` is given and is not callable.

    See Also
    --------
    autograder.reference.conv_output_size : The formula.
    autograder.viz.animation.animate_conv : The same windows, one per frame.

    Notes
    -----
    The count of window positions along a side is the number of :math:`i \\ge 0` with
    :math:`iS + D(K - 1) \\le I + 2P - 1`, which is
    :math:`\\lfloor (I + 2P - D(K - 1) - 1) / S \\rfloor + 1`.

    Examples
    --------
    >>> ex = ArithmeticExplorer(input_size=10, kernel_size=3, stride=2)
    >>> ex.text.split(" (")[0]
    'output size: 4'
    >>> wrong = lambda i, k, s, p, d: (i + 2 * p - k) // s    # forgot the + 1
    >>> ex = ArithmeticExplorer(input_size=5, kernel_size=3, output_size=wrong)
    >>> for part in ex.text.split(" -- "):
    ...     print(part)
    output size: 2 (from your output_size(5, 3, stride=1, padding=0, dilation=1))
    but counting window positions gives 3: your function disagrees
    >>> ex.set(padding=1).agrees, ex.counted
    (False, 5)
    """

    def __init__(self, input_size=5, kernel_size=3, padding=0, stride=1, dilation=1,
                 transposed=False, *, output_size=None):
        if output_size is not None and not callable(output_size):
            raise TypeError(f"output_size must be a function output_size(input_size, "
                            f"kernel_size, stride, padding, dilation) -> int, got "
                            f"{output_size!r}")
        self._student = output_size
        self.counted = self.output_size = self.agrees = None
        start = {"input_size": input_size, "kernel_size": kernel_size, "padding": padding,
                 "stride": stride, "dilation": dilation}
        controls = {}
        for name, (low, high) in _RANGES.items():
            value = start[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (
                    low <= value <= high):
                raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")
            controls[name] = ipywidgets.IntSlider(
                value=int(value), min=low, max=high, description=_LABELS[name],
                continuous_update=False, style={"description_width": "initial"})
        if not isinstance(transposed, bool):
            raise TypeError(f"transposed must be True or False, got {transposed!r}")
        controls["transposed"] = ipywidgets.Checkbox(value=transposed, description="transposed")
        super().__init__(controls)

    def _ask_student(self, input_size, kernel_size, stride, padding, dilation):
        """Call the student's function: ``(value, None, False)`` or ``(None, why, raised)``."""
        call = _describe_call(input_size, kernel_size, stride, padding, dilation)
        try:
            value = self._student(input_size, kernel_size, stride, padding, dilation)
        except Exception as exc:   # a student's function may fail in any way; report it
            return None, f"your {call} raised {type(exc).__name__}: {exc}", True
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value), None, False
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and \
                float(value).is_integer():
            return int(value), None, False
        return (None, f"your {call} returned {value!r}, which is not a whole number of "
                f"positions", False)

    def draw(self, input_size, kernel_size, padding, stride, dilation, transposed):
        self.counted = self.output_size = self.agrees = None
        student = self._student is not None and not transposed
        try:
            a = conv_arithmetic(input_size, kernel_size, padding=padding, stride=stride,
                                dilation=dilation, transposed=transposed)
        except ValueError as exc:
            message = str(exc)
            if student:
                value, complaint, _ = self._ask_student(input_size, kernel_size, stride,
                                                        padding, dilation)
                message += "; " + (complaint or f"your output_size returned {value}, but there "
                                   f"is no window position")
            raise ValueError(message) from None

        self.counted = a.output_shape[0]
        parts = []
        if student:
            value, complaint, raised = self._ask_student(input_size, kernel_size, stride,
                                                         padding, dilation)
            call = _describe_call(input_size, kernel_size, stride, padding, dilation)
            if complaint is None and value == self.counted:
                self.output_size, self.agrees = value, True
                parts.append(f"output size: {value} (from your {call}), matching the "
                             f"{self.counted} window positions counted")
            elif complaint is None:
                self.output_size, self.agrees = value, False
                parts.append(f"output size: {value} (from your {call}) -- but counting window "
                             f"positions gives {self.counted}: your function disagrees")
            else:
                self.output_size, self.agrees = self.counted, False
                fair = (" (this configuration does not fit, so refusing it is a fair answer)"
                        if not a.fits and raised else "")
                parts.append(f"output size: {self.counted} (counted) -- {complaint}{fair}")
        else:
            self.output_size = self.counted
            how = "window positions counted along each side"
            if transposed and self._student is not None:
                how += "; your output_size is for a direct convolution, so it is not used here"
            parts.append(f"output size: {self.counted} ({how})")
        if not a.fits:
            parts.append(_unread_text(a))
        if max(a.grid_shape) > MAX_GRID_SIDE:
            parts.append(f"the grid is {a.grid_shape[0]}x{a.grid_shape[1]}, too large to draw "
                         f"(at most {MAX_GRID_SIDE}): lower the input size or stride")
            return None, "; ".join(parts)
        return show_coverage(None, None, arithmetic=a), "; ".join(parts)
