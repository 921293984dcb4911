"""Throttle: how often something may redraw while training."""
import time


class Throttle:
    """While training, let a view redraw at most ``hz`` times a second (always when paused).

    Each update is a message the browser must apply and render; at 40 ticks a second the
    plots that show training (fit, loss) keep every tick and the rest (tables, diagram,
    gradient arrows) redraw at a rate the eye still reads as live.
    """

    def __init__(self, hz: float):
        self.period = 1.0 / hz
        self._last = 0.0

    def due(self, training: bool) -> bool:
        now = time.monotonic()
        if training and now - self._last < self.period:
            return False
        self._last = now
        return True
