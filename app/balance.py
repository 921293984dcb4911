"""A class spread evenly over the workers of ``--num-procs``.

Workers serving one port each take whichever connection comes, and a session lives in the
worker its websocket reached. With a socket each (SO_REUSEPORT) the kernel picks a worker by
hashing the connection's addresses: 30 sessions arriving at two workers split 12/18, 13/17,
12/18 and 14/16 (measured), and the busier worker's learners then trained at 10-13 updates a
second while an even split gives each 18 or more. With one shared socket, Linux woke the
worker that had waited last, which took 26 of 31.

So the parent binds one socket before forking, and the workers share a small table in memory
(``Table``): each worker's load (the websocket connections it holds open: a session each;
page and script requests weigh nothing) and when it last looked (a heartbeat). A worker's
``Gate`` accepts one connection at a time, and only while no live worker has less load; else
it stops listening and looks again every ``LOOK_MS``. A worker that has not looked for
``STALE_S`` (building a session, stopped, killed) does not count, so the others never wait
for it longer. Measured: 30 arriving at once split 15/15 in eight runs of eight.
"""
import mmap
import socket
import struct
import time
from typing import NamedTuple

LOOK_MS = 20  # how often a worker publishes its load and, if it stopped listening, looks again
SILENT_S = 5.0  # a connection that has sent nothing for this long goes to the server anyway
STALE_S = 1.0  # a worker that has not looked for this long is busy or gone: not waited for
_ROW = struct.Struct("qd")  # a worker's load, and its last heartbeat (time.monotonic())


class Table:
    """Every worker's load and heartbeat, in anonymous shared memory made before the fork (so
    each worker writes its own row and reads the others')."""

    def __init__(self, workers: int):
        self.workers = workers
        self._memory = mmap.mmap(-1, _ROW.size * workers)  # zeros: nobody has looked yet

    def publish(self, worker: int, load: int, now: float) -> None:
        _ROW.pack_into(self._memory, worker * _ROW.size, load, now)

    def row(self, worker: int) -> tuple[int, float]:
        return _ROW.unpack_from(self._memory, worker * _ROW.size)

    def least_loaded(self, worker: int, now: float) -> bool:
        """Whether no live worker carries less load than ``worker`` (on a tie, each may take
        the next connection: page requests, which weigh nothing, are then spread too)."""
        mine = self.row(worker)[0]
        for other in range(self.workers):
            load, beat = self.row(other)
            if other != worker and load < mine and now - beat <= STALE_S:
                return False
        return True


class Seat(NamedTuple):
    """A worker of --num-procs: the table it shares, its row in it, and the sockets its
    parent bound."""

    table: Table
    index: int
    sockets: list


class Gate:
    """A worker's listening (its ``seat``): accepts from the shared sockets in its turn and
    hands each connection to ``take(connection, address)`` (the HTTP server's own handler)."""

    def __init__(self, seat: Seat, take):
        self.table, self.worker = seat.table, seat.index
        self._sockets = {sock.fileno(): sock for sock in seat.sockets}
        self._take = take
        self._websockets = []  # the websocket connections taken (closed ones have no fd)
        self._loop = self._timer = None
        self.listening = False

    def start(self, loop) -> None:
        """Start on ``loop`` (a Tornado IOLoop): publish, listen, and look every LOOK_MS."""
        from tornado.ioloop import PeriodicCallback

        self._loop = loop
        self._publish(time.monotonic())
        self._timer = PeriodicCallback(self._look, LOOK_MS)
        self._timer.start()
        self._listen(True)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._listen(False)

    def _publish(self, now: float) -> None:
        self._websockets = [c for c in self._websockets if c.fileno() != -1]
        self.table.publish(self.worker, len(self._websockets), now)

    def _listen(self, on: bool) -> None:
        if on == self.listening:
            return
        for fd in self._sockets:
            if on:
                self._loop.add_handler(fd, self._readable, self._loop.READ)
            else:
                self._loop.remove_handler(fd)
        self.listening = on

    def _look(self) -> None:
        now = time.monotonic()
        self._publish(now)
        if not self.listening and self.table.least_loaded(self.worker, now):
            self._listen(True)

    def _readable(self, fd, events) -> None:
        """A connection waits: take it if this worker is (one of) the least loaded, else stop
        listening until it is. One at a time, so a burst alternates between workers."""
        now = time.monotonic()
        self._publish(now)
        if not self.table.least_loaded(self.worker, now):
            self._listen(False)
            return
        try:
            connection, address = self._sockets[fd].accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker took it, or it closed while it waited
        self._when_asked(connection, address)

    def _when_asked(self, connection, address) -> None:
        """Hand ``connection`` to the server once its request has arrived, counting it as load
        if it asks for a websocket (its bytes are looked at, not taken); one that sends
        nothing for ``SILENT_S`` (a browser's connection opened ahead of need) is handed over
        as it is, and the server's own time limits apply."""
        kind = request_kind(connection)
        if kind is not None:
            self._hand(connection, address, kind)
            return
        fd = connection.fileno()

        def hand_over(*_):  # its first bytes came, or SILENT_S passed: whichever is first
            self._loop.remove_handler(fd)
            self._loop.remove_timeout(timeout)
            self._hand(connection, address, request_kind(connection) or "page")

        self._loop.add_handler(fd, hand_over, self._loop.READ)
        timeout = self._loop.call_later(SILENT_S, hand_over)

    def _hand(self, connection, address, kind: str) -> None:
        if kind == "websocket":
            self._websockets.append(connection)
            self._publish(time.monotonic())
        self._take(connection, address)


def request_kind(connection) -> str | None:
    """"websocket" or "page" by the first bytes a connection sent, or None if none arrived."""
    try:
        head = connection.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return "page"  # reset already: the server will find out
    return "websocket" if b"websocket" in head.lower() else "page"
