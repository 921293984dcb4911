"""Parts of the page built the first time they are wanted, so a new session costs little.

A learner who opens the page sees the controls, the sliders, the fit and the loss; the parts
further down (the computation graph, the diagram, the landscape, the race, the lottery) and
the folded cards are built only when wanted: scrolled near (the page script presses the
placeholder's button when it comes within a screen of the viewport, see app/a11y.py), opened
with that button by keyboard or screen reader, shown by a lesson or a teacher's link, or
asked for by the server (a link that names what the graph explains). A part not yet built
costs its session nothing, while training too: its view does not exist yet. Once built it is
the same live view as ever, drawn from the session as it is then.
"""
from typing import Callable

import panel as pn
import param


class Lazy(pn.viewable.Viewer):
    """A placeholder of the part's height holding a button; ``open()`` builds the part in
    its place (once) and returns it."""

    built = param.Boolean(False, doc="Whether the part has been built.")

    def __init__(self, name: str, title: str, build: Callable[[], object], height: int,
                 **params):
        super().__init__(**params)
        self._make = build
        self.view = None
        self._button = pn.widgets.Button(
            label=f"Show {title}", color="light", css_classes=["tn-lazy", f"tn-lazy-{name}"],
            description=f"Builds {title} here; it is also built when scrolled into view.",
            margin=(10, 10))
        self._button.on_click(lambda event: self.open())
        self._layout = pn.Column(self._button, min_height=height, sizing_mode="stretch_width",
                                 margin=0, css_classes=["tn-lazy-part"])

    def open(self):
        """Build the part if it is not built yet; returns its view."""
        if self.view is None:
            self.view = self._make()
            self._layout.param.update(objects=[self.view], min_height=None)
            self.built = True
        return self.view

    def __panel__(self):
        return self._layout


def lazy_card(view, title: str, css_class: str) -> pn.Card:
    """A folded card whose content (``view``, already made) is laid out when first unfolded:
    a folded card's widgets would otherwise be sent to every page that never opens it."""
    card = pn.Card(title=title, collapsed=True, sizing_mode="stretch_width",
                   css_classes=[css_class], margin=(6, 10))

    def unfold(event):
        if not event.new and not card.objects:
            card.objects = [view]

    card.param.watch(unfold, "collapsed")
    return card
