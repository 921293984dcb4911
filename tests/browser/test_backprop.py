"""Backpropagation, step by step, in headless Chromium: the graph's numbers are tinynet's, a link
explains one gradient, and one step in slow motion ends where Step does."""
import re

import numpy as np
import pytest

import tinynet
from app.session import Session

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def graph_nodes(playground, count):
    """The graph_nodes source once it holds ``count`` nodes."""
    return playground.wait(lambda: (d := playground.source("graph_nodes"))
                           and len(d["label"]) == count and d, what="the graph's nodes")


def chain_text(playground):
    return playground.text(".tn-chain").replace("−", "-")


def test_the_graph_shows_tinynets_numbers(playground):
    playground.open("/?hidden=2&point=3")  # a link naming a point builds the graph at once
    assert playground.page.locator(".tn-graph").count() == 1
    net = Session(hidden=2).net  # the page's start at two neurons
    data = graph_nodes(playground, 4 + 5 * 2)  # x, y_hat, L, z1, a1 and 3H + 1 weights
    shown = dict(zip(data["label"], zip(data["value"], data["grad"])))
    fwd, grads = net.forward(X), net.point_gradients(X, Y)
    for j in (1, 2):
        assert shown[f"z1_{j}"][0] == pytest.approx(fwd.z1[2, j - 1], abs=1e-12)
        assert shown[f"a1_{j}"][0] == pytest.approx(fwd.a1[2, j - 1], abs=1e-12)
    assert shown["y_hat"][0] == pytest.approx(fwd.y_hat[2], abs=1e-12)
    for k, name in enumerate(net.names):
        assert shown[name] == pytest.approx((net.theta[k], grads[2, k]), abs=1e-12)


def test_a_link_explains_one_gradient(playground):
    page = playground.open("/?why=w1&point=2")
    playground.wait(lambda: "-0.0723" in chain_text(playground), what="dL/dw1 at point 2")
    text = chain_text(playground)
    assert "(-0.5867) · (0.3000) · (0.2055) · (2.0000)" in text and "agrees to 1e-" in text
    playground.click(".tn-step")  # the URL is rewritten on a change
    playground.wait(lambda: "epoch=1" in page.url, what="the rewritten URL")
    assert "point=2" in page.url and "why=" not in page.url  # why is at its default
    playground.open("/?why=w1&point=mean")
    playground.wait(lambda: "-0.0156" in chain_text(playground), what="the mean dL/dw1")
    playground.open("/?hidden=2&why=b1_2&point=9")
    notice = playground.wait(lambda: playground.text(".tn-notice"), what="a notice")
    assert "point='9' was ignored" in notice
    assert "∂L/∂b₁[2]" in chain_text(playground)


def test_slow_motion_ends_where_step_ends(playground):
    playground.open("/")
    playground.reach("graph")
    playground.click(".tn-slowmo")
    phase = lambda: playground.text(".tn-phase")  # noqa: E731
    playground.wait(lambda: "Phase 1 of 8: forward pass" in phase(), what="the first phase")
    for n in range(2, 8):
        playground.click(".tn-next")
        playground.wait(lambda: f"Phase {n} of 8" in phase(), what=f"phase {n}")
        assert playground.epoch() == 0  # nothing moves before the last phase
    playground.click(".tn-back")
    playground.wait(lambda: "Phase 6 of 8" in phase(), what="back to phase 6")
    playground.click(".tn-next")
    playground.wait(lambda: "Phase 7 of 8: averaging" in phase(), what="the averaging")
    playground.click(".tn-next")
    playground.wait(lambda: "Phase 8 of 8: update" in phase(), what="the update")
    playground.wait(lambda: playground.epoch() == 1, what="the step taken")
    stepped = Session()
    stepped.param.trigger("step")
    assert playground.loss() == pytest.approx(stepped.loss(), abs=5e-7)
    assert f"{playground.loss():.4f}" == "0.1238"
    assert re.search(r"0\.5000 − 0\.5 · g = 0\.5078", playground.text(".tn-phase-text"))
    np.testing.assert_allclose(graph_nodes(playground, 9)["value"][-4:], stepped.net.theta,
                               atol=1e-12)
    playground.click(".tn-next")  # Done
    playground.wait(lambda: not playground.page.locator(".tn-phase").first.is_visible(),
                    what="slow motion closed")
