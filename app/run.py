"""One width's run: its network, trainer, loss history, the marks on that history, and its
timeline (tinynet.Timeline), from which the network at any past epoch comes back exactly."""
import copy
import math
from typing import Callable

import numpy as np

import tinynet
from tinynet import GradientDescent, Network, Optimizer, Timeline, Trainer

HISTORY_CAP = 4000  # loss-history points kept per run; older ones are thinned, not dropped


def record(history: tuple[list, list], first_epoch: int, losses: np.ndarray) -> None:
    """Append a run's losses to (epochs, losses): every epoch while short, thinned past the cap.

    At most ~64 points per call (always the last one); past HISTORY_CAP points the older half
    is thinned to every other point, so the start of the curve is kept, only coarser.
    """
    epochs, kept = history
    stride = max(1, losses.size // 64)
    idx = np.arange(losses.size - 1, -1, -stride)[::-1]
    epochs.extend((first_epoch + idx).tolist())
    kept.extend(losses[idx].tolist())
    if len(epochs) > HISTORY_CAP:
        half = len(epochs) // 2
        epochs[:half] = epochs[:half:2]
        kept[:half] = kept[:half:2]


class Run:
    """A network being trained: weights, epoch count, loss history and labelled marks."""

    def __init__(self, net: Network, x, y, optimizer: Optimizer, frozen=()):
        self.net = net
        self.trainer = Trainer(net, x, y, optimizer, frozen)
        self.history: tuple[list, list] = ([0], [self.trainer.loss])
        self.marks: tuple[list, list] = ([], [])  # (epochs, labels)
        self.timeline = Timeline(net.theta.size)
        self.end = 0  # the last epoch trained (the network may be shown at an earlier one)
        # told (a copy of the run as it was, the epoch shown, the end) before a branch drops
        # the run's later part: the session keeps it to undo
        self.on_branch: Callable[["Run", int, int], None] | None = None
        self._shown = None  # (theta, activation, x, y, optimizer) as ``show`` left them
        self.checkpoint()

    def copy(self) -> "Run":
        """An independent copy: its own network, trainer, optimizer, history, marks and
        timeline. (Not ``copy.deepcopy``: a trainer's kernel is a closure over its network's
        buffers, and a deep copy would keep training the original's.)"""
        new = Run.__new__(Run)
        new.net = self.net.copy()
        new.trainer = Trainer(new.net, self.trainer.x, self.trainer.y,
                              copy.deepcopy(self.optimizer), self.frozen)
        new.trainer.epoch = self.epoch
        new.history = (list(self.history[0]), list(self.history[1]))
        new.marks = (list(self.marks[0]), list(self.marks[1]))
        new.timeline = copy.deepcopy(self.timeline)
        new.end = self.end
        new.on_branch, new._shown = None, self._shown
        theta, epoch, loss = self._safe
        new._safe = (theta.copy(), epoch, loss)
        return new

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def optimizer(self) -> Optimizer:
        return self.trainer.optimizer

    @property
    def frozen(self) -> np.ndarray:
        """Which weights training leaves where they are: a mask over theta."""
        return self.trainer.frozen

    def loss(self) -> float:
        return self.trainer.loss

    def data_loss(self) -> float:
        """The loss without the weight decay's penalty."""
        return self.trainer.data_loss

    def next_step(self) -> np.ndarray:
        """The weights one optimizer step from here (the optimizer's state is not touched);
        the frozen ones where they are."""
        g = self.trainer.gradient()
        if type(self.optimizer) is GradientDescent:  # the common case, without copying state
            theta = self.net.theta - self.optimizer.learning_rate * g
        else:
            theta = self.net.theta.copy()
            copy.deepcopy(self.optimizer).step(theta, g)
        np.copyto(theta, self.net.theta, where=self.frozen)
        return theta

    def advance(self, epochs: int):
        """Train ``epochs`` steps and record the losses and keyframes; returns tinynet's
        TrainResult. From a past epoch, the run's later part is dropped first."""
        self.branch()
        timeline, losses = self.timeline, []
        left = epochs
        while True:  # in pieces that end where keyframes are due: the same steps, bit for bit
            due = timeline.due(self.epoch)
            result = self.trainer.run(min(left, due - self.epoch))
            losses.append(result.losses)
            left -= result.losses.size
            if self.epoch == due:
                timeline.keep(self.trainer)
            if result.diverged or result.stopped or not left:
                break
        done = np.concatenate(losses)
        if done.size:
            record(self.history, self.epoch - done.size + 1, done)
        self.end = self.epoch
        return result._replace(losses=done)

    # -- the past ------------------------------------------------------------------------------
    def here(self) -> None:
        """Something other than a training step changed how training goes on from this epoch
        (weights, settings, data): a stretch of the timeline starts here, and replay never
        goes back across it."""
        if self.branch() == self.epoch:  # (a branch starts one itself)
            self.timeline.start(self.trainer)

    def show(self, epoch: int) -> None:
        """Put the network (and the optimizer's state) where training had them at ``epoch``
        (0 to ``end``): bit for bit, replayed from the timeline. The later part is kept until
        training goes on from here (``branch``)."""
        if not 0 <= epoch <= self.end:
            raise ValueError(f"epoch {epoch} is outside this run (0 to {self.end})")
        if self.epoch == self.end:
            self.timeline.keep(self.trainer)  # the live end, to come back to
        theta, optimizer, stretch = self.timeline.at(epoch)
        self.net.theta[:] = theta
        # The settings stay the page's. Training went on there as it would now (a learning
        # rate aside): the optimizer's state too. Otherwise going on from there changes a
        # setting, which starts the optimizer afresh, as it does at the live end.
        t = self.trainer
        same = (type(optimizer) is type(self.optimizer)
                and {**optimizer.settings(), "learning_rate": 0}
                == {**self.optimizer.settings(), "learning_rate": 0}
                and stretch.activation is self.net.activation
                and stretch.objective is self.net.objective and stretch.decay == self.net.decay
                and np.array_equal(stretch.x, t.x) and np.array_equal(stretch.y, t.y))
        if same:
            self.optimizer.load_state(optimizer.state(theta.size), theta.shape)
        else:
            self.optimizer.reset()
        t.epoch = epoch
        # as shown, before a weight or setting is changed here: what a branch sets aside
        self._shown = (theta.copy(), self.net.activation, t.x, t.y, copy.deepcopy(t.optimizer),
                       t.frozen)

    def branch(self) -> int:
        """Drop the part of the run after the epoch shown (training goes on from here);
        returns the epoch the run reached before (the current epoch if nothing was dropped)."""
        end = self.end
        if self.epoch < end:
            if self.on_branch is not None:
                self.on_branch(self._as_shown(), self.epoch, end)
            self.timeline.start(self.trainer)  # drops the later keyframes
            keep = int(np.searchsorted(self.history[0], self.epoch, side="right"))
            del self.history[0][keep:], self.history[1][keep:]
            keep = int(np.searchsorted(self.marks[0], self.epoch, side="right"))
            del self.marks[0][keep:], self.marks[1][keep:]
            self.end = self.epoch
            if self._safe[1] > self.epoch:  # a divergence from here comes back here, not
                self._safe = (self.net.theta.copy(), self.epoch, self.loss())  # to a dropped future
        return end

    def _as_shown(self) -> "Run":
        """A copy of this run as ``show`` left it. The change that makes a run branch (a
        dragged weight, a setting, the data) is made before the branch: Undo must bring back
        the run without it."""
        new = self.copy()
        if self._shown is not None:
            theta, activation, x, y, optimizer, frozen = self._shown
            new.net.theta[:] = theta
            new.net.activation = activation
            new.trainer = Trainer(new.net, x, y, copy.deepcopy(optimizer), frozen)
            new.trainer.epoch = self.epoch
        return new

    def rebuild(self, x, y, optimizer: Optimizer, activation, label: str) -> None:
        """Keep the weights and epoch count; train from here on new data/optimizer/activation."""
        self.go_on(x, y, optimizer, activation)
        self.mark(label, placed=False)

    def retarget(self, objective, decay: float, label: str) -> None:
        """Train on from here on another loss or weight decay (the optimizer carries on),
        marked on the history; nothing happens if both are as they were."""
        net = self.net
        if net.objective is objective and net.decay == decay:
            return
        net.objective, net.decay = objective, decay
        self.mark(label, placed=False)

    def freeze(self, frozen, label: str) -> None:
        """Train on from here leaving the ``frozen`` weights (names, or a mask) where they
        are, marked on the history; nothing happens if they are the ones frozen already."""
        before = self.frozen
        self.trainer.frozen = frozen
        if not np.array_equal(before, self.frozen):
            self.mark(label, placed=False)

    def go_on(self, x, y, optimizer: Optimizer, activation, theta=None, objective=None,
              decay=None, frozen=None) -> None:
        """From this epoch, train on (x, y) with ``optimizer`` and ``activation`` (and
        ``objective``, ``decay`` and the ``frozen`` weights, if given), from ``theta`` if given
        (else from the weights here): a new stretch of the timeline."""
        epoch = self.epoch
        self.net.activation = tinynet.get_activation(activation)
        if objective is not None:
            self.net.objective = tinynet.get_loss(objective)
        if decay is not None:
            self.net.decay = decay
        if theta is not None:
            self.net.theta[:] = theta
        self.trainer = Trainer(self.net, x, y, optimizer,
                               self.frozen if frozen is None else frozen)
        self.trainer.epoch = epoch
        self.here()
        if theta is not None:  # the loss jumps here
            self.history[0].append(epoch)
            self.history[1].append(self.loss())

    def mark(self, label: str, placed: bool = True) -> None:
        """Label this epoch on the history, and record the loss here (it may have jumped).
        ``placed``: the learner put the weights here (a checkpoint), rather than changed how
        training goes on from them (a checkpoint only if training has been stable)."""
        self.here()
        self.marks[0].append(self.epoch)
        self.marks[1].append(label)
        self.history[0].append(self.epoch)
        self.history[1].append(self.loss())
        if placed:
            self.checkpoint()
        else:
            self.checkpoint_if_stable()

    def resume_at(self, epoch: int) -> None:
        """Start the epoch count (and the history and timeline) at ``epoch``, here."""
        self.trainer.epoch = self.end = epoch
        self.timeline = Timeline(self.net.theta.size)
        self.history[0][:] = [epoch]
        self.history[1][:] = [self.loss()]
        self.checkpoint()

    # -- where a divergence goes back to --------------------------------------------------------
    def checkpoint(self) -> None:
        """Remember these weights as stable: a divergence from here on comes back to them.
        (Weights placed by the learner, too: a new stretch of the timeline starts here.)"""
        self.here()
        self._safe = (self.net.theta.copy(), self.epoch, self.loss())

    def checkpoint_if_stable(self) -> None:
        """Move the checkpoint here only if training since it has not raised the loss.

        Called when a setting changes how training goes on (learning rate, optimizer, Train):
        a learner raising the learning rate in many small steps while training moves the
        checkpoint along while the loss falls, and not once the steps start to overshoot, so a
        divergence comes back to the last weights from which training was stable.
        """
        loss = self.loss()
        if math.isfinite(loss) and loss <= self._safe[2]:
            self.checkpoint()

    @property
    def safe_epoch(self) -> int:
        """The checkpoint's epoch (where a divergence comes back to)."""
        return self._safe[1]

    def checkpoint_at(self, epoch: int) -> None:
        """Make the run's weights at ``epoch`` (0 to ``end``) the checkpoint (a replayed run's,
        app/recipe.py)."""
        theta, _, stretch = self.timeline.at(epoch)
        net = Network.from_theta(theta, stretch.activation, stretch.objective, stretch.decay)
        trainer = Trainer(net, stretch.x, stretch.y)
        self._safe = (theta.copy(), epoch, trainer.loss)

    def reached(self, loss: float) -> int | None:
        """The first epoch at which the run's loss was at or below ``loss`` (None: never).
        Exact: between two points of a thinned history, the epochs are replayed."""
        epochs, losses = self.history
        hits = np.flatnonzero(np.asarray(losses) <= loss)
        if not hits.size:
            return None
        i = int(hits[0])
        if i == 0 or epochs[i] - epochs[i - 1] <= 1:
            return int(epochs[i])
        lo, hi = int(epochs[i - 1]), int(epochs[i])
        if any(lo < leg.epoch <= hi for leg in self.timeline.legs()):
            return hi  # something changed in between: replay would not cross it
        theta, optimizer, stretch = self.timeline.at(lo)
        net = Network.from_theta(theta.copy(), stretch.activation, stretch.objective,
                                 stretch.decay)
        losses = Trainer(net, stretch.x, stretch.y, optimizer, stretch.frozen).run(hi - lo).losses
        return lo + 1 + int(np.flatnonzero(losses <= loss)[0])

    def undo(self) -> int:
        """Go back to the checkpoint (after a divergence); returns its epoch."""
        theta, epoch, _ = self._safe
        self.net.theta[:] = theta
        self.optimizer.reset()  # momentum or Adam's moments built up while it blew up
        self.trainer.epoch = epoch
        self.here()  # the diverging steps are gone from the history and the timeline
        return epoch
