"""``--device auto|cpu|cuda`` and ``--threads``: where torch computes and with how many threads.

On a machine with a CUDA GPU the quantized networks run on it and must equal the emulator
integer for integer; elsewhere those tests are skipped with the reason, and ``--device
cuda`` must be refused in one line.
"""
import json

import numpy as np
import pytest
import torch

from pynq_snn import devices
from pynq_snn.cli import main
from pynq_snn.host.threads import blas_threads, use_blas_threads
from pynq_snn.pipeline import load_checkpoint, train
from pynq_snn.quant.export import to_artifact
from pynq_snn.training.options import TrainOptions
from pynq_snn.verify import compare

TINY = ["--data", "digits", "--hidden", "12", "--epochs", "1", "--qat-epochs", "1", "--steps", "6", "--quiet"]
GPU = torch.cuda.is_available()
NO_GPU = f"no CUDA GPU: torch {torch.__version__} sees none"


@pytest.fixture
def threads_restored():
    """Give torch's and BLAS's thread counts back as they were after the test."""
    before = torch.get_num_threads(), blas_threads()
    yield
    torch.set_num_threads(before[0])
    use_blas_threads(before[1])


@pytest.mark.skipif(GPU, reason="a CUDA GPU is present: --device cuda is taken")
@pytest.mark.parametrize("command", ["train", "verify", "sweep"])
def test_cuda_without_a_gpu_is_one_line(command, tmp_path, capsys):
    argv = {
        "train": ["train", *TINY, "--out", str(tmp_path / "m.pt")],
        "verify": ["verify", "digits.snn"],
        "sweep": ["sweep", "--trials", "1", "--storage", f"sqlite:///{tmp_path / 'sweep.db'}"],
    }[command]
    capsys.readouterr()
    assert main([*argv, "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pynq-snn {command}: error: --device cuda: torch ")
    assert "sees no CUDA GPU; use --device cpu" in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


def test_auto_takes_the_gpu_when_torch_sees_one_and_says_so(monkeypatch):
    heard = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Some GPU")
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        assert devices.resolve_device("auto", heard.append) == torch.device("cuda")
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before
    assert heard == ["--device auto: computing on the GPU, Some GPU (CUDA)"]
    assert devices.resolve_device("cuda", heard.append) == torch.device("cuda") and len(heard) == 1
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert devices.resolve_device("auto", heard.append) == torch.device("cpu") and len(heard) == 1
    assert devices.resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="^--device must be one of auto, cpu, cuda, got 'tpu'$"):
        devices.resolve_device("tpu")


def test_train_and_verify_report_the_device_and_the_threads(tmp_path, capsys, threads_restored):
    model, artifact = tmp_path / "m.pt", tmp_path / "m.snn"
    assert main(["train", *TINY, "--device", "cpu", "--threads", "1", "--out", str(model), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = json.loads(out[-1])
    assert summary["device"] == "cpu" and summary["threads"] == {"torch": 1, "blas": 1}
    assert "computed on:            cpu; CPU threads: torch 1, numpy's BLAS 1" in out
    assert torch.get_num_threads() == 1 and blas_threads() == 1
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    capsys.readouterr()
    assert main(["verify", str(artifact), "--device", "cpu", "--json"]) == 0
    verify = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert verify["ok"] and verify["device"] == "cpu"


def test_more_threads_than_cores_is_one_line(tmp_path, capsys):
    from pynq_snn.host.threads import cores_given

    capsys.readouterr()
    assert main(["train", *TINY, "--threads", str(cores_given() + 1), "--out", str(tmp_path / "m.pt")]) == 2
    assert capsys.readouterr().err.strip() == (f"pynq-snn train: error: --threads must be an integer in "
                                               f"[1, {cores_given()}] (the cores this process is given), "
                                               f"got {cores_given() + 1}")


@pytest.mark.skipif(not GPU, reason=NO_GPU)
@pytest.mark.parametrize("neuron", ["lif", "izh-norm", "izh"])
def test_the_quantized_network_on_cuda_equals_the_emulator(neuron, tmp_path):
    options = TrainOptions(data="digits", hidden=[24], float_epochs=1, qat_epochs=1, steps=8, neuron=neuron, seed=5)
    on_cpu = train(options, progress=False)
    artifact = to_artifact(on_cpu.quant_model, on_cpu.encoding.to_dict(), {})
    gpu = devices.resolve_device("cuda")
    report = compare(on_cpu.quant_model.to(gpu), artifact, on_cpu.test_spikes)
    assert report.ok and report.raster_entries_compared > 0, report
    trained_on_gpu = train(options, progress=False, device=gpu)  # QAT on the GPU, exported from the CPU
    assert all(t.device.type == "cpu" for t in trained_on_gpu.quant_model.state_dict().values())
    artifact = to_artifact(trained_on_gpu.quant_model, trained_on_gpu.encoding.to_dict(), {})
    assert compare(trained_on_gpu.quant_model.to(gpu), artifact, trained_on_gpu.test_spikes).ok


@pytest.mark.skipif(not GPU, reason=NO_GPU)
def test_a_checkpoint_trained_on_cuda_loads_on_the_cpu(tmp_path, capsys):
    model = tmp_path / "m.pt"
    assert main(["train", *TINY, "--device", "cuda", "--out", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["device"] == "cuda"
    saved = torch.load(model, map_location=None, weights_only=True)["state_dict"]
    assert all(tensor.device.type == "cpu" for tensor in saved.values())
    checkpoint = load_checkpoint(model)
    spikes = (np.random.default_rng(0).random((6, 5, 64)) < 0.3).astype(np.uint8)
    assert compare(checkpoint.model, to_artifact(checkpoint.model, checkpoint.encoding.to_dict(), {}), spikes).ok
