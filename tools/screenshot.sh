#!/usr/bin/env bash
# Screenshot of a rendered book page with headless Chromium: tools/screenshot.sh PAGE.html OUT.png [HEIGHT]
set -euo pipefail
page=${1:?page, e.g. nbs/_build/html/09_graphs.html}; out=${2:?output png}; h=${3:-3000}
chromium --headless --no-sandbox --disable-gpu --disable-quic --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \
  --virtual-time-budget=8000 --hide-scrollbars --screenshot="$out" --window-size=1280,"$h" "file://$(realpath "$page")" 2>/dev/null
