"""Short explanations, in the project's own words, of what the learner is looking at."""
import panel as pn
import param

from .base import View


ONE_NEURON = """
**Why one neuron gets stuck near 1/12.** With a single hidden neuron the output is
ŷ = w₂·σ(w₁x + b₁) + b₂. The sigmoid only ever rises, and scaling by w₂ and shifting by b₂
can flip it or stretch it but never bend it back. So ŷ can rise or fall with x, not both,
while the data go 0, 1, 1, 0. The best such curve is about 0 at x = 1 and 2/3 at x = 2, 3, 4:
errors 0, −1/3, −1/3, +2/3, mean loss ½·(0 + 1/9 + 1/9 + 4/9)/4 = **1/12 ≈ 0.0833**. No learning
rate, optimizer or patience gets below that line: the network is too narrow, not badly trained.
"""

TWO_NEURONS = """
**How two neurons make a bump.** Each hidden neuron draws one S-shaped step (the faint dashed
curves: w₂·σ(w₁x + b₁) for each neuron). Add a step that rises near x = 1.5 to one that
falls near x = 3.5 and the sum goes up, stays up, and comes back down: exactly the 0, 1, 1, 0
of the data. Two monotonic curves added together need not be monotonic, and that is why a
hidden layer needs width. Train it and the loss keeps falling, far below 1/12.
"""

MORE_NEURONS = """
**More neurons, more steps.** Every hidden neuron adds one S-shaped step (dashed) to the
output. With more steps the network can trace more complicated curves; on these four points,
two are already enough to fit them exactly.
"""


GRADIENTS = """
**Wiggle a weight, watch the loss.** Each arrow beside a slider is −∂L/∂θ: how fast the loss
falls if that weight moves up (▶) or down (◀). Backpropagation gets all of them in one pass
from the output back to the input with the chain rule. One gradient-descent step moves every
weight by −learning rate × ∂L/∂θ, to the red tick on its slider. In the diagram, blue edges
are positive weights, red ones negative, thicker is bigger; each hidden node shows its
activation at the chosen x.
"""

LANDSCAPE = """
**The loss landscape.** Pick two weights; the map colours the loss for every pair of their
values with all other weights held where they are (dark is low). The dot is where the network
is now, the red trail is where training took it. Gradient descent walks downhill, across the
contour lines. Click or drag on the map to put the network anywhere and see what the other
views make of it. For one neuron the valley floor never dips below 1/12.
"""

RACE = """
Both networks start from their starting weights (one neuron: the article's; two neurons: a
start that already forms a bump) and train with the same learning rate (0.5) at the speed set
above. One neuron levels off on the 1/12 floor; two keep falling, towards 1e-29.
"""


class WhyPanel(View):
    """The explanation that fits the current width."""


    def __init__(self, **params):
        super().__init__(**params)
        self._text = pn.pane.Markdown("", css_classes=["tn-why"], sizing_mode="stretch_width")
        self._update()

    @param.depends("state.hidden", watch=True)
    def _update(self):
        h = self.state.hidden
        self._text.object = ONE_NEURON if h == 1 else TWO_NEURONS if h == 2 else MORE_NEURONS

    def __panel__(self):
        return self._text
