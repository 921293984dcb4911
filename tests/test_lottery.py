"""The init lottery without a browser: its numbers against tinynet, progress, cancel, loading."""
import os
import queue
import threading
import time

import numpy as np
import panel as pn
import pytest

import tinynet
from app.lottery import Cancelled, Lottery, width_seed
from app.session import Session
from app.views.lottery import LotteryView, histogram

X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


@pytest.fixture(scope="module")
def drawn():
    """One default draw (1,000 starts, 2,000 epochs) on the article's data, shared by tests
    that only read it."""
    view = LotteryView(state=Session())
    view.lottery.widths = [1, 2, 4]
    view.start()
    return view


def small(state=None, **settings) -> Lottery:
    return Lottery(state or Session(), **{"runs": 60, "epochs": 200, **settings})


def test_each_width_is_tinynets_train_many_from_that_widths_seed():
    lot = small(widths=[1, 2, 4], init="he", seed=7)
    lot.playground.learning_rate = 0.8
    results = lot.run()
    assert sorted(results) == [1, 2, 4]
    for h, draw in results.items():
        start = tinynet.starting_theta("he", h, width_seed(7, h), models=60)
        expected = tinynet.train_many(start, X, Y, 200, tinynet.GradientDescent(0.8))
        np.testing.assert_array_equal(draw.start, start)
        np.testing.assert_allclose(draw.theta, expected.theta, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(draw.losses, expected.losses, rtol=1e-12, atol=1e-16)
        np.testing.assert_array_equal(draw.diverged, expected.diverged)


def test_a_width_draws_the_same_starts_whatever_the_other_widths():
    alone = small(widths=[2]).run()[2]
    together = small(widths=[1, 2, 3]).run()[2]
    np.testing.assert_array_equal(alone.start, together.start)
    assert width_seed(0, 1) != width_seed(0, 2) != width_seed(1, 2)


def test_the_playgrounds_data_optimizer_and_activation_are_used():
    state = Session(optimizer="adam", activation="tanh", learning_rate=0.05)
    state.set_data([0.0, 1.0, 2.0], [1.0, 0.0, 1.0])
    lot = small(state, widths=[3])
    draw = lot.run()[3]
    start = tinynet.starting_theta("xavier", 3, width_seed(0, 3), models=60)
    expected = tinynet.train_many(start, [0.0, 1.0, 2.0], [1.0, 0.0, 1.0], 200,
                                  tinynet.Adam(0.05), activation="tanh")
    np.testing.assert_allclose(draw.losses, expected.losses, rtol=1e-12, atol=1e-16)


def test_one_neuron_never_finds_the_bump_and_two_sometimes_do(drawn):
    results = drawn.lottery.results
    assert results[1].share_found() == 0.0
    assert results[1].losses.min() > tinynet.ONE_NEURON_FLOOR  # the floor, never beaten
    assert 0.0 < results[2].share_found() < 1.0
    assert results[4].share_found() > results[2].share_found()
    html = drawn._summary.object
    assert "found the bump" in html and "0.0%" in html
    assert f"{results[2].share_found():.1%}" in html


def test_histogram_source_counts_every_finite_run_once(drawn):
    results = drawn.lottery.results
    data = drawn._hist.data
    assert drawn._hist.name == "lottery_hist"
    assert data == histogram(results)
    widths, lo, hi, left, right, top = (np.array(data[k]) for k in
                                        ("width", "lo", "hi", "left", "right", "top"))
    assert np.all(lo <= left) and np.all(left < right) and np.all(right <= hi)
    assert np.all(top > 0)
    for h, draw in results.items():
        mine = widths == h
        assert top[mine].sum() == np.isfinite(draw.losses).sum() == 1000
        # each run's loss lies in exactly one of its width's bins, and the bins count them
        inside = (draw.losses[:, None] >= lo[mine]) & (draw.losses[:, None] < hi[mine])
        assert np.all(inside.sum(axis=1) == 1)
        np.testing.assert_array_equal(inside.sum(axis=0), top[mine])
    # the widths' bars share the bins and sit side by side, narrowest width leftmost
    for edge in set(lo):
        bars = sorted(zip(widths[lo == edge], left[lo == edge], right[lo == edge]))
        assert all(a[2] <= b[1] for a, b in zip(bars, bars[1:]))


def test_diverged_runs_are_counted_but_not_drawn():
    state = Session(learning_rate=10.0)
    view = LotteryView(state=state)
    view.lottery.param.update(runs=200, epochs=300, widths=[4])
    view.start()
    draw = view.lottery.results[4]
    assert draw.diverged.any() and np.isinf(draw.losses[draw.diverged]).all()
    assert sum(view._hist.data["top"]) == (~draw.diverged).sum()
    assert f"<td>{draw.diverged.sum()}</td>" in view._summary.object
    # diverged runs rank last
    assert draw.diverged[view.lottery.pick(4, 200)]


@pytest.mark.parametrize("where, rank", [("best", 1), ("median", 500), ("worst", 1000)])
def test_loading_a_run_puts_exactly_its_start_in_the_playground(drawn, where, rank):
    state, lot = drawn.state, drawn.lottery
    state.hidden = 1
    drawn.pick_width = 2
    getattr(drawn, f"_{where}").clicks += 1
    assert drawn.rank == rank
    k = lot.pick(2, rank)
    assert lot.results[2].losses[k] == np.sort(lot.results[2].losses)[rank - 1]
    assert f"run {k} " in drawn._choice.object
    drawn._load.clicks += 1
    assert state.hidden == 2
    np.testing.assert_array_equal(state.net.theta, lot.results[2].start[:, k])
    assert state.run.marks[1][-1] == f"lottery: width 2, run {k}"
    assert [state.net.w1[0], state.net.w1[1], state.net.b2] == [*lot.results[2].start[:2, k],
                                                                lot.results[2].start[6, k]]


def test_progress_reaches_the_total_in_steps():
    lot = small(runs=1200, epochs=20, widths=[1, 2])
    seen = []
    lot.param.watch(lambda e: seen.append(e.new), "done")
    lot.start()
    assert lot.total == 2400 and lot.done == 2400 and not lot.running
    assert seen == sorted(seen) and len(seen) >= 6  # blocks of 500: 500, 1000, 1200, ...
    assert "2,400 runs" in lot.message


def test_cancel_stops_between_blocks_and_keeps_the_last_results():
    lot = small(runs=1200, epochs=20, widths=[1, 2])
    lot.start()
    before = lot.results
    watcher = lot.param.watch(lambda e: lot.cancel() if e.new >= 500 else None, "done")
    lot.start()
    assert lot.results is before and not lot.running
    assert lot.done == 500 and lot.message.startswith("Cancelled after 500 of 2,400 runs")
    with pytest.raises(Cancelled):
        lot.run(progress=lambda done, total: None)  # still cancelled until the next start
    lot.param.unwatch(watcher)
    lot.start()
    assert lot.done == lot.total == 2400 and lot.results is not before


def test_in_a_worker_thread_only_scheduled_callbacks_touch_the_parameters():
    """The served path with a queue standing in for the event loop."""
    lot = small(runs=1500, epochs=50, widths=[1, 2])
    loop = queue.Queue()
    threads = set()
    lot.param.watch(lambda e: threads.add(threading.get_ident()), ["done", "running", "version"])
    worker = lot.start(schedule=loop.put)
    assert worker is not None and lot.running
    assert lot.start(schedule=loop.put) is None  # one draw at a time
    worker.join(timeout=30)
    while not loop.empty():
        loop.get()()
    assert threads == {threading.get_ident()}
    assert not lot.running and lot.done == 3000 and sorted(lot.results) == [1, 2]
    np.testing.assert_array_equal(lot.results[2].losses, lot.run()[2].losses)


def test_cancel_from_the_page_while_a_worker_trains():
    lot = small(runs=4000, epochs=2000, widths=[4])
    loop = queue.Queue()
    worker = lot.start(schedule=loop.put)
    lot.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    while not loop.empty():
        loop.get()()
    assert not lot.running and lot.results == {} and lot.message.startswith("Cancelled")


def test_an_empty_choice_of_widths_says_so():
    lot = small(widths=[])
    assert lot.start() is None and lot.message == "Choose at least one width." and not lot.running


def test_view_builds_without_a_server_and_shows_the_draw_as_it_finishes():
    view = LotteryView(state=Session())
    root = pn.panel(view).get_root()
    assert root.select_one({"name": "lottery_hist"}) is not None
    assert view._cancel.disabled and not view._run.disabled and not view._picker.visible
    view.lottery.param.update(runs=30, epochs=50, widths=[1, 3])
    view._run.clicks += 1
    assert view._progress.value == view._progress.max == 60
    assert set(view._hist.data["width"]) == {1, 3}
    assert view.param.pick_width.objects == [1, 3] and view._picker.visible
    assert "30 starts per width" in view._summary.object
    x_range, ticks = view._fig.x_range, view._fig.xaxis[0].ticker.ticks
    assert x_range.start < min(view._hist.data["lo"]) < max(view._hist.data["hi"]) < x_range.end
    assert ticks and all(x_range.start <= t <= x_range.end for t in ticks)
    view.lottery.threshold = 1.0
    assert view._found_line.location == 1.0 and "100.0%" in view._summary.object


def test_other_data_reads_reached_a_loss_and_drops_the_floor_line():
    state = Session(preset="step")
    view = LotteryView(state=state)
    view.lottery.param.update(runs=20, epochs=50, widths=[2])
    view.start()
    assert "reached loss &lt; 0.04" in view._summary.object
    assert not view._floor_line.visible


# -- served, in headless Chromium: the worker thread and the page's event loop -------------------
PAGE_SETTINGS = {}  # the next session's lottery settings


@pytest.fixture(scope="module")
def lottery_page():
    """A page of the loss readout and the lottery, served here; yields (url, views made)."""
    from app.views.loss import Readouts
    from tools.net import free_port, wait_for_http

    views = []

    def session():
        state = Session()
        view = LotteryView(state=state)
        view.lottery.param.update(**PAGE_SETTINGS)
        views.append(view)
        return pn.Column(Readouts(state=state), view)

    port = free_port()
    server = pn.serve({"/": session}, port=port, address="127.0.0.1", show=False, threaded=True,
                      websocket_origin=[f"127.0.0.1:{port}"])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/")
        yield url, views
    finally:
        server.stop()


PROGRESS_JS = """() => [...Bokeh.documents[0].all_models].find(
    (m) => m.css_classes && m.css_classes.includes('tn-lottery-progress')).value"""


@pytest.mark.browser
def test_served_draw_runs_in_the_background_and_loads_a_start(page, lottery_page):
    from conftest import Playground as Tab

    url, views = lottery_page
    PAGE_SETTINGS.update(runs=1000, epochs=2000, widths=[1, 2, 4])
    tab = Tab(page, url)
    tab.open("/")
    view = views[-1]
    tab.click(".tn-lottery-run")
    values = {tab.page.evaluate(PROGRESS_JS)}
    tab.wait(lambda: values.add(tab.page.evaluate(PROGRESS_JS)) or "runs in" in tab.text(
        ".tn-lottery-status"), timeout=30, what="the draw to finish")
    assert len(values - {0, 3000}) >= 1  # progress seen part-way
    shown = tab.source("lottery_hist")
    assert shown["top"] == view._hist.data["top"] and shown["width"] == view._hist.data["width"]
    assert "found the bump" in tab.text(".tn-lottery-summary")
    draw = view.lottery.results[2]
    tab.page.locator(".tn-lottery-width select").first.select_option("2")
    tab.wait(lambda: view.pick_width == 2, what="width 2 chosen")
    tab.click(".tn-lottery-load")
    k = view.lottery.pick(2, 1)  # rank 1, the best, is chosen
    # the server thread may be between switching width and making that width's run
    tab.wait(lambda: view.state._runs.get(2) is not None and view.state._runs[2].marks[1][-1:]
             == [f"lottery: width 2, run {k}"], what="the start loaded")
    assert view.state.hidden == 2
    np.testing.assert_array_equal(view.state.net.theta, draw.start[:, k])
    start_loss = tinynet.Network.from_theta(draw.start[:, k]).loss(X, Y)
    tab.wait(lambda: abs(tab.loss() - start_loss) < 5e-7, what="the loaded start's loss shown")


@pytest.mark.browser
def test_served_page_answers_cancel_while_the_worker_trains(page, lottery_page):
    from conftest import Playground as Tab

    url, views = lottery_page
    PAGE_SETTINGS.update(runs=5000, epochs=3000, widths=[4])  # several seconds of numpy
    tab = Tab(page, url)
    tab.open("/")
    view = views[-1]
    tab.click(".tn-lottery-run")
    tab.wait(lambda: view.lottery.running, what="the draw to start")
    tab.page.wait_for_timeout(300)
    clicked = time.monotonic()
    tab.click(".tn-lottery-cancel")
    tab.wait(lambda: "Cancelled" in tab.text(".tn-lottery-status"), timeout=10,
             what="the cancel to show")
    assert time.monotonic() - clicked < 2.0
    assert not view.lottery.running and view.lottery.results == {}


def test_served_draws_train_in_a_lower_priority_background_process():
    from app import lottery

    pool = lottery._background_pool()
    pid, niceness = pool.submit(_pid_and_niceness).result(timeout=60)
    assert pid != os.getpid() and niceness == min(19, os.nice(0) + lottery.NICENESS)
    lot = small(runs=600, epochs=40, widths=[2])
    plan = lot.plan()
    here, there = lot.run(plan), lot.run(plan, train=lottery.background_train)
    np.testing.assert_array_equal(here[2].losses, there[2].losses)
    np.testing.assert_array_equal(here[2].theta, there[2].theta)


def _pid_and_niceness():
    return os.getpid(), os.nice(0)


def test_a_served_lottery_view_starts_the_background_process_before_the_first_draw(
        monkeypatch):
    """Reaching the lottery starts its process, so the first Draw does not wait for it; a
    lottery outside a server (a notebook, a test) starts none until it is served."""
    from app import lottery
    from app.views import lottery as view_module

    served = lambda fn: fn()  # noqa: E731  (a session's scheduler, as served)
    monkeypatch.setattr(view_module, "_session_schedule", lambda: served)
    monkeypatch.setattr(lottery, "_pool", None)
    LotteryView(state=Session())
    pool = lottery._pool
    assert pool is not None and not pool._broken
    assert pool.submit(os.getpid).result(timeout=60) != os.getpid()  # a process of its own
    monkeypatch.setattr(view_module, "_session_schedule", lambda: None)
    monkeypatch.setattr(lottery, "_pool", None)
    LotteryView(state=Session())
    assert lottery._pool is None
    pool.shutdown(wait=True)
