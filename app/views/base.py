"""What every view shares: the session it shows, the palette, the fit's y range and the floor
that puts a loss of 0 on a log axis."""
import numpy as np
import panel as pn
import param
from bokeh.models import CustomJSHover

from ..session import Session
from ..text import number_js

# The palette: one colour per meaning, used by every view and by the exports. Okabe & Ito's
# colour-blind-safe set (blue #0072B2, vermillion #D55E00, bluish green #009E73, orange
# #E69F00, sky blue #56B4E9, reddish purple #CC79A7); the two that colour small text (GOOD,
# ERROR) darkened to >= 4.5:1 on white. Meaning never rests on colour alone: arrows, signs,
# line styles and legends say it too.
INK = "#222222"  # the data
PREDICTION = "#0072B2"  # the network's output, the loss curve
ERROR = "#B84C00"  # residuals, the one-neuron floor, a weight pushed down (with ◀)
GOOD = "#00785A"  # a weight pushed up (with ▶)
NEURON_COLORS = ["#E69F00", "#56B4E9", "#CC79A7", "#009E73"]  # each hidden neuron's share
WIDTH_COLORS = {1: "#D55E00", 2: "#009E73", 3: "#CC79A7", 4: "#0072B2"}  # race and lottery
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"  # a weight's sign in the diagram (solid, dashed)

Y_RANGE = (-0.6, 1.6)  # the fit's y axis: the data's 0 and 1 with room for the curve
TINY = 1e-300  # a loss of exactly 0 has no place on a log axis; it is drawn here

# A plot's legend as a list on the page (swatch_list): small SVG drawings of what it draws
LINE = '<line x1="2" y1="6" x2="22" y2="6" stroke="{color}" stroke-width="{width}"{extra}/>'
DOT = '<circle cx="12" cy="6" r="4.5" {paint}/>'


def swatch_list(entries, css_class: str, label: str) -> str:
    """A plot's legend as a list on the page, not drawn in the plot (where every change of
    the plot repaints it): (swatch, text) entries, each swatch a LINE or DOT."""
    items = "".join(f'<li><svg width="24" height="12" aria-hidden="true">{swatch}</svg>'
                    f"{text}</li>" for swatch, text in entries)
    return f'<ul class="tn-legend {css_class}" aria-label="{label}">{items}</ul>'


def number_hover(decimals: int = 6) -> CustomJSHover:
    """A hover tooltip's number written as app/text.py writes numbers (its rule in the browser):
    use as ``@column{custom}`` with ``formatters={"@column": number_hover()}``."""
    return CustomJSHover(code="const tick = value;\n" + number_js(decimals))


def history_data(epochs, losses) -> dict:
    """A loss history's columns for a plot's source, as arrays (Bokeh sends an array in one
    piece, a list item by item) and the losses as a log axis can draw them (0 becomes TINY).
    Epochs as floats: the page's numbers are doubles anyway, and Bokeh checks every value of
    an int64 column for whether it fits 32 bits before sending it."""
    return {"epoch": np.asarray(epochs, dtype=float),
            "loss": np.maximum(np.asarray(losses, dtype=float), TINY)}


class View(pn.viewable.Viewer):
    """A view of one session: builds its widgets and plots once, then updates them in place."""

    state = param.ClassSelector(class_=Session, doc="The session this view shows.")
