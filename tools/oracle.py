"""The page-equals-session oracle: what the page should show, computed from the session, and
what it does show, read from a client's copy of the document (tools/mirror.py) or from
Chromium. Tests compare the two after every action, so a page left showing old values after
*any* sequence of actions fails, whatever the cause.

The values compared: each weight slider (which weights the sliders are, their values and
that each range holds its value), the loss and epoch readouts (the loss's name, and with
weight decay its data and penalty parts), the width buttons, the learning rate and speed
sliders, the Train button and the film's Play button, each weight's lock, the stop at an epoch
and the message saying where training stopped, and the fit's ŷ at each data point (to six
significant digits).
"""
import html
import math
import re

from app.session import slot_names
from app.settings import LOG_STEP, WIDTHS, slider_number
from app.text import format_loss
from app.views.loss import readout_label

VALUE = re.compile(r'class="tn-value">([^<]*)<')
PART = re.compile(r'class="tn-part">([^<]*)<')
LABEL = re.compile(r'class="tn-label">([^<]*)<')
TAG = re.compile(r"<[^>]+>")
READOUT = re.compile(r"^(mean loss(?: \([\w -]+\))?) (\S+)(?: = data (\S+) \+ penalty (\S+))?$",
                     re.IGNORECASE)  # Chromium's text is upper case where style.css says so


def expected(state) -> dict:
    """What the page should show for this session. While training the sliders follow the
    network a few times a second (app/views/sliders.py), so their values are left out."""
    slots = slot_names(state.hidden)
    shown = {
        "weights": slots,
        "loss": format_loss(state.loss()),
        "loss name": readout_label(state.loss_choice),
        # weight decay: the data loss and the penalty, as parts of the loss
        "loss parts": ([format_loss(state.run.data_loss()), format_loss(state.net.penalty())]
                       if state.decay else []),
        "epoch": str(state.epoch),
        "width": WIDTHS.index(state.hidden),
        "learning rate": round(math.log10(state.learning_rate), 6),
        "speed": round(math.log10(state.speed), 6),
        "training": state.training,
        "pinned": [p.label for p in state.pins],  # their ghost curves' labels on the loss plot
        "undo": bool(state.undoable),
        "replaying": state.replaying,
        "locked": [slot in state.frozen for slot in slots],
        "stop epoch": state.stop_epoch,
        "stopped": state.stopped,
    }
    if not state.training:
        shown["values"] = [slider_number(v) for v in state.net.theta]
        # the fit's ŷ at each data point (σ of the output under cross-entropy)
        shown["prediction"] = _six(state.net.predict(state.x))
        shown["timeline"] = (state.epoch, max(state.end, 1))  # (epoch shown, last epoch)
    return shown


def _six(values) -> list[float]:
    """Numbers to six significant digits: what is compared of the fit's predictions."""
    return [float(f"{v:.6g}") for v in values]


def _pinned(labels) -> list:
    """The pinned runs' labels (no source until the first pin: app/views/runs.py)."""
    return list(labels.data["run"]) if labels is not None else []


def _text(alert) -> str:
    """An alert's text as a person reads it ('' while hidden, or not made yet: None)."""
    return TAG.sub("", html.unescape(alert.text)).strip() if alert and alert.visible else ""


def _made(mirror, css_class: str):
    """The client model of this CSS class, or None while the page has not made it (a message
    or a button made when first wanted: app/views/lazy.py's Slot)."""
    found = mirror.models(css_class)
    assert len(found) <= 1, f"{len(found)} models of class {css_class!r} on the page"
    return found[0] if found else None


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
        "loss name": LABEL.findall(html.unescape(mirror.one("tn-loss").text))[0],
        "loss parts": PART.findall(html.unescape(mirror.one("tn-loss").text)),
        "epoch": _readout(mirror.one("tn-epoch")),
        "width": mirror.one("tn-width").active,
        "learning rate": round(mirror.one("tn-learning-rate").value, 6),
        "speed": round(mirror.one("tn-speed").value, 6),
        "training": mirror.one("tn-train").active,
        "pinned": _pinned(mirror.client.get_model_by_name("pinned_labels")),
        "undo": bool((undo := _made(mirror, "tn-undo")) and undo.visible),
        # (the film's controls come with the first epochs to play back)
        "replaying": any(m.active for m in mirror.models("tn-timeline-play")),
    }
    shown |= {  # each weight's lock, and where training stops
        "locked": [row.children[1].active for row in weights.children],
        "stop epoch": mirror.one("tn-stop-epoch").value,
        "stopped": _text(_made(mirror, "tn-stopped")),
    }
    if not training:
        shown["values"] = [slider_number(s.value) for s in sliders]
        points = mirror.client.get_model_by_name("fit_points").data
        shown["prediction"] = _six(points["y_hat_exact"])
        timeline = mirror.one("tn-timeline")
        shown["timeline"] = (timeline.value, timeline.end)
    return shown


def check(mirror, state) -> None:
    """Send the pending changes to the client's copy and compare it with the session."""
    mirror.sync()
    want = expected(state)
    wrong = differences(shown_in_document(mirror, state.training), want)
    assert not wrong, f"the page shows (shown, session's): {wrong}"


# -- in Chromium --------------------------------------------------------------------------------
SLIDER_JS = """
(el) => {
  const s = el.noUiSlider, range = s.options.range;
  return {value: s.get(true), start: range.min, end: range.max};
}
"""
SLIDERS_JS = f"(els) => els.map({SLIDER_JS.strip()})"


def shown_in_chromium(page) -> dict:
    """What a Chromium page shows, in the terms of ``expected``."""
    from tools.page import shadow_text, source_data  # Playwright's: imported where used

    weights = page.locator(".tn-weights .noUi-target").evaluate_all(SLIDERS_JS)
    for w in weights:
        assert w["start"] <= w["value"] <= w["end"], w
    slots = page.locator(".tn-weights .tn-weight").evaluate_all(
        "(els) => els.map((el) => [...el.classList].find((c) => c.startsWith('tn-weight-')))")
    log = {name: page.locator(f".tn-{name} .noUi-target").evaluate(
        "(el) => el.noUiSlider.get(true)") for name in ("learning-rate", "speed")}
    timeline = page.locator(".tn-timeline .noUi-target").evaluate(SLIDER_JS)
    buttons = page.locator(".tn-width .bk-btn").evaluate_all(
        "(els) => els.map((el) => el.classList.contains('bk-active'))")
    name, loss, *parts = READOUT.match(" ".join(shadow_text(page, ".tn-loss").split())).groups()
    return {
        "weights": [slot[len("tn-weight-"):] for slot in slots],
        "values": [slider_number(w["value"]) for w in weights],
        "prediction": _six((source_data(page, "fit_points") or {}).get("y_hat_exact", [])),
        "loss": loss,
        "loss name": name.lower(),  # (the label is upper case on screen: style.css)
        "loss parts": [p for p in parts if p is not None],
        "epoch": shadow_text(page, ".tn-epoch").split()[-1],
        "width": buttons.index(True) if buttons.count(True) == 1 else buttons,
        "learning rate": log["learning-rate"],
        "speed": log["speed"],
        "training": "Pause" in shadow_text(page, ".tn-train"),
        "replaying": (page.locator(".tn-timeline-play").count() > 0
                      and "Pause" in shadow_text(page, ".tn-timeline-play")),
        "timeline": (round(timeline["value"]), round(timeline["end"])),
        "pinned": (source_data(page, "pinned_labels") or {}).get("run", []),
        "undo": page.locator(".tn-undo").is_visible(),
    } | {  # each weight's lock, and where training stops
        "locked": page.locator(".tn-freeze .bk-btn").evaluate_all(
            "(els) => els.map((el) => el.classList.contains('bk-active'))"),
        "stop epoch": int(page.locator(".tn-stop-epoch input").input_value()),
        "stopped": (" ".join(shadow_text(page, ".tn-stopped").split())
                    if page.locator(".tn-stopped").is_visible() else ""),
    }


STEP = 0.01  # a weight slider's step: Chromium shows a value at its slider's nearest step


def differences(shown: dict, want: dict, step: float = 0.0) -> dict:
    """{key: (shown, wanted)} for each value the page shows wrongly; slider values may be off by
    half a ``step`` (a noUiSlider shows its nearest step; 0 for the document, which is exact),
    the learning rate and speed by half a ``LOG_STEP``."""
    def same(key, a, b):
        if key in ("learning rate", "speed") and step:
            return abs(a - b) <= LOG_STEP / 2 + 1e-9
        if key == "values" and step:
            a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
            return len(a) == len(b) and all(abs(x - y) <= step / 2 + 1e-9 for x, y in zip(a, b))
        return a == b
    return {k: (shown.get(k), v) for k, v in want.items() if not same(k, shown.get(k), v)}
