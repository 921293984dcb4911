"""What a browser holds of a page, without a browser: the page served into a Bokeh document,
and a second document built the way a client builds its copy (from the page's first message,
then from every patch the server sends), for tests that check what reached the page rather
than what the server's models hold.

The two can differ. Bokeh's ``combine`` hold folds a later change of a property into the
earlier event for it: a layout whose children are set twice in one batch is sent once, with
the last children, at the first change's place, while changes to models only the first
children introduced are still sent. The client has never seen those models; it stops at the
unknown reference and drops the rest of the message, and the page goes on showing old values
(lesson 6 -> 7 did this). Here such a patch raises ``UnknownReferenceError`` in ``sync``.
"""
import contextlib
from types import SimpleNamespace

import numpy as np
import panel as pn
from bokeh.document import Document
from bokeh.document.events import DocumentPatchedEvent
from bokeh.protocol import Protocol

PROTOCOL = Protocol()


class Mirror:
    """A served page (``page``, the server's document) and the client's copy (``client``)."""

    def __init__(self, build):
        """Serve ``build()`` (a Panel viewable) into a new document, as a session would:
        the document is current and connected while it is built and while it changes."""
        self.page = Document()
        self._pending: list[DocumentPatchedEvent] = []
        self._classes: dict[str, list] | None = None  # the client's models by CSS class
        with self.current():
            self.viewable = build()
            pn.panel(self.viewable).server_doc(self.page)
        self.client = Document.from_json(self.page.to_json())
        self.page.on_change(self._sent)

    def _sent(self, event) -> None:
        if isinstance(event, DocumentPatchedEvent):  # what a session sends as PATCH-DOC
            self._pending.append(event)

    @contextlib.contextmanager
    def current(self):
        """Make the page's document Panel's current, connected one (``pn.io.hold`` holds and
        releases it as it does in a served session), then restore Panel's state."""
        state = pn.state
        before = state.curdoc
        state.curdoc = self.page
        state._connected[self.page] = True
        state._thread_id = state._current_thread
        try:
            yield
        finally:
            state.curdoc = before

    def sync(self) -> None:
        """Send what changed since the last sync to the client, as one PATCH-DOC message."""
        if self._pending:
            message = PROTOCOL.create("PATCH-DOC", self._pending)
            self._pending, self._classes = [], None
            # Bokeh walks the whole document again at each change of a reference in the
            # message: walk it once, after the message, if one changed. And it formats each
            # value it sets for a trace log line that is off: numpy prints only its ends.
            models, changed = self.client.models, []
            models.invalidate = lambda: changed.append(True)
            try:
                with np.printoptions(threshold=0, edgeitems=1):
                    message.apply_to_document(self.client)
            finally:
                del models.invalidate
            if changed:
                models.recompute()

    def models(self, css_class: str) -> list:
        """The client's models carrying this CSS class, in the client's document order."""
        if self._classes is None:  # the client changes only in sync, which forgets this
            self._classes = {}
            # ask the class for the property: a missing attribute makes Bokeh search for
            # close names with difflib, which costs more than the rest of a check
            for m in self.client.models:
                for name in (m.css_classes or []) if "css_classes" in m.properties() else []:
                    self._classes.setdefault(name, []).append(m)
        return list(self._classes.get(css_class, []))

    def one(self, css_class: str):
        """The one client model carrying this CSS class."""
        found = self.models(css_class)
        assert len(found) == 1, f"{len(found)} models of class {css_class!r} on the page"
        return found[0]

    def close(self) -> None:
        """End the page as a session's end does, so that it and the client's copy are freed
        (Panel's state kept every page served into a process, for each later full collection
        to walk): Panel's session-end hooks, then the models let go of the document
        (``Document.destroy`` without the full collection it runs every time)."""
        ended = SimpleNamespace(id=None, _document=self.page)  # what Panel's hooks read of it
        for callback in self.page.session_destroyed_callbacks:
            callback(ended)
        self.page.models.destroy()
        pn.state._connected.pop(self.page, None)
        pn.state._thread_id_.pop(self.page, None)
