"""The teacher's page (``/teacher?key=...``, class mode only): the class at a glance, live,
and the commands that lead it.

One row per learner (name, width, epoch, loss with a sparkline, lesson and whether its task is
done, the challenge, training or idle), a summary (how many train, the class's losses on a log
axis per width, how many found the bump), the learners' address large and as a QR code, and
the commands: go to lesson N, pause everyone, a banner message, to everyone or to those chosen.
Every name is escaped where it is shown. Without the key the page has no learner data and no
callback; the server answers its request with 403 before it is built (``authorize``).
"""
import html
import math
from collections import Counter

import panel as pn
import segno

from ..lessons import LESSONS
from ..patches import quiet_periodic_callback
from ..session import slot_label, slot_names
from ..text import number
from .links import check
from .spotlight import Spotlight
from .store import LINK_CHARS, Command, Summary

PERIOD_MS = 500  # the rows and summary are at most this old, plus the second a learner waits
BUMP = 1e-3  # "found the bump": two neurons whose loss is below this (the floor of one is 1/12)
LOG_LO, LOG_HI = -6, 0  # the histogram's log10(loss) axis; losses outside land in its ends
FORBIDDEN = ("<h1>403: not allowed</h1><p>The teacher's page needs the address printed when "
             "the server started, key included.</p>")


def key_of(args: dict) -> str:
    given = (args or {}).get("key", [b""])[-1]
    return given.decode("utf-8", "replace") if isinstance(given, bytes) else str(given)


def authorize(mode):
    """Panel's ``authorize_callback``: the teacher's page only with the right key (403
    otherwise, before a session is built); every other page as before."""

    def allowed(user_info, path: str) -> bool:
        if path.rstrip("/") != "/teacher":
            return True
        doc = pn.state.curdoc
        args = doc.session_context.request.arguments if doc and doc.session_context else {}
        return mode.is_key(key_of(args))

    return allowed


def found_bump(learner: Summary) -> bool:
    return learner.width == 2 and learner.loss < BUMP


def histogram(losses, bins: int = 2 * (LOG_HI - LOG_LO)) -> list[int]:
    """How many ``losses`` fall in each of ``bins`` equal steps of log10(loss) from LOG_LO to
    LOG_HI (a loss of 0 or below LOG_LO counts in the first, above LOG_HI in the last)."""
    counts = [0] * bins
    for loss in losses:
        at = math.log10(loss) if loss > 0 else LOG_LO
        counts[min(bins - 1, max(0, int((at - LOG_LO) / (LOG_HI - LOG_LO) * bins)))] += 1
    return counts


def histogram_svg(counts: list[int], width: int = 240, height: int = 40) -> str:
    top = max(counts) or 1
    bar = width / len(counts)
    bars = "".join(f'<rect x="{i * bar:.1f}" y="{height - height * c / top:.1f}" '
                   f'width="{bar - 1:.1f}" height="{height * c / top:.1f}"/>'
                   for i, c in enumerate(counts) if c)
    return (f'<svg width="{width}" height="{height + 12}" role="img" aria-label="losses '
            f'from 1e{LOG_LO} to 1e{LOG_HI}, log axis"><g fill="#0072B2">{bars}</g>'
            f'<text x="0" y="{height + 11}" font-size="9">1e{LOG_LO}</text>'
            f'<text x="{width}" y="{height + 11}" font-size="9" text-anchor="end">1</text></svg>')


def sparkline_svg(losses, width: int = 90, height: int = 20) -> str:
    """A learner's loss over its run, log scale."""
    logs = [math.log10(max(v, 1e-12)) for v in losses if math.isfinite(v)]
    if len(logs) < 2:
        return ""
    lo, hi = min(logs), max(logs)
    span = (hi - lo) or 1.0
    points = " ".join(f"{i * width / (len(logs) - 1):.1f},{(hi - v) / span * height:.1f}"
                      for i, v in enumerate(logs))
    return (f'<svg width="{width}" height="{height}" aria-hidden="true"><polyline '
            f'points="{points}" fill="none" stroke="#0072B2" stroke-width="1.5"/></svg>')


def row_html(learner: Summary) -> str:
    lesson = (f"lesson {learner.lesson}{' ✓' if learner.done else ''}" if learner.lesson
              else "playground")
    cells = [html.escape(learner.name), f"{learner.width} neuron{'s' * (learner.width > 1)}",
             f"epoch {learner.epoch}", f"loss {number(learner.loss, 4)}",
             sparkline_svg(learner.spark), lesson,
             f"challenge {learner.challenge}" if learner.challenge else "",
             "training" if learner.training else "idle"]
    return ('<tr class="tn-class-row">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")


def summary_html(learners: list[Summary]) -> str:
    training = sum(s.training for s in learners)
    pairs = [s for s in learners if s.width == 2]
    lines = [f"<p><b>{len(learners)}</b> learner{'s' * (len(learners) != 1)}, "
             f"<b>{training}</b> training. <b>{sum(map(found_bump, pairs))} of {len(pairs)}</b>"
             f" with two neurons found the bump (loss below {BUMP:g}).</p>"]
    for width in sorted({s.width for s in learners}):
        losses = [s.loss for s in learners if s.width == width]
        lines.append(f"<div>{width} neuron{'s' * (width > 1)} ({len(losses)}): "
                     f"{histogram_svg(histogram(losses))}</div>")
    return "".join(lines)


def answers_html(learners: list[Summary]) -> str:
    """For each lesson that asks for a pick, with learners on it: how many picked each weight,
    how many have not picked yet, and how many have its task done (the right pick)."""
    parts = []
    for n, lesson in enumerate(LESSONS, 1):
        on = [s for s in learners if s.lesson == n]
        if not lesson.choices or not on:
            continue
        width = max(lesson.weights)
        slots = slot_names(width)
        picks = Counter(s.answer for s in on if s.answer in slots)
        cells = "".join(f"<td>{slot_label(slot, width)}: <b>{picks[slot]}</b></td>"
                        for slot in slots)
        waiting = sum(s.answer not in slots for s in on)
        parts.append(f"<p>Lesson {n}, {html.escape(lesson.title)}: "
                     f"<b>{sum(s.done for s in on)} of {len(on)}</b> right.</p>"
                     f"<table><tr>{cells}<td>not yet: <b>{waiting}</b></td></tr></table>")
    return "".join(parts)


class TeacherPage(pn.viewable.Viewer):
    """The class at a glance, updated every PERIOD_MS, and the commands."""

    def __init__(self, mode):
        super().__init__()
        self.mode, self.store = mode, mode.store
        url = html.escape(mode.learners_url)
        qr = segno.make(mode.learners_url, error="m").svg_inline(scale=5)
        self.address = pn.pane.HTML(
            f'<div class="tn-class-address"><p>Learners, open:</p>'
            f'<p style="font-size:2.2em;font-weight:bold">{url}</p>{qr}</div>')
        self.summary = pn.pane.HTML("", css_classes=["tn-class-summary"],
                                    sizing_mode="stretch_width")
        self.answers = pn.pane.HTML("", css_classes=["tn-class-answers"],
                                    sizing_mode="stretch_width")
        self.rows = pn.pane.HTML("", css_classes=["tn-class-rows"], sizing_mode="stretch_width")
        self.to = pn.widgets.MultiChoice(label="Send to (nobody chosen: everyone)", options={},
                                         width=320, css_classes=["tn-teacher-to"])
        self.lesson = pn.widgets.Select(
            label="Lesson", options={f"{i}. {lesson.title}": i
                                    for i, lesson in enumerate(LESSONS, 1)},
            width=280, css_classes=["tn-teacher-lesson"])
        self.send_lesson = pn.widgets.Button(label="Send this lesson", color="primary",
                                             css_classes=["tn-teacher-send-lesson"], width=160)
        self.pause = pn.widgets.Button(label="Pause everyone", color="warning",
                                       css_classes=["tn-teacher-pause"], width=160)
        self.message = pn.widgets.TextInput(label="Message", placeholder="Look at the board",
                                            max_length=200, width=320,
                                            css_classes=["tn-teacher-message"])
        self.send_message = pn.widgets.Button(label="Show the message",
                                              css_classes=["tn-teacher-send-message"], width=160)
        self.link = pn.widgets.TextInput(label="Playground link", max_length=LINK_CHARS,
                                         placeholder="http://…/?hidden=2&w1=…", width=320,
                                         css_classes=["tn-teacher-link"])
        self.send_link = pn.widgets.Button(label="Open it on their pages",
                                           css_classes=["tn-teacher-send-link"], width=160)
        self.link_notice = pn.pane.HTML("", visible=False, sizing_mode="stretch_width",
                                        css_classes=["tn-teacher-link-notice"])
        self.send_link.on_click(lambda _: self.open_link(self.link.value))
        self.spotlight = Spotlight()
        self.send_lesson.on_click(lambda _: self.send("lesson", self.lesson.value))
        self.pause.on_click(lambda _: self.send("pause"))
        self.send_message.on_click(lambda _: self.send("banner", self.message.value))
        self.refresh()
        self._callback = quiet_periodic_callback(self.refresh, PERIOD_MS)
        if pn.state.curdoc is not None:  # served; elsewhere (tests) ``refresh`` is called
            self._callback.start()
            pn.state.on_session_destroyed(lambda context: self._callback.stop())

    def send(self, kind: str, value=None) -> None:
        self.store.send(Command(kind, value, to=list(self.to.value)))

    def open_link(self, link: str) -> None:
        """Send ``link`` for the learners' pages to open, or say why it cannot be sent."""
        query, why = check(link)
        if query:
            self.send("open", query)
        self.link_notice.object = (f'<div role="status">{html.escape(why)}</div>' if why else
                                   '<div role="status">Sent: following pages open it.</div>')
        self.link_notice.visible = True

    def refresh(self) -> None:
        learners = self.store.learners()
        with pn.io.hold():
            self.summary.object = summary_html(learners)
            self.answers.object = answers_html(learners)
            self.rows.object = ('<table class="tn-class-table"><tbody>'
                                + "".join(map(row_html, learners)) + "</tbody></table>"
                                if learners else "<p>No learner yet.</p>")
            names = Counter(s.name for s in learners)
            options = {(s.name if names[s.name] == 1 else f"{s.name} ({s.id[:4]})"): s.id
                       for s in learners}
            if options != self.to.options:
                self.to.options = options
            self.spotlight.update(learners, options)

    def __panel__(self):
        commands = pn.Column(
            pn.Row(self.lesson, self.send_lesson, css_classes=["tn-wrap"]),
            pn.Row(self.message, self.send_message, css_classes=["tn-wrap"]),
            pn.Row(self.link, self.send_link, css_classes=["tn-wrap"]), self.link_notice,
            pn.Row(self.to, self.pause, css_classes=["tn-wrap"]))
        return pn.Column("# The class",
                         pn.Row(self.address, pn.Column(self.summary, self.answers, commands)),
                         self.rows, self.spotlight, sizing_mode="stretch_width")


def teacher_page():
    """The teacher's page for this session, or (wrong key, also over a websocket that made its
    own session) a page with nothing of the class in it."""
    from . import current

    mode = current()
    if mode is None or not mode.is_key(key_of(pn.state.session_args)):
        return pn.pane.HTML(FORBIDDEN)
    return TeacherPage(mode)
