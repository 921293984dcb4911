""""Open the teacher's state": the teacher sends a playground link and each following learner's
page becomes what opening that link makes, in place (the learner stays in the class).

The teacher's side checks the link first (``check``): one that the playground would not open
whole gets a message and reaches nobody. The learner's side reads it again as any link is read
(app/urlstate.py), since what arrives through the store is never trusted.
"""
from urllib.parse import parse_qs, urlsplit

from .. import urlstate
from ..lessons import LESSONS
from ..settings import SETTINGS
from .store import LINK_CHARS

PAGE_KEYS = ("lesson", "show")


def query_of(link: str) -> dict:
    """The query values of a link: a whole address, ``?a=1&b=2`` or ``a=1&b=2``."""
    link = link.strip()
    text = urlsplit(link).query if "?" in link or "://" in link else link
    return parse_qs(text, keep_blank_values=True)


def check(link: str) -> tuple[str, str]:
    """(the link's query to send, '') if the playground opens all of ``link``; else ('', why)."""
    link = link.strip()
    if not link:
        return "", "Paste a playground link first (the address of a playground page)."
    if len(link) > LINK_CHARS:
        return "", f"This link is too long to send ({len(link)} characters, at most {LINK_CHARS})."
    query = query_of(link)
    unknown = sorted(set(query) - {*urlstate.keys(), *PAGE_KEYS})
    if not query or unknown:
        named = f" ({', '.join(unknown[:5])} is not a playground key)" if unknown else ""
        return "", f"This is not a playground link{named}; nothing was sent."
    _, notices = urlstate.parse_query(query)
    notices += urlstate.parse_lesson(query, len(LESSONS))[1]
    if notices:
        return "", "This link cannot be sent as it is: " + " ".join(notices)
    return urlsplit(link).query if "?" in link or "://" in link else link, ""


def open_on(app, query_text: str) -> list[str]:
    """Make ``app`` (a learner's PlaygroundApp) what opening the link ``?query_text`` makes:
    what the link does not set is as a new page has it. Returns notices (none for a link the
    teacher's side checked)."""
    from ..main import _open_page_keys

    query = query_of("?" + query_text)
    settings, notices = urlstate.parse_query(query)
    state = app.state
    state.training = False
    state.param.update({row.name: row.default for row in SETTINGS})  # as a new page starts
    state.param.trigger("reset")  # a new run at that width
    urlstate.apply(state, settings)
    if "lesson" not in query:
        app.lessons.number = 0
        if "show" not in query:
            app.show_only(None)
    return notices + _open_page_keys(app, query)
