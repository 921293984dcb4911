"""Parts of the page built the first time they are wanted, so a new session costs little.

A learner who opens the page sees the controls, the sliders, the fit and the loss; the parts
further down (the tables, the computation graph, the diagram, the landscape, the race, the
lottery) and the folded cards are built only when wanted: scrolled near (the page script
presses the placeholder's button when it comes within LAZY_MARGIN of the viewport, see
app/a11y.py), opened with that button by keyboard or screen reader, shown by a lesson or a
teacher's link, or asked for by the server (a link that names what the graph explains). A part
not yet built costs its session nothing, while training too: its view does not exist yet. Once
built it is the same live view as ever, drawn from the session as it is then.

A placeholder is two models (the part's column and the button in it). The parts below the
first screen sit in one such placeholder (``below``: built when the learner scrolls near the
end of the first screen), each of them a placeholder again, whose button, heading and notes
are made when ``below`` opens: a new page holds 2 models for them, not the 38 their
headings, notes and wrappers were, and until then the session makes only an empty column for
each of them.
"""
from typing import Callable

import panel as pn
import param


class Lazy(pn.viewable.Viewer):
    """A part of the page (its column, CSS class ``css_class``, by default ``tn-block-<name>``:
    what a lesson or a teacher's link shows or hides by name): until ``open()``, a
    button in a column of the part's height; then the part's ``above`` objects, its view
    (built once, by ``build``) and its ``below`` objects (``above`` and ``below`` are
    functions returning them, called then). ``open()`` returns the view. A part ``within``
    another is built with it, and its button is made when the outer part opens: until then
    its column is empty and not on the page."""

    built = param.Boolean(False, doc="Whether the part has been built.")

    def __init__(self, name: str, title: str, build: Callable[[], object], height: int,
                 above: Callable[[], list] = list, below: Callable[[], list] = list,
                 within: "Lazy | None" = None, css_class: str = "", **params):
        super().__init__(**params)
        self._make = build
        self._within = within
        self._around = (above, below)
        self._name, self._title = name, title
        self._inner: list[Lazy] = []  # the parts within this one
        self.view = None
        self._layout = pn.Column(min_height=height, sizing_mode="stretch_width", margin=0,
                                 css_classes=[css_class or f"tn-block-{name}", "tn-lazy-part"])
        if within is None:
            self._offer()
        else:
            within._inner.append(self)

    def _offer(self):
        """Put the button that builds the part in its column."""
        button = pn.widgets.Button(label=f"Show {self._title}", color="light", margin=(10, 10),
                                   css_classes=["tn-lazy", f"tn-lazy-{self._name}"])
        button.on_click(lambda event: self.open())
        self._layout.objects = [button]

    def open(self):
        """Build the part if it is not built yet; returns its view."""
        if self.view is None:
            if self._within is not None:
                self._within.open()
            for part in self._inner:
                if part.view is None:
                    part._offer()
            self.view = self._make()
            above, below = self._around
            self._layout.param.update(objects=[*above(), self.view, *below()], min_height=None,
                                      css_classes=[*self._layout.css_classes, "tn-built"])
            self.built = True
        return self.view

    def __panel__(self):
        return self._layout


def lazy_card(build: Callable[[], object], title: str, css_class: str) -> pn.Card:
    """A folded card whose content is built (``build()``) and laid out when first unfolded:
    a folded card's widgets would otherwise be made, and sent, for every page that never
    opens it."""
    card = pn.Card(title=title, collapsed=True, sizing_mode="stretch_width",
                   css_classes=[css_class], margin=(6, 10))

    def unfold(event):
        if not event.new and not card.objects:
            card.objects = [build()]

    card.param.watch(unfold, "collapsed")
    return card


class Slot:
    """A place in ``layout``, right after ``after`` (an object of the layout, another slot, or
    None for its start), for a part made the first time it is wanted: a message a new page has
    not had, controls for a run it has not trained. ``fill(part)`` puts the part there; until
    then the page holds nothing for it."""

    def __init__(self, layout: pn.layout.ListPanel, after: "object | Slot | None" = None):
        self.layout, self.after = layout, after
        self.part = None

    def _index(self) -> int:
        """Where a part made now goes: after the nearest filled slot or object before it."""
        anchor = self.after
        while isinstance(anchor, Slot) and anchor.part is None:
            anchor = anchor.after
        if isinstance(anchor, Slot):
            anchor = anchor.part
        if anchor is None:
            return 0
        return next(i for i, o in enumerate(self.layout.objects) if o is anchor) + 1

    def fill(self, part):
        """Put ``part`` (made just now) in its place; returns it."""
        assert self.part is None, "a slot is filled once"
        self.layout.insert(self._index(), part)
        self.part = part
        return part

    def get(self, make: Callable[[], object]):
        """The slot's part, made by ``make`` and put in its place if it is not there yet."""
        return self.part if self.part is not None else self.fill(make())

    @property
    def shown(self) -> bool:
        """Whether the part is made and visible."""
        return self.part is not None and self.part.visible


def say(slot: Slot, text: str, make: Callable[[], pn.pane.Markdown]) -> None:
    """Show ``text`` in the slot's pane (an alert, a note: made by ``make`` for the first text),
    or hide it for ''."""
    if text or slot.part is not None:
        slot.get(make).param.update(object=text, visible=bool(text))
