"""A training's past, exact and in bounded memory: keyframes of the weights and the optimizer's
state, from which any earlier epoch is replayed.

Full-batch training on fixed data is deterministic: the same steps from the same weights and
optimizer state give the same weights, bit for bit. So the past needs only keyframes:

- one where each *stretch* of training starts: the first epoch, and wherever something other
  than a training step changed the weights, the optimizer, the activation or the data (the
  learner placed a weight, changed a setting, a divergence was undone);
- one every ``spacing`` epochs inside a stretch.

The weights at epoch e are those of the last keyframe at or before e, trained on for the rest:
at most ``spacing`` steps, never back across the start of a stretch. When the keyframes fill
their ``budget``, every other one inside the stretches is dropped and the spacing doubles, so
a run of any length keeps at most ``budget`` keyframes (plus its stretches' starts).
"""
import copy
from dataclasses import dataclass

import numpy as np

from .network import Network
from .optimizers import OPTIMIZERS, Optimizer
from .train import Trainer

CARRIED = max(cls.carried for cls in OPTIMIZERS.values())  # the most state an optimizer carries


@dataclass
class Stretch:
    """How training went on from a keyframe: the data, the activation, the optimizer, the loss
    and its decay, and the frozen weights."""

    x: np.ndarray
    y: np.ndarray
    activation: object
    optimizer: Optimizer  # a copy; its settings are what count, its state comes per keyframe
    leg: "Leg | None" = None  # how it started (Timeline.legs), once asked
    objective: object = "squared"
    decay: float = 0.0
    frozen: np.ndarray | tuple = ()  # a mask over theta, as Trainer.frozen


@dataclass
class Leg:
    """The start of a stretch: its epoch, the weights and the optimizer's state there, how
    training went on from it, and whether the learner put the weights there (``placed``) and
    whether the optimizer's state is the one training carried there (``carried``)."""

    epoch: int
    theta: np.ndarray
    state: np.ndarray
    stretch: Stretch
    placed: bool
    carried: bool


class Timeline:
    """The keyframes of one network's training. ``start`` and ``keep`` add them as training
    goes; ``at(epoch)`` gives back the weights and optimizer that training had then."""

    def __init__(self, size: int, spacing: int = 64, budget: int = 4096):
        """For a network of ``size`` weights (3H + 1)."""
        self.size, self.spacing, self.budget = size, spacing, budget
        self.n = 0  # keyframes kept; row k of the arrays below is keyframe k, in epoch order
        self.epochs = np.zeros(16, dtype=np.int64)
        self.stretch = np.zeros(16, dtype=np.int64)  # an index into stretches
        # [theta, the optimizer's state (its carried buffers, then a step count), zeros after]
        self.states = np.zeros((16, size * (1 + CARRIED) + 1))
        self.stretches: list[Stretch] = []

    # -- recording -----------------------------------------------------------------------------
    def start(self, trainer: Trainer) -> None:
        """A stretch starts at the trainer's epoch: later keyframes are dropped (that future
        no longer follows), and one at this epoch is replaced."""
        self.drop_after(trainer.epoch - 1)
        opt = copy.deepcopy(trainer.optimizer)
        opt.reset()
        net = trainer.net
        self.stretches.append(Stretch(trainer.x, trainer.y, net.activation, opt,
                                      objective=net.objective, decay=net.decay,
                                      frozen=trainer.frozen.copy()))
        self._add(trainer)

    def due(self, epoch: int) -> int:
        """The next epoch after ``epoch`` at which a keyframe is kept."""
        return (epoch // self.spacing + 1) * self.spacing

    def keep(self, trainer: Trainer) -> None:
        """A keyframe at the trainer's epoch, inside the current stretch."""
        if self.n and self.epochs[self.n - 1] == trainer.epoch:
            return
        self._add(trainer)
        if self.n > self.budget:
            self._thin()

    def drop_after(self, epoch: int) -> None:
        """Forget everything after ``epoch`` (training goes on differently from there)."""
        self.n = int(np.searchsorted(self.epochs[: self.n], epoch, side="right"))
        del self.stretches[int(self.stretch[self.n - 1]) + 1 if self.n else 0 :]

    # -- reading -------------------------------------------------------------------------------
    @property
    def end(self) -> int:
        """The last keyframe's epoch."""
        return int(self.epochs[self.n - 1])

    def at(self, epoch: int) -> tuple[np.ndarray, Optimizer, Stretch]:
        """(theta, optimizer, stretch) as training had them at ``epoch``: replayed from the
        last keyframe at or before it; the stretch says how training went on there."""
        k = int(np.searchsorted(self.epochs[: self.n], epoch, side="right")) - 1
        if k < 0:
            raise ValueError(f"epoch {epoch} is before this timeline starts")
        return self._replay(k, epoch)

    def legs(self) -> list["Leg"]:
        """Where each stretch starts, and what started it: the recipe of the whole run.

        Training from the first leg, and at each later one putting its weights (if ``placed``)
        and going on with its stretch's settings (with the optimizer's state carried over if
        ``carried``, else its ``state``), makes this run again, bit for bit.
        """
        n, p = self.n, self.size
        starts = np.flatnonzero(np.r_[True, self.stretch[1:n] != self.stretch[: n - 1]])
        legs = []
        for k in starts:
            epoch, stretch = int(self.epochs[k]), self.stretches[self.stretch[k]]
            if stretch.leg is not None:  # a stretch's start never changes
                legs.append(stretch.leg)
                continue
            theta = self.states[k, :p].copy()
            state = self.states[k, p : p + stretch.optimizer.state(p).size].copy()
            placed, carried = True, False
            if k:  # what the stretch before would have made of this epoch
                before_theta, before, _ = self._replay(k - 1, epoch)
                placed = not np.array_equal(theta, before_theta)
                carried = (type(before) is type(stretch.optimizer)
                           and np.array_equal(state, before.state(p)))
            stretch.leg = Leg(epoch, theta, state, stretch, placed, carried)
            legs.append(stretch.leg)
        return legs

    def _replay(self, k: int, epoch: int) -> tuple[np.ndarray, Optimizer, Stretch]:
        """Keyframe ``k`` trained on, in its stretch, to ``epoch``."""
        stretch, state, p = self.stretches[self.stretch[k]], self.states[k], self.size
        net = Network.from_theta(state[:p].copy(), stretch.activation, stretch.objective,
                                 stretch.decay)
        opt = copy.deepcopy(stretch.optimizer)
        opt.load_state(state[p : p + opt.state(p).size], (p,))
        Trainer(net, stretch.x, stretch.y, opt, stretch.frozen).run(epoch - int(self.epochs[k]))
        return net.theta, opt, stretch

    def nbytes(self) -> int:
        """The keyframes' arrays, in bytes (the stretches share training's data and settings:
        a few small objects each)."""
        return self.epochs.nbytes + self.stretch.nbytes + self.states.nbytes

    # -- the arrays of keyframes -----------------------------------------------------------------
    def _add(self, trainer: Trainer) -> None:
        if self.n == len(self.epochs):  # grow by doubling, to one row past the budget
            rows = min(2 * self.n, self.budget + 1) if self.n <= self.budget else 2 * self.n
            self.epochs = np.resize(self.epochs, rows)
            self.stretch = np.resize(self.stretch, rows)
            self.states = np.resize(self.states, (rows, self.states.shape[1]))
        theta = trainer.net.theta
        state = trainer.optimizer.state(theta.size)
        k, p = self.n, self.size
        self.epochs[k], self.stretch[k] = trainer.epoch, len(self.stretches) - 1
        self.states[k, :p] = theta
        self.states[k, p : p + state.size] = state
        self.n += 1

    def _thin(self) -> None:
        """Double the spacing: keep the stretches' starts, the keyframes on the new grid and
        the last one."""
        self.spacing *= 2
        n, epochs, stretch = self.n, self.epochs[: self.n], self.stretch[: self.n]
        starts = np.r_[True, stretch[1:] != stretch[:-1]]
        keep = np.flatnonzero(starts | (epochs % self.spacing == 0) | (np.arange(n) == n - 1))
        self.n = keep.size
        self.epochs[: self.n] = epochs[keep]
        self.stretch[: self.n] = stretch[keep]
        self.states[: self.n] = self.states[keep]
