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


def log_slider(state, row: Setting, digits: int = 2, **kwargs) -> pn.widgets.FloatSlider:
    """A slider over log10 of a session parameter, showing the parameter's value itself."""
    name = row.name
    # tn-log: app/a11y.py gives it the real value as aria-valuetext
    kwargs["css_classes"] = [*kwargs.get("css_classes", []), "tn-log"]
    start, end = (math.log10(b) for b in row.bounds)
    formatter = CustomJSTickFormatter(
        code="const v = Math.pow(10, tick); "
             f"return v >= 100 ? v.toFixed(0) : v.toPrecision({digits});")
    slider = pn.widgets.FloatSlider(
        start=start, end=end, step=0.01, value=math.log10(getattr(state, name)),
        format=formatter, **kwargs)

    def to_state(event):
        if abs(math.log10(getattr(state, name)) - event.new) <= 1e-9:
            return  # the echo of to_slider: 10 ** log10(0.2) is 0.20000000000000004
        lo, hi = row.bounds
        setattr(state, name, min(max(10 ** event.new, lo), hi))

    def to_slider(event):
        v = math.log10(event.new)
        if abs(v - slider.value) > 1e-9:
            slider.value = min(max(v, start), end)

    slider.param.watch(to_state, "value")
    state.param.watch(to_slider, name)
    return slider
