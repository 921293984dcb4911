"""A challenge to try by hand: with two neurons and no Train button, bring the loss below 0.01."""
import panel as pn
import param

from .base import View
from .lazy import Slot

GOAL = 0.01
# A start with no bump: both neurons rise together and the output is a gentle slope.
START = {"w1": [1.0, 1.0], "b1": [-2.0, -2.5], "w2": [0.5, 0.5], "b2": 0.0}


class Challenge(View):
    """Start, watch the loss against the goal, succeed (or be told Train/Step don't count)."""

    active = param.Boolean(False, doc="Whether the challenge is on.")
    start = param.Event(doc="Start (or restart) the challenge.")
    moves = param.Integer(0, doc="Slider changes made during the challenge.")
    outcome = param.Selector(default="", objects=["", "won", "disqualified"])

    def __init__(self, **params):
        super().__init__(**params)
        self._button = pn.widgets.Button.from_param(
            self.param.start, label="Take the challenge", color="warning",
            css_classes=["tn-challenge-start"], width=200)
        self._layout = pn.Column(self._button, sizing_mode="stretch_width")
        self._status = Slot(self._layout, after=self._button)  # made when the challenge starts
        self._version_at_start = None
        self._why = ""
        self.state.param.watch(self._on_training, ["training", "step"])

    @param.depends("start", watch=True)
    def _on_start(self):
        s = self.state
        s.training = False
        s.hidden = 2
        s.set_weights(**START)
        self.param.update(active=True, moves=0, outcome="")
        self._version_at_start = s.version
        self._show()

    @param.depends("state.version", watch=True)
    def _on_change(self):
        if not self.active:
            return
        s = self.state
        self.moves = s.version - self._version_at_start
        if s.hidden != 2:
            self._stop("you changed the width; the challenge is for two neurons")
        elif s.loss() < GOAL:
            self.param.update(active=False, outcome="won")
        self._show()

    def _on_training(self, event):
        """Train and Step end the challenge: it is about doing it by hand."""
        if self.active and (event.name == "step" or event.new):
            self._stop("Train and Step do the work for you; this one is by hand")
            self._show()

    def _stop(self, why):
        self._why = why
        self.param.update(active=False, outcome="disqualified")

    def _say(self, text: str, kind: str) -> None:
        status = self._status.get(lambda: pn.pane.Alert(css_classes=["tn-challenge"],
                                                        sizing_mode="stretch_width"))
        status.param.update(object=text, alert_type=kind, visible=True)

    def _show(self):
        s = self.state
        if self.outcome == "won":
            self._say(f"**You did it!** Loss {s.loss():.4g} < {GOAL} by hand, in {self.moves} "
                      "slider moves. Two sigmoid steps, one up and one down, make the bump.",
                      "success")
        elif self.outcome == "disqualified":
            self._say(f"Challenge stopped: {self._why}. Press the button to try again.",
                      "warning")
        elif self.active:
            self._say(f"**Challenge:** with two neurons and only the sliders, bring the loss "
                      f"below {GOAL}. Now: {s.loss():.4f}. Hint: one neuron should rise near "
                      "x = 1.5, the other fall near x = 3.5.", "info")
        elif self._status.part is not None:
            self._status.part.visible = False

    def __panel__(self):
        return self._layout
