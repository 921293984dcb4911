"""The "seeing why" views in headless Chromium: gradient nudges and ghost ticks, the landscape,
the diagram and the race, each read off the page and checked against what tinynet computes."""
import re

import numpy as np
import pytest

import tinynet
from app.session import slot_names
from app.views.base import NEGATIVE, POSITIVE

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
SHOWN = 5e-7  # the loss readout shows 6 decimals
LEARNING_RATE = 0.5  # the page's default, and the race's


# -- reading the views ---------------------------------------------------------------------------
def nudges(playground, hidden):
    """(push, ghost) from each slider's nudge: the data-push and data-ghost the page carries."""
    return np.array([playground.page.locator(f".tn-nudge-{slot} .tn-push").first.evaluate(
        "(e) => [Number(e.dataset.push), Number(e.dataset.ghost)]") for slot in slot_names(hidden)])


def ghost_ticks(playground, hidden):
    """(the --ghost percentage on each slider's host, the slider's min, max)."""
    out = []
    for slot in slot_names(hidden):
        host = playground.page.locator(f".tn-weight-{slot}").first
        pct = host.evaluate("(e) => getComputedStyle(e).getPropertyValue('--ghost')")
        lo, hi = host.locator(".noUi-target").evaluate(
            "(e) => [e.noUiSlider.options.range.min, e.noUiSlider.options.range.max]")
        out.append((float(pct.strip().rstrip("%")), lo, hi))
    return out


def nudges_match(playground, net):
    """True when every nudge shows -dL/dtheta and theta - lr * dL/dtheta of ``net``."""
    grad = net.gradient(X, Y)
    shown = nudges(playground, net.hidden)
    return (np.allclose(shown[:, 0], -grad, rtol=0, atol=1e-6)
            and np.allclose(shown[:, 1], net.theta - LEARNING_RATE * grad, rtol=0, atol=1e-6))


def assert_ghost_ticks(playground, net):
    """Each slider's ghost tick sits at theta - lr * dL/dtheta on that slider's track."""
    ghost = net.theta - LEARNING_RATE * net.gradient(X, Y)
    for value, (pct, lo, hi) in zip(ghost, ghost_ticks(playground, net.hidden)):
        assert pct == pytest.approx(100 * (min(max(value, lo), hi) - lo) / (hi - lo), abs=1e-3)


def edge_labels(net):
    """The diagram's edge labels for ``net``: w1 then w2 of each hidden neuron."""
    return [f"{w:+.2f}" for j in range(net.hidden) for w in (net.w1[j], net.w2[j])]


def diagram_matches(playground, net, probe_x=1.0):
    """True when the diagram's edges and nodes show ``net`` (activations at ``probe_x``)."""
    edges, nodes = playground.source("diagram_edges"), playground.source("diagram_nodes")
    if edges is None or nodes is None:
        return False
    fwd = net.forward([probe_x])
    return (edges["label"] == edge_labels(net)
            and nodes["label"] == [f"x={probe_x:g}", *[f"a={a:.2f}" for a in fwd.a1[0]],
                                   f"ŷ={float(fwd.y_hat[0]):.2f}"]
            and nodes["sub"] == ["input", *[f"b₁={b:+.2f}" for b in net.b1],
                                 f"b₂={net.b2:+.2f}"])


def point_matches(playground, net):
    """True when the landscape's point sits at (w1, b1) of the first neuron, its default axes."""
    point = playground.source("landscape_point")
    h = net.hidden
    return point is not None and point["x"] == pytest.approx([net.theta[0]]) and \
        point["y"] == pytest.approx([net.theta[h]])


def assert_views_agree(playground, hidden):
    """Sliders, nudges, ghost ticks, landscape point, diagram and loss all show one network."""
    page = playground.page

    def agreed():
        if page.locator(".tn-weights .noUi-target").count() != 3 * hidden + 1:
            return None
        values, handles = playground.theta(hidden), playground.slider_values()
        if not np.allclose(values, handles, rtol=0, atol=0.005 + 1e-9):
            return None  # a handle is more than half a step from its slider's value
        net = tinynet.Network.from_theta(values)
        checks = {"landscape point": point_matches, "diagram": diagram_matches,
                  "nudges": nudges_match,
                  "loss": lambda pg, n: abs(pg.loss() - n.loss(X, Y)) < SHOWN}
        behind[:] = [name for name, check in checks.items() if not check(playground, net)]
        behind.append(f"sliders {net.theta.tolist()}")
        return net if len(behind) == 1 else None

    behind = []
    try:
        net = playground.wait(agreed, what=f"the views to agree at H={hidden}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; not agreeing: {behind}") from None
    assert_ghost_ticks(playground, net)
    return net


def sliders_at(playground, net, where):
    """Wait until the sliders hold ``net``'s weights (handles within half a 0.01 step)."""
    theta = net.theta.tolist()
    playground.wait(lambda: playground.theta(net.hidden) == pytest.approx(theta),
                    what=f"the sliders at {where}: {theta}")
    np.testing.assert_allclose(playground.slider_values(), theta, rtol=0, atol=0.005 + 1e-9)


# -- the landscape's plot frame ------------------------------------------------------------------
# The figure that draws `landscape_image`, scrolled into view: its frame in viewport pixels and
# its axis ranges. Bokeh.index.find_one gives the figure's view; frame.bbox is canvas pixels.
LANDSCAPE_FRAME_JS = """
() => {
  const doc = Bokeh.documents[0];
  const fig = [...doc.all_models].find((m) => Array.isArray(m.renderers) && m.renderers.some(
    (r) => r.data_source && r.data_source.name === 'landscape_image'));
  const view = Bokeh.index.find_one(fig);
  view.el.scrollIntoView({block: 'center'});
  const canvas = view.canvas_view.el.getBoundingClientRect(), b = view.frame.bbox;
  return {left: canvas.x + b.x0, top: canvas.y + b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0,
          x: [fig.x_range.start, fig.x_range.end], y: [fig.y_range.start, fig.y_range.end]};
}
"""


def landscape_frame(playground):
    return playground.page.evaluate(LANDSCAPE_FRAME_JS)


def at(frame, fx, fy):
    """Viewport pixel at fractions (fx from the left, fy from the bottom) of the frame, and the
    data coordinates (w, b) Bokeh's linear scales give that pixel."""
    px, py = frame["left"] + fx * frame["width"], frame["top"] + (1 - fy) * frame["height"]
    (x0, x1), (y0, y1) = frame["x"], frame["y"]
    return (px, py), (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))


def pixel(frame):
    """The data size of one pixel along each axis."""
    return ((frame["x"][1] - frame["x"][0]) / frame["width"],
            (frame["y"][1] - frame["y"][0]) / frame["height"])


# -- the tests -----------------------------------------------------------------------------------
def test_gradient_nudges_and_ghost_ticks_follow_the_weights(playground):
    page = playground.open("/")
    start = tinynet.Network(**tinynet.ARTICLE)
    grad = start.gradient(X, Y)
    shown = nudges(playground, 1)
    np.testing.assert_allclose(shown[:, 0], -grad, rtol=0, atol=1e-6)
    np.testing.assert_allclose(shown[:, 1], start.theta - LEARNING_RATE * grad, rtol=0, atol=1e-6)
    assert [lo_hi[1:] for lo_hi in ghost_ticks(playground, 1)] == [(-8, 8)] * 4  # state's ±8
    assert_ghost_ticks(playground, start)

    handle = page.locator(".tn-weight-b1_1 .noUi-handle").first
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    moved = tinynet.Network([0.5], [-0.13], [0.3], 0.2)  # b1 three steps of 0.01 down
    assert playground.slider_values() == pytest.approx(moved.theta.tolist())
    playground.wait(lambda: nudges_match(playground, moved), what="nudges at b1 = -0.13")
    assert_ghost_ticks(playground, moved)
    assert not np.allclose(nudges(playground, 1)[:, 0], -grad, rtol=0, atol=1e-6)


def test_landscape_click_and_drag_set_the_two_weights(playground):
    page = playground.open("/")
    playground.reach("diagram", "landscape")
    frame = landscape_frame(playground)
    (px, py), (w1, b1) = at(frame, 0.3, 0.65)
    page.mouse.click(px, py)
    playground.wait(lambda: playground.source("landscape_point")["x"] != [0.5],
                    what="the landscape point to move")
    point = playground.source("landscape_point")
    dx, dy = pixel(frame)
    assert point["x"][0] == pytest.approx(w1, abs=1.5 * dx)
    assert point["y"][0] == pytest.approx(b1, abs=1.5 * dy)
    clicked = tinynet.Network([point["x"][0]], [point["y"][0]], [0.3], 0.2)
    sliders_at(playground, clicked, f"the clicked point {point}")
    playground.wait(lambda: abs(playground.loss() - clicked.loss(X, Y)) < SHOWN,
                    what=f"the loss at the clicked point {clicked.loss(X, Y):.6f}")

    # a short drag, kept inside the map's middle 80% so its axes stay put
    frame = landscape_frame(playground)
    (sx, sy), _ = at(frame, 0.4, 0.4)
    (ex, ey), (w1, b1) = at(frame, 0.6, 0.55)
    page.mouse.move(sx, sy)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(sx + (ex - sx) * k / 8, sy + (ey - sy) * k / 8)
        page.wait_for_timeout(15)
    page.mouse.up()
    dx, dy = pixel(frame)
    playground.wait(lambda: abs(playground.source("landscape_point")["x"][0] - w1) < 1.5 * dx,
                    what=f"the point to follow the drag to w1 = {w1:.3f}")
    point = playground.source("landscape_point")
    assert point["y"][0] == pytest.approx(b1, abs=1.5 * dy)
    dragged = tinynet.Network([point["x"][0]], [point["y"][0]], [0.3], 0.2)
    sliders_at(playground, dragged, "the end of the drag")
    assert_views_agree(playground, 1)


def test_diagram_follows_a_slider_and_the_width(playground):
    page = playground.open("/")
    playground.reach("diagram")
    start = tinynet.Network(**tinynet.ARTICLE)
    playground.wait(lambda: diagram_matches(playground, start), what="the article's diagram")
    edges = playground.source("diagram_edges")
    assert len(edges["x0"]) == 2 and edges["color"] == [POSITIVE] * 2  # both weights positive

    page.locator(".tn-weight-w2_1 .noUi-handle").first.focus()
    for _ in range(2):
        page.keyboard.press("PageDown")  # ten steps of 0.01 down: w2 0.3 -> 0.2
    moved = tinynet.Network([0.5], [-0.1], [0.2], 0.2)
    playground.wait(lambda: diagram_matches(playground, moved), what="the diagram at w2 = 0.2")
    widths = playground.source("diagram_edges")["width"]
    assert widths == pytest.approx([1 + 9 * 0.5, 1 + 9 * 0.2])  # scale is max(1, |w|) = 1

    playground.click(".tn-width", "2")
    bump = tinynet.Network(**tinynet.BUMP)
    playground.wait(lambda: diagram_matches(playground, bump), what="the bump's diagram")
    edges = playground.source("diagram_edges")
    assert len(edges["x0"]) == 4 and edges["label"] == ["+2.00", "+1.00", "+2.00", "-1.00"]
    assert edges["color"] == [POSITIVE, POSITIVE, POSITIVE, NEGATIVE]
    assert len(playground.source("diagram_nodes")["x"]) == 4  # input, two hidden, output


def race_epoch(playground):
    found = re.search(r"epoch (\d+)", playground.text(".tn-race-status"))
    return int(found.group(1)) if found else -1


def test_race_runs_pauses_and_resets(playground):
    page = playground.open("/")
    playground.reach("race")
    assert race_epoch(playground) == 0
    run = page.locator(".tn-race-run button")
    run.click()
    playground.wait(lambda: all(len(playground.source(f"race_loss_{h}")["epoch"]) > 20
                                for h in (1, 2)), what="both race curves to grow")
    run.click()
    playground.wait(lambda: "Start" in run.inner_text(), what="the Start label back")
    epoch = race_epoch(playground)
    page.wait_for_timeout(300)
    assert race_epoch(playground) == epoch > 0, "the race moved on after Pause"
    grid = np.linspace(0.5, 4.5, 161)
    for h in (1, 2):
        curve = playground.source(f"race_loss_{h}")
        trainer = tinynet.Trainer(tinynet.starting_network(hidden=h), X, Y,
                                  tinynet.GradientDescent(LEARNING_RATE))
        trainer.run(epoch)
        assert curve["epoch"][-1] == epoch
        assert curve["loss"][-1] == pytest.approx(trainer.loss, rel=1e-9)
        fit = playground.source(f"race_fit_{h}")
        np.testing.assert_allclose(fit["x"], grid)
        np.testing.assert_allclose(fit["y"], trainer.net.predict(grid), rtol=1e-9)
    assert playground.epoch() == 0  # the race trains its own networks, not the playground's

    playground.click(".tn-race-reset")
    playground.wait(lambda: race_epoch(playground) == 0, what="race epoch 0 after Reset")
    for h in (1, 2):
        start = tinynet.starting_network(hidden=h).loss(X, Y)
        playground.wait(lambda: playground.source(f"race_loss_{h}")["epoch"] == [0],
                        what=f"race_loss_{h} back to epoch 0")
        assert playground.source(f"race_loss_{h}")["loss"] == [pytest.approx(start)]


def test_views_agree_after_a_link_width_switches_and_reset(playground):
    playground.open("/?hidden=2&w1=1,2&b1=-1,-3&w2=0.5,-0.5&b2=0.1")
    playground.reach("diagram", "landscape")
    linked = assert_views_agree(playground, 2)
    assert linked.theta.tolist() == pytest.approx([1, 2, -1, -3, 0.5, -0.5, 0.1])

    playground.click(".tn-width", "1")
    assert_views_agree(playground, 1)
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    stepped = assert_views_agree(playground, 1)
    trainer = tinynet.Trainer(tinynet.Network(**tinynet.ARTICLE), X, Y,
                              tinynet.GradientDescent(LEARNING_RATE))
    trainer.run(1)
    assert stepped.theta.tolist() == pytest.approx(trainer.net.theta.tolist())
    playground.click(".tn-reset")
    playground.wait(lambda: playground.epoch() == 0, what="epoch 0 after Reset")
    assert assert_views_agree(playground, 1).theta.tolist() == pytest.approx(
        tinynet.Network(**tinynet.ARTICLE).theta.tolist())

    playground.click(".tn-width", "2")  # each width keeps its own weights: the link's
    assert assert_views_agree(playground, 2).theta.tolist() == pytest.approx(
        linked.theta.tolist())


def test_parts_reached_after_training_show_the_trained_network(playground):
    """The diagram and the landscape are built when scrolled to (app/views/lazy.py): reached
    after training, they show the network as training left it, and follow it from then on."""
    page = playground.open("/")
    for _ in range(3):
        playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 3, what="three steps")
    assert page.locator(".tn-lazy-diagram").count() == 1  # not built yet
    playground.reach("diagram", "landscape")
    stepped = assert_views_agree(playground, 1)
    assert stepped.theta.tolist() == pytest.approx(stepped_article(3).theta.tolist())
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 4, what="a fourth step")
    assert assert_views_agree(playground, 1).theta.tolist() == pytest.approx(
        stepped_article(4).theta.tolist())


def stepped_article(epochs):
    """The article's network after ``epochs`` steps of gradient descent at lr 0.5."""
    trainer = tinynet.Trainer(tinynet.Network(**tinynet.ARTICLE), X, Y,
                              tinynet.GradientDescent(LEARNING_RATE))
    trainer.run(epochs)
    return trainer.net
