"""Backpropagation written out: every node's value and gradient, every edge's local derivative,
one weight's gradient as a product of chain-rule factors, and a finite-difference check.

For one point i the loss is L_i = ½(ŷ_i − y_i)² (squared error, ŷ = z₂), or under cross-entropy
L_i = −[y_i ln p_i + (1 − y_i) ln(1 − p_i)] with p = σ(z₂), drawn as two more nodes (z₂, p);
"mean" is the mean over the points plus the weight decay's penalty (λ/2)·Σw², the loss a
step descends. Weight gradients are tinynet's own (``Network.point_gradients``), so every number
here equals the gradient table's. Numpy and tinynet only: no Panel or Bokeh.
"""
from dataclasses import dataclass

import numpy as np

import tinynet
from tinynet import Network

MEAN = "mean"  # the point selector's choice for the mean over the points
EPSILON = 1e-6  # the finite-difference step
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# the local slope of each activation, da/dz, as the article writes it
SLOPE_SYMBOL = {"sigmoid": ("σ′(z₁)", "a₁(1 − a₁)"), "tanh": ("tanh′(z₁)", "1 − a₁²"),
                "relu": ("relu′(z₁)", "1 if z₁ > 0 else 0")}


def weight_names(hidden: int) -> list[str]:
    """The weights in theta's order, as links and the graph name them (w1, or w1_2 when H > 1)."""
    return tinynet.parameter_names(hidden)


def pretty(name: str) -> str:
    """w1_2 -> w₁₂ ... as a person reads a weight or node name (y_hat -> ŷ)."""
    if name == "y_hat":
        return "ŷ"
    base, _, j = name.partition("_")
    return base[0] + base[1:].translate(SUB) + (f"[{j}]" if j else "")


@dataclass(frozen=True)
class Edge:
    """An edge of the graph, from a node to the node it feeds, with its local derivative."""

    source: str
    target: str
    symbol: str  # ∂target/∂source, e.g. "x" or "σ′(z₁)"
    value: float


@dataclass(frozen=True)
class Graph:
    """The computation graph at one point (or the mean): nodes in order with value and ∂L/∂node."""

    labels: list[str]  # x, z1, a1, y_hat, L, then the weights (theta's order)
    values: np.ndarray
    grads: np.ndarray
    edges: list[Edge]
    hidden: int
    point: int | str  # 0-based index, or MEAN


@dataclass(frozen=True)
class Chain:
    """One weight's gradient as the chain rule writes it: factors (symbol, value) and result."""

    weight: str
    symbols: list[str]  # e.g. ["(ŷ − y)", "w₂", "σ′(z₁)", "x"]
    values: np.ndarray  # (N, factors): the factors at each point
    per_point: np.ndarray  # (N,): their product, tinynet's dL_i/dweight
    result: float  # at the chosen point, or the mean over the points
    point: int | str
    finite_difference: float
    epsilon: float = EPSILON

    @property
    def difference(self) -> float:
        return abs(self.finite_difference - self.result)

    @property
    def agreement(self) -> float:
        """The power of ten the backprop result and the finite difference agree to."""
        return 10.0 ** np.ceil(np.log10(max(self.difference, 1e-15)))


def _node_names(h: int, squared: bool = True) -> list[str]:
    per = (lambda n: [n]) if h == 1 else (lambda n: [f"{n}_{j}" for j in range(1, h + 1)])
    return ["x", *per("z1"), *per("a1"), *(["y_hat"] if squared else ["z2", "p"]), "L"]


def per_point(net: Network, x, y) -> dict[str, np.ndarray]:
    """Values and ∂L_i/∂node at each point: the backward pass written out, (N,) or (N, H)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    z1, a1, y_hat = net.forward(x)
    slope = net.activation.df(z1, a1, np.empty_like(z1))  # da1/dz1 from tinynet  (N, H)
    dy = y_hat - y  # dL/dz2 = ŷ − y (= dL/dŷ under squared error, ŷ = z2)       (N,)
    da1 = dy[:, None] * net.w2  # dL/da1 = dL/dz2 · w2                           (N, H)
    dz1 = da1 * slope  # dL/dz1 = dL/da1 · act′(z1)                               (N, H)
    dx = dz1 @ net.w1  # dL/dx = Σ_j dL/dz1_j · w1_j                              (N,)
    sigmoid_slope = y_hat * (1 - y_hat)  # cross-entropy: dp/dz2 = p(1 − p)       (N,)
    with np.errstate(divide="ignore", invalid="ignore"):
        dp = dy / sigmoid_slope  # dL/dp = (p − y) / (p(1 − p))                   (N,)
    return {"x": x, "z1": z1, "a1": a1, "z2": net.logit(x), "y_hat": y_hat,
            "L": net.losses(x, y), "slope": slope, "dy": dy, "dx": dx, "dz1": dz1, "da1": da1,
            "sigmoid_slope": sigmoid_slope, "dp": dp, "dtheta": net.point_gradients(x, y)}


def graph(net: Network, x, y, point: int | str = MEAN) -> Graph:
    """The graph at a point (0-based) or the mean over the points (each node's value and
    gradient averaged; the weights' gradients are then the step's, ``net.gradient``)."""
    p = per_point(net, x, y)
    pick = (lambda a: a.mean(axis=0)) if point == MEAN else (lambda a: a[point])
    h = net.hidden
    squared = net.objective.name == "squared"
    penalty = (net.penalty(), net.penalty_gradient()) if point == MEAN else (0.0, 0.0)
    output = ([pick(p["y_hat"])], [pick(p["dy"])]) if squared else (
        [pick(p["z2"]), pick(p["y_hat"])], [pick(p["dy"]), pick(p["dp"])])
    values = np.concatenate([[pick(p["x"])], pick(p["z1"]), pick(p["a1"]), output[0],
                             [pick(p["L"]) + penalty[0]], net.theta])
    grads = np.concatenate([[pick(p["dx"])], pick(p["dz1"]), pick(p["da1"]), output[1],
                            [1.0], pick(p["dtheta"]) + penalty[1]])
    names = weight_names(h)
    n = (lambda base, j: base) if h == 1 else (lambda base, j: f"{base}_{j + 1}")
    slope, a1, sym = pick(p["slope"]), pick(p["a1"]), SLOPE_SYMBOL[net.activation.name][0]
    edges, out = [], "y_hat" if squared else "z2"
    for j in range(h):
        edges += [Edge("x", n("z1", j), "w₁", float(net.w1[j])),
                  Edge(n("w1", j), n("z1", j), "x", float(pick(p["x"]))),
                  Edge(n("b1", j), n("z1", j), "1", 1.0),
                  Edge(n("z1", j), n("a1", j), sym, float(slope[j])),
                  Edge(n("a1", j), out, "w₂", float(net.w2[j])),
                  Edge(n("w2", j), out, "a₁", float(a1[j]))]
    edges.append(Edge("b2", out, "1", 1.0))
    if squared:
        edges.append(Edge("y_hat", "L", "ŷ − y", float(pick(p["dy"]))))
    else:  # the sigmoid's slope, and the cross-entropy's derivative in p
        edges += [Edge("z2", "p", "p(1 − p)", float(pick(p["sigmoid_slope"]))),
                  Edge("p", "L", "(p − y)/(p(1 − p))", float(pick(p["dp"])))]
    return Graph(_node_names(h, squared) + names, values, grads, edges, h, point)


def chain(net: Network, x, y, weight: str, point: int | str = MEAN) -> Chain:
    """∂L/∂weight as a product of local derivatives, at a point (0-based) or the mean."""
    h = net.hidden
    names = weight_names(h)
    if weight not in names:
        raise ValueError(f"no weight {weight!r} at width {h}; choose one of {names}")
    k = names.index(weight)
    kind, j = weight.split("_")[0], (int(weight.split("_")[1]) - 1 if "_" in weight else 0)
    p = per_point(net, x, y)
    dy, ones = p["dy"], np.ones_like(p["dy"])
    w2 = np.full_like(dy, net.w2[j])
    slope_sym = SLOPE_SYMBOL[net.activation.name][0]
    # ∂L/∂z2 = ŷ − y for both losses (cross-entropy: p − y, the sigmoid's slope cancelled)
    out = "(ŷ − y)" if net.objective.name == "squared" else "(p − y)"
    # ∂L/∂w1 = (ŷ − y) · w2 · act′(z1) · x; ∂L/∂b1 drops x; ∂L/∂w2 = (ŷ − y) · a1; ∂L/∂b2 = ŷ − y
    factors = {"w1": ([out, "w₂", slope_sym, "x"], [dy, w2, p["slope"][:, j], p["x"]]),
               "b1": ([out, "w₂", slope_sym, "1"], [dy, w2, p["slope"][:, j], ones]),
               "w2": ([out, "a₁"], [dy, p["a1"][:, j]]),
               "b2": ([out, "1"], [dy, ones])}[kind]
    symbols, columns = factors
    if h > 1:
        symbols = [s.replace("₁", f"₁[{j + 1}]").replace("₂", f"₂[{j + 1}]")
                   if s != out else s for s in symbols]
    gradients = p["dtheta"][:, k]  # tinynet's dL_i/dweight
    # the mean is the step's: with weight decay, plus λw for w1 and w2
    result = float(gradients.mean() + net.penalty_gradient()[k] if point == MEAN
                   else gradients[point])
    return Chain(weight, symbols, np.column_stack(columns), gradients, result, point,
                 finite_difference(net, x, y, k, point))


def finite_difference(net: Network, x, y, k: int, point: int | str = MEAN,
                      epsilon: float = EPSILON) -> float:
    """(L(θ + ε) − L(θ − ε)) / 2ε along theta's entry k, for a point's data loss or the mean
    (with the penalty: the loss a step descends)."""
    def loss(theta):
        trial = Network.from_theta(theta, net.activation, net.objective, net.decay)
        return trial.loss(x, y) if point == MEAN else float(trial.losses(x, y)[point])
    up, down = net.theta.copy(), net.theta.copy()
    up[k] += epsilon
    down[k] -= epsilon
    return (loss(up) - loss(down)) / (2 * epsilon)


def parse_selection(query: dict, hidden: int, points: int) -> tuple[dict, list[str]]:
    """A link's ``why`` (a weight) and ``point`` (1-based, or mean) as {"why", "point"}
    (point 0-based or MEAN), and a notice for each value that cannot be used."""
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    query = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
             for k, v in query.items() if k in ("why", "point")}
    found, notices = {}, []
    names = weight_names(hidden)
    if "why" in query:
        if query["why"] in names:
            found["why"] = query["why"]
        else:
            notices.append(f"why={query['why'][:20]!r} was ignored: at this width it must be "
                           f"one of {', '.join(names)}.")
    if "point" in query:
        text = query["point"].strip()
        if text == MEAN:
            found["point"] = MEAN
        elif text.isdigit() and 1 <= int(text) <= points:
            found["point"] = int(text) - 1
        else:
            notices.append(f"point={text[:20]!r} was ignored: it must be a point's number "
                           f"from 1 to {points}, or mean.")
    return found, notices
