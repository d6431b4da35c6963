"""autograder.widgets: an Explorer redraws when its controls move, reports what it cannot draw, and refuses bad controls."""

from __future__ import annotations

import ipywidgets
import pytest
from matplotlib.figure import Figure

from autograder.widgets import Explorer


class Counter(Explorer):
    """A tiny explorer that records each draw, so a test can count redraws."""

    def __init__(self):
        self.calls = []
        super().__init__({"a": ipywidgets.IntSlider(value=1, min=0, max=9),
                          "b": ipywidgets.IntSlider(value=2, min=0, max=9)})

    def draw(self, a, b):
        self.calls.append((a, b))
        if a == 0:
            raise ValueError("a must not be 0")
        return Figure(), f"a + b = {a + b}"


def test_first_draw_happens_on_construction():
    """Building the explorer draws once with the controls' initial values."""
    ex = Counter()
    assert ex.calls == [(1, 2)] and ex.text == "a + b = 3" and ex.ok
    assert isinstance(ex.figure, Figure)
    assert ex.values == {"a": 1, "b": 2}


def test_moving_a_control_redraws():
    """Setting a control's value, as a user's drag does, redraws with the new value."""
    ex = Counter()
    ex.controls["b"].value = 5
    assert ex.calls[-1] == (1, 5) and ex.text == "a + b = 6"


def test_set_changes_several_controls_with_one_redraw():
    """set() moves several controls and redraws once, with all the new values."""
    ex = Counter()
    ex.set(a=4, b=4)
    assert ex.calls == [(1, 2), (4, 4)] and ex.text == "a + b = 8"


def test_an_impossible_setting_is_reported_not_raised():
    """A ValueError from draw becomes the explorer's text, the figure goes, and the next good setting restores it."""
    ex = Counter().set(a=0)
    assert not ex.ok and ex.figure is None and ex.text == "Cannot draw this: a must not be 0"
    assert "a must not be 0" in ex._label.value
    ex.set(a=2)
    assert ex.ok and isinstance(ex.figure, Figure)


def test_text_is_escaped_for_display():
    """The text is shown as text: HTML in it is escaped."""
    ex = Counter()
    ex.draw = lambda a, b: (Figure(), "<b>bold</b>")
    ex.update()
    assert "&lt;b&gt;" in ex._label.value and "<b>" not in ex._label.value


def test_unknown_control_names_raise_keyerror():
    """set() with a name that is not a control raises KeyError listing the controls."""
    with pytest.raises(KeyError, match="no control named"):
        Counter().set(c=1)


@pytest.mark.parametrize("controls", [{}, [], {"a": 3}, {"a": ipywidgets.Button()}])
def test_controls_must_be_value_widgets(controls):
    """Controls that are not a non-empty dict of value widgets raise TypeError."""
    class Bad(Explorer):
        def draw(self, **values):
            return Figure(), ""
    with pytest.raises(TypeError, match="controls must be"):
        Bad(controls)


def test_the_widget_is_a_box_of_controls_text_and_output():
    """The displayed widget holds the controls, the text and the figure's output area."""
    ex = Counter()
    controls, label, output = ex.widget.children
    assert list(controls.children) == list(ex.controls.values())
    assert label is ex._label and isinstance(output, ipywidgets.Output)
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()


def test_held_blocks_redraws_until_update():
    """Inside held() (even nested) moving controls does not redraw; the explorer redraws again after it."""
    ex = Counter()
    with ex.held():
        with ex.held():
            ex.controls["a"].value = 7
        ex.controls["b"].value = 7
    assert ex.calls == [(1, 2)]
    ex.controls["a"].value = 8
    assert ex.calls[-1] == (8, 7)
