#!/usr/bin/env python3
"""A reader's budget for each numbered notebook.

Prints, per numbered notebook and in total, the main thread's words of markdown prose and lines of code
(everything before the first markdown cell whose first line is a heading starting with "Appendix"), and
the largest exported cell (`#| export` cells, in lines), and flags what is over budget:

- main thread: at most 3,000 words and 500 code lines per notebook;
- an exported cell: at most 60 lines;
- the whole course's main thread: at most 38,000 words.

Words are counted as `len(markdown.split())`, as the repository's stop hook counts them.
Exit status is non-zero only with `--check` and something over budget.
"""
import argparse, json, pathlib, re, sys

WORDS, LINES, CELL, TOTAL = 3000, 500, 60, 38000
APPENDIX = re.compile(r'#+\s*Appendix', re.I)


def measure(path):
    "Main-thread words and code lines, and the largest exported cell, of one notebook."
    cells = json.loads(pathlib.Path(path).read_text())['cells']
    main, words, loc, big = True, 0, 0, 0
    for c in cells:
        src = ''.join(c['source'])
        if c.get('cell_type') == 'markdown':
            if APPENDIX.match(src): main = False
            if main: words += len(src.split())
        elif c.get('cell_type') == 'code':
            if main: loc += len(src.splitlines())
            if src.lstrip().startswith('#| export'): big = max(big, len(src.splitlines()))
    return words, loc, big


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='exit non-zero if anything is over budget')
    ap.add_argument('--nbs', default=pathlib.Path(__file__).resolve().parent.parent / 'nbs', type=pathlib.Path)
    args = ap.parse_args(argv)
    nbs = [nb for nb in sorted(args.nbs.glob('[0-9][0-9]*_*.ipynb')) if not nb.name.startswith('99')]
    rows = [(nb.name, *measure(nb)) for nb in nbs]
    over, width = [], max(len(r[0]) for r in rows)
    print(f"{'notebook':<{width}}  {'words':>6}  {'code':>5}  {'cell':>4}  over budget")
    for name, words, loc, big in rows:
        flags = [f for f, bad in ((f'words>{WORDS}', words > WORDS), (f'code>{LINES}', loc > LINES),
                                  (f'cell>{CELL}', big > CELL)) if bad]
        over += [f'{name}: {f}' for f in flags]
        print(f"{name:<{width}}  {words:>6,}  {loc:>5,}  {big:>4}  {' '.join(flags)}")
    total_words, total_loc = sum(r[1] for r in rows), sum(r[2] for r in rows)
    flag = f'words>{TOTAL}' if total_words > TOTAL else ''
    if flag: over.append(f'all: {flag}')
    print(f"{'all':<{width}}  {total_words:>6,}  {total_loc:>5,}  {max(r[3] for r in rows):>4}  {flag}")
    print(f"budgets: main thread <= {WORDS:,} words and <= {LINES} code lines per notebook; "
          f"exported cell <= {CELL} lines; course main thread <= {TOTAL:,} words")
    if over: print(f"{len(over)} over budget: " + '; '.join(over))
    return 1 if args.check and over else 0


if __name__ == '__main__': sys.exit(main())
