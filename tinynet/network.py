"""The network: 1 input -> H hidden neurons -> 1 linear output.

    z1 = w1 * x + b1          (N, H)   one column per hidden neuron
    a1 = act(z1)              (N, H)
    y_hat = a1 @ w2 + b2      (N,)
    L = mean(0.5 * (y_hat - y)**2)

All weights live in one flat vector ``theta = [w1 (H), b1 (H), w2 (H), b2]``; ``w1``, ``b1``
and ``w2`` are views into it, so writing ``net.w1[0] = 2.0`` changes the network.
"""
from typing import NamedTuple

import numpy as np

from .activations import Activation, get_activation


class Forward(NamedTuple):
    """The intermediate values of a forward pass, as in the article's tables."""

    z1: np.ndarray  # (N, H)
    a1: np.ndarray  # (N, H)
    y_hat: np.ndarray  # (N,)


def parameter_names(hidden: int) -> list[str]:
    """Names of theta's entries: w1_1..w1_H, b1_1..b1_H, w2_1..w2_H, b2 (w1, b1, w2, b2 if H=1)."""
    if hidden == 1:
        return ["w1", "b1", "w2", "b2"]
    return [f"{p}_{j}" for p in ("w1", "b1", "w2") for j in range(1, hidden + 1)] + ["b2"]


def _as_weights(name, value, hidden=None):
    w = np.atleast_1d(np.asarray(value, dtype=float))
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of numbers, got shape {w.shape}")
    if hidden is not None and w.size != hidden:
        raise ValueError(
            f"{name} has {w.size} values but w1 has {hidden}: give one per hidden neuron")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite, got {w.tolist()}")
    return w


class Network:
    """A 1 -> H -> 1 network whose weights are one flat vector ``theta``."""

    def __init__(self, w1, b1, w2, b2, activation="sigmoid"):
        w1 = _as_weights("w1", w1)
        hidden = w1.size
        b1 = _as_weights("b1", b1, hidden)
        w2 = _as_weights("w2", w2, hidden)
        b2 = _as_weights("b2", b2)
        if b2.size != 1:
            raise ValueError(f"b2 is the output's one bias: give a single number, not {b2.size}")
        self.theta = np.concatenate([w1, b1, w2, b2])
        self.activation: Activation = get_activation(activation)

    @classmethod
    def from_theta(cls, theta, activation="sigmoid") -> "Network":
        """Build a network from a flat vector [w1 (H), b1 (H), w2 (H), b2]."""
        theta = np.asarray(theta, dtype=float)
        if theta.ndim != 1 or theta.size < 4 or (theta.size - 1) % 3:
            raise ValueError(f"theta must hold 3*H + 1 values (H >= 1), got shape {theta.shape}")
        h = (theta.size - 1) // 3
        return cls(theta[:h], theta[h : 2 * h], theta[2 * h : 3 * h], theta[3 * h], activation)

    # -- the weights, as views into theta ----------------------------------------------------
    @property
    def hidden(self) -> int:
        """Number of hidden neurons H."""
        return (self.theta.size - 1) // 3

    @property
    def w1(self) -> np.ndarray:
        return self.theta[: self.hidden]

    @property
    def b1(self) -> np.ndarray:
        return self.theta[self.hidden : 2 * self.hidden]

    @property
    def w2(self) -> np.ndarray:
        return self.theta[2 * self.hidden : 3 * self.hidden]

    @property
    def b2(self) -> float:
        return float(self.theta[-1])

    @b2.setter
    def b2(self, value):
        self.theta[-1] = value

    @property
    def names(self) -> list[str]:
        """Names of the entries of theta, in order."""
        return parameter_names(self.hidden)

    def copy(self) -> "Network":
        return Network.from_theta(self.theta.copy(), self.activation)

    def __repr__(self):
        f = lambda v: "[" + ", ".join(f"{x:.4g}" for x in v) + "]"  # noqa: E731
        return (
            f"Network(w1={f(self.w1)}, b1={f(self.b1)}, w2={f(self.w2)}, b2={self.b2:.4g}, "
            f"activation={self.activation.name!r})"
        )

    # -- the math, written out plainly (the Trainer has the same steps without allocation) -----
    def forward(self, x) -> Forward:
        """Run the network on a batch of inputs x (N,)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        z1 = np.outer(x, self.w1) + self.b1  # (N, H)
        a1 = np.empty_like(z1)
        with np.errstate(over="ignore"):
            self.activation.f(z1, a1)  # (N, H)
        y_hat = a1 @ self.w2 + self.b2  # (N,)
        return Forward(z1, a1, y_hat)

    def predict(self, x) -> np.ndarray:
        """y_hat for each input."""
        return self.forward(x).y_hat

    def contributions(self, x) -> np.ndarray:
        """What each hidden neuron adds to the output, w2_j * a1_j(x): (N, H)."""
        return self.forward(x).a1 * self.w2

    def losses(self, x, y) -> np.ndarray:
        """Loss of each point, 0.5 * (y_hat - y)^2: (N,)."""
        return 0.5 * (self.predict(x) - np.asarray(y, dtype=float)) ** 2

    def loss(self, x, y) -> float:
        """Mean loss over the points."""
        return float(np.mean(self.losses(x, y)))

    def point_gradients(self, x, y) -> np.ndarray:
        """dL_i/dtheta for each point's own loss L_i = 0.5 * (y_hat_i - y_i)^2: (N, 3H + 1)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        z1, a1, y_hat = self.forward(x)
        dy = y_hat - np.asarray(y, dtype=float)  # dL/dy_hat            (N,)
        dw2 = dy[:, None] * a1  # dL/dw2 = dL/dy_hat * a1                 (N, H)
        db2 = dy  # dL/db2 = dL/dy_hat                                     (N,)
        da1 = dy[:, None] * self.w2  # dL/da1 = dL/dy_hat * w2             (N, H)
        dz1 = da1 * self.activation.df(z1, a1, np.empty_like(z1))  # dL/dz1 = dL/da1 * act'(z1)
        dw1 = dz1 * x[:, None]  # dL/dw1 = dL/dz1 * x                      (N, H)
        db1 = dz1  # dL/db1 = dL/dz1                                       (N, H)
        return np.hstack([dw1, db1, dw2, db2[:, None]])

    def gradient(self, x, y) -> np.ndarray:
        """dL/dtheta of the mean loss: the per-point gradients averaged, (3H + 1,)."""
        return self.point_gradients(x, y).mean(axis=0)
