"""Pinned runs in headless Chromium: pin two runs, read the comparison, bring one back; train
on from a past epoch and undo it."""
import pytest

from tests.browser.test_run_links import train_for_a_while

pytestmark = pytest.mark.browser


def test_pin_two_runs_compare_them_and_bring_one_back(playground):
    page = playground.open("/?hidden=2&speed=2000")
    first = train_for_a_while(playground, 400)
    playground.click(".tn-pin")
    playground.wait(lambda: "run 1" in playground.text(".tn-runs"), what="run 1 in the table")

    lr = page.locator(".tn-learning-rate .noUi-handle")
    lr.focus()
    page.keyboard.press("PageUp")  # half a decade up
    playground.wait(lambda: lr.get_attribute("aria-valuetext") not in (None, "0.5"),
                    what="a new learning rate")
    new_lr = float(lr.get_attribute("aria-valuetext"))
    playground.click(".tn-reset")
    playground.wait(lambda: playground.epoch() == 0, what="a new run")
    second = train_for_a_while(playground, 400)
    playground.click(".tn-pin")
    playground.wait(lambda: "run 2" in playground.text(".tn-runs"), what="run 2 in the table")

    rows = page.locator(".tn-runs tbody tr").evaluate_all(
        "(rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent.trim()))")
    assert [r[0] for r in rows] == ["run 1", "run 2", "now"]
    assert rows[0][3] == "0.5000" and float(rows[1][3]) == pytest.approx(new_lr, rel=1e-3)
    assert new_lr > 1
    assert rows[0][7] == f"{first:,}" and rows[1][7] == f"{second:,}"
    ghosts = playground.source("pinned_history")
    assert set(ghosts["run"]) == {"run 1", "run 2"}
    assert max(e for e, r in zip(ghosts["epoch"], ghosts["run"]) if r == "run 1") == first

    playground.click(".tn-pin-back-0")  # bring run 1 back
    playground.wait(lambda: playground.epoch() == first and "0.50" in playground.text(
        ".tn-learning-rate"), what="run 1 back, with its learning rate")
    assert "run 1 is back" in playground.text(".tn-message")


def test_training_on_from_a_past_epoch_can_be_undone(playground):
    page = playground.open("/?speed=2000")
    end = train_for_a_while(playground, 300)
    page.locator(".tn-timeline .noUi-handle").focus()
    page.keyboard.press("Home")
    page.keyboard.press("PageUp")
    playground.wait(lambda: " of " in playground.text(".tn-epoch"), what="back in training")
    shown = playground.epoch()
    weights = playground.weights()

    playground.click(".tn-step")
    playground.wait(lambda: playground.text(".tn-epoch") == f"epoch {shown + 1}",
                    what="a step from there")
    assert "set aside" in playground.text(".tn-message")
    playground.click(".tn-undo")
    playground.wait(lambda: playground.text(".tn-epoch") == f"epoch {shown} of {end:,}",
                    what="the run as it was")
    assert playground.weights() == weights
    assert not page.locator(".tn-undo").is_visible()
