#!/usr/bin/env bash
# The main job: install, export, run the quick-scale replication, build the book (which executes every chapter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
nbdev_export
if [ -f opemb_nb/replicate.py ]; then
  echo "== quick-scale replication (results/quick): trains and evaluates the six models"
  opemb replicate --scale quick --out results/quick
fi
echo "== building the book (executes every notebook): nbs/_build/html"
rm -rf nbs/_build/html nbs/_build/.doctrees nbs/_build/jupyter_execute
log=nbs/_build/book.log; mkdir -p nbs/_build
if ! jupyter-book build nbs >"$log" 2>&1; then tail -40 "$log"; echo "FAIL: the book build failed (log: $log)"; exit 1; fi
if grep -qE "Execution Failed|CellExecutionError|Traceback" "$log"; then grep -nE -A5 "Execution Failed|CellExecutionError" "$log" | head -40; echo "FAIL: a chapter raised (log: $log)"; exit 1; fi
test -f nbs/_build/html/index.html || { echo "FAIL: no nbs/_build/html/index.html (log: $log)"; exit 1; }
grep -q '<img' nbs/_build/html/09_graphs.html || { echo "FAIL: the §4.4 chapter has no figures (a non-inline matplotlib backend?)"; exit 1; }
echo "== done: open nbs/_build/html/index.html"
