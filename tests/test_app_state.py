"""The app without a browser: drive the state, assert on the views' data sources."""
import math

import numpy as np
import pytest

import tinynet
from app.main import PlaygroundApp
from app.state import HISTORY_CAP, Playground, slot_names

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


@pytest.fixture
def app():
    return PlaygroundApp()


def loss_text(app):
    return app.readouts._loss.object


def test_start_matches_the_article(app):
    assert "0.126712" in loss_text(app)
    assert app.loss_plot._source.data["loss"] == [pytest.approx(0.126712, abs=5e-7)]
    curve = app.fit._curve.data
    expected = tinynet.Network([0.5], [-0.1], [0.3], 0.2).predict(curve["x"])
    np.testing.assert_allclose(curve["y"], expected)
    assert "+0.3796" in app.tables._forward.object
    assert "-0.0156" in app.tables._grads.object  # the corrected mean dL/dw1


def test_step_then_reset(app):
    s = app.state
    s.param.trigger("step")
    assert s.epoch == 1
    assert "0.123780" in loss_text(app)
    assert s.w1_1 == pytest.approx(0.507782, abs=5e-7)
    assert s.b2 == pytest.approx(0.238186, abs=5e-7)
    assert app.loss_plot._source.data["epoch"] == [0, 1]
    s.param.trigger("reset")
    assert s.epoch == 0 and "0.126712" in loss_text(app)
    assert (s.w1_1, s.b1_1, s.w2_1, s.b2) == (0.5, -0.1, 0.3, 0.2)
    assert app.loss_plot._source.data["epoch"] == [0]


def test_slider_value_reruns_the_forward_pass(app):
    s = app.state
    s.w1_1 = 1.7
    net = tinynet.Network([1.7], [-0.1], [0.3], 0.2)
    np.testing.assert_allclose(app.fit._curve.data["y"], net.predict(app.fit._curve.data["x"]))
    assert f"{net.loss(X, Y):.6f}" in loss_text(app)
    assert app.fit._points.data["y_hat"] == pytest.approx(net.predict(X))


def test_training_streams_history_and_matches_tinynet(app):
    s = app.state
    for _ in range(10):
        s.advance(100)
    assert s.epoch == 1000
    reference = tinynet.starting_network("article", 1)
    tinynet.Trainer(reference, X, Y).run(1000)
    np.testing.assert_allclose(s.net.theta, reference.theta, rtol=1e-12)
    data = app.loss_plot._source.data
    assert data["epoch"][0] == 0 and data["epoch"][-1] == 1000
    assert data["loss"][-1] == pytest.approx(reference.loss(X, Y), rel=1e-12)
    assert np.all(np.diff(data["loss"]) <= 0)  # gradient descent at lr 0.5 only goes down here


def test_each_width_keeps_its_weights(app):
    s = app.state
    s.advance(50)
    h1 = s.net.theta.copy()
    s.hidden = 2
    assert len(app.sliders._layout.objects) == 7
    assert [s.w1_1, s.w1_2, s.b1_1, s.b1_2, s.w2_1, s.w2_2, s.b2] == [2, 2, -3, -7, 1, -1, 0]
    assert app.loss_plot._source.data["epoch"] == [0]
    assert not app.loss_plot._floor.visible
    s.advance(10)
    s.hidden = 1
    np.testing.assert_array_equal(s.net.theta, h1)
    assert s.w1_1 == h1[0] and s.epoch == 50
    assert app.loss_plot._floor.visible
    assert app.loss_plot._source.data["epoch"][-1] == 50


def test_two_neurons_beat_the_floor_one_does_not(app):
    s = app.state
    s.advance(3000)
    assert s.loss() > tinynet.ONE_NEURON_FLOOR
    s.hidden = 2
    s.advance(3000)
    assert s.loss() < 1e-15


def test_divergence_stops_with_a_message_and_finite_weights(app):
    s = app.state
    s.advance(100)
    before = s.net.theta.copy()
    s.learning_rate = 10
    s.training = True
    for _ in range(50):
        if not s.training:
            break
        s.advance(20)
    assert not s.training
    assert "diverged" in s.message and "learning rate 10" in s.message
    assert app.controls._alert.visible and "diverged" in app.controls._alert.object
    np.testing.assert_array_equal(s.net.theta, before)  # back where the run started
    assert s.epoch == 100 and app.loss_plot._source.data["epoch"][-1] == 100
    assert math.isfinite(s.loss()) and s.weight_range == 8.0
    s.learning_rate = 0.5  # the session keeps working
    assert s.message == "" and not app.controls._alert.visible
    s.advance(10)
    assert s.epoch == 110


def test_weights_past_the_slider_range_widen_it(app):
    s = app.state
    s.set_weights([20.0], [-0.1], [0.3], 0.2)
    slider = app.sliders._sliders["w1_1"]
    assert slider.end >= 25 and slider.start <= -25 and slider.value == 20.0
    s.param.trigger("reset")
    assert slider.end == 8.0 and slider.value == 0.5


def test_learning_rate_mid_training_applies_to_the_next_step(app):
    s = app.state
    s.advance(5)
    s.learning_rate = 0.1
    theta, g = s.net.theta.copy(), s.net.gradient(X, Y)
    s.advance(1)
    np.testing.assert_allclose(s.net.theta, theta - 0.1 * g, rtol=1e-12)


def test_history_is_bounded_and_keeps_its_start():
    s = Playground()
    for _ in range(400):
        s.advance(500)
    epochs, losses = s.history
    assert len(epochs) <= HISTORY_CAP
    assert epochs[0] == 0 and epochs[-1] == 200_000
    assert np.all(np.diff(epochs) > 0)


def test_slot_names_follow_theta_order():
    assert slot_names(1) == ["w1_1", "b1_1", "w2_1", "b2"]
    assert slot_names(2) == ["w1_1", "w1_2", "b1_1", "b1_2", "w2_1", "w2_2", "b2"]
