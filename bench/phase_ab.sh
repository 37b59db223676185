#!/usr/bin/env bash
# A/B of two mapfault binaries on perturbed cells, in one shell: the binaries alternate, PAIRS times
# (default 3), each running 400 trials of 9 perturbed cells (absl_mutex, tbb_hash, tbb_unordered x
# mixed-ops, iterate-while-erase, iterate-while-find) with --jobs 2 on CPUs 0-1, and each run prints
# its phases per trial from results.json (phase_seconds) and the load average. On a shared machine
# only the pairs' differences mean anything.
#   bench/phase_ab.sh /tmp/mapfault.before ./build-bench/mapfault [PAIRS]
set -euo pipefail
a=$1 b=$2 pairs=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
one() {
  rm -rf "$out/r"
  taskset -c 0,1 "$1" run --backend absl_mutex --backend tbb_hash --backend tbb_unordered \
    --scenario mixed-ops --scenario iterate-while-erase --scenario iterate-while-find \
    --trials 400 --jobs 2 --no-progress --out "$out/r" >/dev/null 2>&1 || true
  python3 - "$out/r/results.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
cells = {(r["backend"], r["scenario"]): r for r in j["results"]}
n = sum(r["trials_run"] for r in cells.values())
phases = {}
for r in cells.values():
    for k, v in r["phase_seconds"].items():
        phases[k] = phases.get(k, 0) + v
print(f"{sys.argv[2]:<32}", " ".join(f"{k}={1e6 * phases[k] / n:.0f}us" for k in
      ["fork", "setup", "thread_start", "trial", "checking", "waiting"]),
      "load", open("/proc/loadavg").read().split()[0])
PY
}
for _ in $(seq "$pairs"); do
  one "$a"
  one "$b"
done
