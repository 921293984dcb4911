"""The page's address, kept up to date with the session in place.

A link to the page says what it shows (app/urlstate.py), so the address follows every change.
Panel's ``pn.state.location`` writes each change with ``history.pushState``: a slider drag of
40 steps left 40 Back-button entries, and Back then changed the address but not the page. It
also sent the new address back to the server and took ~6 ms of the page's time a step. Here
the address is replaced (``history.replaceState``): Back leaves the playground, as it does on
a page whose state is its address.
"""
import panel as pn

from .patches import release_jscallbacks

REPLACE_JS = ("history.replaceState(history.state, '', "
              "location.pathname + cb_obj.value + location.hash)")


class Address(pn.viewable.Viewer):
    """A hidden text input holding the page's query; the page replaces its address with it."""

    def __init__(self, **params):
        super().__init__(**params)
        self._query = pn.widgets.TextInput(visible=False, css_classes=["tn-address"])
        self._query.jscallback(value=REPLACE_JS)
        if pn.state.curdoc is not None:  # served: release the callback with the session
            pn.state.on_session_destroyed(lambda context: release_jscallbacks(self._query))
            pn.state.onload(self._announce)

    def _announce(self) -> None:
        """Put the query in the address once the page is there: the script above runs on a
        change only, and the page arrives with its first query (a link's bad value, or a
        lesson's weights, would otherwise stay out of the address until the next change)."""
        query = self._query.value
        self._query.value = ""
        self._query.value = query

    def write(self, query: str) -> None:
        """Show ``query`` ("?w1=...") as the page's address, in place."""
        self._query.value = query

    def __panel__(self):
        return self._query
