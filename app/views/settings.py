"""Experiment settings: optimizer, activation, starting weights and data."""
import panel as pn
import param

import tinynet

from ..dataio import MAX_BYTES, parse_csv
from ..state import Playground


class Settings(pn.viewable.Viewer):
    """Widgets made from the state's parameters, and a CSV upload for the learner's own data."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        small = dict(sizing_mode="stretch_width", margin=(2, 10))
        self._optimizer = pn.widgets.Select.from_param(
            s.param.optimizer, label="optimizer", css_classes=["tn-optimizer"], **small)
        self._momentum = pn.widgets.FloatSlider.from_param(
            s.param.momentum, label="momentum β", step=0.01, css_classes=["tn-momentum"], **small)
        self._beta1 = pn.widgets.FloatSlider.from_param(
            s.param.beta1, label="Adam β₁", step=0.01, css_classes=["tn-beta1"], **small)
        self._beta2 = pn.widgets.FloatSlider.from_param(
            s.param.beta2, label="Adam β₂", step=0.0001, format="0.0000", css_classes=["tn-beta2"], **small)
        self._activation = pn.widgets.Select.from_param(
            s.param.activation, label="activation", css_classes=["tn-activation"], **small)
        self._init = pn.widgets.Select.from_param(
            s.param.init, label="starting weights", css_classes=["tn-init"], **small)
        self._seed = pn.widgets.IntInput.from_param(
            s.param.seed, label="seed", css_classes=["tn-seed"], **small)
        self._preset = pn.widgets.Select.from_param(
            s.param.preset, label="data", css_classes=["tn-preset"], **small)
        self._upload = pn.widgets.FileInput(accept=".csv,text/csv", css_classes=["tn-upload"],
                                            **small)
        self._upload.param.watch(self._on_upload, "value")
        self._show_optimizer_settings()

    @param.depends("state.optimizer", "state.init", watch=True)
    def _show_optimizer_settings(self):
        s = self.state
        self._momentum.visible = s.optimizer == "momentum"
        self._beta1.visible = self._beta2.visible = s.optimizer == "adam"
        self._seed.visible = s.init in ("xavier", "he")

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
        return pn.Column(
            self._optimizer, self._momentum, self._beta1, self._beta2, self._activation,
            self._init, self._seed, self._preset, self._upload, hint,
            sizing_mode="stretch_width", css_classes=["tn-settings"])
