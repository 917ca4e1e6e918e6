"""The speed-run presets of notebook 11 with several seeds: mean ± std test accuracy, the worst seed, and seconds.

Each run trains a preset from scratch (`groundup.speedrun.speed_run(data, preset, seed, split='test')`) and
is scored on the test set with the preset's own scoring (TTA where it has it); after the clock, it is
scored the same way on the validation set too, on which the recipes were chosen. Its seconds are the speed
run's clock: fitting and scoring, not loading the data (done once, before the first run). The machine's
load (the 1-minute average of runnable processes) is recorded before and after each run, because the
seconds are only as good as the machine is quiet.

    python bench/speedrun_seeds.py [--presets sprint,full] [--seeds 0,1,2,3,4] [--threads N] [--json out.json]
    GROUNDUP_BF16=0 python bench/speedrun_seeds.py ...     # the same in fp32 on a CPU that would pick bf16
    python bench/speedrun_seeds.py --presets full --epochs 40  # a fixed epoch count instead of the time budget
    python bench/speedrun_seeds.py --presets full --epochs 30 --res-at 0,1   # a second residual block (after block 0)

With `--epochs` the recipe trains that many epochs whatever they cost here: what the recipe reaches, apart from this
machine's speed (its seconds then say which machines would fit those epochs in the budget).

The targets: a mean of at least 93.0% in at most 60 s (sprint), at least 94.0% in at most 180 s (full).
"""
import argparse, json, os, statistics, sys

import torch

from groundup.speedrun import PRESETS, bf16_available, cpu_features, fashion_tensors, score, speed_run

TARGETS = {'sprint': (0.930, 60.), 'full': (0.940, 180.)}


def load() -> float: return os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--presets', default='sprint,full', help='comma-separated preset names (default: sprint,full)')
    p.add_argument('--seeds', default='0,1,2,3,4', help='comma-separated seeds (default: 0,1,2,3,4)')
    p.add_argument('--threads', type=int, help="torch threads (default: torch's choice)")
    p.add_argument('--json', help='also write every run as JSON to this file')
    p.add_argument('--epochs', type=int, help='a fixed number of epochs instead of the preset\'s time budget')
    p.add_argument('--res-at', help="comma-separated blocks followed by a residual block (the presets': 1)")
    args = p.parse_args(argv)
    presets = args.presets.split(',')
    unknown = [n for n in presets if n not in PRESETS]
    if unknown: p.error(f"unknown preset(s) {unknown}: the presets are {sorted(PRESETS)}")
    try: seeds = [int(s) for s in args.seeds.split(',')]
    except ValueError: p.error(f"--seeds takes whole numbers separated by commas, got {args.seeds!r}")
    if args.threads: torch.set_num_threads(args.threads)

    data = fashion_tensors()
    precision = 'bf16' if bf16_available() else 'fp32'       # the presets' bf16='auto'; GROUNDUP_BF16=0 or 1 forces it
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {cpu_features()}, precision {precision}", flush=True)
    runs = []
    for name in presets:
        for seed in seeds:
            before = load()
            changes = {**({'epochs': args.epochs} if args.epochs else {}),
                       **({'res_at': tuple(int(b) for b in args.res_at.split(','))} if args.res_at else {})}
            run = speed_run(data, name, seed=seed, split='test', **changes)
            valid = score(run.learn, data.x_valid, data.y_valid, tta=run.recipe['tta'])[0]     # after the clock, for the gap
            runs.append(dict(preset=name, seed=seed, accuracy=run.accuracy, plain_accuracy=run.plain_accuracy, valid_accuracy=valid,
                             seconds=run.seconds, fit_seconds=run.fit_seconds, epochs=run.learn.n_epoch, plan=run.plan, load=(before, load()), recipe=run.recipe))
            print(f"{name:>6} seed {seed}: test {run.accuracy:.4f} (without TTA {run.plain_accuracy:.4f}; validation {valid:.4f}) "
                  f"in {run.seconds:6.1f} s ({run.learn.n_epoch} epochs), load {before:.1f} -> {load():.1f}", flush=True)

    print(f"\n{'preset':<7} {'epochs':>6} {'test accuracy':>17} {'min':>7} {'no TTA':>7} {'valid':>7} {'seconds':>15} {'max s':>6} {'load':>9}  target")
    for name in presets:
        rs = [r for r in runs if r['preset'] == name]
        acc, secs = [r['accuracy'] for r in rs], [r['seconds'] for r in rs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.
        ssd = statistics.stdev(secs) if len(secs) > 1 else 0.
        loads = [v for r in rs for v in r['load']]
        t_acc, t_secs = TARGETS.get(name, (float('nan'), float('nan')))
        within = sum(s <= t_secs for s in secs)
        verdict = (f"{t_acc:.1%} in {t_secs:.0f} s: mean accuracy {'met' if statistics.mean(acc) >= t_acc else 'missed'}, "
                   f"time met by {within} of {len(secs)} runs") if name in TARGETS else ''
        epochs = '/'.join(str(e) for e in sorted({r['epochs'] for r in rs}))            # a budget's plan can differ by run
        print(f"{name:<7} {epochs:>6} {statistics.mean(acc):>9.2%} ± {sd * 100:.2f} {min(acc):>7.2%} "
              f"{statistics.mean(r['plain_accuracy'] for r in rs):>7.2%} {statistics.mean(r['valid_accuracy'] for r in rs):>7.2%} {statistics.mean(secs):>8.1f} ± {ssd:4.1f} {max(secs):>6.1f} "
              f"{min(loads):>4.1f}-{max(loads):<4.1f}  {verdict}")
    if args.json:
        with open(args.json, 'w') as f: json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(), precision=precision, runs=runs), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
