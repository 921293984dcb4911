"""Starting weights: the article's, a two-neuron bump, and seeded Xavier/Glorot and He schemes.

Randomness comes only through a ``seed`` and a local ``np.random.default_rng(seed)``.
Every scheme returns theta = [w1 (H), b1 (H), w2 (H), b2], or (3H + 1, models) for many models.
"""
import numpy as np

from .network import Network

# The article's starting point for one hidden neuron.
ARTICLE = {"w1": [0.5], "b1": [-0.1], "w2": [0.3], "b2": 0.2}
# Two neurons that already form a bump: sigma(2x - 3) rises near x = 1.5, sigma(2x - 7) near
# x = 3.5, and their difference is high in between.
BUMP = {"w1": [2.0, 2.0], "b1": [-3.0, -7.0], "w2": [1.0, -1.0], "b2": 0.0}

SCHEMES = ("article", "bump", "xavier", "he")


def _fixed(weights, hidden, models):
    theta = np.concatenate([weights["w1"], weights["b1"], weights["w2"], [weights["b2"]]])
    if (theta.size - 1) // 3 != hidden:
        raise ValueError(
            f"this start is for {(theta.size - 1) // 3} hidden neuron(s), not {hidden}")
    return theta if models is None else np.repeat(theta[:, None], models, axis=1)


def starting_theta(scheme: str, hidden: int, seed: int = 0,
                   models: int | None = None) -> np.ndarray:
    """Starting weights by scheme name.

    'article' (H=1) and 'bump' (H=2) are fixed; 'xavier' draws weights from N(0, 2/(fan_in+fan_out))
    and 'he' from N(0, 2/fan_in), with zero biases.
    """
    if int(hidden) != hidden or hidden < 1:
        raise ValueError(f"hidden must be a whole number >= 1, got {hidden!r}")
    if models is not None and (int(models) != models or models < 1):
        raise ValueError(f"models must be a whole number >= 1, got {models!r}")
    shape = (hidden,) if models is None else (hidden, models)
    if scheme == "article":
        return _fixed(ARTICLE, hidden, models)
    if scheme == "bump":
        return _fixed(BUMP, hidden, models)
    rng = np.random.default_rng(seed)
    if scheme == "xavier":  # layer 1: fan_in 1, fan_out H; layer 2: fan_in H, fan_out 1
        std1 = std2 = np.sqrt(2.0 / (1 + hidden))
    elif scheme == "he":
        std1, std2 = np.sqrt(2.0), np.sqrt(2.0 / hidden)
    else:
        raise ValueError(f"unknown initialisation {scheme!r}; choose one of {list(SCHEMES)}")
    w1 = rng.normal(0.0, std1, shape)
    w2 = rng.normal(0.0, std2, shape)
    zeros = np.zeros(shape)
    b2 = np.zeros((1,) + shape[1:])
    return np.concatenate([w1, zeros, w2, b2])


def default_scheme(hidden: int) -> str:
    """The start each width gets unless told otherwise: the article's, the bump, else Xavier."""
    return {1: "article", 2: "bump"}.get(hidden, "xavier")


def starting_network(scheme: str | None = None, hidden: int = 1, seed: int = 0,
                     activation="sigmoid") -> Network:
    """A Network at a scheme's starting weights (the width's default scheme if None)."""
    scheme = scheme or default_scheme(hidden)
    return Network.from_theta(starting_theta(scheme, hidden, seed), activation)
