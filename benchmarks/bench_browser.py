"""How fast the playground feels in a real browser: prints figures, not a test.

    python benchmarks/bench_browser.py

Serves the app the way a person starts it (``python -m app.cli --no-show``, a subprocess) and
drives headless Chromium (found as in tests/conftest.py). All times are the page's own clock
(performance.now()), so Python's polling adds nothing to them.

(a) slider -> plot latency: keydown on the focused w1 slider handle to the moment the
    ``fit_curve`` data source changes in the page; 50 key presses 200 ms apart.
(b) Train at top speed (speed=10000 from the URL): ``loss_history`` updates (stream or
    replace) reaching the page per second over ~5 s, and epochs per second from the readout.
(c) Landscape recompute on the server, in this process (no browser): ``LossLandscape._draw_map``
    for its 200x200 grid at H=1 and H=2, best and median of 20, against one frame (16.7 ms).
(d) The race and the playground training together at top speed: ``loss_history`` and
    ``race_loss_1`` updates reaching the page per second, and both epoch counts per second.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tools.chromium import CHROMIUM_ARGS, find_chromium  # noqa: E402
from tools.net import free_port, wait_for_http  # noqa: E402
from tools.page import DEEP_TEXT_JS  # noqa: E402

TARGETS = {"p50_ms": 20.0, "p95_ms": 35.0, "updates_per_s": 30.0, "frame_ms": 1000 / 60}

# Record keydowns (capturing, so before the slider handles them) and fit_curve changes.
WATCH_SLIDER_JS = """
() => {
  const rec = window.__bench = {keys: [], changes: []};
  document.addEventListener('keydown', () => rec.keys.push(performance.now()), true);
  Bokeh.documents[0].get_model_by_name('fit_curve').change.connect(
    () => rec.changes.push(performance.now()));
}
"""

WATCH_HISTORY_JS = """
() => {
  const rec = window.__bench = {streams: [], replaces: []};
  const source = Bokeh.documents[0].get_model_by_name('loss_history');
  source.streaming.connect(() => rec.streams.push(performance.now()));
  source.change.connect(() => rec.replaces.push(performance.now()));
}
"""

# loss_history and race_loss_1 updates, for the race and Train together
WATCH_BOTH_JS = """
() => {
  const rec = window.__bench = {history: [], race: []};
  for (const [name, key] of [['loss_history', 'history'], ['race_loss_1', 'race']]) {
    const source = Bokeh.documents[0].get_model_by_name(name);
    source.streaming.connect(() => rec[key].push(performance.now()));
    source.change.connect(() => rec[key].push(performance.now()));
  }
}
"""


def percentile(values, q):
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def verdict(ok):
    return "PASS" if ok else "MISS"


def epoch_of(page):
    return int(page.locator(".tn-epoch").first.evaluate(DEEP_TEXT_JS).split()[-1])


def wait_for_content(page, timeout=15.0):
    deadline = time.monotonic() + timeout
    while "mean loss" not in page.locator(".tn-loss").first.evaluate(DEEP_TEXT_JS):
        if time.monotonic() > deadline:
            raise TimeoutError("the page showed no loss readout")
        page.wait_for_timeout(50)


def slider_latency(page, base, steps, gap_ms):
    """Milliseconds from each keydown to the next fit_curve change (None if none came)."""
    page.goto(base + "/")
    wait_for_content(page)
    page.evaluate(WATCH_SLIDER_JS)
    handle = page.locator(".tn-weights .noUi-handle").first
    handle.focus()
    for _ in range(5):  # warm up: first presses pay for JIT and first-use paths
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(gap_ms)
    page.evaluate("() => { window.__bench.keys = []; window.__bench.changes = []; }")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(gap_ms)
    page.wait_for_timeout(500)
    rec = page.evaluate("() => window.__bench")
    keys, changes = rec["keys"], rec["changes"]
    latencies = []
    for i, down in enumerate(keys):
        until = keys[i + 1] if i + 1 < len(keys) else float("inf")
        after = [c for c in changes if down <= c < until]
        latencies.append(after[0] - down if after else None)
    return latencies


def training_rate(page, base, seconds):
    """(updates per second, streams, replaces, epochs per second) while training at top speed."""
    page.goto(base + "/?speed=10000")
    wait_for_content(page)
    page.evaluate(WATCH_HISTORY_JS)
    train = page.locator(".tn-train button")
    train.click()
    page.wait_for_timeout(1000)  # past the start-up of the loop
    t0, e0 = page.evaluate("performance.now()"), epoch_of(page)
    page.wait_for_timeout(seconds * 1000)
    t1, e1 = page.evaluate("performance.now()"), epoch_of(page)
    train.click()
    while "Train" not in train.inner_text():  # paused: nothing is streaming when the tab closes
        page.wait_for_timeout(50)
    rec = page.evaluate("() => window.__bench")
    streams = [t for t in rec["streams"] if t0 <= t < t1]
    replaces = [t for t in rec["replaces"] if t0 <= t < t1]
    span = (t1 - t0) / 1000
    return (len(streams) + len(replaces)) / span, len(streams), len(replaces), (e1 - e0) / span


def landscape_times(hidden, repeats=20):
    """Milliseconds per ``LossLandscape._draw_map`` (the whole recompute: the 200x200 loss grid,
    colour range, image, contours, axes) and per ``tinynet.landscape`` alone, at a width."""
    import tinynet
    from app.session import Session
    from app.views import landscape as view

    state = Session(hidden=hidden)
    landscape = view.LossLandscape(state=state)
    i, j = landscape._axes()
    x0, x1, y0, y1 = landscape._range
    xs, ys = np.linspace(x0, x1, view.GRID), np.linspace(y0, y1, view.GRID)
    whole, grid = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        landscape._draw_map(i, j)
        whole.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        tinynet.landscape(state.net, state.x, state.y, i, j, xs, ys)
        grid.append(1000 * (time.perf_counter() - t))
    return whole, grid


def race_and_train_rate(page, base, seconds):
    """Updates per second of loss_history and race_loss_1, and epochs per second of each, while
    the race and the playground both train at speed=10000."""
    page.goto(base + "/?speed=10000")
    wait_for_content(page)
    page.evaluate(WATCH_BOTH_JS)
    train, race = page.locator(".tn-train button"), page.locator(".tn-race-run button")
    race.click()
    train.click()
    page.wait_for_timeout(1000)
    t0, e0, r0 = page.evaluate("performance.now()"), epoch_of(page), race_epoch_of(page)
    page.wait_for_timeout(seconds * 1000)
    t1, e1, r1 = page.evaluate("performance.now()"), epoch_of(page), race_epoch_of(page)
    train.click()
    race.click()
    deadline = time.monotonic() + 30  # under overload a click can take seconds to come back
    while "Train" not in train.inner_text() or "Start" not in race.inner_text():
        if time.monotonic() > deadline:
            print("    (d) the Pause clicks were not reflected within 30 s: the page is behind")
            break
        page.wait_for_timeout(50)
    rec = page.evaluate("() => window.__bench")
    span = (t1 - t0) / 1000
    count = lambda times: sum(t0 <= t < t1 for t in times) / span  # noqa: E731
    return count(rec["history"]), count(rec["race"]), (e1 - e0) / span, (r1 - r0) / span


def slider_latency_during_lottery(page, base, rounds=4, presses=12, gap_ms=70):
    """Slider -> plot latencies (ms) for key presses made while the init lottery trains."""
    page.goto(base + "/")
    wait_for_content(page)
    page.evaluate(WATCH_SLIDER_JS)
    draw = page.locator(".tn-lottery-run button")
    handle = page.locator(".tn-weights .noUi-handle").first
    keys, changes = [], []
    for r in range(rounds):
        draw.click()
        page.wait_for_timeout(100)  # the worker has started
        page.evaluate("() => { window.__bench.keys = []; window.__bench.changes = []; }")
        handle.focus()
        for _ in range(presses):  # ~1 s of presses: a draw of 1000 x 4 widths takes longer
            page.keyboard.press("ArrowRight" if r % 2 == 0 else "ArrowLeft")
            page.wait_for_timeout(gap_ms)
        page.wait_for_timeout(300)
        rec = page.evaluate("() => window.__bench")
        for i, down in enumerate(rec["keys"]):
            until = rec["keys"][i + 1] if i + 1 < len(rec["keys"]) else float("inf")
            after = [c for c in rec["changes"] if down <= c < until]
            keys.append(after[0] - down if after else None)
        page.wait_for_timeout(2500)  # let the draw finish before the next one
    return keys


def race_epoch_of(page):
    text = page.locator(".tn-race-status").first.evaluate(DEEP_TEXT_JS)
    return int(text.split("epoch", 1)[1].split()[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="slider key presses (default 50)")
    parser.add_argument("--gap-ms", type=int, default=200, help="time between presses")
    parser.add_argument("--train-seconds", type=float, default=5.0)
    parser.add_argument("--landscape-repeats", type=int, default=20)
    args = parser.parse_args(argv)

    # (c) first, in this process while no server or browser competes for the CPU; shown last
    landscape = {hidden: landscape_times(hidden, args.landscape_repeats) for hidden in (1, 2)}

    chromium = find_chromium()
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-server-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--no-show", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        wait_for_http(base + "/", timeout=30)
        print(f"server (python -m app.cli) answered after {time.perf_counter() - started:.2f} s")
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "XDG_CONFIG_HOME": f"{home}/config",
                   "XDG_CACHE_HOME": f"{home}/cache"}
            launch = {"args": CHROMIUM_ARGS, "env": env}
            if chromium is not None:
                launch["executable_path"] = str(chromium)
            browser = pw.chromium.launch(**launch)
            page = browser.new_page()

            latencies = slider_latency(page, base, args.steps, args.gap_ms)
            got = [v for v in latencies if v is not None]
            p50, p95 = percentile(got, 50), percentile(got, 95)
            print(f"\n(a) slider -> fit_curve latency, {len(got)}/{len(latencies)} presses answered")
            print(f"    p50 {p50:6.1f} ms  (target <= {TARGETS['p50_ms']:g})  "
                  f"{verdict(p50 <= TARGETS['p50_ms'])}")
            print(f"    p95 {p95:6.1f} ms  (target <= {TARGETS['p95_ms']:g})  "
                  f"{verdict(p95 <= TARGETS['p95_ms'])}")
            print(f"    min {min(got):.1f}  max {max(got):.1f}  mean {statistics.mean(got):.1f} ms;"
                  f" over 35 ms: {sum(v > 35 for v in got)}")

            page.close()
            page = browser.new_page()
            rate, streams, replaces, epochs = training_rate(page, base, args.train_seconds)
            print(f"\n(b) Train at speed=10000 for {args.train_seconds:g} s")
            print(f"    loss_history updates {rate:5.1f}/s ({streams} streams, {replaces} replaces)"
                  f"  (target >= {TARGETS['updates_per_s']:g}, aim 60)  "
                  f"{verdict(rate >= TARGETS['updates_per_s'])}")
            print(f"    epochs {epochs:7.0f}/s  (asked for 10000)")

            page.close()
            page = browser.new_page()
            history, race, epochs, race_epochs = race_and_train_rate(page, base,
                                                                     args.train_seconds)
            print(f"\n(d) the race and Train together at speed=10000 for {args.train_seconds:g} s")
            print(f"    loss_history updates {history:5.1f}/s  (target >= "
                  f"{TARGETS['updates_per_s']:g})  {verdict(history >= TARGETS['updates_per_s'])}")
            print(f"    race_loss_1 updates  {race:5.1f}/s")
            print(f"    epochs {epochs:7.0f}/s playground, {race_epochs:7.0f}/s race "
                  "(asked for 10000 each)")

            page.close()
            page = browser.new_page()
            during = slider_latency_during_lottery(page, base)
            got = [v for v in during if v is not None]
            p95 = percentile(got, 95)
            print(f"\n(e) slider -> fit_curve latency while the init lottery draws "
                  f"({len(got)}/{len(during)} presses answered)")
            print(f"    p50 {percentile(got, 50):6.1f} ms   p95 {p95:6.1f} ms  (target p95 <= 50)  "
                  f"{verdict(p95 <= 50)}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.seek(0)
        text = log.read()
        # a tab closed mid-message logs WebSocketClosedError: noise; any other traceback is not
        tracebacks = text.count("Traceback (most recent call last)")
        noise = text.count("tornado.websocket.WebSocketClosedError")
        print("\n(c) landscape recompute on the server (LossLandscape._draw_map, 200x200 grid, "
              f"{args.landscape_repeats} runs)")
        for hidden, (whole, grid) in landscape.items():
            best, median = min(whole), statistics.median(whole)
            print(f"    H={hidden}: best {best:5.1f} ms, median {median:5.1f} ms "
                  f"(tinynet.landscape alone: best {min(grid):4.1f}, median "
                  f"{statistics.median(grid):4.1f})  vs one frame {TARGETS['frame_ms']:.1f} ms  "
                  f"{verdict(median <= TARGETS['frame_ms'])}")
        print(f"\nserver log {log.name}: {len(text.splitlines())} lines, {tracebacks} "
              f"tracebacks ({noise} WebSocketClosedError)")


if __name__ == "__main__":
    main()
