"""One learner's session, without Panel: the settings, one run per width, the data, and training.

Every user setting is a parameter made from a row of ``app.settings.SETTINGS``. The numpy side
lives in private attributes: one ``Run`` (network, trainer, loss history) per width, so each
width keeps its own weights and history when the learner switches back and forth; and the data
(x, y). Views watch ``version`` (network, data or history changed: redraw) and ``progress``
(only the loss moved on: the Train loop's light ticks); the fit and the loss readout also
watch ``moved`` (a weight set by the learner: they answer a drag before the rest). Importing
this module imports numpy, param and tinynet only; the page wraps each batch of changes through
``batch`` (Panel's ``hold`` when served, so a batch goes out as one message).
"""
import contextlib
from typing import Callable, ContextManager

import numpy as np
import param

import tinynet
from tinynet import Network, TrainResult

from .moments import UNDONE
from .pins import MAX_PINS, Pin, restored
from .run import Run
from .settings import LOSS_NAMES, OPTIMIZERS, SETTINGS, WEIGHT_LIMIT, WIDTHS, optimizer_arguments

DIVERGED = "Training diverged"  # how the message about a divergence begins


def slot_names(hidden: int) -> list[str]:
    """The weights used at a width, in theta's order (w1, b1, w2 per neuron, then b2)."""
    return [f"{p}_{j}" for p in ("w1", "b1", "w2") for j in range(1, hidden + 1)] + ["b2"]


def slot_label(slot: str, hidden: int) -> str:
    """How a weight is labelled on screen: w₁, or w₁ (neuron 2) when H > 1."""
    sub = {"1": "₁", "2": "₂"}
    if slot == "b2":
        return "b₂"
    p, j = slot.split("_")
    label = p[0] + sub[p[1]]
    return label if hidden == 1 else f"{label} (neuron {j})"


def freeze_name(slot: str) -> str:
    """A weight's name in a sentence and a lock's accessible name: w₂₁ for w2_1, b₂ for b2."""
    return slot.translate(str.maketrans("1234", "₁₂₃₄")).replace("_", "")


def freeze_label(frozen: list[str]) -> str:
    """How a change of the frozen weights is marked on the history."""
    return ("frozen: " + ", ".join(map(freeze_name, frozen))) if frozen else "none frozen"


def loss_label(loss: str, decay: float) -> str:
    """How a change of loss or weight decay is marked on the history."""
    return f"{LOSS_NAMES[loss]}, λ {decay:g}" if decay else LOSS_NAMES[loss]


def check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Data the playground can train on and draw, as arrays; raises DataError saying why not."""
    x, y = tinynet.validate(x, y)
    if x.size > 1 and np.ptp(x) == 0:
        raise tinynet.DataError("every point has the same x: there is no curve to fit")
    return x, y


class Session(param.Parameterized):
    """The settings of one learner's playground, its networks and data, and its training."""

    for _row in SETTINGS:
        locals()[_row.name] = _row.parameter()
    del _row

    frozen = param.List([], item_type=str, doc="The weights training and Step leave where "
                        "they are (names as in a link's keys, e.g. 'w2_1'); at each width, "
                        "those it has.")
    stopped = param.String("", doc="Where a stop (stop_epoch, stop_loss) paused training.")
    training = param.Boolean(False, doc="Whether the Train loop is running.")
    replaying = param.Boolean(False, doc="Whether the run is being played back (app/film.py).")
    step = param.Event(doc="Take one optimizer step.")
    reset = param.Event(doc="Go back to the starting weights of the current width.")
    message = param.String("", doc="Why training stopped or a change was refused.")
    version = param.Integer(0, doc="Bumped after every batch of changes to network or history.")
    progress = param.Integer(0, doc="Bumped after training steps that only the loss views show.")
    pinned = param.Integer(0, doc="Bumped when a run is pinned, unpinned or brought back.")
    undo = param.Event(doc="Bring back the run a branch or a bring-back set aside.")
    undoable = param.String("", doc="What Undo brings back ('' while nothing).")
    moved = param.Integer(0, doc="Bumped when the learner moves a weight or an epoch (the "
                          "timeline, the film), in a batch of its own "
                          "just before ``version``: the views a dragging learner watches (the "
                          "fit and the loss readout) answer first, in a message of their own.")

    def __init__(self, batch: Callable[[], ContextManager] = contextlib.nullcontext, **params):
        super().__init__(**params)
        self.batch = batch
        self.x, self.y = tinynet.preset(self.preset)
        self._runs: dict[int, Run] = {}
        self.pins: list[Pin] = []  # runs kept to compare (app/pins.py)
        self._set_aside: tuple[Run, int] | None = None  # what Undo brings back, at its epoch
        self._use_width()

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
    def end(self) -> int:
        """The epoch the current width's run reached (``epoch`` is earlier when the learner
        went back on its timeline)."""
        return self.run.end

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
        return tinynet.make_optimizer(self.optimizer, learning_rate=self.learning_rate,
                                      **optimizer_arguments(self))

    def starting_theta(self, hidden: int) -> np.ndarray:
        scheme = tinynet.default_scheme(hidden) if self.init == "standard" else self.init
        return tinynet.starting_theta(scheme, hidden, self.seed)

    def notify(self, light: bool = False) -> None:
        """Tell the views: ``version`` (everything may have changed) or, if ``light``,
        ``progress`` (only the loss moved on), in one batch."""
        with self.batch():
            if light:
                self.progress += 1
            else:
                self.version += 1

    def _use_width(self):
        if self.hidden not in self._runs:
            self._runs[self.hidden] = self._new_run(self.hidden)

    def frozen_at(self, hidden: int) -> np.ndarray:
        """Which weights of a network of width ``hidden`` are frozen: a mask over theta."""
        return np.isin(slot_names(hidden), self.frozen)

    def frozen_names(self, hidden: int) -> list[str]:
        """The frozen weights a network of width ``hidden`` has, in its order."""
        return [n for n in slot_names(hidden) if n in self.frozen]

    def _new_run(self, hidden: int) -> Run:
        net = Network.from_theta(self.starting_theta(hidden), self.activation, self.loss_choice,
                                 self.decay)
        run = Run(net, self.x, self.y, self.make_optimizer(), self.frozen_at(hidden))
        run.on_branch = self._set_aside_part
        return run

    # -- reactions to the learner ------------------------------------------------------------
    @param.depends("hidden", watch=True)
    def _on_width(self):
        self._use_width()  # first: a watcher of anything below may read the new width's run
        self.message = self.stopped = ""  # (a stop said where the other width's run paused)
        self.notify()

    @param.depends("learning_rate", watch=True)
    def _on_learning_rate(self):
        for run in self._runs.values():
            run.optimizer.learning_rate = self.learning_rate
            run.here()
            run.checkpoint_if_stable()
        self.notify()  # a divergence message stays until the learner trains or steps again

    @param.depends("optimizer", "momentum", "beta1", "beta2", "activation", watch=True)
    def _on_training_settings(self):
        """Keep every width's weights and epoch count; train on with the new settings."""
        self.message = ""
        name = {v: k for k, v in OPTIMIZERS.items()}[self.optimizer]
        label = f"{name}, {self.activation}"
        for run in self._runs.values():
            run.rebuild(self.x, self.y, self.make_optimizer(),
                        tinynet.get_activation(self.activation), label)
        self.notify()

    @param.depends("loss_choice", "decay", watch=True)
    def _on_loss(self):
        """Every width trains on from here with the chosen loss and weight decay, marked on its
        history. Cross-entropy fits probabilities: on data with a y outside [0, 1] it is refused
        with the reason, and the loss stays what it was."""
        objective = tinynet.get_loss(self.loss_choice)
        if objective is self.net.objective and self.decay == self.net.decay:
            return  # (the loss put back after a refusal)
        try:
            objective.check(self.y)
        except tinynet.DataError as err:
            self.message = (f"The loss stays squared error: {err}. Move that point into "
                            "[0, 1] (or choose other data) to train on cross-entropy.")
            self.loss_choice = self.net.objective.name
            return
        self.message = ""
        label = loss_label(objective.name, self.decay)
        for run in self._runs.values():
            run.retarget(objective, self.decay, label)
        self.notify()

    @param.depends("frozen", watch=True)
    def _on_frozen(self):
        """Every width trains on from here leaving its frozen weights where they are, marked
        on its history (where that changes which of its weights are frozen)."""
        unknown = set(self.frozen) - set(slot_names(max(WIDTHS)))
        if unknown:
            raise ValueError(f"cannot freeze {sorted(unknown)}: not a weight's name")
        for hidden, run in self._runs.items():
            run.freeze(self.frozen_at(hidden), freeze_label(self.frozen_names(hidden)))
        self.notify()

    @param.depends("init", "seed", watch=True)
    def _on_init(self):
        """New starting weights for the current width, marked on its history."""
        self.message = ""
        self.net.theta[:] = self.starting_theta(self.hidden)
        seeded = f" (seed {self.seed})" if self.init in ("xavier", "he") else ""
        self.run.mark(f"new weights: {self.init}{seeded}")
        self.notify()

    @param.depends("preset", watch=True)
    def _on_preset(self):
        if self.preset != "custom":
            self.set_data(*tinynet.preset(self.preset), label=f"data: {self.preset}")

    @param.depends("training", watch=True)
    def _on_training(self):
        if self.training:
            self.message = self.stopped = ""
            self.run.checkpoint_if_stable()  # (from a past epoch, this branches: said there)
        else:
            self.notify()  # views that skipped frames while training catch up

    @param.depends("step", watch=True)
    def _on_step(self):
        self.stopped = ""
        self.advance(1)
        self.notify()

    # -- going on from a past epoch, and undoing it ----------------------------------------------
    def _set_aside_part(self, before: Run, epoch: int, end: int) -> None:
        """A run goes on from a past epoch (Train, Step, a weight or a setting changed there):
        its later part is dropped, and kept here until Undo or the next message."""
        self._keep_for_undo(before, epoch, f"the run's later part (to epoch {end:,})")
        self.message = (f"Training went on from epoch {epoch:,}: the run's later part (to "
                        f"epoch {end:,}) was set aside. Undo brings it back.")

    def _keep_for_undo(self, run: Run, epoch: int, what: str) -> None:
        self._set_aside = (run, epoch)
        self.undoable = what

    @param.depends("message", watch=True)
    def _on_message(self):
        if self.undoable and "Undo" not in self.message:  # a new message: Undo is gone
            self._set_aside, self.undoable = None, ""

    @param.depends("undo", watch=True)
    def _on_undo(self):
        if self._set_aside is None:
            return
        run, epoch = self._set_aside
        self._set_aside, self.undoable = None, ""
        with self.batch():
            self.training = False
            run.show(epoch)  # the weights there, as training had them (a drag had moved them)
            self.take_run(run)
            self.message = f"The run is back as it was: epoch {epoch:,} of {run.end:,}."

    # -- pinned runs -----------------------------------------------------------------------------
    def pin(self) -> None:
        """Keep the current run to compare with the next ones (at most MAX_PINS)."""
        if len(self.pins) >= MAX_PINS:
            self.message = (f"{MAX_PINS} runs are pinned, the most the page keeps: unpin one "
                            "(its × in the runs table) to pin this one.")
            return
        self.pins.append(Pin.of(self, self.pins))
        self.pinned += 1

    def restore_pins(self, pinned: list[tuple[str, str, Run]]) -> None:
        """Pinned runs from a link or a file, (label, start, run) each, instead of these."""
        self.pins = restored(pinned)
        self.pinned += 1

    def unpin(self, label: str) -> None:
        self.pins = [p for p in self.pins if p.label != label]
        self.pinned += 1

    def bring_back(self, label: str) -> None:
        """Make a pinned run the current one again, with its settings (it stays pinned); the
        run it replaces is kept for Undo."""
        pin = next(p for p in self.pins if p.label == label)
        replaced = self._runs.get(pin.run.net.hidden)
        replaced = replaced.copy() if replaced is not None else None  # before settings change
        with self.batch():
            self.training = False
            self.take_run(pin.run.copy())
            self.message = (f"{pin.label} is back as the current run, at epoch {self.epoch:,}"
                            + (". Undo brings back the run it replaced." if replaced else "."))
            if replaced is not None:
                self._keep_for_undo(replaced, replaced.epoch, "the run it replaced")
            self.pinned += 1

    def take_run(self, run: Run) -> None:
        """Make ``run`` the current one: the page takes its width, and the settings and data it
        trains with (a pinned run brought back, a replayed recipe)."""
        trainer, optimizer = run.trainer, run.optimizer
        with self.batch():
            self.training = False
            if not (np.array_equal(trainer.x, self.x) and np.array_equal(trainer.y, self.y)):
                named = [name for name, (x, y) in tinynet.PRESETS.items()
                         if np.array_equal(x, trainer.x) and np.array_equal(y, trainer.y)]
                if named and named[0] != self.preset:
                    self.preset = named[0]  # (which sets its data)
                else:  # data edited since, or a run on data of its own
                    self.set_data(trainer.x, trainer.y, label="data of the run")
                    self.preset = named[0] if named else "custom"
            self.hidden = run.net.hidden
            settings = optimizer.settings()
            self.param.update(
                optimizer=optimizer.name, activation=run.net.activation.name,
                loss_choice=run.net.objective.name, decay=run.net.decay,
                frozen=[n for n, f in zip(slot_names(run.net.hidden), run.frozen) if f]
                + [n for n in self.frozen if n not in slot_names(run.net.hidden)],
                learning_rate=settings["learning_rate"],
                **{row.name: settings[row.argument] for row in SETTINGS
                   if row.optimizer == optimizer.name and row.argument in settings})
            self.adopt(run)

    # -- the past --------------------------------------------------------------------------------
    def go_to(self, epoch: int, fit_first: bool = True) -> None:
        """Show the current width's network as training had it at ``epoch`` (0 to ``end``),
        bit for bit: every view shows it. Training, a Step or a change made here goes on from
        this epoch, and the run's later part is dropped then. ``fit_first``: as for a dragged
        weight, the fit and the readouts answer first, in a message of their own (a film's
        frame goes out as one message)."""
        self.training = False
        self.run.show(int(epoch))
        if fit_first:
            with self.batch():
                self.moved += 1
        self.notify()

    @param.depends("reset", watch=True)
    def _on_reset(self):
        self.training = False
        self.message = self.stopped = ""
        self._runs[self.hidden] = self._new_run(self.hidden)
        self.notify()

    # -- training ------------------------------------------------------------------------------
    def advance(self, epochs: int) -> TrainResult:
        """Train the current width ``epochs`` steps and record the losses; tells no view.

        A divergence is tinynet's (a loss or weight not finite) or a weight past WEIGHT_LIMIT:
        training stops, the weights go back to the run's checkpoint (the last weights the
        learner placed, or from which training was stable; see ``Run.checkpoint_if_stable``),
        and ``message`` says why; the result says ``diverged``.

        While the Train loop runs, training pauses at the stops (``stop_epoch``, ``stop_loss``,
        0: none), exactly there, and ``stopped`` says which was reached; a Step always steps.
        """
        trainer = self.trainer
        trainer.stop_epoch = (self.stop_epoch or None) if self.training else None
        trainer.stop_loss = (self.stop_loss or None) if self.training else None
        result = self.run.advance(epochs)
        if not result.diverged and np.max(np.abs(self.net.theta)) > WEIGHT_LIMIT:
            reason = (f"at epoch {self.epoch}: with learning rate {self.learning_rate:g} the "
                      f"weights grew past ±{WEIGHT_LIMIT:,.0f}")
            result = TrainResult(result.losses, True, f"training diverged {reason}", reason)
        if result.diverged:
            start = self.run.undo()
            self.run.mark(UNDONE)  # a moment of the run (app/moments.py)
            with self.batch():
                self.training = False
                self.message = (f"{DIVERGED} {result.reason}. The weights are back at epoch "
                                f"{start}, the last point from which training was stable; "
                                "lower the learning rate and train again.")
        elif self.message.startswith(DIVERGED):  # that was an earlier run; this one is fine
            self.message = ""
        if result.stopped and not result.diverged:
            with self.batch():
                self.training = False
                self.stopped = self.stop_text()
        return result

    def stop_text(self) -> str:
        """Which stop paused training, where, in the learner's words."""
        loss = self.stop_loss
        if loss and self.loss() <= loss:
            return f"Stopped: the loss reached {loss:g} at epoch {self.epoch:,}."
        if self.epoch > self.stop_epoch:
            return (f"Not trained: the run is at epoch {self.epoch:,}, past the stop at epoch "
                    f"{self.stop_epoch:,}. Raise the stop, or set it to 0, to train on.")
        return (f"Stopped at epoch {self.epoch:,}, as you asked. (Raise the stop, or set it to "
                "0, to train on.)")

    # -- setting things from code, links and files ---------------------------------------------
    def weights(self) -> dict[str, list[float] | float]:
        """The current network as the article writes it: w1, b1, w2 per neuron, and b2."""
        net = self.net
        return {"w1": net.w1.tolist(), "b1": net.b1.tolist(), "w2": net.w2.tolist(), "b2": net.b2}

    def set_values(self, **slots: float) -> None:
        """Set some weights by slot name (e.g. w1_1=2.0)."""
        names = slot_names(self.hidden)
        for slot, value in slots.items():
            if slot not in names or not abs(value) <= WEIGHT_LIMIT:
                raise ValueError(f"cannot set {slot}={value!r} at width {self.hidden}")
        for slot, value in slots.items():
            self.net.theta[names.index(slot)] = value
        self.run.checkpoint()
        with self.batch():
            self.moved += 1
        self.notify()

    def set_weights(self, w1, b1, w2, b2) -> None:
        """Set the current width's weights (e.g. from a link); raises ValueError if unusable."""
        new = Network(w1, b1, w2, b2)
        if new.hidden != self.hidden:
            raise ValueError(f"expected {self.hidden} value(s) per neuron, got {new.hidden}")
        self.net.theta[:] = new.theta
        self.run.checkpoint()
        self.notify()

    def start_run(self, hidden: int, weights: dict, epochs: int = 0) -> None:
        """A fresh run at width ``hidden`` from ``weights`` (w1, b1, w2, b2), trained ``epochs``
        steps with the current settings; the page stays at the current width (a lesson's start:
        setting another width's weights does not switch the page there and back)."""
        net = Network(**weights, activation=self.activation, loss=self.loss_choice,
                      decay=self.decay)
        if net.hidden != hidden:
            raise ValueError(f"expected {hidden} value(s) per neuron, got {net.hidden}")
        run = Run(net, self.x, self.y, self.make_optimizer(), self.frozen_at(hidden))
        if epochs:
            run.advance(epochs)
            run.checkpoint()
        self.adopt(run)

    def runs(self) -> dict[int, Run]:
        """Every width's run so far."""
        return dict(self._runs)

    def adopt(self, run: Run) -> None:
        """Make ``run`` its width's run (a lesson's start, a replayed recipe: app/recipe.py);
        the page stays at the current width."""
        run.on_branch = self._set_aside_part
        self._runs[run.net.hidden] = run
        self.notify()

    def resume_at(self, epoch: int) -> None:
        """Count the current width's epochs from ``epoch`` (a reopened link: the weights are
        where that many epochs took them; the history before is not in the link)."""
        self.run.resume_at(epoch)
        self.notify()

    def load_start(self, theta, label: str = "loaded weights") -> None:
        """Switch to theta's width and put these weights there, marked on the history."""
        net = Network.from_theta(theta, self.activation)
        if net.hidden not in WIDTHS:
            raise ValueError(f"{net.hidden} hidden neurons: the playground offers {WIDTHS}")
        self.training = False
        self.hidden = net.hidden
        self.net.theta[:] = net.theta
        self.run.mark(label)
        self.notify()

    def set_data(self, x, y, label: str = "data changed") -> None:
        """Train on new data from here on (every width keeps its weights); raises DataError."""
        x, y = check_data(x, y)
        tinynet.get_loss(self.loss_choice).check(y)  # cross-entropy: every y in [0, 1]
        self.x, self.y = x, y
        for run in self._runs.values():
            run.rebuild(x, y, run.optimizer, self.net.activation, label)
        self.notify()

