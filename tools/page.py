"""Reading what a Panel page shows from Playwright: scripts that see through shadow DOM.

Panel puts a pane's css_classes on a shadow host and its text in the shadow root under it, so
innerText on the host is ''; and a named Bokeh data source is read from the page's document.
"""
# Walks open shadow roots (skipping <style>/<script>); call as ``locator.evaluate(DEEP_TEXT_JS)``.
DEEP_TEXT_JS = """
(el) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    const kind = node.nodeType;
    if (kind !== Node.ELEMENT_NODE && kind !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(el);
  return parts.join(' ').replace(/\\s+/g, ' ').trim();
}
"""

SOURCE_DATA_JS = """
(name) => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  const model = doc && doc.get_model_by_name(name);
  if (!model) return null;
  const out = {};
  for (const [key, column] of Object.entries(model.data)) out[key] = Array.from(column);
  return out;
}
"""


# The value each weight slider's Bokeh model holds (what the server sent: the exact float), by
# slot (``tn-weight-w1_1``). The slider's handle shows it snapped to the slider's step.
WEIGHTS_JS = """
() => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  const out = {};
  if (!doc) return out;
  for (const model of doc.all_models) {
    const slot = (model.css_classes || []).find((c) => c.startsWith('tn-weight-'));
    if (slot && model.visible !== false) out[slot.slice('tn-weight-'.length)] = model.value;
  }
  return out;
}
"""


def weights(page) -> dict[str, float]:
    """The exact weights the page's sliders hold, by slot (w1_1, ..., b2)."""
    return page.evaluate(WEIGHTS_JS)


def shadow_text(page, css: str) -> str:
    """The text shown inside the first element matching ``css``, through shadow DOM."""
    return page.locator(css).first.evaluate(DEEP_TEXT_JS)


def source_data(page, name: str) -> dict | None:
    """A named Bokeh ColumnDataSource's data as the page holds it (None if not there yet)."""
    return page.evaluate(SOURCE_DATA_JS, name)


def reach(page, *parts: str, timeout: float = 30.0) -> None:
    """Scroll to these parts of the page (``tables``, ``graph``, ``diagram``, ``landscape``,
    ``race``, ``lottery``) as a person does, and wait until each is built (app/views/lazy.py: a
    part is built when it comes near the viewport, its placeholder's button pressed by the
    page's script; the parts sit in the placeholder of everything below the first screen,
    built the same way first). A part built is marked ``tn-built``."""
    for name in parts:
        page.wait_for_function(REACH_JS, arg=name, timeout=timeout * 1000, polling=100)


# One poll of ``reach``: true once the part is built, else scroll its placeholder (or, while the
# rest of the page is not built yet, that one's) into view.
REACH_JS = """
(name) => {
  const find = (root, css) => {
    const hit = root.querySelector(css);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*'))
      if (el.shadowRoot) { const deep = find(el.shadowRoot, css); if (deep) return deep; }
    return null;
  };
  if (find(document, `.tn-block-${name}.tn-built`)) return true;
  const placeholder = find(document, `.tn-lazy-${name}`) || find(document, '.tn-lazy-below');
  if (placeholder) placeholder.scrollIntoView({block: 'center'});
  return false;
}
"""
