"""A kernel playground: classic 3x3 kernels, or your own, on the photograph.

:class:`KernelPlayground` filters a grey image (by default Grace Hopper's portrait, from
:func:`autograder.images.photo`) with a 3x3 kernel and shows it before and after.  Pick a
named kernel (blur, sharpen, Sobel, Laplacian, emboss, ...) or type the nine entries
yourself, and switch between cross-correlation (what a convolutional layer computes) and
convolution (the kernel turned by 180 degrees first).  :class:`ColourFilterPlayground`
does the same with a filter three channels deep on the colour photograph, as a
convolutional layer with one filter does.
"""

from __future__ import annotations

import types

import ipywidgets
import numpy as np

from autograder._validation import as_array, check_choice
from autograder.images import photo
from autograder.reference.layers import conv2d
from autograder.reference.signal import convolve2d, correlate2d
from autograder.viz import show_images
from autograder.widgets import Explorer

__all__ = ["KERNELS", "OPERATIONS", "apply_kernel", "KernelPlayground",
           "ColourFilterPlayground"]


def _frozen(rows, scale=1.0):
    kernel = np.array(rows, dtype=float) * scale
    kernel.setflags(write=False)
    return kernel


#: The named 3x3 kernels, read-only.  Sobel x is left column minus right column, as in
#: lecture 01: positive where the image gets darker to the right (under cross-correlation).
KERNELS = types.MappingProxyType({
    "identity": _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur": _frozen(np.ones((3, 3)), 1 / 9),
    "Gaussian blur": _frozen([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "Sobel x": _frozen([[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
    "Sobel y": _frozen([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
    "Laplacian": _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
})

#: The two ways of sliding a kernel, as the playground names them.
OPERATIONS = ("cross-correlation", "convolution")

_ENTRY_NAMES = tuple(f"k{r}{c}" for r in range(3) for c in range(3))


def apply_kernel(image, kernel, *, operation="cross-correlation"):
    """Filter a grey image with a kernel, keeping its size (edges mirrored).

    Parameters
    ----------
    image : array_like, shape (H, W)
        The image.
    kernel : array_like, shape (kH, kW)
        The kernel.
    operation : {"cross-correlation", "convolution"}, default "cross-correlation"
        Slide the kernel as it is (what a convolutional layer does) or turned by 180
        degrees.

    Returns
    -------
    numpy.ndarray, shape (H, W)
        The filtered image, as floats.

    Raises
    ------
    TypeError
        If ``image`` or ``kernel`` is not numeric.
    ValueError
        If either is not 2-D, or ``operation`` is not one of :data:`OPERATIONS`.

    See Also
    --------
    autograder.reference.correlate2d, autograder.reference.convolve2d : What is called,
        with ``mode="same", boundary="symm"``.
    scipy.signal.correlate2d : The same with scipy.

    Notes
    -----
    Cross-correlation: :math:`y[i, j] = \\sum_{u, v} x[i + u - c_h, j + v - c_w]\\, k[u, v]`
    with the kernel's centre :math:`(c_h, c_w)`; outside the image, :math:`x` is its
    mirror image (``boundary="symm"``), so the borders do not darken.

    Examples
    --------
    >>> img = np.array([[0.0, 0.0, 1.0, 1.0]] * 3)
    >>> apply_kernel(img, KERNELS["Sobel x"])
    array([[ 0., -4., -4.,  0.],
           [ 0., -4., -4.,  0.],
           [ 0., -4., -4.,  0.]])
    >>> apply_kernel(img, KERNELS["Sobel x"], operation="convolution")[0]
    array([0., 4., 4., 0.])
    """
    image = as_array(image, "image", ndim=2, shape_hint="(H, W)")
    kernel = as_array(kernel, "kernel", ndim=2, shape_hint="(kH, kW)")
    operation = check_choice(operation, "operation", OPERATIONS)
    slide = correlate2d if operation == "cross-correlation" else convolve2d
    return slide(image.astype(float), kernel.astype(float), mode="same", boundary="symm")


def _matrix(kernel) -> str:
    """A kernel as one line of nested lists, numbers in short form."""
    return "[" + ", ".join("[" + ", ".join(f"{v:.3g}" for v in row) + "]"
                           for row in kernel) + "]"


def _name_of(kernel) -> str:
    """The name of the kernel in KERNELS equal to ``kernel``, or "custom"."""
    return next((name for name, k in KERNELS.items() if np.allclose(k, kernel, rtol=0,
                                                                    atol=1e-9)), "custom")


class KernelPlayground(Explorer):
    """A 3x3 kernel on a grey photo: choose a named one or type the entries, see before and after.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        The grey image to filter; default ``autograder.images.photo(grey=True)``.
    kernel : str, default "Sobel x"
        The named kernel to start with, a key of :data:`KERNELS`.
    operation : {"cross-correlation", "convolution"}, default "cross-correlation"
        The operation to start with.

    Attributes
    ----------
    image : numpy.ndarray, shape (H, W)
        The image, as floats.
    output : numpy.ndarray, shape (H, W) or None
        The filtered image, before any clipping for display (None if it cannot be drawn).

    Raises
    ------
    TypeError
        If ``image`` is not numeric.
    ValueError
        If ``image`` is not 2-D, or ``kernel`` or ``operation`` is not one of the choices.

    See Also
    --------
    apply_kernel : The filtering.
    autograder.viz.show_images : The figure.

    Notes
    -----
    Controls: ``kernel`` (a dropdown of :data:`KERNELS` and "custom"), ``operation``
    and the entries ``k00`` ... ``k22`` (``k<row><column>``).  Choosing a named kernel
    fills in the entries; editing an entry turns the dropdown to "custom".  A kernel
    whose entries add up to 0 (an edge detector) gives 0 on flat areas, and its output is
    drawn signed around zero; any other output is drawn in grey, clipped to [0, 1] like
    the photo.  The text gives the kernel, the sum of its entries and the output's range
    before clipping.

    Examples
    --------
    >>> img = np.tile([0.0, 0.0, 1.0, 1.0], (4, 1))
    >>> play = KernelPlayground(img)
    >>> print(play.text)
    Sobel x kernel [[1, 0, -1], [2, 0, -2], [1, 0, -1]], entries sum to 0, cross-correlation: output from -4 to 0
    >>> play.set(kernel="box blur").controls["k11"].value == 1 / 9
    True
    >>> play.set(k11=1.0).values["kernel"]
    'custom'
    """

    def __init__(self, image=None, *, kernel="Sobel x", operation="cross-correlation"):
        if image is None:
            image = photo(grey=True)
        self.image = as_array(image, "image", ndim=2, shape_hint="(H, W)").astype(float)
        kernel = check_choice(kernel, "kernel", KERNELS)
        operation = check_choice(operation, "operation", OPERATIONS)
        self.output = None
        self._filling = False
        preset = ipywidgets.Dropdown(options=[*KERNELS, "custom"], value=kernel,
                                     description="kernel")
        slide = ipywidgets.ToggleButtons(options=OPERATIONS, value=operation)
        entries = {name: ipywidgets.FloatText(value=float(KERNELS[kernel].flat[n]), step=0.5,
                                              layout=ipywidgets.Layout(width="6em"))
                   for n, name in enumerate(_ENTRY_NAMES)}
        # observers registered before Explorer's run first: they sync the dropdown and the
        # entries while Explorer's own observer (registered next) does the one redraw
        preset.observe(self._preset_chosen, names="value")
        for entry in entries.values():
            entry.observe(self._entry_edited, names="value")
        super().__init__({"kernel": preset, "operation": slide, **entries})
        _, label, output = self.widget.children
        grid = ipywidgets.GridBox(list(entries.values()), layout=ipywidgets.Layout(
            grid_template_columns="repeat(3, 6.5em)", grid_gap="2px"))
        self.widget = ipywidgets.VBox([ipywidgets.HBox([preset, slide]), grid, label, output])

    def _quietly(self, assign):
        """Run ``assign`` (which sets controls) without a redraw for each change."""
        with self.held():
            assign()

    def _preset_chosen(self, change):
        if change["new"] == "custom":
            return
        kernel = KERNELS[change["new"]]

        def fill():
            self._filling = True
            try:
                for n, name in enumerate(_ENTRY_NAMES):
                    self.controls[name].value = float(kernel.flat[n])
            finally:
                self._filling = False
        self._quietly(fill)

    def _entry_edited(self, _change):
        preset = self.controls["kernel"]
        if self._filling or preset.value == "custom":
            return
        entries = [self.controls[name].value for name in _ENTRY_NAMES]
        if not np.array_equal(np.reshape(entries, (3, 3)), KERNELS[preset.value]):
            self._quietly(lambda: setattr(preset, "value", "custom"))

    def draw(self, kernel, operation, **entries):
        """Filter the image with the entries as a 3x3 kernel; return the figure and the text."""
        self.output = None
        values = np.array([entries[name] for name in _ENTRY_NAMES], dtype=float)
        if not np.all(np.isfinite(values)):
            bad = [name for name, v in zip(_ENTRY_NAMES, values) if not np.isfinite(v)]
            raise ValueError(f"kernel entries must be finite numbers, got {bad[0]} = "
                             f"{entries[bad[0]]}")
        k = values.reshape(3, 3) + 0.0   # + 0.0 turns -0.0 into 0.0 for printing
        out = apply_kernel(self.image, k, operation=operation)
        self.output = out
        name = _name_of(k)
        total = float(k.sum()) + 0.0
        text = (f"{name} kernel {_matrix(k)}, entries sum to {total:.3g}, {operation}: "
                f"output from {out.min():.3g} to {out.max():.3g}")
        if operation == "convolution":
            turned = k[::-1, ::-1]
            text += ("; the turned kernel is the same, so cross-correlation gives the same"
                     if np.array_equal(turned, k)
                     else f"; it is a cross-correlation with the turned kernel {_matrix(turned)}")
        label = f"output: {operation} with {name}"
        if abs(total) < 1e-9:
            fig = show_images([self.image, out], ["input: photo", label], signed=[False, True])
        else:
            clipped = np.clip(out, 0.0, 1.0)
            if not np.array_equal(clipped, out):
                label += ", clipped to [0, 1]"
            fig = show_images([self.image, clipped], ["input: photo", label],
                              signed=[False, False])
            # grey from black at 0 to white at 1, as the photo, not stretched to the range
            fig.axes[1].images[0].set_clim(0.0, 1.0)
        return fig, text


class ColourFilterPlayground(Explorer):
    """One filter three channels deep on the colour photo: weight red, green and blue, see the one output map.

    The filter is ``w[0, c] = weight_c * spatial`` for the three colour channels ``c``
    and a named 3x3 ``spatial`` kernel, plus a bias; it is applied as a convolutional
    layer with one filter (``conv2d`` with padding 1), so the output has one channel.

    Parameters
    ----------
    image : array_like, shape (3, H, W), optional
        The colour image, channels first; default
        ``autograder.images.photo(step=4, channels_first=True)``.
    weights : sequence of 3 float, default (0.299, 0.587, 0.114)
        Starting weights of red, green and blue (the default is the luminance).
    spatial : str, default "identity"
        Starting spatial kernel, a key of :data:`KERNELS`.

    Attributes
    ----------
    image : numpy.ndarray, shape (3, H, W)
        The image, as floats.
    filter : numpy.ndarray, shape (1, 3, 3, 3)
        The last filter drawn, ``(C_out, C_in, kH, kW)``.
    output : numpy.ndarray, shape (1, 1, H, W)
        The last output of the layer, ``(N, C_out, H, W)``.

    Raises
    ------
    TypeError
        If ``image`` or ``weights`` is not numeric.
    ValueError
        If ``image`` is not ``(3, H, W)``, ``weights`` does not have 3 entries, or
        ``spatial`` is not a key of :data:`KERNELS`.

    See Also
    --------
    KernelPlayground : One grey channel, any 3x3 kernel.
    autograder.reference.conv2d : The layer applied.

    Notes
    -----
    .. math:: \\mathrm{out}[0, 0, i, j] = b + \\sum_{c \\in \\{R, G, B\\}} a_c
              \\sum_{u, v} x_{\\mathrm{pad}}[0, c, i + u, j + v]\\, k[u, v]

    Controls: ``red``, ``green``, ``blue`` (the weights :math:`a_c`, from -1 to 1),
    ``spatial`` and ``bias``.

    Examples
    --------
    >>> img = np.zeros((3, 4, 5)); img[0] = 1.0          # a pure red image
    >>> play = ColourFilterPlayground(img, weights=(1.0, -1.0, 0.0))
    >>> play.filter.shape, play.output.shape
    ((1, 3, 3, 3), (1, 1, 4, 5))
    >>> print(play.text)
    filter w (1, 3, 3, 3) = [red 1, green -1, blue 0] × identity, bias 0: output (1, 1, 4, 5), from 1 to 1
    """

    def __init__(self, image=None, *, weights=(0.299, 0.587, 0.114), spatial="identity"):
        if image is None:
            image = photo(step=4, channels_first=True)
        image = as_array(image, "image", ndim=3, shape_hint="(3, H, W)")
        if image.shape[0] != 3:
            raise ValueError(f"image must have 3 colour channels first, shape (3, H, W); got "
                             f"shape {image.shape}")
        self.image = image.astype(float)
        weights = as_array(weights, "weights", ndim=1, shape_hint="(3,)")
        if weights.shape != (3,):
            raise ValueError(f"weights must give red, green and blue, 3 numbers; got "
                             f"{weights.shape[0]}")
        spatial = check_choice(spatial, "spatial", KERNELS)
        self.filter = self.output = None
        sliders = {colour: ipywidgets.FloatSlider(value=float(a), min=-1.0, max=1.0, step=0.01,
                                                  description=colour, readout_format=".2f")
                   for colour, a in zip(("red", "green", "blue"), weights)}
        super().__init__({**sliders,
                          "spatial": ipywidgets.Dropdown(options=list(KERNELS), value=spatial,
                                                         description="spatial"),
                          "bias": ipywidgets.FloatSlider(value=0.0, min=-1.0, max=1.0,
                                                         step=0.05, description="bias")})

    def draw(self, red, green, blue, spatial, bias):
        """Apply the filter as a one-filter layer; return the figure and the text."""
        self.filter = np.array([red, green, blue])[None, :, None, None] * KERNELS[spatial]
        self.output = conv2d(self.image[None], self.filter, b=[bias], padding=1)
        out = self.output[0, 0]
        names = ("input: red channel", "input: green channel", "input: blue channel",
                 f"output: the one map ({spatial})")
        fig = show_images([*self.image, out], list(names),
                          signed=[False, False, False, bool(out.min() < 0)])
        for ax in fig.axes[:3]:
            ax.images[0].set_clim(0.0, 1.0)   # channels on one scale, so they can be compared
        weights = ", ".join(f"{c} {a:.3g}" for c, a in zip(("red", "green", "blue"),
                                                            (red, green, blue)))
        text = (f"filter w {self.filter.shape} = [{weights}] × {spatial}, bias {bias:.3g}: "
                f"output {self.output.shape}, from {out.min():.3g} to {out.max():.3g}")
        return fig, text
