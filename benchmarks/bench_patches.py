"""What each of app/patches.py's theme, stylesheet and layout patches buys, on its target figure,
in one process: each patch switched off and on again, interleaved with the all-patched run.

Targets (CPU time of this process, ``time.process_time``):

- a new session: built as the server builds it (Bokeh's ``ApplicationContext`` with the
  playground's application and a page request), its page rendered (Panel's
  ``server_html_page_for_session``) and its first document written (PULL-DOC-REPLY);
- a drawn tick: 10 epochs trained and every view redrawn (``Session.notify``), in a built
  session's document, as the Train loop does it.

Each round is a fresh process (a discarded session's objects are not all freed in this
harness, and a growing heap would slow the later rounds) that warms up, then runs every arm
once in a shuffled order; Python's garbage collector runs before each figure (outside it).

    python benchmarks/bench_patches.py [--rounds 10] [--json out.json]
"""
import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def switches() -> dict:
    """{patch: (switch on, switch off)} for the patches measured, after ``patches.install()``."""
    from bokeh.core.has_props import HasProps
    from panel.pane.base import PaneBase
    from panel.theme.base import Design

    from app import patches

    def swap(owner, name, wrap=lambda f: f, get=lambda v: v):
        patched = get(owner.__dict__[name])
        own = patched.__wrapped__
        return (lambda: setattr(owner, name, wrap(patched)),
                lambda: setattr(owner, name, wrap(own)))

    fast = patches.FastFloatSlider
    css_vars = {name: fast.__dict__[name] for name in ("set_css_var", "css_var")}
    stock_css_vars = {name: patches.StockFloatSlider.__dict__[name] for name in css_vars}
    return {
        "css_vars": (lambda: [setattr(fast, k, v) for k, v in css_vars.items()],
                     lambda: [setattr(fast, k, v) for k, v in stock_css_vars.items()]),
        "kept_theme_modifiers": swap(Design, "_get_modifiers", classmethod,
                                     lambda v: v.__func__),
        "themed_values_read": swap(HasProps, "themed_values"),
        "lazy_pane_layouts": swap(PaneBase, "__init__"),
    }


TARGETS = {"css_vars": ("tick",),  # the others: ("session",)
           "kept_theme_modifiers": ("session", "tick", "slider")}
ALL = ("session", "tick", "slider")


async def main_async(rounds: int) -> dict:
    import panel as pn
    from bokeh.protocol import Protocol
    from bokeh.resources import Resources as BokehResources
    from bokeh.server.contexts import ApplicationContext
    from bokeh.settings import settings
    from bokeh.util.token import generate_jwt_token
    from panel.io.resources import Resources
    from panel.io.server import build_applications, server_html_page_for_session
    from panel.io.state import set_curdoc
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
    from tornado.ioloop import IOLoop

    from app import main as app_main
    from app import patches
    from app.main import create_app

    built = []  # the playground of the session built last

    class Recorded(app_main.PlaygroundApp):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built[:] = [self]

    app_main.PlaygroundApp = Recorded

    assert not patches.STOCK, "measures the patches: run without TINYNET_STOCK_PANEL"
    settings.perform_document_validation.set_value(False)  # as app.cli.serve
    application = build_applications({"/": create_app})["/"]
    context = ApplicationContext(application, io_loop=IOLoop.current(), url="/")
    resources = Resources.from_bokeh(BokehResources(mode="server", root_url="/"))
    protocol = Protocol()
    count = [0]

    async def session():
        count[0] += 1
        session_id = f"bench{count[0]}"
        token = generate_jwt_token(session_id)
        request = HTTPServerRequest(start_line=RequestStartLine("GET", "/", "HTTP/1.1"),
                                    headers=HTTPHeaders({"Host": "127.0.0.1"}))
        return await context.create_session_if_needed(session_id, request, token)

    async def discard(served):
        await context._discard_session(served, lambda s: True)

    async def build() -> float:
        """CPU ms of a new session: built, its page rendered, its first document written."""
        gc.collect()
        start = time.process_time()
        served = await session()
        doc = served.document
        with set_curdoc(doc):
            server_html_page_for_session(served, resources=resources, title=doc.title,
                                         token=served.token, template=doc.template,
                                         template_variables=doc.template_variables)
        protocol.create("PULL-DOC-REPLY", "1", doc).content_json
        spent = time.process_time() - start
        await discard(served)
        return 1000 * spent

    async def tick() -> float:
        """CPU ms of one drawn tick (10 epochs, every view redrawn), median of 20 in a session."""
        served = await session()
        doc = served.document
        state = built[-1].state
        pn.state._connected[doc] = True  # its page loaded: updates go out at once
        spent = []

        def drawn_tick():  # as the Train loop's periodic callback runs: the document locked
            with set_curdoc(doc):
                gc.collect()
                start = time.process_time()
                with pn.io.hold():
                    state.advance(10)
                    state.notify(light=False)
                spent.append(time.process_time() - start)

        for _ in range(20):
            await served.with_document_locked(drawn_tick)
        await discard(served)
        return 1000 * statistics.median(spent)

    async def slider() -> float:
        """CPU ms of one weight slider's value set from Python (a drawn tick sets 4-13)."""
        served = await session()
        doc = served.document
        pn.state._connected[doc] = True
        sliders = [s for s in built[-1].__panel__().select(patches.FloatSlider) if s._models]
        spent = []

        def steps():
            with set_curdoc(doc):
                for i in range(20):
                    for one in sliders:
                        start = time.process_time()
                        one.value = one.start + (one.end - one.start) * (i % 7) / 7
                        spent.append(time.process_time() - start)

        await served.with_document_locked(steps)
        await discard(served)
        return 1000 * statistics.median(spent)

    patches.install()
    switch = switches()
    arms = ["all patched", *switch]
    for _ in range(2):  # warm-up: imports, caches, first-use costs
        await build()
        await tick()
        await slider()
    measure = {"session": build, "tick": tick, "slider": slider}
    figures = {arm: {target: [] for target in ALL} for arm in arms}
    loads = []
    for round_ in range(rounds):
        order = arms[:]
        random.shuffle(order)
        for arm in order:
            off = arm != "all patched"
            if off:
                switch[arm][1]()
            try:
                for target in TARGETS.get(arm, ("session",)) if off else ALL:
                    figures[arm][target].append(await measure[target]())
            finally:
                if off:
                    switch[arm][0]()
        loads.append(os.getloadavg()[0])
    return {"figures": figures, "loads": loads}


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:7.1f}"
    q = statistics.quantiles(values, n=4)
    return f"{statistics.median(values):7.1f} (IQR {q[0]:.1f}-{q[2]:.1f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--one-round", help=argparse.SUPPRESS)  # a round's process: its output
    args = parser.parse_args(argv)
    if args.one_round:
        Path(args.one_round).write_text(json.dumps(asyncio.run(main_async(1))))
        return 0
    result = {"figures": {}, "loads": []}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "round.json"
        for round_ in range(args.rounds):
            subprocess.run([sys.executable, __file__, "--one-round", str(out)], check=True,
                           stderr=subprocess.DEVNULL)
            one = json.loads(out.read_text())
            for arm, by_target in one["figures"].items():
                for target, values in by_target.items():
                    result["figures"].setdefault(arm, {}).setdefault(target, []).extend(values)
            result["loads"] += one["loads"]
            print(f"round {round_ + 1}/{args.rounds}, load {one['loads'][-1]:.2f}",
                  file=sys.stderr, flush=True)
    figures = result["figures"]
    base = {t: statistics.median(figures["all patched"][t]) for t in ALL}
    print(f"load average during the run: {min(result['loads']):.2f}-{max(result['loads']):.2f}"
          f" (median {statistics.median(result['loads']):.2f}), {os.cpu_count()} CPUs")
    print(f"{'arm':26s} {'target':8s} {'CPU ms median (IQR)':>26s}  gain of the patch")
    for t in ALL:
        print(f"{'all patched':26s} {t:8s} {spread(figures['all patched'][t]):>26s}")
    for arm, by_target in figures.items():
        for t in TARGETS.get(arm, ("session",)) if arm != "all patched" else ():
            without = statistics.median(by_target[t])
            gain = (without - base[t]) / without
            print(f"{arm + ' off':26s} {t:8s} {spread(by_target[t]):>26s}  {100 * gain:5.1f} %")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
