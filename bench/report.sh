#!/usr/bin/env bash
# Regenerates the measured tables of docs/performance.md (between the bench-tables markers): builds
# the benchmarks in Release (build-bench/), runs `mapfault_bench --tables` pinned to CPU 0 (each
# figure the best of 3 runs), and splices its Markdown into the page. Run it on an idle machine whenever a figure may have moved,
# and commit the result with the change that moved it.
#   bench/report.sh            # regenerate docs/performance.md
#   bench/report.sh --print    # only print the tables
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAPFAULT_BUILD_TESTS=OFF >&2
cmake --build build-bench --target mapfault_bench >&2
tables=$(mktemp)
trap 'rm -f "$tables"' EXIT
taskset -c 0 ./build-bench/bench/mapfault_bench --tables >"$tables"
if [ "${1:-}" = "--print" ]; then
  cat "$tables"
  exit 0
fi
doc=docs/performance.md
grep -q '<!-- bench-tables:begin -->' "$doc" || { echo "report.sh: no bench-tables markers in $doc" >&2; exit 1; }
awk -v tables="$tables" '
  /<!-- bench-tables:begin -->/ { print; while ((getline line < tables) > 0) print line; skip = 1; next }
  /<!-- bench-tables:end -->/ { skip = 0 }
  !skip' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "report.sh: $doc regenerated" >&2
