"""Soak of the artifact loader: a million mutated files, in parts that can run apart.

Each part runs its share of the workers; a worker is one process that loads 10,000
mutations of one seed under an address-space cap of 256 MiB beyond its start
(``tests/artifact_mutations.py``, the generator CI uses with seed 2026; here seeds 1000
on). A part writes ``bench/results/artifact_fuzz_<part>of<parts>.json`` with the command
and the commit; ``combine`` adds the parts up into the README's table.

    python bench/artifact_fuzz.py run --part 0 --parts 4     # a quarter of a million inputs
    python bench/artifact_fuzz.py run --part 1 --parts 4     # (and so on, e.g. two at a time)
    python bench/artifact_fuzz.py combine                    # the table of every part found

Outcomes: accepted (a valid artifact), refused (ArtifactError, the documented error),
other exceptions, memory (MemoryError under the cap), hangs (an input slower than one
second, or a worker that did not finish in ten minutes), crashes (a worker that died).
Only the first two may be non-zero.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from provenance import ROOT, command, commit
from tables import print_table

RESULTS = ROOT / "bench" / "results"
WORKER = ROOT / "tests" / "artifact_mutations.py"
FIRST_SEED = 1000
PER_WORKER = 10_000
WORKER_TIMEOUT_S = 600
OUTCOMES = ("accepted", "refused", "other", "memory", "hangs", "crashes")
#: What the soak exercises: the loader, the modules it reads, and the worker.
EXERCISED = ("overlay/artifact.py", "overlay/encoding.py", "overlay/quote.py", "overlay/formats.py",
             "overlay/neurons", "overlay/capacity.py", "tests/artifact_mutations.py")


def run_worker(seed: int) -> dict:
    """One worker's tally; a timeout or a dead process counts as a hang or a crash of its inputs."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    try:
        done = subprocess.run([sys.executable, str(WORKER), "--seed", str(seed), "--count", str(PER_WORKER)],
                              capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        return {"seed": seed, "inputs": PER_WORKER, "hangs": 1, "examples": ["worker timed out"]}
    if done.returncode != 0:
        return {"seed": seed, "inputs": PER_WORKER, "crashes": 1, "examples": [done.stderr[-500:]]}
    return json.loads(done.stdout.splitlines()[-1])


def run_part(part: int, parts: int, inputs: int) -> Path:
    seeds = [FIRST_SEED + k for k in range(inputs // PER_WORKER) if k % parts == part]
    tested = commit(EXERCISED)  # the code the workers load, as it stands when they start
    start = time.perf_counter()
    workers = []
    for seed in seeds:
        workers.append(run_worker(seed))
        print(f"seed {seed}: " + ", ".join(f"{k} {workers[-1].get(k, 0)}" for k in OUTCOMES), flush=True)
    totals = {key: sum(w.get(key, 0) for w in workers) for key in ("inputs",) + OUTCOMES}
    result = {"command": command(), "commit": tested, "date": time.strftime("%Y-%m-%d"),
              "seconds": round(time.perf_counter() - start, 1), "part": part, "parts": parts,
              "seeds": seeds, "totals": totals, "slowest_s": max((w.get("slowest_s", 0) for w in workers), default=0),
              "examples": [e for w in workers for e in w.get("examples", [])][:20]}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"artifact_fuzz_{part}of{parts}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def combine() -> None:
    found = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("artifact_fuzz_*of*.json"))]
    if not found:
        sys.exit("no parts in bench/results/: run `python bench/artifact_fuzz.py run` first")
    rows = [[f"{r['part']} of {r['parts']}", r["commit"], r["seeds"][0] if r["seeds"] else "-",
             *(f"{r['totals'][k]:,}" for k in ("inputs",) + OUTCOMES), f"{r['slowest_s'] * 1e3:.0f}",
             f"{r['seconds']:.0f}"] for r in found]
    total = {k: sum(r["totals"][k] for r in found) for k in ("inputs",) + OUTCOMES}
    rows.append(["all", "", "", *(f"{total[k]:,}" for k in ("inputs",) + OUTCOMES),
                 f"{max(r['slowest_s'] for r in found) * 1e3:.0f}", f"{sum(r['seconds'] for r in found):.0f}"])
    print_table("Artifact loader soak (mutated files)",
                ["part", "commit", "first seed", "inputs", *OUTCOMES, "slowest input (ms)", "seconds"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run one part of the soak")
    run.add_argument("--part", type=int, default=0)
    run.add_argument("--parts", type=int, default=1)
    run.add_argument("--inputs", type=int, default=1_000_000, help="inputs over all parts")
    sub.add_parser("combine", help="print the table of every part in bench/results/")
    args = parser.parse_args()
    if args.action == "run":
        if not 0 <= args.part < args.parts:
            sys.exit(f"--part must lie in [0, {args.parts}), got {args.part}")
        print(f"wrote {run_part(args.part, args.parts, args.inputs)}")
    else:
        combine()


if __name__ == "__main__":
    main()
