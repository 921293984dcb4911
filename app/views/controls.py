"""Train/Pause, Step, Reset, width, learning rate, speed, where training stops, and the place
messages appear."""
import html

import panel as pn
import param

from ..settings import setting
from .base import View
from .widgets import widget_for


class Controls(View):
    """The controls, each made from a state parameter, and an alert for what went wrong."""

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
        self._stopped = pn.pane.Alert("", alert_type="info", visible=False,
                                      css_classes=["tn-stopped"], sizing_mode="stretch_width")
        self._alert = pn.pane.Alert("", alert_type="danger", visible=False,
                                    css_classes=["tn-message"], sizing_mode="stretch_width")
        self._notice = pn.pane.Alert("", alert_type="warning", visible=False,
                                     css_classes=["tn-notice"], sizing_mode="stretch_width")
        self._undo = pn.widgets.Button.from_param(
            s.param.undo, label="↶ Undo", css_classes=["tn-undo"], variant="outline",
            visible=False, width=100)
        self._show_training()
        self._show_message()
        self._show_undo()
        self._show_stopped()

    @param.depends("state.training", watch=True)
    def _show_training(self):
        self._train.label = "▮▮ Pause" if self.state.training else "▶ Train"

    @param.depends("state.message", "notice", watch=True)
    def _show_message(self):
        self._alert.object = self.state.message
        self._alert.visible = bool(self.state.message)
        self._notice.object = html.escape(self.notice)  # it quotes what a link said
        self._notice.visible = bool(self.notice)

    @param.depends("state.stopped", watch=True)
    def _show_stopped(self):
        self._stopped.object = self.state.stopped
        self._stopped.visible = bool(self.state.stopped)

    @param.depends("state.undoable", watch=True)
    def _show_undo(self):
        self._undo.visible = bool(self.state.undoable)
        self._undo.description = f"Bring back {self.state.undoable}"

    def __panel__(self):
        return pn.Column(
            pn.Row(self._train, self._step, self._reset),
            pn.pane.HTML(f'<span class="tn-label">{setting("hidden").label}</span>',
                         margin=(8, 10, 0, 10)),
            self._width,
            self._lr,
            self._speed,
            self._stop_epoch,
            self._stop_loss,
            self._stopped,
            self._alert,
            self._undo,
            self._notice,
            sizing_mode="stretch_width",
        )
