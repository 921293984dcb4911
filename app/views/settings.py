"""Experiment settings: optimizer, activation, starting weights and data, one widget per row
of the settings table's "settings" group, and a CSV upload for the learner's own data."""
import panel as pn

import tinynet

from ..dataio import MAX_BYTES, parse_csv
from ..settings import SETTINGS
from .base import View
from .widgets import widget_for


class Settings(View):
    """A widget per setting, shown only while it applies (e.g. Adam's betas with Adam)."""

    def __init__(self, **params):
        super().__init__(**params)
        small = dict(sizing_mode="stretch_width", margin=(2, 10))
        self._rows = [row for row in SETTINGS if row.group == "settings"]
        self._widgets = {row.name: widget_for(self.state, row, **small) for row in self._rows}
        self._upload = pn.widgets.FileInput(accept=".csv,text/csv", css_classes=["tn-upload"],
                                            **small)
        self._upload.param.watch(self._on_upload, "value")
        watched = {row.shown_when[0] for row in self._rows if row.shown_when}
        self.state.param.watch(self._show_applicable, sorted(watched))
        self._show_applicable()

    def _show_applicable(self, *events):
        for row in self._rows:
            self._widgets[row.name].visible = row.shown(self.state)

    def _on_upload(self, event):
        """Load the learner's CSV; refuse it with the reason, keeping the current data."""
        if event.new is None:
            return
        try:
            x, y = parse_csv(event.new)
            self.state.set_data(x, y, label=f"data: {self._upload.filename or 'upload'}")
        except tinynet.DataError as err:
            self.state.message = f"That file was not loaded: {err}. The data are unchanged."
            return
        self.state.param.update(preset="custom")

    def __panel__(self):
        hint = pn.pane.HTML(
            f'<span class="tn-hint">or upload a CSV of x,y rows (up to {tinynet.MAX_POINTS} '
            f"points, {MAX_BYTES // 1024} kB); drag the points on the fit plot, click to add "
            "one, select one and press Backspace to remove it</span>", margin=(0, 10),
            sizing_mode="stretch_width")
        return pn.Column(*self._widgets.values(), self._upload, hint,
                         sizing_mode="stretch_width", css_classes=["tn-settings"])
