"""Every setting a learner can change, as one table: the session's parameters, the link's keys,
the settings widgets and the exported snippet are all made from these rows.

A row says what the setting is (name, default, bounds or choices), how a link spells it (key),
how the page shows it (label, widget, group, and when it is shown) and, for optimizer settings,
which optimizer takes it under which argument name. Adding a setting is adding a row.
Numpy, param and tinynet only: no Panel here.
"""
from dataclasses import dataclass
from typing import Any

import param

import tinynet

WIDTHS = [1, 2, 3, 4]
LEARNING_RATE_BOUNDS = (1e-3, 10.0)  # the slider's, the link's and the README's: one place
# A log slider's key press, in decades: an arrow multiplies by 10**0.1 (1.26: the steps read 1,
# 1.3, 1.6, 2, 2.5, 3.2, 4, 5, 6.3, 7.9), Page Up/Down by 10**0.5 (noUiSlider's page is five
# steps; Bokeh does not let it be set), so 0.001 to 0.5 is seven presses.
LOG_STEP = 0.1
WEIGHT_LIMIT = 1e6  # a weight a link, a file or a slider may set; training past it diverged
OPTIMIZERS = {"gradient descent": "gd", "momentum": "momentum", "Adam": "adam"}
INITS = {"standard for the width": "standard", "the article's (1 neuron)": "article",
         "a bump (2 neurons)": "bump", "Xavier/Glorot": "xavier", "He": "he"}
PRESETS = {name: name for name in [*tinynet.PRESETS, "custom"]}
LOSSES = {"squared error (linear output)": "squared",
          "cross-entropy (sigmoid output)": "cross_entropy"}
LOSS_NAMES = {"squared": "squared error", "cross_entropy": "cross-entropy"}  # in a sentence


def short_number(v: float) -> str:
    """The fewest significant digits that read back as exactly ``v``: 200.0 is 200, 4.64 is
    4.64, and a weight that training set keeps all its digits, so a link reproduces the loss
    shown, even at 1e-29. (Values from the browser are rounded where they come in: see
    ``slider_number`` and ``point_number``.)"""
    return repr(float(v)).removesuffix(".0")  # repr: the shortest text that reads back


def slider_number(v: float) -> float:
    """A slider's value without the float noise of its steps (4.640000000000001 is 4.64)."""
    return round(float(v), 9)


def point_number(v: float) -> float:
    """A point dragged on a plot, without single precision's noise (0.1999999761581421 is
    0.2): 7 significant digits, all a drag can mean."""
    return float(f"{float(v):.7g}")


@dataclass(frozen=True)
class Setting:
    """One user setting."""

    name: str  # the session's parameter
    key: str  # its key in a link
    label: str  # what the page calls it
    default: Any
    doc: str
    widget: str  # "radio", "select", "slider", "log-slider" or "int"
    group: str = "settings"  # where the page shows it: "controls" or "settings"
    bounds: tuple | None = None  # numbers: (lo, hi), both included
    choices: dict | None = None  # choices: {label: value}
    step: float | None = None  # sliders: the step of one key press (log sliders: in decades)
    shown_when: tuple[str, tuple] | None = None  # (another setting, its values) that show it
    optimizer: str = ""  # an optimizer setting: the optimizer that takes it ...
    argument: str = ""  # ... under this argument name
    not_in_links: tuple = ()  # choices a link may not ask for
    smallest: float | None = None  # log sliders from 0: the smallest value above 0 (one step
    # below it the slider says "off", 0)

    def parameter(self) -> param.Parameter:
        """The typed, bounded param.Parameter the session holds this setting in."""
        if self.choices is not None:
            return param.Selector(default=self.default, objects=self.choices, doc=self.doc)
        if isinstance(self.default, int):
            return param.Integer(self.default, bounds=self.bounds, doc=self.doc)
        return param.Number(self.default, bounds=self.bounds, doc=self.doc)

    def link_choices(self) -> list:
        return [v for v in self.choices.values() if v not in self.not_in_links]

    def to_text(self, value) -> str:
        """The value as a link writes it (floats as ``short_number`` writes them)."""
        return short_number(value) if isinstance(value, float) else str(value)

    def from_text(self, text: str):
        """The value a link's text stands for; raises ValueError naming what is allowed."""
        if self.choices is not None:
            for value in self.link_choices():
                if text == str(value):
                    return value
            raise ValueError(f"choose one of {', '.join(map(str, self.link_choices()))}")
        lo, hi = self.bounds
        whole = isinstance(self.default, int)
        allowed = (f"a whole number from {lo} to {hi}" if whole
                   else f"a number from {lo:g} to {hi:g}")
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise ValueError(f"it must be {allowed}") from None
        if not lo <= value <= hi:  # also NaN
            raise ValueError(f"it must be {allowed}")
        return value

    def shown(self, session) -> bool:
        """Whether the page shows this setting for the session's other settings."""
        if self.shown_when is None:
            return True
        other, values = self.shown_when
        return getattr(session, other) in values


SETTINGS: tuple[Setting, ...] = (
    Setting("hidden", "hidden", "hidden neurons", 1, "Number of hidden neurons H.",
            widget="radio", group="controls", choices={str(h): h for h in WIDTHS}),
    Setting("learning_rate", "lr", "learning rate", 0.5, "Optimizer step size.",
            widget="log-slider", group="controls", bounds=LEARNING_RATE_BOUNDS, step=LOG_STEP),
    Setting("speed", "speed", "speed (epochs per second)", 200.0,
            "Training speed in epochs per second.", widget="log-slider", group="controls",
            bounds=(1.0, 10_000.0), step=LOG_STEP),
    Setting("stop_epoch", "stop_epoch", "stop at epoch (0: never)", 0,
            "Training pauses when it reaches this epoch; 0: it does not stop at an epoch.",
            widget="int", group="controls", bounds=(0, 10**9)),
    Setting("stop_loss", "stop_loss", "stop at loss ≤", 0.0,
            "Training pauses at the first epoch whose loss is at or below this; 0 is off.",
            widget="log-slider", group="controls", bounds=(0.0, 1.0), step=LOG_STEP,
            smallest=1e-12),
    Setting("optimizer", "opt", "optimizer", "gd", "How gradients move weights.",
            widget="select", choices=OPTIMIZERS),
    Setting("momentum", "momentum", "momentum β", 0.9, "Momentum's velocity decay (beta).",
            widget="slider", bounds=(0.0, 0.999), step=0.01,
            shown_when=("optimizer", ("momentum",)), optimizer="momentum", argument="beta"),
    Setting("beta1", "beta1", "Adam β₁", 0.9, "Adam's first-moment decay.",
            widget="slider", bounds=(0.0, 0.999), step=0.01,
            shown_when=("optimizer", ("adam",)), optimizer="adam", argument="beta1"),
    Setting("beta2", "beta2", "Adam β₂", 0.999, "Adam's second-moment decay.",
            widget="slider", bounds=(0.0, 0.9999), step=0.0001,
            shown_when=("optimizer", ("adam",)), optimizer="adam", argument="beta2"),
    Setting("activation", "act", "activation", "sigmoid", "The hidden neurons' nonlinearity.",
            widget="select", choices={a: a for a in tinynet.ACTIVATIONS}),
    Setting("loss_choice", "loss", "loss", "squared",
            "The loss trained on: the article's squared error on a linear output, or "
            "cross-entropy on a sigmoid output.", widget="select", choices=LOSSES),
    Setting("decay", "decay", "weight decay λ", 0.0,
            "L2 weight decay: adds (λ/2)·Σw² over w₁ and w₂ to the loss; 0 is off.",
            widget="log-slider", bounds=(0.0, 1.0), step=LOG_STEP, smallest=1e-5),
    Setting("init", "init", "starting weights", "standard",
            "Starting weights; 'standard' is the article's for H=1, the bump for H=2 and "
            "Xavier otherwise.", widget="select", choices=INITS),
    Setting("seed", "seed", "seed", 0, "Seed of the random initialisations.", widget="int",
            bounds=(0, 2**31 - 1), shown_when=("init", ("xavier", "he"))),
    Setting("preset", "data", "data", "article", "The data set.", widget="select",
            choices=PRESETS, not_in_links=("custom",)),
)


def setting(name: str, table: tuple[Setting, ...] = SETTINGS) -> Setting:
    """The row of the setting called ``name``."""
    return next(row for row in table if row.name == name)


def optimizer_arguments(session, table: tuple[Setting, ...] = SETTINGS) -> dict[str, float]:
    """The arguments of the session's optimizer, besides its learning rate."""
    return {row.argument: getattr(session, row.name) for row in table
            if row.optimizer == session.optimizer}
