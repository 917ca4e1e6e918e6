#!/usr/bin/env bash
# README.md is generated from nbs/index.ipynb (nbdev_readme needs Quarto, which we do without).
#   bash scripts/make_readme.sh           write README.md
#   bash scripts/make_readme.sh --check   exit 1 if README.md differs from what it would write
set -euo pipefail
cd "$(dirname "$0")/.."
new=$(jupyter nbconvert --to markdown --stdout --log-level=ERROR nbs/index.ipynb)
if [ "${1:-}" = "--check" ]; then
  diff -u README.md <(printf '%s\n' "$new") >/dev/null || { diff -u README.md <(printf '%s\n' "$new") | head -20; exit 1; }
  echo "README.md in sync with nbs/index.ipynb"
else
  printf '%s\n' "$new" > README.md.tmp && mv README.md.tmp README.md && echo "wrote README.md"
fi
