"""Class mode in Chromium (``tinynet-playground --class``): three learners' pages and the
teacher's page, as a class and its teacher use them."""
import re
import time
from collections import defaultdict

import pytest

from app.classroom.learner import PERIOD_MS, PUBLISH_EVERY
from app.classroom.teacher import PERIOD_MS as TEACHER_PERIOD_MS
from app.lessons import LESSONS
from tests.conftest import Playground, wait_until
from tools.page import shadow_text

pytestmark = pytest.mark.browser
LAG_S = 2.0  # the teacher's page follows the learners, and they the teacher, within this
PUBLISH_S = PUBLISH_EVERY * PERIOD_MS / 1000  # how long a learner's state waits to be published
TEACHER_S = TEACHER_PERIOD_MS / 1000  # and then to be read by the teacher's page


def rows(teacher) -> dict[str, str]:
    """The teacher page's rows by the learner's name (the first cell); '' for a name not
    there (also while the rows are being redrawn)."""
    found = defaultdict(str)
    for text in teacher.locator(".tn-class-row").all_inner_texts():
        name, _, rest = text.partition("\t")
        found[name.strip()] = rest
    return found


def epoch_loss(row: str) -> tuple[int, float]:
    return (int(re.search(r"epoch (\d+)", row).group(1)),
            float(re.search(r"loss (\S+)", row).group(1)))


def test_the_teacher_sees_the_class_and_leads_it(browser, class_urls):
    learners_url, teacher_url = class_urls
    context = browser.new_context()
    tabs = {}
    for name, query in (("Ada", "?name=Ada"), ("Bo", "?name=Bo"),
                        ("Cy", "?name=Cy&hidden=2")):
        tab = Playground(context.new_page(), learners_url)
        tab.open("/" + query)
        tabs[name] = tab
    teacher = Playground(context.new_page(), learners_url)
    teacher.page.goto(teacher_url)
    teacher.wait(lambda: set(rows(teacher.page)) == {"Ada", "Bo", "Cy"}, timeout=10,
                 what="three rows on the teacher's page")
    assert "2 neurons" in rows(teacher.page)["Cy"] and "1 neuron" in rows(teacher.page)["Ada"]

    # Cy trains: the teacher's row follows the epoch and the loss
    cy = tabs["Cy"]
    train = cy.page.locator(".tn-train button")
    train.click()
    cy.wait(lambda: cy.epoch() > 200 and "Pause" in train.inner_text(), what="Cy's training")
    train.click()
    cy.wait(lambda: "Train" in train.inner_text(), what="Cy's pause")
    epoch, loss = cy.epoch(), cy.loss()
    paused = time.monotonic()
    teacher.wait(lambda: epoch_loss(rows(teacher.page)["Cy"])[0] == epoch, timeout=LAG_S + 1,
                 what=f"Cy's epoch {epoch} on the teacher's page")
    assert time.monotonic() - paused < LAG_S
    assert epoch_loss(rows(teacher.page)["Cy"])[1] == pytest.approx(loss, rel=1e-3)
    assert "idle" in rows(teacher.page)["Cy"]
    assert "3 learners" in shadow_text(teacher.page, ".tn-class-summary")

    # Bo turns "follow the teacher" off; the teacher sends lesson 3
    bo = tabs["Bo"]
    bo.page.locator(".tn-follow input").uncheck()
    bo.page.wait_for_timeout(300)  # Panel's debounce, and the message to the server
    teacher.page.locator(".tn-teacher-lesson select").select_option(label=f"3. {LESSONS[2].title}")
    teacher.page.locator(".tn-teacher-send-lesson button").click()
    # each follower's session is in lesson 3 (its row says so: the learner published it
    # after obeying, and the teacher's page showed it, so within LAG_S + those two periods)
    sent = time.monotonic()
    teacher.wait(lambda: all("lesson 3" in rows(teacher.page)[name] for name in ("Ada", "Cy")),
                 timeout=LAG_S + 2, what="Ada and Cy in lesson 3 on the teacher's page")
    assert time.monotonic() - sent < LAG_S + PUBLISH_S + TEACHER_S
    for name in ("Ada", "Cy"):  # ... and their pages show it, once the browser has drawn it
        tab = tabs[name]
        tab.wait(lambda: "Lesson 3 of" in shadow_text(tab.page, ".tn-lesson-head"),
                 timeout=20, what=f"lesson 3 on {name}'s page")
    bo.page.wait_for_timeout(1000)
    assert not bo.page.locator(".tn-lesson-head").is_visible()
    assert "lesson" not in rows(teacher.page)["Bo"]

    # a banner reaches every learner, Bo too (it asks nothing of him)
    teacher.page.locator(".tn-teacher-message input").fill("<b>Eyes</b> on the board")
    teacher.page.locator(".tn-teacher-send-message button").click()
    for tab in tabs.values():
        tab.wait(lambda: "<b>Eyes</b> on the board" in shadow_text(tab.page, ".tn-class-banner"),
                 timeout=LAG_S + 1, what="the banner")

    # a learner who closes the tab leaves the list
    tabs["Ada"].page.close()
    wait_until(lambda: "Ada" not in rows(teacher.page), timeout=10,
               what="Ada gone from the teacher's page", page=teacher.page)
    for tab in (*tabs.values(), teacher):
        assert not tab.errors and not tab.outside, (tab.errors, tab.outside)
    context.close()
