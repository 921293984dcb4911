"""Guided lessons along the article, as data: what each says, which parts of the page it shows,
where it starts, and the small task the page checks.

A task is a function of the session and of ``Progress`` (where the lesson started, and the
learner's answer if the task asks for one); it is false at the lesson's start and true once the
learner has done what it asks. Importing this module imports numpy, param and tinynet only.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

import tinynet

from .session import Session, slot_names
from .text import number

FLOOR = 1 / 12  # the best one neuron can do on the article's data
ARTICLE_LR = 0.5  # the article's learning rate: a lesson that starts trained was trained at it
# Two neurons that rise together: one gentle slope, no bump yet (loss 0.1489).
NO_BUMP = {"w1": [1.0, 1.0], "b1": [-2.0, -2.5], "w2": [0.5, 0.5], "b2": 0.0}
# every lesson's: the article's network, data and loss (squared error, no weight decay)
SETTINGS = {"activation": "sigmoid", "optimizer": "gd", "preset": "article",
            "loss_choice": "squared", "decay": 0.0, "frozen": [], "stop_epoch": 0,
            "stop_loss": 0.0}
CE_FLOOR = tinynet.monotonic_floor(tinynet.ARTICLE_X, tinynet.ARTICLE_Y, "cross_entropy")


@dataclass
class Progress:
    """Where a lesson started (the width, its epoch count and weights) and the learner's answer."""

    hidden: int
    epoch: int
    theta: np.ndarray
    answer: str | None = None
    answered_at: int = -1  # the epoch count when the learner picked the answer


@dataclass(frozen=True)
class Lesson:
    """One lesson: its words, the parts it shows, its starting state and its task."""

    title: str
    text: str  # what the lesson is about, a few sentences
    look: tuple[tuple[str, str], ...]  # (part, what to look at there): said while it is shown
    task: str
    done: Callable[[Session, Progress], bool]
    parts: tuple[str, ...]
    weights: dict  # {width: weights}; the last width is the one the lesson starts at
    trained: int = 0  # epochs the starting width has trained from its weights (lr 0.5)
    sliders: tuple[str, ...] = ()  # the weights the task asks the learner to drag
    learning_rate: float = 0.5
    speed: float = 200.0
    choices: bool = False  # the task asks the learner to pick one of the weights
    praise: str = "Done!"


def steps_since(s: Session, p: Progress) -> int:
    """Epochs trained on the lesson's width since it started (0 after Reset or on another width)."""
    return max(0, s.epoch - p.epoch) if s.hidden == p.hidden else 0


def most_moved(s: Session, p: Progress) -> str | None:
    """The weight that moved farthest since the lesson started (None on another width)."""
    if s.hidden != p.hidden:
        return None
    return slot_names(s.hidden)[int(np.argmax(np.abs(s.net.theta - p.theta)))]


def y_hat_at(s: Session, x: float) -> float:
    return float(s.net.predict(np.array([x]))[0])


_START = tinynet.Network(**tinynet.ARTICLE)
_Z, _A, _Y = (float(np.ravel(v)[0]) for v in _START.forward(np.array([1.0])))
_LOSS = _START.loss(tinynet.ARTICLE_X, tinynet.ARTICLE_Y)

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "The forward pass",
        "A prediction is numbers flowing left to right: z₁ = w₁x + b₁, then a₁ = σ(z₁), "
        f"then ŷ = w₂a₁ + b₂. At the start, x = 1 gives z₁ = {number(_Z, 2)}, "
        f"a₁ = {number(_A, 4)} and ŷ = {number(_Y, 4)}.",
        (("tables", "The first table runs these steps for all four points."),
         ("diagram", "The diagram shows the same numbers on the network."),
         ("fit", "The blue curve is ŷ for every x; the dots are what it should hit.")),
        "Drag w₂ until the prediction at x = 2 reaches 0.6.",
        lambda s, p: y_hat_at(s, 2.0) >= 0.6,
        ("sliders", "fit", "tables", "diagram"),
        {1: tinynet.ARTICLE},
        sliders=("w2_1",),
        praise="Done: w₂ multiplies a₁, so a larger w₂ stretches the curve upward.",
    ),
    Lesson(
        "The loss",
        "The loss says how wrong the curve is: for each point ½(ŷ − y)², then the mean over "
        f"the four points. At the start it is {number(_LOSS, 4)}. Training means making this "
        "one number small.",
        (("tables", "The loss table shows each point's share."),
         ("loss", "The readout above the plots is the mean.")),
        "Drag w₁ and b₁ until the loss is below 0.12: together they place and sharpen the "
        "curve's step. (One slider alone will not do it; w₂ and b₂ only stretch and lift the "
        "curve, and get no lower than about 0.1235.)",
        lambda s, p: s.hidden == 1 and s.loss() < 0.12,
        ("sliders", "fit", "loss", "tables"),
        {1: tinynet.ARTICLE},
        sliders=("w1_1", "b1_1"),
        praise="Done: by hand it is fiddly. The next lessons let the gradient find the way.",
    ),
    Lesson(
        "One gradient by the chain rule",
        "How much does the loss change when w₁ moves a little? Follow the path from w₁ to the "
        "loss and multiply the local slopes: ∂L/∂w₁ = (ŷ − y) · w₂ · σ′(z₁) · x. "
        "Each point gives its own value; Step uses their mean.",
        (("graph", "The graph shows each node's value and its gradient."),
         ("tables", "The gradient table has one row per point and the mean below."),
         ("diagram", "The diagram colours each weight by its gradient.")),
        "w₂ is one factor of ∂L/∂w₁. Drag w₂ to 0 and watch the mean ∂L/∂w₁ fall below 0.001.",
        lambda s, p: s.hidden == 1 and abs(s.gradient()[0]) < 0.001,
        ("sliders", "tables", "graph", "diagram"),
        {1: tinynet.ARTICLE},
        sliders=("w2_1",),
        praise="Done: the mean ∂L/∂w₁ is tiny now, so moving w₁ a little hardly changes the loss.",
    ),
    Lesson(
        "One step downhill",
        "A step moves every weight against its gradient: new = old − learning rate × mean "
        "gradient. A weight with a big gradient moves far, one with a small gradient hardly "
        "moves.",
        (("sliders", "The ▶/◀ beside each slider show the push; the red tick is where it lands."),
         ("tables", "The mean row of the gradient table holds the four gradients."),
         ("graph", "The graph shows the gradient of every weight.")),
        "Press Step once, then pick the weight that moved the most.",
        lambda s, p: steps_since(s, p) >= 1 and p.answered_at > p.epoch  # picked after a step
        and p.answer == most_moved(s, p),
        ("sliders", "fit", "loss", "tables", "graph"),
        {1: tinynet.ARTICLE},
        choices=True,
        praise="Right: the weight with the largest mean gradient moves the most.",
    ),
    Lesson(
        "Training",
        "Training is the step, again and again: forward pass, loss, gradients, update. "
        "Each step lowers the loss a little.",
        (("loss", "The loss curve records every step, on a log scale."),
         ("fit", "The curve bends toward the dots as it trains.")),
        "Press Train and let it run until the loss is below 0.09.",
        lambda s, p: s.hidden == 1 and s.loss() < 0.09,
        ("sliders", "fit", "loss"),
        {1: tinynet.ARTICLE},
        praise="Done: a thousand small steps did what was fiddly by hand.",
    ),
    Lesson(
        "Why one neuron stalls",
        "This network has trained for 1,000 steps. Keep going: the loss falls slower and "
        f"slower and never goes below 1/12 ≈ {number(FLOOR, 4)}. σ only rises, so ŷ can "
        "rise or fall with x, never both; the data goes up and then down.",
        (("fit", "The best a rising curve can do: about 0 at x = 1 and ⅔ at x = 2, 3, 4."),
         ("why", "The note explains the floor."),
         ("landscape", "The landscape shows the valley the weights crawl along.")),
        "Train until the loss is below 0.085, close to the floor.",
        lambda s, p: s.hidden == 1 and s.loss() < 0.085,
        ("fit", "loss", "why", "landscape"),
        {1: tinynet.ARTICLE},
        trained=1000,
        speed=1000.0,
        praise="Done: it is close to 1/12 and will not get past it, however long you train.",
    ),
    Lesson(
        "Two neurons make a bump",
        "Two hidden neurons give two S-shaped steps. One rising near x = 1.5 and one falling "
        "near x = 3.5 add up to a bump, which is what the data needs.",
        (("fit", "The coloured curves are each neuron's share of ŷ."),
         ("loss", "With two neurons the loss can fall far below 1/12."),
         ("why", "The note explains why width helps.")),
        "Switch to 2 hidden neurons and train until the loss is below 0.01.",
        lambda s, p: s.hidden == 2 and s.loss() < 0.01,
        ("sliders", "fit", "loss", "why"),
        {2: NO_BUMP, 1: tinynet.ARTICLE},
        trained=1000,
        learning_rate=0.3,  # at 0.5 the loss overshoots on the way down; 0.3 falls steadily
        speed=400.0,
        praise="Done: the two neurons split, one rising and one falling: a bump near every point.",
    ),
    Lesson(
        "Is the stall the loss's fault?",
        "One neuron stalls at 1/12 under squared error. Would another loss let it through? "
        "Cross-entropy puts a sigmoid on the output, reads it as the probability that y is 1, "
        "and charges −log of the probability it gave to the right answer: the loss of "
        "classifiers. Try it on the same network and data.",
        (("settings", "The loss is chosen in the settings card (open it)."),
         ("loss", "The dashed line is the floor of the loss chosen."),
         ("why", "The note says where one neuron stops under this loss, and why.")),
        "Switch the loss to cross-entropy and train one neuron until the loss is below 0.485.",
        lambda s, p: s.hidden == 1 and s.loss_choice == "cross_entropy" and s.loss() < 0.485,
        ("settings", "fit", "loss", "why"),
        {1: tinynet.ARTICLE},
        speed=1000.0,
        praise=f"Done: and it creeps to {number(CE_FLOOR, 4)}, no further. That is the best a "
        "curve that only rises can do under cross-entropy too: the stall is the network's (one "
        "σ only rises or falls), not the loss's. Two neurons get through under either loss.",
    ),
)


def start_width(lesson: Lesson) -> int:
    """The width a lesson starts at (the last of its weights)."""
    return list(lesson.weights)[-1]


def enter(s: Session, lesson: Lesson) -> Progress:
    """Put the session at the lesson's start: the article's data, plain gradient descent, a
    fresh run from its weights for each width (the starting one trained ``lesson.trained``
    epochs, so the epoch count and the loss curve are that training's), its learning rate
    and speed; training stopped. The page switches width at most once, to the lesson's."""
    start = start_width(lesson)
    with s.batch():
        s.training = False
        s.param.update(**SETTINGS, learning_rate=ARTICLE_LR)
        for hidden, weights in lesson.weights.items():
            s.start_run(hidden, weights, lesson.trained if hidden == start else 0)
        s.param.update(hidden=start, learning_rate=lesson.learning_rate, speed=lesson.speed)
    return Progress(s.hidden, s.epoch, s.net.theta.copy())


def look_text(lesson: Lesson, parts) -> list[str]:
    """What to look at, for the parts this page has."""
    return [text for part, text in lesson.look if part in parts]

