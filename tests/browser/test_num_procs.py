"""``tinynet-playground --num-procs 2``: the page request gets a "loading" page and the
playground is built where the page's websocket connected (app.main.create_app). The core of
what a person does (test_playground.py, a shared link, the accessibility script's slider
names) runs again in Chromium against such a server."""
import pytest

from tests.browser.test_links import (  # noqa: F401  (collected again here, two processes)
    test_a_shared_link_restores_width_weights_and_learning_rate,
)
from tests.browser.test_playground import (  # noqa: F401
    test_page_loads_with_the_articles_loss,
    test_train_then_pause,
    test_w1_slider_moved_with_the_keyboard,
    test_width_two_then_back_to_one,
)
from tools.server import cli_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``python -m app.cli --num-procs 2`` for conftest's ``playground`` tabs in this module;
    its log holds no traceback at the end."""
    log_path = tmp_path_factory.mktemp("num-procs") / "server.log"
    with open(log_path, "w") as log, cli_server(2, log=log) as server:
        yield server.url
    text = log_path.read_text()
    assert "Traceback" not in text, f"the server logged tracebacks:\n{text[-4000:]}"


def test_the_loading_page_becomes_the_playground_with_named_sliders(playground):
    """The page script (installed before the page was ready) still names the sliders that
    arrive with the playground after it."""
    playground.open()
    handle = playground.page.locator(".tn-weight-w1_1 .noUi-handle")
    handle.wait_for(timeout=30_000)
    playground.wait(lambda: handle.get_attribute("aria-label"), what="the w1 slider's name")
    assert "Loading the playground" not in playground.page.content()
