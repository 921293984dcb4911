"""A Redis server for tests and benchmarks: Debian's ``redis-server`` on loopback, installed
with apt when missing and we are root (as tools/nginx.py does nginx), else a clear error."""
import contextlib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .debian import find_program
from .net import free_port

DEBIAN_REDIS = Path("/usr/bin/redis-server")


def find_redis() -> Path:
    """redis-server's binary; raises RuntimeError if it is missing and cannot be installed."""
    return find_program("redis-server", "redis-server", DEBIAN_REDIS)


@contextlib.contextmanager
def redis_server(timeout: float = 10.0):
    """A redis-server on 127.0.0.1 and a free port, writing nothing to disk: yields its URL
    'redis://127.0.0.1:PORT/0', and stops it after."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [str(find_redis()), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not start on port {port}")
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
