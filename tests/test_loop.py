"""The Train loop's share of its process: the tick period from the sessions training."""
import math

from app import loop
from app.loop import MAX_PERIOD_MS, PERIOD_MS, UTILISATION, TrainLoop, shared_period_ms
from app.session import Session


def test_one_cheap_loop_ticks_at_full_rate_and_many_share_the_thread():
    assert shared_period_ms(1, 5.0) == PERIOD_MS
    assert shared_period_ms(2, 5.0) == PERIOD_MS  # 2 x 5 ms / 0.75 = 14 ms: still full rate
    # 20 sessions at 10 ms a tick: each every 267 ms, so together they take 75 % of the thread
    period = shared_period_ms(20, 10.0)
    assert period == math.ceil(20 * 10.0 / UTILISATION) == 267
    assert 20 * 10.0 / period <= UTILISATION + 1e-9
    assert shared_period_ms(200, 50.0) == MAX_PERIOD_MS  # never slower than twice a second


def test_loops_join_the_shared_count_when_training_and_leave_when_stopped():
    before = len(loop._training)
    a, b = TrainLoop(Session()), TrainLoop(Session())
    a.state.training = True
    b.state.training = True
    assert len(loop._training) == before + 2
    assert b._callback.period == shared_period_ms(before + 2, loop._tick_ms[0])
    a.state.training = False
    b.stop()
    assert len(loop._training) == before
    assert not a._callback.running and not b._callback.running


def test_a_tick_feeds_the_mean_cost_and_retunes_a_period_off_by_a_fifth():
    state = Session(speed=200)
    train = TrainLoop(state)
    state.training = True
    try:
        loop._tick_ms[0] = 400.0  # as if ticks had become very expensive
        train._last -= 0.1  # 0.1 s owed: 20 epochs
        epoch = state.epoch
        train.tick()
        assert 20 <= state.epoch - epoch <= 22  # the first tick's 1 epoch, then 0.1 s at 200/s
        assert loop._tick_ms[0] < 400.0  # this cheap tick pulled the mean down
        assert train._callback.period == shared_period_ms(len(loop._training), loop._tick_ms[0])
        assert train._callback.period > PERIOD_MS
        # within RETUNE_S of that, a mean off by far more leaves the period as it is
        retuned = train._callback.period
        loop._tick_ms[0] = 0.01  # as if ticks had become almost free: the period would be 25
        train._last -= 0.1
        train.tick()
        assert train._callback.period == retuned
        train._retuned -= loop.RETUNE_S  # a second later it retunes
        train._last -= 0.1
        train.tick()
        assert train._callback.period == shared_period_ms(len(loop._training), loop._tick_ms[0])
        assert train._callback.period < retuned
    finally:
        loop._tick_ms[0] = 5.0
        train.stop()
    assert not train._callback.running


def test_every_tick_redraws_everything_until_the_share_runs_short():
    assert loop.full_hz(1, 8.0) == 1000 / PERIOD_MS
    assert loop.full_hz(2, 5.0) == 1000 / PERIOD_MS  # 2 x 5 ms x 40/s fits in half the thread
    # 20 sessions at 8 ms a full redraw: full ticks within a quarter of the thread, but
    # never fewer than MIN_FULL_HZ a second
    assert loop.full_hz(20, 8.0) == loop.MIN_FULL_HZ
    assert loop.full_hz(5, 8.0) == loop.FULL_SHARE * UTILISATION * 1000 / (5 * 8.0)
    assert 5 * 8.0 * loop.full_hz(5, 8.0) <= loop.FULL_SHARE * UTILISATION * 1000 + 1e-9


def test_under_load_light_ticks_move_the_loss_and_full_ticks_every_view(monkeypatch):
    from app.main import PlaygroundApp

    monkeypatch.setattr(loop, "full_hz", lambda training, full_ms: 2.0)  # as with 20 sessions
    app = PlaygroundApp(loop=False)
    state = app.state
    train = TrainLoop(state)
    state.training = True
    try:
        def looks():
            return (list(app.fit._curve.data["y"]), len(app.loss_plot._source.data["epoch"]),
                    app.readouts._epoch.object, app.readouts._loss.object)

        def tick():
            train._last -= 0.05  # 0.05 s at 200 epochs/s: 10 epochs
            train.tick()

        tick()  # the first tick is full
        fit, points, epoch, loss = looks()
        tick()  # within half a second of it: light
        fit2, points2, epoch2, loss2 = looks()
        assert fit2 == fit  # the fit waits for the next full tick ...
        assert points2 > points and epoch2 != epoch and loss2 != loss  # ... the loss does not
        train._last_full -= 0.6  # half a second later: full again
        tick()
        fit3, points3, _, _ = looks()
        assert fit3 != fit and points3 > points2
        assert app.readouts._epoch.object.endswith(f">{state.epoch}</span>")
    finally:
        train.stop()
