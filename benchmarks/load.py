"""Load: N concurrent training sessions over Bokeh's real websocket protocol, no browser.

Each simulated visitor (tools/wsclient.py) does what a browser does: loads the page, opens the
websocket, presses Train, counts the updates the server pushes and acknowledges each drawn tick
as the page's script does. The servers, the crowd and the Chromium come from tools/; this file
holds the modes and their reports.

Reported per N: updates per second per session (PATCH-DOC messages, and epoch-readout
changes), epochs per second, and the server's CPU % and RSS from /proc. The server is always a
subprocess on 127.0.0.1 that this script starts and stops; every phase has a fixed duration.

    python benchmarks/load.py                       # N = 1, 5, 10, 20; 10 s each
    python benchmarks/load.py --sessions 1 20 --seconds 5
    python benchmarks/load.py --procs 2             # the same, `tinynet-playground --num-procs 2`
    python benchmarks/load.py --query "?speed=10000"  # every session at top speed
    python benchmarks/load.py --num-procs-check     # --num-procs 2, ours and panel serve's: 4 train
    python benchmarks/load.py --page-check          # no paths or secrets in the page
    python benchmarks/load.py --browser-check 20    # a real browser's slider while 20 train
    python benchmarks/load.py --json results.json   # also write the figures as JSON
"""
import argparse
import asyncio
import base64
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.crowd import phase  # noqa: E402
from tools.server import PanelServe, Server, cli_server, rss_mb  # noqa: E402
from tools.wsclient import Session  # noqa: E402

TARGET = 15.0  # updates per second each of 20 training sessions should still get


def run_load(counts, seconds, query, procs=1) -> list[dict]:
    results = []
    with cli_server(procs) as server:
        idle_rss = sum(rss_mb(p) for p in server.pids())
        print(f"server {server.url} pid {server.proc.pid}, RSS {idle_rss:.0f} MB before load; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
        print("  N  updates/s/session (min, mean)  PATCH-DOC/s  epochs/s  server CPU %  RSS MB"
              "  open s  client CPU %  load avg", flush=True)
        for n in counts:
            r = asyncio.run(phase(server, n, seconds, query))
            results.append(r)
            print(f"{n:3d}  {r['updates_per_s_min']:8.1f} {r['updates_per_s_mean']:8.1f}"
                  f"           {r['patches_per_s_mean']:8.1f}  {r['epochs_per_s_mean']:8.1f}"
                  f"  {r['server_cpu_pct']:10.1f}  {r['server_rss_mb']:6.0f}  {r['open_s']:6.2f}"
                  f"  {r['client_cpu_pct']:10.1f}  {r['load_average']:8.1f}",
                  flush=True)
            time.sleep(3)  # closed sessions are dropped after ~1 s (app.cli SESSION_CHECK_MS)
    return results


def num_procs_check(seconds: float = 3.0) -> dict:
    """`tinynet-playground --num-procs 2` and `panel serve <entry> --num-procs 2`: two worker
    processes; four sessions render and train."""
    results = {}
    for name, make in (("tinynet-playground", cli_server), ("panel serve", PanelServe)):
        with make(2) as server:
            workers = len(server.pids()) - 1
            r = asyncio.run(phase(server, 4, seconds, "?speed=200", warmup=1.0))
        ok = workers == 2 and r["updates_per_s_min"] > 5 and r["epochs_per_s_mean"] > 100
        print(f"{name} --num-procs 2: {workers} worker processes; 4 sessions, each "
              f">= {r['updates_per_s_min']} updates/s, {r['epochs_per_s_mean']} epochs/s: "
              f"{'OK' if ok else 'FAILED'}", flush=True)
        results[name] = {**r, "workers": workers, "ok": ok}
    return {**results, "ok": all(r["ok"] for r in results.values())}


def responsiveness(n: int, seconds: float = 25.0) -> dict:
    """A person in a real browser (headless Chromium) moving a weight slider while n simulated
    sessions train on the same server process: slider -> plot latency, as in
    benchmarks/bench_browser.py (a), 30 presses 200 ms apart."""
    import threading

    from playwright.sync_api import sync_playwright

    from benchmarks.bench_browser import percentile, slider_latency

    with Server() as server:
        loaded = {}
        crowd = threading.Thread(target=lambda: loaded.update(
            asyncio.run(phase(server, n, seconds, "?speed=200"))))
        crowd.start()
        time.sleep(1.6 * n + 4)  # the sessions have opened and are training
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
            browser = pw.chromium.launch(**launch_options(home, find_chromium()))
            latencies = slider_latency(browser.new_page(), server.url, 30, 200)
            browser.close()
        crowd.join()
    got = [v for v in latencies if v is not None]
    r = {"sessions": n, "presses": len(latencies), "answered": len(got),
         "p50_ms": round(percentile(got, 50), 1) if got else None,
         "p95_ms": round(percentile(got, 95), 1) if got else None,
         "crowd_updates_per_s_mean": loaded.get("updates_per_s_mean"),
         "server_cpu_pct": loaded.get("server_cpu_pct")}
    print(f"slider -> plot with {n} sessions training alongside: {r['answered']}/{r['presses']} "
          f"presses answered, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms; the {n} sessions got "
          f"{r['crowd_updates_per_s_mean']} updates/s each, server CPU {r['server_cpu_pct']} %",
          flush=True)
    return r


LEAKS = ("/work/", "/root/", "/home/", "/tmp/", "site-packages", str(ROOT), "secret", "password",
         "api_key", "apikey", "BOKEH_SECRET", "Traceback")


def page_check() -> dict:
    """What the page gives away: grep the served HTML and the first websocket document."""
    with Server() as server:
        session = Session(server.url, "")

        async def fetch():
            await session.open()
            session.close()

        asyncio.run(fetch())
    found = {}
    for name, text in (("html", session.html), ("document", session.first_doc)):
        hits = sorted({leak for leak in LEAKS if leak.lower() in text.lower()})
        found[name] = {"bytes": len(text), "hits": hits}
        print(f"{name}: {len(text):,d} bytes; found {hits or 'none of'} {list(LEAKS)}", flush=True)
    payload = re.search(r'"token":"([^".]+)', session.html).group(1)
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    print(f"session token payload keys: {sorted(decoded)} (unsigned; the visitor's own request "
          "headers, cookies and arguments, zlib-compressed)", flush=True)
    found["ok"] = not any(v["hits"] for v in found.values() if isinstance(v, dict))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per N")
    parser.add_argument("--query", default="", help="URL query of every session (default: "
                        "none, so the page's default speed of 200 epochs/s)")
    parser.add_argument("--num-procs-check", action="store_true",
                        help="only check that `tinynet-playground --num-procs 2` and "
                             "`panel serve --num-procs 2` serve and train")
    parser.add_argument("--page-check", action="store_true",
                        help="only grep the served HTML and first document for paths/secrets")
    parser.add_argument("--procs", type=int, default=1,
                        help="server processes (`python -m app.cli --num-procs N`)")
    parser.add_argument("--browser-check", type=int, metavar="N",
                        help="only measure a real browser's slider latency while N sessions "
                             "train (needs Chromium)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.browser_check:
        results = responsiveness(args.browser_check)
        failed = not results["answered"]
    elif args.page_check:
        results = page_check()
        failed = not results["ok"]
    elif args.num_procs_check:
        results = num_procs_check()
        failed = not results["ok"]
    else:
        results = run_load(args.sessions, args.seconds, args.query, args.procs)
        top = [r for r in results if r["sessions"] == 20]
        failed = bool(top) and top[0]["updates_per_s_min"] < TARGET
        if top:
            print(f"target: 20 sessions each >= {TARGET:g} updates/s: "
                  f"{'met' if not failed else 'NOT met'}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
