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
            # a first page can take longer than 2 s on a loaded machine: wait for it rather
            # than ask again (each new request builds one more session)
            wait = max(2.0, deadline - time.monotonic())
            with urllib.request.urlopen(url, timeout=wait) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")
