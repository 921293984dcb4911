"""Full-batch training of one network, fast enough to stream every epoch into a plot.

The Trainer runs the same math as ``Network.forward`` / ``Network.gradient`` but on buffers made
once, with the points along the last axis, so an epoch is a fixed handful of numpy calls:
at 4 points and a few neurons, call overhead (not arithmetic) is what costs time.

It also holds what a person sets about the training itself: weights that are ``frozen`` (never
moved by a step, though their gradient is still computed) and where to stop (``stop_epoch``,
``stop_loss``).
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
    stopped: str = ""  # where a stop condition paused training, '' if none did


class Trainer:
    """Trains ``net`` in place on (x, y) with ``optimizer`` (gradient descent, lr 0.5, by default),
    on the network's loss and decay (read at every step, so they can change between runs).

    The trainer and the network share ``net.theta``: weights set on the network between runs
    are where the next run starts from. ``frozen`` names the weights no step moves (names as in
    ``net.names``, or a boolean mask); ``stop_epoch`` and ``stop_loss`` (None: no stop) pause a
    run at that epoch, or at the first epoch whose loss is at or below that loss.
    """

    def __init__(self, net: Network, x, y, optimizer: Optimizer | None = None, frozen=(),
                 stop_epoch: int | None = None, stop_loss: float | None = None):
        x, y = validate(x, y)
        net.objective.check(y)
        self.net = net
        self.x, self.y = x, y
        self.optimizer = optimizer if optimizer is not None else GradientDescent(0.5)
        self.epoch = 0
        self.frozen = frozen
        self.stop_epoch, self.stop_loss = stop_epoch, stop_loss
        self._g = np.zeros_like(net.theta)  # dL/dtheta, same layout as theta
        self._g_free = np.zeros_like(net.theta)  # dL/dtheta with the frozen weights' zeroed
        self._prev = net.theta.copy()  # last weights with a finite loss
        self._objective = None  # the loss the kernel was built for

    # -- what a person sets about training -------------------------------------------------
    @property
    def frozen(self) -> np.ndarray:
        """Which weights no step moves: a boolean mask over theta."""
        return self._frozen

    @frozen.setter
    def frozen(self, which):
        names = self.net.names
        mask = np.asarray(which)
        if mask.dtype != bool:
            unknown = [w for w in which if w not in names]
            if unknown:
                raise ValueError(f"cannot freeze {unknown[0]!r}: the weights are {names}")
            mask = np.isin(names, list(which))
        if mask.shape != self.net.theta.shape:
            raise ValueError(f"a freeze mask needs {len(names)} entries, got {mask.size}")
        self._frozen = mask.copy()

    @property
    def stop_epoch(self) -> int | None:
        return self._stop_epoch

    @stop_epoch.setter
    def stop_epoch(self, value):
        self._stop_epoch = None if value is None else check_epochs(value)

    @property
    def stop_loss(self) -> float | None:
        return self._stop_loss

    @stop_loss.setter
    def stop_loss(self, value):
        if value is not None and not (isinstance(value, (int, float)) and value >= 0
                                      and math.isfinite(value)):
            raise ValueError(f"stop_loss must be a finite number >= 0, got {value!r}")
        self._stop_loss = None if value is None else float(value)

    # -- the math --------------------------------------------------------------------------
    @property
    def _loss_and_gradient(self):
        """The kernel for the network's current loss (rebuilt only when the loss changes)."""
        if self._objective is not self.net.objective:
            self.net.objective.check(self.y)
            self._kernel_fn, self._objective = self._kernel(), self.net.objective
        return self._kernel_fn

    def _kernel(self):
        """Build ``loss_and_gradient()``: the loss at the current weights, dL/dtheta left in g.

        A closure over views and buffers made here once; points run along the last axis.
        """
        net = self.net
        h, n, theta, g = net.hidden, self.x.size, net.theta, self._g
        act_f, act_df = self.net.activation.f, self.net.activation.df
        multiply = np.multiply
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
        y_hat, d = np.empty(n), np.empty(n)  # y_hat holds the logit z2
        value_and_slope, scratch = net.objective.value_and_slope, np.empty((3, n))
        w1, g_w1, g_w2 = theta[:h], g[:h], g[2 * h : 3 * h]
        w2_flat = theta[2 * h : 3 * h]
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
            v.dot(a1_and_1, out=y_hat)  # z2 = w2 . a1 + b2                    (N,)
            loss = value_and_slope(y_hat, y, d, scratch) * inv_n  # L = mean(L_i)
            multiply(d, inv_n_vec, out=d)  # dL/dz2 = (y_hat - y) / N
            a1_and_1.dot(d, out=g_v)  # dL/dw2 = sum dL/dz2 a1, dL/db2 = sum dL/dz2
            w2.dot(d_row, out=dz)  # dL/da1 = w2 dL/dz2                        (H, N)
            act_df(z, a1, slope)  # act'(z1)
            multiply(dz, slope, out=dz)  # dL/dz1 = dL/da1 act'(z1)
            xa.dot(dz_t, out=g_p1)  # dL/dw1 = sum dL/dz1 x, dL/db1 = sum dL/dz1
            decay = net.decay
            if decay:  # L += (decay / 2) (w1.w1 + w2.w2); dL/dw += decay w
                loss += 0.5 * decay * float(w1.dot(w1) + w2_flat.dot(w2_flat))
                np.add(g_w1, decay * w1, out=g_w1)
                np.add(g_w2, decay * w2_flat, out=g_w2)
            return loss

        return loss_and_gradient

    def run(self, epochs: int) -> TrainResult:
        """Take up to ``epochs`` optimizer steps; stop early at a stop condition, or, at the
        last finite weights, on divergence."""
        epochs = check_epochs(epochs)
        if self.stop_epoch is not None:
            epochs = max(0, min(epochs, self.stop_epoch - self.epoch))
        below = -math.inf if self.stop_loss is None else self.stop_loss
        losses = np.empty(epochs)
        theta, g, prev = self.net.theta, self._g, self._prev
        start = theta.copy()
        step, isfinite, copyto = self._step(), math.isfinite, np.copyto
        loss_and_gradient = self._loss_and_gradient
        done = epochs
        with np.errstate(over="ignore", invalid="ignore"):
            loss = loss_and_gradient()
            if not (isfinite(loss) and np.isfinite(theta).all()):
                return TrainResult(losses[:0], True, *self._why(loss, started=True))
            if loss <= below:
                done = 0
            for k in range(done):
                copyto(prev, theta)
                step(theta, g)
                loss = loss_and_gradient()
                if not isfinite(loss):
                    copyto(theta, prev)
                    self.epoch += k
                    return TrainResult(losses[:k], True, *self._why(loss))
                losses[k] = loss
                if loss <= below:
                    done = k + 1
                    break
        if not np.isfinite(theta).all():  # a weight overflowed while the loss stayed finite
            copyto(theta, start)
            return TrainResult(losses[:0], True, *self._why(math.inf))
        self.epoch += done
        return TrainResult(losses[:done], False, "", stopped=self._stopped(loss))

    def _step(self):
        """The optimizer's step, or, with frozen weights, one that leaves them where they are:
        the optimizer sees their gradient as 0 and the weights are put back after it."""
        frozen, step = self._frozen, self.optimizer.step
        if not frozen.any():
            return step
        g_free, prev, copyto = self._g_free, self._prev, np.copyto

        def frozen_step(theta, g):
            copyto(g_free, g)
            g_free[frozen] = 0.0
            step(theta, g_free)
            copyto(theta, prev, where=frozen)  # bit for bit where they were

        return frozen_step

    def _stopped(self, loss) -> str:
        """Which stop condition holds at the current epoch, in words ('' if none)."""
        if self.stop_loss is not None and loss <= self.stop_loss:
            return (f"stopped at epoch {self.epoch}: the loss {loss:.4g} is at or below "
                    f"{self.stop_loss:g}")
        if self.stop_epoch is not None and self.epoch >= self.stop_epoch:
            return f"stopped at epoch {self.epoch}, as asked"
        return ""

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
    def data_loss(self) -> float:
        """Mean data loss at the current weights, without the penalty."""
        return self.net.data_loss(self.x, self.y)

    @property
    def loss(self) -> float:
        """The loss trained on at the current weights (mean data loss plus the penalty)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_and_gradient()

    def gradient(self) -> np.ndarray:
        """dL/dtheta of the mean loss at the current weights (a copy)."""
        with np.errstate(over="ignore", invalid="ignore"):
            self._loss_and_gradient()
        return self._g.copy()
