"""``tinynet-playground``: serve the playground (and open a browser unless --no-show).

SIGTERM or Ctrl-C stops it quietly, with every process it started: the init lottery's
background process (and its multiprocessing resource tracker), and with ``--num-procs`` the
forked workers, which the parent stops and waits for (a worker whose parent dies anyhow,
even by SIGKILL, gets SIGTERM from the kernel and stops too). A worker that dies while serving
is logged with how it ended and replaced in its seat; its learners reload and get their state
back from the page's link.
"""
import argparse
import logging
import os
import signal
import sys
import threading
import time
import webbrowser

SESSION_CHECK_MS = 1000  # how often the server looks for closed tabs, and how long it waits
STOCK_SESSION_LIFETIME_MS = 15000  # Bokeh's default: without app/patches.py's page handler
# a page's session is not kept until its websocket connects, and 1 s drops a slow page's


def _session_lifetime_ms() -> int:
    """How long a session nobody is connected to lives: 1 s (a closed tab stops costing CPU
    at once), or Bokeh's default 15 s when served stock (TINYNET_STOCK_PANEL=1)."""
    from .patches import STOCK

    return STOCK_SESSION_LIFETIME_MS if STOCK else SESSION_CHECK_MS


MAX_MESSAGE_BYTES = 1 << 20  # a browser message (an upload among them) over 1 MiB is refused
# Open sessions per server process before a new arrival gets the "busy" page. A class of 30
# fits in one process; past ~20 training sessions a process gives each fewer than 15 updates/s
# on this 2-core machine (README, Reliability), so a class runs one process per core.
MAX_SESSIONS = 30
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_WAIT_S = 4.0  # how long the parent of --num-procs waits for its workers to stop


def serve(port=5006, address="127.0.0.1", show=True, threaded=False, origins=(),
          max_sessions=0, worker=None, build_on_connect=False, **kwargs):
    """Serve the playground at http://address:port/. Returns the server (a thread if threaded).

    Only pages loaded from ``address:port``, ``localhost:port`` or one of ``origins`` (the
    host names a public deployment is reached by) may open the websocket. Past
    ``max_sessions`` open sessions (0: no cap) a new arrival gets a small "busy" page (503).
    Static files and pages are sent gzip-compressed to browsers that accept it.

    ``worker``: one of several processes serving the port (``--num-procs``), its
    ``app.balance.Seat`` (the sockets its parent bound, and the table of the workers' loads).
    Each page is built in the process its websocket reached.

    ``build_on_connect``: so too for one of several servers behind a balancer that sends a
    page's request and its websocket wherever it likes (deploy/nginx.conf's ``least_conn``):
    the page request gets a "loading" page, and the server the websocket reached builds it.
    """
    import panel as pn
    from bokeh.settings import settings

    from . import classroom
    from .capacity import log_sessions, session_cap_settings
    from .main import create_app

    # Bokeh checks every new session's document for mistakes in how it is put together
    # (~16 ms of ~250 per session, measured); a test checks the whole page once instead
    # (tests/test_lazy.py::test_the_whole_page_passes_bokehs_checks)
    settings.perform_document_validation.set_value(False)

    allowed = [f"localhost:{port}", *origins]
    if address not in ("0.0.0.0", "::"):
        allowed.append(f"{address}:{port}")
    on_connect = build_on_connect or worker is not None  # built where the websocket went
    log_sessions(on_connect)
    if worker is not None:
        from .patches import serve_on_shared_sockets

        serve_on_shared_sockets(worker.sockets)

    def page():
        return create_app(build_on_connect=on_connect)

    routes = {"/": page}
    if classroom.current() is not None:  # --class: the teacher's page, behind its key
        from .classroom.teacher import authorize, teacher_page

        pn.config.authorize_callback = authorize(classroom.current())
        routes["/teacher"] = teacher_page
    server = pn.serve(
        routes, port=port, address=address, show=show, threaded=threaded,
        title="tinynet playground", websocket_origin=allowed,
        verbose=False,  # Panel's "Launching server at": main() says where, once for all workers
        location=False,  # the page's address is app/address.py's; Panel's would be a 2nd model
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        check_unused_sessions_milliseconds=SESSION_CHECK_MS,
        unused_session_lifetime_milliseconds=_session_lifetime_ms(),
        compress_response=True,  # a Tornado setting: gzip for text, JS, CSS and JSON
        **session_cap_settings(max_sessions, on_connect), **kwargs,
    )
    if worker is not None:
        _take_turns(server, worker)
    return server


def _take_turns(server, seat) -> None:
    """A worker of --num-procs: accept from the shared sockets while it is the least loaded
    (app/balance.py), from when its loop runs."""
    from .balance import Gate
    from .patches import connection_handler

    gate = Gate(seat, connection_handler(server))
    server.io_loop.add_callback(gate.start, server.io_loop)


def quiet_closed_tabs(loop, context: dict) -> None:
    """The event loop's handler of errors no one awaited: a websocket write to a tab that has
    closed is dropped, anything else is logged as asyncio logs it (once, with its traceback).

    Panel writes a message's frames as tasks (panel.io.document ``dispatch_tornado``): when
    the tab closes between two frames, the first frame's task and the task writing the message
    both end in ``WebSocketClosedError`` and neither is awaited, so asyncio logged "Task
    exception was never retrieved" with two tracebacks. Bokeh treats the same error on its own
    sends as expected (the connection's close ends the session), and so does this."""
    from tornado.websocket import WebSocketClosedError

    if not isinstance(context.get("exception"), WebSocketClosedError):
        loop.default_exception_handler(context)


CLOSED_TAB = "Failed sending message as connection was closed"  # Bokeh's words, and Panel's


def quiet_closed_tab_warnings() -> None:
    """Keep Bokeh's and Panel's WARNING that a message met a closed connection out of the log:
    a tab closed while the server sends (a training tab closed) is ordinary use, and the
    connection's close ends its session. Their other warnings and errors still log."""
    for name in ("bokeh.server.views.ws", "panel.io.document"):  # where each is logged
        logging.getLogger(name).addFilter(lambda record: record.getMessage() != CLOSED_TAB)


def run(server) -> None:
    """Serve until SIGTERM or Ctrl-C, then stop the server and the lottery's background
    process (a draw in progress is abandoned)."""
    from .lottery import stop_background

    loop = server.io_loop
    loop.asyncio_loop.set_exception_handler(quiet_closed_tabs)

    def stop(signum, frame):
        loop.asyncio_loop.call_soon_threadsafe(loop.stop)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    server.start()
    try:
        loop.start()
    finally:
        stop_background()
        server.stop()


# -- --num-procs: the parent and its forked workers ---------------------------------------------
log = logging.getLogger("tinynet")
RESTART_GAP_S = 1.0  # a seat whose worker dies gets a new one at most this often (no fork storm)
_workers: dict[int, tuple[int, float]] = {}  # the parent's workers: pid -> (seat, when forked)


def _fork_worker(seat: int) -> int:
    """Fork a worker for ``seat`` (its row in app/balance.py's table); returns fork's value
    (0 in the worker), the parent keeping the worker's pid."""
    pid = os.fork()
    if pid == 0:
        _workers.clear()  # a worker stops only itself before it serves (``_stop_parent``)
    else:
        _workers[pid] = (seat, time.monotonic())
    return pid


def _stop_parent(signum, frame):
    """SIGTERM or Ctrl-C before serving, or in the parent of --num-procs: stop the forked
    workers (SIGTERM; Ctrl-C reached them already), wait for them, then exit quietly."""
    workers = list(_workers)
    for pid in workers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_WAIT_S
    while workers and time.monotonic() < deadline:
        for pid in list(workers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                workers.remove(pid)
        time.sleep(0.05)
    for pid in workers:  # still there: end them the hard way
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    raise SystemExit(0)


def _follow_parent(parent: int) -> None:
    """In a forked worker: get SIGTERM when the parent dies (Linux), else poll for it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent died while we were forked
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet-playground", description=__doc__)
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--no-show", action="store_true", help="do not open a browser")
    parser.add_argument("--allow-websocket-origin", action="append", default=[],
                        metavar="HOST[:PORT]",
                        help="a public host name the page is reached through (repeatable)")
    parser.add_argument("--num-procs", type=int, default=1, metavar="N",
                        help="server processes sharing the port, e.g. one per core for a "
                             "class (default 1; 0 = one per core)")
    parser.add_argument("--max-sessions", type=int, default=MAX_SESSIONS, metavar="N",
                        help="open sessions per process before a new arrival gets a 'busy, "
                             f"try again in a moment' page (default {MAX_SESSIONS}; 0 = no cap)")
    parser.add_argument("--class", dest="klass", action="store_true",
                        help="class mode: learners' pages report to a teacher's page, whose "
                             "address (with its secret key) is printed at start")
    parser.add_argument("--class-store", metavar="redis://HOST:PORT/DB",
                        help="with --class: keep the class in this Redis (servers on several "
                             "machines); default: a private file the processes here share")
    parser.add_argument("--class-url", metavar="URL",
                        help="with --class: the address learners type, when it is not this "
                             "server's own (behind nginx: http://class.example.org/)")
    parser.add_argument("--build-on-connect", action="store_true",
                        help="build each page in the server its websocket reaches: for servers "
                             "behind a balancer without sticky sessions (deploy/nginx.conf)")
    args = parser.parse_args(argv)
    if args.num_procs < 0:
        parser.error("--num-procs must be 0 (one per core) or more")
    if args.max_sessions < 0:
        parser.error("--max-sessions must be 0 (no cap) or more")
    url = f"http://{args.address}:{args.port}/"
    logging.basicConfig(format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    logging.getLogger("tinynet").setLevel(logging.INFO)  # a line per session; others: warnings
    quiet_closed_tab_warnings()
    print(f"tinynet playground at {url}", flush=True)
    if args.klass:
        _start_class(args)
    elif args.class_store or args.class_url:
        parser.error("--class-store and --class-url need --class")
    from .patches import STOCK, UNCHECKED
    if UNCHECKED:  # before forking: one line, whatever --num-procs
        logging.getLogger("tinynet").warning(
            "%s: serving Panel and Bokeh as shipped (as with TINYNET_STOCK_PANEL=1), without "
            "app/patches.py", UNCHECKED)
    elif STOCK:
        print("TINYNET_STOCK_PANEL=1: Panel and Bokeh as shipped, without app/patches.py",
              flush=True)
    show = not args.no_show
    workers = 1 if args.num_procs == 1 else (args.num_procs or os.cpu_count() or 1)
    if workers > 1:
        if show:  # each worker would open its own tab; the parent opens one instead
            threading.Timer(2.0, webbrowser.open, [url]).start()
            show = False
        parent = os.getpid()
        os.register_at_fork(after_in_child=lambda: _follow_parent(parent))
    for sig in STOP_SIGNALS:  # until serving starts, and in the parent of --num-procs
        signal.signal(sig, _stop_parent)
    options = dict(port=args.port, address=args.address, start=False,
                   origins=args.allow_websocket_origin, max_sessions=args.max_sessions,
                   build_on_connect=args.build_on_connect)
    if workers == 1:
        run(serve(show=show, **options))
        return 0
    # --num-procs: forked workers taking turns at one socket (app/balance.py); the parent waits
    from .balance import Seat, Table
    from .patches import bind_shared_sockets

    sockets, table = bind_shared_sockets(args.port, args.address), Table(workers)
    _workers.clear()
    for seat in range(workers):
        if _fork_worker(seat) == 0:
            break
    else:
        seat = _wait_for_workers()
        if seat is None:  # the parent, all its workers gone
            return 0
    run(serve(show=False, worker=Seat(table, seat, sockets), **options))
    return 0


def _start_class(args) -> None:
    """--class: open the class store (before --num-procs forks: the workers share it), make
    the teacher's key (or take the one another server of the class made: they share the
    store), and print the teacher's address (on the learners' address, ``--class-url``)."""
    import atexit
    import secrets

    from . import classroom
    from .classroom.store import open_store

    learners = args.class_url or f"http://{learners_host(args.address)}:{args.port}/"
    learners = learners.rstrip("/") + "/"
    store = open_store(args.class_store)
    mode = classroom.start(store, store.agree_key(secrets.token_urlsafe(24)), learners)
    atexit.register(classroom.stop)  # the class ends with the server (its file removed)
    print(f"teacher: {learners}teacher?key={mode.key}", flush=True)


def learners_host(address: str) -> str:
    """The address learners type: ``address``, or for 0.0.0.0 / :: this machine's address on
    the network its default route leaves by (no packet is sent)."""
    import socket

    if address not in ("0.0.0.0", "::", ""):
        return address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


def _wait_for_workers() -> int | None:
    """The parent of --num-procs: wait while its workers run, and when one dies, log how and
    fork another in its seat (it publishes its own load there once it serves; until then the
    dead worker's row is stale, which the others do not wait for). Returns the seat in the
    worker so forked; in the parent only once no worker is left. SIGTERM or Ctrl-C here
    stops them all (``_stop_parent``)."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:  # none left
            return None
        if pid not in _workers:  # not a worker (a browser the parent opened)
            continue
        seat, forked = _workers.pop(pid)
        time.sleep(max(0.0, forked + RESTART_GAP_S - time.monotonic()))
        new = _fork_worker(seat)
        if new == 0:
            return seat
        log.warning("worker %d (pid %d) %s; pid %d takes its place", seat, pid,
                    _how_it_ended(status), new)


def _how_it_ended(status: int) -> str:
    """A wait status in words: "was killed by SIGKILL", "exited with status 1"."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


if __name__ == "__main__":
    sys.exit(main())
