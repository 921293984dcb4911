"""Class mode served (``python -m app.cli --class``): the teacher's address is printed, its page
and websocket need the key, and learners' pages hold nothing of it. Without ``--class`` there
is no teacher's page and no class on the learners' pages."""
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bokeh.util.token import generate_jwt_token, generate_session_id
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tools.server import cli_server
from tools.threads import LoopThread
from tools.wsclient import Session

TEACHER_LINE = re.compile(r"^teacher: (http://127\.0\.0\.1:\d+/teacher\?key=([\w-]{32}))$", re.M)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """A --class server with one learner ("Zelda") connected: (server, teacher URL, key)."""
    log_path = tmp_path_factory.mktemp("class-serve") / "server.log"
    with open(log_path, "w") as log, cli_server(1, "--class", log=log) as server:
        url, key = TEACHER_LINE.search(Path(log_path).read_text()).groups()
        learner = Session(server.url, "?name=Zelda")
        loop = LoopThread()  # (an earlier browser test may leave a loop on the main thread)
        loop.run(learner.open())
        server.learner, server.loop = learner, loop
        yield server, url, key
        loop.call(learner.close)
        loop.close()
    assert "Traceback" not in log_path.read_text()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_the_teacher_page_needs_the_key(klass):
    server, url, key = klass
    for wrong in ("", "?key=", "?key=" + key[:-1] + "x", "?key=" + key + "x"):
        status, body = get(f"{server.url}/teacher{wrong}")
        assert status == 403, wrong
        assert "Zelda" not in body and "tn-class-row" not in body and key not in body
    assert get(url)[0] == 200


def test_the_key_is_not_in_a_learners_page(klass):
    server, _, key = klass
    learner = server.learner
    assert key not in learner.html and key not in learner.first_doc
    assert "tn-class-name" in learner.first_doc  # the learner is in the class
    status, body = get(server.url + "/?name=x")
    assert status == 200 and key not in body


async def teacher_document(base: str, arguments: dict) -> str:
    """The document a websocket to /teacher gets with a token made up by hand (sessions are
    not signed, so anyone can make one) carrying these request ``arguments``."""
    token = generate_jwt_token(generate_session_id(), extra_payload={
        "headers": {}, "cookies": {}, "arguments": arguments})
    request = HTTPRequest(base.replace("http://", "ws://") + "/teacher/ws",
                          headers={"Origin": base})
    ws = await websocket_connect(request, subprotocols=["bokeh", token])
    try:
        frames = [json.loads(await ws.read_message()) for _ in range(3)]  # the ACK
        assert frames[0]["msgtype"] == "ACK"
        for part in ({"msgid": "1", "msgtype": "PULL-DOC-REQ"}, {}, {}):
            await ws.write_message(json.dumps(part))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            header = json.loads(await ws.read_message())
            await ws.read_message()
            content = await ws.read_message()
            if header["msgtype"] == "PULL-DOC-REPLY":
                return content
        raise TimeoutError("no document")
    finally:
        ws.close()


def test_a_websocket_without_the_key_gets_no_class(klass):
    server, _, key = klass
    learner_seen = "Zelda"
    document = server.loop.run(teacher_document(server.url, {}))
    assert "403" in document and learner_seen not in document and "tn-class-row" not in document
    wrong = server.loop.run(teacher_document(server.url, {"key": ["nope"]}))
    assert "403" in wrong and learner_seen not in wrong


def test_the_teacher_sees_the_learner_with_the_key(klass):
    """The same websocket with the key: the learner is there (so the tests above see a real
    difference, not a page that shows nobody anyway)."""
    server, _, key = klass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        document = server.loop.run(teacher_document(server.url, {"key": [key]}))
        if "Zelda" in document:
            break
        time.sleep(0.5)
    assert "Zelda" in document and "tn-class-row" in document


def test_without_class_there_is_no_teacher_and_no_class(tmp_path):
    with open(tmp_path / "server.log", "w") as log, cli_server(1, log=log) as server:
        assert get(server.url + "/teacher?key=anything")[0] == 404
        learner = Session(server.url)
        loop = LoopThread()
        loop.run(learner.open())
        assert "tn-class-name" not in learner.first_doc and "tn-follow" not in learner.first_doc
        loop.call(learner.close)
        loop.close()
    text = (tmp_path / "server.log").read_text()
    assert "teacher:" not in text


def test_a_page_fetched_and_never_opened_is_not_a_learner(klass):
    """A page whose websocket never connects (a readiness probe, a link preview) does not join
    the class: learners publish once their page has connected."""
    from tools.classclient import Teacher

    server, url, key = klass
    assert get(f"{server.url}/?name=Ghost")[0] == 200
    time.sleep(2.5)  # more than a learner's publishing period (1 s), twice
    teacher = Teacher(server.url, key)
    server.loop.run(teacher.open())
    try:
        assert list(teacher.rows) == ["Zelda"], teacher.rows  # (no Ghost, no probe)
    finally:
        server.loop.call(teacher.close)
