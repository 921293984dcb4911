"""What the page adds for assistive technology and small screens, through public Bokeh API only.

Panel and Bokeh render every widget inside shadow roots and give some of them no accessible
name (sliders, the number inputs' spin buttons). ``install(doc)`` gives a served page
one script run on ``document_ready`` (``Document.js_on_event`` + ``CustomJS``) that adds a
viewport meta tag (a phone then lays the page out at its own width; Chromium applies one added
after load, and a ``Document.template`` of our own made Panel link its CSS from its CDN), walks
the open shadow roots, watches them for new elements, and:
  * names each slider handle after its slider's title, and gives a log slider (host class
    ``tn-log``) the value its title shows as ``aria-valuetext`` (noUiSlider writes the log);
  * names the folding cards' header buttons (``CARDS``) and keeps their ``aria-expanded`` with
    the card's ``collapsed`` (Panel's Card sets neither);
  * takes the plots' canvases and tool buttons out of the Tab order (``tabindex=-1``): by
    keyboard they do nothing (drawing and hovering need a pointer; a click still focuses a
    canvas, so Backspace after tapping a point still deletes it), and the plots' content is
    on the page as text;
  * moves the focus to the lesson's heading when a lesson opens from the lessons' own buttons
    (the start button disappears, and Back/Next are disabled at the ends: the focus would fall
    to the page), so a screen reader reads the new lesson from its top;
  * passes a click on a download button (``pn.widgets.FileDownload``) to the link inside it:
    Panel listens on the link only, so Enter or Space on the focused button did nothing and
    the file came with the next mouse click;
  * names each weight's lock (host class ``tn-freeze-<weight>``) "freeze w₂₁" and keeps its
    ``aria-pressed`` (Bokeh re-renders the button when the lock's label changes);
  * names the spin buttons of number inputs ("Increase" / "Decrease" + the input's label);
  * gives landmarks and named regions to the hosts listed in ``REGIONS``;
  * makes the ``tn-live`` pane's container a polite live region (its text is set by the
    session, app/views/a11y.py);
  * keeps the focus on a button that Bokeh re-renders under it (a Toggle whose label changes
    from Train to Pause is a new element: without this, the focus fell to the page);
  * keyboard shortcuts (``SHORTCUTS``), which click the page's own buttons and never fire while
    typing in an input;
  * presses the button of a part not built yet (app/views/lazy.py) when it scrolls near.
"""
import json

from bokeh.events import ConnectionLost, DocumentReady
from bokeh.models import CustomJS

from .session import freeze_name, slot_names
from .settings import WIDTHS

VIEWPORT = "width=device-width, initial-scale=1"
LAZY_MARGIN = "400px 0px"  # a lazily built part is built when this near the viewport

# key -> (what it does, the host class of the button it presses, which button in it)
SHORTCUTS = {
    "Space": ("train or pause", "tn-train", 0),
    "S": ("one step of gradient descent", "tn-step", 0),
    "R": ("reset the weights", "tn-reset", 0),
    "1": ("one hidden neuron", "tn-width", 0),
    "2": ("two hidden neurons", "tn-width", 1),
    "3": ("three hidden neurons", "tn-width", 2),
    "4": ("four hidden neurons", "tn-width", 3),
}

# for the page outside the components (Panel's notices sit in <body>, in its default serif font)
HEAD_CSS = (".notyf, .notyf__toast, .notyf__message { font-family: system-ui, -apple-system, "
            "'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }")

# host class -> the accessible name of its input or select (ones that show no label of their own)
INPUT_NAMES = {
    "tn-upload": "Load data points from a CSV file",
    "tn-import": "Load weights from a JSON file",
    "tn-film-speed": "Playback speed (epochs per second)",
}

# host class of a weight's lock -> its accessible name (app/views/sliders.py)
LOCKS = {f"tn-freeze-{slot}": f"freeze {freeze_name(slot)}" for slot in slot_names(max(WIDTHS))}

# host class of a folding card -> the accessible name of its header button
CARDS = {
    "tn-settings-card": "Settings: optimizer, activation, starting weights and data",
    "tn-export-card": "Export and load weights",
}

# host classes of the buttons that change the lesson (the focus goes to the lesson's heading)
LESSON_BUTTONS = ["tn-lesson-start", "tn-lesson-next", "tn-lesson-back"]

# host class -> (ARIA role, accessible name)
REGIONS = {
    "tn-page": ("main", "tinynet playground"),
    "tn-sidebar": ("region", "Controls and weights"),
    "tn-results": ("region", "Loss and fit"),
    "tn-block-tables": ("region", "Tables"),
    "tn-block-diagram": ("region", "Inside the network"),
    "tn-block-landscape": ("region", "Loss landscape"),
    "tn-block-race": ("region", "One neuron against two"),
    "tn-block-lottery": ("region", "The init lottery"),
}

PAGE_JS = """
if (window.tnA11y) return;
const SHORTCUTS = %(shortcuts)s, REGIONS = %(regions)s, INPUT_NAMES = %(inputs)s;
const CARDS = %(cards)s, LESSON_BUTTONS = %(lesson_buttons)s, LOCKS = %(locks)s;
if (!document.querySelector('meta[name=viewport]')) {
  const meta = document.createElement('meta');
  meta.name = 'viewport';
  meta.content = %(viewport)s;
  document.head.appendChild(meta);
}
const style = document.createElement('style');
style.textContent = %(head_css)s;
document.head.appendChild(style);
const seen = new WeakSet(), hooked = new WeakSet();
let lastHost = null;  // the host of the button last pressed (to give it the focus back)

function deepActive() {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el;
}
function hostOf(node) {
  const root = node && node.getRootNode && node.getRootNode();
  return root && root.host ? root.host : null;
}
function findHost(cls, root) {
  root = root || document;
  const found = root.querySelector('.' + cls);
  if (found) return found;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const f = findHost(cls, el.shadowRoot); if (f) return f; }
  }
  return null;
}
function nameSliders(root) {
  for (const handle of root.querySelectorAll('.noUi-handle[role=slider]')) {
    const title = root.querySelector('.bk-slider-title');
    if (title) {
      const value = title.querySelector('.bk-slider-value');
      let name = title.textContent;
      if (value) name = name.slice(0, name.length - value.textContent.length);
      name = name.replace(/[:\\s]+$/, '');
      if (name && handle.getAttribute('aria-label') !== name) {
        handle.setAttribute('aria-label', name);
      }
    }
    const host = root.host;
    const target = handle.closest('.noUi-target');
    if (host && host.classList.contains('tn-log') && target && target.noUiSlider) {
      // the title shows the slider's value as the session holds it (widgets.log_slider);
      // Bokeh rewrites the title, then moves the handle, on every change
      const show = () => {
        const value = root.querySelector('.bk-slider-title .bk-slider-value');
        if (value) handle.setAttribute('aria-valuetext', value.textContent === 'off' ? 'off'
          : String(Number(value.textContent)));
      };
      show();
      if (!hooked.has(target)) { hooked.add(target); target.noUiSlider.on('update.tnA11y', show); }
    }
  }
}
function nameSpinButtons(root) {
  const input = root.querySelector('input');
  const label = root.querySelector('label');
  const what = label ? label.textContent.trim() : (input && input.getAttribute('aria-label'));
  for (const b of root.querySelectorAll('.bk-spin-btn-up, .bk-spin-btn-down')) {
    if (!b.getAttribute('aria-label')) {
      const up = b.classList.contains('bk-spin-btn-up');
      b.setAttribute('aria-label', (up ? 'Increase ' : 'Decrease ') + what);
      b.setAttribute('tabindex', '-1');  // the input's own arrow keys do the same
    }
  }
}
function landmarks(root) {
  const host = root.host;
  if (!host) return;
  for (const [cls, name] of Object.entries(INPUT_NAMES)) {
    const input = host.classList.contains(cls) && root.querySelector('input, select');
    if (input && !input.getAttribute('aria-label')) input.setAttribute('aria-label', name);
  }
  for (const [cls, name] of Object.entries(LOCKS)) {
    const button = host.classList.contains(cls) && root.querySelector('button');
    if (button) {
      button.setAttribute('aria-label', name);
      button.setAttribute('aria-pressed', String(button.classList.contains('bk-active')));
    }
  }
  for (const [cls, [role, name]] of Object.entries(REGIONS)) {
    if (host.classList.contains(cls) && host.getAttribute('role') !== role) {
      host.setAttribute('role', role);
      host.setAttribute('aria-label', name);
    }
  }
  if (host.classList.contains('tn-live')) {
    const box = root.querySelector('.tn-live-text');
    const container = box && box.parentElement;
    if (container && !container.hasAttribute('aria-live')) {
      container.setAttribute('role', 'status');
      container.setAttribute('aria-live', 'polite');
      container.setAttribute('aria-atomic', 'true');
    }
  }
}
function cardModel(cls) {
  for (const doc of window.Bokeh ? Bokeh.documents : []) {
    for (const m of doc.all_models) {
      if (m.properties.collapsed && m.css_classes.includes(cls)) return m;
    }
  }
  return null;
}
function cards(root) {
  const host = root.host;
  for (const [cls, name] of Object.entries(CARDS)) {
    if (!host || !host.classList.contains(cls)) continue;
    const model = cardModel(cls);
    if (!model) continue;
    const show = () => {  // the button is made anew when the card's content changes
      const button = root.querySelector('button.card-header');
      if (!button) return;
      button.setAttribute('aria-label', name);
      button.setAttribute('aria-expanded', String(!model.collapsed));
    };
    show();
    if (!hooked.has(model)) { hooked.add(model); model.properties.collapsed.change.connect(show); }
  }
}
function plotsOutOfTabOrder(root) {
  for (const el of root.querySelectorAll('.bk-events[tabindex="0"]')) el.tabIndex = -1;
  const host = root.host;
  if (host && host.classList.contains('bk-Toolbar')) {
    for (const el of root.querySelectorAll('[tabindex="0"]')) el.tabIndex = -1;
  }
  const toolbar = hostOf(host);  // a tool button re-rendered sets its own tabindex again
  if (toolbar && toolbar.classList.contains('bk-Toolbar') && host.tabIndex === 0) {
    host.tabIndex = -1;
  }
}
function lessonHeading() {
  const host = findHost('tn-lesson-head');
  return host && host.shadowRoot ? host.shadowRoot.querySelector('h2') : null;
}
function focusNewLesson(before, tries) {
  // the session rewrites the heading (a new element): focus it once it is there and shown
  const h = lessonHeading();
  if (h && h.textContent !== before) {
    h.tabIndex = -1;
    h.focus();
    if (deepActive() === h) return;
  }
  if (tries > 0) setTimeout(() => focusNewLesson(before, tries - 1), 50);
}
function keepFocus(root) {
  // a button re-rendered under the focus: give the focus to the new one
  if (lastHost && root.host === lastHost && (deepActive() === document.body || !deepActive())) {
    const button = root.querySelector('button');
    if (button) button.focus({preventScroll: true});
  }
}
// A part built when first wanted (app/views/lazy.py): press its placeholder's button once it
// comes within LAZY_MARGIN of the viewport, so it is built before the learner gets there.
const nearView = window.IntersectionObserver ? new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    const b = e.target.shadowRoot && e.target.shadowRoot.querySelector('button');
    if (!b) continue;
    nearView.unobserve(e.target);
    b.click();
  }
}, {rootMargin: %(lazy_margin)s}) : null;
const lazySeen = new WeakSet();
function lazyParts(root) {
  if (!nearView) return;
  for (const host of root.querySelectorAll('.tn-lazy')) {
    if (!lazySeen.has(host)) { lazySeen.add(host); nearView.observe(host); }
  }
}
function fix(root) {
  nameSliders(root); nameSpinButtons(root); landmarks(root); cards(root); keepFocus(root);
  lazyParts(root); plotsOutOfTabOrder(root);
}
function watch(root) {
  if (seen.has(root)) return;
  seen.add(root);
  fix(root);
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) watch(el.shadowRoot);
  new MutationObserver((records) => {
    let added = false;
    for (const r of records) if (r.addedNodes.length) added = true;
    if (!added) return;
    fix(root);
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.shadowRoot) watch(n.shadowRoot);
      for (const el of n.querySelectorAll('*')) if (el.shadowRoot) watch(el.shadowRoot);
    }
  }).observe(root, {childList: true, subtree: true});
}
function typing(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}
function press(cls, index) {
  const host = findHost(cls);
  const buttons = host && host.shadowRoot ? host.shadowRoot.querySelectorAll('button') : [];
  const b = buttons[index];
  if (b && !b.disabled) { b.click(); return true; }
  return false;
}
document.addEventListener('pointerdown', (e) => { lastHost = hostOf(e.composedPath()[0]); }, true);
document.addEventListener('click', (e) => {
  const target = e.composedPath()[0], host = hostOf(target);
  if (!host) return;
  if (LESSON_BUTTONS.some((cls) => host.classList.contains(cls))) {
    const h = lessonHeading();
    focusNewLesson(h ? h.textContent : null, 60);
  }
  // a download button (Panel's FileDownload) clicked outside its link: click the link
  const link = target.tagName === 'BUTTON' && target.querySelector(':scope > a');
  if (link && host.classList.contains('bk-panel-models-widgets-FileDownload')) link.click();
}, true);
// End on a slider whose range has grown: noUiSlider's own End goes to the range it was made
// with (its updateOptions leaves options.spectrum behind), so the slider's model is set here.
document.addEventListener('keydown', (e) => {
  const target = e.composedPath()[0];
  const handle = target && target.classList && target.classList.contains('noUi-handle');
  if (e.key !== 'End' || !handle) return;
  const host = hostOf(target);
  const classes = host ? [...host.classList].filter((c) => c.startsWith('tn-')) : [];
  const doc = window.Bokeh && Bokeh.documents[0];
  if (!classes.length || !doc) return;
  for (const m of doc.all_models) {
    if (m.css_classes && m.end !== undefined && classes.every((c) => m.css_classes.includes(c))) {
      e.preventDefault(); e.stopPropagation();
      m.value = m.end;
      return;
    }
  }
}, true);
document.addEventListener('keydown', (e) => {
  const target = e.composedPath()[0];
  if (e.key === 'Enter' || e.key === ' ') lastHost = hostOf(target);
  if (e.ctrlKey || e.altKey || e.metaKey || typing(target)) return;
  const key = e.key === ' ' ? 'Space' : e.key.length === 1 ? e.key.toUpperCase() : e.key;
  const action = SHORTCUTS[key];
  if (!action) return;
  const tag = target && target.tagName;
  if (key === 'Space' && (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY')) return;
  if (press(action[1], action[2])) e.preventDefault();
}, true);
window.tnA11y = {watch, findHost};
watch(document);
"""


# When the server has gone the page can no longer train: Train shows it is stopped, and the
# buttons that asked the server for something are disabled (Panel's notice says why).
DISCONNECTED_JS = """
const tn = window.tnA11y;
if (!tn) return;
for (const cls of ['tn-train', 'tn-step', 'tn-reset']) {
  const host = tn.findHost(cls);
  const b = host && host.shadowRoot && host.shadowRoot.querySelector('button');
  if (!b) continue;
  if (cls === 'tn-train') { b.textContent = '▶ Train'; b.classList.remove('bk-active'); }
  b.disabled = true;
  b.setAttribute('aria-disabled', 'true');
}
"""


def page_js() -> str:
    """The page script, with the shortcuts and regions filled in."""
    return PAGE_JS % {
        "lazy_margin": json.dumps(LAZY_MARGIN), "shortcuts": json.dumps(SHORTCUTS),
        "regions": json.dumps(REGIONS), "inputs": json.dumps(INPUT_NAMES),
        "cards": json.dumps(CARDS), "locks": json.dumps(LOCKS),
        "lesson_buttons": json.dumps(LESSON_BUTTONS),
        "viewport": json.dumps(VIEWPORT), "head_css": json.dumps(HEAD_CSS)}


def install(doc) -> None:
    """Give a served Bokeh document the page script (run once the page is ready)."""
    doc.js_on_event(DocumentReady, CustomJS(code=page_js()))
    doc.js_on_event(ConnectionLost, CustomJS(code=DISCONNECTED_JS))
