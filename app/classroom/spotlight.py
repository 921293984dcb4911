"""The spotlight: one learner's network on the teacher's page, read-only and large enough for a
projector (the fit over the data, the loss curve, the weights).

Each learner publishes a small *picture* of its network with its summary (``picture``): the
weights, the data, the activation and loss, and its loss curve at up to CURVE_POINTS epochs;
at most 4 neurons and tinynet.MAX_POINTS points, so a class of 30 stays a few hundred KB a
second. The server computes it from the learner's session, never from the page. The teacher's
side checks it again (``read``: a picture it cannot use shows nothing) and redraws the fit
from the weights with tinynet itself. The learner's name is shown only when the teacher ticks
"show name", and then as text.
"""
import html
import math

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

import tinynet

from ..settings import WEIGHT_LIMIT, WIDTHS
from ..text import format_loss, number
from ..views.base import INK, PREDICTION, TINY

CURVE_POINTS = 100  # the loss curve's epochs a learner publishes
FIT_POINTS = 200  # where the teacher's side evaluates the fitted curve
NOBODY = ""


def picks(count: int, points: int) -> np.ndarray:
    """Up to ``points`` indices spread evenly over ``count`` (the first and the last kept)."""
    if count <= points:
        return np.arange(count)
    return np.linspace(0, count - 1, points).round().astype(int)


def picture(state) -> dict:
    """What a learner's session publishes for the spotlight, computed from ``state``."""
    w = state.weights()
    epochs, losses = state.history
    at = picks(len(losses), CURVE_POINTS)
    return {"act": state.activation, "loss": state.loss_choice, "decay": float(state.decay),
            "w1": list(w["w1"]), "b1": list(w["b1"]), "w2": list(w["w2"]), "b2": w["b2"],
            "x": state.x.tolist(), "y": state.y.tolist(),
            "curve": [[int(epochs[i]), float(losses[i])] for i in at]}


def _numbers(values, most: int, limit: float = WEIGHT_LIMIT) -> np.ndarray:
    v = np.asarray(values, dtype=float).reshape(-1)
    if len(v) > most or not np.all(np.isfinite(v)) or np.any(np.abs(v) > limit):
        raise ValueError("numbers out of bounds")
    return v


def read(raw) -> dict | None:
    """A published picture checked for the teacher's side: the network (a tinynet.Network),
    the data and the loss curve as arrays; None if any part cannot be used."""
    try:
        w1, b1, w2 = (_numbers(raw[k], max(WIDTHS)) for k in ("w1", "b1", "w2"))
        b2 = float(_numbers([raw["b2"]], 1)[0])
        x, y = (_numbers(raw[k], tinynet.MAX_POINTS) for k in ("x", "y"))
        curve = _numbers(raw["curve"], 2 * CURVE_POINTS, limit=math.inf).reshape(-1, 2)
        if not (len(w1) == len(b1) == len(w2) >= 1 and len(x) == len(y)):
            raise ValueError("parts of different lengths")
        net = tinynet.Network(w1, b1, w2, b2, activation=raw["act"], loss=raw["loss"],
                              decay=float(_numbers([raw["decay"]], 1)[0]))
    except (KeyError, TypeError, ValueError):
        return None
    return {"net": net, "x": x, "y": y, "epochs": curve[:, 0], "losses": curve[:, 1]}


def weights_html(net) -> str:
    rows = "".join(f"<tr><td>neuron {j}</td><td>{number(a, 3)}</td><td>{number(b, 3)}</td>"
                   f"<td>{number(c, 3)}</td></tr>"
                   for j, (a, b, c) in enumerate(zip(net.w1, net.b1, net.w2), 1))
    return ('<table class="tn-spotlight-weights" style="border-spacing:1em 0.2em"><tr><th></th>'
            f"<th>w₁</th><th>b₁</th><th>w₂</th></tr>{rows}"
            f"<tr><td>b₂</td><td colspan=3>{number(net.b2, 3)}</td></tr></table>")


def _big(p) -> None:
    """Fonts a projector shows to the back of the room."""
    p.title.text_font_size = "18pt"
    for axis in (*p.xaxis, *p.yaxis):
        axis.major_label_text_font_size = axis.axis_label_text_font_size = "14pt"
    p.toolbar_location = None


class Spotlight(pn.viewable.Viewer):
    """The chosen learner's network, updated whenever the teacher's page reads the class."""

    def __init__(self):
        super().__init__()
        self.choose = pn.widgets.Select(label="Spotlight", options={"nobody": NOBODY},
                                        width=240, css_classes=["tn-spotlight-choose"])
        self.show_name = pn.widgets.Checkbox(label="show name", value=False,
                                             css_classes=["tn-spotlight-name"],
                                             margin=(28, 10, 0, 10))
        self.heading = pn.pane.HTML("", sizing_mode="stretch_width",
                                    css_classes=["tn-spotlight-heading"])
        self.points = ColumnDataSource({"x": [], "y": []}, name="spotlight-points")
        self.curve = ColumnDataSource({"x": [], "y": []}, name="spotlight-curve")
        self.losses = ColumnDataSource({"epoch": [], "loss": []}, name="spotlight-loss")
        fit = figure(title="fit", height=420, sizing_mode="stretch_width", x_axis_label="x",
                     y_axis_label="y")
        fit.line("x", "y", source=self.curve, color=PREDICTION, line_width=4)
        fit.scatter("x", "y", source=self.points, color=INK, size=12)
        loss = figure(title="loss", height=420, sizing_mode="stretch_width", y_axis_type="log",
                      x_axis_label="epoch", y_axis_label="loss")
        loss.line("epoch", "loss", source=self.losses, color=PREDICTION, line_width=4)
        for p in (fit, loss):
            _big(p)
        self.weights = pn.pane.HTML("", css_classes=["tn-spotlight-weights"],
                                    styles={"font-size": "1.6em"})
        self.view = pn.Column(self.heading, pn.Row(pn.pane.Bokeh(fit), pn.pane.Bokeh(loss),
                                                   sizing_mode="stretch_width"),
                              self.weights, visible=False, sizing_mode="stretch_width",
                              css_classes=["tn-spotlight"])
        self._last = None
        self.show_name.param.watch(lambda _: self.show(self._last), "value")

    def update(self, learners, options: dict) -> None:
        """Offer ``options`` ({label: id}) and show the chosen learner's latest picture."""
        options = {"nobody": NOBODY, **options}
        if options != self.choose.options:
            chosen = self.choose.value if self.choose.value in options.values() else NOBODY
            self.choose.param.update(options=options, value=chosen)
        self.show(next((s for s in learners if s.id == self.choose.value), None))

    def show(self, learner) -> None:
        self._last = learner
        shown = read(learner.picture) if learner is not None else None
        self.view.visible = shown is not None
        if shown is None:
            return
        net, x = shown["net"], shown["x"]
        lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
        pad = 0.1 * ((hi - lo) or 1.0)
        along = np.linspace(lo - pad, hi + pad, FIT_POINTS)
        who = html.escape(learner.name) if self.show_name.value else "a learner"
        self.heading.object = (
            f'<p style="font-size:2em;margin:0"><b>{who}</b>: {net.hidden} '
            f"neuron{'s' * (net.hidden > 1)}, epoch {learner.epoch}, "
            f"loss {format_loss(learner.loss)}</p>")
        self.points.data = {"x": x, "y": shown["y"]}
        self.curve.data = {"x": along, "y": net.predict(along)}
        self.losses.data = {"epoch": shown["epochs"], "loss": np.maximum(shown["losses"], TINY)}
        self.weights.object = weights_html(net)

    def __panel__(self):
        return pn.Column(pn.Row(self.choose, self.show_name, css_classes=["tn-wrap"]),
                         self.view, sizing_mode="stretch_width")
