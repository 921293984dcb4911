"""Running a piece of a test on a thread of its own.

A Playwright (sync API) test earlier in the run can leave an event loop marked running on the
main thread: ``asyncio.run`` and Playwright's sync API then refuse to start there.
"""
import asyncio
import threading


def on_own_thread(function, timeout: float = 180.0):
    """``function()`` on a new thread; returns its result, or raises what it raised."""
    out = {}

    def run():
        try:
            out["value"] = function()
        except BaseException as error:  # re-raised on the caller's thread
            out["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout)
    if "error" in out:
        raise out["error"]
    if "value" not in out:
        raise TimeoutError(f"{getattr(function, '__name__', function)} took over {timeout:g} s")
    return out["value"]


def run_on_own_thread(coroutine_function, timeout: float = 180.0):
    """``asyncio.run(coroutine_function())`` on a thread of its own."""
    return on_own_thread(lambda: asyncio.run(coroutine_function()), timeout)


class LoopThread:
    """An event loop running on a thread of its own, for a test that keeps a client (a
    websocket) open across steps: ``run(coroutine)`` runs it there and returns its result."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float = 60.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function) -> None:
        """``function()`` on the loop's thread (e.g. closing a client made there)."""
        async def call():
            function()
        self.run(call())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
