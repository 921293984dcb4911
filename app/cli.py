"""``tinynet-playground``: serve the playground (and open a browser unless --no-show)."""
import argparse

SESSION_CHECK_MS = 1000  # how often the server looks for closed tabs, and how long it waits


def serve(port=5006, address="127.0.0.1", show=True, threaded=False, **kwargs):
    """Serve the playground at http://address:port/. Returns the server (a thread if threaded)."""
    import panel as pn

    from .main import create_app

    return pn.serve(
        {"/": create_app}, port=port, address=address, show=show, threaded=threaded,
        title="tinynet playground", websocket_origin=[f"{address}:{port}", f"localhost:{port}"],
        check_unused_sessions_milliseconds=SESSION_CHECK_MS,
        unused_session_lifetime_milliseconds=SESSION_CHECK_MS, **kwargs,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinynet-playground", description=__doc__)
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--no-show", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    print(f"tinynet playground at http://{args.address}:{args.port}/", flush=True)
    serve(port=args.port, address=args.address, show=not args.no_show)


if __name__ == "__main__":
    main()
