"""The Train loop: one periodic callback per session, created stopped, switched by the state."""
import time

import panel as pn

from .state import Playground

PERIOD_MS = 25  # ~40 updates a second; faster training takes more epochs per tick, not more ticks


class TrainLoop:
    """Runs ``state.advance`` at ``state.speed`` epochs per second while ``state.training``."""

    def __init__(self, state: Playground, period_ms: int = PERIOD_MS):
        self.state = state
        self._callback = pn.state.add_periodic_callback(self.tick, period=period_ms, start=False)
        self._last = None
        self._owed = 0.0  # fractional epochs carried to the next tick
        state.param.watch(self._switch, "training")
        pn.state.on_session_destroyed(lambda ctx: self.stop())

    def _switch(self, event):
        if event.new and not self._callback.running:
            self._last, self._owed = time.perf_counter(), 1.0  # the first tick trains at once
            self._callback.start()
        elif not event.new and self._callback.running:
            self._callback.stop()

    def stop(self):
        self.state.training = False
        if self._callback.running:
            self._callback.stop()

    def tick(self):
        """Do the numpy work for the time that passed, then send one batched update."""
        now = time.perf_counter()
        # catch up at most 0.25 s, so a stalled tick does not become a burst
        self._owed += self.state.speed * min(now - self._last, 0.25)
        self._last = now
        epochs = int(self._owed)
        if epochs == 0:
            return
        self._owed -= epochs
        with pn.io.hold():
            self.state.advance(epochs)
