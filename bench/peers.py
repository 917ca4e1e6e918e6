"""One training epoch with a hand-written loop, groundup's Learner, PyTorch Lightning's Trainer and fastai's Learner.

The same model (one set of initial weights, copied), the same in-memory Fashion-MNIST tensors, the same
batch order and the same SGD (lr 0.1) for every variant, timed side by side in one process: variants are
interleaved within each round (the order flips every round) and we report medians over rounds and the ratio
to the hand loop over a PyTorch DataLoader. Only training is timed: no variant validates during the epoch
(Lightning gets no validation loader, groundup a `DataLoaders` without one, fastai a callback that cancels
validation), so what differs is the loop. Each trained model is then scored on the test set outside the
timer: variants that saw the same batches in the same order must end at the same loss.

The peers need the environment made by `bench/setup_peers_env.sh` (Lightning and fastai are not groundup
dependencies); without them, the hand loop and groundup's variants (a, a', b, b+bar, b') still run:

    python bench/peers.py --model mlp [--rounds 7] [--threads 1] [--variants a,b,c,d]
    python bench/peers.py --model cnn [--rounds 3]

Variants (letters as in bench/README.md):
  a          hand loop over torch DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True)   [baseline]
  a-again    the hand loop once more: a control whose ratios to `a` show how far apart two runs of the same code land
  a'         hand loop over groundup's TensorLoader (indexes whole batches: no per-sample collate)
  b          groundup Learner (default callbacks: TrainEval, Recorder, Device), same torch DataLoader
  b+bar      the same with the progress bar drawing (terminal mode, to /dev/null)
  b'         groundup Learner over DataLoaders.from_tensors (TensorLoader)
  c          Lightning Trainer (logger, checkpointing, progress bar, model summary, sanity check off), same DataLoader
  c-bare     Lightning Trainer(barebones=True): Lightning's own minimal-overhead mode
  d          fastai Learner (default callbacks less the progress bar; logger off), same DataLoader, fastai's SGD
  d-torchopt the same with torch.optim.SGD through fastai's OptimWrapper (the optimizer every other variant uses)
"""
import argparse, copy, logging, os, statistics, sys, time, warnings
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, default_collate

from groundup.recorder import ProgressCallback
from groundup.learner import DataLoaders, Learner
from groundup.training import TensorLoader

LR, SEED = 0.1, 0

try:
    import lightning as L
    import fastai
    from fastai.callback.core import Callback as FastaiCallback, CancelValidException
    from fastai.data.core import DataLoaders as FastaiDataLoaders
    from fastai.learner import Learner as FastaiLearner
    from fastai.optimizer import SGD as FastaiSGD, OptimWrapper
    PEERS_MISSING = None
except ImportError as e:                     # the hand loop and groundup's variants still run
    PEERS_MISSING = str(e)

for name in ('lightning.pytorch', 'lightning.fabric', 'pytorch_lightning'): logging.getLogger(name).setLevel(logging.ERROR)
warnings.filterwarnings('ignore', message='.*does not have many workers.*')
warnings.filterwarnings('ignore', message='.*LeafSpec.*')


# --- data and models ----------------------------------------------------------------------------------
def mlp_task():
    "The 784-50-10 MLP on flattened, normalised images: so little work per batch that the loop's overhead shows."
    from groundup.datasets import load_fashion_mnist
    x_train, y_train, x_valid, y_valid, *_ = load_fashion_mnist()
    x_train, x_valid = [x.reshape(len(x), -1).float() / 255 for x in (x_train, x_valid)]
    mean, std = x_train.mean(), x_train.std()
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    return model, ((x_train - mean) / std, y_train, (x_valid - mean) / std, y_valid)


def cnn_task():
    "The capstone CNN on [N,1,28,28] images, prepared as the speedrun prepares them."
    try: from groundup.speedrun import fashion_cnn, fashion_tensors
    except ImportError as e:
        sys.exit(f"--model cnn needs groundup.speedrun.fashion_cnn and fashion_tensors (nbs/11_fashion_speedrun.ipynb), "
                 f"which this checkout lacks ({e}). Run `nbdev_export`, or benchmark the MLP with --model mlp.")
    x_train, y_train, x_valid, y_valid, *_ = fashion_tensors()
    torch.manual_seed(SEED)
    return fashion_cnn(), (x_train, y_train, x_valid, y_valid)


STAMPS = []            # perf_counter() at each batch a torch loader hands out: the gaps are the loop's per-batch times

def timed_collate(samples):
    STAMPS.append(time.perf_counter())
    return default_collate(samples)

def torch_loader(x, y, bs):
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(SEED),
                      collate_fn=timed_collate)

def tensor_loader(x, y, bs):
    generator = torch.Generator().manual_seed(SEED)
    # A DataLoader's iterator first draws a worker seed from the generator, then shuffles: take the same
    # draw, so that both loaders yield the same batches and every variant must end at the same loss.
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    return TensorLoader(x, y, bs=bs, shuffle=True, generator=generator)


# --- the variants: each builds its objects untimed, then returns (seconds for one epoch, trained model) ----
def hand(model, x, y, bs, loader=torch_loader):
    dl, opt = loader(x, y, bs), torch.optim.SGD(model.parameters(), lr=LR)
    start = time.perf_counter()
    model.train()
    for xb, yb in dl:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    return time.perf_counter() - start


def groundup(model, x, y, bs, loader=torch_loader, bar=False):
    cbs = [ProgressCallback('terminal', file=open(os.devnull, 'w'))] if bar else []
    learn = Learner(model, DataLoaders(loader(x, y, bs)), lr=LR, cbs=cbs, progress=False)
    start = time.perf_counter()
    learn.fit(1)
    return time.perf_counter() - start


trainer_build_times = []

if PEERS_MISSING is None:
    class LitClassifier(L.LightningModule):
        "The smallest LightningModule that trains `model` like the hand loop does."
        def __init__(self, model):
            super().__init__()
            self.model = model
        def training_step(self, batch, batch_idx):
            xb, yb = batch
            return F.cross_entropy(self.model(xb), yb)
        def configure_optimizers(self): return torch.optim.SGD(self.parameters(), lr=LR)



    def lightning(model, x, y, bs, barebones=False):
        start = time.perf_counter()
        if barebones: trainer = L.Trainer(barebones=True, max_epochs=1, accelerator='cpu', devices=1)
        else: trainer = L.Trainer(max_epochs=1, accelerator='cpu', devices=1, logger=False, enable_checkpointing=False,
                                  enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
        trainer_build_times.append(time.perf_counter() - start)
        module, dl = LitClassifier(model), torch_loader(x, y, bs)
        start = time.perf_counter()
        trainer.fit(module, train_dataloaders=dl)
        return time.perf_counter() - start


    class SkipValidation(FastaiCallback):
        "fastai always validates after each training epoch; this cancels that so it trains only, like the other variants."
        order = -100
        def before_validate(self): raise CancelValidException()


    def fastai_learner(model, x, y, bs, opt_func=FastaiSGD):
        dl = torch_loader(x, y, bs)
        dls = FastaiDataLoaders(dl, dl)       # fastai indexes dls[1] for validation, which SkipValidation cancels
        learn = FastaiLearner(dls, model, loss_func=F.cross_entropy, opt_func=opt_func, lr=LR, cbs=[SkipValidation()])
        if hasattr(learn, 'progress'): learn.remove_cb(learn.progress)     # present once fastai.callback.progress is imported
        learn.logger = lambda *a, **k: None                                  # no per-epoch table printing
        start = time.perf_counter()
        learn.fit(1, LR)
        return time.perf_counter() - start


VARIANTS = {
    'a': partial(hand),
    'a-again': partial(hand),
    "a'": partial(hand, loader=tensor_loader),
    'b': partial(groundup),
    'b+bar': partial(groundup, bar=True),
    "b'": partial(groundup, loader=tensor_loader),
}
PEERS = ('c', 'c-bare', 'd', 'd-torchopt')
if PEERS_MISSING is None:
    VARIANTS.update({'c': partial(lightning), 'c-bare': partial(lightning, barebones=True),
                     'd': partial(fastai_learner), 'd-torchopt': partial(fastai_learner, opt_func=partial(OptimWrapper, opt=torch.optim.SGD))})


@torch.no_grad()
def test_loss(model, x, y, bs=1024):
    model.eval()
    return sum(F.cross_entropy(model(x[i:i + bs]), y[i:i + bs], reduction='sum').item() for i in range(0, len(x), bs)) / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', choices=('mlp', 'cnn'), default='mlp')
    p.add_argument('--bs', type=int, help='batch size (default: 64 for the MLP, 256 for the CNN)')
    p.add_argument('--rounds', type=int, help='timed rounds after one warm-up round (default: 7 for the MLP, 3 for the CNN)')
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads (default 1: less noise)')
    p.add_argument('--variants', default=','.join(VARIANTS), help=f'comma-separated subset of {list(VARIANTS)}')
    args = p.parse_args()
    names = [v.strip() for v in args.variants.split(',')]
    if PEERS_MISSING is not None and any(v in PEERS for v in names):
        sys.exit(f"variants {[v for v in names if v in PEERS]} need PyTorch Lightning and fastai ({PEERS_MISSING}). "
                 f"Create their environment with `bash bench/setup_peers_env.sh` and run this script with that "
                 f"environment's python, or time groundup alone: --variants {','.join(VARIANTS)}.")
    unknown = [v for v in names if v not in VARIANTS]
    if unknown: p.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    if 'a' not in names: names.insert(0, 'a')                        # the baseline every ratio is against
    bs = args.bs or (64 if args.model == 'mlp' else 256)
    rounds = args.rounds or (7 if args.model == 'mlp' else 3)

    base_model, (x_train, y_train, x_valid, y_valid) = (mlp_task if args.model == 'mlp' else cnn_task)()
    times, losses, gaps = {k: [] for k in names}, {}, {k: [] for k in names}

    def run(k):
        torch.set_num_threads(args.threads)                           # a library must not change this behind our back
        model = copy.deepcopy(base_model)                             # same initial weights for every variant and round
        STAMPS.clear()
        t = VARIANTS[k](model, x_train, y_train, bs)
        gaps[k].extend(b - a for a, b in zip(STAMPS, STAMPS[1:]))     # none for a loader of groundup's own (a', b')
        if torch.get_num_threads() != args.threads: print(f"warning: {k} changed torch threads to {torch.get_num_threads()}")
        losses.setdefault(k, set()).add(round(test_loss(model, x_valid, y_valid), 6))
        return t

    for k in names: run(k)                                            # warm-up: lazy imports, allocator, caches
    trainer_build_times.clear()
    for k in names: gaps[k].clear()
    for r in range(rounds):
        for k in (names if r % 2 == 0 else names[::-1]): times[k].append(run(k))

    n_batches = len(torch_loader(x_train, y_train, bs))
    peers = f"lightning {L.__version__}, fastai {fastai.__version__}" if PEERS_MISSING is None else "no peers installed"
    print(f"{args.model}: torch {torch.__version__}, {peers}; "
          f"{args.threads} thread(s), bs={bs}, {n_batches} batches/epoch, {rounds} rounds (+1 warm-up), training only, "
          f"{sum(p.numel() for p in base_model.parameters()):,} parameters")
    base = statistics.median(times['a'])
    # `ratio` is median over median; `paired` is the median of each round's own ratio to `a`, which a
    # slow drift in the machine's load (other processes) disturbs less; `batch` is the median time from one batch
    # to the next over every round, as a ratio to `a`'s: a burst of load (another process, a virtual machine's
    # stolen time) slows some batches and leaves the median alone.
    batch_a = statistics.median(gaps['a'])
    print(f"median time from one batch to the next in the hand loop: {batch_a * 1e6:.1f} us")
    print(f"{'variant':<12}{'median s':>10}{'ratio':>8}{'paired':>8}{'batch':>8}{'min s':>8}{'max s':>8}{'test loss':>11}")
    for k in names:
        ts = times[k]
        med, paired = statistics.median(ts), statistics.median(t / t_a for t, t_a in zip(ts, times['a']))
        loss = ', '.join(f"{l:.5f}" for l in sorted(losses[k]))
        batch = f"{statistics.median(gaps[k]) / batch_a:.3f}" if gaps[k] else '-'
        print(f"{k:<12}{med:>10.3f}{med / base:>8.3f}{paired:>8.3f}{batch:>8}{min(ts):>8.3f}{max(ts):>8.3f}{loss:>11}")
    if trainer_build_times:
        print(f"Lightning Trainer construction (not in the times above): median {statistics.median(trainer_build_times) * 1e3:.1f} ms")
    # Every variant trains the same weights on the same batches in the same order with the same SGD step.
    all_losses = set().union(*losses.values())
    if max(all_losses) - min(all_losses) > 1e-4: print(f"warning: the variants' test losses differ: {losses}")


if __name__ == '__main__':
    main()
