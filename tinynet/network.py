"""The network: 1 input -> H hidden neurons -> 1 output, and the loss it is trained on.

    z1 = w1 * x + b1          (N, H)   one column per hidden neuron
    a1 = act(z1)              (N, H)
    z2 = a1 @ w2 + b2         (N,)     the output's logit
    y_hat = z2                         (squared loss, the article's: a linear output)
          = sigmoid(z2)                (cross-entropy: a probability)
    L = mean(L_i) + (decay / 2) * (sum w1^2 + sum w2^2)      (tinynet/losses.py)
    L_i = 0.5 * (y_hat - y)**2   or   -(y log y_hat + (1 - y) log(1 - y_hat))

All weights live in one flat vector ``theta = [w1 (H), b1 (H), w2 (H), b2]``; ``w1``, ``b1``
and ``w2`` are views into it, so writing ``net.w1[0] = 2.0`` changes the network.
"""
from typing import NamedTuple

import numpy as np

from .activations import Activation, get_activation
from .losses import Loss, check_decay, get_loss


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

    def __init__(self, w1, b1, w2, b2, activation="sigmoid", loss="squared", decay=0.0):
        w1 = _as_weights("w1", w1)
        hidden = w1.size
        b1 = _as_weights("b1", b1, hidden)
        w2 = _as_weights("w2", w2, hidden)
        b2 = _as_weights("b2", b2)
        if b2.size != 1:
            raise ValueError(f"b2 is the output's one bias: give a single number, not {b2.size}")
        self.theta = np.concatenate([w1, b1, w2, b2])
        self.activation: Activation = get_activation(activation)
        self.objective: Loss = get_loss(loss)  # the loss on the output (and the output unit)
        self.decay = check_decay(decay)  # lambda of the L2 penalty on w1 and w2

    @classmethod
    def from_theta(cls, theta, activation="sigmoid", loss="squared", decay=0.0) -> "Network":
        """Build a network from a flat vector [w1 (H), b1 (H), w2 (H), b2]."""
        theta = np.asarray(theta, dtype=float)
        if theta.ndim != 1 or theta.size < 4 or (theta.size - 1) % 3:
            raise ValueError(f"theta must hold 3*H + 1 values (H >= 1), got shape {theta.shape}")
        h = (theta.size - 1) // 3
        return cls(theta[:h], theta[h : 2 * h], theta[2 * h : 3 * h], theta[3 * h], activation,
                   loss, decay)

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
        return Network.from_theta(self.theta.copy(), self.activation, self.objective, self.decay)

    def __repr__(self):
        f = lambda v: "[" + ", ".join(f"{x:.4g}" for x in v) + "]"  # noqa: E731
        extra = "" if self.objective.name == "squared" else f", loss={self.objective.name!r}"
        extra += f", decay={self.decay:g}" if self.decay else ""
        return (
            f"Network(w1={f(self.w1)}, b1={f(self.b1)}, w2={f(self.w2)}, b2={self.b2:.4g}, "
            f"activation={self.activation.name!r}{extra})"
        )

    # -- the math, written out plainly (the Trainer has the same steps without allocation) -----
    def forward(self, x) -> Forward:
        """Run the network on a batch of inputs x (N,)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        z1 = np.outer(x, self.w1) + self.b1  # (N, H)
        a1 = np.empty_like(z1)
        with np.errstate(over="ignore"):
            self.activation.f(z1, a1)  # (N, H)
        z2 = a1 @ self.w2 + self.b2  # (N,)
        return Forward(z1, a1, self.objective.output(z2))

    def logit(self, x) -> np.ndarray:
        """The output's logit z2 = w2 . a1 + b2 for each input (y_hat itself under squared loss)."""
        return self.forward(x).a1 @ self.w2 + self.b2

    def predict(self, x) -> np.ndarray:
        """y_hat for each input."""
        return self.forward(x).y_hat

    def contributions(self, x) -> np.ndarray:
        """What each hidden neuron adds to the output, w2_j * a1_j(x): (N, H)."""
        return self.forward(x).a1 * self.w2

    def losses(self, x, y) -> np.ndarray:
        """Data loss of each point, L_i: (N,)."""
        y = np.asarray(y, dtype=float)
        self.objective.check(y)
        return self.objective.points(self.logit(x), y)

    def data_loss(self, x, y) -> float:
        """Mean data loss over the points, without the penalty."""
        return float(np.mean(self.losses(x, y)))

    def penalty(self) -> float:
        """The weight decay's part of the loss, (decay / 2) * (sum w1^2 + sum w2^2)."""
        if not self.decay:
            return 0.0
        return 0.5 * self.decay * float(self.w1.dot(self.w1) + self.w2.dot(self.w2))

    def loss(self, x, y) -> float:
        """The loss trained on: mean data loss plus the penalty."""
        data = self.data_loss(x, y)
        return data + self.penalty() if self.decay else data

    def penalty_gradient(self) -> np.ndarray:
        """d(penalty)/dtheta: decay * w1 and decay * w2, zero for the biases, (3H + 1,)."""
        g = np.zeros_like(self.theta)
        h = self.hidden
        g[:h], g[2 * h : 3 * h] = self.decay * self.w1, self.decay * self.w2
        return g

    def point_gradients(self, x, y) -> np.ndarray:
        """dL_i/dtheta for each point's own data loss L_i: (N, 3H + 1)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        y = np.asarray(y, dtype=float)
        self.objective.check(y)
        z1, a1, y_hat = self.forward(x)
        dy = y_hat - y  # dL/dz2 = y_hat - y (for both losses)            (N,)
        dw2 = dy[:, None] * a1  # dL/dw2 = dL/dz2 * a1                    (N, H)
        db2 = dy  # dL/db2 = dL/dz2                                        (N,)
        da1 = dy[:, None] * self.w2  # dL/da1 = dL/dz2 * w2                (N, H)
        dz1 = da1 * self.activation.df(z1, a1, np.empty_like(z1))  # dL/dz1 = dL/da1 * act'(z1)
        dw1 = dz1 * x[:, None]  # dL/dw1 = dL/dz1 * x                      (N, H)
        db1 = dz1  # dL/db1 = dL/dz1                                       (N, H)
        return np.hstack([dw1, db1, dw2, db2[:, None]])

    def gradient(self, x, y) -> np.ndarray:
        """dL/dtheta: the per-point gradients averaged, plus the penalty's, (3H + 1,)."""
        g = self.point_gradients(x, y).mean(axis=0)
        return g + self.penalty_gradient() if self.decay else g
