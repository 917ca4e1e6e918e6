"""Accuracy against seconds for the presets' recipes as they stand: `speed_run` at fixed epoch counts (no time
budget), scored on the validation split (where choices are made), one JSON line per run, then a table and a plot.

    flock /tmp/groundup-bench.lock python bench/speedrun_curve.py --sprint 3 6 9 12 --full 12 20 30 40
    python bench/speedrun_curve.py --table runs/speedrun_curve.jsonl --plot runs/speedrun_curve.png

The epochs are what a recipe's accuracy depends on; the seconds are this machine's, at the moment of the run (a
faster CPU moves every point left). `s/epoch` is the fit's seconds over its epochs, so a budget on another machine can
be read off as epochs: budget ~ epochs * s/epoch + scoring.
"""
import argparse, json, os, pathlib
import torch
from groundup.speedrun import speed_run, fashion_tensors, bf16_available

def table(rows):
    print(f"{'preset':>6} {'seed':>4} {'epochs':>6} {'valid %':>8} {'no TTA %':>8} {'fit s':>7} {'s/epoch':>7} "
          f"{'total s':>7}")
    for r in rows:
        print(f"{r['preset']:>6} {r['seed']:>4} {r['epochs']:>6} {100 * r['acc']:8.2f} {100 * r['plain']:8.2f} "
              f"{r['fit_s']:7.1f} {r['fit_s'] / r['epochs']:7.2f} {r['seconds']:7.1f}")

def plot(rows, path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for preset in dict.fromkeys(r['preset'] for r in rows):
        rs = sorted((r for r in rows if r['preset'] == preset), key=lambda r: r['epochs'])
        ax.plot([r['seconds'] for r in rs], [100 * r['acc'] for r in rs], 'o-', label=f'{preset} recipe')
        for r in rs: ax.annotate(str(r['epochs']), (r['seconds'], 100 * r['acc']), textcoords='offset points',
                                 xytext=(3, -10), fontsize=8)
    for secs, acc in ((60, 93), (180, 94)): ax.plot([secs], [acc], 'k*', ms=10)
    ax.set_xlabel('seconds (fit and scoring)'); ax.set_ylabel('validation accuracy, %'); ax.legend()
    ax.set_title('epochs annotated; stars: the test targets'); fig.tight_layout(); fig.savefig(path, dpi=100)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--sprint', nargs='*', type=int, default=[3, 6, 9, 12])
    ap.add_argument('--full', nargs='*', type=int, default=[12, 20, 30, 40])
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default='runs/speedrun_curve.jsonl')
    ap.add_argument('--table', help='print the table of this results file (and --plot it) and exit')
    ap.add_argument('--plot', help='save the curve as this PNG')
    a = ap.parse_args()
    if a.table:
        rows = [json.loads(line) for line in open(a.table)]; table(rows)
        if a.plot: plot(rows, a.plot)
        raise SystemExit(0)
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} threads, bf16 {'used' if bf16_available() else 'not available'}, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    data, rows = fashion_tensors(), []
    for preset, counts in (('sprint', a.sprint), ('full', a.full)):
        for e in counts:
            r = speed_run(data, preset, seed=a.seed, epochs=e)
            row = dict(preset=preset, seed=a.seed, epochs=e, acc=r.accuracy, plain=r.plain_accuracy,
                       fit_s=r.fit_seconds, seconds=r.seconds, load=os.getloadavg()[0])
            rows.append(row); print(json.dumps(row), flush=True)
            with open(a.out, 'a') as f: f.write(json.dumps(row) + '\n')
    table(rows)
    if a.plot: plot(rows, a.plot)
