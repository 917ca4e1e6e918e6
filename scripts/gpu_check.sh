#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, in under 5 minutes: fp16 mixed precision with our
# DynamicLossScaler and with torch's GradScaler (MixedPrecision), DeviceCallback, a 1-GPU DDP fit
# with nccl (learn.distrib_ctx), no host syncs in a training loop (torch.cuda.set_sync_debug_mode),
# and a timed epoch of the capstone CNN. Where there is no GPU it says so and exits 0.
#     bash scripts/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
[ -f "${VENV:-.venv}/bin/activate" ] && . "${VENV:-.venv}/bin/activate"
if ! python -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_check: no GPU here (torch.cuda.is_available() is False), skipped."
  exit 0
fi
exec timeout 300 python - <<'PY'
import time, torch, torch.nn.functional as F
from torch import nn
from groundup.all import (Callback, DataLoaders, DynamicLossScaler, Learner, MixedPrecision, accuracy, fashion_learner,
                          fashion_tensors)
from groundup.distributed import free_port
dev = torch.device('cuda')
print('gpu_check:', torch.cuda.get_device_name(0), 'torch', torch.__version__, flush=True)
data = fashion_tensors()
x, y = data.x_train[:8192].flatten(1), data.y_train[:8192]
def mlp(): torch.manual_seed(0); return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
def learner(**kw): return Learner(mlp(), DataLoaders.from_tensors(x, y, x[:2048], y[:2048], bs=256), lr=0.1, metrics=accuracy, progress=False, **kw)

# 1. fp16 with our scaler, by hand
model, scaler = mlp().to(dev), DynamicLossScaler()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for i in range(0, len(x), 256):
    xb, yb = x[i:i + 256].to(dev), y[i:i + 256].to(dev)
    with torch.autocast('cuda', torch.float16): loss = F.cross_entropy(model(xb), yb)
    scaler.scale_loss(loss).backward(); scaler.step(opt); opt.zero_grad()
assert torch.isfinite(loss) and loss.item() < 2.0, loss
print(f"ok  fp16 with DynamicLossScaler: last loss {loss.item():.3f}, scale {scaler.scale}", flush=True)

# 2. fp16 with GradScaler (MixedPrecision) and the DeviceCallback
learn = learner(cbs=MixedPrecision('fp16')); learn.fit(1)
assert next(learn.model.parameters()).device.type == 'cuda' and learn.recorder.values[-1]['accuracy'] > 0.5, learn.recorder.values
print(f"ok  fp16 with GradScaler + DeviceCallback: accuracy {learn.recorder.values[-1]['accuracy']:.3f}", flush=True)

# 3. 1-GPU DDP with nccl, equal to the plain fit
plain = learner(); plain.fit(1)
learn = learner()                                  # in this process: a forked child cannot use CUDA once the parent has
with learn.distrib_ctx(rank=0, world_size=1, port=free_port()):        # nccl, where CUDA is available
    learn.fit(1)
w = {k: v.cpu() for k, v in learn.model.state_dict().items()}
diff = max((w[k] - v.cpu()).abs().max().item() for k, v in plain.model.state_dict().items())
assert diff < 1e-5, diff
print(f"ok  DDP on 1 GPU with nccl against the plain fit: max abs diff {diff:.2e}", flush=True)

# 4. no host syncs in the training loop (the Recorder keeps numbers on the device)
learn = learner(); learn.fit(1)                               # warm-up outside the check
class NoSync(Callback):
    def before_train(self): torch.cuda.set_sync_debug_mode('error')
    def after_train(self): torch.cuda.set_sync_debug_mode(0)
learn.dls.valid = None
learn.fit(1, cbs=[NoSync()])
print("ok  no host sync during a training phase (set_sync_debug_mode('error'))", flush=True)

# 5. a timed capstone epoch
learn = fashion_learner(data, seed=0, progress=False, cbs=MixedPrecision('bf16')); learn.fit(1)
start = time.perf_counter(); learn.fit(1); torch.cuda.synchronize()
print(f"ok  capstone CNN, one epoch (bf16, bs 256): {time.perf_counter() - start:.2f} s, accuracy {learn.recorder.values[-1]['accuracy']:.4f}", flush=True)
print('gpu_check: all passed')
PY
