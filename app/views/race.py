"""The race in the page: both loss curves on one log axis with the 1/12 floor, both fits."""
import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Label, Span
from bokeh.plotting import figure

import tinynet

from ..race import RUNNERS, Race
from ..text import format_loss
from .base import DOT, INK, LINE, Y_RANGE, history_data, swatch_list

FLOOR_COLOR = "#555555"  # the one-neuron floor's dashed line


class RaceView(pn.viewable.Viewer):
    """Start/Pause and Reset for the race, and its two shared plots."""

    race = param.ClassSelector(class_=Race)

    def __init__(self, **params):
        super().__init__(**params)
        r = self.race
        self._losses = {h: ColumnDataSource({"epoch": [], "loss": []}, name=f"race_loss_{h}")
                        for h in RUNNERS}
        self._fits = {h: ColumnDataSource({"x": [], "y": []}, name=f"race_fit_{h}")
                      for h in RUNNERS}
        loss_fig = figure(height=330, sizing_mode="stretch_width", y_axis_type="log",
                          toolbar_location=None, x_axis_label="epoch", y_axis_label="mean loss",
                          title="The race: loss of one neuron vs two (log scale)")
        loss_fig.add_layout(Span(location=tinynet.ONE_NEURON_FLOOR, dimension="width",
                                 line_color=FLOOR_COLOR, line_dash="dashed", line_width=2))
        fit_fig = figure(height=330, sizing_mode="stretch_width", toolbar_location=None,
                         x_axis_label="x", y_axis_label="y", y_range=Y_RANGE,
                         title="The race: what each network predicts")
        # The legend is a list below the plots (a screen reader reads it), not drawn in them,
        # where it was repainted with every tick of the race (whether that limits the race
        # and Train at top speed is not settled: two quick A/Bs disagreed)
        for h, color in RUNNERS.items():
            loss_fig.line("epoch", "loss", source=self._losses[h], line_color=color,
                          line_width=2)
            fit_fig.line("x", "y", source=self._fits[h], line_color=color, line_width=3)
        fit_fig.scatter(tinynet.ARTICLE_X, tinynet.ARTICLE_Y, size=11, color=INK)
        self._legend = pn.pane.HTML(swatch_list([
            *[(LINE.format(color=color, width=3, extra=""),
               f"{h} hidden neuron{'s' if h > 1 else ''}") for h, color in RUNNERS.items()],
            (DOT.format(paint=f'fill="{INK}"'), "data"),
            (LINE.format(color=FLOOR_COLOR, width=2, extra=' stroke-dasharray="5 3"'),
             "1/12: the best one neuron can do"),
        ], "tn-race-legend", "Legend of the race plots"), margin=(0, 10))
        # before the start, the loss plot says what will appear on it
        self._empty = Label(x=10, y=40, x_units="screen", y_units="screen",
                            text="Press ▶ Start the race: both loss curves grow here",
                            text_font_size="10pt", text_color="#444444")
        loss_fig.add_layout(self._empty)
        self._loss_fig, self._fit_fig = loss_fig, fit_fig
        self._run = pn.widgets.Toggle.from_param(r.param.running, label="▶ Start the race",
                                                 color="success", width=170,
                                                 css_classes=["tn-race-run"])
        self._reset = pn.widgets.Button.from_param(r.param.reset, label="Reset the race",
                                                   color="primary", variant="outline",
                                                   width=140, css_classes=["tn-race-reset"])
        self._status = pn.pane.HTML("", css_classes=["tn-race-status"])
        self._shown = {h: 0 for h in RUNNERS}
        self._update()

    @param.depends("race.running", watch=True)
    def _label(self):
        self._run.label = "▮▮ Pause the race" if self.race.running else "▶ Start the race"

    @param.depends("race.version", watch=True)
    def _update(self):
        r = self.race
        x = tinynet.ARTICLE_X
        grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 161)
        for h, trainer in r.trainers.items():
            epochs, losses = r.histories[h]
            if len(epochs) < self._shown[h] or self._shown[h] == 0:
                self._losses[h].data = history_data(epochs, losses)
            elif len(epochs) > self._shown[h]:
                new = slice(self._shown[h], len(epochs))
                self._losses[h].stream(history_data(epochs[new], losses[new]))
            self._shown[h] = len(epochs)
            self._fits[h].data = {"x": grid, "y": trainer.net.predict(grid)}
        self._empty.visible = r.epoch == 0
        loss = {h: r.histories[h][1][-1] for h in RUNNERS}
        self._status.object = (f"epoch <b>{r.epoch}</b> · one neuron: <b>{format_loss(loss[1])}</b>"
                               f" · two neurons: <b>{format_loss(loss[2])}</b>")

    def __panel__(self):
        return pn.Column(
            pn.Row(self._run, self._reset, self._status, css_classes=["tn-wrap"]),
            pn.Row(self._loss_fig, self._fit_fig, sizing_mode="stretch_width",
                   css_classes=["tn-cols"]),
            self._legend,
            sizing_mode="stretch_width")
