"""An earlier commit of this repository checked out beside this one, so that a benchmark can
serve both and print their figures side by side in one run (``--before REV``): a change's cost
measured under the same machine load, not against a figure from another day."""
import contextlib
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe(rev: str) -> str:
    """'<short hash> <date> <subject>' of ``rev``."""
    return subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %ad %s",
                           "--date=short", rev], check=True, capture_output=True,
                          text=True).stdout.strip()[:100]


@contextlib.contextmanager
def checkout(rev: str):
    """A detached worktree of ``rev`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tinynet-before-") as tmp:
        path = Path(tmp) / "checkout"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
                       check=True, capture_output=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                           capture_output=True)
