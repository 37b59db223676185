#!/usr/bin/env bash
# Builds mapfault and its benchmarks with GCC's profile-guided optimisation, in build-pgo/:
# (1) an instrumented build (MAPFAULT_PGO=generate); (2) a training run of the product, not of the
# benchmarks: `mapfault run` of every controlled-mode backend x built-in scenario, one worker;
# (3) the optimised build (MAPFAULT_PGO=use) from that profile. What it changes, and the command
# that measured it: docs/performance.md#profile-guided-optimisation.
#   bench/pgo_build.sh     # -> build-pgo/mapfault, build-pgo/bench/mapfault_bench
set -euo pipefail
cd "$(dirname "$0")/.."

command -v python3 >/dev/null ||
  { echo "pgo_build.sh: needs python3 to read the backend list (apt-get install python3)" >&2; exit 1; }
dir=build-pgo
profile="$PWD/$dir/pgo-profile"
rm -rf "$profile"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAPFAULT_BUILD_TESTS=OFF \
  -DMAPFAULT_PGO=generate -DMAPFAULT_PGO_DIR="$profile" >&2
cmake --build "$dir" --target mapfault mapfault_bench >&2
train=$(mktemp -d)
trap 'rm -rf "$train"' EXIT
# Every backend that runs in controlled mode (the white-box ones and the mutants).
backends=$("./$dir/mapfault" list backends --json | python3 -c '
import json, sys
print(" ".join("--backend " + b["id"] for b in json.load(sys.stdin)["backends"]
               if "controlled" in b["modes"]))')
# Exit status 1 is a run that found broken invariants (the mutants do): a training run all the same.
status=0
# shellcheck disable=SC2086  # one word per flag
"./$dir/mapfault" run --mode controlled $backends --jobs 1 --trials 1000 --seed 1 --out "$train" \
  >/dev/null || status=$?
[ "$status" -le 1 ] || { echo "pgo_build.sh: the training run failed ($status)" >&2; exit 1; }
cmake -S . -B "$dir" -DMAPFAULT_PGO=use >&2
cmake --build "$dir" --target mapfault mapfault_bench >&2
echo "pgo_build.sh: $dir/mapfault and $dir/bench/mapfault_bench built from $profile" >&2
