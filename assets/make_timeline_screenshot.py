"""Take the README's picture of going back in training: two neurons trained past the bump,
then the timeline dragged back to the plateau before it (timeline-scrubbed.png).

    python assets/make_timeline_screenshot.py
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.server import Server  # noqa: E402


def main():
    with Server() as server, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(Path(home), find_chromium()))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/?hidden=2&speed=3000")
        page.wait_for_selector(".tn-train", timeout=30000)
        page.wait_for_timeout(1500)
        page.locator(".tn-train button").click()
        page.wait_for_timeout(3000)
        page.locator(".tn-train button").click()
        page.wait_for_timeout(800)
        handle = page.locator(".tn-timeline .noUi-handle")
        box = page.locator(".tn-timeline .noUi-base").bounding_box()
        handle.hover()
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        page.wait_for_timeout(1500)
        page.locator(".tn-results").first.screenshot(path=HERE / "timeline-scrubbed.png")
        browser.close()


if __name__ == "__main__":
    main()
