"""Loss: the readouts (mean loss, epoch) and the loss-vs-epoch plot on a log axis.

The plot's y range is set here, not by Bokeh's auto-ranging, which fits the curve only: the
1/12 floor, the point of the plot for one neuron, would fall on its edge with its label cut.
"""
import math

import numpy as np
import panel as pn
import param
from bokeh.models import (
    ColumnDataSource,
    FixedTicker,
    HoverTool,
    Label,
    LabelSet,
    Line,
    Range1d,
    Span,
    VSpan,
)
from bokeh.plotting import figure

import tinynet

from ..patches import HTML, set_html
from ..settings import LOSS_NAMES
from ..text import format_loss, tick_label
from .base import ERROR, PREDICTION, TINY, View, history_data, number_hover
from .explain import drawn_floor, floor_text, is_article


def readout_label(loss: str) -> str:
    """What the loss readout calls the loss: the article's "mean loss", with the loss's name
    when it is another."""
    return "mean loss" if loss == "squared" else f"mean loss ({LOSS_NAMES[loss]})"


class Readouts(View):
    """The current mean loss and epoch, in large type."""


    def __init__(self, **params):
        super().__init__(**params)
        self._loss = HTML("", css_classes=["tn-loss"], margin=(0, 20, 0, 5))
        self._epoch = HTML("", css_classes=["tn-epoch"], margin=(0, 5))
        self._update()

    @param.depends("state.moved", "state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        parts = ""
        if s.net.decay:  # the penalty as its own part of the loss trained on
            parts = (f' <span class="tn-label">= data</span> '
                     f'<span class="tn-part">{format_loss(s.run.data_loss())}</span>'
                     f' <span class="tn-label">+ penalty</span> '
                     f'<span class="tn-part">{format_loss(s.net.penalty())}</span>')
        set_html(self._loss, f'<span class="tn-label">{readout_label(s.net.objective.name)}'
                             f'</span> <span class="tn-value">{format_loss(s.loss())}</span>'
                             f'{parts}')
        of = f' <span class="tn-label">of {s.end:,}</span>' if s.epoch < s.end else ""
        set_html(self._epoch, f'<span class="tn-label">epoch</span> '
                              f'<span class="tn-value">{s.epoch}</span>{of}')

    def __panel__(self):
        return pn.Row(self._loss, self._epoch, css_classes=["tn-readouts"])


MARGIN = 0.1  # of the loss axis's height, above and below what it shows (room for a label)


def log_ticks(lo: float, hi: float, most: int = 8) -> list[float]:
    """Ticks for a log axis from ``lo`` to ``hi`` (both > 0), so that every part of it has a
    label: evenly spaced under one decade; 1, 2, 5 in each decade while that makes at most
    ``most``; else every decade, or every second, third... down from the top one."""
    a, b = math.log10(lo), math.log10(hi)
    if b - a < 1:
        step = 10 ** math.floor(math.log10((hi - lo) / 5))
        step = next(m * step for m in (1, 2, 5, 10) if (hi - lo) / (m * step) <= 6)
        return [float(f"{k * step:.12g}")
                for k in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    decades = range(math.ceil(a) - 1, math.floor(b) + 1)
    ticks = [float(f"{m}e{k}") for k in decades for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo <= t <= hi]
    if len(ticks) <= most:
        return ticks
    stride = math.ceil(len(decades) / most)  # counted down from the top decade
    return [float(f"1e{k}") for k in decades[::-stride] if lo <= float(f"1e{k}") <= hi][::-1]


def fit_loss_axis(fig, lo: float, hi: float) -> None:
    """Show losses from ``lo`` to ``hi`` (the curve's, and the floor while drawn) with a
    MARGIN of the height below and above (above at most a tenth of a decade: a curve down
    to a loss of 0 spans 300 decades), and a label at each tick."""
    a, b = math.log10(lo), math.log10(hi)
    pad = MARGIN * max(b - a, 0.2)
    start = 10 ** max(a - pad, -307)  # (below 1e-308 floats lose precision, then reach 0)
    end = 10 ** (b + min(pad, MARGIN))
    ticks = log_ticks(start, end)
    fig.y_range.update(start=start, end=end)
    fig.yaxis.ticker.ticks = ticks
    fig.yaxis.major_label_overrides = {t: tick_label(t) for t in ticks}


def loss_extent(losses, floor: float | None) -> tuple[float, float]:
    """The smallest and largest of the losses (drawn as history_data draws them) and the floor."""
    shown = np.maximum(np.asarray(losses, dtype=float), TINY)
    values = [*shown[[shown.argmin(), shown.argmax()]]] if shown.size else []
    values += [floor] if floor is not None else []
    return (min(values), max(values)) if values else (0.01, 1.0)


def loss_figure(source: ColumnDataSource, **size):
    """The loss history on a log axis, with the 1/12 floor (returned: its line and label);
    the page and the exports both draw it here (and set its y range with fit_loss_axis)."""
    # no tools but the hover: without a toolbar a pan or zoom could not be undone
    fig = figure(y_axis_type="log", title="Loss while training (log scale)",
                 x_axis_label="epoch", y_axis_label="mean loss", toolbar_location=None,
                 tools="", y_range=Range1d(0.01, 1.0), **size)
    fig.yaxis.ticker = FixedTicker(ticks=[], minor_ticks=[])
    # one model per glyph (figure's glyph methods add a faded and a muted copy of each)
    line = fig.add_glyph(source, Line(x="epoch", y="loss", line_width=2,
                                      line_color=PREDICTION))
    fig.add_tools(HoverTool(renderers=[line], mode="vline", tooltips=[
        ("epoch", "@epoch"), ("loss", "@loss{custom}")], formatters={"@loss": number_hover()}))
    floor = Span(location=tinynet.ONE_NEURON_FLOOR, dimension="width", line_color=ERROR,
                 line_dash="dashed", line_width=2)
    label = Label(x=5, y=tinynet.ONE_NEURON_FLOOR, x_units="screen",
                  text="1/12: the best one neuron can do", text_font_size="9pt",
                  text_color=ERROR, y_offset=4)
    fig.add_layout(floor)
    fig.add_layout(label)
    return fig, (floor, label)


def place_floor(floor_parts, hidden: int, x, y, loss: str = "squared",
                decay: float = 0.0) -> float | None:
    """Put loss_figure's floor line and label at the one-neuron floor of ``loss`` on (x, y);
    shown only where it is true (``explain.drawn_floor``). Returns the floor while it is
    shown, else None."""
    floor = drawn_floor(hidden, x, y, loss, decay)
    line, label = floor_parts
    line.visible = label.visible = floor is not None
    if floor is not None:
        line.location = label.y = max(floor, TINY)
        with_loss = "" if loss == "squared" else f" with {LOSS_NAMES[loss]}"
        label.text = (f"{floor_text(floor, is_article(x, y), loss)}: the best one neuron can "
                      f"do{with_loss}")
    return line.location if floor is not None else None


def one_label_per_epoch(marks, labels) -> dict[str, list]:
    """The marks' source data with the labels of one epoch joined, so they never overprint."""
    joined: dict = {}
    for epoch, label in zip(marks, labels):
        if label not in joined.setdefault(epoch, []):
            joined[epoch].append(label)
    return {"epoch": list(joined), "label": [" · ".join(v) for v in joined.values()]}


class LossPlot(View):
    """Loss after each epoch, streamed while training; the 1/12 floor drawn for one neuron."""

    def __init__(self, **params):
        super().__init__(**params)
        self._source = ColumnDataSource({"epoch": [], "loss": []}, name="loss_history")
        fig, self._floor = loss_figure(self._source, height=380, sizing_mode="stretch_width")
        # where the learner changed something that restarts the curve (weights, data, optimizer)
        self._marks = ColumnDataSource({"epoch": [], "label": []}, name="loss_marks")
        fig.add_glyph(self._marks, VSpan(x="epoch", line_color="#888888", line_dash="dotted",
                                         line_width=1.5))
        fig.add_layout(LabelSet(x="epoch", y=6, y_units="screen", text="label", angle=1.5708,
                                source=self._marks, text_font_size="8pt", text_color="#666666",
                                x_offset=-3))
        self._figure = fig
        self._run = None
        self._shown = 0
        self._marks_shown = 0
        self._floor_for = None  # (width, data) the floor line was drawn for
        self._floor_at = None  # where it is drawn (None: not drawn)
        self._extent = (math.inf, -math.inf)  # the smallest and largest loss in the source
        self._also = (math.inf, -math.inf)  # losses other curves on the plot reach (pinned)
        self._axis = None  # the losses the axis was last fitted to
        self._update()

    def include(self, extent: tuple[float, float]) -> None:
        """Fit the y axis to these losses too (the pinned runs' curves), besides the run's."""
        self._also = extent
        self._update()

    @param.depends("state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        epochs, losses = s.history
        self._show_floor()
        if s.run is not self._run or len(epochs) < self._shown:  # a new run, or thinned
            self._run = s.run
            self._source.data = history_data(epochs, losses)
            self._extent = loss_extent(losses, None)
        elif len(epochs) > self._shown:
            new = slice(self._shown, len(epochs))
            self._source.stream(history_data(epochs[new], losses[new]))
            lo, hi = loss_extent(losses[new], None)
            self._extent = (min(lo, self._extent[0]), max(hi, self._extent[1]))
        self._shown = len(epochs)
        lo, hi = min(self._extent[0], self._also[0]), max(self._extent[1], self._also[1])
        if self._floor_at is not None:
            lo, hi = min(lo, self._floor_at), max(hi, self._floor_at)
        if (lo, hi) != self._axis:  # (a step on the timeline changes neither)
            self._axis = (lo, hi)
            fit_loss_axis(self._figure, lo, hi)
        marks, labels = s.run.marks
        if len(marks) != self._marks_shown:
            self._marks_shown = len(marks)
            self._marks.data = one_label_per_epoch(marks, labels)

    def _show_floor(self):
        """The one-neuron floor for the current data, while one neuron is shown and the data
        have a floor (they go both up and down)."""
        s = self.state
        key = (s.hidden, id(s.x), s.net.objective.name, s.net.decay)
        if key == self._floor_for:
            return
        self._floor_for = key
        self._floor_at = place_floor(self._floor, *key[:1], s.x, s.y, *key[2:])

    def __panel__(self):
        return pn.pane.Bokeh(self._figure, sizing_mode="stretch_width")
