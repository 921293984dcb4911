"""The library's surface: errors that say what's wrong, presets, the landscape, imports, the CLI."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn

ROOT = Path(__file__).resolve().parent.parent
X, Y = tn.ARTICLE_X, tn.ARTICLE_Y


# -- data validation -------------------------------------------------------------------------
@pytest.mark.parametrize("x, y, message", [
    ([1, 2], [1], "x has 2 values but y has 1"),
    ([1, np.nan], [1, 2], "x must be finite numbers; point 2 is"),
    ([1, 2], [np.inf, 2], "y must be finite numbers; point 1 is"),
    ([], [], "x is empty"),
    ([[1, 2]], [[1, 2]], "x must be a 1-D list of numbers, got shape (1, 2)"),
    (5, 5, "x must be a 1-D list of numbers, got shape ()"),
    (["a", "b"], [1, 2], "x must be numbers; could not read"),
    ([1, 2], [None, "y"], "y must be numbers; could not read"),
    (list(range(201)), list(range(201)), "201 points is more than the cap of 200"),
])
def test_validate_says_what_is_wrong(x, y, message):
    with pytest.raises(tn.DataError) as err:
        tn.validate(x, y)
    assert message in str(err.value)
    with pytest.raises(tn.DataError):  # and the trainers use the same check
        tn.Trainer(tn.starting_network("article"), x, y)


def test_validate_accepts_good_data_and_copies_it():
    x = [1, 2, 3]
    vx, vy = tn.validate(x, np.array([0.0, 1.0, 0.5]))
    assert vx.dtype == float and vx.tolist() == [1.0, 2.0, 3.0]
    vx[0] = 9
    assert x[0] == 1
    assert len(tn.validate(range(200), range(200))[0]) == tn.MAX_POINTS == 200
    assert issubclass(tn.DataError, ValueError)


# -- network and settings --------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (([1, 2], [1], [1, 2], 0), "b1 has 1 values but w1 has 2"),
    (([1, 2], [1, 2], [1], 0), "w2 has 1 values but w1 has 2"),
    (([1], [1], [1], [1, 2]), "b2 is the output's one bias"),
    (([1], [np.inf], [1], 0), "b1 must be finite"),
    (([np.nan], [1], [1], 0), "w1 must be finite"),
    (([], [], [], 0), "w1 must be a non-empty 1-D list"),
    (([[1, 2]], [1], [1], 0), "w1 must be a non-empty 1-D list"),
])
def test_network_rejects_bad_weights(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        tn.Network(*args)


def test_from_theta_rejects_a_wrong_length():
    with pytest.raises(ValueError, match=r"theta must hold 3\*H \+ 1 values"):
        tn.Network.from_theta([1, 2, 3, 4, 5])


@pytest.mark.parametrize("make, message", [
    (lambda: tn.Network([1], [0], [1], 0, activation="softplus"), "unknown activation 'softplus'"),
    (lambda: tn.get_activation(None), "unknown activation None"),
    (lambda: tn.make_optimizer("sgd"), "unknown optimizer 'sgd'"),
    (lambda: tn.starting_theta("lecun", 2), "unknown initialisation 'lecun'"),
    (lambda: tn.starting_theta("bump", 3), "this start is for 2 hidden neuron"),
    (lambda: tn.starting_theta("xavier", 0), "hidden must be a whole number >= 1"),
    (lambda: tn.starting_theta("xavier", 2, models=0), "models must be a whole number >= 1"),
    (lambda: tn.preset("zigzag"), "unknown preset 'zigzag'"),
    (lambda: tn.Momentum(0.1, beta=1.0), r"beta must be in \[0, 1\)"),
    (lambda: tn.Adam(0.1, eps=0), "eps must be positive"),
])
def test_unknown_names_and_bad_settings_list_the_choices(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("rate", [-0.5, 0, float("nan"), float("inf"), None, "fast"])
@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_learning_rate_must_be_positive_and_finite(name, rate):
    with pytest.raises(ValueError, match="learning_rate must be a positive number, got"):
        tn.make_optimizer(name, learning_rate=rate)
    opt = tn.make_optimizer(name, learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        opt.learning_rate = rate
    assert opt.learning_rate == 0.1  # a rejected value leaves the old one in place


def test_landscape_rejects_an_unknown_parameter():
    net = tn.starting_network("article")
    with pytest.raises(ValueError, match=r"unknown parameter 'w3'; choose one of \['w1'"):
        tn.landscape(net, X, Y, "w3", "b1", [0.0], [0.0])
    with pytest.raises(ValueError, match="unknown parameter 9"):
        tn.landscape(net, X, Y, "w1", 9, [0.0], [0.0])


# -- presets, names, landscape ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(tn.PRESETS))
def test_presets_are_valid_data_and_copies(name):
    x, y = tn.preset(name)
    vx, vy = tn.validate(x, y)
    np.testing.assert_array_equal(vx, x)
    x[0] = 99.0
    assert tn.preset(name)[0][0] != 99.0  # each call hands out a fresh copy


def test_article_preset_is_the_articles_data():
    assert tn.ARTICLE_X.tolist() == [1, 2, 3, 4] and tn.ARTICLE_Y.tolist() == [0, 1, 1, 0]


def test_parameter_names_and_views():
    assert tn.parameter_names(1) == ["w1", "b1", "w2", "b2"]
    assert tn.parameter_names(2) == ["w1_1", "w1_2", "b1_1", "b1_2", "w2_1", "w2_2", "b2"]
    net = tn.starting_network("bump", hidden=2)
    net.w1[1] = 5.0  # the weights are views into theta
    net.b2 = 0.25
    assert net.theta[1] == 5.0 and net.theta[-1] == 0.25


@pytest.mark.parametrize("loss,decay", [("squared", 0.0), ("cross_entropy", 0.0),
                                        ("squared", 0.1), ("cross_entropy", 0.02)])
def test_landscape_shape_and_orientation_match_network_loss(loss, decay):
    net = tn.starting_network("bump", hidden=2)
    net.objective, net.decay = tn.get_loss(loss), decay  # the loss the landscape maps
    p_values, q_values = np.linspace(-2, 3, 7), np.linspace(-8, -6, 5)
    grid = tn.landscape(net, X, Y, "w2_1", "b1_2", p_values, q_values)
    assert grid.shape == (5, 7)  # rows follow q, columns follow p
    for r, c in [(0, 0), (4, 6), (1, 5), (3, 2)]:
        probe = net.copy()
        probe.w2[0], probe.b1[1] = p_values[c], q_values[r]
        assert grid[r, c] == pytest.approx(probe.loss(X, Y), rel=1e-12)
    assert grid[2, 3] != grid[3, 2]  # not symmetric, so a transpose would be caught
    np.testing.assert_array_equal(net.theta, tn.starting_network("bump", hidden=2).theta)


def test_landscape_accepts_indices_as_well_as_names():
    net = tn.starting_network("article")
    by_name = tn.landscape(net, X, Y, "w1", "b2", [0.1, 0.2], [0.3, 0.4, 0.5])
    by_index = tn.landscape(net, X, Y, 0, 3, [0.1, 0.2], [0.3, 0.4, 0.5])
    np.testing.assert_array_equal(by_name, by_index)


# -- imports and the command line ------------------------------------------------------------
def run(*args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_import_tinynet_pulls_in_no_ui_library():
    """Checked in a fresh interpreter: other tests import panel into this process."""
    code = ("import sys, tinynet; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('panel', 'bokeh', 'param', 'app')))")
    done = run("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_reproduce_prints_the_corrected_figures():
    done = run("-m", "tinynet", "reproduce")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for figure in ["0.5987", "0.3796", "0.1267", "0.0721", "0.1062",
                   "-0.0156", "-0.0049", "-0.0594", "-0.0764",  # the mean gradient
                   "-0.0799", "+0.0626",  # the corrected per-point dL/dw1 at x=3 and x=4
                   "0.1238", "w1=0.5078",  # one step
                   "0.0970", "0.0882", "0.0853", "0.0841",  # H=1 at 500, 1000, 2000, 5000
                   "1.0517e-13", "e-29", "1/12"]:
        assert figure in out, figure
    assert "-0.0054" not in out and "0.0499" not in out  # the article's slips


def test_reproduce_json_parses_and_holds_the_numbers():
    done = run("-m", "tinynet", "reproduce", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert round(data["mean_loss"], 6) == 0.126712
    assert round(data["mean_gradient"]["dL/dw1"], 6) == -0.015564
    assert [row["x"] for row in data["forward"]] == [1.0, 2.0, 3.0, 4.0]
    assert data["training"]["H=2"]["final_loss"] < 1e-25
    assert data["one_neuron_floor"]["loss"] == pytest.approx(1 / 12)


def test_cli_help_and_bad_commands():
    done = run("-m", "tinynet", "--help")
    assert done.returncode == 0 and "reproduce" in done.stdout
    done = run("-m", "tinynet")
    assert done.returncode == 2 and "required" in done.stderr
    done = run("-m", "tinynet", "reproduce", "--bogus")
    assert done.returncode == 2 and "unrecognized arguments: --bogus" in done.stderr
