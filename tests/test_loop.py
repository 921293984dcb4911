"""The Train loop's share of its process: the tick period from the sessions training."""
import math

from app import loop
from app.loop import MAX_PERIOD_MS, PERIOD_MS, UTILISATION, TrainLoop, shared_period_ms
from app.state import Playground


def test_one_cheap_loop_ticks_at_full_rate_and_many_share_the_thread():
    assert shared_period_ms(1, 5.0) == PERIOD_MS
    assert shared_period_ms(2, 5.0) == PERIOD_MS  # 2 x 5 ms / 0.5 = 20 ms: still full rate
    # 20 sessions at 10 ms a tick: each every 400 ms, so together they take half the thread
    period = shared_period_ms(20, 10.0)
    assert period == math.ceil(20 * 10.0 / UTILISATION) == 400
    assert 20 * 10.0 / period <= UTILISATION + 1e-9
    assert shared_period_ms(200, 50.0) == MAX_PERIOD_MS  # never slower than twice a second


def test_loops_join_the_shared_count_when_training_and_leave_when_stopped():
    before = len(loop._training)
    a, b = TrainLoop(Playground()), TrainLoop(Playground())
    a.state.training = True
    b.state.training = True
    assert len(loop._training) == before + 2
    assert b._callback.period == shared_period_ms(before + 2, loop._tick_ms[0])
    a.state.training = False
    b.stop()
    assert len(loop._training) == before
    assert not a._callback.running and not b._callback.running


def test_a_tick_feeds_the_mean_cost_and_retunes_a_period_off_by_a_fifth():
    state = Playground(speed=200)
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
    finally:
        loop._tick_ms[0] = 5.0
        train.stop()
    assert not train._callback.running
