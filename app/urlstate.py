"""The session in the URL.

Every row of the settings table (app/settings.py) is a key: hidden, lr, speed, opt, momentum,
beta1, beta2, act, loss, decay, stop_epoch, stop_loss, init, seed, data. Besides them the
network's weights (w1, b1, w2: one value per neuron, comma-separated; b2), the weights frozen
(freeze: their names, comma-separated, e.g. w2_1,b2), the epoch, for the learner's own data instead
of a preset, points (x:y pairs, comma-separated), and once the run has trained, the run's
recipe (run: app/recipe.py): with it, the link opens the same run, every epoch of it bit for
bit, at the epoch shown; the weights' keys are then for reading.

``parse_query`` never raises: a value it cannot use is left out and named in a notice. A link
with both points and a preset (data) uses the points and says so.
"""
import math
from urllib.parse import urlencode

import tinynet

from . import recipe
from .pins import MAX_PINS
from .session import check_data, slot_names
from .settings import SETTINGS, WEIGHT_LIMIT, Setting, short_number

PER_NEURON = ("w1", "b1", "w2")
MAX_EPOCH = 10**9
LINK_CHARS = 1900  # a link's query, to stay within 2,000 characters a chat message keeps whole
MAX_VALUE = WEIGHT_LIMIT  # the largest weight or data value a link may carry


def keys(table: tuple[Setting, ...] = SETTINGS) -> tuple[str, ...]:
    """Every key a link may carry."""
    return (*(row.key for row in table), *PER_NEURON, "b2", "freeze", "points", "epoch", "run",
            "pins")


def _number(text):
    v = float(text)
    if not math.isfinite(v) or abs(v) > MAX_VALUE:
        raise ValueError
    return v


def _points(text) -> tuple:
    """The x:y pairs of a points value, checked as data; raises DataError naming the first
    point that is wrong and how, in the learner's words."""
    xs, ys = [], []
    for n, pair in enumerate(text.split(","), 1):
        parts = pair.split(":")
        if len(parts) != 2:
            raise tinynet.DataError(f"point {n} ({_show(pair)}) is not written x:y")
        try:
            x, y = map(_number, parts)
        except ValueError:
            raise tinynet.DataError(f"point {n} ({_show(pair)}) must be two numbers between "
                                    f"-{MAX_VALUE:g} and {MAX_VALUE:g}") from None
        xs.append(x), ys.append(y)
    return check_data(xs, ys)


def _show(text, limit=40):
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def parse_query(query: dict, table: tuple[Setting, ...] = SETTINGS) -> tuple[dict, list[str]]:
    """Read URL query values (strings) into settings; returns (settings, notices).

    ``settings`` maps setting names to values, plus "weights" ({w1: [...], ..., b2: v}) and
    "points" ((x, y)) when the link has them.
    """
    settings, notices = {}, []
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    query = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
             for k, v in query.items()}

    for row in table:
        if row.key in query:
            try:
                settings[row.name] = row.from_text(query[row.key])
            except ValueError as err:
                notices.append(f"{row.key}={_show(query[row.key])} was ignored: {err}.")
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
    if "freeze" in query:  # the weights' names at the link's width; the others are named
        names = [n.strip() for n in query["freeze"].split(",") if n.strip()]
        known = slot_names(h)
        frozen = [n for n in known if n in names]
        unknown = list(dict.fromkeys(n for n in names if n not in known))
        if frozen or not unknown:
            settings["frozen"] = frozen
        if unknown:
            one = len(unknown) == 1
            named = ", ".join(_show(n, 20) for n in unknown[:MAX_NAMED])
            more = "" if len(unknown) <= MAX_NAMED else f" and {len(unknown) - MAX_NAMED} more"
            notices.append(f"freeze={_show(query['freeze'])} was ignored"
                           f"{' in part' if frozen else ''}: {named}{more} "
                           f"{'is not a weight' if one else 'are not weights'} of a network "
                           f"with {h} hidden neuron{'s' if h > 1 else ''}; its weights are "
                           f"{', '.join(known)}.")
    if "epoch" in query:
        try:
            epoch = int(query["epoch"])
            if not 0 <= epoch <= MAX_EPOCH:
                raise ValueError
            settings["epoch"] = epoch
        except ValueError:
            notices.append(f"epoch={_show(query['epoch'])} was ignored: it must be a whole "
                           f"number from 0 to {MAX_EPOCH}.")
    if "run" in query:
        try:
            settings["run"] = recipe.parse(recipe.from_text(query["run"]), recipe.LINK_EPOCHS)
        except recipe.RecipeError as err:
            notices.append(f"run={_show(query['run'], 24)} was ignored: {err}.")
    if "pins" in query:
        pins, refused = [], []
        for n, text in enumerate(query["pins"].split(",")[:MAX_PINS], 1):
            try:
                pins.append(recipe.parse(recipe.from_text(text), recipe.LINK_EPOCHS))
            except recipe.RecipeError as err:
                refused.append(f"pinned run {n}: {err}")
        if refused:  # one notice for the key, naming each run it could not use
            notices.append(f"pins={_show(query['pins'], 24)} was ignored in part: "
                           f"{'; '.join(refused)}.")
        if pins:
            settings["pins"] = pins
    if "points" in query:
        try:
            settings["points"] = _points(query["points"])
            if "preset" in settings:  # the learner's own points win over a preset's name
                del settings["preset"]
                notices.append(f"data={_show(query['data'])} was ignored: the link also has "
                               "points, and those are used.")
        except tinynet.DataError as err:
            notices.append(f"points={_show(query['points'])} was ignored: {err}.")
    if "loss_choice" in settings and "points" in settings:  # cross-entropy fits y in [0, 1]
        try:
            tinynet.get_loss(settings["loss_choice"]).check(settings["points"][1])
        except tinynet.DataError as err:
            del settings["loss_choice"]
            notices.append(f"loss={_show(query['loss'])} was ignored: {err}.")
    return settings, notices


def apply(state, settings: dict, table: tuple[Setting, ...] = SETTINGS) -> None:
    """Apply parsed settings to the session: data, width, the other settings, then that
    width's weights."""
    if "points" in settings:
        state.set_data(*settings["points"], label="data from the link")
        state.preset = "custom"
    elif "preset" in settings:
        state.preset = settings["preset"]
    if "hidden" in settings:
        state.hidden = settings["hidden"]
    state.param.update({row.name: settings[row.name] for row in table
                        if row.name in settings and row.name not in ("preset", "hidden")})
    if "frozen" in settings:
        state.frozen = settings["frozen"]
    if settings.get("pins"):
        state.restore_pins([(r.label, r.start, recipe.replayed(r)) for r in settings["pins"]])
    run = settings.get("run")
    if run is not None:  # the run itself: its weights at every epoch, and the epoch shown
        recipe.open_in(state, run)
        state.go_to(min(max(settings.get("epoch", run.end), run.legs[0].epoch), run.end))
        return
    weights = settings.get("weights")
    if weights:
        current = state.weights()
        current.update(weights)
        state.set_weights(**current)
    if settings.get("epoch"):
        state.resume_at(settings["epoch"])


def to_query(state, table: tuple[Setting, ...] = SETTINGS) -> dict[str, str]:
    """The session as URL query values: settings that differ from their defaults, the weights,
    the epoch count once training has started, and the learner's own points."""
    q = {row.key: row.to_text(getattr(state, row.name)) for row in table
         if getattr(state, row.name) != row.default}
    w = state.weights()
    for key in PER_NEURON:
        q[key] = ",".join(map(short_number, w[key]))
    q["b2"] = short_number(w["b2"])
    frozen = state.frozen_names(state.hidden)
    if frozen:
        q["freeze"] = ",".join(frozen)
    if 0 < state.end - state.run.timeline.epochs[0] <= recipe.LINK_EPOCHS:
        q["run"] = recipe.to_text(recipe.of(state.run))  # and the epoch shown, if not its end
    if state.epoch or state.epoch != state.end:
        q["epoch"] = str(state.epoch)
    pinned = [p for p in state.pins if p.run.end - p.run.timeline.epochs[0] <= recipe.LINK_EPOCHS]
    if pinned:
        q["pins"] = ",".join(recipe.to_text(recipe.of(p.run, label=p.label, start=p.start))
                             for p in pinned)
    if state.preset == "custom":
        q.pop("data", None)
        q["points"] = ",".join(f"{short_number(x)}:{short_number(y)}"
                               for x, y in zip(state.x.tolist(), state.y.tolist()))
    return q


def fitted(keys: dict[str, str], state) -> tuple[str, bool]:
    """The query for ``keys`` (``to_query(state)`` and the page's own), within LINK_CHARS:
    pinned runs left out first (the last first), then the run. Also whether the link leaves
    out the run, once trained, or a pinned run (too long, or too many epochs to replay):
    then the weights' keys keep the network shown, and the page says where all is kept."""
    keys = dict(keys)
    pins = keys.pop("pins", "").split(",") if keys.get("pins") else []
    while True:  # the pinned runs left out first, the last first; then the run
        query = urlencode({**keys, **({"pins": ",".join(pins)} if pins else {})}, safe=",:")
        if len(query) <= LINK_CHARS or not (pins or "run" in keys):
            break
        if pins:
            pins.pop()
        else:
            del keys["run"]
    trained = state.end > state.run.timeline.epochs[0]
    return query, bool(("run" not in keys and trained) or len(pins) < len(state.pins))


def watched(table: tuple[Setting, ...] = SETTINGS) -> list[str]:
    """The session parameters whose change rewrites the URL."""
    return ["version", "training", *(row.name for row in table)]


# -- page keys: what the page shows, not settings of the session ---------------------------------
MAX_NAMED = 5  # a notice names at most this many unknown parts


def _last_text(query: dict, key: str) -> str | None:
    value = query.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return None if value is None else str(value)


def parse_lesson(query: dict, count: int) -> tuple[int | None, list[str]]:
    """The lesson a link opens (1 to ``count``), or None; and notices about a bad value."""
    text = _last_text(query, "lesson")
    if text is None:
        return None, []
    try:
        number = int(text.strip())
        if not 1 <= number <= count:
            raise ValueError
        return number, []
    except ValueError:
        return None, [f"lesson={_show(text)} was ignored: there are lessons 1 to {count}."]


def parse_show(query: dict, parts) -> tuple[list[str] | None, list[str]]:
    """The parts of the page a teacher's link shows (``show=fit,loss``), in the page's order,
    or None for every part; unknown names are left out and named in a notice."""
    text = _last_text(query, "show")
    if text is None:
        return None, []
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = list(dict.fromkeys(n for n in names if n not in parts))
    shown = [p for p in parts if p in names]
    notices = []
    if unknown:
        named = ", ".join(_show(n, 20) for n in unknown[:MAX_NAMED])
        more = f" and {len(unknown) - MAX_NAMED} more" if len(unknown) > MAX_NAMED else ""
        notices.append(f"show: {named}{more} {'is' if len(unknown) == 1 else 'are'} not a part "
                       f"of this page and {'was' if len(unknown) == 1 else 'were'} ignored. "
                       f"The parts are: {', '.join(parts)}.")
    if not shown:
        if not unknown:
            notices.append("show= named no part of the page, so the whole page is shown.")
        else:
            notices.append("No part named in show= is on this page, so the whole page is shown.")
        return None, notices
    return shown, notices
