#!/usr/bin/env bash
# Install groundup for development into a virtual environment (.venv by default).
#   - torch first, pinned, so pip does not pull a multi-GB CUDA build where a CPU wheel is wanted.
#     Override with TORCH_SPEC, e.g. TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
#   - then this project with its dev tools (nbdev 2, jupyter, ruff), and nbdev's git hooks in a git checkout
#   - then the Fashion-MNIST data from Debian's package, when this machine has apt and we are root
#     (elsewhere the loader downloads the data on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

say() { printf '\n==> %s\n' "$*"; }
# pip on some machines warns about configured package folders that do not exist: drop that noise only.
pip_install() { "$py" -m pip install "$@" 2> >(grep -v "^WARNING: Location '.*' is ignored" >&2); }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
py="$VENV/bin/python"
pip_install -q --upgrade pip

if "$py" -c "import torch" 2>/dev/null; then
  say "torch $("$py" -c 'import torch; print(torch.__version__)') already installed"
else
  say "installing $TORCH_SPEC"
  # shellcheck disable=SC2086  # TORCH_SPEC may carry pip options
  pip_install -q $TORCH_SPEC
fi

say "installing groundup (editable) with its dev tools"
pip_install -q -e ".[dev]"
"$py" -c "import groundup, torch; print('groundup', groundup.__version__, 'with torch', torch.__version__)"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ -z "${CI:-}" ]; then
  # nbdev's git hooks: notebooks merge cell by cell (nbdev_merge) and are trusted after a pull.
  # They only touch .git/config (the hook settings live in the committed .gitconfig/.gitattributes).
  say "installing nbdev's git hooks"
  (. "$VENV/bin/activate" && nbdev_install_hooks >/dev/null)
fi

if [ -d /usr/share/datasets/fashion-mnist ]; then
  say "Fashion-MNIST: system copy found in /usr/share/datasets/fashion-mnist"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  say "installing Debian's dataset-fashion-mnist"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; }; then
    echo "WARNING: could not install dataset-fashion-mnist; the loader will try to download the data." >&2
  fi
else
  say "Fashion-MNIST: no system copy; the loader downloads it into ~/.cache/groundup on first use"
fi
