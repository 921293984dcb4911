"""Loss: the readouts (mean loss, epoch) and the loss-vs-epoch plot on a log axis."""
import panel as pn
import param
from bokeh.models import ColumnDataSource, Label, LabelSet, Span
from bokeh.plotting import figure

import tinynet

from ..patches import HTML as FastHTML
from ..state import Playground

TINY = 1e-300  # a loss of exactly 0 has no place on a log axis; it is drawn here


def format_loss(loss: float) -> str:
    """At least 4 significant digits; scientific notation below 0.001."""
    if loss != loss or loss in (float("inf"), float("-inf")):
        return str(loss)
    return f"{loss:.4e}" if abs(loss) < 1e-3 else f"{loss:.6f}"


class Readouts(pn.viewable.Viewer):
    """The current mean loss and epoch, in large type."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        self._loss = FastHTML("", css_classes=["tn-loss"], margin=(0, 20, 0, 5))
        self._epoch = FastHTML("", css_classes=["tn-epoch"], margin=(0, 5))
        self._update()

    @param.depends("state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        self._loss.object = (f'<span class="tn-label">mean loss</span> '
                             f'<span class="tn-value">{format_loss(s.loss())}</span>')
        self._epoch.object = (f'<span class="tn-label">epoch</span> '
                              f'<span class="tn-value">{s.epoch}</span>')

    def __panel__(self):
        return pn.Row(self._loss, self._epoch, css_classes=["tn-readouts"])


class LossPlot(pn.viewable.Viewer):
    """Loss after each epoch, streamed while training; the 1/12 floor drawn for one neuron."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        self._source = ColumnDataSource({"epoch": [], "loss": []}, name="loss_history")
        fig = figure(height=380, sizing_mode="stretch_width", y_axis_type="log",
                     title="Loss while training (log scale)", x_axis_label="epoch",
                     y_axis_label="mean loss", toolbar_location=None)
        fig.line("epoch", "loss", source=self._source, line_width=2, line_color="#1f4e79")
        self._floor = Span(location=tinynet.ONE_NEURON_FLOOR, dimension="width",
                           line_color="#c0392b", line_dash="dashed", line_width=2)
        self._floor_label = Label(x=5, y=tinynet.ONE_NEURON_FLOOR, x_units="screen",
                                  text="1/12: the best one neuron can do", text_font_size="9pt",
                                  text_color="#c0392b", y_offset=4)
        fig.add_layout(self._floor)
        fig.add_layout(self._floor_label)
        # where the learner changed something that restarts the curve (weights, data, optimizer)
        self._marks = ColumnDataSource({"epoch": [], "label": []}, name="loss_marks")
        fig.vspan("epoch", source=self._marks, line_color="#888888", line_dash="dotted",
                  line_width=1.5)
        fig.add_layout(LabelSet(x="epoch", y=6, y_units="screen", text="label", angle=1.5708,
                                source=self._marks, text_font_size="8pt", text_color="#666666",
                                x_offset=-3))
        self._figure = fig
        self._run = None
        self._shown = 0
        self._update()

    @param.depends("state.version", "state.progress", watch=True)
    def _update(self):
        s = self.state
        epochs, losses = s.history
        one_neuron = s.hidden == 1
        self._floor.visible = self._floor_label.visible = one_neuron
        if s.run is not self._run or len(epochs) < self._shown:  # a new run, or thinned
            self._run = s.run
            self._source.data = {"epoch": list(epochs), "loss": [max(v, TINY) for v in losses]}
        elif len(epochs) > self._shown:
            new = slice(self._shown, len(epochs))
            self._source.stream({"epoch": epochs[new], "loss": [max(v, TINY) for v in losses[new]]})
        self._shown = len(epochs)
        marks, labels = s.run.marks
        if len(marks) != len(self._marks.data["epoch"]):
            self._marks.data = {"epoch": list(marks), "label": list(labels)}

    def __panel__(self):
        return pn.pane.Bokeh(self._figure, sizing_mode="stretch_width")
