"""One slider per weight, made from the state's parameters, in the order w1, b1, w2, b2."""
import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

from ..fast import FastFloatSlider
from ..state import MAX_HIDDEN, Playground, slot_label, slot_names


class WeightSliders(pn.viewable.Viewer):
    """Sliders for the current width's weights; the forward pass re-runs while dragging."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._sliders = {
            slot: FastFloatSlider.from_param(
                s.param[slot], start=-s.weight_range, end=s.weight_range, step=0.01,
                value_throttled=None, sizing_mode="stretch_width", format="0.000",
                css_classes=["tn-weight", f"tn-weight-{slot}"],
            )
            for slot in slot_names(MAX_HIDDEN)
        }
        self._layout = pn.Column(css_classes=["tn-weights"], sizing_mode="stretch_width",
                                 margin=(0, 5))
        self._show_width()

    @param.depends("state.hidden", watch=True)
    def _show_width(self):
        h = self.state.hidden
        for slot, slider in self._sliders.items():
            slider.label = slot_label(slot, h)
        self._layout.objects = [self._sliders[slot] for slot in slot_names(h)]

    @param.depends("state.weight_range", watch=True)
    def _fit_range(self):
        r = self.state.weight_range
        for slider in self._sliders.values():
            slider.param.update(start=-r, end=r)

    def __panel__(self):
        return self._layout


def log_slider(state: Playground, name: str, label: str, start: float, end: float,
               digits: int) -> pn.widgets.FloatSlider:
    """A slider over log10 of a state parameter, showing the parameter's value itself."""
    import math

    formatter = CustomJSTickFormatter(
        code=f"const v = Math.pow(10, tick); return v >= 100 ? v.toFixed(0) : v.toPrecision({digits});")
    slider = pn.widgets.FloatSlider(
        label=label, start=start, end=end, step=0.01, value=math.log10(getattr(state, name)),
        format=formatter, sizing_mode="stretch_width", css_classes=[f"tn-{name.replace('_', '-')}"])

    def to_state(event):
        if abs(math.log10(getattr(state, name)) - event.new) <= 1e-9:
            return  # the echo of to_slider: 10 ** log10(0.2) is 0.20000000000000004
        value = 10 ** event.new
        lo, hi = state.param[name].bounds
        setattr(state, name, min(max(value, lo), hi))

    def to_slider(event):
        v = math.log10(event.new)
        if abs(v - slider.value) > 1e-9:
            slider.value = min(max(v, start), end)

    slider.param.watch(to_state, "value")
    state.param.watch(to_slider, name)
    return slider
