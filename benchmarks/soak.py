"""Soak: one session training at top speed for N minutes; the server's memory must stay flat.

Starts ``python -m app.cli`` on 127.0.0.1 (a subprocess), opens one session over Bokeh's
websocket protocol (tools/wsclient.py, as benchmarks/load.py does), presses Train at speed
10000 epochs/s, samples the server's RSS every 10 s, and prints the series and the growth. The
app bounds what a long run keeps (app/run.py HISTORY_CAP thins the loss history; the landscape
path rolls over at 3000 points), so after warm-up the RSS should not climb.

    python benchmarks/soak.py                  # 10 minutes
    python benchmarks/soak.py --minutes 3 --json soak.json
"""
import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.server import Server, cpu_seconds, rss_mb  # noqa: E402
from tools.wsclient import Session  # noqa: E402

SAMPLE_S = 10.0
WARMUP_S = 60.0  # growth is judged from here on: caches, JIT-free imports and pools settle first
FLAT_MB = 10.0  # allowed growth after warm-up


async def soak(server: Server, minutes: float, sample_s: float) -> dict:
    session = Session(server.url, "?speed=10000")
    await session.open()
    reader = asyncio.create_task(session.read_forever())
    await session.press_train()
    pid = server.proc.pid
    start, cpu0 = time.monotonic(), cpu_seconds(pid)
    series = []  # (seconds, RSS MB, epoch shown, updates so far)
    end = start + 60 * minutes
    while True:
        now = time.monotonic()
        epoch = session.epochs[-1][1] if session.epochs else 0
        series.append((round(now - start, 1), round(rss_mb(pid), 1), epoch, session.readouts))
        print(f"{series[-1][0]:7.1f} s  RSS {series[-1][1]:7.1f} MB  epoch {epoch:>10,d}  "
              f"updates {session.readouts:>7,d}", flush=True)
        if now >= end or reader.done():
            break
        await asyncio.sleep(min(sample_s, end - now + 0.01))
    cpu = cpu_seconds(pid) - cpu0
    wall = time.monotonic() - start
    reader.cancel()
    session.close()
    await asyncio.gather(reader, return_exceptions=True)
    after = [mb for t, mb, *_ in series if t >= WARMUP_S] or [series[-1][1]]
    return {"minutes": round(wall / 60, 2), "series": series,
            "rss_start_mb": series[0][1], "rss_warm_mb": after[0], "rss_end_mb": series[-1][1],
            "rss_max_mb": max(mb for _, mb, *_ in series),
            "growth_after_warmup_mb": round(series[-1][1] - after[0], 1),
            "epochs": series[-1][2], "updates_per_s": round(series[-1][3] / wall, 1),
            "server_cpu_pct": round(100 * cpu / wall, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=SAMPLE_S, help="seconds between samples")
    parser.add_argument("--json", help="also write the series and the figures to this file")
    args = parser.parse_args(argv)
    with Server() as server:
        print(f"server {server.url} pid {server.proc.pid}; training for {args.minutes:g} min",
              flush=True)
        r = asyncio.run(soak(server, args.minutes, args.sample))
    flat = r["growth_after_warmup_mb"] <= FLAT_MB
    print(f"RSS {r['rss_start_mb']} MB at start, {r['rss_warm_mb']} MB after "
          f"{WARMUP_S:g} s, {r['rss_end_mb']} MB at the end (max {r['rss_max_mb']}): growth "
          f"after warm-up {r['growth_after_warmup_mb']:+.1f} MB -> "
          f"{'flat' if flat else 'GROWING'}; {r['epochs']:,d} epochs, "
          f"{r['updates_per_s']} updates/s, server CPU {r['server_cpu_pct']} %", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=2))
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
