"""Going back on a run's timeline: the network shown at a past epoch is the one training had
there, bit for bit (also across the learner's interventions), in bounded memory; training on
from there drops the later part. The settings (activation, optimizer, data) stay the page's:
going back shows past weights, not past settings.

tinynet.Timeline keeps keyframes and replays between them; app.run.Run records them as it
trains; Session.go_to shows a past epoch. The references are fresh trainings that do the same
things at the same epochs.
"""
import copy

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinynet
from app.session import DIVERGED, Session, slot_names
from tinynet import ARTICLE_X as X
from tinynet import ARTICLE_Y as Y

OPTIMIZERS = ["gd", "momentum", "adam"]


# -- tinynet ---------------------------------------------------------------------------------------
def test_a_million_epochs_fit_in_2_mb_and_every_epoch_comes_back_exactly():
    """Four neurons with Adam (the most state per keyframe): 1,000,000 epochs, the keyframes
    within 2 MB, any epoch replayed from at most one keyframe's spacing. The weights to come
    back are taken from the training itself as it passes the epochs checked."""
    net = tinynet.Network.from_theta(tinynet.starting_theta(tinynet.default_scheme(4), 4, 3))
    trainer = tinynet.Trainer(net, X, Y, tinynet.Adam(0.05))
    timeline = tinynet.Timeline(net.theta.size)
    timeline.start(trainer)
    total = 1_000_000
    checked = [0, 1, 10, 257, 123_457, 999_999, total]
    had = {0: net.theta.copy()}
    while trainer.epoch < total:
        due = min(timeline.due(trainer.epoch), total)
        trainer.run(min(due, *(e for e in checked if e > trainer.epoch)) - trainer.epoch)
        if trainer.epoch in checked:
            had[trainer.epoch] = net.theta.copy()
        if trainer.epoch == due:
            timeline.keep(trainer)
    assert timeline.nbytes() <= 2 * 2**20, timeline.nbytes()
    assert np.max(np.diff(timeline.epochs[: timeline.n])) <= timeline.spacing <= 512

    assert sorted(had) == checked
    for epoch in checked:
        theta, optimizer, _ = timeline.at(epoch)
        assert np.array_equal(theta, had[epoch]), epoch
        assert optimizer.t == epoch


def test_the_article_run_at_past_epochs():
    """From the article's start: epoch 1 shows the loss after one step (0.123780,
    FIGURES.md); at two neurons epochs 1, 10, 100, 1000 show a fresh training's losses."""
    s = Session()
    s.advance(2000)
    s.go_to(1)
    assert s.loss() == pytest.approx(0.123780, abs=1e-6)
    assert s.epoch == 1 and s.end == 2000

    s.hidden = 2
    s.advance(1000)
    for epoch in (1, 10, 100, 1000):
        s.go_to(epoch)
        net = tinynet.Network.from_theta(s.starting_theta(2))
        tinynet.Trainer(net, X, Y, tinynet.GradientDescent(0.5)).run(epoch)
        assert np.array_equal(s.net.theta, net.theta)
        assert s.loss() == net.loss(X, Y)


# -- the session: interventions, then going back ----------------------------------------------
ACTIONS = st.one_of(
    st.tuples(st.just("train"), st.integers(1, 300)),
    st.tuples(st.just("drag"), st.integers(0, 12), st.floats(-6, 6)),
    st.tuples(st.just("lr"), st.sampled_from([0.05, 0.1, 0.3, 0.5])),
    st.tuples(st.just("optimizer"), st.sampled_from(OPTIMIZERS)),
    st.tuples(st.just("activation"), st.sampled_from(list(tinynet.ACTIVATIONS))),
    st.tuples(st.just("back"), st.floats(0, 1)),  # go back on the timeline (then go on)
)


def act(s: Session, action, until: int | None = None) -> None:
    """Do one action; with ``until``, train no further than that epoch."""
    kind, *args = action
    if kind == "train":
        s.advance(args[0] if until is None else min(args[0], until - s.epoch))
    elif kind == "drag":
        names = slot_names(s.hidden)
        s.set_values(**{names[args[0] % len(names)]: args[1]})
    elif kind == "lr":
        s.learning_rate = args[0]
    elif kind == "optimizer":
        s.optimizer = args[0]
    elif kind == "activation":
        s.activation = args[0]
    elif kind == "back":
        s.go_to(int(args[0] * s.end))


SETTINGS = ("lr", "optimizer", "activation")


def log_of(s: Session, actions) -> list:
    """Do the actions, and return them as a session that never goes back would do them:
    (epoch, action) in order. Going back to epoch e and then doing anything drops what came
    after e (training is cut there, the weights placed later are gone, the settings changed
    later stay); going back and doing nothing drops nothing."""
    log = []
    for action in actions:
        epoch, end, version = s.epoch, s.end, s.version
        act(s, action)
        if action[0] == "back":
            continue
        changed = action[0] == "train" or s.version != version  # (a setting set as it was: no)
        if epoch < end and changed:  # it went on from the past: cut the log
            kept = [(e, a) for e, a in log if e < epoch or (e == epoch and a[0] != "train")]
            kept = [(e, ("train", min(a[1], epoch - e)) if a[0] == "train" else a)
                    for e, a in kept]
            # the settings stay the page's: those changed later hold from here on
            later = {a[0]: (epoch, a) for e, a in log if e > epoch and a[0] in SETTINGS}
            log = kept + list(later.values())
        log.append((epoch, action))
    return log
@settings(max_examples=60, deadline=None)
@given(hidden=st.integers(1, 4), actions=st.lists(ACTIONS, min_size=1, max_size=12),
       where=st.floats(0, 1))
def test_going_back_shows_what_the_same_training_had_there(hidden, actions, where):
    s = Session(hidden=hidden)
    log = log_of(s, actions)
    assume(not s.message.startswith(DIVERGED))  # a divergence's undo is tested on its own
    epoch = int(where * s.end)
    s.go_to(epoch)

    fresh = Session(hidden=hidden)
    for start, action in log:
        if start > epoch or action[0] == "train" and fresh.epoch >= epoch:
            break
        act(fresh, action, until=epoch)
    assert fresh.epoch == epoch
    assert np.array_equal(s.net.theta, fresh.net.theta), (epoch, s.net.theta, fresh.net.theta)
    # the page's settings stay the learner's (what Train would go on with): the loss shown
    # is these weights' under them
    shown = tinynet.Network.from_theta(s.net.theta, s.activation)
    assert s.loss() == pytest.approx(shown.loss(s.x, s.y), rel=1e-6, abs=1e-300)  # 6 digits


def test_training_on_from_the_past_drops_the_later_part_and_says_so():
    s = Session()
    s.advance(500)
    late = s.net.theta.copy()
    s.go_to(200)
    assert s.end == 500 and s.history[0][-1] == 500
    s.param.trigger("step")
    assert s.epoch == s.end == 201 and s.history[0][-1] == 201
    assert "from epoch 200" in s.message and "to epoch 500" in s.message
    s.advance(299)
    assert np.array_equal(s.net.theta, late)  # the same steps again: the same weights


def test_going_to_the_end_comes_back_to_the_live_network():
    s = Session(optimizer="adam", learning_rate=0.05)
    s.advance(777)
    live, state = s.net.theta.copy(), copy.deepcopy(s.run.optimizer)
    s.go_to(3)
    s.go_to(777)
    assert np.array_equal(s.net.theta, live) and s.run.optimizer.t == state.t == 777
    s.advance(10)
    ahead = tinynet.Network.from_theta(live, "sigmoid")
    tinynet.Trainer(ahead, X, Y, state).run(10)
    assert np.array_equal(s.net.theta, ahead.theta)


def test_a_diverged_stretch_is_not_on_the_timeline():
    s = Session()
    s.advance(100)
    s.learning_rate = 10.0
    result = s.advance(500)
    assert result.diverged and s.end == s.epoch <= 100
    with pytest.raises(ValueError):
        s.go_to(s.end + 1)
