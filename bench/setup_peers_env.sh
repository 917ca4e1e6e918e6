#!/usr/bin/env bash
# Create a separate virtual environment for bench/peers.py: groundup next to PyTorch Lightning and fastai.
#
#     bash bench/setup_peers_env.sh [ENV_DIR]        # default: .venv-bench in the repository root
#
# The peers stay out of the development environment: they pull in many packages (fastai alone brings
# spaCy) that groundup does not need. Two traps this script steps around:
# - An unpinned `torch` dependency would make pip fetch the multi-GB CUDA build. We install the CPU
#   wheel first (TORCH_SPEC, default torch==2.13.0) and pin it with a constraints file for every later install.
# - fastai and Lightning pull in torchvision, whose PyPI wheel is built for CUDA torch and fails to import
#   next to the CPU torch; Lightning then fails to import too. Neither needs it for tabular tensors, so
#   we uninstall it at the end.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_dir="${1:-$repo/.venv-bench}"
torch_spec="${TORCH_SPEC:-torch==2.13.0}"
python="${PYTHON:-python3}"

if [ -e "$env_dir" ] && [ ! -x "$env_dir/bin/python" ]; then
    echo "error: $env_dir exists but is not a virtual environment; remove it or pass another path." >&2; exit 1
fi
[ -x "$env_dir/bin/python" ] || "$python" -m venv "$env_dir"
pip="$env_dir/bin/python -m pip"

constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
echo "$torch_spec" > "$constraints"

$pip install --upgrade pip
$pip install "$torch_spec"
$pip install -c "$constraints" -e "$repo"
# fastai 2.8 brings fastcore 2.x, which groundup also works with (it needs fastcore >= 1.5.29).
$pip install -c "$constraints" "lightning>=2.5,<3" "fastai>=2.8,<2.9"
$pip uninstall -y torchvision || true

"$env_dir/bin/python" - <<'EOF'
import torch, lightning, fastai, fastcore, groundup
from fastai.learner import Learner
from fastai.data.core import DataLoaders
print(f"ok: torch {torch.__version__}, lightning {lightning.__version__}, fastai {fastai.__version__}, "
      f"fastcore {fastcore.__version__}, groundup {groundup.__version__}")
EOF
echo "Now: $env_dir/bin/python bench/peers.py --help"
