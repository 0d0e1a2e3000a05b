"""Bench for the design-space sweeps: the Pareto front of accuracy, energy and IP cycles.

Each case is one ``pynq-snn sweep`` command (printed, and stored with the results).
The study lives in ``runs/bench-sweep-<case>.db``, so an interrupted run continues;
the figure goes to ``bench/sweep_<case>.png`` and the results, with the command and
the commit, to ``bench/results/sweep_<case>.json``. The front's table adds each
point's test accuracy (test split, seed 0: one seed), measured only after the sweep
chose the front on the validation part.

    python bench/sweep.py                      # digits, 60 trials
    python bench/sweep.py --case randman-chip  # Randman on a chip of 1,024 neurons and 65,536 synapses
    python bench/sweep.py --quick              # a smoke run: 4 tiny trials, results under runs/
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

from pynq_snn.cli import build_parser
from pynq_snn.cli_sweep import sweep
from pynq_snn.host.evaluate import run_artifact
from pynq_snn.overlay.encoding import Encoding
from pynq_snn.training.data import encode_test_split, load_dataset
from pynq_snn.training.sweep.export import trial_artifact
from pynq_snn.training.sweep.front import front, trial_points
from pynq_snn.training.sweep.storage import open_storage
from pynq_snn.training.sweep.study import find_sweep
from provenance import ROOT, commit
from tables import print_table

#: The sweep of each case, as ``pynq-snn sweep`` flags.
CASES = {
    "digits": ["--data", "digits", "--trials", "60", "--layers", "1:3", "--width", "16:256", "--steps", "5:30",
               "--beta", "0.8:0.97", "--epochs", "10", "--qat-epochs", "5"],
    "randman-chip": ["--data", "randman", "--trials", "40", "--max-neurons", "1024", "--max-synapses", "65536",
                     "--layers", "1:3", "--width", "16:512", "--steps", "10:60", "--beta", "0.85:0.99",
                     "--epochs", "4", "--qat-epochs", "2"],
}
QUICK = ["--trials", "4", "--epochs", "1", "--qat-epochs", "1", "--train-samples", "200"]


def test_accuracy(study, number: int, seed: int) -> float:
    """A front point's accuracy on the test split, spikes encoded with ``seed``."""
    artifact = trial_artifact(study, number)
    dataset = load_dataset(artifact.meta["data"], artifact.meta["data_seed"], steps=artifact.n_steps)
    spikes = encode_test_split(dataset, Encoding.from_dict(artifact.encoding), seed)
    return run_artifact(artifact, spikes, dataset.test.y).accuracy


def tradeoff(points) -> str:
    """One sentence: the most accurate front point against the cheapest within 1 and 5 points of it."""
    on_front = front(points)
    best = max(on_front, key=lambda p: (p.accuracy, -p.energy_nj))
    parts = [f"the most accurate network ({best.topology}, T={best.steps}) reaches {best.accuracy:.1%} at "
             f"{best.energy_nj:.0f} nJ and {best.cycles:,.0f} cycles per sample"]
    for points_down in (1, 5):
        cheap = next(p for p in on_front if p.accuracy >= best.accuracy - points_down / 100)
        if cheap == best:
            continue
        parts.append(f"within {points_down} point{'s' if points_down > 1 else ''} of it, {cheap.topology} "
                     f"(T={cheap.steps}) reaches {cheap.accuracy:.1%} at {cheap.energy_nj:.0f} nJ "
                     f"({best.energy_nj / cheap.energy_nj:.1f}x less) and {cheap.cycles:,.0f} cycles")
    return "; ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=CASES, default="digits")
    parser.add_argument("--quick", action="store_true", help="a smoke run; results under runs/")
    options = parser.parse_args()
    name = f"{options.case}{'-quick' if options.quick else ''}"
    out = ROOT / "runs" if options.quick else ROOT / "bench"
    (ROOT / "runs").mkdir(exist_ok=True)
    storage = f"sqlite:///{ROOT / 'runs' / f'bench-sweep-{name}.db'}"
    flags = CASES[options.case] + (QUICK if options.quick else [])
    argv = ["sweep", *flags, "--storage", storage, "--study", name, "--plot", str(out / f"sweep_{name}.png")]
    command = "pynq-snn " + " ".join(argv).replace(str(ROOT) + "/", "")
    print(command)
    start = time.perf_counter()
    summary, lines = sweep(build_parser().parse_args(argv))
    seconds = time.perf_counter() - start
    print("\n".join(lines))

    study, spec = find_sweep(open_storage(storage), name)
    points = trial_points(study)
    tests = {p.number: test_accuracy(study, p.number, spec.seed) for p in front(points)}
    objectives = spec.objectives()
    print_table(
        f"Pareto front: {options.case}, {len(points)} trials (accuracy: one training seed)",
        ["trial", "validation accuracy", "test accuracy (seed 0)", "energy nJ/sample (neuromorphic)",
         "IP cycles/sample", "topology", "T", "beta"],
        [[p.number, f"{p.accuracy:.2%}", f"{tests[p.number]:.2%}", f"{p.energy_nj:.1f}", f"{p.cycles:,.0f}",
          p.topology, p.steps, f"{study.trials[p.number].params.get('beta', float('nan')):.3f}"]
         for p in front(points)],
    )
    sentence = tradeoff(points)
    print(f"\ntrade-off: {sentence}")
    results = out / "results" if not options.quick else out
    results.mkdir(exist_ok=True)
    path = results / f"sweep_{name}.json"
    path.write_text(json.dumps({
        "command": command, "commit": commit(), "date": time.strftime("%Y-%m-%d"), "seconds": seconds,
        "objectives": [asdict(o) for o in objectives], "spec": spec.to_dict(), "summary": summary,
        "tradeoff": sentence, "test_accuracy": tests, "points": [asdict(p) for p in points],
    }, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
