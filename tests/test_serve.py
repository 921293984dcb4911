"""Scaling out on one machine: ``tinynet-playground --num-procs 2`` (and Panel's own
``panel serve --num-procs 2``) fork two worker processes that share the port, and sessions
on them render and train. Runs the load benchmark's check (``benchmarks/load.py
--num-procs-check``, a subprocess: tests never import the benchmarks), whose client
(tools/wsclient.py) speaks Bokeh's websocket protocol as a browser does."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bokeh.util.token import get_session_id

from app import cli
from tools.threads import run_on_own_thread

ROOT = Path(__file__).resolve().parent.parent


def test_two_server_processes_serve_and_train(tmp_path):
    out = tmp_path / "check.json"
    run = subprocess.run([sys.executable, "benchmarks/load.py", "--num-procs-check", "--json",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    for name in ("tinynet-playground", "panel serve"):
        r = results[name]
        assert r["workers"] == 2, (name, r)
        assert r["updates_per_s_min"] > 5 and r["epochs_per_s_mean"] > 100, (name, r)


def test_with_two_processes_each_page_is_built_once_where_its_websocket_went(tmp_path):
    """A page's websocket may reach the other process than its page request. The page
    request gets a "loading" page and the playground is built where the websocket connected,
    once per page (before, that process built the whole session a second time: 7 of 10).
    The workers take connections in turn, the one holding fewer websockets first
    (app/balance.py): ten visitors one after another are five in each (the kernel's split by
    address gave 13/17 and 12/18 for thirty)."""
    import asyncio
    import collections

    from tools.server import built_sessions, cli_server
    from tools.wsclient import Session

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(2, log=out) as server:
        async def visit():
            sessions = []
            for _ in range(10):
                session = Session(server.url)
                await session.open()  # the Train toggle, readouts and beacon arrived
                await session.press_train()
                sessions.append(session)
            await asyncio.sleep(1.0)
            for session in sessions:
                session.close()
            return sessions

        sessions = run_on_own_thread(visit)
    text = log.read_text()
    built = built_sessions(text)
    assert sorted(sid for _, sid in built) == sorted(s.session_id for s in sessions), text
    assert sorted(collections.Counter(pid for pid, _ in built).values()) == [5, 5], text
    # each page's session is logged opened once, by the process that built and served it
    opened = [(int(pid), sid) for pid, sid in re.findall(r" (\d+) tinynet INFO session (\S+) "
                                                        r"opened", text)]
    assert sorted(opened) == sorted(built), text
    assert "Traceback" not in text


def test_num_procs_forks_workers_that_each_serve_and_one_tab_opens(monkeypatch):
    """--num-procs 2: the parent binds the port and forks two workers, each serving it as a
    worker of its own index (``worker``: its ``app.balance.Seat``) and stopping with the parent;
    the parent waits and opens one tab."""
    from app import patches

    called, timers, forks, forked = [], [], [], []
    monkeypatch.setattr(patches, "bind_shared_sockets", lambda port, address: ["socket"])
    monkeypatch.setattr(cli, "serve", lambda **kw: called.append(kw))
    monkeypatch.setattr(cli, "run", lambda server: None)
    monkeypatch.setattr(cli, "_wait_for_workers", lambda: called.append("waited"))
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)  # not this test process's
    def register_at_fork(**hooks):  # cli.os is the os module: an import may register too
        code = getattr(hooks.get("after_in_child"), "__code__", None)
        forks.append(code is not None and "_follow_parent" in code.co_names)

    monkeypatch.setattr(cli.os, "register_at_fork", register_at_fork)
    # as the parent: every fork returns a child's pid
    monkeypatch.setattr(cli.os, "fork", lambda: forked.append(1) or 1000 + len(forked))

    class Timer:  # stands in for threading.Timer: records what would open the browser
        def __init__(self, delay, fn, args):
            timers.append((fn, args))

        def start(self):
            pass

    monkeypatch.setattr(cli.threading, "Timer", Timer)
    cli.main(["--num-procs", "2", "--port", "8124"])
    assert len(forked) == 2 and called == ["waited"]  # the parent serves nothing itself
    assert timers == [(cli.webbrowser.open, ["http://127.0.0.1:8124/"])]
    assert sum(forks) == 1  # the forked workers will stop with the parent
    # as a worker: the first fork returns 0, and that process serves as a worker
    forked.clear()
    monkeypatch.setattr(cli.os, "fork", lambda: (forked.append(1), 0)[1])
    cli.main(["--num-procs", "2", "--port", "8124", "--no-show"])
    table, index, sockets = called[-1]["worker"]
    assert len(forked) == 1 and index == 0 and sockets == ["socket"] and table.workers == 2
    assert called[-1]["show"] is False
    called.clear()
    cli.main(["--no-show"])
    assert len(called) == 1 and "worker" not in called[0]  # one process: no fork, no worker
    called = called[0]
    assert called["max_sessions"] == cli.MAX_SESSIONS and sum(forks) == 2  # not a third


def holders(target) -> str:
    """The chain of objects from the loaded modules or a running frame to ``target`` (a
    breadth-first search over ``gc.get_referents``), for a failure message."""
    import collections
    import gc
    import types

    me = sys._getframe()
    roots = [sys.modules, *(f for f in sys._current_frames().values()
                            if f is not me and f is not me.f_back)]  # not the asker's frame
    parent = {id(r): None for r in roots}
    queue = collections.deque(roots)
    while queue:
        obj = queue.popleft()
        if obj is target:
            chain = []
            while obj is not None:
                chain.append(obj)
                obj = parent[id(obj)]
            return " <- ".join(
                f"{type(o).__name__}({o.f_code.co_name})" if isinstance(o, types.FrameType)
                else type(o).__name__ for o in chain)
        for child in gc.get_referents(obj):
            if id(child) not in parent and gc.is_tracked(child):
                parent[id(child)] = obj
                queue.append(child)
    return "no chain from modules or frames"


def test_closed_tabs_leave_the_shared_count_without_errors(caplog):
    """Sessions that train and then close: their loops leave the count the Train loops share
    the process by (else every other session ticks slower), and nothing fails on the way."""
    import asyncio
    import gc
    import logging
    import time
    import weakref

    from app import loop, patches
    from tools.server import in_process
    from tools.wsclient import Session

    with in_process() as url:
        before = set(loop._training)

        async def train_then_close():
            sessions = [Session(url, "?speed=200") for _ in range(3)]
            for s in sessions:
                await s.open()
            readers = [asyncio.create_task(s.read_forever()) for s in sessions]
            for s in sessions:
                await s.press_train()
            await asyncio.sleep(1.5)
            training = set(loop._training) - before  # strong references: GC cannot hide them
            for s in sessions:
                s.close()
            for r in readers:
                r.cancel()
            return training, [s.readouts for s in sessions]

        with caplog.at_level(logging.WARNING):
            training, updates = run_on_own_thread(train_then_close)
            assert len(training) == 3 and min(updates) > 5
            deadline = time.monotonic() + 8
            while training & set(loop._training) and time.monotonic() < deadline:
                time.sleep(0.2)
        assert not training & set(loop._training), "closed sessions still counted as training"
        assert not any(loop_._callback.running for loop_ in training)
        failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
        assert failures == []
        # and their pages are freed: unfrozen when they ended, then collected (and what is
        # left frozen again) by one reclaim after the last (app.patches._freeze_when_loaded),
        # so nothing but this test holds their state any more. The test collects nothing
        # itself: the server's own reclaim has to free them.
        states = [weakref.ref(loop_.state) for loop_ in training]
        del training
        deadline = time.monotonic() + patches.RECLAIM_QUIET_S + 12
        while (patches._reclaim["first"] is not None or gc.get_freeze_count() == 0
               or any(ref() is not None for ref in states)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert patches._reclaim["first"] is None and gc.get_freeze_count() > 0, "no reclaim"
        left = [ref() for ref in states if ref() is not None]
        assert not left, f"a closed session's state is still reachable: {holders(left[0])}"
        del left


# -- stopping: every process the server started ends with it --------------------------------------
def stop_while_the_lottery_draws(server, stop, seconds: float = 5.0):
    """Open a session, start the init lottery in it (its Run button, over the websocket), wait
    until the background process and its resource tracker run, call ``stop()``, and wait up
    to ``seconds`` for the server and every process below it to end. Returns the process tree
    seen before ``stop()`` (pid -> command line) and the command lines of those left."""
    import asyncio
    import time

    from tools.server import descendants, running
    from tools.wsclient import Session

    async def scenario():
        session = Session(server.url)
        await session.open()
        await session.open_part("lottery", "tn-lottery-run")
        await session.click("tn-lottery-run")
        deadline, commands = time.monotonic() + 60, ""
        while "multiprocessing.spawn" not in commands or "resource_tracker" not in commands:
            assert time.monotonic() < deadline, f"no lottery process started: {commands}"
            await asyncio.sleep(0.2)
            tree = descendants(server.proc.pid)
            commands = " | ".join(tree.values())
        stop()
        deadline = time.monotonic() + seconds
        while running([server.proc.pid, *tree]) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        session.close()
        return tree, [tree.get(pid, "the server") for pid in running([server.proc.pid, *tree])]

    return run_on_own_thread(scenario)


@pytest.mark.parametrize("procs", [1, 2])
def test_sigterm_ends_the_server_its_workers_and_the_lottery_process(procs, tmp_path):
    import os
    import signal

    from tools.server import cli_server

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(procs, log=out) as server:
        # the parent only, as systemd or kill would
        tree, left = stop_while_the_lottery_draws(
            server, lambda: os.kill(server.proc.pid, signal.SIGTERM))
        assert left == [], f"still running 5 s after SIGTERM: {left}"
        assert server.proc.wait(1) == 0
    workers = [pid for pid, cmd in tree.items() if "app.cli" in cmd]
    assert len(workers) == (procs if procs > 1 else 0), tree
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.mark.parametrize("procs", [1, 2])
def test_ctrl_c_stops_everything_quietly(procs, tmp_path):
    import os
    import signal

    from tools.server import cli_server

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(procs, log=out) as server:
        # a terminal's Ctrl-C: SIGINT to the whole process group
        tree, left = stop_while_the_lottery_draws(
            server, lambda: os.killpg(server.proc.pid, signal.SIGINT))
        assert left == [], f"still running 5 s after Ctrl-C: {left}"
        assert server.proc.wait(1) == 0
    text = log.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text


def test_a_worker_that_dies_is_logged_and_replaced_in_its_seat(tmp_path):
    """--num-procs 2: SIGKILL to the worker serving a learner. The parent logs how it ended
    (one line, no traceback) and forks another in its seat: two workers again, and new
    arrivals train, the new worker taking its share (it publishes its load in the dead one's
    row of app/balance.py's table). SIGTERM to the parent then still ends everything."""
    import asyncio
    import os
    import re
    import signal
    import time

    from tools.server import built_sessions, cli_server, descendants, running
    from tools.wsclient import Session

    def workers(server) -> set[int]:
        return {pid for pid, cmd in descendants(server.proc.pid).items() if "app.cli" in cmd}

    def wait_for(condition, what: str, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while not (found := condition()):
            assert time.monotonic() < deadline, f"{what}: {log.read_text()}"
            time.sleep(0.2)
        return found

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(2, log=out) as server:
        before = wait_for(lambda: len(workers(server)) == 2 and workers(server), "two workers")

        async def first():
            session = Session(server.url)
            await session.open()
            return session

        session = run_on_own_thread(first)
        victim = dict((sid, pid) for pid, sid in built_sessions(log.read_text()))[
            session.session_id]
        os.kill(victim, signal.SIGKILL)
        line = wait_for(lambda: re.search(rf"WARNING worker \d \(pid {victim}\) was killed by "
                                          r"SIGKILL; pid (\d+) takes its place",
                                          log.read_text()), "no log line for the dead worker")
        replacement = int(line.group(1))
        now = wait_for(lambda: len(workers(server)) == 2 and workers(server), "two workers")
        assert now == before - {victim} | {replacement}, (before, now, victim, replacement)

        async def arrivals():
            sessions = []
            for _ in range(4):
                sessions.append(Session(server.url))
                await sessions[-1].open()
            readers = [asyncio.create_task(s.read_forever()) for s in sessions]
            for s in sessions:
                await s.press_train()
            await asyncio.sleep(3)
            for s, reader in zip(sessions, readers):
                s.close()
                reader.cancel()
            return sessions

        sessions = run_on_own_thread(arrivals)
        assert all(s.readouts > 5 for s in sessions), [s.readouts for s in sessions]
        built = dict((sid, pid) for pid, sid in built_sessions(log.read_text()))
        assert sum(built[s.session_id] == replacement for s in sessions) == 2, built

        tree = descendants(server.proc.pid)
        os.kill(server.proc.pid, signal.SIGTERM)
        wait_for(lambda: not running([server.proc.pid, *tree]), "left after SIGTERM", 10)
        assert server.proc.wait(1) == 0
    text = log.read_text()
    assert "Traceback" not in text and text.count("WARNING") == 1, text


# -- the session cap ----------------------------------------------------------------------------
def page(url: str):
    """GET a page: (status, headers, body), for error statuses too."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_past_the_session_cap_a_new_arrival_gets_the_busy_page_until_one_ends(tmp_path):
    import asyncio
    import time

    from app.capacity import RETRY_AFTER_S
    from tools.server import all_closed, cli_server
    from tools.wsclient import Session

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(1, "--max-sessions", "2", log=out) as server:
        all_closed(log)  # the start-up probe's page made a session: the server drops it unused

        async def scenario():
            first, second = Session(server.url), Session(server.url)
            await first.open()
            await second.open()
            status, headers, body = page(server.url + "/")
            busy = (status, headers.get("Retry-After"), headers.get("Content-Type"), body)
            first.close()
            closed = time.monotonic()
            while time.monotonic() < closed + 15:  # the server notices within about 2 s
                await asyncio.sleep(0.5)
                status, _, after = page(server.url + "/")
                if status == 200:
                    break
            second.close()
            return busy, (status, after, time.monotonic() - closed)

        busy, (status, after, waited) = run_on_own_thread(scenario)
    code, retry, kind, body = busy
    assert code == 503 and retry == str(RETRY_AFTER_S) and kind.startswith("text/html")
    assert "busy" in body and "Try again in a moment" in body and len(body) < 2000
    assert "http" not in body.replace('http-equiv', '')  # offline: nothing to fetch
    assert status == 200 and '"token":' in after, "the next arrival did not get in"
    assert waited < 10  # noticed in about 2 s, then a page built (seconds on a busy machine)
    assert "busy: 2 sessions open (cap 2)" in log.read_text()


def test_a_page_whose_websocket_comes_late_keeps_its_session(tmp_path):
    """A page's session outlives the 1 s Bokeh gives unused sessions until its websocket comes
    (app/capacity.py): it is not built twice, and its stylesheets stay local (a rebuilt
    session would send links to a CDN, unreachable offline), and the page's own CSS comes as
    one file linked from every part (not a copy inlined in each: 95 copies were 480 kB of the
    603 kB document). A page whose websocket never comes is dropped after FIRST_CONNECT_S."""
    import re
    import time

    from app.capacity import FIRST_CONNECT_S
    from tools.server import cli_server
    from tools.wsclient import Session

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(1, log=out) as server:
        _, _, html = page(server.url + "/")  # a page alone: a link preview, a closed tab
        abandoned = Session(server.url)
        abandoned.session_id = get_session_id(re.search(r'"token":"([^"]+)"', html).group(1))

        async def late():
            session = Session(server.url)
            await session.open(delay=3.0)  # three of Bokeh's session checks pass meanwhile
            session.close()
            return session

        session = run_on_own_thread(late)
        css_url = "components/app.main/PlaygroundApp/_stylesheets/style.css"
        _, _, css = page(f"{server.url}/{css_url}")
        deadline = time.monotonic() + FIRST_CONNECT_S + 5
        while f"session {abandoned.session_id} closed" not in log.read_text():
            assert time.monotonic() < deadline, "a page without websocket is kept for ever"
            time.sleep(0.5)
    assert log.read_text().count(f"session {session.session_id} opened") == 1, log.read_text()
    assert "cdn.holoviz.org" not in session.first_doc
    assert "static/extensions/panel" in session.first_doc
    rule = ".tn-header h1 {"
    assert rule in css and rule not in session.first_doc
    assert session.first_doc.count(css_url) == 1  # one model, referenced by every part
    assert "Traceback" not in log.read_text()


def test_a_class_arriving_at_once_is_served_first_come_first_served(tmp_path):
    """Five pages asked for at the same moment: a process builds one session at a time and
    lets its websocket in before building the next (app/capacity.py), so the first arrival
    holds its document before the last one even has its page. (Building every page first,
    as Bokeh does, gave every arrival its document at the same moment, after the last page.)"""
    import asyncio

    from tools.server import all_closed, cli_server
    from tools.wsclient import Session

    log = tmp_path / "server.log"
    with open(log, "w") as out, cli_server(1, log=out) as server:
        all_closed(log)

        async def arrive():
            sessions = [Session(server.url) for _ in range(5)]
            await asyncio.gather(*(s.open() for s in sessions))
            for s in sessions:
                s.close()
            return sessions

        sessions = run_on_own_thread(arrive)
    pages = sorted(s.page_at for s in sessions)
    docs = sorted(s.doc_at for s in sessions)
    assert docs[0] < pages[-1], (pages, docs)
    assert "Traceback" not in log.read_text()


def test_a_write_to_a_closed_tab_is_not_logged_and_a_real_error_is_once(caplog):
    """The server's event loop (cli.run) drops a websocket write that met a closed tab and
    no one awaited; any other error no one awaited is logged, once, with its traceback."""
    import asyncio
    import gc
    import threading

    from tornado.websocket import WebSocketClosedError

    async def fail(error):
        raise error

    async def leave_unawaited():
        for error in (WebSocketClosedError(), RuntimeError("a real one")):
            asyncio.ensure_future(fail(error))
        await asyncio.sleep(0.01)

    def serve():  # on a thread of its own: the browser tests leave a loop running on this one
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(cli.quiet_closed_tabs)
        try:
            loop.run_until_complete(leave_unawaited())
            gc.collect()
        finally:
            loop.close()

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join(10)
    records = [r for r in caplog.records if r.name == "asyncio"]
    assert len(records) == 1, records
    assert records[0].getMessage().startswith("Task exception was never retrieved")
    assert isinstance(records[0].exc_info[1], RuntimeError)  # logged with its traceback


def test_the_closed_tab_warning_is_dropped_and_other_warnings_kept():
    import logging

    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    cli.quiet_closed_tab_warnings()
    for name in ("bokeh.server.views.ws", "panel.io.document"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        try:
            logger.warning(cli.CLOSED_TAB)
            logger.warning("something else")
        finally:
            logger.removeHandler(handler)
    assert seen == ["something else", "something else"]
