#!/usr/bin/env bash
# Create or refresh the project's virtual environment at .venv (Python 3.11) with the pinned package set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
echo "== installing the pinned packages (requirements-lock.txt) and opemb-nb in editable mode"
# torch is pinned in the same pip command as everything else, so pip never reaches for another build
.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements-lock.txt 'torch==2.13.0' -e '.[dev]'
