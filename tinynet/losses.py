"""Losses as data: the output unit paired with the loss on it, both read from the output's logit.

    z2 = w2 . a1 + b2                       the output's logit                  (N,)
    squared:        y_hat = z2              L_i = 0.5 * (y_hat - y)^2           (the article's)
    cross_entropy:  y_hat = sigmoid(z2)     L_i = -(y log y_hat + (1 - y) log(1 - y_hat))
                                                = y softplus(-z2) + (1 - y) softplus(z2)

softplus(z) = log(1 + e^z) = logaddexp(0, z) is finite for every z, so no log(0) is ever taken.
For both losses dL_i/dz2 = y_hat - y: the sigmoid's slope y_hat (1 - y_hat) cancels the
cross-entropy's denominator, which is why the two are paired.

The weight decay lambda adds (lambda / 2) * (sum w1^2 + sum w2^2) to the mean of the L_i (the
biases are not decayed), and lambda * w to dL/dw1 and dL/dw2.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .data import DataError

_ONE = np.array(1.0)  # 0-d arrays: numpy converts a Python float operand on every call
_ZERO = np.array(0.0)


@dataclass(frozen=True)
class Loss:
    """A loss on the output's logit z2: the output y_hat it makes, each point's loss, and
    ``value_and_slope``, the training loop's allocation-free form of both."""

    name: str
    output: Callable[[np.ndarray], np.ndarray]  # y_hat from z2
    points: Callable[[np.ndarray, np.ndarray], np.ndarray]  # L_i from (z2, y)
    at_output: Callable[[np.ndarray, np.ndarray], np.ndarray]  # L_i from (y_hat, y)
    # (z2, y, d, scratch) -> sum of the L_i, leaving dL_i/dz2 = y_hat - y in d
    value_and_slope: Callable[..., float]
    targets: tuple[float, float] | None = None  # the range y must lie in, None if any

    def check(self, y: np.ndarray) -> None:
        """Raise DataError if a target y is outside the range this loss can fit."""
        if self.targets is None:
            return
        lo, hi = self.targets
        bad = np.flatnonzero((y < lo) | (y > hi))
        if bad.size:
            raise DataError(
                f"{self.name.replace('_', '-')} needs every y between {lo:g} and {hi:g} (a "
                f"probability); point {bad[0] + 1} has y = {float(y[bad[0]]):g}")

    def __deepcopy__(self, memo):
        return self  # a constant, like an Activation


def _squared_value_and_slope(z, y, d, scratch):
    np.subtract(z, y, out=d)  # dL_i/dz2 = y_hat - y
    return 0.5 * float(d.dot(d))  # sum of 0.5 (y_hat - y)^2


def _cross_entropy_points(z, y):
    with np.errstate(over="ignore"):
        return y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)


def _cross_entropy_value_and_slope(z, y, d, scratch):
    up, down, not_y = scratch  # (N,) each
    np.logaddexp(_ZERO, z, out=up)  # softplus(z2) = -log(1 - y_hat)
    np.negative(z, out=down)
    np.logaddexp(_ZERO, down, out=down)  # softplus(-z2) = -log(y_hat)
    np.subtract(_ONE, y, out=not_y)
    total = float(y.dot(down)) + float(not_y.dot(up))  # sum of y sp(-z2) + (1 - y) sp(z2)
    np.negative(z, out=d)  # y_hat = 1 / (1 + exp(-z2))
    np.exp(d, out=d)
    np.add(d, _ONE, out=d)
    np.reciprocal(d, out=d)
    np.subtract(d, y, out=d)  # dL_i/dz2 = y_hat - y
    return total


def _cross_entropy_at_output(p, y):
    # -(y log p + (1 - y) log(1 - p)), with 0 log 0 = 0: finite wherever p can fit y
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(np.where(y > 0, y * np.log(p), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-p), 0.0))


def _sigmoid(z):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


squared = Loss("squared", output=lambda z: z,
               points=lambda z, y: 0.5 * (z - y) ** 2,
               at_output=lambda y_hat, y: 0.5 * (y_hat - y) ** 2,
               value_and_slope=_squared_value_and_slope)
cross_entropy = Loss("cross_entropy", output=_sigmoid, points=_cross_entropy_points,
                     at_output=_cross_entropy_at_output,
                     value_and_slope=_cross_entropy_value_and_slope, targets=(0.0, 1.0))

LOSSES = {loss.name: loss for loss in (squared, cross_entropy)}


def get_loss(name_or_loss) -> Loss:
    """Look a loss up by name ('squared', 'cross_entropy'), or pass one through."""
    if isinstance(name_or_loss, Loss):
        return name_or_loss
    try:
        return LOSSES[name_or_loss]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss {name_or_loss!r}; choose one of {sorted(LOSSES)}") from None


def check_decay(decay) -> float:
    """``decay`` (lambda) as a float, or a ValueError saying it must be a number >= 0."""
    try:
        value = float(decay)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"decay must be a finite number >= 0, got {decay!r}")
    return value
