"""What does ActivationStats cost, and does its memory stay bounded?

Overhead: one training epoch of the capstone CNN (`fashion_cnn`, batch 256, Adam) on the first `--n-train`
training images, with and without `ActivationStats(every=1)` (its default: every ReLU module), side by side in
one process. Each round runs both, the order flipping every round, from the same initial weights and batch
order; we report the median of each round's own ratio (with / without) and the medians of the times.

Memory: `--epochs` epochs (default 50) of the same model on the first `--mem-train` images (short epochs, so
that 50 of them are cheap), printing after epoch 1 and after the last: the bytes `ActivationStats` holds
(`nbytes`, its device buffer and host copy), its number of rows and batches per row, and the process's
resident memory.

    OMP_NUM_THREADS=1 python bench/activation_stats.py [--rounds 5] [--n-train 12800] [--epochs 50] [--mem-train 2560]
"""
import argparse, statistics, time

import torch

from groundup.convolutions import ActivationStats
from groundup.events import Callback
from groundup.speedrun import fashion_cnn, fashion_learner, fashion_tensors
from groundup.testing import set_seed


def rss_mb() -> float:
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmRSS')) / 1024


class Subset:
    def __init__(self, data, n): self.data, self.n = data, n
    def __getattr__(self, k):
        v = getattr(self.data, k)
        return v[:self.n] if k in ('x_train', 'y_train') else v[:1000] if k in ('x_valid', 'y_valid') else v


def one_epoch(data, weights, with_stats: bool) -> float:
    model = fashion_cnn(); model.load_state_dict(weights)
    cbs = [ActivationStats()] if with_stats else []
    learn = fashion_learner(data, model=model, seed=0, progress=False, cbs=cbs)
    learn.dls.valid = None                                   # time training only
    start = time.perf_counter()
    learn.fit(1)
    return time.perf_counter() - start


class Probe(Callback):
    order = 100
    def __init__(self, stats, last): self.stats, self.last, self.rows = stats, last, []
    def after_epoch(self):
        if self.epoch in (0, self.last - 1):
            s = self.stats
            self.rows.append((self.epoch + 1, s.nbytes, s.n_rows, s._host_span, s._host_n, rss_mb()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--n-train', type=int, default=12_800)
    ap.add_argument('--epochs', type=int, default=50)
    ap.add_argument('--mem-train', type=int, default=2_560)
    ap.add_argument('--skip-overhead', action='store_true')
    args = ap.parse_args()
    data = fashion_tensors()
    set_seed(0); weights = fashion_cnn().state_dict()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    if not args.skip_overhead:
        sub = Subset(data, args.n_train)
        one_epoch(sub, weights, True); one_epoch(sub, weights, False)           # warm-up
        times = {False: [], True: []}
        for r in range(args.rounds):
            for flag in ((False, True) if r % 2 == 0 else (True, False)): times[flag].append(one_epoch(sub, weights, flag))
        ratios = [w / wo for w, wo in zip(times[True], times[False])]
        print(f"overhead: {args.n_train} training images ({args.n_train // 256} batches of 256), {args.rounds} rounds")
        print(f"  without: median {statistics.median(times[False]):.2f} s   with ActivationStats(every=1): "
              f"median {statistics.median(times[True]):.2f} s")
        print(f"  paired ratios with/without: {' '.join(f'{x:.3f}' for x in ratios)}; median {statistics.median(ratios):.3f}")
    stats = ActivationStats()
    probe = Probe(stats, args.epochs)
    learn = fashion_learner(Subset(data, args.mem_train), seed=0, progress=False, cbs=[stats, probe])
    learn.dls.valid = None
    learn.fit(args.epochs)
    print(f"memory: {args.epochs} epochs of {args.mem_train} images ({-(-args.mem_train // 256)} batches each), "
          f"{len(stats.names)} layers {stats.names}, max_rows {stats.max_rows}, bins {stats.bins}")
    bound = 2 * len(stats.names) * stats.max_rows * (2 + stats.bins) * 4
    for epoch, nbytes, rows, span, n, rss in probe.rows:
        print(f"  after epoch {epoch:>2}: {n:>4} batches recorded, {rows:>3} rows of {span} batch(es), "
              f"ActivationStats holds {nbytes:,} bytes (bound {bound:,}); process RSS {rss:.0f} MB")


if __name__ == '__main__': main()
