"""The playground's state in the URL: keys hidden, w1, b1, w2 (one value per neuron), b2, lr, speed.

``parse_query`` never raises: a value it cannot use is left out and named in a notice.
"""
import math

from .state import WIDTHS, Playground

PER_NEURON = ("w1", "b1", "w2")
KEYS = ("hidden", *PER_NEURON, "b2", "lr", "speed")
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

    for key, name in (("lr", "learning_rate"), ("speed", "speed")):
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


def apply(state: Playground, settings: dict) -> None:
    """Apply parsed settings to the state (width first, then its weights)."""
    if "hidden" in settings:
        state.hidden = settings["hidden"]
    for name in ("learning_rate", "speed"):
        if name in settings:
            setattr(state, name, settings[name])
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
    q["lr"] = repr(state.learning_rate)
    q["speed"] = repr(state.speed)
    return q
