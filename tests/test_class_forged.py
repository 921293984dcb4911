"""A learner's forged websocket messages, served (``python -m app.cli --class``): naming itself
as another learner gives it none of that learner's data, and a change aimed at another learner's
page is refused, so the teacher's rows and spotlight choices stay each learner's own."""
import asyncio
import html
import re
from pathlib import Path

from tools.server import cli_server
from tools.threads import run_on_own_thread
from tools.wsclient import Session

ROW = re.compile(r'<tr class="tn-class-row">(.*?)</tr>', re.S)


def rows(document: str) -> list[str]:
    """The teacher's rows in a document, as text (cells joined by |)."""
    text = html.unescape(html.unescape(document))
    return [re.sub(r"</td><td>", " | ", re.sub(r"<svg.*?</svg>", "", row))
            for row in ROW.findall(text)]


async def forge(url: str, key: str) -> tuple[list[str], str]:
    ada, eve = Session(url, "?name=Ada&hidden=2"), Session(url, "?name=Eve")
    for learner in (ada, eve):
        await learner.open(require=("tn-class-name",))

    async def change(model: str, value: str) -> None:
        await eve.send("PATCH-DOC", {"events": [{"kind": "ModelChanged", "model": {"id": model},
                                                 "attr": "value", "new": value}]})

    await change(ada.models["tn-class-name"], "pwned")  # not in Eve's document: refused
    await change(eve.models["tn-class-name"], "Ada")  # Eve calls herself Ada
    await asyncio.sleep(2.5)  # published (every second) and expired nothing (6 s)
    teacher = Session(url + "/teacher", f"?key={key}")
    await teacher.open(require=("tn-class-rows", "tn-spotlight-choose"))
    for learner in (ada, eve, teacher):
        learner.close()
    return rows(teacher.first_doc), teacher.first_doc


def test_a_forged_message_changes_no_other_learner(tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, cli_server(1, "--class", log=log) as server:
        key = re.search(r"key=(\S+)", Path(log_path).read_text()).group(1)
        found, document = run_on_own_thread(lambda: forge(server.url, key))
    named_ada = sorted(row for row in found if row.split(" | ")[0].endswith("Ada"))
    assert len(named_ada) == 2, found
    assert "2 neurons" in named_ada[1] and "1 neuron " in named_ada[0] + " "
    assert "pwned" not in document
    assert len(re.findall(r"Ada \([0-9a-f]{4}\)", document)) >= 2  # told apart by id to choose
