"""Low latency and many sessions: the one place that touches Panel and Bokeh internals.

Six delays sit between a slider move in the browser and new plot data coming back:
- Panel waits ``Syncable._debounce`` (50 ms) before it processes a widget change from the
  browser. ``FastFloatSlider`` sets it to 0 for the weight sliders.
- Small websocket frames can wait ~40 ms in the kernel (Nagle's algorithm meeting delayed
  ACKs). ``enable_nodelay()`` sets TCP_NODELAY on each Bokeh server websocket.
- A Panel HTML pane whose ``object`` changes recomputes every property of its Bokeh model,
  stylesheets included: about 2 ms a pane, and nothing goes out until all views are done.
  ``FastHTML`` sends the new text only (benchmarks/bench_browser.py: slider -> plot p50
  34 -> 20 ms, Train updates reaching the page 20 -> 36 a second).
- Any server-side change to a widget (its value, its styles) makes Panel re-derive the
  design's stylesheets, ~0.7 ms a slider, four to thirteen sliders a training tick.
  ``FastFloatSlider`` skips that unless the stylesheets themselves change, and
  ``set_css_var`` sets one CSS custom property on the rendered models only.
- When a batch of changes is ready while the websocket is busy (Bokeh is acknowledging the
  browser's previous message, which a keyboard step always sends as value + value_throttled),
  Panel parks the batch and retries after a fixed ``asyncio.sleep(0.01)``: 10 ms added to most
  slider steps. ``enable_quick_write_retry()`` makes that retry poll every millisecond.
- Every message Bokeh builds or applies first maps every model of the document to its
  reference (~540 models here; ~0.6 ms a message, and the allocations wake Python's garbage
  collector). ``enable_cached_references()`` keeps that map per document until its set of
  models changes.

What many sessions in one process cost (benchmarks/load.py, py-spy on the server):
- Each run of a periodic callback marks the session busy and unbusy (a watched parameter of
  Panel's global state) and writes two log records: ~12 % of a loaded server's time when 20
  sessions train. ``quiet_periodic_callback`` makes one without either.
- Python's garbage collector scans its youngest objects every 700 allocations and everything
  once the survivors grow by a quarter; with 20 sessions (~300 MB of objects) that was
  ~100 ms a second, with full passes of 0.5-1 s that stall every session.
  ``collect_less()`` raises the thresholds (~10 ms a second) and ``freeze_when_loaded()``
  keeps live sessions out of the full passes.
- A closed session must be freed: ``forget_views_when_closed()`` drops what Panel's
  notification area leaves of it in ``pn.state._views`` (app/loop.py releases the one
  jscallback the app makes).
Checked on Panel 1.9 and Bokeh 3.9 (pinned in pyproject.toml); tests/test_fast.py fails if
either internal moves.
"""
import asyncio
import gc

import panel as pn
from bokeh.core.serialization import Deserializer, Serializer
from bokeh.document import document as _bokeh_document
from bokeh.protocol.messages.patch_doc import PatchJson
from bokeh.protocol.messages.patch_doc import patch_doc as _PatchDoc
from panel.io import document as _panel_document
from panel.io import server as _panel_server


class FastFloatSlider(pn.widgets.FloatSlider):
    """A FloatSlider whose browser-side changes are processed at once (no 50 ms debounce),
    and whose CSS custom properties can be set cheaply (see ``set_css_var``)."""

    _debounce = 0
    # Panel marks the whole session busy around each browser event (a watched parameter of
    # its global state, ~4 ms); a slider step is too small to be worth a busy indicator
    _busy__ignore = ["value", "value_throttled"]

    def __init__(self, **params):
        super().__init__(**params)
        self._css_vars: dict[str, str] = {}

    def _update_properties(self, *events, doc):
        # Panel's version asks the design for its stylesheets on every change; they only
        # matter when the stylesheets are what changed
        if any(event.name in ("stylesheets", "design") for event in events):
            return super()._update_properties(*events, doc=doc)
        return self._process_param_change({event.name: event.new for event in events})

    def set_css_var(self, name: str, value: str) -> None:
        """Set ``--name: value`` on the slider's element in every view of it (and later ones)."""
        self._css_vars[name] = value
        for model, _ in self._models.values():
            model.styles = {**model.styles, name: value}

    def _get_model(self, doc, root=None, parent=None, comm=None):
        model = super()._get_model(doc, root, parent, comm)
        if self._css_vars:
            model.styles = {**model.styles, **self._css_vars}
        return model


class FastIntInput(pn.widgets.IntInput):
    """An IntInput whose browser-side changes are processed at once (no 50 ms debounce)."""

    _debounce = 0
    _busy__ignore = ["value"]


class FastHTML(pn.pane.HTML):
    """An HTML pane that sends only the new ``text`` when its object changes.

    ``_update`` runs when one of ``_rerender_params`` (object, sanitize_html, sanitize_hook)
    changes, and for HTML those decide nothing but the text; other parameters (visible,
    styles, ...) still go through Panel's own path.
    """

    def _update(self, ref, model):
        if self.enable_streaming:
            return super()._update(ref, model)
        model.update(text=self._transform_object(self.object)["object"])


GC_THRESHOLDS = (50_000, 20, 10)  # Python's defaults are (700, 10, 10)


def collect_less() -> None:
    """Run Python's garbage collector less often (a served process; see the module notes)."""
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


_garbage_pending = [False]  # a session ended since the last freeze


def freeze_when_loaded() -> None:
    """Once this session's page has loaded, move every object Python has so far out of the
    full collections' way (``gc.freeze``): with 20 sessions a full collection took 0.5-1 s,
    every 10-20 s while they trained, and stalled them all. When a session ends, everything
    is unfrozen so that it can be freed; the next page load then collects fully before it
    freezes again (a stall on a page load after a close, not while training)."""
    def freeze():
        if _garbage_pending[0]:
            _garbage_pending[0] = False
            gc.collect()
        else:
            gc.collect(1)  # the young garbage first, so it is not kept
        gc.freeze()

    def unfreeze(context):
        _garbage_pending[0] = True
        gc.unfreeze()

    pn.state.onload(freeze)
    pn.state.on_session_destroyed(unfreeze)


def forget_views_when_closed() -> None:
    """When this session ends, drop what ``pn.state._views`` still holds of its document.

    With ``pn.extension(notifications=True)`` under ``pn.serve`` (Panel 1.9.4) the session's
    notification area stays registered there after the session ends, and through it the
    whole document: every closed tab's ~7 MB was kept, and with it the work of scanning it
    (10 sessions opened and closed four times: 19 -> 13.5 updates/s, 200 -> 151 epochs/s).
    """
    doc = pn.state.curdoc

    def forget(context):
        for ref, view in list(pn.state._views.items()):
            if view[2] is doc:
                pn.state._views.pop(ref, None)
                view[0]._documents.pop(doc, None)

    pn.state.on_session_destroyed(forget)


def quiet_periodic_callback(callback, period: int):
    """``pn.state.add_periodic_callback(callback, period, start=False)`` without the busy
    indicator's bookkeeping or the start/end log records around every run."""
    cb = pn.state.add_periodic_callback(callback, period=period, start=False)
    cb._background = True
    cb.log = False
    return cb


class _QuickRetryAsyncio:
    """Stands in for ``asyncio`` inside panel.io.document: the same, but sleeps at most 1 ms."""

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, *args, **kwargs):
        return await asyncio.sleep(min(delay, 0.001), *args, **kwargs)


def enable_quick_write_retry() -> None:
    """Retry a parked websocket write after 1 ms instead of Panel's 10 ms."""
    if not isinstance(_panel_document.asyncio, _QuickRetryAsyncio):
        _panel_document.asyncio = _QuickRetryAsyncio()


def enable_nodelay() -> None:
    """Send websocket frames immediately (TCP_NODELAY) on every new Bokeh server connection."""
    handler = _panel_server.WSHandler
    if getattr(handler, "_tinynet_nodelay", False):
        return
    original_open = handler.open

    def open(self, *args, **kwargs):
        self.set_nodelay(True)
        return original_open(self, *args, **kwargs)

    handler.open = open
    handler._tinynet_nodelay = True


def _synced_refs(models) -> dict:
    """{id(model): model.ref} of a document's synced models (what ``Serializer`` builds from
    ``synced_references``), remade only when the document's set of models changes."""
    current = models._models  # Bokeh replaces this dict whenever it recomputes the models
    cache = getattr(models, "_tinynet_refs", None)
    if cache is None or cache[0] is not current or cache[1] != len(current):
        cache = (current, len(current), {id(m): m.ref for m in current.values()})
        models._tinynet_refs = cache
    refs = dict(cache[2])
    for model in models._new_models:  # not synced yet: sent in full, as Bokeh does
        refs.pop(id(model), None)
    return refs


_bokeh_create_patch = _PatchDoc.create.__func__  # Bokeh's own, kept for the tests


def _create_patch(cls, events, **metadata):
    """``patch_doc.create`` with the references map from ``_synced_refs``."""
    header = cls.create_header()
    if not events:
        raise ValueError("PATCH-DOC message requires at least one event")
    docs = {event.document for event in events}
    if len(docs) != 1:
        raise ValueError("PATCH-DOC message configured with events for more than one document")
    [doc] = docs
    serializer = Serializer()
    serializer._references = _synced_refs(doc.models)
    patch_json = PatchJson(events=serializer.encode(events))
    doc.models.flush_synced(lambda model: not serializer.has_ref(model))
    msg = cls(header, metadata, patch_json)
    msg.add_buffers(*serializer.buffers)
    return msg


_applying = []  # the model managers of the documents whose patch is being applied


class _DocumentDeserializer(Deserializer):
    """Takes the document's own {id: model} map instead of rebuilding it from a list."""

    def __init__(self, references=None, *, setter=None):
        super().__init__(None, setter=setter)
        models = _applying[-1] if _applying else None
        if models is not None and references is not None and len(references) == len(models):
            self._references = dict(models._models)
        else:
            self._references = {obj.id: obj for obj in references or []}


def enable_cached_references() -> None:
    """Build and apply Bokeh messages without mapping every model each time."""
    if getattr(_PatchDoc, "_tinynet_cached", False):
        return
    _PatchDoc.create = classmethod(_create_patch)
    _PatchDoc._tinynet_cached = True
    document = _bokeh_document.Document
    original_apply = document.apply_json_patch

    def apply_json_patch(self, patch_json, *, setter=None):
        _applying.append(self.models)
        try:
            return original_apply(self, patch_json, setter=setter)
        finally:
            _applying.pop()

    document.apply_json_patch = apply_json_patch
    _bokeh_document.Deserializer = _DocumentDeserializer
    # the cache holds every model of its document: drop it with the document's models (a
    # closed session's Document can outlive it briefly, e.g. in the context of a pending
    # timer, and must not keep the whole page alive through the cache)
    manager = _bokeh_document.DocumentModelManager
    original_destroy = manager.destroy

    def destroy(self):
        self.__dict__.pop("_tinynet_refs", None)
        return original_destroy(self)

    manager.destroy = destroy
