"""The settings table (app/settings.py) is the one place a setting is declared: the session's
parameter, the link's key, the widget and the notices are all made from its row."""
import subprocess
import sys
from pathlib import Path

import pytest

from app import urlstate
from app.session import Session
from app.settings import SETTINGS, Setting, setting
from app.views.widgets import shown_value, widget_for

ROOT = Path(__file__).resolve().parents[1]

WEIGHT_DECAY = Setting("weight_decay", "wd", "weight decay", 0.0,
                       "How much each step shrinks the weights.", widget="slider",
                       bounds=(0.0, 0.1), step=0.001)
TABLE = (*SETTINGS, WEIGHT_DECAY)


def session_with_weight_decay(**params):
    """A session class that carries one more row's parameter, as Session carries SETTINGS."""
    cls = type("WeightDecaySession", (Session,), {"weight_decay": WEIGHT_DECAY.parameter()})
    return cls(**params)


def through_a_link(state, table=SETTINGS, cls=Session):
    """A new session restored from the link of ``state``; returns it and the notices."""
    found, notices = urlstate.parse_query(urlstate.to_query(state, table), table)
    restored = cls()
    urlstate.apply(restored, found, table)
    return restored, notices


def test_importing_the_session_imports_no_ui_library():
    """Checked in a fresh interpreter: other tests import panel into this process."""
    code = ("import sys, app.session, app.settings, app.urlstate, app.run; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('panel', 'bokeh')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_new_setting_is_one_row():
    s = session_with_weight_decay(weight_decay=0.05)
    query = urlstate.to_query(s, TABLE)
    assert query["wd"] == "0.05"
    assert "wd" in urlstate.keys(TABLE) and "wd" not in urlstate.keys()
    assert "weight_decay" in urlstate.watched(TABLE)

    restored, notices = through_a_link(s, TABLE, type(s))
    assert notices == [] and restored.weight_decay == 0.05

    found, notices = urlstate.parse_query({"wd": "0.5"}, TABLE)
    assert "weight_decay" not in found
    assert notices == ["wd='0.5' was ignored: it must be a number from 0 to 0.1."]
    found, notices = urlstate.parse_query({"wd": "lots"}, TABLE)
    assert len(notices) == 1 and notices[0].startswith("wd='lots' was ignored")

    fresh = session_with_weight_decay()
    slider = widget_for(fresh, WEIGHT_DECAY)
    assert (slider.start, slider.end, slider.step) == (0.0, 0.1, 0.001)
    assert slider.name == "weight decay" and "tn-weight-decay" in slider.css_classes
    slider.value = 0.02
    assert fresh.weight_decay == 0.02
    fresh.weight_decay = 0.03  # and the widget follows the session
    assert slider.value == 0.03


def other_value(row: Setting):
    """A value of the row's setting that a link may carry and that is not its default."""
    if row.choices is not None:
        return next(v for v in reversed(row.link_choices()) if v != row.default)
    lo, hi = row.bounds
    if isinstance(row.default, int):
        return (lo + hi) // 3 if (lo + hi) // 3 != row.default else row.default + 1
    value = round(lo + 0.37 * (hi - lo), 4)
    return value if value != row.default else (lo + value) / 2


@pytest.mark.parametrize("row", SETTINGS, ids=[row.name for row in SETTINGS])
def test_every_setting_round_trips_through_a_link(row):
    value = other_value(row)
    s = Session()
    setattr(s, row.name, value)
    restored, notices = through_a_link(s)
    assert notices == []
    assert getattr(restored, row.name) == value
    assert urlstate.to_query(restored) == urlstate.to_query(s)


@pytest.mark.parametrize("row", SETTINGS, ids=[row.name for row in SETTINGS])
def test_every_setting_has_a_widget_that_sets_it(row):
    s = Session()
    widget = widget_for(s, row)
    value = other_value(row)
    if row.widget == "log-slider":  # the slider's value is log10 of the setting's
        import math
        widget.value = math.log10(value)  # it sets the value its title shows
        assert getattr(s, row.name) == shown_value(value)
    else:
        widget.value = value
        assert getattr(s, row.name) == value


def test_the_weight_decay_slider_has_an_off_position_one_step_below_its_smallest_value():
    s = Session(decay=0.01)
    slider = widget_for(s, setting("decay"))
    assert (slider.start, slider.end) == (-5.1, 0.0) and slider.value == -2.0
    slider.value = slider.start  # Home, or a drag to the left end: off
    assert s.decay == 0.0
    slider.value = slider.start + slider.step  # one key press on: the smallest value
    assert s.decay == 1e-5
    s.decay = 0.0  # and the slider follows the session, to off and to a link's value
    assert slider.value == slider.start
    s.decay = 1e-7  # below the smallest position: shown there, kept as it is
    assert slider.value == -5.0 and s.decay == 1e-7


def test_the_url_is_rewritten_when_any_setting_changes():
    watched = urlstate.watched()
    assert {row.name for row in SETTINGS} <= set(watched)
    assert "version" in watched and "training" in watched
    assert all(name in Session.param for name in watched)


def test_keys_and_names_are_unique():
    assert len({row.name for row in SETTINGS}) == len(SETTINGS)
    keys = urlstate.keys()
    assert len(set(keys)) == len(keys)
    assert setting("learning_rate").key == "lr"
