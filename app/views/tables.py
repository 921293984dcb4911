"""The article's tables, live: forward pass, per-point loss, per-point gradients with their mean."""
import numpy as np
import panel as pn
import param

from ..patches import HTML as FastHTML
from ..state import Playground
from . import Throttle


def _table(title, headers, rows, foot=None):
    th = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    tfoot = ("<tfoot><tr>" + "".join(f"<td>{c}</td>" for c in foot) + "</tr></tfoot>") if foot else ""
    return (f'<div class="tn-table"><div class="tn-table-title">{title}</div>'
            f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody>{tfoot}</table></div>")


def _f(v):
    return f"{v:+.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:+.2e}"


class Tables(pn.viewable.Viewer):
    """Three small HTML tables recomputed from the state on every change."""

    state = param.ClassSelector(class_=Playground)

    def __init__(self, **params):
        super().__init__(**params)
        self._forward = FastHTML("", css_classes=["tn-forward-table"])
        self._loss = FastHTML("", css_classes=["tn-loss-table"])
        self._grads = FastHTML("", css_classes=["tn-gradient-table"])
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
        sub = (lambda name: [name]) if h == 1 else (lambda name: [f"{name}[{j}]" for j in range(1, h + 1)])
        self._forward.object = _table(
            "Forward pass", ["x", *sub("z₁"), *sub("a₁"), "ŷ", "y"],
            [[f"{xi:g}", *map(_f, z1[i]), *map(_f, a1[i]), _f(y_hat[i]), f"{y[i]:g}"]
             for i, xi in enumerate(x)])
        err = y_hat - y
        losses = 0.5 * err**2
        self._loss.object = _table(
            "Loss per point", ["x", "ŷ − y", "½(ŷ − y)²"],
            [[f"{xi:g}", _f(err[i]), _f(losses[i])] for i, xi in enumerate(x)],
            foot=["mean", "", _f(float(np.mean(losses)))])
        g = net.point_gradients(x, y)
        names = ["∂L/∂" + n for n in _pretty(net.names)]
        self._grads.object = _table(
            "Gradient per point", ["x", *names],
            [[f"{xi:g}", *map(_f, g[i])] for i, xi in enumerate(x)],
            foot=["mean", *map(_f, g.mean(axis=0))])

    def __panel__(self):
        return pn.FlexBox(self._forward, self._loss, self._grads, css_classes=["tn-tables"],
                          sizing_mode="stretch_width")


def _pretty(names):
    return [n.replace("w1", "w₁").replace("b1", "b₁").replace("w2", "w₂").replace("b2", "b₂")
            .replace("_", "[") + ("]" if "_" in n else "") for n in names]
