#!/usr/bin/env bash
# The whole test suite: notebooks in sync with the package, every notebook's tests (nbdev_test), pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/venv.sh
export PATH="$PWD/.venv/bin:$PATH" OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} MPLBACKEND=Agg
echo "== checking that opemb_nb/ is what nbdev_export makes of nbs/"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r opemb_nb "$tmp/before"
nbdev_export
if ! diff -rq --exclude=__pycache__ "$tmp/before" opemb_nb; then
  echo "FAIL: opemb_nb/ differs from the notebooks' export (edit nbs/, run nbdev_export, commit both)"; exit 1
fi
echo "== nbdev_test (every notebook)"
nbdev_test --n_workers 2 --timing
echo "== pytest"
python -m pytest -q tests
