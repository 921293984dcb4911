"""Tools the tests and the benchmarks share: free port, wait-for-HTTP, the playground's servers,
the Chromium finder and launch flags, a Bokeh websocket client, page-reading scripts.

tests/ and benchmarks/ import this package and never each other; the app (app/, tinynet/) never
imports it, since it is not installed (pyproject's package list names tinynet and app only).
Tools may import the app.
"""
