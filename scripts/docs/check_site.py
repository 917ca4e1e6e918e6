"""Open every page of the built site in headless Chromium and check what a reader would see.

    python scripts/docs/check_site.py [--site _docs] [--screenshots DIR] [--browser PATH]

For each notebook `nbs/[0-9]*.ipynb` the site must have a page that loads without a JavaScript error
or a failed local resource, whose <title> is the notebook's `# Title`, where every <img> has loaded
(naturalWidth > 0) and which shows at least as many figures as the executed notebook made (so a page
with plots shows them). The index must load too and link to every page. With `--screenshots`, each
page's first screen is saved as a PNG there and checked not to be blank.

Chromium is driven over its DevTools protocol on a pipe (`--remote-debugging-pipe`), with the
standard library only. Requests to other hosts (the MathJax and require.js CDNs) are blocked, so the
check is offline and fast; they are listed, not failed. The browser: --browser, else $CHROME, else the
first of chromium, chromium-browser, google-chrome, google-chrome-stable on PATH.
"""
import argparse, base64, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbformat  # noqa: E402
from build_site import REPO, course_notebooks, plain, title_and_summary  # noqa: E402


class Browser:
    "Headless Chromium spoken to over the DevTools protocol: JSON messages ending in NUL on fds 3 (in) and 4 (out)."
    def __init__(self, exe, width=1280, height=900):
        self.profile = tempfile.mkdtemp(prefix='docs-check-chromium-')
        to_r, self._to = os.pipe()
        self._from, from_w = os.pipe()

        def child_fds():  # move the pipe ends to 3 and 4, where Chromium looks for them
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3); os.dup2(b, 4)

        args = [exe, '--headless', '--remote-debugging-pipe', '--disable-gpu', '--no-first-run',
                '--no-default-browser-check', '--disable-extensions', '--hide-scrollbars', '--mute-audio',
                f'--window-size={width},{height}', f'--user-data-dir={self.profile}', 'about:blank']
        # Chromium refuses to run as root with its sandbox, and CI runners and containers often
        # cannot give it one; it only opens our own local pages here.
        if os.geteuid() == 0 or os.environ.get('CI'): args.insert(1, '--no-sandbox')
        self.proc = subprocess.Popen(args, preexec_fn=child_fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r); os.close(from_w)
        self._buf, self._id, self.events = b'', 0, []

    def _read(self, timeout):
        import select
        while b'\0' not in self._buf:
            ready, _, _ = select.select([self._from], [], [], timeout)
            if not ready: raise TimeoutError('no answer from Chromium')
            chunk = os.read(self._from, 1 << 20)
            if not chunk: raise RuntimeError('Chromium exited')
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b'\0')
        return json.loads(msg)

    def send(self, method, session=None, timeout=30, **params):
        self._id += 1
        msg = {'id': self._id, 'method': method, 'params': params}
        if session: msg['sessionId'] = session
        os.write(self._to, json.dumps(msg).encode() + b'\0')
        deadline = time.time() + timeout
        while True:
            m = self._read(max(0.1, deadline - time.time()))
            if m.get('id') == self._id:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            self.events.append(m)

    def wait_for(self, method, session, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get('method') == method and m.get('sessionId') == session:
                    return self.events.pop(i)
            self.events.append(self._read(max(0.1, deadline - time.time())))

    def close(self):
        try: self.send('Browser.close', timeout=5)
        except Exception: pass
        try: self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired: self.proc.kill()
        os.close(self._to); os.close(self._from)
        shutil.rmtree(self.profile, ignore_errors=True)


PAGE_FACTS = """(() => {
  const imgs = [...document.images];
  return {title: document.title,
          h1: (document.querySelector('h1') || {}).textContent || '',
          images: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.src || '').slice(0, 60)),
          links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
          text: document.body ? document.body.innerText.length : 0};
})()"""


def check_page(b, url, shot=None):
    "Load one page in a fresh tab; return its facts and the problems seen while loading."
    target = b.send('Target.createTarget', url='about:blank')['targetId']
    session = b.send('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
    for domain in ('Page', 'Runtime', 'Network', 'Log'): b.send(f'{domain}.enable', session)
    b.send('Network.setBlockedURLs', session, urls=['http://*', 'https://*'])
    b.events.clear()
    b.send('Page.navigate', session, url=url)
    b.wait_for('Page.loadEventFired', session)
    facts = b.send('Runtime.evaluate', session, expression=PAGE_FACTS, returnByValue=True)['result']['value']
    errors, blocked = [], []
    for m in b.events:
        if m.get('sessionId') != session: continue
        p = m.get('params', {})
        if m['method'] == 'Runtime.exceptionThrown':
            d = p['exceptionDetails']
            errors.append('JavaScript error: ' + (d.get('exception', {}).get('description') or d.get('text', '')).split('\n')[0])
        elif m['method'] == 'Network.loadingFailed':
            if p.get('blockedReason'): blocked.append(p.get('requestId'))
            else: errors.append(f'failed to load a resource: {p.get("errorText")}')
        elif m['method'] == 'Log.entryAdded' and p['entry'].get('level') == 'error':
            if 'ERR_BLOCKED_BY_CLIENT' not in p['entry'].get('text', ''):
                errors.append('console error: ' + p['entry'].get('text', '')[:200])
    if shot is not None:
        png = base64.b64decode(b.send('Page.captureScreenshot', session, format='png')['data'])
        shot.write_bytes(png)
        if not not_blank(shot): errors.append(f'screenshot {shot} is blank')
    b.send('Target.closeTarget', targetId=target)
    b.events.clear()
    return facts, errors, len(blocked)


def not_blank(png_path):
    import matplotlib.image as mpimg
    px = mpimg.imread(str(png_path))
    return float(px[..., :3].std()) > 0.01


def find_browser(given):
    given = given or os.environ.get('CHROME')
    if given:
        if shutil.which(given): return shutil.which(given)
        raise SystemExit(f'browser {given!r} (from --browser or $CHROME) not found')
    for exe in ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if shutil.which(exe): return shutil.which(exe)
    raise SystemExit('no Chromium found: install it (Debian/Ubuntu: apt-get install chromium) '
                     'or name it with --browser PATH or CHROME=PATH')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--site', default=str(REPO / '_docs'), help='the built site (default: _docs)')
    ap.add_argument('--screenshots', help='save and check a screenshot of each page in this folder')
    ap.add_argument('--browser', help='Chromium or Chrome executable')
    a = ap.parse_args()
    site = Path(a.site).resolve()
    if not (site / 'index.html').exists():
        raise SystemExit(f'{site}/index.html not found: build the site first (bash scripts/make_docs.sh)')
    manifest = json.loads((site / 'site.json').read_text())
    figures = {p['file']: p.get('images', 0) for p in manifest['pages']}
    shots = Path(a.screenshots) if a.screenshots else None
    if shots: shots.mkdir(parents=True, exist_ok=True)

    # What the site must hold comes from the notebooks themselves, not from the build's manifest.
    expected = {}
    for p in course_notebooks():
        title, _ = title_and_summary(nbformat.read(p, as_version=4), p)
        expected[p.stem + '.html'] = plain(title)

    start, problems, n_blocked = time.time(), [], 0
    b = Browser(find_browser(a.browser))
    try:
        b.send('Target.setDiscoverTargets', discover=False)
        index_title = manifest['title']
        for page, title in [('index.html', index_title)] + list(expected.items()):
            t0 = time.time()
            path = site / page
            if not path.exists():
                problems.append(f'{page}: missing (no page for nbs/{page[:-5]}.ipynb)'); continue
            facts, errors, blocked = check_page(b, path.as_uri(), shots / (page[:-5] + '.png') if shots else None)
            n_blocked += blocked
            mine = [f'{page}: {e}' for e in errors]
            if facts['title'] != title: mine.append(f'{page}: <title> is {facts["title"]!r}, expected {title!r}')
            if facts['broken']: mine.append(f'{page}: {len(facts["broken"])} of {facts["images"]} images did not load')
            if facts['images'] < figures.get(page, 0):
                mine.append(f'{page}: shows {facts["images"]} figures; the executed notebook made {figures[page]}')
            if facts['text'] < 200: mine.append(f'{page}: almost no text ({facts["text"]} characters)')
            if page == 'index.html':
                linked = {re.sub(r'#.*', '', h) for h in facts['links']}
                mine += [f'index.html: no link to {p}' for p in expected if p not in linked]
            problems += mine
            print(f'{"FAIL" if mine else "ok  "} {page:32} {facts["title"][:50]!r:54} {facts["images"]} figures, '
                  f'{time.time() - t0:.1f} s', flush=True)
    finally:
        b.close()
    print(f'{len(expected) + 1} pages (index included) checked in {time.time() - start:.1f} s '
          f'({n_blocked} requests to other hosts blocked: CDN scripts, not checked)'
          + (f'; screenshots in {shots}' if shots else ''))
    if problems:
        print('\nFAILED:\n  ' + '\n  '.join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
