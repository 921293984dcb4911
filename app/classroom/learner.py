"""What a learner's session adds in class mode: it publishes a summary of itself about once a
second and follows the teacher's commands, with a nickname field, a "follow the teacher"
switch and a banner for the teacher's messages.

The summary is what the server computed from the session (width, epoch, loss, lesson, ...);
the page sends nothing for the class but the nickname (tidied here, escaped wherever shown)
and the follow switch. A closed tab stops its callback and leaves the class at once.
"""
import html
import logging
import math
import secrets
import time
from typing import Callable

import numpy as np
import panel as pn
from tornado.ioloop import IOLoop

from ..lessons import LESSONS
from ..patches import quiet_periodic_callback
from .links import open_on
from .spotlight import picture
from .store import NAME_CHARS, SPARK_POINTS, Command, Summary, clean_text

PERIOD_MS = 500  # how often a learner looks for the teacher's commands
PUBLISH_EVERY = 2  # ... and publishes its summary every this many looks (once a second)
PREPARE_AT = 4  # at this look (2 s after the page connected) the lesson's widgets are made
log = logging.getLogger("tinynet")


def spark(losses, points: int = SPARK_POINTS) -> list[float]:
    """Up to ``points`` losses spread evenly over a history (the first and the last kept)."""
    losses = list(losses)
    if len(losses) <= points:
        return [float(v) for v in losses]
    picks = np.linspace(0, len(losses) - 1, points).round().astype(int)
    return [float(losses[i]) for i in picks]


def challenge_text(challenge) -> str:
    if challenge.active:
        return "trying"
    return {"won": "won", "disqualified": "stopped"}.get(challenge.outcome, "")


def summarize(app, learner: str, name: str) -> Summary:
    """The summary of ``app`` (a PlaygroundApp) the class sees, from its session alone."""
    s = app.state
    loss = s.loss()
    return Summary(id=learner, name=name, width=s.hidden, epoch=s.epoch,
                   loss=loss if math.isfinite(loss) else float("inf"),
                   spark=spark(s.history[1]), lesson=app.lessons.number,
                   done=bool(app.lessons.met), answer=app.lessons.answer or "",
                   challenge=challenge_text(app.challenge),
                   training=bool(s.training), seen=time.time(), picture=picture(s))


class LaterBuilds:
    """The parts of the page a teacher's lesson shows, built once every learner of this process
    has the lesson's words on their page.

    A lesson's words cost a session little; the parts it shows that the page had not built yet
    (the graph, the tables, the diagram) cost several times more. One process serves its
    learners one after another, and each learner sees a command within a look (PERIOD_MS): so
    the builds wait until a look has passed with no learner entering a lesson (at most
    MAX_WAIT_S after the first), then each runs in its own session.
    """

    MAX_WAIT_S = 2.0
    MARGIN_S = 0.25  # a look may come this much late (the process busy with another session)

    def __init__(self):
        self._waiting: list[tuple[object, Callable[[], None]]] = []
        self._timer = None
        self._first = 0.0

    def add(self, build: Callable[[], None], doc=None) -> None:
        """Run ``build`` in the session of ``doc`` (the current one by default), later."""
        doc = doc or pn.state.curdoc
        if doc is None or doc.session_context is None:
            build()  # not served (tests, a notebook): nobody to wait for
            return
        loop = IOLoop.current()
        if not self._waiting:
            self._first = loop.time()
        self._waiting.append((doc, build))
        if self._timer is not None and loop.time() - self._first < self.MAX_WAIT_S:
            loop.remove_timeout(self._timer)
            self._timer = None
        if self._timer is None:
            self._timer = loop.call_later(PERIOD_MS / 1000 + self.MARGIN_S, self._run)

    def _run(self) -> None:
        self._timer = None
        waiting, self._waiting = self._waiting, []
        for doc, build in waiting:
            if doc.session_context is not None:  # still open
                doc.add_next_tick_callback(build)


LATER = LaterBuilds()


class ClassMember(pn.viewable.Viewer):
    """One learner in the class: publishes ``app``'s summary and follows the teacher."""

    def __init__(self, app, mode, name: str = ""):
        super().__init__()
        self.app, self.store = app, mode.store
        self.id = secrets.token_hex(8)
        self.anonymous = f"learner {self.store.next_number()}"
        self._seen = self.store.last_seq()  # commands sent before joining are not for us
        self._ticks = 0
        self._failing = False  # the store did not answer: logged once, until it does again
        self.name_input = pn.widgets.TextInput(
            label="Your name in the class", value=clean_text(name, NAME_CHARS),
            placeholder=self.anonymous, max_length=NAME_CHARS, width=220,
            css_classes=["tn-class-name"])
        self.follow = pn.widgets.Checkbox(label="follow the teacher", value=True,
                                          css_classes=["tn-follow"], margin=(24, 10, 0, 10))
        self.banner = pn.pane.HTML("", visible=False, sizing_mode="stretch_width",
                                   css_classes=["tn-class-banner"])
        self._callback = quiet_periodic_callback(self.tick, PERIOD_MS)
        if pn.state.curdoc is not None:  # served; elsewhere (tests) ``tick`` is called by hand
            # once the page has connected: a page fetched and never opened (a link preview,
            # a server's readiness probe) is not a learner
            pn.state.onload(self._callback.start)
            pn.state.on_session_destroyed(self._leave)

    @property
    def nickname(self) -> str:
        return clean_text(self.name_input.value, NAME_CHARS) or self.anonymous

    def tick(self) -> None:
        """Follow the commands that came, then (every PUBLISH_EVERY ticks) publish. A store
        that does not answer (Redis gone) costs the learner nothing but the class."""
        try:
            with pn.io.hold():
                for command in self.store.commands_after(self._seen):
                    self._seen = command.seq
                    if command.reaches(self.id):
                        self.obey(command)
            if self._ticks % PUBLISH_EVERY == 0:
                self.publish()
            if self._ticks == PREPARE_AT:  # so a teacher's lesson costs a class less
                self.app.lessons.prepare()
            self._failing = False
        except Exception:
            if not self._failing:
                log.exception("the class store did not answer")
            self._failing = True
        self._ticks += 1

    def publish(self) -> None:
        self.store.publish(summarize(self.app, self.id, self.nickname))

    def obey(self, command: Command) -> None:
        """Show a banner whatever ``follow`` says; move (lesson, pause) only when following."""
        if command.kind == "banner":
            self.show_banner(command.value)
        elif not self.follow.value:
            return
        elif command.kind == "lesson" and 1 <= command.value <= len(LESSONS):
            self.app.state.training = False
            with self.app.build_later(LATER.add):
                self.app.lessons.number = command.value
        elif command.kind == "open":
            notices = open_on(self.app, command.value)
            self.show_banner("The teacher opened a playground state on your page. "
                             + " ".join(notices))
        elif command.kind == "pause":
            if self.app.loop is not None:
                self.app.loop.stop()
            else:
                self.app.state.training = False

    def show_banner(self, text: str) -> None:
        self.banner.object = (f'<div role="status"><b>From the teacher:</b> '
                              f"{html.escape(text)}</div>")
        self.banner.visible = bool(text)

    def _leave(self, context=None) -> None:
        if self._callback.running:
            self._callback.stop()
        self.store.leave(self.id)

    def __panel__(self):
        return pn.Column(pn.Row(self.name_input, self.follow, css_classes=["tn-wrap"]),
                         self.banner, sizing_mode="stretch_width", css_classes=["tn-class"])


def join(app, mode, args: dict) -> ClassMember:
    """Put ``app`` (a served PlaygroundApp) in the class, named by the link's ``?name=``."""
    name = args.get("name", [b""])[-1]
    member = ClassMember(app, mode, name.decode("utf-8", "replace")
                         if isinstance(name, bytes) else str(name))
    app.add_top(member)
    return member
