"""Full-batch training of one network, fast enough to stream every epoch into a plot.

The Trainer runs the same math as ``Network.forward`` / ``Network.gradient`` but on buffers made
once, with the points along the last axis, so an epoch is a fixed handful of numpy calls:
at 4 points and a few neurons, call overhead (not arithmetic) is what costs time.
"""
import math
from typing import NamedTuple

import numpy as np

from .data import validate
from .network import Network
from .optimizers import GradientDescent, Optimizer


def check_epochs(epochs) -> int:
    """``epochs`` as an int, or a ValueError saying it must be a whole number >= 0."""
    try:
        whole = int(epochs) == epochs and epochs >= 0
    except (TypeError, ValueError, OverflowError):  # None, 'ten', nan, inf
        whole = False
    if not whole:
        raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
    return int(epochs)


class TrainResult(NamedTuple):
    """What ``Trainer.run`` hands back."""

    losses: np.ndarray  # loss after each completed step, (epochs run,)
    diverged: bool  # True if a step made the loss or a weight non-finite
    message: str  # why training stopped early, '' if it did not
    reason: str = ""  # the cause alone, e.g. "at epoch 3: with learning rate 10 ..."


class Trainer:
    """Trains ``net`` in place on (x, y) with ``optimizer`` (gradient descent, lr 0.5, by default).

    The trainer and the network share ``net.theta``: weights set on the network between runs
    are where the next run starts from.
    """

    def __init__(self, net: Network, x, y, optimizer: Optimizer | None = None):
        x, y = validate(x, y)
        self.net = net
        self.x, self.y = x, y
        self.optimizer = optimizer if optimizer is not None else GradientDescent(0.5)
        self.epoch = 0
        self._g = np.zeros_like(net.theta)  # dL/dtheta, same layout as theta
        self._prev = net.theta.copy()  # last weights with a finite loss
        self._loss_and_gradient = self._kernel()

    def _kernel(self):
        """Build ``loss_and_gradient()``: mean loss at the current weights, dL/dtheta left in g.

        A closure over views and buffers made here once; points run along the last axis.
        """
        h, n, theta, g = self.net.hidden, self.x.size, self.net.theta, self._g
        act_f, act_df = self.net.activation.f, self.net.activation.df
        subtract, multiply = np.subtract, np.multiply
        p1t = theta[: 2 * h].reshape(2, h).T  # [w1 b1] per neuron          (H, 2)
        v = theta[2 * h :]  # [w2, b2]                                      (H + 1,)
        w2 = theta[2 * h : 3 * h].reshape(h, 1)  # w2 as a column            (H, 1)
        g_p1 = g[: 2 * h].reshape(2, h)  # [dL/dw1; dL/db1]                  (2, H)
        g_v = g[2 * h :]  # [dL/dw2, dL/db2]                                (H + 1,)
        xa = np.vstack([self.x, np.ones(n)])  # [x; 1]                      (2, N)
        y = self.y
        z = np.empty((h, n))  # z1                                          (H, N)
        a1_and_1 = np.ones((h + 1, n))  # [a1; 1]                            (H + 1, N)
        a1 = a1_and_1[:h]
        y_hat, d = np.empty(n), np.empty(n)
        d_row = d.reshape(1, n)
        dz, slope = np.empty((h, n)), np.empty((h, n))
        dz_t = dz.T
        inv_n = 1.0 / n
        inv_n_vec = np.full(n, inv_n)

        # ndarray.dot and ufuncs with array operands: at this size np.dot's dispatch and the
        # conversion of Python scalars cost more than the arithmetic.
        def loss_and_gradient() -> float:
            p1t.dot(xa, out=z)  # z1 = w1 x + b1                              (H, N)
            act_f(z, a1)  # a1 = act(z1)
            v.dot(a1_and_1, out=y_hat)  # y_hat = w2 . a1 + b2                 (N,)
            subtract(y_hat, y, out=d)  # y_hat - y
            loss = 0.5 * float(d.dot(d)) * inv_n  # L = mean(0.5 (y_hat - y)^2)
            multiply(d, inv_n_vec, out=d)  # dL/dy_hat = (y_hat - y) / N
            a1_and_1.dot(d, out=g_v)  # dL/dw2 = sum dL/dy_hat a1, dL/db2 = sum dL/dy_hat
            w2.dot(d_row, out=dz)  # dL/da1 = w2 dL/dy_hat                     (H, N)
            act_df(z, a1, slope)  # act'(z1)
            multiply(dz, slope, out=dz)  # dL/dz1 = dL/da1 act'(z1)
            xa.dot(dz_t, out=g_p1)  # dL/dw1 = sum dL/dz1 x, dL/db1 = sum dL/dz1
            return loss

        return loss_and_gradient

    def run(self, epochs: int) -> TrainResult:
        """Take up to ``epochs`` optimizer steps; stop early, at the last finite weights, on
        divergence."""
        epochs = check_epochs(epochs)
        losses = np.empty(epochs)
        theta, g, prev = self.net.theta, self._g, self._prev
        start = theta.copy()
        step, isfinite, copyto = self.optimizer.step, math.isfinite, np.copyto
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self._loss_and_gradient()
            if not (isfinite(loss) and np.isfinite(theta).all()):
                return TrainResult(losses[:0], True, *self._why(loss, started=True))
            for k in range(epochs):
                copyto(prev, theta)
                step(theta, g)
                loss = self._loss_and_gradient()
                if not isfinite(loss):
                    copyto(theta, prev)
                    self.epoch += k
                    return TrainResult(losses[:k], True, *self._why(loss))
                losses[k] = loss
        if not np.isfinite(theta).all():  # a weight overflowed while the loss stayed finite
            copyto(theta, start)
            return TrainResult(losses[:0], True, *self._why(math.inf))
        self.epoch += epochs
        return TrainResult(losses, False, "")

    def _why(self, loss, started=False) -> tuple[str, str]:
        """(message, reason): what happened and where the weights are; the cause alone."""
        if started:
            reason = "the loss or a weight is not a finite number"
            return f"training cannot start: {reason}", reason
        lr = self.optimizer.learning_rate
        reason = (f"at epoch {self.epoch + 1}: with learning rate {lr:g} each step overshoots "
                  f"the minimum and the loss grew to {loss:.3g}")
        return (f"training diverged {reason}. The weights are kept at epoch {self.epoch}, the "
                "last finite ones; lower the learning rate to go on."), reason

    @property
    def loss(self) -> float:
        """Mean loss at the current weights."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_and_gradient()

    def gradient(self) -> np.ndarray:
        """dL/dtheta of the mean loss at the current weights (a copy)."""
        with np.errstate(over="ignore", invalid="ignore"):
            self._loss_and_gradient()
        return self._g.copy()
