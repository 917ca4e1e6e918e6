"""When does `learn.compile()` pay? Compile time and steady per-epoch time, eager against compiled.

For each model (the 784-50-10 MLP at batch size 64, and the capstone CNN of notebook 11 at batch
size 256, both on Fashion-MNIST), in one process:

  eager        a fit of `--epochs` epochs, uncompiled
  compiled     the same fit after `learn.compile()`: its first epoch includes compiling

Rounds alternate which variant goes first. We report each variant's first epoch and its median
later epoch (steady state), and for compiled the compile cost (first epoch minus a steady one)
and the break-even: how many epochs the steady saving takes to repay the compile cost.
Inductor's on-disk caches are switched off and its cache folder is a fresh one per fit, so every
compile is a cold one, as on a user's first run.

    python bench/compile_speed.py [--models mlp,cnn] [--epochs 3] [--rounds 2] [--threads 1] [--subset N]
"""
import argparse, os, statistics, tempfile, time

os.environ.setdefault('TORCHINDUCTOR_FX_GRAPH_CACHE', '0')     # read when torch is imported: no warm compiles
os.environ.setdefault('TORCHINDUCTOR_AUTOGRAD_CACHE', '0')
import torch
import torch.nn.functional as F
from torch import nn

from groundup.all import DataLoaders, Learner, accuracy, fashion_cnn, fashion_learner, fashion_tensors


def mlp_learner(data, subset):
    x_train, y_train = data.x_train[:subset].flatten(1), data.y_train[:subset]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    dls = DataLoaders.from_tensors(x_train.contiguous(), y_train, data.x_valid.flatten(1).contiguous(), data.y_valid, bs=64,
                                   generator=torch.Generator().manual_seed(0))
    return Learner(model, dls, lr=0.1, metrics=accuracy, progress=False, loss_func=F.cross_entropy)


def cnn_learner(data, subset):
    sub = data._replace(x_train=data.x_train[:subset], y_train=data.y_train[:subset]) if subset else data
    return fashion_learner(sub, fashion_cnn(), seed=0, progress=False)


class EpochTimes:
    "Wall-clock seconds of each epoch (training and validation), read from the Recorder's table after the fit."
    @staticmethod
    def of(learn): return [row['time'] for row in learn.recorder.values]


def run(make, compiled, epochs):
    with tempfile.TemporaryDirectory() as cache:
        os.environ['TORCHINDUCTOR_CACHE_DIR'] = cache          # a cold compile every time
        torch._dynamo.reset()
        learn = make()
        if compiled: learn.compile()
        start = time.perf_counter()
        learn.fit(epochs)
        total = time.perf_counter() - start
        return EpochTimes.of(learn), total, learn.recorder.values[-1]['accuracy']


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', default='mlp,cnn')
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--subset', type=int, default=None, help='train on the first N images only (a quick look)')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = fashion_tensors()
    makers = {'mlp': lambda: mlp_learner(data, args.subset), 'cnn': lambda: cnn_learner(data, args.subset)}
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.epochs} epochs a fit, {args.rounds} rounds, "
          f"CPU kernels {torch.backends.cpu.get_cpu_capability()}")
    print(f"{'model':<6}{'variant':<10}{'first epoch s':>14}{'steady epoch s':>15}{'compile s':>11}{'steady ratio':>13}"
          f"{'break-even epochs':>18}{'accuracy':>10}")
    for name in args.models.split(','):
        results = {'eager': [], 'compiled': []}
        for r in range(args.rounds):
            order = ['eager', 'compiled'] if r % 2 == 0 else ['compiled', 'eager']
            for variant in order: results[variant].append(run(makers[name], variant == 'compiled', args.epochs))
        steady = {v: statistics.median(t for times, _, _ in rs for t in times[1:]) for v, rs in results.items()}
        first = {v: statistics.median(times[0] for times, _, _ in rs) for v, rs in results.items()}
        for v in ('eager', 'compiled'):
            compile_s = first[v] - steady[v] if v == 'compiled' else float('nan')
            saving = steady['eager'] - steady['compiled']
            even = compile_s / saving if v == 'compiled' and saving > 0 else float('nan')
            acc = statistics.median(a for _, _, a in results[v])
            print(f"{name:<6}{v:<10}{first[v]:>14.2f}{steady[v]:>15.2f}{compile_s:>11.1f}{steady[v] / steady['eager']:>13.3f}"
                  f"{even:>18.1f}{acc:>10.4f}")


if __name__ == '__main__':
    main()
