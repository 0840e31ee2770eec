#!/usr/bin/env bash
# The cpu scale: the six models on the full training split with the 'cpu' recipe, everything after training at the
# paper's sizes (a 2-core CPU, hours), then the D-VAE and DVAE-EMB (second iteration) weights the package ships (float16).
# Resumable: run it again after an interruption and it skips what is complete. Commit results/cpu/ (the weights,
# checkpoints and optimiser state in it are git-ignored) and opemb_nb/assets/pretrained/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
opemb replicate --scale cpu --out results/cpu
python -c "
from opemb_nb.train import export_pretrained
for run, name in (('dvae', 'dvae'), ('dvae-emb-t2', 'dvae-emb')):  # DVAE-EMB: its second iteration, as the paper iterates
    p = export_pretrained(f'results/cpu/{run}', name); print(p, p.stat().st_size // 1024, 'KiB')"
