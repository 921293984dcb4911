"""The package as pip installs it (the README's commands install it, not a checkout): the
console script, run away from the source tree, serves a working page. A file the app reads
at run time but the package leaves out (app/style.css once) fails here."""
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from tools.net import free_port, wait_for_http


def installed_script() -> str:
    beside = Path(sys.executable).parent / "tinynet-playground"
    script = str(beside) if beside.exists() else shutil.which("tinynet-playground")
    assert script, "`pip install .` puts the tinynet-playground console script on the PATH"
    return script


def test_the_installed_console_script_serves_the_page(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        # from an empty folder: the installed package, not this checkout, is what runs
        server = subprocess.Popen([installed_script(), "--no-show", "--port", str(port)],
                                  cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(60):  # until it answers, or has exited (say, on a missing file)
            try:
                wait_for_http(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except TimeoutError:
                assert server.poll() is None, log.read_text()[-2000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            html = page.read().decode()
        assert "tinynet playground" in html and "bokeh" in html.lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "Traceback" not in text, text[-2000:]
