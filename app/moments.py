"""The moments of a run the article is about, found from the run itself (numpy only).

- the loss leaves a plateau: it stayed within ``FLAT`` decades for a while (``plateau_exits``),
  then fell out of that band and on by at least ``DROP`` decades;
- two neurons' output weights w2 take opposite signs: the rising and the falling step of the
  bump (``sign_splits``), found on the run's keyframes and placed to the epoch by bisection;
- a one-neuron loss comes within 1 % of the floor its data allow (``near_floor``);
- a divergence was undone: the run's marks say where.

Each is a ``Moment``: an epoch, a kind, and one plain sentence (``sentence``).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

FLAT = 0.05  # decades: a loss that stays within this band (12 %) is on a plateau
DROP = 1.0  # decades: after leaving a plateau, the loss falls at least this far below it
MIN_PLATEAU = 50  # epochs, and at least PLATEAU_SHARE of the epochs before it ends
PLATEAU_SHARE = 0.1
NEAR = 0.01  # within 1 % of the floor


@dataclass(frozen=True)
class Moment:
    epoch: int
    kind: str  # "plateau", "bump", "floor", "undone"
    text: str


def _log(losses) -> np.ndarray:
    return np.log10(np.maximum(np.asarray(losses, dtype=float), 1e-300))


def plateau_exits(epochs, losses) -> list[int]:
    """The epochs at which the loss leaves a plateau.

    The history is cut into bands: stretches in which the loss stays within FLAT decades. A
    band lasting at least MIN_PLATEAU epochs (and PLATEAU_SHARE of the run so far) is flat
    ground; a slow creep is a row of them. The loss leaves the plateau where flat ground is
    followed by a short band that falls (the loss drops fast), and the loss goes on to fall at
    least DROP decades below the plateau: the exit is the flat band's last epoch.
    """
    epochs, loss = np.asarray(epochs), _log(losses)
    bands, a = [], 0  # (first index, last index) of each band
    high = low = loss[0] if loss.size else 0.0
    for i in range(1, loss.size + 1):
        if i < loss.size:
            high, low = max(high, loss[i]), min(low, loss[i])
            if high - low <= FLAT:
                continue
            high = low = loss[i]
        bands.append((a, i - 1))
        a = i
    exits = []
    for (a, b), (c, d) in zip(bands, bands[1:]):
        flat = epochs[b] - epochs[a] >= max(MIN_PLATEAU, PLATEAU_SHARE * epochs[b])
        steep = epochs[d] - epochs[c] < max(MIN_PLATEAU, PLATEAU_SHARE * epochs[d])
        falls = loss[c] < loss[b] and loss[c:].min() <= loss[a : b + 1].min() - DROP
        if flat and steep and falls:
            exits.append(int(epochs[b]))
    return exits


def sign_splits(epochs, w2, w2_at: Callable[[int], np.ndarray] | None = None) -> list[int]:
    """The epochs at which the output weights w2 (one row per epoch in ``epochs``) go from one
    sign to opposite signs; ``w2_at(epoch)``, if given, finds the first such epoch between two
    rows by bisection."""
    w2 = np.asarray(w2, dtype=float)
    if w2.ndim != 2 or w2.shape[1] < 2:
        return []
    split = (w2.min(axis=1) < 0) & (w2.max(axis=1) > 0)
    found = []
    for k in np.flatnonzero(split[1:] & ~split[:-1]) + 1:
        lo, hi = int(epochs[k - 1]), int(epochs[k])
        while w2_at is not None and hi - lo > 1:  # lo: one sign, hi: opposite signs
            mid = (lo + hi) // 2
            w = w2_at(mid)
            lo, hi = (lo, mid) if w.min() < 0 < w.max() else (mid, hi)
        found.append(hi)
    return found


def near_floor(epochs, losses, floor: float) -> int | None:
    """The first epoch at which the loss is within NEAR of ``floor`` (None if never)."""
    within = np.flatnonzero(np.asarray(losses, dtype=float) <= floor * (1 + NEAR))
    return int(np.asarray(epochs)[within[0]]) if within.size else None


def sentence(kind: str, epoch: int) -> str:
    """The plain sentence that says what happened at ``epoch``."""
    return {
        "plateau": f"Epoch {epoch:,}: the loss leaves its plateau and starts to fall fast.",
        "bump": (f"Epoch {epoch:,}: the two neurons' output weights take opposite signs, one "
                 "step rising and one falling: the bump forms."),
        "floor": (f"Epoch {epoch:,}: the loss is within 1 % of the floor the data allow one "
                  "neuron; it cannot go much lower."),
        "undone": (f"Epoch {epoch:,}: training diverged and was taken back here, to the last "
                   "stable weights."),
    }[kind]


def find_moments(epochs, losses, w2_epochs=(), w2=(), w2_at=None, floor: float | None = None,
                 undone=()) -> list[Moment]:
    """Every moment of a run, in epoch order: its loss history (``epochs``, ``losses``), its
    output weights at some epochs (``w2_epochs``, ``w2``; ``w2_at`` to bisect), the floor its
    data allow one neuron (None: not a one-neuron run, or data without a floor), and the
    epochs at which a divergence was undone."""
    found = [("plateau", e) for e in plateau_exits(epochs, losses)]
    found += [("bump", e) for e in sign_splits(w2_epochs, w2, w2_at)]
    if floor is not None and (e := near_floor(epochs, losses, floor)) is not None:
        found.append(("floor", e))
    found += [("undone", int(e)) for e in undone]
    return [Moment(e, kind, sentence(kind, e)) for kind, e in sorted(found, key=lambda m: m[1])]


UNDONE = "divergence undone"  # the mark a run gets where a divergence was taken back


def of_run(run, floor: float | None = None) -> list[Moment]:
    """The moments of an app.run.Run: its history, its timeline's keyframes (and the live
    weights at its end) for w2, its marks for divergences undone."""
    h, timeline = run.net.hidden, run.timeline
    epochs = timeline.epochs[: timeline.n]
    w2 = timeline.states[: timeline.n, 2 * h : 3 * h]
    if run.epoch == run.end and (not epochs.size or epochs[-1] < run.end):
        epochs, w2 = np.r_[epochs, run.end], np.vstack([w2, run.net.w2])
    marks, labels = run.marks
    found = find_moments(*run.history, epochs, w2,
                         lambda epoch: timeline.at(epoch)[0][2 * h : 3 * h], None,
                         [e for e, label in zip(marks, labels) if label == UNDONE])
    if floor is None:
        return found
    # the floor is the current loss's: near it counts from where the run last took this loss
    # and decay (a squared-error loss of 0.13 is not near cross-entropy's floor of 0.48)
    since = _same_loss_since(run)
    history = run.history
    i = max(int(np.searchsorted(history[0], since, side="right")) - 1, 0)
    e = near_floor(history[0][i:], history[1][i:], floor)
    if e is not None:
        found = sorted([*found, Moment(e, "floor", sentence("floor", e))], key=lambda m: m.epoch)
    return found


def _same_loss_since(run) -> int:
    """The epoch from which the run has trained on its current loss and weight decay."""
    timeline, net = run.timeline, run.net
    stretches = timeline.stretch[: timeline.n]
    for k in range(timeline.n - 1, -1, -1):
        s = timeline.stretches[stretches[k]]
        if (getattr(s.objective, "name", s.objective), s.decay) != (net.objective.name,
                                                                    net.decay):
            return int(timeline.epochs[k + 1]) if k + 1 < timeline.n else run.epoch
    return 0
