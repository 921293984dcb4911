"""A phone, 390 × 844 px, in headless Chromium: no page of the playground scrolls sideways
(every lesson, every part alone, every width with every part built and both cards open), the
computation graph's boxes and labels stay apart, and the first screen shows the fit plot, which
moves when a weight is dragged."""
import pytest

from tests.conftest import Playground, readout
from tools.page import reach

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LESSONS = 7
PARTS = ["controls", "settings", "export", "sliders", "readouts", "fit", "loss", "why",
         "challenge", "tables", "graph", "diagram", "landscape", "race", "lottery"]
BELOW = ["tables", "graph", "diagram", "landscape", "race", "lottery"]  # built when reached

# The elements (through shadow roots) whose right edge is past the viewport's, deepest last:
# what makes a page wider than the screen. Parts of screen-reader-only text are clipped.
WIDER_JS = """(width) => {
  const out = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.classList.contains('tn-sr-only')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5)
      out.push(`${el.tagName}.${String(el.className).slice(0, 50)} right ${Math.round(r.right)}`);
    if (el.shadowRoot) walk(el.shadowRoot);
  } };
  walk(document);
  return out;
}"""

# The computation graph's boxes in CSS pixels: each node's box with its two lines of text
# (name above the centre, value | gradient below, 9pt, as app/views/graph.py draws them) and
# each edge's label (8pt), from the data sources and the plot's own scales; and the frame.
GRAPH_BOXES_JS = """() => {
  const pv = Bokeh.index.query_one((v) => v.model.renderers !== undefined && v.model.renderers
    .some((r) => r.data_source && r.data_source.name === 'graph_nodes'));
  const doc = Bokeh.documents[0];
  const nodes = doc.get_model_by_name('graph_nodes').data;
  const edges = doc.get_model_by_name('graph_edges').data;
  const xs = pv.frame.x_scale, ys = pv.frame.y_scale;
  const ctx = document.createElement('canvas').getContext('2d');
  const width = (text, font) => { ctx.font = font; return ctx.measureText(text).width; };
  const boxes = [];
  for (let i = 0; i < nodes.x.length; i++) {
    const cx = xs.compute(nodes.x[i]), cy = ys.compute(nodes.y[i]);
    const half = Math.max(Math.abs(xs.compute(nodes.x[i] + 0.6) - cx),
      width(nodes.name[i], 'bold 9pt helvetica') / 2, width(nodes.text[i], '9pt helvetica') / 2);
    const up = Math.max(Math.abs(ys.compute(nodes.y[i] + 0.22) - cy), 8 + 7);
    boxes.push({what: 'node ' + nodes.name[i], left: cx - half, right: cx + half,
                top: cy - up, bottom: cy + up});
  }
  for (let i = 0; i < edges.lx.length; i++) {
    const cx = xs.compute(edges.lx[i]), cy = ys.compute(edges.ly[i]);
    const half = width(edges.text[i], '8pt helvetica') / 2;
    boxes.push({what: 'edge ' + edges.text[i], left: cx - half, right: cx + half,
                top: cy - 6, bottom: cy + 6});
  }
  const f = pv.frame.bbox;
  return {boxes, frame: {left: f.left, right: f.right, top: f.top, bottom: f.bottom}};
}"""


@pytest.fixture(scope="module")
def phone(browser, app_url):
    """One phone-sized tab for the module (a fresh session per page load)."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    tab = Playground(context.new_page(), app_url)
    yield tab
    context.close()
    assert not tab.errors, f"console errors: {tab.errors}"


def too_wide(tab: Playground) -> str:
    """'' if the document is as wide as the viewport, else its width and what sticks out."""
    page = tab.page
    page.wait_for_timeout(300)  # plots size themselves to their box after it is laid out
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll <= PHONE["width"]:
        return ""
    return f"{scroll} px wide: " + "; ".join(page.evaluate(WIDER_JS, PHONE["width"])[-6:])


def test_no_page_scrolls_sideways(phone):
    wide = {}
    for n in range(1, LESSONS + 1):
        phone.open(f"/?lesson={n}")
        wide[f"lesson {n}"] = too_wide(phone)
    for part in PARTS:
        phone.open(f"/?show={part}")
        if part in BELOW:
            reach(phone.page, part)
        wide[f"show={part}"] = too_wide(phone)
    for hidden in range(1, 5):
        page = phone.open(f"/?hidden={hidden}")
        for card in (".tn-settings-card", ".tn-export-card"):
            page.locator(f"{card} .card-header").first.click()
        reach(page, *BELOW)
        wide[f"hidden={hidden}"] = too_wide(phone)
    assert {where: what for where, what in wide.items() if what} == {}


def overlaps(boxes: list[dict]) -> list[str]:
    """Pairs of boxes that share more than a pixel each way."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > 1 and h > 1:
                out.append(f"{a['what']} / {b['what']}")
    return out


@pytest.mark.parametrize("hidden", [1, 2, 4])
def test_graph_boxes_apart_and_inside(phone, hidden):
    page = phone.open(f"/?hidden={hidden}&show=graph")
    reach(page, "graph")
    page.wait_for_timeout(300)
    drawn = page.evaluate(GRAPH_BOXES_JS)
    frame, boxes = drawn["frame"], drawn["boxes"]
    assert len(boxes) > 3 * hidden
    assert overlaps(boxes) == []
    outside = [b["what"] for b in boxes
               if b["left"] < frame["left"] - 1 or b["right"] > frame["right"] + 1]
    assert outside == []
    assert too_wide(phone) == ""


def test_first_screen_shows_the_fit_and_a_drag_moves_it(phone):
    page = phone.open("/")
    assert page.evaluate("window.scrollY") == 0
    canvas = page.locator(".tn-block-fit canvas").first.bounding_box()
    handle = page.locator(".tn-weight-w1_1 .noUi-handle")
    box = handle.bounding_box()
    assert canvas["height"] > 120 and canvas["y"] >= 0
    assert canvas["y"] + canvas["height"] <= PHONE["height"]
    assert box["y"] + box["height"] <= PHONE["height"]  # the slider too, on the same screen
    before = phone.source("fit_curve")
    loss = readout(page, ".tn-loss")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    phone.wait(lambda: phone.source("fit_curve") != before, what="the fit curve to move")
    phone.wait(lambda: readout(page, ".tn-loss") != loss, what="the loss to change")
    assert page.evaluate("window.scrollY") == 0  # the drag did not scroll the page
