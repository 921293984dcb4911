"""A run is its recipe (app/recipe.py): replayed from a link or a file, every epoch of it is
the run's, bit for bit, after any sequence of what a learner does; and a damaged recipe is
refused with a reason, never with a traceback."""
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import recipe, urlstate
from app.session import Session
from tests import test_timeline as timeline

# the timeline's learner actions (tests/test_timeline.py), with diverging learning rates, new
# data and new starting weights besides
ACTIONS = st.one_of(
    timeline.ACTIONS,
    st.tuples(st.just("lr"), st.sampled_from([1.3, 2.0, 6.0, 10.0])),
    st.tuples(st.just("data"), st.sampled_from(["article", "step", "line"])),
    st.tuples(st.just("init"), st.sampled_from(["xavier", "he"]), st.integers(0, 5)),
    st.tuples(st.just("loss"), st.sampled_from(["squared", "cross_entropy"])),
    st.tuples(st.just("decay"), st.sampled_from([0.0, 1e-5, 0.01, 0.3])),
    st.tuples(st.just("freeze"), st.lists(st.sampled_from(["w1_1", "b1_2", "w2_1", "b2"]),
                                          max_size=3, unique=True)),
)


def act(s: Session, action) -> None:
    kind, *args = action
    if kind == "data":
        s.preset = args[0]
    elif kind == "init":
        s.param.update(init=args[0], seed=args[1])
    elif kind == "loss":
        s.loss_choice = args[0]
    elif kind == "decay":
        s.decay = args[0]
    elif kind == "freeze":
        s.frozen = args[0]
    else:  # a divergence is undone in Session.advance, as the Train loop does
        timeline.act(s, action)


def epochs_to_check(run, rng) -> list[int]:
    start = int(run.timeline.epochs[0])
    legs = [leg.epoch for leg in run.timeline.legs()]
    near = [e + d for e in legs + [run.end] for d in (-1, 0, 1)]
    return sorted({e for e in near + rng.integers(start, run.end + 1, 8).tolist()
                   if start <= e <= run.end})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hidden=st.integers(1, 4), actions=st.lists(ACTIONS, max_size=12))
def test_a_replayed_recipe_is_the_run_at_every_epoch(hidden, actions):
    s = Session(hidden=hidden)
    for action in actions:
        act(s, action)
    s.advance(50)  # the run has trained
    text = recipe.to_text(recipe.of(s.run))
    run = recipe.replay(recipe.parse(recipe.from_text(text)))
    original = s.run
    assert (run.end, run.net.hidden) == (original.end, hidden)
    assert run.marks == original.marks
    for epoch in epochs_to_check(original, np.random.default_rng(len(text))):
        original.show(epoch)
        run.show(epoch)
        assert np.array_equal(run.net.theta, original.net.theta), epoch
        assert run.loss() == original.loss()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(ACTIONS, max_size=10), hidden=st.integers(1, 4))
def test_a_link_opens_the_same_run_at_the_epoch_shown(actions, hidden):
    """The whole link, built from every key the session writes, in a new session."""
    a = Session(hidden=hidden)
    for action in actions:
        act(a, action)
    a.advance(20)
    a.go_to(a.end // 2)
    query = urlstate.to_query(a)
    found, notices = urlstate.parse_query(query)
    b = Session()
    urlstate.apply(b, found)
    assert notices == []
    assert (b.hidden, b.epoch, b.end) == (a.hidden, a.epoch, a.end)
    assert np.array_equal(b.net.theta, a.net.theta)
    for name in ("optimizer", "learning_rate", "momentum", "beta1", "beta2", "activation",
                 "preset"):
        assert getattr(b, name) == getattr(a, name), name
    assert np.array_equal(b.run.frozen, a.run.frozen)
    assert np.array_equal(b.x, a.x) and np.array_equal(b.y, a.y)
    b.advance(30), a.advance(30)  # and training goes on from there alike
    assert np.array_equal(b.net.theta, a.net.theta)


def test_a_run_that_switches_loss_and_decay_mid_way_opens_from_its_link_bit_for_bit():
    a = Session()
    a.advance(30)
    a.loss_choice = "cross_entropy"
    a.advance(40)
    a.decay = 0.01
    a.advance(25)
    a.param.update(loss_choice="squared", decay=0.0)
    a.advance(5)
    found, notices = urlstate.parse_query(urlstate.to_query(a))
    b = Session()
    urlstate.apply(b, found)
    assert notices == [] and (b.loss_choice, b.decay, b.end) == ("squared", 0.0, 100)
    assert b.run.marks == a.run.marks
    for epoch in (29, 30, 31, 69, 70, 71, 95, 100):
        a.go_to(epoch)
        b.go_to(epoch)
        assert np.array_equal(b.net.theta, a.net.theta) and b.loss() == a.loss(), epoch
    legs = recipe.of(a.run)["legs"]
    assert [(leg.get("loss"), leg.get("decay")) for leg in legs] == [
        (None, None), ("cross_entropy", None), (None, 0.01), ("squared", 0.0)]


def test_a_run_that_freezes_and_thaws_weights_mid_way_opens_from_its_link_bit_for_bit():
    a = Session(hidden=2)
    a.frozen = ["w2_1"]
    a.advance(30)
    a.frozen = ["w2_1", "b2", "w1_3"]  # w1_3 is a weight of wider networks only
    a.advance(40)
    a.frozen = []
    a.advance(25)
    found, notices = urlstate.parse_query(urlstate.to_query(a))
    b = Session()
    urlstate.apply(b, found)
    assert notices == [] and b.end == 95 and b.run.marks == a.run.marks
    for epoch in (0, 1, 29, 30, 31, 69, 70, 71, 94, 95):
        a.go_to(epoch)
        b.go_to(epoch)
        assert b.net.theta.tobytes() == a.net.theta.tobytes(), epoch
    legs = recipe.of(a.run)["legs"]
    assert [leg.get("frozen") for leg in legs] == [["w2_1"], ["w2_1", "b2"], []]
    assert a.run.marks == ([0, 30, 70], ["frozen: w₂₁", "frozen: w₂₁, b₂", "none frozen"])


def test_the_articles_two_neuron_run_fits_a_short_link():
    s = Session(hidden=2)
    s.advance(1000)
    s.learning_rate = 2.0
    s.advance(1000)
    s.set_values(w2_1=1.25)
    s.advance(3000)
    query = urlstate.to_query(s)
    assert len("&".join(f"{k}={v}" for k, v in query.items())) < 600


def test_a_run_past_what_a_link_replays_is_left_out_of_the_link_and_a_late_start_is_not():
    s = Session()
    s.resume_at(10**8)  # a link's epoch count: the run starts there
    s.advance(5)
    assert "run" in urlstate.to_query(s)
    long = Session()
    long.advance(recipe.LINK_EPOCHS + 1)
    assert "run" not in urlstate.to_query(long) and urlstate.to_query(long)["epoch"]
    assert urlstate.fitted(urlstate.to_query(long), long)[1]  # and the page says so
    with pytest.raises(recipe.RecipeError, match="at most 200,000"):
        recipe.parse(recipe.of(long.run), recipe.LINK_EPOCHS)


def test_a_class_opening_one_link_replays_it_once_and_each_gets_its_own_run():
    s = Session(hidden=2)
    s.advance(3000)
    found, _ = urlstate.parse_query(urlstate.to_query(s))
    a, b = Session(), Session()
    replays = []
    real = recipe.replay
    recipe.replay = lambda r: replays.append(r) or real(r)
    try:
        urlstate.apply(a, found)
        urlstate.apply(b, found)
    finally:
        recipe.replay = real
    assert len(replays) == 1
    assert np.array_equal(a.net.theta, s.net.theta) and np.array_equal(b.net.theta, s.net.theta)
    a.advance(100)  # each its own: training one leaves the other where it was
    assert np.array_equal(b.net.theta, s.net.theta) and not np.array_equal(a.net.theta,
                                                                            s.net.theta)
    s.advance(100)
    assert np.array_equal(a.net.theta, s.net.theta)


# -- damaged recipes -------------------------------------------------------------------------
def good_doc() -> dict:
    s = Session(hidden=2)
    s.advance(30)
    s.optimizer = "momentum"
    s.set_values(b2=0.5)
    s.advance(20)
    return recipe.of(s.run)


@pytest.mark.parametrize("text, says", [
    ("", "not a run recipe"),
    ("2.abc", "not a run recipe"),
    ("1.", "not a run recipe"),
    ("1.!!!!", "damaged"),
    ("1.eJzLSM3JyQcABiwCFQ", "damaged"),  # zlib of "hello": not JSON
    ("1." + "A" * 20_000, "at most"),
])
def test_a_damaged_link_value_says_why(text, says):
    with pytest.raises(recipe.RecipeError, match=says):
        recipe.from_text(text)


def test_a_recipe_that_unpacks_too_big_is_refused_without_unpacking_it():
    import base64
    import zlib
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 10_000_000 + b"]")).decode()
    with pytest.raises(recipe.RecipeError, match="too long"):
        recipe.from_text("1." + bomb.rstrip("="))


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**7, 10**7)
                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_edit_of_a_recipe_is_replayed_or_refused_with_a_reason(data):
    doc = good_doc()
    # replace one value anywhere in the document with any JSON
    path, node = [], doc
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(list(node) if isinstance(node, dict)
                                        else range(len(node))))
        path.append(key)
        node = node[key]
    target = doc
    for key in path[:-1]:
        target = target[key]
    if path:
        target[path[-1]] = data.draw(JSON)
    else:
        doc = data.draw(JSON)
    try:
        parsed = recipe.parse(doc) if isinstance(doc, dict) else recipe.loads(json.dumps(doc))
        if isinstance(parsed, recipe.Recipe):
            recipe.replay(parsed)
    except recipe.RecipeError as err:
        assert str(err) and "Traceback" not in str(err)


def test_a_broken_run_key_is_a_notice_and_the_rest_of_the_link_works():
    found, notices = urlstate.parse_query({"run": "1.garbage", "hidden": "2", "lr": "0.3"})
    assert "run" not in found and found["hidden"] == 2 and found["learning_rate"] == 0.3
    assert len(notices) == 1 and notices[0].startswith("run=") and "ignored" in notices[0]


def test_a_run_too_long_for_a_link_keeps_the_weights_shown_and_says_so():
    s = Session(hidden=2)
    for lr in np.random.default_rng(0).uniform(0.3, 0.6, 150):  # a learner nudging the
        s.learning_rate = float(lr)  # learning rate all through training
        s.advance(17)
    keys = urlstate.to_query(s)
    query, left_out = urlstate.fitted(keys, s)
    assert left_out and "run=" not in query and len(query) <= urlstate.LINK_CHARS
    assert f"epoch={s.epoch}" in query and "w1=" in query

    short = Session(hidden=2)
    short.advance(100)
    query, left_out = urlstate.fitted(urlstate.to_query(short), short)
    assert not left_out and "run=" in query
    assert urlstate.fitted(urlstate.to_query(Session()), Session())[1] is False  # not trained


def test_a_run_dragged_while_training_goes_through_its_file_whole():
    """A weight dragged while training makes a leg at each step of the drag: a long recipe
    that a link cannot hold and the file does."""
    from app import export

    s = Session(hidden=4)
    for k in range(1500):
        s.set_values(w1_1=1 + k / 1000)
        s.advance(2)
    weights = export.parse_weights_json(export.weights_json(s).encode())
    fresh = Session()
    export.apply_weights(fresh, weights)
    assert (fresh.hidden, fresh.epoch) == (4, s.epoch)
    for epoch in (0, 1, 1001, 2999, 3000):
        s.go_to(epoch), fresh.go_to(epoch)
        assert np.array_equal(fresh.net.theta, s.net.theta)
