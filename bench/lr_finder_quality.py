"""How good are lr_find's suggestions? Compare them with a grid search.

A fixed task: the 784-50-10 MLP on Fashion-MNIST (normalised pixels), trained with
`fit_one_cycle` for a few epochs. For each optimizer:

1. grid search: train once per `lr_max` on a log grid (3 per decade, 1e-4 to 1) and per seed,
   and record the validation accuracy; the best grid lr is the one with the best mean accuracy;
2. range test: on a fresh Learner with the same seed, run `learn.lr_find()` (defaults: 1e-7 to 10,
   100 batches) and take its suggestions;
3. train at each seed's own suggestion, exactly as in the grid, and report the accuracy.

For comparison it also applies fastai's three rules, re-implemented here from fastai's
description (on the causal moving average of the loss, dropping the first num_it//10 and the last
5 points): `minimum` (lr at the minimum / 10), `steep` (most negative forward slope over log lr)
and `valley` (halfway through the longest decreasing subsequence). This is not a test: it prints
numbers.

    OMP_NUM_THREADS=1 python bench/lr_finder_quality.py [--epochs 2] [--seeds 0 1] [--bs 128] [--opts sgd adamw adam]
"""
import argparse, math, statistics, time
from functools import partial

import torch
from torch import nn

import groundup.lr_finder  # noqa: F401  (adds Learner.lr_find)
import groundup.schedule  # noqa: F401   (adds Learner.fit_one_cycle)
from groundup.datasets import load_fashion_mnist
from groundup.learner import DataLoaders, Learner
from groundup.training import accuracy


def get_data():
    x_train, y_train, x_valid, y_valid, *_ = load_fashion_mnist()
    x_train, x_valid = [x.reshape(len(x), -1).float() / 255 for x in (x_train, x_valid)]
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, y_train, (x_valid - mean) / std, y_valid


def optimizers():
    opts = {'sgd': ('torch SGD, momentum 0.9', partial(torch.optim.SGD, momentum=0.9)),
            'adamw': ('torch AdamW', torch.optim.AdamW)}
    try:
        from groundup.optimizer import Adam
        opts['adam'] = ('groundup Adam', Adam)
    except ImportError: pass
    return opts


def make_learner(data, bs, seed, opt_func):
    x_train, y_train, x_valid, y_valid = data
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    dls = DataLoaders.from_tensors(x_train, y_train, x_valid, y_valid, bs=bs, generator=torch.Generator().manual_seed(seed))
    return Learner(model, dls, opt_func=opt_func, metrics=accuracy, progress=False)


def train(data, bs, seed, opt_func, lr, epochs):
    learn = make_learner(data, bs, seed, opt_func)
    learn.fit_one_cycle(epochs, lr_max=lr)
    acc = learn.recorder.values[-1]['accuracy']
    return acc if math.isfinite(learn.recorder.values[-1]['valid_loss']) else 0.


def fastai_rules(lrs, smooth_losses, num_it):
    "fastai's minimum, steep and valley rules, re-implemented from their description, on the causal smoothed loss."
    lrs, losses = lrs[num_it // 10:-5], smooth_losses[num_it // 10:-5]
    n = next((i for i, l in enumerate(losses) if not math.isfinite(l)), len(losses))
    lrs, losses = lrs[:n], losses[:n]
    m = min(range(n), key=losses.__getitem__)
    slopes = [(losses[i + 1] - losses[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i])) for i in range(n - 1)]
    steep = min(range(n - 1), key=slopes.__getitem__)
    run = [1] * n                                   # run[i]: longest strictly decreasing subsequence ending at i
    end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j]: run[i] = max(run[i], run[j] + 1)
        if run[i] > run[end]: end = i
    start = end - run[end]
    third = (end - start) / 3
    return {'minimum': lrs[m] / 10, 'steep': lrs[steep], 'valley': lrs[start + int(third) + int(third / 2)]}


def geo_mean(xs): return math.exp(statistics.fmean(math.log(x) for x in xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    ap.add_argument('--bs', type=int, default=128)
    ap.add_argument('--opts', nargs='+', default=None, help='any of sgd, adamw, adam (default: all available)')
    args = ap.parse_args()
    start_time = time.perf_counter()
    data = get_data()
    opts = optimizers()
    grid = [10 ** (-4 + i / 3) for i in range(13)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); 784-50-10 MLP on Fashion-MNIST, "
          f"fit_one_cycle {args.epochs} epoch(s), bs {args.bs}, seeds {args.seeds}")
    for key in args.opts or list(opts):
        name, opt_func = opts[key]
        accs = {lr: [train(data, args.bs, s, opt_func, lr, args.epochs) for s in args.seeds] for lr in grid}
        means = {lr: statistics.fmean(a) for lr, a in accs.items()}
        best = max(grid, key=means.__getitem__)
        print(f"\n== {name} ==\n  lr_max    accuracy (mean over seeds, min-max)")
        for lr in grid:
            mark = '  <- best' if lr == best else ''
            print(f"  {lr:8.1e}  {means[lr]:.4f}  ({min(accs[lr]):.4f}-{max(accs[lr]):.4f}){mark}")
        suggested = {}
        for s in args.seeds:
            learn = make_learner(data, args.bs, s, opt_func)
            sugg, finder = learn.lr_find(show_plot=False, return_finder=True)
            rules = {f'ours {k}': v for k, v in sugg._asdict().items()}
            rules.update({f'fastai {k}': v for k, v in fastai_rules(finder.lrs, finder.smooth_losses, finder.num_it).items()})
            for rule, lr in rules.items(): suggested.setdefault(rule, []).append(lr)
        print(f"  best grid lr {best:.2g}: accuracy {means[best]:.4f}\n"
              f"  {'rule':<16}{'suggested lr (per seed)':<30}{'decades from best':>18}{'accuracy':>10}{'vs best':>9}")
        for rule, lrs in suggested.items():
            acc = statistics.fmean(train(data, args.bs, s, opt_func, lr, args.epochs) for s, lr in zip(args.seeds, lrs))
            per_seed = ' '.join(f'{lr:.2g}' for lr in lrs)
            print(f"  {rule:<16}{per_seed:<30}{math.log10(geo_mean(lrs) / best):>+18.2f}{acc:>10.4f}{acc - means[best]:>+9.4f}")
    print(f"\ntotal time {time.perf_counter() - start_time:.0f}s")


if __name__ == '__main__': main()
