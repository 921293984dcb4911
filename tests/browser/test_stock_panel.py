"""TINYNET_STOCK_PANEL=1: the playground served without any of app/patches.py still does what a
person does, in headless Chromium (the core flow of test_playground.py and a link with weights,
run again against a server of its own started with the switch)."""
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser.test_links import (  # noqa: F401  (collected again here, stock)
    test_a_shared_link_restores_width_weights_and_learning_rate,
)
from tests.browser.test_playground import (  # noqa: F401
    test_page_loads_with_the_articles_loss,
    test_step_then_reset,
    test_train_then_pause,
    test_w1_slider_moved_with_the_keyboard,
    test_width_two_then_back_to_one,
)
from tools.net import free_port, wait_for_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def wait_for_page(server: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    """Wait for the port to open, then for one page (building a session can take seconds on a
    loaded machine: one slow answer, not repeated short tries that each start a new one)."""
    wait_for_port(port, timeout, server)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as response:
        assert response.status == 200


@pytest.fixture(scope="module")
def stock_url(tmp_path_factory):
    """``python -m app.cli`` with TINYNET_STOCK_PANEL=1 on a free port (this worktree's app)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("stock") / "server.log"
    env = {**os.environ, "TINYNET_STOCK_PANEL": "1"}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--no-show", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_page(server, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log_path.read_text()
    assert "TINYNET_STOCK_PANEL=1: Panel and Bokeh as shipped" in text, text[-2000:]
    assert "Traceback" not in text, f"the stock server logged tracebacks:\n{text[-4000:]}"


@pytest.fixture(scope="module")
def app_url(stock_url):
    """The stock server, for conftest's ``playground`` tabs in this module (conftest's own
    ``app_url`` serves the patched app)."""
    return stock_url
