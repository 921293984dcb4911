"""The teacher leads in Chromium (``tinynet-playground --class``): spotlights one of three
learners and reads its fit and loss, sees a lesson's picks tallied, and opens a playground state
on the pages that follow (not on one that does not)."""
import re

import numpy as np
import pytest

from app.lessons import LESSONS
from tests.conftest import Playground
from tools.page import shadow_text, source_data

pytestmark = pytest.mark.browser
LAG_S = 2.0  # the teacher's page follows the learners, and they the teacher, within this
PICK = next(n for n, lesson in enumerate(LESSONS, 1) if lesson.choices)
TEACHERS_STATE = "?hidden=2&lr=2&w1=4,-3&b1=-1,2&w2=1.5,-0.5&b2=0.25"


def test_spotlight_answers_and_the_teachers_state(browser, class_urls):
    learners_url, teacher_url = class_urls
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tabs = {}
    for name, query in (("Ada", "?name=Ada"), ("Bo", "?name=Bo"), ("Cy", "?name=Cy&hidden=2")):
        tabs[name] = Playground(context.new_page(), learners_url)
        tabs[name].open("/" + query)
    cy = tabs["Cy"]
    train = cy.page.locator(".tn-train button")
    train.click()
    cy.wait(lambda: cy.epoch() > 300, what="Cy's training")
    train.click()
    cy.wait(lambda: "Train" in train.inner_text(), what="Cy's pause")
    epoch, loss = cy.epoch(), cy.loss()

    teacher = Playground(context.new_page(), learners_url)
    teacher.page.goto(teacher_url)
    spot = teacher.page.locator(".tn-spotlight-choose select")
    teacher.wait(lambda: "Cy" in spot.inner_text(), what="Cy offered for the spotlight")
    assert not teacher.page.locator(".tn-spotlight").is_visible()
    spot.focus()  # by keyboard: the chooser is a select
    spot.select_option(label="Cy")
    heading = ".tn-spotlight-heading"
    teacher.wait(lambda: teacher.page.locator(heading).is_visible()
                 and f"epoch {epoch}," in shadow_text(teacher.page, heading), timeout=LAG_S + 1,
                 what=f"Cy's epoch {epoch} in the spotlight")
    text = shadow_text(teacher.page, heading)
    assert "2 neurons" in text and "Cy" not in text  # the name hidden until asked
    assert float(re.search(r"loss (\S+)", text).group(1)) == pytest.approx(loss, rel=1e-4)
    # the fit: Cy's data, and a curve through Cy's own predictions at them
    points, curve = (source_data(teacher.page, n) for n in ("spotlight-points", "spotlight-curve"))
    own = cy.source("fit_points")
    assert points["x"] == own["x"] and points["y"] == own["y"]
    assert np.interp(own["x"], curve["x"], curve["y"]) == pytest.approx(own["y_hat"], abs=1e-2)
    losses = source_data(teacher.page, "spotlight-loss")["loss"]
    assert losses[-1] == pytest.approx(loss, rel=1e-4) and losses[0] > losses[-1]
    teacher.page.locator(".tn-spotlight-name input").check()
    teacher.wait(lambda: shadow_text(teacher.page, heading).startswith("Cy"), what="the name shown")

    # the teacher sends the lesson that asks for a pick; Ada steps and picks
    teacher.page.locator(".tn-teacher-lesson select").select_option(
        label=f"{PICK}. {LESSONS[PICK - 1].title}")
    teacher.page.locator(".tn-teacher-send-lesson button").click()
    ada = tabs["Ada"]
    ada.wait(lambda: f"Lesson {PICK} of" in ada.text(".tn-lesson-head"), timeout=LAG_S + 2,
             what="the lesson on Ada's page")
    ada.click(".tn-step")
    ada.wait(lambda: ada.epoch() == 1, what="Ada's step")
    ada.page.locator(".tn-lesson-choice-b2 button").click()
    teacher.wait(lambda: "b₂: 1" in shadow_text(teacher.page, ".tn-class-answers"),
                 timeout=LAG_S + 2, what="Ada's pick in the tally")
    assert "not yet: 2" in shadow_text(teacher.page, ".tn-class-answers")  # Bo and Cy

    # Bo stops following; the teacher opens a state of its own on the followers' pages
    bo = tabs["Bo"]
    bo.page.locator(".tn-follow input").uncheck()
    bo.page.wait_for_timeout(300)  # Panel's debounce, and the message to the server
    teacher.page.locator(".tn-teacher-link input").fill("http://nowhere/?colour=red")
    teacher.page.locator(".tn-teacher-send-link button").click()
    teacher.wait(lambda: "not a playground link" in teacher.text(".tn-teacher-link-notice"),
                 what="the teacher told the link is bad")
    teacher.page.locator(".tn-teacher-link input").fill(learners_url + "/" + TEACHERS_STATE)
    teacher.page.locator(".tn-teacher-send-link button").click()
    ada.wait(lambda: "opened a playground state" in ada.text(".tn-class-banner"),
             timeout=LAG_S + 1, what="the state opened on Ada's page")
    ada.wait(lambda: ada.weights().get("w1_2") == -3 and ada.weights().get("b2") == 0.25,
             what="the teacher's weights on Ada's page")
    assert not ada.page.locator(".tn-lesson-head").is_visible()  # the playground, as the link
    bo.page.wait_for_timeout(1000)
    assert "w1_2" not in bo.weights() and "opened" not in bo.text(".tn-class-banner")
    for tab in (*tabs.values(), teacher):
        assert not tab.errors and not tab.outside, (tab.errors, tab.outside)
    context.close()
