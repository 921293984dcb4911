"""The article's tables, live: forward pass, per-point loss, per-point gradients with their mean."""
import numpy as np
import panel as pn
import param

from ..patches import HTML
from ..text import html_table, signed
from ..throttle import Throttle
from .base import View


class Tables(View):
    """Three small HTML tables recomputed from the state on every change."""


    def __init__(self, **params):
        super().__init__(**params)
        self._forward = HTML("", css_classes=["tn-forward-table"])
        self._loss = HTML("", css_classes=["tn-loss-table"])
        self._grads = HTML("", css_classes=["tn-gradient-table"])
        self._throttle = Throttle(hz=8)
        self._update()

    @param.depends("state.version", watch=True)
    def _update(self):
        if not self._throttle.due(self.state.training):
            return
        s = self.state
        net, x, y = s.net, s.x, s.y
        z1, a1, y_hat = net.forward(x)
        h = net.hidden
        sub = ((lambda name: [name]) if h == 1
               else (lambda name: [f"{name}[{j}]" for j in range(1, h + 1)]))
        squared = net.objective.name == "squared"
        logit = [] if squared else [net.logit(x)]  # cross-entropy: z₂, then ŷ = σ(z₂)
        self._forward.object = html_table(
            ["x", *sub("z₁"), *sub("a₁"), *([] if squared else ["z₂"]),
             "ŷ" if squared else "ŷ = σ(z₂)", "y"],
            [[f"{xi:g}", *map(signed, z1[i]), *map(signed, a1[i]),
              *(signed(z[i]) for z in logit), signed(y_hat[i]), f"{y[i]:g}"]
             for i, xi in enumerate(x)], title="Forward pass")
        err = y_hat - y
        losses = net.losses(x, y)  # from the logit: finite where ŷ rounds to 0 or 1
        self._loss.object = html_table(
            ["x", "ŷ − y", "½(ŷ − y)²" if squared else "−[y ln ŷ + (1 − y) ln(1 − ŷ)]"],
            [[f"{xi:g}", signed(err[i]), signed(losses[i])] for i, xi in enumerate(x)],
            foot=["mean", "", signed(float(np.mean(losses)))], title="Loss per point")
        g = net.point_gradients(x, y)
        names = ["∂L/∂" + n for n in _pretty(net.names)]
        rows = [[f"{xi:g}", *map(signed, g[i])] for i, xi in enumerate(x)]
        foot = ["mean", *map(signed, g.mean(axis=0))]
        if net.decay:  # the penalty's part, λw (0 for the biases), added to the mean
            rows.append(["+ λw", *map(signed, net.penalty_gradient())])
            foot = ["∂L/∂θ", *map(signed, net.gradient(x, y))]
        self._grads.object = html_table(["x", *names], rows, foot=foot,
                                        title="Gradient per point")

    def __panel__(self):
        return pn.FlexBox(self._forward, self._loss, self._grads, css_classes=["tn-tables"],
                          sizing_mode="stretch_width")


def _pretty(names):
    return [n.replace("w1", "w₁").replace("b1", "b₁").replace("w2", "w₂").replace("b2", "b₂")
            .replace("_", "[") + ("]" if "_" in n else "") for n in names]
