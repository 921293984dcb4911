"""The Train loop: one periodic callback per session, created stopped, switched by the state.

It drives both the playground (``state.training``) and the race (``race.running``).
"""
import time

import panel as pn

from .race import Race
from .state import Playground

PERIOD_MS = 25  # ~40 updates a second; faster training takes more epochs per tick, not more ticks


class TrainLoop:
    """Runs ``advance`` at ``state.speed`` epochs per second for whatever is switched on."""

    def __init__(self, state: Playground, race: Race | None = None, period_ms: int = PERIOD_MS):
        self.state, self.race = state, race
        self._callback = pn.state.add_periodic_callback(self.tick, period=period_ms, start=False)
        self._last = None
        self._owed = 0.0  # fractional epochs carried to the next tick
        state.param.watch(self._switch, "training")
        if race is not None:
            race.param.watch(self._switch, "running")
        if pn.state.curdoc is not None:  # outside a session Panel would keep it forever
            pn.state.on_session_destroyed(lambda ctx: self.stop())

    @property
    def _wanted(self) -> bool:
        return self.state.training or (self.race is not None and self.race.running)

    def _switch(self, event):
        if self._wanted and not self._callback.running:
            self._last, self._owed = time.perf_counter(), 1.0  # the first tick trains at once
            self._callback.start()
        elif not self._wanted and self._callback.running:
            self._callback.stop()

    def stop(self):
        self.state.training = False
        if self.race is not None:
            self.race.running = False
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
            if self.state.training:
                self.state.advance(epochs)
            if self.race is not None and self.race.running:
                self.race.advance(epochs)
