"""Going back in training in headless Chromium: the timeline slider by keyboard, a click on the
loss curve, and training on from a past epoch; the page shows the network training had there."""
import numpy as np
import pytest

import tinynet

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def article_after(epochs: int) -> tinynet.Network:
    net = tinynet.Network(**tinynet.ARTICLE)
    tinynet.Trainer(net, X, Y, tinynet.GradientDescent(0.5)).run(epochs)
    return net


def epoch_text(playground) -> str:
    return playground.text(".tn-epoch")


def test_going_back_by_keyboard_and_by_a_click_then_training_on(playground):
    page = playground.open("/")
    playground.click(".tn-train")
    playground.wait(lambda: playground.epoch() > 300, what="training")
    playground.click(".tn-train")
    playground.wait(lambda: "Train" in playground.text(".tn-train"), what="paused")
    page.wait_for_timeout(300)
    end = playground.epoch()

    handle = page.locator(".tn-timeline .noUi-handle")
    handle.focus()
    page.keyboard.press("Home")
    playground.wait(lambda: epoch_text(playground) == f"epoch 0 of {end:,}", what="epoch 0")
    assert "0.126712" in playground.text(".tn-loss")
    playground.wait(lambda: playground.slider_values() == pytest.approx([0.5, -0.1, 0.3, 0.2]),
                    what="the starting weights on the sliders")

    page.keyboard.press("ArrowRight")
    playground.wait(lambda: epoch_text(playground).startswith("epoch 1 of"), what="epoch 1")
    assert "0.123780" in playground.text(".tn-loss")  # FIGURES.md: after one step
    one = article_after(1).theta
    playground.wait(lambda: np.allclose(playground.slider_values(), one, atol=0.005),
                    what="the weights after one step")

    page.keyboard.press("End")
    playground.wait(lambda: epoch_text(playground) == f"epoch {end}", what="the end again")

    # a click on the loss curve, about the middle of its epochs
    canvas = page.locator(".tn-block-loss canvas").first
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5)
    playground.wait(lambda: " of " in epoch_text(playground), what="a click goes back")
    shown = playground.epoch()
    assert 0 < shown < end
    net = article_after(shown)
    assert playground.loss() == pytest.approx(net.loss(X, Y), abs=5e-7)
    curve = playground.source("fit_curve")
    np.testing.assert_allclose(curve["y"], net.predict(curve["x"]), rtol=1e-9, atol=1e-12)

    playground.click(".tn-step")
    playground.wait(lambda: epoch_text(playground) == f"epoch {shown + 1}",
                    what="a step goes on from there")
    assert f"from epoch {shown:,}" in playground.text(".tn-message")
    assert playground.loss() == pytest.approx(article_after(shown + 1).loss(X, Y), abs=5e-7)
    assert max(playground.source("loss_history")["epoch"]) == shown + 1
