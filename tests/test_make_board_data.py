"""notebooks/make_board_data.py --artifact: the test split is the one the artifact was trained beside."""
import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.overlay.artifact import load, save
from pynq_snn.training.data import load_dataset

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def make_board_data():
    spec = importlib.util.spec_from_file_location("make_board_data", NOTEBOOKS / "make_board_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_meta(tmp_path, **meta):
    artifact = load(NOTEBOOKS / "digits.snn")
    path = tmp_path / "net.snn"
    save(replace(artifact, meta={**artifact.meta, **meta}), path)
    return path


def test_the_split_follows_the_data_seed_the_artifact_records(make_board_data, tmp_path):
    artifact, dataset, _ = make_board_data.exported(_with_meta(tmp_path, data_seed=5), "digits", 0)
    assert artifact.meta["data_seed"] == 5
    assert np.array_equal(dataset.test.y, load_dataset("digits", 5).test.y)
    assert not np.array_equal(dataset.test.y, load_dataset("digits", 0).test.y)


@pytest.mark.parametrize("meta, data, seed, message", [
    (dict(seed=3), "digits", 0, "records seed 3, not 0: pass --seed 3"),
    (dict(data="fashion-mnist"), "digits", 0, "records data 'fashion-mnist', not 'digits': pass --data fashion-mnist"),
])
def test_an_artifact_of_another_seed_or_data_set_is_refused(make_board_data, tmp_path, meta, data, seed, message):
    with pytest.raises(SystemExit, match=message):
        make_board_data.exported(_with_meta(tmp_path, **meta), data, seed)


@pytest.mark.parametrize("content, message", [
    (None, "file not found"),
    (b"not an artifact", "--artifact: "),
])
def test_a_missing_or_corrupt_artifact_is_one_line_and_writes_nothing(make_board_data, tmp_path, capsys,
                                                                       content, message):
    path, out = tmp_path / "net.snn", tmp_path / "out"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SystemExit) as stopped:
        make_board_data.main(["--data", "digits", "--artifact", str(path), "--out", str(out)])
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert message in lines[-1] and "Traceback" not in "\n".join(lines)
    assert not out.exists()
