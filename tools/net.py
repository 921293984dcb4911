"""Loopback networking for a served playground: a free port, and waiting until a port opens or a
URL answers."""
import socket
import time
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, process=None) -> None:
    """Block until something accepts connections on 127.0.0.1:``port`` (asks for no page, so
    builds no session); fail at once if ``process`` (a ``Popen``) has exited meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        assert process is None or process.poll() is None, \
            f"the server exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"port {port} did not open in {timeout} s"
            time.sleep(0.1)


def wait_for_http(url: str, timeout: float = 30.0, each: float = 15.0) -> None:
    """Block until ``url`` answers 200 (raises TimeoutError with the last error otherwise),
    giving each try ``each`` seconds (a page of the app builds a session: on a busy machine
    that takes seconds, and a try given up on still costs the server its session)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=each) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")
