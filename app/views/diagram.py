"""The network drawn as a graph: edges coloured by the sign of their weight and thickened by
its size, biases on their nodes, and each hidden neuron's activation at a chosen x."""
import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LabelSet
from bokeh.plotting import figure

from ..text import number
from ..throttle import Throttle
from .base import NEGATIVE, POSITIVE, View

DASH = {True: "solid", False: "dashed"}  # a weight's sign also by line style, not colour alone


def _hidden_y(h):
    return np.linspace(1.0, -1.0, h) if h > 1 else np.zeros(1)


class NetworkDiagram(View):
    """Input -> hidden -> output, live for any width."""

    probe_x = param.Number(1.0, bounds=(-2.0, 8.0), step=0.5,
                           doc="The input x at which each activation is shown.")

    def __init__(self, **params):
        super().__init__(**params)
        self._edges = ColumnDataSource({k: [] for k in ("x0", "y0", "x1", "y1", "width",
                                                         "color", "dash", "lx", "ly", "label")},
                                       name="diagram_edges")
        self._nodes = ColumnDataSource({k: [] for k in ("x", "y", "fill", "label", "sub")},
                                       name="diagram_nodes")
        fig = figure(height=280, sizing_mode="stretch_width", toolbar_location=None, tools="",
                     x_range=(-0.45, 2.45), y_range=(-1.55, 1.45),
                     title="The network: solid blue edge = positive weight, dashed red-orange "
                           "= negative; thickness = size")
        fig.axis.visible = fig.grid.visible = False
        fig.outline_line_alpha = 0
        fig.segment("x0", "y0", "x1", "y1", source=self._edges, line_width="width",
                    line_color="color", line_dash="dash", line_alpha=0.8)
        fig.add_layout(LabelSet(x="lx", y="ly", text="label", source=self._edges,
                                text_font_size="9pt", text_align="center", y_offset=8,
                                background_fill_color="white", background_fill_alpha=1.0))
        fig.scatter("x", "y", source=self._nodes, size=54, fill_color="fill",
                    line_color="#333333", line_width=1.5)
        fig.add_layout(LabelSet(x="x", y="y", text="label", source=self._nodes,
                                text_font_size="8pt", text_align="center",
                                text_baseline="middle", text_font_style="bold"))
        fig.add_layout(LabelSet(x="x", y="y", text="sub", source=self._nodes, y_offset=-37,
                                text_font_size="9pt", text_align="center",
                                text_baseline="middle", text_color="#444444"))
        self._figure = fig
        self._probe = pn.widgets.FloatSlider.from_param(
            self.param.probe_x, label="activations shown at x", width=260,
            css_classes=["tn-probe-x"])
        self._throttle = Throttle(hz=8)
        self._update()

    @param.depends("state.version", "probe_x", watch=True)
    def _update(self):
        if not self._throttle.due(self.state.training):
            return
        s = self.state
        net, h, x = s.net, s.net.hidden, self.probe_x
        ys = _hidden_y(h)
        fwd = net.forward([x])
        a1, y_hat = fwd.a1[0], float(fwd.y_hat[0])
        w1, w2 = net.w1, net.w2
        scale = max(1.0, float(np.max(np.abs(np.concatenate([w1, w2])))))
        width = lambda w: 1.0 + 9.0 * abs(w) / scale  # noqa: E731
        color = lambda w: POSITIVE if w >= 0 else NEGATIVE  # noqa: E731
        e = {k: [] for k in self._edges.data}
        for j in range(h):
            for (x0, y0, x1, y1, w, lx) in ((0, 0, 1, ys[j], w1[j], 0.45),
                                            (1, ys[j], 2, 0, w2[j], 1.55)):
                e["x0"].append(x0), e["y0"].append(y0), e["x1"].append(x1), e["y1"].append(y1)
                e["width"].append(width(w)), e["color"].append(color(w))
                e["dash"].append(DASH[bool(w >= 0)])
                e["lx"].append(lx), e["ly"].append(y0 + (y1 - y0) * (lx - x0) / (x1 - x0))
                e["label"].append(number(w, 2, sign=True, tiny=0))
        self._edges.data = e
        # hidden nodes shade from white (a = 0) to orange (a = 1)
        shade = lambda a: "#%02x%02x%02x" % (255, int(255 - 90 * a), int(255 - 200 * a))  # noqa
        self._nodes.data = {
            "x": [0.0, *[1.0] * h, 2.0],
            "y": [0.0, *ys, 0.0],
            "fill": ["#eeeeee", *[shade(float(np.clip(a, 0, 1))) for a in a1], "#e8f0fa"],
            "label": [f"x={x:g}", *[f"a={number(a, 2, tiny=0)}" for a in a1],
                      f"ŷ={number(y_hat, 2, tiny=0)}"],
            "sub": ["input", *[f"b₁={number(b, 2, sign=True, tiny=0)}" for b in net.b1],
                    f"b₂={number(net.b2, 2, sign=True, tiny=0)}"],
        }

    def __panel__(self):
        return pn.Column(self._probe, pn.pane.Bokeh(self._figure, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")
