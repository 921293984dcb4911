"""Widgets made from rows of the settings table (app/settings.py), linked both ways to the
session's parameters."""
import math

import panel as pn
from bokeh.models import CustomJSTickFormatter

from ..settings import Setting


def widget_for(state, row: Setting, **kwargs) -> pn.widgets.Widget:
    """The widget the row asks for, made from the session's parameter ``row.name``."""
    kwargs = {"label": row.label, "css_classes": [f"tn-{row.name.replace('_', '-')}"],
              **kwargs}
    p = state.param[row.name]
    if row.widget == "log-slider":
        return log_slider(state, row, **kwargs)
    if row.widget == "radio":
        return pn.widgets.RadioButtonGroup.from_param(p, color="primary", variant="outline",
                                                      **kwargs)
    if row.widget == "select":
        return pn.widgets.Select.from_param(p, **kwargs)
    if row.widget == "int":
        return pn.widgets.IntInput.from_param(p, **kwargs)
    if row.widget == "slider":
        digits = max(0, -math.floor(math.log10(row.step)))
        return pn.widgets.FloatSlider.from_param(p, step=row.step, format="0." + "0" * digits,
                                                 **kwargs)
    raise ValueError(f"setting {row.name}: no widget of kind {row.widget!r}")


def shown_value(v: float, digits: int = 2) -> float:
    """``v`` as a log slider's title shows it (its formatter below): whole from 100 up,
    else ``digits`` significant digits."""
    return float(round(v)) if v >= 100 else float(f"{v:.{digits}g}")


def log_slider(state, row: Setting, digits: int = 2, **kwargs) -> pn.widgets.FloatSlider:
    """A slider over log10 of a session parameter, showing the parameter's value itself.
    Moved by the learner, it sets the value its title shows (0.5, not 10**-0.3 = 0.501187...),
    so the page, the link and the training say the same number; set from elsewhere (a link,
    a lesson), the value is kept as it is and the slider goes to its exact logarithm.

    A setting whose bounds start at 0 (weight decay) has one position more, one step below
    ``row.smallest``: "off", 0. One widget, so Home (or a drag to the left end) turns it off
    and a key press turns it on at the smallest value: no second switch to keep in step."""
    name = row.name
    # tn-log: app/a11y.py gives it the value its title shows as aria-valuetext
    kwargs["css_classes"] = [*kwargs.get("css_classes", []), "tn-log"]
    lo, hi = row.bounds
    off = lo == 0
    first = math.log10(row.smallest if off else lo)  # the lowest position that is a value
    start, end = (first - row.step if off else first), math.log10(hi)
    formatter = CustomJSTickFormatter(
        code=(f"if (tick < {first - row.step / 2}) return 'off'; " if off else "")
        + "const v = Math.pow(10, tick); "
        f"return v >= 100 ? v.toFixed(0) : v.toPrecision({digits});")

    def position(v):
        return start if off and v <= 0 else min(max(math.log10(v), first), end)

    slider = pn.widgets.FloatSlider(
        start=start, end=end, step=row.step, value=position(getattr(state, name)),
        format=formatter, **kwargs)
    syncing = []  # non-empty while one side sets the other: its echo is not a change

    def to_state(event):
        if syncing:
            return
        syncing.append(True)
        try:
            value = (0.0 if off and event.new < first - row.step / 2
                     else min(max(shown_value(10 ** event.new, digits), lo), hi))
            setattr(state, name, value)
        finally:
            syncing.pop()

    def to_slider(event):
        if syncing:
            return
        syncing.append(True)
        try:
            slider.value = position(event.new)
        finally:
            syncing.pop()

    slider.param.watch(to_state, "value")
    state.param.watch(to_slider, name)
    return slider
