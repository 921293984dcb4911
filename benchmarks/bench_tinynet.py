"""Time tinynet against a tutorial-style loop, side by side, in one run.

    python benchmarks/bench_tinynet.py            # full run (a few seconds)
    python benchmarks/bench_tinynet.py --quick    # a short run, noisier figures

The baseline is written here: the article's per-point Python loop over numpy scalars,
generalised to H hidden neurons by an inner loop over the neurons. Each figure is the best of
several repeats (timeit's min), so it measures the code rather than the machine's other work;
in (a) the two sides take turns, so a busy spell on the machine slows both alike.
Everything runs on one thread, so the batched figures are not a thread-count effect.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: its BLAS reads these once

import argparse  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import tinynet as tn  # noqa: E402


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def tutorial_train(w1, b1, w2, b2, X, Y, lr, epochs):
    """The article's training loop, one point and one neuron at a time, for H neurons."""
    w1, b1, w2 = np.array(w1, float), np.array(b1, float), np.array(w2, float)
    b2 = np.float64(b2)
    H, n = len(w1), len(X)
    for epoch in range(epochs):
        gw1, gb1, gw2, gb2 = np.zeros(H), np.zeros(H), np.zeros(H), 0.0
        total_loss = 0.0
        for x, y in zip(X, Y):
            # forward pass
            a1 = [sigmoid(w1[j] * x + b1[j]) for j in range(H)]
            y_hat = b2
            for j in range(H):
                y_hat += w2[j] * a1[j]
            total_loss += 0.5 * (y_hat - y) ** 2
            # backpropagation
            dL_dyhat = y_hat - y
            gb2 += dL_dyhat
            for j in range(H):
                gw2[j] += dL_dyhat * a1[j]
                dL_dz1 = dL_dyhat * w2[j] * a1[j] * (1 - a1[j])
                gw1[j] += dL_dz1 * x
                gb1[j] += dL_dz1
        # gradient descent with the averaged gradients
        for j in range(H):
            w1[j] -= lr * gw1[j] / n
            b1[j] -= lr * gb1[j] / n
            w2[j] -= lr * gw2[j] / n
        b2 -= lr * gb2 / n
    return w1, b1, w2, b2, total_loss / n


def best(fn, number, repeat):
    """Seconds per call: the minimum over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def best_pair(baseline, ours, repeat):
    """(baseline, ours) seconds per call, each the min of ``repeat`` runs, taken in turns.

    Alternating the two means a burst of other work on the machine slows both sides alike.
    """
    base, mine = [], []
    for _ in range(repeat):
        base.append(timeit.timeit(baseline, number=1))
        mine.append(timeit.timeit(ours, number=1))
    return min(base), min(mine)


def verdict(ok):
    return "PASS" if ok else "MISS"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run with fewer repeats")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    epochs = 300 if args.quick else 1000
    X, Y = tn.ARTICLE_X, tn.ARTICLE_Y
    rows = []

    # (a) one network, seconds per epoch: Trainer.run against the tutorial loop
    baseline_h2 = None
    for hidden, target in ((1, 0.75), (2, 0.5), (8, 0.2)):
        theta = tn.starting_theta("xavier", hidden, seed=hidden)
        net = tn.Network.from_theta(theta)
        h = hidden
        w1, b1, w2, b2 = theta[:h], theta[h:2 * h], theta[2 * h:3 * h], theta[3 * h]
        base_epochs = max(50, epochs // (2 * h))
        check = tn.Network.from_theta(theta)  # both sides do the same work: same weights after
        tn.Trainer(check, X, Y).run(50)
        *weights, _ = tutorial_train(w1, b1, w2, b2, X, Y, 0.5, 50)
        assert np.allclose(np.hstack(weights), check.theta, rtol=1e-12, atol=1e-14)

        def run_trainer():
            net.theta[:] = theta  # same start each repeat
            tn.Trainer(net, X, Y).run(epochs)

        t_base, t_ours = best_pair(lambda: tutorial_train(w1, b1, w2, b2, X, Y, 0.5, base_epochs),
                                   run_trainer, 3 * repeat)
        t_base, t_ours = t_base / base_epochs, t_ours / epochs
        ratio = t_ours / t_base
        rows.append((f"(a) Trainer.run epoch, H={hidden}", f"{t_base * 1e6:.1f} us",
                     f"{t_ours * 1e6:.2f} us", f"{ratio:.3f}x time", f"<= {target}x",
                     verdict(ratio <= target)))
        if hidden == 2:
            baseline_h2 = t_base

    # (b) batched: model-epochs per second of train_many against the tutorial's epochs per second
    models = 10_000
    sweep_epochs = 20 if args.quick else 100
    theta = tn.starting_theta("xavier", 2, seed=0, models=models)
    t_sweep = best(lambda: tn.train_many(theta, X, Y, sweep_epochs), 1, repeat)
    ours_rate = models * sweep_epochs / t_sweep
    base_rate = 1 / baseline_h2
    ratio = ours_rate / base_rate
    rows.append((f"(b) train_many H=2, {models:,} models", f"{base_rate:,.0f} ep/s",
                 f"{ours_rate:,.0f} model-ep/s", f"{ratio:,.0f}x rate", ">= 150x",
                 verdict(ratio >= 150)))

    # (c) a 200 x 200 loss landscape over (w1, b1) at the article's start
    net = tn.starting_network("article")
    pv, qv = np.linspace(-4, 4, 200), np.linspace(-4, 4, 200)

    def double_loop():
        out = np.empty((qv.size, pv.size))
        probe = net.copy()
        for r, q in enumerate(qv):
            for c, p in enumerate(pv):
                probe.w1[0], probe.b1[0] = p, q
                out[r, c] = probe.loss(X, Y)
        return out

    t_loop = best(double_loop, 1, 1 if args.quick else 3)
    t_land = best(lambda: tn.landscape(net, X, Y, "w1", "b1", pv, qv), 1, repeat)
    assert np.allclose(double_loop(), tn.landscape(net, X, Y, "w1", "b1", pv, qv), rtol=1e-12)
    ratio = t_loop / t_land
    rows.append(("(c) landscape 200x200", f"{t_loop * 1e3:.0f} ms", f"{t_land * 1e3:.2f} ms",
                 f"{ratio:.0f}x speed", ">= 15x", verdict(ratio >= 15)))

    head = ("measure", "baseline", "tinynet", "ratio", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    print(f"numpy {np.__version__}, single thread, best of {repeat} ((a): {3 * repeat}, in turns)"
          + (" (--quick)" if args.quick else ""))
    print(line(head))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
