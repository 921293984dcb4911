"""For screen readers and keyboards: the live region, the plots in words, the shortcuts' help.

The live region (host class ``tn-live``; app/a11y.py's page script makes its container a polite
``role=status``) says the mean loss and epoch: on every change while paused (a Step, a Reset, a
slider moved by arrows), at most once a second while training, and when training stops or
diverges. Each plot has a visually hidden text saying what it shows now.
"""
import html

import numpy as np
import panel as pn
import param

from ..a11y import SHORTCUTS
from ..patches import HTML
from ..text import format_loss, number
from ..throttle import Throttle
from .base import View

ANNOUNCE_HZ = 1.0  # while training, the live region speaks at most this often


def fit_text(state) -> str:
    """The fit plot in words: each data point's y and the network's prediction there."""
    x, y, y_hat = state.x, state.y, state.net.predict(state.x)
    points = "; ".join(f"at x = {a:g}: data {b:g}, predicted {number(c, 3)}"
                       for a, b, c in zip(x.tolist(), y.tolist(), y_hat.tolist()))
    h = state.hidden
    return (f"Fit plot, {h} hidden neuron{'s' if h > 1 else ''}: {len(x)} data points. "
            f"{points}.")


def loss_text(state) -> str:
    """The loss plot in words: where the curve started, where it is, and its trend."""
    epochs, losses = state.history
    now = state.loss()
    if len(losses) < 2:
        return f"Loss plot: mean loss {format_loss(now)} at epoch {state.epoch}; no training yet."
    first, low = float(losses[0]), float(np.nanmin(losses))
    trend = "falling" if now < first else "not falling"
    return (f"Loss plot (log scale): from {format_loss(first)} at epoch {epochs[0]} to "
            f"{format_loss(now)} at epoch {state.epoch}, {trend}; lowest {format_loss(low)}.")


def announcement(state) -> str:
    """What the live region says."""
    text = f"Mean loss {format_loss(state.loss())}, epoch {state.epoch}."
    if state.message:
        text += " " + state.message
    return text


def shortcuts_html() -> str:
    """The keyboard shortcuts as a disclosure (a <details>: no script, works with any reader)."""
    rows = "".join(f"<tr><th scope='row'><kbd>{html.escape(k)}</kbd></th><td>{what}</td></tr>"
                   for k, (what, _, _) in SHORTCUTS.items())
    return ("<details class='tn-keys'><summary>Keyboard shortcuts</summary>"
            f"<table>{rows}</table><p>Tab moves between controls; arrow keys move a slider "
            "(Page Up/Down by 5 steps). Shortcuts do not fire while typing in a box.</p>"
            "</details>")


class Accessibility(View):
    """The live region, the plots' text alternatives and the shortcuts' help, kept current."""

    def __init__(self, **params):
        super().__init__(**params)
        self.live = HTML("", css_classes=["tn-live", "tn-sr-only"], margin=0)
        self.fit_text = HTML("", css_classes=["tn-fit-text", "tn-sr-only"], margin=0)
        self.loss_text = HTML("", css_classes=["tn-loss-text", "tn-sr-only"], margin=0)
        self.keys = pn.pane.HTML(shortcuts_html(), css_classes=["tn-keys-help"],
                                 margin=(4, 10))
        self._throttle = Throttle(hz=ANNOUNCE_HZ)
        self._was_training = False
        self._update()

    @param.depends("state.version", "state.progress", "state.training", "state.message",
                   watch=True)
    def _update(self):
        s = self.state
        stopped = self._was_training and not s.training
        self._was_training = s.training
        if not (stopped or self._throttle.due(s.training)):
            return
        self.live.object = f'<span class="tn-live-text">{html.escape(announcement(s))}</span>'
        self.fit_text.object = f'<p>{html.escape(fit_text(s))}</p>'
        self.loss_text.object = f'<p>{html.escape(loss_text(s))}</p>'

    def __panel__(self):
        return pn.Column(self.keys, self.live, sizing_mode="stretch_width", margin=0)
