"""How much does the Learner cost over a hand-written PyTorch loop?

One epoch (all training batches, then a full validation pass with size-weighted loss) of the
same 784-50-10 MLP on the same Fashion-MNIST tensors, the same TensorLoader, the same seed and
optimizer, timed in one process. The variants are interleaved within each round so that drifts
in machine load hit them all alike; we report medians over rounds, ratios of medians to the strict
hand-written loop, and the median of each round's own ratio ('paired').

    python bench/learner_overhead.py [--rounds 9] [--bs 64] [--threads 1] [--baseline DIR]

Variants:
  hand               the strict baseline: train + validate, no per-batch logging
  hand+item          the same plus `loss.item()` per training batch (what any loop that logs pays)
  learner            groundup's Learner with its default callbacks (TrainEval, Recorder, Device)
  learner+progress   the same with the progress bar drawing (terminal mode, to /dev/null)
  learner@baseline   with --baseline DIR (another checkout, e.g. a `git worktree` of an older commit):
                     that checkout's Learner, in the same process, to see whether a change made it slower
"""
import argparse, importlib, os, shutil, statistics, sys, tempfile, time

import torch
import torch.nn.functional as F
from torch import nn

from groundup.datasets import load_fashion_mnist
from groundup.recorder import ProgressCallback
from groundup.learner import DataLoaders, Learner
from groundup.training import TensorLoader


def get_data():
    x_train, y_train, x_valid, y_valid, *_ = load_fashion_mnist()
    x_train, x_valid = [x.reshape(len(x), -1).float() / 255 for x in (x_train, x_valid)]
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, y_train, (x_valid - mean) / std, y_valid


def make(data, bs, seed=0):
    x_train, y_train, x_valid, y_valid = data
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    train = TensorLoader(x_train, y_train, bs=bs, shuffle=True, generator=torch.Generator().manual_seed(seed))
    valid = TensorLoader(x_valid, y_valid, bs=2 * bs)
    return model, train, valid


def hand(data, bs, log_items=False):
    model, train, valid = make(data, bs)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    start = time.perf_counter()
    model.train()
    total_train = 0.
    for xb, yb in train:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if log_items: total_train += loss.item()
    model.eval()
    with torch.no_grad():
        total, count = 0., 0
        for xb, yb in valid:
            total += F.cross_entropy(model(xb), yb).item() * len(xb)
            count += len(xb)
    return time.perf_counter() - start, total / count


def load_baseline(checkout):
    "The `groundup` package of another checkout, imported as `groundup_baseline` beside ours."
    src = os.path.join(checkout, 'groundup')
    if not os.path.isfile(os.path.join(src, 'learner.py')): raise SystemExit(f"--baseline: no groundup/learner.py under {checkout}")
    tmp = tempfile.mkdtemp()
    shutil.copytree(src, os.path.join(tmp, 'groundup_baseline'))
    sys.path.insert(0, tmp)
    return importlib.import_module('groundup_baseline.learner')


def learner(data, bs, progress=False, lib=None):
    model, train, valid = make(data, bs)
    cbs = [ProgressCallback('terminal', file=open(os.devnull, 'w'))] if progress else []
    L, DL = (lib.Learner, lib.DataLoaders) if lib else (Learner, DataLoaders)
    learn = L(model, DL(train, valid), lr=0.1, cbs=cbs, progress=False)
    start = time.perf_counter()
    learn.fit(1)
    return time.perf_counter() - start, learn.recorder.values[-1]['valid_loss']


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--rounds', type=int, default=9)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads (default 1: less noise)')
    p.add_argument('--baseline', help="another checkout whose Learner to time too (e.g. a git worktree of an older commit)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = get_data()
    variants = {'hand': lambda: hand(data, args.bs), 'hand+item': lambda: hand(data, args.bs, log_items=True),
                'learner': lambda: learner(data, args.bs), 'learner+progress': lambda: learner(data, args.bs, progress=True)}
    if args.baseline:
        base_lib = load_baseline(args.baseline)
        variants['learner@baseline'] = lambda: learner(data, args.bs, lib=base_lib)
    for f in variants.values(): f()                      # warm-up: lazy imports, allocator, caches
    times = {k: [] for k in variants}
    losses = {}
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))   # alternate who goes first
        for k in order:
            t, valid_loss = variants[k]()
            times[k].append(t)
            losses[k] = valid_loss
    base = statistics.median(times['hand'])
    print(f"torch {torch.__version__}, {args.threads} thread(s), bs={args.bs}, {args.rounds} rounds, "
          f"{len(make(data, args.bs)[1])} training batches per epoch")
    print(f"{'variant':<18}{'median s':>10}{'min s':>8}{'ratio':>8}{'paired':>8}{'valid loss':>12}")
    for k, ts in times.items():
        med = statistics.median(ts)
        paired = statistics.median(t / h for t, h in zip(ts, times['hand']))     # each round's own ratio: less hit by load drifting
        print(f"{k:<18}{med:>10.3f}{min(ts):>8.3f}{med / base:>8.3f}{paired:>8.3f}{losses[k]:>12.5f}")
    # All variants train the same model on the same batches: their validation losses must agree.
    assert max(losses.values()) - min(losses.values()) < 1e-4, losses


if __name__ == '__main__':
    main()
