"""The fit: data points, the prediction curve, residuals, and each hidden neuron's share.

The data points can be edited in place (Bokeh's PointDrawTool): drag one, click empty space to
add one, select one and press Backspace to remove it. Every edit goes through the state's
validation; an edit it refuses is undone on the plot and the reason shown.
"""
import numpy as np
import panel as pn
import param
from bokeh.core.properties import field
from bokeh.models import (
    ColumnDataSource,
    HoverTool,
    Legend,
    LegendItem,
    Line,
    MultiLine,
    PointDrawTool,
    Scatter,
    Segment,
)
from bokeh.plotting import figure

import tinynet

from ..patches import HTML, set_html
from ..settings import point_number
from .base import (
    DOT,
    ERROR,
    INK,
    LINE,
    NEURON_COLORS,
    PREDICTION,
    Y_RANGE,
    View,
    number_hover,
    swatch_list,
)

# The legend's entries: (what the swatch draws, its label); a neuron's entry per hidden neuron
LEGEND = [
    (LINE.format(color=ERROR, width=2, extra=' stroke-opacity="0.7"'), "error ŷ − y"),
    (LINE.format(color=PREDICTION, width=3, extra=""), "prediction ŷ(x)"),
    (DOT.format(paint=f'fill="none" stroke="{PREDICTION}" stroke-width="2"'), "ŷ at each point"),
    (DOT.format(paint=f'fill="{INK}"'), "data y (drag me)"),
]


def neuron_label(j: int, logit: bool = False) -> str:
    """The legend's and the hover's name of hidden neuron ``j`` (from 1). Under cross-entropy
    (``logit``) the network predicts σ(z): a neuron's w₂·σ(w₁x+b₁) is its part of the logit z,
    not of ŷ."""
    return f"neuron {j}: w₂·σ(w₁x+b₁)" + (", of the logit" if logit else "")


def legend_html(hidden: int, logit: bool = False) -> str:
    """The fit's legend as the page shows it: text beside the plot, not drawn in it, so a
    slider step repaints the curves alone (drawn in the plot, on the layer that moves, the
    legend took ~1.4 ms of the page's ~12 per step). The exports draw Bokeh's legend."""
    parts = [(LINE.format(color=NEURON_COLORS[j], width=2,
                           extra=' stroke-opacity="0.6" stroke-dasharray="5 3"'),
              neuron_label(j + 1, logit)) for j in range(hidden)]
    return swatch_list(parts + LEGEND, "tn-fit-legend", "Legend of the fit plot")


def in_frame(y: np.ndarray, lo: float = Y_RANGE[0], hi: float = Y_RANGE[1]) -> np.ndarray:
    """A curve's y values as drawn on the overlay layer, which Bokeh does not clip to the plot
    frame: points inside [lo, hi] stay, an outside point next to an inside one moves onto the
    edge (so the line still reaches it, off by under one grid step in x), and the rest become
    NaN (a gap)."""
    inside = (y >= lo) & (y <= hi)
    near = inside.copy()
    near[1:] |= inside[:-1]
    near[:-1] |= inside[1:]
    return np.where(near, np.clip(y, lo, hi), np.nan)


def _as_meant(new: list, old: np.ndarray) -> list:
    kept = old.tolist()
    return [v if i < len(kept) and v == kept[i] else point_number(v) for i, v in enumerate(new)]


def x_grid(x: np.ndarray) -> np.ndarray:
    """Where the curve is drawn: the data's x range with room on both sides."""
    lo, hi = float(x.min()), float(x.max())
    pad = max(1.0, 0.25 * (hi - lo))
    return np.linspace(lo - pad, hi + pad, 241)


def fit_data(net, x, y) -> dict[str, dict]:
    """The data of the fit's four sources for a network and data set."""
    grid = x_grid(x)
    fwd = net.forward(grid)
    parts = fwd.a1 * net.w2  # each neuron's w2_j * a1_j(x)        (G, H)
    return {
        "curve": {"x": grid, "y": in_frame(fwd.y_hat)},
        "parts": {"xs": [grid] * net.hidden, "ys": [in_frame(part) for part in parts.T],
                  "color": NEURON_COLORS[: net.hidden],
                  "label": [neuron_label(j + 1, outputs_logit(net))
                            for j in range(net.hidden)]},
        # the points' error bars and y-hat markers, held inside the frame (at its edge if off it);
        # the exact ŷ and each neuron's share w2_j * a1_j for the hover
        "points": {"x": x.tolist(), "y": np.clip(y, *Y_RANGE).tolist(),
                   "y_hat": np.clip(net.predict(x), *Y_RANGE).tolist(),
                   "y_exact": y.tolist(), "y_hat_exact": net.predict(x).tolist(),
                   **{f"share_{j + 1}": col.tolist()
                      for j, col in enumerate(net.contributions(x).T)}},
        "data": {"x": x.tolist(), "y": y.tolist()},
    }


def outputs_logit(net) -> bool:
    """Whether ``net``'s output is a logit z and it predicts σ(z) (cross-entropy), rather than
    predicting its output itself."""
    return net.objective.name == "cross_entropy"


def point_tooltips(hidden: int, logit: bool = False) -> list[tuple[str, str]]:
    """The hover of a ŷ marker: the point, ŷ there and each neuron's share of it (of the
    logit under cross-entropy)."""
    return [("x", "@x{custom}"), ("y", "@y_exact{custom}"), ("ŷ", "@y_hat_exact{custom}"),
            *[(neuron_label(j, logit), f"@share_{j}{{custom}}") for j in range(1, hidden + 1)]]


def _point_formatters(hidden: int, number) -> dict:
    """Every column of ``point_tooltips`` written by one ``number_hover`` model."""
    columns = ["@x", "@y_exact", "@y_hat_exact", *[f"@share_{j}" for j in range(1, hidden + 1)]]
    return dict.fromkeys(columns, number)


def fit_figure(sources: dict[str, ColumnDataSource], hidden: int = 1, legend: bool = True,
               logit: bool = False, **size):
    """The fit plot of a network of ``hidden`` neurons, drawn from its four sources (curve,
    parts, points, data); returns the figure, the data's renderer and the hover of the ŷ
    markers (its tooltips name each neuron). The page and the exports both draw it here; the
    page without Bokeh's ``legend`` (it shows ``legend_html`` beside the plot)."""
    fig = figure(title="What the network predicts", x_axis_label="x", y_axis_label="y",
                 toolbar_location=None, tools="", y_range=Y_RANGE, **size)
    # Each glyph is added as one model: figure's glyph methods add a faded and a muted copy of
    # every glyph (two more models each, ~2 ms a session) for selections and muting, which
    # Bokeh derives in the browser when they are wanted ("auto").
    # What moves with the weights sits on Bokeh's overlay layer: when only it changes
    # (every slider step and training tick) the overlay repaints alone, and the axes, grid,
    # legend and data on the layer under it (most of the ~8 ms a full repaint costs) stay.
    # The overlay is not clipped to the frame, so its y values pass through in_frame.
    top = {"level": "overlay"}
    parts = fig.add_glyph(sources["parts"], MultiLine(
        xs="xs", ys="ys", line_color="color", line_width=2, line_alpha=0.35,
        line_dash="dashed"), **top)
    errors = fig.add_glyph(sources["points"], Segment(
        x0="x", y0="y", x1="x", y1="y_hat", line_color=ERROR, line_width=2, line_alpha=0.7),
        **top)
    curve = fig.add_glyph(sources["curve"], Line(
        x="x", y="y", line_color=PREDICTION, line_width=3), **top)
    marks = fig.add_glyph(sources["points"], Scatter(
        x="x", y="y_hat", size=14, fill_color=None, line_color=PREDICTION, line_width=2), **top)
    number = number_hover()  # one model writes every number of both hovers but the curve's x
    fig.add_tools(HoverTool(renderers=[curve], mode="vline", tooltips=[
        ("x", "@x{custom}"), ("ŷ", "@y{custom}")],
        formatters={"@x": number_hover(4), "@y": number}))
    point_hover = HoverTool(renderers=[marks], tooltips=point_tooltips(hidden, logit),
                            formatters=_point_formatters(hidden, number))
    fig.add_tools(point_hover)
    data = fig.add_glyph(sources["data"], Scatter(
        x="x", y="y", size=12, fill_color=INK, line_color=INK))
    if not legend:
        return fig, data, point_hover
    # the page's legend's entries, in its order (the parts': one per neuron, from their source)
    legend = Legend(items=[LegendItem(label=field("label"), renderers=[parts])] + [
        LegendItem(label=label, renderers=[renderer])
        for (_, label), renderer in zip(LEGEND, [errors, curve, marks, data], strict=True)
    ], orientation="horizontal", ncols=2,  # two columns: it fits a phone-wide plot
        label_text_font_size="9pt", spacing=6, padding=2, margin=2, border_line_alpha=0,
        # on the overlay level with the curves it shows: an overlay-only repaint (every
        # step) cleared the glyphs of a legend drawn on the level below, leaving its text
        level="overlay")
    fig.add_layout(legend, "below")  # outside the plot, so it never hides the data
    return fig, data, point_hover


class FitPlot(View):
    """Prediction y_hat(x) over a dense x range against the data, updated in place."""

    def __init__(self, **params):
        super().__init__(**params)
        self._curve = ColumnDataSource({"x": [], "y": []}, name="fit_curve")
        self._parts = ColumnDataSource({"xs": [], "ys": [], "color": [], "label": []},
                                       name="fit_parts")
        self._points = ColumnDataSource({"x": [], "y": [], "y_hat": []}, name="fit_points")
        self._data = ColumnDataSource({"x": [], "y": []}, name="fit_data")  # editable
        sources = {"curve": self._curve, "parts": self._parts, "points": self._points,
                   "data": self._data}
        fig, data, self._point_hover = fit_figure(sources, height=380, legend=False,
                                                  sizing_mode="stretch_width")
        self._legend = HTML("", sizing_mode="stretch_width", margin=(0, 10))
        draw = PointDrawTool(renderers=[data], add=True, drag=True,
                             description="Edit the data: drag, click to add, Backspace deletes")
        fig.add_tools(draw)
        fig.toolbar_location = "right"
        fig.toolbar.active_tap = fig.toolbar.active_drag = draw
        fig.toolbar.logo = None
        self._data.on_change("data", self._on_edit)
        self._figure = fig
        self._shown = None  # (x from, x to, width) the sources were last built for
        self._drawn = None  # the network and data last drawn
        self._update()

    @param.depends("state.moved", "state.version", watch=True)
    def _update(self):
        s = self.state
        # (the loss too: under cross-entropy the network predicts σ of its output)
        drawn = (s.net.theta.tobytes(), s.activation, s.loss_choice, s.x.tobytes(),
                 s.y.tobytes())
        if drawn == self._drawn:
            return  # drawn already (a moved weight is drawn first, then its version)
        self._drawn = drawn
        new = fit_data(s.net, s.x, s.y)
        grid = new["curve"]["x"]
        logit = outputs_logit(s.net)
        shown = (grid[0], grid[-1], s.net.hidden, logit)
        if self._shown != shown:  # new x range, width or loss: all anew
            self._shown = shown
            self._curve.data = new["curve"]
            self._parts.data = new["parts"]
            set_html(self._legend, legend_html(s.net.hidden, logit))
            number = self._point_hover.formatters["@x"]
            self._point_hover.update(tooltips=point_tooltips(s.net.hidden, logit),
                                     formatters=_point_formatters(s.net.hidden, number))
        else:  # the same x: send only the new predictions
            self._curve.data["y"] = new["curve"]["y"]
            self._parts.data["ys"] = new["parts"]["ys"]
        self._points.data = new["points"]
        if (list(self._data.data["x"]), list(self._data.data["y"])) != (s.x.tolist(), s.y.tolist()):
            self._data.data = new["data"]

    def _on_edit(self, attr, old, new):
        """The learner moved, added or removed a data point in the browser."""
        s = self.state
        x, y = list(new.get("x", [])), list(new.get("y", []))
        if (x, y) == (s.x.tolist(), s.y.tolist()):
            return  # our own update coming back
        try:  # the moved or added points, as a drag means them; the others as they were
            x, y = _as_meant(x, s.x), _as_meant(y, s.y)
        except (TypeError, ValueError):
            pass  # set_data says what is wrong
        try:
            s.set_data(x, y, label="data edited")
            s.param.update(preset="custom")
        except (tinynet.DataError, TypeError, ValueError) as err:
            s.message = f"That edit was undone: {err}."
            self._data.data = {"x": s.x.tolist(), "y": s.y.tolist()}

    def __panel__(self):
        return pn.Column(pn.pane.Bokeh(self._figure, sizing_mode="stretch_width"), self._legend,
                         sizing_mode="stretch_width", margin=0)
