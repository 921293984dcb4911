"""Replay as a film (without Panel): the recorded run played back, forwards or backwards, at a
chosen number of epochs per second, each frame a ``Session.go_to`` (so every view shows the
network training had at that epoch, bit for bit).

``state.replaying`` switches it, as ``state.training`` switches the Train loop; whoever runs
the clock (app/views/film.py, a periodic callback) calls ``tick`` with the seconds that passed.
The film stops at the run's end (or its start, backwards), and as soon as anything else
changes the session: Train, a Step, a dragged weight, a scrub, a setting.
"""
import param

from .session import Session

SPEEDS = (10, 100, 1_000, 10_000)  # epochs per second: the bump forming in slow time, to
#                                    5,000 epochs in half a second


class Film(param.Parameterized):
    """Plays ``state``'s current run back while ``state.replaying``."""

    backwards = param.Boolean(False, doc="Play from the epoch shown towards the start.")
    speed = param.Selector(objects=list(SPEEDS), default=100, doc="Epochs per second.")

    def __init__(self, state: Session, **params):
        super().__init__(**params)
        self.state = state
        self._owed = 0.0  # fractional epochs carried to the next tick
        self._own = False  # while the film itself moves the session
        state.param.watch(self._switched, "replaying")
        state.param.watch(self._interrupted, ["training", "moved", "version"])

    def _switched(self, event):
        s = self.state
        if not event.new:
            return
        self._owed = 0.0
        if s.end == 0:  # nothing recorded yet
            s.replaying = False
        elif s.training:
            self._go(s.epoch)  # (go_to pauses the training)
        elif not self.backwards and s.epoch == s.end:
            self._go(0)  # played to the end: from the start again, as a film player does
        elif self.backwards and s.epoch == 0:
            self._go(s.end)

    def _interrupted(self, event):
        """Anything the film did not do itself stops it."""
        if self.state.replaying and not self._own and (event.name != "training" or event.new):
            self.state.replaying = False

    def tick(self, seconds: float) -> None:
        """Move on by ``speed`` epochs a second for ``seconds`` (stopping at either end)."""
        s = self.state
        if not s.replaying:
            return
        self._owed += self.speed * seconds
        epochs = int(self._owed)
        if not epochs:
            return
        self._owed -= epochs
        epoch = min(max(s.epoch + (-epochs if self.backwards else epochs), 0), s.end)
        self._go(epoch)
        if epoch in (0, s.end):
            s.replaying = False

    def _go(self, epoch: int) -> None:
        self._own = True
        try:
            self.state.go_to(epoch, fit_first=False)
        finally:
            self._own = False
