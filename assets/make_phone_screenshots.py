"""Take the phone screenshots, 390 × 844 px (the first screen each, not the full page).

    python assets/make_phone_screenshots.py   # serves the app on a free port, writes assets/*.png

phone-start.png: the whole page's first screen (the fit above the weights);
phone-lesson-1.png … phone-lesson-7.png: each guided lesson as its link opens it;
phone-hidden-2.png: two neurons, scrolled to the computation graph (it scrolls sideways in its
own box).
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.page import reach  # noqa: E402
from tools.server import in_process  # noqa: E402

PHONE = {"width": 390, "height": 844}
SHOTS = {"phone-start": "/", **{f"phone-lesson-{n}": f"/?lesson={n}" for n in range(1, 8)},
         "phone-hidden-2": "/?hidden=2"}


def main():
    with in_process() as url, sync_playwright() as p:
        browser = p.chromium.launch(**launch_options(tempfile.mkdtemp(), find_chromium()))
        page = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
        for name, path in SHOTS.items():
            page.goto(url + path)
            page.wait_for_selector(".tn-train button", timeout=60_000)
            page.wait_for_timeout(1500)
            if name == "phone-hidden-2":
                reach(page, "graph")
                page.locator(".tn-graph").first.scroll_into_view_if_needed()
                page.wait_for_timeout(800)
            page.screenshot(path=HERE / f"{name}.png")
            print(name, page.evaluate("document.documentElement.scrollWidth"), "px wide")
        browser.close()


if __name__ == "__main__":
    main()
