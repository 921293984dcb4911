"""The low-latency tweaks touch Panel/Bokeh internals: fail loudly if those move."""
import panel as pn
from panel.io import server as panel_server
from panel.reactive import Syncable

from app.fast import FastFloatSlider, enable_nodelay


def test_slider_debounce_is_off_and_default_is_what_we_assume():
    assert Syncable._debounce == 50  # the wait Panel puts on browser-side changes
    assert FastFloatSlider._debounce == 0
    assert issubclass(FastFloatSlider, pn.widgets.FloatSlider)


def test_nodelay_is_set_when_a_websocket_opens():
    enable_nodelay()
    enable_nodelay()  # idempotent
    handler = panel_server.WSHandler
    calls = []

    class Fake:
        def set_nodelay(self, value):
            calls.append(value)

    original = handler.open.__closure__  # the patched open wraps the original
    assert handler._tinynet_nodelay and original
    try:
        handler.open(Fake())
    except Exception:
        pass  # the real open needs a live connection; we only check the socket option came first
    assert calls == [True]


def test_panel_still_parks_writes_with_one_short_sleep():
    """enable_quick_write_retry assumes _dispatch_msgs is the module's only asyncio.sleep."""
    import inspect

    from panel.io import document

    from app.fast import _QuickRetryAsyncio, enable_quick_write_retry

    source = inspect.getsource(document)
    assert source.count("asyncio.sleep(") == 1
    assert "await asyncio.sleep(0.01)" in inspect.getsource(document._dispatch_msgs)
    enable_quick_write_retry()
    assert isinstance(document.asyncio, _QuickRetryAsyncio)
    assert document.asyncio.ensure_future is __import__("asyncio").ensure_future



def test_cached_references_build_and_apply_the_same_messages_as_bokeh():
    """The patched PATCH-DOC create and the document's deserializer give what Bokeh's own do,
    also after the document's set of models changes (a new model is sent in full)."""
    from bokeh.core.serialization import Deserializer
    from bokeh.document import Document
    from bokeh.document import document as bokeh_document
    from bokeh.document.events import ModelChangedEvent
    from bokeh.models import ColumnDataSource, Div
    from bokeh.protocol import Protocol
    from bokeh.protocol.messages.patch_doc import patch_doc

    from app import fast

    doc = Document()
    div, other = Div(text="a"), Div(text="b")
    doc.add_root(div)
    doc.add_root(other)

    def both(event):
        """(ours, Bokeh's) message content; each starts from the same not-yet-synced models."""
        new = set(doc.models._new_models)
        ours = fast._create_patch(patch_doc, [event]).content
        doc.models._new_models = new
        return ours, fast._bokeh_create_patch(patch_doc, [event]).content

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

    fast.enable_cached_references()
    assert bokeh_document.Deserializer is not Deserializer
    msg = Protocol().create("PATCH-DOC", [ModelChangedEvent(doc, other, "text", "z")])
    other.text = "b"
    msg.apply_to_document(doc)
    assert other.text == "z"
