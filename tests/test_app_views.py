"""The views without a browser: gradients and ghosts, the diagram, the landscape, the race."""
import math
import re

import numpy as np
import panel as pn
import pytest
from bokeh.events import Tap

import tinynet
from app import urlstate
from app.main import PlaygroundApp
from app.session import Session, slot_names
from app.views.base import Y_RANGE
from app.views.fit import in_frame
from tests.conftest import source, tick

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def shown_push_and_ghost(app, slot):
    html = app.sliders._nudges[slot].object
    push = float(re.search(r'data-push="([^"]+)"', html).group(1))
    ghost = float(re.search(r'data-ghost="([^"]+)"', html).group(1))
    return push, ghost


def finite_difference(net, k, h=1e-6):
    plus, minus = net.copy(), net.copy()
    plus.theta[k] += h
    minus.theta[k] -= h
    return (plus.loss(X, Y) - minus.loss(X, Y)) / (2 * h)


@pytest.mark.parametrize("hidden", [1, 2, 3])
def test_gradient_beside_each_slider_is_tinynets_and_the_calculus(app, hidden):
    s = app.state
    s.hidden = hidden
    tick(s, 7)
    grad = s.net.gradient(X, Y)
    for k, slot in enumerate(slot_names(hidden)):
        push, ghost = shown_push_and_ghost(app, slot)
        assert push == pytest.approx(-grad[k], rel=1e-12, abs=1e-15)
        assert push == pytest.approx(-finite_difference(s.net, k), rel=1e-5, abs=1e-9)
        assert ghost == pytest.approx(s.net.theta[k] - s.learning_rate * grad[k], rel=1e-12)


def test_ghost_marker_sits_where_the_next_step_lands(app):
    s = app.state
    s.learning_rate = 2.0
    _, ghost = shown_push_and_ghost(app, "b2")
    r = app.sliders.span
    pct = float(app.sliders._sliders["b2"].css_var("--ghost").rstrip("%"))
    assert -r + pct / 100 * 2 * r == pytest.approx(ghost, abs=1e-4)
    s.param.trigger("step")
    assert s.net.b2 == pytest.approx(ghost, rel=1e-12)  # the step went where the ghost said
    assert app.sliders.value("b2") == s.net.b2


def test_diagram_follows_weights_and_width(app):
    s = app.state
    d = app.diagram
    edges, nodes = source(d, "diagram_edges"), source(d, "diagram_nodes")
    assert edges.data["label"] == ["+0.50", "+0.30"]
    assert nodes.data["label"][1] == f"a={1 / (1 + np.exp(-0.4)):.2f}"
    d.probe_x = 3.0
    assert nodes.data["label"][0] == "x=3"
    s.hidden = 2
    assert len(edges.data["label"]) == 4 and len(nodes.data["x"]) == 4
    assert edges.data["color"][3] != edges.data["color"][2]  # w2 = [1, -1]
    s.set_values(w2_2=-3.0)
    assert max(edges.data["width"]) == edges.data["width"][3]


def test_landscape_map_point_and_path_match_the_weights(app):
    s, view = app.state, app.landscape
    image, point, path = (source(view, f"landscape_{n}") for n in ("image", "point", "path"))
    img = image.data
    x0, y0, dw, dh = img["x"][0], img["y"][0], img["dw"][0], img["dh"][0]
    xs, ys = np.linspace(x0, x0 + dw, 200), np.linspace(y0, y0 + dh, 200)
    expected = tinynet.landscape(s.net, X, Y, "w1", "b1", xs, ys)
    np.testing.assert_allclose(img["image"][0], expected, rtol=1e-6)
    assert point.data == {"x": [0.5], "y": [-0.1]}
    s.training = True
    for _ in range(30):  # the map follows the network every tick (the sliders at 15 Hz)
        tick(s, 100)
        w1, b1 = s.net.theta[:2].tolist()
        assert point.data == {"x": [w1], "y": [b1]}
        assert x0 <= w1 <= x0 + dw or view._range[0] <= w1 <= view._range[1]
    trail = path.data
    assert len(trail["x"]) == 30 and (trail["x"][-1], trail["y"][-1]) == (w1, b1)
    lo, hi = view._range[:2]
    assert lo < w1 < hi  # the axes followed the point
    s.training = False
    assert (app.sliders.value("w1_1"), app.sliders.value("b1_1")) == (w1, b1)  # and on pause
    # the sliders catch up


def test_landscape_recomputes_when_another_weight_changes(app):
    s, view = app.state, app.landscape
    image = source(view, "landscape_image")
    before = image.data["image"][0].copy()
    s.set_values(w2_1=1.5)
    after = image.data["image"][0]
    assert not np.allclose(before, after)
    x0, dw = image.data["x"][0], image.data["dw"][0]
    y0, dh = image.data["y"][0], image.data["dh"][0]
    net = tinynet.Network([0.5], [-0.1], [1.5], 0.2)
    # one cell, checked against tinynet directly
    i, j = 37, 151
    w1, b1 = np.linspace(x0, x0 + dw, 200)[i], np.linspace(y0, y0 + dh, 200)[j]
    assert after[j, i] == pytest.approx(tinynet.Network([w1], [b1], [1.5], 0.2).loss(X, Y),
                                        rel=1e-6)
    assert net.loss(X, Y) == pytest.approx(s.loss())


def test_clicking_the_landscape_sets_the_two_weights(app):
    s, view = app.state, app.landscape
    view.y_weight = "w2_1"
    view._figure._trigger_event(Tap(view._figure, x=2.25, y=-1.5))
    assert (s.net.w1[0], s.net.w2[0]) == (2.25, -1.5)
    assert (app.sliders.value("w1_1"), app.sliders.value("w2_1")) == (2.25, -1.5)
    expected = tinynet.Network([2.25], [-0.1], [-1.5], 0.2).loss(X, Y)
    assert f"{expected:.6f}" in app.readouts._loss.object
    assert source(view, "landscape_point").data == {"x": [2.25], "y": [-1.5]}


def test_all_views_agree_after_reset_width_switch_and_link(app):
    s = app.state

    def agree():
        theta = s.net.theta
        x_weight = app.landscape.x_weight
        assert source(app.landscape, "landscape_point").data["x"] == [
            theta[slot_names(s.hidden).index(x_weight)]]
        assert source(app.diagram, "diagram_edges").data["label"][0] == f"{s.net.w1[0]:+.2f}"
        curve = source(app.fit, "fit_curve").data
        np.testing.assert_allclose(curve["y"], in_frame(s.net.predict(curve["x"])))
        assert [app.sliders.value(n) for n in slot_names(s.hidden)] == theta.tolist()
        shown = app.readouts._loss.object
        assert f"{s.loss():.6f}"[:6] in shown or "e" in shown
        assert shown_push_and_ghost(app, "b2")[0] == pytest.approx(-s.net.gradient(X, Y)[-1])

    tick(s, 300)
    agree()
    s.param.trigger("reset")
    agree()
    s.hidden = 2
    agree()
    s.hidden = 1
    agree()
    found, _ = urlstate.parse_query(
        {"hidden": "2", "w1": "1,3", "b1": "0,-5", "w2": "2,-2", "b2": "0.5"})
    urlstate.apply(s, found)
    agree()


def test_race_runs_both_widths_like_tinynet(app):
    race, view = app.race, app.race_view
    race.running = True
    for _ in range(20):
        race.advance(250)
    for h in (1, 2):
        net = tinynet.starting_network(hidden=h)
        tinynet.Trainer(net, X, Y).run(5000)
        assert race.trainers[h].net.theta.tolist() == pytest.approx(net.theta.tolist(), rel=1e-12)
        assert view._losses[h].data["epoch"][-1] == 5000
    assert race.histories[1][1][-1] > tinynet.ONE_NEURON_FLOOR
    assert race.histories[2][1][-1] < 1e-25
    race.param.trigger("reset")
    assert not race.running and race.epoch == 0 and list(view._losses[2].data["epoch"]) == [0]


def test_the_page_shows_the_fit_legend_as_text_and_the_export_draws_it():
    from bokeh.models import Legend

    from app.export import plots

    app = PlaygroundApp(loop=False)
    figure = app.fit._figure
    assert not [m for m in figure.below + figure.center if isinstance(m, Legend)]
    text = app.fit._legend.object
    assert text.count("<li>") == 5 and "neuron 1:" in text and "neuron 2" not in text
    app.state.hidden = 2
    assert app.fit._legend.object.count("<li>") == 6 and "neuron 2:" in app.fit._legend.object
    exported = plots(app.state)
    legends = [m for m in exported.select({"type": Legend})]
    assert len(legends) == 1 and len(legends[0].items) == 5  # the parts' item names each neuron


def test_the_race_shows_its_legend_as_text_below_its_plots():
    """Drawn in the plots' frames, the race's legends were repainted with every tick."""
    from bokeh.models import Legend

    from app.race import RUNNERS

    app = PlaygroundApp(loop=False)
    view = app.race_view
    for figure in (view._loss_fig, view._fit_fig):
        assert not [m for m in figure.select({"type": Legend})]
    text = view._legend.object
    assert 'aria-label="Legend of the race plots"' in text and text.count("<svg") == 4
    assert ["1 hidden neuron", "2 hidden neurons", "data", "1/12: the best one neuron can do"
            ] == re.findall(r"</svg>([^<]+)</li>", text)
    for color in RUNNERS.values():  # each runner's swatch in its line's colour
        assert f'stroke="{color}"' in text
    laid_out = pn.panel(view).objects
    assert laid_out[-1] is view._legend  # below the plots


def test_fit_curves_stay_inside_the_frame():
    """The overlay layer is not clipped: curves leaving the y range end at its edge."""
    y = np.array([0.0, 2.0, 3.0, 2.5, 1.0, -1.0, -2.0, -3.0])
    np.testing.assert_array_equal(in_frame(y), [0.0, 1.6, np.nan, 1.6, 1.0, -0.6, np.nan, np.nan])
    app = PlaygroundApp(loop=False)
    app.state.set_values(w2_1=2.0)  # a prediction that rises out of the frame
    curve = source(app.fit, "fit_curve")
    shown = curve.data["y"]
    assert np.nanmax(shown) <= Y_RANGE[1] and np.isnan(shown).any()
    predicted = app.state.net.predict(curve.data["x"])
    inside = (predicted >= Y_RANGE[0]) & (predicted <= Y_RANGE[1])
    np.testing.assert_allclose(shown[inside], predicted[inside])
    assert max(source(app.fit, "fit_points").data["y_hat"]) == Y_RANGE[1]


def test_a_moved_weight_shows_on_the_fit_and_loss_first_then_everywhere():
    """A drag's answer comes in two batches (two messages when served): the fit and the loss
    readout, which a dragging learner watches, then every other view."""
    shown = []

    class Batch:  # records what the page would be sent at the end of each batch
        def __enter__(self):
            pass

        def __exit__(self, *exc):
            shown.append((np.array(source(app.fit, "fit_curve").data["y"]),
                          app.readouts._loss.object, shown_push_and_ghost(app, "w1_1")))

    app = PlaygroundApp(state=Session(batch=Batch), loop=False)
    curve, loss, push = (np.array(source(app.fit, "fit_curve").data["y"]),
                         app.readouts._loss.object, shown_push_and_ghost(app, "w1_1"))
    shown.clear()
    app.state.set_values(w1_1=1.0)
    assert len(shown) == 2
    (first_curve, first_loss, first_push), (then_curve, then_loss, then_push) = shown
    assert not np.array_equal(first_curve, curve, equal_nan=True)
    assert np.array_equal(first_curve, then_curve, equal_nan=True)  # drawn once, not again
    assert first_loss != loss and first_loss == then_loss
    assert first_push == push and then_push != push  # the slider's gradient: second


def loss_axis(app):
    """The loss plot's y range in decades and its labelled ticks {value: label}."""
    fig = app.loss_plot._figure
    start, end = fig.y_range.start, fig.y_range.end
    labels = fig.yaxis[0].major_label_overrides
    assert sorted(labels) == fig.yaxis[0].ticker.ticks  # every tick has a label
    return math.log10(start), math.log10(end), labels


def test_the_floor_stays_inside_the_loss_plot_with_room_for_its_label(app):
    s = app.state
    for _ in range(40):  # one neuron, 4,000 epochs: the curve settles onto the floor
        tick(s, 100)
        lo, hi, labels = loss_axis(app)
        floor = math.log10(tinynet.ONE_NEURON_FLOOR)
        assert lo + 0.08 * (hi - lo) <= floor <= hi - 0.08 * (hi - lo), (lo, floor, hi)
        assert lo <= math.log10(min(s.history[1])) and math.log10(max(s.history[1])) <= hi
        assert len(labels) >= 3


def test_the_loss_axis_has_labels_below_001_when_it_goes_there(app):
    s = app.state
    s.hidden = 2
    for epochs in [100, 400, 3000]:  # down to 0.004, 1e-5, 1e-30
        tick(s, epochs - s.epoch)
        lo, hi, labels = loss_axis(app)
        assert 10 ** lo < min(s.history[1]) < 0.01 and min(labels) < 0.01, (epochs, labels)
        # labels reach both ends of the axis: its lowest and highest third
        assert math.log10(min(labels)) < lo + (hi - lo) / 3, (epochs, lo, labels)
        assert math.log10(max(labels)) > hi - (hi - lo) / 3, (epochs, hi, labels)
        assert all(float(labels[t]) == t for t in labels) and 3 <= len(labels) <= 8
    s.hidden = 1
    lo, hi, labels = loss_axis(app)
    assert 10 ** lo > 0.05  # the other width's range is not kept


def test_a_push_of_zero_reads_0_and_every_arrow_agrees_with_its_sign(app):
    s = app.state
    s.set_values(w2_1=0.0)  # w1 and b1 no longer change the output: their gradient is 0
    for slot in ("w1_1", "b1_1"):
        shown = re.sub(r"<[^>]+>", "", app.sliders._nudges[slot].object)
        assert shown == "· 0" and "leaves this weight" in app.sliders._nudges[slot].object
        assert shown_push_and_ghost(app, slot)[0] == 0.0
    for value in (2.0, -2.0):
        s.set_values(w2_1=value)
        for slot in slot_names(s.hidden):
            shown = re.sub(r"<[^>]+>", "", app.sliders._nudges[slot].object)
            push = shown_push_and_ghost(app, slot)[0]
            assert shown[0] == ("▶" if push > 0 else "◀") and shown[2] == ("+" if push > 0 else "-")
