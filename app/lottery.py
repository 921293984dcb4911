"""The init lottery: many random starts per width, trained at once, and how their losses fall.

``Lottery.run`` is the computation (numpy only, touches no parameter, so a worker thread may
run it); ``Lottery.start`` runs it from a worker thread when served and hands progress and
results back to the session's event loop, or runs it right here when not served (tests).

Served, the numpy work itself goes to one shared background process at lower priority (see
``background_train``): in a thread of the server it would hold Python's lock for up to 5 ms at a
time between numpy calls, and every slider step of every session would wait behind it
(benchmarks/bench_browser.py (e): slider -> plot p95 83 ms in a thread). The process ignores
Ctrl-C (the server stops it), ends itself when the server is gone, and ``stop_background``
ends it at once when the server stops (``app.cli``).
"""
import atexit
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, NamedTuple

import numpy as np
import param

import tinynet

from .session import Session
from .settings import WIDTHS

BLOCK = 500  # models per train_many block: a progress report and a chance to cancel each
# A run "found the bump" when its final loss is below 0.04, under half the one-neuron floor
# 1/12: no monotonic curve gets below 1/12 on the article's data, and after 2,000 epochs the
# runs fall in two clear groups, at or above 0.085 and (mostly) below 0.03.
FOUND = 0.04

Schedule = Callable[[Callable[[], None]], None]


class Plan(NamedTuple):
    """Everything a draw needs, copied from the lottery and the playground when it starts."""

    widths: tuple[int, ...]
    runs: int
    epochs: int
    init: str
    seed: int
    x: np.ndarray
    y: np.ndarray
    activation: str
    optimizer: tinynet.Optimizer
    block: int = BLOCK

    def describe(self) -> str:
        data = "the article's data" if is_article(self.x, self.y) else f"{self.x.size} points"
        return (f"{self.runs:,} starts per width, {self.init} (seed {self.seed}), {self.epochs:,} "
                f"epochs of {self.optimizer!r}, {self.activation}, on {data}")


class Draw(NamedTuple):
    """One width's runs: where each started, where it ended, its final loss."""

    width: int
    seed: int
    start: np.ndarray  # starting weights, (3H + 1, runs)
    theta: np.ndarray  # trained weights, (3H + 1, runs)
    losses: np.ndarray  # final mean loss, (runs,); inf where the run diverged
    diverged: np.ndarray  # (runs,) bool

    def order(self) -> np.ndarray:
        """Run indices from the lowest final loss to the highest (diverged last)."""
        return np.argsort(self.losses, kind="stable")

    def share_found(self, threshold: float = FOUND) -> float:
        """The fraction of runs whose final loss is below ``threshold``."""
        return float(np.mean(self.losses < threshold))


class Cancelled(Exception):
    """Raised inside a draw when it is cancelled."""


Train = Callable[..., tinynet.SweepResult]  # tinynet.train_many's signature, one block at a time

NICENESS = 10  # the background process yields the CPU to the server and the browser
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_stopping = False


PARENT_POLL_S = 0.5  # how often the background process checks that its server is alive


def _background_init(parent: int):
    """In the background process: lower priority, no Ctrl-C (the terminal sends it to the
    whole process group, and the server stops this process itself, without a traceback), and
    end when the server is gone, however it ended (even SIGKILL)."""
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-server",
                     daemon=True).start()


def _exit_with(parent: int):
    while os.getppid() == parent:  # orphaned: reparented to init or a subreaper
        time.sleep(PARENT_POLL_S)
    os._exit(0)


def _background_pool() -> ProcessPoolExecutor:
    """The one background process of this server, started (spawned) on first use."""
    global _pool
    with _pool_lock:
        if _stopping:
            raise RuntimeError("the server is stopping")
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, initializer=_background_init,
                                        initargs=(os.getpid(),),
                                        mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
            if threading.current_thread() is threading.main_thread():
                # start it now, deaf to Ctrl-C from its first instruction: an ignored signal
                # stays ignored across exec, and Python then sets no KeyboardInterrupt handler
                previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
                try:
                    _pool.submit(int)
                finally:
                    signal.signal(signal.SIGINT, previous)
        return _pool


def warm_up() -> None:
    """Start the background process now, if it is not running yet: a learner who reaches the
    lottery presses Draw a moment later, and the first draw no longer waits for a Python
    process to start and import numpy (~1 s of CPU on a 2-core machine, while the slider's
    answers waited: 5 of the first 12 presses of a first draw went unanswered)."""
    try:
        _background_pool()
    except RuntimeError:  # the server is stopping
        pass


def stop_background() -> None:
    """End the background process now, abandoning a draw in it, and start no other: the
    server is stopping.

    ``ProcessPoolExecutor.shutdown`` would wait for the running block (and Python's exit
    waits for it too), so the process is terminated first; the draws waiting on it fail and their
    sessions are gone anyway. Its multiprocessing resource tracker then sees its last client
    gone and ends. This server starts no other multiprocessing children than this pool's.
    """
    global _pool, _stopping
    with _pool_lock:  # and no draw starts a new one
        pool, _pool, _stopping = _pool, None, True
    if pool is None:
        return
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(2)
    # The pool's manager thread sees its process gone and closes its pipes; wait for that
    # here (bounded), not at Python's exit, where closing races concurrent.futures' own exit
    # hook and prints an EBADF traceback (Python < 3.12).
    closer = threading.Thread(target=pool.shutdown, kwargs={"cancel_futures": True},
                              name="close-background-pool", daemon=True)
    closer.start()
    closer.join(2)


def background_train(*args, **kwargs) -> tinynet.SweepResult:
    """``tinynet.train_many`` in the background process; waits for it without holding the GIL.
    Draws from all sessions share the process and take turns block by block."""
    global _pool
    try:
        return _background_pool().submit(tinynet.train_many, *args, **kwargs).result()
    except BrokenProcessPool:  # the process died (killed, out of memory): a new one next time
        with _pool_lock:
            _pool = None
        raise RuntimeError("the background process stopped; try again") from None


def is_article(x, y) -> bool:
    """Whether (x, y) is the article's data set, where the one-neuron floor is 1/12."""
    return (np.array_equal(x, tinynet.ARTICLE_X) and np.array_equal(y, tinynet.ARTICLE_Y))


def width_seed(seed: int, width: int) -> int:
    """The seed of one width's starts, derived from the lottery's seed and the width, so a
    width draws the same starts whichever other widths are in the lottery."""
    return int(np.random.SeedSequence([seed, width]).generate_state(1)[0])


class Lottery(param.Parameterized):
    """Settings and results of the init lottery for one playground."""

    runs = param.Integer(1000, bounds=(1, 20_000), doc="Random starts per width.")
    epochs = param.Integer(2000, bounds=(1, 100_000), doc="Training epochs of every start.")
    init = param.Selector(default="xavier", objects=["xavier", "he"],
                          doc="How the random starting weights are drawn.")
    seed = param.Integer(0, bounds=(0, 2**31 - 1), doc="Seed of the whole lottery.")
    widths = param.ListSelector(default=list(WIDTHS), objects=list(WIDTHS),
                                doc="Widths (hidden neurons) to draw for.")
    threshold = param.Number(FOUND, bounds=(1e-12, 1.0),
                             doc="A run 'found the bump' if its final loss is below this.")
    running = param.Boolean(False, doc="Whether a draw is being computed.")
    done = param.Integer(0, doc="Runs trained so far in the current draw.")
    total = param.Integer(1, doc="Runs in the current draw.")
    message = param.String("", doc="How the last draw ended.")
    version = param.Integer(0, doc="Bumped when new results arrive.")

    def __init__(self, playground: Session, **params):
        super().__init__(**params)
        self.playground = playground
        self.results: dict[int, Draw] = {}
        self.plan_used: Plan | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the computation (any thread) -------------------------------------------------------
    def plan(self) -> Plan:
        """A snapshot of the settings and the playground's data, optimizer and activation."""
        s = self.playground
        return Plan(tuple(sorted(self.widths)), self.runs, self.epochs, self.init, self.seed,
                    s.x.copy(), s.y.copy(), s.activation, s.make_optimizer())

    def run(self, plan: Plan | None = None,
            progress: Callable[[int, int], None] | None = None,
            train: Train = tinynet.train_many) -> dict[int, Draw]:
        """Train every start of the plan; raises Cancelled if ``cancel()`` is called meanwhile.

        Each block of ``plan.block`` runs is one call of ``train`` (tinynet.train_many here, or
        ``background_train``); ``progress(done, total)`` is called after each. Touches no
        parameter.
        """
        plan = plan or self.plan()
        total = plan.runs * len(plan.widths)
        done = 0
        results = {}
        for h in plan.widths:
            seed = width_seed(plan.seed, h)
            start = tinynet.starting_theta(plan.init, h, seed, models=plan.runs)
            blocks = []
            for first in range(0, plan.runs, plan.block):
                if self._cancel.is_set():
                    raise Cancelled
                part = start[:, first: first + plan.block]
                blocks.append(train(part, plan.x, plan.y, plan.epochs, plan.optimizer,
                                    plan.activation, block=plan.block))
                done += part.shape[1]
                if progress is not None:
                    progress(done, total)
            trained, losses, diverged = (np.concatenate(parts, axis=-1) for parts in zip(*blocks))
            results[h] = Draw(h, seed, start, trained, losses, diverged)
        return results

    # -- running it from the page (the session's thread) ------------------------------------
    def start(self, schedule: Schedule | None = None) -> threading.Thread | None:
        """Draw with the current settings.

        With ``schedule`` (served: a function that runs a callable on the session's event
        loop) a worker thread hands the numpy work to the background process, and progress and
        results come back through ``schedule``; the thread is returned. Without it,
        everything runs here.
        """
        if self.running:
            return None
        if not self.widths:
            self.message = "Choose at least one width."
            return None
        plan = self.plan()
        self._cancel.clear()
        self.param.update(running=True, done=0, total=plan.runs * len(plan.widths),
                          message="")
        began = time.perf_counter()
        if schedule is None:
            self._finish(plan, *self._compute(plan, self._progress), time.perf_counter() - began)
            return None
        _background_pool()  # started from the server's thread (see there), not the worker's

        def work():
            def progress(done, total):
                schedule(lambda: self._progress(done, total))
            results, error = self._compute(plan, progress, background_train)
            seconds = time.perf_counter() - began
            schedule(lambda: self._finish(plan, results, error, seconds))

        self._thread = threading.Thread(target=work, name="init-lottery", daemon=True)
        self._thread.start()
        return self._thread

    def cancel(self) -> None:
        """Stop the draw in progress after its current block (the last results stay)."""
        self._cancel.set()

    def _compute(self, plan, progress, train=tinynet.train_many):
        try:
            return self.run(plan, progress, train), None
        except Cancelled:
            return None, "cancelled"
        except Exception as exc:  # shown in the page; the session keeps working
            return None, f"the lottery failed: {exc}"

    def _progress(self, done, total):
        if self.running:
            self.param.update(done=done, total=total)

    def _finish(self, plan, results, error, seconds):
        if results is None:
            kept = " (the last draw's results are still shown)" if self.results else ""
            message = (f"Cancelled after {self.done:,} of {self.total:,} runs{kept}."
                       if error == "cancelled" else error + ".")
            self.param.update(running=False, message=message)
            return
        self.results, self.plan_used = results, plan
        self.param.update(running=False, done=self.total,
                          message=f"{self.total:,} runs in {seconds:.1f} s.")
        self.version += 1

    # -- using the results ------------------------------------------------------------------
    def pick(self, width: int, rank: int) -> int:
        """The run index of the ``rank``-th best run (1 = lowest final loss) of a width."""
        draw = self.results[width]
        if not 1 <= rank <= draw.losses.size:
            raise ValueError(f"rank must be between 1 and {draw.losses.size}, got {rank}")
        return int(draw.order()[rank - 1])

    def load(self, width: int, run: int) -> None:
        """Put run ``run`` of a width's starting weights into the playground."""
        start = self.results[width].start[:, run].copy()
        self.playground.load_start(start, label=f"lottery: width {width}, run {run}")
