"""Build the playground page: ``create_app()`` per browser session. Importing starts nothing.

Serve it with ``tinynet-playground`` (app/cli.py) or ``panel serve app/main.py``.
"""
import logging
import time
import warnings
from contextlib import contextmanager
from functools import cached_property
from typing import Callable

import panel as pn
import param

from app import (
    a11y,
    capacity,
    classroom,
    patches,
    urlstate,  # absolute: `panel serve app/main.py` runs this file as a script
)
from app.address import Address
from app.lessons import LESSONS
from app.loop import TrainLoop
from app.race import Race
from app.session import Session
from app.views.a11y import Accessibility
from app.views.challenge import Challenge
from app.views.controls import Controls
from app.views.diagram import NetworkDiagram
from app.views.explain import GRADIENTS, RACE, Header, LandscapeNote, WhyPanel
from app.views.export import ExportView
from app.views.fit import FitPlot
from app.views.graph import NOTE as BACKPROP
from app.views.graph import BackpropView
from app.views.landscape import LossLandscape
from app.views.lazy import Lazy, Slot, lazy_card, say
from app.views.lessons import LessonView
from app.views.loss import LossPlot, Readouts
from app.views.lottery import LotteryView
from app.views.race import RaceView
from app.views.runs import RunsView
from app.views.settings import Settings
from app.views.sliders import WeightSliders
from app.views.tables import Tables
from app.views.timeline import TimelineView

FAILED_PAGE = ("<h1>tinynet playground</h1><p>Something went wrong while building this page. "
               "Try the plain address without anything after it, or reload in a moment.</p>")
LOADING_PAGE = "<h1>tinynet playground</h1><p>Loading the playground…</p>"
FAILED_ACTION = ("That did not work: something went wrong on the server. The page keeps "
                 "working; try again, or reload if it keeps happening.")
log = logging.getLogger("tinynet")


def quiet_known_echo() -> None:
    """Keep Bokeh's "reference already known" warning out of the server's log. BokehJS counts
    the models a patch from the server brings as new until the page next sends a message of
    its own, so that message (a lazily built part's button press, say) carries them again in
    full; the server keeps its own copy. Not a defect of the page's state, nor an operator's
    concern."""
    warnings.filterwarnings("ignore", message="reference already known", category=UserWarning)


quiet_known_echo()
URL_EVERY_S = 1.0  # while training, the URL is rewritten at most this often
RUN_TOO_LONG = ("This run (or a pinned one) is too long for a link (more than 2,000 "
                "characters, or more than 200,000 epochs to replay): the address keeps what "
                "fits, at least the weights shown. **Export → weights.json** keeps every run "
                "whole, pinned ones too, and loading it replays them exactly.")
DISCONNECTED = ("Disconnected from the server: the page no longer trains or updates. Reload "
                "the page when the server is back; the link keeps your weights and settings.")


class PlaygroundApp(pn.viewable.Viewer):
    """The whole playground: one state, the views that show it, and (served) its Train loop."""

    _stylesheets = ["style.css"]  # the page's own CSS, served to every part (create_app)
    page_keys = param.Dict(default={}, doc="The page's own URL keys: lesson, or show.")

    def __init__(self, state: Session | None = None, loop: bool = True, **params):
        super().__init__(**params)
        self.state = state or Session(batch=pn.io.hold)
        self.race = Race(self.state)
        s = self.state
        # Views update in the order they are made, and their changes reach the page in that
        # order: the fit and the loss first, so the plot a learner watches moves first.
        self.fit = FitPlot(state=s)
        self.readouts = Readouts(state=s)
        self.loss_plot = LossPlot(state=s)
        self.timeline = TimelineView(state=s, figure=self.loss_plot._figure)
        self.runs = RunsView(state=s, loss_plot=self.loss_plot, fit_plot=self.fit)
        self.controls = Controls(state=s)
        self.sliders = WeightSliders(state=s)
        self.challenge = Challenge(state=s)
        self.why = WhyPanel(state=s)
        self.header = Header(state=s)
        self.a11y = Accessibility(state=s)

        def note(text):
            return pn.pane.Markdown(text, css_classes=["tn-why"], sizing_mode="stretch_width")

        def hidden_heading(title):  # a heading for screen readers, between h1 and the cards' h3
            return pn.pane.HTML(f'<h2 class="tn-sr-h">{title}</h2>', css_classes=["tn-sr-only"],
                                margin=0)

        def section(title):
            return pn.pane.HTML(f"<h2>{title}</h2>", css_classes=["tn-section"],
                                sizing_mode="stretch_width")

        # Further down the page: built when first wanted (app/views/lazy.py). Each part is a
        # column of CSS class tn-block-<name>, all of them inside one placeholder for the rest
        # of the page (not a part of its own; a short label: a button's text does not wrap,
        # and a phone is 390 px wide).
        below = Lazy("below", "the rest of the page", self._build_below, 640,
                     css_class="tn-below")
        self.lazy = {
            "tables": Lazy("tables", "the tables", lambda: Tables(state=s), 330, within=below),
            "graph": Lazy("graph", "the computation graph", lambda: BackpropView(state=s), 640,
                          above=lambda: [section("Backpropagation, step by step"),
                                         note(BACKPROP)],
                          within=below),
            "diagram": Lazy("diagram", "the network diagram", lambda: NetworkDiagram(state=s),
                            520, above=lambda: [section("Inside the network")],
                            below=lambda: [note(GRADIENTS)],
                            within=below),
            "landscape": Lazy("landscape", "the loss landscape", self._build_landscape, 480,
                              within=below),
            "race": Lazy("race", "the race", lambda: RaceView(race=self.race), 420,
                         above=lambda: [section("One neuron against two"), note(RACE)],
                         within=below),
            "lottery": Lazy("lottery", "the init lottery", lambda: LotteryView(state=s), 520,
                            above=lambda: [section("The init lottery")], within=below),
        }
        self.below = below
        # one Train loop per app, created stopped: served, a session callback; in a notebook,
        # a task on the kernel's event loop once Train is pressed
        self.loop = TrainLoop(self.state, self.race) if loop else None

        def block(name, *objects, **kwargs):
            if len(objects) == 1:  # the part itself, marked: no column around it
                part = pn.panel(objects[0])
                part.css_classes = [*part.css_classes, f"tn-block-{name}"]
                return part
            return pn.Column(*objects, css_classes=[f"tn-block-{name}"], margin=0,
                             **{"sizing_mode": "stretch_width", **kwargs})

        # The page's parts by name: what a teacher's link (?show=...) and a lesson choose from.
        self.blocks = {
            "controls": block("controls", hidden_heading("Controls"), self.controls, self.a11y),
            "settings": block("settings", lazy_card(
                lambda: self.settings, "optimizer · activation · loss · start · data",
                "tn-settings-card")),
            "export": block("export", lazy_card(
                lambda: self.export, "export · load weights", "tn-export-card")),
            "sliders": block("sliders", pn.pane.HTML(
                '<span class="tn-label">weights</span> <span class="tn-hint">▶/◀ which way the '
                "next step pushes each weight; the red tick on the track is where it will "
                "land</span>", margin=(10, 10, 0, 10)), self.sliders),
            "readouts": block("readouts", self.readouts),
            "fit": block("fit", self.fit, self.a11y.fit_text),
            "loss": block("loss", self.loss_plot, self.timeline, self.a11y.loss_text),
            "runs": block("runs", self.runs),
            "why": block("why", self.why),
            "challenge": block("challenge", self.challenge),
            **{name: part.__panel__() for name, part in self.lazy.items()},
        }
        # under the timeline, said when the run is too long for its link (_sync_url)
        self.run_link = Slot(self.blocks["loss"], after=self.timeline.__panel__())
        self.lessons = LessonView(state=s, parts=list(self.blocks), show=self.show)
        self.lessons.param.watch(self._lesson_changed, "number")
        self._teacher_parts = None  # what a teacher's link (?show=) shows, None for every part
        self._shown = None  # the parts the last show() named, None for every part
        self._schedule = None  # set within build_later()
        b = self.blocks
        # The weights right under Train, the cards after them. On a phone (one column, see
        # style.css) the readouts, the fit and the weights come first, then Train: the
        # first screen shows a weight's slider and the curve it moves.
        sidebar = pn.Column(b["controls"], b["sliders"], b["settings"], b["export"], width=360,
                            css_classes=["tn-sidebar", "tn-flat"])
        main = pn.Column(hidden_heading("Loss and fit"), b["readouts"],
                         pn.Row(b["fit"], b["loss"], sizing_mode="stretch_width",
                                css_classes=["tn-cols", "tn-plots", "tn-flat"]),
                         b["runs"], b["why"], b["challenge"], sizing_mode="stretch_width",
                         css_classes=["tn-results", "tn-flat"])
        self._layout = pn.Column(
            self.header,
            self.lessons,
            pn.Row(sidebar, main, sizing_mode="stretch_width", css_classes=["tn-cols", "tn-flat"]),
            below,
            *([self.loop] if self.loop is not None else []),  # its hidden acknowledgement widgets
            sizing_mode="stretch_width", css_classes=["tn-page"],
        )

    def add_top(self, part) -> None:
        """Put a part at the top of the page, under the header (class mode's name and banner)."""
        self._layout.insert(1, part)

    def add_hidden(self, part) -> None:
        """Put a part that shows nothing (e.g. the page's address) on the page."""
        self._layout.append(part)

    # the views built when first wanted; asking for one here builds it
    @cached_property
    def settings(self) -> Settings:
        return Settings(state=self.state)

    @cached_property
    def export(self) -> ExportView:
        return ExportView(state=self.state)

    def _build_below(self):
        b = self.blocks
        return pn.Column(b["tables"], b["graph"],
                         pn.Row(b["diagram"], b["landscape"], sizing_mode="stretch_width",
                                css_classes=["tn-cols"]),
                         b["race"], b["lottery"], sizing_mode="stretch_width", margin=0)

    @property
    def tables(self) -> Tables:
        return self.lazy["tables"].open()

    @property
    def backprop(self) -> BackpropView:
        return self.lazy["graph"].open()

    @property
    def diagram(self) -> NetworkDiagram:
        return self.lazy["diagram"].open()

    def _build_landscape(self):
        self._landscape = LossLandscape(state=self.state)
        self._landscape_note = LandscapeNote(state=self.state)
        return pn.Column(self._landscape, self._landscape_note, sizing_mode="stretch_width",
                         margin=0)

    @property
    def landscape(self) -> LossLandscape:
        self.lazy["landscape"].open()
        return self._landscape

    @property
    def landscape_note(self) -> LandscapeNote:
        self.lazy["landscape"].open()
        return self._landscape_note

    @property
    def race_view(self) -> RaceView:
        return self.lazy["race"].open()

    def show(self, names) -> None:
        """Show only these parts of the page (all of them if ``names`` is None), building those
        named (at once, or through the scheduler ``build_later`` gave); the readouts come with
        the loss plot, the Train controls always."""
        names = None if names is None else {*names, "controls"} | (
            {"readouts"} if "loss" in names else set())
        self._shown = names
        for name, part in self.blocks.items():
            part.visible = names is None or name in names
        # the parts below the first screen: their placeholder only while one of them is shown
        self.below.__panel__().visible = names is None or bool(names & set(self.lazy))
        if self._schedule is None:
            self.build_shown()
        else:
            self._schedule(self.build_shown)

    def build_shown(self) -> None:
        """Build the parts the last ``show`` named that are not built yet."""
        for name in self._shown or ():
            if name in self.lazy:
                self.lazy[name].open()

    @contextmanager
    def build_later(self, schedule: Callable[[Callable[[], None]], None]):
        """Within it, ``show`` lays out what it shows at once and hands the building of the
        parts not yet built to ``schedule``: a teacher's lesson reaches every learner of a
        process before any of them builds its graph (app/classroom/learner.py)."""
        self._schedule = schedule
        try:
            yield
        finally:
            self._schedule = None

    def show_only(self, names) -> None:
        """A teacher's link: only these parts (every part for None), kept in the URL."""
        self._teacher_parts = None if names is None else list(names)
        self.lessons.offer = names is None  # a focused page offers no lessons
        self.show(names)
        self._write_page_keys()

    def _lesson_changed(self, event):
        if event.new:
            self._teacher_parts = None
            self.lessons.offer = True
        self._write_page_keys()

    def _write_page_keys(self):
        if self.lessons.number:
            self.page_keys = {"lesson": str(self.lessons.number)}
        elif self._teacher_parts:
            self.page_keys = {"show": ",".join(self._teacher_parts)}
        else:
            self.page_keys = {}

    def __panel__(self):
        return self._layout


def _sync_url(state: Session, address: Address, page: PlaygroundApp | None = None):
    """Restore the state from the URL, then keep the URL (``address``) up to date with the
    state, with the page's own keys (``page.page_keys``: lesson, show) and with what the
    backprop view explains (why, point)."""
    settings, notices = urlstate.parse_query(pn.state.session_args or {})
    try:
        urlstate.apply(state, settings)
    except Exception:  # parse_query checks every value; this is for what it did not foresee
        log.exception("could not apply a link's settings: %r", settings)
        notices.append("Part of this link could not be used; the page shows what could.")
    args = pn.state.session_args or {}
    graph = page.lazy["graph"] if page is not None else None
    if graph is not None and ("why" in args or "point" in args):
        # after the width and data: why names a weight of that width; the link is about the
        # graph, so it is built now
        notices += page.backprop.select(args)
    last = [0.0]

    def write(*_):
        now = time.monotonic()
        if (state.training or state.replaying) and now - last[0] < URL_EVERY_S:
            return
        last[0] = now
        keys = urlstate.to_query(state)
        if page is not None:
            keys.update(page.page_keys)
        if graph is not None and graph.view is not None:
            keys.update(graph.view.selection())
        query, long = urlstate.fitted(keys, state)
        if page is not None:  # a run too long for its link: the page says where it is kept
            say(page.run_link, RUN_TOO_LONG if long else "", lambda: pn.pane.Markdown(
                "", visible=False, sizing_mode="stretch_width",
                css_classes=["tn-why", "tn-run-link"]))
        address.write("?" + query)

    def follow_graph(*_):
        graph.view.param.watch(write, ["why", "point"])

    state.param.watch(write, [*urlstate.watched(), "replaying"])  # a film's end: its epoch
    if page is not None:
        page.param.watch(write, "page_keys")
        if graph.built:
            follow_graph()
        else:
            graph.param.watch(follow_graph, "built")
    write()
    return notices


def _open_page_keys(app: PlaygroundApp, query: dict) -> list[str]:
    """Open what the link's page keys ask for: a lesson (``lesson=N``), else only some parts
    (``show=fit,loss``); returns notices about values that could not be used."""
    lesson, notices = urlstate.parse_lesson(query, len(LESSONS))
    parts, more = urlstate.parse_show(query, list(app.blocks))
    if lesson is not None:
        app.lessons.number = lesson
        if parts is not None or more:
            notices.append("show= was ignored: a lesson shows its own parts.")
    else:
        notices += more
        if parts is not None:
            app.show_only(parts)
    return notices


def report_error(exc: BaseException) -> None:
    """The one way an error in a callback reaches a person: the detail in the server's log,
    a short notice in the page (never a traceback or a server path); the session goes on."""
    log.error("error in a session's callback", exc_info=exc)
    if pn.state.notifications is not None:
        pn.state.notifications.error(FAILED_ACTION, duration=8000)


def create_app(build_on_connect: bool = False):
    """A new playground for one browser session; if it cannot be built, a short plain page
    (the detail goes to the server's log).

    ``build_on_connect`` (``--num-procs``): the page request gets a "loading" page and the
    playground is built once the page's websocket has connected, in the process it connected
    to. The page request and its websocket are two connections, which the processes take in
    turn (app/balance.py), so a page's websocket went to the other process as often as not,
    which then built the whole session a second time (7 of 10 sessions built twice, measured
    with two processes)."""
    served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
    css = patches.page_stylesheet(PlaygroundApp, "style.css")  # served: one URL, cached
    pn.extension(**({"css_files": [css]} if served else {"raw_css": [css]}),
                 notifications=True, disconnect_notification=DISCONNECTED)
    pn.config.exception_handler = report_error
    patches.install()
    if not served:
        return _playground(served)
    a11y.install(pn.state.curdoc)  # before the page is ready: its script runs then
    if not build_on_connect:
        page = _playground(served)
    else:
        patches.link_panel_locally(pn.state.curdoc)
        page = pn.Column(pn.pane.HTML(LOADING_PAGE, css_classes=["tn-loading"]),
                         sizing_mode="stretch_width")

        @pn.io.with_lock  # run holding the session's document lock
        async def build():
            capacity.log_opened(pn.state.curdoc.session_context.id)  # served here
            await capacity.in_turn(lambda: setattr(page, "objects", [_playground(served)]))

        pn.state.onload(build)
    patches.install_session()
    return page


def _playground(served: bool):
    try:
        app = PlaygroundApp()
        if served:
            address = Address()
            app.add_hidden(address)
            notices = _sync_url(app.state, address, app)
            notices += _open_page_keys(app, pn.state.session_args or {})
            app.controls.notice = " ".join(notices)
            if classroom.current() is not None:  # --class: this learner joins the class
                from app.classroom.learner import join
                join(app, classroom.current(), pn.state.session_args or {})
            log.info("session %s built", pn.state.curdoc.session_context.id)
        return app.__panel__()
    except Exception:
        log.exception("could not build a session's page")
        return pn.pane.HTML(FAILED_PAGE, css_classes=["tn-failed"], sizing_mode="stretch_width")


if __name__.startswith("bokeh"):  # `panel serve app/main.py`
    create_app().servable(title="tinynet playground")
