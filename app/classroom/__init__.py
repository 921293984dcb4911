"""Class mode (``tinynet-playground --class``): learners' sessions publish a summary to a class
store (store.py), the teacher's page reads the class from it and sends commands back
(teacher.py), and each learner's page follows them (learner.py).

The server process sets the class up once (``start``) before it serves (and before
``--num-procs`` forks, so the workers share it); without ``--class`` nothing here runs and
nothing is collected.
"""
import hmac
from dataclasses import dataclass


@dataclass
class ClassMode:
    """The class this server holds: its store, the teacher's secret key, the learners' URL."""

    store: object
    key: str
    learners_url: str

    def is_key(self, given: str) -> bool:
        """Whether ``given`` is the teacher's key (compared in constant time)."""
        return hmac.compare_digest(given.encode(), self.key.encode())


_current: list = [None]


def start(store, key: str, learners_url: str) -> ClassMode:
    _current[0] = ClassMode(store, key, learners_url)
    return _current[0]


def stop() -> None:
    """End the class: the store closes (the embedded one removes its file)."""
    if _current[0] is not None:
        _current[0].store.close()
    _current[0] = None


def current() -> ClassMode | None:
    """The class this server holds, or None (no ``--class``)."""
    return _current[0]
