"""``tinynet-playground``: serve the playground (and open a browser unless --no-show)."""
import argparse
import threading
import webbrowser

SESSION_CHECK_MS = 1000  # how often the server looks for closed tabs, and how long it waits


MAX_MESSAGE_BYTES = 1 << 20  # a browser message (an upload among them) over 1 MiB is refused


def serve(port=5006, address="127.0.0.1", show=True, threaded=False, origins=(), **kwargs):
    """Serve the playground at http://address:port/. Returns the server (a thread if threaded).

    Only pages loaded from ``address:port``, ``localhost:port`` or one of ``origins`` (the
    host names a public deployment is reached by) may open the websocket.
    """
    import panel as pn

    from .main import create_app

    allowed = [f"localhost:{port}", *origins]
    if address not in ("0.0.0.0", "::"):
        allowed.append(f"{address}:{port}")
    return pn.serve(
        {"/": create_app}, port=port, address=address, show=show, threaded=threaded,
        title="tinynet playground", websocket_origin=allowed,
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        check_unused_sessions_milliseconds=SESSION_CHECK_MS,
        unused_session_lifetime_milliseconds=SESSION_CHECK_MS, **kwargs,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet-playground", description=__doc__)
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--no-show", action="store_true", help="do not open a browser")
    parser.add_argument("--allow-websocket-origin", action="append", default=[],
                        metavar="HOST[:PORT]",
                        help="a public host name the page is reached through (repeatable)")
    parser.add_argument("--num-procs", type=int, default=1, metavar="N",
                        help="server processes sharing the port, e.g. one per core for a "
                             "class (default 1; 0 = one per core)")
    args = parser.parse_args(argv)
    if args.num_procs < 0:
        parser.error("--num-procs must be 0 (one per core) or more")
    url = f"http://{args.address}:{args.port}/"
    print(f"tinynet playground at {url}", flush=True)
    from .patches import STOCK
    if STOCK:
        print("TINYNET_STOCK_PANEL=1: Panel and Bokeh as shipped, without app/patches.py",
              flush=True)
    show = not args.no_show
    procs = {}
    if args.num_procs != 1:
        procs = {"num_procs": args.num_procs}
        if show:  # each forked worker would open its own tab; the parent opens one instead
            threading.Timer(2.0, webbrowser.open, [url]).start()
            show = False
    serve(port=args.port, address=args.address, show=show, origins=args.allow_websocket_origin,
          **procs)


if __name__ == "__main__":
    main()
