"""Take the README's picture of runs compared: one neuron pinned (stalled at 1/12), two
neurons pinned (down to 1e-29), and a third run at a higher learning rate being trained
(runs-compared.png).

    python assets/make_runs_screenshot.py
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.server import Server  # noqa: E402


def train(page, seconds: float) -> None:
    page.locator(".tn-train button").click()
    page.wait_for_timeout(seconds * 1000)
    page.locator(".tn-train button").click()
    page.wait_for_timeout(800)


def main():
    with Server() as server, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(Path(home), find_chromium()))
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{server.url}/?hidden=1&speed=3000")
        page.wait_for_selector(".tn-train", timeout=30000)
        page.wait_for_timeout(1500)
        train(page, 2.5)
        page.locator(".tn-pin button").click()
        page.wait_for_timeout(300)
        page.locator(".tn-width button", has_text="2").first.click()
        page.wait_for_timeout(800)
        train(page, 2.5)
        page.locator(".tn-pin button").click()
        page.locator(".tn-learning-rate .noUi-handle").focus()
        page.keyboard.press("PageUp")
        page.locator(".tn-reset button").click()
        page.wait_for_timeout(500)
        train(page, 1.5)
        page.wait_for_timeout(1500)
        page.locator(".tn-results").first.screenshot(path=HERE / "runs-compared.png")
        browser.close()


if __name__ == "__main__":
    main()
