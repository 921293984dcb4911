"""Shared fixtures: the app without a browser, a headless Chromium for pytest-playwright, one
served app, page helpers.

Browser tests are marked ``@pytest.mark.browser`` and never skip: if no Chromium can be found or
installed, the session fails loudly. The Chromium (Debian's, installed with apt when missing and
we are root, else Playwright's own), its flags, the servers and the page-reading scripts come
from tools/, which the benchmarks use too.
"""
import gc
import re
import time
from pathlib import Path

import pytest
from hypothesis import settings

from app.patches import GC_THRESHOLDS
from app.session import slot_names
from tools.chromium import find_chromium, launch_options
from tools.page import reach, shadow_text, source_data, weights
from tools.server import cli_server, in_process

# -- property-based tests -----------------------------------------------------------------------
# A run of the suite is a gate: it tries the same examples every time (derandomize), so a
# result says something about the code, not about the draw. To search new examples, run with
# ``--hypothesis-profile=explore``; a failure it finds is kept as an explicit test.
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("gate")


# -- the garbage collector ---------------------------------------------------------------------
# A test process holds pages of Bokeh models beside Panel, PyTorch and hypothesis: Python's
# default thresholds collected the young objects every 700 new ones, and every full collection
# walked all that was imported. The tests collect as the served app does
# (app.patches.GC_THRESHOLDS), and what collection imported is frozen out of the full
# collections' way. No test relies on a collection it does not run itself (the served app's
# reclaim, tests/test_serve.py, collects and unfreezes on its own).
gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


# -- the app without a browser ------------------------------------------------------------------
@pytest.fixture
def app():
    """A fresh page's app with no Train loop: tests tick the session themselves."""
    from app.main import PlaygroundApp  # panel is imported only by the tests that need it

    return PlaygroundApp(loop=False)


@pytest.fixture
def mode():
    """Class mode on a store of its own (a fresh class per test), its key and address."""
    from app.classroom import ClassMode
    from app.classroom.store import SqliteStore

    store = SqliteStore()
    yield ClassMode(store, "k" * 32, "http://127.0.0.1:5006/")
    store.close()


def source(view, name: str):
    """The ColumnDataSource called ``name`` in the figures a view lays out."""
    import panel as pn

    for pane in view.__panel__().select(pn.pane.Bokeh):
        found = pane.object.select_one({"name": name})
        if found is not None:
            return found
    raise LookupError(f"{type(view).__name__} draws no source named {name!r}")


def tick(s, epochs: int):
    """What a full tick of the Train loop does: train, then tell the views."""
    result = s.advance(epochs)
    s.notify()
    return result


# -- a Chromium ----------------------------------------------------------------------------------
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
    return {**browser_type_launch_args, **launch_options(home, chromium_path)}


# -- serving the app -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def app_url():
    """The playground served in this process on a free port: 'http://127.0.0.1:PORT'."""
    with in_process() as url:
        yield url


@pytest.fixture(scope="module")
def class_urls(tmp_path_factory):
    """A server with --class: (learners' address, teacher's address); its log holds no
    traceback at the end."""
    log_path = tmp_path_factory.mktemp("class") / "server.log"
    with open(log_path, "w") as log, cli_server(1, "--class", log=log) as server:
        teacher = re.search(r"^teacher: (\S+)$", Path(log_path).read_text(), re.M).group(1)
        yield server.url, teacher
    text = log_path.read_text()
    assert "Traceback" not in text, f"the server logged tracebacks:\n{text[-4000:]}"


# -- reading the page ----------------------------------------------------------------------------
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
    """The number a readout (``.tn-loss``, ``.tn-epoch``) shows after its label (the loss's
    data and penalty parts, under weight decay, come after it)."""
    return float(next(t for t in shadow_text(page, css).split() if t[0] in "0123456789-"))


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

    def reach(self, *parts: str) -> None:
        """Scroll to these parts (built when near the viewport) and wait until they are built."""
        reach(self.page, *parts)

    # what the page shows
    def text(self, css: str) -> str:
        return shadow_text(self.page, css) if self.page.locator(css).count() else ""

    def loss(self) -> float:
        return readout(self.page, ".tn-loss")

    def epoch(self) -> int:
        """The epoch shown ("epoch 1200", or "epoch 1200 of 5,000" back on the timeline)."""
        return int(shadow_text(self.page, ".tn-epoch").split()[1])

    def weights(self) -> dict[str, float]:
        """The exact weights the page holds, by slot (tools/page.py)."""
        return weights(self.page)

    def theta(self, hidden: int) -> list:
        """The exact weights the page shows at width ``hidden``, in theta's order (None for a
        slot with no slider shown)."""
        shown = self.weights()
        return [shown.get(slot) for slot in slot_names(hidden)]

    def source(self, name: str) -> dict | None:
        return source_data(self.page, name)

    def slider_values(self) -> list[float]:
        """The weight sliders' handles, in order: the weights snapped to the slider's step
        (aria-valuenow is rounded further). ``weights()`` has the exact values."""
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
