"""A class without browsers, for tests and benchmarks: learners and a teacher speaking Bokeh's
websocket protocol (tools/wsclient.py) to a ``--class`` server, or to nginx in front of several.

A ``Learner`` is a playground page with ``?name=``: it reads everything its server pushes,
noting when each epoch readout and each lesson arrived. The ``Teacher`` is the page at
``/teacher?key=...``: it keeps the latest rows (from the ``tn-class-rows`` pane's text, with
when they came) and sends "go to lesson N" as its page does (choose, then press the button).
"""
import asyncio
import html
import json
import re

from .wsclient import Session, dicts

LESSON_RE = re.compile(r"Lesson (\d+) of")
# the parts the teacher's "go to lesson 3" shows that a new page builds only when first wanted
# (app/views/lazy.py): "its parts built" is when the last of them came
LESSON_3_PARTS = ("tables", "graph", "diagram")
BUILT_RE = re.compile(r'"tn-block-([a-z]+)",\s*"tn-lazy-part",\s*"tn-built"')
ROW_RE = re.compile(r'<tr class="tn-class-row"[^>]*>(.*?)</tr>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def row_texts(rows_html: str) -> dict[str, str]:
    """The teacher's rows as {name: the row's text}, cell by cell (name first)."""
    found = {}
    for row in ROW_RE.findall(rows_html):
        cells = [html.unescape(TAG_RE.sub("", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            found[cells[0]] = " | ".join(cells[1:])
    return found


def epoch_of(row: str) -> int:
    return int(re.search(r"epoch (\d+)", row).group(1))


def lesson_of(row: str) -> int:
    """The lesson a row says its learner is in (0: the playground)."""
    found = re.search(r"lesson (\d+)", row)
    return int(found.group(1)) if found else 0


class Learner(Session):
    """A learner's page: ``lessons`` holds (time, N) for each "Lesson N of" that arrived,
    ``built`` (time, name) for each part of the page that came built."""

    def __init__(self, base_url: str, name: str):
        super().__init__(base_url, f"?name={name}")
        self.name = name
        self.lessons: list[tuple[float, int]] = []
        self.built: list[tuple[float, str]] = []
        self.kept: list[str] | None = None  # a list: every patch from then on (to look into)

    def took(self, raw: str, at: float) -> None:
        """Note each lesson a patch shows, and keep the patch if asked to."""
        if self.kept is not None:
            self.kept.append(raw)
        for number in LESSON_RE.findall(html.unescape(raw)):
            self.lessons.append((at, int(number)))
        self.built.extend((at, name) for name in BUILT_RE.findall(raw))

    def reached(self, lesson: int) -> float | None:
        """When lesson ``lesson`` first arrived (loop time), or None."""
        return next((t for t, n in self.lessons if n == lesson), None)

    def all_built(self, names) -> float | None:
        """When the last of the parts ``names`` came built (loop time), or None."""
        times = [next((t for t, n in self.built if n == name), None) for name in names]
        return None if None in times else max(times)

    def shown_by(self, epoch: int) -> float | None:
        """When this page first showed an epoch at or past ``epoch`` (loop time), or None."""
        return next((t for t, e in self.epochs if e >= epoch), None)


class Teacher(Session):
    """The teacher's page, ``/teacher?key=KEY`` at ``base_url``: ``rows`` is the latest
    {name: row text}, ``history`` every (time, rows) that came."""

    def __init__(self, base_url: str, key: str):
        super().__init__(base_url + "/teacher", f"?key={key}")
        self.rows: dict[str, str] = {}
        self.history: list[tuple[float, dict]] = []

    async def open(self) -> None:
        wanted = ("tn-class-rows", "tn-teacher-lesson", "tn-teacher-send-lesson")
        await super().open(require=wanted)
        for event in self._text_events([self.doc, *self.parts]):
            self._take(event, asyncio.get_running_loop().time())

    def _text_events(self, parts) -> list[str]:
        """The rows pane's text in a document (or its patches), newest last."""
        rows_id = self.models["tn-class-rows"]
        found = []
        for node in dicts(parts):
            if node.get("id") == rows_id and "text" in node.get("attributes", {}):
                found.append(node["attributes"]["text"])
            if node.get("model", {}).get("id") == rows_id and node.get("attr") == "text":
                found.append(node["new"])
        return found

    def _take(self, text: str, at: float) -> None:
        self.rows = row_texts(html.unescape(text))
        self.history.append((at, self.rows))

    async def read_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            header, _, raw = await self.receive_or_none()
            if header is None:
                return
            if header["msgtype"] == "PATCH-DOC" and ("tn-class-row" in raw or "No learner" in raw):
                for text in self._text_events(json.loads(raw)):
                    self._take(text, loop.time())

    async def receive_or_none(self):
        frame = await self.ws.read_message()
        if frame is None:
            return None, None, None
        header = json.loads(frame)
        await self.ws.read_message()
        raw = await self.ws.read_message()
        for _ in range(2 * header.get("num_buffers", 0)):
            await self.ws.read_message()
        return header, None, raw

    async def send_lesson(self, number: int, label: str) -> None:
        """Choose lesson ``number`` (its option ``label``, "3. Title") and press "Send this
        lesson", with a pause between as a person's (Panel debounces a choice 50 ms)."""
        event = {"kind": "ModelChanged", "model": {"id": self.models["tn-teacher-lesson"]},
                 "attr": "value", "new": label}
        await self.send("PATCH-DOC", {"events": [event]})
        await asyncio.sleep(0.3)
        await self.click("tn-teacher-send-lesson")
