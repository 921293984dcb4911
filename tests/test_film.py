"""The film (app/film.py) and what a step on the timeline sends, without a browser: the film
plays to either end and stops on anything the learner does; a scrub sends the fit first, a
film's frame one message, and neither refits the loss plot's axis."""
import numpy as np
import pytest

from app.main import PlaygroundApp
from app.views import film as film_view
from app.views import loss
from tools.mirror import Mirror


@pytest.fixture
def served():
    """A playground served into a document (pn.io.hold batches as in a session), trained 600
    epochs at two neurons."""
    mirror = Mirror(lambda: PlaygroundApp(loop=False))
    with mirror.current():
        app = mirror.viewable
        app.state.hidden = 2
        for _ in range(6):
            app.state.advance(100)
        app.state.notify()
        mirror.sync()
        yield mirror, app
    mirror.close()


def test_the_film_plays_to_the_end_and_from_the_end_backwards(served):
    _, app = served
    s, film = app.state, app.timeline.film.film
    s.replaying = True  # at the end, forwards: from the start again
    assert s.epoch == 0 and s.replaying
    film.speed = 100
    film.tick(1.0)
    assert s.epoch == 100 and s.replaying
    film.tick(0.004)  # under one epoch: carried to the next frame
    film.tick(0.006)
    assert s.epoch == 101
    film.tick(10.0)
    assert s.epoch == s.end == 600 and not s.replaying
    film.backwards = True
    s.replaying = True
    film.tick(2.5)
    assert s.epoch == 350
    film.tick(10.0)
    assert s.epoch == 0 and not s.replaying
    np.testing.assert_array_equal(s.net.theta, app.state.run.timeline.at(0)[0])


@pytest.mark.parametrize("act", ["train", "step", "drag", "scrub", "width", "rate"])
def test_anything_the_learner_does_stops_the_film(served, act):
    _, app = served
    s, film = app.state, app.timeline.film.film
    s.replaying = True
    film.tick(0.5)
    assert s.replaying and 0 < s.epoch < s.end
    {"train": lambda: setattr(s, "training", True),
     "step": lambda: s.param.trigger("step"),
     "drag": lambda: s.set_values(w1_1=1.0),
     "scrub": lambda: app.timeline.go_to(10),
     "width": lambda: setattr(s, "hidden", 1),
     "rate": lambda: setattr(s, "learning_rate", 0.3)}[act]()
    assert not s.replaying
    epoch = s.epoch
    film.tick(1.0)  # a late frame moves nothing
    assert s.epoch == epoch


def test_a_scrub_sends_the_fit_first_and_a_film_frame_one_message(served, monkeypatch):
    mirror, app = served
    s = app.state
    fitted = []  # the loss axis is fitted to the history, which a scrub leaves as it is
    monkeypatch.setattr(loss, "fit_loss_axis", lambda *args: fitted.append(args))
    seen = []  # (model, version when its change was sent)
    mirror.page.on_change(lambda event: seen.append((getattr(event, "model", None), s.version)))
    before = s.version
    s.go_to(300)
    fit = [v for m, v in seen if m is app.fit._curve]
    assert fit and fit[0] == before  # sent before the other views were even asked
    assert s.version == before + 1
    assert not fitted

    moved = s.moved
    s.replaying = True
    seen.clear()
    app.timeline.film.film.tick(0.1)
    assert s.moved == moved and {v for _, v in seen} == {s.version}  # one batch


def test_moments_are_found_again_only_when_the_history_changes(served, monkeypatch):
    _, app = served
    s = app.state
    found = []
    real = film_view.of_run
    monkeypatch.setattr(film_view, "of_run", lambda *a: found.append(1) or real(*a))
    s.go_to(100)  # a step on the timeline: the same run
    s.replaying = True
    app.timeline.film.film.tick(0.5)
    assert found == []
    app.timeline.moments._throttle._last = 0.0  # a second since the moments were found
    s.training = True  # (goes on from epoch 150: the later part is dropped, a new history)
    for _ in range(5):  # light ticks of the Train loop, within a second
        s.advance(20)
        s.notify(light=True)
    assert len(found) == 1
    s.training = False  # paused: found for the history as it ends
    assert len(found) == 2
    buttons = [b for b in app.timeline.moments._buttons if b.visible]
    assert len(buttons) == len(app.timeline.moments.moments)
