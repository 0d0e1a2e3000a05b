"""A real sweep, tiny: trials train, are scored on the validation part, are pruned when the chip
cannot hold them, continue in a second run, report their front and export their networks."""
import json

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")
pytest.importorskip("matplotlib")

from optuna.trial import TrialState  # noqa: E402

from pynq_snn.cli import main  # noqa: E402
from pynq_snn.overlay.artifact import load  # noqa: E402
from pynq_snn.overlay.encoding import Encoding, encode  # noqa: E402
from pynq_snn.training.sweep.objectives import measure  # noqa: E402
from pynq_snn.training.sweep.storage import open_storage  # noqa: E402
from pynq_snn.training.sweep.study import find_sweep  # noqa: E402

#: Digits, 1 or 2 hidden layers of 16 to 48, T = 4, one epoch each, 120 samples to fit on,
#: on a chip of 64 neurons and 2048 synapses: 64-16-10 fits, 64-32-10 (2560 padded weights) does not.
SWEEP = ["sweep", "--data", "digits", "--layers", "1:2", "--width", "16:48", "--steps", "4", "--epochs", "1",
         "--qat-epochs", "1", "--train-samples", "120", "--max-neurons", "64", "--max-synapses", "2048",
         "--heartbeat", "5", "--quiet"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A study brought to 2 complete trials, then continued to 3 by a second run."""
    folder = tmp_path_factory.mktemp("sweep")
    url = f"sqlite:///{folder / 'sweep.db'}"
    assert main([*SWEEP, "--storage", url, "--trials", "2"]) == 0
    study, _ = find_sweep(open_storage(url), "sweep")
    first = len(study.trials)
    assert main([*SWEEP, "--storage", url, "--trials", "3", "--plot", str(folder / "front.png"), "--json"]) == 0
    return folder, url, first


def test_a_second_run_continues_the_study(swept, capsys):
    _, url, first = swept
    study, spec = find_sweep(open_storage(url), "sweep")
    states = [t.state for t in study.trials]
    assert states.count(TrialState.COMPLETE) == 3
    assert set(states) <= {TrialState.COMPLETE, TrialState.PRUNED}
    assert len(study.trials) > first  # the second run added to the first's trials
    assert spec.limits.neurons == 64 and spec.space.searched() == ["layers", "width"]


def test_networks_that_do_not_fit_are_pruned_untrained(swept):
    _, url, _ = swept
    study, spec = find_sweep(open_storage(url), "sweep")
    for trial in study.trials:
        fits = not spec.limits.violations(trial.user_attrs["sizes"], trial.params["steps"])
        assert (trial.state == TrialState.COMPLETE) == fits
        assert ("artifact" in trial.user_attrs) == fits and ("infeasible" in trial.user_attrs) != fits


def test_the_objectives_are_the_exported_network_on_the_validation_part(swept, capsys):
    folder, url, _ = swept
    study, spec = find_sweep(open_storage(url), "sweep")
    trial = study.best_trials[0]
    out = folder / f"trial{trial.number}.snn"
    capsys.readouterr()
    assert main(["sweep", "--storage", url, "--export", str(trial.number), "--out", str(out)]) == 0
    assert f"exported trial {trial.number}" in capsys.readouterr().out
    artifact = load(out)
    assert list(artifact.sizes) == trial.user_attrs["sizes"] and artifact.meta["trial"] == trial.number
    data = spec.data_for()
    spikes = encode(Encoding.from_dict(artifact.encoding), data.validation.x, np.random.default_rng(spec.seed))
    again = measure(artifact, spikes, data.validation.y, spec.energy_preset)
    assert again.values() == tuple(trial.values)
    assert main(["run", str(out), "--seed", str(spec.seed)]) == 0  # the test split, only now
    assert "test split" in capsys.readouterr().out


def test_the_report_prints_the_front_and_draws_it(swept, capsys):
    folder, url, _ = swept
    study, _ = find_sweep(open_storage(url), "sweep")
    assert (folder / "front.png").stat().st_size > 0  # the second run drew it
    capsys.readouterr()
    plot = folder / "report.png"
    assert main(["sweep", "--storage", url, "--report", "--plot", str(plot), "--json"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert sorted(p["number"] for p in summary["front"]) == sorted(t.number for t in study.best_trials)
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| trial")]
    assert len(rows) == len(study.best_trials)
    assert plot.stat().st_size > 0
