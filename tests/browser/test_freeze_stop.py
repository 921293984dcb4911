"""Frozen weights and training that stops where the learner says (issue #29, items 4 and 5),
in headless Chromium: what a learner does, read off the page."""
import pytest

pytestmark = pytest.mark.browser

LOCK_STATE_JS = "(b) => [b.getAttribute('aria-label'), b.getAttribute('aria-pressed')]"


def test_a_weight_locked_by_keyboard_stays_while_training_and_one_locked_by_mouse_too(playground):
    page = playground.open("/?hidden=2&speed=2000")
    start = playground.weights()
    lock = page.locator(".tn-freeze-w2_1 button")
    assert lock.evaluate(LOCK_STATE_JS) == ["freeze w₂₁", "false"]
    lock.focus()
    page.keyboard.press("Space")  # the lock, by keyboard
    playground.wait(lambda: "freeze=w2_1" in page.url, what="w2_1 frozen in the link")
    playground.wait(lambda: page.locator(".tn-freeze-w2_1 button").evaluate(LOCK_STATE_JS)
                    == ["freeze w₂₁", "true"], what="the lock pressed, by name")
    page.locator(".tn-freeze-b2 button").click()  # and one by mouse
    playground.wait(lambda: "freeze=w2_1%2Cb2" in page.url or "freeze=w2_1,b2" in page.url,
                    what="b2 frozen too")
    page.locator(".tn-train button").click()
    playground.wait(lambda: playground.epoch() >= 800, what="800 epochs")
    page.locator(".tn-train button").click()
    playground.wait(lambda: "Train" in page.locator(".tn-train button").inner_text(),
                    what="paused")
    page.wait_for_timeout(300)  # the sliders catch up on Pause
    now = playground.weights()
    assert now["w2_1"] == start["w2_1"] and now["b2"] == start["b2"]
    assert now["w1_1"] != start["w1_1"] and now["w2_2"] != start["w2_2"]  # the rest trained
    push = page.locator(".tn-nudge-w2_1 .tn-push").get_attribute("title")
    assert "but it is frozen" in push  # its gradient is still shown
    page.locator(".tn-weights").screenshot(path="assets/freeze-locks.png")


def test_a_link_with_stop_epoch_1000_trains_exactly_1000_epochs_on_one_press(playground):
    page = playground.open("/?stop_epoch=1000&speed=3000")
    assert page.locator(".tn-stop-epoch input").input_value() == "1000"
    page.locator(".tn-train button").click()
    playground.wait(lambda: "Stopped at epoch 1,000, as you asked." in
                    playground.text(".tn-stopped"), timeout=15, what="the stop's message")
    assert "Train" in page.locator(".tn-train button").inner_text()
    assert playground.epoch() == 1000
    page.wait_for_timeout(300)
    assert playground.epoch() == 1000  # not one epoch more
    page.locator(".tn-sidebar").screenshot(path="assets/stop-epoch.png")
