"""Take the README's screenshots of the playground in headless Chromium.

    python assets/make_screenshots.py        # serves the app on a free port, writes assets/*.png
"""
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]
SHOTS = [  # file, query, seconds of training
    ("playground-start.png", "", 0),
    ("playground-trained-1-neuron.png", "?speed=5000", 2.5),
    ("playground-trained-2-neurons.png", "?hidden=2&speed=2000", 1.0),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "--no-show", "--port", str(port)],
                              cwd=HERE.parent)
    try:
        time.sleep(4)
        exe = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=ARGS)
            for name, query, seconds in SHOTS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/{query}")
                page.wait_for_selector(".tn-weights .noUi-handle", timeout=30_000)
                time.sleep(1)
                if seconds:
                    page.locator(".tn-train button").click()
                    time.sleep(seconds)
                    page.locator(".tn-train button").click()
                    time.sleep(1)
                page.screenshot(path=HERE / name, full_page=True)
                page.close()
                print("wrote", HERE / name)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
