"""Everyone can use it (issue 15), in headless Chromium: an axe-core audit, keyboard only, what a
screen reader is told, and the layout at a phone's and a school laptop's width."""
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import axe_playwright_python
import pytest
from PIL import Image

import tinynet
from app.lessons import LESSONS
from app.views.base import PREDICTION, WIDTH_COLORS
from tests.conftest import Playground

pytestmark = pytest.mark.browser

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
BLOCKING = {"critical", "serious"}

# The element that has the focus, through shadow roots, and the classes of its shadow host.
FOCUS_JS = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  const root = el && el.getRootNode();
  return {tag: el ? el.tagName : null, host: root && root.host ? root.host.className : '',
          text: el ? (el.textContent || '').trim().slice(0, 40) : ''};
}"""

# An attribute of the first element matching `sel` inside the shadow root of host `host`.
DEEP_ATTR_JS = """([host, sel, attr]) => {
  const find = (root) => {
    const h = root.querySelector(host);
    if (h) return h;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
      const f = find(el.shadowRoot); if (f) return f; }
    return null;
  };
  const h = find(document);
  const el = h && h.shadowRoot && h.shadowRoot.querySelector(sel);
  return el ? el.getAttribute(attr) : null;
}"""

# Boxes of the page's leaf components (shadow hosts holding no other host) that overlap the
# box of the component with class `cls` (the first inside a host of class `outer`, if given).
OVERLAPS_JS = """([outer, cls]) => {
  const hosts = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
    hosts.push(el); walk(el.shadowRoot); } };
  walk(document);
  const isLeaf = (h) => ![...h.shadowRoot.querySelectorAll('*')].some((e) => e.shadowRoot);
  const shown = (h) => { const r = h.getBoundingClientRect(); const s = getComputedStyle(h);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.display !== 'none'
      && !h.classList.contains('tn-sr-only'); };
  const within = (h, top) => {
    for (let n = h; n; n = n.getRootNode().host) if (n === top) return true;
    return false;
  };
  const box = outer ? hosts.find((h) => h.classList.contains(outer)) : null;
  const target = hosts.find((h) => h.classList.contains(cls) && (!box || within(h, box)));
  if (!target) return null;
  const inside = (h) => within(h, target);
  const t = target.getBoundingClientRect();
  const out = [];
  for (const h of hosts) {
    if (h === target || inside(h) || !isLeaf(h) || !shown(h)) continue;
    const r = h.getBoundingClientRect();
    const w = Math.min(r.right, t.right) - Math.max(r.left, t.left);
    const hgt = Math.min(r.bottom, t.bottom) - Math.max(r.top, t.top);
    if (w > 1 && hgt > 1) out.push(h.className + ' ' + Math.round(w) + 'x' + Math.round(hgt));
  }
  return out;
}"""


def audit(page) -> list[dict]:
    """axe-core's violations on the page as it is (shadow roots included)."""
    page.add_script_tag(content=AXE)
    return page.evaluate("""async () => (await axe.run(document)).violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' >> '))}))""")


def assert_no_blocking(page, where: str) -> None:
    violations = audit(page)
    for v in violations:
        if v["impact"] not in BLOCKING:  # printed for the record (pytest -s shows them)
            print(f"[{where}] {v['impact']} {v['id']}: {v['help']} {v['targets']}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{where}: {blocking}"


def focus(page) -> dict:
    return page.evaluate(FOCUS_JS)


def wait_ready(playground: Playground) -> None:
    """The page script has run: the live region and the slider names are in place."""
    playground.wait(lambda: playground.page.evaluate(
        DEEP_ATTR_JS, [".tn-weight-w1_1", ".noUi-handle", "aria-label"]), timeout=15,
        what="the page script's slider names")


def test_axe_start_page_two_neurons_and_open_cards(playground):
    page = playground.open("/")
    wait_ready(playground)
    assert_no_blocking(page, "start")
    playground.click(".tn-width", "2")
    playground.wait(lambda: page.locator(".tn-weights .noUi-target").count() == 7,
                    what="7 sliders for two neurons")
    page.wait_for_timeout(300)
    assert_no_blocking(page, "H=2")
    for card in (".tn-settings-card", ".tn-export-card"):
        page.locator(f"{card} .card-header").first.click()
    page.wait_for_timeout(800)
    assert_no_blocking(page, "cards open")


def test_axe_on_a_phone(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    try:
        tab = Playground(context.new_page(), app_url)
        page = tab.open("/")
        wait_ready(tab)
        assert_no_blocking(page, "390 px")
        assert not tab.errors and not tab.outside
    finally:
        context.close()


def test_keyboard_only(playground):
    page = playground.open("/")
    wait_ready(playground)
    reached = []
    page.locator("body").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(focus(page)["host"])
    hosts = " | ".join(reached)
    for part in ("tn-train", "tn-step", "tn-reset", "tn-width", "tn-learning-rate",
                 *(f"tn-weight-{s}" for s in ("w1_1", "b1_1", "w2_1", "b2"))):
        assert part in hosts, f"Tab never reached {part}: {reached}"
    # in reading order: Train, Step, Reset, width, then the weights
    first = [next(i for i, h in enumerate(reached) if part in h)
             for part in ("tn-train", "tn-step", "tn-reset", "tn-width", "tn-weight-w1_1")]
    assert first == sorted(first), reached

    # Space on Train starts, Space again pauses, and the focus stays on Train
    page.locator(".tn-train button").focus()
    page.keyboard.press("Space")
    playground.wait(lambda: playground.epoch() > 0, what="training to start")
    assert "tn-train" in focus(page)["host"] and "Pause" in focus(page)["text"]
    page.keyboard.press("Space")
    train = page.locator(".tn-train button")
    playground.wait(lambda: "Train" in train.inner_text(), what="paused")
    paused = playground.epoch()
    page.wait_for_timeout(400)
    assert playground.epoch() == paused
    assert "tn-train" in focus(page)["host"], focus(page)

    # a weight slider moved by arrows changes the loss
    before = playground.loss()
    page.locator(".tn-weight-w1_1 .noUi-handle").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    playground.wait(lambda: playground.loss() != before, what="the loss to change")


def test_shortcuts_and_not_while_typing(playground):
    page = playground.open("/")
    wait_ready(playground)
    page.locator("body").focus()
    page.keyboard.press("s")
    playground.wait(lambda: playground.epoch() == 1, what="S: one step")
    page.keyboard.press("2")
    playground.wait(lambda: page.locator(".tn-weights .noUi-target").count() == 7,
                    what="2: two neurons")
    page.keyboard.press("r")
    playground.wait(lambda: playground.epoch() == 0, what="R: reset")
    # typing in a box is typing, not a shortcut
    playground.reach("lottery")
    box = page.locator(".tn-lottery input").first
    box.focus()
    page.keyboard.press("s")
    page.keyboard.press("1")
    page.wait_for_timeout(400)
    assert page.locator(".tn-weights .noUi-target").count() == 7 and playground.epoch() == 0
    assert "Keyboard shortcuts" in playground.text(".tn-keys-help")


def test_screen_reader_values_and_live_region(playground):
    page = playground.open("/")
    wait_ready(playground)
    value = page.evaluate(DEEP_ATTR_JS, [".tn-learning-rate", ".noUi-handle", "aria-valuetext"])
    assert value == "0.5"
    assert page.evaluate(DEEP_ATTR_JS, [".tn-speed", ".noUi-handle", "aria-valuetext"]) == "200"
    label = page.evaluate(DEEP_ATTR_JS, [".tn-learning-rate", ".noUi-handle", "aria-label"])
    assert label == "learning rate"
    assert page.evaluate(DEEP_ATTR_JS, [".tn-live", ".tn-live-text", "class"]) == "tn-live-text"
    live = page.evaluate("""() => { const find = (root) => {
        const h = root.querySelector('.tn-live');
        if (h) return h; for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
        const f = find(el.shadowRoot); if (f) return f; } return null; };
        const box = find(document).shadowRoot.querySelector('.tn-live-text').parentElement;
        return [box.getAttribute('role'), box.getAttribute('aria-live')]; }""")
    assert live == ["status", "polite"]
    assert "Mean loss 0.126712, epoch 0" in playground.text(".tn-live")
    playground.click(".tn-step")
    stepped = tinynet.Trainer(tinynet.Network(**tinynet.ARTICLE), tinynet.ARTICLE_X,
                              tinynet.ARTICLE_Y, tinynet.GradientDescent(0.5))
    stepped.run(1)
    playground.wait(lambda: f"Mean loss {stepped.loss:.6f}, epoch 1" in playground.text(
        ".tn-live"), what="the live region after Step")
    assert "at x = 1: data 0" in playground.text(".tn-fit-text")
    assert "epoch 1" in playground.text(".tn-loss-text")


def _layout(browser, app_url, width, height, mobile):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=mobile, is_mobile=mobile)
    tab = Playground(context.new_page(), app_url)
    page = tab.open("/")
    wait_ready(tab)
    page.wait_for_timeout(500)
    return context, tab, page


@pytest.mark.parametrize("width,height,mobile", [(390, 844, True), (1024, 768, False),
                                                 (1280, 720, False)])
def test_layout_reflows_without_overlaps(browser, app_url, width, height, mobile):
    context, tab, page = _layout(browser, app_url, width, height, mobile)
    try:
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner == width
        for part in ([None, "tn-train"], [None, "tn-weight-w1_1"], ["tn-block-fit", "bk-Figure"]):
            overlaps = page.evaluate(OVERLAPS_JS, part)
            assert overlaps == [], f"{part} at {width} px overlaps {overlaps}"
        if mobile:  # one column: the fit plot, the weights, then Train (test_phone.py)
            box = {s: page.locator(s).first.bounding_box()
                   for s in (".tn-train", ".tn-weight-w1_1", ".tn-block-fit")}
            assert box[".tn-block-fit"]["y"] < box[".tn-weight-w1_1"]["y"] < box[".tn-train"]["y"]
            assert box[".tn-block-fit"]["width"] > 0.9 * width
            handle = page.locator(".tn-weight-w1_1 .noUi-handle").bounding_box()
            train = page.locator(".tn-train button").bounding_box()
            assert train["height"] >= 44 and handle["height"] >= 28  # + an 8 px touch margin
        assert not tab.errors and not tab.outside
    finally:
        context.close()


def _blue_pixels(png: bytes, color: str) -> int:
    """Pixels within 40 of ``color`` (per channel) in a PNG."""
    target = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(all(abs(a - b) < 40 for a, b in zip(px, target)) for px in img.get_flattened_data())


def test_fit_legend_is_text_beside_the_plot_and_follows_the_width(playground):
    """The fit's legend is a list on the page (not drawn in the canvas, where every slider
    step repainted it): readable by a screen reader, each entry with its swatch, one entry
    per hidden neuron, and still there after training."""
    page = playground.open("/?hidden=2")
    wait_ready(playground)
    train = page.locator(".tn-train button")
    train.click()
    playground.wait(lambda: playground.epoch() > 20, what="some training")
    train.click()
    playground.wait(lambda: "Train" in train.inner_text(), what="paused")
    legend = page.locator(".tn-block-fit ul.tn-fit-legend")
    assert legend.get_attribute("aria-label") == "Legend of the fit plot"
    entries = legend.locator("li").all_inner_texts()
    assert [e.strip() for e in entries] == [
        "neuron 1: w₂·σ(w₁x+b₁)", "neuron 2: w₂·σ(w₁x+b₁)", "error ŷ − y", "prediction ŷ(x)",
        "ŷ at each point", "data y (drag me)"]
    assert legend.locator("li svg").count() == 6  # a swatch each
    box = legend.bounding_box()
    fig = page.locator(".tn-block-fit .bk-Figure").first.bounding_box()
    assert box["y"] >= fig["y"] + fig["height"] - 1  # below the plot, not over it
    # the prediction's swatch is drawn in the prediction's colour
    swatch = legend.locator("li").nth(3).locator("svg")
    assert _blue_pixels(swatch.screenshot(), PREDICTION) > 10
    playground.click(".tn-width", "1")  # one neuron: one neuron's entry
    playground.wait(lambda: legend.locator("li").count() == 5, what="a legend for one neuron")
    assert "neuron 2" not in legend.inner_text()


def test_palette_is_shared_with_the_race():
    from app.race import RUNNERS

    assert RUNNERS == {h: WIDTH_COLORS[h] for h in RUNNERS}


def test_cards_are_named_buttons_that_say_whether_they_are_open(playground):
    """Each folding card's header is a button with a name and ``aria-expanded`` that follows
    the card, by mouse and by keyboard (Enter, as a screen reader user would)."""
    page = playground.open("/")
    wait_ready(playground)
    settings = "Settings: optimizer, activation, starting weights and data"
    for name in (settings, "Export and load weights"):
        playground.wait(lambda: page.get_by_role("button", name=name, exact=True,
                                                 expanded=False).count() == 1,
                        what=f"a closed card named {name!r}")
    page.get_by_role("button", name=settings, exact=True).click()
    playground.wait(lambda: page.get_by_role("button", name=settings, expanded=True).count(),
                    what="the settings card open")
    page.get_by_role("button", name=settings, exact=True).focus()
    page.keyboard.press("Enter")
    playground.wait(lambda: page.get_by_role("button", name=settings, expanded=False).count(),
                    what="the settings card closed again")
    assert page.get_by_role("button", name="Export and load weights", expanded=False).count()


def test_a_lesson_opened_by_keyboard_has_the_focus_on_its_heading(playground):
    """Enter on the lessons' button puts the focus on the first lesson's heading (the button
    is gone); Next and Back put it on the new lesson's heading, also where Back is disabled."""
    page = playground.open("/")
    wait_ready(playground)
    page.locator(".tn-lesson-start button").focus()
    page.keyboard.press("Enter")
    playground.wait(lambda: focus(page)["tag"] == "H2", what="the focus on a heading")
    assert "tn-lesson-head" in focus(page)["host"]
    first = focus(page)["text"]
    assert first == LESSONS[0].title[:40]
    page.keyboard.press("Tab")  # from the heading on through the lesson: Back is disabled
    assert "tn-lesson-next" in focus(page)["host"], focus(page)
    page.keyboard.press("Enter")
    playground.wait(lambda: focus(page)["text"] == LESSONS[1].title[:40],
                    what="the focus on lesson 2's heading")
    page.locator(".tn-lesson-back button").focus()
    page.keyboard.press("Enter")  # back to lesson 1, where Back is disabled
    playground.wait(lambda: focus(page)["text"] == first, what="the focus on lesson 1's heading")
    assert focus(page)["tag"] == "H2"


def test_plots_are_not_tab_stops(playground):
    """Tab goes from the cards to the next control (the timeline under the loss plot, the pin
    button, then the challenge; once there is a run, the film's controls after the timeline;
    once a run is pinned, the runs table's loss to reach, the table itself and the pin's
    buttons after the pin button), not through the plots'
    canvases and tool buttons, which offer nothing by keyboard (their content is text on the
    page)."""
    page = playground.open("/")
    wait_ready(playground)
    page.locator(".tn-export-card button.card-header").focus()
    for host in ("tn-timeline", "tn-pin", "tn-challenge-start"):
        page.keyboard.press("Tab")
        assert host in focus(page)["host"], (host, focus(page))
    playground.click(".tn-step")  # one epoch: a run to play back
    playground.wait(lambda: page.locator(".tn-timeline-play").count(), what="the film")
    page.locator(".tn-export-card button.card-header").focus()
    for host in ("tn-timeline", "tn-timeline-play", "tn-film-direction", "tn-film-direction",
                 "tn-film-speed", "tn-pin"):
        page.keyboard.press("Tab")
        assert host in focus(page)["host"], (host, focus(page))
    page.keyboard.press("Enter")  # on Pin: pin the run
    playground.wait(lambda: "run 1" in playground.text(".tn-runs"), what="the runs table")
    for host in ("tn-runs-target", "tn-runs", "tn-pin-back-0", "tn-unpin-0",
                 "tn-challenge-start"):
        page.keyboard.press("Tab")
        assert host in focus(page)["host"], (host, focus(page))
    reached = []
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(focus(page)["host"])
    assert not [h for h in reached if "bk-Canvas" in h or "bk-Toolbar" in h], reached
    # the fit's draw tool still works with a pointer: a click still focuses the canvas
    canvas = page.locator(".tn-block-fit .bk-Canvas").first
    canvas.click(position={"x": 5, "y": 5})
    assert "bk-Canvas" in focus(page)["host"]


def test_learning_rate_from_0_001_to_0_5_in_a_few_key_presses(playground):
    """Page Up is half a decade, an arrow a tenth; the handle says the value, not its log; the
    session trains with the value shown."""
    page = playground.open("/?lr=0.001")
    wait_ready(playground)
    handle = page.locator(".tn-learning-rate .noUi-handle")
    valuetext = lambda: page.evaluate(  # noqa: E731
        DEEP_ATTR_JS, [".tn-learning-rate", ".noUi-handle", "aria-valuetext"])
    assert valuetext() == "0.001"
    handle.focus()
    presses = ["PageUp"] * 5 + ["ArrowRight"] * 2
    for key in presses:
        page.keyboard.press(key)
    playground.wait(lambda: valuetext() == "0.5", what="the learning rate at 0.5")
    assert len(presses) <= 15
    link = lambda: parse_qs(urlparse(page.url).query).get("lr", ["0.5"])  # noqa: E731
    playground.wait(lambda: link() == ["0.5"], what="the link to say 0.5 (the default)")
    assert "learning rate: 0.50" in playground.text(".tn-learning-rate")
    page.keyboard.press("ArrowLeft")
    playground.wait(lambda: valuetext() == "0.4", what="one step down: 0.4")
