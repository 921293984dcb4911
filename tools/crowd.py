"""A crowd: n simulated visitors (``tools.wsclient.Session``) training on one server at once,
measured: updates per second each gets, epochs per second, the server's CPU and memory."""
import asyncio
import os
import time

from .server import Server, cpu_seconds, rss_mb
from .wsclient import Session


async def phase(server: Server, n: int, seconds: float, query: str, warmup: float = 2.0) -> dict:
    """Open n sessions, press Train in each, measure for ``seconds`` after a warm-up."""
    sessions = [Session(server.url, query) for _ in range(n)]
    t0 = time.monotonic()
    arriving = asyncio.Semaphore(4)  # visitors arrive a few at a time, as tabs would

    async def arrive(session):
        async with arriving:
            await session.open()

    await asyncio.gather(*(arrive(s) for s in sessions))
    opened = time.monotonic() - t0
    readers = [asyncio.create_task(s.read_forever()) for s in sessions]
    await asyncio.gather(*(s.press_train() for s in sessions))
    await asyncio.sleep(warmup)  # let training settle
    pids = server.pids()
    for s in sessions:
        s.reset()
    cpu0, wall0, mine0 = sum(cpu_seconds(p) for p in pids), time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - wall0
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    client_cpu = time.process_time() - mine0
    rss = sum(rss_mb(p) for p in pids)
    counts = [(s.patches, s.readouts, list(s.epochs)) for s in sessions]
    for s, reader in zip(sessions, readers):
        reader.cancel()
        s.close()
    await asyncio.gather(*readers, return_exceptions=True)
    for s, (patches, readouts, epochs) in zip(sessions, counts):
        s.patches, s.readouts, s.epochs = patches, readouts, epochs
    patches = [s.patches / wall for s in sessions]
    readouts = [s.readouts / wall for s in sessions]
    epochs = [(s.epochs[-1][1] - s.epochs[0][1]) / (s.epochs[-1][0] - s.epochs[0][0])
              if len(s.epochs) > 1 and s.epochs[-1][0] > s.epochs[0][0] else 0.0
              for s in sessions]
    return {"sessions": n, "seconds": round(wall, 2), "open_s": round(opened, 2),
            "updates_per_s_min": round(min(readouts), 1),
            "updates_per_s_mean": round(sum(readouts) / n, 1),
            "patches_per_s_mean": round(sum(patches) / n, 1),
            "epochs_per_s_mean": round(sum(epochs) / n, 1),
            "server_cpu_pct": round(100 * cpu / wall, 1), "server_rss_mb": round(rss, 1),
            "client_cpu_pct": round(100 * client_cpu / wall, 1),
            "load_average": round(os.getloadavg()[0], 1),
            "doc_kb": round(sessions[0].doc_bytes / 1024, 1)}

