"""Export the state (weights, loss history, a Python snippet, a snapshot page, the plots as
PNG) and load weights back; each download is made when its button is clicked."""
import io

import panel as pn

from .. import export
from .base import View


class ExportView(View):
    """Download buttons for the state as it is at the click, and a weights.json upload."""


    def __init__(self, **params):
        super().__init__(**params)

        def download(name, make, css, **kwargs):
            # Panel counts clicks on the link inside the button only: Enter or Space on the
            # button reaches it through app/a11y.py
            return pn.widgets.FileDownload(
                callback=make, filename=name, label=name, color="primary",
                variant="outline", css_classes=[f"tn-export-{css}"], margin=(4, 6),
                **kwargs)

        self._downloads = [
            download("weights.json", lambda: io.StringIO(export.weights_json(self.state)),
                     "weights"),
            download("loss.csv", lambda: io.StringIO(export.loss_csv(self.state)), "loss"),
            download("network.py", lambda: io.StringIO(export.python_snippet(self.state)),
                     "snippet"),
            download("snapshot.html", lambda: io.StringIO(export.snapshot_html(self.state)),
                     "snapshot"),
        ]
        why_not = export.png_unavailable_reason()  # checked once: no browser is started here
        self._png = download("plots.png", self._plots_png, "png", disabled=bool(why_not),
                             description=why_not or "the fit and loss plots, drawn by Chromium")
        self._downloads.append(self._png)
        self._upload = pn.widgets.FileInput(accept=".json,application/json",
                                            css_classes=["tn-import"], margin=(4, 6))
        self._upload.param.watch(self._on_upload, "value")
        self._alert = pn.pane.Alert("", alert_type="danger", visible=False,
                                    css_classes=["tn-export-message"],
                                    sizing_mode="stretch_width")
        if why_not:
            self._show(why_not + ".", "info")

    def _show(self, text: str, kind: str = "danger") -> None:
        self._alert.param.update(object=text, alert_type=kind, visible=bool(text))

    def _plots_png(self):
        try:
            png = export.plots_png(self.state)
        except export.PNGUnavailable as err:
            self._show(f"plots.png was not made: {err}.")
            raise
        self._show("")
        return io.BytesIO(png)

    def _on_upload(self, event):
        """Load a weights.json as the current start; refuse it with the reason otherwise."""
        if event.new is None:
            return
        name = self._upload.filename or "weights.json"
        try:
            weights = export.parse_weights_json(event.new)
        except export.WeightsError as err:
            self._show(f"{name} was not loaded: {err}. The weights are unchanged.")
            return
        try:
            export.apply_weights(self.state, weights, label=f"loaded {name}")
        except export.WeightsError as err:
            self._show(f"{name} was not loaded: {err}. The weights are unchanged.")
            return
        if weights.runs:
            self._show(f"Loaded {name}: its {len(weights.runs)} run(s) replayed exactly; "
                       f"{self.state.hidden} hidden neuron{'s' if self.state.hidden > 1 else ''}"
                       f" at epoch {self.state.epoch:,} of {self.state.end:,}.", "success")
            return
        self._show(f"Loaded {name}: {weights.hidden} {weights.activation} hidden "
                   f"neuron{'s' if weights.hidden > 1 else ''}; the data are unchanged.",
                   "success")

    def __panel__(self):
        return pn.Column(
            pn.pane.HTML('<span class="tn-label">export</span> <span class="tn-hint">the '
                         "network as it is when you click</span>", margin=(6, 10, 0, 10)),
            pn.FlexBox(*self._downloads),
            pn.pane.HTML('<span class="tn-label">load weights</span> <span class="tn-hint">'
                         "a weights.json exported here</span>", margin=(6, 10, 0, 10)),
            self._upload,
            self._alert,
            sizing_mode="stretch_width", css_classes=["tn-export"])
