"""Backprop against central finite differences of the mean loss, the micrograd way.

Four implementations of the gradient are checked: Network.gradient (and point_gradients, the
per-point form), Trainer.gradient (the allocation-free kernel) and sweeps._Block (the batched
kernel behind train_many and landscape), for H = 1..8, three activations, random weights and
random data. Then the trainers are checked against each other over many steps.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinynet as tn
from tinynet.sweeps import _Block

EPS = 1e-6  # finite-difference step
RTOL = 1e-6


def atol(loss):
    """Absolute floor: a central difference loses about ulp(L) / EPS ~ 2e-10 * L to rounding."""
    return 1e-8 * max(1.0, abs(loss))

numbers = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw, max_hidden=8):
    """(theta, x, y, activation) with H in 1..8 and 1..8 points."""
    h = draw(st.integers(1, max_hidden))
    n = draw(st.integers(1, 8))
    theta = np.array(draw(st.lists(numbers, min_size=3 * h + 1, max_size=3 * h + 1)))
    x = np.array(draw(st.lists(numbers, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(numbers, min_size=n, max_size=n)))
    act = draw(st.sampled_from(["sigmoid", "tanh", "relu"]))
    if act == "relu":  # away from the kink, where the derivative jumps
        z1 = np.outer(x, theta[:h]) + theta[h : 2 * h]
        assume(np.abs(z1).min() > 1e-3)
    return theta, x, y, act


def finite_differences(loss, theta):
    """d loss / d theta by central differences: (loss(theta + e) - loss(theta - e)) / 2e."""
    out = []
    for k in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[k] += EPS
        minus[k] -= EPS
        out.append((loss(plus) - loss(minus)) / (2 * EPS))
    return np.array(out)


def mean_loss(x, y, act):
    return lambda theta: tn.Network.from_theta(theta, act).loss(x, y)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_network_gradient_matches_finite_differences(problem):
    theta, x, y, act = problem
    fd = finite_differences(mean_loss(x, y, act), theta)
    net = tn.Network.from_theta(theta, act)
    np.testing.assert_allclose(net.gradient(x, y), fd, rtol=RTOL, atol=atol(net.loss(x, y)))


@settings(max_examples=100, deadline=None)
@given(problems())
def test_point_gradients_match_finite_differences_of_each_point(problem):
    theta, x, y, act = problem
    net = tn.Network.from_theta(theta, act)
    per_point = net.point_gradients(x, y)
    assert per_point.shape == (x.size, theta.size)
    for i in range(x.size):
        fd = finite_differences(lambda t: tn.Network.from_theta(t, act).losses(x, y)[i], theta)
        np.testing.assert_allclose(per_point[i], fd, rtol=RTOL, atol=atol(net.losses(x, y)[i]))


@settings(max_examples=150, deadline=None)
@given(problems())
def test_trainer_gradient_matches_finite_differences_and_network(problem):
    theta, x, y, act = problem
    net = tn.Network.from_theta(theta, act)
    trainer = tn.Trainer(net, x, y)
    fd = finite_differences(mean_loss(x, y, act), theta)
    np.testing.assert_allclose(trainer.gradient(), fd, rtol=RTOL, atol=atol(net.loss(x, y)))
    np.testing.assert_allclose(trainer.gradient(), net.gradient(x, y), rtol=1e-12, atol=1e-15)
    assert trainer.loss == pytest.approx(net.loss(x, y), rel=1e-12, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(1, 5))
def test_batched_block_gradient_matches_finite_differences(problem, models):
    """_Block on a (P, B) block: column m of the gradient is model m's gradient."""
    theta, x, y, act = problem
    rng = np.random.default_rng(models)
    block = theta[:, None] + rng.normal(0, 0.5, (theta.size, models))  # B different models
    block[:, 0] = theta
    if act == "relu":
        h = (theta.size - 1) // 3
        z1 = x[:, None, None] * block[None, :h] + block[None, h : 2 * h]
        assume(np.abs(z1).min() > 1e-3)
    g = np.empty_like(block)
    loss = _Block(x, y, (theta.size - 1) // 3, models, tn.get_activation(act)).loss_and_gradient(
        np.ascontiguousarray(block), g)
    for m in range(models):
        fd = finite_differences(mean_loss(x, y, act), block[:, m])
        np.testing.assert_allclose(g[:, m], fd, rtol=RTOL, atol=atol(loss[m]))
        assert loss[m] == pytest.approx(mean_loss(x, y, act)(block[:, m]), rel=1e-12, abs=1e-300)


@settings(max_examples=50, deadline=None)
@given(problems(), st.floats(0.01, 1.0))
def test_train_many_one_epoch_is_one_gradient_step(problem, lr):
    """train_many for 1 epoch of gradient descent: theta - lr * (finite-difference gradient)."""
    theta, x, y, act = problem
    result = tn.train_many(theta[:, None], x, y, 1, tn.GradientDescent(lr), activation=act)
    fd = finite_differences(mean_loss(x, y, act), theta)
    floor = atol(mean_loss(x, y, act)(theta)) * lr + 1e-15 * np.abs(theta).max()
    np.testing.assert_allclose(result.theta[:, 0], theta - lr * fd, rtol=RTOL, atol=floor)


def test_finite_differences_would_catch_a_wrong_gradient():
    """The check has teeth: a gradient with one sign slip fails it."""
    theta, x, y = np.array([0.5, -0.1, 0.3, 0.2]), tn.ARTICLE_X, tn.ARTICLE_Y
    wrong = tn.Network.from_theta(theta).gradient(x, y)
    wrong[0] = -wrong[0]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(wrong, finite_differences(mean_loss(x, y, "sigmoid"), theta),
                                   rtol=RTOL, atol=atol(0.1267))


# -- the trainers against each other ---------------------------------------------------------
OPTIMIZERS = {
    "gd": lambda: tn.GradientDescent(0.5),
    "momentum": lambda: tn.Momentum(0.1, beta=0.9),
    "adam": lambda: tn.Adam(0.05),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("hidden", [1, 3, 8])
def test_train_many_matches_trainer(name, hidden):
    """Same starts, same epochs, same optimizer: each column of train_many is a Trainer run.

    The two kernels sum in different orders, so they differ in the last bits. Gradient descent
    and momentum keep that at ~1e-15 for thousands of steps; Adam divides by sqrt(v), which
    magnifies last-bit differences wherever a gradient passes near zero (at H=8 on this data:
    7e-12 after 300 steps, 1e-3 after 1000), so the run is kept to 150 steps.
    """
    x, y = tn.preset("sine")
    starts = tn.starting_theta("xavier", hidden, seed=hidden, models=5)
    swept = tn.train_many(starts, x, y, 150, OPTIMIZERS[name]())
    assert not swept.diverged.any()
    for m in range(starts.shape[1]):
        net = tn.Network.from_theta(starts[:, m])
        result = tn.Trainer(net, x, y, OPTIMIZERS[name]()).run(150)
        assert not result.diverged
        np.testing.assert_allclose(swept.theta[:, m], net.theta, rtol=1e-12, atol=1e-12)
        assert swept.losses[m] == pytest.approx(result.losses[-1], rel=1e-10)


def test_train_many_blocks_do_not_share_optimizer_state():
    """Split into blocks of 2, each model still gets a fresh optimizer (Adam's t starts at 0)."""
    x, y = tn.ARTICLE_X, tn.ARTICLE_Y
    starts = tn.starting_theta("he", 2, seed=7, models=5)
    whole = tn.train_many(starts, x, y, 100, tn.Adam(0.05))
    blocked = tn.train_many(starts, x, y, 100, tn.Adam(0.05), block=2)
    np.testing.assert_allclose(blocked.theta, whole.theta, rtol=1e-12, atol=1e-12)
