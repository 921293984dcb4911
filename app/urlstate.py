"""The playground's state in the URL.

Keys: hidden, w1, b1, w2 (one value per neuron), b2, lr, speed; opt (gd, momentum, adam),
momentum, beta1, beta2, act (sigmoid, tanh, relu), init (standard, article, bump, xavier, he),
seed, data (a preset name) or points (x:y pairs, comma-separated) for the learner's own data.

``parse_query`` never raises: a value it cannot use is left out and named in a notice.
"""
import math

import tinynet

from .state import WIDTHS, Playground

PER_NEURON = ("w1", "b1", "w2")
NUMBERS = {"lr": "learning_rate", "speed": "speed", "momentum": "momentum", "beta1": "beta1",
           "beta2": "beta2"}
CHOICES = {"opt": "optimizer", "act": "activation", "init": "init", "data": "preset"}
KEYS = ("hidden", *PER_NEURON, "b2", *NUMBERS, *CHOICES, "seed", "points")
MAX_VALUE = 1e6


def _number(text):
    v = float(text)
    if not math.isfinite(v) or abs(v) > MAX_VALUE:
        raise ValueError
    return v


def _show(text, limit=40):
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def parse_query(query: dict[str, str]) -> tuple[dict, list[str]]:
    """Read URL query values (strings) into settings; returns (settings, notices)."""
    settings, notices = {}, []
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    query = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
             for k, v in query.items()}

    hidden = query.get("hidden")
    if hidden is not None:
        try:
            h = int(hidden)
            if h not in WIDTHS:
                raise ValueError
            settings["hidden"] = h
        except ValueError:
            notices.append(f"hidden={_show(hidden)} was ignored: the width must be one of {WIDTHS}.")
    h = settings.get("hidden", 1)

    weights = {}
    for key in PER_NEURON:
        if key in query:
            try:
                values = [_number(v) for v in query[key].split(",")]
                if len(values) != h:
                    notices.append(f"{key}={_show(query[key])} was ignored: it needs {h} "
                                   f"value{'s' if h > 1 else ''}, one per hidden neuron.")
                    continue
                weights[key] = values
            except ValueError:
                notices.append(f"{key}={_show(query[key])} was ignored: it must be "
                               f"comma-separated numbers between -{MAX_VALUE:g} and {MAX_VALUE:g}.")
    if "b2" in query:
        try:
            weights["b2"] = _number(query["b2"])
        except ValueError:
            notices.append(f"b2={_show(query['b2'])} was ignored: it must be a number "
                           f"between -{MAX_VALUE:g} and {MAX_VALUE:g}.")
    if weights:
        settings["weights"] = weights

    for key, name in CHOICES.items():
        if key in query:
            allowed = _choices(name)
            if query[key] in allowed and query[key] != "custom":
                settings[name] = query[key]
            else:
                notices.append(f"{key}={_show(query[key])} was ignored: choose one of "
                               f"{', '.join(a for a in allowed if a != 'custom')}.")
    if "seed" in query:
        try:
            seed = int(query["seed"])
            lo, hi = Playground.param.seed.bounds
            if not lo <= seed <= hi:
                raise ValueError
            settings["seed"] = seed
        except ValueError:
            notices.append(f"seed={_show(query['seed'])} was ignored: it must be a whole number "
                           "from 0 to 2147483647.")
    if "points" in query:
        try:
            pairs = [p.split(":") for p in query["points"].split(",")]
            if any(len(p) != 2 for p in pairs):
                raise tinynet.DataError("write each point as x:y")
            x, y = tinynet.validate([_number(a) for a, _ in pairs], [_number(b) for _, b in pairs])
            settings["points"] = (x, y)
        except (ValueError, tinynet.DataError) as err:
            reason = str(err) or "each point must be x:y with finite numbers"
            notices.append(f"points={_show(query['points'])} was ignored: {reason}.")

    for key, name in NUMBERS.items():
        if key in query:
            lo, hi = Playground.param[name].bounds
            try:
                v = float(query[key])
                if not lo <= v <= hi:
                    raise ValueError
                settings[name] = v
            except ValueError:
                notices.append(f"{key}={_show(query[key])} was ignored: it must be a number "
                               f"from {lo:g} to {hi:g}.")
    return settings, notices


def _choices(name):
    objects = Playground.param[name].objects
    return list(objects.values()) if isinstance(objects, dict) else list(objects)


def apply(state: Playground, settings: dict) -> None:
    """Apply parsed settings to the state: data, settings, width, then that width's weights."""
    if "points" in settings:
        state.set_data(*settings["points"], label="data from the link")
        state.preset = "custom"
    elif "preset" in settings:
        state.preset = settings["preset"]
    if "hidden" in settings:
        state.hidden = settings["hidden"]
    state.param.update({k: v for k, v in settings.items()
                        if k in (*NUMBERS.values(), *CHOICES.values(), "seed") and k != "preset"})
    weights = settings.get("weights")
    if weights:
        current = state.weights()
        current.update(weights)
        state.set_weights(**current)


def to_query(state: Playground) -> dict[str, str]:
    """The state as URL query values."""
    w = state.weights()
    q = {"hidden": str(state.hidden)}
    for key in PER_NEURON:  # repr: the shortest text that reads back as the same float
        q[key] = ",".join(repr(v) for v in w[key])
    q["b2"] = repr(w["b2"])
    for key, name in NUMBERS.items():
        q[key] = repr(getattr(state, name))
    for key, name in CHOICES.items():
        q[key] = str(getattr(state, name))
    q["seed"] = str(state.seed)
    if state.preset == "custom":
        del q["data"]
        q["points"] = ",".join(f"{x!r}:{y!r}" for x, y in zip(state.x.tolist(), state.y.tolist()))
    return q
