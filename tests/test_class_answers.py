"""Answers come in: a learner's pick in a lesson that asks for one is published (as the server
saw it) and the teacher's page tallies the class's picks per weight, with how many are right."""

from app.classroom.learner import ClassMember
from app.classroom.teacher import TeacherPage, answers_html
from app.lessons import LESSONS, most_moved
from app.main import PlaygroundApp

PICK = next(n for n, lesson in enumerate(LESSONS, 1) if lesson.choices)  # "One step downhill"


def on_the_lesson(mode) -> ClassMember:
    member = ClassMember(PlaygroundApp(loop=False), mode)
    member.app.lessons.number = PICK
    return member


def pick(member, slot: str) -> None:
    member.app.state.step = True  # the lesson's Step, then the pick's button
    member.app.lessons._choices[slot].clicks += 1  # what a click on the button does


def test_the_teacher_sees_the_tally_of_picks(mode):
    right, wrong, waiting = (on_the_lesson(mode) for _ in range(3))
    pick(right, most_moved(right.app.state, right.app.lessons._progress))
    wrong_slot = next(s for s in ("b2", "w1_1") if s != right.app.lessons.answer)
    pick(wrong, wrong_slot)
    for member in (right, wrong, waiting):
        member.publish()
    assert [s.answer for s in mode.store.learners() if s.id == right.id] == [
        right.app.lessons.answer]
    teacher = TeacherPage(mode)
    text = teacher.answers.object
    assert f"Lesson {PICK}, {LESSONS[PICK - 1].title}" in text
    assert "<b>1 of 3</b> right" in text and "not yet: <b>1</b>" in text
    assert text.count(": <b>1</b></td>") == 3  # the right pick, the wrong one, not yet
    assert "w₁: <b>" in text and "b₂: <b>" in text


def test_no_tally_without_a_lesson_that_asks(mode):
    member = ClassMember(PlaygroundApp(loop=False), mode)
    member.app.lessons.number = 1
    member.publish()
    assert not LESSONS[0].choices and answers_html(mode.store.learners()) == ""


def test_a_pick_that_is_no_weight_is_not_counted(mode):
    member = on_the_lesson(mode)
    member.publish()
    (summary,) = mode.store.learners()
    summary.answer = "<script>"
    assert "script" not in answers_html([summary]) and "not yet: <b>1</b>" in answers_html(
        [summary])
