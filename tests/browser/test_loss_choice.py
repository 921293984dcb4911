"""The loss choice and weight decay in headless Chromium (issue #29): what a learner does with
them, read off the page and checked against tinynet."""
import pytest

import tinynet
from app.session import slot_names

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
FLOOR = tinynet.monotonic_floor(X, Y, "cross_entropy")  # 0.4774 on the article's data


def test_cross_entropy_trains_one_neuron_down_to_its_own_floor(playground):
    page = playground.open("/?speed=10000")
    page.locator(".tn-settings-card").first.click()  # open the card
    page.locator(".tn-loss-choice select").select_option(label="cross-entropy (sigmoid output)")
    start = tinynet.Network(**tinynet.ARTICLE, loss="cross_entropy").loss(X, Y)
    playground.wait(lambda: abs(playground.loss() - start) < 5e-7, what="cross-entropy's loss")
    assert "cross-entropy" in playground.text(".tn-loss").lower()
    assert "loss=cross_entropy" in page.url
    page.locator(".tn-train button").click()
    playground.wait(lambda: playground.loss() < FLOOR + 2e-3, timeout=30,
                    what=f"the loss near the cross-entropy floor {FLOOR:.4f}")
    page.locator(".tn-train button").click()
    assert FLOOR <= playground.loss() < FLOOR + 2e-3
    why = playground.text(".tn-why")
    assert "stuck at 0.4774" in why and "cross-entropy" in why and "1/12" not in why
    history = playground.source("loss_history")  # squared error's at epoch 0, then the mark
    assert history["loss"][1] == pytest.approx(start) and min(history["loss"][1:]) >= FLOOR
    page.screenshot(path="assets/loss-cross-entropy.png", full_page=False)


def test_weight_decay_set_by_keyboard_while_training_splits_the_readout(playground):
    page = playground.open("/")
    page.locator(".tn-settings-card").first.click()
    page.locator(".tn-train button").click()
    playground.wait(lambda: playground.epoch() > 0, what="training to start")
    handle = page.locator(".tn-decay .noUi-handle")
    handle.focus()
    page.keyboard.press("End")  # λ = 1
    for _ in range(10):  # ten steps of a tenth of a decade down: λ = 0.1
        page.keyboard.press("ArrowLeft")
    playground.wait(lambda: "decay=0.1" in page.url, what="λ 0.1 in the link")
    playground.wait(lambda: "penalty" in playground.text(".tn-loss").lower(), what="the penalty")
    page.locator(".tn-train button").click()
    playground.wait(lambda: "Train" in page.locator(".tn-train button").inner_text(),
                    what="paused")
    page.wait_for_timeout(300)
    words = playground.text(".tn-loss").split()
    loss, data, penalty = (float(words[i]) for i in (2, 5, 8))
    assert loss == pytest.approx(data + penalty, abs=2e-6)
    assert "no floor line is drawn" in playground.text(".tn-why")
    handle.focus()
    page.keyboard.press("Home")  # off
    playground.wait(lambda: "penalty" not in playground.text(".tn-loss").lower(), what="off")
    assert "decay=" not in page.url


def test_switching_to_cross_entropy_while_training_keeps_the_page_consistent(playground):
    """Cross-entropy chosen mid-training: training goes on under it, the switch is a mark on
    the history, and once paused the readout is tinynet's cross-entropy at the weights the
    sliders show."""
    page = playground.open("/?speed=1000")
    page.locator(".tn-settings-card").first.click()
    page.locator(".tn-train button").click()
    playground.wait(lambda: playground.epoch() > 200, what="training under squared error")
    page.locator(".tn-loss-choice select").select_option(label="cross-entropy (sigmoid output)")
    playground.wait(lambda: "loss=cross_entropy" in page.url, what="cross-entropy chosen")
    switched = playground.epoch()
    playground.wait(lambda: playground.epoch() > switched + 500, what="training on")
    page.locator(".tn-train button").click()
    playground.wait(lambda: "Train" in page.locator(".tn-train button").inner_text(),
                    what="paused")
    page.wait_for_timeout(300)
    assert "cross-entropy" in playground.text(".tn-loss").lower()
    shown = playground.weights()
    theta = [shown[name] for name in slot_names(1)]
    net = tinynet.Network.from_theta(theta, "sigmoid", "cross_entropy")
    assert playground.loss() == pytest.approx(net.loss(X, Y), abs=6e-5)  # 4 decimals shown
    history = playground.source("loss_history")
    assert history["loss"][-1] == pytest.approx(net.loss(X, Y), rel=1e-6)
