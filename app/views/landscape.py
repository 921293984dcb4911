"""The loss landscape: the loss over two weights the learner picks, the others held fixed.

A heat map (one image, not thousands of glyphs) with log-spaced contours, the current point,
and the training path. Clicking or dragging on the map sets the two weights, like a 2-D slider.
The axes follow the weights so the point stays on the map.
"""
import time

import numpy as np
import panel as pn
import param
from bokeh.events import Pan, Tap
from bokeh.models import (
    ColorBar,
    ColumnDataSource,
    FixedTicker,
    HoverTool,
    LogColorMapper,
    PrintfTickFormatter,
    Range1d,
)
from bokeh.palettes import Viridis256
from bokeh.plotting import figure
from bokeh.plotting.contour import contour_data

import tinynet

from ..session import slot_label, slot_names
from .base import View, number_hover

GRID = 200  # cells per axis
LEVELS = 14  # contour lines, log-spaced
PATH_CAP = 3000  # points of training path kept
TRAINING_REFRESH_S = 1.0  # while training, the map (a 200x200 image and its contours) is
# recomputed at most this often, and at most once every TRAINING_REFRESH_UPDATES updates (a
# busy server draws fewer): each redraw costs ~10 ms of server time (contours mostly), as much
# as a whole training update, and ~160 kB the browser must paint
TRAINING_REFRESH_UPDATES = 30
MIN_HALF_SPAN = 3.0


def fit_axis(lo: float, hi: float, v: float) -> tuple[float, float]:
    """Keep [lo, hi] while v sits inside its middle 80%; otherwise re-centre it on v."""
    margin = 0.1 * (hi - lo)
    if lo + margin <= v <= hi - margin:
        return lo, hi
    half = max(MIN_HALF_SPAN, 0.5 * (hi - lo), 0.5 * abs(v))
    return v - half, v + half


class LossLandscape(View):
    """Heat map of the loss over two weights, ``x_weight`` and ``y_weight``."""

    x_weight = param.Selector(default="w1_1", objects=slot_names(1),
                              doc="Weight along the horizontal axis.")
    y_weight = param.Selector(default="b1_1", objects=slot_names(1),
                              doc="Weight along the vertical axis.")

    def __init__(self, **params):
        super().__init__(**params)
        with param.discard_events(self):
            self._offer_weights()
        self._image = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []},
                                       name="landscape_image")
        self._point = ColumnDataSource({"x": [], "y": []}, name="landscape_point")
        self._path = ColumnDataSource({"x": [], "y": []}, name="landscape_path")
        self._mapper = LogColorMapper(palette=Viridis256, low=1e-3, high=1.0)
        fig = figure(height=380, sizing_mode="stretch_width", toolbar_location=None, tools="",
                     title="Loss landscape: click or drag to set the two weights",
                     x_range=Range1d(0, 1), y_range=Range1d(0, 1))
        image = fig.image("image", "x", "y", "dw", "dh", source=self._image,
                          color_mapper=self._mapper)
        # the two weights under the cursor and the map's loss there (one cell of the grid)
        self._hover = HoverTool(renderers=[image], tooltips=self._tooltips(), formatters={
            "$x": number_hover(4), "$y": number_hover(4), "@image": number_hover()})
        fig.add_tools(self._hover)
        self._contours = fig.contour([0, 1], [0, 1], np.zeros((2, 2)), levels=[0.5],
                                     line_color="white", line_alpha=0.45, line_width=1)
        self._contours.fill_renderer.visible = False  # lines only: the image is the fill
        # the point and path move every training tick; on Bokeh's overlay layer they repaint
        # alone, and the map under them (image and contours, ~10 ms to paint) stays as drawn
        fig.line("x", "y", source=self._path, line_color="#ff5a36", line_width=2, line_alpha=0.9,
                 level="overlay")
        fig.scatter("x", "y", source=self._point, size=13, fill_color="#ff5a36",
                    line_color="white", line_width=2, level="overlay")
        self._ticks = FixedTicker(ticks=[])  # labels spread over the whole log range
        self._colorbar = ColorBar(color_mapper=self._mapper, width=10, title="loss",
                                  ticker=self._ticks, formatter=PrintfTickFormatter(format="%.2g"))
        fig.add_layout(self._colorbar, "right")
        fig.on_event(Tap, self._on_pick)
        fig.on_event(Pan, self._on_pick)
        self._figure = fig
        self._x_select = pn.widgets.Select.from_param(self.param.x_weight, label="horizontal",
                                                      width=150, css_classes=["tn-landscape-x"])
        self._y_select = pn.widgets.Select.from_param(self.param.y_weight, label="vertical",
                                                      width=150, css_classes=["tn-landscape-y"])
        self._range = None  # (x0, x1, y0, y1)
        self._key = None  # what the current map was computed from
        self._computed_at = 0.0
        self._updates = 0  # updates since the map was last computed
        self._last_point = None
        self._update()

    # -- what is on the axes -----------------------------------------------------------------
    def _tooltips(self):
        h = self.state.hidden
        return [(slot_label(self.x_weight, h), "$x{custom}"),
                (slot_label(self.y_weight, h), "$y{custom}"), ("loss", "@image{custom}")]

    def _axes(self):
        names = slot_names(self.state.hidden)
        if self.x_weight not in names or self.y_weight not in names:  # the width just changed
            self._offer_weights()
        return names.index(self.x_weight), names.index(self.y_weight)

    @param.depends("state.hidden", watch=True)
    def _offer_weights(self):
        """The weights of the current width, by label; keep the chosen ones where they exist."""
        names = slot_names(self.state.hidden)
        x = self.x_weight if self.x_weight in names else names[0]
        y = self.y_weight if self.y_weight in names else names[self.state.hidden]
        labels = {slot_label(n, self.state.hidden): n for n in names}
        self.param.x_weight.objects = labels
        self.param.y_weight.objects = dict(labels)
        self.param.update(x_weight=x, y_weight=y)

    def _on_pick(self, event):
        """A click or drag on the map sets the two weights to that point."""
        if event.x is None or event.y is None:
            return
        self.state.set_values(**{self.x_weight: float(event.x), self.y_weight: float(event.y)})

    @param.depends("x_weight", "y_weight", "state.hidden", watch=True)
    def _new_axes(self):
        self._range = None
        self._path.data = {"x": [], "y": []}
        self._last_point = None
        self._update()

    @param.depends("state.version", watch=True)
    def _update(self):
        s = self.state
        i, j = self._axes()
        theta = s.net.theta
        px, py = float(theta[i]), float(theta[j])
        if self._range is None:
            self._range = (px - 4, px + 4, py - 4, py + 4)
        x0, x1, y0, y1 = self._range
        x0, x1 = fit_axis(x0, x1, px)
        y0, y1 = fit_axis(y0, y1, py)
        self._range = (x0, x1, y0, y1)

        others = theta.copy()
        others[[i, j]] = 0.0
        key = (s.hidden, i, j, self._range, others.tobytes(), id(s.x), s.net.objective.name,
               s.net.decay)
        now = time.monotonic()
        self._updates += 1
        due = not s.training or (now - self._computed_at >= TRAINING_REFRESH_S
                                 and self._updates >= TRAINING_REFRESH_UPDATES)
        if key != self._key and due:
            self._key, self._computed_at, self._updates = key, now, 0
            self._draw_map(i, j)
        self._point.data = {"x": [px], "y": [py]}
        if s.training and (px, py) != self._last_point:
            self._path.stream({"x": [px], "y": [py]}, rollover=PATH_CAP)
        self._last_point = (px, py)

    def _draw_map(self, i, j):
        s = self.state
        x0, x1, y0, y1 = self._range
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        loss = tinynet.landscape(s.net, s.x, s.y, i, j, xs, ys)  # (len(ys), len(xs))
        loss = np.where(np.isfinite(loss), loss, np.nanmax(loss[np.isfinite(loss)], initial=1.0))
        low, high = max(float(loss.min()), 1e-12), max(float(loss.max()), 1e-11)
        self._mapper.update(low=low, high=high)
        self._ticks.ticks = [float(f"{t:.2g}") for t in np.geomspace(low, high, 6)]
        self._image.data = {"image": [np.minimum(loss, 1e38).astype(np.float32)],
                            "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]}
        levels = np.geomspace(low, high, LEVELS + 2)[1:-1]
        flat = not np.all(np.diff(levels) > 0)  # a flat map (e.g. far out) has no contours
        self._contours.visible = not flat
        if not flat:
            self._contours.set_data(contour_data(xs, ys, loss, levels))
        f = self._figure
        f.x_range.update(start=x0, end=x1)
        f.y_range.update(start=y0, end=y1)
        f.xaxis.axis_label = slot_label(self.x_weight, s.hidden)
        f.yaxis.axis_label = slot_label(self.y_weight, s.hidden)
        self._hover.tooltips = self._tooltips()

    def __panel__(self):
        return pn.Column(pn.Row(self._x_select, self._y_select),
                         pn.pane.Bokeh(self._figure, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")
