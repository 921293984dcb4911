"""Frozen weights and training that stops where the learner says (issue #29, items 4 and 5),
without a browser: the session driven as the page and the Train loop drive it."""
import numpy as np
import pytest

import tinynet
from app import urlstate
from app.session import Session, slot_names
from tests.conftest import tick
from tests.test_app_views import shown_push_and_ghost


def train(s: Session, chunks) -> None:
    """Press Train and tick the loop with these many epochs a tick, until it pauses."""
    s.training = True
    for epochs in chunks:
        if not s.training:
            return
        tick(s, epochs)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_a_frozen_weight_stays_bit_for_bit_and_its_push_is_still_shown(app, optimizer):
    s = app.state
    s.param.update(hidden=2, optimizer=optimizer)
    app.sliders._locks["w2_1"].value = True  # the lock, as a click or Space sets it
    assert s.frozen == ["w2_1"] and app.sliders.locked("w2_1")
    k = slot_names(2).index("w2_1")
    before = s.net.theta.copy()
    train(s, [7, 64, 200])
    s.training = False
    s.param.trigger("step")
    s.optimizer = "adam" if optimizer != "adam" else "gd"  # a change of optimizer on the way
    train(s, [50])
    s.training = False
    theta = s.net.theta
    assert theta[k].tobytes() == before[k].tobytes()
    assert not np.array_equal(np.delete(theta, k), np.delete(before, k))  # the rest trained
    push, ghost = shown_push_and_ghost(app, "w2_1")
    assert push == -s.gradient()[k] and push != 0  # the gradient is still shown ...
    assert ghost == theta[k]  # ... and the next step leaves it where it is
    assert "but it is frozen" in app.sliders._nudges["w2_1"].object
    assert app.sliders.value("w2_1") == theta[k]


def test_a_frozen_weight_can_still_be_dragged_and_unfreezing_is_a_mark(app):
    s = app.state
    s.frozen = ["w1_1"]
    assert app.sliders.locked("w1_1") and not app.sliders.locked("b1_1")
    app.sliders._sliders["w1_1"].value = 2.5  # the learner drags it
    assert s.net.w1[0] == 2.5
    train(s, [100])
    assert s.net.w1[0] == 2.5
    app.sliders._locks["w1_1"].value = False
    assert s.frozen == [] and s.run.marks[1][-1] == "none frozen"
    tick(s, 10)
    assert s.net.w1[0] != 2.5


@pytest.mark.parametrize("chunks", [[1000], [7] * 200, [333, 333, 333, 333], [64, 1, 999]])
def test_stop_epoch_pauses_at_exactly_that_epoch_whatever_the_ticks(chunks):
    s = Session(stop_epoch=1000)
    train(s, chunks)
    assert (s.epoch, s.training) == (1000, False)
    assert s.stopped == ("Stopped at epoch 1,000, as you asked. (Raise the stop, or set it to "
                         "0, to train on.)")
    assert s.history[0][-1] == 1000
    s.training = True  # Train again at the stop: it stops at once and says so
    assert s.stopped == ""
    tick(s, 5)
    assert (s.epoch, s.training) == (1000, False) and s.stopped.startswith("Stopped at")
    s.param.trigger("step")  # a Step always steps
    assert s.epoch == 1001 and s.stopped == ""
    train(s, [5])  # past the stop: Train says so
    assert s.epoch == 1001 and s.stopped == ("Not trained: the run is at epoch 1,001, past the "
                                             "stop at epoch 1,000. Raise the stop, or set it to "
                                             "0, to train on.")


def test_a_stop_is_said_only_of_the_run_it_paused(app):
    """"Stopped at epoch 1,000" belongs to the run that stopped: another width's run, or the
    run Reset starts, has not stopped, and the page says nothing of it."""
    s = app.state
    s.stop_epoch = 1000
    for change in (lambda: setattr(s, "hidden", 2), lambda: s.param.trigger("reset")):
        train(s, [400] * 5)
        assert s.stopped.startswith("Stopped at epoch 1,000") and app.controls.shown("stopped")
        change()
        assert s.stopped == "" and not app.controls.shown("stopped")


@pytest.mark.parametrize("chunks", [[5000], [13] * 500])
def test_stop_loss_pauses_at_the_first_epoch_whose_loss_is_at_or_below_it(chunks):
    s = Session(hidden=2, stop_loss=1e-3)
    free = tinynet.Trainer(s.net.copy(), s.x, s.y, s.make_optimizer())  # no stop, every epoch
    losses = np.r_[free.loss, free.run(5000).losses]  # losses[e]: the loss at epoch e
    first = int(np.flatnonzero(losses <= 1e-3)[0])
    train(s, chunks)
    assert (s.epoch, s.training) == (first, False)
    assert s.loss() <= 1e-3 < losses[first - 1]
    assert s.stopped == f"Stopped: the loss reached 0.001 at epoch {first:,}."


def test_the_stops_and_the_frozen_weights_go_through_a_link():
    a = Session(hidden=2, stop_epoch=1000, stop_loss=1e-3)
    a.frozen = ["w2_1", "b2"]
    query = urlstate.to_query(a)
    assert (query["stop_epoch"], query["stop_loss"], query["freeze"]) == ("1000", "0.001",
                                                                         "w2_1,b2")
    found, notices = urlstate.parse_query(query)
    b = Session()
    urlstate.apply(b, found)
    assert notices == []
    assert (b.stop_epoch, b.stop_loss, b.frozen) == (1000, 1e-3, ["w2_1", "b2"])
    assert np.array_equal(b.run.frozen, a.run.frozen)


def test_a_bad_weight_name_to_freeze_is_one_notice_and_the_rest_applies():
    found, notices = urlstate.parse_query({"freeze": "w2_1,w9,b2,w1_2"})
    assert found["frozen"] == ["w2_1", "b2"]
    assert notices == ["freeze='w2_1,w9,b2,w1_2' was ignored in part: 'w9', 'w1_2' are not "
                       "weights of a network with 1 hidden neuron; its weights are w1_1, b1_1, "
                       "w2_1, b2."]
    found, notices = urlstate.parse_query({"freeze": "w2"})
    assert "frozen" not in found
    assert notices == ["freeze='w2' was ignored: 'w2' is not a weight of a network with 1 "
                       "hidden neuron; its weights are w1_1, b1_1, w2_1, b2."]


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_slow_motion_leaves_a_frozen_weight_bit_for_bit_and_ends_where_its_ghost_said(optimizer):
    from app.slowmo import SlowMotion

    s = Session(hidden=2, optimizer=optimizer)
    s.advance(20)  # (Adam with moments built up)
    s.frozen = ["w1_2", "b2"]
    frozen = np.isin(slot_names(2), s.frozen)
    before, expected = s.net.theta.copy(), s.next_step()
    assert expected[frozen].tobytes() == before[frozen].tobytes()
    mo = SlowMotion(s)
    mo.start()
    while mo.phase < mo.last:
        mo.next()
    assert s.net.theta.tobytes() == expected.tobytes()
    assert not np.array_equal(s.net.theta[~frozen], before[~frozen])
