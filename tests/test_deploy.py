"""A class behind nginx: ``deploy/run-nginx.sh PORT 2`` starts two playground servers and nginx
in front of them. Thirty visitors arrive through nginx over the websocket protocol
(tools/wsclient.py), and one in headless Chromium; nginx gives each new websocket to the server
holding fewer (``least_conn``), where the page is built, and every one trains. Then SIGTERM to
the script leaves no process behind. Before anything, the script checks its port: one already
held gets a plain message naming the holder, and the address is printed once nginx listens.

nginx is Debian's package, installed with apt when missing and we are root (tools/nginx.py):
this test never skips.
"""
import asyncio
import collections
import contextlib
import os
import signal
import socket
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
from tools.server import built_sessions, descendants, running
from tools.threads import on_own_thread, run_on_own_thread
from tools.wsclient import Session

ROOT = Path(__file__).resolve().parent.parent
SERVERS = 2
CLASS = 30
READY = "tinynet playground at "


def start_script(tmp_path: Path, port: int, servers: int, **env) -> tuple[subprocess.Popen, Path]:
    """run-nginx.sh on 127.0.0.1:``port`` with this checkout's server (not an installed console
    script) and ``env`` on top; returns the script's process and the file of its output."""
    env = {**os.environ, "TINYNET_NGINX": str(find_nginx()),
           "TINYNET_RUN_DIR": str(tmp_path / "run"),
           "TINYNET_SERVER_CMD": f"{sys.executable} -m app.cli",  # this checkout's code
           "TINYNET_ADDRESS": "127.0.0.1", "TINYNET_ORIGINS": "127.0.0.1", **env}
    output = tmp_path / "run-nginx.out"
    with open(output, "w") as out:
        script = subprocess.Popen(["deploy/run-nginx.sh", str(port), str(servers)], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    return script, output


@pytest.fixture
def class_behind_nginx(tmp_path):
    """run-nginx.sh with SERVERS servers on a free loopback port; yields (url, run directory,
    the script's process)."""
    port = free_port()
    script, _ = start_script(tmp_path, port, SERVERS)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/", timeout=90, each=30)
        yield url, tmp_path / "run", script
    finally:
        if script.poll() is None:  # the test failed before stopping it
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(5)


def builders(run: Path) -> dict[str, str]:
    """Which server's log says it built each session: session id -> server log name."""
    return {session: log.name for log in sorted(run.glob("server-*.log"))
            for _, session in built_sessions(log.read_text())}


def class_trains(url: str) -> list[Session]:
    """CLASS visitors arrive one after another, each keeping its page open, then all train for
    a few seconds; returns them with their counts."""

    async def scenario():
        sessions = []
        for _ in range(CLASS):
            sessions.append(Session(url))
            await sessions[-1].open()
        readers = [asyncio.create_task(s.read_forever()) for s in sessions]
        for s in sessions:
            await s.press_train()
        await asyncio.sleep(5)
        for s in sessions:
            await s.press_train(False)
        await asyncio.sleep(0.5)
        for s, reader in zip(sessions, readers):
            s.close()
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return sessions

    return run_on_own_thread(scenario, timeout=300)


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
def test_a_class_behind_nginx_is_spread_evenly_trains_and_stops_cleanly(class_behind_nginx):
    url, run, script = class_behind_nginx
    sessions = class_trains(url)
    for s in sessions:
        assert s.readouts > 3, f"a session behind nginx got {s.readouts} updates in 5 s"
        assert s.cookies == {}, s.cookies  # no stickiness
    built = builders(run)
    places = [built.get(s.session_id) for s in sessions]
    assert None not in places, (places, built)
    # each arrival went to the server holding fewer sessions: never more than one apart
    for k in range(1, CLASS + 1):
        counts = collections.Counter(places[:k])
        assert max(counts.values()) - min(counts.values(), default=0) <= 1 \
            and (k < SERVERS or len(counts) == SERVERS), (k, counts)
    assert max(collections.Counter(places).values()) <= 17, collections.Counter(places)
    epoch, errors = chromium_trains(url)
    assert epoch >= 50 and errors == [], (epoch, errors)

    logs = [log.read_text() for log in sorted(run.glob("server-*.log"))]
    built_ids = [session for text in logs for _, session in built_sessions(text)]
    assert len(built_ids) == len(set(built_ids)) == CLASS + 1, logs  # each once; + Chromium's
    for text in logs:
        assert "Traceback" not in text and " ERROR " not in text, text
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


def test_the_address_is_printed_once_nginx_listens(tmp_path):
    """nginx slow to start (a wrapper that waits 2 s): when the address line appears, nginx
    answers on it."""
    slow = tmp_path / "slow-nginx"
    slow.write_text(f"#!/bin/sh\nsleep 2\nexec {find_nginx()} \"$@\"\n")
    slow.chmod(0o755)
    port = free_port()
    script, output = start_script(tmp_path, port, 1, TINYNET_NGINX=str(slow))
    try:
        deadline = time.monotonic() + 90
        while READY not in output.read_text():
            assert script.poll() is None and time.monotonic() < deadline, output.read_text()
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass  # refused if nginx did not listen yet
        assert output.read_text().count(READY) == 1
    finally:
        os.killpg(script.pid, signal.SIGTERM)
        script.wait(15)


@contextlib.contextmanager
def held_by_nginx(tmp_path: Path, port: int):
    """Another nginx listening on 127.0.0.1:``port``, as Debian's default site holds port 80."""
    conf = tmp_path / "other-nginx.conf"
    conf.write_text(f"pid {tmp_path}/other.pid; error_log {tmp_path}/other-error.log;\n"
                    f"events {{}} http {{ server {{ listen 127.0.0.1:{port}; return 200; }} }}\n")
    other = subprocess.Popen([str(find_nginx()), "-p", str(tmp_path), "-c", str(conf),
                              "-e", str(tmp_path / "other-error.log"), "-g", "daemon off;"],
                             start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", timeout=20)
        yield other.pid, "nginx"
    finally:
        other.terminate()
        other.wait(10)


@contextlib.contextmanager
def held_by_this_process(tmp_path: Path, port: int):
    """This test process listening on 127.0.0.1:``port``."""
    with socket.create_server(("127.0.0.1", port)):
        yield os.getpid(), Path(f"/proc/{os.getpid()}/comm").read_text().strip()


@pytest.mark.parametrize("holder", [held_by_nginx, held_by_this_process])
def test_a_port_already_held_gets_a_plain_message_naming_its_holder(holder, tmp_path):
    port = free_port()
    with holder(tmp_path, port) as (pid, name):
        started = time.monotonic()
        script, output = start_script(tmp_path, port, 1)
        assert script.wait(30) != 0
        took = time.monotonic() - started
    said = output.read_text()
    assert said.startswith(f"port {port} is already in use on 127.0.0.1, by {name} (pid {pid}")
    assert READY not in said and "Traceback" not in said, said
    assert ("systemctl stop nginx" in said) == (name == "nginx"), said
    assert took < 10 and not list((tmp_path / "run").glob("server-*.log")), (took, said)
