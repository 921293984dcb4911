"""Links and mistakes in headless Chromium: shared links restore; bad ones, divergence explained."""
import math

import pytest

import tinynet

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
SHOWN = 5e-7  # the loss readout shows 6 decimals


def test_a_shared_link_restores_width_weights_and_learning_rate(playground):
    page = playground.open("/?hidden=2&w1=1,2&b1=-1,-3&w2=0.5,-0.5&b2=0.1&lr=0.2")
    shared = tinynet.Network([1, 2], [-1, -3], [0.5, -0.5], 0.1)
    assert page.locator(".tn-weights .noUi-target").count() == 7
    assert playground.slider_values() == pytest.approx(shared.theta.tolist())
    assert playground.loss() == pytest.approx(shared.loss(X, Y), abs=SHOWN)
    assert "learning rate: 0.20" in playground.text(".tn-learning-rate")
    assert not page.locator(".tn-notice").is_visible()

    # a Step from there trains with the link's learning rate
    trainer = tinynet.Trainer(shared.copy(), X, Y, tinynet.GradientDescent(0.2))
    trainer.run(1)
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    assert playground.loss() == pytest.approx(trainer.loss, abs=SHOWN)
    # and the rewritten URL still says what the link said (no float drift through log10)
    playground.wait(lambda: "w1=" + repr(float(trainer.net.w1[0])) in page.url, what="the URL")
    assert "lr=0.2&" in page.url and "hidden=2&" in page.url


def test_a_bad_link_is_named_and_the_defaults_work(playground):
    page = playground.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    playground.open("/?hidden=7&w1=abc&lr=nan&b2=%3Cscript%3Ealert(1)%3C/script%3E")
    notice = page.locator(".tn-notice")
    playground.wait(notice.is_visible, what="the notice")
    text = playground.text(".tn-notice")
    for key in ("hidden=", "w1=", "lr=", "b2="):
        assert key in text, f"{key} not named in {text!r}"
    assert "<script>alert(1)</script>" in text  # quoted as text ...
    assert page.locator(".tn-notice script").count() == 0  # ... never run
    assert dialogs == []

    start = tinynet.Network(**tinynet.ARTICLE)
    assert page.locator(".tn-weights .noUi-target").count() == 4
    assert playground.loss() == pytest.approx(start.loss(X, Y), abs=SHOWN)
    trainer = tinynet.Trainer(start, X, Y, tinynet.GradientDescent(0.5))
    trainer.run(1)
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    assert playground.loss() == pytest.approx(trainer.loss, abs=SHOWN)


def test_a_diverging_learning_rate_stops_training_with_a_message(playground):
    page = playground.open("/?lr=10&speed=10000")
    message = page.locator(".tn-message")
    assert not message.is_visible()
    train = page.locator(".tn-train button")
    train.click()
    playground.wait(message.is_visible, what="the divergence message")
    assert "diverged" in playground.text(".tn-message")
    playground.wait(lambda: "Train" in train.inner_text(), what="training to stop")
    loss = playground.loss()
    assert math.isfinite(loss)
    # the weights went back to where the run started: epoch 0, the article's start
    assert playground.epoch() == 0
    assert loss == pytest.approx(tinynet.Network(**tinynet.ARTICLE).loss(X, Y), abs=SHOWN)
    page.wait_for_timeout(300)
    assert playground.epoch() == 0 and "Train" in train.inner_text()


def test_the_address_follows_a_drag_in_place_and_back_leaves(playground):
    """The URL says where the sliders are after every step, without a history entry per step:
    Back leaves the playground (Panel's location pushed one entry per change, and Back then
    changed the address but not the page)."""
    page = playground.open("/?w1=0.5")
    entries = page.evaluate("history.length")
    page.locator(".tn-weights .noUi-handle").first.focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
    playground.wait(lambda: "w1=0.58&" in page.url, what="the URL after 8 steps")
    assert page.evaluate("history.length") == entries
    page.go_back()
    playground.wait(lambda: "w1=" not in page.url, what="Back to the page before")
