"""A server process's sessions: a log line for each one opened and closed, new sessions built
first come first served, a page's session kept until its websocket connects, and the cap.

Bokeh drops a session nobody is connected to after ``unused_session_lifetime_milliseconds``
(1 s here, so a closed tab stops costing CPU at once, ``app.cli``), and counts a page's session
from when it was built: when the page, its 3 MB of scripts and the websocket take longer than
that to arrive (a busy server, a class on a slow network), the session was dropped and is built
again from the page's token, without the page's local stylesheet links (the page then asks a
CDN for them). So a page's session is kept until its websocket connects (``FIRST_CONNECT_S``
at most).

Past the cap of open sessions in a process, a new arrival gets a small offline "busy, try
again in a moment" page (HTTP 503 with Retry-After; the page itself retries after that long)
instead of a session, so nothing already open slows down. Once a session ends (the server
notices a closed tab within about two seconds, ``app.cli.SESSION_CHECK_MS``), the next arrival
gets in. The cap is per process: with ``--num-procs N`` each worker counts its own.
"""
import asyncio
import logging

from tornado.ioloop import IOLoop

log = logging.getLogger("tinynet")

SETTING = "tinynet_max_sessions"  # the Tornado application setting that carries the cap
ON_CONNECT = "tinynet_build_on_connect"  # the setting: pages are built once connected
RETRY_AFTER_S = 10
FIRST_CONNECT_S = 10  # how long a page's session waits for its websocket at most
BUSY_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_AFTER_S}">
<title>tinynet playground: busy</title>
<style>body{{font:18px/1.5 system-ui,sans-serif;max-width:34em;margin:15vh auto;padding:0 1em;
color:#222}}h1{{font-size:1.4em}}</style></head>
<body><h1>The playground is busy</h1>
<p>Every seat on this server is taken. Try again in a moment: this page reloads itself in
{RETRY_AFTER_S} seconds.</p></body></html>
"""

# A class arriving at once sends its page requests together. Each builds a whole session (most
# of a second of CPU), and Tornado answered every queued page request before any websocket:
# thirty sessions became ready at the same moment, the first arrival waiting as long as the
# last. So a process builds one new session at a time and, before building the next, lets the
# last one's websocket connect (TURN_S at most: a slow browser does not hold up the class).
TURN_S = 1.0
_turns = asyncio.Lock()  # binds to the process's event loop when first waited on
_last_built = [None, 0.0]  # the session this process built last, and until when to wait for it


async def in_turn(build) -> None:
    """Run ``build()`` (a session's playground, built once its page connected) when no other
    session of this process is being built, then let its document go out before the next:
    first come, first served, as for page requests."""
    async with _turns:
        build()
        await asyncio.sleep(0.01)


async def _connected(session, deadline: float) -> None:
    """Wait until ``session`` has a websocket connection, until ``deadline`` (loop time) at
    most."""
    loop = IOLoop.current()
    while session is not None and session.connection_count == 0 and loop.time() < deadline:
        await asyncio.sleep(0.01)


_logging_sessions = False
_open: set[str] = set()  # the sessions this process logged opened


def log_sessions(on_connect: bool = False) -> None:
    """Log every session this process serves opening and closing (logger ``tinynet``), once
    per process. ``on_connect`` (``--num-procs``): a session is served where its websocket
    connected, which logs it there (``log_opened``); a process that only answered its page
    request logs nothing of it."""
    global _logging_sessions
    if _logging_sessions:
        return
    _logging_sessions = True
    import panel as pn

    if not on_connect:
        pn.state.on_session_created(lambda context: log_opened(context.id))
    pn.state.on_session_destroyed(_log_closed)


def log_opened(session_id: str) -> None:
    """Log that this process serves the session ``session_id``."""
    _open.add(session_id)
    log.info("session %s opened", session_id)


def _log_closed(context) -> None:
    if context.id in _open:
        _open.discard(context.id)
        log.info("session %s closed", context.id)


def session_cap_settings(max_sessions: int, build_on_connect: bool = False) -> dict:
    """Keyword arguments for ``pn.serve`` that cap open sessions at ``max_sessions`` (0: none)
    and keep a page's session until its websocket connects, or (``build_on_connect``, see
    ``app.main.create_app``) say that a page request only gets a "loading" page."""
    from .patches import wrap_page_handler

    wrap_page_handler(PageSessions)
    settings = {SETTING: int(max_sessions)} if max_sessions else {}
    if build_on_connect:
        settings[ON_CONNECT] = True
    return settings


class PageSessions:
    """Mixed into the page handler: past the cap, the busy page instead of a new session; new
    sessions built one at a time, each page's websocket let in before the next is built; a
    new session kept until its page's websocket connects.

    When pages are built once connected (``--num-procs``), a page request builds only a
    "loading" page, and its websocket may reach another process: neither the turn nor the
    keeping applies (a page request waited TURN_S for a websocket that went elsewhere, one
    arrival after another: 30 arriving at two processes waited up to 19 s)."""

    admitting = 0  # page requests of this process let in whose session is not built yet

    async def get(self, *args, **kwargs):
        cap = self.settings.get(SETTING, 0)
        open_now = len(list(self.application_context.sessions)) + PageSessions.admitting
        if cap and open_now >= cap:
            log.info("busy: %d sessions open (cap %d), a new arrival gets the busy page",
                     open_now, cap)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_AFTER_S))
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(BUSY_PAGE)
            return None
        if self.settings.get(ON_CONNECT):
            return await super().get(*args, **kwargs)
        PageSessions.admitting += 1
        try:
            async with _turns:  # first come, first served: see TURN_S
                await _connected(*_last_built)
                result = await super().get(*args, **kwargs)
                _last_built[:] = [getattr(self, "_tn_session", None),
                                  IOLoop.current().time() + TURN_S]
            return result  # and Tornado sends the page
        finally:
            PageSessions.admitting -= 1

    async def get_session(self):
        session = await super().get_session()
        self._tn_session = session
        if self.settings.get(ON_CONNECT):
            return session
        session.block_expiration()
        loop = IOLoop.current()
        deadline = loop.time() + FIRST_CONNECT_S

        def release():
            if session.connection_count > 0 or loop.time() > deadline:
                session.unblock_expiration()
            else:
                loop.call_later(0.25, release)

        loop.call_later(0.25, release)
        return session
