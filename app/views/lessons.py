"""The guided lessons on the page: the lesson's words and task, progress, Next / Back, the
confirmation when the task is done, and the way out to the whole playground."""
import html

import panel as pn
import param

from ..lessons import LESSONS, Progress, enter, look_text, most_moved, steps_since
from ..session import slot_label, slot_names
from .base import View
from .lazy import Slot


class LessonView(View):
    """One lesson at a time (``number``, 1-based; 0 shows the whole playground)."""

    number = param.Integer(0, bounds=(0, len(LESSONS)),
                           doc="The lesson shown, 1-based; 0 for none (the whole playground).")
    met = param.Boolean(False, doc="Whether the current lesson's task is done.")
    parts = param.List(default=[], item_type=str, doc="The names of the page's parts.")
    offer = param.Boolean(True, doc="Whether the whole page offers the lessons (a button).")
    show = param.Callable(doc="Shows only the named parts of the page (every part for None).")
    next = param.Event(doc="Go to the next lesson.")
    back = param.Event(doc="Go to the previous lesson.")
    leave = param.Event(doc="Leave the lessons for the whole playground.")
    begin = param.Event(doc="Start the first lesson.")

    def __init__(self, **params):
        super().__init__(**params)
        self._progress: Progress | None = None
        self._begin = pn.widgets.Button.from_param(
            self.param.begin, label="New here? Take the guided lessons →", color="primary",
            variant="outline", css_classes=["tn-lesson-start"], width=300)
        # the lesson's own widgets are made when the first lesson opens: the whole page,
        # where most sessions stay, pays only for the button above
        self._layout = pn.Column(self._begin, sizing_mode="stretch_width", margin=0,
                                 css_classes=["tn-lessons"])
        self._box = Slot(self._layout, after=self._begin)
        self._choices: dict[str, pn.widgets.Button] = {}
        self.state.param.watch(self._check, ["version", "progress"])

    def prepare(self) -> None:
        """Make the lesson's widgets (hidden until a lesson opens), if not made yet: done when
        the first lesson opens, or ahead of time (a class's learners, while idle)."""
        if self._box.part is None:
            self._build()

    def _build(self) -> None:
        self._head = pn.pane.HTML("", css_classes=["tn-lesson-head"], sizing_mode="stretch_width",
                                  margin=(0, 10))
        self._text = pn.pane.Markdown("", css_classes=["tn-lesson"], sizing_mode="stretch_width",
                                      margin=(0, 10))
        self._choice_row = pn.Row(visible=False, margin=0, css_classes=["tn-wrap"])
        self._answered = pn.pane.HTML("", css_classes=["tn-lesson-answer"], margin=(0, 10))
        self._done = pn.pane.Alert("", alert_type="success", visible=False,
                                   css_classes=["tn-lesson-done"], sizing_mode="stretch_width")
        self._back = pn.widgets.Button.from_param(
            self.param.back, label="◀ Back", css_classes=["tn-lesson-back"], width=90)
        self._next = pn.widgets.Button.from_param(
            self.param.next, label="Next ▶", color="primary", css_classes=["tn-lesson-next"],
            width=90)
        self._leave = pn.widgets.Button.from_param(
            self.param.leave, label="Show the whole playground", variant="outline",
            css_classes=["tn-lesson-exit"], width=230)
        # rows of buttons wrap: a phone is narrower than Back, Next and the way out together
        buttons = pn.Row(self._back, self._next, self._leave, css_classes=["tn-wrap"])
        self._box.fill(pn.Column(self._head, self._text, self._choice_row, self._answered,
                                 self._done, buttons, css_classes=["tn-lesson-box"],
                                 sizing_mode="stretch_width", visible=False))

    def _choice_buttons(self, hidden: int) -> list[pn.widgets.Button]:
        """A button per weight of this width (made the first time they are needed)."""
        buttons = []
        for slot in slot_names(hidden):
            if slot not in self._choices:
                self._choices[slot] = button = pn.widgets.Button(
                    label=slot_label(slot, hidden), width=80 if hidden == 1 else 130,
                    css_classes=["tn-lesson-choice", f"tn-lesson-choice-{slot}"])
                button.on_click(lambda _, slot=slot: self._answer(slot))
            buttons.append(self._choices[slot])
        return buttons

    @property
    def answer(self) -> str | None:
        """The weight the learner picked in this lesson (a slot name), if it asks for one."""
        return self._progress.answer if self._progress is not None else None

    @property
    def lesson(self):
        return LESSONS[self.number - 1] if self.number else None

    # -- moving between lessons -----------------------------------------------------------------
    @param.depends("begin", watch=True)
    def _on_begin(self):
        self.number = 1

    @param.depends("next", watch=True)
    def _on_next(self):
        self.number = min(self.number + 1, len(LESSONS))

    @param.depends("back", watch=True)
    def _on_back(self):
        self.number = max(self.number - 1, 1)

    @param.depends("leave", watch=True)
    def _on_leave(self):
        self.number = 0

    @param.depends("number", watch=True)
    def _enter(self):
        """Set the lesson's start and show its parts (or, for 0, every part)."""
        lesson = self.lesson
        self.met = False
        self._progress = None
        if lesson is not None:
            self.prepare()
            self._progress = enter(self.state, lesson)
            self._head.object = (f'<div class="tn-lesson-progress">Lesson {self.number} of '
                                 f"{len(LESSONS)}</div><h2>{html.escape(lesson.title)}</h2>")
            looks = "".join(f"\n- {text}" for text in look_text(lesson, self.parts))
            self._text.object = f"{lesson.text}\n{looks}\n\n**Your task:** {lesson.task}"
            self._done.object = f"**✓ {lesson.praise}**"
            self._back.disabled = self.number == 1
            self._next.disabled = self.number == len(LESSONS)
        if self.show is not None:
            self.show(lesson.parts if lesson else None)
        if self._box.part is not None:
            self._box.part.visible = lesson is not None
        self._show_begin()
        self._check()

    @param.depends("offer", watch=True)
    def _show_begin(self):
        self._begin.visible = self.lesson is None and self.offer

    # -- the task -------------------------------------------------------------------------------
    def _answer(self, slot: str) -> None:
        if self._progress is not None:
            self._progress.answer = slot
            self._progress.answered_at = self.state.epoch
            self._check()

    def _check(self, *_):
        """Confirm the task once it is done (and keep the confirmation until the lesson ends)."""
        lesson, p = self.lesson, self._progress
        if lesson is None or p is None:
            return
        if not self.met and lesson.done(self.state, p):
            self.met = True
        self._done.visible = self.met
        self._show_choices(lesson, p)

    def _show_choices(self, lesson, p: Progress) -> None:
        """The answers to pick from: the weights of the width the lesson started at."""
        s = self.state
        self._choice_row.visible = lesson.choices
        if lesson.choices and len(self._choice_row.objects) != 1 + 3 * p.hidden + 1:
            self._choice_row.objects = [pn.pane.HTML("<b>Your pick:</b>", margin=(14, 10, 0, 10)),
                                        *self._choice_buttons(p.hidden)]
        for slot, button in self._choices.items():
            button.color = "primary" if slot == p.answer else "default"
        said = ""
        if lesson.choices and p.answer is not None and not self.met:
            said = ("Press Step first, then pick." if steps_since(s, p) < 1 else
                    "That pick came before the step: see how far each weight moved, then pick."
                    if p.answered_at <= p.epoch else
                    "Not that one: compare how far each slider moved."
                    if p.answer != most_moved(s, p) else "")
        self._answered.object = said

    def __panel__(self):
        return self._layout
