"""A visitor without a browser: Bokeh's websocket protocol spoken as the page speaks it.

Each ``Session`` does what a browser does: GET the page (the server builds a session and signs
a token into the HTML), open ``/ws`` with the subprotocols ``["bokeh", token]`` and a
same-origin ``Origin`` header, send PULL-DOC-REQ, then press Train by sending the PATCH-DOC a
browser sends (``ModelChanged``: the Train toggle's ``active`` becomes true). It then counts the
PATCH-DOC messages the server pushes, reads the epoch readout out of them, and acknowledges
each drawn tick the way the page's script does (so the loop's back-pressure sees a fast page).
"""
import asyncio
import html
import itertools
import json
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bokeh.util.token import get_session_id
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from app.loop import ACK_EVERY

_ids = itertools.count(1)
# Page requests wait in threads of their own, as browser tabs do: in asyncio's default pool
# (6 threads on 2 cores) they would hold up the websockets' address lookups, which run there
# too, and a server that serves arrivals in turn would wait for a websocket stuck behind them.
_PAGE_THREADS = ThreadPoolExecutor(max_workers=128, thread_name_prefix="visitor-page")


CLASSES = ("tn-train", "tn-epoch", "tn-loss", "tn-beacon", "tn-ack")


def dicts(node):
    """Every object (dict) in a JSON tree, depth first, each before what it holds."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from dicts(value)


def find_models(doc_json: dict, classes=CLASSES) -> dict:
    """Model ids in a PULL-DOC-REPLY, found by CSS class (the first model of each class): by
    default the Train toggle, the readouts and the page's acknowledgement widgets."""
    found = {}
    for node in dicts(doc_json):
        if node.get("type") == "object" and "id" in node:
            for cls in node.get("attributes", {}).get("css_classes") or []:
                if cls in classes and cls not in found:
                    found[cls] = node["id"]
    return found


def find_type(doc_json: dict, name: str) -> str | None:
    """The id of the first model of Bokeh type ``name`` (e.g. "Slider") in a PULL-DOC-REPLY."""
    stack = [doc_json]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("name") == name and "id" in node:
                return node["id"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


EPOCH_RE = re.compile(r"tn-value\">(\d+)<")


class Session:
    """One visitor: page, websocket, document, then Train; counts what the server pushes."""

    def __init__(self, base_url: str, query: str = ""):
        self.base_url, self.query = base_url, query
        self.patches = 0  # PATCH-DOC messages received since training started
        self.readouts = 0  # of them, those that changed the epoch readout
        self.epochs: list[tuple[float, int]] = []  # (time, epoch shown)
        self.models: dict = {}
        self.doc_bytes = 0
        self.html = ""
        self.first_doc = ""
        self.doc: dict = {}
        self.cookies: dict[str, str] = {}
        self.session_id = ""  # the Bokeh session the page was made for
        self.ws = None
        self.ready_s = 0.0  # from asking for the page to holding its document
        self.page_at = self.doc_at = 0.0  # when the page, then the document, arrived (loop time)
        self._sending = asyncio.Lock()
        self.parts: list[dict] = []  # the patches that brought lazily built parts

    async def open(self, delay: float = 0.0,
                   require=("tn-train", "tn-epoch", "tn-beacon", "tn-ack")) -> None:
        """Load the page, then (``delay`` seconds later: a slow network) open the websocket and
        pull the document, which must hold models of the ``require`` classes (the
        playground's; none for another app)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.html = await loop.run_in_executor(_PAGE_THREADS, self.get_page)
        self.page_at = loop.time()
        await asyncio.sleep(delay)
        token = re.search(r'"token":"([^"]+)"', self.html).group(1)
        self.session_id = get_session_id(token)
        ws_url = self.base_url.replace("http://", "ws://") + "/ws"
        origin = "/".join(self.base_url.split("/")[:3])  # same-origin, as a browser sends it
        request = HTTPRequest(ws_url, headers={"Origin": origin, **self.cookie_header()},
                              connect_timeout=120, request_timeout=120)
        self.ws = await websocket_connect(request, subprotocols=["bokeh", token],
                                          max_message_size=64 * 2**20)
        header, _, _ = await self.receive()
        assert header["msgtype"] == "ACK", header
        await self.send("PULL-DOC-REQ", {})
        while True:
            header, content, raw = await self.receive()
            if header["msgtype"] == "PULL-DOC-REPLY":
                break
        self.first_doc, self.doc_bytes = raw, len(raw)
        self.doc = content
        # the browser announces that it has rendered; Panel starts periodic callbacks only then
        ready = {"type": "event", "name": "document_ready",
                 "values": {"type": "map", "entries": []}}
        await self.send("PATCH-DOC", {"events": [
            {"kind": "MessageSent", "msg_type": "bokeh_event", "msg_data": ready}]})
        self.models = find_models(content, (*CLASSES, *require))
        # built once the page is ready (``--num-procs``: app.main.create_app): a "loading"
        # document first, then the playground in a patch
        while not set(require) <= set(self.models):
            header, _, raw = await asyncio.wait_for(self.receive(), 120)
            if header["msgtype"] == "PATCH-DOC":
                self.parts.append(json.loads(raw))
                self.models = find_models([content, *self.parts], (*CLASSES, *require))
        self.doc_at = loop.time()
        self.ready_s = self.doc_at - started

    def get_page(self) -> str:
        """GET the page, keeping the cookies it sets (a proxy's sticky key among them)."""
        request = urllib.request.Request(f"{self.base_url}/{self.query}",
                                         headers=self.cookie_header())
        with urllib.request.urlopen(request, timeout=120) as response:
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";")[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return response.read().decode()

    def cookie_header(self) -> dict:
        """The Cookie header a browser would send back, if any cookie was set."""
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def send(self, msgtype: str, content: dict) -> None:
        """One Bokeh message: three frames that must go out together (a click sent while an
        acknowledgement is being sent would otherwise interleave with it, and the server would
        read one message's metadata as the other's content)."""
        header = {"msgid": str(next(_ids)), "msgtype": msgtype}
        async with self._sending:
            for part in (header, {}, content):
                await self.ws.write_message(json.dumps(part))

    async def receive(self):
        """One Bokeh message: header, metadata, content, then two frames per buffer."""
        header = json.loads(await self.ws.read_message())
        await self.ws.read_message()  # metadata
        raw = await self.ws.read_message()
        for _ in range(2 * header.get("num_buffers", 0)):
            await self.ws.read_message()
        content = json.loads(raw) if header["msgtype"] != "PATCH-DOC" else None
        return header, content, raw

    async def press_train(self, active: bool = True) -> None:
        """What the browser sends when Train is clicked: the toggle's ``active`` becomes true
        (false: training stops)."""
        event = {"kind": "ModelChanged", "model": {"id": self.models["tn-train"]},
                 "attr": "active", "new": active}
        await self.send("PATCH-DOC", {"events": [event]})

    async def open_part(self, name: str, wanted: str) -> None:
        """What scrolling a lazily built part into view does (app/views/lazy.py): press its
        placeholder's button, then read until the part arrives, holding a model of CSS class
        ``wanted`` (later ``click``s find its models). Before ``read_forever``."""
        placeholder = f"tn-lazy-{name}"
        if find_models([self.doc, *self.parts], (placeholder,)).get(placeholder) is None:
            await self.open_part("below", placeholder)  # the rest of the page, first
        await self.click(placeholder)
        while True:
            header, _, raw = await asyncio.wait_for(self.receive(), 120)
            if header["msgtype"] == "PATCH-DOC" and f'"{wanted}"' in raw:
                self.parts.append(json.loads(raw))
                return

    async def click(self, css_class: str) -> None:
        """What the browser sends when a button (found by its CSS class in the first document)
        is clicked: a ``button_click`` event of its model."""
        model = find_models([self.doc, *self.parts], (css_class,)).get(css_class)
        if model is None:
            raise LookupError(f"no model of CSS class {css_class!r} in the page's document")
        click = {"type": "event", "name": "button_click",
                 "values": {"type": "map", "entries": [["model", {"id": model}]]}}
        await self.send("PATCH-DOC", {"events": [
            {"kind": "MessageSent", "msg_type": "bokeh_event", "msg_data": click}]})

    async def first_change(self, slider: str, value: float) -> float:
        """Set the slider of model id ``slider`` to ``value``, as a drag does, and wait until
        the server answers with a change of the page; returns the seconds that took. Before
        ``read_forever`` (which would take the answer)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        event = {"kind": "ModelChanged", "model": {"id": slider}, "attr": "value", "new": value}
        await self.send("PATCH-DOC", {"events": [event]})
        while True:  # a value equal to the slider's is no change: no answer, so a time limit
            header, _, raw = await asyncio.wait_for(self.receive(), 120)
            if header["msgtype"] == "PATCH-DOC" and '"data"' in raw:  # a data source changed
                return loop.time() - started

    async def acknowledge(self, raw: str) -> None:
        """What the page's script does once it has applied a drawn tick: copy the beacon's new
        value into the acknowledgement widget (app/loop.py draws only while the page keeps up),
        every ``ACK_EVERY``-th value, as the page's script does."""
        for event in json.loads(raw)["events"]:
            if event.get("model", {}).get("id") == self.models["tn-beacon"] and \
                    event.get("attr") == "value" and event["new"] % ACK_EVERY == 0:
                await self.send("PATCH-DOC", {"events": [
                    {"kind": "ModelChanged", "model": {"id": self.models["tn-ack"]},
                     "attr": "value", "new": event["new"]}]})

    async def read_forever(self) -> None:
        """Count pushed updates (one reader per session, so no frame is ever lost), and
        acknowledge each drawn tick as a browser would."""
        loop = asyncio.get_running_loop()
        epoch_id, beacon_id = self.models["tn-epoch"], self.models["tn-beacon"]
        while True:
            frame = await self.ws.read_message()
            if frame is None:  # closed
                return
            header = json.loads(frame)
            await self.ws.read_message()
            raw = await self.ws.read_message()
            for _ in range(2 * header.get("num_buffers", 0)):
                await self.ws.read_message()
            if header["msgtype"] != "PATCH-DOC":
                continue
            self.patches += 1
            if f'"{beacon_id}"' in raw:
                await self.acknowledge(raw)
            if f'"{epoch_id}"' in raw:
                for event in json.loads(raw)["events"]:
                    if event.get("model", {}).get("id") == epoch_id:
                        match = EPOCH_RE.search(html.unescape(str(event.get("new", ""))))
                        if match:
                            self.readouts += 1
                            self.epochs.append((loop.time(), int(match.group(1))))
            self.took(raw, loop.time())

    def took(self, raw: str, at: float) -> None:
        """A document patch came at loop time ``at`` (counted already): for subclasses."""

    def reset(self):
        self.patches = self.readouts = 0
        self.epochs.clear()

    def close(self):
        if self.ws is not None:
            self.ws.close()

