"""Activations as data: each is a function paired with its derivative.

Both write into a caller's buffer (``out``) so the training loop allocates nothing.
The derivative is given ``z`` and ``a = f(z)`` and uses whichever is cheaper.
Callers run them under ``np.errstate(over="ignore")``: the sigmoid's exp(-z) may overflow to
inf for z < -709, and 1 / (1 + inf) = 0 is then the exact answer (tinynet's own callers do this
once per call, not once per epoch, because entering errstate costs more than the epoch).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    """A hidden-layer nonlinearity a = f(z) and its slope da/dz."""

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    monotonic: bool = True

    def __deepcopy__(self, memo):
        return self  # a constant: copies of a network or a timeline share it


_ONE = np.array(1.0)  # 0-d arrays: numpy converts a Python float operand on every call
_ZERO = np.array(0.0)


def _sigmoid(z, out):
    # a = 1 / (1 + exp(-z))
    np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, _ONE, out=out)
    return np.reciprocal(out, out=out)


def _sigmoid_slope(z, a, out):
    # da/dz = a * (1 - a) = a - a^2
    np.multiply(a, a, out=out)
    return np.subtract(a, out, out=out)


def _tanh(z, out):
    return np.tanh(z, out=out)


def _tanh_slope(z, a, out):
    # da/dz = 1 - a^2
    np.multiply(a, a, out=out)
    return np.subtract(_ONE, out, out=out)


def _relu(z, out):
    return np.maximum(z, _ZERO, out=out)


def _relu_slope(z, a, out):
    # da/dz = 1 where z > 0, else 0
    return np.greater(z, _ZERO, out=out)


sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_slope)
tanh = Activation("tanh", _tanh, _tanh_slope)
relu = Activation("relu", _relu, _relu_slope)

ACTIVATIONS = {act.name: act for act in (sigmoid, tanh, relu)}


def get_activation(name_or_activation) -> Activation:
    """Look an activation up by name ('sigmoid', 'tanh', 'relu'), or pass one through."""
    if isinstance(name_or_activation, Activation):
        return name_or_activation
    try:
        return ACTIVATIONS[name_or_activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name_or_activation!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
