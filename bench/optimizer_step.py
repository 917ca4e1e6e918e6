"""Time `optimizer.step()` alone: groundup's Adam (plain path and multi-tensor fast path) against
`torch.optim.AdamW` (foreach=True and foreach=False), interleaved in rounds in one process.

    OMP_NUM_THREADS=1 python bench/optimizer_step.py                # 50 layers of 250x250: 100 tensors, 3.1M weights
    python bench/optimizer_step.py --threads 2 --width 100         # 100 tensors, 0.5M weights

Every optimizer gets its own copy of the same weights and the same fixed gradients (set once);
each is stepped once before timing so that its state exists. Each round times `--steps` steps of
every optimizer in turn; the table shows the median over rounds and the ratio to torch's
AdamW(foreach=True). Hyper-parameters are the same for all (lr 1e-3, betas (0.9, 0.99), eps 1e-5,
wd 0.01), so ours and torch's do the same arithmetic (tested bit for bit in nbs/06_optimizers.ipynb).
"""
import argparse, statistics, time

import torch
from torch import nn

from groundup.optimizer import Adam


def make_params(n_layers, width, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(*[nn.Linear(width, width) for _ in range(n_layers)])
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]
    for p in params: p.grad = torch.randn_like(p) * 1e-3
    return params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--layers', type=int, default=50, help='linear layers (2 tensors each)')
    ap.add_argument('--width', type=int, default=250, help='each layer is width x width, plus a bias')
    ap.add_argument('--rounds', type=int, default=15)
    ap.add_argument('--steps', type=int, default=10, help='steps per optimizer per round')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    hp = dict(lr=1e-3, eps=1e-5)
    makers = {
        'groundup Adam, plain path': lambda ps: Adam(ps, mom=0.9, sqr_mom=0.99, wd=0.01, foreach=False, **hp),
        'groundup Adam, fast path': lambda ps: Adam(ps, mom=0.9, sqr_mom=0.99, wd=0.01, foreach=True, **hp),
        'torch AdamW, foreach=False': lambda ps: torch.optim.AdamW(ps, betas=(0.9, 0.99), weight_decay=0.01, foreach=False, **hp),
        'torch AdamW, foreach=True': lambda ps: torch.optim.AdamW(ps, betas=(0.9, 0.99), weight_decay=0.01, foreach=True, **hp),
    }
    opts = {}
    for name, make in makers.items():
        params = make_params(args.layers, args.width)
        opts[name] = make(params)
        opts[name].step()
    n_tensors, n_weights = len(params), sum(p.numel() for p in params)
    print(f"{n_tensors} tensors, {n_weights / 1e6:.2f}M weights, {args.threads} thread(s), "
          f"{args.rounds} rounds x {args.steps} steps, torch {torch.__version__}")

    times = {name: [] for name in opts}
    for _ in range(args.rounds):
        for name, opt in opts.items():
            start = time.perf_counter()
            for _ in range(args.steps): opt.step()
            times[name].append((time.perf_counter() - start) / args.steps)

    ref = statistics.median(times['torch AdamW, foreach=True'])
    print(f"\n| optimizer | median ms/step | min | max | vs torch foreach |\n|---|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med * 1e3:.2f} | {min(ts) * 1e3:.2f} | {max(ts) * 1e3:.2f} | {med / ref:.3f} |")


if __name__ == '__main__':
    main()
