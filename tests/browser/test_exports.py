"""The export buttons in Chromium: each file arrives from its own press, by mouse and by
keyboard, and holds the network as it is at that press."""
import json

import pytest

pytestmark = pytest.mark.browser


def download(page, press) -> tuple[str, str]:
    """The name and text of the file one ``press()`` brings (fails if none comes in 5 s)."""
    with page.expect_download(timeout=5000) as info:
        press()
    d = info.value
    return d.suggested_filename, open(d.path(), encoding="utf-8").read()


def test_each_export_arrives_from_its_own_click_or_key(playground):
    page = playground.open("/")
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="one step")
    page.locator(".tn-export-card .card-header").first.click()
    weights = page.locator(".tn-export-weights button")
    playground.wait(weights.count, what="the export buttons")

    name, text = download(page, weights.click)
    assert name == "weights.json" and json.loads(text)["epoch"] == 1

    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 2, what="a second step")
    weights.focus()
    name, text = download(page, lambda: page.keyboard.press("Enter"))
    assert name == "weights.json" and json.loads(text)["epoch"] == 2  # as it is now

    page.locator(".tn-export-loss button").focus()
    name, text = download(page, lambda: page.keyboard.press("Space"))
    assert name == "loss.csv" and len(text.strip().splitlines()) == 1 + 3  # epochs 0, 1, 2

    name, text = download(page, page.locator(".tn-export-snippet button").click)
    assert name == "network.py" and "from tinynet import" in text
