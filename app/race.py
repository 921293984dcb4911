"""The race: one neuron against two, trained side by side from their starting weights.

``Race`` is the state of the race in the page; ``race_figure`` draws the article's comparison
figure from a finished run, and ``python -m app.race`` writes it to assets/ as standalone
HTML (and PNG where a browser is available).
"""
import argparse
from pathlib import Path

import numpy as np
import param

import tinynet
from tinynet import Trainer

from .run import record
from .session import Session

# width -> colour: app/views/base.py's WIDTH_COLORS (Okabe-Ito), written out so that this
# module stays free of Panel (tests/test_accessibility_views.py checks they agree)
RUNNERS = {1: "#D55E00", 2: "#009E73"}


class Race(param.Parameterized):
    """Widths 1 and 2 from their starting weights on the article's data, trained at the
    playground's speed."""

    running = param.Boolean(False, doc="Whether the race is being trained.")
    reset = param.Event(doc="Start the race again from the starting weights.")
    version = param.Integer(0, doc="Bumped after every change.")

    def __init__(self, playground: Session, **params):
        super().__init__(**params)
        self.playground = playground
        self._start()

    def _start(self):
        x, y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y  # the article's comparison, on its data
        self.trainers = {h: Trainer(tinynet.starting_network(hidden=h), x, y,
                                    tinynet.GradientDescent(0.5)) for h in RUNNERS}
        self.histories = {h: ([0], [t.loss]) for h, t in self.trainers.items()}
        self.version += 1

    @param.depends("reset", watch=True)
    def _on_reset(self):
        self.running = False
        self._start()

    @property
    def epoch(self) -> int:
        return self.trainers[1].epoch

    def advance(self, epochs: int, render: bool = True) -> None:
        """Train both runners ``epochs`` more steps; update the views if ``render``."""
        for h, trainer in self.trainers.items():
            result = trainer.run(epochs)
            if result.losses.size:
                record(self.histories[h], trainer.epoch - result.losses.size + 1, result.losses)
        if render:
            self.version += 1

    @param.depends("running", watch=True)
    def _on_running(self):
        if not self.running:
            self.version += 1  # show where it stopped


def race_figure(epochs: int = 5000):
    """The article's comparison, computed now: loss curves (left) and fits (right)."""
    from bokeh.layouts import row
    from bokeh.models import Span
    from bokeh.plotting import figure

    x, y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y
    loss_fig = figure(width=520, height=380, y_axis_type="log", x_axis_label="epoch",
                      y_axis_label="mean loss", toolbar_location=None,
                      title=f"Loss: one neuron plateaus, two keep falling "
                            f"({epochs} epochs, lr 0.5)")
    fit_fig = figure(width=520, height=380, x_axis_label="x", y_axis_label="y",
                     toolbar_location=None, title="Fits after training")
    loss_fig.add_layout(Span(location=tinynet.ONE_NEURON_FLOOR, dimension="width",
                             line_color="#555555", line_dash="dashed"))
    grid = np.linspace(0.5, 4.5, 241)
    for h, color in RUNNERS.items():
        net = tinynet.starting_network(hidden=h)
        losses = np.concatenate([[net.loss(x, y)], Trainer(net, x, y).run(epochs).losses])
        label = f"{h} hidden neuron{'s' if h > 1 else ''}: final loss {losses[-1]:.3g}"
        loss_fig.line(np.arange(losses.size), np.maximum(losses, 1e-300), line_color=color,
                      line_width=2, legend_label=label)
        fit_fig.line(grid, net.predict(grid), line_color=color, line_width=3, legend_label=label)
    fit_fig.scatter(x, y, size=11, color="#222222", legend_label="data")
    loss_fig.legend.location = "bottom_left"
    fit_fig.legend.location = "bottom_right"
    return row(loss_fig, fit_fig)


def export(out_dir: Path, epochs: int = 5000) -> list[Path]:
    """Write race.html (standalone, offline) and race.png (if a browser is available)."""
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    out_dir.mkdir(parents=True, exist_ok=True)
    layout = race_figure(epochs)
    html = out_dir / "race.html"
    html.write_text(file_html(layout, INLINE, "tinynet: one neuron vs two"), encoding="utf-8")
    written = [html]
    try:
        written.append(_export_png(race_figure(epochs), out_dir / "race.png"))
    except Exception as exc:  # no browser/driver here: the HTML is still written
        print(f"race.png not written: {exc}")
    return written


def _export_png(layout, path: Path) -> Path:
    from .export import layout_png

    path.write_bytes(layout_png(layout))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m app.race", description=__doc__)
    parser.add_argument("--out", default="assets", help="folder to write into (default assets)")
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args(argv)
    for path in export(Path(args.out), args.epochs):
        print("wrote", path)


if __name__ == "__main__":
    main()
