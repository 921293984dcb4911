"""One width's run: its network, trainer, loss history, and the marks on that history."""
import copy
import math

import numpy as np

from tinynet import GradientDescent, Network, Optimizer, Trainer

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

    def __init__(self, net: Network, x, y, optimizer: Optimizer):
        self.net = net
        self.trainer = Trainer(net, x, y, optimizer)
        self.history: tuple[list, list] = ([0], [self.trainer.loss])
        self.marks: tuple[list, list] = ([], [])  # (epochs, labels)
        self.checkpoint()

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def optimizer(self) -> Optimizer:
        return self.trainer.optimizer

    def loss(self) -> float:
        return self.trainer.loss

    def next_step(self) -> np.ndarray:
        """The weights one optimizer step from here (the optimizer's state is not touched)."""
        g = self.trainer.gradient()
        if type(self.optimizer) is GradientDescent:  # the common case, without copying state
            return self.net.theta - self.optimizer.learning_rate * g
        theta = self.net.theta.copy()
        copy.deepcopy(self.optimizer).step(theta, g)
        return theta

    def advance(self, epochs: int):
        """Train ``epochs`` steps and record the losses; returns tinynet's TrainResult."""
        result = self.trainer.run(epochs)
        if result.losses.size:
            record(self.history, self.epoch - result.losses.size + 1, result.losses)
        return result

    def rebuild(self, x, y, optimizer: Optimizer, activation, label: str) -> None:
        """Keep the weights and epoch count; train from here on new data/optimizer/activation."""
        epoch = self.epoch
        self.net.activation = activation
        self.trainer = Trainer(self.net, x, y, optimizer)
        self.trainer.epoch = epoch
        self.mark(label, placed=False)

    def mark(self, label: str, placed: bool = True) -> None:
        """Label this epoch on the history, and record the loss here (it may have jumped).
        ``placed``: the learner put the weights here (a checkpoint), rather than changed how
        training goes on from them (a checkpoint only if training has been stable)."""
        self.marks[0].append(self.epoch)
        self.marks[1].append(label)
        self.history[0].append(self.epoch)
        self.history[1].append(self.loss())
        if placed:
            self.checkpoint()
        else:
            self.checkpoint_if_stable()

    def resume_at(self, epoch: int) -> None:
        """Start the epoch count (and the history) at ``epoch``, here."""
        self.trainer.epoch = epoch
        self.history[0][:] = [epoch]
        self.history[1][:] = [self.loss()]
        self.checkpoint()

    # -- where a divergence goes back to --------------------------------------------------------
    def checkpoint(self) -> None:
        """Remember these weights as stable: a divergence from here on comes back to them."""
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

    def undo(self) -> int:
        """Go back to the checkpoint (after a divergence); returns its epoch."""
        theta, epoch, _ = self._safe
        self.net.theta[:] = theta
        self.optimizer.reset()  # momentum or Adam's moments built up while it blew up
        self.trainer.epoch = epoch
        keep = int(np.searchsorted(self.history[0], epoch, side="right"))
        del self.history[0][keep:], self.history[1][keep:]
        return epoch
