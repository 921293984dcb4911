"""Whole links built from every key with random and hostile values: the page is always built,
every refused key is named in a notice, and the rules for ambiguous links hold."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinynet
from app import urlstate
from app.main import PlaygroundApp
from app.settings import SETTINGS

HOSTILE = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e6", "-1e6", "1e-320",
                     "", " ", ",", ",,", "0x10", "1_000", "١٢", "٣", "ß", "😀", "null", "None",
                     "<script>alert(1)</script>", "\" onmouseover=alert(1)", "../../etc/passwd",
                     "1:1,1:2,1:3", "1:0", "0:0,1:1,2:0.5", "1:0,2:1,3:1,4:0", "a:b", "1:2:3",
                     "article", "step", "custom", "gd", "adam", "tanh", "he", "2", "0", "-1",
                     "cross_entropy", "squared", "0.01", "1e-5",
                     "4.640000000000001", "0.5,0.5", "1,2,3,4", "9" * 400]),
    st.text(max_size=40),
    st.floats().map(repr),
    st.integers(-10**12, 10**12).map(str),
)
KEYS = st.sampled_from(urlstate.keys())
QUERIES = st.dictionaries(KEYS, st.one_of(HOSTILE, st.lists(HOSTILE, min_size=1, max_size=3)),
                          max_size=len(urlstate.keys()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
def test_any_link_builds_a_working_page_and_names_what_it_refused(query):
    app = PlaygroundApp(loop=False)
    found, notices = urlstate.parse_query(query)
    urlstate.apply(app.state, found)  # must not raise
    s = app.state
    assert np.isfinite(s.net.theta).all() and np.isfinite(s.loss())
    used = {row.key for row in SETTINGS if row.name in found}
    used |= set(found.get("weights", {})) | {k for k in ("points", "epoch", "run", "pins")
                                              if k in found}
    used |= {"freeze"} if "frozen" in found else set()
    for key in query:
        named = any(notice.startswith(f"{key}=") for notice in notices)
        in_part = any(notice.startswith(f"{key}=") and " was ignored in part: " in notice
                      for notice in notices)  # used, and what was left out named
        assert (key in used) != named or in_part or key in ("data",), (key, query[key], found,
                                                                         notices)
    for notice in notices:
        assert "Traceback" not in notice and "site-packages" not in notice
    s.param.trigger("step")  # the page still works
    assert np.isfinite(s.loss())


def test_points_with_one_x_are_refused_with_the_reason():
    found, notices = urlstate.parse_query({"points": "1:0,1:1,1:0.5"})
    assert "points" not in found and "every point has the same x" in notices[0]
    app = PlaygroundApp(loop=False)
    urlstate.apply(app.state, found)
    assert app.state.x.tolist() == tinynet.ARTICLE_X.tolist()


def test_a_preset_and_points_use_the_points_and_say_so():
    found, notices = urlstate.parse_query({"data": "step", "points": "0:0,1:1,2:0.5"})
    assert "preset" not in found and found["points"][0].tolist() == [0, 1, 2]
    assert notices == ["data='step' was ignored: the link also has points, and those are used."]
    app = PlaygroundApp(loop=False)
    urlstate.apply(app.state, found)
    assert app.state.preset == "custom" and app.state.x.tolist() == [0, 1, 2]


def test_one_point_is_a_working_page():
    found, notices = urlstate.parse_query({"points": "2:1"})
    assert notices == []
    app = PlaygroundApp(loop=False)
    urlstate.apply(app.state, found)
    app.state.param.trigger("step")
    assert app.state.x.tolist() == [2.0] and np.isfinite(app.state.loss())


def test_links_are_short_and_leave_defaults_out():
    app = PlaygroundApp(loop=False)
    s = app.state
    app.sliders._sliders["w1_1"].value = 4.640000000000001  # what 0.01 steps can make
    q = urlstate.to_query(s)
    assert q == {"w1": "4.64", "b1": "-0.1", "w2": "0.3", "b2": "0.2"}
    s.speed = 200.0
    s.learning_rate = 0.25
    assert urlstate.to_query(s)["lr"] == "0.25" and "speed" not in urlstate.to_query(s)


def test_a_reopened_link_brings_back_the_epoch_and_the_exact_loss():
    a = PlaygroundApp(loop=False).state
    a.hidden = 2
    a.advance(3000)
    b = PlaygroundApp(loop=False).state
    found, notices = urlstate.parse_query(urlstate.to_query(a))
    urlstate.apply(b, found)
    assert notices == [] and b.epoch == a.epoch == 3000
    assert b.loss() == a.loss() and b.history == a.history  # the run replayed: its curve too


def test_a_link_without_its_run_resumes_at_the_epoch_from_the_weights():
    """A run too long for a link: the address keeps the weights and the epoch count."""
    a = PlaygroundApp(loop=False).state
    a.hidden = 2
    a.advance(3000)
    b = PlaygroundApp(loop=False).state
    query = urlstate.to_query(a)
    del query["run"]
    found, notices = urlstate.parse_query(query)
    urlstate.apply(b, found)
    assert notices == [] and b.epoch == a.epoch == 3000
    assert abs(b.loss() - a.loss()) < 1e-9 and b.history == ([3000], [b.loss()])
