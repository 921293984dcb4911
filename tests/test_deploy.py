"""A class behind nginx: ``deploy/run-nginx.sh PORT 2`` starts two playground servers and nginx
in front of them. Visitors arrive through nginx over the websocket protocol (tools/wsclient.py)
and in headless Chromium, train, and each stays on one server: every server logs the sessions it
creates, and no session appears in two logs (a page made by one server and its websocket sent
to the other would). Then SIGTERM to the script leaves no process behind.

nginx is Debian's package, installed with apt when missing and we are root (tools/nginx.py):
this test never skips.
"""
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tools.chromium import find_chromium, launch_options
from tools.net import free_port, wait_for_http
from tools.nginx import find_nginx
from tools.page import shadow_text
from tools.server import all_closed, descendants, running
from tools.threads import on_own_thread, run_on_own_thread
from tools.wsclient import Session

ROOT = Path(__file__).resolve().parent.parent
SERVERS = 2
OPENED = re.compile(r"session (\S+) opened")


@pytest.fixture
def class_behind_nginx(tmp_path):
    """run-nginx.sh on a free loopback port with this checkout's server (not an installed
    console script); yields (url, run directory, the script's process)."""
    nginx = find_nginx()
    port = free_port()
    run = tmp_path / "run"
    env = {**os.environ, "TINYNET_NGINX": str(nginx), "TINYNET_RUN_DIR": str(run),
           "TINYNET_SERVER_CMD": f"{sys.executable} -m app.cli",  # this checkout's code
           "TINYNET_ADDRESS": "127.0.0.1", "TINYNET_ORIGINS": "127.0.0.1"}
    out = open(tmp_path / "run-nginx.out", "w")
    script = subprocess.Popen(["deploy/run-nginx.sh", str(port), str(SERVERS)], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/", timeout=90, each=30)
        yield url, run, script
    finally:
        if script.poll() is None:  # the test failed before stopping it
            os.killpg(script.pid, signal.SIGKILL)
        out.close()


def opened(run: Path) -> dict[str, list[str]]:
    """Session ids each server logged as opened: server log name -> ids."""
    return {log.name: OPENED.findall(log.read_text()) for log in sorted(run.glob("server-*.log"))}


def servers_of(run: Path, sessions: list[Session]) -> list[set[str]]:
    """For each visitor, the servers that logged its session as opened."""
    logs = opened(run)
    return [{name for name, ids in logs.items() if s.session_id in ids} for s in sessions]


def visitors_train(url: str, run: Path, at_most: int = 12) -> list[Session]:
    """Visitors arrive (each its own browser, so its own sticky cookie) until both servers have
    one (at most ``at_most``), then every one trains for a few seconds; returns them with
    their counts."""

    async def scenario():
        sessions = []
        while len(sessions) < at_most:
            session = Session(url)
            await session.open()
            sessions.append(session)
            if len(set.union(*servers_of(run, sessions))) == SERVERS:
                break
        readers = [asyncio.create_task(s.read_forever()) for s in sessions]
        for s in sessions:
            await s.press_train()
        await asyncio.sleep(4)
        for s in sessions:
            await s.press_train(False)
        await asyncio.sleep(0.5)
        for s, reader in zip(sessions, readers):
            s.close()
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return sessions

    return run_on_own_thread(scenario)


def chromium_trains(url: str) -> tuple[int, list[str]]:
    """One visitor in headless Chromium, on a thread of its own (Playwright's sync API refuses
    a thread where an earlier browser test left an event loop running)."""
    return on_own_thread(lambda: _chromium_trains(url), timeout=120)


def _chromium_trains(url: str) -> tuple[int, list[str]]:
    """The page shows its loss, Train moves the epoch; the epoch reached and console errors."""
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
        browser = pw.chromium.launch(**launch_options(home, find_chromium()))
        page = browser.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.goto(url + "/")
        deadline = time.monotonic() + 30
        while "mean loss" not in (shadow_text(page, ".tn-loss")
                                  if page.locator(".tn-loss").count() else ""):
            assert time.monotonic() < deadline, "the page never showed its loss readout"
            page.wait_for_timeout(100)
        page.locator(".tn-train button").click()
        epoch, deadline = 0, time.monotonic() + 20
        while epoch < 50 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
            epoch = int(float(shadow_text(page, ".tn-epoch").split()[-1]))
        page.locator(".tn-train button").click()  # stop before the tab closes
        page.wait_for_timeout(300)
        browser.close()
    return epoch, errors


@pytest.mark.browser
def test_a_class_behind_nginx_stays_on_its_servers_and_stops_cleanly(class_behind_nginx):
    url, run, script = class_behind_nginx
    all_closed(run / "server-1.log")  # the start-up probe made a session: let it be dropped
    all_closed(run / "server-2.log")
    sessions = visitors_train(url, run)
    for s in sessions:
        assert s.readouts > 10, f"a session behind nginx got {s.readouts} updates in 4 s"
        assert "tinynet_server" in s.cookies
    epoch, errors = chromium_trains(url)
    assert epoch >= 50 and errors == [], (epoch, errors)

    # every session stayed on the server that made it, and the visitors used both servers
    logs = opened(run)
    places = servers_of(run, sessions)
    assert all(len(where) == 1 for where in places), (places, logs)
    assert len(set.union(*places)) == SERVERS, (places, logs)
    seen = [i for ids in logs.values() for i in set(ids)]
    assert len(seen) == len(set(seen)), f"a session was opened on two servers: {logs}"
    assert sum(map(len, logs.values())) >= len(sessions) + 1  # + Chromium's
    for log in run.glob("server-*.log"):
        text = log.read_text()
        assert "Traceback" not in text and " ERROR " not in text, (log.name, text)
    assert "[error]" not in (run / "error.log").read_text()

    # SIGTERM to the script ends nginx and every server
    tree = descendants(script.pid)
    assert sum("nginx" in cmd for cmd in tree.values()) >= 2  # the master and its workers
    assert sum("app.cli" in cmd for cmd in tree.values()) == SERVERS
    script.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while running([script.pid, *tree]) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [tree.get(pid, "run-nginx.sh") for pid in running([script.pid, *tree])]
    assert left == [], f"left running after SIGTERM: {left}"
    assert script.wait(1) == 0
