"""Ideas from the CIFAR-10 speed runs (airbench and its ablations), tried on the sprint recipe at its fixed epoch
count and scored on the validation split only (choices are made there; the test set is not touched).

Each idea leaves an epoch's cost unchanged (the whitening is computed once, before the fit), so a gain in accuracy at
the same epochs is a gain per second. Ideas join with '+':

    OMP_NUM_THREADS=1 python bench/speedrun_ideas.py --seeds 0 1 2
    OMP_NUM_THREADS=1 python bench/speedrun_ideas.py --ideas base whiten+altflip+dirac --seeds 0 1 2
    python bench/speedrun_ideas.py --table runs/speedrun_ideas.jsonl      # the paired table of a results file
    python bench/speedrun_ideas.py --table runs/ideas.jsonl --ref lib     # ... against the presets as they stand

- whiten: the first convolution's filters are the top eigenvectors of the training images' patch covariance, scaled
  by 1/sqrt(eigenvalue), each with its negation (half the filters), and frozen.
- dirac: every later convolution starts as the identity on its first min(in, out) output channels (dirac_).
- altflip: epoch 0 mirrors a random half of the images, then every other epoch mirrors the other half (instead of a
  fresh random half per batch).
- ls02: label smoothing 0.2 instead of 0.1.  bnbias: batch-norm biases get --bn-mult times the learning rate.
- erase, erase25: random erasing (one rectangle of 2-40% of the image set to the mean) with probability 0.5, 0.25.
- sgd: Nesterov SGD (momentum 0.9, decoupled weight decay --sgd-wd) at --sgd-lr, in place of Adam (airbench's
  optimizer; its step reads three tensors per weight where Adam's reads four).
- bnmom: batch-norm running statistics at torch momentum 0.4 (airbench's 0.6); bnfreeze: batch-norm scale weights
  frozen at 1 (airbench trains only the biases). logit9: the logits divided by 9 (airbench's scaling). lookahead:
  airbench's lookahead (every 5 steps, the slow state pulled towards the trained one with a decay growing as
  0.95**5 * pct**3, the model restarted from it; the slow state after the fit).
- Recipe changes that cost time per epoch (MODELS): res01, res12 (residual blocks after blocks 0 and 1, or 1 and 2),
  w24 (widths x1.5), w1632128, bs512, shift1, shift2, noshift; bs128 (lr 1e-2), bs128lr7
  (lr 7e-3), lr07, lr15, lr2 (the learning rate 7e-3, 1.5e-2, 2e-2); ttashift (the full preset's six-view TTA).
  `--preset full` starts from the full preset instead.

Notebook 10a has the whitening, identity and alternating-flip ideas as library callbacks (`WhitenInit`, `DiracInit`,
`AlternatingFlip`), the presets of notebook 11 use them, and its ablation prices them; this script keeps its own
copies so that its earlier figures can be rerun as they were. So `base` is the recipe *without* the library's
callbacks (`whiten=False, dirac=False, alternate=False`: the presets before they adopted them), and `lib` turns the
library's three on (the presets as they stand); `libwhiten`, `libdirac`, `libalt` turn on one of them;
`libwhitentrain` adds `WhitenInit(freeze=False)` (whitened, then trained like the other layers). Since the presets
train the whitened layer (2026-12-03), `lib` and `libwhiten` do too; their frozen figures ran at commit 9d4c79a.
"""
import argparse, json, pathlib, statistics, sys, time
from functools import partial
import torch, torch.nn as nn
from groundup.events import Callback
from groundup.optimizer import SGD, Adam
from groundup.speedrun_ideas import WhitenInit
from groundup.speedrun import recipe, recipe_learner, score, fashion_tensors

def convs(model): return [m for m in model.modules() if isinstance(m, nn.Conv2d)]

def whiten_first_conv(model, x, n_patches=20000, eps=5e-4, freeze=True):
    conv = convs(model)[0]
    k, nf = conv.kernel_size[0], conv.out_channels
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, len(x), (n_patches // 16,), generator=g)
    p = torch.nn.functional.unfold(x[idx].float().contiguous(), k, padding=k // 2, stride=conv.stride[0])  # [n, k*k, L]
    p = p.transpose(1, 2).reshape(-1, k * k)
    p = p[torch.randperm(len(p), generator=g)[:n_patches]]
    p = p - p.mean(0)
    cov = p.T @ p / len(p)
    evals, evecs = torch.linalg.eigh(cov)               # ascending
    evals, evecs = evals.flip(0)[:nf // 2], evecs.flip(1)[:, :nf // 2]
    w = (evecs / (evals + eps).sqrt()).T.reshape(nf // 2, 1, k, k)
    with torch.no_grad(): conv.weight.copy_(torch.cat([w, -w]))
    if freeze: conv.weight.requires_grad_(False)

def dirac_convs(model):
    for c in convs(model)[1:]:
        with torch.no_grad():
            n = min(c.out_channels, c.in_channels)
            torch.nn.init.dirac_(c.weight[:n])

def bn_bias_splitter(model):
    bn_b = [m.bias for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    ids = {id(p) for p in bn_b}
    return [[p for p in model.parameters() if id(p) not in ids], bn_b]

class AltFlip(Callback):
    "Flip a random half of the images in epoch 0, then the other half every other epoch (airbench's alternating flip)."
    order = 5
    def before_fit(self):
        dl = self.learn.dls.train
        self.x0 = dl.tensors[0]
        self.mask = torch.rand(len(self.x0), 1, 1, 1, generator=torch.Generator().manual_seed(1)) < 0.5
        self.flipped = torch.where(self.mask, self.x0.flip(-1), self.x0).contiguous(memory_format=torch.channels_last)
        self.other = torch.where(~self.mask, self.x0.flip(-1), self.x0).contiguous(memory_format=torch.channels_last)
    def before_epoch(self):
        dl = self.learn.dls.train
        dl.tensors = ((self.flipped if self.learn.epoch % 2 == 0 else self.other), *dl.tensors[1:])
    def after_fit(self):
        dl = self.learn.dls.train; dl.tensors = (self.x0, *dl.tensors[1:])

class RandomErase(Callback):
    "Per training image with probability `p`: one rectangle of `area` (share of the image) set to 0 (the mean)."
    order = 6
    def __init__(self, p=0.5, area=(0.02, 0.4), ratio=(0.3, 3.3), seed=0):
        self.p, self.area, self.ratio, self.g = p, area, ratio, torch.Generator().manual_seed(seed)
    def before_batch(self):
        learn = self.learn
        if not learn.training: return
        x = learn.xb[0]; n, _, h, w = x.shape
        u = torch.rand(5, n, generator=self.g)
        s = self.area[0] + u[0] * (self.area[1] - self.area[0])
        lr0, lr1 = torch.log(torch.tensor(self.ratio))
        r = torch.exp(lr0 + u[1] * (lr1 - lr0))
        eh, ew = (s * r).sqrt().mul(h).clamp(1, h).floor(), (s / r).sqrt().mul(w).clamp(1, w).floor()
        y0, x0 = (u[2] * (h - eh + 1)).floor(), (u[3] * (w - ew + 1)).floor()
        rows, cols = torch.arange(h)[None, :], torch.arange(w)[None, :]
        inr = (rows >= y0[:, None]) & (rows < (y0 + eh)[:, None])
        inc = (cols >= x0[:, None]) & (cols < (x0 + ew)[:, None])
        m = (inr[:, :, None] & inc[:, None, :] & (u[4] < self.p)[:, None, None])[:, None]
        learn.xb = (x.masked_fill(m, 0.), *learn.xb[1:])

class Lookahead(Callback):
    """airbench's lookahead: every `every` steps the slow copy of the model's state (weights and float buffers) moves
    towards the trained one by `1 - d` and the model restarts from it; `d` grows as `base**every * pct**3` over the
    fit (0 at the start: no pull), and after the fit the model takes the slow copy."""
    order = 45
    def __init__(self, base=0.95, every=5): self.base, self.every = base, every
    def _state(self): return [t for t in self.learn.model.state_dict(keep_vars=True).values() if t.is_floating_point()]
    def before_fit(self):
        self.slow, self.n = [t.detach().clone() for t in self._state()], 0
        self.total = self.learn.n_epoch * len(self.learn.dls.train)
    @torch.no_grad()
    def _pull(self, d):
        for s, t in zip(self.slow, self._state()): s.lerp_(t.detach(), 1 - d); t.detach().copy_(s)
    def after_step(self):
        self.n += 1
        if self.n % self.every == 0: self._pull(self.base ** self.every * (self.n / self.total) ** 3)
    def after_fit(self): self._pull(1.)

def bn_airbench(model, momentum=0.4, freeze_weight=True):
    "airbench's batch norm: running statistics at torch momentum 0.4 (its 0.6), and the scale weights frozen at 1."
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            if momentum is not None: m.momentum = momentum
            if freeze_weight: m.weight.requires_grad_(False)

MODELS = {'res01': dict(res_at=(0, 1)), 'res12': dict(res_at=(1, 2)), 'w24': dict(widths=(24, 48, 96, 192)),
          'w1632128': dict(widths=(16, 32, 96, 192)), 'bs512': dict(bs=512, lr=2e-2), 'noshift': dict(shift=0),
          'shift1': dict(shift=1), 'shift2': dict(shift=2),
          'bs128': dict(bs=128), 'bs128lr7': dict(bs=128, lr=7e-3), 'lr15': dict(lr=1.5e-2), 'lr2': dict(lr=2e-2),
          'lr07': dict(lr=7e-3), 'ttashift': dict(tta='shifts')}

def run(data, idea, seed, epochs, bn_mult, preset='sprint', sgd_lr=0.2, sgd_wd=5e-4):
    parts = set(idea.split('+'))
    changes = {'epochs': epochs, 'whiten': False, 'dirac': False, 'alternate': False}      # base: before notebook 10a
    if 'lib' in parts: changes.update(whiten=True, dirac=True, alternate=True)          # the presets as they stand
    for part, key in (('libwhiten', 'whiten'), ('libdirac', 'dirac'), ('libalt', 'alternate')):     # one at a time
        if part in parts: changes[key] = True
    for part in parts & set(MODELS): changes.update(MODELS[part])
    if 'ls02' in parts: changes['label_smoothing'] = 0.2
    if 'altflip' in parts: changes['flip'] = False
    r = recipe(preset, **changes)
    sgd = 'sgd' in parts
    learn = recipe_learner(data, r, seed=seed, opt_func=partial(SGD, mom=0.9, nesterov=True, wd=sgd_wd) if sgd else
                           Adam)
    if parts & {'whiten', 'whiten_nofreeze'}:
        whiten_first_conv(learn.model, data.x_train, freeze='whiten_nofreeze' not in parts)
    if 'dirac' in parts: dirac_convs(learn.model)
    if 'bnmom' in parts: bn_airbench(learn.model, freeze_weight=False)
    if 'bnfreeze' in parts: bn_airbench(learn.model, momentum=None)
    if 'logit9' in parts: learn.model[-1].register_forward_hook(lambda m, i, o: o / 9)    # airbench's scaled logits
    lr = sgd_lr if sgd else r['lr']
    if 'bnbias' in parts:
        learn.splitter = bn_bias_splitter; lr = [r['lr'], r['lr'] * bn_mult]
    cbs = ([AltFlip()] if 'altflip' in parts else []) + ([RandomErase(seed=seed)] if 'erase' in parts else [])
    if 'erase25' in parts: cbs.append(RandomErase(p=0.25, seed=seed))
    if 'lookahead' in parts: cbs.append(Lookahead())
    if 'libwhitentrain' in parts: cbs.append(WhitenInit(freeze=False))     # the library's whitening, left trainable
    t = time.perf_counter()
    learn.fit_one_cycle(r['epochs'], lr, cbs=cbs)
    fit_s = time.perf_counter() - t
    acc, plain, s = score(learn, data.x_valid, data.y_valid, tta=r['tta'])
    return dict(idea=idea, preset=preset, seed=seed, epochs=epochs, acc=acc, plain=plain, fit_s=fit_s,
                bn_mult=bn_mult if 'bnbias' in parts else None, **(dict(sgd_lr=sgd_lr, sgd_wd=sgd_wd) if sgd else {}))

def table(path, ref='base'):
    """Mean validation accuracy per idea and its paired difference from `ref` (same seed), with the standard error;
    the mean seconds of a fit and their ratio to `ref`'s (meaningful only for runs made side by side)."""
    rows = [json.loads(line) for line in open(path)]
    base = {r['seed']: r['acc'] for r in rows if r['idea'] == ref}
    base_s = statistics.mean([r['fit_s'] for r in rows if r['idea'] == ref] or [float('nan')])
    print(f"{'idea':24s} {'runs':>4s} {'mean %':>7s} {'vs ' + ref:>{max(8, len(ref) + 3)}s} {'± se':>6s} {'fit_s':>6s} "
          f"{'cost':>5s}")
    for idea in dict.fromkeys(r['idea'] for r in rows):
        accs = [r['acc'] for r in rows if r['idea'] == idea]
        d = [100 * (r['acc'] - base[r['seed']]) for r in rows if r['idea'] == idea and r['seed'] in base]
        se = statistics.stdev(d) / len(d) ** .5 if len(d) > 1 else float('nan')
        mean_d = statistics.mean(d) if d else float('nan')
        fit_s = statistics.mean(r['fit_s'] for r in rows if r['idea'] == idea)
        print(f"{idea:24s} {len(accs):4d} {100 * statistics.mean(accs):7.2f} {mean_d:+{max(8, len(ref) + 3)}.2f} "
              f"{se:6.2f} {fit_s:6.0f} {fit_s / base_s:5.2f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--ideas', nargs='+', default=['base', 'ls02', 'whiten', 'dirac', 'bnbias', 'altflip'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    ap.add_argument('--epochs', type=int, default=11)
    ap.add_argument('--preset', default='sprint')
    ap.add_argument('--bn-mult', type=float, default=4.)
    ap.add_argument('--sgd-lr', type=float, default=0.2)
    ap.add_argument('--sgd-wd', type=float, default=5e-4)
    ap.add_argument('--out', default='runs/speedrun_ideas.jsonl')
    ap.add_argument('--table', help='print the paired table of this results file and exit')
    ap.add_argument('--ref', default='base', help="the idea the table's differences are taken from")
    a = ap.parse_args()
    if a.table: table(a.table, a.ref); sys.exit(0)
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    data = fashion_tensors()
    for seed in a.seeds:
        for idea in a.ideas:
            res = run(data, idea, seed, a.epochs, a.bn_mult, a.preset, a.sgd_lr, a.sgd_wd)
            print(json.dumps(res), flush=True)
            with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')
