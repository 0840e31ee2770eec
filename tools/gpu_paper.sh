#!/usr/bin/env bash
# Paper-scale pipeline of some models on the GPU machine (device tool), bringing back only small artifacts.
# Here:   bash tools/gpu_wheels.sh            (once per session)
# There:  bash tools/gpu_paper.sh MODEL [MODEL ...]   with carry=[".whl"], e.g. via the device tool's run:
#         command: "bash tools/gpu_paper.sh dvae svae", timeout_s 590
# Writes $OUT/paper-<models>.tar.gz (results/paper/<model>/ without checkpoints) and $OUT/log.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/log.txt"
python3 -c "import opemb_nb.replicate as r; r.replicate_cli(['--scale', 'paper', '--device', 'cuda', '--out', 'results/paper', '--models', *'$*'.split()])" 2>&1 | tee -a "$OUT/log.txt"
tar czf "$OUT/paper-$(echo "$*" | tr ' ' '_').tar.gz" --exclude='checkpoint*.pt' --exclude='model.pt' results/paper
ls -la "$OUT"
