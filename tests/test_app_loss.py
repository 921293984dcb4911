"""The loss choice and weight decay in the app without a browser (issue #29): the session trains
on what tinynet computes, a change is a mark on the history, and cross-entropy on data it
cannot fit is refused with the reason, never a traceback."""
import pytest

import tinynet
from app.session import Session


def test_cross_entropy_at_the_articles_start_and_one_step_are_the_issues_numbers():
    s = Session()
    s.loss_choice = "cross_entropy"
    assert round(s.loss(), 4) == 0.7139
    s.param.trigger("step")
    assert round(s.loss(), 4) == 0.7065
    t = Session(decay=0.1)
    assert round(t.loss(), 4) == 0.1437
    t.param.trigger("step")
    assert round(t.loss(), 4) == 0.1409


def test_a_change_while_training_is_a_mark_and_every_width_follows():
    s = Session()
    s.advance(10)
    s.hidden = 2
    s.advance(5)
    s.decay = 0.01
    s.loss_choice = "cross_entropy"
    assert s.run.marks == ([5, 5], ["squared error, λ 0.01", "cross-entropy, λ 0.01"])
    for run in s.runs().values():
        assert (run.net.objective, run.net.decay) == (tinynet.cross_entropy, 0.01)
    s.loss_choice = "cross_entropy"  # unchanged: no mark
    assert len(s.run.marks[0]) == 2


def test_cross_entropy_on_data_it_cannot_fit_is_refused_with_the_reason():
    s = Session()
    s.set_data([0.0, 1.0, 2.0], [0.0, 2.0, 1.0])
    s.loss_choice = "cross_entropy"
    assert s.loss_choice == "squared" and s.net.objective is tinynet.squared
    assert "point 2 has y = 2" in s.message and "[0, 1]" in s.message
    s.advance(2)  # the session keeps working
    assert s.epoch == 2


def test_data_outside_0_1_under_cross_entropy_is_refused_and_the_data_kept():
    s = Session(loss_choice="cross_entropy")
    before = s.x.copy(), s.y.copy()
    with pytest.raises(tinynet.DataError, match="cross-entropy needs every y between 0 and 1"):
        s.set_data([0.0, 1.0], [0.5, 1.5])
    assert s.x.tolist() == before[0].tolist() and s.y.tolist() == before[1].tolist()
    s.advance(1)
    assert s.epoch == 1
