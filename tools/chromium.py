"""The Chromium that browser tests, benchmarks and screenshots drive, and how to launch it.

Offline, ``playwright install`` cannot download a browser, but Debian's Chromium can be
installed with apt (about 35 s). So: the Chromium the app's PNG export would use
(``app.export.find_chromium``, the one finder), installed with apt together with its
chromedriver when we are root; else Playwright's own browser (a normal machine with internet).
"""
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("tools.chromium")

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (root in containers), and none of the background traffic Chromium
# starts on its own (offline it only produces errors and delays).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    log.warning("running: %s", " ".join(cmd))
    print(f"[tools.chromium] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
    print(f"[tools.chromium] exit {done.returncode}: " + " | ".join(tail), file=sys.stderr,
          flush=True)
    return done


def _installed() -> tuple[Path | None, bool]:
    """The app's Chromium (None if none) and whether its chromedriver is there too."""
    from app.export import find_chromedriver, find_chromium

    found = find_chromium()
    return (Path(found) if found else None), find_chromedriver() is not None


def find_chromium() -> Path | None:
    """A Chromium (and its chromedriver, for PNG export), installed with apt if we are root;
    None means Playwright's own browser.

    Raises RuntimeError if neither can be had: a browser test must fail, not skip.
    """
    chromium, driver = _installed()
    if chromium is not None and (driver or os.geteuid() != 0):
        return chromium
    tried = []
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env,
                                timeout=300)
        print(f"[tools.chromium] apt-get update: exit {update.returncode}", file=sys.stderr,
              flush=True)
        install = _run(["apt-get", "install", "-y", "chromium", "chromium-driver"], timeout=600)
        chromium, _ = _installed()
        if chromium is not None:
            return chromium
        tried.append(f"apt-get install chromium (exit {install.returncode})")
    done = _run([sys.executable, "-m", "playwright", "install", "chromium"], timeout=600)
    if done.returncode == 0:
        return None
    tried.append(f"playwright install chromium (exit {done.returncode})")
    raise RuntimeError(f"no Chromium for the browser tests: {DEBIAN_CHROMIUM} is missing and "
                       + "; ".join(tried) + " failed")


def launch_options(home: str | Path, chromium: Path | None) -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``: our flags, ``chromium`` (None:
    Playwright's own) and a private XDG home under ``home``, so nothing is written to $HOME."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(Path(home) / "config"),
           "XDG_CACHE_HOME": str(Path(home) / "cache")}
    options = {"args": CHROMIUM_ARGS, "env": env}
    if chromium is not None:
        options["executable_path"] = str(chromium)
    return options
