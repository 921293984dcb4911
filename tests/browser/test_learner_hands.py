"""What a learner's hands do in Chromium: raise the learning rate step by step while training,
and open links that are wrong in every way; the page keeps working and never shows a
traceback or a server path."""
import math

import pytest

from tools.page import DEEP_TEXT_JS

pytestmark = pytest.mark.browser

LEAKS = ("Traceback", "site-packages", "/work/", "/root/", "File \"", "Error:")


def page_text(page) -> str:
    """Everything the page says, shadow roots included."""
    return page.locator("body").evaluate(DEEP_TEXT_JS)


def test_raising_the_learning_rate_to_10_in_many_steps_while_training(playground):
    page = playground.open("/")
    train = page.locator(".tn-train button")
    train.click()
    playground.wait(lambda: "Pause" in train.inner_text(), what="training to start")
    handle = page.locator(".tn-learning-rate .noUi-handle")
    handle.focus()
    for _ in range(14):  # tenths of a decade: from 0.5 to 10, one key press at a time
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(15)
    playground.wait(lambda: "Train" in train.inner_text(), timeout=20, what="training to stop")
    assert "diverged" in playground.text(".tn-message")
    page.wait_for_timeout(500)  # the sliders and readouts catch up after the stop
    weights = playground.slider_values()
    assert all(math.isfinite(w) and abs(w) < 1e3 for w in weights), weights
    shown = playground.text(".tn-loss").split()[-1]
    assert len(shown) <= 10 and math.isfinite(float(shown)), shown
    playground.reach("tables")  # scrolled down to them: built then (app/views/lazy.py)
    for css in (".tn-forward-table", ".tn-loss-table", ".tn-gradient-table"):
        cells = page.locator(f"{css} td").all_inner_texts()
        assert cells and max(map(len, cells)) <= 11, (css, cells)


HOSTILE_LINKS = [
    "/?points=1:0,1:1,1:0.5",  # every x the same
    "/?points=2:1&data=step",  # a preset and one point
    "/?w1=1e400&b2=-1e6&hidden=%00",
    "/?points=a:b,%3Cscript%3E:1&epoch=-5&lr=1e-9",
    "/?hidden=2&w1=1&opt=%F0%9F%98%80&seed=99999999999999999999",
    "/?w1=1e6&b2=-1e6",  # huge but allowed: numbers must still fit
]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_a_hostile_link_gives_the_page_and_a_notice(playground, link):
    page = playground.open(link)
    text = page_text(page)
    for leak in LEAKS:
        assert leak not in text, (leak, link)
    if link != "/?w1=1e6&b2=-1e6":
        playground.wait(page.locator(".tn-notice").is_visible, what="a notice")
    shown = playground.text(".tn-loss").split()[-1]
    assert len(shown) <= 10, shown
    playground.click(".tn-step")  # and the page still works
    playground.wait(lambda: playground.epoch() == 1, what="a step")
