"""Many networks at once: batched training over a model axis, and the loss landscape.

Weights are a (3H + 1, M) array, one column per model. Inside, arrays are (N, H, B): points,
hidden neurons, and a block of B models along the last axis, so every numpy call works on
thousands of contiguous numbers. Blocks of a couple of thousand models stay in cache.
"""
from typing import Callable, NamedTuple

import numpy as np

from .activations import get_activation
from .data import validate
from .network import Network
from .optimizers import GradientDescent, Optimizer
from .train import check_epochs

BLOCK = 2048


class SweepResult(NamedTuple):
    theta: np.ndarray  # trained weights, (3H + 1, M)
    losses: np.ndarray  # final mean loss per model, (M,); inf where it diverged
    diverged: np.ndarray  # (M,) bool


class _Block:
    """Buffers and the forward/backward pass for B models of width H on N points."""

    def __init__(self, x, y, hidden, models, activation):
        n, h, b = x.size, hidden, models
        self.x = x[:, None, None]  # (N, 1, 1)
        self.y = y[:, None]  # (N, 1)
        self.h, self.n = h, n
        self.act = activation
        self.z = np.empty((n, h, b))
        self.a = np.empty((n, h, b))
        self.t = np.empty((n, h, b))
        self.d = np.empty((n, b))
        self.loss = np.empty(b)

    def loss_and_gradient(self, theta, g=None):
        """Mean loss per model (B,); with ``g`` given, also dL/dtheta written into it."""
        h, z, a, t, d = self.h, self.z, self.a, self.t, self.d
        w1, b1, w2, b2 = theta[:h], theta[h : 2 * h], theta[2 * h : 3 * h], theta[3 * h]
        np.multiply(self.x, w1, out=z)  # z1 = w1 x + b1                   (N, H, B)
        np.add(z, b1, out=z)
        self.act.f(z, a)  # a1 = act(z1)
        np.multiply(a, w2, out=t)  # y_hat = sum_j w2_j a1_j + b2            (N, B)
        np.add.reduce(t, axis=1, out=d)
        np.add(d, b2, out=d)
        np.subtract(d, self.y, out=d)  # y_hat - y
        loss = np.einsum("nb,nb->b", d, d, out=self.loss)
        np.multiply(loss, 0.5 / self.n, out=loss)  # L = mean(0.5 (y_hat - y)^2)
        if g is None:
            return loss
        np.multiply(d, 1.0 / self.n, out=d)  # dL/dy_hat                   (N, B)
        dy = d[:, None, :]
        np.add.reduce(d, axis=0, out=g[3 * h])  # dL/db2 = sum dL/dy_hat
        np.multiply(a, dy, out=t)  # dL/dw2 = sum dL/dy_hat a1
        np.add.reduce(t, axis=0, out=g[2 * h : 3 * h])
        self.act.df(z, a, t)  # act'(z1)
        np.multiply(t, w2, out=t)  # dL/dz1 = dL/dy_hat w2 act'(z1)
        np.multiply(t, dy, out=t)
        np.add.reduce(t, axis=0, out=g[h : 2 * h])  # dL/db1 = sum dL/dz1
        np.multiply(t, self.x, out=t)  # dL/dw1 = sum dL/dz1 x
        np.add.reduce(t, axis=0, out=g[:h])
        return loss


def _check_theta(theta):
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 2 or theta.shape[0] < 4 or (theta.shape[0] - 1) % 3:
        raise ValueError(f"theta must be (3H + 1, models) with H >= 1, got shape {theta.shape}")
    return theta, (theta.shape[0] - 1) // 3


def batch_losses(theta, x, y, activation="sigmoid", block: int = BLOCK) -> np.ndarray:
    """Mean loss of each model (column of theta) on (x, y): (M,)."""
    theta, h = _check_theta(theta)
    x, y = validate(x, y)
    act = get_activation(activation)
    out = np.empty(theta.shape[1])
    with np.errstate(all="ignore"):
        for start in range(0, theta.shape[1], block):
            th = np.ascontiguousarray(theta[:, start : start + block])
            out[start : start + th.shape[1]] = _Block(
                x, y, h, th.shape[1], act).loss_and_gradient(th)
    return out


def train_many(theta, x, y, epochs: int, optimizer: Optimizer | None = None,
               activation="sigmoid", block: int = BLOCK,
               progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Train every column of theta for ``epochs`` full-batch steps, independently.

    ``optimizer`` (gradient descent, lr 0.5, by default) is reset for each block, so every model
    gets a fresh one. ``progress(done, total)`` is called after each block.
    """
    theta, h = _check_theta(theta)
    x, y = validate(x, y)
    epochs = check_epochs(epochs)
    act = get_activation(activation)
    optimizer = optimizer if optimizer is not None else GradientDescent(0.5)
    m = theta.shape[1]
    trained = np.empty_like(theta)
    losses = np.empty(m)
    with np.errstate(all="ignore"):
        for start in range(0, m, block):
            th = np.array(theta[:, start : start + block])  # a contiguous copy
            b = th.shape[1]
            work, g = _Block(x, y, h, b, act), np.empty_like(th)
            optimizer.reset()
            for _ in range(epochs):
                work.loss_and_gradient(th, g)
                optimizer.step(th, g)
            trained[:, start : start + b] = th
            losses[start : start + b] = work.loss_and_gradient(th)
            if progress is not None:
                progress(start + b, m)
    diverged = ~(np.isfinite(losses) & np.isfinite(trained).all(axis=0))
    losses[diverged] = np.inf
    return SweepResult(trained, losses, diverged)


def landscape(net: Network, x, y, p: str | int, q: str | int, p_values, q_values) -> np.ndarray:
    """Loss over a grid of two parameters of ``net``, the others held fixed.

    Returns an array of shape (len(q_values), len(p_values)).

    ``p`` and ``q`` are parameter names (e.g. 'w1', 'b1_2') or indices into theta.
    """
    names = net.names
    i, j = (names.index(k) if isinstance(k, str) and k in names else k for k in (p, q))
    for k, idx in ((p, i), (q, j)):
        if not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(names):
            raise ValueError(f"unknown parameter {k!r}; choose one of {names}")
    pv, qv = np.asarray(p_values, dtype=float), np.asarray(q_values, dtype=float)
    grid = np.repeat(net.theta[:, None], pv.size * qv.size, axis=1)
    pp, qq = np.meshgrid(pv, qv)  # rows follow q, columns follow p
    grid[i], grid[j] = pp.ravel(), qq.ravel()
    if net.objective.name != "squared" or net.decay:
        return _penalised_losses(grid, x, y, net).reshape(qv.size, pv.size)
    return batch_losses(grid, x, y, net.activation).reshape(qv.size, pv.size)


def _penalised_losses(theta, x, y, net: Network) -> np.ndarray:
    """The loss ``net`` trains on (its objective, plus its decay's penalty) for each column of
    theta: (M,). Plain numpy over the grid, for the landscape's few thousand models."""
    x, y = validate(x, y)
    net.objective.check(y)
    h = net.hidden
    w1, b1, w2, b2 = theta[:h].T, theta[h : 2 * h].T, theta[2 * h : 3 * h].T, theta[3 * h]
    out = np.empty(theta.shape[1])
    with np.errstate(all="ignore"):
        for start in range(0, theta.shape[1], BLOCK):
            m = slice(start, start + BLOCK)
            z1 = x[None, :, None] * w1[m, None, :] + b1[m, None, :]  # (B, N, H)
            a1 = np.empty_like(z1)
            net.activation.f(z1, a1)
            z2 = np.einsum("bnh,bh->bn", a1, w2[m]) + b2[m, None]  # the logit  (B, N)
            out[m] = net.objective.points(z2, y).mean(axis=1)
            # the penalty (decay / 2) (sum w1^2 + sum w2^2)
            out[m] += 0.5 * net.decay * ((w1[m] ** 2).sum(axis=1) + (w2[m] ** 2).sum(axis=1))
    return out
