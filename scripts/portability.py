#!/usr/bin/env python3
"""Run the default notebook suite under a matrix of machine configurations and print a notebook x configuration table.

A check tuned to one machine's rounding fails on the next. This script changes what PyTorch computes with on the
machine you have: the SIMD kernels (ATEN_CPU_CAPABILITY for PyTorch's own, ONEDNN_MAX_CPU_ISA for oneDNN's
convolutions and matrix products), bf16 forced off and on (GROUNDUP_BF16), the thread count (OMP_NUM_THREADS),
the seeds (GROUNDUP_SEED_OFFSET) and the load (every core kept busy by another process), one at a time, and runs
`nbdev_test` under each. Every configuration must pass.

    python scripts/portability.py                 # the whole matrix (about 10 runs of the suite)
    python scripts/portability.py --quick         # one other capability level with one other seed offset
    python scripts/portability.py --only avx2 seed+1 --flags slow

Run it from the repository's virtual environment (`. .venv/bin/activate`). Logs go to runs/portability/.
"""
import argparse, multiprocessing, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ['default', 'avx2', 'avx512']                     # ATen's levels on x86, lowest first
ONEDNN = {'default': 'SSE41', 'avx2': 'AVX2', 'avx512': 'AVX512_CORE'}   # the matching oneDNN ceiling (no bf16/AMX)


def probe() -> dict:
    "What this machine's PyTorch runs with: its capability level and whether the CPU has bf16 instructions."
    code = ("import torch; c = torch.backends.cpu.get_cpu_capability(); "
            "f = lambda n: bool(getattr(torch.cpu, n, lambda: False)()); "
            "print(c, f('_is_avx512_bf16_supported') or f('_is_amx_tile_supported'))")
    env = {k: v for k, v in os.environ.items() if k not in ('ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA')}
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, check=True).stdout.split()
    return dict(capability=out[0], bf16=out[1] == 'True')


def configs(machine: dict) -> dict:
    "The matrix: name -> environment changes, each one change from the machine's own settings (1 thread, seed 0)."
    native = machine['capability'].lower()
    below = LEVELS[:LEVELS.index(native) + 1] if native in LEVELS else ['default']
    out = {'native': {}}
    for level in below:                                   # every level this CPU supports, with oneDNN held to it
        out[level] = dict(ATEN_CPU_CAPABILITY=level, ONEDNN_MAX_CPU_ISA=ONEDNN[level])
    if machine['bf16']: out['bf16 off'] = dict(GROUNDUP_BF16='0')     # 'native' already trains in bf16 here
    else: out['bf16 on'] = dict(GROUNDUP_BF16='1')                     # emulated, slow, but it must still pass
    out['2 threads'] = dict(OMP_NUM_THREADS='2')
    for k in (1, 2, 3): out[f'seed+{k}'] = dict(GROUNDUP_SEED_OFFSET=str(k))
    out['loaded'] = dict(_LOAD='1')
    return out


def quick(machine: dict) -> dict:
    "One run that differs from the machine's own in both the kernels (one level lower) and the seeds."
    native = machine['capability'].lower()
    level = LEVELS[max(0, LEVELS.index(native) - 1)] if native in LEVELS else 'default'
    return {f'{level}, seed+1': dict(ATEN_CPU_CAPABILITY=level, ONEDNN_MAX_CPU_ISA=ONEDNN[level], GROUNDUP_SEED_OFFSET='1')}


def busy():
    while True: pass


def run(name: str, changes: dict, flags: str, logdir: Path) -> tuple[set, float, int]:
    "Run the suite with `changes`; return the failed notebooks, the seconds it took and the exit code."
    env = {**os.environ, 'OMP_NUM_THREADS': '1', **{k: v for k, v in changes.items() if not k.startswith('_')}}
    loaders = []
    if changes.get('_LOAD'):
        loaders = [multiprocessing.Process(target=busy, daemon=True) for _ in range(os.cpu_count() or 1)]
        for p in loaders: p.start()
    start = time.perf_counter()
    try:
        cmd = ['nbdev_test', '--timing'] + (['--flags', flags] if flags else [])
        res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        for p in loaders: p.kill()
    seconds = time.perf_counter() - start
    log = logdir / (re.sub(r'[^\w+.-]+', '_', name) + '.log')
    log.write_text(f"$ {' '.join(f'{k}={v}' for k, v in changes.items())} {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    failed = set()
    if 'Tests Failed On The Following Notebooks' in res.stderr:
        failed = set(re.findall(r'^\t(\S+\.ipynb)$', res.stderr.split('Tests Failed On The Following Notebooks')[-1], re.M))
    if res.returncode and not failed: failed = {'(the run itself)'}
    return failed, seconds, res.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quick', action='store_true', help='one run: one capability level lower and seed offset 1')
    ap.add_argument('--only', nargs='+', metavar='NAME', help='run only these configurations (names as in the table)')
    ap.add_argument('--flags', default='', help="nbdev_test flags, e.g. 'slow'")
    ap.add_argument('--logs', type=Path, default=ROOT / 'runs' / 'portability', help='folder for the logs')
    args = ap.parse_args()
    machine = probe()
    matrix = quick(machine) if args.quick else configs(machine)
    if args.only:
        unknown = set(args.only) - set(matrix)
        if unknown: ap.error(f"unknown configuration(s) {sorted(unknown)}; this machine's are {list(matrix)}")
        matrix = {k: v for k, v in matrix.items() if k in args.only}
    args.logs.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    print(f"CPU capability {machine['capability']}, bf16 instructions: {'yes' if machine['bf16'] else 'no'}, "
          f"{os.cpu_count()} cores; {len(matrix)} configuration(s), logs in {args.logs}", flush=True)
    results = {}
    for name, changes in matrix.items():
        failed, seconds, rc = run(name, changes, args.flags, args.logs)
        results[name] = failed
        shown = ' '.join(f'{k}={v}' for k, v in changes.items()) or 'as the machine is'
        print(f"  {name:>10}: {'pass' if not failed else 'FAIL ' + ', '.join(sorted(failed))} in {seconds:.0f} s ({shown})",
              flush=True)
    width = max(len(n) for n in notebooks)
    print('\n' + ' ' * width + ' | ' + ' | '.join(results))
    for nb in notebooks + (['(the run itself)'] if any('(the run itself)' in f for f in results.values()) else []):
        print(f"{nb:<{width}} | " + ' | '.join(f"{'FAIL' if nb in f else 'ok':^{len(name)}}" for name, f in results.items()))
    bad = [n for n, f in results.items() if f]
    if bad: print(f"\nfailed: {', '.join(bad)} (logs in {args.logs})")
    print(f"\nportability: {len(results) - len(bad)} passed, {len(bad)} failed")
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
