""""Open the teacher's state" without a server: a link the teacher sends makes each following
learner's page what opening that link makes; a bad link gets the teacher a message and reaches
nobody."""
from urllib.parse import urlencode

import pytest

from app import urlstate
from app.classroom.learner import ClassMember
from app.classroom.links import check, query_of
from app.classroom.store import LINK_CHARS
from app.classroom.teacher import TeacherPage
from app.main import PlaygroundApp


def teachers_link() -> str:
    """The address of a playground with two neurons trained 1500 epochs at lr 2."""
    app = PlaygroundApp(loop=False)
    app.state.param.update(hidden=2, learning_rate=2.0)
    app.state.advance(1500)
    return "http://10.0.0.5:5006/?" + urlencode(urlstate.to_query(app.state), safe=",:")


def opened(link: str) -> PlaygroundApp:
    """A new page opened at ``link``, as the playground opens one."""
    app = PlaygroundApp(loop=False)
    settings, notices = urlstate.parse_query(query_of(link))
    assert notices == []
    urlstate.apply(app.state, settings)
    return app


def test_a_following_learner_opens_the_link_as_a_new_page_would(mode):
    link = teachers_link()
    follower, other = (ClassMember(PlaygroundApp(loop=False), mode) for _ in range(2))
    s = follower.app.state
    s.param.update(activation="tanh", momentum=0.5, optimizer="momentum")  # not in the link
    s.advance(200)
    follower.app.lessons.number = 2
    other.follow.value = False
    teacher = TeacherPage(mode)
    teacher.link.value = link
    teacher.send_link.clicks += 1
    follower.tick(), other.tick()
    want = opened(link).state
    assert (s.hidden, s.epoch, s.activation, s.optimizer) == (2, 1500, "sigmoid", "gd")
    assert s.weights() == want.weights() and s.loss() == want.loss()
    assert s.learning_rate == 2.0 and follower.app.lessons.number == 0
    assert follower.banner.visible and "opened a playground state" in follower.banner.object
    assert other.app.state.hidden == 1 and other.app.state.epoch == 0  # follow off: stays
    assert "Sent" in teacher.link_notice.object


@pytest.mark.parametrize("link, why", [
    ("", "Paste a playground link"),
    ("http://example.com/?q=cats", "not a playground link (q is not a playground key)"),
    ("http://10.0.0.5:5006/?hidden=7", "cannot be sent as it is: hidden=&#x27;7&#x27; was ignored"),
    ("?lesson=99", "there are lessons 1 to"),
    ("?w1=" + "1," * LINK_CHARS, "too long"),
])
def test_a_bad_link_reaches_nobody(mode, link, why):
    learner = ClassMember(PlaygroundApp(loop=False), mode)
    teacher = TeacherPage(mode)
    teacher.link.value = link
    teacher.send_link.clicks += 1
    assert why in teacher.link_notice.object and teacher.link_notice.visible
    assert mode.store.last_seq() == 0  # nothing sent
    learner.tick()
    assert not learner.banner.visible


def test_a_link_with_a_lesson_opens_it():
    assert check("?lesson=3")[0] == "lesson=3" and check("hidden=2&lr=0.5")[0]
