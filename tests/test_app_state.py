"""The app without a browser: drive the session, assert on the views' data sources."""
import math

import numpy as np
import pytest

import tinynet
from app.run import HISTORY_CAP
from app.session import Session, slot_names
from tests.conftest import source, tick

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def loss_text(app):
    return app.readouts._loss.object


def test_start_matches_the_article(app):
    assert "0.126712" in loss_text(app)
    assert list(source(app.loss_plot, "loss_history").data["loss"]) == [
        pytest.approx(0.126712, abs=5e-7)]
    curve = source(app.fit, "fit_curve").data
    expected = tinynet.Network([0.5], [-0.1], [0.3], 0.2).predict(curve["x"])
    np.testing.assert_allclose(curve["y"], expected)
    assert "+0.3796" in app.tables._forward.object
    assert "-0.0156" in app.tables._grads.object  # the corrected mean dL/dw1


def test_step_then_reset(app):
    s = app.state
    history = source(app.loss_plot, "loss_history")
    s.param.trigger("step")
    assert s.epoch == 1
    assert "0.123780" in loss_text(app)
    assert s.net.w1[0] == pytest.approx(0.507782, abs=5e-7)
    assert s.net.b2 == pytest.approx(0.238186, abs=5e-7)
    assert app.sliders.value("w1_1") == s.net.w1[0]  # a step tells the views
    assert list(history.data["epoch"]) == [0, 1]
    s.param.trigger("reset")
    assert s.epoch == 0 and "0.126712" in loss_text(app)
    assert s.net.theta.tolist() == [0.5, -0.1, 0.3, 0.2]
    assert [app.sliders.value(n) for n in slot_names(1)] == [0.5, -0.1, 0.3, 0.2]
    assert list(history.data["epoch"]) == [0]


def test_slider_value_reruns_the_forward_pass(app):
    s = app.state
    s.set_values(w1_1=1.7)
    net = tinynet.Network([1.7], [-0.1], [0.3], 0.2)
    curve = source(app.fit, "fit_curve").data
    np.testing.assert_allclose(curve["y"], net.predict(curve["x"]))
    assert f"{net.loss(X, Y):.6f}" in loss_text(app)
    assert source(app.fit, "fit_points").data["y_hat"] == pytest.approx(net.predict(X))
    assert app.sliders.value("w1_1") == 1.7


def test_dragging_a_slider_sets_the_network(app):
    s = app.state
    app.sliders._sliders["w2_1"].value = -1.25  # what the browser does when the learner drags
    assert s.net.w2[0] == -1.25
    assert f"{s.loss():.6f}" in loss_text(app)


def test_a_dragged_value_is_not_sent_back_rounded(app):
    """noUiSlider steps by adding 0.01: 0.5199999999999996, which the network stores as 0.52.
    Writing 0.52 back would reach the browser after the learner's next key press and undo
    it, so the slider keeps the value it sent."""
    slider = app.sliders._sliders["w1_1"]
    slider.value = 0.5199999999999996
    assert app.state.net.w1[0] == 0.52
    assert slider.value == 0.5199999999999996
    app.state.param.trigger("step")  # a value from the network is still shown
    assert slider.value == app.state.net.w1[0]


def test_training_streams_history_and_matches_tinynet(app):
    s = app.state
    for _ in range(10):
        tick(s, 100)
    assert s.epoch == 1000
    reference = tinynet.starting_network("article", 1)
    tinynet.Trainer(reference, X, Y).run(1000)
    np.testing.assert_allclose(s.net.theta, reference.theta, rtol=1e-12)
    data = source(app.loss_plot, "loss_history").data
    assert data["epoch"][0] == 0 and data["epoch"][-1] == 1000
    assert data["loss"][-1] == pytest.approx(reference.loss(X, Y), rel=1e-12)
    assert np.all(np.diff(data["loss"]) <= 0)  # gradient descent at lr 0.5 only goes down here


def test_advance_tells_no_view_until_notified(app):
    s = app.state
    version, progress = s.version, s.progress
    result = s.advance(10)
    assert not result.diverged and result.message == ""
    assert s.epoch == 10 and (s.version, s.progress) == (version, progress)
    assert list(source(app.loss_plot, "loss_history").data["epoch"]) == [0]
    s.notify(light=True)
    assert (s.version, s.progress) == (version, progress + 1)
    assert source(app.loss_plot, "loss_history").data["epoch"][-1] == 10
    assert app.sliders.value("w1_1") == 0.5  # a light notice moves only the loss views
    s.notify()
    assert s.version == version + 1 and app.sliders.value("w1_1") == s.net.w1[0]


def test_each_width_keeps_its_weights(app):
    s = app.state
    tick(s, 50)
    h1 = s.net.theta.copy()
    s.hidden = 2
    assert len(app.sliders._layout.objects) == 7
    assert s.net.theta.tolist() == [2, 2, -3, -7, 1, -1, 0]
    assert [app.sliders.value(n) for n in slot_names(2)] == [2, 2, -3, -7, 1, -1, 0]
    assert list(source(app.loss_plot, "loss_history").data["epoch"]) == [0]
    assert not app.loss_plot._floor[0].visible
    tick(s, 10)
    s.hidden = 1
    np.testing.assert_array_equal(s.net.theta, h1)
    assert app.sliders.value("w1_1") == h1[0] and s.epoch == 50
    assert app.loss_plot._floor[0].visible
    assert source(app.loss_plot, "loss_history").data["epoch"][-1] == 50


def test_two_neurons_beat_the_floor_one_does_not(app):
    s = app.state
    s.advance(3000)
    assert s.loss() > tinynet.ONE_NEURON_FLOOR
    s.hidden = 2
    s.advance(3000)
    assert s.loss() < 1e-15


def test_divergence_stops_with_a_message_and_finite_weights(app):
    s = app.state
    tick(s, 100)
    before = s.net.theta.copy()
    s.learning_rate = 10
    s.training = True
    for _ in range(50):
        if not s.training:
            break
        result = tick(s, 20)
    assert result.diverged and "learning rate 10" in result.reason
    assert not s.training
    assert s.message.startswith("Training diverged") and "learning rate 10" in s.message
    assert app.controls.shown("alert") and "diverged" in app.controls._alert.part.object
    np.testing.assert_array_equal(s.net.theta, before)  # back where the run started
    assert s.epoch == 100
    assert source(app.loss_plot, "loss_history").data["epoch"][-1] == 100
    assert math.isfinite(s.loss()) and app.sliders.span == 8.0
    assert app.sliders.value("w1_1") == before[0]
    s.learning_rate = 0.5  # the session keeps working; the message stays until it trains again
    assert s.message.startswith("Training diverged")
    s.param.trigger("step")
    assert s.message == "" and not app.controls.shown("alert")
    s.advance(10)
    assert s.epoch == 111


def test_weights_past_the_slider_range_widen_it(app):
    s = app.state
    s.set_weights([20.0], [-0.1], [0.3], 0.2)
    slider = app.sliders._sliders["w1_1"]
    assert app.sliders.span >= 25
    assert slider.end >= 25 and slider.start <= -25 and app.sliders.value("w1_1") == 20.0
    s.param.trigger("reset")
    assert app.sliders.span == 8.0 and slider.end == 8.0 and app.sliders.value("w1_1") == 0.5


def test_a_slider_at_its_end_keeps_its_range(app):
    """Dragging to a slider's end sets the end's value; only a value set another way (training,
    a link) outside the range widens it, and a narrower range waits until the weights are well
    inside it, so the range does not flip back and forth."""
    s = app.state
    slider = app.sliders._sliders["w1_1"]
    for value in (7.0, 8.0, -8.0, 8.0):  # a drag to the end and back and to the end again
        slider.value = value
        assert s.net.w1[0] == value
        assert app.sliders.span == 8.0 and (slider.start, slider.end) == (-8.0, 8.0)
    s.set_values(w1_1=8.5)  # a value from elsewhere, past the end: the range widens
    assert app.sliders.span == 16.0 and app.sliders.value("w1_1") == 8.5
    slider.value = 16.0  # and a drag in the wider range still stays there
    assert app.sliders.span == 16.0 and s.net.w1[0] == 16.0
    slider.value = 0.5  # nor does a drag narrow it under the learner's hand
    assert app.sliders.span == 16.0
    s.set_values(w1_1=7.0)  # 7 would not have room in [-8, 8]: the range stays
    assert app.sliders.span == 16.0
    s.set_values(w1_1=6.0)  # well inside [-8, 8]: it narrows
    assert app.sliders.span == 8.0 and app.sliders.value("w1_1") == 6.0


def test_learning_rate_mid_training_applies_to_the_next_step(app):
    s = app.state
    s.advance(5)
    s.learning_rate = 0.1
    theta, g = s.net.theta.copy(), s.net.gradient(X, Y)
    s.advance(1)
    np.testing.assert_allclose(s.net.theta, theta - 0.1 * g, rtol=1e-12)


def test_history_is_bounded_and_keeps_its_start():
    s = Session()
    for _ in range(400):
        s.advance(500)
    epochs, losses = s.history
    assert len(epochs) <= HISTORY_CAP
    assert epochs[0] == 0 and epochs[-1] == 200_000
    assert np.all(np.diff(epochs) > 0)


def test_slot_names_follow_theta_order():
    assert slot_names(1) == ["w1_1", "b1_1", "w2_1", "b2"]
    assert slot_names(2) == ["w1_1", "w1_2", "b1_1", "b1_2", "w2_1", "w2_2", "b2"]


def test_each_notification_is_one_batch():
    batches = []

    class Batch:
        def __enter__(self):
            batches.append("open")

        def __exit__(self, *exc):
            batches.append("closed")

    s = Session(batch=Batch)
    s.set_values(w1_1=1.0)  # two: the moved weight (what a drag shows first), then the rest
    assert batches == ["open", "closed"] * 2
    s.advance(3)
    assert batches == ["open", "closed"] * 2  # advance tells no one
    s.param.trigger("step")
    assert batches == ["open", "closed"] * 3
