"""Fuzzing the artifact loader: every mutated file is accepted as valid or refused with ArtifactError.

12,000 seeded mutations a run (``artifact_mutations.py``: bit flips, truncations, insertions,
header edits with the checksum recomputed) go through the loader in a separate process under
an address-space cap of 256 MiB beyond its start. Any other exception, a MemoryError or an
input slower than a second fails the test. ``bench/artifact_fuzz.py`` runs a million.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from address_space import needs_proc
from artifact_mutations import base_artifacts, mutate
from pynq_snn.overlay.artifact import ArtifactError, from_bytes

HERE = Path(__file__).parent
#: The seed of CI's mutations; the soak in bench/ uses seeds from 1000 on.
CI_SEED = 2026
CI_INPUTS = 12_000


@needs_proc
def test_twelve_thousand_mutations_raise_nothing_but_artifact_error_within_the_cap():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, str(HERE / "artifact_mutations.py"), "--seed", str(CI_SEED), "--count", str(CI_INPUTS),
         "--limit-mib", "256", "--hang-s", "1"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["inputs"] == CI_INPUTS
    assert (found["other"], found["memory"], found["hangs"]) == (0, 0, 0), found["examples"]
    assert found["accepted"] + found["refused"] == CI_INPUTS and found["refused"] > 0.9 * CI_INPUTS


def test_the_mutations_reach_every_check_of_the_loader():
    bases, rng = base_artifacts(), np.random.default_rng(CI_SEED)
    messages = []
    for index in range(4000):
        try:
            from_bytes(mutate(bases[index % len(bases)], rng))
        except ArtifactError as refused:
            messages.append(str(refused))
    text = "\n".join(messages)
    for check in ("checksum mismatch", "too short", "not a pynq-snn artifact", "artifact format version",
                  "truncated", "not valid UTF-8 JSON", "nested deeper than", "too many digits", "duplicate key",
                  "unknown key", "missing key", "must be an integer", "is outside", "unexplained bytes",
                  "encoding", "not valid JSON", "offset must be", "missing ['v_init']"):
        assert check in text, f"no mutation reached the check {check!r}"
