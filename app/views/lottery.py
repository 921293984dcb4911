"""The init lottery in the page: draw many random starts per width, see where they end up,
and load any run's starting weights into the playground."""
import math

import numpy as np
import panel as pn
import param
from bokeh.models import (
    ColumnDataSource,
    FixedTicker,
    HoverTool,
    Label,
    PrintfTickFormatter,
    Range1d,
    Span,
)
from bokeh.plotting import figure
from panel.io.state import set_curdoc

import tinynet

from ..lottery import Lottery, is_article, warm_up
from ..settings import WIDTHS
from ..text import format_loss
from .base import WIDTH_COLORS as COLORS
from .base import View

BINS = 24  # log-spaced bins over the range of final losses, shared by every width
LOWEST = 1e-16  # losses below this (a float's rounding) share the histogram's first bin
EMPTY = {"width": [], "label": [], "color": [], "lo": [], "hi": [], "left": [], "right": [],
         "top": []}

ABOUT = """\
**The init lottery.** Gradient descent only walks downhill from where it starts, so whether a
network finds the bump depends on its random starting weights. Every width below trains many
random starts (Xavier or He, from the seed) on the playground's current data with its
optimizer, learning rate and activation; the histogram shows where their final losses land
(log scale). On the article's data a run **found the bump** when its final loss is below the
threshold (0.04 unless changed, the dashed line): under half the one-neuron floor 1/12 (dotted),
which no monotonic curve can beat, so the network must have bent its curve back down. Runs
still creeping toward the bump when the epochs run out count only once they are under it.
On other data the same test reads "reached a loss below the threshold". Pick any run and load
its starting weights into the playground to train it yourself.
"""


def histogram(results, bins: int = BINS) -> dict[str, list]:
    """Counts of final losses per width in log-spaced bins shared by every width.

    A bin [lo, hi) is split into one slot per width, side by side (left, right), so the bars
    never hide each other. Diverged runs (loss inf) are left out; empty bins are not drawn.
    """
    finite = [d.losses[np.isfinite(d.losses)] for d in results.values()]
    finite = np.concatenate(finite) if finite else np.empty(0)
    if finite.size == 0:
        return {k: [] for k in EMPTY}
    lo = math.log10(max(finite.min(), LOWEST))
    hi = math.log10(max(finite.max(), LOWEST))
    hi = max(hi, lo + 0.1) + 1e-9  # room for the largest loss inside the last bin
    edges = np.logspace(lo, hi, bins + 1)
    logs = np.linspace(lo, hi, bins + 1)
    slots = len(results)
    data = {k: [] for k in EMPTY}
    for i, (h, draw) in enumerate(sorted(results.items())):
        losses = np.clip(draw.losses[np.isfinite(draw.losses)], edges[0], edges[-1])
        counts, _ = np.histogram(losses, edges)
        for k in np.flatnonzero(counts):
            step = (logs[k + 1] - logs[k]) / slots
            data["width"].append(h)
            data["label"].append(f"{h} hidden neuron{'s' if h > 1 else ''}")
            data["color"].append(COLORS.get(h, "#555555"))
            data["lo"].append(float(edges[k]))
            data["hi"].append(float(edges[k + 1]))
            data["left"].append(float(10 ** (logs[k] + i * step)))
            data["right"].append(float(10 ** (logs[k] + (i + 1) * step)))
            data["top"].append(int(counts[k]))
    return data


class LotteryView(View):
    """Settings, Run/Cancel and progress; the histogram and shares; loading a chosen run."""

    pick_width = param.Selector(default=WIDTHS[0], objects=WIDTHS,
                                doc="The width whose runs the rank counts.")
    rank = param.Integer(1, bounds=(1, None),
                         doc="Which run of the width, by final loss: 1 is the best.")

    def __init__(self, **params):
        super().__init__(**params)
        self.lottery = Lottery(self.state)
        if _session_schedule() is not None:  # served: the first draw will not wait for it
            warm_up()
        lot = self.lottery
        self._hist = ColumnDataSource({k: [] for k in EMPTY}, name="lottery_hist")
        fig = figure(height=330, sizing_mode="stretch_width", x_axis_type="log",
                     x_range=Range1d(1e-3, 1.0), toolbar_location=None,
                     x_axis_label="final mean loss (log scale)",
                     y_axis_label="runs", title="The init lottery: final losses per width")
        fig.quad(left="left", right="right", top="top", bottom=0, source=self._hist,
                 fill_color="color", line_color="color", fill_alpha=0.6, legend_field="label")
        fig.add_tools(HoverTool(tooltips=[("width", "@width"), ("final loss", "@lo – @hi"),
                                          ("runs", "@top")]))
        self._found_line = Span(location=lot.threshold, dimension="height", line_color="#222222",
                                line_dash="dashed", line_width=2)
        self._floor_line = Span(location=tinynet.ONE_NEURON_FLOOR, dimension="height",
                                line_color="#c0392b", line_dash="dotted", line_width=2)
        fig.add_layout(self._found_line)
        fig.add_layout(self._floor_line)
        fig.xaxis.ticker = FixedTicker(ticks=_ticks(1e-3, 1.0))  # Bokeh's log ticker leaves
        fig.xaxis.formatter = PrintfTickFormatter(format="%g")  # a 2-decade range unlabelled
        fig.legend.location = "top_left"
        # an empty plot says what will appear on it
        self._empty = Label(x=0.5, y=0.5, x_units="screen", y_units="screen", x_offset=20,
                            y_offset=150, text="Press ▶ Draw the lottery: a histogram of the "
                            "final losses per width appears here", text_font_size="10pt",
                            text_color="#444444")
        fig.add_layout(self._empty)
        self._fig = fig

        self._settings = pn.Row(
            pn.widgets.IntInput.from_param(lot.param.runs, name="starts per width", width=120),
            pn.widgets.IntInput.from_param(lot.param.epochs, name="epochs", width=100),
            pn.widgets.Select.from_param(lot.param.init, name="initialisation", width=110),
            pn.widgets.IntInput.from_param(lot.param.seed, name="seed", width=110),
            pn.widgets.FloatInput.from_param(lot.param.threshold, name="found below", width=100),
            pn.Column(pn.pane.HTML("widths", margin=(5, 10, 0, 10)),
                      pn.widgets.CheckButtonGroup.from_param(
                          lot.param.widths, margin=(0, 10), color="primary",
                          variant="outline", css_classes=["tn-lottery-widths"])),
            css_classes=["tn-wrap"])
        self._run = pn.widgets.Button(label="▶ Draw the lottery", color="success",
                                      width=170, css_classes=["tn-lottery-run"])
        self._cancel = pn.widgets.Button(label="Cancel", color="primary",
                                         variant="outline", width=90, disabled=True,
                                         css_classes=["tn-lottery-cancel"])
        self._run.on_click(lambda _: self.start())
        self._cancel.on_click(lambda _: lot.cancel())
        self._progress = pn.indicators.Progress(value=0, max=1, width=220, bar_color="success",
                                                margin=(18, 10),
                                                css_classes=["tn-lottery-progress"])
        self._status = pn.pane.HTML("", css_classes=["tn-lottery-status"], margin=(12, 10))
        self._summary = pn.pane.HTML("", css_classes=["tn-lottery-summary"], width=330)

        self._best = pn.widgets.Button(label="best", width=70)
        self._median = pn.widgets.Button(label="median", width=80)
        self._worst = pn.widgets.Button(label="worst", width=70)
        for button, where in ((self._best, 0.0), (self._median, 0.5), (self._worst, 1.0)):
            button.on_click(lambda _, where=where: self._go_to(where))
        self._load = pn.widgets.Button(label="Load this start into the playground",
                                       color="primary", width=270,
                                       css_classes=["tn-lottery-load"])
        self._load.on_click(lambda _: self.load())
        self._choice = pn.pane.HTML("", css_classes=["tn-lottery-choice"],
                                    sizing_mode="stretch_width")
        self._picker = pn.Row(
            pn.widgets.Select.from_param(self.param.pick_width, name="width", width=80,
                                         css_classes=["tn-lottery-width"]),
            pn.widgets.IntInput.from_param(self.param.rank, name="rank by final loss", width=140,
                                           css_classes=["tn-lottery-rank"]),
            pn.Column(pn.Spacer(height=18), pn.Row(self._best, self._median, self._worst)),
            pn.Column(pn.Spacer(height=18), self._load))

        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.on_session_destroyed(lambda _: lot.cancel())
        lot.param.watch(self._on_progress, ["running", "done", "total", "message"])
        lot.param.watch(self._on_results, ["version"])
        lot.param.watch(self._on_threshold, ["threshold"])
        self._on_progress()
        self._on_results()

    # -- running -------------------------------------------------------------------------------
    def start(self):
        """Draw: in a worker thread when served (updates come back on the event loop), else here."""
        self.lottery.start(schedule=_session_schedule())

    def _on_progress(self, *_):
        lot = self.lottery
        self._run.disabled = lot.running
        self._cancel.disabled = not lot.running
        self._progress.max = max(lot.total, 1)
        self._progress.value = min(lot.done, self._progress.max)
        if lot.running:
            self._status.object = f"training… {lot.done:,} of {lot.total:,} runs"
        else:
            self._status.object = lot.message or "Press Draw: the settings, data and optimizer " \
                                                 "are the playground's at that moment."

    # -- results -------------------------------------------------------------------------------
    def _on_results(self, *_):
        lot = self.lottery
        results, plan = lot.results, lot.plan_used
        data = histogram(results)
        self._hist.data = data
        self._empty.visible = not data["lo"]
        if data["lo"]:  # show every bar and both lines, with a little room either side
            lines = [lot.threshold, tinynet.ONE_NEURON_FLOOR]
            start, end = min(data["lo"] + lines) / 1.5, max(data["hi"] + lines) * 1.5
            self._fig.x_range.update(start=start, end=end)
            self._fig.xaxis.ticker.ticks = _ticks(start, end)
        article = plan is None or is_article(plan.x, plan.y)
        self._floor_line.visible = article
        self._on_threshold()
        if results:
            widths = sorted(results)
            self.param.pick_width.objects = widths
            runs = results[widths[0]].losses.size
            self.param.rank.bounds = (1, runs)
            self.param.update(pick_width=self.pick_width if self.pick_width in widths
                              else widths[-1], rank=min(self.rank, runs))
        self._picker.visible = bool(results)
        self._show_choice()

    def _on_threshold(self, *_):
        self._found_line.location = self.lottery.threshold
        self._summary.object = self._summary_html()

    def _summary_html(self) -> str:
        lot, plan = self.lottery, self.lottery.plan_used
        if not lot.results:
            return "<p>No draw yet.</p>"
        found = "found the bump" if is_article(plan.x, plan.y) else "reached loss &lt; " \
                                                                     f"{lot.threshold:g}"
        rows = "".join(
            f"<tr><td>{h}</td><td><b>{d.share_found(lot.threshold):.1%}</b></td>"
            f"<td>{format_loss(float(d.losses.min()))}</td>"
            f"<td>{format_loss(float(np.median(d.losses)))}</td>"
            f"<td>{int(d.diverged.sum())}</td></tr>" for h, d in sorted(lot.results.items()))
        return (f"<table class='tn-lottery-table' style='border-spacing: 10px 2px'>"
                f"<tr><th>width</th><th>{found}</th>"
                f"<th>best loss</th><th>median</th><th>diverged</th></tr>{rows}</table>"
                f"<p class='tn-hint'>{found}: final loss &lt; {lot.threshold:g}. "
                f"Drawn with {plan.describe()}.</p>")

    # -- choosing and loading a run ------------------------------------------------------------
    def _go_to(self, where: float):
        draw = self.lottery.results.get(self.pick_width)
        if draw is not None:
            self.rank = 1 + int(where * (draw.losses.size - 1))  # the lower median

    @param.depends("pick_width", "rank", watch=True)
    def _show_choice(self):
        lot = self.lottery
        draw = lot.results.get(self.pick_width)
        if draw is None or not 1 <= self.rank <= draw.losses.size:
            self._choice.object = ""
            return
        k = lot.pick(self.pick_width, self.rank)
        start = draw.start[:, k]
        h = draw.width
        weights = (f"w₁ = {_numbers(start[:h])}, b₁ = {_numbers(start[h:2 * h])}, "
                   f"w₂ = {_numbers(start[2 * h:3 * h])}, b₂ = {start[3 * h]:.3g}")
        self._choice.object = (f"width {h}, run {k} (rank {self.rank:,} of "
                               f"{draw.losses.size:,}): final loss <b>"
                               f"{format_loss(float(draw.losses[k]))}</b> after "
                               f"{lot.plan_used.epochs:,} epochs. Starts at {weights}.")

    def load(self):
        """Load the chosen run's starting weights into the playground."""
        k = self.lottery.pick(self.pick_width, self.rank)
        self.lottery.load(self.pick_width, k)

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown(ABOUT, css_classes=["tn-why"], sizing_mode="stretch_width"),
            self._settings,
            pn.Row(self._run, self._cancel, self._progress, self._status,
                   css_classes=["tn-wrap"]),
            pn.Row(self._fig, self._summary, sizing_mode="stretch_width",
                   css_classes=["tn-cols"]),
            self._picker,
            self._choice,
            sizing_mode="stretch_width", css_classes=["tn-lottery"])


def _ticks(start: float, end: float) -> list[float]:
    """1, 2 and 5 times the powers of ten between start and end (1 alone over 4+ decades)."""
    decades = range(math.floor(math.log10(start)), math.ceil(math.log10(end)) + 1)
    mantissas = (1,) if len(decades) > 5 else (1, 2, 5)
    return [float(f"{m}e{d}") for d in decades for m in mantissas if start <= m * 10.0**d <= end]


def _numbers(values) -> str:
    return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"


def _session_schedule():
    """A function that runs a callable on this session's event loop, batched into one message
    (None when not served: then the lottery runs synchronously)."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return None

    def schedule(fn):
        def callback():
            with set_curdoc(doc), pn.io.hold(doc):
                fn()
        try:
            doc.add_next_tick_callback(callback)
        except Exception:  # the session has gone; nothing to show the result to
            pass

    return schedule
