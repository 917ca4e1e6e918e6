"""Interrupt `groundup-train` runs at random training batches with real signals, resume each, and compare the result
with the uninterrupted run: final weights (and the EMA's), and metrics.json without its timing fields.

    python scripts/resume_check.py                  # 30 cases, single process
    python scripts/resume_check.py --cases 6 --quick

Each case runs the command in a child process with a callback that sends a real signal (SIGTERM, SIGINT or SIGKILL)
to that process at the start of a chosen training batch; SIGTERM and SIGINT must finish the batch and write a
checkpoint at its end, SIGKILL leaves the newest checkpoint on disk (written every --save-every-batches batches).
Then the same command runs again and must finish exactly as the uninterrupted run did. Prints a table.
"""
import argparse, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

CHILD = r"""
import json, os, signal, sys, time
from groundup.cli import main
from groundup.learner import Callback
at, sig, report = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
class SignalAt(Callback):
    "Sends signal `sig` to this process at the start of training batch `at` (counted over the whole run)."
    order = -100
    def before_batch(self):
        learn = self.learn
        if not learn.training or learn.train_iter != at: return
        self.saver, self.sent = getattr(learn, 'save_checkpoint', None), time.monotonic()
        with open(report, 'w') as f: json.dump(dict(epoch=learn.epoch, iter=learn.iter, n_iter=learn.n_iter), f)
        os.kill(os.getpid(), sig)
cb = SignalAt()
code = main(sys.argv[4:], cbs=[cb]) if at >= 0 else main(sys.argv[4:])
saver = getattr(cb, 'saver', None)
if saver is not None and hasattr(saver, 'seconds_to_disk'):
    with open(report) as f: info = json.load(f)
    info['seconds_to_disk'] = saver.seconds_to_disk
    with open(report, 'w') as f: json.dump(info, f)
sys.exit(code)
"""

TIMING = ('time', 'train_time_s', 'this_session_s')

def without_timing(x):
    if isinstance(x, dict): return {k: without_timing(v) for k, v in x.items() if k not in TIMING}
    if isinstance(x, list): return [without_timing(v) for v in x]
    return x

def final_state(out: Path) -> dict:
    import torch
    ckpt = torch.load(out/'last.pt', map_location='cpu', weights_only=True)
    ema = ckpt['callbacks'].get('ema', {}).get('avg') or {}
    return {**{f"model.{k}": v for k, v in ckpt['model'].items()}, **{f"ema.{k}": v for k, v in ema.items()}}

def same(a: Path, b: Path) -> bool:
    import torch
    sa, sb = final_state(a), final_state(b)
    if sa.keys() != sb.keys() or not all(torch.equal(sa[k], sb[k]) for k in sa): return False
    ma, mb = (json.loads((p/'metrics.json').read_text()) for p in (a, b))
    return without_timing(ma) == without_timing(mb)

def run(args, at: int, sig: int, out: Path, report: Path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    cmd = [sys.executable, '-c', CHILD, str(at), str(sig), str(report), *args, '--out', str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cases', type=int, default=30)
    p.add_argument('--subset', type=int, default=960)
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--save-every-batches', type=int, default=4)
    p.add_argument('--seed', type=int, default=0, help='of the choice of batches and signals')
    p.add_argument('--keep', action='store_true', help='keep the output folders')
    a = p.parse_args()
    n_iter = -(-a.subset // a.bs)
    total = n_iter * a.epochs
    train = ['--preset', 'full', '--subset', str(a.subset), '--epochs', str(a.epochs), '--bs', str(a.bs), '--threads', '1',
             '--progress', 'quiet', '--tta', 'none', '--save-every-batches', str(a.save_every_batches)]
    root = Path(tempfile.mkdtemp(prefix='resume_check_'))
    start = time.perf_counter()
    ref = run(train, -1, 0, root/'reference', root/'reference.json')
    if ref.returncode != 0: sys.exit(f"the uninterrupted run failed:\n{ref.stderr[-3000:]}")
    print(ref.stdout.strip().splitlines()[0])
    chooser = random.Random(a.seed)
    edges = [e * n_iter for e in range(a.epochs)] + [e * n_iter + n_iter - 1 for e in range(a.epochs)]   # first and last of each epoch
    batches = (edges + chooser.sample(range(total), min(total, max(0, a.cases - len(edges)))))[:a.cases]
    batches += [chooser.randrange(total) for _ in range(a.cases - len(batches))]
    sigs = [signal.SIGTERM, signal.SIGINT, signal.SIGKILL]
    rows, equal = [], 0
    print(f"{'case':>4} {'batch':>6} {'epoch':>5} {'iter':>4} {'signal':>7} {'exit':>5} {'resumed at':>18} {'to disk s':>9} {'bit-equal':>9}")
    for case, at in enumerate(batches):
        sig = sigs[case % 3]
        out, report = root/f"case{case}", root/f"case{case}.json"
        first = run(train, at, sig, out, report)
        info = json.loads(report.read_text()) if report.exists() else {}
        second = run(train, -1, 0, out, root/f"case{case}_resume.json")
        said = next((line for line in second.stdout.splitlines() if line.startswith('resuming from')), '')
        found = re.search(r"(\d+) of \d+ epochs done(?:, (\d+) of \d+ batches)?", said)
        resumed = f"epoch {found[1]} batch {found[2] or 0}" if found else 'the start'
        ok = second.returncode == 0 and same(root/'reference', out)
        equal += ok
        to_disk = f"{info['seconds_to_disk']:.3f}" if 'seconds_to_disk' in info else '-'
        print(f"{case:>4} {at:>6} {info.get('epoch', '?'):>5} {info.get('iter', '?'):>4} {signal.Signals(sig).name:>7} "
              f"{first.returncode:>5} {resumed:>18} {to_disk:>9} {'yes' if ok else 'NO':>9}", flush=True)
        if second.returncode != 0: print(second.stderr[-2000:])
        rows.append(ok)
        if not a.keep: shutil.rmtree(out, ignore_errors=True)
    print(f"{equal}/{len(rows)} bit-equal to the uninterrupted run, in {time.perf_counter() - start:.0f} s")
    if not a.keep: shutil.rmtree(root, ignore_errors=True)
    sys.exit(0 if equal == len(rows) else 1)

if __name__ == '__main__': main()
