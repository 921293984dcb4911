"""One slider per weight of the current width, in the order w1, b1, w2, b2.

Beside each slider: which way and how hard gradient descent will push that weight
(-dL/dtheta), on the slider's track a ghost marker where the next step will put it, and a
lock that freezes the weight (training and Step leave it where it is; a drag still moves it).
"""
import math
from urllib.parse import quote

import numpy as np
import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

from ..patches import HTML, FloatSlider, set_html
from ..session import slot_label, slot_names
from ..settings import WEIGHT_LIMIT, slider_number
from ..text import number, number_js
from ..throttle import Throttle
from .base import ERROR, GOOD, INK, View

# the lock's icons, drawn by its stylesheet in the button's colour (an emoji needs a font the
# machine may not have; a named icon is fetched; an icon model is one more model a page): a
# shackle open, and closed while the button is pressed
LOCK_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
            'stroke="black" stroke-width="2" stroke-linecap="round">'
            '<rect x="5" y="11" width="14" height="10" rx="2"/>{}</svg>')
LOCKED = LOCK_SVG.format('<path d="M8 11V7a4 4 0 0 1 8 0v4"/>')
UNLOCKED = LOCK_SVG.format('<path d="M8 11V7a4 4 0 0 1 7.5-2"/>')


def _mask(svg: str) -> str:
    return f'url("data:image/svg+xml,{quote(svg)}")'


LOCK_CSS = f"""
.bk-btn::before {{ content: ""; display: inline-block; width: 16px; height: 16px;
  vertical-align: middle; background-color: currentColor;
  -webkit-mask: {_mask(UNLOCKED)} center / contain no-repeat;
  mask: {_mask(UNLOCKED)} center / contain no-repeat; }}
.bk-btn.bk-active::before {{ -webkit-mask-image: {_mask(LOCKED)}; mask-image: {_mask(LOCKED)}; }}
"""
SLIDER_HZ = 15  # while training, the sliders follow the network this often; the plots and
# readouts, which read the network itself, follow every tick

# The ghost marker is drawn inside the slider's shadow DOM at the position held in the CSS
# variable --ghost, which the host element's style sets and the shadow tree inherits.
GHOST_CSS = """
.noUi-base::after { content: ""; position: absolute; left: var(--ghost, -100%); top: -11px;
  width: 0; height: 26px; border-left: 3px solid rgba(255, 90, 54, 0.9); margin-left: -1px;
  pointer-events: none; z-index: 5; }
"""


def fitted_span(span: float, biggest: float) -> float:
    """The span for weights up to ``biggest`` in size, now ``span``: kept while they fit in it
    and would not fit half of it with a quarter to spare; else the smallest power of two >= 8
    that holds them with a quarter to spare. Widening at the end and narrowing only below 40%
    of it keeps a weight near a power of two from flipping the range back and forth."""
    fit = max(8.0, float(2 ** math.ceil(math.log2(biggest * 1.25 + 1e-12))))
    return fit if biggest > span or fit < span else span


def push_parts(push: float) -> tuple[str, str, str, str]:
    """How a push -dL/dtheta reads beside its slider: colour, arrow, what gradient descent
    does, and the number (at most 9 characters; a push of 0 is no arrow and "0")."""
    if push > 0:
        return GOOD, "▶", "pushes this weight up", f"{push:+.2e}"
    if push < 0:
        return ERROR, "◀", "pushes this weight down", f"{push:+.2e}"
    return INK, "·", "leaves this weight where it is", "0"


class WeightSliders(View):
    """Sliders for the current width's weights; the forward pass re-runs while dragging.

    The sliders show the network's weights (set from it after each change, 15 times a second
    while training) and set them when the learner drags one. Their span is this view's:
    [-span, span], fitted to the weights by ``fitted_span``; a drag never changes it, so a
    handle dragged to the end stops there and the track does not move under the hand.
    """

    span = param.Number(8.0, bounds=(1.0, None), doc="The sliders span [-span, span].")

    def __init__(self, **params):
        super().__init__(**params)
        # a slot's slider, its push readout and their row, made when its width is first shown
        self._sliders: dict[str, FloatSlider] = {}
        self._nudges: dict[str, HTML] = {}
        self._locks: dict[str, pn.widgets.Toggle] = {}
        self._rows: dict[str, pn.Row] = {}
        self._format = CustomJSTickFormatter(code=number_js(3))  # one for every slider
        self._layout = pn.Column(css_classes=["tn-weights"], sizing_mode="stretch_width",
                                 margin=(0, 5))
        self._values_throttle = Throttle(hz=SLIDER_HZ)
        self._throttle = Throttle(hz=8)
        self._setting = False  # True while the sliders are set from the network
        self._dragging = False  # True while a slider's value sets the network
        self._show_width()
        self._show_gradient()

    def _row(self, slot: str) -> pn.Row:
        if slot not in self._rows:
            slider = FloatSlider(
                start=-self.span, end=self.span, step=0.01, value=0.0, sizing_mode="stretch_width",
                format=self._format, tooltips=False,
                css_classes=["tn-weight", f"tn-weight-{slot}"], stylesheets=[GHOST_CSS])
            slider.param.watch(lambda event: self._on_drag(slot, event.new), "value")
            self._sliders[slot] = slider
            self._nudges[slot] = HTML("", width=96, margin=(22, 0, 0, 0),
                                      css_classes=["tn-nudge", f"tn-nudge-{slot}"])
            # a real toggle (Tab reaches it, Space presses it); app/a11y.py names it
            # "freeze w₂₁" and says whether it is pressed
            lock = pn.widgets.Toggle(label="", width=34, margin=(22, 0, 0, 0), color="light",
                                     stylesheets=[LOCK_CSS],
                                     css_classes=["tn-freeze", f"tn-freeze-{slot}"])
            lock.param.watch(lambda event: self._on_lock(slot, event.new), "value")
            self._locks[slot] = lock
            self._rows[slot] = pn.Row(slider, lock, self._nudges[slot],
                                      sizing_mode="stretch_width", margin=0)
            self._show_locks()
        return self._rows[slot]

    def _on_lock(self, slot: str, locked: bool):
        if (slot in self.state.frozen) == locked:
            return  # (the lock set from the session)
        frozen = [w for w in self.state.frozen if w != slot]
        self.state.frozen = frozen + [slot] if locked else frozen

    @param.depends("state.frozen", watch=True)
    def _show_locks(self):
        for slot, lock in self._locks.items():
            locked = slot in self.state.frozen
            lock.value = locked

    def locked(self, slot: str) -> bool:
        """Whether the lock of ``slot`` shows it frozen."""
        return self._row(slot)[1].value

    def value(self, slot: str) -> float:
        """What the slider of ``slot`` shows."""
        return self._row(slot)[0].value

    def _on_drag(self, slot: str, value: float):
        if not self._setting and slot in slot_names(self.state.hidden):
            limit = WEIGHT_LIMIT  # the span is a power of two: it may reach past the limit
            self._dragging = True
            try:
                self.state.set_values(**{slot: min(max(slider_number(value), -limit), limit)})
            finally:
                self._dragging = False

    @param.depends("state.hidden", watch=True)
    def _show_width(self):
        h = self.state.hidden
        rows = [self._row(slot) for slot in slot_names(h)]
        for slot, slider in self._sliders.items():
            slider.label = slot_label(slot, h)
        self._layout.objects = rows
        self._show_values()

    @param.depends("state.version", "state.training", watch=True)
    def _follow(self):
        if self._values_throttle.due(self.state.training):
            self._show_values()

    def _show_values(self):
        """Set the sliders from the network, widening their span first (a slider refuses a
        value outside its range) and narrowing it after; a drag keeps the span."""
        theta = self.state.net.theta
        span = self.span
        if not self._dragging:
            span = fitted_span(self.span, float(np.max(np.abs(theta))))
        if span > self.span:
            self.span = span
        self._setting = True
        try:
            for slot, value in zip(slot_names(self.state.hidden), theta.tolist()):
                slider = self._row(slot)[0]
                # a value that came from this slider is not sent back: an echo of 0.52 for
                # 0.5199999999999996 would arrive after the next key press and undo it
                if slider_number(slider.value) != value:
                    slider.value = value
        finally:
            self._setting = False
        if span < self.span:
            self.span = span

    @param.depends("state.version", "state.learning_rate", watch=True)
    def _show_gradient(self):
        """-dL/dtheta beside each slider; the ghost at theta - lr * dL/dtheta on its track."""
        if not self._throttle.due(self.state.training):
            return
        s = self.state
        names = slot_names(s.hidden)
        grad = s.gradient()
        ghost = s.next_step()
        r = self.span
        biggest = float(np.max(np.abs(grad))) or 1.0
        for k, slot in enumerate(names):
            self._row(slot)  # (this may run before _show_width after a change of width)
            push, next_value = float(0.0 - grad[k]), float(ghost[k])  # 0.0 - 0.0 is 0.0, not -0.0
            bar = 4 + 40 * abs(push) / biggest
            color, arrow, way, shown = push_parts(push)
            if slot in s.frozen and push:
                way = way.replace("pushes", "would push") + ", but it is frozen"
            set_html(self._nudges[slot],
                f'<div class="tn-push" data-push="{push!r}" data-ghost="{next_value!r}" '
                f'title="−∂L/∂{slot_label(slot, s.hidden)}: gradient descent {way}; the next '
                f'step sets it to {number(next_value, 4)}">'
                f'<span class="tn-push-bar" style="width:{bar:.0f}px;background:{color}"></span>'
                f'<span style="color:{color}">{arrow} {shown}</span></div>')
            pct = 100 * (min(max(next_value, -r), r) + r) / (2 * r)
            self._sliders[slot].set_css_var("--ghost", f"{pct:.3f}%")

    @param.depends("span", watch=True)
    def _fit_range(self):
        for slider in self._sliders.values():
            slider.param.update(start=-self.span, end=self.span)

    def __panel__(self):
        return self._layout

