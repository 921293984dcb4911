"""Recompute the article's figures with tinynet: ``python -m tinynet reproduce [--json]``.

Every number here comes from the library (Network, Trainer, starting_network); nothing is
typed in from the article. The tables are the article's, with its arithmetic slips corrected.
``--loss cross_entropy`` and ``--decay LAMBDA`` recompute them all for another loss.
"""
import json

import numpy as np

from .data import ARTICLE_X, ARTICLE_Y, monotonic_fit
from .init import starting_theta
from .network import Network
from .optimizers import GradientDescent
from .train import Trainer

LEARNING_RATE = 0.5  # the article's, full batch
EPOCHS = 5000
LOG_EVERY = 500


def one_neuron_floor(x, y, loss="squared") -> tuple[float, np.ndarray]:
    """(mean loss, fit) of the best monotonic curve through the points, sorted by x."""
    floor, fit = monotonic_fit(x, y, loss)
    return floor, fit[np.argsort(x, kind="stable")]


def start(scheme: str, hidden: int, loss="squared", decay=0.0) -> Network:
    """A network at a scheme's starting weights, trained on ``loss`` with ``decay``."""
    return Network.from_theta(starting_theta(scheme, hidden), "sigmoid", loss, decay)


def _train(net: Network, x, y, epochs=EPOCHS, every=LOG_EVERY) -> dict:
    """Train in place with gradient descent; the loss after every ``every`` steps and the fit."""
    start, weights = net.loss(x, y), _weights(net)
    result = Trainer(net, x, y, GradientDescent(LEARNING_RATE)).run(epochs)
    log = [(0, start)] + [(k, float(result.losses[k - 1]))
                          for k in range(every, len(result.losses) + 1, every)]
    return {"hidden": net.hidden, "start": weights,
            "log": [{"epoch": k, "loss": loss} for k, loss in log],
            "final_loss": net.loss(x, y), "weights": _weights(net),
            "predictions": net.predict(x).tolist(), "diverged": result.diverged}


def _weights(net: Network) -> dict:
    return dict(zip(net.names, net.theta.tolist()))


def reproduce(x=ARTICLE_X, y=ARTICLE_Y, loss="squared", decay=0.0) -> dict:
    """All the article's figures, recomputed, as plain data (for ``loss`` and ``decay``)."""
    net = start("article", 1, loss, decay)  # H=1: w1=0.5, b1=-0.1, w2=0.3, b2=0.2
    z1, a1, y_hat = net.forward(x)
    error = y_hat - y
    losses = net.losses(x, y)
    grads = net.point_gradients(x, y)  # (N, 4): dL/dw1, dL/db1, dL/dw2, dL/db2 per point
    names = [f"dL/d{n}" for n in net.names]

    stepped = net.copy()
    Trainer(stepped, x, y, GradientDescent(LEARNING_RATE)).run(1)

    floor, fit = one_neuron_floor(x, y, loss)
    return {
        "loss_function": net.objective.name,
        "decay": net.decay,
        "learning_rate": LEARNING_RATE,
        "start": _weights(net),
        "forward": [{"x": xi, "z1": z, "a1": a, "y_hat": yh, "y": yi}
                    for xi, z, a, yh, yi in zip(x, z1[:, 0], a1[:, 0], y_hat, y)],
        "loss": [{"x": xi, "y_hat": yh, "y": yi, "error": e, "loss": lo}
                 for xi, yh, yi, e, lo in zip(x, y_hat, y, error, losses)],
        "mean_loss": net.loss(x, y),
        "data_loss": net.data_loss(x, y),
        "penalty": net.penalty(),
        "gradients": [{"x": xi, **dict(zip(names, row))} for xi, row in zip(x, grads.tolist())],
        "mean_gradient": dict(zip(names, net.gradient(x, y).tolist())),
        "after_one_step": {"weights": _weights(stepped), "loss": stepped.loss(x, y)},
        "training": {"H=1": _train(start("article", 1, loss, decay), x, y),
                     "H=2": _train(start("bump", 2, loss, decay), x, y)},
        "one_neuron_floor": {"loss": floor, "best_monotonic_fit": fit.tolist()},
    }


# -- text ------------------------------------------------------------------------------------
def fmt(v: float) -> str:
    """4 decimals, or 4 significant figures in scientific notation for tiny numbers."""
    v = float(v)
    return f"{v:.4e}" if v != 0 and abs(v) < 5e-4 else f"{v:.4f}"


def cell(key: str, v, signed=()) -> str:
    if isinstance(v, str):
        return v
    if key in ("x", "y"):  # the data, as given
        return f"{v:g}"
    return f"{v:+.4f}" if key in signed else fmt(v)


def table(rows: list[dict], signed=()) -> str:
    """Rows of {column: value} as right-aligned text."""
    head = list(rows[0])
    cells = [[cell(k, r[k], signed) for k in head] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def weights_line(w: dict) -> str:
    return ", ".join(f"{k}={fmt(v)}" for k, v in w.items())


POINT_LOSS = {"squared": "0.5 * (y_hat - y)^2",
              "cross_entropy": "-(y log y_hat + (1 - y) log(1 - y_hat)), y_hat = sigmoid(z2)"}


def report(r: dict) -> str:
    """The figures as text, section by section."""
    grads = r["gradients"] + [{"x": "mean", **r["mean_gradient"]}]
    loss_name = r.get("loss_function", "squared")
    mean = [f"Mean loss: {fmt(r['mean_loss'])}"]
    if r.get("decay"):
        mean = [f"Mean loss: {fmt(r['mean_loss'])} = data loss {fmt(r['data_loss'])} + penalty "
                f"(lambda / 2) * (w1^2 + w2^2) = {fmt(r['penalty'])}, lambda = {r['decay']:g}"]
    out = [
        f"Start (H=1): {weights_line(r['start'])}; "
        f"learning rate {r['learning_rate']:g}, full batch.",
        "", "Forward pass:", table(r["forward"]),
        "", f"Loss per point, {POINT_LOSS[loss_name]}:", table(r["loss"], signed=("error",)),
        *mean,
        "", "Gradient of each point's loss, and their mean (the step's direction):",
        table(grads, signed=tuple(r["mean_gradient"])),
        "", f"After one step: {weights_line(r['after_one_step']['weights'])}",
        f"Loss after one step: {fmt(r['after_one_step']['loss'])}",
    ]
    for key, name in (("H=1", "article start"), ("H=2", "bump start")):
        t = r["training"][key]
        out += ["", f"Training {key} from the {name} ({weights_line(t['start'])}):"]
        out += [f"  epoch {e['epoch']:5d}  loss {fmt(e['loss'])}" for e in t["log"]]
        preds = ", ".join(f"x={x:g}: {fmt(p)}" for x, p in zip(ARTICLE_X, t["predictions"]))
        out += [f"  final predictions: {preds}"]
    floor = r["one_neuron_floor"]
    fit = np.array(floor["best_monotonic_fit"])
    if loss_name != "squared" or r.get("decay"):
        return "\n".join(out + ["", *_floor_lines(floor, loss_name, r.get("decay"))])
    misses = np.abs(fit - ARTICLE_Y[np.argsort(ARTICLE_X, kind="stable")])
    out += [
        "", f"Why H=1 stalls: its floor is {fmt(floor['loss'])} = 1/12.",
        "  One sigmoid neuron makes y_hat = w2 * sigmoid(w1 x + b1) + b2, a sigmoid stretched and",
        "  shifted: it only rises or only falls as x grows. The data 0, 1, 1, 0 rises then falls.",
        "  The closest monotonic values (pool the points that break the order into their mean)",
        f"  are {', '.join(fmt(v) for v in fit)}; "
        f"they miss by {', '.join(fmt(v) for v in misses)},",
        "  that is 0, 1/3, 1/3 and 2/3, so the mean loss is",
        "  (0.5 / 4) * (0 + 1/9 + 1/9 + 4/9) = 1/12. A sigmoid only approaches that step shape,",
        "  so training creeps toward 1/12 and never reaches it; two neurons can make a bump.",
    ]
    return "\n".join(out)


def _floor_lines(floor: dict, loss_name: str, decay: float) -> list[str]:
    """Why H=1 stalls, for a loss other than the article's or with weight decay on."""
    fit = ", ".join(fmt(v) for v in floor["best_monotonic_fit"])
    lines = [f"Why H=1 stalls: its floor of the data loss ({loss_name}) is {fmt(floor['loss'])}.",
             "  One neuron's output only rises or only falls as x grows; the best such values",
             f"  (pool the points that break the order into their mean) are {fit}."]
    if decay:
        lines += ["  With weight decay the loss trained on adds the penalty to the data loss:",
                  "  it stays above this floor and cannot reach it, since nearing the floor",
                  "  takes ever larger weights, and the penalty charges for them."]
    return lines


def main(as_json=False, loss="squared", decay=0.0) -> str:
    r = reproduce(loss=loss, decay=decay)
    return json.dumps(r, indent=2) if as_json else report(r)
