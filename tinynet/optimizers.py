"""Optimizers: each turns a gradient g into an in-place update of the weights theta.

They work on any shape (one network's (P,) vector or a sweep's (P, M) block), keep their
state (velocity, moments) in buffers made on the first step, and allocate nothing after it.
"""
import numpy as np


class Optimizer:
    """Base: holds the learning rate and the buffers; subclasses write ``step``."""

    name = "optimizer"
    buffers = 1  # how many buffers ``step`` uses
    carried = 0  # how many of them (the first) carry over from one step to the next

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.reset()

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")  # not a number: rejected just below, with the same message
        if not (np.isfinite(number) and number > 0):
            raise ValueError(f"learning_rate must be a positive number, got {value!r}")
        value = number
        self._learning_rate = value
        self._lr = np.array(value)  # as an array: numpy converts a Python float on every call

    def reset(self):
        """Forget the state built up by earlier steps."""
        self._shape = None

    def _buffers(self, theta, count):
        if self._shape != theta.shape:
            self._shape = theta.shape
            self._buf = [np.zeros_like(theta) for _ in range(count)]
        return self._buf

    def step(self, theta: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def state(self, size: int) -> np.ndarray:
        """What the next step depends on besides theta and g, for ``size`` weights, as one
        flat vector: the carried buffers (zeros before the first step, as they start)."""
        if self._shape is None:
            return np.zeros(self.carried * size)
        return np.concatenate([b.ravel() for b in self._buf[: self.carried]] + [np.zeros(0)])

    def load_state(self, state: np.ndarray, shape: tuple) -> None:
        """Continue from a ``state()``, for weights of ``shape``."""
        self.reset()
        buffers = self._buffers(np.empty(shape), self.buffers)
        for k, b in enumerate(buffers[: self.carried]):
            b.ravel()[:] = state[k * b.size : (k + 1) * b.size]

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"

    def settings(self) -> dict:
        return {"learning_rate": self.learning_rate}


class GradientDescent(Optimizer):
    """theta <- theta - lr * g"""

    name = "gd"
    buffers, carried = 1, 0

    def __init__(self, learning_rate: float = 0.5):
        super().__init__(learning_rate)

    def step(self, theta, g):
        (update,) = self._buffers(theta, 1)
        np.multiply(g, self._lr, out=update)
        np.subtract(theta, update, out=theta)


class Momentum(Optimizer):
    """v <- beta * v + g;  theta <- theta - lr * v  (heavy ball)"""

    name = "momentum"
    buffers, carried = 2, 1  # v carried, the update scratch

    def __init__(self, learning_rate: float = 0.5, beta: float = 0.9):
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        self.beta = float(beta)
        super().__init__(learning_rate)

    def settings(self):
        return {"learning_rate": self.learning_rate, "beta": self.beta}

    def step(self, theta, g):
        v, update = self._buffers(theta, 2)
        np.multiply(v, self.beta, out=v)
        np.add(v, g, out=v)
        np.multiply(v, self._lr, out=update)
        np.subtract(theta, update, out=theta)


class Adam(Optimizer):
    """m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)"""

    name = "adam"
    buffers, carried = 3, 2  # m and v carried (with the step count t), tmp scratch

    def __init__(self, learning_rate: float = 0.05, beta1=0.9, beta2=0.999, eps=1e-8):
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"beta1 and beta2 must be in [0, 1), got {beta1!r}, {beta2!r}")
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        super().__init__(learning_rate)

    def settings(self):
        return {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps}

    def reset(self):
        super().reset()
        self.t = 0

    def state(self, size):
        return np.append(super().state(size), self.t)

    def load_state(self, state, shape):
        super().load_state(state[:-1], shape)
        self.t = int(state[-1])

    def step(self, theta, g):
        m, v, tmp = self._buffers(theta, 3)
        self.t += 1
        np.multiply(m, self.beta1, out=m)  # m = b1 m + (1 - b1) g
        np.multiply(g, 1 - self.beta1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(v, self.beta2, out=v)  # v = b2 v + (1 - b2) g^2
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, 1 - self.beta2, out=tmp)
        np.add(v, tmp, out=v)
        # theta -= lr * m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)
        np.multiply(v, 1 / (1 - self.beta2**self.t), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.add(tmp, self.eps, out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, self._learning_rate / (1 - self.beta1**self.t), out=tmp)
        np.subtract(theta, tmp, out=theta)


OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, Adam)}


def make_optimizer(name: str = "gd", **settings) -> Optimizer:
    """An optimizer by name: 'gd', 'momentum' or 'adam', with its settings."""
    try:
        cls = OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}") from None
    return cls(**settings)
