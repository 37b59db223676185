#!/usr/bin/env python3
"""The Go comparison table of docs/go.md: each claim of the seed, the verdicts of Go's real map,
RWMutex, Mutex and sync.Map (the Go plugin) next to those of their C++ stand-ins, from one run of
the shipped `go` suite (every backend of it on every scenario of it, perturbed, noise).

  examples/go-plugin/go_table.py --mapfault build/mapfault \\
      --plugin build/examples/go-plugin/libmapfault_go.so --seed 1 --update docs/go.md

runs `mapfault run --suite go --seed 1 --jobs 2 --no-progress --out OUT` (OUT a temporary
directory, or --out) and prints the table, or with --update replaces the table between the
`<!-- go-table:begin -->` and `<!-- go-table:end -->` lines of that file. `--results FILE` builds
the table from an earlier run's results.json instead of running. Standard library only.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import textwrap

# The columns: each Go backend, then the C++ stand-ins mapfault emulates it with.
GROUPS = [
    ("Go map", ["go.map", "go_checked", "naive"]),
    ("RWMutex + collect then delete", ["go.map_rwmutex", "rwlock", "collect_then_delete"]),
    ("Mutex held across a deleting range", ["go.map_mutex_delete_in_range", "mutex"]),
    ("sync.Map", ["go.sync_map", "tbb_unordered", "lockfree"]),
]
# The rows: the seed's claims, in its order, and the scenario that puts each to the test.
CLAIMS = [
    ("same-goroutine delete in range is legal", "range-erase-same-thread"),
    ("insert in range may or may not be produced", "range-insert-same-thread"),
    ("concurrent delete while ranging is fatal", "iterate-while-erase"),
    ("concurrent delete while ranging is fatal", "go-iterate-erase-fixed"),
    ("concurrent insert while ranging is fatal", "iterate-while-grow"),
    ("collect then delete is safe", "conditional-erase"),
    ("insert and delete in range, others writing", "range-insert-while-erase"),
    ("a concurrent reader sees a consistent map", "snapshot-read"),
    ("everything at once", "mixed-ops"),
    ("sync.Map.Range with concurrent Delete/Store never fails",
     "sync-map-range-delete-store"),
]
VERDICT_WORDS = {"BROKEN": "BROKEN", "OUT_OF_CONTRACT": "ooc", "DETECTED": "DETECTED"}


def cell_text(rows):
    """One cell: 'holds', 'not run', or each invariant that did not hold with its failure rate."""
    if not rows:
        return "not run"
    notes = []
    for row in rows:
        word = VERDICT_WORDS.get(row["verdict"])
        if word is None:
            continue
        trials = row.get("trials_run") or 0
        rate = 100.0 * row["failures"] / trials if trials else 0.0
        notes.append(f"{row['invariant'].removeprefix('iter.')} {word} {rate:.1f}%")
    return "<br>".join(notes) if notes else "holds"


def table(results):
    """One table per Go backend: its column, then its stand-ins' columns, one row per claim."""
    by_cell = {}
    for row in results["results"]:
        by_cell.setdefault((row["scenario"], row["backend"]), []).append(row)
    out = []
    for title, backends in GROUPS:
        out += [f"**{title}** (`{backends[0]}` and its stand-ins)", "",
                "| claim | scenario | " + " | ".join(f"`{b}`" for b in backends) + " |",
                "|---|---|" + "---|" * len(backends)]
        for claim, scenario in CLAIMS:
            cells = [cell_text(by_cell.get((scenario, b), [])) for b in backends]
            out.append(f"| {claim} | `{scenario}` | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def run_suite(args, out):
    cmd = [args.mapfault, "run", "--plugin", args.plugin, "--suite", "go", "--seed",
           str(args.seed), "--jobs", str(args.jobs), "--no-progress", "--out", out]
    if args.trials:
        cmd += ["--trials", str(args.trials)]
    print("+ " + " ".join(cmd), file=sys.stderr)
    status = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    if status not in (0, 1):  # 1: a stand-in's claim broke, which is part of the table
        raise SystemExit(f"go_table.py: mapfault run exited {status}")
    return f"{out}/results.json"


def update(path, text, header):
    with open(path) as f:
        doc = f.read()
    begin, end = "<!-- go-table:begin -->\n", "<!-- go-table:end -->"
    if begin not in doc or end not in doc:
        raise SystemExit(f"go_table.py: {path} has no {begin.strip()} ... {end} lines")
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + header + "\n" + text + end + tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mapfault", default="build/mapfault")
    parser.add_argument("--plugin", default="build/examples/go-plugin/libmapfault_go.so")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=0, help="default: the suite's (1000)")
    parser.add_argument("--out", help="the run's output directory (default: a temporary one)")
    parser.add_argument("--results", help="an earlier run's results.json: do not run")
    parser.add_argument("--update", help="a Markdown file whose go-table block to replace")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.results or run_suite(args, args.out or tmp)
        with open(path) as f:
            results = json.load(f)
    text = table(results)
    cells = {(r["backend"], r["scenario"]) for r in results["results"]}
    seed, version = results.get("seed", args.seed), results.get("mapfault_version", "?")
    header = (f"Generated by `examples/go-plugin/go_table.py` from `mapfault run --suite go --seed "
              f"{seed}` (mapfault {version}, {len(cells)} cells, "
              f"{results.get('seconds', 0):.0f} s). Each cell: the invariants "
              "that did not hold, with the share of the cell's trials that failed them; \"not "
              "run\": the backend does not allow the scenario's visitor writes.")
    header = textwrap.fill(header, 100, break_long_words=False, break_on_hyphens=False) + "\n"
    if args.update:
        update(args.update, text, header)
    else:
        sys.stdout.write(header + "\n" + text)


if __name__ == "__main__":
    main()
