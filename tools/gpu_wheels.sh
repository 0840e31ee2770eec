#!/usr/bin/env bash
# Download the wheels of the pinned packages (requirements-lock.txt) that a CUDA machine with torch may lack
# (igraph, python-igraph, texttable, openTSNE, fastcore), built for Python 3.12 on x86_64 Linux, into .whl/ of the
# repository (ignored by git). Run it where PyPI is reachable; tools/gpu_paper.sh installs them from .whl/ on the
# GPU machine, which needs no network then. Usage: bash tools/gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plat="--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64"
dl() { python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $plat -d .whl "$@"; }
mkdir -p .whl
for spec in $(grep -iE '^(igraph|python-igraph|texttable|opentsne|fastcore)==' requirements-lock.txt); do dl "$spec"; done
ls -la .whl
