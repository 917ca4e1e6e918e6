"""Interrupt `groundup-train` runs at random training batches with real signals, resume each, and compare the result
with the uninterrupted run: final weights (and the EMA's), and metrics.json without its timing fields.

    python scripts/resume_check.py                              # 30 cases in one process, 10 under torchrun (2 processes)
    python scripts/resume_check.py --cases 6 --ddp-cases 4
    python scripts/resume_check.py --cases 0                    # torchrun only

Each case runs the command in a child process with a callback that sends a real signal (SIGTERM, SIGINT or SIGKILL)
to that process at the start of a chosen training batch; SIGTERM and SIGINT must finish the batch and write a
checkpoint at its end, SIGKILL leaves the newest checkpoint on disk (written every --save-every-batches batches).
Then the same command runs again and must finish exactly as the uninterrupted run did. Prints a table.

Under `torchrun --nproc_per_node=2` (gloo on 127.0.0.1) the signal goes to rank 0, to rank 1, to both, or to torchrun
itself, which passes it on to both: the ranks agree on the batch at which they stop, and rank 0 writes every rank's
state. SIGKILL goes to one rank; torchrun then stops the other, and the run resumes from the newest checkpoint on disk.
"""
import argparse, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

CHILD = r"""
import json, os, signal, sys, time
from groundup.cli import main
from groundup.events import Callback
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

CHILD_DDP = r"""
import json, os, sys, time
import groundup.cli as cli
from groundup.events import Callback
from groundup.distributed import rank_distrib
at, sig, target, report = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
class SignalAt(Callback):
    "At the start of training batch `at`: signal `sig` to this rank (rank0, rank1, both) or to torchrun (agent)."
    order = -100
    def before_batch(self):
        learn = self.learn
        if not learn.training or learn.train_iter != at: return
        rank = rank_distrib()
        self.saver = getattr(learn, 'save_checkpoint', None)
        if rank == 0:
            with open(report, 'w') as f: json.dump(dict(epoch=learn.epoch, iter=learn.iter, n_iter=learn.n_iter), f)
        if target == 'agent' and rank == 0: os.kill(os.getppid(), sig)
        elif target in ('both', f"rank{rank}"): os.kill(os.getpid(), sig)
cb = SignalAt()
code = cli.main(sys.argv[5:], cbs=[cb]) if at >= 0 else cli.main(sys.argv[5:])
saver = getattr(cb, 'saver', None)
if rank_distrib() == 0 and getattr(saver, 'seconds_to_disk', None) is not None:
    with open(report) as f: info = json.load(f)
    info['seconds_to_disk'] = saver.seconds_to_disk
    with open(report, 'w') as f: json.dump(info, f)
sys.stdout.flush(); sys.stderr.flush()
os._exit(code)
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

def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def run_ddp(args, at: int, sig: int, target: str, out: Path, report: Path, child: Path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2', '--master_addr=127.0.0.1',
           f"--master_port={free_port()}", str(child), str(at), str(sig), target, str(report), *args, '--out', str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)

def resumed_at(stdout: str) -> str:
    said = next((line for line in stdout.splitlines() if line.startswith('resuming from')), '')
    found = re.search(r"(\d+) of \d+ epochs done(?:, (\d+) of \d+ batches)?", said)
    return f"epoch {found[1]} batch {found[2] or 0}" if found else 'the start'

def pick_batches(chooser, n_iter: int, epochs: int, cases: int) -> list[int]:
    "The first and last batch of each epoch, then random ones."
    total = n_iter * epochs
    edges = [e * n_iter for e in range(epochs)] + [e * n_iter + n_iter - 1 for e in range(epochs)]
    batches = (edges + chooser.sample(range(total), min(total, max(0, cases - len(edges)))))[:cases]
    return batches + [chooser.randrange(total) for _ in range(cases - len(batches))]

DDP_PLAN = [(signal.SIGTERM, 'agent'), (signal.SIGINT, 'rank1'), (signal.SIGKILL, 'rank1'), (signal.SIGTERM, 'both'),
            (signal.SIGINT, 'rank0'), (signal.SIGKILL, 'rank0'), (signal.SIGTERM, 'rank1'), (signal.SIGINT, 'agent'),
            (signal.SIGTERM, 'rank0'), (signal.SIGINT, 'both')]

def ddp_cases(a, train, root: Path, chooser) -> tuple[int, int]:
    "The torchrun cases: (bit-equal, cases)."
    child = root/'child_ddp.py'
    i = train.index('--bs')                     # groundup-train's --bs is per process: keep the global batch at a.bs
    train = [*train[:i + 1], str(a.bs // 2), *train[i + 2:]]
    child.write_text(CHILD_DDP)
    ref = run_ddp(train, -1, 0, 'none', root/'ddp_reference', root/'ddp_reference.json', child)
    if ref.returncode != 0: sys.exit(f"the uninterrupted torchrun run failed:\n{ref.stdout[-2000:]}\n{ref.stderr[-3000:]}")
    print(f"torchrun --nproc_per_node=2: {ref.stdout.strip().splitlines()[0]}")
    n_iter = -(-a.subset // a.bs)               # global batches of a.bs, each split between the 2 processes
    batches = pick_batches(chooser, n_iter, a.epochs, a.ddp_cases)
    print(f"{'case':>4} {'batch':>6} {'epoch':>5} {'iter':>4} {'signal':>7} {'to':>6} {'exit':>5} {'resumed at':>18} "
          f"{'to disk s':>9} {'bit-equal':>9}")
    equal = 0
    for case, at in enumerate(batches):
        sig, target = DDP_PLAN[case % len(DDP_PLAN)]
        out, report = root/f"ddp{case}", root/f"ddp{case}.json"
        first = run_ddp(train, at, sig, target, out, report, child)
        info = json.loads(report.read_text()) if report.exists() else {}
        second = run_ddp(train, -1, 0, 'none', out, root/f"ddp{case}_resume.json", child)
        ok = first.returncode != 0 and second.returncode == 0 and same(root/'ddp_reference', out)
        equal += ok
        to_disk = f"{info['seconds_to_disk']:.3f}" if 'seconds_to_disk' in info else '-'
        print(f"{case:>4} {at:>6} {info.get('epoch', '?'):>5} {info.get('iter', '?'):>4} {signal.Signals(sig).name:>7} "
              f"{target:>6} {first.returncode:>5} {resumed_at(second.stdout):>18} {to_disk:>9} {'yes' if ok else 'NO':>9}", flush=True)
        if second.returncode != 0: print(second.stdout[-1000:], second.stderr[-2000:])
        if not a.keep: shutil.rmtree(out, ignore_errors=True)
    return equal, len(batches)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cases', type=int, default=30, help='single-process cases')
    p.add_argument('--ddp-cases', type=int, default=10, help='cases under torchrun --nproc_per_node=2')
    p.add_argument('--subset', type=int, default=960)
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--save-every-batches', type=int, default=4)
    p.add_argument('--seed', type=int, default=0, help='of the choice of batches and signals')
    p.add_argument('--keep', action='store_true', help='keep the output folders')
    a = p.parse_args()
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:      # started in the background by a shell: the children would
        signal.signal(signal.SIGINT, signal.default_int_handler)   # inherit an ignored Ctrl-C, and SIGINT would test nothing
    n_iter = -(-a.subset // a.bs)
    train = ['--preset', 'full', '--subset', str(a.subset), '--epochs', str(a.epochs), '--bs', str(a.bs), '--threads', '1',
             '--progress', 'quiet', '--tta', 'none', '--save-every-batches', str(a.save_every_batches)]
    root = Path(tempfile.mkdtemp(prefix='resume_check_'))
    start = time.perf_counter()
    chooser = random.Random(a.seed)
    rows, equal = [], 0
    if a.cases:
        ref = run(train, -1, 0, root/'reference', root/'reference.json')
        if ref.returncode != 0: sys.exit(f"the uninterrupted run failed:\n{ref.stderr[-3000:]}")
        print(ref.stdout.strip().splitlines()[0])
    batches = pick_batches(chooser, n_iter, a.epochs, a.cases)
    sigs = [signal.SIGTERM, signal.SIGINT, signal.SIGKILL]
    if a.cases: print(f"{'case':>4} {'batch':>6} {'epoch':>5} {'iter':>4} {'signal':>7} {'exit':>5} {'resumed at':>18} {'to disk s':>9} {'bit-equal':>9}")
    for case, at in enumerate(batches):
        sig = sigs[case % 3]
        out, report = root/f"case{case}", root/f"case{case}.json"
        first = run(train, at, sig, out, report)
        info = json.loads(report.read_text()) if report.exists() else {}
        second = run(train, -1, 0, out, root/f"case{case}_resume.json")
        resumed = resumed_at(second.stdout)
        ok = first.returncode != 0 and second.returncode == 0 and same(root/'reference', out)   # interrupted, then equal
        equal += ok
        to_disk = f"{info['seconds_to_disk']:.3f}" if 'seconds_to_disk' in info else '-'
        print(f"{case:>4} {at:>6} {info.get('epoch', '?'):>5} {info.get('iter', '?'):>4} {signal.Signals(sig).name:>7} "
              f"{first.returncode:>5} {resumed:>18} {to_disk:>9} {'yes' if ok else 'NO':>9}", flush=True)
        if second.returncode != 0: print(second.stderr[-2000:])
        rows.append(ok)
        if not a.keep: shutil.rmtree(out, ignore_errors=True)
    if a.cases: print(f"{equal}/{len(rows)} bit-equal to the uninterrupted run (single process)")
    ddp_equal, ddp_n = ddp_cases(a, train, root, chooser) if a.ddp_cases else (0, 0)
    if ddp_n: print(f"{ddp_equal}/{ddp_n} bit-equal to the uninterrupted run (torchrun, 2 processes)")
    print(f"in {time.perf_counter() - start:.0f} s")
    if not a.keep: shutil.rmtree(root, ignore_errors=True)
    sys.exit(0 if equal == len(rows) and ddp_equal == ddp_n else 1)

if __name__ == '__main__': main()
