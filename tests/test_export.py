"""Export and import without a browser page: weights.json round trip, loss.csv, the tinynet
snippet run in a subprocess, the offline snapshot, plots.png in headless Chromium (those tests
are marked ``browser``), and every kind of bad weights file refused with its reason and the
state left as it was."""
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bokeh.document import Document
from PIL import Image

from app import export
from app.session import Session
from app.views.export import ExportView

ROOT = Path(__file__).resolve().parents[1]


def trained(hidden=2, epochs=250, **settings) -> Session:
    s = Session(**settings)
    s.hidden = hidden
    s.advance(epochs)
    return s


def click(download) -> bytes:
    """What a FileDownload hands the browser when clicked (its callback runs at the click)."""
    import base64

    download._clicks += 1
    return base64.b64decode(download.data.split(",", 1)[1])


# -- weights.json ----------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [1, 2, 3, 4])
def test_weights_json_round_trip_gives_the_same_loss(hidden):
    s = trained(hidden, activation="tanh", learning_rate=0.1)
    text = export.weights_json(s)
    doc = json.loads(text)
    assert (doc["format"], doc["version"], doc["hidden"], doc["activation"]) == (
        "tinynet-weights", 1, hidden, "tanh")
    assert doc["data"] == {"x": s.x.tolist(), "y": s.y.tolist()}
    assert doc["loss"] == s.loss() and doc["epoch"] == s.epoch

    fresh = Session()  # width 1, sigmoid: both change on load
    weights = export.parse_weights_json(text.encode())
    export.apply_weights(fresh, weights)
    assert fresh.hidden == hidden and fresh.activation == "tanh"
    np.testing.assert_array_equal(fresh.net.theta, s.net.theta)
    assert fresh.loss() == s.loss()  # exactly: JSON floats round-trip
    # the file carries the run: replayed, its curve and marks come back too
    assert (fresh.epoch, fresh.end) == (s.epoch, s.end)
    assert fresh.history == s.history and fresh.run.marks == s.run.marks

    del doc["runs"]  # a file with the weights alone (as written before runs): a new start
    fresh = Session()
    export.apply_weights(fresh, export.parse_weights_json(json.dumps(doc)))
    np.testing.assert_array_equal(fresh.net.theta, s.net.theta)
    assert fresh.run.marks[1][-1] == "loaded weights.json" and fresh.epoch == 0


def test_upload_in_the_view_loads_and_says_so():
    s = trained(3)
    fresh = Session()
    view = ExportView(state=fresh)
    view._upload.filename = "mine.json"
    view._upload.value = export.weights_json(s).encode()
    assert fresh.loss() == s.loss()
    assert view._alert.visible and view._alert.alert_type == "success"
    assert "Loaded mine.json" in view._alert.object


def good() -> dict:
    return json.loads(export.weights_json(trained(2, epochs=10)))


def edited(**changes) -> bytes:
    doc = good()
    for key, value in changes.items():
        if value is ...:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc).encode()


BAD = [
    (b"", "the file is empty"),
    (b" " * (export.MAX_JSON_BYTES + 1), "at most 8 MB"),
    (b"\xff\xfe{\x00", "not text"),
    (b"{'w1': [1]}", "not valid JSON"),
    (b'{"w1": [1, 2', "not valid JSON"),
    (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    (b"[1, 2, 3]", "JSON list, not an object"),
    (b'"weights"', "JSON str, not an object"),
    (edited(format=...), 'needs "format": "tinynet-weights"'),
    (edited(format="keras"), "not a tinynet weights file"),
    (edited(version=2), "version 2 is not one this playground reads"),
    (edited(version=...), "version None"),
    (edited(version=True), "version True"),
    (edited(hidden=5), "hidden is 5; the playground offers [1, 2, 3, 4]"),
    (edited(hidden="2"), "hidden is '2'"),
    (edited(hidden=True), "hidden is True"),
    (edited(activation="softmax"), "activation is 'softmax'"),
    (edited(w1=[1.0]), "w1 has 1 value(s) but hidden is 2"),
    (edited(b1=[1.0, 2.0, 3.0]), "b1 has 3 value(s) but hidden is 2"),
    (edited(w2=...), "w2 must be a list of 2 number(s)"),
    (edited(w2=0.5), "w2 must be a list"),
    (edited(w1=[1.0, "2"]), 'w1[2] must be a number, got "2"'),
    (edited(b1=[1.0, None]), "b1[2] must be a number, got nothing"),
    (edited(w2=[True, 1.0]), "w2[1] must be a number, got true"),
    (edited(w1=[1.0, [2.0]]), "w1[2] must be a number"),
    (edited(b2=[0.1]), "b2 is the output's one bias"),
    (edited(b2="0.1"), "b2 must be a number"),
    (edited(b2=...), "b2 must be a number, got nothing"),
    (edited(w1=[1.0, 2e6]), "w1[2] is 2e+06; weights must be finite and within ±1e+06"),
    (edited(b2=-1e7), "b2 is -1e+07"),
    (edited(b2=10**400), "b2 is 1000000000"),
    (re.sub(rb'"b2": [^,}]+', b'"b2": NaN', edited()), "NaN is not a number JSON allows"),
    (re.sub(rb'"b2": [^,}]+', b'"b2": Infinity', edited()), "Infinity is not a number"),
    (re.sub(rb'"b2": [^,}]+', b'"b2": 1e999', edited()), "b2 is inf"),
]


@pytest.mark.parametrize("content, message", BAD, ids=[m for _, m in BAD])
def test_bad_weights_files_are_refused_with_their_reason(content, message):
    with pytest.raises(export.WeightsError, match=re.escape(message)):
        export.parse_weights_json(content)


@pytest.mark.parametrize("content, message", BAD[::3], ids=[m for _, m in BAD[::3]])
def test_a_refused_file_leaves_the_state_as_it_was_and_says_why(content, message):
    s = trained(1, epochs=40)
    before = (s.hidden, s.activation, s.net.theta.copy(), s.epoch, list(s.history[0]),
              list(s.run.marks[1]), s.version, s.training)
    view = ExportView(state=s)
    view._upload.filename = "bad.json"
    view._upload.value = content
    assert view._alert.visible and view._alert.alert_type == "danger"
    assert view._alert.object.startswith("bad.json was not loaded: ")
    assert message in view._alert.object
    after = (s.hidden, s.activation, s.net.theta.copy(), s.epoch, list(s.history[0]),
             list(s.run.marks[1]), s.version, s.training)
    np.testing.assert_array_equal(after[2], before[2])
    assert after[:2] + after[3:] == before[:2] + before[3:]
    s.advance(5)  # the session keeps working
    assert s.epoch == 45


# -- loss.csv and network.py -----------------------------------------------------------------
def test_loss_csv_holds_the_history():
    s = trained(2, epochs=300)
    rows = export.loss_csv(s).splitlines()
    assert rows[0] == "epoch,loss"
    epochs, losses = s.history
    assert len(rows) == len(epochs) + 1
    parsed = [(int(e), float(v)) for e, v in (r.split(",") for r in rows[1:])]
    assert parsed == list(zip(epochs, losses))  # full precision
    assert parsed[-1] == (300, s.loss())


@pytest.mark.parametrize("hidden, settings", [
    (1, {}),
    (2, {"optimizer": "momentum", "momentum": 0.8}),
    (4, {"optimizer": "adam", "activation": "relu", "preset": "sine", "learning_rate": 0.05}),
])
def test_the_snippet_runs_and_prints_the_same_loss(hidden, settings):
    s = trained(hidden, epochs=120, **settings)
    snippet = export.python_snippet(s)
    done = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) == s.loss()
    assert done.stdout.strip() == repr(s.loss())


@pytest.mark.parametrize("hidden, frozen", [(1, ["w2_1"]), (3, ["w1_2", "b1_3", "b2"])])
def test_the_snippet_trains_on_with_the_pages_frozen_weights_bit_for_bit(hidden, frozen):
    s = trained(hidden, epochs=40)
    s.frozen = frozen
    snippet = export.python_snippet(s) + "trainer.run(60); print(repr(net.theta.tolist()))\n"
    done = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    s.advance(60)
    assert done.stdout.strip().splitlines()[-1] == repr(s.net.theta.tolist())


# -- snapshot.html and plots.png -------------------------------------------------------------
def test_snapshot_is_static_offline_and_shows_the_loss():
    s = trained(2, epochs=200)
    page = export.snapshot_html(s)
    assert page.lstrip().lower().startswith("<!doctype html>")
    # the markup around the inlined scripts (whose JS itself holds tag-like strings)
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", page, flags=re.S | re.I)
    tags = re.findall(r"<(?:script|link|img|iframe|style)\b[^>]*>", markup, flags=re.I)
    assert sum(t.lower().startswith("<script") for t in tags) >= 3, "expected inline scripts"
    for tag in tags:  # everything is inline: no file to fetch, online or not
        assert not re.search(r"\b(?:src|href)\s*=", tag, flags=re.I), tag
    assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?https?://", markup, flags=re.I)
    assert repr(s.loss()) in page
    assert "Forward pass and loss per point" in page
    assert '"name":"fit_curve"' not in page  # fresh plots, not the page's live sources


@pytest.mark.browser  # plots.png is drawn by Chromium (selenium)
def test_plots_png_is_drawn_in_chromium(chromium_path):  # the fixture installs Chromium
    assert export.png_unavailable_reason() == "", "PNG export must run here (Chromium expected)"
    png = export.plots_png(trained(2, epochs=100))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width >= 1000 and image.height >= 350
    # not blank: the curves put more than a few colours on the page
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20


@pytest.mark.browser
def test_downloads_export_the_state_at_click_time(chromium_path):  # plots.png needs it
    s = Session()
    view = ExportView(state=s)
    view.__panel__().get_root(Document())
    names = [d.filename for d in view._downloads]
    assert names == ["weights.json", "loss.csv", "network.py", "snapshot.html", "plots.png"]
    assert all(not d.disabled for d in view._downloads)
    first = json.loads(click(view._downloads[0]))
    s.advance(100)
    later = json.loads(click(view._downloads[0]))
    assert (first["epoch"], later["epoch"]) == (0, 100)
    assert later["loss"] == s.loss()
    assert click(view._downloads[1]).decode().splitlines()[-1] == f"100,{s.loss()!r}"
    assert repr(s.net.b2) in click(view._downloads[2]).decode()
    assert repr(s.loss()) in click(view._downloads[3]).decode()
    assert click(view._downloads[4]).startswith(b"\x89PNG\r\n\x1a\n")


def test_png_failure_is_shown_in_the_view(monkeypatch):
    view = ExportView(state=Session())

    def broken(state):
        raise export.PNGUnavailable("PNG export could not start Chromium: no display")

    monkeypatch.setattr(export, "plots_png", broken)
    with pytest.raises(export.PNGUnavailable):
        view._plots_png()
    assert view._alert.visible and "plots.png was not made" in view._alert.object
    assert "could not start Chromium" in view._alert.object


def test_missing_browser_disables_png_with_the_reason(monkeypatch):
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    reason = export.png_unavailable_reason()
    assert "Chromium and chromedriver" in reason
    with pytest.raises(export.PNGUnavailable, match="PNG export needs"):
        export.plots_png(Session())
    view = ExportView(state=Session())
    assert view._png.disabled and view._alert.visible and reason in view._alert.object


def test_exported_plots_draw_what_the_page_shows():
    """The exports and the page build their figures with the same functions and data."""
    import panel as pn
    from bokeh.models import ColumnDataSource

    from app.main import PlaygroundApp

    app = PlaygroundApp(loop=False)
    s = app.state
    s.hidden = 2
    s.advance(150)
    s.notify()

    def page_source(view, name):
        for pane in view.__panel__().select(pn.pane.Bokeh):
            found = pane.object.select_one({"name": name})
            if found is not None:
                return found
        raise LookupError(name)

    fit, loss = export.plots(s).children
    curve = page_source(app.fit, "fit_curve").data
    exported = [c.data for c in fit.select(ColumnDataSource) if set(c.data) == {"x", "y"}
                and len(c.data["x"]) == len(curve["x"])]
    assert len(exported) == 1
    np.testing.assert_array_equal(exported[0]["x"], curve["x"])
    np.testing.assert_array_equal(exported[0]["y"], curve["y"])
    history = page_source(app.loss_plot, "loss_history").data
    (exported,) = [c.data for c in loss.select(ColumnDataSource) if "epoch" in c.data]
    assert list(exported["epoch"]) == list(history["epoch"])
    assert list(exported["loss"]) == list(history["loss"])
