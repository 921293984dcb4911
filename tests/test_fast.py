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
