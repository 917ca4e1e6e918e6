"""Does `torch.compile` or the channels-last layout buy the capstone more epochs in a 60 s or a 180 s budget?

The sprint recipe of notebook 11 (its model, augmentation, bf16 where the CPU has it, validation at the end only),
trained for `--epochs` fixed epochs in four variants, one after another in one process and alternating their order
over `--rounds` rounds:

  channels-last        the recipe as it is: model and images in the channels-last layout
  contiguous           model and images in the default (NCHW) layout
  channels-last+compile, contiguous+compile
                       the same after `learn.compile()` (inductor, which generates C++ on a CPU); the first
                       epoch includes compiling

For each variant: the first epoch, the median of the later ones (steady), the compile cost (first minus steady,
compiled variants only), and what a budget buys: the epochs that fit in 85% of 60 s and of 180 s (the share the
presets plan in) once the compile cost is paid. Inductor's on-disk caches are off, so every compile is a cold
one, as on a user's first run. Validation accuracy after the last epoch is printed to show the variants train alike.

    python bench/speedrun_compile.py [--epochs 4] [--rounds 1] [--threads 2] [--variants ...]
"""
import argparse, math, os, statistics, tempfile, time

os.environ.setdefault('TORCHINDUCTOR_FX_GRAPH_CACHE', '0')     # read when torch is imported: no warm compiles
os.environ.setdefault('TORCHINDUCTOR_AUTOGRAD_CACHE', '0')
import torch

from groundup.events import Callback
from groundup.speedrun import BUDGET_SHARE, bf16_available, fashion_tensors, recipe, recipe_learner

VARIANTS = ('channels-last', 'contiguous', 'channels-last+compile', 'contiguous+compile')


class EpochTimes(Callback):
    "Seconds of each training epoch (validation excluded)."
    def __init__(self): self.times = []
    def before_train(self): self._start = time.perf_counter()
    def after_train(self): self.times.append(time.perf_counter() - self._start)


def run(variant: str, data, epochs: int) -> tuple[list[float], float]:
    layout = torch.contiguous_format if variant.startswith('contiguous') else torch.channels_last
    data = data._replace(**{k: getattr(data, k).contiguous(memory_format=layout)
                            for k in ('x_train', 'x_valid', 'x_test')})
    timer = EpochTimes()
    learn = recipe_learner(data, recipe('sprint', epochs=epochs), seed=0, cbs=[timer])
    learn.model.to(memory_format=layout)
    if variant.endswith('+compile'):
        torch._dynamo.reset()
        os.environ['TORCHINDUCTOR_CACHE_DIR'] = tempfile.mkdtemp(prefix='inductor-')
        learn.compile()
    learn.fit(epochs)
    return timer.times, learn.recorder.values[-1]['accuracy']


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--epochs', type=int, default=4)
    p.add_argument('--rounds', type=int, default=1)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--variants', default=','.join(VARIANTS))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    names = args.variants.split(',')
    data = fashion_tensors()
    results = {k: [] for k in names}
    for r in range(args.rounds):
        for k in (names if r % 2 == 0 else names[::-1]): results[k].append(run(k, data, args.epochs))
    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU kernels {torch.backends.cpu.get_cpu_capability()}, "
          f"{'bf16' if bf16_available() else 'fp32'}, sprint recipe, {args.epochs} epochs a fit, {args.rounds} round(s)")
    print(f"{'variant':<23}{'first s':>8}{'steady s':>9}{'compile s':>10}{'ratio':>7}"
          f"{'epochs 60 s':>12}{'epochs 180 s':>13}{'valid acc':>10}")
    base = None
    for k in names:
        firsts = [t[0] for t, _ in results[k]]
        steady = statistics.median(x for t, _ in results[k] for x in t[1:])
        first = statistics.median(firsts)
        compile_s = first - steady if k.endswith('+compile') else 0.
        base = base or steady
        fits = [max(0, math.floor((b * BUDGET_SHARE - compile_s) / steady)) for b in (60, 180)]
        acc = statistics.median(a for _, a in results[k])
        print(f"{k:<23}{first:>8.2f}{steady:>9.2f}{compile_s:>10.1f}{steady / base:>7.3f}"
              f"{fits[0]:>12}{fits[1]:>13}{acc:>10.4f}")


if __name__ == '__main__':
    main()
