#!/usr/bin/env bash
# Download (here, where PyPI is reachable) the wheels the GPU machine lacks, for Python 3.12 x86_64, into .whl/
# (.whl/ is ignored by git; carry it with the device tool: carry=[".whl"]).
set -euo pipefail
cd "$(dirname "$0")/.."
plat="--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64"
dl() { python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $plat -d .whl "$@"; }
mkdir -p .whl
for spec in $(grep -iE '^(igraph|python-igraph|texttable|opentsne|fastcore)==' requirements-lock.txt); do dl "$spec"; done
ls -la .whl
