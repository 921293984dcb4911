"""The nginx that the deployment test runs (deploy/run-nginx.sh), installed with apt if need be.

As with Chromium (tools/chromium.py): Debian's package, installed when it is missing and we are
root (CI runs as root on a fresh machine); otherwise a clear error, never a skip.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEBIAN_NGINX = Path("/usr/sbin/nginx")


def _installed() -> Path | None:
    found = shutil.which("nginx") or (str(DEBIAN_NGINX) if DEBIAN_NGINX.exists() else None)
    return Path(found) if found else None


def find_nginx() -> Path:
    """nginx's binary; raises RuntimeError if it is missing and cannot be installed."""
    found = _installed()
    if found is not None:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "nginx"]):
            print(f"[tools.nginx] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
            print(f"[tools.nginx] exit {done.returncode}", file=sys.stderr, flush=True)
        found = _installed()
        if found is not None:
            return found
    raise RuntimeError("nginx is missing and cannot be installed here (not root, or no "
                       "apt-get): install Debian's nginx package")
