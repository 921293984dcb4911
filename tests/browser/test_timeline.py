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


# the article's start with two neurons, the second's w1 nudged so that the two can part
TWO = "/?hidden=2&w1=0.5,0.6&b1=-0.1,-0.1&w2=0.3,0.3&b2=0.2&speed=10000"


def film_label(playground) -> str:
    return playground.text(".tn-timeline-play")


def test_playing_the_run_back_and_going_to_its_moments(playground):
    page = playground.open(TWO)
    playground.click(".tn-train")
    playground.wait(lambda: playground.epoch() > 5000, what="training past the bump")
    playground.click(".tn-train")
    playground.wait(lambda: "Train" in playground.text(".tn-train"), what="paused")
    end = playground.epoch()
    moments = page.locator(".tn-moment button:visible")
    playground.wait(lambda: moments.count() == 2 and "bump forms" in playground.text(
        ".tn-moments"), what="the plateau exit and the bump as moments")

    # play forwards from the start at 1,000 epochs/s: the epoch and the fit move on
    page.locator(".tn-timeline .noUi-handle").focus()
    page.keyboard.press("Home")
    playground.wait(lambda: playground.epoch() == 0, what="the start")
    page.locator(".tn-film-speed select").select_option(label="1,000 epochs/s")
    before = playground.source("fit_curve")["y"]
    playground.click(".tn-timeline-play")
    playground.wait(lambda: "Pause" in film_label(playground), what="playing")
    playground.wait(lambda: 300 < playground.epoch() < end, what="the film moves on")
    assert playground.source("fit_curve")["y"] != before
    playground.click(".tn-timeline-play")
    playground.wait(lambda: "Play training back" in film_label(playground), what="paused")
    page.wait_for_timeout(200)
    paused = playground.epoch()
    page.wait_for_timeout(400)
    assert playground.epoch() == paused < end
    net = article_two_after(paused)
    assert playground.loss() == pytest.approx(net.loss(X, Y), abs=5e-7)

    # backwards: the epoch goes down
    playground.click(".tn-film-direction", "backwards")
    playground.click(".tn-timeline-play")
    playground.wait(lambda: playground.epoch() < paused - 200, what="the film runs backwards")
    playground.click(".tn-timeline-play")
    playground.wait(lambda: "Play training back" in film_label(playground), what="paused")

    # a moment by keyboard: Tab to it, Enter; the epoch shown has w2 of opposite signs
    bump = moments.filter(has_text="bump forms")
    epoch = int(bump.inner_text().split(":")[0].split()[-1].replace(",", ""))
    bump.focus()
    page.keyboard.press("Enter")
    playground.wait(lambda: epoch_text(playground) == f"epoch {epoch} of {end:,}",
                    what="the bump's epoch")
    w = playground.weights()
    assert w["w2_1"] * w["w2_2"] < 0
    before = article_two_after(epoch - 1).w2
    assert before[0] * before[1] > 0  # one epoch earlier they had one sign

    # Train while the film plays stops the film and trains on
    playground.click(".tn-timeline-play")
    playground.wait(lambda: "Pause" in film_label(playground), what="playing")
    playground.click(".tn-train")
    playground.wait(lambda: "Play training back" in film_label(playground),
                    what="Train stops the film")


def article_two_after(epochs: int) -> tinynet.Network:
    net = tinynet.Network([0.5, 0.6], [-0.1, -0.1], [0.3, 0.3], 0.2)
    tinynet.Trainer(net, X, Y, tinynet.GradientDescent(0.5)).run(epochs)
    return net


COUNT_REPLACES_JS = """
() => {
  window.__replaced = 0;
  const replace = history.replaceState.bind(history);
  history.replaceState = (...args) => { window.__replaced += 1; return replace(...args); };
}
"""


def test_a_film_rewrites_the_address_once_a_second_and_ends_on_its_last_epoch(playground):
    page = playground.open("/?hidden=2&speed=10000")
    playground.click(".tn-train")
    playground.wait(lambda: playground.epoch() > 3000, what="training")
    playground.click(".tn-train")
    playground.wait(lambda: "Train" in playground.text(".tn-train"), what="paused")
    end = playground.epoch()
    page.locator(".tn-film-speed select").select_option(label="10,000 epochs/s")
    page.evaluate(COUNT_REPLACES_JS)
    started = page.evaluate("performance.now()")
    playground.click(".tn-timeline-play")  # at the end: from the start again
    playground.wait(lambda: "Pause" in film_label(playground), what="playing")
    playground.wait(lambda: "Play training back" in film_label(playground), timeout=30,
                    what="the film's end")
    seconds = (page.evaluate("performance.now()") - started) / 1000
    assert playground.epoch() == end
    # a frame's address each frame would be ~40 a second (Chromium throttles that, too)
    playground.wait(lambda: f"epoch={end}" in page.url or "epoch=" not in page.url,
                    what="the address at the film's last epoch")
    assert page.evaluate("window.__replaced") <= seconds + 3
