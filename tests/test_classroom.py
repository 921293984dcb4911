"""Class mode without a server: a learner's summary is what its session computed, commands move
a learner only while it follows, and the teacher's page shows names as text."""
from dataclasses import replace

import pytest

from app.classroom.learner import ClassMember, spark, summarize
from app.classroom.store import NAME_CHARS, Command
from app.classroom.teacher import (
    BUMP,
    TeacherPage,
    authorize,
    histogram,
    row_html,
    summary_html,
)
from app.main import PlaygroundApp

XSS = '<script>alert("x")</script>'


@pytest.fixture
def member(mode):
    return ClassMember(PlaygroundApp(loop=False), mode, name="Ada")


def published(mode, member):
    member.publish()
    (summary,) = [s for s in mode.store.learners() if s.id == member.id]
    return summary


def test_the_summary_is_what_the_session_computed(mode, member):
    s = member.app.state
    s.hidden = 2
    s.advance(300)
    summary = published(mode, member)
    assert (summary.name, summary.width, summary.epoch) == ("Ada", 2, 300)
    assert summary.loss == s.loss()
    assert summary.spark[-1] == s.history[1][-1] and len(summary.spark) <= 30
    assert (summary.lesson, summary.done, summary.training) == (0, False, False)


def test_spark_keeps_the_ends():
    assert spark(range(100), 30)[0] == 0 and spark(range(100), 30)[-1] == 99
    assert len(spark(range(100), 30)) == 30 and spark([1, 2], 30) == [1.0, 2.0]


def test_a_forged_nickname_is_tidied_and_shown_as_text(mode, member):
    member.name_input.value = (XSS + "\x00\x1b[31m") * 10  # what a forged message could set
    summary = published(mode, member)
    assert len(summary.name) <= NAME_CHARS and "\x00" not in summary.name
    row = row_html(summary)
    assert "<script" not in row and "&lt;script&gt;" in row
    member.name_input.value = "   "
    assert published(mode, member).name.startswith("learner ")  # anonymous by default


def test_followers_go_to_the_lesson_others_stay(mode, member):
    other = ClassMember(PlaygroundApp(loop=False), mode)
    other.follow.value = False
    mode.store.send(Command("lesson", 3))
    member.tick(), other.tick()
    assert member.app.lessons.number == 3 and other.app.lessons.number == 0
    assert published(mode, member).lesson == 3


def test_commands_go_only_where_they_are_sent(mode, member):
    other = ClassMember(PlaygroundApp(loop=False), mode)
    mode.store.send(Command("lesson", 2, to=[other.id]))
    mode.store.send(Command("lesson", 99))  # no such lesson: ignored
    member.tick(), other.tick()
    assert member.app.lessons.number == 0 and other.app.lessons.number == 2


def test_pause_stops_training_and_a_banner_shows_as_text(mode, member):
    member.app.state.training = True
    member.follow.value = False
    mode.store.send(Command("banner", XSS))
    member.tick()
    assert member.banner.visible and "&lt;script&gt;" in member.banner.object
    assert "<script" not in member.banner.object
    assert member.app.state.training  # not following: pause is not for it
    member.follow.value = True
    mode.store.send(Command("pause"))
    member.tick()
    assert not member.app.state.training


def test_commands_sent_before_joining_are_not_replayed(mode):
    mode.store.send(Command("lesson", 4))
    late = ClassMember(PlaygroundApp(loop=False), mode)
    late.tick()
    assert late.app.lessons.number == 0


def test_histogram_on_a_log_axis():
    """One bin a decade from 1e-6 to 1: below and above land in the ends, 0 in the first."""
    counts = histogram([0.0, 1e-7, 1e-5, 1 / 12, 1 / 12, 5.0], bins=6)
    assert counts == [2, 1, 0, 0, 2, 1]


def test_the_summary_counts_the_bump(mode):
    app = PlaygroundApp(loop=False)

    def learner(i, width, loss):
        app.state.hidden = width
        return replace(summarize(app, str(i), f"l{i}"), loss=loss)

    learners = [learner(1, 2, BUMP / 2), learner(2, 2, 0.05), learner(3, 1, 1 / 12)]
    text = summary_html(learners)
    assert "1 of 2</b> with two neurons found the bump" in text and "<b>3</b> learners" in text


def test_the_teacher_page_lists_and_sends(mode, member):
    teacher = TeacherPage(mode)
    member.publish()
    teacher.refresh()
    assert 'class="tn-class-row"' in teacher.rows.object and "Ada" in teacher.rows.object
    assert teacher.to.options == {"Ada": member.id}
    teacher.to.value = [member.id]
    teacher.lesson.value = 3
    teacher.send_lesson.clicks += 1
    member.tick()
    assert member.app.lessons.number == 3


def test_only_the_teacher_page_needs_the_key(mode):
    allowed = authorize(mode)
    assert allowed(None, "/") and allowed(None, "/static/x.js")
    assert not allowed(None, "/teacher")  # no session, so no key


class FakeSession:
    """A served page's document as LaterBuilds sees it: open until ``close()``."""

    def __init__(self, loop):
        self.loop, self.session_context = loop, object()

    def add_next_tick_callback(self, callback):
        self.loop.add_callback(callback)

    def close(self):
        self.session_context = None


def test_lesson_parts_are_built_a_quiet_look_after_the_last_learner_entered():
    """app.classroom.learner.LaterBuilds: learners entering a lesson 0.3 s apart (within a
    look of each other) get their parts built only once a look has passed with nobody entering;
    a page closed meanwhile builds nothing; a stream of entries waits at most MAX_WAIT_S."""
    import asyncio

    from tornado.ioloop import IOLoop

    from app.classroom.learner import PERIOD_MS, LaterBuilds
    from tools.threads import run_on_own_thread

    async def scenario():
        loop, later = IOLoop.current(), LaterBuilds()
        start, built, entered = loop.time(), {}, []

        def enter(name, doc):
            entered.append(loop.time() - start)
            later.add(lambda: built.setdefault(name, loop.time() - start), doc)

        docs = [FakeSession(loop) for _ in range(4)]
        for k, doc in enumerate(docs):
            enter(k, doc)
            await asyncio.sleep(0.3)
        docs[3].close()
        await asyncio.sleep(PERIOD_MS / 1000 + 0.3)
        quiet = dict(built)
        stream = [FakeSession(loop) for _ in range(20)]  # entries that never pause for a look
        streamed = loop.time() - start
        for k, doc in enumerate(stream):
            enter(10 + k, doc)
            await asyncio.sleep(0.25)
        return entered, quiet, built, streamed

    entered, quiet, built, streamed = run_on_own_thread(scenario, timeout=30)
    last = entered[3]
    assert sorted(quiet) == [0, 1, 2]  # the closed page's build never ran
    assert all(last + PERIOD_MS / 1000 <= t for t in quiet.values()), (entered, quiet)
    first_streamed = min(t for name, t in built.items() if name >= 10)
    assert first_streamed <= streamed + LaterBuilds.MAX_WAIT_S + PERIOD_MS / 1000 + 0.5
    assert first_streamed < entered[-1]  # ... and did not wait for the stream to end


def test_a_learner_in_a_class_has_the_lesson_widgets_made_ahead_and_hidden(mode, member):
    from app.classroom.learner import PREPARE_AT

    lessons = member.app.lessons
    for _ in range(PREPARE_AT):
        member.tick()
    assert lessons._box.part is None  # a page just opened pays nothing for the lessons yet
    member.tick()
    assert lessons._box.part is not None and not lessons._box.shown and lessons.number == 0
    assert all(part.visible for part in member.app.blocks.values())  # the whole page still
    mode.store.send(Command("lesson", 2))
    member.tick()
    assert lessons._box.shown and "Lesson 2 of" in lessons._head.object
