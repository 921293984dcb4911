"""The spotlight without a server: what a learner publishes for it is its own session's network,
small and bounded; the teacher's page redraws the chosen learner's fit, loss and weights from
it, names the learner only when asked (as text), and trusts nothing a learner's page sends."""
import json

import numpy as np
import pytest

import tinynet
from app.classroom.learner import ClassMember
from app.classroom.spotlight import CURVE_POINTS, read
from app.classroom.teacher import TeacherPage
from app.main import PlaygroundApp

XSS = "<img src=x onerror=y>"  # within the nickname's 24 characters


def learner(mode, name, hidden=1, epochs=0):
    member = ClassMember(PlaygroundApp(loop=False), mode, name=name)
    member.app.state.hidden = hidden
    member.app.state.advance(epochs)
    member.publish()
    return member


def stored(mode, member):
    (summary,) = [s for s in mode.store.learners() if s.id == member.id]
    return summary


def test_the_picture_is_the_session_network_and_small(mode):
    ada = learner(mode, "Ada", hidden=2, epochs=3000)
    s, shown = ada.app.state, read(stored(mode, ada).picture)
    assert shown["net"].loss(s.x, s.y) == s.loss()  # the same weights, bit for bit
    assert np.array_equal(shown["x"], s.x) and np.array_equal(shown["y"], s.y)
    assert 1 < len(shown["losses"]) <= CURVE_POINTS and shown["losses"][-1] == s.loss()
    assert shown["epochs"][0] == 0 and shown["epochs"][-1] == 3000
    # the most a learner can publish: four neurons and the most points a data set may have
    s.hidden = 4
    s.set_data(np.linspace(-5, 5, tinynet.MAX_POINTS) / 3, np.linspace(0, 1, tinynet.MAX_POINTS))
    s.advance(CURVE_POINTS * 3)
    ada.publish()
    assert len(stored(mode, ada).to_json()) < 12_000


def test_the_teacher_spotlights_one_learner(mode):
    ada, cy = learner(mode, "Ada", epochs=500), learner(mode, "Cy", hidden=2, epochs=2000)
    teacher = TeacherPage(mode)
    assert not teacher.spotlight.view.visible  # nobody until the teacher chooses
    assert teacher.spotlight.choose.options == {"nobody": "", "Ada": ada.id, "Cy": cy.id}
    teacher.spotlight.choose.value = cy.id
    teacher.refresh()
    spot, net = teacher.spotlight, cy.app.state.net
    assert spot.view.visible and "tn-spotlight" in spot.view.css_classes
    assert np.allclose(spot.curve.data["y"], net.predict(spot.curve.data["x"]))
    assert list(spot.points.data["x"]) == cy.app.state.x.tolist()
    assert spot.losses.data["loss"][-1] == cy.app.state.loss()
    assert "epoch 2000" in spot.heading.object and "2 neurons" in spot.heading.object
    assert "Cy" not in spot.heading.object and "a learner" in spot.heading.object
    spot.show_name.value = True
    assert "<b>Cy</b>" in spot.heading.object
    assert "neuron 2" in spot.weights.object and "b₂" in spot.weights.object
    # it follows the learner as it trains
    cy.app.state.advance(1000)
    cy.publish()
    teacher.refresh()
    assert "epoch 3000" in spot.heading.object
    assert spot.losses.data["loss"][-1] == cy.app.state.loss()


def test_a_nickname_is_text_in_the_spotlight(mode):
    member = learner(mode, XSS)
    teacher = TeacherPage(mode)
    teacher.spotlight.show_name.value = True
    teacher.spotlight.choose.value = member.id
    teacher.refresh()
    heading = teacher.spotlight.heading.object
    assert "<img" not in heading and "<b>&lt;img src=x onerror=y&gt;</b>" in heading


def test_a_learner_cannot_borrow_another_learners_place(mode):
    """All a learner's page sends for the class is its nickname: naming itself as another
    learner (or by another's id) gives it no other data, and the other's stays its own."""
    ada, eve = learner(mode, "Ada", hidden=2, epochs=800), learner(mode, "Eve")
    ada_before = stored(mode, ada)
    eve.name_input.value = ada.id  # what a forged websocket message could set
    eve.publish()
    eve.name_input.value = "Ada"
    eve.publish()
    assert stored(mode, ada) == ada_before
    assert stored(mode, eve).picture["w1"] == eve.app.state.weights()["w1"]  # its own
    teacher = TeacherPage(mode)
    assert teacher.spotlight.choose.options["Ada (" + ada.id[:4] + ")"] == ada.id
    teacher.spotlight.choose.value = ada.id
    teacher.refresh()
    assert teacher.spotlight.losses.data["loss"][-1] == ada.app.state.loss()


@pytest.mark.parametrize("broken", [
    {"w1": [float("nan")]}, {"w1": [1.0, 2.0]}, {"x": list(range(tinynet.MAX_POINTS + 1))},
    {"act": "<script>"}, {"loss": "mine"}, {"w1": "1e400"}, {"b2": None}, {"curve": [[1]]},
    {"w1": [1.0] * 5, "b1": [1.0] * 5, "w2": [1.0] * 5},
])
def test_a_picture_the_teacher_cannot_use_shows_nothing(mode, broken):
    good = stored(mode, learner(mode, "Ada")).picture
    assert read(good) is not None
    assert read(json.loads(json.dumps({**good, **broken}))) is None
