"""The playground's one state object: every user setting is a typed, bounded parameter.

The numpy side lives in private attributes: one ``Run`` (network, trainer, loss history) per
width, so each width keeps its own weights and history when the learner switches back and
forth; and the data (x, y). Views watch ``version``, bumped once after any batch of changes.
"""
import math

import numpy as np
import panel as pn
import param

import tinynet
from tinynet import Network

from .run import HISTORY_CAP, Run, record  # noqa: F401  (re-exported for views and tests)
from .throttle import Throttle

SLIDER_HZ = 15  # while training, the weight parameters (and so the sliders) follow the network
# this often; the plots and readouts, which read the network itself, follow every tick

WIDTHS = [1, 2, 3, 4]
MAX_HIDDEN = max(WIDTHS)
OPTIMIZERS = {"gradient descent": "gd", "momentum": "momentum", "Adam": "adam"}
INITS = {"standard for the width": "standard", "the article's (1 neuron)": "article",
         "a bump (2 neurons)": "bump", "Xavier/Glorot": "xavier", "He": "he"}
PRESETS = [*tinynet.PRESETS, "custom"]
DIVERGED = "Training diverged"  # how the message about a divergence begins


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


def _weight(name):
    return param.Number(0.0, doc=f"Weight {name} of the network (used when the width has it).")


class Playground(param.Parameterized):
    """Width, weights, training settings, data choice and the training switch of one session."""

    hidden = param.Selector(default=1, objects=WIDTHS, doc="Number of hidden neurons H.")
    learning_rate = param.Number(0.5, bounds=(1e-4, 10.0), doc="Optimizer step size.")
    speed = param.Number(200.0, bounds=(1.0, 10_000.0), doc="Training speed in epochs per second.")
    optimizer = param.Selector(default="gd", objects=OPTIMIZERS, doc="How gradients move weights.")
    momentum = param.Number(0.9, bounds=(0.0, 0.999), doc="Momentum's velocity decay (beta).")
    beta1 = param.Number(0.9, bounds=(0.0, 0.999), doc="Adam's first-moment decay.")
    beta2 = param.Number(0.999, bounds=(0.0, 0.9999), doc="Adam's second-moment decay.")
    activation = param.Selector(default="sigmoid", objects=list(tinynet.ACTIVATIONS),
                                doc="The hidden neurons' nonlinearity.")
    init = param.Selector(default="standard", objects=INITS,
                          doc="Starting weights; 'standard' is the article's for H=1, the bump "
                              "for H=2 and Xavier otherwise.")
    seed = param.Integer(0, bounds=(0, 2**31 - 1), doc="Seed of the random initialisations.")
    preset = param.Selector(default="article", objects=PRESETS, doc="The data set.")
    training = param.Boolean(False, doc="Whether the Train loop is running.")
    step = param.Event(doc="Take one optimizer step.")
    reset = param.Event(doc="Go back to the starting weights of the current width.")

    landscape_x = param.Selector(default="w1_1", objects=slot_names(1),
                                 doc="Weight along the loss landscape's horizontal axis.")
    landscape_y = param.Selector(default="b1_1", objects=slot_names(1),
                                 doc="Weight along the loss landscape's vertical axis.")
    probe_x = param.Number(1.0, bounds=(-2.0, 8.0), step=0.5,
                           doc="The input x at which the network diagram shows each activation.")

    weight_range = param.Number(8.0, bounds=(1.0, None), doc="Sliders span [-range, range].")
    message = param.String("", doc="Why training stopped or a change was refused.")
    version = param.Integer(0, doc="Bumped after every batch of changes to network or history.")
    progress = param.Integer(0, doc="Bumped after training steps that only the loss views show "
                                    "(the Train loop's light ticks, when many sessions train).")

    for _slot in slot_names(MAX_HIDDEN):
        locals()[_slot] = _weight(_slot)
    del _slot

    def __init__(self, **params):
        super().__init__(**params)
        self.x, self.y = tinynet.preset(self.preset)
        self._runs: dict[int, Run] = {}
        self._pushing = False
        self._slider_throttle = Throttle(hz=SLIDER_HZ)
        self.param.watch(self._on_weight, slot_names(MAX_HIDDEN))
        self._use_width(self.hidden)

    # -- the run of the current width --------------------------------------------------------
    @property
    def run(self) -> Run:
        return self._runs[self.hidden]

    @property
    def net(self) -> Network:
        return self.run.net

    @property
    def trainer(self) -> tinynet.Trainer:
        return self.run.trainer

    @property
    def epoch(self) -> int:
        return self.run.epoch

    @property
    def history(self) -> tuple[list, list]:
        """(epochs, losses) of the current width: the loss after each recorded epoch."""
        return self.run.history

    def loss(self) -> float:
        return self.run.loss()

    def gradient(self) -> np.ndarray:
        """dL/dtheta of the mean loss at the current weights."""
        return self.trainer.gradient()

    def next_step(self) -> np.ndarray:
        """The weights one optimizer step from here."""
        return self.run.next_step()

    def make_optimizer(self) -> tinynet.Optimizer:
        settings = {"gd": {}, "momentum": {"beta": self.momentum},
                    "adam": {"beta1": self.beta1, "beta2": self.beta2}}[self.optimizer]
        return tinynet.make_optimizer(self.optimizer, learning_rate=self.learning_rate, **settings)

    def starting_theta(self, hidden: int) -> np.ndarray:
        scheme = tinynet.default_scheme(hidden) if self.init == "standard" else self.init
        return tinynet.starting_theta(scheme, hidden, self.seed)

    def _use_width(self, hidden):
        if hidden not in self._runs:
            net = Network.from_theta(self.starting_theta(hidden), self.activation)
            self._runs[hidden] = Run(net, self.x, self.y, self.make_optimizer())
        self._push_weights()

    def _push_weights(self):
        """Copy the network's weights into the weight parameters and fit the sliders' range.

        The range is the smallest power of two >= 8 that holds every weight with room to spare;
        it widens before the values move (a slider refuses a value outside its range) and
        narrows after them.
        """
        theta = self.net.theta
        biggest = float(np.max(np.abs(theta)))
        span = max(8.0, float(2 ** math.ceil(math.log2(biggest * 1.25 + 1e-12))))
        with pn.io.hold():
            if span > self.weight_range:
                self.weight_range = span
            self._pushing = True
            try:
                self.param.update(dict(zip(slot_names(self.hidden), theta.tolist())))
            finally:
                self._pushing = False
            if span < self.weight_range:
                self.weight_range = span
            self._changed()

    def _changed(self):
        """Bump ``version``: every view updates, and (served) their changes go out as one
        message; unbatched, each property change is its own message (~0.7 ms each to build)."""
        with pn.io.hold():
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
        if hasattr(self, "_runs"):
            self._use_width(self.hidden)

    def _on_weight(self, *events):
        """A slider moved: set just the weights that changed (the others may be newer in the
        network than in their parameters while training skips redraws)."""
        if self._pushing:
            return
        names = slot_names(self.hidden)
        for event in events:
            if event.name in names:
                self.net.theta[names.index(event.name)] = event.new
        self._changed()

    @param.depends("learning_rate", watch=True)
    def _on_learning_rate(self):
        for run in self._runs.values():
            run.optimizer.learning_rate = self.learning_rate
            run.checkpoint()
        self.message = ""
        self._changed()

    @param.depends("optimizer", "momentum", "beta1", "beta2", "activation", watch=True)
    def _on_training_settings(self):
        """Keep every width's weights and epoch count; train on with the new settings."""
        self.message = ""
        name = {v: k for k, v in OPTIMIZERS.items()}[self.optimizer]
        label = f"{name}, {self.activation}"
        for run in self._runs.values():
            run.rebuild(self.x, self.y, self.make_optimizer(), tinynet.get_activation(
                self.activation), label)
        self._changed()

    @param.depends("init", "seed", watch=True)
    def _on_init(self):
        """New starting weights for the current width, marked on its history."""
        self.message = ""
        self.net.theta[:] = self.starting_theta(self.hidden)
        self.run.mark(f"new weights: {self.init}" + (f" (seed {self.seed})" if self.init in (
            "xavier", "he") else ""))
        self._push_weights()

    @param.depends("preset", watch=True)
    def _on_preset(self):
        if self.preset != "custom":
            self.set_data(*tinynet.preset(self.preset), label=f"data: {self.preset}")

    @param.depends("training", watch=True)
    def _on_training(self):
        if self.training:
            self.message = ""
            self.run.checkpoint()
        else:
            self._push_weights()  # views that skipped frames while training catch up

    @param.depends("step", watch=True)
    def _on_step(self):
        self.advance(1)

    @param.depends("reset", watch=True)
    def _on_reset(self):
        self.training = False
        self.message = ""
        net = Network.from_theta(self.starting_theta(self.hidden), self.activation)
        self._runs[self.hidden] = Run(net, self.x, self.y, self.make_optimizer())
        self._push_weights()

    # -- training ------------------------------------------------------------------------------
    def advance(self, epochs: int, render: bool = True, light: bool = False) -> None:
        """Train the current width ``epochs`` steps and record the losses; then, if ``render``,
        update the parameters and views (the Train loop skips that while the page is behind).
        ``light`` updates only the loss plot and readouts (``progress``), not ``version``."""
        result = self.run.advance(epochs)
        if result.diverged:
            self.training = False
            self.message = self._undo_divergence()
            render, light = True, False
        elif self.message.startswith(DIVERGED):  # that was an earlier run; this one is fine
            self.message = ""
        if not render:
            return
        if light:
            with pn.io.hold():
                self.progress += 1
        elif self._slider_throttle.due(self.training):
            self._push_weights()
        else:
            self._changed()

    def _undo_divergence(self) -> str:
        """Go back to the weights the diverging run started from; say what happened."""
        epoch = self.epoch + 1
        start = self.run.undo()
        return (
            f"{DIVERGED} at epoch {epoch}: with learning rate {self.learning_rate:g} "
            "each step overshoots the valley and lands higher up the other side, so the loss "
            f"grows without bound. The weights are back where this run started (epoch {start}). "
            "Lower the learning rate and train again."
        )

    # -- setting things from code, links and files ---------------------------------------------
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
        self.run.checkpoint()
        self._push_weights()

    def load_start(self, theta, label: str = "loaded weights") -> None:
        """Switch to theta's width and put these weights there, marked on the history."""
        net = Network.from_theta(theta, self.activation)
        if net.hidden not in WIDTHS:
            raise ValueError(f"{net.hidden} hidden neurons: the playground offers {WIDTHS}")
        self.training = False
        self.hidden = net.hidden
        self.net.theta[:] = net.theta
        self.run.mark(label)
        self._push_weights()

    def set_data(self, x, y, label: str = "data changed") -> None:
        """Train on new data from here on (every width keeps its weights); raises DataError."""
        x, y = tinynet.validate(x, y)
        if x.size > 1 and np.ptp(x) == 0:
            raise tinynet.DataError("every point has the same x: there is no curve to fit")
        self.x, self.y = x, y
        for run in self._runs.values():
            run.rebuild(x, y, run.optimizer, self.net.activation, label)
        self._changed()
