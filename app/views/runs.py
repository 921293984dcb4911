"""Pinned runs on the page: the pin button, the comparison table, each pinned run's ghost
curve on the loss plot (source ``pinned_history``: run, epoch, loss) and its fit at the epoch
shown on the fit plot, and per pinned run a button to bring it back and one to unpin it."""
import html
import math

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LabelSet, MultiLine, Segment

from ..pins import MAX_PINS, ghost_fit, row, start_of
from ..text import format_loss, html_table, number, tick_label
from ..throttle import Throttle
from .base import PREDICTION, View, history_data
from .fit import in_frame, x_grid

TARGETS = {"0.1": 0.1, "0.01": 0.01, "0.001": 1e-3, "1e-6": 1e-6, "1e-12": 1e-12}
FOLLOW_HZ = 2  # while training, the table's current run and the ghost fits follow this often
SWATCH = ('<svg width="26" height="10" aria-hidden="true"><line x1="1" y1="5" x2="25" y2="5" '
          'stroke="{color}" stroke-width="3"/></svg>')


class RunsView(View):
    """Pin the current run, compare the pinned ones with it, bring one back or unpin it."""

    loss_plot = param.Parameter(doc="The LossPlot: its figure gets the ghost curves.")
    fit_plot = param.Parameter(doc="The FitPlot: its figure gets the ghost fits.")
    target = param.Selector(default=1e-3, objects=TARGETS, doc="The loss to reach.")

    def __init__(self, **params):
        super().__init__(**params)
        self._pin = pn.widgets.Button(label="Pin this run", css_classes=["tn-pin"],
                                      color="primary", variant="outline")
        self._pin.on_click(lambda _: self.state.pin())
        self._hint = pn.pane.HTML(
            '<span class="tn-hint">Pin a run to compare it with the next ones: its loss curve '
            "and its fit stay on the plots as ghosts.</span>", margin=(0, 15),
            sizing_mode="stretch_width")  # under the button: it wraps on a phone
        self._top = pn.Row(self._pin, margin=(4, 5))
        self._layout = pn.Column(self._top, self._hint, sizing_mode="stretch_width",
                                 css_classes=["tn-runs-block"])
        self._built = False  # the table, its buttons and the ghosts: made at the first pin
        self._throttle = Throttle(hz=FOLLOW_HZ)
        self._on_pins()

    def _build(self) -> None:
        """The comparison table, a row of buttons per pin and the ghost curves' glyphs (a new
        page has no pinned run: it makes none of them)."""
        self._built = True
        # each point joined to the next of its run (a Segment: one glyph, a colour per run)
        self._history = ColumnDataSource({"run": [], "epoch": [], "loss": [], "to_epoch": [],
                                          "to_loss": [], "color": []}, name="pinned_history")
        self._labels = ColumnDataSource({"run": [], "epoch": [], "loss": []},
                                        name="pinned_labels")
        self._fits = ColumnDataSource({"xs": [], "ys": [], "color": []}, name="pinned_fit")
        loss_fig = self.loss_plot._figure
        loss_fig.add_glyph(self._history, Segment(
            x0="epoch", y0="loss", x1="to_epoch", y1="to_loss", line_color="color",
            line_width=2, line_alpha=0.75))
        loss_fig.add_layout(LabelSet(x="epoch", y="loss", text="run", source=self._labels,
                                     text_font_size="9pt", text_color="#444444",
                                     text_align="right", x_offset=-2, y_offset=3))
        self.fit_plot._figure.add_glyph(self._fits, MultiLine(
            xs="xs", ys="ys", line_color="color", line_width=2, line_alpha=0.7,
            line_dash="dashed"))
        self._target = pn.widgets.Select.from_param(self.param.target, label="reaches loss",
                                                    width=110, css_classes=["tn-runs-target"])
        self._table = pn.pane.HTML("", css_classes=["tn-runs"], sizing_mode="stretch_width")
        self._rows = []  # per slot: (its row of buttons, bring back, unpin)
        for slot in range(MAX_PINS):
            back = pn.widgets.Button(label="", css_classes=[f"tn-pin-back-{slot}"],
                                     variant="outline", margin=(2, 6))
            unpin = pn.widgets.Button(label="", css_classes=[f"tn-unpin-{slot}"],
                                      variant="outline", margin=(2, 6))
            back.on_click(lambda _, k=slot: self._act(k, self.state.bring_back))
            unpin.on_click(lambda _, k=slot: self._act(k, self.state.unpin))
            self._rows.append((pn.Row(back, unpin, visible=False, margin=0), back, unpin))
        # the pin button stays where it is (a keyboard's focus on it stays too)
        self._top.append(self._target)
        self._layout.objects = [self._top, self._table,
                                *[buttons for buttons, _, _ in self._rows]]

    def _act(self, slot: int, action) -> None:
        pin = next((p for p in self.state.pins if p.slot == slot), None)
        if pin is not None:
            action(pin.label)

    @param.depends("state.pinned", watch=True)
    def _on_pins(self):
        """The pinned runs changed: their curves, labels and buttons anew."""
        pins = self.state.pins
        if not self._built:
            if not pins:
                return
            self._build()
        parts = [(p, history_data(*p.run.history)) for p in pins]

        def joined(column, then):  # the runs one after the other; then: each point's next
            return np.concatenate([np.r_[d[column][1:], d[column][-1]] if then else d[column]
                                   for _, d in parts] or [np.zeros(0)])
        self._history.data = {
            "run": [p.label for p, d in parts for _ in d["epoch"]],
            "epoch": joined("epoch", False), "loss": joined("loss", False),
            "to_epoch": joined("epoch", True), "to_loss": joined("loss", True),
            "color": [p.color for p, d in parts for _ in d["epoch"]]}
        self._labels.data = {"run": [p.label for p, _ in parts],
                             "epoch": [float(d["epoch"][-1]) for _, d in parts],
                             "loss": [float(d["loss"][-1]) for _, d in parts]}
        for slot, (buttons, back, unpin) in enumerate(self._rows):
            pin = next((p for p in pins if p.slot == slot), None)
            buttons.visible = pin is not None
            if pin is not None:
                back.label = f"Bring back {pin.label}"
                unpin.label = f"× Unpin {pin.label}"
        losses = [d["loss"] for _, d in parts]
        self.loss_plot.include((min(map(np.min, losses)), max(map(np.max, losses)))
                               if losses else (math.inf, -math.inf))
        self._follow(force=True)

    @param.depends("state.version", "state.progress", "target", watch=True)
    def _follow(self, force: bool = False):
        """The current run's row and the ghost fits at the epoch shown."""
        s = self.state
        if not self._built or not (force or self._throttle.due(s.training or s.replaying)):
            return
        if s.pins or self._fits.data["xs"]:
            grid = x_grid(s.x)
            self._fits.data = {"xs": [grid] * len(s.pins),
                               "ys": [in_frame(ghost_fit(p, s.epoch, grid)) for p in s.pins],
                               "color": [p.color for p in s.pins]}
        table = self._table_html()
        if table != self._table.object:  # (a step on the timeline or a film's frame: the same)
            self._table.object = table

    def _table_html(self) -> str:
        s = self.state
        target = self.target
        runs = [(p.label, p.color, row(p.run, p.start, target)) for p in s.pins]
        runs.append(("now", PREDICTION, row(s.run, start_of(s), target)))
        cells = []
        for label, color, r in runs:
            swatch = SWATCH.format(color=color)
            reached = "not reached" if r["reached"] is None else f"{r['reached']:,}"
            cells.append([f"{swatch} {html.escape(label)}", str(r["width"]),
                          html.escape(r["optimizer"]), number(r["learning rate"], 4),
                          html.escape(r["start"]), html.escape(r["activation"]),
                          html.escape(r["data"]), f"{r['epochs']:,}",
                          format_loss(max(r["final loss"], 0.0)), reached])
        headers = ["run", "width", "optimizer", "learning rate", "start", "activation", "data",
                   "epochs", "final loss", f"epochs to loss ≤ {tick_label(target)}"]
        title = ("Runs compared" if s.pins else
                 "Pin a run to compare it with the next ones: its loss curve and its fit stay "
                 "on the plots as ghosts")
        return html_table(headers, cells, title=title, region="Runs compared")

    def __panel__(self):
        return self._layout
