"""The floor of one monotonic neuron: the lowest mean loss any rising-or-falling curve reaches."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
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


# -- the floor under cross-entropy ----------------------------------------------------------------
def cross_entropy(p, y):
    """Mean binary cross-entropy of values p against y, with 0 log 0 = 0."""
    return float(np.mean(tn.cross_entropy.at_output(np.asarray(p, float), y)))


def test_the_articles_cross_entropy_floor():
    """The best rising fit of 0, 1, 1, 0 is 0, 2/3, 2/3, 2/3 (falling: its mirror): one point is
    fit exactly and three carry the entropy of 2/3, so the floor is (2 log 3/2 + log 3) / 4."""
    floor = tn.monotonic_floor(tn.ARTICLE_X, tn.ARTICLE_Y, "cross_entropy")
    assert floor == pytest.approx((2 * np.log(1.5) + np.log(3)) / 4, rel=1e-15)
    assert round(floor, 4) == 0.4774


targets = st.lists(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)), min_size=1,
                   max_size=10)


@settings(max_examples=300, deadline=None)
@given(targets, st.data())
def test_no_monotonic_curve_beats_the_cross_entropy_floor(y, data):
    """Search: random rising and falling value sequences in (0, 1) never beat the floor."""
    y = np.array(y)
    x = np.arange(y.size, dtype=float)
    floor = tn.monotonic_floor(x, y, "cross_entropy")
    assert np.isfinite(floor)
    p = np.sort(data.draw(st.lists(st.floats(1e-9, 1 - 1e-9), min_size=y.size,
                                   max_size=y.size)))
    for f in (p, p[::-1]):
        assert floor <= cross_entropy(f, y) + 1e-12


@settings(max_examples=300, deadline=None)
@given(targets)
def test_the_pooled_fit_reaches_the_cross_entropy_floor(y):
    """The pooled fit (the isotonic regression) itself has the floor's loss, so the floor is the
    infimum. Where a block's mean rounds onto 0 or 1 while one of its targets is strictly
    between, the float fit has no finite loss although the exact mean has, and the floor keeps
    that (see the next test): those cases are left out here."""
    y = np.array(y)
    floor, fit = tn.monotonic_fit(np.arange(y.size, dtype=float), y, "cross_entropy")
    assume(not np.any(((fit == 0) & (y > 0)) | ((fit == 1) & (y < 1))))
    assert cross_entropy(fit, y) == pytest.approx(floor, abs=1e-15)


@pytest.mark.parametrize("y", [
    [1.0, 0.0, 5e-324],  # 0 and 5e-324 pooled: 2.5e-324 rounds to 0
    [1.0, 1 - 2**-53],  # 1 and 1 - 2^-53 pooled: rounds to 1
])
def test_a_block_whose_mean_rounds_onto_0_or_1_keeps_its_floor(y):
    """CI's falsifying examples: the loss at 0 of a point with y = 5e-324 (or at 1 of one with
    y just below 1) is infinite, which once made the other direction's fit win (0.637 for the
    first). The floor is the pooled blocks' entropy: 0 for the first, 2e-15 for the second
    (the falling fit, exact), which the rounded mean makes 0."""
    found = tn.monotonic_floor(np.arange(len(y), dtype=float), np.array(y), "cross_entropy")
    assert 0 <= found < 1e-14


def test_a_brute_force_grid_agrees_with_the_cross_entropy_floor():
    """Every rising or falling sequence on a fine grid, for a few small data sets: the best of
    them is the floor, up to the grid's spacing."""
    import itertools

    grid = np.linspace(0.0, 1.0, 31)
    for y in ([0, 1, 1, 0], [1, 0, 1], [0.2, 0.9, 0.1], [0.5, 0.0, 1.0, 0.25]):
        y = np.array(y, dtype=float)
        floor = tn.monotonic_floor(np.arange(y.size), y, "cross_entropy")
        best = min(min(cross_entropy(c, y), cross_entropy(c[::-1], y))
                   for c in map(np.array, itertools.combinations_with_replacement(grid, y.size)))
        assert floor <= best < floor + 2e-3


def test_one_trained_neuron_nears_the_cross_entropy_floor_and_never_passes_it():
    net = tn.Network(**tn.ARTICLE, loss="cross_entropy")
    trainer = tn.Trainer(net, tn.ARTICLE_X, tn.ARTICLE_Y, tn.make_optimizer("adam"))
    losses = trainer.run(30_000).losses
    floor = tn.monotonic_floor(tn.ARTICLE_X, tn.ARTICLE_Y, "cross_entropy")
    assert losses.min() >= floor
    assert losses[-1] < floor + 1e-3
