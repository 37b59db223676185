#!/usr/bin/env python3
"""Where a run's time went: sums the `phase_seconds` of the cells of a results.json (one mode, by
default perturbed) and prints a Markdown table of each phase's seconds and share, with the cells'
trials per second of worker time and per second of wall time (phases incl. follow-up replays).

  ./build-bench/mapfault run --backend std_unordered --backend absl_mutex --backend tbb_hash \\
      --backend tbb_unordered --trials 2000 --jobs 2 --no-progress --out /tmp/pt
  bench/phase_table.py /tmp/pt/results.json [--mode perturbed|controlled|all]
"""
import argparse
import json

PHASES = ["fork", "setup", "thread_start", "trial", "checking", "waiting", "died", "replays"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--mode", default="perturbed", choices=["perturbed", "controlled", "all"])
    args = parser.parse_args()
    with open(args.results) as f:
        results = json.load(f)
    cells = {}
    for row in results["results"]:  # one row per invariant; the cell fields repeat
        if args.mode != "all" and row["mode"] != args.mode:
            continue
        cells[(row["backend"], row["scenario"], row["mode"], row["strategy"])] = row
    if not cells:
        raise SystemExit(f"phase_table.py: no {args.mode} cells in {args.results} "
                         "(choose another --mode: perturbed, controlled or all)")
    totals = dict.fromkeys(PHASES, 0.0)
    trials = worker = 0.0
    for row in cells.values():
        trials += row["trials_run"]
        worker += row["worker_seconds"]
        for p in PHASES:
            totals[p] += row.get("phase_seconds", {}).get(p, 0.0)
    whole = sum(totals.values())
    print(f"{len(cells)} {args.mode} cells, {int(trials)} trials: "
          f"{trials / worker:.0f} trials/s of worker time, "
          f"{trials / whole:.0f} trials/s counting the follow-up replays; "
          f"run wall time {results['seconds']:.1f} s\n")
    print("| phase | seconds | share |")
    print("|---|---:|---:|")
    for p in PHASES:
        print(f"| {p} | {totals[p]:.2f} | {100 * totals[p] / whole:.1f}% |")
    print(f"| total | {whole:.2f} | 100% |")


if __name__ == "__main__":
    main()
