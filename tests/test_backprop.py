"""Backpropagation written out (app/backprop.py), its view (app/views/graph.py) and one step in
slow motion (app/slowmo.py): every number equals tinynet's, and slow motion ends where Step does."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from app import backprop
from app.backprop import MEAN
from app.session import Session
from app.slowmo import SlowMotion
from app.text import number, signed

ROOT = Path(__file__).resolve().parent.parent
X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
ARTICLE = tinynet.Network(0.5, -0.1, 0.3, 0.2)
ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def test_importing_backprop_and_slowmo_imports_no_ui_library():
    """Checked in a fresh interpreter: other tests import panel into this process."""
    code = ("import sys, app.backprop, app.slowmo; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('panel', 'bokeh')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- the math --------------------------------------------------------------------------------------
def test_the_articles_figures():
    assert signed(backprop.chain(ARTICLE, X, Y, "w1", 1).result) == "-0.0723"
    assert signed(backprop.chain(ARTICLE, X, Y, "w1", MEAN).result) == "-0.0156"
    assert backprop.chain(ARTICLE, X, Y, "w1", 1).result == pytest.approx(-0.072342, abs=1e-6)
    assert backprop.chain(ARTICLE, X, Y, "b1", MEAN).result == pytest.approx(-0.004946, abs=1e-6)
    g = backprop.graph(ARTICLE, X, Y, 1)
    nodes = dict(zip(g.labels, g.values))
    assert nodes["z1"] == pytest.approx(0.9) and nodes["L"] == pytest.approx(0.1721, abs=1e-4)


networks = st.builds(
    lambda h, values, act: tinynet.Network.from_theta(np.array(values[: 3 * h + 1]), act),
    st.integers(1, 4), st.lists(st.floats(-4, 4), min_size=13, max_size=13),
    st.sampled_from(ACTIVATIONS))


@settings(max_examples=60, deadline=None)
@given(networks)
def test_every_number_is_tinynets(net):
    """Forward values, per-point and mean gradients: the graph's and the chain's equal tinynet's."""
    fwd, grads = net.forward(X), net.point_gradients(X, Y)
    names = backprop.weight_names(net.hidden)
    for point in [*range(len(X)), MEAN]:
        g = backprop.graph(net, X, Y, point)
        nodes = dict(zip(g.labels, g.values))
        node_grads = dict(zip(g.labels, g.grads))
        pick = (lambda a: a.mean(axis=0)) if point == MEAN else (lambda a: a[point])
        expected = dict(zip(names, pick(grads)))
        for k, name in enumerate(names):
            assert nodes[name] == net.theta[k]
            assert node_grads[name] == expected[name]  # exactly tinynet's
            c = backprop.chain(net, X, Y, name, point)
            assert c.result == expected[name]
            assert np.array_equal(c.per_point, grads[:, k])
            # the factors multiply to tinynet's per-point gradients
            np.testing.assert_allclose(np.prod(c.values, axis=1), grads[:, k], rtol=1e-12,
                                       atol=1e-15)
        assert nodes["y_hat"] == pick(fwd.y_hat)
        for j in range(net.hidden):
            sub = "" if net.hidden == 1 else f"_{j + 1}"
            assert nodes["z1" + sub] == pick(fwd.z1)[j] and nodes["a1" + sub] == pick(fwd.a1)[j]
        if point != MEAN:  # the chain rule holds node to node at one point
            assert node_grads["w1" if net.hidden == 1 else "w1_1"] == pytest.approx(
                node_grads["z1" if net.hidden == 1 else "z1_1"] * X[point], rel=1e-12, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(networks)
def test_finite_differences_agree_to_what_is_printed(net):
    z1 = net.forward(X).z1
    if net.activation.name == "relu" and np.min(np.abs(z1)) < 1e-4:
        return  # at ReLU's kink the two one-sided slopes differ: no derivative to check
    # a central difference with step ε errs by about ε²·L‴ plus rounding, 1e-16·L/ε: so
    # 1e-7 relative to the gradient's size or the loss's, whichever is larger
    losses = 0.5 * (net.forward(X).y_hat - Y) ** 2
    for name in backprop.weight_names(net.hidden):
        for point in (0, MEAN):
            c = backprop.chain(net, X, Y, name, point)
            scale = max(1.0, abs(c.result), float(np.max(losses)))
            assert c.difference <= c.agreement and c.difference <= 1e-7 * scale, (c, scale)


def test_a_link_selects_a_weight_and_a_point():
    found, notices = backprop.parse_selection({"why": "w1", "point": "2"}, 1, 4)
    assert found == {"why": "w1", "point": 1} and not notices
    found, notices = backprop.parse_selection({"why": ["w1_2"], "point": b"mean"}, 2, 4)
    assert found == {"why": "w1_2", "point": MEAN} and not notices
    found, notices = backprop.parse_selection({"why": "w1_2", "point": "0"}, 1, 4)
    assert found == {} and len(notices) == 2 and "why=" in notices[0] and "point=" in notices[1]


# -- slow motion ------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_slow_motion_ends_where_step_ends(optimizer):
    stepped, slow = Session(optimizer=optimizer), Session(optimizer=optimizer)
    for s in (stepped, slow):  # a second step, so momentum and Adam carry state into it
        s.param.trigger("step")
    stepped.param.trigger("step")
    mo = SlowMotion(slow)
    mo.start()
    while mo.phase < mo.last:
        before = slow.net.theta.copy()
        assert "".join(mo.lines())
        mo.next()
        if mo.phase < mo.last:  # nothing moves before the last phase
            assert np.array_equal(slow.net.theta, before)
    assert np.array_equal(slow.net.theta, stepped.net.theta)
    assert slow.loss() == stepped.loss() and slow.epoch == stepped.epoch
    text = "\n".join(mo.lines())
    for k in range(len(slow.net.theta)):
        assert f"→ {number(stepped.net.theta[k], 4)}" in text or \
               f"= {number(stepped.net.theta[k], 4)}" in text
    mo.next()
    assert not mo.active


def test_slow_motion_from_the_articles_start():
    s = Session()
    mo = SlowMotion(s)
    mo.start()
    assert mo.phases[0] == "forward pass" and mo.phases[-1] == "update" and len(mo.phases) == 8
    mo.next(), mo.next(), mo.next()  # backward pass of point 2
    assert mo.point() == 1 and "∂L/∂w₁ = -0.0723" in " ".join(mo.lines())
    mo.back(), mo.back()
    assert mo.phase == 1 and s.epoch == 0
    while mo.phase < mo.last:
        mo.next()
    assert format(s.loss(), ".4f") == "0.1238" and s.epoch == 1
    np.testing.assert_allclose(s.net.theta, [0.507782, -0.097527, 0.329696, 0.238186], atol=1e-6)
    mo.back()
    assert mo.phase == mo.last  # the step, once taken, stays


# -- the view, without a browser --------------------------------------------------
@pytest.mark.parametrize("hidden", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_view_shows_tinynets_numbers(hidden, activation):
    from app.views.graph import BackpropView
    s = Session(hidden=hidden, activation=activation, init="xavier", seed=3)
    view = BackpropView(state=s)
    names = backprop.weight_names(hidden)
    grads = s.net.point_gradients(s.x, s.y)
    for point in (MEAN, 2):
        view.param.update(why=names[-2], point=point)
        data = view._nodes.data
        assert {"x", "y_hat", "L", *names} <= set(data["label"])
        shown = dict(zip(data["label"], data["grad"]))
        pick = grads.mean(axis=0) if point == MEAN else grads[point]
        assert [shown[n] for n in names] == pick.tolist()
        chain = view._chain.object
        assert f"<b>{signed(pick[-2])}</b>" in chain
        assert "agrees to 1e-" in chain


def test_the_view_follows_the_width_and_a_link():
    from app.views.graph import BackpropView
    s = Session()
    view = BackpropView(state=s)
    assert view.select({"why": "w1", "point": "2"}) == []
    assert "<b>-0.0723</b>" in view._chain.object and view.selection() == {"point": "2"}
    view.select({"point": "mean"})
    assert "<b>-0.0156</b>" in view._chain.object and view.selection() == {}
    view.why = "w2"
    s.hidden = 2
    assert view.why == "w2_1" and "z1_2" in view._nodes.data["label"]
    assert view.selection() == {"why": "w2_1"}
    assert view.select({"why": "b7"})  # a notice


def test_slow_motion_through_the_view():
    from app.views.graph import BackpropView
    s = Session()
    view = BackpropView(state=s)
    view._move(view.slowmo.start)
    assert "Phase 1 of 8: forward pass" in view._phase.object
    while view.slowmo.phase < view.slowmo.last:
        view._move(view.slowmo.next)
    assert "Phase 8 of 8: update" in view._phase.object
    assert "0.5000 − 0.5 · g = 0.5078" in view._phase_text.object
    assert view._nodes.data["value"][-4:] == s.net.theta.tolist() and s.epoch == 1
    view._move(view.slowmo.next)
    assert not view._phase.visible and not view.slowmo.active
