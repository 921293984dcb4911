"""One class however it is served: learners spread over the workers of ``--num-procs 2`` (the
embedded store they share), or over two servers behind nginx sharing a Redis server, all
appear on one teacher's page, and its "go to lesson 3" reaches every one of them.

Learners and the teacher speak Bokeh's websocket protocol (tools/classclient.py); which
process or server built each learner's page is read from the servers' logs.
"""
import asyncio
import collections
import re

from app.lessons import LESSONS
from tools.classclient import Learner, Teacher, epoch_of, lesson_of
from tools.server import built_sessions, cli_server
from tools.threads import run_on_own_thread

CLASS = 4
LAG_S = 2.0  # the teacher sees the class, and the class the teacher, within this
TEACHER_LINE = re.compile(r"^teacher: http://\S+/teacher\?key=(\S+)$", re.M)


def lead_a_class(url: str, key: str) -> tuple[list[Learner], Teacher, float]:
    """CLASS learners join at ``url`` and train; the teacher's page opens, waits until it shows
    each of them training, and sends lesson 3. Returns the learners, the teacher and the
    seconds until the last learner's page showed lesson 3."""

    async def scenario():
        loop = asyncio.get_running_loop()
        learners = [Learner(url, f"learner-{k}") for k in range(CLASS)]
        for learner in learners:
            await learner.open()
        readers = [asyncio.create_task(learner.read_forever()) for learner in learners]
        for learner in learners:
            await learner.press_train()
        teacher = Teacher(url, key)
        await asyncio.wait_for(teacher.open(), 30)  # a wrong key: a page without the class
        readers.append(asyncio.create_task(teacher.read_forever()))
        deadline = loop.time() + 10
        names = {learner.name for learner in learners}
        while not (set(teacher.rows) == names
                   and all(epoch_of(row) > 0 for row in teacher.rows.values())):
            assert loop.time() < deadline, f"the teacher's page shows {teacher.rows}"
            await asyncio.sleep(0.1)
        sent = loop.time()
        await teacher.send_lesson(3, f"3. {LESSONS[2].title}")
        while not all(learner.reached(3) for learner in learners):
            assert loop.time() < sent + 10, [learner.lessons for learner in learners]
            await asyncio.sleep(0.05)
        took = max(learner.reached(3) for learner in learners) - sent
        while not all(lesson_of(row) == 3 for row in teacher.rows.values()):
            assert loop.time() < sent + 10, f"the teacher's page shows {teacher.rows}"
            await asyncio.sleep(0.1)
        for client, reader in zip([*learners, teacher], readers):
            client.close()
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return learners, teacher, took

    return run_on_own_thread(scenario, timeout=120)


def test_learners_on_both_workers_of_num_procs_are_one_class(tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, cli_server(2, "--class", log=log) as server:
        key = TEACHER_LINE.search(log_path.read_text()).group(1)
        learners, teacher, took = lead_a_class(server.url, key)
    text = log_path.read_text()
    built = {session: pid for pid, session in built_sessions(text)}
    workers = collections.Counter(built[learner.session_id] for learner in learners)
    assert len(workers) == 2, workers  # the class is on both workers...
    assert set(teacher.rows) == {learner.name for learner in learners}  # ... and on one page
    assert took < LAG_S, f"lesson 3 reached the last learner after {took:.2f} s"
    assert "Traceback" not in text, text[-4000:]
