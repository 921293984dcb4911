"""A run is its recipe: where it started, and what the learner changed at which epoch.

Training here is deterministic, so a run needs no recorded weights past its start: the
starting weights and settings, then each *leg* (a stretch of the run's timeline, see
tinynet/timeline.py) with only what changed there (weights the learner placed, the learning
rate, the optimizer, the activation, the loss and its weight decay, the weights frozen, the
data), and the epoch
the run reached. Replaying that recipe trains the same steps and gives back every epoch's
weights, bit for bit.

A recipe is a small JSON document (what the weights.json export carries, readable) and, in a
link, that document compressed: ``run=1.<base64url of zlib>``. ``from_text`` and ``parse``
never trust it: a recipe that cannot be used raises RecipeError saying why, in the learner's
words, and the page goes on without it.
"""
import base64
import binascii
import json
import math
import zlib
from dataclasses import dataclass

import numpy as np

import tinynet
from tinynet import Network

from .run import Run
from .session import check_data, slot_names
from .settings import LEARNING_RATE_BOUNDS, SETTINGS, WEIGHT_LIMIT, WIDTHS, setting

VERSION = "1"
MAX_LEGS = 20_000  # a slider dragged while training makes a leg per step of the drag
MAX_MARKS = 400
MAX_EPOCHS = 1_000_000  # the most a file replays (~7 s of the server's time here)
LINK_EPOCHS = 200_000  # the most a link replays (~1.3 s; then kept for the next learner)
MAX_EPOCH = 10**9  # an epoch's number (a link may start a run at a later epoch)
MAX_TEXT = 16_000  # characters of a link's recipe, and bytes of it unpacked (x4)
LABEL_CHARS = 80


class RecipeError(ValueError):
    """A recipe that cannot be replayed; the message says why."""


@dataclass
class Leg:
    """Where training went on differently: from ``epoch``, with these settings; the weights
    placed there (None: where training brought them) and the optimizer's state (None: carried
    on from before; "fresh": started afresh; else the state itself)."""

    epoch: int
    optimizer: str
    settings: dict
    activation: str
    x: np.ndarray
    y: np.ndarray
    theta: np.ndarray | None = None
    state: object = "fresh"
    loss: str = "squared"
    decay: float = 0.0
    frozen: tuple = ()  # the weights' names, as a link's freeze key writes them

    def frozen_mask(self, hidden: int) -> np.ndarray:
        return np.isin(slot_names(hidden), self.frozen)

    def make_optimizer(self) -> tinynet.Optimizer:
        return tinynet.make_optimizer(self.optimizer, **self.settings)


@dataclass
class Recipe:
    """A run's start, its legs (the first is the start) and the epoch it reached."""

    hidden: int
    legs: list[Leg]
    end: int
    marks: list[tuple[int, str]]
    safe: int  # where a divergence comes back to (Run.checkpoint)
    key: str = ""  # the document, canonical: the same recipe, the same key
    label: str = ""  # a pinned run's: its label ("run 2") and how it started
    start: str = ""


# a recipe's start says its loss, decay and frozen weights only if they are not these
START = {"loss": "squared", "decay": 0.0, "frozen": []}


# -- from a run ----------------------------------------------------------------------------------
def of(run: Run, **pinned: str) -> dict:
    """The recipe of ``run`` as a JSON-ready document (up to ``run.end``); a pinned run's
    with its ``label`` and ``start``."""
    legs, before = [], dict(START)
    for leg in run.timeline.legs():
        opt = leg.stretch.optimizer
        now = {"optimizer": opt.name, "settings": opt.settings(),
               "activation": leg.stretch.activation.name,
               "loss": leg.stretch.objective.name, "decay": leg.stretch.decay,
               "frozen": np.array(slot_names(run.net.hidden))[leg.stretch.frozen].tolist(),
               "x": leg.stretch.x.tolist(), "y": leg.stretch.y.tolist()}
        doc = {"epoch": leg.epoch, **{k: v for k, v in now.items() if before.get(k) != v}}
        if leg.placed:
            doc["theta"] = leg.theta.tolist()
        same = {k: now[k] == before.get(k) for k in ("optimizer", "settings")}
        if not same["settings"] and same["optimizer"]:  # a new learning rate carries the state
            same["settings"] = ({**now["settings"], "learning_rate": 0}
                                == {**before["settings"], "learning_rate": 0})
        if not (leg.carried and all(same.values())):
            fresh = not leg.state.any()
            doc["state"] = "fresh" if fresh else leg.state.tolist()
        if len(doc) > 1 or not legs:  # a leg where nothing changed replays as it is
            legs.append(doc)
        before = now
    marks = [[e, label] for e, label in zip(*run.marks) if e <= run.end]
    return {"hidden": run.net.hidden, "end": run.end, "legs": legs, "marks": marks,
            "safe": run.safe_epoch, **pinned}


def to_text(doc: dict) -> str:
    """A recipe as a link's value: versioned, compressed, URL-safe."""
    packed = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 9)
    return VERSION + "." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def from_text(text: str) -> dict:
    """The document a link's ``run`` value holds; raises RecipeError."""
    version, _, body = str(text).partition(".")
    if version != VERSION or not body:
        raise RecipeError(f"it is not a run recipe this playground reads (version {VERSION})")
    if len(body) > MAX_TEXT:
        raise RecipeError(f"it is {len(body):,} characters; a recipe is at most {MAX_TEXT:,}")
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), b"-_", validate=True)
        unpack = zlib.decompressobj()
        raw = unpack.decompress(packed, 4 * MAX_TEXT)
        if unpack.unconsumed_tail or not unpack.eof:
            raise RecipeError("it is cut short or too long: copy the whole link again")
        return loads(raw)
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as err:
        if isinstance(err, RecipeError):
            raise
        raise RecipeError("it is damaged (not a recipe this playground wrote): copy the whole "
                          "link again") from None


def loads(raw: bytes | str) -> dict:
    def reject(name):
        raise RecipeError(f"it holds {name}, and every number must be finite")
    try:
        doc = json.loads(raw, parse_constant=reject)
    except RecursionError:
        raise RecipeError("it is nested too deeply") from None
    if not isinstance(doc, dict):
        raise RecipeError("it is not a recipe (a JSON object)")
    return doc


# -- checked, into legs --------------------------------------------------------------------------
BOUNDS = {row.argument or row.name: row.bounds for row in SETTINGS if row.optimizer}
BOUNDS["learning_rate"] = LEARNING_RATE_BOUNDS
BOUNDS["eps"] = (1e-12, 1.0)


def parse(doc: dict, max_epochs: int = MAX_EPOCHS) -> Recipe:
    """A recipe document, checked, of a run of at most ``max_epochs``; raises RecipeError
    naming the first thing wrong."""
    hidden = doc.get("hidden")
    if isinstance(hidden, bool) or hidden not in WIDTHS:
        raise RecipeError(f"its width {_short(hidden)} is not one of {WIDTHS}")
    raw_legs = doc.get("legs")
    if not isinstance(raw_legs, list) or not 1 <= len(raw_legs) <= MAX_LEGS:
        raise RecipeError(f"it needs a list of 1 to {MAX_LEGS} legs")
    end = _whole(doc.get("end"), "the epoch it reached")
    legs: list[Leg] = []
    for n, raw in enumerate(raw_legs, 1):
        if not isinstance(raw, dict):
            raise RecipeError(f"leg {n} is not an object")
        legs.append(_leg(raw, legs[-1] if legs else None, hidden, f"leg {n}"))
        if len(legs) > 1 and legs[-1].epoch <= legs[-2].epoch:
            raise RecipeError(f"leg {n} does not come after the one before it")
    if legs[-1].epoch > end:
        raise RecipeError(f"its last leg starts after the epoch it reached ({end:,})")
    if end - legs[0].epoch > max_epochs:
        raise RecipeError(f"it trains {end - legs[0].epoch:,} epochs, and at most "
                          f"{max_epochs:,} are replayed from here")
    marks = doc.get("marks", [])
    if not isinstance(marks, list) or len(marks) > MAX_MARKS:
        raise RecipeError(f"its marks must be a list of at most {MAX_MARKS}")
    checked = []
    for mark in marks:
        if (not isinstance(mark, list) or len(mark) != 2 or not isinstance(mark[1], str)
                or len(mark[1]) > LABEL_CHARS):
            raise RecipeError(f"a mark must be [epoch, label of at most {LABEL_CHARS} "
                              "characters]")
        checked.append((_whole(mark[0], "a mark's epoch"), mark[1]))
    safe = _whole(doc.get("safe", end), "the checkpoint's epoch")
    if not legs[0].epoch <= safe <= end:
        raise RecipeError("its checkpoint is outside the run")
    names = {}
    for name in ("label", "start"):
        names[name] = doc.get(name, "")
        if not isinstance(names[name], str) or len(names[name]) > LABEL_CHARS:
            raise RecipeError(f"its {name} must be text of at most {LABEL_CHARS} characters")
    return Recipe(hidden, legs, end, checked, safe,
                  json.dumps(doc, sort_keys=True, separators=(",", ":")), **names)


def _leg(raw: dict, before: Leg | None, hidden: int, where: str) -> Leg:
    def given(key):
        if key in raw:
            return raw[key]
        if before is None:
            raise RecipeError(f"its start has no {key}")
        return getattr(before, key)

    epoch = _whole(raw.get("epoch"), f"{where}'s epoch")
    optimizer, settings = given("optimizer"), given("settings")
    if not isinstance(optimizer, str) or optimizer not in tinynet.OPTIMIZERS:
        raise RecipeError(f"{where}: optimizer {_short(optimizer)} is not one of "
                          f"{sorted(tinynet.OPTIMIZERS)}")
    wanted = set(tinynet.make_optimizer(optimizer).settings())
    if not isinstance(settings, dict) or set(settings) != wanted:
        raise RecipeError(f"{where}: {optimizer}'s settings must be {sorted(wanted)}")
    for name, value in settings.items():
        lo, hi = BOUNDS[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise RecipeError(f"{where}: {name} {_short(value)} must be a number from {lo:g} "
                              f"to {hi:g}")
    activation = given("activation")
    if not isinstance(activation, str) or activation not in tinynet.ACTIVATIONS:
        raise RecipeError(f"{where}: activation {_short(activation)} is not one of "
                          f"{list(tinynet.ACTIVATIONS)}")
    loss = raw.get("loss", START["loss"] if before is None else before.loss)
    if loss not in tinynet.LOSSES:
        raise RecipeError(f"{where}: loss {_short(loss)} is not one of {sorted(tinynet.LOSSES)}")
    decay = raw.get("decay", START["decay"] if before is None else before.decay)
    lo, hi = setting("decay").bounds
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not lo <= decay <= hi:
        raise RecipeError(f"{where}: decay {_short(decay)} must be a number from {lo:g} to "
                          f"{hi:g}")
    frozen = raw.get("frozen", START["frozen"] if before is None else list(before.frozen))
    if not isinstance(frozen, list) or not set(frozen) <= set(slot_names(hidden)):
        raise RecipeError(f"{where}: its frozen weights must be a list of {slot_names(hidden)}")
    if "x" in raw or "y" in raw or before is None:
        def data(key):
            value = given(key)
            return value.tolist() if isinstance(value, np.ndarray) else value
        try:
            x, y = check_data(_numbers(data("x"), f"{where}'s x"),
                              _numbers(data("y"), f"{where}'s y"))
        except tinynet.DataError as err:
            raise RecipeError(f"{where}: its data cannot be used: {err}") from None
    else:
        x, y = before.x, before.y  # the same arrays: the timeline sees the same data
    try:
        tinynet.get_loss(loss).check(y)
    except tinynet.DataError as err:
        raise RecipeError(f"{where}: {err}") from None
    leg = Leg(epoch, optimizer, {k: float(v) for k, v in settings.items()}, activation, x, y,
              loss=loss, decay=float(decay), frozen=tuple(frozen))
    if "theta" in raw or before is None:
        theta = np.array(_numbers(given("theta"), f"{where}'s weights"))
        if theta.size != 3 * hidden + 1 or np.abs(theta).max() > WEIGHT_LIMIT:
            raise RecipeError(f"{where}: it needs {3 * hidden + 1} weights within "
                              f"±{WEIGHT_LIMIT:g}")
        leg.theta = theta
    state = raw.get("state", "fresh" if before is None else None)
    if isinstance(state, list):
        size = leg.make_optimizer().state(3 * hidden + 1).size
        state = np.array(_numbers(state, f"{where}'s optimizer state"))
        if state.size != size:
            raise RecipeError(f"{where}: {optimizer}'s state has {size} numbers")
    elif state not in ("fresh", None):
        raise RecipeError(f"{where}: its optimizer state must be \"fresh\" or numbers")
    if state is None and before is not None and (
            optimizer != before.optimizer
            or {**settings, "learning_rate": 0} != {**before.settings, "learning_rate": 0}):
        raise RecipeError(f"{where}: a new optimizer cannot carry the old one's state")
    leg.state = state
    return leg


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EPOCH:
        raise RecipeError(f"{what} must be a whole number from 0 to {MAX_EPOCH:,}")
    return value


def _numbers(values, what: str) -> list[float]:
    if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in values):
        raise RecipeError(f"{what} must be a list of numbers")
    return [float(v) for v in values]


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 30 else text[:27] + "..."


# -- replayed ------------------------------------------------------------------------------------
def replay(recipe: Recipe) -> Run:
    """Train the recipe again: the run it describes, bit for bit, with its history and
    timeline; raises RecipeError if its training diverges (no run of the playground's does)."""
    first = recipe.legs[0]
    net = Network.from_theta(first.theta, first.activation, first.loss, first.decay)
    run = Run(net, first.x, first.y, first.make_optimizer(), first.frozen_mask(recipe.hidden))
    if first.epoch:
        run.resume_at(first.epoch)
    if isinstance(first.state, np.ndarray):
        run.go_on(first.x, first.y, _optimizer(run, first), first.activation,
                  objective=first.loss, decay=first.decay,
                  frozen=first.frozen_mask(recipe.hidden))
    for leg in recipe.legs[1:]:
        _train_to(run, leg.epoch)
        run.go_on(leg.x, leg.y, _optimizer(run, leg), leg.activation, leg.theta, leg.loss,
                  leg.decay, leg.frozen_mask(recipe.hidden))
    _train_to(run, recipe.end)
    run.checkpoint_at(recipe.safe)
    run.marks[0][:] = [e for e, _ in recipe.marks if first.epoch <= e <= recipe.end]
    run.marks[1][:] = [label for e, label in recipe.marks if first.epoch <= e <= recipe.end]
    return run


_REPLAYED: dict[str, Run] = {}  # the last few replayed: a class opening one shared link
REPLAYS_KEPT = 8


def replayed(recipe: Recipe) -> Run:
    """``replay(recipe)``, a copy of it if replayed lately (many learners opening the link of
    one run train it once)."""
    run = _REPLAYED.pop(recipe.key, None) or replay(recipe)
    _REPLAYED[recipe.key] = run  # the most recent last
    while len(_REPLAYED) > REPLAYS_KEPT:
        del _REPLAYED[next(iter(_REPLAYED))]
    return run.copy()


def _optimizer(run: Run, leg: Leg) -> tinynet.Optimizer:
    if leg.state is None:  # carried on: the same optimizer, at this leg's learning rate
        run.optimizer.learning_rate = leg.settings["learning_rate"]
        return run.optimizer
    optimizer = leg.make_optimizer()
    if isinstance(leg.state, np.ndarray):
        optimizer.load_state(leg.state, run.net.theta.shape)
    return optimizer


def _train_to(run: Run, epoch: int) -> None:
    if run.advance(epoch - run.epoch).diverged or run.epoch != epoch:
        raise RecipeError(f"its training diverged before epoch {epoch:,}")


def open_in(state, recipe: Recipe, run: Run | None = None) -> None:
    """Make the recipe's run (``run``, if it was replayed already) the session's: replayed
    first (if that fails, nothing has changed); the session takes its width and settings."""
    state.take_run(run or replayed(recipe))
