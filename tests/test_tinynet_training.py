"""Training behaviour: the one-neuron floor, optimizers, divergence, epochs, stability, seeds."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet as tn

X, Y = tn.ARTICLE_X, tn.ARTICLE_Y
FLOOR = 1 / 12

weights = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


@pytest.fixture
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# -- one neuron is monotonic, so it cannot go below 1/12 -------------------------------------
@settings(max_examples=200, deadline=None)
@given(weights, weights, weights, weights, st.sampled_from(["sigmoid", "tanh", "relu"]))
def test_one_neuron_prediction_is_monotonic_in_x(w1, b1, w2, b2, act):
    """y_hat = w2 * act(w1 x + b1) + b2 only rises or only falls as x grows."""
    net = tn.Network([w1], [b1], [w2], b2, activation=act)
    steps = np.diff(net.predict(np.linspace(-10, 10, 401)))
    slack = 1e-12 * (abs(w2) + abs(b2) + 1)  # a rounding's worth
    assert (steps >= -slack).all() or (steps <= slack).all()


def test_two_neurons_are_not_monotonic():
    """The check above can fail: the bump start rises then falls."""
    steps = np.diff(tn.starting_network("bump", hidden=2).predict(np.linspace(-10, 10, 401)))
    assert steps.max() > 1e-3 and steps.min() < -1e-3


def test_article_start_never_goes_below_the_floor():
    result = tn.Trainer(tn.starting_network("article"), X, Y).run(5000)
    assert not result.diverged
    assert result.losses.min() >= FLOOR - 1e-12
    assert np.all(np.diff(result.losses) <= 0)  # gradient descent at lr 0.5 only goes down here


@pytest.mark.parametrize("optimizer", [tn.GradientDescent(0.5), tn.Adam(0.05)], ids=repr)
def test_many_one_neuron_starts_never_go_below_the_floor(optimizer):
    """600 random starts (some scaled up to saturate), 3000 epochs each."""
    starts = np.concatenate([tn.starting_theta("xavier", 1, seed=1, models=300),
                             tn.starting_theta("he", 1, seed=2, models=300)], axis=1)
    starts[:, :200] *= 3
    result = tn.train_many(starts, X, Y, 3000, optimizer)
    assert not result.diverged.any()
    assert result.losses.min() >= FLOOR - 1e-12
    assert result.losses.min() < FLOOR + 1e-3  # and the floor is close to tight: some get near it


def test_a_few_trainer_runs_stay_above_the_floor_at_every_epoch():
    for seed in range(5):
        net = tn.starting_network("he", hidden=1, seed=seed)
        losses = tn.Trainer(net, X, Y, tn.Momentum(0.1)).run(3000).losses
        assert losses.min() >= FLOOR - 1e-12


# -- optimizers ------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", [tn.GradientDescent(0.5), tn.Momentum(0.1), tn.Adam(0.05)],
                         ids=lambda o: o.name)
def test_each_optimizer_lowers_the_loss_from_the_article_start(optimizer):
    net = tn.starting_network("article")
    start = net.loss(X, Y)
    result = tn.Trainer(net, X, Y, optimizer).run(500)
    assert not result.diverged
    assert result.losses[-1] < start - 0.02
    assert net.loss(X, Y) == pytest.approx(result.losses[-1], rel=1e-12)


# -- divergence ------------------------------------------------------------------------------
def test_learning_rate_10_is_reported_as_divergence(warnings_are_errors):
    net = tn.starting_network("article")
    trainer = tn.Trainer(net, X, Y, tn.GradientDescent(10))
    result = trainer.run(5000)
    assert result.diverged
    done = len(result.losses)
    assert 0 < done < 5000 and trainer.epoch == done
    assert f"diverged at epoch {done + 1}" in result.message
    assert "learning rate 10" in result.message and "lower the learning rate" in result.message
    assert np.isfinite(net.theta).all() and np.isfinite(result.losses).all()
    # the weights are those after the last finite step: replay exactly that many steps
    replay = tn.starting_network("article")
    again = tn.Trainer(replay, X, Y, tn.GradientDescent(10)).run(done)
    assert not again.diverged
    np.testing.assert_array_equal(net.theta, replay.theta)
    assert net.loss(X, Y) == result.losses[-1]


def test_a_diverged_trainer_says_so_again_without_moving(warnings_are_errors):
    net = tn.starting_network("article")
    trainer = tn.Trainer(net, X, Y, tn.GradientDescent(10))
    first = trainer.run(5000)
    kept = net.theta.copy()
    second = trainer.run(10)
    assert second.diverged and len(second.losses) == 0
    np.testing.assert_array_equal(net.theta, kept)
    assert trainer.epoch == len(first.losses)


def test_train_many_marks_diverged_models(warnings_are_errors):
    starts = tn.starting_theta("article", 1, models=2)
    result = tn.train_many(starts, X, Y, 2000, tn.GradientDescent(10))
    assert result.diverged.all() and np.isinf(result.losses).all()
    fine = tn.train_many(starts, X, Y, 200, tn.GradientDescent(0.5))
    assert not fine.diverged.any() and np.isfinite(fine.losses).all()


# -- epochs ----------------------------------------------------------------------------------
def test_run_zero_epochs_changes_nothing():
    net = tn.starting_network("article")
    trainer = tn.Trainer(net, X, Y)
    result = trainer.run(0)
    assert result.losses.shape == (0,) and not result.diverged and result.message == ""
    assert trainer.epoch == 0
    np.testing.assert_array_equal(net.theta, [0.5, -0.1, 0.3, 0.2])


def test_epochs_add_up_and_runs_continue_where_they_stopped():
    net = tn.starting_network("article")
    trainer = tn.Trainer(net, X, Y)
    a, b = trainer.run(3), trainer.run(4)
    assert trainer.epoch == 7 and len(a.losses) == 3 and len(b.losses) == 4
    whole = tn.starting_network("article")
    tn.Trainer(whole, X, Y).run(7)
    np.testing.assert_array_equal(net.theta, whole.theta)


@pytest.mark.parametrize("epochs", [-1, 2.5, float("nan"), float("inf"), None, "ten"])
def test_run_rejects_bad_epoch_counts(epochs):
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        tn.Trainer(tn.starting_network("article"), X, Y).run(epochs)
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        tn.train_many(tn.starting_theta("article", 1, models=1), X, Y, epochs)


# -- numerical stability ---------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e2, 1e3, 1e4, 1e6])
def test_sigmoid_is_finite_and_quiet_for_huge_inputs(scale, warnings_are_errors):
    """|z1| up to 1e6: exp(-z) overflows to inf inside, and 1 / (1 + inf) = 0 is exact."""
    x = np.linspace(-1, 1, 9)
    net = tn.Network([scale], [0.0], [1.0], 0.0)
    z1, a1, y_hat = net.forward(x)
    assert np.abs(z1).max() == scale
    assert np.isfinite(a1).all() and ((a1 >= 0) & (a1 <= 1)).all()
    assert a1[0, 0] < 1e-43 and a1[-1, 0] == 1.0  # sigmoid(-100) = 3.7e-44; from -745 on, 0
    assert np.isfinite(net.gradient(x, np.zeros(9))).all()
    trainer = tn.Trainer(net, x, np.zeros(9))
    assert np.isfinite(trainer.gradient()).all()
    assert not trainer.run(10).diverged
    assert np.isfinite(tn.batch_losses(net.theta[:, None], x, np.zeros(9))).all()


def test_raw_sigmoid_is_exact_at_the_extremes_under_the_callers_errstate():
    z = np.array([-1e6, -800.0, -40.0, 0.0, 40.0, 800.0, 1e6])
    out = np.empty_like(z)
    with np.errstate(over="ignore"):  # the documented contract of Activation.f
        tn.sigmoid.f(z, out)
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert np.all(np.diff(out) >= 0)


# -- seeds -----------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["xavier", "he"])
def test_seeds_reproduce_and_differ_without_touching_the_global_rng(scheme):
    np.random.seed(1234)
    before = np.random.get_state()[1].copy()
    a = tn.starting_theta(scheme, 4, seed=5)
    b = tn.starting_theta(scheme, 4, seed=5)
    c = tn.starting_theta(scheme, 4, seed=6)
    many = tn.starting_theta(scheme, 4, seed=5, models=3)
    net = tn.starting_network(scheme, hidden=4, seed=5)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # global generator untouched
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.theta, a)
    assert not np.array_equal(a, c)
    assert many.shape == (13, 3) and not np.array_equal(many[:, 0], many[:, 1])
    np.testing.assert_array_equal(a[4:8], 0.0)  # biases start at zero
    np.testing.assert_array_equal(many[-1], 0.0)
