#!/usr/bin/env bash
# The cpu scale: the six models on the full training split with the 'cpu-types' recipe and five training seeds,
# everything after training at the paper's sizes (a 2-core CPU, hours), then the weights the package ships
# (float16): D-VAE, DVAE-EMB's second iteration and DVAE-EMB's first iteration, each of training seed 1 (the
# paper's seed, and the one the searches and the t-SNE use).
# Resumable: run it again after an interruption; finished seeds and runs are kept, a run cut off mid-training
# continues from its checkpoint. Commit results/cpu/ (the weights, checkpoints and optimiser state in it are
# git-ignored) and opemb_nb/assets/pretrained/ as each seed finishes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
opemb replicate --scale cpu --out results/cpu "$@"
python -c "
from opemb_nb.train import export_pretrained
for run, name in (('dvae', 'dvae'), ('dvae-emb-t2', 'dvae-emb'), ('dvae-emb', 'dvae-emb-t1')):
    p = export_pretrained(f'results/cpu/{run}', name); print(p, p.stat().st_size // 1024, 'KiB')"
