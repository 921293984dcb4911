"""Take the picture of a run's moments: two neurons from the article's start (the second
neuron's w1 nudged so they can part) trained past the bump, then taken to the moment the bump
forms by its label under the timeline (timeline-moments.png).

    python assets/make_moments_screenshot.py
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.server import Server  # noqa: E402

TWO = "/?hidden=2&w1=0.5,0.6&b1=-0.1,-0.1&w2=0.3,0.3&b2=0.2&speed=3000"


def main():
    with Server() as server, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(Path(home), find_chromium()))
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(server.url + TWO)
        page.wait_for_selector(".tn-train", timeout=30000)
        page.wait_for_timeout(1500)
        page.locator(".tn-train button").click()
        page.wait_for_timeout(2500)
        page.locator(".tn-train button").click()
        page.wait_for_timeout(1000)
        page.locator(".tn-moment button", has_text="bump forms").click()
        page.wait_for_timeout(1500)
        page.locator(".tn-results").first.screenshot(path=HERE / "timeline-moments.png")
        browser.close()


if __name__ == "__main__":
    main()
