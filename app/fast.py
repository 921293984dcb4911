"""Low-latency widget syncing: the one place that touches Panel and Bokeh internals.

Two delays sit between a slider move in the browser and new plot data coming back:
- Panel waits ``Syncable._debounce`` (50 ms) before it processes a widget change from the
  browser. ``FastFloatSlider`` sets it to 0 for the weight sliders.
- Small websocket frames can wait ~40 ms in the kernel (Nagle's algorithm meeting delayed
  ACKs). ``enable_nodelay()`` sets TCP_NODELAY on each Bokeh server websocket.
Checked on Panel 1.9 and Bokeh 3.9 (pinned in pyproject.toml); tests/test_fast.py fails if
either internal moves.
"""
import panel as pn
from panel.io import server as _panel_server


class FastFloatSlider(pn.widgets.FloatSlider):
    """A FloatSlider whose browser-side changes are processed at once (no 50 ms debounce)."""

    _debounce = 0


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
