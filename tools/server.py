"""The playground served for a test or a benchmark: a subprocess (``python -m app.cli``, the
real start-up path, or ``panel serve``), or a thread of this process; and what the server's
processes cost, read from /proc.

Subprocesses run this checkout's code (``python -m app.cli`` from the repository root), not the
installed console script, and start a process group of their own that stopping ends whole.
"""
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .net import free_port, wait_for_http

# A server's log line for a playground built (app/main.py), with the process that built it
# (app/cli.py's log format): "<date> <time> <pid> tinynet INFO session <id> built"
BUILT = re.compile(r" (\d+) tinynet INFO session (\S+) built")


def built_sessions(log_text: str) -> list[tuple[int, str]]:
    """(process id, session id) of every playground a server's log says it built."""
    return [(int(pid), session) for pid, session in BUILT.findall(log_text)]

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class Server:
    """A playground server subprocess on 127.0.0.1 (``python -m app.cli`` unless ``cmd``).

    ``with Server() as server:`` starts it and waits until it answers, then stops it; or call
    ``start()`` and ``stop()`` (or ``kill()``, a crash) yourself, as often as you like.
    """

    def __init__(self, port: int | None = None, cmd: list[str] | None = None, log=None,
                 path: str = "", root: Path = ROOT):
        self.port = port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + path  # the app (``panel serve app/main.py`` serves /main)
        self.cmd = cmd or [sys.executable, "-m", "app.cli", "--no-show", "--port", str(self.port)]
        self.log = log or open(os.devnull, "w")
        self.root = root  # the checkout it serves (tools/before.py: an earlier one)
        self.proc = None

    def start(self, timeout: float = 60.0) -> "Server":
        """Start the process and wait until the app answers 200 (``timeout`` s at most; on a
        busy machine one page can take seconds, and each try builds a session). A server that
        does not answer in time is stopped."""
        self.proc = subprocess.Popen(self.cmd, cwd=self.root, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.cmd}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=15) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"{self.url} did not answer within {timeout:g} s")

    def stop(self) -> None:
        """SIGTERM to the process group (--num-procs forks workers), SIGKILL after 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def kill(self) -> None:
        """The server dies at once (SIGKILL to its process group), as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def pids(self) -> list[int]:
        """The server process and its children (the workers of --num-procs)."""
        found = [self.proc.pid]
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    found.append(int(pid))
        return found

    def cpu_percent(self, seconds: float = 2.0) -> float:
        """The server process's CPU use over the next ``seconds``, in % of one core."""
        c0, t0 = cpu_seconds(self.proc.pid), time.monotonic()
        time.sleep(seconds)
        return 100 * (cpu_seconds(self.proc.pid) - c0) / (time.monotonic() - t0)


def cli_server(procs: int = 1, *args: str, log=None, root: Path = ROOT) -> Server:
    """``python -m app.cli`` (the console script), with ``--num-procs`` when procs > 1 and
    further command-line ``args``, from the checkout ``root``."""
    port = free_port()
    return Server(port=port, log=log, root=root,
                  cmd=[sys.executable, "-m", "app.cli", "--no-show", "--port", str(port),
                       "--num-procs", str(procs), *args])


ENTRY = f"""# by tools/server.py: `panel serve app/main.py` fails on main.py's relative imports
import sys
sys.path.insert(0, {str(ROOT)!r})
from app.main import create_app
create_app().servable(title="tinynet playground")
"""


class PanelServe(Server):
    """`panel serve <entry> --num-procs N`: the entry is a two-line script importing app.main
    (written to a temporary folder), because `panel serve app/main.py` runs main.py as a
    script, where its relative imports fail. The workers share the socket Bokeh bound before
    forking: whichever the kernel wakes takes a connection."""

    def __init__(self, procs: int):
        self.folder = tempfile.TemporaryDirectory()
        entry = Path(self.folder.name) / "playground.py"
        entry.write_text(ENTRY)
        port = free_port()
        cmd = [sys.executable, "-m", "panel", "serve", str(entry), "--num-procs", str(procs),
               "--port", str(port), "--address", "127.0.0.1",
               "--allow-websocket-origin", f"127.0.0.1:{port}",
               "--check-unused-sessions", "1000", "--unused-session-lifetime", "1000"]
        super().__init__(port=port, cmd=cmd, path="/playground")

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.folder.cleanup()


@contextlib.contextmanager
def in_process(port: int | None = None):
    """The playground served on a thread of this process (``app.cli.serve``) on ``port`` (a
    free one by default): yields 'http://127.0.0.1:PORT' once it answers, stops it after."""
    from app.cli import serve

    port = port or free_port()
    server = serve(port=port, address="127.0.0.1", show=False, threaded=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/")
        yield url
    finally:
        server.stop()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def _stat(pid: int) -> list[str] | None:
    """A process's /proc stat fields after its name (state first), None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants(pid: int) -> dict[int, str]:
    """Every running process below ``pid`` (children, their children, ...): pid -> command
    line. Zombies (ended, not yet reaped) are left out."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = {}, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")\
                .decode(errors="replace").strip()
        except OSError:
            continue
        todo.extend(children.get(child, []))
    return found


def running(pids) -> list[int]:
    """Those of ``pids`` that still run (not gone, not a zombie)."""
    return [pid for pid in pids if (fields := _stat(pid)) is not None and fields[0] != "Z"]


def all_closed(log: Path, timeout: float = 20.0) -> None:
    """Wait until a playground server's log shows every session it opened closed (app.capacity
    logs both; a page whose websocket never came is closed after FIRST_CONNECT_S)."""
    deadline = time.monotonic() + timeout
    while (text := Path(log).read_text()).count(" opened") > text.count(" closed"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"sessions still open after {timeout} s in {log}")
        time.sleep(0.2)
