"""Train/Pause, Step, Reset, width, learning rate, speed, where training stops, and the place
messages appear."""
import html

import panel as pn
import param

from ..settings import setting
from .base import View
from .lazy import Slot, say
from .widgets import widget_for


class Controls(View):
    """The controls, each made from a state parameter, and under them what the session has to
    say: where training stopped, what went wrong, Undo, a link's notice (each made the first
    time it has something to say)."""

    notice = param.String("", doc="A notice for the learner, e.g. a link value that was ignored.")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._train = pn.widgets.Toggle.from_param(
            s.param.training, label="▶ Train", color="success", css_classes=["tn-train"],
            width=110)
        self._step = pn.widgets.Button.from_param(
            s.param.step, label="Step", color="primary", css_classes=["tn-step"], width=80)
        self._reset = pn.widgets.Button.from_param(
            s.param.reset, label="Reset", color="primary", variant="outline",
            css_classes=["tn-reset"], width=80)
        self._width = widget_for(s, setting("hidden"), css_classes=["tn-width"],
                                 sizing_mode="stretch_width")
        self._lr = widget_for(s, setting("learning_rate"), sizing_mode="stretch_width")
        self._speed = widget_for(s, setting("speed"), sizing_mode="stretch_width")
        self._stop_epoch = widget_for(s, setting("stop_epoch"), sizing_mode="stretch_width")
        self._stop_loss = widget_for(s, setting("stop_loss"), sizing_mode="stretch_width")
        self._layout = pn.Column(
            pn.Row(self._train, self._step, self._reset),
            pn.pane.HTML(f'<span class="tn-label">{setting("hidden").label}</span>',
                         margin=(8, 10, 0, 10)),
            self._width, self._lr, self._speed, self._stop_epoch, self._stop_loss,
            sizing_mode="stretch_width",
        )
        # what a new page has not had yet is made when first said, in this order under them
        self._stopped = Slot(self._layout, after=self._stop_loss)
        self._alert = Slot(self._layout, after=self._stopped)
        self._undo = Slot(self._layout, after=self._alert)
        self._notice = Slot(self._layout, after=self._undo)
        self._show_training()
        self._show_message()
        self._show_undo()
        self._show_stopped()

    @param.depends("state.training", watch=True)
    def _show_training(self):
        self._train.label = "▮▮ Pause" if self.state.training else "▶ Train"

    @param.depends("state.message", "notice", watch=True)
    def _show_message(self):
        say(self._alert, self.state.message, lambda: alert("danger", "tn-message"))
        say(self._notice, html.escape(self.notice),  # it quotes what a link said
            lambda: alert("warning", "tn-notice"))

    @param.depends("state.stopped", watch=True)
    def _show_stopped(self):
        say(self._stopped, self.state.stopped, lambda: alert("info", "tn-stopped"))

    @param.depends("state.undoable", watch=True)
    def _show_undo(self):
        undoable = self.state.undoable
        if undoable or self._undo.part is not None:
            self._undo.get(lambda: pn.widgets.Button.from_param(
                self.state.param.undo, label="↶ Undo", css_classes=["tn-undo"],
                variant="outline", width=100)).param.update(
                    visible=bool(undoable), description=f"Bring back {undoable}")

    def shown(self, name: str) -> bool:
        """Whether the message (or button) ``name`` is on the page and visible: stopped,
        alert, undo or notice."""
        return getattr(self, f"_{name}").shown

    def __panel__(self):
        return self._layout


def alert(kind: str, css_class: str) -> pn.pane.Alert:
    """An alert of this kind (info, danger, warning), hidden until it has something to say."""
    return pn.pane.Alert("", alert_type=kind, visible=False, css_classes=[css_class],
                         sizing_mode="stretch_width")
