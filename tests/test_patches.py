"""app/patches.py is the one seam for Panel/Bokeh internals: each patch's contract (the internal
it relies on is still there, shaped as assumed; a failure names it), no other module of app/
uses the seam's private names, the installed versions are those checked, and
TINYNET_STOCK_PANEL=1 leaves Panel and Bokeh untouched."""
import asyncio
import inspect
import io
import json
import os
import re
import subprocess
import sys
import tokenize
import warnings
import weakref
from importlib.metadata import version
from pathlib import Path

import numpy as np
import panel as pn
import pytest

from app import patches
from tools.net import wait_for_port
from tools.server import cli_server
from tools.threads import run_on_own_thread

ROOT = Path(__file__).resolve().parent.parent


def params_of(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def require(condition, internal: str, detail: str = "") -> None:
    """Fail naming the internal of Panel or Bokeh that moved."""
    assert condition, f"{internal} moved (checked on {patches.CHECKED_ON}): {detail}"


# -- one contract per patch ---------------------------------------------------------------------
def contract_no_debounce():
    from panel.reactive import Syncable

    require(getattr(Syncable, "_debounce", None) == 50, "panel.reactive.Syncable._debounce",
            "expected Panel's 50 ms wait on browser-side changes")
    require("_debounce" in inspect.getsource(Syncable), "panel.reactive.Syncable._debounce",
            "Syncable no longer reads it")
    assert patches.FastFloatSlider._debounce == 0 and patches.FastIntInput._debounce == 0
    assert issubclass(patches.FastFloatSlider, pn.widgets.FloatSlider)


def busy_while(widget, events: dict) -> list[bool]:
    """The values ``pn.state.busy`` takes while ``widget`` handles ``events`` from the page."""
    seen = []
    watcher = pn.state.param.watch(lambda event: seen.append(event.new), "busy")
    try:
        widget._process_events(events)
    finally:
        pn.state.param.unwatch(watcher)
    return seen


def contract_not_busy():
    """Panel marks the session busy (``pn.state.busy``, which a page's busy indicator and any
    watcher of it follow) while a widget handles a change from the page, unless the change is
    of a parameter in the widget's ``_busy__ignore``: a slider step or a beacon value from
    the page leaves it alone, any other change still marks it."""
    plain = pn.widgets.IntInput(value=0)
    require(busy_while(plain, {"value": 3}) == [True, False], "panel.state.busy",
            "Panel no longer marks the session busy around a browser change")
    require(plain.value == 3, "panel.reactive.Syncable._process_events")
    beacon = patches.FastIntInput(value=0)
    require(busy_while(beacon, {"value": 3}) == [] and beacon.value == 3,
            "panel.reactive.Syncable._busy__ignore", "a value change marked the session busy")
    slider = patches.FastFloatSlider(value=0.0, start=0, end=1)
    for events in ({"value": 0.5}, {"value_throttled": 0.5},
                   {"value": 0.25, "value_throttled": 0.25}):  # the last two: Panel's path
        assert busy_while(slider, events) == [], events
    assert slider.value == 0.25 and slider.value_throttled == 0.25
    assert busy_while(beacon, {"visible": False}) == [True, False]  # not ignored: marked


def contract_steps_at_once():
    from panel.reactive import Syncable

    require(params_of(Syncable._server_change)
            == ["self", "doc", "ref", "subpath", "attr", "old", "new"],
            "panel.reactive.Syncable._server_change(doc, ref, subpath, attr, old, new)")
    require("_process_events" in inspect.getsource(Syncable._change_event),
            "panel.reactive.Syncable._change_event", "no longer calls _process_events")

    class ServedDoc:  # what _server_change reads of a served document
        session_context = object()

        def __init__(self):
            self.later = []

        def add_timeout_callback(self, callback, timeout):
            self.later.append(callback)

    def change(slider):
        doc, seen = ServedDoc(), []
        slider.param.watch(lambda event: seen.append(event.new), "value")
        slider._server_change(doc, "ref", None, "value", 0.5, 0.7)
        return seen, doc.later

    seen, later = change(pn.widgets.FloatSlider(start=0, end=1, value=0.5))
    require(seen == [] and len(later) == 1, "panel.reactive.Syncable._server_change",
            "expected a browser change handled on a later turn of the loop (the reason)")
    seen, later = change(patches.FastFloatSlider(start=0, end=1, value=0.5))
    assert seen == [0.7] and later == []  # handled at once

    # the value is set as Panel sets it (not sent back to the browser it came from), without
    # Panel's edit_readonly around it
    source = inspect.getsource(Syncable._process_events)
    require("_syncing(self" in source and "_in_process__events" in source,
            "panel.reactive.Syncable._process_events", "no longer marks values from the browser")
    shown = []
    for slider in (pn.widgets.FloatSlider(start=0, end=1, value=0.5),
                   patches.FastFloatSlider(start=0, end=1, value=0.5)):
        model = slider.get_root()
        slider._process_events({"value": 0.3})
        assert slider.value == 0.3
        shown.append(model.value)
        slider.value = 0.4
        assert model.value == 0.4  # a change from Python still goes out
    assert shown[0] == shown[1]  # the model as Panel's own path leaves it


def contract_css_vars():
    """A slider's models are in ``_models`` as {ref: (model, parent)} and made by
    ``_get_model(doc, root, parent, comm)``: a CSS variable set on them reaches a shown view
    and a new one, and a value change still reaches the model."""
    require(params_of(pn.widgets.FloatSlider._get_model)[:5]
            == ["self", "doc", "root", "parent", "comm"],
            "panel.widgets.FloatSlider._get_model(doc, root, parent, comm)")
    slider = patches.FastFloatSlider(start=0, end=1, value=0.5)
    slider.set_css_var("--ghost", "10%")
    model = slider.get_root()
    require(isinstance(slider._models, dict) and all(
        isinstance(v, tuple) and len(v) == 2 and v[0] is model for v in slider._models.values()),
        "panel.reactive.Syncable._models", "expected {ref: (model, parent)}")
    assert model.styles.get("--ghost") == "10%"  # a new view gets the variable
    slider.set_css_var("--ghost", "20%")
    assert model.styles.get("--ghost") == "20%" == slider.css_var("--ghost")  # a shown one too
    slider.value = 0.7
    assert model.value == 0.7


def contract_html_text_only():
    require(params_of(pn.pane.HTML._update) == ["self", "ref", "model"],
            "panel.pane.HTML._update(self, ref, model)")
    require("object" in pn.pane.HTML._rerender_params, "panel.pane.HTML._rerender_params",
            "'object' no longer re-renders through _update")
    pane = patches.FastHTML("<b>a</b>")
    model = pane.get_root()
    require(pane._transform_object("<i>x</i>").get("object") is not None,
            "panel.pane.HTML._transform_object", "expected a dict with 'object'")
    pane.object = "<b>c</b>"
    assert "c" in model.text
    # set_html and bump: the parameter set quietly, the models as Panel's path sets them
    require(isinstance(getattr(getattr(pane, "_param__private", None), "values", None), dict)
            and pane._param__private.values.get("object") == "<b>c</b>",
            "param's Parameterized._param__private.values", "expected {name: value}")
    stock = pn.pane.HTML("<b>a</b>")
    stock_model = stock.get_root()
    stock.object = "<p>d &amp; e</p>"
    patches.set_html(pane, "<p>d &amp; e</p>")
    assert pane.object == stock.object and model.text == stock_model.text
    beacon, stock_beacon = patches.FastIntInput(value=0), pn.widgets.IntInput(value=0)
    beacon_model, stock_beacon_model = beacon.get_root(), stock_beacon.get_root()
    assert patches.bump(beacon) == 1 and patches.bump(beacon) == 2
    stock_beacon.value += 2
    assert beacon.value == stock_beacon.value and beacon_model.value == stock_beacon_model.value


def contract_nodelay():
    from panel.io import server

    handler = getattr(server, "WSHandler", None)
    require(handler is not None and callable(getattr(handler, "open", None)),
            "panel.io.server.WSHandler.open")
    require(callable(getattr(handler, "set_nodelay", None)),
            "tornado WebSocketHandler.set_nodelay")
    patches._enable_nodelay()
    patches._enable_nodelay()  # idempotent
    calls = []

    class Fake:
        def set_nodelay(self, value):
            calls.append(value)

    assert handler._tinynet_nodelay and handler.open.__closure__  # wraps the original
    try:
        handler.open(Fake())
    except Exception:
        pass  # the real open needs a live connection; the socket option must come first
    assert calls == [True]


def contract_quick_write_retry():
    from panel.io import document

    source = inspect.getsource(document)
    require(isinstance(getattr(document, "asyncio", None), (type(asyncio),
                                                            patches._QuickRetryAsyncio)),
            "panel.io.document.asyncio", "the module no longer imports asyncio by name")
    require(source.count("asyncio.sleep(") == 1, "panel.io.document._dispatch_msgs",
            "the patch assumes its asyncio.sleep is the module's only one")
    require("await asyncio.sleep(0.01)" in inspect.getsource(document._dispatch_msgs),
            "panel.io.document._dispatch_msgs", "no longer parks a write for 10 ms")
    patches._enable_quick_write_retry()
    assert isinstance(document.asyncio, patches._QuickRetryAsyncio)
    assert document.asyncio.ensure_future is asyncio.ensure_future


def contract_stranded_writes():
    """A message queued for a session after the write task before it cleared the write mark
    is sent by the next task (Panel's returns without sending it)."""
    from panel.io import document
    from tornado.websocket import WebSocketHandler

    require(isinstance(getattr(document, "_WRITE_BLOCK", None), weakref.WeakKeyDictionary)
            and isinstance(getattr(document, "_WRITE_MSGS", None), weakref.WeakKeyDictionary),
            "panel.io.document._WRITE_BLOCK / _WRITE_MSGS")
    require("_dispatch_write_task(doc, _dispatch_msgs, doc)"
            in inspect.getsource(document.schedule_write_events),
            "panel.io.document.schedule_write_events", "no longer starts _dispatch_msgs by name")
    panels = getattr(document._dispatch_msgs, "__wrapped__", document._dispatch_msgs)
    require("if doc not in _WRITE_BLOCK:\n        return" in inspect.getsource(panels),
            "panel.io.document._dispatch_msgs", "no longer returns when no write is marked")
    sent = []
    original = document.dispatch_tornado
    document.dispatch_tornado = lambda conn, msg: sent.append(msg) or []
    try:
        doc = type("Doc", (), {})()  # a document's key in Panel's tables
        conn = type("Connection", (), {"_socket": object.__new__(WebSocketHandler)})()
        document._WRITE_MSGS[doc] = {conn: ["the lesson"]}  # queued; the mark already cleared
        patches._send_stranded_writes()
        patches._send_stranded_writes()  # idempotent
        run_on_own_thread(lambda: document._dispatch_msgs(doc))
        assert sent == ["the lesson"] and doc not in document._WRITE_BLOCK
    finally:
        document.dispatch_tornado = original
        document._WRITE_MSGS.pop(doc, None)


def contract_cached_references():
    """The patched PATCH-DOC create and the document's deserializer give what Bokeh's own do,
    also after the document's set of models changes (a new model is sent in full)."""
    from bokeh.core.serialization import Deserializer, Serializer
    from bokeh.document import Document
    from bokeh.document import document as bokeh_document
    from bokeh.document.events import ModelChangedEvent
    from bokeh.models import ColumnDataSource, Div
    from bokeh.protocol import Protocol
    from bokeh.protocol.messages.patch_doc import patch_doc

    require(params_of(patches._bokeh_create_patch) == ["cls", "events", "metadata"],
            "bokeh.protocol.messages.patch_doc.create(cls, events, **metadata)")
    require(params_of(Deserializer.__init__) == ["self", "references", "setter"],
            "bokeh.core.serialization.Deserializer.__init__(references, *, setter)")
    require("_references" in inspect.getsource(Serializer.__init__),
            "bokeh.core.serialization.Serializer._references")
    require(getattr(bokeh_document, "Deserializer", None) is not None,
            "bokeh.document.document.Deserializer", "apply_json_patch no longer uses it")
    require(params_of(bokeh_document.DocumentModelManager.destroy) == ["self"],
            "bokeh.document.models.DocumentModelManager.destroy(self)")
    doc = Document()
    require(params_of(Document.apply_json_patch)[:2] == ["self", "patch_json"],
            "bokeh.document.Document.apply_json_patch(self, patch_json, *, setter)")
    require(isinstance(getattr(doc.models, "_models", None), dict)
            and isinstance(getattr(doc.models, "_new_models", None), set),
            "bokeh.document.models.DocumentModelManager._models/_new_models")
    div, other = Div(text="a"), Div(text="b")
    doc.add_root(div)
    doc.add_root(other)

    def both(event):
        """(ours, Bokeh's) message content; each starts from the same not-yet-synced models."""
        new = set(doc.models._new_models)
        ours = patches._create_patch(patch_doc, [event]).content
        doc.models._new_models = new
        return ours, patches._bokeh_create_patch(patch_doc, [event]).content

    doc.models.flush_synced()
    div.text = "c"
    ours, theirs = both(ModelChangedEvent(doc, div, "text", "c"))
    assert ours == theirs and ours["events"][0]["model"] == {"id": div.id}
    # a model added to the document is not synced yet: it goes out in full, then as a ref
    source = ColumnDataSource({"x": [1, 2]})
    div.tags = [source]
    assert source in doc.models._new_models
    ours, theirs = both(ModelChangedEvent(doc, div, "tags", [source]))
    assert ours == theirs and "attributes" in str(ours)
    assert source not in doc.models._new_models
    ours, theirs = both(ModelChangedEvent(doc, div, "tags", [source]))
    assert ours == theirs and "attributes" not in str(ours)

    patches._enable_cached_references()
    assert bokeh_document.Deserializer is patches._DocumentDeserializer
    msg = Protocol().create("PATCH-DOC", [ModelChangedEvent(doc, other, "text", "z")])
    other.text = "b"
    msg.apply_to_document(doc)
    assert other.text == "z"

    # a small array travels inside the message, a large one as a buffer; both arrive whole
    require("self._deferred" in inspect.getsource(Serializer._encode_bytes),
            "bokeh.core.serialization.Serializer._encode_bytes", "no longer reads _deferred")
    for size, buffers in ((241, 0), (patches.INLINE_BYTES // 8 + 1, 1)):
        values = np.linspace(0.0, 1.0, size)
        source.data = {"x": values}
        msg = Protocol().create("PATCH-DOC", [ModelChangedEvent(doc, source, "data",
                                                                {"x": values})])
        assert len(msg.buffers) == buffers
        if not buffers:  # inlined as Bokeh itself writes an array into a message
            from bokeh.core.serialization import Buffer
            assert f'"data":"{Buffer("b", values.tobytes()).to_base64()}"' in msg.content_json
        source.data = {"x": []}
        msg.apply_to_document(doc)
        assert np.array_equal(source.data["x"], values)


def contract_quiet_callbacks():
    from panel.io.callbacks import PeriodicCallback

    callback = patches.quiet_periodic_callback(lambda: None, 100)
    require(isinstance(callback, PeriodicCallback) and isinstance(callback._background, bool),
            "panel.io.callbacks.PeriodicCallback._background", "expected a bool attribute")
    source = inspect.getsource(PeriodicCallback._periodic_callback)
    require("if not self._background:" in source,
            "panel.io.callbacks.PeriodicCallback._background",
            "_periodic_callback no longer skips the busy flag for it")
    assert not callback.running
    assert callback._background is not patches.STOCK and callback.log is patches.STOCK


def contract_release_jscallbacks():
    from panel.links import Callback

    require(isinstance(getattr(Callback, "registry", None), weakref.WeakKeyDictionary),
            "panel.links.Callback.registry", "expected a class-wide WeakKeyDictionary")
    beacon, ack = pn.widgets.IntInput(), pn.widgets.IntInput()
    beacon.jscallback(value="ack.value = cb_obj.value", args={"ack": ack})
    require(beacon in Callback.registry, "panel.links.Callback.registry",
            "jscallback no longer registers its source widget")
    patches.release_jscallbacks(beacon)
    if patches.STOCK:  # Panel's own behaviour: the entry, and its page, stay
        assert beacon in Callback.registry
        return
    assert beacon not in Callback.registry
    ref = weakref.ref(beacon)
    del beacon
    import gc

    gc.collect()
    assert ref() is None


def contract_quick_links():
    """Panel's own walk and the registry lookup give a page the same links: a jscallback
    between two widgets of the page, and none from a widget of another page."""
    import inspect

    from bokeh.document import Document
    from panel.links import Callback

    patches.install()
    installed = Callback._process_callbacks.__func__
    stock = getattr(installed, "__wrapped__", installed)
    assert (installed is stock) == patches.STOCK
    params = list(inspect.signature(stock).parameters)
    require(params[:5] == ["cls", "root_view", "root_model", "changed", "old_models"],
            "panel.links.Callback._process_callbacks", f"expected its signature, got {params}")
    for name in ("registry", "_callbacks"):
        require(hasattr(Callback, name), f"panel.links.Callback.{name}", "expected it")

    def page():
        beacon, ack, other = pn.widgets.IntInput(), pn.widgets.IntInput(), pn.widgets.IntInput()
        beacon.jscallback(value="ack.value = cb_obj.value", args={"ack": ack})
        elsewhere = pn.widgets.IntInput()  # a link of a page not rendered here
        elsewhere.jscallback(value="other.value = 1", args={"other": other})
        layout = pn.Column(beacon, ack)
        model = layout.get_root(Document())
        beacon_model = layout[0]._models[model.ref["id"]][0]
        callbacks = beacon_model.js_property_callbacks.get("change:value", [])
        found = [(sorted(c.args), c.code) for c in callbacks]
        for widget in (beacon, elsewhere):
            Callback.registry.pop(widget, None)
        return found

    quick = page()
    saved = Callback._process_callbacks
    try:  # Panel's own walk, for the same page
        Callback._process_callbacks = classmethod(stock)
        hooks = pn.viewable.Viewable._preprocessing_hooks
        swapped = [i for i, hook in enumerate(hooks) if hook == saved]
        for i in swapped:
            hooks[i] = Callback._process_callbacks
        walked = page()
    finally:
        for i in swapped:
            hooks[i] = saved
        Callback._process_callbacks = saved
    assert len(walked) == 1 and "ack" in walked[0][0], walked
    assert quick == walked, (quick, walked)


def contract_offline_resources():
    from bokeh.resources import Resources

    require(params_of(Resources.clone) == ["self", "components"],
            "bokeh.resources.Resources.clone(self, *, components)")
    for name in ("js_files", "css_files"):
        require(isinstance(inspect.getattr_static(Resources, name), property),
                f"bokeh.resources.Resources.{name}", "expected a property")
    resources = patches.offline_resources()
    assert resources.mode == "inline" and resources.js_files == [] == resources.css_files
    clone = resources.clone(components=["bokeh"])
    assert type(clone) is type(resources) and clone.js_files == [] and clone.components == [
        "bokeh"]


def young_collections_while_allocating(count: int) -> int:
    """How many times Python's collector ran on its youngest generation while ``count``
    container objects were made (and kept)."""
    import gc

    runs = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 0:
            runs.append(1)

    gc.collect(0)  # the young generation's count starts at 0
    gc.callbacks.append(note)
    try:
        kept = [[] for _ in range(count)]
    finally:
        gc.callbacks.remove(note)
    del kept
    return len(runs)


def contract_gc():
    """The collector honours the raised threshold (no young collection in 20,000 new
    objects; ~28 at Python's 700), and a served session's page is frozen once loaded (Panel's
    ``onload``), unfrozen when the session ends (``on_session_destroyed``), then one reclaim
    collects and freezes again (tests/test_serve.py checks that it frees a closed page)."""
    import gc
    import time

    from app.cli import serve
    from tools.net import free_port
    from tools.wsclient import Session

    gc.set_threshold(700, 10, 10)  # Python's defaults (the tests run with the app's: conftest)
    patches._collect_less()
    assert young_collections_while_allocating(20_000) == 0, gc.get_threshold()

    def wait(condition, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        return condition()

    quiet, patches.RECLAIM_QUIET_S = patches.RECLAIM_QUIET_S, 0.5
    port = free_port()
    server = serve(port=port, address="127.0.0.1", show=False, threaded=True)
    try:
        wait_for_port(port)  # (no page asked for: it would build a session)
        gc.unfreeze()
        session = Session(f"http://127.0.0.1:{port}")

        async def load() -> int:  # the freeze count once the page has loaded; then close it
            await session.open()
            deadline = time.monotonic() + 10
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            session.close()
            return gc.get_freeze_count()

        require(run_on_own_thread(load) > 0, "panel.state.onload",
                "a loaded page's session did not call freeze()")
        require(wait(lambda: patches._reclaim["first"] is not None),
                "panel.state.on_session_destroyed", "a closed session did not unfreeze")
        assert wait(lambda: patches._reclaim["first"] is None and gc.get_freeze_count() > 0), (
            "no reclaim after the session ended")
    finally:
        server.stop()
        patches.RECLAIM_QUIET_S = quiet


def every_model():
    """A fresh instance of each Bokeh and Panel model class that can be made without
    arguments (abstract classes and those needing arguments are skipped)."""
    import panel.models  # noqa: F401  (Panel's models in the registry too)
    from bokeh.core.has_props import HasProps

    for cls in list(HasProps.model_class_reverse_map.values()):
        try:
            obj = made(cls)
        except Exception:  # abstract, or needs arguments
            continue
        yield obj


def made(cls):
    """A new ``cls`` made without arguments (deprecated models are in the registry too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls()


def source_lines(function) -> list[str]:
    """A function's code lines, stripped, without its docstring and comments."""
    lines, in_doc = [], False
    for line in (raw.strip() for raw in inspect.getsource(function).splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith(("\'\'\'", '\"\"\"')):
            if not in_doc and line.count(line[:3]) == 1:
                in_doc = True
            else:
                in_doc = False
            continue
        if not in_doc:
            lines.append(line)
    return lines


PANE_INIT = """
def __init__(self, object=None, **params):
self._object_changing = False
super().__init__(object=object, **params)
if not hasattr(self, '_internal_callbacks'):
self._internal_callbacks = []
applies = self.applies(self.object, **(params if self._applies_kw else {}))
if (isinstance(applies, bool) and not applies) and self.object is not None:
self._type_error(self.object)
kwargs = {
k: v for k, v in params.items() if k in Layoutable.param and
k not in self._skip_layoutable
}
self.layout = self.default_layout(self, **kwargs)
self._internal_callbacks.append(
self.param.watch(self._sync_layoutable, list(Layoutable.param))
)
self._sync_layoutable()
"""


def contract_lazy_pane_layouts():
    """Panel's PaneBase.__init__ is still the one copied (less the layout's lines), and a
    pane's layout, made when read, equals the one Panel makes at once, before and after a
    change of the pane's size, for the kinds of pane the playground makes."""
    from bokeh.plotting import figure
    from panel.pane.base import PaneBase

    patches._make_pane_layouts_when_read()
    own = PaneBase.__init__.__wrapped__
    require(source_lines(own) == PANE_INIT.strip().splitlines(),
            "panel.pane.base.PaneBase.__init__",
            "not the body app/patches.py copies")

    def stock(make):
        PaneBase.__init__ = own
        try:
            pane = make()
        finally:
            PaneBase.__init__ = patched
        assert "_tinynet_layout" in vars(pane)  # Panel's __init__ made it at once
        return pane

    patched = PaneBase.__init__
    kinds = [
        lambda: pn.pane.HTML("<p>x</p>", width=96, margin=(22, 0, 0, 0), css_classes=["a"]),
        lambda: pn.pane.Markdown("*x*", sizing_mode="stretch_width"),
        lambda: pn.pane.Alert("x", alert_type="danger", margin=0),
        lambda: pn.pane.Bokeh(figure(height=200), sizing_mode="stretch_width", min_height=100),
        lambda: patches.FastHTML("x", height=40),
    ]
    for make in kinds:
        ours, theirs = make(), stock(make)
        assert "_tinynet_layout" not in vars(ours)  # not made until read
        for step in range(2):
            assert type(ours.layout) is type(theirs.layout) is pn.Row
            assert ours.layout.objects == [ours] and theirs.layout.objects == [theirs]
            for name in ours.layout.param:
                if name not in ("name", "objects"):
                    assert getattr(ours.layout, name) == getattr(theirs.layout, name), (
                        type(ours), step, name)
            for pane in (ours, theirs):  # a change after the layout was read follows
                pane.param.update(width=150, margin=(5, 10))
    assert pn.panel("<b>x</b>").object == "<b>x</b>"  # pn.panel() unpacks the layout as before
    assert isinstance(pn.panel(1.5), pn.pane.PaneBase)


def contract_kept_theme_modifiers():
    """Panel's Design._get_modifiers reads no more than the key covers (the component's
    class, the theme's class and its two CSS parameters, isolated, served or not), and for
    the components the playground makes the kept answer equals Panel's, asked twice."""
    from panel.theme import Design, Native
    from panel.theme.base import Theme

    patches._keep_theme_modifiers()
    patched = Design.__dict__["_get_modifiers"].__func__
    own = patched.__wrapped__
    source = inspect.getsource(own)
    for expected in ("theme_type = type(theme) if isinstance(theme, Theme) else theme",
                     "is_server = bool(state.curdoc.session_context) if not state._is_pyodide "
                     "and state.curdoc else False",
                     "cls._resolve_modifiers(type(viewable), theme_type, is_server=is_server)",
                     "for p in ('base_css', 'css'):", "css = getattr(theme, p)"):
        require(expected in source, "panel.theme.base.Design._get_modifiers",
                f"no longer: {expected}")
    reads = set(re.findall(r"\btheme\.(\w+)", source)) | set(
        re.findall(r"getattr\(theme, ['\"](\w+)", source))
    require(reads <= {"base_css", "css"}, "panel.theme.base.Design._get_modifiers",
            f"reads {reads} of the theme")
    design = Native(theme="default")
    require(isinstance(design.theme, Theme), "panel.theme.Design.theme")
    kinds = [pn.pane.HTML("x"), pn.pane.Markdown("x"), pn.pane.Alert("x"), pn.widgets.Button(),
             pn.widgets.Toggle(), pn.widgets.RadioButtonGroup(options=["a"]),
             pn.widgets.FloatSlider(), pn.widgets.IntInput(), pn.Column(), pn.Row(),
             pn.Card(), patches.FastHTML("x"), patches.FastFloatSlider(),
             patches.FastIntInput()]
    styled = 0
    for viewable in kinds:
        for cls, theme in ((Native, design.theme), (Native, type(design.theme)),
                           (Design, design.theme)):
            theirs = own(cls, viewable, theme)
            for _ in range(2):
                ours = patched(cls, viewable, theme)
                assert ours == theirs, (type(viewable), cls, theme)
                modifiers = ours[0]
                if "stylesheets" in modifiers:  # a list of its own, as Panel gives it
                    styled += 1
                    again = patched(cls, viewable, theme)[0]
                    assert modifiers["stylesheets"] is not again["stylesheets"]
    assert styled >= len(kinds)  # the theme's stylesheets were among those compared


def contract_no_diagnostics():
    """Bokeh's setting is there, on by default, and is what the callback check and the
    attribute error consult; off, a property callback registers without the check and a
    wrong attribute still raises."""
    from bokeh.core.has_props import HasProps
    from bokeh.models import Slider
    from bokeh.settings import settings
    from bokeh.util import callback_manager

    setting = settings.perform_error_diagnostics
    require(setting.default is True, "bokeh.settings.perform_error_diagnostics",
            "no longer on by default")
    for function in (callback_manager._check_callback,
                     HasProps._raise_attribute_error_with_matches):
        require("settings.perform_error_diagnostics()" in inspect.getsource(function),
                f"bokeh {function.__qualname__}", "no longer consults the setting")
    patches._skip_error_diagnostics()
    if "BOKEH_PERFORM_ERROR_DIAGNOSTICS" not in os.environ:
        assert setting() is False
    slider = Slider()
    slider.on_change("value", lambda attr, old, new: None)
    with pytest.raises(AttributeError, match="unexpected attribute 'valeu'"):
        slider.valeu  # noqa: B018


QUERY_LOOP = """
def query_properties_with_values(self, query: Callable[[PropertyDescriptor[Any]], bool], *,
include_defaults: bool = True, include_undefined: bool = False) -> dict[str, Any]:
themed_keys: set[str] = set()
result: dict[str, Any] = {}
keys = self.properties(_with_props=True)
if include_defaults:
selected_keys = set(keys)
else:
selected_keys = set(self._property_values.keys()) | set(self._unstable_default_values.keys())
themed_values = self.themed_values()
if themed_values is not None:
themed_keys = set(themed_values.keys())
selected_keys |= themed_keys
for key in keys:
descriptor = self.lookup(key)
if not query(descriptor):
continue
try:
value = descriptor.get_value(self)
except UnsetValueError:
if include_undefined:
value = Undefined
else:
raise
else:
if key not in selected_keys:
continue
if not include_defaults and key not in themed_keys:
if isinstance(value, PropertyValueContainer) and key in self._unstable_default_values:
continue
result[key] = value
return result
"""


def contract_read_what_is_sent():
    """Bokeh's query_properties_with_values is still the loop app/patches.py copies, and for
    every Bokeh and Panel model class, fresh and with values set, and for a whole playground
    page, the patched query returns what Bokeh's returns, with and without defaults and
    undefined values (an unset property still raises)."""
    from bokeh.core.has_props import HasProps
    from bokeh.document import Document
    from bokeh.models import ColumnDataSource, GlyphRenderer, Slider

    from app.main import PlaygroundApp

    patches._read_only_what_is_sent()
    patched = HasProps.query_properties_with_values
    own = patched.__wrapped__
    require(source_lines(own) == QUERY_LOOP.strip().splitlines(),
            "bokeh HasProps.query_properties_with_values", "not the loop app/patches.py copies")

    def same(obj):
        serialized = lambda descriptor: descriptor.serialized  # noqa: E731
        for defaults in (False, True):
            for undefined in (False, True):
                outcomes = []
                for query in (own, patched):
                    try:
                        outcomes.append(query(obj, serialized, include_defaults=defaults,
                                              include_undefined=undefined))
                    except Exception as err:  # the same error either way
                        outcomes.append((type(err), str(err)))
                assert outcomes[0] == outcomes[1], (type(obj), defaults, undefined)

    compared = 0
    for obj in every_model():
        same(obj)
        compared += 1
    assert compared > 300
    renderer = GlyphRenderer(data_source=ColumnDataSource({"x": [1]}))  # glyph unset: raises
    with pytest.raises(Exception, match="doesn't have a value set"):
        patched(renderer, lambda d: d.serialized, include_defaults=False)
    same(renderer)
    same(Slider(start=0, end=1, value=0.5, title="t"))
    doc = Document()
    doc.add_root(pn.panel(PlaygroundApp(loop=False)).get_root(doc))
    for model in doc.models:
        same(model)
    assert len(doc.models) > 100


def contract_themed_values_read():
    """Bokeh's themed_values still reads the attribute apply_theme sets, nothing of that name
    lives on a model class, and for every model class the patched read equals Bokeh's: with
    no theme, with a theme's values and after the theme is taken away."""
    from bokeh.core.has_props import HasProps
    from bokeh.models import Slider

    patches._read_themed_values_directly()
    patched = HasProps.themed_values
    own = patched.__wrapped__
    require(source_lines(own)[-1] == "return getattr(self, '__themed_values__', None)",
            "bokeh HasProps.themed_values", "no longer the attribute's getattr")
    require("setattr(self, '__themed_values__', property_values)"
            in inspect.getsource(HasProps.apply_theme), "bokeh HasProps.apply_theme",
            "no longer sets the attribute")
    import panel.models  # noqa: F401

    for cls in list(HasProps.model_class_reverse_map.values()):
        assert not any("__themed_values__" in vars(c) for c in cls.__mro__), cls
    compared = 0
    for obj in every_model():
        assert patched(obj) is own(obj) is None
        compared += 1
    assert compared > 300
    slider = Slider()
    values = {"title": "themed"}
    slider.apply_theme(values)
    assert patched(slider) is own(slider) is values and slider.title == "themed"
    slider.apply_theme({})
    assert patched(slider) is own(slider) is None and slider.title == ""


def holds_models(value) -> bool:
    from bokeh.core.has_props import HasProps

    items = value.values() if isinstance(value, dict) else value
    return isinstance(value, (list, tuple, set, dict)) and any(
        isinstance(v, HasProps) for v in items)


def contract_stable_defaults():
    """Every property of every Bokeh and Panel model class reads the same through the kept
    defaults as through Bokeh's own path, read twice (the second from what was kept), also
    where a document's theme overrides a default."""
    from bokeh.core.has_props import HasProps
    from bokeh.core.property.descriptors import PropertyDescriptor
    from bokeh.core.property.wrappers import PropertyValueContainer
    from bokeh.document import Document
    from bokeh.models import Slider
    from bokeh.themes import Theme

    for name in ("_unstable_default_values", "_unstable_themed_values", "themed_values"):
        require(hasattr(Slider(), name), f"bokeh HasProps.{name}")
    themed_slider = Slider()
    themed_slider.apply_theme({"title": "t"})
    require(vars(themed_slider).get("__themed_values__") == themed_slider.themed_values()
            == {"title": "t"}, "bokeh HasProps.__themed_values__", "a theme kept elsewhere")
    require(params_of(PropertyDescriptor._get_default)[:2] == ["self", "obj"],
            "bokeh PropertyDescriptor._get_default(self, obj)")
    patches._keep_stable_defaults()
    patched = PropertyDescriptor._get_default
    own = patched.__wrapped__

    compared = 0
    for obj in every_model():
        cls = type(obj)
        for _ in range(2):
            for prop in obj.properties() - set(obj._property_values):
                descriptor = obj.lookup(prop)
                if not isinstance(descriptor, PropertyDescriptor):  # an alias of another
                    continue
                kept, theirs = descriptor._get_default(obj), own(descriptor, obj)
                assert kept == theirs or (kept != kept and theirs != theirs), (cls, prop)
                compared += 1
    assert compared > 10_000
    # a model made through the kept empty containers holds what Bokeh's own path makes: the
    # same values, its own containers (not another instance's), owned by it (a change to one
    # is a change of the model)
    owned = 0
    for _ in range(2):  # the second round is made from what the first kept
        for ours in every_model():
            PropertyDescriptor._get_default = own
            try:
                theirs = made(type(ours))
            finally:
                PropertyDescriptor._get_default = patched
            again = made(type(ours))
            unstable = ours._unstable_default_values
            assert unstable.keys() == theirs._unstable_default_values.keys(), type(ours)
            for prop, value in unstable.items():
                stock = theirs._unstable_default_values[prop]
                assert type(value) is type(stock), (type(ours), prop)
                if not isinstance(value, HasProps):  # (a model default is a new model)
                    assert len(value) == len(stock) if holds_models(value) else value == stock, (
                        type(ours), prop)
                if isinstance(value, PropertyValueContainer):
                    assert value is not again._unstable_default_values[prop], (type(ours), prop)
                    assert any(owner is ours for owner, _ in value._owners), (type(ours), prop)
                    owned += 1
    assert owned > 1_000
    slider = Slider()
    slider.tags.append("changed")  # a kept container is the model's own value
    assert slider.tags == ["changed"] and Slider().tags == []
    doc = Document()
    doc.theme = Theme(json={"attrs": {"Slider": {"title": "themed"}}})
    plain, themed = Slider(), Slider()
    assert plain.title == ""  # kept for the class
    doc.add_root(themed)
    assert themed.title == "themed" and plain.title == ""


def contract_page_stylesheet():
    """Outside a served session the resolver gives the file's text; Panel's component-resource
    route serves files listed in a component's ``_stylesheets`` (tests/test_serve.py fetches
    the served URL)."""
    from panel.io.resources import resolve_stylesheet
    from panel.io.server import ComponentResourceHandler

    from app.main import PlaygroundApp

    require(params_of(resolve_stylesheet)[:3] == ["cls", "stylesheet", "attribute"],
            "panel.io.resources.resolve_stylesheet(cls, stylesheet, attribute)")
    require("_stylesheets" in ComponentResourceHandler._resource_attrs,
            "panel.io.server.ComponentResourceHandler._resource_attrs", "no _stylesheets")
    text = (ROOT / "app" / "style.css").read_text()
    assert patches.page_stylesheet(PlaygroundApp, "style.css") == text


def contract_local_dist_url():
    """Panel reads where its stylesheets are served from the document's template variables,
    which its page handler fills in; the patch fills them in the same way, once."""
    from bokeh.document import Document
    from panel.io import server
    from panel.reactive import Reactive

    require("_template_variables['dist_url']" in inspect.getsource(Reactive._get_properties),
            "panel.reactive.Reactive._get_properties", "no longer reads dist_url")
    require("doc._template_variables['dist_url'] = dist_url"
            in inspect.getsource(server.server_html_page_for_session),
            "panel.io.server.server_html_page_for_session", "no longer sets dist_url")
    doc = Document()
    patches.link_panel_locally(doc)
    assert doc._template_variables["dist_url"].endswith("static/extensions/panel/")
    doc._template_variables["dist_url"] = "kept/"
    patches.link_panel_locally(doc)
    assert doc._template_variables["dist_url"] == "kept/"


def contract_quick_acks():
    """Panel hands a browser change to ``_process_events({name: value})``; the ack widget's
    override gives a value change to its callback, and anything else to Panel."""
    from panel.reactive import Syncable

    require(params_of(Syncable._process_events) == ["self", "events"],
            "panel.reactive.Syncable._process_events(self, events)")
    require("_process_events" in inspect.getsource(Syncable._change_event),
            "panel.reactive.Syncable._change_event", "no longer calls _process_events")
    got = []
    ack = patches.FastAckInput(got.append, value=0)
    ack._process_events({"value": 7})
    assert got == [7] and ack.value == 0
    ack._process_events({"visible": False})  # Panel's own path
    assert ack.visible is False and got == [7]


def contract_shared_sockets():
    """Bokeh's Server binds through its module's ``bind_sockets(address, port)`` and accepts on
    what it returns (``add_sockets``); patched, it listens on nothing of its own and reports
    the shared socket's port, and a connection accepted by hand and given to
    ``connection_handler`` (its HTTPServer's ``_handle_connection``) is answered."""
    import bokeh.server.server as bokeh_server
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from tornado.httpserver import HTTPServer


    # Panel puts a subclass of its own in the module's place: Bokeh's is in its bases
    server = [c for c in bokeh_server.Server.__mro__
              if c.__module__ == "bokeh.server.server" and c.__name__ == "Server"]
    source = inspect.getsource(server[0].__init__) if server else ""
    require("bind_sockets(opts.address, opts.port)" in source
            and "add_sockets(sockets)" in source,
            "bokeh.server.server.Server.__init__", "no longer binds via bind_sockets")
    require(params_of(HTTPServer._handle_connection) == ["self", "connection", "address"],
            "tornado.httpserver.HTTPServer._handle_connection", "signature changed")
    own = bokeh_server.bind_sockets
    shared = patches.bind_shared_sockets(0, "127.0.0.1")
    port = shared[0].getsockname()[1]

    async def answer():
        served = bokeh_server.Server({"/": Application(FunctionHandler(lambda doc: None))},
                                     port=0, address="127.0.0.1")
        served.start()
        try:
            require(isinstance(served._http, HTTPServer) and not served._http._sockets,
                    "bokeh.server.server.Server._http", "not an HTTPServer listening on nothing")
            assert served.port == port
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            connection, address = await asyncio.get_running_loop().sock_accept(shared[0])
            patches.connection_handler(served)(connection, address)
            writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            status = await asyncio.wait_for(reader.readline(), 30)
            writer.close()
            return status
        finally:
            served.stop()

    try:
        patches.serve_on_shared_sockets(shared)
        assert run_on_own_thread(answer).startswith(b"HTTP/1.1 200"), "no page"
    finally:
        bokeh_server.bind_sockets = own
        for sock in shared:
            sock.close()


def contract_page_handler():
    """Bokeh's server takes its page handler from ``per_app_patterns`` (Panel's DocHandler
    there first): wrapped, a server capped at one session answers a second arrival with the
    busy page (503, Retry-After), and still does after Bokeh's unused-session lifetime (1 s)
    has passed twice, because the first page's session is kept until its websocket connects."""
    import time
    import urllib.error
    import urllib.request

    import panel.io.server  # noqa: F401
    from bokeh.server import urls
    from panel.io.server import DocHandler

    from app import capacity
    from app.cli import SESSION_CHECK_MS, serve
    from tools.net import free_port

    pages = [row for row in urls.per_app_patterns if row[0] == r"/?"]
    require(len(pages) == 1 and issubclass(pages[0][1], DocHandler),
            "bokeh.server.urls.per_app_patterns", "expected Panel's DocHandler at route '/?'")

    def status(url) -> tuple[int, str | None]:
        try:
            with urllib.request.urlopen(url, timeout=60) as answer:
                return answer.status, answer.headers.get("Retry-After")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Retry-After")

    port = free_port()
    server = serve(port=port, address="127.0.0.1", show=False, threaded=True, max_sessions=1)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_port(port)
        assert status(url) == (200, None)  # the first arrival
        busy = (503, str(capacity.RETRY_AFTER_S))
        require(status(url) == busy, "bokeh.server.urls.per_app_patterns",
                "the page handler did not answer past the cap")
        time.sleep(2.5 * SESSION_CHECK_MS / 1000)  # an unused session would be gone by now
        require(status(url) == busy, "panel.io.server.DocHandler.get_session",
                "the first page's session was not kept until its websocket connects")
    finally:
        server.stop()


CONTRACTS = {name[len("contract_"):]: fn for name, fn in globals().items()
             if name.startswith("contract_")}


def test_every_patch_has_a_contract_and_a_reason():
    assert set(CONTRACTS) == set(patches.PATCHES)
    for name, reason in patches.PATCHES.items():
        assert "(" in reason and "\n" not in reason, f"{name}: a one-line reason with its gain"


@pytest.mark.parametrize("name", sorted(patches.PATCHES))
def test_contract(name):
    CONTRACTS[name]()


# -- the seam is the only place -----------------------------------------------------------------
def code_lines(path: Path) -> dict[int, str]:
    """{line: its code without comments or strings}, imports written as dotted paths
    (``from panel.io import document`` reads ``panel.io.document``)."""
    lines: dict[int, list[str]] = {}
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for tok in tokens:
        if tok.type in (tokenize.NAME, tokenize.OP, tokenize.NUMBER):
            lines.setdefault(tok.start[0], []).append(tok.string)
    out = {}
    for number, parts in lines.items():
        text = " ".join(parts).replace(" . ", ".")
        m = re.match(r"from ([\w.]+) import (.*)", text)
        if m:
            names = [n.split(" as ")[0].strip(" ()") for n in m.group(2).split(",")]
            text += " " + " ".join(f"{m.group(1)}.{n}" for n in names if n)
        out[number] = text
    return out


def test_no_module_but_patches_touches_the_seams_private_names():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "patches.py" and path.parent.name == "app":
            continue
        for number, text in code_lines(path).items():
            for name in patches.PRIVATE_NAMES:
                if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)|\.{re.escape(name)}(?!\w)",
                             text):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {name}")
    assert not found, "Panel/Bokeh internals outside app/patches.py:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from panel.io import document\nx = 1  # _debounce in a comment\n"
                     "class S:\n    _debounce = 0\nCallback.registry.pop(w)\n")
    hits = {n: [name for name in patches.PRIVATE_NAMES
                if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)|\.{re.escape(name)}(?!\w)", t)]
            for n, t in code_lines(probe).items()}
    assert hits == {1: ["panel.io.document"], 2: [], 3: [], 4: ["_debounce"], 5: ["registry"]}


# -- versions -----------------------------------------------------------------------------------
def test_installed_versions_are_the_checked_ones():
    installed = {name: version(name) for name in patches.CHECKED_ON}
    print(f"installed {installed}, patches checked on {patches.CHECKED_ON}")
    assert installed == patches.CHECKED_ON, (
        f"{installed} is installed; app/patches.py was checked on {patches.CHECKED_ON}: run "
        "tests/test_patches.py's contracts and update CHECKED_ON and pyproject.toml")
    assert patches.UNCHECKED is None
    tomllib = pytest.importorskip("tomllib")
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for name, checked in patches.CHECKED_ON.items():
        assert f"{name}=={checked}" in pins, f"pyproject.toml must pin {name}=={checked}: {pins}"


def test_unchecked_versions_names_each_package_that_differs():
    found = {**patches.CHECKED_ON, "panel": "1.10.0", "param": "2.5.0"}
    assert patches.unchecked_versions(found.get) == (
        "panel 1.10.0 is installed, checked on 1.9.4; param 2.5.0 is installed, checked on 2.4.2")
    assert patches.unchecked_versions(patches.CHECKED_ON.get) is None


def installed_as(tmp_path, name: str, version_: str) -> str:
    """A folder that, first on PYTHONPATH, makes ``importlib.metadata`` (pip's view, and the
    check's) find ``name`` at ``version_``: what installing another version looks like to it.
    The code imported is still the installed one."""
    meta = tmp_path / f"{name}-{version_}.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version_}\n")
    return str(tmp_path)


def test_another_version_runs_stock_without_installing_a_patch(tmp_path):
    other = run_snapshot(stock=False, pythonpath=installed_as(tmp_path, "param", "2.4.3"))
    assert other["unchecked"] == "param 2.4.3 is installed, checked on 2.4.2"
    assert other["stock"] is True
    assert other["changed"] == [], f"param 2.4.3 seen, but install() changed {other}"
    assert other["classes"] == [True, True, True]  # Panel's own widgets


def test_the_server_on_another_version_says_so_once_and_serves(tmp_path, monkeypatch):
    """``--num-procs 2`` on a panel it was not checked on: stock mode, one WARNING line."""
    monkeypatch.setenv("PYTHONPATH", installed_as(tmp_path, "panel", "1.10.0"))
    monkeypatch.delenv("TINYNET_STOCK_PANEL", raising=False)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, cli_server(2, log=log):
        pass  # it answered the page
    lines = log_path.read_text().splitlines()
    said = [line for line in lines if "panel 1.10.0 is installed" in line]
    assert len(said) == 1, lines
    assert said[0].endswith(" tinynet WARNING panel 1.10.0 is installed, checked on 1.9.4: "
                            "serving Panel and Bokeh as shipped (as with TINYNET_STOCK_PANEL=1), "
                            "without app/patches.py"), said


def test_the_server_on_the_checked_versions_runs_patched(tmp_path, monkeypatch):
    monkeypatch.delenv("TINYNET_STOCK_PANEL", raising=False)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, cli_server(1, log=log):
        pass
    text = log_path.read_text()
    assert "is installed, checked on" not in text and "as shipped" not in text, text


# -- stock mode ---------------------------------------------------------------------------------
SNAPSHOT = """
import gc, json, sys
import panel as pn
from bokeh.document import document as bd
from bokeh.protocol.messages.patch_doc import patch_doc
from panel.io import document as pd, server as ps

def snapshot():
    return {
        "WSHandler.open": id(ps.WSHandler.open), "panel.io.document.asyncio": id(pd.asyncio),
        "panel.io.document._dispatch_msgs": id(pd._dispatch_msgs),
        "patch_doc.create": id(patch_doc.__dict__["create"]),
        "Document.apply_json_patch": id(bd.Document.apply_json_patch),
        "bokeh.document.document.Deserializer": id(bd.Deserializer),
        "DocumentModelManager.destroy": id(bd.DocumentModelManager.destroy),
        "PaneBase.__init__": id(pn.pane.PaneBase.__init__),
        "diagnostics": __import__("bokeh.settings").settings.settings.perform_error_diagnostics(),
        "Design._get_modifiers": id(pn.theme.Design.__dict__["_get_modifiers"]),
        "gc thresholds": list(gc.get_threshold()),
    }

before = snapshot()
from app import patches
patches.install()
if patches.STOCK:  # a no-op then; patched, it needs a session
    patches.install_session()
after = snapshot()
print(json.dumps({"stock": patches.STOCK, "unchecked": patches.UNCHECKED,
                  "changed": sorted(k for k in before if before[k] != after[k]),
                  "classes": [patches.FloatSlider is patches.StockFloatSlider,
                              patches.IntInput is pn.widgets.IntInput,
                              patches.HTML is pn.pane.HTML]}))
"""


def run_snapshot(stock: bool, pythonpath: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TINYNET_STOCK_PANEL"}
    if stock:
        env["TINYNET_STOCK_PANEL"] = "1"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run([sys.executable, "-c", SNAPSHOT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_stock_panel_leaves_panel_and_bokeh_untouched():
    stock = run_snapshot(stock=True)
    assert stock["stock"] is True
    assert stock["changed"] == [], f"TINYNET_STOCK_PANEL=1 but install() changed {stock}"
    assert stock["classes"] == [True, True, True]  # Panel's own widgets (+ set_css_var)
    assert patches.StockFloatSlider.__bases__ == (pn.widgets.FloatSlider,)

    class Plain(pn.widgets.FloatSlider):
        """What any subclass of FloatSlider has."""

    added = set(vars(patches.StockFloatSlider)) - set(vars(Plain))
    assert added == {"set_css_var", "css_var"}, f"StockFloatSlider adds more: {added}"


def test_patched_install_changes_what_the_snapshot_watches():
    """The other side of the stock test: without the switch, each watched object changes."""
    patched = run_snapshot(stock=False)
    assert patched["stock"] is False
    assert patched["changed"] == sorted([
        "Design._get_modifiers", "Document.apply_json_patch", "DocumentModelManager.destroy",
        "PaneBase.__init__", "WSHandler.open", "diagnostics",
        "bokeh.document.document.Deserializer", "gc thresholds", "panel.io.document._dispatch_msgs",
        "panel.io.document.asyncio",
        "patch_doc.create"])
    assert patched["classes"] == [False, False, False]


# The non-browser tests that build pages, sessions, their views and the server's settings, run
# once more in stock mode: the mode any other version of Panel, Bokeh or param gets (~45 s here),
# in three processes, so that pytest -n spreads them (one per file costs a start-up each).
STOCK_RUN = ["test_app_state.py", "test_app_views.py", "test_app_experiments.py", "test_loop.py",
             "test_lazy.py", "test_lessons.py", "test_link_values.py", "test_urlstate.py",
             "test_reliability.py", "test_export.py"]
STOCK_PARTS = [STOCK_RUN[i::3] for i in range(3)]


@pytest.mark.parametrize("names", STOCK_PARTS, ids=lambda names: names[0][len("test_"):-3])
def test_the_app_tests_pass_in_stock_mode(names):
    env = {**os.environ, "TINYNET_STOCK_PANEL": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not browser", "-p", "no:cacheprovider",
         *(f"tests/{name}" for name in names)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"in stock mode:\n{done.stdout[-6000:]}"
