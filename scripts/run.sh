#!/usr/bin/env bash
# The main job: install, then run the whole course headless, slow cells included, on the real
# Fashion-MNIST data. Executed notebooks (with their plots and tables) land in _run/, as .ipynb
# to open in Jupyter and as .html to open in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# shellcheck disable=SC1091
. "${VENV:-.venv}/bin/activate"
mkdir -p _run
for nb in nbs/[0-9]*.ipynb; do
  printf '\n==> running %s\n' "$nb"
  start=$(date +%s)
  jupyter nbconvert --to notebook --execute --log-level=ERROR --ExecutePreprocessor.timeout=1800 \
    --output-dir _run "$nb"
  jupyter nbconvert --to html --log-level=ERROR --output-dir _run "_run/$(basename "$nb")"
  echo "    done in $(( $(date +%s) - start )) s: _run/$(basename "${nb%.ipynb}").html"
done
printf '\nAll notebooks ran. Open _run/*.html in a browser, or _run/*.ipynb in Jupyter.\n'
