"""Take the README's screenshots of the playground in headless Chromium.

    python assets/make_screenshots.py        # serves the app on a free port, writes assets/*.png

Whole pages (playground-*.png), then one cropped picture per view of "seeing why" (view-*.png):
the sidebar's gradient nudges and ghost ticks, the network diagram, the loss landscape with a
training path, and the race after ~3 s.
"""
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.page import reach  # noqa: E402
from tools.server import Server  # noqa: E402

SHOTS = [  # file, query, seconds of training
    ("playground-start.png", "", 0),
    ("playground-trained-1-neuron.png", "?speed=5000", 2.5),
    ("playground-trained-2-neurons.png", "?hidden=2&speed=2000", 1.0),
]

# The element that holds the view drawing Bokeh source `name`: the figure's view, or the
# layout `up` levels above it (Panel's Column/Row models). Marked with data-shot for a
# Playwright locator, which scrolls to it and crops to it.
MARK_VIEW_JS = """
([name, up, mark]) => {
  const models = [...Bokeh.documents[0].all_models];
  let target = models.find((m) => Array.isArray(m.renderers) && m.renderers.some(
    (r) => r.data_source && r.data_source.name === name));
  for (let i = 0; i < up; i++)
    target = models.find((m) => Array.isArray(m.children) && m.children.some(
      (c) => c === target || (Array.isArray(c) && c.includes(target))));
  Bokeh.index.find_one(target).el.setAttribute('data-shot', mark);
}
"""


def view_shot(page, name, up, path):
    """Screenshot the view drawing source ``name`` (``up`` layouts above its figure)."""
    page.evaluate(MARK_VIEW_JS, [name, up, path.stem])
    page.locator(f"[data-shot='{path.stem}']").screenshot(path=path)
    print("wrote", path)


def press(page, css, times=1, gap=0.3):
    for _ in range(times):
        page.locator(f"{css} button").first.click()
        time.sleep(gap)


def view_shots(browser, base):
    """view-gradients (lr 2), view-landscape then view-race (one session), view-diagram (H=2)."""
    def open_page(query):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/{query}")
        page.wait_for_selector(".tn-weights .noUi-handle", timeout=30_000)
        time.sleep(1.5)
        return page

    # A ghost tick shows once a step moves a weight by more than the handle's half-width (~0.7
    # on a ±8 track); near the article's start steps at lr 0.5 are < 0.05, under the handles. With
    # lr 2, three steps from the article's start overshoot and w2, b2 will jump by 1.2 and 1.6.
    page = open_page("?lr=2")
    press(page, ".tn-step", 3)
    page.mouse.move(1390, 990)  # no tooltip over the sidebar
    time.sleep(0.8)
    page.locator(".tn-sidebar").first.screenshot(path=HERE / "view-gradients.png")
    print("wrote", HERE / "view-gradients.png")
    page.close()

    page = open_page("?speed=300")
    reach(page, "landscape", "race")  # built when scrolled near (app/views/lazy.py)
    press(page, ".tn-train", gap=2.5)  # train so the landscape shows a path
    press(page, ".tn-train", gap=0.8)
    view_shot(page, "landscape_path", 1, HERE / "view-landscape.png")

    press(page, ".tn-race-run", gap=3.0)
    press(page, ".tn-race-run", gap=0.1)
    page.locator(".tn-race-run button", has_text="Start").wait_for(timeout=10_000)
    time.sleep(0.5)
    view_shot(page, "race_loss_1", 2, HERE / "view-race.png")
    page.close()

    page = open_page("?hidden=2")
    reach(page, "diagram")
    view_shot(page, "diagram_edges", 1, HERE / "view-diagram.png")
    page.close()


def main():
    with Server() as server, sync_playwright() as p, tempfile.TemporaryDirectory() as home:
        browser = p.chromium.launch(**launch_options(home, find_chromium()))
        for name, query, seconds in SHOTS:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/{query}")
            page.wait_for_selector(".tn-weights .noUi-handle", timeout=30_000)
            time.sleep(1)
            if seconds:
                page.locator(".tn-train button").click()
                time.sleep(seconds)
                page.locator(".tn-train button").click()
                time.sleep(1)
            page.screenshot(path=HERE / name, full_page=True)
            page.close()
            print("wrote", HERE / name)
        view_shots(browser, server.url)
        browser.close()


if __name__ == "__main__":
    main()
