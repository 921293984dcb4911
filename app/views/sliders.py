"""One slider per weight, made from the state's parameters, in the order w1, b1, w2, b2.

Beside each slider: which way and how hard gradient descent will push that weight
(-dL/dtheta), and on the slider's track a ghost marker where the next step will put it.
"""
import numpy as np
import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

from ..patches import FloatSlider as FastFloatSlider, HTML as FastHTML
from . import Throttle
from ..state import MAX_HIDDEN, Playground, slot_label, slot_names

# The ghost marker is drawn inside the slider's shadow DOM at the position held in the CSS
# variable --ghost, which the host element's style sets and the shadow tree inherits.
GHOST_CSS = """
.noUi-base::after { content: ""; position: absolute; left: var(--ghost, -100%); top: -11px;
  width: 0; height: 26px; border-left: 3px solid rgba(255, 90, 54, 0.9); margin-left: -1px;
  pointer-events: none; z-index: 5; }
"""


class WeightSliders(pn.viewable.Viewer):
    """Sliders for the current width's weights; the forward pass re-runs while dragging."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._sliders = {
            slot: FastFloatSlider.from_param(
                s.param[slot], start=-s.weight_range, end=s.weight_range, step=0.01,
                value_throttled=None, sizing_mode="stretch_width", format="0.000", tooltips=False,
                css_classes=["tn-weight", f"tn-weight-{slot}"], stylesheets=[GHOST_CSS],
            )
            for slot in slot_names(MAX_HIDDEN)
        }
        self._nudges = {slot: FastHTML("", width=96, margin=(22, 0, 0, 0),
                                           css_classes=["tn-nudge", f"tn-nudge-{slot}"])
                        for slot in self._sliders}
        self._rows = {slot: pn.Row(self._sliders[slot], self._nudges[slot],
                                   sizing_mode="stretch_width", margin=0)
                      for slot in self._sliders}
        self._layout = pn.Column(css_classes=["tn-weights"], sizing_mode="stretch_width",
                                 margin=(0, 5))
        self._throttle = Throttle(hz=8)
        self._show_width()
        self._show_gradient()

    @param.depends("state.hidden", watch=True)
    def _show_width(self):
        h = self.state.hidden
        for slot, slider in self._sliders.items():
            slider.label = slot_label(slot, h)
        self._layout.objects = [self._rows[slot] for slot in slot_names(h)]

    @param.depends("state.version", "state.learning_rate", watch=True)
    def _show_gradient(self):
        """-dL/dtheta beside each slider; the ghost at theta - lr * dL/dtheta on its track."""
        if not self._throttle.due(self.state.training):
            return
        s = self.state
        names = slot_names(s.hidden)
        theta, grad = s.net.theta, s.gradient()
        ghost = s.next_step()
        r = s.weight_range
        biggest = float(np.max(np.abs(grad))) or 1.0
        for k, slot in enumerate(names):
            push, next_value = float(-grad[k]), float(ghost[k])
            bar = 4 + 40 * abs(push) / biggest
            color = "#1e8449" if push >= 0 else "#c0392b"
            arrow = "▶" if push >= 0 else "◀"
            self._nudges[slot].object = (
                f'<div class="tn-push" data-push="{push!r}" data-ghost="{next_value!r}" '
                f'title="−∂L/∂{slot_label(slot, s.hidden)}: gradient descent pushes this weight '
                f'{"up" if push >= 0 else "down"}; the next step sets it to {next_value:.4f}">'
                f'<span class="tn-push-bar" style="width:{bar:.0f}px;background:{color}"></span>'
                f'<span style="color:{color}">{arrow} {push:+.2e}</span></div>')
            pct = 100 * (min(max(next_value, -r), r) + r) / (2 * r)
            self._sliders[slot].set_css_var("--ghost", f"{pct:.3f}%")

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
