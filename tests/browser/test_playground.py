"""The playground in headless Chromium: what a person does, checked against tinynet's numbers."""
import numpy as np
import pytest

import tinynet

pytestmark = pytest.mark.browser

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
SHOWN = 5e-7  # the loss readout shows 6 decimals


def article_trainer(epochs=0, learning_rate=0.5):
    """The article's network after ``epochs`` gradient-descent steps, as the app trains it."""
    trainer = tinynet.Trainer(tinynet.Network(**tinynet.ARTICLE), X, Y,
                              tinynet.GradientDescent(learning_rate))
    trainer.run(epochs)
    return trainer


def test_page_loads_with_the_articles_loss(playground):
    page = playground.open("/")
    start = tinynet.Network(**tinynet.ARTICLE).loss(X, Y)
    assert playground.loss() == pytest.approx(start, abs=SHOWN)
    assert "0.126712" in playground.text(".tn-loss")
    assert playground.epoch() == 0
    assert page.locator(".tn-weights .noUi-target").count() == 4
    curve = playground.source("fit_curve")
    np.testing.assert_allclose(curve["y"], tinynet.Network(**tinynet.ARTICLE).predict(curve["x"]))
    assert playground.source("loss_history")["loss"] == [pytest.approx(start)]
    assert playground.errors == [] and playground.outside == []


def test_w1_slider_moved_with_the_keyboard(playground):
    page = playground.open("/")
    handle = page.locator(".tn-weights .noUi-handle").first
    handle.focus()
    for _ in range(8):  # quickly, as a held key does: no press may be lost to an echo
        page.keyboard.press("ArrowRight")
    playground.wait(lambda: playground.slider_values()[0] == pytest.approx(0.58),
                    what="w1 eight steps of 0.01 from 0.5")
    page.wait_for_timeout(300)  # and no late echo from the server moves it back
    w1 = playground.slider_values()[0]
    assert w1 == pytest.approx(0.58)
    moved = tinynet.Network([w1], [-0.1], [0.3], 0.2)
    expected = moved.loss(X, Y)
    playground.wait(lambda: abs(playground.loss() - expected) < SHOWN,
                    what=f"loss {expected:.6f} for w1={w1}")
    curve = playground.source("fit_curve")
    np.testing.assert_allclose(curve["y"], moved.predict(curve["x"]))


def test_w1_dragged_far_past_its_end_stops_there(playground):
    """A mouse drag past the slider's end sets the end's value and leaves the range as it was."""
    page = playground.open("/")
    track = page.locator(".tn-weights .noUi-target").first
    handle = track.locator(".noUi-handle")
    box, bar = handle.bounding_box(), track.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    end = bar["x"] + bar["width"]
    for x in range(int(box["x"]), int(end) + 300, 10):  # slowly, so the server follows it
        page.mouse.move(x, y)
        page.wait_for_timeout(30)
    page.wait_for_timeout(300)
    page.mouse.up()
    playground.wait(lambda: playground.slider_values()[0] == 8.0, what="w1 at the end, 8")
    page.wait_for_timeout(300)  # and no later change of range moves it
    assert track.evaluate("(el) => el.noUiSlider.options.range") == {"min": -8, "max": 8}
    assert playground.slider_values()[0] == 8.0
    expected = tinynet.Network([8.0], [-0.1], [0.3], 0.2).loss(X, Y)
    playground.wait(lambda: abs(playground.loss() - expected) < SHOWN,
                    what=f"loss {expected:.6f} for w1=8")


def test_step_then_reset(playground):
    playground.open("/")
    playground.click(".tn-step")
    stepped = article_trainer(1).loss
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    assert playground.loss() == pytest.approx(stepped, abs=SHOWN)
    assert "0.123780" in playground.text(".tn-loss")
    playground.click(".tn-reset")
    playground.wait(lambda: playground.epoch() == 0, what="epoch 0 after Reset")
    assert playground.loss() == pytest.approx(article_trainer(0).loss, abs=SHOWN)
    assert "0.126712" in playground.text(".tn-loss")


def test_train_then_pause(playground):
    page = playground.open("/")
    train = page.locator(".tn-train button")
    train.click()
    first = playground.wait(lambda: playground.epoch() > 0 and len(
        playground.source("loss_history")["epoch"]), what="training to start")
    playground.wait(lambda: len(playground.source("loss_history")["epoch"]) > first + 5,
                    what="loss_history to grow while training")
    assert "Pause" in train.inner_text()
    train.click()
    playground.wait(lambda: "Train" in train.inner_text(), what="the Train label back")
    paused = playground.epoch()
    page.wait_for_timeout(500)
    assert playground.epoch() == paused > 0
    history = playground.source("loss_history")
    assert history["epoch"][-1] == paused
    # the readout is the loss after the epochs the page says were run
    assert playground.loss() == pytest.approx(article_trainer(paused).loss, abs=SHOWN)


def test_width_two_then_back_to_one(playground):
    page = playground.open("/")
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="epoch 1")
    one_neuron = playground.slider_values()

    playground.click(".tn-width", "2")
    bump = tinynet.Network(**tinynet.BUMP)
    playground.wait(lambda: page.locator(".tn-weights .noUi-target").count() == 7,
                    what="7 sliders for two neurons")
    playground.wait(lambda: abs(playground.loss() - bump.loss(X, Y)) < SHOWN,
                    what="the bump's loss")
    assert playground.epoch() == 0
    assert playground.slider_values() == pytest.approx(bump.theta.tolist())

    playground.click(".tn-width", "1")
    playground.wait(lambda: page.locator(".tn-weights .noUi-target").count() == 4,
                    what="4 sliders for one neuron")
    playground.wait(lambda: playground.epoch() == 1, what="the H=1 epoch kept")
    assert playground.slider_values() == pytest.approx(one_neuron)
    assert playground.loss() == pytest.approx(article_trainer(1).loss, abs=SHOWN)


def test_url_follows_a_step(playground):
    page = playground.open("/")
    playground.click(".tn-step")
    net = article_trainer(1).net
    wanted = {"w1": repr(float(net.w1[0])), "b2": repr(float(net.b2))}
    playground.wait(lambda: all(f"{k}={v}" in page.url for k, v in wanted.items()),
                    what=f"the URL to hold {wanted}")
    assert "epoch=1" in page.url and "hidden=" not in page.url  # defaults are left out
