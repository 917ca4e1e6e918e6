#!/usr/bin/env bash
# Build the course website into _docs/: install, then execute every notebook nbs/[0-9]*.ipynb in a
# fresh kernel and render it to HTML (code, prose, outputs and plots), plus _docs/index.html, built
# from nbs/index.ipynb, with a table of contents linking every page. Open _docs/index.html in a browser.
#   bash scripts/make_docs.sh           every cell runs, the slow training runs too: the complete site
#   bash scripts/make_docs.sh --fast    skip cells whose first line is `#| slow` (a quick preview)
#   bash scripts/make_docs.sh --check   then open every page in headless Chromium and check it
#                                       (scripts/docs/check_site.py; installs Debian's chromium if missing)
# The site is built in a temporary folder and replaces _docs/ only when every notebook ran; a failing
# notebook makes the command exit 1, naming it. Torch uses all cores unless OMP_NUM_THREADS says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
fast=() check=0
for arg in "$@"; do
  case "$arg" in
    --fast) fast=(--fast) ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "make_docs.sh: unknown option $arg (use --fast and/or --check)" >&2; exit 2 ;;
  esac
done

bash scripts/install.sh
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"

printf '\n==> building the site in _docs/\n'
start=$(date +%s)
# ipykernel warns on every kernel start that its local TCP sockets are unencrypted: drop that noise only.
python scripts/docs/build_site.py ${fast[@]+"${fast[@]}"} 2> >(grep -v 'Kernel is running over TCP without encryption' >&2)
echo "    built in $(( $(date +%s) - start )) s: open _docs/index.html"

if [ "$check" = 1 ]; then
  printf '\n==> checking every page in headless Chromium\n'
  browser=${CHROME:-}
  for exe in chromium chromium-browser google-chrome google-chrome-stable; do
    [ -n "$browser" ] && break
    command -v "$exe" >/dev/null 2>&1 && browser=$(command -v "$exe")
  done
  if [ -z "$browser" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      echo "installing Debian's chromium"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
      browser=$(command -v chromium)
    else
      echo "FAILED: no Chromium or Chrome found: install one (e.g. apt-get install chromium) or set CHROME=/path/to/it" >&2
      exit 1
    fi
  fi
  shots=$(mktemp -d "${TMPDIR:-/tmp}/groundup-docs-screenshots.XXXXXX")
  python scripts/docs/check_site.py --browser "$browser" --screenshots "$shots"
fi
