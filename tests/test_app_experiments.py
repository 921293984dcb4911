"""Experiments without a browser: optimizers, inits, activations, data, CSV, the challenge."""
import numpy as np
import pytest

import tinynet
from app import urlstate
from app.dataio import MAX_BYTES, parse_csv
from app.views.challenge import GOAL
from tests.conftest import source

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


@pytest.mark.parametrize("optimizer,settings,cls", [
    ("gd", {}, tinynet.GradientDescent),
    ("momentum", {"momentum": 0.8}, tinynet.Momentum),
    ("adam", {"beta1": 0.85, "beta2": 0.99}, tinynet.Adam),
])
def test_optimizers_train_like_tinynet(app, optimizer, settings, cls):
    s = app.state
    s.param.update(optimizer=optimizer, learning_rate=0.1, **settings)
    s.advance(300)
    reference = tinynet.starting_network("article", 1)
    args = {"momentum": {"beta": 0.8}, "adam": {"beta1": 0.85, "beta2": 0.99}}.get(optimizer, {})
    tinynet.Trainer(reference, X, Y, cls(learning_rate=0.1, **args)).run(300)
    np.testing.assert_allclose(s.net.theta, reference.theta, rtol=1e-12)


def test_changing_the_optimizer_mid_training_continues_and_marks_the_history(app):
    s = app.state
    s.advance(100)
    theta = s.net.theta.copy()
    s.optimizer = "adam"
    np.testing.assert_array_equal(s.net.theta, theta)  # same weights
    assert s.epoch == 100 and s.run.marks == ([100], ["Adam, sigmoid"])
    assert source(app.loss_plot, "loss_marks").data["epoch"] == [100]
    s.advance(10)
    assert s.epoch == 110


@pytest.mark.parametrize("scheme", ["xavier", "he"])
def test_inits_give_tinynets_weights_and_say_so(app, scheme):
    s = app.state
    s.hidden = 3
    s.param.update(init=scheme, seed=7)
    np.testing.assert_array_equal(s.net.theta, tinynet.starting_theta(scheme, 3, 7))
    assert s.run.marks[1][-1] == f"new weights: {scheme} (seed 7)"
    s.param.trigger("reset")  # Reset goes back to the chosen start
    np.testing.assert_array_equal(s.net.theta, tinynet.starting_theta(scheme, 3, 7))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_activations_compute_like_tinynet(app, activation):
    s = app.state
    s.activation = activation
    reference = tinynet.Network([0.5], [-0.1], [0.3], 0.2, activation=activation)
    assert s.loss() == pytest.approx(reference.loss(X, Y), rel=1e-15)
    s.advance(50)
    tinynet.Trainer(reference, X, Y).run(50)
    np.testing.assert_allclose(s.net.theta, reference.theta, rtol=1e-12)


def test_every_setting_is_reachable_by_link(app):
    s = app.state
    query = {"opt": "momentum", "momentum": "0.7", "act": "tanh", "init": "he", "seed": "5",
             "hidden": "3", "data": "sine", "lr": "0.05"}
    found, notices = urlstate.parse_query(query)
    assert notices == []
    urlstate.apply(s, found)
    assert (s.optimizer, s.momentum, s.activation, s.init, s.seed, s.hidden, s.preset) == (
        "momentum", 0.7, "tanh", "he", 5, 3, "sine")
    np.testing.assert_array_equal(s.net.theta, tinynet.starting_theta("he", 3, 5))
    np.testing.assert_array_equal(s.x, tinynet.preset("sine")[0])
    assert urlstate.to_query(s)["opt"] == "momentum"


def test_presets_and_a_dragged_point_change_the_fit_and_loss(app):
    s, data = app.state, source(app.fit, "fit_data")
    s.preset = "step"
    assert data.data["x"] == tinynet.preset("step")[0].tolist()
    s.preset = "article"
    # what the PointDrawTool does in the browser: the data source changes
    data.data = {"x": [1.0, 2.0, 3.0, 4.0], "y": [0.0, 1.0, 1.0, 0.6]}
    expected = tinynet.Network([0.5], [-0.1], [0.3], 0.2).loss(X, [0, 1, 1, 0.6])
    assert s.loss() == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.6f}" in app.readouts._loss.object and s.preset == "custom"
    data.data = {"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [0.0, 1.0, 1.0, 0.6, 0.0]}  # added
    assert s.x.size == 5


BAD_EDITS = [
    ({"x": [], "y": []}, "empty"),
    ({"x": [1.0, float("nan")], "y": [0.0, 1.0]}, "finite"),
    ({"x": [2.0, 2.0, 2.0], "y": [0.0, 1.0, 0.0]}, "same x"),
    ({"x": list(range(201)), "y": [0.0] * 201}, "cap"),
]


@pytest.mark.parametrize("edit,why", BAD_EDITS)
def test_bad_edits_are_undone_with_a_reason(app, edit, why):
    s, data = app.state, source(app.fit, "fit_data")
    data.data = edit
    assert why in s.message and "undone" in s.message
    assert s.x.tolist() == X.tolist() and data.data["x"] == X.tolist()
    s.advance(1)
    assert s.epoch == 1


def test_csv_upload(app):
    settings = app.settings
    settings._upload.param.update(filename="mine.csv", value=b"x,y\n0,0\n1,1\n2,0.5\n")
    assert app.state.x.tolist() == [0, 1, 2] and app.state.preset == "custom"


BAD_FILES = [
    (b"", "empty"),
    (b"x,y\n1,a\n", "not numbers"),
    (b"1\n2\n", "column"),
    (b"x,y\n1,nan\n", "finite"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b"x,y\n" + b"1,2\n" * 30000, "limit"),
    (b"x,y\n" + b"".join(b"%d,0\n" % i for i in range(300)), "cap"),
    (b"x,y\n", "no x,y rows"),
]


@pytest.mark.parametrize("content,why", BAD_FILES)
def test_bad_files_are_refused_and_the_data_kept(app, content, why):
    app.settings._upload.param.update(filename="bad.csv", value=content)
    assert why in app.state.message and "unchanged" in app.state.message
    assert app.state.x.tolist() == X.tolist()


def test_parse_csv_size_limit_is_checked_before_reading():
    with pytest.raises(tinynet.DataError, match="limit"):
        parse_csv(b"1,2\n" * (MAX_BYTES // 4 + 1))


def test_challenge_success_and_disqualification(app):
    s, c = app.state, app.challenge
    c.param.trigger("start")
    assert s.hidden == 2 and c.active and s.loss() > GOAL
    s.set_values(w1_1=4.0, w1_2=4.0, b1_1=-6.0, b1_2=-14.0, w2_1=1.0, w2_2=-1.0, b2=0.0)
    assert s.loss() < GOAL
    assert c.outcome == "won" and "You did it" in c._status.part.object
    c.param.trigger("start")
    s.training = True
    assert c.outcome == "disqualified" and not c.active


def test_settings_widgets_set_the_session_and_show_only_what_applies(app):
    s, widgets = app.state, app.settings._widgets
    assert not any(widgets[n].visible for n in ("momentum", "beta1", "beta2", "seed"))
    widgets["optimizer"].value = "adam"
    assert s.optimizer == "adam" and widgets["beta1"].visible and widgets["beta2"].visible
    assert not widgets["momentum"].visible
    widgets["beta1"].value = 0.8
    assert s.beta1 == 0.8 and s.trainer.optimizer.beta1 == 0.8
    s.init = "he"  # and the other way: the widget follows the session
    assert widgets["init"].value == "he" and widgets["seed"].visible
