"""Short explanations, in the project's own words, of what the learner is looking at."""
import html

import numpy as np
import panel as pn
import param

import tinynet

from ..text import number
from .base import View

SHAPES = {"sigmoid": ("σ", "S-shaped step", "only ever rises"),
          "tanh": ("tanh", "S-shaped step", "only ever rises"),
          "relu": ("ReLU", "hinge", "never falls")}
NO_FLOOR = 1e-12  # a floor this low is no floor: one neuron can fit the data


def is_article(x, y) -> bool:
    return np.array_equal(x, tinynet.ARTICLE_X) and np.array_equal(y, tinynet.ARTICLE_Y)


def floor_text(floor: float, article: bool, loss: str = "squared") -> str:
    """The floor as the page writes it: 1/12 for squared error on the article's data, else
    its value."""
    squared_article = article and loss == "squared" and abs(floor - 1 / 12) < 1e-12
    return "1/12" if squared_article else number(floor, 4)


def drawn_floor(hidden: int, x, y, loss: str = "squared", decay: float = 0.0) -> float | None:
    """Where a line at the one-neuron floor is true, that floor (of ``loss`` on the data), else
    None: more than one neuron, data one neuron can follow, or weight decay on (the loss trained
    on then settles above the data loss's floor: ``decay_text``)."""
    if hidden != 1 or decay:
        return None
    floor = tinynet.monotonic_floor(x, y, loss)
    return floor if floor > NO_FLOOR else None


def decay_text(floor_shown: str, decay: float) -> str:
    """Why no floor line is drawn while weight decay is on, in one sentence."""
    return (f"With weight decay λ = {decay:g} no floor line is drawn: the loss trained on adds "
            f"(λ/2)·Σw² to the data loss, and the data loss nears {floor_shown} only as the "
            "weights grow without bound (a sharper and sharper step), where the penalty grows "
            f"too, so the penalised loss settles above {floor_shown}, where the two pulls "
            "balance, and never reaches it.")


def why_text(hidden: int, activation: str, x, y, loss: str = "squared",
             decay: float = 0.0) -> str:
    """What explains the current width on the current data, true for the activation, the
    loss and the weight decay."""
    f, shape, monotone = SHAPES[activation]
    article = is_article(x, y)
    if hidden == 1:
        floor = tinynet.monotonic_floor(x, y, loss)
        if loss == "squared":
            output, bend = f"w₂·{f}(w₁x + b₁) + b₂", ""
        else:
            output, bend = f"σ(w₂·{f}(w₁x + b₁) + b₂)", ", nor can the output's σ, which only rises"
        curve = (f"With a single hidden neuron the output is ŷ = {output}. {f} {monotone}, and "
                 "scaling by w₂ and shifting by b₂ can flip it or stretch it but never bend it "
                 f"back{bend}, so ŷ can rise or fall with x, not both.")
        if floor <= NO_FLOOR:
            return (f"**One neuron is enough here.** {curve} These {x.size} points only rise "
                    "(or only fall) with x, so such a curve can follow them and training can "
                    "take the loss towards 0.")
        shown = floor_text(floor, article, loss)
        if article and loss == "squared":
            detail = (" The best such curve is about 0 at x = 1 and 2/3 at x = 2, 3, 4: errors "
                      "0, −1/3, −1/3, +2/3, mean loss ½·(0 + 1/9 + 1/9 + 4/9)/4 = "
                      "**1/12 ≈ 0.0833**.")
        elif article:
            detail = (" The best such curve is about 0 at x = 1 and 2/3 at x = 2, 3, 4, and its "
                      "mean cross-entropy is ¾·(−⅔ ln ⅔ − ⅓ ln ⅓) ≈ **0.4774**, the data's own "
                      "uncertainty where the curve cannot tell the points apart.")
        else:
            detail = (f" On these {x.size} points the best such curve has mean "
                      f"{'loss' if loss == 'squared' else 'cross-entropy'} **{shown}**.")
        bound = (f" {decay_text(shown, decay)}" if decay else " No learning rate, optimizer "
                 "or patience gets below that line: the network is too narrow, not badly "
                 "trained.")
        return (f"**Why one neuron gets stuck at {shown}.** {curve} The data go up and down."
                f"{detail}{bound}")
    if hidden == 2 and article:
        return (f"**How two neurons make a bump.** Each hidden neuron draws one {shape} (the "
                f"faint dashed curves: w₂·{f}(w₁x + b₁) for each neuron). Add one that rises "
                "near x = 1.5 to one that falls near x = 3.5 and the sum goes up, stays up, and "
                "comes back down: the 0, 1, 1, 0 of the data. Two monotonic curves added "
                "together need not be monotonic, and that is why a hidden layer needs width.")
    return (f"**{hidden} neurons, {hidden} pieces.** Every hidden neuron adds one {shape} "
            "(dashed) to the output; added together, pieces that rise and pieces that fall make "
            "curves that go up and down, which one neuron cannot draw.")


def landscape_text(hidden: int, x, y, loss: str = "squared") -> str:
    floor = tinynet.monotonic_floor(x, y, loss)  # (a penalty only adds to the loss mapped)
    last = (f" For one neuron the valley floor never dips below "
            f"{floor_text(floor, is_article(x, y), loss)}." if hidden == 1 and floor > NO_FLOOR
            else "")
    return LANDSCAPE + last


GRADIENTS = """
**Wiggle a weight, watch the loss.** Each arrow beside a slider is −∂L/∂θ: how fast the loss
falls if that weight moves up (▶) or down (◀). Backpropagation gets all of them in one pass
from the output back to the input with the chain rule. One gradient-descent step moves every
weight by −learning rate × ∂L/∂θ, to the red tick on its slider. In the diagram, blue edges
are positive weights, dashed red-orange ones negative, thicker is bigger; each hidden node
shows its activation at the chosen x.
"""

LANDSCAPE = """
**The loss landscape.** Pick two weights; the map colours the loss for every pair of their
values with all other weights held where they are (dark is low). The dot is where the network
is now, the red trail is where training took it. Gradient descent walks downhill, across the
contour lines. Click or drag on the map to put the network anywhere and see what the other
views make of it."""

RACE = """
Both networks start from their starting weights (one neuron: the article's; two neurons: a
start that already forms a bump) and train with the same learning rate (0.5) at the speed set
above. One neuron levels off on the 1/12 floor; two keep falling, towards 1e-29.
"""


class WhyPanel(View):
    """The explanation that fits the current width, activation and data."""

    def __init__(self, **params):
        super().__init__(**params)
        self._text = pn.pane.Markdown("", css_classes=["tn-why"], sizing_mode="stretch_width")
        self._shown = None
        self._update()

    @param.depends("state.hidden", "state.activation", "state.version", watch=True)
    def _update(self):
        s = self.state
        key = (s.hidden, s.activation, id(s.x), s.loss_choice, s.decay)  # (new data: new arrays)
        if key != self._shown:
            self._shown = key
            self._text.object = why_text(s.hidden, s.activation, s.x, s.y, s.loss_choice, s.decay)

    def __panel__(self):
        return self._text


class LandscapeNote(View):
    """What the loss landscape shows, with the one-neuron floor while there is one."""

    def __init__(self, **params):
        super().__init__(**params)
        self._text = pn.pane.Markdown("", css_classes=["tn-why"], sizing_mode="stretch_width")
        self._shown = None
        self._update()

    @param.depends("state.hidden", "state.version", watch=True)
    def _update(self):
        s = self.state
        if (s.hidden, id(s.x), s.loss_choice) != self._shown:
            self._shown = (s.hidden, id(s.x), s.loss_choice)
            self._text.object = landscape_text(s.hidden, s.x, s.y, s.loss_choice)

    def __panel__(self):
        return self._text


def header_text(activation: str, x, y) -> str:
    """The page's opening lines, true for the current activation and data."""
    name = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}[activation]
    points = f"{x.size} point{'s' if x.size != 1 else ''}"
    if x.size <= 8:
        points += (f": x = {', '.join(f'{v:g}' for v in x)} → "
                   f"y = {', '.join(f'{v:g}' for v in y)}")
    return (f"<h1>tinynet playground</h1><p>A network with one input, a hidden layer of {name} "
            f"neurons and one output learns {html.escape(points)}. Drag a weight and watch the "
            "prediction and the loss move; press Train and watch gradient descent do it for "
            "you.</p>")


class Header(View):
    """The title and what the network learns."""

    def __init__(self, **params):
        super().__init__(**params)
        self._html = pn.pane.HTML("", css_classes=["tn-header"], sizing_mode="stretch_width")
        self._shown = None
        self._update()

    @param.depends("state.activation", "state.version", watch=True)
    def _update(self):
        s = self.state
        if (s.activation, id(s.x)) != self._shown:
            self._shown = (s.activation, id(s.x))
            self._html.object = header_text(s.activation, s.x, s.y)

    def __panel__(self):
        return self._html
