"""The server's log in ordinary use holds the playground's own INFO lines and nothing else: no
traceback, no warning, no other library's line. Driven in Chromium against
``tinynet-playground --num-procs 2``: tabs opened and closed, tabs closed mid-training, the
parts built when scrolled to, a download of each kind, the init lottery drawn."""
import re

import pytest

from tools.page import reach
from tools.server import all_closed, cli_server

pytestmark = pytest.mark.browser

# app/cli.py's start-up line, and its log format for the playground's INFO lines
STARTED = re.compile(r"tinynet playground at http://127\.0\.0\.1:\d+/")
INFO = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ tinynet INFO \S")
RECLAIMED_S = 8  # a closed session's garbage is collected 6 s after (app/patches.py)


def open_tab(context, url):
    page = context.new_page()
    page.goto(url)
    page.locator(".tn-train button").wait_for(timeout=30_000)
    return page


def test_ordinary_use_logs_only_the_playgrounds_info_lines(browser, tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, cli_server(2, log=log) as server:
        context = browser.new_context(accept_downloads=True)
        for _ in range(4):  # Train, then the tab closed while messages are on their way
            page = open_tab(context, server.url + "/")
            page.locator(".tn-train button").click()
            page.wait_for_timeout(800)
            page.close()
        page = open_tab(context, server.url + "/")
        reach(page, "tables", "graph", "diagram", "landscape", "race", "lottery")
        page.locator(".tn-export-card .card-header").first.click()
        for kind in ("weights", "loss", "snippet", "snapshot", "png"):
            with page.expect_download(timeout=60_000):
                page.locator(f".tn-export-{kind} a, .tn-export-{kind} button").first.click()
        page.locator(".tn-lottery-run button").click()
        page.wait_for_timeout(1500)
        page.close()  # mid-draw
        open_tab(context, server.url + "/?h=2").close()  # a link, closed at once
        context.close()
        all_closed(log_path, timeout=30)
        page = open_tab(browser.new_context(), server.url + "/")  # the server still serves
        page.wait_for_timeout(RECLAIMED_S * 1000)
        page.context.close()
    lines = log_path.read_text().splitlines()
    assert STARTED.fullmatch(lines[0]), lines[:3]
    others = [line for line in lines[1:] if not INFO.match(line)]
    assert not others, "the server logged more than its INFO lines:\n" + "\n".join(others)
    assert sum(" built" in line for line in lines) >= 7, lines  # what it drove did happen
