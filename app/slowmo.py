"""One optimizer step in slow motion: forward pass, loss per point, backward pass per point,
averaging, update. Panel-free: it reads a Session and, in the last phase, takes exactly one
step through the session (the same code path as the Step button), so the network ends where
Step puts it. Going Back before the last phase changes nothing.
"""
import numpy as np

from tinynet import Network

from . import backprop
from .backprop import MEAN, pretty
from .session import Session
from .text import number, signed

RULES = {  # each optimizer's update, as the page writes it
    "gd": "θ ← θ − lr · g",
    "momentum": "v ← β · v + g,  then  θ ← θ − lr · v",
    "adam": "m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  then  θ ← θ − lr · m̂ / (√v̂ + ε)",
}


def _vector(values) -> str:
    return ", ".join(number(v, 4) for v in np.atleast_1d(values))


def plain(v: float) -> str:
    """An input or target as the data gives it: 1, 2.5 (the one formatter, trailing 0s off)."""
    text = number(v, 4)
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


class SlowMotion:
    """Phases of one step on a session; ``start``, ``next``, ``back``, ``stop``."""

    def __init__(self, session: Session):
        self.session = session
        self.active = False
        self.phase = 0
        self.old = self.new = None  # theta before and after the step (the last phase)
        self._snapshot = None
        self._stepping = False

    # -- the phases ------------------------------------------------------------------------------
    @property
    def points(self) -> int:
        return len(self.session.x)

    @property
    def phases(self) -> list[str]:
        return (["forward pass", "loss per point"]
                + [f"backward pass, point {i + 1}" for i in range(self.points)]
                + ["averaging over the points", "update"])

    @property
    def last(self) -> int:
        return len(self.phases) - 1

    @property
    def name(self) -> str:
        return self.phases[self.phase]

    def point(self) -> int | str:
        """The point the graph should show in this phase (0-based, or MEAN)."""
        return self.phase - 2 if 2 <= self.phase < 2 + self.points else MEAN

    def touched(self) -> str:
        """What this phase works on: 'values', 'loss', 'grads' or 'weights'."""
        if self.phase == 0:
            return "values"
        if self.phase == 1:
            return "loss"
        return "grads" if self.phase < 2 + self.points else "weights"

    # -- moving through them -------------------------------------------------------------------
    def start(self) -> None:
        """Stop training and begin at the forward pass, on the network as it is now."""
        self.session.training = False
        self.active, self.phase, self.old, self.new = True, 0, None, None
        self._take_snapshot()

    def next(self) -> None:
        """The next phase; entering the last one takes the step; Next on it ends."""
        if not self.active:
            return
        if self.phase == self.last:
            self.stop()
            return
        if self.phase + 1 == self.last:
            self.old = self.session.net.theta.copy()
            self._stepping = True  # the views redraw during the step: not a change under us
            try:
                self.session.param.trigger("step")  # the Step button's own path
            finally:
                self._stepping = False
            self.new = self.session.net.theta.copy()
        self.phase += 1

    def back(self) -> None:
        """The previous phase; the step, once taken, is not undone."""
        if self.active and 0 < self.phase < self.last:
            self.phase -= 1

    def stop(self) -> None:
        self.active, self.phase = False, 0

    def refresh(self) -> None:
        """The session changed under us (a slider, new data): show the phases on it now."""
        if self.active and not self._stepping and self.phase < self.last and self._stale():
            self._take_snapshot()
            self.phase = min(self.phase, self.last - 1)

    def _take_snapshot(self):
        s = self.session
        self._snapshot = (s.net.theta.copy(), s.x.copy(), s.y.copy(), s.activation,
                          s.net.objective, s.net.decay)

    def _stale(self) -> bool:
        theta, x, y, act, objective, decay = self._snapshot
        s = self.session
        return not (np.array_equal(theta, s.net.theta) and np.array_equal(x, s.x)
                    and np.array_equal(y, s.y) and act == s.activation
                    and (objective, decay) == (s.net.objective, s.net.decay))

    # -- what a phase says -----------------------------------------------------------------------
    def lines(self) -> list[str]:
        """The phase's explanation, one short line each, with the live numbers."""
        theta, x, y, act, objective, decay = self._snapshot
        net = Network.from_theta(theta, act, objective, decay)
        names = backprop.weight_names(net.hidden)
        p = backprop.per_point(net, x, y)
        squared = objective.name == "squared"
        if self.phase == 0:
            out = (lambda i: f"ŷ = {number(p['y_hat'][i], 4)}") if squared else (
                lambda i: f"z₂ = {number(p['z2'][i], 4)}, p = σ(z₂) = {number(p['y_hat'][i], 4)}")
            return ["Each point goes through the network, input to output:"] + [
                f"x = {plain(xi)}: z₁ = {_vector(p['z1'][i])}, a₁ = {_vector(p['a1'][i])}, "
                f"{out(i)}" for i, xi in enumerate(x)]
        if self.phase == 1:
            rule, each = (("½(ŷ − y)²", lambda i: f"½({number(p['y_hat'][i], 4)} − {plain(y[i])})²")
                          if squared else ("−[y ln p + (1 − y) ln(1 − p)] (from z₂, so never "
                                           "ln 0)", lambda i: f"p = {number(p['y_hat'][i], 4)}, "
                                           f"y = {plain(y[i])}: L"))
            penalty = ([f"+ penalty (λ/2)·Σw² = {number(net.penalty(), 6)}"] if decay else [])
            return [f"Each point's loss is {rule}:"] + [
                f"x = {plain(xi)}: {each(i)} = {number(p['L'][i], 4)}"
                for i, xi in enumerate(x)] + [
                f"mean loss = {number(p['L'].mean(), 6)}"] + penalty
        if self.phase < 2 + self.points:
            i = self.phase - 2
            first = (f"∂L/∂ŷ = ŷ − y = {signed(p['dy'][i])}" if squared else
                     f"∂L/∂z₂ = ∂L/∂p · p(1 − p) = p − y = {signed(p['dy'][i])}")
            return [f"Point {i + 1} (x = {plain(x[i])}): gradients flow from L back to "
                    "each weight, output to input:",
                    first,
                    f"∂L/∂a₁ = ∂L/∂z₂ · w₂ = {_vector(p['da1'][i])}",
                    f"∂L/∂z₁ = ∂L/∂a₁ · {backprop.SLOPE_SYMBOL[act][0]} = {_vector(p['dz1'][i])}",
                    ", ".join(f"∂L/∂{pretty(n)} = {signed(g)}"
                              for n, g in zip(names, p["dtheta"][i]))]
        if self.phase == self.last - 1:
            mean, extra = p["dtheta"].mean(axis=0), net.penalty_gradient()
            return ["The step uses the mean of the points' gradients"
                    + (", plus λw for w₁ and w₂ (the weight decay):" if decay else ":")] + [
                f"∂L/∂{pretty(n)} = ({' '.join(signed(g) for g in p['dtheta'][:, k])}) / "
                f"{self.points}{f' + λ·{plain(theta[k])}' if extra[k] else ''} = "
                f"{signed(mean[k] + extra[k])}"
                for k, n in enumerate(names)]
        return self._update_lines(names, net.gradient(x, y))

    def _update_lines(self, names, g) -> list[str]:
        opt = self.session.trainer.optimizer
        lr = opt.learning_rate
        settings = ", ".join(f"{k.replace('learning_rate', 'lr')} = {plain(v)}"
                             for k, v in opt.settings().items())
        lines = [f"{RULES.get(opt.name, opt.name)}   ({settings})"]
        move = {"gd": "g", "momentum": "v", "adam": "m̂ / (√v̂ + ε)"}.get(opt.name, "step")
        for k, n in enumerate(names):
            old, new = self.old[k], self.new[k]
            moved = "" if opt.name == "gd" else f", {move} = {signed((old - new) / lr)}"
            lines.append(f"{pretty(n)}: g = {signed(g[k])}{moved};  {number(old, 4)} − "
                         f"{plain(lr)} · {move} = {number(new, 4)}")
        return lines + [f"The network is now where Step puts it: mean loss "
                        f"{number(self.session.loss(), 6)}."]
