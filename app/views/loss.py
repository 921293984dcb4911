"""Loss: the readouts (mean loss, epoch) and the loss-vs-epoch plot on a log axis."""
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, Label, LabelSet, Line, Span, VSpan
from bokeh.plotting import figure

import tinynet

from ..patches import HTML, set_html
from ..text import format_loss
from .base import ERROR, PREDICTION, TINY, View, history_data, number_hover
from .explain import NO_FLOOR, floor_text, is_article


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
        set_html(self._loss, f'<span class="tn-label">mean loss</span> '
                             f'<span class="tn-value">{format_loss(s.loss())}</span>')
        of = f' <span class="tn-label">of {s.end:,}</span>' if s.epoch < s.end else ""
        set_html(self._epoch, f'<span class="tn-label">epoch</span> '
                              f'<span class="tn-value">{s.epoch}</span>{of}')

    def __panel__(self):
        return pn.Row(self._loss, self._epoch, css_classes=["tn-readouts"])


def loss_figure(source: ColumnDataSource, **size):
    """The loss history on a log axis, with the 1/12 floor (returned: its line and label);
    the page and the exports both draw it here."""
    # no tools but the hover: without a toolbar a pan or zoom could not be undone
    fig = figure(y_axis_type="log", title="Loss while training (log scale)",
                 x_axis_label="epoch", y_axis_label="mean loss", toolbar_location=None,
                 tools="", **size)
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


def place_floor(floor_parts, hidden: int, x, y) -> None:
    """Put loss_figure's floor line and label at the one-neuron floor of (x, y); shown only
    for one neuron and data that have a floor (they go both up and down)."""
    floor = tinynet.monotonic_floor(x, y)
    line, label = floor_parts
    line.visible = label.visible = hidden == 1 and floor > NO_FLOOR
    line.location = label.y = max(floor, TINY)
    label.text = f"{floor_text(floor, is_article(x, y))}: the best one neuron can do"


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
        self._update()

    @param.depends("state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        epochs, losses = s.history
        self._show_floor()
        if s.run is not self._run or len(epochs) < self._shown:  # a new run, or thinned
            self._run = s.run
            self._source.data = history_data(epochs, losses)
        elif len(epochs) > self._shown:
            new = slice(self._shown, len(epochs))
            self._source.stream(history_data(epochs[new], losses[new]))
        self._shown = len(epochs)
        marks, labels = s.run.marks
        if len(marks) != self._marks_shown:
            self._marks_shown = len(marks)
            self._marks.data = one_label_per_epoch(marks, labels)

    def _show_floor(self):
        """The one-neuron floor for the current data, while one neuron is shown and the data
        have a floor (they go both up and down)."""
        s = self.state
        if (s.hidden, id(s.x)) == self._floor_for:
            return
        self._floor_for = (s.hidden, id(s.x))
        place_floor(self._floor, s.hidden, s.x, s.y)

    def __panel__(self):
        return pn.pane.Bokeh(self._figure, sizing_mode="stretch_width")
