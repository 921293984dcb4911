"""Links: the URL state round-trips, and every unusable value is ignored with a notice."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from app import urlstate
from app.session import Session, slot_names
from app.settings import LEARNING_RATE_BOUNDS


def restored(query):
    state = Session()
    found, notices = urlstate.parse_query(query)
    urlstate.apply(state, found)
    return state, notices


def test_round_trip_is_exact():
    a = Session(hidden=2)
    a.advance(123)
    a.learning_rate, a.speed = 0.37, 1234.0
    b, notices = restored(urlstate.to_query(a))
    assert notices == []
    assert b.hidden == 2 and b.learning_rate == 0.37 and b.speed == 1234.0
    assert b.net.theta.tolist() == a.net.theta.tolist()  # every digit of every weight
    assert b.loss() == a.loss() and b.epoch == a.epoch == 123


def test_a_shared_link_sets_the_weights():
    s, notices = restored({"hidden": "2", "w1": "1,2", "b1": "-1,-3", "w2": "0.5,-0.5",
                           "b2": "0.1", "lr": "0.2"})
    assert notices == []
    expected = tinynet.Network([1, 2], [-1, -3], [0.5, -0.5], 0.1)
    assert s.loss() == pytest.approx(expected.loss(tinynet.ARTICLE_X, tinynet.ARTICLE_Y), rel=1e-15)
    assert s.learning_rate == 0.2


def test_partial_link_keeps_the_other_defaults():
    s, notices = restored({"w1": "2"})
    assert notices == [] and s.weights() == {"w1": [2.0], "b1": [-0.1], "w2": [0.3], "b2": 0.2}


BAD = [
    ("hidden", "7"), ("hidden", "two"), ("hidden", ""), ("hidden", "1.5"), ("hidden", "-1"),
    ("w1", "abc"), ("w1", "nan"), ("w1", "inf"), ("w1", "-inf"), ("w1", "1e400"), ("w1", "1e7"),
    ("w1", "1,2"), ("w1", ""), ("w1", "<script>alert(1)</script>"), ("b1", "0x10"),
    ("w2", "1,,2"), ("b2", "NaN"), ("b2", "1,2"), ("b2", "9" * 400),
    ("lr", "nan"), ("lr", "0"), ("lr", "-1"), ("lr", "11"), ("lr", "inf"), ("lr", "fast"),
    ("lr", "0.0009"), ("lr", "10.01"),
    ("speed", "0"), ("speed", "1e9"), ("speed", "-5"), ("speed", "abc"),
    ("loss", "hinge"), ("loss", ""), ("loss", "cross-entropy"), ("decay", "-0.1"),
    ("decay", "2"), ("decay", "nan"), ("decay", "off"),
    ("stop_epoch", "-1"), ("stop_epoch", "1.5"), ("stop_epoch", "1e3"), ("stop_epoch", "never"),
    ("stop_epoch", "1000000001"), ("stop_loss", "-0.1"), ("stop_loss", "nan"),
    ("stop_loss", "2"), ("stop_loss", "low"), ("freeze", "w2"), ("freeze", "w2_2"),
    ("freeze", "<script>alert(1)</script>"), ("freeze", "nan,inf"),
]


@pytest.mark.parametrize("key,value", BAD)
def test_every_bad_value_is_named_and_ignored(key, value):
    s, notices = restored({key: value})
    assert len(notices) == 1 and notices[0].startswith(f"{key}=") and "ignored" in notices[0]
    assert "<script>" not in notices[0] or "'" in notices[0]  # shown quoted, as text
    default = Session()
    assert s.net.theta.tolist() == default.net.theta.tolist()
    assert (s.hidden, s.learning_rate, s.speed) == (1, 0.5, default.speed)
    s.advance(1)  # the session keeps working
    assert s.epoch == 1


def test_wrong_counts_for_the_width_are_named():
    s, notices = restored({"hidden": "2", "w1": "1", "b1": "1,2,3"})
    assert s.hidden == 2 and len(notices) == 2
    assert "needs 2 values" in notices[0] and "needs 2 values" in notices[1]


def test_unknown_keys_are_ignored():
    s, notices = restored({"utm_source": "x", "foo": "bar"})
    assert notices == [] and s.loss() == Session().loss()


BAD_POINTS = [  # a points value, and what its notice must say
    ("a:b,<script>:1", "point 1 ('a:b') must be two numbers"),
    ("1:0,2:x", "point 2 ('2:x') must be two numbers"),
    ("1:inf,2:3", "point 1 ('1:inf') must be two numbers between -1e+06 and 1e+06"),
    ("1:1e9", "point 1 ('1:1e9') must be two numbers between -1e+06 and 1e+06"),
    ("1:2,3", "point 2 ('3') is not written x:y"),
    ("1:2:3", "point 1 ('1:2:3') is not written x:y"),
    ("", "point 1 ('') is not written x:y"),
    ("1:0,1:1", "every point has the same x"),
]


@pytest.mark.parametrize("value,says", BAD_POINTS)
def test_bad_points_are_named_in_the_learners_words(value, says):
    s, notices = restored({"points": value})
    assert len(notices) == 1 and notices[0].startswith("points=") and says in notices[0]
    assert not re.search(r"convert|float|literal|string", notices[0]), notices[0]
    assert s.preset == "article"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(urlstate.keys()), st.text(max_size=30), max_size=7))
def test_any_query_gives_a_working_state(query):
    s, notices = restored(query)
    assert all(isinstance(n, str) and n for n in notices)
    before = s.epoch  # a link's epoch= counts on from there
    s.advance(1)
    assert s.epoch == before + 1 and s.loss() == s.loss()  # finite, not NaN


def test_very_long_values_are_shortened_in_the_notice():
    _, notices = restored({"w1": "x" * 10_000})
    assert len(notices[0]) < 300


def test_the_learning_rate_bounds_are_the_links():
    lo, hi = LEARNING_RATE_BOUNDS
    assert (lo, hi) == (1e-3, 10.0)
    for text, value in ((repr(lo), lo), (repr(hi), hi), ("0.001", 1e-3), ("10", 10.0)):
        s, notices = restored({"lr": text})
        assert notices == [] and s.learning_rate == value
    _, notices = restored({"lr": "0.0001"})
    assert notices == ["lr='0.0001' was ignored: it must be a number from 0.001 to 10."]


@pytest.mark.parametrize("key,value,notice", [
    ("hidden", "7", "hidden='7' was ignored: choose one of 1, 2, 3, 4."),
    ("seed", "x", "seed='x' was ignored: it must be a whole number from 0 to 2147483647."),
    ("data", "custom", "data='custom' was ignored: choose one of "),
    ("opt", "sgd", "opt='sgd' was ignored: choose one of gd, momentum, adam."),
    ("loss", "hinge", "loss='hinge' was ignored: choose one of squared, cross_entropy."),
    ("decay", "2", "decay='2' was ignored: it must be a number from 0 to 1."),
    ("stop_epoch", "-1", "stop_epoch='-1' was ignored: it must be a whole number from 0 to "
     "1000000000."),
    ("stop_loss", "2", "stop_loss='2' was ignored: it must be a number from 0 to 1."),
    ("freeze", "w2_2", "freeze='w2_2' was ignored: 'w2_2' is not a weight of a network with 1 "
     "hidden neuron; its weights are w1_1, b1_1, w2_1, b2."),
])
def test_notices_say_what_is_allowed(key, value, notice):
    _, notices = restored({key: value})
    assert len(notices) == 1 and notices[0].startswith(notice)


def test_the_loss_and_weight_decay_round_trip_and_train_as_tinynet_does():
    a = Session()
    a.param.update(loss_choice="cross_entropy", decay=0.003)
    b, notices = restored(urlstate.to_query(a))
    assert notices == [] and (b.loss_choice, b.decay) == ("cross_entropy", 0.003)
    assert urlstate.to_query(a)["loss"] == "cross_entropy"
    net = tinynet.Network(**b.weights(), loss="cross_entropy", decay=0.003)
    assert b.loss() == pytest.approx(net.loss(b.x, b.y), rel=1e-15)
    c, notices = restored({"loss": "squared", "decay": "0"})  # the defaults, written out
    assert notices == [] and (c.loss_choice, c.decay) == ("squared", 0.0)


def test_cross_entropy_on_points_outside_0_1_is_one_notice_and_the_rest_applies():
    s, notices = restored({"loss": "cross_entropy", "points": "0:0,1:2,2:1", "decay": "0.01",
                           "lr": "0.2"})
    assert notices == ["loss='cross_entropy' was ignored: cross-entropy needs every y between 0 "
                       "and 1 (a probability); point 2 has y = 2."]
    assert (s.loss_choice, s.decay, s.learning_rate) == ("squared", 0.01, 0.2)
    assert s.y.tolist() == [0, 2, 1]
    s.advance(3)
    assert s.epoch == 3


def test_own_data_round_trips_as_points():
    a = Session()
    a.set_data([0.0, 1.5, 3.0], [1.0, 0.25, -0.5])
    a.preset = "custom"
    query = urlstate.to_query(a)
    assert "data" not in query and "points" in query
    b, notices = restored(query)
    assert notices == [] and b.preset == "custom"
    assert b.x.tolist() == a.x.tolist() and b.y.tolist() == a.y.tolist() and b.loss() == a.loss()


def test_the_stops_and_frozen_weights_round_trip_and_train_as_said():
    a = Session(hidden=3)
    a.param.update(stop_epoch=250, stop_loss=1e-4, frozen=["w1_2", "b2"])
    query = urlstate.to_query(a)
    assert (query["stop_epoch"], query["stop_loss"], query["freeze"]) == ("250", "0.0001",
                                                                         "w1_2,b2")
    b, notices = restored(query)
    assert notices == [] and (b.stop_epoch, b.stop_loss, b.frozen) == (250, 1e-4, ["w1_2", "b2"])
    before = b.net.theta.copy()
    b.training = True
    while b.training:
        b.advance(100)
    assert b.epoch == 250 and b.stopped.startswith("Stopped at epoch 250,")
    frozen = [slot_names(3).index("w1_2"), slot_names(3).index("b2")]
    assert b.net.theta[frozen].tobytes() == before[frozen].tobytes()
    c, notices = restored({"stop_epoch": "0", "stop_loss": "0", "freeze": ""})  # none, written
    assert notices == [] and (c.stop_epoch, c.stop_loss, c.frozen) == (0, 0.0, [])
