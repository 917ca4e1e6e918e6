#!/usr/bin/env bash
# Install, then run every test: the library must be in sync with the notebooks, the notebooks
# clean, README.md in sync with nbs/index.ipynb, no unused or undefined names (ruff's pyflakes
# checks), and every notebook cell must pass (nbdev_test).
# Slow cells (marked `#| slow`) are skipped; run them with: bash scripts/test.sh --flags slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"

fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
printf '\n==> checks\n'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  nbdev_export
  [ -z "$(git status --porcelain -- groundup)" ] || { git status --short -- groundup; git diff --stat -- groundup;
    fail "groundup/ is out of sync with the notebooks: run nbdev_export and commit the result"; }
  nbdev_clean
  [ -z "$(git status --porcelain -- nbs)" ] || { git status --short -- nbs;
    fail "notebooks are not clean: run nbdev_clean and commit the result"; }
  echo "library in sync with notebooks; notebooks clean"
else
  echo "not a git checkout: skipping the export/clean checks"
fi
bash scripts/make_readme.sh --check || fail "README.md is out of date: run bash scripts/make_readme.sh and commit it"
ruff check --select F groundup/ || fail "ruff finds unused or undefined names in groundup/: fix them in the notebooks, then nbdev_export"
echo "ruff: no findings in groundup/"

printf '\n==> nbdev_test %s\n' "$*"
n=$(find nbs -name '[0-9]*.ipynb' -o -name index.ipynb | wc -l)
start=$(date +%s)
# One thread per worker: nbdev_test runs two notebooks at once, and two cores shared by
# two multi-threaded torch processes run slower than one thread each.
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} nbdev_test "$@" || fail "nbdev_test: a notebook failed (see above)"
echo "notebooks: $n passed, 0 failed in $(( $(date +%s) - start )) s"
