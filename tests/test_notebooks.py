"""The notebooks run from top to bottom on the emulator, with PYNQ_SNN_QUICK=1 (few epochs).

Each notebook runs in a temporary copy of ``notebooks/`` with a kernel of this Python,
so nothing it writes (``runs/model.snn``) lands in the repository and the outputs stay
out of the committed notebooks. A cell error fails the test with the cell and traceback.
"""
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL = "pynq-snn-test"

#: Appended to the board notebooks: the board's image has neither torch nor scikit-learn.
NO_DESKTOP_IMPORTS = """
import sys
loaded = sorted(m for m in ("torch", "sklearn", "snntorch", "brevitas") if m in sys.modules)
assert not loaded, f"the board notebook imported desktop packages: {loaded}"
"""
#: The board notebooks' last line of a run: the accuracy recorded with the shipped inputs, reproduced.
RECORDED = re.compile(r"matches the 4-bit model's accuracy recorded for these inputs \((\d+\.\d\d)%\): yes")


@pytest.fixture
def notebook_dir(tmp_path, monkeypatch):
    """A copy of the notebooks and their data, and a kernel spec for this interpreter.

    The kernel spec has its own name in its own JUPYTER_PATH, so a "python3" kernel
    installed for another Python cannot be picked up instead.
    """
    work = tmp_path / "notebooks"
    work.mkdir()
    for pattern in ("*.ipynb", "*.snn", "*.npz"):
        for path in NOTEBOOKS.glob(pattern):
            shutil.copy2(path, work / path.name)
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pynq-snn test",
        "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYNQ_SNN_QUICK", "1")
    return work


def execute(path: Path, timeout: int, extra_cell: str = ""):
    nb = nbformat.read(path, as_version=4)
    if extra_cell:
        nb.cells.append(nbformat.v4.new_code_cell(extra_cell))
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def text_of(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            elif "data" in output and "text/plain" in output["data"]:
                parts.append(output["data"]["text/plain"])
    return "".join(parts)


def images_in(nb) -> int:
    return sum("image/png" in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", []))


def test_board_notebook_runs_on_the_emulator(notebook_dir):
    nb = execute(notebook_dir / "board.ipynb", timeout=120, extra_cell=NO_DESKTOP_IMPORTS)
    text = text_of(nb)
    assert "backend:         emulator" in text
    assert "power:           not measured off the board" in text
    assert RECORDED.search(text)
    assert images_in(nb) == 1


def test_fashion_mnist_board_notebook_runs_on_the_emulator(notebook_dir):
    nb = execute(notebook_dir / "fashion_mnist_board.ipynb", timeout=120, extra_cell=NO_DESKTOP_IMPORTS)
    text = text_of(nb)
    assert "network:   784-512-10 lif, 25 timesteps" in text
    assert "backend:         emulator" in text
    assert "power:           not measured off the board" in text
    accuracy = re.search(r"accuracy:        (\d+\.\d\d)% \((\d+) of 100\)", text)
    assert accuracy and RECORDED.search(text).group(1) == accuracy.group(1)
    assert images_in(nb) == 1


def test_desktop_notebook_trains_exports_verifies_and_runs(notebook_dir):
    nb = execute(notebook_dir / "desktop.ipynb", timeout=300)
    text = text_of(nb)
    assert "bit-exact: yes" in text
    assert "running on the bit-exact emulator" in text  # open_device("auto") said so on stderr
    assert (notebook_dir / "runs" / "model.snn").is_file()
    assert images_in(nb) == 4  # accuracy per epoch, energy, rasters, accuracies


def test_sweep_notebook_sweeps_and_draws_the_front(notebook_dir):
    pytest.importorskip("optuna")
    nb = execute(notebook_dir / "sweep.ipynb", timeout=300)
    text = text_of(nb)
    assert "4 complete" in text
    assert "Pareto front of 4 complete trials" in text
    assert images_in(nb) == 1
    assert (notebook_dir / "runs" / "sweep_best.snn").is_file()
