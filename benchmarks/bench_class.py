"""A class arriving: what one new session costs the server, and what thirty arriving at once
wait for, side by side with the floor (tools/floor.py: a minimal Panel app and a bare Bokeh
app, served the same way). Prints figures and ratios; asserts nothing.

Every visitor is ``tools.wsclient.Session``: Bokeh's websocket protocol spoken as the page
speaks it (GET the page, open the websocket, pull the document, then drag a slider: a
``value`` change of the first weight slider, answered when the server sends a data change).

(1) One new session at a time, on each server in turn (rounds alternate the order): the
    server's CPU seconds per session (from /proc: build, serialise, send, and after the last
    one what each server does once its sessions ended), and the wall time
    from asking for the page to holding the document, and to the answer of a first change.
(2) N sessions arriving at the same moment (default 30) at the playground, with one process
    and with ``--num-procs 2``: for each, seconds until its document is ready and until it
    answered its first change (from the moment they all arrived); then all of them press
    Train and each counts the loss-readout updates it receives per second; and how many of
    them each server process built (from its log).
(3) Time to interactive in headless Chromium, each server in turn (rounds alternate): from
    navigation start to the first slider change drawn. A script in the page waits until the
    slider is rendered and the line's source (``fit_curve``) exists, then sets the slider's
    value as a drag does and notes when ``fit_curve`` changes (the page's own clock).

(4) Class mode (``--class``) on ``--num-procs 2``, with the embedded store and with a Redis
    server (tools/redis.py): N learners (tools/classclient.py) arrive and train; the loss
    updates/s each receives without the teacher's page, then with it open (side by side, and
    beside a server without ``--class``); how far behind the teacher's rows are (when a row
    showed an epoch, minus when that learner's page first showed it); then the teacher sends
    "go to lesson 3" and each learner's page notes when the lesson arrived (its words and
    task) and when the last of the parts it shows came built.

    python benchmarks/bench_class.py [--opens 12] [--arrivals 30] [--train-seconds 10]
                                     [--tti 8] [--only 1 3 4]
"""
import argparse
import asyncio
import collections
import contextlib
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.capacity import FIRST_CONNECT_S  # noqa: E402
from app.lessons import LESSONS  # noqa: E402
from app.patches import RECLAIM_QUIET_S  # noqa: E402
from tools.before import checkout, describe  # noqa: E402
from tools.classclient import LESSON_3_PARTS, Learner, Teacher  # noqa: E402
from tools.floor import floor_server  # noqa: E402
from tools.redis import redis_server  # noqa: E402
from tools.server import built_sessions, cli_server, cpu_seconds  # noqa: E402
from tools.wsclient import Session, find_models, find_type  # noqa: E402

# Injected before the page's own scripts: poll until the slider is drawn, then move it once.
TTI_JS = """
window.__tti = {ready: null, drawn: null};
(function poll() {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  if (doc) {
    const all = [...doc.all_models];
    const slider = all.find((m) => m.css_classes && m.css_classes.includes('tn-weight-w1_1'))
      || all.find((m) => m.constructor.__name__ === 'Slider');
    const curve = doc.get_model_by_name('fit_curve');
    const view = slider && Bokeh.index.find_one(slider);
    if (curve && view && view.el.isConnected) {
      window.__tti.ready = performance.now();
      curve.change.connect(() => {
        if (window.__tti.drawn === null) window.__tti.drawn = performance.now();
      });
      slider.value = slider.value + 0.05;
      return;
    }
  }
  setTimeout(poll, 5);
})();
"""
FIRST_CHANGE_S = 5.0  # the target: every arrival answers its first change within this
TRAIN_HZ = 15.0  # then each trains at no fewer updates per second
CLASS_LAG_S = 2.0  # the teacher's rows at most this far behind; "go to lesson" within this


def slider_of(session: Session) -> str:
    """The model id a learner drags first: the playground's w1 slider, else the first Slider."""
    found = find_models([session.doc, *session.parts], ("tn-weight-w1_1",)).get("tn-weight-w1_1")
    return found or find_type(session.doc, "Slider")


async def visit(url: str, value: float) -> Session:
    """Open one session, make its first change, stay a moment (what the server does after
    sending its answer counts too), and leave."""
    session = Session(url)
    await session.open(require=())
    session.change_s = await session.first_change(slider_of(session), value)
    await asyncio.sleep(0.3)
    session.close()
    return session


def one_at_a_time(servers: dict, opens: int) -> dict:
    """{name: (cpu s per session, [ready s], [ready + first change s])}."""
    cpu = {name: 0.0 for name in servers}
    ready = {name: [] for name in servers}
    answered = {name: [] for name in servers}
    names = list(servers)
    for r in range(opens):
        for name in (names if r % 2 == 0 else names[::-1]):
            server = servers[name]
            pids = server.pids()
            before = sum(cpu_seconds(p) for p in pids)
            session = asyncio.run(visit(server.url, 0.5 + 0.01 * (r + 1)))
            cpu[name] += sum(cpu_seconds(p) for p in pids) - before
            ready[name].append(session.ready_s)
            answered[name].append(session.ready_s + session.change_s)
            time.sleep(0.2)
    # what a server does after its sessions ended counts too (the playground collects their
    # garbage in one pass RECLAIM_QUIET_S after the last one ended: app/patches.py)
    before = {name: sum(cpu_seconds(p) for p in servers[name].pids()) for name in names}
    time.sleep(RECLAIM_QUIET_S + 1.5)
    for name in names:
        cpu[name] += sum(cpu_seconds(p) for p in servers[name].pids()) - before[name]
    return {name: (cpu[name] / opens, ready[name], answered[name]) for name in names}


async def arriving(url: str, n: int, train_seconds: float, pids=()) -> dict:
    """n sessions at once: their ready and first-answer times, then Train in all of them, and
    while they train the CPU share of the server processes (``pids``) and of this visitor,
    which runs on the same two cores (a class's browsers would be elsewhere)."""
    t0 = asyncio.get_running_loop().time()
    require = ("tn-train", "tn-epoch", "tn-beacon", "tn-ack")

    async def one(k):
        session = Session(url)
        await session.open(require=require)
        ready = asyncio.get_running_loop().time() - t0
        session.change_s = await session.first_change(slider_of(session), 0.51 + 0.01 * k)
        return session, ready, asyncio.get_running_loop().time() - t0

    got = await asyncio.gather(*(one(k) for k in range(n)))
    sessions = [s for s, _, _ in got]
    readers = [asyncio.create_task(s.read_forever()) for s in sessions]
    await asyncio.gather(*(s.press_train() for s in sessions))
    await asyncio.sleep(2.0)  # training settles
    for s in sessions:
        s.reset()
    started, own = time.monotonic(), time.process_time()
    served = sum(cpu_seconds(p) for p in pids)
    await asyncio.sleep(train_seconds)
    wall = time.monotonic() - started
    cpu = {"server": (sum(cpu_seconds(p) for p in pids) - served) / wall,
           "visitor": (time.process_time() - own) / wall}
    rates = [s.readouts / wall for s in sessions]
    for s, reader in zip(sessions, readers):
        reader.cancel()
        s.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return {"ready": [r for _, r, _ in got], "answered": [a for _, _, a in got], "rates": rates,
            "cpu": cpu}


def time_to_interactive(servers: dict, runs: int) -> dict:
    """{name: [(slider drawn ms, first change drawn ms)]}, a fresh tab per run."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from tools.chromium import find_chromium, launch_options

    out = {name: [] for name in servers}
    names = list(servers)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
        browser = pw.chromium.launch(**launch_options(home, find_chromium()))
        for r in range(runs + 1):  # the first round warms each server up, not counted
            for name in (names if r % 2 == 0 else names[::-1]):
                context = browser.new_context()  # no cache: every run is a first open
                page = context.new_page()
                page.add_init_script(TTI_JS)
                page.goto(servers[name].url + "/", wait_until="commit")
                page.wait_for_function("window.__tti && window.__tti.drawn !== null",
                                       timeout=60_000)
                got = page.evaluate("window.__tti")
                if r:
                    out[name].append((got["ready"], got["drawn"]))
                context.close()
    return out


def spread(values) -> str:
    v = sorted(values)
    return f"{v[0]:5.2f} {statistics.median(v):5.2f} {v[-1]:5.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--opens", type=int, default=12, help="sessions opened one at a time")
    parser.add_argument("--arrivals", type=int, default=30, help="sessions arriving at once")
    parser.add_argument("--train-seconds", type=float, default=10.0)
    parser.add_argument("--tti", type=int, default=8, help="Chromium opens per server")
    parser.add_argument("--only", type=int, nargs="+", default=[1, 2, 3, 4],
                        help="which parts to run (1, 2, 3, 4)")
    parser.add_argument("--before", metavar="REV",
                        help="in (1), (3) and (4), also serve the playground at commit REV (a "
                        "worktree) side by side: 'before'")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        before = stack.enter_context(checkout(args.before)) if args.before else None
        if before:
            print(f"before: {describe(args.before)}")
        return measure(args, before)


def measure(args, before) -> int:
    one = tti = None
    if {1, 3} & set(args.only):
        one, tti = alone_and_in_chromium(args, before)
    if one:
        report_one(one, args.opens)
    if 2 in args.only:
        report_arrivals(args)
    if tti:
        print(f"\n(3) Chromium, navigation to the first slider change drawn, {args.tti} fresh "
              "tabs per server, interleaved (ms, median)")
        print(f"    {'':14} {'slider drawn':>13} {'change drawn':>13}")
        for name, runs in tti.items():
            print(f"    {name:14} {statistics.median(r for r, _ in runs):13.0f} "
                  f"{statistics.median(d for _, d in runs):13.0f}")
        for name in ("before", "playground")[0 if before else 1:]:
            ratio = (statistics.median(d for _, d in tti[name])
                     / statistics.median(d for _, d in tti["minimal Panel"]))
            print(f"    {name} / minimal Panel: {ratio:.1f}x (target <= 2x)")
    if 4 in args.only:
        report_class(args, before)
    return 0


def alone_and_in_chromium(args, before) -> tuple:
    """Parts (1) and (3): the playground beside the floor (and ``before``), served at once."""
    servers = {"playground": cli_server(1), "minimal Panel": floor_server("panel"),
               "bare Bokeh": floor_server("bokeh")}
    if before:
        servers["before"] = cli_server(1, root=before)
    for server in servers.values():
        server.start()
    try:
        for name in ("playground", "before")[:2 if before else 1]:
            asyncio.run(visit(servers[name].url, 0.45))  # warm: imports, first build
        one = one_at_a_time(servers, args.opens) if 1 in args.only else None
        tti = time_to_interactive(servers, args.tti) if 3 in args.only else None
    finally:
        for server in servers.values():
            server.stop()
    return one, tti


def report_one(one: dict, opens: int) -> None:
    print(f"(1) one new session at a time, {opens} on each server, interleaved")
    print(f"    {'':14} {'CPU ms/session':>15} {'ready s (median)':>17} "
          f"{'answered s (median)':>20}")
    for name, (cpu, ready, answered) in one.items():
        print(f"    {name:14} {1000 * cpu:15.0f} {statistics.median(ready):17.3f} "
              f"{statistics.median(answered):20.3f}")
    floor = one["minimal Panel"]
    for name in ("before", "playground"):
        if name in one:
            mine = one[name]
            print(f"    {name} / minimal Panel: CPU {mine[0] / floor[0]:.1f}x (target <= 3x), "
                  f"answered {statistics.median(mine[2]) / statistics.median(floor[2]):.1f}x; "
                  f"/ bare Bokeh: CPU {mine[0] / one['bare Bokeh'][0]:.1f}x")


def built_per_process(log: str) -> collections.Counter:
    """Sessions built so far, per server process, from the server's log."""
    return collections.Counter(pid for pid, _ in built_sessions(Path(log).read_text()))


def report_arrivals(args) -> None:
    print(f"\n(2) {args.arrivals} sessions arriving at once at the playground, then all train "
          f"for {args.train_seconds:g} s")
    print(f"    {'':14} {'ready s (min med max)':>22} {'answered s (min med max)':>25} "
          f"{'updates/s (min med)':>20}")
    for procs in (1, 2):
        with tempfile.NamedTemporaryFile("w") as log, cli_server(procs, log=log) as server:
            asyncio.run(visit(server.url, 0.45))  # warm
            # every seat free: the start-up probe's page session (no websocket) is kept
            # FIRST_CONNECT_S, the warm-up's is dropped within ~2 s of closing
            time.sleep(FIRST_CONNECT_S + 2)
            before = built_per_process(log.name)
            r = asyncio.run(arriving(server.url, args.arrivals, args.train_seconds,
                                     server.pids()))
            split = sorted((built_per_process(log.name) - before).values())
        late = sum(a > FIRST_CHANGE_S for a in r["answered"])
        rates = sorted(r["rates"])
        print(f"    {'--num-procs ' + str(procs):14} {spread(r['ready']):>22} "
              f"{spread(r['answered']):>25} {rates[0]:9.1f} {statistics.median(rates):6.1f}"
              f"   answered after {FIRST_CHANGE_S:g} s: {late}; training below "
              f"{TRAIN_HZ:g}/s: {sum(v < TRAIN_HZ for v in rates)}; while training, cores "
              f"busy: servers {r['cpu']['server']:.2f}, visitor {r['cpu']['visitor']:.2f}; "
              f"sessions per process: {'/'.join(map(str, split))}")


async def warm(url: str) -> None:
    """One page opened and closed: the server's imports and first build done."""
    session = Session(url)
    await session.open()
    session.close()


async def class_with_teacher(url: str, key: str | None, n: int, train_seconds: float) -> dict:
    """n learners arrive and train: updates/s each without the teacher's page; then (with a
    ``key``) with it open, the rows' lag, and when "go to lesson 3" reached each learner."""
    loop = asyncio.get_running_loop()
    learners = [Learner(url, f"b{k}") for k in range(n)]
    await asyncio.gather(*(learner.open() for learner in learners))
    readers = [asyncio.create_task(learner.read_forever()) for learner in learners]
    await asyncio.gather(*(learner.press_train() for learner in learners))

    async def rates() -> list[float]:
        await asyncio.sleep(2.0)  # training settles
        for learner in learners:
            learner.reset()
        started = loop.time()
        await asyncio.sleep(train_seconds)
        return [learner.readouts / (loop.time() - started) for learner in learners]

    out = {"alone": await rates()}
    if key is not None:
        teacher = Teacher(url, key)
        await teacher.open()
        readers.append(asyncio.create_task(teacher.read_forever()))
        out["watched"] = await rates()
        watched_from = loop.time() - train_seconds
        lags = []
        for at, rows in teacher.history:
            for learner in learners:
                row = rows.get(learner.name)
                shown = row and learner.shown_by(int(row.split("epoch ")[1].split()[0]))
                if at >= watched_from and shown:
                    lags.append(max(0.0, at - shown))
        out["lag"] = lags
        for learner in learners:
            learner.kept = []  # what each page gets from now on (a missed lesson: what came)
        await teacher.send_lesson(3, f"3. {LESSONS[2].title}")
        sent = loop.time()
        while loop.time() < sent + 30 and not all(lr.reached(3) and lr.all_built(LESSON_3_PARTS)
                                                  for lr in learners):
            await asyncio.sleep(0.02)
        out["lesson"] = [(lr.reached(3) or float("inf")) - sent for lr in learners]
        out["parts"] = [(lr.all_built(LESSON_3_PARTS) or float("inf")) - sent for lr in learners]
        out["missed"] = [f"{lr.name}: its row says {teacher.rows.get(lr.name, 'nothing')!r}; "
                         f"its page got {len(lr.kept)} updates since, "
                         f"{sum('esson' in raw for raw in lr.kept)} of them about a lesson"
                         for lr in learners if not lr.reached(3)]
        learners.append(teacher)
    for client, reader in zip(learners, readers):
        client.close()
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return out


def report_class(args, before=None) -> None:
    n = args.arrivals
    print(f"\n(4) {n} learners training on --num-procs 2, without and with the teacher's page "
          f"open ({args.train_seconds:g} s each); load average at start "
          f"{os.getloadavg()[0]:.1f} (2 cores)")
    print(f"    {'':22} {'updates/s alone':>17} {'with teacher':>13} {'rows lag s':>11} "
          f"{'lesson 3 reached s':>19} {'its parts built s':>18}")
    print(f"    {'':22} {'(min med)':>17} {'(min med)':>13} {'(med max)':>11} "
          f"{'(med max)':>19} {'(med max)':>18}")
    with redis_server() as redis_url:
        runs = [("without --class", ROOT, ()), ("class, embedded store", ROOT, ("--class",)),
                ("class, Redis store", ROOT, ("--class", "--class-store", redis_url))]
        if before:
            runs.insert(1, ("before: class, embedded", before, ("--class",)))
        for name, root, extra in runs:
            with tempfile.NamedTemporaryFile("w") as log, \
                    cli_server(2, *extra, log=log, root=root) as server:
                found = re.search(r"^teacher: \S+key=(\S+)$", Path(log.name).read_text(), re.M)
                asyncio.run(warm(server.url))
                time.sleep(FIRST_CONNECT_S + 2)  # every seat free (as in (2))
                r = asyncio.run(class_with_teacher(server.url, found and found.group(1), n,
                                                   args.train_seconds))
                errors = [line for line in Path(log.name).read_text().splitlines()
                          if " ERROR " in line or " WARNING " in line]
            alone = sorted(r["alone"])
            line = f"    {name:22} {alone[0]:9.1f} {statistics.median(alone):6.1f}"
            if "watched" in r:
                watched, lag, lesson = sorted(r["watched"]), sorted(r["lag"]), sorted(r["lesson"])
                parts = sorted(r["parts"])
                line += (f" {watched[0]:6.1f} {statistics.median(watched):6.1f}"
                         f" {statistics.median(lag):5.2f} {lag[-1]:5.2f}"
                         f" {statistics.median(lesson):9.2f} {lesson[-1]:9.2f}"
                         f" {statistics.median(parts):8.2f} {parts[-1]:9.2f}"
                         f"   below {TRAIN_HZ:g}/s: {sum(v < TRAIN_HZ for v in watched)} "
                         f"(alone {sum(v < TRAIN_HZ for v in alone)}); rows over "
                         f"{CLASS_LAG_S:g} s behind: {sum(v > CLASS_LAG_S for v in lag)} of "
                         f"{len(lag)}; lesson after {CLASS_LAG_S:g} s: "
                         f"{sum(v > CLASS_LAG_S for v in lesson)}")
            print(line, flush=True)
            for missed in r.get("missed", []):
                print(f"      lesson 3 never reached {missed}")
            for error in errors[:10]:
                print(f"      server log: {error}")
    print(f"    load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
