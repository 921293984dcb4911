"""What a learner can do, in any order, never leaves the page wrong: a stateful property test
(hypothesis's RuleBasedStateMachine) over the whole app without a browser.

After every action: every weight and the loss are finite and within the weight limit; the
loss readout shows the loss of the weights the sliders show; every number the page prints
fits its width; no view raised on the way (an exception in a watcher fails the test); and
what reached the page is what the session holds (tools/oracle.py: the page is served into a
Bokeh document and every change is sent, as to a browser, to a client's copy of it).
"""
import math
import re

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import tinynet
from app.film import SPEEDS
from app.lessons import LESSONS
from app.main import PlaygroundApp
from app.session import slot_names
from app.settings import LEARNING_RATE_BOUNDS, OPTIMIZERS, WEIGHT_LIMIT, WIDTHS, slider_number
from app.text import MAX_CHARS, format_loss
from tools import oracle
from tools.mirror import Mirror

MIN_LR, MAX_LR = LEARNING_RATE_BOUNDS
VALUES = st.one_of(st.sampled_from([WEIGHT_LIMIT, -WEIGHT_LIMIT, 0.0, 40.0, -8.5, 1e-9]),
                   st.floats(-WEIGHT_LIMIT, WEIGHT_LIMIT, allow_nan=False))
CELL = re.compile(r"<td>([^<]*)</td>")
VALUE = re.compile(r'class="tn-value">([^<]*)<')


def shown_numbers(app) -> list[str]:
    """Every number the readouts and the tables print."""
    texts = [app.readouts._loss.object, app.readouts._epoch.object]
    cells = [CELL.findall(t.object or "") for t in
             (app.tables._forward, app.tables._loss, app.tables._grads)]
    return ([v for t in texts for v in VALUE.findall(t) + oracle.PART.findall(t)]
            + [c for row in cells for c in row])


class Learner(RuleBasedStateMachine):
    """One learner's page, and everything they can do to it, from width ``hidden`` (1: a fresh
    page's)."""

    hidden = WIDTHS[0]

    def __init__(self):
        super().__init__()
        self.mirror = Mirror(lambda: PlaygroundApp(loop=False))
        self._current = self.mirror.current()
        self._current.__enter__()  # the page's document stays current until teardown
        self.app = self.mirror.viewable
        self.s = self.app.state
        self.s.hidden = self.hidden  # (the first thing this learner does)

    def teardown(self):
        self._current.__exit__(None, None, None)
        self.mirror.close()

    # -- what they do -----------------------------------------------------------------------
    @rule(k=st.integers(0, 12), value=VALUES)
    def drag_a_weight(self, k, value):
        names = slot_names(self.s.hidden)
        self.s.set_values(**{names[k % len(names)]: value})

    @rule(k=st.integers(0, 12), steps=st.integers(-40, 40))
    def move_a_slider(self, k, steps):
        names = slot_names(self.s.hidden)
        slider = self.app.sliders._sliders[names[k % len(names)]]
        slider.value = min(max(slider.value + 0.01 * steps, slider.start), slider.end)

    @rule(factor=st.floats(1.01, 1.6))
    def raise_the_learning_rate_a_little(self, factor):
        self.s.learning_rate = min(self.s.learning_rate * factor, MAX_LR)

    @rule(lr=st.floats(math.log10(MIN_LR), math.log10(MAX_LR)))
    def set_the_learning_rate(self, lr):
        self.s.learning_rate = 10**lr

    @rule(hidden=st.sampled_from(WIDTHS))
    def switch_width(self, hidden):
        self.s.hidden = hidden

    @rule(optimizer=st.sampled_from(list(OPTIMIZERS.values())))
    def switch_optimizer(self, optimizer):
        self.s.optimizer = optimizer

    @rule(activation=st.sampled_from(list(tinynet.ACTIVATIONS)))
    def switch_activation(self, activation):
        self.s.activation = activation

    @rule(loss=st.sampled_from(["squared", "cross_entropy"]))
    def switch_loss(self, loss):
        self.s.loss_choice = loss

    @rule(decay=st.sampled_from([0.0, 1e-5, 0.001, 0.1, 1.0]))
    def set_weight_decay(self, decay):
        self.s.decay = decay

    @rule(k=st.integers(0, 12))
    def press_a_lock(self, k):
        names = slot_names(self.s.hidden)
        lock = self.app.sliders._locks[names[k % len(names)]]
        lock.value = not lock.value

    @rule(epoch=st.sampled_from([0, 1, 30, 400, 10**9]), loss=st.sampled_from([0.0, 1e-3, 0.1]))
    def set_the_stops(self, epoch, loss):
        self.s.param.update(stop_epoch=epoch, stop_loss=loss)

    @rule(more=st.integers(1, 300), chunk=st.sampled_from([1, 7, 64, 400]))
    def train_exactly_to_a_stop(self, more, chunk):
        """Stop at the epoch ``more`` from here, press Train, and let the loop tick until it
        pauses: exactly there, saying so."""
        target = self.s.epoch + more
        self.s.param.update(stop_epoch=target, stop_loss=0.0)
        self.s.training = True
        for _ in range(more + 1):
            if not self.s.training:
                break
            if self.s.advance(chunk).diverged:
                return  # (undone, and said: app/session.py)
            self.s.notify()
        assert not self.s.training and self.s.epoch == target
        assert self.s.stopped.startswith(f"Stopped at epoch {target:,}, as you asked.")

    @rule(preset=st.sampled_from(list(tinynet.PRESETS)))
    def switch_data(self, preset):
        self.s.preset = preset

    @rule()
    def step(self):
        self.s.param.trigger("step")

    @rule()
    def reset(self):
        self.s.param.trigger("reset")

    @rule(on=st.booleans())
    def train_or_pause(self, on):
        self.s.training = on

    # the guided lessons: open one, Next, Back, pick an answer, leave
    @rule(n=st.integers(1, len(LESSONS)))
    def open_a_lesson(self, n):
        self.app.lessons.number = n

    @precondition(lambda self: self.app.lessons.number)
    @rule(move=st.sampled_from(["next", "back", "leave"]))
    def move_between_lessons(self, move):
        self.app.lessons.param.trigger(move)

    @precondition(lambda self: self.app.lessons.lesson is not None
                  and self.app.lessons.lesson.choices)
    @rule(k=st.integers(0, 12))
    def pick_an_answer(self, k):
        choices = list(self.app.lessons._choices)
        if choices:
            self.app.lessons._choices[choices[k % len(choices)]].clicks += 1

    @rule(where=st.floats(0, 1))
    def go_back_on_the_timeline(self, where):
        self.app.timeline.go_to(round(where * self.s.end))

    # pinned runs: pin, unpin, bring one back; Undo what a branch or a bring-back set aside
    @rule()
    def pin(self):
        self.app.runs._pin.clicks += 1

    @precondition(lambda self: self.s.pins)
    @rule(k=st.integers(0, 3), back=st.booleans())
    def bring_back_or_unpin(self, k, back):
        pin = self.s.pins[k % len(self.s.pins)]
        buttons, bring, unpin = self.app.runs._rows[pin.slot]
        (bring if back else unpin).clicks += 1

    @precondition(lambda self: self.s.undoable)
    @rule()
    def undo(self):
        self.app.controls._undo.part.param.trigger("value")  # a press of the Undo button

    @precondition(lambda self: self.s.end > 0)  # the film's controls come with a run
    @rule(backwards=st.booleans(), speed=st.sampled_from(SPEEDS))
    def play_or_pause_the_film(self, backwards, speed):
        film = self.app.timeline.film
        film._direction.value = backwards
        film._speed.value = speed
        film._play.value = not film._play.value

    @precondition(lambda self: self.s.replaying)
    @rule(seconds=st.floats(0.001, 0.5))
    def a_frame_of_the_film(self, seconds):
        """What a tick of the film's callback does (app/views/film.py)."""
        self.app.timeline.film.film.tick(seconds)

    @precondition(lambda self: self.s.training)
    @rule(epochs=st.sampled_from([1, 5, 40, 400]), light=st.booleans())
    def tick(self, epochs, light):
        """What a tick of the Train loop does (app/loop.py); training leaves the frozen weights
        where they are, and never passes a stop."""
        frozen = self.s.run.frozen.copy()
        before, epoch = self.s.net.theta.copy(), self.s.epoch
        stop_epoch, stop_loss = self.s.stop_epoch, self.s.stop_loss
        result = self.s.advance(epochs)
        self.s.notify(light=light and not result.diverged)
        if result.diverged:
            return
        assert self.s.net.theta[frozen].tobytes() == before[frozen].tobytes()
        if stop_epoch and epoch <= stop_epoch:
            assert self.s.epoch <= stop_epoch
            assert self.s.training == (self.s.epoch < stop_epoch and not self.s.stopped)
        if self.s.stopped:
            assert not self.s.training
            said = re.search(r"epoch (\d{1,3}(?:,\d{3})*)", self.s.stopped).group(1)
            assert said == f"{self.s.epoch:,}"
            if "loss reached" in self.s.stopped:
                assert self.s.loss() <= stop_loss and (self.s.epoch == epoch or all(
                    loss > stop_loss for loss in result.losses[:-1]))

    # -- what must hold ---------------------------------------------------------------------
    @invariant()
    def weights_and_loss_are_finite_and_bounded(self):
        theta = self.s.net.theta
        assert np.isfinite(theta).all() and np.max(np.abs(theta)) <= WEIGHT_LIMIT, theta
        assert math.isfinite(self.s.loss())

    @invariant()
    def the_loss_shown_is_the_loss_of_the_weights_shown(self):
        if self.s.training:
            return  # sliders follow at 15 Hz while training; Pause catches them up
        names = slot_names(self.s.hidden)
        # a dragged slider keeps the value it sent (0.5199999999999996), which the network
        # holds as the slider means it (0.52): app.settings.slider_number
        shown = [slider_number(self.app.sliders.value(n)) for n in names]
        assert shown == [slider_number(t) for t in self.s.net.theta]
        net = tinynet.Network.from_theta(self.s.net.theta, self.s.activation, self.s.loss_choice,
                                         self.s.decay)
        loss = net.loss(self.s.x, self.s.y)
        # the readout's loss comes from the run, by another order of float operations: at an
        # exact tie (0.1472545) either rounding of the last digit is the loss of these weights
        near = {format_loss(loss * (1 + d)) for d in (-1e-12, 0.0, 1e-12)}
        shown_loss = VALUE.findall(self.app.readouts._loss.object)
        assert len(shown_loss) == 1 and shown_loss[0] in near, (shown_loss, loss)

    @invariant()
    def a_film_plays_a_run_that_is_not_training(self):
        assert not (self.s.replaying and self.s.training)
        if self.s.replaying:
            assert 0 < self.s.end and 0 <= self.s.epoch <= self.s.end

    @invariant()
    def the_page_shows_what_the_session_holds(self):
        oracle.check(self.mirror, self.s)

    @invariant()
    def every_number_fits(self):
        for text in shown_numbers(self.app):
            assert len(text) <= MAX_CHARS + 1, text  # a sign may come on top


# The machine runs in four parts, one from each width, so that ``pytest -n`` runs them side by
# side: 4 x 11 sequences of 30 actions. Each part's class has its own source, from which
# hypothesis derives its examples (the gate profile's derandomize), so the parts try different
# sequences, from different pages. (Each part tries its simplest sequence, 30 pins, twice: 40
# different sequences and starts in all, as one machine of 40 examples tried 39.)
class FromWidth2(Learner):
    hidden = 2


class FromWidth3(Learner):
    hidden = 3


class FromWidth4(Learner):
    hidden = 4


def as_test(machine):
    test = machine.TestCase
    test.settings = settings(max_examples=11, stateful_step_count=30, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
    return test


TestLearner = as_test(Learner)
TestLearnerFromWidth2 = as_test(FromWidth2)
TestLearnerFromWidth3 = as_test(FromWidth3)
TestLearnerFromWidth4 = as_test(FromWidth4)


def test_raising_the_learning_rate_in_small_steps_while_training_ends_near_the_start():
    """The drag-to-10 case: each small raise checkpoints only while training is stable, so the
    divergence goes back to weights of ordinary size, and says so."""
    app = PlaygroundApp(loop=False)
    s = app.state
    s.training = True
    lr = 0.5
    while s.training and lr < MAX_LR:
        lr = min(lr * 1.1, MAX_LR)
        s.learning_rate = lr
        s.notify(light=not s.advance(5).diverged)
    assert not s.training and s.message.startswith("Training diverged")
    assert np.max(np.abs(s.net.theta)) < 1e3
    assert len(VALUE.findall(app.readouts._loss.object)[0]) <= MAX_CHARS


def test_a_closed_page_is_freed():
    """Each example of the machine serves a page into this process: closed, nothing keeps it
    (Panel's state kept them all, and every later full collection walked 44 pages)."""
    import gc
    import weakref

    mirror = Mirror(lambda: PlaygroundApp(loop=False))
    with mirror.current():
        mirror.viewable.state.hidden = 2
    mirror.close()
    kept = [weakref.ref(o) for o in (mirror.page, mirror.client, mirror.viewable)]
    del mirror
    gc.collect()
    assert [ref() for ref in kept] == [None, None, None]
