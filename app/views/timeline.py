"""The run's timeline under the loss plot: a slider over the epochs trained so far, and a click
on the loss curve, take every view back to that epoch (Session.go_to: the network training
had there, bit for bit); a line on the loss plot marks the epoch shown. Under the slider, the
film's controls and the run's moments (app/views/film.py)."""
import panel as pn
import param
from bokeh.events import Tap
from bokeh.models import Span

from ..patches import FloatSlider
from ..throttle import Throttle
from .base import View
from .film import FilmControls, Moments
from .lazy import Slot

FOLLOW_HZ = 4  # while training, the slider's end and value follow the run this often


class TimelineView(View):
    """The epoch slider (``tn-timeline``) and the loss plot's line at the epoch shown."""

    figure = param.Parameter(doc="The loss plot's Bokeh figure: its line and its clicks.")

    def __init__(self, **params):
        super().__init__(**params)
        # the playground's slider (app/patches.py: answered without Panel's 50 ms wait), in
        # whole epochs
        self._slider = FloatSlider(
            label="epoch shown (go back in training)", start=0, end=1, value=0, step=1,
            format="0",
            sizing_mode="stretch_width", css_classes=["tn-timeline"], margin=(0, 15),
            tooltips=False)
        self._slider.param.watch(self._on_slide, "value")
        self._now = Span(location=0, dimension="height", line_color="#444444", line_width=2,
                         line_alpha=0.8, visible=False)
        self.figure.add_layout(self._now)
        self.figure.on_event(Tap, self._on_tap)
        self._throttle = Throttle(hz=FOLLOW_HZ)
        self._setting = False
        self._layout = pn.Column(self._slider, margin=0, sizing_mode="stretch_width")
        film = Slot(self._layout, after=self._slider)
        self.film = FilmControls(state=self.state, slot=film)
        self.moments = Moments(state=self.state, figure=self.figure,
                               slot=Slot(self._layout, after=film))
        self._follow()

    def _on_slide(self, event):
        if not self._setting:
            self.go_to(round(event.new))

    def _on_tap(self, event):
        if event.x is not None:
            self.go_to(round(event.x))

    def go_to(self, epoch: int) -> None:
        """Show the run at ``epoch`` (clamped to the epochs trained)."""
        self.state.go_to(min(max(int(epoch), 0), self.state.end))

    @param.depends("state.version", "state.progress", watch=True)
    def _follow(self):
        s = self.state
        if not self._throttle.due(s.training):
            return
        self._setting = True
        try:
            end = max(s.end, 1)
            if end != self._slider.end:  # first room for the value, then the value
                self._slider.param.update(end=max(end, self._slider.value))
            self._slider.param.update(value=s.epoch, end=end, disabled=s.end == 0)
        finally:
            self._setting = False
        self._now.location = s.epoch
        self._now.visible = s.epoch < s.end

    def __panel__(self):
        return self._layout
