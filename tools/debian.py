"""A Debian program the tests run (nginx, redis-server), installed with apt when it is missing
and we are root (CI runs as root on a fresh machine); otherwise a clear error, never a skip."""
import os
import shutil
import subprocess
import sys
from pathlib import Path


def find_program(name: str, package: str, debian_path: Path) -> Path:
    """``name``'s binary (on PATH or at ``debian_path``), installing ``package`` with apt if
    need be; raises RuntimeError if it is missing and cannot be installed."""
    def installed() -> Path | None:
        found = shutil.which(name) or (str(debian_path) if debian_path.exists() else None)
        return Path(found) if found else None

    found = installed()
    if found is not None:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
            print(f"[tools.debian] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
            print(f"[tools.debian] exit {done.returncode}", file=sys.stderr, flush=True)
        found = installed()
        if found is not None:
            return found
    raise RuntimeError(f"{name} is missing and cannot be installed here (not root, or no "
                       f"apt-get): install Debian's {package} package")
