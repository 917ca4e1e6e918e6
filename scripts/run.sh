#!/usr/bin/env bash
# The main job: install groundup (scripts/install.sh), then train the capstone model on Fashion-MNIST
# with the `groundup-train` command and its defaults (the speed-run recipe of nbs/11_fashion_speedrun).
# Options are passed through, e.g.:  bash scripts/run.sh --epochs 5 --out runs/quick
# Outputs (checkpoints, metrics.json, loss.png, lr.png) land in runs/fashion unless --out says otherwise;
# run it again after an interruption and it continues from the last completed epoch.
# (Executing every notebook, slow cells included, is scripts/make_docs.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
printf '\n==> groundup-train %s\n' "$*"
exec "${VENV:-.venv}/bin/groundup-train" "$@"
