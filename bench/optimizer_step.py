"""Time `optimizer.step()` alone: groundup's Adam on its three paths (plain, multi-tensor, fused) against
`torch.optim.AdamW` on its three (foreach=False, foreach=True, fused=True), interleaved in rounds in one
process, next to the memory-bandwidth limit of an Adam step.

    OMP_NUM_THREADS=1 python bench/optimizer_step.py                # 50 layers of 250x250: 100 tensors, 3.1M weights
    OMP_NUM_THREADS=1 python bench/optimizer_step.py --width 400    # 100 tensors, 8.0M weights (far out of cache)
    python bench/optimizer_step.py --threads 2 --width 100         # 100 tensors, 0.5M weights

Every optimizer gets its own copy of the same weights and the same fixed gradients (set once);
each is stepped once before timing so that its state exists. Each round times `--steps` steps of
every optimizer in turn, starting each round at the next optimizer so that none always follows
the same one; the table shows the median over rounds, the ratio of medians to torch's
AdamW(fused=True), the median of each round's own ratio to it ("paired", less disturbed by
other processes' load drifting) and the ratio to the bandwidth limit. Hyper-parameters are the same for all
(lr 1e-3, betas (0.9, 0.99), eps 1e-5, wd 0.01), so ours and torch's do the same arithmetic
(tested bit for bit in nbs/06_optimizers.ipynb, path against path).

The bandwidth limit is the time to move the 28 bytes per weight an Adam step must move (read
weight, gradient and both averages, write weight and averages) at the best bandwidth measured in
the same process before and after the rounds: copy (`b = a`), triad (`a = b + 3*c`) and the
in-place update (`a += 3*b`, an optimizer's access pattern), over float32 arrays of `--bw-mib` MiB
each, best of `--bw-reps`. (Copy and triad write to memory they do not read, which most CPUs
first read anyway, so they usually show less than the update.)
"""
import argparse, statistics, time

import torch
from torch import nn

from groundup.optimizer import Adam

ADAM_BYTES_PER_WEIGHT = 28    # 4 arrays of float32 read, 3 written


def make_params(n_layers, width, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(*[nn.Linear(width, width) for _ in range(n_layers)])
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]
    for p in params: p.grad = torch.randn_like(p) * 1e-3
    return params


def bandwidth_gbs(mib, reps):
    "Best GB/s of copy (b = a, 8 bytes counted per element), triad (a = b + 3c, 12) and update (a += 3b, 12) on float32 arrays of `mib` MiB."
    n = mib * 2**20 // 4
    a, b, c = torch.ones(n), torch.ones(n), torch.ones(n)
    def best(f, n_bytes):
        f(); t = float('inf')
        for _ in range(reps):
            start = time.perf_counter(); f(); t = min(t, time.perf_counter() - start)
        return n_bytes / t / 1e9
    return {'copy': best(lambda: b.copy_(a), 8 * n), 'triad': best(lambda: torch.add(b, c, alpha=3., out=a), 12 * n),
            'update': best(lambda: a.add_(b, alpha=3.), 12 * n)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--layers', type=int, default=50, help='linear layers (2 tensors each)')
    ap.add_argument('--width', type=int, default=250, help='each layer is width x width, plus a bias')
    ap.add_argument('--rounds', type=int, default=15)
    ap.add_argument('--steps', type=int, default=10, help='steps per optimizer per round')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--bw-mib', type=int, default=256, help='size of each triad array (far larger than the caches)')
    ap.add_argument('--bw-reps', type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    hp = dict(lr=1e-3, eps=1e-5)
    betas = (0.9, 0.99)
    makers = {
        'groundup Adam, plain': lambda ps: Adam(ps, mom=0.9, sqr_mom=0.99, wd=0.01, foreach=False, **hp),
        'groundup Adam, multi-tensor': lambda ps: Adam(ps, mom=0.9, sqr_mom=0.99, wd=0.01, foreach=True, **hp),
        'groundup Adam, fused': lambda ps: Adam(ps, mom=0.9, sqr_mom=0.99, wd=0.01, fused=True, **hp),
        'torch AdamW, foreach=False': lambda ps: torch.optim.AdamW(ps, betas=betas, weight_decay=0.01, foreach=False, **hp),
        'torch AdamW, foreach=True': lambda ps: torch.optim.AdamW(ps, betas=betas, weight_decay=0.01, foreach=True, **hp),
        'torch AdamW, fused=True': lambda ps: torch.optim.AdamW(ps, betas=betas, weight_decay=0.01, fused=True, **hp),
    }
    bw_before = bandwidth_gbs(args.bw_mib, args.bw_reps)
    opts = {}
    for name, make in makers.items():
        params = make_params(args.layers, args.width)
        opts[name] = make(params)
        opts[name].step()
    n_tensors, n_weights = len(params), sum(p.numel() for p in params)

    times, names = {name: [] for name in opts}, list(opts)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:     # a different order every round
            opt = opts[name]
            start = time.perf_counter()
            for _ in range(args.steps): opt.step()
            times[name].append((time.perf_counter() - start) / args.steps)
    bw_after = bandwidth_gbs(args.bw_mib, args.bw_reps)
    bw = max(*bw_before.values(), *bw_after.values())
    limit = ADAM_BYTES_PER_WEIGHT * n_weights / (bw * 1e9)

    print(f"{n_tensors} tensors, {n_weights / 1e6:.2f}M weights (Adam state {16 * n_weights / 2**20:.0f} MiB), "
          f"{args.threads} thread(s), {args.rounds} rounds x {args.steps} steps, torch {torch.__version__}")
    for when, bws in (('before', bw_before), ('after', bw_after)):
        print(f"bandwidth {when} the rounds: " + ', '.join(f"{k} {v:.1f} GB/s" for k, v in bws.items()))
    print(f"bandwidth limit: {ADAM_BYTES_PER_WEIGHT} B/weight at the best of these, {bw:.1f} GB/s = {limit * 1e3:.2f} ms/step")
    ref_ts = times['torch AdamW, fused=True']
    ref = statistics.median(ref_ts)
    print("\n| optimizer | median ms/step | min | max | vs torch fused | paired | vs bandwidth limit |\n|---|---|---|---|---|---|---|")
    for name, ts in times.items():
        med, paired = statistics.median(ts), statistics.median(t / r for t, r in zip(ts, ref_ts))
        print(f"| {name} | {med * 1e3:.2f} | {min(ts) * 1e3:.2f} | {max(ts) * 1e3:.2f} | {med / ref:.3f} | {paired:.3f} | {med / limit:.2f} |")
    print(f"| bandwidth limit | {limit * 1e3:.2f} | | | {limit / ref:.3f} | | 1.00 |")


if __name__ == '__main__':
    main()
