"""Data-parallel on one small CPU: 2 processes x 1 thread against 1 process x 2 threads, one epoch each.

For each model (the 784-50-10 MLP at a global batch size of 64, and the capstone CNN of notebook 11
at a global batch size of 256, both on Fashion-MNIST), the same global batches either way:

  1x2   one process, torch.set_num_threads(2), batches of B
  2x1   two processes (groundup.distributed.launch, gloo on 127.0.0.1), one thread each, batches of
        B/2 each, through learn.distrib_ctx(): DDP, sharded training and validation data

Each measurement first runs a few warm-up batches, then times one epoch: the training phase and the
validation phase separately (for 2x1, the slower rank's, which is every rank's: they meet at every
all-reduce). Rounds alternate which variant goes first; we report the median. Process start-up and
joining the process group are not included (they cost about a second, once per run).

    flock /tmp/groundup-bench.lock python bench/ddp_speed.py [--models mlp,cnn] [--rounds 2] [--subset N]
"""
import argparse, os, platform, statistics, time

os.environ.setdefault('OMP_NUM_THREADS', '1')             # each process sets its own thread count below
import torch
import torch.nn.functional as F
from torch import nn

from groundup.all import Callback, DataLoaders, Learner, ShortEpochCallback, accuracy, fashion_cnn, fashion_learner, fashion_tensors
from groundup.distributed import launch


class PhaseTimes(Callback):
    "Wall-clock seconds of the training and the validation phase of each epoch."
    order = 100
    def before_fit(self): self.times = []
    def before_train(self): self._t0 = time.perf_counter()
    def after_train(self): self._t1 = time.perf_counter()
    def after_validate(self): self.times.append((self._t1 - self._t0, time.perf_counter() - self._t1))


def make(model_name, data, bs, subset):
    if model_name == 'mlp':
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
        dls = DataLoaders.from_tensors(data.x_train[:subset].flatten(1).contiguous(), data.y_train[:subset],
                                       data.x_valid.flatten(1).contiguous(), data.y_valid, bs=bs, valid_bs=1000,
                                       generator=torch.Generator().manual_seed(0))
        return Learner(model, dls, lr=0.1, metrics=accuracy, progress=False, loss_func=F.cross_entropy)
    sub = data._replace(x_train=data.x_train[:subset], y_train=data.y_train[:subset])
    return fashion_learner(sub, fashion_cnn(), bs=bs, seed=0, progress=False)


def one_epoch(rank, world_size, model_name, data, global_bs, subset, threads):
    torch.set_num_threads(threads)
    learn = make(model_name, data, global_bs // world_size, subset)
    timer = PhaseTimes()
    with learn.distrib_ctx():
        learn.fit(1, cbs=[ShortEpochCallback(3)])                # warm-up: allocator, kernels, the gloo connections
        learn.fit(1, cbs=[timer])
    return timer.times[0], learn.recorder.values[-1]['accuracy']


def measure(variant, model_name, data, global_bs, subset):
    if variant == '1x2': return [one_epoch(0, 1, model_name, data, global_bs, subset, threads=2)]
    return launch(one_epoch, 2, model_name, data, global_bs, subset, 1, timeout=1800)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', default='mlp,cnn')
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--subset', type=int, default=50000, help="training images (the validation set is always all 10,000)")
    args = p.parse_args()
    data = fashion_tensors()
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.subset} training images, {args.rounds} rounds")
    bss = {'mlp': 64, 'cnn': 256}
    print(f"{'model':>5} {'variant':>8} {'train s':>8} {'valid s':>8} {'epoch s':>8} {'accuracy':>9}")
    for name in args.models.split(','):
        results = {'1x2': [], '2x1': []}
        for r in range(args.rounds):
            for variant in (('1x2', '2x1') if r % 2 == 0 else ('2x1', '1x2')):
                ranks = measure(variant, name, data, bss[name], args.subset)
                train = max(t[0][0] for t in ranks); valid = max(t[0][1] for t in ranks)
                results[variant].append((train, valid, ranks[0][1]))
        for variant, rows in results.items():
            train, valid = statistics.median(t for t, _, _ in rows), statistics.median(v for _, v, _ in rows)
            print(f"{name:>5} {variant:>8} {train:8.2f} {valid:8.2f} {train + valid:8.2f} {rows[-1][2]:9.4f}")
        t12 = statistics.median(t for t, _, _ in results['1x2']); t21 = statistics.median(t for t, _, _ in results['2x1'])
        print(f"{name:>5}   training: 2x1 takes {t21 / t12:.2f}x the time of 1x2")


if __name__ == '__main__': main()
