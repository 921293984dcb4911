"""The loss choice and weight decay in the app without a browser (issue #29): the session trains
on what tinynet computes, a change is a mark on the history, and cross-entropy on data it
cannot fit is refused with the reason, never a traceback."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinynet
from app.session import Session
from app.text import format_loss, number, signed
from tests.conftest import source

ROOT = Path(__file__).resolve().parents[1]


def test_cross_entropy_at_the_articles_start_and_one_step_are_the_issues_numbers():
    s = Session()
    s.loss_choice = "cross_entropy"
    assert round(s.loss(), 4) == 0.7139
    s.param.trigger("step")
    assert round(s.loss(), 4) == 0.7065
    t = Session(decay=0.1)
    assert round(t.loss(), 4) == 0.1437
    t.param.trigger("step")
    assert round(t.loss(), 4) == 0.1409


def test_a_change_while_training_is_a_mark_and_every_width_follows():
    s = Session()
    s.advance(10)
    s.hidden = 2
    s.advance(5)
    s.decay = 0.01
    s.loss_choice = "cross_entropy"
    assert s.run.marks == ([5, 5], ["squared error, λ 0.01", "cross-entropy, λ 0.01"])
    for run in s.runs().values():
        assert (run.net.objective, run.net.decay) == (tinynet.cross_entropy, 0.01)
    s.loss_choice = "cross_entropy"  # unchanged: no mark
    assert len(s.run.marks[0]) == 2


def test_cross_entropy_on_data_it_cannot_fit_is_refused_with_the_reason():
    s = Session()
    s.set_data([0.0, 1.0, 2.0], [0.0, 2.0, 1.0])
    s.loss_choice = "cross_entropy"
    assert s.loss_choice == "squared" and s.net.objective is tinynet.squared
    assert "point 2 has y = 2" in s.message and "[0, 1]" in s.message
    s.advance(2)  # the session keeps working
    assert s.epoch == 2


def test_data_outside_0_1_under_cross_entropy_is_refused_and_the_data_kept():
    s = Session(loss_choice="cross_entropy")
    before = s.x.copy(), s.y.copy()
    with pytest.raises(tinynet.DataError, match="cross-entropy needs every y between 0 and 1"):
        s.set_data([0.0, 1.0], [0.5, 1.5])
    assert s.x.tolist() == before[0].tolist() and s.y.tolist() == before[1].tolist()
    s.advance(1)
    assert s.epoch == 1


# -- the views follow the loss (a page's app, no browser) ------------------------------------------
def texts(app) -> str:
    """What the page says about the loss: readout, floor label, explanations, tables, chain."""
    line, label = app.loss_plot._floor
    return " ".join([app.readouts._loss.object, label.text if line.visible else "",
                     app.why._text.object, app.landscape_note._text.object,
                     app.tables._forward.object, app.tables._loss.object,
                     app.tables._grads.object, app.backprop._chain.object])


def test_under_cross_entropy_the_page_shows_its_floor_tables_and_graph_and_no_squared_fact(app):
    s = app.state
    s.loss_choice = "cross_entropy"
    text = texts(app)
    assert "1/12" not in text and "½(ŷ − y)²" not in text and "(ŷ − y)" not in text
    floor = tinynet.monotonic_floor(s.x, s.y, "cross_entropy")
    line, label = app.loss_plot._floor
    assert line.visible and line.location == floor
    assert label.text == "0.4774: the best one neuron can do with cross-entropy"
    assert "Why one neuron gets stuck at 0.4774" in text and "≈ **0.4774**" in text
    assert "never dips below 0.4774" in text
    assert "ŷ = σ(z₂)" in text and "z₂" in text and "−[y ln ŷ + (1 − y) ln(1 − ŷ)]" in text
    graph = app.backprop  # the p node and the cross-entropy node, with their local derivatives
    nodes, edges = graph._nodes.data, graph._edges.data
    assert nodes["label"][:6] == ["x", "z1", "a1", "z2", "p", "L"]
    p = s.net.predict(s.x).mean()
    assert nodes["value"][4] == pytest.approx(p, rel=1e-15)
    assert nodes["value"][5] == pytest.approx(s.loss(), rel=1e-15)
    assert any(t.startswith("p(1 − p) = ") for t in edges["text"])
    assert any(t.startswith("(p − y)/(p(1 − p)) = ") for t in edges["text"])
    assert "(p − y) · w₂ · σ′(z₁) · x" in text and "cancels the cross-entropy's" in text
    landscape = source(app.landscape, "landscape_image").data["image"][0]
    here = tinynet.Network(**s.weights(), loss="cross_entropy").loss(s.x, s.y)
    assert landscape.min() <= here * (1 + 1e-6) and landscape.max() > 0.7  # not squared's map
    s.loss_choice = "squared"  # and back: the article's again
    assert "1/12: the best one neuron can do" in texts(app)


def test_with_weight_decay_the_readout_splits_the_loss_and_no_false_floor_is_drawn(app):
    s = app.state
    s.decay = 0.1
    readout = app.readouts._loss.object
    data, penalty = s.run.data_loss(), s.net.penalty()
    assert data + penalty == pytest.approx(s.loss(), rel=1e-15) and penalty > 0
    assert f'= data</span> <span class="tn-part">{format_loss(data)}<' in readout
    assert f'+ penalty</span> <span class="tn-part">{format_loss(penalty)}<' in readout
    assert not app.loss_plot._floor[0].visible
    why = app.why._text.object
    assert "With weight decay λ = 0.1 no floor line is drawn" in why and "never reaches it" in why
    assert "gets below that line" not in why
    grads = app.tables._grads.object  # the extra λw row and the step's gradient
    assert "+ λw" in grads and signed(s.gradient()[0]) in grads
    graph = app.backprop
    assert graph._nodes.data["grad"][-4] == pytest.approx(s.gradient()[0], rel=1e-12)
    chain = app.backprop._chain.object
    assert "+ λw₁" in chain and signed(s.gradient()[0]) in chain
    s.decay = 0.0
    assert app.loss_plot._floor[0].visible and "= data" not in app.readouts._loss.object


def test_the_exported_script_prints_the_loss_the_page_shows(app):
    from app.export import python_snippet

    s = app.state
    s.param.update(loss_choice="cross_entropy", decay=0.02)
    s.advance(7)
    printed = subprocess.run([sys.executable, "-c", python_snippet(s)], capture_output=True,
                             text=True, timeout=60, cwd=ROOT)
    assert printed.returncode == 0, printed.stderr
    assert float(printed.stdout) == s.loss()


def test_slow_motion_under_cross_entropy_and_decay_says_their_math_and_ends_where_step_does():
    from app.slowmo import SlowMotion

    s = Session(loss_choice="cross_entropy", decay=0.05)
    expected = s.next_step()
    mo = SlowMotion(s)
    mo.start()
    said = []
    while mo.phase < mo.last:
        said += mo.lines()
        mo.next()
    said += mo.lines()
    text = "\n".join(said)
    assert "½" not in text and "∂L/∂ŷ = ŷ − y" not in text
    assert "p = σ(z₂)" in text and "−[y ln p + (1 − y) ln(1 − p)]" in text
    assert "+ penalty (λ/2)·Σw² = " in text and "plus λw for w₁ and w₂" in text
    assert "∂L/∂z₂ = ∂L/∂p · p(1 − p) = p − y" in text
    assert np.array_equal(s.net.theta, expected)
    assert f"mean loss {number(s.loss(), 6)}" in text


def test_what_reaches_the_page_is_the_sessions_loss_name_and_parts():
    """The page-equals-session oracle (tools/oracle.py) on the client's copy of the page."""
    from app.main import PlaygroundApp
    from tools import oracle
    from tools.mirror import Mirror

    mirror = Mirror(lambda: PlaygroundApp(loop=False))
    try:
        with mirror.current():
            s = mirror.viewable.state
            oracle.check(mirror, s)
            for change in ({"loss_choice": "cross_entropy"}, {"decay": 0.01},
                           {"loss_choice": "squared"}, {"decay": 0.0}):
                s.param.update(change)
                s.advance(25)
                s.notify()
                oracle.check(mirror, s)
            assert oracle.expected(s)["loss name"] == "mean loss"
    finally:
        mirror.close()


def test_the_floor_moment_counts_from_where_the_run_took_cross_entropy():
    """Squared error's 0.13 at epoch 0 is not "within 1 % of" cross-entropy's floor."""
    from app.moments import of_run
    from app.views.explain import drawn_floor

    s = Session()
    s.advance(10)
    s.loss_choice = "cross_entropy"
    s.advance(6000)
    floor = drawn_floor(1, s.x, s.y, "cross_entropy")
    [moment] = [m for m in of_run(s.run, floor) if m.kind == "floor"]
    epochs, losses = s.history
    first = next(e for e, v in zip(epochs, losses) if e > 10 and v <= floor * 1.01)
    assert moment.epoch == first > 1000


def test_the_fit_follows_a_change_of_loss_at_the_same_weights(app):
    """The same weights predict σ(z) under cross-entropy and z under squared error: switched
    mid-run, the fit's ŷ at each point is the network's prediction, and its legend says the
    dashed curves are parts of the logit (not of ŷ) while cross-entropy is chosen."""
    s = app.state
    s.advance(500)
    s.notify()
    for choice, logit in (("cross_entropy", True), ("squared", False)):
        s.loss_choice = choice
        points = source(app.fit, "fit_points").data
        assert points["y_hat_exact"] == s.net.predict(s.x).tolist()
        assert ("of the logit" in app.fit._legend.object) == logit
