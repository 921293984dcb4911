"""The floor of one monotonic neuron: the lowest mean loss any rising-or-falling curve reaches."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet as tn


def test_the_articles_floor_is_one_twelfth():
    assert tn.monotonic_floor(tn.ARTICLE_X, tn.ARTICLE_Y) == pytest.approx(1 / 12, abs=1e-15)
    assert tn.monotonic_floor(tn.ARTICLE_X, tn.ARTICLE_Y) == pytest.approx(tn.ONE_NEURON_FLOOR)


@pytest.mark.parametrize("name, floor", [("step", 0.0), ("line", 0.0), ("wide bump", 1 / 12)])
def test_presets(name, floor):
    assert tn.monotonic_floor(*tn.preset(name)) == pytest.approx(floor, abs=1e-15)


def test_monotonic_data_in_either_direction_has_no_floor():
    x = np.arange(6.0)
    assert tn.monotonic_floor(x, x**2) == 0.0
    assert tn.monotonic_floor(x, -(x**2)) == 0.0


def test_points_at_the_same_x_share_one_value():
    # a function has one value at x = 1: the best is their mean, loss 0.5 * mean of 0.25s
    assert tn.monotonic_floor([1, 1], [0, 1]) == pytest.approx(0.125)


ys = st.lists(st.floats(-5, 5), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(ys, st.data())
def test_no_monotonic_curve_beats_the_floor(y, data):
    """Any rising or falling sequence of values at the points has at least the floor's loss."""
    y = np.array(y)
    x = np.arange(y.size, dtype=float)
    floor = tn.monotonic_floor(x, y)
    values = np.sort(data.draw(st.lists(st.floats(-6, 6), min_size=y.size, max_size=y.size)))
    for f in (values, values[::-1]):
        assert floor <= 0.5 * np.mean((f - y) ** 2) + 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_one_trained_neuron_stays_above_the_floor(seed):
    """1,000 steps from a random start never take one sigmoid neuron below the floor."""
    x, y = tn.preset("sine")
    net = tn.starting_network("xavier", 1, seed)
    trainer = tn.Trainer(net, x, y, tn.make_optimizer("adam", learning_rate=0.05))
    trainer.run(1000)
    assert trainer.loss >= tn.monotonic_floor(x, y) - 1e-12
