#!/usr/bin/env python3
"""Fault tests for groundup's checkpoints (notebook 09) and the `groundup-train` command (notebook 13).

Each case provokes one fault (a damaged or hand-edited checkpoint, an unusable --out, a full disk, a
second run on the same folder, Ctrl-C or SIGTERM at some point, an extreme option value...) and sorts
what happened into one outcome:

  clear       the fault was reported with a clear message (no traceback), exit code non-zero
  ok          the command or call did the right thing (e.g. fell back to the previous checkpoint, said so)
  traceback   a raw Python traceback, or an exception type that says nothing to the user (KeyError...)
  silent      a wrong result without a word: exit 0 where it should fail, a damaged file loaded, litter left
  misleading  an error whose message suggests a fix that does not exist where it is shown
  lost        outputs or a good checkpoint were lost

Usage:  python scripts/fault_tests.py [--work DIR] [--json FILE] [--only SUBSTRING]...
Needs the Fashion-MNIST data; mounts small tmpfs folders when run as root (else those cases are skipped).
Takes a few minutes: most cases start `groundup-train` as a separate process.
"""
from __future__ import annotations

import argparse, contextlib, io, json, os, shutil, signal, subprocess, sys, tempfile, time, zipfile
from collections import Counter, defaultdict
from pathlib import Path

import torch

OUTCOMES = ('clear', 'ok', 'traceback', 'silent', 'misleading', 'lost')
BIN = Path(sys.executable).parent/'groundup-train'
TINY = ['--subset', '500', '--bs', '100', '--threads', '1', '--progress', 'quiet', '--lr', '0.01']
# Phrases that are fixes of the Python API, not of the command line: wrong when groundup-train shows them.
NOT_CLI_FIXES = ('resume=', 'weights_only', 'with_opt=', 'n_epoch=', 'monitor=', 'fit_one_cycle', 'load_state_dict(',
                 'can still be loaded', 'Resume from another one')
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
def default_sigint():
    "In the child: Ctrl-C as in a terminal (a background shell starts its jobs with SIGINT ignored, and children inherit that)."
    signal.signal(signal.SIGINT, signal.SIG_DFL)

# ---------------------------------------------------------------- helpers

def cli(*argv, timeout=120, env=None):
    "Run groundup-train in a new process: (exit code, stdout + stderr)."
    p = subprocess.run([str(BIN), *map(str, argv)], capture_output=True, text=True, timeout=timeout, env=env or ENV)
    return p.returncode, p.stdout + p.stderr

SIM = r'''
import sys, torch
from unittest import mock
import groundup.cli as cli
where, argv = sys.argv[1], sys.argv[2:]
def ki(*a, **k): raise KeyboardInterrupt
targets = {'data': 'groundup.cli.fashion_tensors', 'lr_find': 'groundup.lr_finder.LRFinder.before_batch',
           'outputs': 'groundup.cli.save_figure', 'save': 'torch.save'}
with mock.patch(targets[where], ki): code = cli.main(argv)
sys.exit(code)
'''

def cli_sim(where, *argv):
    "groundup-train in a new process, with Ctrl-C (a KeyboardInterrupt) raised at `where`."
    p = subprocess.run([sys.executable, '-c', SIM, where, *map(str, argv)], capture_output=True, text=True, timeout=120, env=ENV)
    return p.returncode, p.stdout + p.stderr

def has_tb(text): return 'Traceback (most recent call last)' in text

def judge_error(code, text, must=(), forbid=NOT_CLI_FIXES):
    "Outcome of a CLI run that must fail with a clear message containing each of `must`."
    if has_tb(text): return 'traceback'
    if code == 0: return 'silent'
    if code < 0: return 'silent'                                   # killed by a signal, no message
    if any(f in text for f in forbid): return 'misleading'
    if not all(m in text for m in must): return 'misleading' if text.strip() else 'silent'
    return 'clear'

def our_tmp_files(folder): return sorted(p.name for p in Path(folder).glob('.*.tmp'))

def load_raw(path): return torch.load(path, map_location='cpu', weights_only=True)

def resign(ckpt):
    "A checkpoint edited by hand, with its checksum recomputed (where groundup has one): the edit is what is tested, not the checksum."
    import groundup.checkpoint as gc
    if hasattr(gc, 'checkpoint_digest'): ckpt['checksum'] = gc.checkpoint_digest(ckpt)
    return ckpt

def flip_bit_in_largest_tensor(path):
    "Flip one bit in the middle of the largest tensor record of a torch zip file (the zip CRCs are not checked by torch.load)."
    with zipfile.ZipFile(path) as z:
        info = max((i for i in z.infolist() if '/data/' in i.filename), key=lambda i: i.file_size)
    data = bytearray(Path(path).read_bytes())
    n, m = int.from_bytes(data[info.header_offset + 26: info.header_offset + 28], 'little'), \
           int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], 'little')
    start = info.header_offset + 30 + n + m
    data[start + info.file_size // 2] ^= 0x10
    Path(path).write_bytes(data)

def mount_tmpfs(folder, size=None, ro=False):
    "Mount a tmpfs at `folder` (root only); None on success, else why not."
    folder.mkdir(parents=True, exist_ok=True)
    opts = ','.join(filter(None, [f'size={size}' if size else '', 'ro' if ro else '']))
    r = subprocess.run(['mount', '-t', 'tmpfs', *(['-o', opts] if opts else []), 'tmpfs', str(folder)], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip() or 'mount failed')

def umount(folder): subprocess.run(['umount', '-l', str(folder)], capture_output=True)

# ---------------------------------------------------------------- fixtures (built in-process with groundup itself)

def in_process_main(*argv, cbs=()):
    from groundup.cli import main
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try: return main([str(a) for a in argv], cbs=cbs)
        except SystemExit as e: return e.code

def interrupt_at(epoch, batch=1):
    from groundup.events import Callback
    class CtrlC(Callback):
        def before_batch(self):
            if self.learn.training and (self.learn.epoch, self.learn.iter) == (epoch, batch): raise KeyboardInterrupt
    return CtrlC()

PARTIAL = [*TINY, '--epochs', '4']           # interrupted in epoch 2: 2 of 4 epochs done
FINISHED = [*TINY, '--epochs', '2']

def make_partial(out):
    shutil.rmtree(out, ignore_errors=True)
    code = in_process_main(*PARTIAL, '--out', out, cbs=[interrupt_at(2)])
    assert code == 130, code
    return out

def make_finished(out):
    shutil.rmtree(out, ignore_errors=True)
    assert in_process_main(*FINISHED, '--out', out) == 0
    return out

# ---------------------------------------------------------------- the cases

CASES = []
def case(cls, name):
    def deco(f): CASES.append((cls, name, f)); return f
    return deco

# --- checkpoint damage, through the command line (resume of an interrupted run)
def resume_damaged(w, damage, must=()):
    out = make_partial(w/'run')
    damage(out/'last.pt')
    code, text = cli(*PARTIAL, '--out', out)
    if has_tb(text): return 'traceback', text
    if code == 0:
        fell_back = 'Using the previous checkpoint' in text and 'prev.pt' in text      # said so, and went on from prev.pt
        return ('ok' if fell_back else 'silent'), text
    return judge_error(code, text, must), text

@case('damaged checkpoint', 'CLI: a bit flipped inside a weight of last.pt')
def _(w): return resume_damaged(w, flip_bit_in_largest_tensor)

@case('damaged checkpoint', 'CLI: last.pt truncated to half')
def _(w): return resume_damaged(w, lambda p: p.write_bytes(p.read_bytes()[:p.stat().st_size // 2]))

@case('damaged checkpoint', 'CLI: last.pt is a text file')
def _(w): return resume_damaged(w, lambda p: p.write_text('hello'))

@case('damaged checkpoint', 'CLI: last.pt holds a pickled Python object')
def _(w):
    def damage(p):
        ckpt = load_raw(p); ckpt['extra'] = argparse.Namespace(a=1); torch.save(ckpt, p)
    return resume_damaged(w, damage)

def edit(f):
    def damage(p):
        ckpt = load_raw(p); f(ckpt); torch.save(resign(ckpt), p)
    return damage

@case('partial checkpoint', "CLI: 'opt' removed from last.pt")
def _(w): return resume_damaged(w, edit(lambda c: c.pop('opt')))

@case('partial checkpoint', "CLI: 'rng' removed")
def _(w): return resume_damaged(w, edit(lambda c: c.pop('rng')))

@case('partial checkpoint', "CLI: the Recorder's history removed")
def _(w): return resume_damaged(w, edit(lambda c: c['callbacks']['recorder'].pop('values')))

@case('partial checkpoint', "CLI: 'callbacks' removed")
def _(w): return resume_damaged(w, edit(lambda c: c.pop('callbacks')))

@case('partial checkpoint', 'CLI: epochs_done is a string')
def _(w): return resume_damaged(w, edit(lambda c: c.update(epochs_done='2')))

@case('partial checkpoint', "CLI: an optimizer moment of the wrong shape")
def _(w):
    def f(c):
        s = c['opt']['state'][0]
        k = next(k for k, v in s.items() if isinstance(v, torch.Tensor) and v.dim() > 0)
        s[k] = s[k].flatten()[:3].clone()
    return resume_damaged(w, edit(f))

@case('partial checkpoint', 'CLI: a weight of the wrong shape')
def _(w):
    def f(c):
        k = next(k for k, v in c['model'].items() if v.dim() > 1)
        c['model'][k] = c['model'][k][:1].clone()
    return resume_damaged(w, edit(f))

@case('non-finite checkpoint', 'CLI: NaN in a weight of last.pt')
def _(w):
    def f(c):
        k = next(k for k, v in c['model'].items() if v.is_floating_point() and v.dim() > 1)
        c['model'][k].view(-1)[0] = float('nan')
    return resume_damaged(w, edit(f))

@case('non-finite checkpoint', 'CLI: inf in the optimizer state')
def _(w):
    def f(c):
        s = c['opt']['state'][0]
        k = next(k for k, v in s.items() if isinstance(v, torch.Tensor) and v.dim() > 0)
        s[k].view(-1)[0] = float('inf')
    return resume_damaged(w, edit(f))

@case('damaged checkpoint', 'CLI: last.pt is a folder')
def _(w):
    out = w/'run'; out.mkdir(parents=True); (out/'last.pt').mkdir()
    code, text = cli(*FINISHED, '--out', out)
    return judge_error(code, text, ['last.pt']), text

# --- checkpoint damage, through the library
def lib_outcome(f, must=()):
    "Outcome of a library call that must raise a clear error (or fall back to prev.pt and warn that it did)."
    import warnings
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            f()
    except Exception as e:
        text = f"{type(e).__name__}: {e}"
        if type(e).__name__ not in ('CheckpointError', 'ValueError', 'FileNotFoundError'): return 'traceback', text
        if 'weights_only' in str(e) or 'can still be loaded' in str(e): return 'misleading', text      # PyTorch's advice to unpickle
        if not all(m in str(e) for m in must): return 'misleading', text
        return 'clear', text
    said = ' '.join(str(w.message) for w in caught)
    if 'Using the previous checkpoint' in said: return 'ok', said
    return 'silent', 'no error'

def small_learner(n=600, bs=50, seed=0):
    from groundup.learner import DataLoaders, Learner
    from groundup.datasets import load_fashion_mnist
    from torch import nn
    global _data
    if '_data' not in globals():
        xt, yt, xv, yv, *_ = load_fashion_mnist()
        _data = (xt[:2000].reshape(2000, -1).float() / 255, yt[:2000], xv[:200].reshape(200, -1).float() / 255, yv[:200])
    xt, yt, xv, yv = _data
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    return Learner(model, DataLoaders.from_tensors(xt[:n], yt[:n], xv, yv, bs=bs), lr=1e-3, opt_func=torch.optim.AdamW, progress=False)

def lib_checkpoint(folder, n_epoch=3, done=2, **kw):
    from groundup.checkpoint import SaveCheckpoint
    from groundup.events import CancelFitException, Callback
    class Stop(Callback):
        def before_epoch(self):
            if self.learn.epoch == done: raise CancelFitException
    small_learner(**kw).fit(n_epoch, cbs=[SaveCheckpoint(folder), Stop()])
    return folder

@case('damaged checkpoint', 'library: read_checkpoint of a file with a flipped bit in a weight')
def _(w):
    from groundup.checkpoint import read_checkpoint
    f = lib_checkpoint(w/'c')/'last.pt'; flip_bit_in_largest_tensor(f)
    return lib_outcome(lambda: read_checkpoint(f), [str(f)])

@case('damaged checkpoint', "library: the 'cannot read' message does not suggest weights_only=False")
def _(w):
    from groundup.checkpoint import read_checkpoint
    f = w/'obj.pt'; torch.save({'format': 'groundup.checkpoint', 'x': argparse.Namespace()}, f)
    return lib_outcome(lambda: read_checkpoint(f))

@case('damaged checkpoint', 'library: resume from a folder whose last.pt is damaged, prev.pt good')
def _(w):
    import warnings
    folder = lib_checkpoint(w/'c', n_epoch=3, done=2)
    (folder/'last.pt').write_bytes((folder/'last.pt').read_bytes()[:1000])
    learn = small_learner(seed=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try: learn.fit(3, resume=folder)
        except Exception as e:
            return ('clear' if type(e).__name__ == 'CheckpointError' else 'traceback'), f"{type(e).__name__}: {e}"
    said = ' '.join(str(c.message) for c in caught)
    return ('ok' if 'prev.pt' in said else 'silent'), said

@case('partial checkpoint', "library: resume from a checkpoint without 'opt_type'")
def _(w):
    f = lib_checkpoint(w/'c')/'last.pt'; edit(lambda c: c.pop('opt_type'))(f)
    return lib_outcome(lambda: small_learner().fit(3, resume=f))

@case('partial checkpoint', "library: resume from a checkpoint whose opt param_groups is empty")
def _(w):
    f = lib_checkpoint(w/'c')/'last.pt'; edit(lambda c: c['opt'].update(param_groups=[]))(f)
    return lib_outcome(lambda: small_learner().fit(3, resume=f))

@case('partial checkpoint', "library: load_checkpoint of a checkpoint without 'model'")
def _(w):
    from groundup.checkpoint import load_checkpoint
    f = lib_checkpoint(w/'c')/'last.pt'; edit(lambda c: c.pop('model'))(f)
    return lib_outcome(lambda: load_checkpoint(small_learner(), f))

@case('non-finite checkpoint', 'library: resume from weights with NaN')
def _(w):
    f = lib_checkpoint(w/'c')/'last.pt'; edit(lambda c: c['model']['0.weight'].view(-1).__setitem__(0, float('nan')))(f)
    return lib_outcome(lambda: small_learner().fit(3, resume=f), ['finite'])

@case('resume mismatch', 'library: resume with another batch size')
def _(w):
    f = lib_checkpoint(w/'c')/'last.pt'
    return lib_outcome(lambda: small_learner(bs=100).fit(3, resume=f), ['50', '100'])

@case('resume mismatch', 'library: resume with another training-set size')
def _(w):
    f = lib_checkpoint(w/'c')/'last.pt'
    return lib_outcome(lambda: small_learner(n=1000).fit(3, resume=f), ['600', '1000'])

@case('SaveCheckpoint', 'library: an epoch that trained nothing writes no checkpoint')
def _(w):
    from groundup.checkpoint import SaveCheckpoint
    from groundup.events import CancelTrainException, Callback
    class NoTrain(Callback):
        order = 60                                   # after the Recorder has set itself up for the epoch
        def before_train(self): raise CancelTrainException
    small_learner().fit(1, cbs=[SaveCheckpoint(w/'c'), NoTrain()])
    return ('silent', 'last.pt written') if (w/'c'/'last.pt').exists() else ('ok', 'nothing written')

@case('SaveCheckpoint', 'library: after_epoch without before_fit (an earlier callback failed)')
def _(w):
    from groundup.checkpoint import SaveCheckpoint
    learn = small_learner(); cb = SaveCheckpoint(w/'c'); learn.add_cb(cb)
    learn.epoch, learn.interrupted = 0, False
    try: cb.after_epoch()
    except Exception as e: return 'traceback', f"{type(e).__name__}: {e}"
    return ('silent', 'wrote a checkpoint') if (w/'c'/'last.pt').exists() else ('ok', 'no error, nothing written')

# --- outputs
@case('lost outputs', 'CLI: metrics.json and loss.png deleted after the last checkpoint, then rerun')
def _(w):
    out = make_finished(w/'run')
    (out/'metrics.json').unlink(); (out/'loss.png').unlink()
    code, text = cli(*FINISHED, '--out', out)
    if has_tb(text): return 'traceback', text
    return ('ok' if code == 0 and (out/'metrics.json').exists() and (out/'loss.png').exists() else 'lost'), text

@case('lost outputs', 'CLI: rerun of a finished run keeps its metrics.json')
def _(w):
    out = make_finished(w/'run'); before = (out/'metrics.json').read_bytes()
    code, text = cli(*FINISHED, '--out', out)
    return ('ok' if code == 0 and (out/'metrics.json').read_bytes() == before else 'lost'), text

# --- --out
@case('--out', 'CLI: --out under a file')
def _(w):
    (w/'f').write_text('x'); t = time.time()
    code, text = cli(*FINISHED, '--out', w/'f'/'sub')
    return judge_error(code, text, ['--out']), f"{time.time() - t:.1f}s " + text

@case('--out', 'CLI: --out a dangling symlink')
def _(w):
    os.symlink(w/'nowhere', w/'link')
    code, text = cli(*FINISHED, '--out', w/'link')
    return judge_error(code, text, ['--out']), text

@case('--out', 'CLI: --out on a read-only file system')
def _(w):
    why = mount_tmpfs(w/'ro', ro=True)
    if why: return 'skip', f"cannot mount a read-only tmpfs: {why}"
    try:
        t = time.time(); code, text = cli(*FINISHED, '--out', w/'ro'/'run')
        return judge_error(code, text, ['--out']), f"{time.time() - t:.1f}s " + text
    finally: umount(w/'ro')

@case('--out', 'CLI: --out inside /proc')
def _(w):
    code, text = cli(*FINISHED, '--out', '/proc/groundup_run')
    return judge_error(code, text, ['--out']), text

@case('--out', 'CLI: metrics.json is a folder')
def _(w):
    out = w/'run'; (out/'metrics.json').mkdir(parents=True)
    t = time.time(); code, text = cli(*FINISHED, '--out', out)
    return judge_error(code, text, ['metrics.json']), f"{time.time() - t:.1f}s " + text

@case('--out', 'CLI: best.pt is a folder')
def _(w):
    out = w/'run'; (out/'best.pt').mkdir(parents=True)
    code, text = cli(*FINISHED, '--out', out)
    return judge_error(code, text, ['best.pt']), text

@case('disk full', 'CLI: the disk fills up while a checkpoint is written')
def _(w):
    disk = w/'small'
    why = mount_tmpfs(disk, size='3500k')
    if why: return 'skip', f"cannot mount a small tmpfs: {why}"
    try:
        code, text = cli(*TINY, '--epochs', '3', '--out', disk)
        from groundup.checkpoint import read_checkpoint
        try: intact = read_checkpoint(disk/'last.pt')['epochs_done'] >= 1
        except Exception: intact = False
        if not intact: return 'lost', text
        if our_tmp_files(disk): return 'silent', f"left {our_tmp_files(disk)} " + text
        return judge_error(code, text, ['space']), text
    finally: umount(disk)

# --- one run per folder, leftovers
@case('lock', 'CLI: a second run on the same --out while the first trains')
def _(w):
    out = w/'run'
    args = ['--subset', '6000', '--bs', '100', '--threads', '1', '--progress', 'log', '--epochs', '3', '--out', out]
    first = subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
                         preexec_fn=default_sigint)
    try:
        line = first.stdout.readline()
        while line and not line.startswith('training'): line = first.stdout.readline()
        code, text = cli(*args)
    finally:
        first.send_signal(signal.SIGINT); first.communicate(timeout=60)
    if has_tb(text): return 'traceback', text
    return ('clear' if code == 2 and str(first.pid) in text else 'silent'), text

@case('lock', 'CLI: a stale lock file of a killed run does not block')
def _(w):
    out = w/'run'; out.mkdir()
    for name in ('.lock', '.groundup-train.lock'): (out/name).write_text('999999\n')
    code, text = cli(*FINISHED, '--out', out)
    return ('ok' if code == 0 else 'traceback' if has_tb(text) else 'silent'), text

@case('leftovers', "CLI: a killed run's temporary files are removed by the next run")
def _(w):
    out = w/'run'; out.mkdir()
    (out/'.last.pt.k1ll3d.tmp').write_bytes(b'PK half'); (out/'.metrics.json.abcd.tmp').write_text('{')
    code, text = cli(*FINISHED, '--out', out)
    left = our_tmp_files(out)
    return ('ok' if code == 0 and not left else 'silent'), f"left {left} " + text

@case('leftovers', "CLI: a temporary file that is not ours is left alone")
def _(w):
    out = w/'run'; out.mkdir(); (out/'.notes.txt.tmp').write_text('mine')
    code, text = cli(*FINISHED, '--out', out)
    return ('ok' if code == 0 and (out/'.notes.txt.tmp').exists() else 'lost'), text

# --- signals
def judge_interrupt(code, text, out=None, expect=130):
    if has_tb(text): return 'traceback'
    if out is not None and our_tmp_files(out): return 'silent'
    if code != expect: return 'silent'
    return 'clear' if 'Interrupted' in text or 'Terminated' in text else 'silent'

for where in ('data', 'lr_find', 'save', 'outputs'):
    def _(w, where=where):
        extra = ['--lr-find'] if where == 'lr_find' else []
        argv = [a for a in FINISHED if a not in ('--lr', '0.01')] + extra
        code, text = cli_sim(where, *argv, '--out', w/'run')
        return judge_interrupt(code, text, w/'run' if (w/'run').exists() else None), text
    case('Ctrl-C', f'CLI: Ctrl-C during {where}')(_)

def real_run(w, *signals, delay=0.05):
    out = w/'run'
    args = ['--subset', '4000', '--bs', '100', '--threads', '1', '--progress', 'log', '--epochs', '8', '--out', out]
    p = subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
                         preexec_fn=default_sigint)
    t = time.time()
    while not (out/'last.pt').exists() and time.time() - t < 60 and p.poll() is None: time.sleep(0.02)
    time.sleep(0.1)
    for s in signals: p.send_signal(s); time.sleep(delay)
    text, _ = p.communicate(timeout=60)
    return p.returncode, text, out

@case('Ctrl-C', 'CLI: Ctrl-C (SIGINT) during training, real signal')
def _(w):
    code, text, out = real_run(w, signal.SIGINT)
    return judge_interrupt(code, text, out), text

@case('Ctrl-C', 'CLI: Ctrl-C twice in quick succession, real signals')
def _(w):
    code, text, out = real_run(w, signal.SIGINT, signal.SIGINT, delay=0.01)
    return judge_interrupt(code, text, out), text

@case('SIGTERM', 'CLI: SIGTERM during training, real signal')
def _(w):
    code, text, out = real_run(w, signal.SIGTERM)
    res = judge_interrupt(code, text, out, expect=143)
    try:
        from groundup.checkpoint import read_checkpoint
        read_checkpoint(out/'last.pt')
    except Exception: res = 'lost'
    return res, f"rc={code} " + text

# --- silent wrong results and extreme values
@case('NaN', 'CLI: --lr so large that the loss becomes NaN')
def _(w):
    code, text = cli(*[a if a != '0.01' else '1e6' for a in FINISHED], '--out', w/'run')
    return judge_error(code, text, ['nan']), text

for argv, must in [(['--seed', str(2**64)], '--seed'), (['--seed', '-1'], '--seed'), (['--lr', '1e39'], '--lr'),
                   (['--lr', 'nan'], '--lr'), (['--lr', '-inf'], '--lr'), (['--bs', '-1'], '--bs'), (['--epochs', '0'], '--epochs'),
                   (['--label-smoothing', 'nan'], '--label-smoothing'), (['--subset', '0'], '--subset'),
                   (['--threads', '0'], '--threads'), (['--lr', '1e-50'], '--lr'), (['--seed', '1.5'], '--seed')]:
    def _(w, argv=argv, must=must):
        base = [a for a in FINISHED if a not in ('--lr', '0.01')] if '--lr' in argv else FINISHED
        code, text = cli(*base, *argv, '--out', w/'run')
        return judge_error(code, text, [must]), text
    case('extreme options', 'CLI: ' + ' '.join(argv))(_)

@case('messages', 'CLI: the message for a damaged last.pt (and prev.pt) offers only command-line fixes')
def _(w):
    out = make_finished(w/'run')
    for name in ('last.pt', 'prev.pt'): (out/name).write_bytes(b'garbage')
    code, text = cli(*FINISHED, '--out', out)
    return judge_error(code, text, ['--no-resume']), text

@case('messages', 'CLI: resuming with other settings offers only command-line fixes')
def _(w):
    out = make_partial(w/'run')
    code, text = cli(*[a if a != '100' else '50' for a in PARTIAL], '--out', out)
    return judge_error(code, text, ['--bs']), text

# ---------------------------------------------------------------- driver

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--work', type=Path, default=None, help='scratch folder (default: a new temporary one)')
    p.add_argument('--json', type=Path, help='also write the results here')
    p.add_argument('--only', action='append', help='run only cases whose name contains this (repeat for several)')
    p.add_argument('--verbose', action='store_true', help='print each case\'s output')
    a = p.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix='groundup_faults_'))
    results, t0 = [], time.time()
    for i, (cls, name, f) in enumerate(CASES):
        if a.only and not any(o in name for o in a.only): continue
        w = work/f'case{i:02d}'; shutil.rmtree(w, ignore_errors=True); w.mkdir(parents=True)
        t = time.time()
        try: outcome, detail = f(w)
        except Exception as e: outcome, detail = 'error in the test', f"{type(e).__name__}: {e}"
        results.append(dict(cls=cls, name=name, outcome=outcome, detail=detail, seconds=round(time.time() - t, 1)))
        last = [l for l in detail.strip().splitlines() if l.strip()][-1:] if detail else []
        print(f"{outcome:>10}  {cls:<22} {name}  [{time.time() - t:.1f}s]" + (f"\n            {last[0][:200]}" if last else ''), flush=True)
        if a.verbose: print(detail)
    table = defaultdict(Counter)
    for r in results: table[r['cls']][r['outcome']] += 1
    cols = [*OUTCOMES, 'skip', 'error in the test']
    cols = [c for c in cols if any(table[k][c] for k in table)]
    print(f"\n| fault class | cases | {' | '.join(cols)} |\n|---|---|{'---|' * len(cols)}")
    for k, c in table.items(): print(f"| {k} | {sum(c.values())} | {' | '.join(str(c[o]) for o in cols)} |")
    total = Counter(r['outcome'] for r in results)
    print(f"| **all** | {len(results)} | {' | '.join(str(total[o]) for o in cols)} |")
    print(f"\n{len(results)} cases in {time.time() - t0:.0f} s; scratch in {work}")
    if a.json: a.json.write_text(json.dumps(results, indent=1))
    bad = sum(total[o] for o in ('traceback', 'silent', 'misleading', 'lost', 'error in the test'))
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
