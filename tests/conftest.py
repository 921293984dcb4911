"""Shared fixtures: a headless Chromium for pytest-playwright, one served app, page helpers.

Browser tests are marked ``@pytest.mark.browser`` and never skip: if no Chromium can be found or
installed, the session fails loudly (see /work/shared/BROWSER.md for the measured recipe).
"""
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

log = logging.getLogger("tests.browser")

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (root in containers), and none of the background traffic Chromium
# starts on its own (offline it only produces errors and delays).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]


# -- finding a Chromium --------------------------------------------------------------------------
def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    log.warning("running: %s", " ".join(cmd))
    print(f"[conftest] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
    print(f"[conftest] exit {done.returncode}: " + " | ".join(tail), file=sys.stderr, flush=True)
    return done


def find_chromium() -> Path | None:
    """Debian's Chromium (and its chromedriver, for PNG export), installed with apt if we are
    root; None means Playwright's own browser.

    Raises RuntimeError if neither can be had: a browser test must fail, not skip.
    """
    if DEBIAN_CHROMIUM.exists() and (shutil.which("chromedriver") or os.geteuid() != 0):
        return DEBIAN_CHROMIUM
    tried = []
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env,
                                timeout=300)
        print(f"[conftest] apt-get update: exit {update.returncode}", file=sys.stderr, flush=True)
        install = _run(["apt-get", "install", "-y", "chromium", "chromium-driver"], timeout=600)
        if DEBIAN_CHROMIUM.exists():
            return DEBIAN_CHROMIUM
        tried.append(f"apt-get install chromium (exit {install.returncode})")
    done = _run([sys.executable, "-m", "playwright", "install", "chromium"], timeout=600)
    if done.returncode == 0:
        return None
    tried.append(f"playwright install chromium (exit {done.returncode})")
    raise RuntimeError(f"no Chromium for the browser tests: {DEBIAN_CHROMIUM} is missing and "
                       + "; ".join(tried) + " failed")


@pytest.fixture(scope="session")
def chromium_path() -> Path | None:
    try:
        return find_chromium()
    except Exception as exc:  # fail every browser test loudly rather than skip
        pytest.fail(f"cannot get a Chromium: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path, tmp_path_factory):
    """pytest-playwright's launch arguments plus our Chromium, flags and a private XDG home."""
    home = tmp_path_factory.mktemp("chromium-home")
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache")}
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS, "env": env}
    if chromium_path is not None:
        args["executable_path"] = str(chromium_path)
    return args


# -- serving the app -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    """Block until ``url`` answers 200 (raises TimeoutError with the last error otherwise)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")


@pytest.fixture(scope="session")
def app_url():
    """The playground served in this process on a free port: 'http://127.0.0.1:PORT'."""
    from app.cli import serve

    port = free_port()
    server = serve(port=port, address="127.0.0.1", show=False, threaded=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/")
        yield url
    finally:
        server.stop()


# -- reading the page ----------------------------------------------------------------------------
# Panel puts a pane's css_classes on a shadow host and its text in the shadow root under it, so
# innerText on the host is ''. This walks open shadow roots (skipping <style>/<script>).
DEEP_TEXT_JS = """
(el) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(el);
  return parts.join(' ').replace(/\\s+/g, ' ').trim();
}
"""

SOURCE_DATA_JS = """
(name) => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  const model = doc && doc.get_model_by_name(name);
  if (!model) return null;
  const out = {};
  for (const [key, column] of Object.entries(model.data)) out[key] = Array.from(column);
  return out;
}
"""


def shadow_text(page, css: str) -> str:
    """The text shown inside the first element matching ``css``, through shadow DOM."""
    return page.locator(css).first.evaluate(DEEP_TEXT_JS)


def source_data(page, name: str) -> dict | None:
    """A named Bokeh ColumnDataSource's data as the page holds it (None if not there yet)."""
    return page.evaluate(SOURCE_DATA_JS, name)


def wait_until(probe, timeout: float = 10.0, interval: float = 0.05, what: str = "condition",
               page=None):
    """Poll ``probe()`` until it returns something truthy; return it or fail with the last value.

    Pass ``page`` to wait with ``page.wait_for_timeout``: Playwright's sync API only takes in
    browser events (``page.url`` after pushState, console messages) while it is called.
    """
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        if page is not None:
            page.wait_for_timeout(interval * 1000)
        else:
            time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value {value!r}")


def readout(page, css: str) -> float:
    """The number a readout (``.tn-loss``, ``.tn-epoch``) shows after its label."""
    return float(shadow_text(page, css).split()[-1])


def is_local(url: str) -> bool:
    """True for requests that stay on this machine (the app server, blob: and data: URLs)."""
    return url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "blob:", "data:", "about:"))


class Playground:
    """One browser tab on the playground, recording console errors and requests off 127.0.0.1."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("request", lambda r: is_local(r.url) or self.outside.append(r.url))
        page.on("websocket", lambda ws: is_local(ws.url) or self.outside.append(ws.url))

    def open(self, path: str = "/"):
        """Load ``path`` and wait until the page shows content (a server error leaves it blank)."""
        self.page.goto(self.base_url + path)
        self.wait(lambda: "mean loss" in self.text(".tn-loss"), timeout=15, what="the loss readout")
        return self.page

    # what the page shows
    def text(self, css: str) -> str:
        return shadow_text(self.page, css) if self.page.locator(css).count() else ""

    def loss(self) -> float:
        return readout(self.page, ".tn-loss")

    def epoch(self) -> int:
        return int(readout(self.page, ".tn-epoch"))

    def source(self, name: str) -> dict | None:
        return source_data(self.page, name)

    def slider_values(self) -> list[float]:
        """Exact values of the weight sliders, in order (aria-valuenow is rounded)."""
        return self.page.locator(".tn-weights .noUi-target").evaluate_all(
            "(els) => els.map((el) => el.noUiSlider.get(true))")

    # what a person does
    def click(self, css: str, text: str | None = None) -> None:
        self.page.locator(f"{css} button", has_text=text).first.click()

    def wait(self, probe, timeout: float = 10.0, what: str = "condition"):
        return wait_until(probe, timeout=timeout, what=what, page=self.page)


@pytest.fixture
def playground(page, app_url):
    """A fresh tab (so a fresh session) on the served app; call ``.open(path)`` to load it."""
    tab = Playground(page, app_url)
    yield tab
    assert not tab.errors, f"console errors: {tab.errors}"
    assert not tab.outside, f"requests off 127.0.0.1: {tab.outside}"
