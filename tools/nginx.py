"""The nginx that the deployment test runs (deploy/run-nginx.sh), installed with apt if need be.

As with Chromium (tools/chromium.py): Debian's package, installed when it is missing and we are
root (CI runs as root on a fresh machine); otherwise a clear error, never a skip.
"""
from pathlib import Path

from .debian import find_program

DEBIAN_NGINX = Path("/usr/sbin/nginx")


def find_nginx() -> Path:
    """nginx's binary; raises RuntimeError if it is missing and cannot be installed."""
    return find_program("nginx", "nginx", DEBIAN_NGINX)
