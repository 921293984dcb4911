"""Moments found from the run itself (app/moments.py), on the article's runs: each found epoch
is checked against a fresh tinynet training, not against a number written here."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinynet
from app import moments
from app.moments import find_moments, plateau_exits, sign_splits
from app.session import Session

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
# the article's start with two neurons, the second's w1 nudged so the two can part
TWO = np.array([0.5, 0.6, -0.1, -0.1, 0.3, 0.3, 0.2])


def trained(theta, epochs: int, tick: int = 250) -> Session:
    """A session trained as the Train loop does it (``tick`` epochs a tick)."""
    hidden = (len(theta) - 1) // 3
    s = Session(hidden=hidden)
    s.set_weights(*np.split(np.asarray(theta[:-1]), 3), theta[-1])
    for _ in range(epochs // tick):
        s.advance(tick)
    return s


def fresh(theta, epochs: int) -> tinynet.Network:
    net = tinynet.Network.from_theta(np.array(theta, dtype=float))
    tinynet.Trainer(net, X, Y, tinynet.GradientDescent(0.5)).run(epochs)
    return net


def loss_after(theta, epochs: int) -> float:
    return fresh(theta, epochs).loss(X, Y)


def test_one_neuron_from_the_article_start_comes_within_one_percent_of_the_floor():
    s = trained(tinynet.starting_theta("article", 1), 6000)
    floor = tinynet.monotonic_floor(X, Y)
    found = moments.of_run(s.run, floor)
    assert [m.kind for m in found] == ["floor"]
    epoch = found[0].epoch
    article = tinynet.starting_theta("article", 1)
    assert loss_after(article, epoch) <= 1.01 * floor  # FIGURES.md: 0.0853 at 2000, 0.0841 at 5000
    assert loss_after(article, epoch - 100) > 1.01 * floor  # and not long before
    assert "1 %" in found[0].text and f"{epoch:,}" in found[0].text


def test_two_neurons_from_the_article_start_leave_the_plateau_and_form_the_bump():
    s = trained(TWO, 6000)
    found = {m.kind: m.epoch for m in moments.of_run(s.run)}
    assert set(found) == {"plateau", "bump"}
    bump, exit_ = found["bump"], found["plateau"]
    # the bump: w2 of one sign one epoch before, of opposite signs at it (exactly: bisected)
    before, at = fresh(TWO, bump - 1).w2, fresh(TWO, bump).w2
    assert np.sign(before[0]) == np.sign(before[1]) and np.sign(at[0]) != np.sign(at[1])
    # the plateau: near the one-neuron floor for a long while before, then far below it
    assert loss_after(TWO, exit_) < 0.1
    assert loss_after(TWO, exit_ // 2) < 1.2 * loss_after(TWO, exit_)  # it was flat
    assert loss_after(TWO, 6000) < loss_after(TWO, exit_) / 10  # and then it fell


def test_the_bump_start_has_no_plateau_nor_split_and_one_neuron_no_plateau_exit():
    assert moments.of_run(trained(tinynet.starting_theta("bump", 2), 3000).run) == []
    s = trained(tinynet.starting_theta("article", 1), 3000)
    assert plateau_exits(*s.history) == []  # it creeps to 1/12 and stays


def test_a_divergence_undone_is_a_moment():
    s = trained(TWO, 500)
    s.learning_rate = 10.0
    assert s.advance(500).diverged
    found = [m for m in moments.of_run(s.run) if m.kind == "undone"]
    assert [m.epoch for m in found] == [s.epoch]


def test_plateau_exits_on_a_made_up_curve():
    epochs = np.arange(0, 3000)
    flat_then_fall = np.where(epochs < 1000, 0.1, 0.1 * 10.0 ** (-(epochs - 1000) / 200))
    assert plateau_exits(epochs, flat_then_fall) == [pytest.approx(1000, abs=15)]
    assert plateau_exits(epochs, 0.1 * 10.0 ** (-epochs / 200)) == []  # a steady fall
    assert plateau_exits(epochs, np.full(epochs.size, 0.1)) == []  # never leaves


def test_sign_splits_bisects_between_rows():
    w2_at = lambda e: np.array([1.0, 1.0 - e / 100])  # noqa: E731  (negative after 100)
    assert sign_splits([0, 64, 128], [w2_at(0), w2_at(64), w2_at(128)], w2_at) == [101]
    assert sign_splits([0, 64], [[1.0, -1.0], [1.0, -2.0]]) == []  # opposite from the start
    assert sign_splits([0, 64], [[1.0], [-1.0]]) == []  # one neuron


def test_moments_come_in_epoch_order_and_the_module_is_numpy_only():
    found = find_moments([0, 1], [0.1, 0.1], floor=0.1, undone=[0])
    assert [m.epoch for m in found] == [0, 0] and {m.kind for m in found} == {"floor", "undone"}
    code = "import sys, app.moments; print(sorted({'panel', 'bokeh', 'param'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
