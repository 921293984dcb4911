"""Scaling out on one machine: ``tinynet-playground --num-procs 2`` (and Panel's own
``panel serve --num-procs 2``) fork two worker processes that share the port, and sessions
on them render and train. Runs the load benchmark's check (benchmarks/load.py), which speaks
Bokeh's websocket protocol as a browser does."""
import json
import subprocess
import sys
from pathlib import Path

from app import cli

ROOT = Path(__file__).resolve().parent.parent


def test_two_server_processes_serve_and_train(tmp_path):
    out = tmp_path / "check.json"
    run = subprocess.run([sys.executable, "benchmarks/load.py", "--num-procs-check", "--json",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    for name in ("tinynet-playground", "panel serve"):
        r = results[name]
        assert r["workers"] == 2, (name, r)
        assert r["updates_per_s_min"] > 5 and r["epochs_per_s_mean"] > 100, (name, r)


def test_num_procs_reaches_the_server_and_one_tab_opens(monkeypatch):
    called, timers = {}, []
    monkeypatch.setattr(cli, "serve", lambda **kw: called.update(kw))

    class Timer:  # stands in for threading.Timer: records what would open the browser
        def __init__(self, delay, fn, args):
            timers.append((fn, args))

        def start(self):
            pass

    monkeypatch.setattr(cli.threading, "Timer", Timer)
    cli.main(["--num-procs", "2", "--port", "8124"])
    # the workers must not each open a tab: the parent opens one
    assert called["num_procs"] == 2 and called["show"] is False
    assert timers == [(cli.webbrowser.open, ["http://127.0.0.1:8124/"])]
    called.clear()
    cli.main(["--no-show"])
    assert "num_procs" not in called  # one process: Panel's own path, unchanged
