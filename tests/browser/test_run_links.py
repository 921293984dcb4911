"""A run's link in headless Chromium: train, change the learning rate, train on, go back on the
timeline; the address then opens, in a new tab, the same run at the same epoch, bit for bit."""
import pytest

from tests.conftest import Playground

pytestmark = pytest.mark.browser


def train_for_a_while(playground, beyond: int) -> int:
    playground.click(".tn-train")
    playground.wait(lambda: playground.epoch() > beyond, what=f"training past {beyond}")
    playground.click(".tn-train")
    playground.wait(lambda: "Train" in playground.text(".tn-train"), what="paused")
    playground.page.wait_for_timeout(300)
    return playground.epoch()


def test_a_runs_link_opens_the_same_run_in_a_new_tab(playground, context, app_url):
    page = playground.open("/?hidden=2&speed=2000")
    first = train_for_a_while(playground, 300)
    lr = page.locator(".tn-learning-rate .noUi-handle")
    lr.focus()
    page.keyboard.press("ArrowRight")  # a tenth of a decade up: the run takes a turn here
    playground.wait(lambda: "0.50" not in playground.text(".tn-learning-rate"), what="new lr")
    end = train_for_a_while(playground, first + 300)

    timeline = page.locator(".tn-timeline .noUi-handle")
    timeline.focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("PageUp")
    playground.wait(lambda: " of " in playground.text(".tn-epoch"), what="back on the timeline")
    shown = playground.epoch()
    assert 0 < shown < end
    playground.wait(lambda: "run=" in page.url and f"epoch={shown}&" in page.url + "&",
                    what="the address holds the run and the epoch shown")
    weights = playground.weights()
    assert len(weights) == 7

    other = Playground(context.new_page(), app_url)
    other.open(page.url[len(app_url):])
    other.wait(lambda: other.text(".tn-epoch") == playground.text(".tn-epoch"),
               what="the same epoch, of the same end")
    assert other.weights() == weights  # bit for bit: exact floats, not approx
    assert other.text(".tn-loss") == playground.text(".tn-loss")
    assert not other.page.locator(".tn-notice").is_visible()

    # and the run's end is the same network too
    for tab in (playground, other):
        tab.page.locator(".tn-timeline .noUi-handle").focus()
        tab.page.keyboard.press("End")
        tab.wait(lambda tab=tab: tab.epoch() == end and " of " not in tab.text(".tn-epoch"),
                 what="the end")
    assert other.weights() == playground.weights()
    assert not other.errors and not other.outside


def test_a_damaged_run_in_a_link_is_named_and_the_page_works(playground):
    page = playground.open("/?hidden=2&run=1.eJzLSM3JyQcABiwCFQ&lr=0.3")
    notice = page.locator(".tn-notice")
    playground.wait(notice.is_visible, what="the notice")
    assert "run=" in playground.text(".tn-notice") and "ignored" in playground.text(".tn-notice")
    assert page.locator(".tn-weights .noUi-target").count() == 7  # the rest of the link holds
    assert "0.30" in playground.text(".tn-learning-rate")
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="a step")


def test_a_long_run_loaded_from_its_file_comes_back_and_the_page_says_its_link_cannot_hold_it(
        playground, tmp_path):
    """A weight dragged all through training: hundreds of changes, more than a link holds."""
    from app import export
    from app.session import Session

    s = Session(hidden=2)
    for k in range(600):
        s.set_values(w1_1=2 + k / 1000)
        s.advance(3)
    s.go_to(1000)
    file = tmp_path / "weights.json"
    file.write_text(export.weights_json(s))

    page = playground.open("/")
    assert not page.locator(".tn-run-link").is_visible()
    page.locator(".tn-export-card .card-header").first.click()
    page.locator(".tn-import input[type=file]").set_input_files(str(file))
    playground.wait(lambda: "replayed exactly" in playground.text(".tn-export-message"),
                    what="the file's run replayed", timeout=20)
    playground.wait(lambda: playground.text(".tn-epoch") == f"epoch 1000 of {s.end:,}",
                    what="the epoch the file shows")
    from app.session import slot_names
    assert playground.weights() == dict(zip(slot_names(2), s.net.theta.tolist()))
    playground.wait(lambda: page.locator(".tn-run-link").is_visible(), what="the link's note")
    assert "weights.json" in playground.text(".tn-run-link")
    assert "run=" not in page.url and "epoch=1000" in page.url
