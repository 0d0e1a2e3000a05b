"""Sweeps, without training: the search space, the chip's limits, the study's checks, the front,
and every bad input the command refuses with one line and exit status 2."""
import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from pynq_snn.cli import EXIT_ERROR, main  # noqa: E402
from pynq_snn.training.data import load_dataset  # noqa: E402
from pynq_snn.training.sweep.export import pack, unpack  # noqa: E402
from pynq_snn.training.sweep.front import TrialPoint, front, front_lines, staircase, trial_points  # noqa: E402
from pynq_snn.training.sweep.limits import ChipLimits  # noqa: E402
from pynq_snn.training.sweep.objectives import objectives  # noqa: E402
from pynq_snn.training.sweep.space import SpaceError, parse_float, parse_int  # noqa: E402
from pynq_snn.training.sweep.spec import SweepSpec, build_spec  # noqa: E402
from pynq_snn.training.sweep.storage import StorageError, driver_url, open_storage  # noqa: E402
from pynq_snn.training.sweep.study import open_sweep  # noqa: E402

#: A small digits space: 1 or 2 hidden layers of 16 or 32, T = 4.
TINY = {"layers": "1:2", "width": "16:32", "steps": "4", "epochs": "1", "qat_epochs": "1"}
TINY_FLAGS = [part for name, text in TINY.items() for part in ("--" + name.replace("_", "-"), text)]


def tiny_spec(**settings) -> SweepSpec:
    return build_spec("digits", TINY, train_samples=100, **settings)


def one_error_line(capsys, argv) -> str:
    assert main(["sweep", "--quiet", *argv]) == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("pynq-snn sweep: error: ")
    return err


# ---- the search space ------------------------------------------------------------------


def test_a_range_a_value_and_the_lane_grid():
    assert parse_int("layers", "1:3", 1).text() == "1:3"
    assert parse_int("layers", "2", 1).fixed
    width = parse_int("width", "10:100", 1, step=16)
    assert (width.low, width.high, width.step) == (16, 96, 16)
    assert parse_float("beta", "0.8:0.99", 0.0, 1.0).text() == "0.8:0.99"
    for bad in ("3:1", "a", "1:2:3", "0"):
        with pytest.raises(SpaceError, match="--layers"):
            parse_int("layers", bad, 1)
    with pytest.raises(SpaceError, match=r"--beta .*\[0, 1\]"):
        parse_float("beta", "0.5:1.5", 0.0, 1.0)


def test_a_trial_draws_only_what_its_network_uses():
    spec = build_spec("digits", {**TINY, "neuron": "lif,izh-norm", "preset": "RS,IB", "beta": "0.8:0.95"},
                      output_neuron="lif")
    izh = spec.space.suggest(optuna.trial.FixedTrial(
        {"layers": 1, "width_0": 32, "neuron": "izh-norm", "steps": 4, "surrogate": "atan", "epochs": 1,
         "qat_epochs": 1, "preset_izh-norm": "IB", "beta": 0.85, "threshold": 1.0, "gain": 1.0}),
        spec.base_options(), rate_coded=True)
    assert izh.options.hidden == [32] and izh.options.preset == "IB" and izh.options.beta == 0.85
    lif_only = build_spec("digits", {**TINY, "neuron": "lif,izh-norm"})
    trial = optuna.trial.FixedTrial({"layers": 2, "width_0": 16, "width_1": 32, "neuron": "lif", "steps": 4,
                                     "surrogate": "atan", "epochs": 1, "qat_epochs": 1, "beta": 0.9,
                                     "threshold": 1.0, "gain": 1.0})
    config = lif_only.space.suggest(trial, lif_only.base_options(), rate_coded=True)
    assert config.sizes(64, 10) == [64, 16, 32, 10]
    assert "preset_izh-norm" not in trial.params  # no Izhikevich layer: no preset drawn


def test_the_chip_limits_name_what_breaks():
    small = ChipLimits(neurons=64, synapses=2048)
    assert small.violations([64, 16, 10], 25) == []
    broken = small.violations([64, 64, 10], 25)
    assert any(v.startswith("neurons: 74") for v in broken) and any(v.startswith("synapses:") for v in broken)
    with pytest.raises(ValueError, match="--max-synapses 100"):
        ChipLimits(synapses=100).build()
    with pytest.raises(ValueError, match="--max-neurons 1000"):
        ChipLimits(neurons=1000).build()


def test_the_validation_part_comes_from_the_training_split():
    dataset = load_dataset("digits")
    whole = build_spec("digits", TINY).data_for()
    assert len(whole.validation.y) == round(0.2 * len(dataset.train.y))
    parts = np.concatenate([whole.fit.x, whole.validation.x])
    assert sorted(row.tobytes() for row in parts) == sorted(row.tobytes() for row in dataset.train.x)
    assert np.bincount(whole.validation.y).min() >= 20  # stratified: every class is there
    small = tiny_spec().data_for()
    assert len(small.fit.y) == 100 and np.array_equal(small.validation.y, whole.validation.y)


def test_a_spec_reads_back_and_names_its_differences():
    spec = tiny_spec()
    assert SweepSpec.from_dict(spec.to_dict()) == spec
    other = build_spec("digits", {**TINY, "steps": "5"}, train_samples=100)
    assert spec.differences(other) == ["--steps 4 vs 5"]


# ---- the front ---------------------------------------------------------------------------


def point(number, accuracy, energy, cycles, on_front=False) -> TrialPoint:
    return TrialPoint(number, accuracy, energy, cycles, (64, 16, 10), "lif", 4, (1, 1), on_front)


def test_the_front_is_the_undominated_trials(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'front.db'}")
    spec = tiny_spec()
    study = open_sweep(storage, "front", spec)
    values = {0: (0.9, 100.0, 500.0), 1: (0.8, 50.0, 400.0), 2: (0.7, 60.0, 450.0), 3: (0.9, 100.0, 300.0)}
    for number, objective in values.items():
        study.add_trial(optuna.trial.create_trial(
            params={"neuron": "lif", "steps": 4, "epochs": 1, "qat_epochs": 1},
            distributions={"neuron": optuna.distributions.CategoricalDistribution(["lif"]),
                           "steps": optuna.distributions.IntDistribution(4, 4),
                           "epochs": optuna.distributions.IntDistribution(1, 1),
                           "qat_epochs": optuna.distributions.IntDistribution(1, 1)},
            values=list(objective), user_attrs={"sizes": [64, 16, 10]}))
    points = trial_points(study)
    # 2 is beaten by 1 on all three; 0 by 3 on cycles
    assert [p.number for p in front(points)] == [1, 3]
    assert [p.number for p in staircase(points)] == [1, 0]
    table = front_lines(points, spec.objectives())
    assert len(table) == 4 and table[2].startswith("| 1 | 80.00% | 50.0 | 400 | 64-16-10 | lif | 4 | 1 + 1 |")


def test_the_figure_has_every_trial_and_the_front(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from pynq_snn.training.sweep.plot import plot_front, save_front_plot

    points = [point(0, 0.9, 100.0, 500.0, True), point(1, 0.8, 50.0, 400.0, True), point(2, 0.7, 60.0, 450.0)]
    figure = plot_front(points, objectives("neuromorphic"))
    ax = figure.axes[0]
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 2]
    assert ax.get_xlabel() == "energy per sample, nJ (neuromorphic)"
    assert matplotlib.image.imread(save_front_plot(points, objectives("neuromorphic"), tmp_path / "f.png")).size


def test_a_stored_artifact_reads_back_and_damage_is_refused():
    from pynq_snn.overlay.artifact import Artifact, Layer

    artifact = Artifact(n_inputs=4, layers=(Layer(neuron="lif", weights=np.ones((2, 4), np.int8), weight_shift=3,
                                                  frac_bits=4, params={"beta": 230, "threshold": 128}),),
                        encoding={"kind": "rate", "steps": 4, "gain": 1.0}, meta={"trial": 3})
    assert unpack(pack(artifact)) == artifact
    with pytest.raises(ValueError, match="damaged"):
        unpack(pack(artifact)[:-8] + "!!!!!!!!")


# ---- bad input: one line, exit 2 ---------------------------------------------------------


def test_an_unknown_storage_scheme(capsys):
    with pytest.raises(StorageError):
        driver_url("sweep.db")
    with pytest.raises(StorageError, match="in memory"):
        driver_url("sqlite://")
    assert driver_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    err = one_error_line(capsys, ["--storage", "mysql://u@localhost/db"])
    assert "unknown storage URL scheme" in err and "sqlite:///FILE" in err


def test_an_unreachable_database(capsys):
    err = one_error_line(capsys, ["--data", "digits", *TINY_FLAGS,
                                  "--storage", "postgresql://sweeper:secret@127.0.0.1:1/studies"])
    assert "cannot reach the study database postgresql://sweeper:***@127.0.0.1:1/studies" in err
    assert "secret" not in err


def test_an_empty_search_space(capsys):
    fixed = ["--data", "digits", "--layers", "1", "--width", "16", "--steps", "4"]
    assert "empty search space: every dimension is fixed" in one_error_line(capsys, fixed)
    assert "holds no multiple of 16" in one_error_line(capsys, ["--data", "digits", "--width", "17:31"])
    err = one_error_line(capsys, ["--data", "digits", "--max-neurons", "32", "--max-synapses", "64"])
    assert "empty search space: its smallest network, 64-16-10" in err and "the IP holds 64" in err
    assert "names no preset of izh-norm" in one_error_line(capsys, ["--data", "digits", "--neuron", "izh-norm",
                                                                     "--preset", "FS"])
    assert "--gain applies to rate-coded data" in one_error_line(capsys, ["--data", "randman", "--gain", "1:2"])


def test_a_study_with_other_objectives_or_settings(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    open_sweep(open_storage(url), "s", tiny_spec())
    base = ["--data", "digits", "--train-samples", "100", "--storage", url, "--study", "s", *TINY_FLAGS]
    err = one_error_line(capsys, [*base, "--energy-preset", "45nm"])
    assert "study 's' exists with other objectives" in err and "energy_nj[45nm]" in err
    err = one_error_line(capsys, [*base, "--beta", "0.5"])
    assert "other settings" in err and "--beta 0.9 vs 0.5" in err
    assert "no study 'missing'" in one_error_line(capsys, ["--storage", url, "--study", "missing", "--report"])
    assert "has no trial 7" in one_error_line(capsys, ["--storage", url, "--study", "s", "--export", "7",
                                                       "--out", str(tmp_path / "m.snn")])
    assert "--export needs --out" in one_error_line(capsys, ["--storage", url, "--study", "s", "--export", "0"])
    assert not (tmp_path / "m.snn").exists()


def test_a_study_that_pynq_snn_did_not_make(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    optuna.create_study(study_name="theirs", storage=url, directions=["maximize", "minimize", "minimize"])
    assert "was not made by pynq-snn sweep" in one_error_line(capsys, ["--storage", url, "--study", "theirs",
                                                                        "--report"])


def test_the_help_documents_every_flag():
    from pynq_snn.cli import build_parser

    sweep = build_parser()._subparsers._group_actions[0].choices["sweep"]
    flags = [action for action in sweep._actions if action.option_strings]
    undocumented = [a.option_strings[0] for a in flags if not (a.help or "").strip()]
    assert undocumented == []
    names = {a.option_strings[0] for a in flags}
    assert {"--storage", "--workers", "--energy-preset", "--max-neurons", "--max-synapses", "--report", "--export",
            "--layers", "--width", "--steps", "--neuron", "--preset", "--beta", "--threshold", "--surrogate", "--gain",
            "--epochs", "--qat-epochs", "--heartbeat", "--trials", "--study"} <= names
