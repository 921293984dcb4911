"""The floor the playground is measured against: a minimal Panel app (one FloatSlider, one Bokeh
line) and a bare Bokeh server app (one Slider, one line, no Panel), each served the way
``app.cli.serve`` serves the playground (same websocket limits, session checks and gzip).

Both name their line's data source ``fit_curve``, as the playground does, so a benchmark
watches the same name on all three pages.

    python -m tools.floor panel PORT      # serve the minimal Panel app on 127.0.0.1:PORT
    python -m tools.floor bokeh PORT      # serve the bare Bokeh app
"""
import sys

from .server import Server

KINDS = ("panel", "bokeh")


def _line(x):
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    source = ColumnDataSource({"x": x, "y": x}, name="fit_curve")
    fig = figure(height=300, width=400, toolbar_location=None)
    fig.line("x", "y", source=source)
    return fig, source


def minimal_panel_app():
    """One FloatSlider and one Bokeh line that follows it."""
    import numpy as np
    import panel as pn

    x = np.linspace(0, 1, 50)
    fig, source = _line(x)
    slider = pn.widgets.FloatSlider(name="w", start=0.0, end=3.0, value=1.0, step=0.01)
    slider.param.watch(lambda e: source.data.update(y=x * e.new), "value")
    return pn.Column(slider, pn.pane.Bokeh(fig))


def bare_bokeh_app(doc):
    """One Bokeh Slider and one line, no Panel."""
    import numpy as np
    from bokeh.layouts import column
    from bokeh.models import Slider

    x = np.linspace(0, 1, 50)
    fig, source = _line(x)
    slider = Slider(title="w", start=0.0, end=3.0, value=1.0, step=0.01)
    slider.on_change("value", lambda attr, old, new: source.data.update(y=x * new))
    doc.add_root(column(slider, fig))


def serve(kind: str, port: int) -> None:
    from app.cli import MAX_MESSAGE_BYTES, SESSION_CHECK_MS

    options = dict(port=port, address="127.0.0.1", websocket_origin=[f"127.0.0.1:{port}"],
                   websocket_max_message_size=MAX_MESSAGE_BYTES,
                   check_unused_sessions_milliseconds=SESSION_CHECK_MS,
                   unused_session_lifetime_milliseconds=SESSION_CHECK_MS,
                   compress_response=True)
    if kind == "panel":
        import panel as pn

        pn.serve({"/": minimal_panel_app}, show=False, **options)
        return
    from bokeh.server.server import Server as BokehServer

    options["allow_websocket_origin"] = options.pop("websocket_origin")
    options["websocket_max_message_size"] = options.pop("websocket_max_message_size")
    server = BokehServer({"/": bare_bokeh_app}, **options)
    server.start()
    server.io_loop.start()


def floor_server(kind: str) -> Server:
    """A ``Server`` (tools/server.py) running the minimal Panel or the bare Bokeh app."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    server = Server()
    server.cmd = [sys.executable, "-m", "tools.floor", kind, str(server.port)]
    return server


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
