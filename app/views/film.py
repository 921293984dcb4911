"""Under the timeline: the film's controls (play/pause, direction, speed) and the run's moments.

The film (app/film.py) runs on one periodic callback per session, created stopped and switched
by ``state.replaying`` (as the Train loop is by ``state.training``), stopped for good when the
tab closes. The moments (app/moments.py) are buttons (``tn-moment``: a click or Enter goes to
that epoch), one plain sentence each, and dots on the loss curve; found again only when the
run's history changes, at most once a second while training.
"""
import time

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Scatter

from ..film import SPEEDS, Film
from ..moments import of_run
from ..patches import quiet_periodic_callback
from ..throttle import Throttle
from .base import TINY, View
from .explain import drawn_floor
from .lazy import Slot

FRAME_MS = 25  # at most 40 frames a second, as the Train loop; faster films skip epochs
MOST = 6  # moments shown (the first ones of a run; a learner's run has a handful)
MOMENT_COLOR = "#7A4FA0"
WRAP = ".bk-btn {white-space: normal; text-align: left}"  # a moment's sentence wraps


class FilmControls(View):
    """Play/Pause (``tn-timeline-play``), forwards/backwards and the speed, put in ``slot``
    once the run has epochs to play back (a new page has none)."""

    slot = param.ClassSelector(class_=Slot, doc="Where the controls go when made.")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.film = Film(s)
        self._play = None
        self._callback = quiet_periodic_callback(self._tick, FRAME_MS)
        self._last = time.perf_counter()
        s.param.watch(self._switch, "replaying")
        if pn.state.curdoc is not None:  # outside a session Panel would keep it forever
            pn.state.on_session_destroyed(self._session_destroyed)
        self._offer()

    @param.depends("state.version", watch=True)
    def _offer(self):
        if self._play is not None or self.state.end == 0:
            return
        self._play = pn.widgets.Toggle.from_param(
            self.state.param.replaying, label=self._label(self.state.replaying),
            css_classes=["tn-timeline-play"], width=160, color="primary", variant="outline")
        self._direction = pn.widgets.RadioButtonGroup(
            options={"forwards": False, "backwards": True}, value=self.film.backwards,
            css_classes=["tn-film-direction"], color="primary", variant="outline", width=150)
        self._direction.link(self.film, value="backwards")
        self._speed = pn.widgets.Select(
            options={f"{v:,} epochs/s": v for v in SPEEDS}, value=self.film.speed, width=125,
            css_classes=["tn-film-speed"])
        self._speed.link(self.film, value="speed")
        self.slot.fill(pn.FlexBox(self._play, self._direction, self._speed, flex_wrap="wrap",
                                  css_classes=["tn-film"], margin=(0, 10),
                                  sizing_mode="stretch_width"))

    @staticmethod
    def _label(replaying: bool) -> str:
        return "▮▮ Pause replay" if replaying else "▶ Play training back"

    def _switch(self, event):
        if self._play is not None:
            self._play.label = self._label(event.new)
        if event.new and not self._callback.running:
            self._last = time.perf_counter()
            self._callback.start()
        elif not event.new and self._callback.running:
            self._callback.stop()

    def _tick(self):
        now = time.perf_counter()
        # a stalled frame moves on at most two frames' worth, not in a jump
        seconds, self._last = min(now - self._last, 2 * FRAME_MS / 1000), now
        with pn.io.hold():
            self.film.tick(seconds)

    def _session_destroyed(self, context):
        """Stop ticking; touch no view (their models are gone)."""
        if self._callback.running:
            self._callback.stop()


class Moments(View):
    """The run's moments: a button each under the timeline (in ``slot``, from the first
    moment found), a dot each on the loss curve."""

    figure = param.Parameter(doc="The loss plot's Bokeh figure: a dot at each moment.")
    slot = param.ClassSelector(class_=Slot, doc="Where the moments' buttons go.")

    def __init__(self, **params):
        super().__init__(**params)
        self._buttons = []  # made as moments are found (a new page has none)
        self._source = None  # the dots' source, with their glyph: made at the first moment
        self.moments = []
        self._for = None  # what the moments were found for
        self._throttle = Throttle(hz=1)
        self._update()

    def _go(self, k: int) -> None:
        if k < len(self.moments):
            self.state.go_to(min(self.moments[k].epoch, self.state.end))

    @param.depends("state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        run = s.run
        key = (id(run), run.end, len(run.history[0]), len(run.marks[0]), id(s.x))
        if key == self._for or not self._throttle.due(s.training):
            return
        self._for = key
        self.moments = of_run(run, drawn_floor(s.hidden, s.x, s.y, s.net.objective.name,
                                               s.net.decay))
        self.moments = self.moments[:MOST]
        while len(self._buttons) < len(self.moments):
            self._buttons.append(self._button(len(self._buttons)))
            self.slot.get(lambda: pn.Column(css_classes=["tn-moments"], margin=0,
                                            sizing_mode="stretch_width")).append(self._buttons[-1])
        for k, button in enumerate(self._buttons):
            if k < len(self.moments):
                button.param.update(label="◆ " + self.moments[k].text, visible=True)
            else:
                button.visible = False
        if self._source is None:
            if not self.moments:
                return
            self._source = ColumnDataSource({"epoch": [], "loss": []}, name="loss_moments")
            self.figure.add_glyph(self._source, Scatter(
                x="epoch", y="loss", size=11, marker="diamond", fill_color=MOMENT_COLOR,
                line_color="white"))
        epochs, losses = (np.asarray(v, dtype=float) for v in run.history)
        at = [m.epoch for m in self.moments]
        where = np.clip(np.searchsorted(epochs, at), 0, max(epochs.size - 1, 0))
        self._source.data = {"epoch": np.asarray(at, dtype=float),
                             "loss": np.maximum(losses[where], TINY) if at else np.zeros(0)}

    def _button(self, k: int) -> pn.widgets.Button:
        button = pn.widgets.Button(label="", css_classes=["tn-moment"], color="light",
                                   sizing_mode="stretch_width", margin=(2, 10),
                                   stylesheets=[WRAP])
        button.on_click(lambda event: self._go(k))
        return button
