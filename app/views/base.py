"""What every view shares: the session it shows, the palette, the fit's y range and the floor
that puts a loss of 0 on a log axis."""
import panel as pn
import param
from bokeh.models import CustomJSHover

from ..session import Session
from ..text import number_js

# the palette: one colour per meaning, used by every view and by the exports
INK = "#222222"  # the data
PREDICTION = "#1f4e79"  # the network's output, the loss curve
ERROR = "#c0392b"  # residuals, the one-neuron floor, a weight pushed down
GOOD = "#1e8449"  # a weight pushed up
NEURON_COLORS = ["#d95f02", "#7570b3", "#1b9e77", "#e7298a"]  # each hidden neuron's share
WIDTH_COLORS = {1: "#c0392b", 2: "#1e8449", 3: "#8e44ad", 4: "#2471a3"}  # race and lottery

Y_RANGE = (-0.6, 1.6)  # the fit's y axis: the data's 0 and 1 with room for the curve
TINY = 1e-300  # a loss of exactly 0 has no place on a log axis; it is drawn here


def number_hover(decimals: int = 6) -> CustomJSHover:
    """A hover tooltip's number written as app/text.py writes numbers (its rule in the browser):
    use as ``@column{custom}`` with ``formatters={"@column": number_hover()}``."""
    return CustomJSHover(code="const tick = value;\n" + number_js(decimals))


def on_log_axis(losses) -> list[float]:
    """Losses as a log axis can draw them (0 becomes TINY)."""
    return [max(v, TINY) for v in losses]


class View(pn.viewable.Viewer):
    """A view of one session: builds its widgets and plots once, then updates them in place."""

    state = param.ClassSelector(class_=Session, doc="The session this view shows.")
