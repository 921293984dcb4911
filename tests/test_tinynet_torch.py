"""tinynet against PyTorch in float64: the gradient, one optimizer step and 1,000 steps, for
H = 1..4, each activation and each optimizer, on squared error and on ``BCEWithLogitsLoss``,
with the weight decay's penalty added to the loss and some weights frozen (their gradient
zeroed before each step, as one freezes weights in PyTorch).

One step is compared to 1e-12 relative from the start *and from every state of PyTorch's
1,000-step run* (its weights and its optimizer's state): the two step maps agree wherever the
run goes. The 1,000-step runs agree to 1e-12 at every epoch, except in four runs where the
training is chaotic: there a difference of one rounding grows by orders of magnitude (relu at
learning rate 0.2 starts to oscillate near epoch 150; Adam near a minimum divides by the root
of a vanishing second moment), and two float64 implementations part ways, as tinynet does from
itself. ``parts_from_itself`` measures that: how far tinynet's run from a start nudged by
``NUDGE`` is at each epoch. Where it passes ``CHAOTIC``, each epoch is compared to 1e-12 plus
``K`` times that distance (PyTorch's run differs from tinynet's by a rounding at each step, a
smaller difference than the nudge, and the training amplifies it alike), up to where the
nudged run passes ``LINEAR``: from there distances no longer grow in proportion (they saturate
at the size of the oscillation) and no two implementations' epochs can be compared.

PyTorch is the CPU wheel of the version pinned in the test extra (tools/torch_cpu.py).
"""
import numpy as np
import pytest

import tinynet as tn
from tools.torch_cpu import import_torch

RTOL, ATOL = 1e-12, 1e-14
STEPS = 1000
NUDGE = 1e-13  # relative: a few hundred ulps, more than a step's rounding differences
CHAOTIC = 1e-9  # a nudged run this far from the run: the training amplifies roundings
LINEAR = 1e-6  # ... and compared up to here, while the amplification is still in proportion
K = 10  # measured here: PyTorch's run is at most 3x the nudged run's distance up to LINEAR
SETTINGS = {"gd": {"learning_rate": 0.2}, "momentum": {"learning_rate": 0.1, "beta": 0.9},
            "adam": {"learning_rate": 0.05}}
DECAY = 0.03


@pytest.fixture(scope="module")
def torch():
    try:
        torch = import_torch()
    except RuntimeError as exc:  # fail loudly rather than skip
        pytest.fail(str(exc), pytrace=False)
    # one thread: BCEWithLogitsLoss's log-sigmoid splits even 4 elements between threads,
    # and on a busy machine (pytest -n on two cores) each call then waits milliseconds for
    # a second thread to be scheduled
    torch.set_num_threads(1)
    return torch


def torch_optimizer(torch, name, params):
    s = SETTINGS[name]
    if name == "gd":
        return torch.optim.SGD(params, lr=s["learning_rate"])
    if name == "momentum":
        return torch.optim.SGD(params, lr=s["learning_rate"], momentum=s["beta"])
    return torch.optim.Adam(params, lr=s["learning_rate"], betas=(0.9, 0.999), eps=1e-8)


def torch_state(optimizer, t, name) -> np.ndarray:
    """A torch optimizer's state for ``t`` as tinynet's optimizers hold theirs."""
    state = optimizer.state[t]
    if name == "gd" or not state:
        return np.zeros(0)
    if name == "momentum":  # v <- beta v + g, theta -= lr v: the same buffer
        return state["momentum_buffer"].numpy().copy()
    return np.concatenate([state["exp_avg"].numpy(), state["exp_avg_sq"].numpy(),
                           [float(state["step"])]])


def torch_loss(torch, t, x, y, activation, loss, decay):
    """The same network and loss, written with torch operations."""
    h = (t.numel() - 1) // 3
    w1, b1, w2, b2 = t[:h], t[h : 2 * h], t[2 * h : 3 * h], t[3 * h]
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    z2 = act(x[:, None] * w1 + b1) @ w2 + b2
    if loss == "cross_entropy":  # BCEWithLogitsLoss, without making the module each epoch
        data = torch.nn.functional.binary_cross_entropy_with_logits(z2, y)
    else:
        data = 0.5 * torch.nn.functional.mse_loss(z2, y)
    return data + decay / 2 * (w1.pow(2).sum() + w2.pow(2).sum())


def torch_run(torch, theta, activation, loss, decay, optimizer, frozen, steps):
    """PyTorch's run: the gradient at the start, and at each epoch 0..steps the weights, the
    optimizer's state and the loss."""
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(tn.ARTICLE_X, dtype=torch.float64)
    y = torch.tensor(tn.ARTICLE_Y, dtype=torch.float64)
    opt = torch_optimizer(torch, optimizer, [t])
    mask = torch.tensor(frozen)
    run = {"theta": [], "state": [], "loss": []}
    for k in range(steps + 1):
        opt.zero_grad()
        value = torch_loss(torch, t, x, y, activation, loss, decay)
        value.backward()
        run["theta"].append(t.detach().numpy().copy())
        run["state"].append(torch_state(opt, t, optimizer))
        run["loss"].append(value.item())
        if k == 0:
            run["gradient"] = t.grad.numpy().copy()
        if k == steps:
            break
        t.grad[mask] = 0.0
        opt.step()
    return run


def trainer(theta, activation, loss, optimizer, frozen, state=None) -> tn.Trainer:
    net = tn.Network.from_theta(np.array(theta, dtype=float), activation, loss, DECAY)
    opt = tn.make_optimizer(optimizer, **SETTINGS[optimizer])
    if state is not None and state.size:
        opt.load_state(state, net.theta.shape)
    return tn.Trainer(net, tn.ARTICLE_X, tn.ARTICLE_Y, opt, frozen)


def epochs(theta, activation, loss, optimizer, frozen, steps=STEPS) -> np.ndarray:
    """tinynet's weights at each epoch 0..steps, (steps + 1, 3H + 1)."""
    t = trainer(theta, activation, loss, optimizer, frozen)
    out = [t.net.theta.copy()]
    for _ in range(steps):
        t.run(1)
        out.append(t.net.theta.copy())
    return np.array(out)


def parts_from_itself(theta, activation, loss, optimizer, frozen, run=None) -> np.ndarray:
    """At each epoch, how far tinynet's run from a start nudged by NUDGE (relative, on the
    weights it trains) is from its run: how much this training amplifies a rounding."""
    run = epochs(theta, activation, loss, optimizer, frozen) if run is None else run
    nudged = np.where(frozen, theta, theta * (1 + NUDGE))
    return np.max(np.abs(epochs(nudged, activation, loss, optimizer, frozen) - run), axis=1)


def start(hidden):
    rng = np.random.default_rng(hidden)
    return rng.normal(0.0, 0.5, 3 * hidden + 1)


def frozen_mask(hidden):
    frozen = np.zeros(3 * hidden + 1, bool)
    frozen[hidden] = frozen[-1] = True  # b1_1 and b2
    return frozen


CASES = [(h, a, o, loss) for h in (1, 2, 3, 4) for a in ("sigmoid", "tanh", "relu")
         for o in ("gd", "momentum", "adam") for loss in ("cross_entropy", "squared")]
CHAOS = [(1, "relu", "gd", "squared"), (4, "relu", "gd", "squared"),
         (2, "sigmoid", "adam", "squared"), (3, "sigmoid", "adam", "squared")]


@pytest.mark.parametrize("hidden,activation,optimizer,loss", CASES,
                         ids=["-".join(map(str, case)) for case in CASES])
def test_tinynet_matches_pytorch(torch, hidden, activation, optimizer, loss):
    theta, frozen = start(hidden), frozen_mask(hidden)
    ref = torch_run(torch, theta, activation, loss, DECAY, optimizer, frozen, STEPS)

    t = trainer(theta, activation, loss, optimizer, frozen)
    np.testing.assert_allclose(t.gradient(), ref["gradient"], rtol=RTOL, atol=1e-15)
    assert t.loss == pytest.approx(ref["loss"][0], rel=RTOL)
    # one step, from every state PyTorch's run went through: its weights and its optimizer's
    # state put into one trainer (both forget what the last step left: a new trainer for
    # each of the 1,000 states cost more than the steps)
    one, steps = trainer(theta, activation, loss, optimizer, frozen), []
    for k, state in enumerate(ref["state"][:STEPS]):
        one.net.theta[:] = ref["theta"][k]
        if state.size:
            one.optimizer.load_state(state, theta.shape)
        else:  # gd, or before PyTorch's first step: no state, as a new optimizer has
            one.optimizer.reset()
        one.run(1)
        steps.append(one.net.theta.copy())
    near = np.isclose(steps, ref["theta"][1:], rtol=RTOL, atol=ATOL, equal_nan=True)
    for k in np.flatnonzero(~near.all(axis=1))[:1]:  # the first epoch from which it parts
        np.testing.assert_allclose(steps[k], ref["theta"][k + 1], rtol=RTOL, atol=ATOL,
                                   err_msg=f"one step from PyTorch's epoch {k}")
    # the runs: every epoch to 1e-12; where the training amplifies roundings, plus K times
    # what it makes of a nudge, up to where that stops growing in proportion
    run, ref_run = epochs(theta, activation, loss, optimizer, frozen), np.array(ref["theta"])
    spread = parts_from_itself(theta, activation, loss, optimizer, frozen, run)
    assert (spread.max() > CHAOTIC) == ((hidden, activation, optimizer, loss) in CHAOS)
    if spread.max() <= CHAOTIC:
        np.testing.assert_allclose(run, ref_run, rtol=RTOL, atol=ATOL)
        final = trainer(run[-1], activation, loss, optimizer, frozen)
        assert final.loss == pytest.approx(ref["loss"][-1], rel=RTOL)
    else:
        horizon = int(np.argmax(spread > LINEAR)) if spread.max() > LINEAR else STEPS + 1
        apart = np.abs(run - ref_run)[:horizon]
        bound = RTOL * np.abs(ref_run[:horizon]) + ATOL + K * spread[:horizon, None]
        assert (apart <= bound).all(), f"epoch {int(np.argmax((apart > bound).any(axis=1)))}"
    assert run[:, frozen].tobytes() == np.broadcast_to(theta[frozen], run[:, frozen].shape
                                                       ).tobytes()


@pytest.mark.parametrize("hidden,activation,optimizer,loss", CHAOS,
                         ids=["-".join(map(str, case)) for case in CHAOS])
def test_where_the_runs_part_training_amplifies_a_rounding_by_orders_of_magnitude(
        torch, hidden, activation, optimizer, loss):
    """The four runs that part from PyTorch's within 1,000 epochs (by 1e-7 to 0.1, where one
    step from any of PyTorch's states agrees to 1e-12): tinynet parts from itself too, by
    more than 1e-6, from a start nudged by 1e-13; and not before epoch 100."""
    theta, frozen = start(hidden), frozen_mask(hidden)
    ref = np.array(torch_run(torch, theta, activation, loss, DECAY, optimizer, frozen,
                             STEPS)["theta"])
    run = epochs(theta, activation, loss, optimizer, frozen)
    spread = parts_from_itself(theta, activation, loss, optimizer, frozen, run)
    apart = np.max(np.abs(run - ref), axis=1)
    assert apart.max() > 1e-6 and spread.max() > 1e-6
    assert apart[:100].max() < 1e-13 and 100 < int(np.argmax(spread > CHAOTIC))


def test_the_test_extra_installs_the_pytorch_this_checks_against(torch):
    """``pip install ".[test]"`` (the README's and CI's command) brings PyTorch, the version
    tools/torch_cpu.py would install, so this module runs in CI rather than skip."""
    from pathlib import Path

    import tomllib

    from tools.torch_cpu import TORCH

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert TORCH in project["project"]["optional-dependencies"]["test"]
    assert torch.__version__.split("+")[0] == TORCH.split("==")[1]
