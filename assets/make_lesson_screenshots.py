"""Take the screenshots of the guided lessons and of a teacher's link, 1280 px wide.

    python assets/make_lesson_screenshots.py   # serves the app on a free port, writes assets/*.png

lesson-4-step.png: lesson 4 after Step and the right pick (its task confirmed);
lesson-7-bump.png: lesson 7 after switching to two neurons and training past its goal;
teacher-show-fit-loss.png: the page a teacher's link ?show=fit,loss gives.
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.server import in_process  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}


def open_page(browser, url, tries=4):
    """A page at ``url`` whose stylesheets all came from the server. (A fresh in-process
    server sometimes gives its first sessions Panel's CDN stylesheet links, which fail offline
    and leave alerts unstyled; such a page is closed and opened again.)"""
    for _ in range(tries):
        page = browser.new_page(viewport=VIEWPORT)
        outside = []
        page.on("request", lambda r: r.url.startswith("http://127.0.0.1") or r.url.startswith(
            ("blob:", "data:")) or outside.append(r.url))
        page.goto(url)
        page.wait_for_selector(".tn-block-fit .bk-Figure", timeout=60_000)
        page.wait_for_timeout(1500)
        if not outside:
            return page
        print(f"{len(outside)} requests off this machine (e.g. {outside[0]}); opening again")
        page.close()
    raise RuntimeError(f"every page of {url} asked for files off this machine")


def shot(page, name, height=None):
    path = HERE / name
    size = page.evaluate("() => document.documentElement.scrollHeight")
    page.screenshot(path=path, clip={"x": 0, "y": 0, "width": VIEWPORT["width"],
                                     "height": min(height or size, size)})
    print("wrote", path)


def main():
    with in_process() as base, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(Path(home), find_chromium()))

        page = open_page(browser, f"{base}/?lesson=4")
        page.locator(".tn-step button").click()
        page.wait_for_timeout(800)
        page.locator(".tn-lesson-choice-b2 button").click()
        page.locator(".tn-lesson-done").wait_for(state="visible", timeout=10_000)
        page.mouse.move(1270, 890)
        page.wait_for_timeout(500)
        shot(page, "lesson-4-step.png", height=1010)
        page.close()

        page = open_page(browser, f"{base}/?lesson=7")
        page.locator(".tn-width button", has_text="2").first.click()
        page.wait_for_timeout(1000)
        page.locator(".tn-train button").click()
        page.locator(".tn-lesson-done").wait_for(state="visible", timeout=60_000)
        page.wait_for_timeout(1500)
        page.locator(".tn-train button").click()
        page.mouse.move(1270, 890)
        page.wait_for_timeout(800)
        shot(page, "lesson-7-bump.png", height=1150)
        page.close()

        page = open_page(browser, f"{base}/?show=fit,loss")
        shot(page, "teacher-show-fit-loss.png", height=640)
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
