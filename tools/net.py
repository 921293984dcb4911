"""Loopback networking for a served playground: a free port, and waiting until a URL answers."""
import socket
import time
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    """Block until ``url`` answers 200 (raises TimeoutError with the last error otherwise)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            # wait for the answer: a first page can take seconds on a busy machine, and an
            # abandoned request leaves the server building a page nobody reads
            left = max(deadline - time.monotonic(), 0.5)
            with urllib.request.urlopen(url, timeout=left) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")
