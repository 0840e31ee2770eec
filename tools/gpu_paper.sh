#!/usr/bin/env bash
# The paper-scale pipeline of some models on a CUDA machine, keeping only small artifacts for the repository.
# Usage, from any directory:   bash tools/gpu_paper.sh MODEL [MODEL ...]      e.g. bash tools/gpu_paper.sh dvae svae
# Needs python3 with torch (and triton) for CUDA. The packages the machine may lack (igraph, texttable, openTSNE,
# fastcore) are installed from the wheels in .whl/ of the repository (made by tools/gpu_wheels.sh where PyPI is
# reachable) into /tmp/site, which goes on PYTHONPATH with the repository; SKIP_WHEELS=1 skips that when the
# environment already has them.
# Environment variables:
#   STAGES    the stages to run, in order (default "smoke bench paper"):
#     smoke   the tiny-scale pipeline of the models on the device (seconds; catches CUDA-only errors early)
#     bench   benchmarks/train_speed.py, eager and compiled (CUDA graphs), paper sizes, 50 batches each
#     ptrain  the models' paper-scale training at once, one process each sharing the GPU, resumed from the
#             newest checkpoint in results/paper/<model> (then 'paper' evaluates them)
#     paper   opemb replicate --scale paper for the models, stopped before the deadline if need be
#   DEADLINE  seconds the whole script may take (default 570): each stage is given what is left, minus a margin
#   DEVICE    torch device (default cuda); DEVICE=cpu is a dry run without a GPU
#   OUT       output folder (default /tmp/out)
# Writes $OUT/log.txt, $OUT/bench.jsonl, $OUT/paper-<model>.tar.gz (results/paper/<model> without checkpoints,
# weights or intermediate latents: only the newest final latent dump) and $OUT/paper-top.tar.gz (ledger, summary).
# Unpack them in the repository root with tar xzf to update results/paper. DVAE-EMB's iterations can span several
# runs: each continues from the last embedding_iter<t>.npy in results/paper/dvae-emb (train's resume).
set -uo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS; DEADLINE=${DEADLINE:-570}; STAGES=${STAGES:-smoke bench paper}; DEVICE=${DEVICE:-cuda}
[ "${SKIP_WHEELS:-0}" = 1 ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; LOG="$OUT/log.txt"
left() { echo $((DEADLINE - (SECONDS - T0))); }
say() { echo "[$((SECONDS - T0)) s] $*" | tee -a "$LOG"; }
nvidia-smi --query-gpu=name,memory.total --format=csv | tee -a "$LOG"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" 2>&1 | tee -a "$LOG"
MODELS="$*"
replicate() {  # timeout scale out-dir
  timeout "$1" python3 -c "import sys, opemb_nb.replicate as r; r.replicate_cli(['--scale', sys.argv[1], '--device', '$DEVICE', '--out', sys.argv[2], '--models', *sys.argv[3:]])" "$2" "$3" $MODELS
}
bring_back() {  # one tar per model: no weights or checkpoints, only the newest final latent dump (<= 16 MiB a file)
  for m in $MODELS; do
    d=results/paper/$m; [ -d "$d" ] || continue
    last=$(ls "$d"/latent_epoch*.npz 2>/dev/null | sort -V | tail -1)
    find "$d" -maxdepth 1 -type f ! -name 'checkpoint*.pt' ! -name 'model.pt' ! -name '.*' ! -name 'latent_*' >/tmp/files.txt
    [ -n "$last" ] && echo "$last" >>/tmp/files.txt
    tar czf "$OUT/paper-$m.tar.gz" -T /tmp/files.txt
  done
  tar czf "$OUT/paper-top.tar.gz" $(ls results/paper/ledger.json results/paper/summary.json 2>/dev/null) 2>/dev/null
}
for stage in $STAGES; do
  case $stage in
    smoke) say "smoke: tiny scale on $DEVICE: $MODELS"
           replicate $(( $(left) - 30 )) tiny /tmp/tiny >>"$LOG" 2>&1 \
             || { say "smoke FAILED (see log.txt)"; exit 1; } ;;
    bench) say "bench: train_speed eager and compiled on $DEVICE: $MODELS"
           for c in "" "--compile inductor"; do
             timeout $(( $(left) - 30 )) python3 benchmarks/train_speed.py --models $MODELS --batches 50 --warmup 5 --device $DEVICE --ops --json $c \
               2>>"$LOG" | tee -a "$OUT/bench.jsonl" | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); c = r.get('compile') or {}
    print(f\"{r['model']:9s} {r['s_per_epoch']:7.2f} s/epoch ({r['s_per_batch']*1e3:.2f} ms/batch) ops/step {r['ops_per_step']} \"
          f\"{('compile=%s/%s %s' % (c['backend'], c['mode'], 'ok' if c['compiled'] else c['error'])) if c else 'eager'} warm-up {r['warmup_s']:.0f} s\")" | tee -a "$LOG"
           done ;;
    ptrain) say "ptrain: paper-scale training of $MODELS at once, one process each ($(left) s left)"
           pids=""
           for m in $MODELS; do
             timeout $(( $(left) - 60 )) python3 -c 'import sys; from opemb_nb.cli import main; main(sys.argv[1:])' train --model $m --out results/paper/$m --device $DEVICE \
               --save-every 100 --resume --quiet $([ "$DEVICE" = cuda ] && case $m in dvae|dvae-emb|gcn|gcn-emb) echo --compile inductor;; esac) >"$OUT/train-$m.txt" 2>&1 &
             pids="$pids $!"
           done
           for p in $pids; do wait $p; done
           for m in $MODELS; do say "$m: $(tail -1 "$OUT/train-$m.txt")"; cat "$OUT/train-$m.txt" >>"$LOG"; rm -f "$OUT/train-$m.txt"; done
           bring_back ;;
    paper) say "paper: $MODELS ($(left) s left)"
           replicate $(( $(left) - 40 )) paper results/paper >>"$LOG" 2>&1
           say "paper: exit $?"
           for d in results/paper/*/; do [ -f "$d/log.csv" ] && say "$d: $(tail -1 "$d/log.csv")"; done
           bring_back ;;
    *) say "unknown stage $stage"; exit 2 ;;
  esac
done
ls -la "$OUT"
