"""Pinned runs and training on from a past epoch (app/pins.py, Session.pin/bring_back/undo),
driven as the page's buttons drive them, read from the page's sources and table."""
import numpy as np
import pytest

import tinynet
from app.main import PlaygroundApp
from app.pins import MAX_PINS
from app.views.fit import in_frame

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def article_run(hidden: int, lr: float, epochs: int) -> tinynet.Network:
    net = tinynet.Network.from_theta(tinynet.starting_theta(tinynet.default_scheme(hidden),
                                                            hidden))
    tinynet.Trainer(net, X, Y, tinynet.GradientDescent(lr)).run(epochs)
    return net


def test_two_pinned_runs_are_drawn_and_compared(app):
    s = app.state
    s.hidden = 2
    s.advance(1500)
    app.runs._pin.clicks += 1
    s.learning_rate = 0.1
    s.param.trigger("reset")
    s.advance(1500)
    app.runs._pin.clicks += 1

    history = app.runs._history.data  # pinned_history: run, epoch, loss
    assert app.runs._history.name == "pinned_history"
    for label in ("run 1", "run 2"):
        rows = [i for i, r in enumerate(history["run"]) if r == label]
        assert history["epoch"][rows[0]] == 0 and history["epoch"][rows[-1]] == 1500
    last = [history["loss"][i] for i, r in enumerate(history["run"]) if r == "run 1"][-1]
    assert last == article_run(2, 0.5, 1500).loss(X, Y)

    table = app.runs._table.object
    assert table.count("<tr>") == 1 + 3  # the header, two pinned runs and the current one
    assert "0.5000" in table and "0.1000" in table and "article" in table
    # epochs to reach the target, exact: the first epoch tinynet's own training gets there
    net = article_run(2, 0.5, 0)
    losses = tinynet.Trainer(net, X, Y, tinynet.GradientDescent(0.5)).run(1500).losses
    first = int(np.flatnonzero(losses <= 1e-3)[0]) + 1
    assert f"<td>{first:,}</td>" in table
    app.runs.target = 1e-12
    assert "not reached" in app.runs._table.object


def test_the_ghost_fit_is_the_pinned_network_at_the_epoch_shown(app):
    s = app.state
    s.hidden = 2
    s.advance(800)
    s.pin()
    s.param.trigger("reset")
    s.advance(300)
    s.go_to(120)
    grid = app.runs._fits.data["xs"][0]
    for epoch in (120, 300):  # the pinned run is longer than the current one: 300 too
        s.go_to(epoch)
        want = in_frame(article_run(2, 0.5, epoch).predict(grid))
        np.testing.assert_array_equal(app.runs._fits.data["ys"][0], want)


def test_a_pinned_run_comes_back_exactly_with_its_settings(app):
    s = app.state
    s.optimizer = "momentum"
    s.learning_rate = 0.2
    s.advance(700)
    s.pin()
    pinned = s.net.theta.copy()
    s.param.update(optimizer="gd", learning_rate=1.0)
    s.hidden = 2
    s.advance(50)
    s.bring_back("run 1")
    assert (s.hidden, s.optimizer, s.learning_rate, s.epoch) == (1, "momentum", 0.2, 700)
    assert np.array_equal(s.net.theta, pinned)
    # and goes on as the run it was would have
    net = tinynet.Network(**tinynet.ARTICLE)
    tinynet.Trainer(net, X, Y, tinynet.Momentum(0.2)).run(900)
    s.advance(200)
    assert np.array_equal(s.net.theta, net.theta)
    s.bring_back("run 1")  # the pinned run itself was not trained on
    assert s.epoch == 700 and np.array_equal(s.net.theta, pinned)


def test_a_fifth_pin_is_refused_with_the_way_out_and_unpinning_frees_a_place(app):
    s = app.state
    for _ in range(MAX_PINS):
        s.advance(10)
        s.pin()
    s.pin()
    assert len(s.pins) == MAX_PINS and "unpin one" in s.message
    s.unpin("run 2")
    s.pin()
    assert [p.label for p in s.pins] == ["run 1", "run 3", "run 4", "run 5"]
    assert sorted(p.slot for p in s.pins) == [0, 1, 2, 3]
    assert set(app.runs._labels.data["run"]) == {"run 1", "run 3", "run 4", "run 5"}


@pytest.mark.parametrize("how", ["step", "train", "drag", "learning rate", "optimizer",
                                 "activation", "data"])
def test_going_on_from_a_past_epoch_sets_the_later_part_aside_and_undo_brings_it_back(app, how):
    """Undo brings back the run as it was before the change that went on from the past epoch:
    its weights, its later part, and the settings and data it was trained with."""
    s = app.state
    s.hidden = 2
    s.advance(900)
    end_weights, history = s.net.theta.copy(), (list(s.history[0]), list(s.history[1]))
    settings = (s.learning_rate, s.optimizer, s.activation, s.x.tolist(), s.y.tolist())
    s.go_to(400)
    at_400 = s.net.theta.copy()
    if how == "step":
        s.param.trigger("step")
    elif how == "train":
        s.training = True
        s.advance(25)
        s.training = False
    elif how == "drag":
        s.set_values(w2_1=0.25)
    elif how == "learning rate":
        s.learning_rate = 0.3
    elif how == "optimizer":
        s.optimizer = "adam"
    elif how == "activation":
        s.activation = "tanh"
    else:
        s.set_data([1, 2, 3, 4], [0, 1, 0, 1])
    assert s.end < 900 and "set aside" in s.message and app.controls.shown("undo")
    s.undo = True
    assert (s.epoch, s.end) == (400, 900) and np.array_equal(s.net.theta, at_400)
    assert s.history == history and not app.controls.shown("undo")
    assert (s.learning_rate, s.optimizer, s.activation, s.x.tolist(), s.y.tolist()) == settings
    s.go_to(900)
    assert np.array_equal(s.net.theta, end_weights)


def test_undo_is_gone_once_something_else_is_said(app):
    s = app.state
    s.advance(100)
    s.go_to(50)
    s.param.trigger("step")
    assert s.undoable
    s.activation = "tanh"  # a change that clears the message
    assert not s.undoable and not app.controls.shown("undo")


def pinned_pair(app):
    s = app.state
    s.hidden = 2
    s.advance(600)
    s.pin()
    s.hidden = 1
    s.learning_rate = 0.3
    s.advance(400)
    s.pin()
    s.unpin("run 1")  # labels need not start at 1 ...
    s.hidden = 2
    s.pin()  # ... and slots are reused
    s.advance(50)
    return s


def same_pins(a, b) -> None:
    assert [(p.label, p.start) for p in b.pins] == [(p.label, p.start) for p in a.pins]
    for pa, pb in zip(a.pins, b.pins):
        assert pb.run.history == pa.run.history and pb.run.end == pa.run.end
        assert np.array_equal(pb.run.net.theta, pa.run.net.theta)


def test_a_link_carries_the_pinned_runs(app):
    from app import urlstate
    s = pinned_pair(app)
    found, notices = urlstate.parse_query(urlstate.to_query(s))
    other = PlaygroundApp(loop=False)
    urlstate.apply(other.state, found)
    assert notices == []
    same_pins(s, other.state)
    assert set(other.runs._labels.data["run"]) == {"run 2", "run 3"}


def test_a_file_carries_the_pinned_runs(app):
    from app import export
    s = pinned_pair(app)
    other = PlaygroundApp(loop=False).state
    export.apply_weights(other, export.parse_weights_json(export.weights_json(s)))
    same_pins(s, other)


def test_pinned_runs_leave_a_long_link_first_and_the_page_says_so(app):
    from app import urlstate
    s = app.state
    for lr in np.random.default_rng(1).uniform(0.3, 0.6, 60):  # a run of many changes
        s.learning_rate = float(lr)
        s.advance(9)
    for _ in range(MAX_PINS):
        s.pin()
    query, left_out = urlstate.fitted(urlstate.to_query(s), s)
    assert len(query) <= urlstate.LINK_CHARS and left_out
    assert "run=" in query  # the current run kept, pinned ones dropped
    kept = urlstate.parse_query(dict(kv.split("=", 1) for kv in query.split("&")))[0]
    assert len(kept.get("pins", [])) < MAX_PINS
