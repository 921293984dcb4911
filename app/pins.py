"""Pinned runs: a run kept to compare with the next ones, with the settings it trained with.

A pin holds its own copy of the run (Run.copy): training, scrubbing or resetting the current
run leaves it as it was, and bringing it back gives a copy again. Panel-free; the page draws
pins in app/views/runs.py.
"""
import itertools
import re
from dataclasses import dataclass

import numpy as np

import tinynet

from .run import Run
from .settings import OPTIMIZERS

MAX_PINS = 4
# a pin's colour on the plots, by slot: never the current run's blue
GHOSTS = ["#555555", "#CC79A7", "#E69F00", "#009E73"]
OPTIMIZER_NAMES = {v: k for k, v in OPTIMIZERS.items()}
LABEL = r"run \d{1,6}"  # "run 3": how the page labels the runs it pins


@dataclass
class Pin:
    """A pinned run: its label ("run 3"), its slot on the plots (0-3), its run, and how it
    started (the starting weights' scheme, or where the learner put them)."""

    label: str
    slot: int
    run: Run
    start: str

    @classmethod
    def of(cls, session, pins: list["Pin"]) -> "Pin":
        """The session's current run, pinned beside ``pins``."""
        taken = {p.slot for p in pins}
        number = max([int(p.label[4:]) for p in pins if re.fullmatch(LABEL, p.label)],
                     default=0) + 1
        return cls(f"run {number}", min(set(range(MAX_PINS)) - taken), session.run.copy(),
                   start_of(session))

    @property
    def color(self) -> str:
        return GHOSTS[self.slot]


def restored(pinned: list[tuple[str, str, Run]]) -> list[Pin]:
    """Pinned runs from a link or a file, as (label, start, run): at most MAX_PINS, each
    label one of its own ("run N" when a label is missing or taken)."""
    pins: list[Pin] = []
    for slot, (label, start, run) in enumerate(pinned[:MAX_PINS]):
        taken = {p.label for p in pins} | {given for given, _, _ in pinned}
        if not label or label in {p.label for p in pins}:
            label = next(f"run {n}" for n in itertools.count(1) if f"run {n}" not in taken)
        pins.append(Pin(label, slot, run, start))
    return pins


def start_of(session) -> str:
    """How the current run started: the starting-weights setting, with its seed."""
    seeded = f" (seed {session.seed})" if session.init in ("xavier", "he") else ""
    return f"{session.init}{seeded}"


def data_name(x: np.ndarray, y: np.ndarray) -> str:
    for name, (px, py) in tinynet.PRESETS.items():
        if np.array_equal(px, x) and np.array_equal(py, y):
            return name
    return f"own ({x.size} points)"


def row(run: Run, start: str, target: float) -> dict[str, object]:
    """A run's line in the comparison table: its settings now, its loss at its last epoch,
    and the first epoch its loss was at or below ``target``."""
    opt = run.optimizer
    return {"width": run.net.hidden, "optimizer": OPTIMIZER_NAMES.get(opt.name, opt.name),
            "learning rate": opt.learning_rate, "start": start,
            "activation": run.net.activation.name,
            "data": data_name(run.trainer.x, run.trainer.y),
            "epochs": run.end, "final loss": run.history[1][-1], "reached": run.reached(target)}


def ghost_fit(pin: Pin, epoch: int, grid: np.ndarray) -> np.ndarray:
    """The pinned run's prediction over ``grid`` at ``epoch`` (its last, if it ended before)."""
    first = int(pin.run.timeline.epochs[0])
    theta, _, stretch = pin.run.timeline.at(min(max(epoch, first), pin.run.end))
    return tinynet.Network.from_theta(theta, stretch.activation, stretch.objective).predict(grid)
