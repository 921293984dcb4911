"""Guided lessons and teacher links in headless Chromium: each lesson opens from its link with
fewer parts than the page, tasks are confirmed when a person does them, ?show= focuses the page,
and bad values are named in a notice on a page that still works."""
import re
from urllib.parse import parse_qs, urlparse

import pytest

from app import urlstate
from app.lessons import LESSONS
from app.main import PlaygroundApp
from app.session import Session
from tools import oracle

pytestmark = pytest.mark.browser


def visible(page, css: str) -> int:
    loc = page.locator(css)
    return sum(loc.nth(i).is_visible() for i in range(loc.count()))


def blocks(page) -> set[str]:
    """The names of the page's parts that are shown."""
    loc = page.locator("[class*='tn-block-']")
    names = set()
    for i in range(loc.count()):
        if loc.nth(i).is_visible():
            names |= set(re.findall(r"tn-block-(\w+)", loc.nth(i).get_attribute("class")))
    return names


def lesson_text(playground) -> str:
    return playground.text(".tn-lesson-head") + " " + playground.text(".tn-lesson")


def done(page) -> bool:
    return page.locator(".tn-lesson-done").is_visible()


def slide_to(playground, slot: str, index: int, target: float, step: float = 0.05) -> None:
    """Move a weight's slider with PageUp/PageDown to ``target``, a key at a time, looking at
    the slider after each press as a person does (the page may move it back while it catches
    up with an earlier press)."""
    page = playground.page
    page.locator(f".tn-weight-{slot} .noUi-handle").focus()
    for _ in range(40):
        value = playground.slider_values()[index]
        if abs(value - target) < step / 10:
            return
        page.keyboard.press("PageUp" if value < target else "PageDown")
        page.wait_for_timeout(250)
    raise AssertionError(f"{slot} did not reach {target}: {value}")


def test_each_lesson_opens_from_its_link_with_fewer_parts(playground):
    page = playground.open("/")
    playground.reach("tables", "graph", "diagram", "landscape", "race", "lottery")  # scrolled
    full_parts, full_plots = blocks(page), visible(page, ".bk-Figure")
    assert len(full_parts) == len(PlaygroundApp(loop=False).blocks) and full_plots >= 5
    assert page.locator(".tn-lesson-start").is_visible()
    for n, lesson in enumerate(LESSONS, 1):
        playground.open(f"/?lesson={n}")
        playground.wait(lambda: lesson.title in lesson_text(playground), what=lesson.title)
        assert f"Lesson {n} of {len(LESSONS)}" in lesson_text(playground)
        parts = blocks(page)
        assert "controls" in parts and parts < full_parts, (n, parts)
        assert visible(page, ".bk-Figure") < full_plots
        assert not done(page)
        assert not page.locator(".tn-notice").is_visible()


def test_forward_pass_task_with_the_keyboard(playground):
    page = playground.open("/?lesson=1")
    slide_to(playground, "w2_1", 2, 0.55)  # y_hat(2) = 0.591, not yet
    page.wait_for_timeout(500)
    assert not done(page)
    slide_to(playground, "w2_1", 2, 0.6)  # y_hat(2) = 0.627
    playground.wait(lambda: done(page), what="lesson 1 confirmed")
    assert "w₂" in playground.text(".tn-lesson-done")


def test_chain_rule_task_w2_to_zero_then_next_and_back(playground):
    page = playground.open("/?lesson=3")
    slide_to(playground, "w2_1", 2, 0.0)  # w2: 0.3 -> 0
    playground.wait(lambda: done(page), what="lesson 3 confirmed")
    page.locator(".tn-lesson-next button").click()
    playground.wait(lambda: "Lesson 4 of" in lesson_text(playground), what="lesson 4")
    playground.wait(lambda: "lesson=4" in page.url, what="lesson=4 in the URL")
    assert not done(page)  # a new lesson, a new task
    assert playground.slider_values()[2] == pytest.approx(0.3)  # back at its start
    page.locator(".tn-lesson-back button").click()
    playground.wait(lambda: "lesson=3" in page.url, what="lesson=3 in the URL")
    assert "Lesson 3 of" in lesson_text(playground) and not done(page)


def test_one_step_task_with_the_mouse(playground):
    page = playground.open("/?lesson=4")
    page.locator(".tn-lesson-choice-b2 button").click()  # right, but no step yet
    playground.wait(lambda: "Step first" in playground.text(".tn-lesson-answer"), what="hint")
    assert not done(page)
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    playground.wait(lambda: "before the step" in playground.text(".tn-lesson-answer"),
                    what="pick again")
    assert not done(page)
    page.locator(".tn-lesson-choice-w1_1 button").click()
    playground.wait(lambda: "Not that one" in playground.text(".tn-lesson-answer"), what="no")
    assert not done(page)
    page.locator(".tn-lesson-choice-b2 button").click()
    playground.wait(lambda: done(page), what="lesson 4 confirmed")


def test_bump_task_switch_to_two_and_train_then_leave(playground):
    page = playground.open("/?lesson=7")
    playground.click(".tn-width", "2")
    playground.wait(lambda: page.locator(".tn-weights .noUi-target").count() == 7,
                    what="two neurons")
    assert not done(page)
    page.locator(".tn-train button").click()
    playground.wait(lambda: done(page), timeout=30, what="lesson 7 confirmed")
    playground.wait(lambda: playground.loss() < 0.01, what="the loss below 0.01")
    page.locator(".tn-train button").click()  # pause
    page.locator(".tn-lesson-exit button").click()
    every = len(PlaygroundApp(loop=False).blocks)
    playground.reach("tables", "graph", "diagram", "landscape", "race", "lottery")  # scrolled
    playground.wait(lambda: len(blocks(page)) == every, what="the whole playground")
    assert not page.locator(".tn-lesson-box").is_visible()
    playground.wait(lambda: "lesson=" not in page.url, what="lesson gone from the URL")


def test_show_fit_and_loss_shows_those_two_plots_only(playground):
    page = playground.open("/?show=fit,loss")
    assert blocks(page) == {"controls", "readouts", "fit", "loss"}
    assert visible(page, ".bk-Figure") == 2
    assert visible(page, ".tn-block-fit .bk-Figure") == visible(page, ".tn-block-loss .bk-Figure")
    assert visible(page, ".tn-block-fit .bk-Figure") == 1
    assert not page.locator(".tn-lesson-start").is_visible()
    assert not page.locator(".tn-notice").is_visible()
    playground.click(".tn-step")  # the Train controls stay and work
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    playground.wait(lambda: "show=fit,loss" in page.url, what="show kept in the URL")


@pytest.mark.parametrize("path, named", [
    ("/?show=fit,%3Cb%3Ebogus%3C/b%3E", "'<b>bogus</b>'"),
    ("/?lesson=99", "lesson='99'"),
    ("/?lesson=two", "lesson='two'"),
])
def test_a_bad_show_or_lesson_gives_a_notice_and_a_working_page(playground, path, named):
    page = playground.open(path)
    notice = page.locator(".tn-notice")
    playground.wait(notice.is_visible, what="the notice")
    assert named in playground.text(".tn-notice")
    assert page.locator(".tn-notice b").count() == 0  # quoted as text, never markup
    assert not page.locator(".tn-lesson-box").is_visible()
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")


def session_of_link(url: str) -> Session:
    """The session a page's link describes (the page writes its session into its link)."""
    settings, notices = urlstate.parse_query(parse_qs(urlparse(url).query))
    assert not notices, notices
    s = Session()
    urlstate.apply(s, settings)
    return s


def assert_page_shows_its_session(playground, what: str) -> None:
    """Every value the page shows (tools/oracle.py) is the session's, as its link says."""
    page = playground.page
    wrong = {}

    def agree():
        want = oracle.expected(session_of_link(page.url))
        wrong.clear()
        wrong.update(oracle.differences(oracle.shown_in_chromium(page), want, oracle.STEP))
        return not wrong

    try:
        playground.wait(agree, timeout=10, what=what)
    except AssertionError:
        raise AssertionError(f"{what}: the page shows (shown, session's): {wrong}") from None


def test_next_and_back_through_every_lesson_show_the_session(playground):
    """The reported path (train in lesson 6, Pause, Next), then Back to lesson 1 and Next to
    lesson 7: after each, the page shows what the session holds."""
    page = playground.open("/?lesson=6")
    playground.wait(lambda: "Lesson 6 of" in lesson_text(playground), what="lesson 6")
    assert_page_shows_its_session(playground, "lesson 6")
    playground.click(".tn-train")
    page.wait_for_timeout(2500)
    playground.click(".tn-train")
    assert_page_shows_its_session(playground, "lesson 6 trained")
    path = ["next"] + ["back"] * 6 + ["next"] * 6
    for n, move in zip([7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7], path):
        playground.click(f".tn-lesson-{move}")
        playground.wait(lambda n=n: f"Lesson {n} of" in lesson_text(playground),
                        what=f"lesson {n}")
        assert_page_shows_its_session(playground, f"{move} to lesson {n}")


def test_the_loss_lesson_in_the_browser(playground):
    """Lesson 8: the settings card is on the lesson's page; cross-entropy chosen there and
    trained, the task is confirmed and the praise names where one neuron stops."""
    page = playground.open("/?lesson=8")
    assert "Lesson 8 of" in lesson_text(playground)
    page.locator(".tn-settings-card").first.click()  # open the card
    page.locator(".tn-loss-choice select").select_option(label="cross-entropy (sigmoid output)")
    playground.wait(lambda: "loss=cross_entropy" in page.url, what="cross-entropy chosen")
    assert not done(page)
    page.locator(".tn-train button").click()
    playground.wait(lambda: done(page), timeout=30, what="lesson 8 confirmed")
    assert playground.loss() < 0.485
    assert "0.4774" in playground.text(".tn-lesson-done")
