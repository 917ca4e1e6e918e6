"""Overhead of SaveCheckpoint(every_batches=N) on the capstone's sprint recipe, measured side by side in one fit:
the epochs alternate between saving every N training batches and not saving inside the epoch (both write last.pt
at the epoch's end). Prints each epoch's time, the ratio of the medians, and the checkpoint's size and write time.

    python bench/checkpoint_overhead.py --epochs 4 --every 100 [--subset 20000] [--threads 2]
"""
import argparse, shutil, statistics, tempfile, time
from pathlib import Path
import torch
from groundup.checkpoint import SaveCheckpoint
import groundup.checkpoint as ckpt_module
from groundup.events import Callback
from groundup.speedrun import fashion_tensors, recipe, recipe_learner

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--epochs', type=int, default=4); p.add_argument('--every', type=int, default=100)
p.add_argument('--subset', type=int, default=None); p.add_argument('--threads', type=int, default=None)
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
data = fashion_tensors()
if a.subset: data = data._replace(x_train=data.x_train[:a.subset], y_train=data.y_train[:a.subset])

writes = []
real = ckpt_module._save_position
def timed(saver):
    start = time.perf_counter(); real(saver); writes.append(time.perf_counter() - start)
ckpt_module._save_position = timed

class Alternate(Callback):
    "Even epochs save every `every` batches, odd ones only at their end."
    order = SaveCheckpoint.order - 1
    def __init__(self, saver, every): self.saver, self.every = saver, every
    def before_epoch(self): self.saver.every_batches = self.every if self.learn.epoch % 2 == 0 else None

out = Path(tempfile.mkdtemp(prefix='ckpt_overhead_'))
saver = SaveCheckpoint(out, monitor=None)
r = recipe('sprint', epochs=a.epochs, validate='end')
learn = recipe_learner(data, r, seed=0, cbs=[saver, Alternate(saver, a.every)])
learn.fit_one_cycle(a.epochs, r['lr'])
times = [row['time'] for row in learn.recorder.values]
on, off = times[0::2], times[1::2]
for i, t in enumerate(times): print(f"epoch {i}: {t:.2f} s ({'every %d batches' % a.every if i % 2 == 0 else 'epoch end only'})")
print(f"{len(learn.dls.train)} batches per epoch, {torch.get_num_threads()} thread(s); median epoch {statistics.median(on):.2f} s "
      f"saving every {a.every} batches, {statistics.median(off):.2f} s without: ratio {statistics.median(on) / statistics.median(off):.3f}")
print(f"checkpoint {(out/'last.pt').stat().st_size / 1e6:.2f} MB; a write inside an epoch (state, serialise, fsync, rename): "
      f"median {statistics.median(writes) * 1000:.1f} ms over {len(writes)}")
shutil.rmtree(out, ignore_errors=True)
