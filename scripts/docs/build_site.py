"""Build the course website: every `nbs/[0-9]*.ipynb` executed in a fresh kernel and rendered to HTML,
plus `index.html` (from `nbs/index.ipynb`) with a table of contents linking every page.

    python scripts/docs/build_site.py [--fast] [--out _docs]

The site is built in a temporary folder next to `--out` and moved into place only when every
notebook ran, so `--out` never holds a half-built site. A notebook that fails stops nothing else
from running; the command then exits 1 and names every failing notebook. It also fails on an in-page
link (`[...](#some-heading)`, written as GitHub and Quarto slug headings) that points at no heading: nbconvert
ids headings differently, so each heading gets the slug's anchor too.

What a page shows, following nbdev's conventions for directive comments (`#| ...` at a cell's top):
`#| hide` and `#| include: false` cells are left out, `#| echo: false` shows the output only,
`#| output: false` the code only, and directive lines themselves are not shown. `--fast` does not
run cells whose first line is `#| slow` (the full training runs): they are shown with a note instead.
Kernels run in nbs/ with IN_TEST=1 set, as under nbdev_test, so `nbdev_export()` cells do nothing.
"""
import argparse, html, json, os, re, shutil, sys, tempfile, time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor, CellExecutionError

REPO = Path(__file__).resolve().parents[2]
NBS = REPO / 'nbs'
_directive = re.compile(r'^\s*#\|\s*(.*?)\s*$')


# ---------------------------------------------------------------- reading notebooks
def directives(cell):
    "The nbdev directives at the top of a code cell, as {name: value} ('' when there is no value)."
    found = {}
    if cell.cell_type != 'code': return found
    for line in cell.source.splitlines():
        m = _directive.match(line)
        if not m:
            if line.strip(): break
            continue
        name, _, value = m.group(1).partition(':')
        name = name.strip()
        if ' ' in name and not value:  # `#| export` style with an argument, e.g. `#| default_exp x`
            name, _, value = name.partition(' ')
        found[name.strip().lower()] = value.strip()
    return found


def is_slow(cell):
    "nbdev_test's rule: a code cell whose first line is `#| slow`."
    lines = cell.source.splitlines()
    return cell.cell_type == 'code' and bool(lines) and re.fullmatch(r'#\|\s*slow\s*', lines[0].strip()) is not None


def plain(markdown):
    "Inline markdown to plain text, for <title> and link text: drop backticks, emphasis and link targets."
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', markdown)
    return re.sub(r'[`*_]', '', text).strip()


def title_and_summary(nb, path):
    "The notebook's first `# Heading` and the `> summary` line under it (nbdev's notebook header)."
    for cell in nb.cells:
        if cell.cell_type != 'markdown': continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith('# '):
                summary = next((l[1:].strip() for l in lines[i + 1:] if l.startswith('>')), '')
                return line[2:].strip(), summary
    raise SystemExit(f'{path}: no "# Title" heading in any markdown cell; every notebook needs one '
                     '(followed by a "> summary" line) to name its page')


def course_notebooks():
    return sorted(NBS.glob('[0-9]*.ipynb'))


# ---------------------------------------------------------------- executing
class SkipSlowExecutePreprocessor(ExecutePreprocessor):
    "Executes every code cell except, when `skip_slow` is set, cells whose first line is `#| slow`."
    def __init__(self, skip_slow=False, **kw):
        super().__init__(**kw)
        self.skip_slow = skip_slow

    def preprocess_cell(self, cell, resources, index):
        if self.skip_slow and is_slow(cell):
            cell.outputs = []
            cell.metadata['docs_skipped'] = True
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


def execute(nb, skip_slow, timeout):
    # As under nbdev_test: nbdev's own calls (a notebook's closing `nbdev_export()` cell) do nothing,
    # so building the site never rewrites the library.
    os.environ.setdefault('IN_TEST', '1')
    ep = SkipSlowExecutePreprocessor(skip_slow=skip_slow, timeout=timeout, kernel_name='python3')
    ep.preprocess(nb, {'metadata': {'path': str(NBS)}})  # cells run in nbs/, as with nbdev_test


# ---------------------------------------------------------------- preparing for display
def rewrite_links(source, pages):
    "Links to notebooks that have pages (`05_anneal.ipynb`, `nbs/05_anneal.ipynb#x`) point at the pages."
    def repl(m):
        target, anchor = m.group(2), m.group(3) or ''
        name = Path(target).name
        if '://' in target or name not in pages: return m.group(0)
        return f'{m.group(1)}{pages[name]}{anchor})'
    return re.sub(r'(\]\()([^)\s#]+\.ipynb)(#[^)\s]*)?\)', repl, source)


def for_display(nb, pages):
    "Drop hidden cells and directive lines, apply echo/output directives, point notebook links at pages."
    cells = []
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            cell.source = rewrite_links(cell.source, pages)
        elif cell.cell_type == 'code':
            d = directives(cell)
            if 'hide' in d or d.get('include') == 'false': continue
            lines = cell.source.splitlines()
            while lines and (_directive.match(lines[0]) or not lines[0].strip()): lines.pop(0)
            cell.source = '\n'.join(lines)
            if d.get('output') == 'false': cell.outputs = []
            if d.get('echo') == 'false': cell.source = ''
            if cell.metadata.pop('docs_skipped', False):
                cell.outputs = [nbformat.v4.new_output('display_data', data={'text/html':
                    '<p class="docs-skipped">Full training run: not executed in this quick build of the site '
                    '(built with <code>--fast</code>). Run the notebook to see its output.</p>'})]
            if not cell.source.strip() and not cell.outputs: continue
            if not cell.source.strip(): cell.metadata['transient'] = {'remove_source': True}
        cells.append(cell)
    nb.cells = cells
    return nb


def nav_cell(prev, nxt, where):
    def link(page, label, cls):
        if page is None: return f'<span class="{cls}"></span>'
        return f'<a class="{cls}" href="{page["file"]}">{label} {html.escape(page["plain_title"])}</a>'
    return nbformat.v4.new_markdown_cell(
        f'<nav class="docs-nav docs-nav-{where}">' + link(prev, '&larr;', 'docs-prev') +
        '<a class="docs-home" href="index.html">Contents</a>' + link(nxt, '', 'docs-next') + '</nav>')


def toc_cell(entries):
    lines = ['## Contents', '']
    for e in entries:
        lines.append(f'{len(lines) - 1}. [{e["title"]}]({e["file"]})' + (f': {e["summary"]}' if e['summary'] else ''))
    return nbformat.v4.new_markdown_cell('\n'.join(lines))


SITE_CSS = """<style type="text/css">
main { max-width: 1000px; margin: 0 auto; padding: 0 1.5em 3em; }
.docs-nav { display: grid; grid-template-columns: 1fr auto 1fr; gap: 1em; margin: 1em 0;
  padding: .5em 0; border-bottom: 1px solid #ddd; font-size: 0.95em; }
.docs-nav-bottom { border-bottom: none; border-top: 1px solid #ddd; }
.docs-nav a { text-decoration: none; } .docs-next { text-align: right; }
.docs-nav a.docs-next::after { content: " \\2192"; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.docs-skipped { color: #777; font-style: italic; }
</style>
"""


def github_slug(text):
    "A heading's anchor as GitHub and Quarto make it, which the notebooks' `](#...)` links use."
    return re.sub(r'[^\w\- ]', '', text.lower()).replace(' ', '-')


def add_slug_anchors(body):
    "nbconvert ids a heading by its text with '-' for ' ' (`Appendix:-why-sqrt(5)?`): add the GitHub slug's anchor too."
    ids = set(re.findall(r'\bid="([^"]+)"', body))
    def repl(m):
        slug = github_slug(html.unescape(m.group(2)))
        if slug in ids: return m.group(0)
        ids.add(slug)
        return f'{m.group(0)}<a id="{slug}" class="docs-slug"></a>'
    return re.sub(r'(<h[1-6][^>]*\bid=")([^"]+)("[^>]*>)', repl, body)


def unresolved_links(body):
    "The in-page links (`href=\"#x\"`) of a page that no element's id answers."
    ids = {html.unescape(i) for i in re.findall(r'\bid="([^"]+)"', body)}
    return sorted({h for h in re.findall(r'href="#([^"]+)"', body) if html.unescape(h) not in ids})


def render(nb, title):
    nb.metadata['title'] = title
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return add_slug_anchors(body.replace('</head>', SITE_CSS + '</head>', 1))


def count_images(nb):
    return sum(1 for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])
               if any(k.startswith('image/') for k in o.get('data', {})))


# ---------------------------------------------------------------- the build
def build(out, fast=False, timeout=1800):
    paths = course_notebooks()
    if not paths: raise SystemExit(f'no notebooks matching {NBS}/[0-9]*.ipynb')
    pages, entries = {}, []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        title, summary = title_and_summary(nb, p)
        entries.append({'notebook': f'nbs/{p.name}', 'file': p.stem + '.html', 'title': title,
                        'summary': summary, 'plain_title': plain(title)})
        pages[p.name] = p.stem + '.html'

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + '.tmp-', dir=out.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the site is for reading
    failed, broken = [], []
    try:
        for i, (p, e) in enumerate(zip(paths, entries)):
            start = time.time()
            print(f'==> {e["notebook"]}: executing{" (slow cells skipped)" if fast else ""}', flush=True)
            nb = nbformat.read(p, as_version=4)
            try:
                execute(nb, fast, timeout)
            except CellExecutionError as err:
                print(f'FAILED: {e["notebook"]}\n{err}', file=sys.stderr, flush=True)
                failed.append(e['notebook'])
                continue
            except Exception as err:  # kernel died, timeout, ...
                print(f'FAILED: {e["notebook"]}: {type(err).__name__}: {err}', file=sys.stderr, flush=True)
                failed.append(e['notebook'])
                continue
            e['images'] = count_images(nb)
            nb = for_display(nb, pages)
            prev = entries[i - 1] if i else None
            nxt = entries[i + 1] if i + 1 < len(entries) else None
            nb.cells = [nav_cell(prev, nxt, 'top')] + nb.cells + [nav_cell(prev, nxt, 'bottom')]
            page = render(nb, e['plain_title'])
            (tmp / e['file']).write_text(page, encoding='utf-8')
            broken += [f'{e["notebook"]}: #{h}' for h in unresolved_links(page)]
            print(f'    {e["file"]} in {time.time() - start:.0f} s ({e["images"]} figures)', flush=True)
        if failed:
            raise SystemExit('docs build failed; these notebooks raised an error (see above): ' + ', '.join(failed))
        if broken:
            raise SystemExit('docs build failed; these in-page links point at no heading '
                             '(fix the link or the heading):\n  ' + '\n  '.join(broken))

        index = nbformat.read(NBS / 'index.ipynb', as_version=4)
        title, _ = title_and_summary(index, NBS / 'index.ipynb')
        if any(c.cell_type == 'code' for c in index.cells): execute(index, fast, timeout)
        index = for_display(index, pages)
        index.cells.insert(1 if len(index.cells) > 1 else len(index.cells), toc_cell(entries))
        (tmp / 'index.html').write_text(render(index, plain(title)), encoding='utf-8')
        site = {'title': plain(title), 'fast': fast, 'pages': entries}
        (tmp / 'site.json').write_text(json.dumps(site, indent=1) + '\n', encoding='utf-8')
        (tmp / '.nojekyll').write_text('')  # GitHub Pages: serve the files as they are

        old = out.parent / (out.name + f'.old-{os.getpid()}')
        if out.exists(): os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'==> site: {out}/index.html and {len(entries)} pages')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(REPO / '_docs'), help='output folder (default: _docs)')
    ap.add_argument('--fast', action='store_true', help='skip cells whose first line is `#| slow`')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds allowed per cell (default 1800)')
    a = ap.parse_args()
    build(Path(a.out).resolve(), fast=a.fast, timeout=a.timeout)
