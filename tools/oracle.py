"""The page-equals-session oracle: what the page should show, computed from the session, and
what it does show, read from a client's copy of the document (tools/mirror.py) or from
Chromium. Tests compare the two after every action, so a page left showing old values after
*any* sequence of actions fails, whatever the cause.

The values compared: each weight slider (which weights the sliders are, their values and
that each range holds its value), the loss and epoch readouts, the width buttons, the learning
rate and speed sliders, and the Train button.
"""
import html
import math
import re

from app.session import slot_names
from app.settings import WIDTHS, slider_number
from app.text import format_loss

VALUE = re.compile(r'class="tn-value">([^<]*)<')


def expected(state) -> dict:
    """What the page should show for this session. While training the sliders follow the
    network a few times a second (app/views/sliders.py), so their values are left out."""
    slots = slot_names(state.hidden)
    shown = {
        "weights": slots,
        "loss": format_loss(state.loss()),
        "epoch": str(state.epoch),
        "width": WIDTHS.index(state.hidden),
        "learning rate": round(math.log10(state.learning_rate), 6),
        "speed": round(math.log10(state.speed), 6),
        "training": state.training,
    }
    if not state.training:
        shown["values"] = [slider_number(v) for v in state.net.theta]
    return shown


def _readout(model) -> str:
    found = VALUE.findall(html.unescape(model.text))
    assert len(found) == 1, model.text
    return found[0]


def shown_in_document(mirror, training: bool) -> dict:
    """What the client's copy of the page shows (``mirror``: tools.mirror.Mirror)."""
    weights = mirror.one("tn-weights")
    sliders = [row.children[0] for row in weights.children]
    slots = [next(c[len("tn-weight-"):] for c in s.css_classes if c.startswith("tn-weight-"))
             for s in sliders]
    for slider in sliders:
        assert slider.start <= slider.value <= slider.end, (slider.start, slider.value,
                                                            slider.end)
    shown = {
        "weights": slots,
        "loss": _readout(mirror.one("tn-loss")),
        "epoch": _readout(mirror.one("tn-epoch")),
        "width": mirror.one("tn-width").active,
        "learning rate": round(mirror.one("tn-learning-rate").value, 6),
        "speed": round(mirror.one("tn-speed").value, 6),
        "training": mirror.one("tn-train").active,
    }
    if not training:
        shown["values"] = [slider_number(s.value) for s in sliders]
    return shown


def check(mirror, state) -> None:
    """Send the pending changes to the client's copy and compare it with the session."""
    mirror.sync()
    want = expected(state)
    got = shown_in_document(mirror, state.training)
    assert got == want, {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
