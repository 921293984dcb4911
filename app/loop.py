"""The Train loop: one periodic callback per session, created stopped, switched by the state.

It drives both the playground (``state.training``) and the race (``race.running``). Training
keeps its pace whatever the page does; drawing waits for the page: each drawn tick bumps a
beacon that the browser echoes back once it has applied that update, and while more than
``IN_FLIGHT`` drawn ticks are unanswered the loop trains without drawing. So a slow browser
gets fewer, fuller updates instead of a growing backlog (in which a click would wait behind
seconds of queued plots).

All sessions of a server process share one thread, so the loops also share its time: each
tick's cost is measured in the thread's CPU time (the clock would also count the time the
process waited for a core, and the worker the scheduler served worse would slow its own loops
further), and while n sessions train, each ticks at most every n x (mean tick cost) /
``UTILISATION`` (never faster than ``PERIOD_MS``, never slower than ``MAX_PERIOD_MS``). Under
load every session gets fewer, larger steps at the same epochs per second, and the rest of the
thread stays free for clicks and slider moves.

A full tick redraws every view; a light tick only the loss curve and the readouts (about a
fifth of the cost). While one full tick per session per period fits in the share, every tick
is full; under load each session redraws everything ``full_hz`` times a second (full ticks
taking at most ``FULL_SHARE`` of the share, never fewer than ``MIN_FULL_HZ``) and ticks light
in between, so the loss keeps streaming at a rate a learner reads as live. How these constants
were chosen, with the figures: docs/performance.md, "The Train loop's share of a process".
"""
import math
import time
import weakref

import panel as pn

from .patches import AckInput, bump, quiet_periodic_callback, release_jscallbacks
from .patches import IntInput as FastIntInput
from .race import Race
from .session import Session

PERIOD_MS = 25  # ~40 updates a second; faster training takes more epochs per tick, not more ticks
IN_FLIGHT = 6  # drawn ticks the page may be behind before the loop stops drawing
ACK_TIMEOUT_S = 1.0  # draw anyway if the page has said nothing for this long (e.g. no browser)
ACK_EVERY = 4  # the page acknowledges every fourth beacon: a quarter of the messages
UTILISATION = 0.75  # the share of the process's thread the Train loops may take together
MAX_PERIOD_MS = 500
FULL_SHARE = 0.25  # under load, the part of the share that full ticks may take together
RETUNE_S = 1.0  # a loop changes its period at most this often
MIN_FULL_HZ = 2.0  # under load, every view still redraws at least this often

_training = weakref.WeakSet()  # the loops of this process whose callback is running
_tick_ms = [5.0]  # exponentially weighted mean cost of one tick, over all loops
_full_ms = [8.0]  # the same for full ticks only


def shared_period_ms(training: int, tick_ms: float) -> int:
    """The tick period for each of ``training`` loops that cost ``tick_ms`` a tick."""
    return math.ceil(min(max(training * tick_ms / UTILISATION, PERIOD_MS), MAX_PERIOD_MS))


def full_hz(training: int, full_ms: float) -> float:
    """How often each of ``training`` loops may redraw every view, when full ticks cost
    ``full_ms``: at every tick while that fits in the share, else within ``FULL_SHARE`` of it."""
    fits = 1000 / PERIOD_MS
    if training * full_ms * fits <= UTILISATION * 1000:
        return fits
    return max(MIN_FULL_HZ, FULL_SHARE * UTILISATION * 1000 / (training * full_ms))


class TrainLoop:
    """Runs ``advance`` at ``state.speed`` epochs per second for whatever is switched on."""

    def __init__(self, state: Session, race: Race | None = None, period_ms: int = PERIOD_MS):
        self.state, self.race = state, race
        self._callback = quiet_periodic_callback(self.tick, period_ms)
        self._last = None
        self._last_full = 0.0  # when this loop last redrew every view
        self._retuned = -math.inf  # when this loop's period was last changed
        self._owed = 0.0  # fractional epochs carried to the next tick
        # the beacon goes out with each drawn tick; the page copies it into ack when applied
        self._beacon = FastIntInput(value=0, visible=False, css_classes=["tn-beacon"])
        self._ack = AckInput(self._on_ack, value=0, visible=False, css_classes=["tn-ack"])
        self._acked = 0  # the last beacon value the page says it applied
        self._beacon.jscallback(
            value=f"if (cb_obj.value % {ACK_EVERY} == 0) {{ ack.value = cb_obj.value }}",
            args={"ack": self._ack})
        self._acked_at = time.monotonic()
        state.param.watch(self._switch, "training")
        if race is not None:
            race.param.watch(self._switch, "running")
        if pn.state.curdoc is not None:  # outside a session Panel would keep it forever
            pn.state.on_session_destroyed(self._session_destroyed)

    def __panel__(self):
        """The two hidden widgets that carry the page's acknowledgements."""
        return pn.Row(self._beacon, self._ack, visible=False)

    @property
    def _wanted(self) -> bool:
        return self.state.training or (self.race is not None and self.race.running)

    def _switch(self, event):
        if self._wanted and not self._callback.running:
            self._last, self._owed = time.perf_counter(), 1.0  # the first tick trains at once
            _training.add(self)
            self._callback.period = shared_period_ms(len(_training), _tick_ms[0])
            self._callback.start()
        elif not self._wanted and self._callback.running:
            _training.discard(self)
            self._callback.stop()

    def _on_ack(self, value: int):
        self._acked, self._acked_at = value, time.monotonic()

    def stop(self):
        self._leave()
        self.state.training = False
        if self.race is not None:
            self.race.running = False

    def _leave(self):
        """Stop ticking and leave the count of loops that share the thread."""
        _training.discard(self)
        if self._callback.running:
            self._callback.stop()

    def _session_destroyed(self, context):
        """Leave, and touch no view: their Bokeh models are gone by now, and updating them
        raised (which once kept closed tabs' loops counted as training, so every other session
        ticked slower). Then release the beacon's jscallback: Panel keeps jscallbacks in a
        class-wide WeakKeyDictionary whose value (holding the ack widget, which leads back
        here and to the beacon, its key) keeps its key alive, and with it the whole page."""
        self._leave()
        release_jscallbacks(self._beacon)

    def _page_keeps_up(self) -> bool:
        if self._beacon.value - self._acked < IN_FLIGHT + ACK_EVERY - 1:
            return True
        if time.monotonic() - self._acked_at > ACK_TIMEOUT_S:
            self._acked_at = time.monotonic()  # silent page: one draw a second, no flood
            return True
        return False

    def tick(self):
        """Do the numpy work for the time that passed, then (if the page keeps up) draw once."""
        now, cpu = time.perf_counter(), time.thread_time()
        period_s = self._callback.period / 1000
        # catch up at most two periods, so a stalled tick does not become a burst
        self._owed += self.state.speed * min(now - self._last, max(0.25, 2 * period_s))
        self._last = now
        epochs = int(self._owed)
        if epochs == 0:
            return
        self._owed -= epochs
        draw = self._page_keeps_up()
        # a light tick while a full one is not yet due (the race, when on, always draws fully)
        full = (now - self._last_full >= 1 / full_hz(len(_training), _full_ms[0])
                or (self.race is not None and self.race.running))
        with pn.io.hold():
            if self.state.training:
                diverged = self.state.advance(epochs).diverged
                if draw or diverged:  # a divergence is always shown, in full
                    self.state.notify(light=not (full or diverged))
            if self.race is not None and self.race.running:
                self.race.advance(epochs, render=draw)
            if draw:
                bump(self._beacon)
        if draw and full:
            self._last_full = now
        self._share_time(time.thread_time() - cpu, draw and full)

    def _share_time(self, seconds: float, full: bool) -> None:
        """Fold this tick's cost into the means; retune this loop's period if it is off by 20%,
        at most every ``RETUNE_S`` (a retune restarts the callback, ~0.3 ms: under load the
        mean of light and full ticks swung past 20 % so often that 3 ticks in 10 retuned)."""
        _tick_ms[0] += 0.1 * (1000 * seconds - _tick_ms[0])
        if full:
            _full_ms[0] += 0.1 * (1000 * seconds - _full_ms[0])
        period = shared_period_ms(len(_training), _tick_ms[0])
        now = time.monotonic()
        if (self._callback.running and abs(period - self._callback.period) > 0.2 * period
                and now - self._retuned >= RETUNE_S):
            self._retuned = now
            self._callback.period = period  # Panel restarts the callback with the new period
