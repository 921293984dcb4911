"""Backpropagation, step by step: the computation graph with value | gradient on every node,
one gradient explained by the chain rule (and checked by finite differences), and one step
in slow motion. The math is app/backprop.py's and app/slowmo.py's; this file only draws it."""
import html

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, LabelSet
from bokeh.plotting import figure

from .. import backprop
from ..backprop import MEAN, pretty
from ..patches import HTML
from ..slowmo import SlowMotion, plain
from ..text import number, signed
from ..throttle import Throttle
from .base import View

NOTE = """
**Where each gradient comes from.** The forward pass fills every node with its value, input to
output; the backward pass fills it with ∂L/∂node, output to input: each node's gradient is the
gradient after it times the local derivative on the edge between them (the chain rule). Pick a
point to follow one point, or the mean, which is what a step uses; pick a weight to see its
gradient written out and checked by nudging the weight both ways (finite differences).
"""
ROW = 1.9  # vertical distance between hidden neurons, in plot units
BOX_W, BOX_H = 1.2, 0.44
COLUMN = {"x": 0.0, "w1": 2.0, "b1": 2.0, "z1": 2.0, "a1": 4.0, "w2": 5.75, "y_hat": 7.5,
          "z2": 7.5, "b2": 7.5, "p": 9.1, "L": 9.7}  # w1 sits above its z1, b1 below it
L_AFTER_P = 10.7  # cross-entropy: the loss node after the p node
FILL = {"x": "#eeeeee", "z1": "#fdebd3", "a1": "#fdd9b0", "y_hat": "#dbe8f6", "z2": "#dbe8f6",
        "p": "#c9dcf2", "L": "#f6d5d1", "weight": "#ffffff"}
LIT = "#fff176"  # what the current slow-motion phase works on
TOUCHES = {"values": ("x", "z1", "a1", "y_hat", "z2", "p"), "loss": ("L",),
           "grads": ("x", "z1", "a1", "y_hat", "z2", "p", "L", "weight"),
           "weights": ("weight",)}


def layout(labels: list[str], hidden: int) -> tuple[list[float], list[float]]:
    """Where each node of ``backprop.graph`` sits: columns input -> loss, one row per neuron."""
    rows = [(hidden - 1) / 2 * ROW - j * ROW for j in range(hidden)]
    xs, ys = [], []
    for label in labels:
        base, _, j = label.partition("_")
        row = rows[int(j) - 1] if j.isdigit() else rows[0] if hidden == 1 else 0.0
        if base in ("y", "x", "L", "z2", "p"):
            row = 0.0
        offset = {"w1": 0.64, "b1": -0.64, "w2": 0.0, "b2": -0.75}.get(base, 0.0)
        if base == "w2":  # beside the a1 -> y_hat edge, above it
            row, offset = row / 2, 0.36
        column = COLUMN["y_hat" if base == "y" else base]
        xs.append(L_AFTER_P if base == "L" and "p" in labels else column)
        ys.append(row + offset)
    return xs, ys


def _kind(label: str) -> str:
    base = label.partition("_")[0]
    return "y_hat" if base == "y" else base if base in FILL else "weight"


class BackpropView(View):
    """The graph, the chain rule for one weight and point, and one step in slow motion."""

    why = param.Selector(default="w1", objects=backprop.weight_names(1),
                         doc="The weight whose gradient is explained.")
    point = param.Selector(default=MEAN, objects=[MEAN],
                           doc="The point (0-based) the graph shows, or the mean over points.")

    def __init__(self, **params):
        super().__init__(**params)
        self.slowmo = SlowMotion(self.state)
        self._nodes = ColumnDataSource({k: [] for k in (
            "label", "value", "grad", "x", "y", "name", "text", "fill", "line")},
            name="graph_nodes")
        self._edges = ColumnDataSource({k: [] for k in (
            "x0", "y0", "x1", "y1", "lx", "ly", "text")}, name="graph_edges")
        fig = figure(height=260, sizing_mode="stretch_width", toolbar_location=None, tools="",
                     x_range=(-0.7, 10.4), y_range=(-1.2, 1.0))
        fig.axis.visible = fig.grid.visible = False
        fig.outline_line_alpha = 0
        fig.title.text_font_size = "10pt"
        fig.segment("x0", "y0", "x1", "y1", source=self._edges, line_color="#999999",
                    line_width=1.5)
        fig.add_layout(LabelSet(x="lx", y="ly", text="text", source=self._edges,
                                text_font_size="8pt", text_align="center",
                                text_baseline="middle", text_color="#555555",
                                background_fill_color="white", background_fill_alpha=0.85))
        boxes = fig.rect("x", "y", BOX_W, BOX_H, source=self._nodes, fill_color="fill",
                         line_color="#555555", line_width="line")
        for column, offset, style in (("name", 8, "bold"), ("text", -8, "normal")):
            fig.add_layout(LabelSet(x="x", y="y", text=column, source=self._nodes,
                                    y_offset=offset, text_font_size="9pt", text_align="center",
                                    text_baseline="middle", text_font_style=style))
        fig.add_tools(HoverTool(renderers=[boxes], tooltips=[
            ("node", "@name"), ("value", "@value{0.000000}"), ("∂L/∂node", "@grad{0.000000}")]))
        self._figure = fig
        self._point_select = pn.widgets.Select.from_param(
            self.param.point, label="point", width=190, css_classes=["tn-graph-point"])
        self._why_select = pn.widgets.Select.from_param(
            self.param.why, label="explain the gradient of", width=190,
            css_classes=["tn-graph-why"])
        self._chain = HTML("", css_classes=["tn-chain"], sizing_mode="stretch_width")
        self._start = pn.widgets.Button(label="▶ One step in slow motion", color="primary",
                                        css_classes=["tn-slowmo"], width=220)
        self._back = pn.widgets.Button(label="◀ Back", css_classes=["tn-back"], width=90)
        self._next = pn.widgets.Button(label="Next ▶", color="primary",
                                       css_classes=["tn-next"], width=90)
        self._phase = HTML("", css_classes=["tn-phase"])
        self._phase_text = HTML("", css_classes=["tn-phase-text"], sizing_mode="stretch_width")
        self._start.on_click(lambda _: self._move(self.slowmo.start))
        self._back.on_click(lambda _: self._move(self.slowmo.back))
        self._next.on_click(lambda _: self._move(self.slowmo.next))
        self._throttle = Throttle(hz=8)
        self._offer()
        self._update()

    # -- choices ---------------------------------------------------------------------------------
    @param.depends("state.hidden", watch=True)
    def _offer(self):
        """The weights of the current width and the points of the current data, by label."""
        s = self.state
        names = backprop.weight_names(s.hidden)
        why = self.why if self.why in names else _same_kind(self.why, names)
        points = {"mean over the points": MEAN,
                  **{f"point {i + 1} (x = {plain(v)})": i
                     for i, v in enumerate(s.x)}}
        point = self.point if self.point in points.values() else MEAN
        with param.parameterized.batch_call_watchers(self):
            self.param.why.objects = {pretty(n): n for n in names}
            self.param.point.objects = points
            self.param.update(why=why, point=point)

    def selection(self) -> dict[str, str]:
        """The link keys for what is selected, left out when at their defaults."""
        q = {}
        if self.why != backprop.weight_names(self.state.hidden)[0]:
            q["why"] = self.why
        if self.point != MEAN:
            q["point"] = str(self.point + 1)
        return q

    def select(self, query: dict) -> list[str]:
        """Select what a link's why and point say; returns notices for values not used."""
        found, notices = backprop.parse_selection(query, self.state.hidden, len(self.state.x))
        self.param.update(**found)
        return notices

    # -- drawing ---------------------------------------------------------------------------------
    def _move(self, action):
        action()
        self._update(force=True)

    @param.depends("state.version", "why", "point", watch=True)
    def _update(self, force=False):
        if not (force or self._throttle.due(self.state.training)):
            return
        s = self.state
        if (len(self.param.point.objects) != len(s.x) + 1
                or self.why not in backprop.weight_names(s.hidden)):  # before _offer heard
            self._offer()
        self.slowmo.refresh()
        mo = self.slowmo
        point = mo.point() if mo.active else self.point
        g = backprop.graph(s.net, s.x, s.y, point)
        self._draw(g, TOUCHES[mo.touched()] if mo.active else ())
        self._chain.object = self._explain(backprop.chain(s.net, s.x, s.y, self.why, point))
        self._show_phase()

    def _draw(self, g: backprop.Graph, lit: tuple):
        xs, ys = layout(g.labels, g.hidden)
        where = dict(zip(g.labels, zip(xs, ys)))
        kinds = [_kind(label) for label in g.labels]
        self._nodes.data = {
            "label": g.labels, "value": g.values.tolist(), "grad": g.grads.tolist(),
            "x": xs, "y": ys, "name": [pretty(label) for label in g.labels],
            "text": [f"{number(v, 4)} | {signed(d)}" for v, d in zip(g.values, g.grads)],
            "fill": [LIT if k in lit else FILL[k] for k in kinds],
            "line": [3.0 if label == self.why else 1.0 for label in g.labels]}
        e = {k: [] for k in self._edges.data}
        for edge in g.edges:
            (x0, y0), (x1, y1) = where[edge.source], where[edge.target]
            if x0 == x1:  # a leaf above or below its node: from edge to edge, vertically
                half = np.sign(y1 - y0) * BOX_H / 2
                e["x0"].append(x0), e["y0"].append(y0 + half)
                e["x1"].append(x1), e["y1"].append(y1 - half)
            else:
                e["x0"].append(x0 + BOX_W / 2), e["y0"].append(y0)
                e["x1"].append(x1 - BOX_W / 2), e["y1"].append(y1)
            e["lx"].append((x0 + x1) / 2), e["ly"].append((y0 + y1) / 2)
            e["text"].append(edge.symbol if edge.symbol == "1"
                             else f"{edge.symbol} = {number(edge.value, 3)}")
        self._edges.data = e
        s = self.state
        at = ("the mean over the points" if g.point == MEAN else
              f"point {g.point + 1}: x = {plain(s.x[g.point])}, y = {plain(s.y[g.point])}")
        self._figure.title.text = (f"Computation graph at {at}   ·   each node: value | ∂L/∂node"
                                   "   ·   each edge: its local derivative")
        top, bottom = max(ys) + 0.35, min(ys) - 0.35
        self._figure.y_range.update(start=bottom, end=top)
        self._figure.x_range.end = max(xs) + 0.7
        self._figure.height = int(40 + 85 * (top - bottom))

    def _explain(self, c: backprop.Chain) -> str:
        s = self.state
        w = pretty(c.weight)
        product = " · ".join(c.symbols)
        lines = [f"<b>∂L/∂{w}</b> = {html.escape(product)}"]
        if c.point == MEAN:
            lines[0] = f"<b>∂L/∂{w}</b>, the mean over the points of {html.escape(product)}"
            for i in range(len(s.x)):
                lines.append(f"point {i + 1}: {_times(c.values[i])} = {signed(c.per_point[i])}")
            decay = s.net.penalty_gradient()[backprop.weight_names(s.hidden).index(c.weight)]
            plus = f" + λ{w} ({signed(decay)}, the weight decay's part)" if decay else ""
            lines.append(f"mean: ({' '.join(signed(v) for v in c.per_point)}) / {len(s.x)}"
                         f"{plus} = <b>{signed(c.result)}</b>")
        else:
            i = c.point
            lines[0] += f" at point {i + 1} (x = {plain(s.x[i])}, y = {plain(s.y[i])})"
            lines.append(f"= {_times(c.values[i])}")
            lines.append(f"= <b>{signed(c.result)}</b>")
        slope, formula = backprop.SLOPE_SYMBOL[s.net.activation.name]
        if any(slope.split("(")[0] in sym for sym in c.symbols):
            lines.append(f"where {slope} = {formula}")
        if "(p − y)" in c.symbols:
            lines.append("and p − y = ∂L/∂p · ∂p/∂z₂ = (p − y)/(p(1 − p)) · p(1 − p): the "
                         "sigmoid's slope cancels the cross-entropy's denominator")
        eps = number(c.epsilon, 0)
        lines.append(f"check: (L({w} + ε) − L({w} − ε)) / 2ε with ε = {eps}: "
                     f"{number(c.finite_difference, 8)}, backprop {number(c.result, 8)}: "
                     f"agrees to {number(c.agreement, 0)}")
        return "<div class='tn-chain-text'>" + "<br>".join(lines) + "</div>"

    def _show_phase(self):
        mo = self.slowmo
        for part in (self._back, self._next, self._phase, self._phase_text):
            part.visible = mo.active
        self._start.disabled = self._point_select.disabled = mo.active  # the phase picks
        if not mo.active:
            return
        self._phase.object = (f"<b>Phase {mo.phase + 1} of {len(mo.phases)}: {mo.name}</b>")
        self._back.disabled = not 0 < mo.phase < mo.last
        self._next.label = "Done" if mo.phase == mo.last else "Next ▶"
        self._phase_text.object = ("<div class='tn-phase-text-box'>"
                                   + "<br>".join(html.escape(line) for line in mo.lines())
                                   + "</div>")

    def __panel__(self):
        return pn.Column(
            pn.Row(self._point_select, self._why_select, self._start, css_classes=["tn-wrap"]),
            # a screen narrower than the graph (style.css: its drawing keeps the width its
            # labels need) scrolls the graph sideways inside its own box, not the page
            pn.Column(pn.pane.Bokeh(self._figure, sizing_mode="stretch_width"),
                      css_classes=["tn-graph"], sizing_mode="stretch_width"),
            pn.pane.HTML("◀ ▶ swipe the graph sideways to see all of it",
                         css_classes=["tn-graph-swipe", "tn-hint"], margin=(0, 10)),
            pn.Row(self._phase, self._back, self._next, css_classes=["tn-wrap"]),
            self._phase_text, self._chain, sizing_mode="stretch_width")


def _times(values) -> str:
    return " · ".join(f"({number(v, 4)})" for v in values)


def _same_kind(old: str, names: list[str]) -> str:
    """w1 at one width is w1_1 at another, and w1_3 is w1 at one neuron."""
    base = old.partition("_")[0]
    return next((n for n in names if n.partition("_")[0] == base), names[0])
