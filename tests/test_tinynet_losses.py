"""The loss choice, weight decay, frozen weights and stop conditions in tinynet.

The article's starting figures for the new losses, every new term against central finite
differences (Network.gradient and the Trainer's kernel), the stable cross-entropy, weights that
stay bit for bit where they were frozen, and runs that stop exactly where they are told.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinynet as tn

X, Y = tn.ARTICLE_X, tn.ARTICLE_Y


def article(loss="squared", decay=0.0):
    return tn.Network(**tn.ARTICLE, loss=loss, decay=decay)


@pytest.mark.parametrize("loss, decay, start, after", [
    ("cross_entropy", 0.0, 0.7139, 0.7065),
    ("squared", 0.1, 0.1437, 0.1409),
])
def test_the_article_start_under_the_new_losses(loss, decay, start, after):
    net = article(loss, decay)
    trainer = tn.Trainer(net, X, Y, tn.GradientDescent(0.5))
    assert round(net.loss(X, Y), 4) == round(trainer.loss, 4) == start
    result = trainer.run(1)
    assert round(float(result.losses[0]), 4) == round(net.loss(X, Y), 4) == after


def test_the_penalty_is_reported_apart_from_the_data_loss():
    net = article(decay=0.1)
    assert net.data_loss(X, Y) == article().loss(X, Y)  # the article's 0.1267
    assert net.penalty() == pytest.approx(0.05 * (0.5**2 + 0.3**2))  # biases not decayed
    assert net.loss(X, Y) == net.data_loss(X, Y) + net.penalty()
    assert tn.Trainer(net, X, Y).data_loss == net.data_loss(X, Y)


def test_cross_entropy_is_sigmoid_output_and_log_loss():
    net = article("cross_entropy")
    z2 = article().predict(X)  # the linear output is the logit
    p = 1 / (1 + np.exp(-z2))
    np.testing.assert_allclose(net.predict(X), p, rtol=1e-15)
    np.testing.assert_allclose(net.losses(X, Y), -(Y * np.log(p) + (1 - Y) * np.log(1 - p)),
                               rtol=1e-14)


def test_cross_entropy_stays_finite_at_huge_logits():
    """sigmoid(+-800) rounds to 1 and 0, where log(0) would be -inf: the logit form never is."""
    for b2 in (800.0, -800.0):
        net = tn.Network([0.0], [0.0], [0.0], b2, loss="cross_entropy")
        with np.errstate(divide="raise", invalid="raise"):  # no log(0), no nan
            losses = net.losses(X, Y)
        assert np.all(np.isfinite(losses))
        np.testing.assert_allclose(losses, np.where(Y == (b2 > 0), 0.0, 800.0))
        trainer = tn.Trainer(net, X, Y)
        assert trainer.loss == pytest.approx(400.0) and np.isfinite(trainer.gradient()).all()


def test_cross_entropy_needs_targets_between_0_and_1():
    with pytest.raises(tn.DataError, match="cross-entropy needs every y between 0 and 1.*point 2"):
        tn.Trainer(article("cross_entropy"), [1, 2], [0.5, 2.0])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        tn.Network(**tn.ARTICLE, loss="hinge")
    for bad in (-0.1, float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match="decay must be a finite number >= 0"):
            tn.Network(**tn.ARTICLE, decay=bad)


# -- every new term against central finite differences -----------------------------------------
EPS = 1e-6
numbers = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw):
    """(theta, x, y, activation, loss, decay) with H in 1..4; targets in [0, 1] (both losses)."""
    h, n = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    theta = np.array(draw(st.lists(numbers, min_size=3 * h + 1, max_size=3 * h + 1)))
    x = np.array(draw(st.lists(numbers, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    act = draw(st.sampled_from(["sigmoid", "tanh", "relu"]))
    if act == "relu":  # away from the kink, where the derivative jumps
        assume(np.abs(np.outer(x, theta[:h]) + theta[h : 2 * h]).min() > 1e-3)
    return (theta, x, y, act, draw(st.sampled_from(["squared", "cross_entropy"])),
            draw(st.sampled_from([0.0, 0.01, 0.7])))


@settings(max_examples=300, deadline=None)
@given(problems())
def test_gradients_match_central_differences(problem):
    theta, x, y, act, loss, decay = problem
    net = tn.Network.from_theta(theta, act, loss, decay)
    numeric = np.empty_like(theta)
    for k in range(theta.size):
        plus, minus = net.copy(), net.copy()
        plus.theta[k] += EPS
        minus.theta[k] -= EPS
        numeric[k] = (plus.loss(x, y) - minus.loss(x, y)) / (2 * EPS)
    tol = 1e-8 * max(1.0, net.loss(x, y))
    np.testing.assert_allclose(net.gradient(x, y), numeric, rtol=1e-6, atol=tol)
    trainer = tn.Trainer(net, x, y)
    np.testing.assert_allclose(trainer.gradient(), net.gradient(x, y), rtol=1e-12, atol=1e-15)
    assert trainer.loss == pytest.approx(net.loss(x, y), rel=1e-13, abs=1e-15)


def test_the_loss_and_decay_can_change_between_runs():
    """The trainer follows the network's loss and decay as they are set, mid-training."""
    net = article()
    trainer = tn.Trainer(net, X, Y)
    trainer.run(10)
    net.objective, net.decay = tn.get_loss("cross_entropy"), 0.2
    assert trainer.loss == net.loss(X, Y)
    np.testing.assert_allclose(trainer.gradient(), net.gradient(X, Y), rtol=1e-13)


# -- frozen weights ------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_frozen_weights_stay_bit_identical(optimizer):
    net = tn.starting_network("bump", hidden=2)
    trainer = tn.Trainer(net, X, Y, tn.make_optimizer(optimizer, learning_rate=0.1))
    trainer.run(50)  # the optimizer carries momentum into the freeze
    trainer.frozen = ["w2_1", "b2"]
    held = net.theta[[4, 6]].copy()
    gradient = trainer.gradient()
    assert np.all(gradient[[4, 6]] != 0)  # their gradient is still computed and reported
    before = net.theta.copy()
    trainer.run(1)  # a Step
    trainer.run(500)
    trainer.optimizer = tn.make_optimizer("adam" if optimizer != "adam" else "gd")
    net.decay = 0.1
    trainer.run(500)
    assert net.theta[4].tobytes() + net.theta[6].tobytes() == held.tobytes()
    moved = np.ones(7, bool)
    moved[[4, 6]] = False
    assert np.all(net.theta[moved] != before[moved])  # the others trained
    trainer.frozen = np.zeros(7, bool)
    trainer.run(1)
    assert net.theta[4] != held[0]


def test_freeze_names_are_checked():
    trainer = tn.Trainer(article(), X, Y, frozen=["w2", "b2"])
    assert trainer.frozen.tolist() == [False, False, True, True]
    with pytest.raises(ValueError, match="cannot freeze 'w2_1'"):
        trainer.frozen = ["w2_1"]


# -- stops ----------------------------------------------------------------------------------------
def test_stop_epoch_pauses_at_exactly_that_epoch():
    trainer = tn.Trainer(article(), X, Y, stop_epoch=1000)
    results = [trainer.run(300) for _ in range(4)]
    assert trainer.epoch == 1000
    assert [r.stopped for r in results] == ["", "", "", "stopped at epoch 1000, as asked"]
    assert len(results[-1].losses) == 100
    again = trainer.run(300)
    assert trainer.epoch == 1000 and again.losses.size == 0 and again.stopped
    trainer.stop_epoch = None
    assert trainer.run(5).stopped == "" and trainer.epoch == 1005


def test_stop_loss_pauses_at_the_first_epoch_at_or_below_it():
    free = tn.Trainer(article(), X, Y).run(3000).losses
    stop = float(free[1234])  # the loss after epoch 1235, exactly
    first = int(np.flatnonzero(free <= stop)[0]) + 1
    trainer = tn.Trainer(article(), X, Y, stop_loss=stop)
    result = trainer.run(3000)
    assert trainer.epoch == first and result.losses[-1] <= stop
    assert np.all(result.losses[:-1] > stop)
    assert result.stopped.startswith(f"stopped at epoch {first}: the loss")
    assert trainer.run(10).losses.size == 0  # already there: it stays paused
    for bad in (-1, float("nan"), "1"):
        with pytest.raises(ValueError, match="stop_loss must be"):
            trainer.stop_loss = bad


def test_a_timeline_replays_the_new_settings():
    net = article("cross_entropy", 0.05)
    trainer = tn.Trainer(net, X, Y, tn.make_optimizer("momentum", learning_rate=0.3),
                         frozen=["b1"])
    timeline = tn.Timeline(net.theta.size, spacing=16)
    timeline.start(trainer)
    for _ in range(10):
        trainer.run(7)
        timeline.keep(trainer)
    theta, _, _ = timeline.at(45)
    replay = article("cross_entropy", 0.05)
    tn.Trainer(replay, X, Y, tn.make_optimizer("momentum", learning_rate=0.3),
               frozen=["b1"]).run(45)
    assert theta.tobytes() == replay.theta.tobytes()
