"""Bytes a visitor transfers to open the playground, first and again, side by side with a
minimal Panel app (one FloatSlider, one Bokeh line) served the same way.

Both are subprocesses on 127.0.0.1 served by ``pn.serve`` with the playground's options
(``app.cli.serve``: gzip by the server, ``compress_response=True``). Headless Chromium opens
each once to list what a first open fetches (the page, scripts, stylesheets, fonts); then each
URL is fetched again with urllib, which reports the bytes on the wire as sent (it does not
decompress):

- first open, without and with ``Accept-Encoding: gzip``;
- repeat open with gzip and the validators of the first answers (``If-None-Match`` with the
  ETag, ``If-Modified-Since`` with Last-Modified): unchanged files answer 304 with no body.
  A browser sends even less: versioned static URLs (``?v=...``) are cached for a long time and
  not asked for again (their Cache-Control is printed);
- the websocket's first document (PULL-DOC-REPLY), which is not compressed.

    python benchmarks/bench_open.py [--json out.json]
"""
import argparse
import asyncio
import json
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.chromium import find_chromium, launch_options  # noqa: E402
from tools.floor import floor_server  # noqa: E402
from tools.server import Server, cli_server  # noqa: E402
from tools.wsclient import Session  # noqa: E402


def urls_of_first_open(url: str) -> list[str]:
    """Every HTTP URL headless Chromium fetches from the server to open ``url``."""
    from playwright.sync_api import sync_playwright

    seen = []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
        browser = pw.chromium.launch(**launch_options(home, find_chromium()))
        page = browser.new_page()
        page.on("request", lambda r: r.url.startswith(url) and r.url not in seen
                and seen.append(r.url))
        page.goto(url + "/")
        page.wait_for_timeout(6000)  # the websocket document, then its stylesheets
        browser.close()
    return seen


def fetch(url: str, headers: dict) -> tuple[int, int, int, dict]:
    """(status, body bytes as sent, header bytes, response headers) of one GET."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:  # 304 arrives as an HTTPError
        body, status, got = error.read(), error.code, error.headers
    head = len(f"HTTP/1.1 {status} xx\r\n") + sum(len(k) + len(v) + 4 for k, v in got.items())
    return status, len(body), head, dict(got.items())


def measure(name: str, server: Server) -> dict:
    urls = urls_of_first_open(server.url)
    plain = {u: fetch(u, {}) for u in urls}
    gzip = {u: fetch(u, {"Accept-Encoding": "gzip"}) for u in urls}
    repeat = {}
    for u in urls:
        validators = {"Accept-Encoding": "gzip"}
        first = gzip[u][3]
        if "Etag" in first or "ETag" in first:
            validators["If-None-Match"] = first.get("Etag") or first.get("ETag")
        if "Last-Modified" in first:
            validators["If-Modified-Since"] = first["Last-Modified"]
        repeat[u] = fetch(u, validators)

    async def document():
        session = Session(server.url)
        await session.open(require=())
        session.close()
        return session.doc_bytes

    doc = asyncio.run(document())

    def total(answers):
        return sum(body + head for _, body, head, _ in answers.values())

    result = {
        "name": name, "requests": len(urls),
        "first_plain_kb": round(total(plain) / 1024, 1),
        "first_gzip_kb": round(total(gzip) / 1024, 1),
        "repeat_conditional_kb": round(total(repeat) / 1024, 1),
        "repeat_304": sum(status == 304 for status, *_ in repeat.values()),
        "websocket_doc_kb": round(doc / 1024, 1),
        "largest": sorted(((plain[u][1], gzip[u][1], u.replace(server.url, "").split("?")[0])
                            for u in urls),
                          reverse=True)[:4],
        "static_cache_control": sorted({gzip[u][3].get("Cache-Control", "-") for u in urls
                                        if "/static/" in u}),
    }
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    minimal = floor_server("panel")
    results = []
    for name, server in (("playground", cli_server(1)), ("minimal Panel app", minimal)):
        with server:
            results.append(measure(name, server))
    print(f"{'':20s} requests  first KB  first gzip KB  repeat KB (304s)  websocket doc KB")
    for r in results:
        print(f"{r['name']:20s} {r['requests']:8d}  {r['first_plain_kb']:8.1f}  "
              f"{r['first_gzip_kb']:13.1f}  {r['repeat_conditional_kb']:9.1f} "
              f"({r['repeat_304']:2d})    {r['websocket_doc_kb']:8.1f}")
    app, floor = results
    print(f"playground / minimal: first open {app['first_plain_kb'] / floor['first_plain_kb']:.2f}x"
          f", gzip {app['first_gzip_kb'] / floor['first_gzip_kb']:.2f}x, websocket document "
          f"{app['websocket_doc_kb'] / floor['websocket_doc_kb']:.1f}x")
    for r in results:
        print(f"{r['name']}: largest (plain bytes, gzip bytes, path): {r['largest']}")
        print(f"{r['name']}: static Cache-Control: {r['static_cache_control']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
