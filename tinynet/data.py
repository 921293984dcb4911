"""Training data: the article's four points, a few presets, and validation with clear errors."""
import numpy as np

MAX_POINTS = 200  # a cap that keeps every view and the app's training loop interactive


class DataError(ValueError):
    """Data that cannot be trained on; the message says what is wrong."""


def validate(x, y, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) as 1-D float arrays, or raise DataError saying what is wrong."""
    arrays = []
    for name, v in (("x", x), ("y", y)):
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{name} must be numbers; could not read {v!r}") from None
        if a.ndim != 1:
            raise DataError(f"{name} must be a 1-D list of numbers, got shape {a.shape}")
        if a.size == 0:
            raise DataError(f"{name} is empty: give at least one point")
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise DataError(
                f"{name} must be finite numbers; point {bad[0] + 1} is {float(a[bad[0]])}"
            )
        arrays.append(a)
    x, y = arrays
    if x.size != y.size:
        raise DataError(f"x has {x.size} values but y has {y.size}: give one y per x")
    if x.size > max_points:
        raise DataError(f"{x.size} points is more than the cap of {max_points}")
    return x.copy(), y.copy()


def _sine(n=12):
    x = np.linspace(0.0, 5.0, n)
    return x, 0.5 + 0.5 * np.sin(1.3 * x)


PRESETS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "article": (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 1.0, 0.0])),
    "step": (np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])),
    "line": (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1 / 3, 2 / 3, 1.0])),
    "wide bump": (
        np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
        np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]),
    ),
    "sine": _sine(),
}


def preset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A copy of a named data set: 'article', 'step', 'line', 'wide bump' or 'sine'."""
    try:
        x, y = PRESETS[name]
    except KeyError:
        raise DataError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
    return x.copy(), y.copy()


ARTICLE_X, ARTICLE_Y = preset("article")


def _rising_fit(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence closest to y in weighted least squares (pool adjacent
    violators: merge neighbouring blocks while one is above the next; a block is its mean)."""
    means, weights, sizes = [], [], []
    for yi, wi in zip(y, w):
        means.append(yi), weights.append(wi), sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m, wt, n = means.pop(), weights.pop(), sizes.pop()
            means[-1] = (means[-1] * weights[-1] + m * wt) / (weights[-1] + wt)
            weights[-1] += wt
            sizes[-1] += n
    return np.repeat(means, sizes)


def monotonic_fit(x, y, loss="squared") -> tuple[float, np.ndarray]:
    """(mean loss, fit at each point) of the best function f that only rises or only falls with
    x: a floor no 1 -> 1 -> 1 network with a monotonic activation gets below (its output, linear
    or a sigmoid of a monotonic neuron, is monotonic too).

    For squared error, 0.5 * mean((f(x) - y)^2), the best f is the isotonic regression of y
    (pool adjacent violators). For cross-entropy it is the same fit: isotonic regression
    minimises every Bregman divergence at once, and cross-entropy against y in [0, 1] is one
    (the Kullback-Leibler divergence, up to a term in y alone). Its values may be 0 or 1, which
    a sigmoid only approaches: the floor is then a limit that training creeps toward.

    Cross-entropy is linear in y, so over a pooled block its sum at p = the block's mean equals
    the sum of L(p, p), the block's entropy. The floor is computed in that form: it stays exact
    when the mean of a block cannot be represented (5e-324 pooled with 0 rounds to 0, and
    L(5e-324, 0) would be infinite).
    """
    from .losses import get_loss  # losses imports this module's DataError

    objective = get_loss(loss)
    x, y = validate(x, y)
    objective.check(y)
    xs, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    y_at = np.bincount(inverse, weights=y) / counts  # a function has one value per x
    best, best_fit = np.inf, None
    for sign in (1.0, -1.0):  # rising, then falling
        f = (sign * _rising_fit(sign * y_at, counts.astype(float)))[inverse]
        pooled = objective.at_output(f, y if objective.name == "squared" else f)
        if float(np.mean(pooled)) < best:
            best, best_fit = float(np.mean(pooled)), f
    return best, best_fit


def monotonic_floor(x, y, loss="squared") -> float:
    """The lowest mean loss of any function that only rises or only falls with x (see
    ``monotonic_fit``)."""
    return monotonic_fit(x, y, loss)[0]
