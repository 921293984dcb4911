"""Take the README's pictures of a class: the teacher's page with a class of simulated learners
(websocket clients training, tools/wsclient.py), the spotlight on one of them, and a learner's
page that has just received a lesson and a message (class-teacher.png, class-spotlight.png,
class-learner-lesson.png).

    python assets/make_class_screenshots.py
"""
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from app.lessons import LESSONS  # noqa: E402
from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.page import shadow_text  # noqa: E402
from tools.server import cli_server  # noqa: E402
from tools.threads import LoopThread  # noqa: E402
from tools.wsclient import Session  # noqa: E402

# (nickname, width, seed): two-neuron learners with Xavier starts are the init lottery
CLASS = [("Ana", 1, 0), ("Ben", 2, 1), ("Chloé", 2, 3), ("Dev", 1, 0), ("Eli", 2, 5),
         ("Fay", 2, 4), ("Gus", 1, 0), ("Hana", 2, 7), ("", 2, 6)]  # the last: anonymous


async def simulate(base_url: str) -> list[Session]:
    """The class: each opens the page and trains; the first half stop after a while."""
    learners = [Session(base_url, f"?name={quote(name)}&hidden={width}&init=xavier&seed={seed}"
                                  f"&speed=3000")
                for name, width, seed in CLASS]
    for learner in learners:
        await learner.open()
        asyncio.get_running_loop().create_task(learner.read_forever())  # acknowledges ticks
        await learner.press_train()
    await asyncio.sleep(8)
    for learner in learners[: len(learners) // 2]:
        await learner.press_train(False)
    return learners


def main():
    with tempfile.TemporaryDirectory() as home:
        log_path = Path(home) / "server.log"
        with open(log_path, "w") as log, cli_server(1, "--class", log=log) as server, \
                sync_playwright() as p:
            teacher_url = re.search(r"^teacher: (\S+)$", log_path.read_text(), re.M).group(1)
            loop = LoopThread()
            learners = loop.run(simulate(server.url))
            browser = p.chromium.launch(**launch_options(Path(home), find_chromium()))
            teacher = browser.new_page(viewport={"width": 1400, "height": 1000})
            teacher.goto(teacher_url)
            teacher.wait_for_selector(".tn-class-row", timeout=30000)
            time.sleep(2)
            teacher.screenshot(path=HERE / "class-teacher.png")

            # the spotlight on a two-neuron learner who found the bump
            choose = teacher.locator(".tn-spotlight-choose select")
            choose.select_option(label="Fay")
            teacher.wait_for_selector(".tn-spotlight", state="visible", timeout=10000)
            time.sleep(1.5)
            teacher.locator(".tn-spotlight").screenshot(path=HERE / "class-spotlight.png")

            # a learner's page receives lesson 3 and a message
            learner = browser.new_page(viewport={"width": 1280, "height": 900})
            learner.goto(server.url + "/?name=Lin")
            learner.wait_for_selector(".tn-class-name", timeout=30000)
            time.sleep(1.5)
            teacher.locator(".tn-teacher-lesson select").select_option(
                label=f"3. {LESSONS[2].title}")
            teacher.locator(".tn-teacher-send-lesson button").click()
            teacher.locator(".tn-teacher-message input").fill("Lesson 3 together: watch w₂")
            teacher.locator(".tn-teacher-send-message button").click()
            deadline = time.monotonic() + 10
            while "Lesson 3 of" not in shadow_text(learner, ".tn-lessons"):
                assert time.monotonic() < deadline, "the lesson did not reach the learner"
                learner.wait_for_timeout(200)
            learner.wait_for_timeout(1500)
            learner.screenshot(path=HERE / "class-learner-lesson.png")
            browser.close()
            for learner in learners:
                loop.call(learner.close)
            loop.close()


if __name__ == "__main__":
    main()
