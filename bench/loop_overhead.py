"""The Learner's own cost per batch, with the work taken out: the model, the loss and the optimizer are stubs.

An epoch of a real model mixes the loop's cost with the kernels' and with a shared machine's noise (two runs of the
same hand loop can land a few per cent apart: see `peers.py`'s `a-again` control). Here the model returns its input,
the loss is a stored tensor whose `backward` does nothing, and the optimizer's `step` does nothing, so what is left is
the loop: the hand-written one, and groundup's Learner with its default callbacks (progress bar off). We report the
microseconds per batch of each (the fastest of `--rounds` runs of `--batches` batches), their difference, and the
Python function calls per batch (cProfile), which do not depend on the machine.

    python bench/loop_overhead.py [--batches 20000] [--rounds 9]

Divide the difference by the time of one real batch to get the share the loop adds to a training run (for the MLP of
`peers.py`, whose batches take one to two milliseconds on a CPU core, see its `batch` column's hand-loop time).
"""
import argparse, cProfile, pstats, time

import torch
from torch import nn

from groundup.learner import DataLoaders, Learner


class Identity(nn.Module):
    "A model with one parameter (an optimizer needs one) that returns its input."
    def __init__(self): super().__init__(); self.w = nn.Parameter(torch.zeros(1))
    def forward(self, x): return x


class StubOpt:
    "An optimizer whose step and zero_grad do nothing."
    def __init__(self, params, lr): self.param_groups = [{'params': list(params), 'lr': lr}]
    def step(self): pass
    def zero_grad(self): pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--batches', type=int, default=20000)
    p.add_argument('--rounds', type=int, default=9)
    args = p.parse_args()
    xb = torch.zeros(4, 1)
    batches = [(xb, xb)] * args.batches
    loss = torch.zeros((), requires_grad=True) * 1                     # a graph of one node: `backward` is stubbed
    loss.backward = lambda: None                                       # (an instance attribute wins over the method)
    def loss_func(pred, y): return loss

    def hand():
        model = Identity(); opt = StubOpt(model.parameters(), 0.1); model.train()
        for x, y in batches:
            l = loss_func(model(x), y); l.backward(); opt.step(); opt.zero_grad()

    def learner():
        Learner(Identity(), DataLoaders(batches), loss_func=loss_func, opt_func=StubOpt, lr=0.1, progress=False).fit(1)

    times = {'hand loop': [], 'Learner': []}
    for _ in range(args.rounds):
        for name, f in (('hand loop', hand), ('Learner', learner)):
            start = time.perf_counter(); f(); times[name].append(time.perf_counter() - start)
    calls = {}
    for name, f in (('hand loop', hand), ('Learner', learner)):
        prof = cProfile.Profile(); prof.enable(); f(); prof.disable()
        calls[name] = pstats.Stats(prof).total_calls / args.batches
    print(f"torch {torch.__version__}; {args.batches:,} batches, fastest of {args.rounds} rounds")
    us = {k: min(v) / args.batches * 1e6 for k, v in times.items()}
    for k in times: print(f"{k:<10} {us[k]:6.2f} us/batch  {calls[k]:6.1f} Python calls/batch")
    print(f"the Learner adds {us['Learner'] - us['hand loop']:.2f} us and "
          f"{calls['Learner'] - calls['hand loop']:.1f} calls per batch")


if __name__ == '__main__':
    main()
