"""app/balance.py: the workers of --num-procs take connections from one socket in turn, the
least loaded first (load: the websocket connections each holds open), and never wait for a
worker that stopped looking. Here two gates, each on its own thread and IOLoop as a forked
worker would be, share a real listening socket."""
import os
import socket
import threading
import time

import pytest
from tornado.ioloop import IOLoop

from app import balance
from app.balance import STALE_S, Gate, Seat, Table, request_kind
from tests.conftest import wait_until

WEBSOCKET = (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Version: 13\r\n\r\n")
PAGE = b"GET /static/js/bokeh.min.js HTTP/1.1\r\nHost: x\r\n\r\n"


def test_the_least_loaded_live_worker_takes_the_next_connection():
    table, now = Table(3), time.monotonic()
    table.publish(0, 2, now)
    table.publish(1, 1, now)
    table.publish(2, 1, now)
    assert [table.least_loaded(k, now) for k in range(3)] == [False, True, True]  # a tie: both
    table.publish(1, 0, now - 2 * STALE_S)  # worker 1 stopped looking: busy, or gone
    assert [table.least_loaded(k, now) for k in range(3)] == [False, True, True]
    table.publish(2, 5, now)
    assert [table.least_loaded(k, now) for k in range(3)] == [True, True, False]
    fresh = Table(2)  # a worker that never looked is not waited for
    fresh.publish(0, 3, now)
    assert fresh.least_loaded(0, now)


def test_the_table_is_shared_with_forked_workers():
    table = Table(2)
    pid = os.fork()
    if pid == 0:  # the worker writes its row and leaves at once
        table.publish(1, 7, 123.5)
        os._exit(0)
    os.waitpid(pid, 0)
    assert table.row(1) == (7, 123.5) and table.row(0) == (0, 0.0)


def test_a_connection_is_known_by_its_first_bytes_which_stay_unread():
    for sent, kind in ((WEBSOCKET, "websocket"), (PAGE, "page"), (b"", None)):
        server, client = socket.socketpair()
        with server, client:
            client.sendall(sent)
            assert request_kind(server) == kind
            if sent:
                assert server.recv(4096) == sent  # looked at, not taken


class Worker:
    """A gate on a thread and IOLoop of its own; the connections it took, held open as the
    server would hold a websocket (closed: ``drop``)."""

    def __init__(self, table, index, listener):
        self.taken, self.ready = [], threading.Event()
        self.gate = Gate(Seat(table, index, [listener]),
                         lambda conn, addr: self.taken.append(conn))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(5)

    def _run(self):
        self.loop = IOLoop()
        self.loop.add_callback(self.gate.start, self.loop)
        self.loop.add_callback(self.ready.set)
        self.loop.start()
        self.loop.close(all_fds=False)

    def call(self, fn):
        done = threading.Event()
        self.loop.add_callback(lambda: (fn(), done.set()))
        assert done.wait(5)

    def stop(self):
        self.call(self.gate.stop)
        self.loop.add_callback(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def two_workers():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    table = Table(2)
    workers = [Worker(table, k, listener) for k in range(2)]
    clients = []

    def connect(request: bytes, after: float = 0.0):
        taken = sum(len(w.taken) for w in workers)
        client = socket.create_connection(listener.getsockname())
        time.sleep(after)
        if request:
            client.sendall(request)
        clients.append(client)
        wait_until(lambda: sum(len(w.taken) for w in workers) == taken + 1)
        return client

    yield workers, table, connect
    for worker in workers:
        if worker.thread.is_alive():
            worker.stop()
    for client in clients:
        client.close()
    for worker in workers:
        for conn in worker.taken:
            conn.close()
    listener.close()


def websockets_held(worker):
    return sum(1 for conn in worker.taken if conn.fileno() != -1)


def test_websockets_alternate_page_requests_weigh_nothing_closed_ones_leave(two_workers):
    workers, table, connect = two_workers
    for _ in range(10):
        connect(WEBSOCKET)
    assert [len(w.taken) for w in workers] == [5, 5]
    for _ in range(6):  # scripts and pages: taken, and the load stays as it was
        connect(PAGE)
    assert sum(len(w.taken) for w in workers) == 16
    wait_until(lambda: [table.row(k)[0] for k in range(2)] == [5, 5])
    # three of worker 0's sessions end (the server closes their connections)
    first = workers[0]
    first.call(lambda: [conn.close() for conn in first.taken[:3]])
    wait_until(lambda: table.row(0)[0] == 2)
    before = [websockets_held(w) for w in workers]
    for _ in range(3):
        connect(WEBSOCKET)
    assert [websockets_held(w) for w in workers] == [before[0] + 3, before[1]]


def test_a_worker_that_stopped_looking_is_not_waited_for(two_workers):
    workers, table, connect = two_workers
    for _ in range(4):
        connect(WEBSOCKET)
    workers[0].stop()  # no longer looks: as a worker busy for long, or killed
    started = time.monotonic()
    for _ in range(6):  # worker 1 takes the first on a tie, then carries more load than 0
        connect(WEBSOCKET)
    assert [websockets_held(w) for w in workers] == [2, 8]
    waited = time.monotonic() - started
    assert STALE_S - 0.1 < waited < STALE_S + 2  # until worker 0's word was stale, once


def test_a_request_is_weighed_when_it_arrives_and_a_silent_connection_is_not_kept(
        two_workers, monkeypatch):
    monkeypatch.setattr(balance, "SILENT_S", 0.3)
    workers, table, connect = two_workers
    connect(WEBSOCKET, after=0.1)  # accepted before its request came
    wait_until(lambda: sum(table.row(k)[0] for k in range(2)) == 1)
    started = time.monotonic()
    connect(b"")  # a connection opened ahead of need: sends nothing
    assert 0.25 < time.monotonic() - started < 3  # handed to the server after SILENT_S
    time.sleep(0.1)
    assert sum(table.row(k)[0] for k in range(2)) == 1  # and weighs nothing
