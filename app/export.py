"""Export and import of the playground's state: plain functions, no widgets, no session.

Exports: weights.json, loss.csv (epoch,loss), network.py (a tinynet snippet that rebuilds the
network and data and prints the loss), snapshot.html (a static, offline Bokeh page) and
plots.png (the same plots drawn by a headless Chromium). Import: ``parse_weights_json`` checks
a weights.json and says what is wrong; ``apply_weights`` loads it as the current start.
"""
import io
import json
import os
import shutil
import textwrap
from typing import NamedTuple

import numpy as np

import tinynet

from . import recipe
from .pins import MAX_PINS
from .session import Session
from .settings import LOSS_NAMES, OPTIMIZERS, WEIGHT_LIMIT, WIDTHS, optimizer_arguments
from .text import html_table

FORMAT = "tinynet-weights"
VERSION = 1
MAX_JSON_BYTES = 8 * 1024 * 1024  # the weights alone ~1 kB; each change in a run ~300 B
MAX_WEIGHT = WEIGHT_LIMIT


class WeightsError(ValueError):
    """A weights file that cannot be loaded; the message says what is wrong."""


class Weights(NamedTuple):
    """Weights read from a file: the width, the activation and the article's w1, b1, w2, b2."""

    hidden: int
    activation: str
    w1: list[float]
    b1: list[float]
    w2: list[float]
    b2: float
    runs: dict = {}  # width -> app.recipe.Recipe: every run in full, when the file has them
    epoch: int = 0  # the epoch shown
    pins: list = []  # the pinned runs' recipes

    @property
    def theta(self) -> np.ndarray:
        """The flat vector [w1 (H), b1 (H), w2 (H), b2] that tinynet and the state use."""
        return np.array([*self.w1, *self.b1, *self.w2, self.b2])


# -- weights.json --------------------------------------------------------------------------------
def weights_json(state: Session) -> str:
    """The current network as JSON; the data, loss and epoch are there for information."""
    doc = {"format": FORMAT, "version": VERSION, "hidden": state.hidden,
           "activation": state.activation, **state.weights(),
           "data": {"x": state.x.tolist(), "y": state.y.tolist()},
           "loss": state.loss(), "epoch": state.epoch,
           "runs": {str(h): recipe.of(run) for h, run in sorted(state.runs().items())
                    if run.end - run.timeline.epochs[0] <= recipe.MAX_EPOCHS},
           "pins": [recipe.of(p.run, label=p.label, start=p.start) for p in state.pins
                    if p.run.end - p.run.timeline.epochs[0] <= recipe.MAX_EPOCHS]}
    return json.dumps(doc, indent=2) + "\n"


def _reject_constant(name):
    raise WeightsError(f"{name} is not a number JSON allows; every weight must be finite")


def parse_weights_json(content: bytes | str, max_bytes: int = MAX_JSON_BYTES) -> Weights:
    """Read and check a weights.json (as written by ``weights_json``); raises WeightsError."""
    if content is None or len(content) == 0:
        raise WeightsError("the file is empty")
    if len(content) > max_bytes:
        raise WeightsError(f"the file is {len(content) / 2**20:.1f} MB; a weights file is at "
                           f"most {max_bytes / 2**20:g} MB")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WeightsError("the file is not text (UTF-8 JSON expected)") from None
    try:
        doc = json.loads(content, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise WeightsError(f"the file is not valid JSON: {err.msg} at line {err.lineno}, "
                           f"column {err.colno}") from None
    except RecursionError:
        raise WeightsError("the file is not a weights file: it is nested too deeply") from None
    if not isinstance(doc, dict):
        raise WeightsError(f"the file holds a JSON {type(doc).__name__}, not an object with "
                           "w1, b1, w2 and b2")
    if doc.get("format") != FORMAT:
        raise WeightsError(f'the file is not a tinynet weights file: it needs "format": "{FORMAT}"')
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise WeightsError(f"weights file version {version!r} is not one this playground reads "
                           f"(it reads version {VERSION})")
    hidden = doc.get("hidden")
    if isinstance(hidden, bool) or hidden not in WIDTHS:
        raise WeightsError(f"hidden is {hidden!r}; the playground offers {WIDTHS} hidden neurons")
    activation = doc.get("activation")
    if activation not in tinynet.ACTIVATIONS:
        raise WeightsError(f"activation is {activation!r}; choose one of "
                           f"{list(tinynet.ACTIVATIONS)}")
    lists = {name: _numbers(doc, name, hidden) for name in ("w1", "b1", "w2")}
    if isinstance(doc.get("b2"), list):
        raise WeightsError("b2 is the output's one bias: give a single number, not a list")
    b2 = _number(doc.get("b2"), "b2")
    runs = doc.get("runs", {})
    if not isinstance(runs, dict) or len(runs) > len(WIDTHS):
        raise WeightsError("runs must be an object with a run per width")
    checked = {}
    for key, run in runs.items():
        try:
            checked[int(key)] = recipe.parse(run if isinstance(run, dict) else {})
        except (ValueError, recipe.RecipeError) as err:
            raise WeightsError(f"the run of width {_short(key)} cannot be replayed: "
                               f"{err}") from None
        if checked[int(key)].hidden != int(key):
            raise WeightsError(f"the run filed under width {_short(key)} has another width")
    pins = doc.get("pins", [])
    if not isinstance(pins, list) or len(pins) > MAX_PINS:
        raise WeightsError(f"pins must be a list of at most {MAX_PINS} runs")
    pinned = []
    for n, pin in enumerate(pins, 1):
        try:
            pinned.append(recipe.parse(pin if isinstance(pin, dict) else {}))
        except recipe.RecipeError as err:
            raise WeightsError(f"pinned run {n} cannot be replayed: {err}") from None
    epoch = doc.get("epoch", 0)
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise WeightsError(f"epoch must be a whole number >= 0, got {_short(epoch)}")
    return Weights(hidden, activation, lists["w1"], lists["b1"], lists["w2"], b2, checked, epoch,
                   pinned)


def _numbers(doc: dict, name: str, hidden: int) -> list[float]:
    values = doc.get(name)
    if not isinstance(values, list):
        raise WeightsError(f"{name} must be a list of {hidden} number(s), one per hidden neuron; "
                           f"got {_short(values)}")
    if len(values) != hidden:
        raise WeightsError(f"{name} has {len(values)} value(s) but hidden is {hidden}: give one "
                           "per hidden neuron")
    return [_number(v, f"{name}[{j}]") for j, v in enumerate(values, start=1)]


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WeightsError(f"{name} must be a number, got {_short(value)}")
    if not abs(value) <= MAX_WEIGHT:  # also NaN, inf, and ints too big for a float
        shown = f"{value:.6g}" if isinstance(value, float) else _short(value)
        raise WeightsError(f"{name} is {shown}; weights must be finite and within "
                           f"±{MAX_WEIGHT:g}")
    return float(value)


def _short(value) -> str:
    text = "nothing" if value is None else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def apply_weights(state: Session, weights: Weights, label: str = "loaded weights.json") -> None:
    """Make ``weights`` the current width's start: its activation first, then the weights.
    A file with runs brings them back instead, each replayed exactly, at the epoch shown;
    raises WeightsError if one cannot be replayed (nothing has changed then)."""
    state.training = False
    if weights.runs:
        try:
            replayed = {h: recipe.replayed(r) for h, r in weights.runs.items()}
            pinned = [(r.label, r.start, recipe.replayed(r)) for r in weights.pins]
        except recipe.RecipeError as err:
            raise WeightsError(f"a run cannot be replayed: {err}") from None
        state.restore_pins(pinned)
        shown = weights.runs.get(weights.hidden)
        for h, run in replayed.items():
            if h != weights.hidden:
                state.adopt(run)
        if shown is not None:
            recipe.open_in(state, shown, replayed[weights.hidden])
            state.go_to(min(max(weights.epoch, shown.legs[0].epoch), shown.end))
            return
    if state.activation != weights.activation:
        state.activation = weights.activation
    state.load_start(weights.theta, label=label)


# -- loss.csv and network.py ---------------------------------------------------------------------
def loss_csv(state: Session) -> str:
    """The current width's loss history as CSV: one ``epoch,loss`` row per recorded epoch."""
    epochs, losses = state.history
    rows = "".join(f"{e},{v!r}\n" for e, v in zip(epochs, losses))
    return "epoch,loss\n" + rows


def _floats(values) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _wrapped(name: str, values) -> str:
    return textwrap.fill(_floats(values), width=96, initial_indent=f"{name} = np.array(",
                         subsequent_indent=" " * (len(name) + 13), break_on_hyphens=False) + ")"


LOSS_TEXT = {"squared": "loss 0.5 * (y_hat - y)^2",
             "cross_entropy": "cross-entropy -(y log y_hat + (1 - y) log(1 - y_hat))"}


def _frozen(state: Session) -> str:
    """The Trainer's ``frozen`` argument for the weights the page has frozen ('' if none), in
    tinynet's names for them."""
    names = [n for n, f in zip(state.net.names, state.run.frozen) if f]
    return f", frozen={names!r}" if names else ""


def python_snippet(state: Session) -> str:
    """A Python script that rebuilds the current network and data with tinynet and prints the
    loss, to full precision (the same number the playground shows)."""
    w = state.weights()
    settings = optimizer_arguments(state)
    optimizer_args = ", ".join([repr(state.optimizer), f"learning_rate={state.learning_rate!r}",
                                *(f"{k}={v!r}" for k, v in settings.items())])
    name = {v: k for k, v in OPTIMIZERS.items()}[state.optimizer]
    return (
        f"# The tinynet playground's network: {state.hidden} {state.activation} hidden "
        f"neuron{'s' if state.hidden > 1 else ''}, epoch {state.epoch}.\n"
        "import numpy as np\n"
        "from tinynet import Network, Trainer, make_optimizer\n\n"
        "net = Network(\n"
        f"    w1={_floats(w['w1'])},\n"
        f"    b1={_floats(w['b1'])},\n"
        f"    w2={_floats(w['w2'])},\n"
        f"    b2={float(w['b2'])!r},\n"
        f"    activation={state.activation!r},\n"
        + (f"    loss={state.loss_choice!r},\n" if state.loss_choice != "squared" else "")
        + (f"    decay={state.decay!r},\n" if state.decay else "")
        + ")\n"
        f"{_wrapped('x', state.x)}\n"
        f"{_wrapped('y', state.y)}\n"
        f"optimizer = make_optimizer({optimizer_args})  # {name}\n"
        f"trainer = Trainer(net, x, y, optimizer{_frozen(state)})\n\n"
        f"print(repr(trainer.loss))  # mean {LOSS_TEXT[state.loss_choice]}"
        f"{' plus (decay / 2) * sum(w^2)' if state.decay else ''}, as the playground shows it\n"
        "# trainer.run(1000); print(trainer.loss)  # train on from here\n"
    )


# -- the plots, the snapshot and the PNG ---------------------------------------------------------
def plots(state: Session, width: int = 560, height: int = 380):
    """A Bokeh row: the fit and the loss history, drawn by the page's own figure builders.

    Made anew on each call, from the state as it is now (a Bokeh model lives in one document).
    """
    from bokeh.layouts import row
    from bokeh.models import ColumnDataSource

    from .views.base import history_data
    from .views.fit import fit_data, fit_figure, outputs_logit
    from .views.loss import fit_loss_axis, loss_extent, loss_figure, place_floor

    sources = {name: ColumnDataSource(data)
               for name, data in fit_data(state.net, state.x, state.y).items()}
    fit, _, _ = fit_figure(sources, state.hidden, logit=outputs_logit(state.net), width=width,
                           height=height)
    epochs, losses = state.history
    loss, floor = loss_figure(ColumnDataSource(history_data(epochs, losses)),
                              width=width, height=height)
    drawn = place_floor(floor, state.hidden, state.x, state.y, state.loss_choice, state.decay)
    fit_loss_axis(loss, *loss_extent(losses, drawn))
    return row(fit, loss)




SNAPSHOT_CSS = ("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
                "table{border-collapse:collapse;margin:0.5em 2em 1em 0;display:inline-table}"
                "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")


def snapshot_html(state: Session) -> str:
    """A standalone page: the state's numbers, the two plots and the tables; works offline."""
    from bokeh.embed import file_html
    from bokeh.layouts import column
    from bokeh.models import Div

    from .patches import offline_resources  # imports Panel: only when a snapshot is made
    net, x, y = state.net, state.x, state.y
    z1, a1, y_hat = net.forward(x)
    names = tinynet.parameter_names(state.hidden)
    weights = html_table(["weight", "value"],
                         [[n, repr(float(v))] for n, v in zip(names, net.theta)])
    h = state.hidden
    sub = (lambda s: [s]) if h == 1 else (lambda s: [f"{s}[{j}]" for j in range(1, h + 1)])
    losses = net.losses(x, y)  # the loss trained on, per point (cross-entropy: from z₂)
    per_point = html_table(
        ["x", *sub("z₁"), *sub("a₁"), "ŷ", "y",
         "½(ŷ − y)²" if state.loss_choice == "squared" else "−[y ln ŷ + (1 − y) ln(1 − ŷ)]"],
        [[f"{xi:g}", *(f"{v:.6f}" for v in z1[i]), *(f"{v:.6f}" for v in a1[i]),
          f"{y_hat[i]:.6f}", f"{y[i]:g}", f"{losses[i]:.6g}"]
         for i, xi in enumerate(x)])
    name = {v: k for k, v in OPTIMIZERS.items()}[state.optimizer]
    header = Div(text=(
        "<h1>tinynet playground: a snapshot</h1>"
        f"<p>{h} {state.activation} hidden neuron{'s' if h > 1 else ''} · {name}, learning rate "
        f"{state.learning_rate:g} · {LOSS_NAMES[state.loss_choice]}"
        f"{f', weight decay λ {state.decay:g}' if state.decay else ''}"
        f" · epoch <b>{state.epoch}</b> · mean loss "
        f"<b class='tn-snapshot-loss'>{state.loss()!r}</b></p>"), stylesheets=[SNAPSHOT_CSS])
    tables = Div(text=(f"<h2>Weights</h2>{weights}<h2>Forward pass and loss per point</h2>"
                       f"{per_point}"), stylesheets=[SNAPSHOT_CSS])
    return file_html(column(header, plots(state), tables), offline_resources(),
                     "tinynet playground snapshot")


class PNGUnavailable(RuntimeError):
    """PNG export cannot run here (no Chromium, chromedriver or selenium)."""


def _find(names: list[str]) -> str | None:
    """The first of ``names`` that is an executable (a path, or a name on PATH)."""
    return next((found for found in map(shutil.which, names) if found), None)


def find_chromium() -> str | None:
    """Chromium's executable: Debian's /usr/bin/chromium first, else one on PATH (None if none).
    The one finder: the test and benchmark tools (tools/chromium.py) use it too."""
    return _find(["/usr/bin/chromium", "chromium", "chromium-browser"])


def find_chromedriver() -> str | None:
    """chromedriver (Debian's chromium-driver package), which PNG export drives Chromium with."""
    return _find(["/usr/bin/chromedriver", "chromedriver"])


def _first_line(err: Exception) -> str:
    lines = str(err).strip().splitlines()  # selenium appends a stack trace
    return lines[0] if lines else type(err).__name__


def png_unavailable_reason() -> str:
    """'' if PNG export can run here, else what is missing (cheap: nothing is started)."""
    import importlib.util

    missing = []
    if importlib.util.find_spec("selenium") is None:
        missing.append("the selenium package")
    if find_chromium() is None:
        missing.append("Chromium")
    if find_chromedriver() is None:
        missing.append("chromedriver")
    if not missing:
        return ""
    return ("PNG export needs " + " and ".join(missing) + " on the machine that serves the "
            "playground; snapshot.html has the same plots")


def plots_png(state: Session) -> bytes:
    """The fit and loss plots as PNG, drawn by headless Chromium; raises PNGUnavailable."""
    return layout_png(plots(state))


def layout_png(layout) -> bytes:
    """A Bokeh layout as PNG, drawn by headless Chromium; raises PNGUnavailable."""
    reason = png_unavailable_reason()
    if reason:
        raise PNGUnavailable(reason)
    from bokeh.io.export import get_screenshot_as_png
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from .patches import offline_resources

    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager would phone home
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    options.binary_location = find_chromium()
    service = Service(executable_path=find_chromedriver())
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as err:
        raise PNGUnavailable(f"PNG export could not start Chromium: {_first_line(err)}") from err
    try:
        image = get_screenshot_as_png(layout, driver=driver, resources=offline_resources())
    except Exception as err:
        raise PNGUnavailable(f"PNG export failed in Chromium: {_first_line(err)}") from err
    finally:
        driver.quit()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
