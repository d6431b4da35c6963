"""Interactive explorers for the lectures, built on ipywidgets 8.

Every explorer is an :class:`Explorer`: a row of controls, a line of text and a figure
drawn by a function of the controls' values.  Moving a control redraws the figure and the
text.  The figure and the text are also kept as attributes (:attr:`Explorer.figure`,
:attr:`Explorer.text`), so a test can set the controls with :meth:`Explorer.set` and check
what the explorer shows without a browser; in a notebook the explorer displays itself.

The explorers live in the submodules, one per lecture topic; this module holds only what
they share.  A lecture cell that builds one checks ``NBGRADER_EXECUTION`` first, so
grading never starts a widget.
"""

from __future__ import annotations

import contextlib
import html

import ipywidgets

__all__ = ["Explorer"]


class Explorer:
    """Controls, a line of text and a figure that follows them.

    Subclasses pass their controls to ``__init__`` and implement :meth:`draw`.

    Parameters
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        The controls, by the keyword :meth:`draw` receives their value under.  Shown in
        this order.

    Attributes
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        As given.
    figure : matplotlib.figure.Figure or None
        What :meth:`draw` returned last; None when the controls describe something that
        cannot be drawn (then :attr:`text` says why).
    text : str
        The line shown above the figure (plain text; escaped for display).
    ok : bool
        False when the last :meth:`draw` raised ``ValueError`` or ``TypeError``: the
        error's message is then the text, prefixed with "Cannot draw this: ".
    widget : ipywidgets.VBox
        The whole explorer, as displayed.

    Raises
    ------
    TypeError
        If ``controls`` is not a non-empty dict of ipywidgets with a ``value``.

    See Also
    --------
    ipywidgets.interactive : The same idea with automatic controls and no test hooks.

    Examples
    --------
    >>> import ipywidgets
    >>> from matplotlib.figure import Figure
    >>> class Square(Explorer):
    ...     def __init__(self):
    ...         super().__init__({"n": ipywidgets.IntSlider(value=3, min=-5, max=5)})
    ...     def draw(self, n):
    ...         if n < 0:
    ...             raise ValueError(f"n must be at least 0, got {n}")
    ...         return Figure(), f"{n} squared is {n * n}"
    >>> sq = Square()
    >>> sq.text
    '3 squared is 9'
    >>> sq.set(n=-2).text, sq.ok, sq.figure
    ('Cannot draw this: n must be at least 0, got -2', False, None)
    """

    def __init__(self, controls):
        if not isinstance(controls, dict) or not controls or not all(
                isinstance(c, ipywidgets.ValueWidget) for c in controls.values()):
            raise TypeError(f"controls must be a non-empty dict of ipywidgets with a value, "
                            f"got {controls!r}")
        self.controls = dict(controls)
        self.figure = None
        self.text = ""
        self.ok = True
        self._holds = 0
        self._label = ipywidgets.HTML()
        self._output = ipywidgets.Output()
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.widget = ipywidgets.VBox([
            ipywidgets.HBox(list(self.controls.values()),
                            layout=ipywidgets.Layout(flex_flow="row wrap")),
            self._label, self._output])
        self.update()

    # ------------------------------------------------------------------ to override
    def draw(self, **values):
        """Return ``(figure, text)`` for the controls' ``values``; raise ValueError if impossible."""
        raise NotImplementedError(f"{type(self).__name__} must define draw(**values)")

    # ------------------------------------------------------------------ public
    @property
    def values(self) -> dict:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @contextlib.contextmanager
    def held(self):
        """A block in which moving controls does not redraw (blocks may nest).

        Nothing is redrawn when the block ends either: call :meth:`update`, or use
        :meth:`set`, which redraws once after setting its controls.  An explorer whose own
        observers set other controls (a preset filling in entries, say) sets them inside
        this block, so one user action still draws once.
        """
        self._holds += 1
        try:
            yield self
        finally:
            self._holds -= 1

    def set(self, **values):
        """Set several controls at once and redraw once; return the explorer.

        Raises ``KeyError`` for a name that is not a control, and whatever the control
        raises (``TraitError``) for a value it cannot take.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"no control named {unknown}; the controls are "
                           f"{list(self.controls)}")
        with self.held():
            for name, value in values.items():
                self.controls[name].value = value
        self.update()
        return self

    def update(self):
        """Redraw from the controls' current values."""
        try:
            figure, text = self.draw(**self.values)
        except (ValueError, TypeError) as exc:
            figure, text, self.ok = None, f"Cannot draw this: {exc}", False
        else:
            self.ok = True
        self.figure, self.text = figure, text
        colour = "inherit" if self.ok else "#D55E00"
        self._label.value = f'<span style="color: {colour}">{html.escape(text)}</span>'
        self._show()

    # ------------------------------------------------------------------ display
    def _changed(self, _change):
        if not self._holds:
            self.update()

    def _show(self):
        """Put the figure in the output area, in a kernel only (outside one there is nowhere to show it)."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            return
        if get_ipython() is None:
            return
        from IPython.display import display
        self._output.clear_output(wait=True)
        if self.figure is not None:
            with self._output:
                display(self.figure)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
