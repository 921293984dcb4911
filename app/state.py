"""The playground's one state object: every user setting is a typed, bounded parameter.

The numpy networks and trainers are private attributes: one network per width, so each width
keeps its own weights (and loss history) when the learner switches back and forth. Views watch
``version``, which is bumped once after any batch of changes to the network or its history.
"""
import math

import numpy as np
import param

import tinynet
from tinynet import Network, Trainer

WIDTHS = [1, 2, 3, 4]
MAX_HIDDEN = max(WIDTHS)
HISTORY_CAP = 4000  # loss-history points kept per width; older ones are thinned, not dropped


def slot_names(hidden: int) -> list[str]:
    """The state's weight parameters used at a width, in theta's order (w1, b1, w2, b2)."""
    return [f"{p}_{j}" for p in ("w1", "b1", "w2") for j in range(1, hidden + 1)] + ["b2"]


def slot_label(slot: str, hidden: int) -> str:
    """How a weight is labelled on screen: w₁, or w₁ (neuron 2) when H > 1."""
    sub = {"1": "₁", "2": "₂"}
    if slot == "b2":
        return "b₂"
    p, j = slot.split("_")
    label = p[0] + sub[p[1]]
    return label if hidden == 1 else f"{label} (neuron {j})"


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


def _weight(name):
    return param.Number(0.0, doc=f"Weight {name} of the network (used when the width has it).")


class Playground(param.Parameterized):
    """Width, weights, learning rate, speed and training switch of one playground session."""

    hidden = param.Selector(default=1, objects=WIDTHS, doc="Number of hidden neurons H.")
    learning_rate = param.Number(0.5, bounds=(1e-4, 10.0), doc="Gradient-descent step size.")
    speed = param.Number(200.0, bounds=(1.0, 10_000.0), doc="Training speed in epochs per second.")
    training = param.Boolean(False, doc="Whether the Train loop is running.")
    step = param.Event(doc="Take one gradient-descent step.")
    reset = param.Event(doc="Go back to the starting weights of the current width.")

    landscape_x = param.Selector(default="w1_1", objects=slot_names(1),
                                 doc="Weight along the loss landscape's horizontal axis.")
    landscape_y = param.Selector(default="b1_1", objects=slot_names(1),
                                 doc="Weight along the loss landscape's vertical axis.")

    probe_x = param.Number(1.0, bounds=(-2.0, 8.0), step=0.5,
                           doc="The input x at which the network diagram shows each activation.")

    weight_range = param.Number(8.0, bounds=(1.0, None), doc="Sliders span [-range, range].")
    message = param.String("", doc="Why training stopped (divergence), shown beside the controls.")
    version = param.Integer(0, doc="Bumped after every batch of changes to network or history.")

    for _slot in slot_names(MAX_HIDDEN):
        locals()[_slot] = _weight(_slot)
    del _slot

    def __init__(self, **params):
        super().__init__(**params)
        self.x, self.y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
        self._nets: dict[int, Network] = {}
        self._trainers: dict[int, Trainer] = {}
        self._history: dict[int, tuple[list, list]] = {}
        self._pushing = False
        self._use_width(self.hidden)
        self._checkpoint()

    # -- the model of the current width ------------------------------------------------------
    @property
    def net(self) -> Network:
        return self._nets[self.hidden]

    @property
    def trainer(self) -> Trainer:
        return self._trainers[self.hidden]

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def history(self) -> tuple[list, list]:
        """(epochs, losses) of the current width: the loss after each recorded epoch."""
        return self._history[self.hidden]

    def loss(self) -> float:
        return self.trainer.loss

    def gradient(self) -> np.ndarray:
        """dL/dtheta of the mean loss at the current weights."""
        return self.trainer.gradient()

    def next_step(self) -> np.ndarray:
        """The weights one gradient-descent step from here: theta - lr * dL/dtheta."""
        return self.net.theta - self.learning_rate * self.gradient()

    def _use_width(self, hidden):
        if hidden not in self._nets:
            self._nets[hidden] = tinynet.starting_network(hidden=hidden)
            self._fresh_trainer(hidden)
        self._push_weights()

    def _fresh_trainer(self, hidden):
        optimizer = tinynet.GradientDescent(self.learning_rate)
        self._trainers[hidden] = Trainer(self._nets[hidden], self.x, self.y, optimizer)
        self._history[hidden] = ([0], [self._trainers[hidden].loss])

    def _push_weights(self):
        """Copy the network's weights into the weight parameters and fit the sliders' range.

        The range is the smallest power of two >= 8 that holds every weight with room to spare;
        it widens before the values move (a slider refuses a value outside its range) and
        narrows after them.
        """
        theta = self.net.theta
        biggest = float(np.max(np.abs(theta)))
        span = max(8.0, float(2 ** math.ceil(math.log2(biggest * 1.25 + 1e-12))))
        if span > self.weight_range:
            self.weight_range = span
        self._pushing = True
        try:
            self.param.update(dict(zip(slot_names(self.hidden), theta.tolist())))
        finally:
            self._pushing = False
        if span < self.weight_range:
            self.weight_range = span
        self.version += 1

    # -- reactions to the learner ------------------------------------------------------------
    @param.depends("hidden", watch=True, on_init=True)
    def _on_width(self):
        self.message = ""
        names = slot_names(self.hidden)
        x = self.landscape_x if self.landscape_x in names else names[0]
        y = self.landscape_y if self.landscape_y in names else names[self.hidden]
        labels = {slot_label(n, self.hidden): n for n in names}
        self.param.landscape_x.objects = labels
        self.param.landscape_y.objects = dict(labels)
        self.param.update(landscape_x=x, landscape_y=y)
        if hasattr(self, "_nets"):
            self._use_width(self.hidden)

    @param.depends(*slot_names(MAX_HIDDEN), watch=True)
    def _on_weight(self, *events):
        if self._pushing:
            return
        names = slot_names(self.hidden)
        self.net.theta[:] = [getattr(self, n) for n in names]
        self.version += 1

    @param.depends("learning_rate", watch=True)
    def _on_learning_rate(self):
        for trainer in self._trainers.values():
            trainer.optimizer.learning_rate = self.learning_rate
        self.message = ""
        self._checkpoint()

    @param.depends("training", watch=True)
    def _on_training(self):
        if self.training:
            self.message = ""
            self._checkpoint()

    def _checkpoint(self):
        """Remember where the current run started, to return there if it diverges."""
        self._safe = (self.hidden, self.net.theta.copy(), self.epoch)

    @param.depends("step", watch=True)
    def _on_step(self):
        self.advance(1)

    @param.depends("reset", watch=True)
    def _on_reset(self):
        self.training = False
        self.message = ""
        self._nets[self.hidden].theta[:] = tinynet.starting_theta(
            tinynet.default_scheme(self.hidden), self.hidden)
        self._fresh_trainer(self.hidden)
        self._checkpoint()
        self._push_weights()

    # -- training ------------------------------------------------------------------------------
    def advance(self, epochs: int) -> None:
        """Train the current width ``epochs`` steps, record the losses, update the parameters."""
        result = self.trainer.run(epochs)
        done = result.losses.size
        if done:
            record(self.history, self.epoch - done + 1, result.losses)
        if result.diverged:
            self.training = False
            self.message = self._undo_divergence()
        self._push_weights()

    def _undo_divergence(self) -> str:
        """Go back to the weights the diverging run started from; say what happened."""
        epoch = self.epoch + 1
        hidden, theta, start = getattr(self, "_safe", (None, None, 0))
        if hidden != self.hidden:  # no checkpoint for this width: keep the last finite weights
            hidden, theta, start = self.hidden, self.net.theta.copy(), self.epoch
        self.net.theta[:] = theta
        self.trainer.epoch = start
        epochs, losses = self.history
        keep = int(np.searchsorted(epochs, start, side="right"))
        del epochs[keep:], losses[keep:]
        return (
            f"Training diverged at epoch {epoch}: with learning rate {self.learning_rate:g} "
            "each step overshoots the valley and lands higher up the other side, so the loss "
            f"grows without bound. The weights are back where this run started (epoch {start}). "
            "Lower the learning rate and train again."
        )


    def weights(self) -> dict[str, list[float] | float]:
        """The current network as the article writes it: w1, b1, w2 per neuron, and b2."""
        net = self.net
        return {"w1": net.w1.tolist(), "b1": net.b1.tolist(), "w2": net.w2.tolist(), "b2": net.b2}

    def set_values(self, **slots: float) -> None:
        """Set some weights by slot name (e.g. w1_1=2.0), widening the sliders if needed."""
        names = slot_names(self.hidden)
        for slot, value in slots.items():
            if slot not in names or not math.isfinite(value):
                raise ValueError(f"cannot set {slot}={value!r} at width {self.hidden}")
            self.net.theta[names.index(slot)] = value
        self._push_weights()

    def set_weights(self, w1, b1, w2, b2) -> None:
        """Set the current width's weights (e.g. from a link); raises ValueError if unusable."""
        new = Network(w1, b1, w2, b2)
        if new.hidden != self.hidden:
            raise ValueError(f"expected {self.hidden} value(s) per neuron, got {new.hidden}")
        self.net.theta[:] = new.theta
        self._push_weights()
