"""Take the README's pictures of "Backpropagation, step by step" in headless Chromium, 1280 wide.

    python assets/make_backprop_shots.py     # serves the app on a free port, writes assets/*.png

backprop-graph.png (two neurons, the mean), backprop-chain.png (?why=w1&point=2 at the
article's start) and backprop-slowmo.png (slow motion at the backward pass of point 2).
"""
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.server import in_process  # noqa: E402

WIDTH = 1280


def open_page(browser, url):
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(url)
    page.wait_for_selector(".tn-graph", timeout=30_000)
    time.sleep(1.5)
    return page


def shoot(locator, path):
    locator.scroll_into_view_if_needed()
    time.sleep(0.4)
    locator.screenshot(path=path)
    print("wrote", path)


def main():
    with in_process() as url, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(home, find_chromium()))
        page = open_page(browser, f"{url}/?hidden=2&why=w2_1")
        shoot(page.locator(".tn-block-graph").first, HERE / "backprop-graph.png")
        page.close()

        page = open_page(browser, f"{url}/?why=w1&point=2")
        shoot(page.locator(".tn-chain .tn-chain-text").first, HERE / "backprop-chain.png")
        page.close()

        page = open_page(browser, f"{url}/")
        page.locator(".tn-slowmo button").first.click()
        for _ in range(3):  # forward pass, loss, backward pass point 1, point 2
            time.sleep(0.4)
            page.locator(".tn-next button").first.click()
        time.sleep(1.0)
        shoot(page.locator(".tn-block-graph").first, HERE / "backprop-slowmo.png")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
